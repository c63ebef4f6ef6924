//! `payhub-sandbox`: run the sandbox as a process.
//!
//! ```text
//! cargo run -p payhub-sandbox -- --port 8080 --config sandbox.toml
//! ```
//!
//! Prints the base URL and the (sandbox-only) credentials each provider accepts on stdout,
//! logs to stderr (one line per request: method, path, status, latency; no colour codes unless
//! stderr is a terminal; `RUST_LOG=payhub_sandbox=debug` for more), and stops gracefully on Ctrl-C
//! or SIGTERM, exiting 0. The signal handlers are installed before anything else, so a SIGINT
//! that arrives during start-up (even from a script, where background jobs start with SIGINT
//! ignored) stops the sandbox too. Final orders are removed an hour (sandbox time) after they
//! ended; `--order-retention` changes that.
#![forbid(unsafe_code)]

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use payhub_sandbox::{Sandbox, SandboxHandle, Signals};

/// A local server that speaks the payhub providers' APIs, with signed callbacks and faults.
#[derive(Debug, Parser)]
#[command(name = "payhub-sandbox", version, about)]
struct Args {
    /// Port to listen on (0 = an ephemeral port, printed at start).
    #[arg(long, env = "PAYHUB_SANDBOX_PORT")]
    port: Option<u16>,
    /// Address to listen on.
    #[arg(long, env = "PAYHUB_SANDBOX_HOST")]
    host: Option<String>,
    /// TOML configuration file (credentials, clock, callbacks, provider settings).
    #[arg(long, env = "PAYHUB_SANDBOX_CONFIG")]
    config: Option<PathBuf>,
    /// Clock speed: sandbox milliseconds per real millisecond (0 = frozen).
    #[arg(long)]
    speed: Option<u32>,
    /// Send every callback to this URL instead of the orders' notify URLs.
    #[arg(long)]
    redirect_callbacks: Option<String>,
    /// Seconds of sandbox time final orders are kept after they ended (default 3600; 0 keeps
    /// them forever).
    #[arg(long, value_name = "SECS", env = "PAYHUB_SANDBOX_ORDER_RETENTION")]
    order_retention: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    // First of all: a background job started from a script has SIGINT ignored until a handler
    // is installed, so a SIGINT during start-up would otherwise be lost.
    let mut signals = Signals::install();
    // One line per request (method, path, status, latency), plain text unless stderr is a
    // terminal: colour codes would garble log files and CI output.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("payhub_sandbox=info")),
        )
        .init();
    let args = Args::parse();
    match run(args, &mut signals).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("payhub-sandbox: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(&format!(": {s}"));
                src = s.source();
            }
            let _ = writeln!(std::io::stderr(), "{msg}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args, signals: &mut Signals) -> Result<(), payhub_sandbox::Error> {
    let mut builder = Sandbox::builder();
    if let Some(path) = args.config {
        builder = builder.config_file(path);
    }
    if let Some(host) = args.host {
        builder = builder.host(host);
    }
    if let Some(port) = args.port {
        builder = builder.port(port);
    }
    if let Some(speed) = args.speed {
        builder = builder.clock_speed(speed);
    }
    if let Some(url) = args.redirect_callbacks {
        builder = builder.redirect_callbacks(url);
    }
    if let Some(secs) = args.order_retention {
        builder = builder.order_retention((secs > 0).then(|| Duration::from_secs(secs)));
    }
    let sandbox = tokio::select! {
        biased;
        signal = signals.recv() => {
            tracing::info!(signal, "signal received during start-up, exiting");
            return Ok(());
        }
        started = builder.start() => started?,
    };
    print_banner(&sandbox);
    let signal = signals.recv().await;
    tracing::info!(signal, "signal received, shutting down");
    sandbox.shutdown().await
}

fn print_banner(sandbox: &SandboxHandle) {
    let mut out = String::new();
    out.push_str(&format!(
        "payhub-sandbox listening on {}\n",
        sandbox.base_url()
    ));
    out.push_str(&format!(
        "control API: {}/_sandbox/info\n",
        sandbox.base_url()
    ));
    out.push_str(
        "credentials below are SANDBOX-ONLY test values; never use them against a real provider\n",
    );
    for p in sandbox.providers() {
        out.push_str(&format!("{}: {}\n", p.name, p.base_url));
        for c in &p.credentials {
            out.push_str(&format!("  {}: {}\n", c.label(), c.value()));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
