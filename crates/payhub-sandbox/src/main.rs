//! `payhub-sandbox`: run the sandbox as a process.
//!
//! ```text
//! cargo run -p payhub-sandbox -- --port 8080 --config sandbox.toml
//! ```
//!
//! Prints the base URL and the (sandbox-only) credentials each provider accepts on stdout,
//! logs to stderr (`RUST_LOG=payhub_sandbox=debug` for more), and stops gracefully on Ctrl-C
//! or SIGTERM.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use payhub_sandbox::{Sandbox, SandboxHandle};

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
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("payhub_sandbox=info")),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
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

async fn run(args: Args) -> Result<(), payhub_sandbox::Error> {
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
    let sandbox = builder.start().await?;
    print_banner(&sandbox);
    wait_for_signal().await;
    tracing::info!("signal received, shutting down");
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

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
