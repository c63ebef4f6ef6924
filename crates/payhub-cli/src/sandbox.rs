//! `payhub sandbox`: starts the payhub sandbox in-process, prints its base URL, each provider's
//! base URL and the merchant credentials it accepts (sandbox-only test values: printing them is
//! the point), then serves until Ctrl-C or SIGTERM and shuts down gracefully (exit 0). The
//! signal handlers are installed first, so a SIGINT during start-up (even from a script, where
//! background jobs start with SIGINT ignored) stops it too.
//!
//! `--write-config payhub.toml` also writes those URLs and credentials as a `payhub` config
//! file (mode 0600 on unix: it holds the sandbox's secrets), so `payhub create` / `query` /
//! `verify-notify` / `listen` / `trigger` run against the sandbox with no flags. Each request
//! the sandbox serves and each callback attempt is logged on stderr (the library's `tracing`
//! events; `--quiet` turns that off, `RUST_LOG` overrides the filter).
//!
//! `payhub sandbox orders | callbacks ORDER | pay ORDER | fail ORDER | expire ORDER | advance
//! DURATION` drive a running sandbox through its control API (`/_sandbox/...`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use payhub::sandbox::{Sandbox, SandboxHandle, Signals};

use crate::control::{Control, SandboxArgs, parse_duration};
use crate::error::{CliError, chain};
use crate::providers::Provider;

/// The first line of a config file written by `--write-config`; only such a file is replaced.
const WRITTEN_MARKER: &str = "# written by `payhub sandbox --write-config`";

/// Arguments of `payhub sandbox`: start one (no subcommand, or `start`), or drive a running one.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    start: StartArgs,
}

/// What `payhub sandbox` does.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Start the sandbox (the same as `payhub sandbox` with no subcommand).
    Start(StartArgs),
    /// List the sandbox's orders.
    Orders(OrdersArgs),
    /// An order's callbacks, with every delivery attempt.
    Callbacks(KeyArgs),
    /// Mark an order paid / successful (sends its callback).
    Pay(KeyArgs),
    /// Mark an order failed (sends its callback, where the provider has one).
    Fail(KeyArgs),
    /// Mark an order expired.
    Expire(KeyArgs),
    /// Move the sandbox clock forward (due callbacks and retries run): 90s, 10m, 2h.
    Advance(AdvanceArgs),
}

/// Arguments of `payhub sandbox orders`.
#[derive(Debug, clap::Args)]
struct OrdersArgs {
    /// Only this provider's orders.
    #[arg(long)]
    provider: Option<Provider>,
    /// Only orders in this state (created, paying, processing, success, failed, ...).
    #[arg(long)]
    state: Option<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// The config file holding the sandbox URL (default ./payhub.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the sandbox's JSON.
    #[arg(long)]
    json: bool,
}

/// An order key: its merchant or platform order number.
#[derive(Debug, clap::Args)]
struct KeyArgs {
    /// The merchant or platform order number.
    order: String,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// The config file holding the sandbox URL (default ./payhub.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the sandbox's JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `payhub sandbox advance`.
#[derive(Debug, clap::Args)]
struct AdvanceArgs {
    /// How far: 90s, 10m, 2h, 1d, 500ms, or seconds.
    #[arg(value_parser = parse_duration)]
    by: Duration,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// The config file holding the sandbox URL (default ./payhub.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the sandbox's JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `payhub sandbox [start]`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct StartArgs {
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
    /// `payhub.toml`, which the other commands read from the current directory). Written
    /// with mode 0600: it holds the sandbox's secrets.
    #[arg(long, value_name = "FILE")]
    write_config: Option<PathBuf>,
    /// Do not log requests and callbacks on stderr.
    #[arg(long, short)]
    quiet: bool,
}

impl Args {
    /// The `tracing` filter this invocation wants when `RUST_LOG` is unset: the sandbox's
    /// request and callback log, unless `--quiet` or a control subcommand.
    pub(crate) fn default_log_filter(&self) -> Option<&'static str> {
        let start = match &self.action {
            None => &self.start,
            Some(Action::Start(s)) => s,
            Some(_) => return None,
        };
        (!start.quiet).then_some("payhub_sandbox=info")
    }
}

/// Runs `payhub sandbox`: starts one, or one control call.
///
/// # Errors
/// As [`start`], or the control call's error.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    match args.action {
        None => start(args.start).await,
        Some(Action::Start(s)) => start(s).await,
        Some(Action::Orders(a)) => orders(a).await,
        Some(Action::Callbacks(a)) => callbacks(a).await,
        Some(Action::Pay(a)) => mark(a, "paid").await,
        Some(Action::Fail(a)) => mark(a, "failed").await,
        Some(Action::Expire(a)) => mark(a, "expired").await,
        Some(Action::Advance(a)) => advance(a).await,
    }
}

async fn orders(a: OrdersArgs) -> Result<(), CliError> {
    let control = Control::locate(&a.sandbox, a.config.as_deref())?;
    let mut query = Vec::new();
    if let Some(p) = a.provider {
        query.push(format!("provider={}", p.name().replace('-', "_")));
    }
    if let Some(s) = &a.state {
        query.push(format!("state={}", s.trim()));
    }
    let list = control.get(&format!("orders?{}", query.join("&"))).await?;
    if a.json {
        return crate::print(&format!("{list}\n"));
    }
    let mut out = String::new();
    for o in list.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}  {}{}",
            text(&o["provider"]).replace('_', "-"),
            text(&o["merchant_order_no"]),
            text(&o["platform_order_no"]),
            text(&o["kind"]),
            text(&o["state"]),
            text(&o["amount"]),
            o["currency"]
                .as_str()
                .map(|c| format!(" {c}"))
                .unwrap_or_default(),
        );
    }
    if out.is_empty() {
        out.push_str("no orders\n");
    }
    crate::print(&out)
}

async fn callbacks(a: KeyArgs) -> Result<(), CliError> {
    let control = Control::locate(&a.sandbox, a.config.as_deref())?;
    let list = control
        .get(&format!("callbacks?order={}", encode(a.order.trim())))
        .await?;
    if a.json {
        return crate::print(&format!("{list}\n"));
    }
    let mut out = String::new();
    for c in list.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "callback {}  {}  {}  {}  {}  -> {}",
            c["id"],
            text(&c["provider"]).replace('_', "-"),
            text(&c["merchant_order_no"]),
            text(&c["order_state"]),
            text(&c["status"]),
            text(&c["url"]),
        );
        for at in c["attempts"].as_array().into_iter().flatten() {
            let reply = match (at["status"].as_u64(), at["error"].as_str()) {
                (Some(s), _) => format!("HTTP {s} {:?}", text(&at["body_snippet"])),
                (None, Some(e)) => format!("error: {e}"),
                (None, None) => "no reply".to_owned(),
            };
            let _ = writeln!(
                out,
                "  attempt {} at {}: {reply}{} ({} ms)",
                at["number"],
                text(&at["sent_at"]),
                if at["acknowledged"] == true {
                    ", acknowledged"
                } else {
                    ""
                },
                at["elapsed_ms"],
            );
        }
        if let Some(next) = c["next_attempt_at"].as_str() {
            let _ = writeln!(out, "  next attempt at {next}");
        }
    }
    if out.is_empty() {
        let _ = writeln!(out, "no callbacks for `{}`", a.order.trim());
    }
    crate::print(&out)
}

async fn mark(a: KeyArgs, action: &str) -> Result<(), CliError> {
    let control = Control::locate(&a.sandbox, a.config.as_deref())?;
    let order = control
        .post(
            &format!("orders/{}/{action}", encode(a.order.trim())),
            serde_json::json!({}),
        )
        .await?;
    if a.json {
        return crate::print(&format!("{order}\n"));
    }
    crate::print(&format!(
        "{}  {}  {}  {}\n",
        text(&order["provider"]).replace('_', "-"),
        text(&order["merchant_order_no"]),
        text(&order["platform_order_no"]),
        text(&order["state"]),
    ))
}

async fn advance(a: AdvanceArgs) -> Result<(), CliError> {
    let control = Control::locate(&a.sandbox, a.config.as_deref())?;
    let ms = u64::try_from(a.by.as_millis()).unwrap_or(u64::MAX);
    let clock = control
        .post("clock/advance", serde_json::json!({ "ms": ms }))
        .await?;
    if a.json {
        return crate::print(&format!("{clock}\n"));
    }
    crate::print(&format!("sandbox time: {}\n", text(&clock["now"])))
}

/// The text of a JSON value: strings without quotes, `-` for null.
fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// Percent-encodes a path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Runs `payhub sandbox [start]` until Ctrl-C or SIGTERM.
///
/// # Errors
/// The sandbox cannot start (bad config, port in use), the config file cannot be written, or
/// the shutdown fails.
async fn start(args: StartArgs) -> Result<(), CliError> {
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
        write_secret_file(path, &config_file(&sandbox))
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
        let _ = writeln!(
            out,
            "payhub config written to {} (mode 0600: it holds the sandbox's secrets; keep it out \
             of version control)",
            path.display()
        );
    }
    let _ = writeln!(out, "press Ctrl-C to stop");
    out
}

/// The payhub config keys of each module's credential labels.
pub(crate) fn config_key(provider: Provider, label: &str) -> Option<&'static str> {
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
    let _ = writeln!(out, "\n[sandbox]");
    let _ = writeln!(out, "url = {}", toml_string(sandbox.base_url()));
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

/// Writes `text` to `path` readable by the owner only (0600 on unix, also when the file
/// existed with wider permissions).
fn write_secret_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(text.as_bytes())
    }
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
