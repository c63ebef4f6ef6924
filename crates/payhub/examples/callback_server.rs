//! A callback service for all five providers: `POST /callbacks/{provider}`, served with
//! [`payhub::axum::serve`] (header, body and request timeouts, a connection cap).
//!
//! ```text
//! PAYDESK_MERCHANT_ID=1002001 PAYDESK_API_KEY=... \
//!     cargo run -p payhub --example callback_server --features full
//! ```
//!
//! Configured like the `payhub` CLI: each setting comes from the provider's environment
//! variable, else from `payhub.toml` in the working directory (one table per provider, the CLI's
//! keys; file paths relative to it). A provider with none of its settings is left out; one with
//! only some of them is an error naming the missing one.
//!
//! | provider | settings (TOML key / environment variable) |
//! |---|---|
//! | gateway-recharge | `merchant_no` `GATEWAY_RECHARGE_MERCHANT_NO`, `key` `GATEWAY_RECHARGE_KEY` |
//! | jiuyi-dc | `appsecret` `JIUYI_APPSECRET` |
//! | paydesk | `merchant_id` `PAYDESK_MERCHANT_ID`, `api_key` `PAYDESK_API_KEY` |
//! | tokenpay | `app_id` `TOKENPAY_APP_ID`, `mch_id` `TOKENPAY_MCH_ID`, `app_secret` `TOKENPAY_APP_SECRET` |
//! | vipcharge | `business_id` `VIPCHARGE_BUSINESS_ID`; `secret` `VIPCHARGE_SECRET` (MD5) or `platform_public_key` `VIPCHARGE_PLATFORM_PUBLIC_KEY` (a PEM file, SHA256-RSA); `sign_type` `VIPCHARGE_SIGN_TYPE` to choose |
//!
//! It listens on `PAYHUB_LISTEN` (default `127.0.0.1:8080`) and prints one line,
//! `listening on http://ADDR`, on stdout. Logs go to stderr (`RUST_LOG`, default `info`).
//! Ctrl-C or SIGTERM stops it gracefully.

#![forbid(unsafe_code)]
#![allow(clippy::print_stdout)] // Reason: the address line is the example's output.

use std::convert::Infallible;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use payhub::axum::{ServeOptions, notify_routes, serve};
use payhub::vipcharge::rsa::RsaPublicKey;
use payhub::vipcharge::sign::PlatformVerifier;
use payhub::vipcharge::types::SignType;
use payhub::{
    InMemoryDeduper, Notification, NotifyRouter, gateway_recharge, jiuyi_dc, paydesk, tokenpay,
    vipcharge,
};

const CONFIG_FILE: &str = "payhub.toml";
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callback_server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let settings = Settings::load()?;
    let router = notify_router(&settings)?.deduper(Arc::new(InMemoryDeduper::new(
        100_000,
        Duration::from_secs(24 * 3600),
    )));
    if router.providers().is_empty() {
        return Err(format!(
            "no provider configured: set a provider's environment variables or write {CONFIG_FILE}"
        ));
    }
    let app = axum::Router::new().nest("/callbacks", notify_routes(router.clone(), handle));

    let listen = std::env::var("PAYHUB_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    drop(out);
    tracing::info!(providers = ?router.providers(), "callbacks at http://{addr}/callbacks/<provider>");

    serve(listener, app, ServeOptions::default())
        .with_graceful_shutdown(stop_signal())
        .await
        .map_err(|e| format!("server: {e}"))
}

/// Your code: record the payment (check it against your order with `payhub::Expected` first).
/// Returning `Err` makes the provider deliver the callback again.
async fn handle(n: Notification) -> Result<(), Infallible> {
    tracing::info!(
        provider = %n.provider(),
        order = n.facts().merchant_order_no,
        status = %n.status(),
        "callback verified"
    );
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Each provider's verifier, from the settings present.
fn notify_router(s: &Settings) -> Result<NotifyRouter, String> {
    let mut router = NotifyRouter::new();
    if let Some([merchant_no, key]) = s.group(
        "gateway_recharge",
        [
            ("merchant_no", gateway_recharge::ENV_MERCHANT_NO),
            ("key", gateway_recharge::ENV_KEY),
        ],
    )? {
        router = router.gateway_recharge(gateway_recharge::notify::NotifyVerifier::new(
            merchant_no,
            key,
        ));
    }
    if let Some([appsecret]) = s.group("jiuyi_dc", [("appsecret", jiuyi_dc::ENV_APPSECRET)])? {
        router = router.jiuyi_dc(jiuyi_dc::notify::NotifyVerifier::new(appsecret));
    }
    if let Some([merchant_id, api_key]) = s.group(
        "paydesk",
        [
            ("merchant_id", paydesk::ENV_MERCHANT_ID),
            ("api_key", paydesk::ENV_API_KEY),
        ],
    )? {
        let merchant_id = merchant_id
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("paydesk merchant_id `{merchant_id}`: {e}"))?;
        router = router.paydesk(paydesk::notify::NotifyVerifier::new(merchant_id, api_key));
    }
    if let Some([app_id, mch_id, app_secret]) = s.group(
        "tokenpay",
        [
            ("app_id", "TOKENPAY_APP_ID"),
            ("mch_id", "TOKENPAY_MCH_ID"),
            ("app_secret", "TOKENPAY_APP_SECRET"),
        ],
    )? {
        let v = tokenpay::notify::NotifyVerifier::new(app_id, mch_id, app_secret)
            .map_err(|e| format!("tokenpay: {e}"))?;
        router = router.tokenpay(v);
    }
    if let Some([business_id]) = s.group("vipcharge", [("business_id", "VIPCHARGE_BUSINESS_ID")])? {
        router = router.vipcharge(vipcharge::notify::NotifyVerifier::new(
            business_id,
            vipcharge_platform(s)?,
        ));
    }
    Ok(router)
}

/// vipcharge's platform verifier: MD5 with the secret, or SHA256-RSA with the platform key.
fn vipcharge_platform(s: &Settings) -> Result<PlatformVerifier, String> {
    let secret = s.get("vipcharge", "secret", "VIPCHARGE_SECRET")?;
    let key_file = s.get(
        "vipcharge",
        "platform_public_key",
        "VIPCHARGE_PLATFORM_PUBLIC_KEY",
    )?;
    let sign_type = match s.get("vipcharge", "sign_type", "VIPCHARGE_SIGN_TYPE")? {
        Some(t) => t
            .parse::<SignType>()
            .map_err(|e| format!("vipcharge: {e}"))?,
        None if key_file.is_none() => SignType::Md5,
        None => SignType::Sha256Rsa,
    };
    if sign_type == SignType::Md5 {
        let secret =
            secret.ok_or("vipcharge: the MD5 sign type needs `secret` (VIPCHARGE_SECRET)")?;
        return Ok(PlatformVerifier::md5(secret));
    }
    let file = key_file.ok_or(
        "vipcharge: SHA256-RSA needs `platform_public_key` (VIPCHARGE_PLATFORM_PUBLIC_KEY)",
    )?;
    let path = s.path(&file);
    let pem = std::fs::read(&path)
        .map_err(|e| format!("vipcharge platform public key {}: {e}", path.display()))?;
    let key = RsaPublicKey::parse(&pem)
        .map_err(|e| format!("vipcharge platform public key {}: {e}", path.display()))?;
    Ok(PlatformVerifier::rsa(key))
}

/// Settings from the environment, else from `payhub.toml`.
struct Settings {
    file: Option<toml::Table>,
    dir: PathBuf,
}

impl Settings {
    fn load() -> Result<Self, String> {
        let path = Path::new(CONFIG_FILE);
        let file = match std::fs::read_to_string(path) {
            Ok(text) => Some(
                text.parse::<toml::Table>()
                    .map_err(|e| format!("{CONFIG_FILE}: {e}"))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{CONFIG_FILE}: {e}")),
        };
        Ok(Self {
            file,
            dir: std::env::current_dir().unwrap_or_default(),
        })
    }

    /// One setting: the environment variable when set and not empty, else the file's value.
    fn get(&self, table: &str, key: &str, env: &str) -> Result<Option<String>, String> {
        if let Some(v) = std::env::var_os(env).filter(|v| !v.is_empty()) {
            return v
                .into_string()
                .map(Some)
                .map_err(|_| format!("{env}: not valid UTF-8"));
        }
        let Some(value) = self
            .file
            .as_ref()
            .and_then(|f| f.get(table))
            .and_then(|t| t.get(key))
        else {
            return Ok(None);
        };
        match value {
            toml::Value::String(s) => Ok(Some(s.clone())),
            toml::Value::Integer(i) => Ok(Some(i.to_string())),
            _ => Err(format!(
                "{CONFIG_FILE}: [{table}] {key}: expected a string or an integer"
            )),
        }
    }

    /// All of a provider's settings, none of them (`None`: the provider is left out), or an
    /// error naming the first one missing.
    fn group<const N: usize>(
        &self,
        table: &str,
        keys: [(&str, &str); N],
    ) -> Result<Option<[String; N]>, String> {
        let mut values = Vec::with_capacity(N);
        for (key, env) in keys {
            values.push(self.get(table, key, env)?);
        }
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut found = Vec::with_capacity(N);
        for ((key, env), value) in keys.iter().zip(values) {
            found.push(value.ok_or_else(|| format!("{table}: missing `{key}` ({env})"))?);
        }
        found
            .try_into()
            .map(Some)
            .map_err(|_| format!("{table}: settings"))
    }

    /// A file path from the settings, relative to `payhub.toml`'s directory.
    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}
