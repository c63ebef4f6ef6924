//! `payhub sandbox`: starts the payhub sandbox in-process, prints its base URL, each provider's
//! base URL and the merchant credentials it accepts (sandbox-only test values: printing them is
//! the point), then serves until Ctrl-C or SIGTERM and shuts down gracefully (exit 0). The
//! signal handlers are installed first, so a SIGINT during start-up (even from a script, where
//! background jobs start with SIGINT ignored) stops it too.
//!
//! `--write-config payhub.toml` also writes those URLs and credentials as a `payhub` config
//! file, so `payhub create` / `query` / `verify-notify` run against the sandbox with no flags.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use payhub::sandbox::{Sandbox, SandboxHandle, Signals};

use crate::error::{CliError, chain};
use crate::providers::Provider;

/// The first line of a config file written by `--write-config`; only such a file is replaced.
const WRITTEN_MARKER: &str = "# written by `payhub sandbox --write-config`";

/// Arguments of `payhub sandbox`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Port to listen on (0 = an ephemeral port, printed at start).
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// Address to listen on (default 127.0.0.1).
    #[arg(long)]
    host: Option<String>,
    /// The sandbox's TOML configuration (credentials, clock, callbacks, provider settings).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Clock speed: sandbox milliseconds per real millisecond (0 = frozen).
    #[arg(long, value_name = "N")]
    speed: Option<u32>,
    /// Send every callback to this URL instead of the orders' notify URLs.
    #[arg(long, value_name = "URL")]
    redirect_callbacks: Option<String>,
    /// Seconds of sandbox time final orders are kept after they ended (default 3600; 0 keeps
    /// them forever).
    #[arg(long, value_name = "SECS")]
    order_retention: Option<u64>,
    /// Also write the sandbox's URLs and credentials as a payhub config file (for example
    /// `payhub.toml`, which the other commands read from the current directory).
    #[arg(long, value_name = "FILE")]
    write_config: Option<PathBuf>,
}

/// Runs `payhub sandbox` until Ctrl-C or SIGTERM.
///
/// # Errors
/// The sandbox cannot start (bad config, port in use), the config file cannot be written, or
/// the shutdown fails.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    // First of all: a background job started from a script has SIGINT ignored until a handler
    // is installed, so a SIGINT during start-up would otherwise be lost.
    let mut signals = Signals::install();
    if let Some(path) = &args.write_config {
        check_writable(path)?;
    }
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
        _ = signals.recv() => return Ok(()),
        started = builder.start() => {
            started.map_err(|e| CliError::new(format!("sandbox: {}", chain(&e))))?
        }
    };
    if let Some(path) = &args.write_config {
        std::fs::write(path, config_file(&sandbox))
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    crate::print(&banner(&sandbox, args.write_config.as_deref()))?;
    signals.recv().await;
    sandbox
        .shutdown()
        .await
        .map_err(|e| CliError::new(format!("sandbox: {}", chain(&e))))
}

/// The CLI name of a sandbox module (`gateway_recharge` -> `gateway-recharge`).
fn cli_name(module: &str) -> String {
    Provider::from_table_name(module).map_or_else(|| module.to_owned(), |p| p.name().to_owned())
}

fn banner(sandbox: &SandboxHandle, written: Option<&Path>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "payhub sandbox listening on {}", sandbox.base_url());
    let _ = writeln!(out, "control API: {}/_sandbox/info", sandbox.base_url());
    let _ = writeln!(
        out,
        "credentials below are SANDBOX-ONLY test values; never use them against a real provider"
    );
    for p in sandbox.providers() {
        let _ = writeln!(out, "{}: {}", cli_name(p.name), p.base_url);
        for c in &p.credentials {
            if c.value().contains('\n') {
                let _ = writeln!(
                    out,
                    "  {}: ({} lines, see the control API)",
                    c.label(),
                    c.value().lines().count()
                );
            } else {
                let _ = writeln!(out, "  {}: {}", c.label(), c.value());
            }
        }
    }
    if let Some(path) = written {
        let _ = writeln!(out, "payhub config written to {}", path.display());
    }
    let _ = writeln!(out, "press Ctrl-C to stop");
    out
}

/// The payhub config keys of each module's credential labels.
fn config_key(provider: Provider, label: &str) -> Option<&'static str> {
    Some(match (provider, label) {
        (Provider::Paydesk, "MerchantId") => "merchant_id",
        (Provider::Paydesk, "apiKey") => "api_key",
        (Provider::GatewayRecharge, "merchant_no") => "merchant_no",
        (Provider::GatewayRecharge, "key") => "key",
        (Provider::JiuyiDc, "appid") => "appid",
        (Provider::JiuyiDc, "appsecret") => "appsecret",
        (Provider::Tokenpay, "app_id") => "app_id",
        (Provider::Tokenpay, "mch_id") => "mch_id",
        (Provider::Tokenpay, "app_secret") => "app_secret",
        (Provider::Vipcharge, "merchantId") => "merchant_id",
        (Provider::Vipcharge, "businessId") => "business_id",
        (Provider::Vipcharge, "secret (MD5)") => "secret",
        _ => return None,
    })
}

/// A payhub config file for this sandbox: each provider's base URL and the first merchant's
/// credentials (vipcharge with its MD5 secret).
fn config_file(sandbox: &SandboxHandle) -> String {
    let mut out = format!("{WRITTEN_MARKER} (sandbox-only test values)\n");
    for p in sandbox.providers() {
        let Some(provider) = Provider::from_table_name(p.name) else {
            continue;
        };
        let _ = writeln!(out, "\n[{}]", provider.name());
        let _ = writeln!(out, "base_url = {}", toml_string(&p.base_url));
        let mut seen = Vec::new();
        for c in &p.credentials {
            if let Some(key) = config_key(provider, c.label())
                && !seen.contains(&key)
            {
                seen.push(key);
                let _ = writeln!(out, "{key} = {}", toml_string(c.value()));
            }
        }
        if provider == Provider::Vipcharge && seen.contains(&"secret") {
            let _ = writeln!(out, "sign_type = \"MD5\"");
        }
    }
    out
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Refuses to overwrite a file that `--write-config` did not write.
fn check_writable(path: &Path) -> Result<(), CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.starts_with(WRITTEN_MARKER) => Err(CliError::new(format!(
            "`{}` exists and was not written by `payhub sandbox`; remove it or choose another file",
            path.display()
        ))),
        _ => Ok(()),
    }
}
