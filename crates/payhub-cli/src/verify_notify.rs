//! `payhub verify-notify <provider>`: verifies a callback on its raw bytes (from a file or
//! stdin) with the provider crate's `NotifyVerifier`, prints the typed notification and the
//! exact acknowledgement to send back (status, content type, body), or fails with the typed
//! error.
//!
//! The body is verified byte for byte, so give it exactly as received (`printf`, not `echo`,
//! which adds a newline). Headers the provider signs (paydesk `MerchantId`/`Sign`, vipcharge
//! `businessId`/`nonce`/`timestamp`/`sign`, tokenpay `TTPay-*`) go in with `--header`.
//!
//! The account: with several accounts of the provider in `payhub.toml` (`[[paydesk]]` tables),
//! or an account that keeps a previous key during a rotation (`previous_api_key`, ...), the
//! callback is verified by a `payhub::Hub` built from those accounts, exactly as a service
//! using the registry would: it finds the account from the merchant the callback names
//! (paydesk `MerchantId`, tokenpay `app_id`, vipcharge `businessId`), else from `--merchant
//! NAME` (gateway-recharge and jiuyi-dc callbacks do not say), tries the current key, then the
//! previous one. The output names the account (`merchant`) and the key that verified it
//! (`key: previous` also prints a note on stderr: the provider still signs with the old key).
//! A single account without a previous key is checked by the provider crate's verifier alone,
//! so a saved callback is checked whatever its age and only the keys that verify callbacks
//! are needed.
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

use payhub::{Expected, Hub, KeyUsed};

use crate::credentials::{CredentialArgs, Credentials};
use crate::error::CliError;
use crate::fields::parse_decimal;
use crate::providers::{self, Provider, Verified};

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
    let accounts = args.provider.all_credentials(&args.creds)?;
    let (verified, account, key) = match accounts.as_slice() {
        [one] if args.creds.merchant().is_none() && !one.uses_hub()? => (
            args.provider.verify_notify(one, &headers, &body)?,
            one.account().to_owned(),
            KeyUsed::Current,
        ),
        _ => verify_with_hub(
            args.provider,
            &accounts,
            args.creds.merchant(),
            &headers,
            &body,
        )?,
    };
    let mut record = verified.record;
    record.put("merchant", &account).put(
        "key",
        match key {
            KeyUsed::Previous => "previous",
            _ => "current",
        },
    );
    if key == KeyUsed::Previous {
        eprintln!(
            "note: {}: account `{account}` verified this callback with its previous key: the \
             provider has not switched to the current key yet",
            args.provider
        );
    }
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

/// Verifies with a `payhub::Hub` holding every account of the provider: the account the
/// callback names (else `merchant`), its current key, then its previous one.
fn verify_with_hub(
    provider: Provider,
    accounts: &[Credentials],
    merchant: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Verified, String, KeyUsed), CliError> {
    let mut hub = Hub::builder();
    for creds in accounts {
        let mut settings = creds.account_settings()?;
        if settings.get("base_url").is_none() {
            // Verifying sends nothing: an account configured only to check callbacks needs no
            // base URL.
            settings.insert("base_url", "http://127.0.0.1:1");
        }
        hub = hub.account_from_settings(provider.hub(), creds.account(), &settings);
    }
    let hub = hub.build().map_err(|e| hub_error(provider, e, accounts))?;
    let v = hub
        .verify(provider.hub(), merchant, headers, body)
        .map_err(|e| hub_error(provider, e, accounts))?;
    let key = v.key;
    let account = v.account;
    Ok((providers::verified(provider, v.notification)?, account, key))
}

/// The registry's refusal as a CLI error: an account that cannot be chosen is a usage error
/// naming the configured ones; a provider's own error keeps its kind.
fn hub_error(provider: Provider, e: payhub::Error, accounts: &[Credentials]) -> CliError {
    let mut names: Vec<&str> = accounts.iter().map(Credentials::account).collect();
    names.sort_unstable();
    let names = names.join(", ");
    match e {
        payhub::Error::AccountNotNamed { .. } => CliError::usage(format!(
            "{provider}: the callback does not say which account it is for: choose one with \
             --merchant NAME (configured: {names})"
        )),
        payhub::Error::UnknownAccount { account, .. } => CliError::usage(format!(
            "{provider}: no account `{account}` (configured: {names})"
        )),
        payhub::Error::UnknownMerchant { merchant_id, .. } => CliError::new(format!(
            "{provider}: the callback is for merchant `{merchant_id}`, which none of the \
             configured accounts has (configured: {names})"
        ))
        .with_kind("unknown_merchant"),
        payhub::Error::GatewayRecharge(inner) => providers::fail(provider, &inner, false),
        payhub::Error::JiuyiDc(inner) => providers::fail(provider, &inner, false),
        payhub::Error::Paydesk(inner) => providers::fail(provider, &inner, false),
        payhub::Error::Tokenpay(inner) => providers::fail(provider, &inner, false),
        payhub::Error::Vipcharge(inner) => providers::fail(provider, &inner, false),
        other => CliError::new(crate::error::chain(&other)).with_kind("config"),
    }
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
