//! `payhub sign <provider> [--explain]`: reads a request's fields (a JSON object, by wire name,
//! from a file or stdin), builds the provider's typed request exactly as `payhub create` or
//! `payhub query` would, and signs it without sending anything.
//!
//! With `--explain` it prints the exact wire request, the signed string with the secret masked
//! (`***`), the signature, and the fields included in or skipped from the signature with the
//! reason. `--timestamp` and `--nonce` pin the clock and nonce so the output is reproducible;
//! a timestamp field in the input (`time`, `datetime`) is used the same way, and identity fields
//! (`merchant_no`, `appid`, `app_id`, ...) must match the configured credentials.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

use serde_json::json;

use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::fields::{Fields, Hint};
use crate::providers::{Fixed, Op, Provider, Signed};

/// Arguments of `payhub sign`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The provider.
    provider: Provider,
    /// Print a complete sample input for this provider's `--op` request (a JSON object of its
    /// wire fields) and exit.
    #[arg(long)]
    template: bool,
    /// Show the wire request, the signed string (secret masked) and the included and skipped
    /// fields; without it only the signature is printed.
    #[arg(long)]
    explain: bool,
    /// Which request the fields describe.
    #[arg(long, value_enum, default_value_t)]
    op: Op,
    /// The JSON object of fields (default: stdin; `-` is stdin too).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The timestamp to sign, as the provider writes it (Unix milliseconds; seconds for
    /// jiuyi-dc). Default: now.
    #[arg(long, value_name = "TS", allow_negative_numbers = false)]
    timestamp: Option<i64>,
    /// The nonce to sign (paydesk nonceStr, tokenpay, vipcharge). Default: a fresh random one.
    #[arg(long)]
    nonce: Option<String>,
    #[command(flatten)]
    creds: CredentialArgs,
    /// Print the result as one JSON object.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// Runs `payhub sign`.
///
/// # Errors
/// Unreadable input, missing credentials, a bad field, the provider's validation error, or a
/// signature in the input that differs from the computed one (after printing the explanation).
pub(crate) fn run(args: Args) -> Result<(), CliError> {
    if args.template {
        return crate::print(&crate::template::json(args.provider, args.op));
    }
    let text = read_input(args.file.as_ref())?;
    let fields = Fields::from_json(&text)?.with_hint(Hint::Input {
        provider: args.provider.name(),
    });
    let mut creds = args.provider.credentials(&args.creds)?;
    let fixed = Fixed {
        timestamp: args.timestamp,
        nonce: args.nonce.clone(),
    };
    let signed = args.provider.sign(&mut creds, fields, args.op, &fixed)?;
    let out = if args.json {
        render_json(&signed)
    } else if args.explain {
        render_explain(&signed)
    } else {
        format!("{}\n", signed.signature)
    };
    crate::print(&out)?;
    match &signed.given {
        Some(given) if !given.eq_ignore_ascii_case(&signed.signature) => {
            Err(CliError::new(format!(
                "{}: the input's sign `{given}` does not match the computed `{}`",
                args.provider, signed.signature
            )))
        }
        _ => Ok(()),
    }
}

fn read_input(file: Option<&PathBuf>) -> Result<String, CliError> {
    match file.filter(|p| p.as_os_str() != "-") {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display()))),
        None => {
            if std::io::stdin().is_terminal() {
                return Err(CliError::usage(
                    "expected the JSON object of fields on stdin: pipe it in or pass --file FILE \
                     (`--template` prints one)",
                ));
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
            Ok(text)
        }
    }
}

fn render_explain(signed: &Signed) -> String {
    let mut out = signed.prepared.render();
    out.push_str(&format!("signature: {}\n", signed.signature));
    if let Some(e) = signed.prepared.signed() {
        if !e.included().is_empty() {
            out.push_str(&format!("included: {}\n", e.included().join(", ")));
        }
        for (field, why) in e.skipped() {
            out.push_str(&format!("skipped: {field} ({why})\n"));
        }
    }
    if let Some(given) = &signed.given {
        let verdict = if given.eq_ignore_ascii_case(&signed.signature) {
            "matches"
        } else {
            "DIFFERS"
        };
        out.push_str(&format!("input sign: {given} ({verdict})\n"));
    }
    out
}

fn render_json(signed: &Signed) -> String {
    let p = &signed.prepared;
    let e = p.signed();
    let value = json!({
        "method": p.method().as_str(),
        "path": p.path_and_query(),
        "content_type": p.content_type(),
        "headers": p.headers().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(p.body_bytes()),
        "signed_string": e.map(|e| e.signed_string()),
        "signature": signed.signature,
        "included": e.map(|e| e.included().to_vec()).unwrap_or_default(),
        "skipped": e
            .map(|e| e.skipped().iter().map(|(f, why)| json!([f, why.to_string()])).collect::<Vec<_>>())
            .unwrap_or_default(),
        "input_sign": signed.given,
    });
    format!("{value}\n")
}
