//! `payhub verify-notify <provider>`: verifies a callback on its raw bytes (from a file or
//! stdin) with the provider crate's `NotifyVerifier`, prints the typed notification and the
//! exact acknowledgement to send back (status, content type, body), or fails with the typed
//! error.
//!
//! The body is verified byte for byte, so give it exactly as received (`printf`, not `echo`,
//! which adds a newline). Headers the provider signs (paydesk `MerchantId`/`Sign`, vipcharge
//! `businessId`/`nonce`/`timestamp`/`sign`, tokenpay `TTPay-*`) go in with `--header`.
//!
//! A valid signature proves who sent the callback, not that it is about the order you think:
//! `--expect-order-no` / `--expect-amount` / `--expect-currency` compare it with your records
//! (`payhub::Expected`) and fail naming every field that differs. Only tokenpay callbacks state
//! a currency: for a callback that states none, `--expect-currency` is not compared (a genuine
//! callback is not failed for it); the output says so in `currency_check` and on stderr.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};

use payhub::Expected;

use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::fields::parse_decimal;
use crate::providers::Provider;

/// Arguments of `payhub verify-notify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The provider.
    provider: Provider,
    /// The raw callback body (default: stdin; `-` is stdin too).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// A request header as received, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// The request's `Content-Type`.
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
    /// Fail unless the callback is about this merchant order number.
    #[arg(long, value_name = "NO")]
    expect_order_no: Option<String>,
    /// With --expect-order-no: fail unless the amount is this (compared numerically).
    #[arg(
        long,
        value_name = "DECIMAL",
        requires = "expect_order_no",
        allow_hyphen_values = true
    )]
    expect_amount: Option<String>,
    /// With --expect-order-no: fail if the callback states another currency (only tokenpay
    /// callbacks state one; for the others this is reported as not checked).
    #[arg(long, value_name = "CODE", requires = "expect_order_no")]
    expect_currency: Option<String>,
    #[command(flatten)]
    creds: CredentialArgs,
    /// Print the result as one JSON object.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// Runs `payhub verify-notify`.
///
/// # Errors
/// Unreadable input, a malformed `--header`, missing credentials, the provider's typed notify
/// error (the callback must not be trusted), or a callback that differs from `--expect-*`.
pub(crate) fn run(args: Args) -> Result<(), CliError> {
    let expected = expected(&args)?;
    let headers = header_map(&args.headers, args.content_type.as_deref())?;
    let body = read_body(args.file.as_ref())?;
    let creds = args.provider.credentials(&args.creds)?;
    let verified = args.provider.verify_notify(&creds, &headers, &body)?;
    let mut record = verified.record;
    if let Some(expected) = &expected {
        verified
            .notification
            .check(expected)
            .map_err(|m| CliError::new(format!("{}: {m}", args.provider)))?;
        if expected
            .unchecked(&verified.notification.facts())
            .contains(&"currency")
        {
            let note = "not checked: the callback does not state a currency";
            eprintln!("note: {}: --expect-currency {note}", args.provider);
            record.put("currency_check", note);
        }
    }
    let (status, content_type, ack) = verified.ack;
    record
        .put("payment_status", verified.notification.status())
        .int("ack_status", u64::from(status))
        .put("ack_content_type", content_type)
        .put("ack_body", ack);
    crate::print(&record.render(args.json))
}

fn expected(args: &Args) -> Result<Option<Expected>, CliError> {
    let Some(order_no) = &args.expect_order_no else {
        return Ok(None);
    };
    let mut expected = Expected::order(order_no.trim());
    if let Some(amount) = &args.expect_amount {
        expected = expected.amount(parse_decimal("--expect-amount", amount)?);
    }
    if let Some(currency) = &args.expect_currency {
        expected = expected.currency(currency.trim());
    }
    Ok(Some(expected))
}

fn header_map(lines: &[String], content_type: Option<&str>) -> Result<HeaderMap, CliError> {
    let mut map = HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| CliError::new(format!("--header `{line}`: expected `Name: value`")))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CliError::new(format!("--header `{line}`: invalid header name")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::new(format!("--header `{line}`: invalid header value")))?;
        map.append(name, value);
    }
    if let Some(ct) = content_type {
        let value = HeaderValue::from_str(ct.trim())
            .map_err(|_| CliError::new(format!("--content-type `{ct}`: invalid header value")))?;
        map.insert(CONTENT_TYPE, value);
    }
    Ok(map)
}

fn read_body(file: Option<&PathBuf>) -> Result<Vec<u8>, CliError> {
    match file.filter(|p| p.as_os_str() != "-") {
        Some(path) => std::fs::read(path)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display()))),
        None => {
            if std::io::stdin().is_terminal() {
                return Err(CliError::new(
                    "expected the callback body on stdin: pipe it in or pass --file FILE",
                ));
            }
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
            Ok(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_content_type_overrides() {
        let map = header_map(
            &["MerchantId: 1002001".to_owned(), "Sign:ABC".to_owned()],
            Some("application/json"),
        )
        .unwrap();
        assert_eq!(map["merchantid"], "1002001");
        assert_eq!(map["sign"], "ABC");
        assert_eq!(map[CONTENT_TYPE], "application/json");
        assert!(header_map(&["no colon".to_owned()], None).is_err());
        assert!(header_map(&["bad name: x".to_owned()], None).is_err());
    }
}
