//! `payhub`: the command-line tool of the payhub SDK. Starts the sandbox, creates and queries
//! orders on any of the five providers, explains signatures and verifies callbacks.
//!
//! ```text
//! payhub sandbox --port 8080
//! payhub create paydesk --order-no M1 --currency TZS --amount 1000 --notify-url https://shop/n ...
//! payhub query paydesk M1
//! payhub sign gateway-recharge --explain --file request.json --timestamp 1731681331000
//! payhub verify-notify paydesk --file body.json --header 'MerchantId: 1002001' --header 'Sign: ...'
//! payhub serve --config payhub.toml --listen 0.0.0.0:8080 --store postgres://payhub@db/payhub \
//!     --redis redis://cache:6379 --forward-to https://shop/payhub-events --reconcile
//! payhub events list --state failed --store postgres://payhub@db/payhub
//! payhub reconcile --once --config payhub.toml --store sqlite://payhub.db
//! ```
//!
//! Credentials come from flags, else the provider crate's environment variables, else a TOML
//! file (`--config payhub.toml`, or `./payhub.toml` when present), which may hold several
//! named accounts per provider (`[[paydesk]]`, chosen with `--merchant NAME`; `verify-notify`
//! finds the account from the callback through `payhub::Hub`). Secrets are never printed.
//! Errors are one line on stderr (with `--json`: one JSON object on stdout); the exit code is 1,
//! 2 when the outcome of a create is unknown (query the order before sending it again), or 64
//! for a usage error (`EX_USAGE`). `RUST_LOG=debug` (or any `tracing` filter) adds the SDK's
//! tracing output on stderr; without it nothing more is written.
//!
//! It lives in its own crate, `payhub-cli` (`cargo install --path crates/payhub-cli`), so the
//! `payhub` library carries no command-line parser or config-file reader.
#![forbid(unsafe_code)]

mod control;
mod create;
mod credentials;
mod error;
mod events;
mod fields;
mod listen;
mod output;
mod providers;
mod query;
mod reconcile;
mod sandbox;
mod serve;
mod sign;
mod template;
mod trigger;
mod verify_notify;

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{CliError, EXIT_CODES_HELP};

/// One SDK for five payment and recharge providers: sandbox, orders, signatures, callbacks.
#[derive(Debug, Parser)]
#[command(name = "payhub", version, about, long_about = None, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the payhub sandbox in-process and print its URLs and test credentials; or drive a
    /// running one (`orders`, `callbacks`, `pay`, `fail`, `expire`, `advance`).
    Sandbox(Box<sandbox::Args>),
    /// Forward the sandbox's callbacks to your app and print each delivery.
    Listen(Box<listen::Args>),
    /// Create a sandbox order and drive it so a callback is sent (`--list` shows the events).
    Trigger(Box<trigger::Args>),
    /// Create an order (a cashier or collection order, or a direct recharge).
    Create(Box<create::Args>),
    /// Query an order by its merchant order number.
    Query(Box<query::Args>),
    /// Sign a request given as a JSON object of its fields; `--explain` shows what was signed.
    Sign(Box<sign::Args>),
    /// Verify a callback (raw body from a file or stdin) and print the acknowledgement to send.
    VerifyNotify(Box<verify_notify::Args>),
    /// Run the callback gateway: record every verified callback in a store before the
    /// provider's success reply, forward events to your app, reconcile tracked orders.
    Serve(Box<serve::Args>),
    /// The events `payhub serve` recorded: `list`, `show ID`, `replay ID`.
    Events(Box<events::Args>),
    /// Settle tracked orders by asking the providers (`--once`: one pass, for a cron job).
    Reconcile(Box<reconcile::ReconcileArgs>),
    /// The orders tracked for the reconciler: `list` (what is still open, and why).
    Orders(Box<reconcile::OrdersArgs>),
}

#[tokio::main]
async fn main() -> ExitCode {
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, json),
    };
    init_tracing(match &cli.command {
        Command::Sandbox(args) => args.default_log_filter(),
        Command::Serve(_) => Some("info"),
        _ => None,
    });
    let result = match cli.command {
        Command::Sandbox(args) => sandbox::run(*args).await,
        Command::Listen(args) => listen::run(*args).await,
        Command::Trigger(args) => trigger::run(*args).await,
        Command::Create(args) => create::run(*args).await,
        Command::Query(args) => query::run(*args).await,
        Command::Sign(args) => sign::run(*args),
        Command::VerifyNotify(args) => verify_notify::run(*args),
        Command::Serve(args) => serve::run(*args).await,
        Command::Events(args) => events::run(*args).await,
        Command::Reconcile(args) => reconcile::run(*args).await,
        Command::Orders(args) => reconcile::orders(*args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, json),
    }
}

/// Prints a failure (one line on stderr, or one JSON object on stdout with `--json`) and
/// returns its exit code.
fn report(e: &CliError, json: bool) -> ExitCode {
    let text = e.render(json);
    let _ = if json {
        std::io::stdout().lock().write_all(text.as_bytes())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
    ExitCode::from(e.exit_code())
}

/// clap's verdict: `--help` and `--version` print and exit 0; anything else is a usage error,
/// one line (clap's message and tip, without the usage block) and exit code 64.
fn usage_error(e: &clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand && !json {
        // `payhub` or `payhub sandbox` alone with a required subcommand: the help, as a usage
        // error.
        let _ = std::io::stderr()
            .lock()
            .write_all(e.render().to_string().as_bytes());
        return ExitCode::from(error::EXIT_USAGE);
    }
    let rendered = e.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    let mut in_usage = false;
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") {
            in_usage = true;
            continue;
        }
        if line.is_empty() {
            in_usage = false;
            continue;
        }
        if in_usage {
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        match parts.last_mut() {
            // `... were not provided:` followed by the list: one sentence.
            Some(prev) if prev.ends_with(':') => {
                prev.push(' ');
                prev.push_str(line);
            }
            _ => parts.push(line.to_owned()),
        }
    }
    let message = if parts.is_empty() {
        "a command is required; see `payhub --help`".to_owned()
    } else {
        parts.join("; ")
    };
    report(&CliError::usage(message), json)
}

/// The SDK's tracing output (spans of every provider call, callback decisions) on stderr when
/// `RUST_LOG` asks for it (`RUST_LOG=debug`, `RUST_LOG=paydesk=trace`), else the command's own
/// default (`payhub sandbox` logs its requests and callbacks); nothing otherwise, so the normal
/// output and the one-line errors are unchanged. An invalid `RUST_LOG` turns logging off.
/// Secrets are masked in these logs too.
fn init_tracing(default: Option<&str>) {
    let filter = match std::env::var_os(tracing_subscriber::EnvFilter::DEFAULT_ENV)
        .filter(|v| !v.is_empty())
    {
        Some(_) => tracing_subscriber::EnvFilter::try_from_default_env().ok(),
        None => default.map(tracing_subscriber::EnvFilter::new),
    };
    let Some(filter) = filter else {
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
