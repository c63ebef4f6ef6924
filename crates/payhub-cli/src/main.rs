//! `payhub`: the command-line tool of the payhub SDK. Starts the sandbox, creates and queries
//! orders on any of the five providers, explains signatures and verifies callbacks.
//!
//! ```text
//! payhub sandbox --port 8080
//! payhub create paydesk --order-no M1 --currency TZS --amount 1000 --notify-url https://shop/n ...
//! payhub query paydesk M1
//! payhub sign gateway-recharge --explain --file request.json --timestamp 1731681331000
//! payhub verify-notify paydesk --file body.json --header 'MerchantId: 1002001' --header 'Sign: ...'
//! ```
//!
//! Credentials come from flags, else the provider crate's environment variables, else a TOML
//! file (`--config payhub.toml`, or `./payhub.toml` when present). Secrets are never printed.
//! Errors are one line on stderr; the exit code is 1, or 2 when the outcome of a create is
//! unknown (query the order before sending it again). `RUST_LOG=debug` (or any `tracing` filter)
//! adds the SDK's tracing output on stderr; without it nothing more is written.
#![forbid(unsafe_code)]

mod create;
mod credentials;
mod error;
mod fields;
mod output;
mod providers;
mod query;
mod sandbox;
mod sign;
mod verify_notify;

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// One SDK for five payment and recharge providers: sandbox, orders, signatures, callbacks.
#[derive(Debug, Parser)]
#[command(name = "payhub", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the payhub sandbox in-process and print its URLs and test credentials.
    Sandbox(sandbox::Args),
    /// Create an order (a cashier or collection order, or a direct recharge).
    Create(Box<create::Args>),
    /// Query an order by its merchant order number.
    Query(Box<query::Args>),
    /// Sign a request given as a JSON object of its fields; `--explain` shows what was signed.
    Sign(Box<sign::Args>),
    /// Verify a callback (raw body from a file or stdin) and print the acknowledgement to send.
    VerifyNotify(Box<verify_notify::Args>),
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Create(args) => create::run(*args).await,
        Command::Query(args) => query::run(*args).await,
        Command::Sign(args) => sign::run(*args),
        Command::VerifyNotify(args) => verify_notify::run(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The SDK's tracing output (spans of every provider call, callback decisions) on stderr when
/// `RUST_LOG` asks for it (`RUST_LOG=debug`, `RUST_LOG=paydesk=trace`); nothing otherwise, so the
/// normal output and the one-line errors are unchanged. Secrets are masked in these logs too.
fn init_tracing() {
    let Some(filter) = std::env::var_os(tracing_subscriber::EnvFilter::DEFAULT_ENV)
        .filter(|v| !v.is_empty())
        .and_then(|_| tracing_subscriber::EnvFilter::try_from_default_env().ok())
    else {
        return;
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Writes `text` to stdout. A closed pipe (`payhub ... | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::new(format!("cannot write to stdout: {e}"))),
    }
}
