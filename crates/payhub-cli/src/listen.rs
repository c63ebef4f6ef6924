//! `payhub listen --forward-to URL`: the sandbox's callbacks, delivered to your app while you
//! develop, with one line per delivery.
//!
//! It starts a relay on `127.0.0.1` (an ephemeral port), points the sandbox's callback
//! redirect at it (`POST /_sandbox/callbacks/redirect`), and forwards every callback as it came
//! (method, headers, raw body: the signature still verifies) to the `--forward-to` URL, with
//! `{provider}` replaced by the provider's name (`gateway-recharge`, `paydesk`, ...). The app's
//! status and body go back to the sandbox unchanged, so an app that fails gets the provider's
//! retry schedule, exactly as from the real provider. On Ctrl-C (or SIGTERM) the redirect is
//! cleared and the command exits 0.
//!
//! The sandbox's redirect is one URL for all providers, so the relay tells the provider from
//! the callback itself: first from the sandbox's own record of it (`GET /_sandbox/callbacks`,
//! the record with the same body, which also gives the order, its state and the attempt
//! number), else from the provider's signature headers or body shape (`TTPay-Signature`:
//! tokenpay; `MerchantId` + `Sign`: paydesk; `businessId`: vipcharge; a form body: jiuyi-dc; a
//! JSON body with `merchant_no`: gateway-recharge).
//!
//! Each delivery prints `time provider order state attempt -> status "body" latency` on
//! stdout, or one JSON object per line with `--json` (`time`, `provider`, `order`, `state`,
//! `attempt`, `url`, `status`, `body`, `latency_ms`, `error`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::control::{Control, SandboxArgs, redirect_body};
use crate::error::CliError;
use crate::providers::Provider;

/// Arguments of `payhub listen`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example: payhub listen --forward-to \
    http://127.0.0.1:3000/callbacks/{provider}\n\
    The sandbox is --sandbox URL, else PAYHUB_SANDBOX_URL, else [sandbox] url in ./payhub.toml \
    (written by `payhub sandbox --write-config payhub.toml`).")]
pub(crate) struct Args {
    /// Your app's callback URL; `{provider}` becomes the provider's name (gateway-recharge,
    /// jiuyi-dc, paydesk, tokenpay, vipcharge).
    #[arg(long, value_name = "URL")]
    forward_to: String,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// The config file holding the sandbox URL (default ./payhub.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Seconds your app has to answer one callback.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    timeout: u64,
    /// One JSON object per delivery.
    #[arg(long)]
    json: bool,
}

/// What the relay needs for each callback.
#[derive(Debug)]
struct Relay {
    control: Control,
    forward_to: String,
    http: reqwest::Client,
    json: bool,
}

/// Runs `payhub listen` until Ctrl-C or SIGTERM.
///
/// # Errors
/// No sandbox, a sandbox that cannot be reached, a bad `--forward-to`, or a relay that cannot
/// listen.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    let mut signals = payhub::sandbox::Signals::install();
    let forward_to = args.forward_to.trim().to_owned();
    if !(forward_to.starts_with("http://") || forward_to.starts_with("https://"))
        || forward_to
            .replace("{provider}", "p")
            .parse::<http::Uri>()
            .is_err()
    {
        return Err(CliError::usage(format!(
            "--forward-to `{forward_to}` is not an http(s) URL"
        )));
    }
    let control = Control::locate(&args.sandbox, args.config.as_deref())?;
    control.get("health").await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .build()
        .map_err(|e| CliError::new(format!("cannot build an HTTP client: {e}")))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| CliError::new(format!("relay: cannot listen on 127.0.0.1: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new(format!("relay: {e}")))?;
    let relay_url = format!("http://{addr}/");
    let relay = Arc::new(Relay {
        control: control.clone(),
        forward_to: forward_to.clone(),
        http,
        json: args.json,
    });
    let app = axum::Router::new().fallback(deliver).with_state(relay);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    control
        .post("callbacks/redirect", redirect_body(Some(&relay_url)))
        .await?;
    eprintln_ready(&format!(
        "Ready: callbacks of the sandbox at {} go through {relay_url} to {forward_to} \
         (Ctrl-C to stop)",
        control.base()
    ));
    let signal = signals.recv().await;
    let cleared = control
        .post("callbacks/redirect", redirect_body(None))
        .await;
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    eprintln_ready(&format!("{signal}: redirect cleared, stopped"));
    cleared.map(|_| ())
}

/// A status line on stderr (stdout carries only deliveries).
fn eprintln_ready(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Who a callback is for, as far as the relay can tell.
#[derive(Debug, Default)]
struct Seen {
    provider: Option<Provider>,
    order: Option<String>,
    state: Option<String>,
    attempt: Option<u64>,
}

/// The relay's one handler: forward, answer with the app's reply, print the delivery.
async fn deliver(
    State(relay): State<Arc<Relay>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut seen = from_record(&relay.control, &body).await;
    if seen.provider.is_none() {
        seen.provider = detect(&headers, &body);
    }
    if seen.order.is_none() {
        seen.order = seen
            .provider
            .and_then(|p| order_from_body(p, &headers, &body));
    }
    let name = seen.provider.map_or("unknown", Provider::name);
    let url = relay.forward_to.replace("{provider}", name);
    let started = Instant::now();
    let mut req = relay.http.request(method, &url);
    for (k, v) in &headers {
        if !matches!(
            k.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            req = req.header(k, v);
        }
    }
    let result = async {
        let resp = req.body(body.clone()).send().await?;
        let status = resp.status();
        let content_type = resp.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = resp.bytes().await?;
        Ok::<_, reqwest::Error>((status, content_type, bytes))
    }
    .await;
    let latency = started.elapsed();
    let (response, status, reply, error) = match result {
        Ok((status, content_type, bytes)) => {
            let mut r = (status, bytes.clone()).into_response();
            if let Some(ct) = content_type {
                r.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            (
                r,
                Some(status.as_u16()),
                String::from_utf8_lossy(&bytes).into_owned(),
                None,
            )
        }
        Err(e) => {
            let what = if e.is_connect() {
                format!(
                    "could not connect to {}",
                    crate::providers::host_port(&url).unwrap_or_else(|| url.clone())
                )
            } else if e.is_timeout() {
                "the app did not answer in time".to_owned()
            } else {
                "the exchange with the app failed".to_owned()
            };
            let r = (StatusCode::BAD_GATEWAY, format!("payhub listen: {what}")).into_response();
            (r, None, String::new(), Some(what))
        }
    };
    print_delivery(
        &relay,
        &seen,
        &url,
        status,
        &reply,
        error.as_deref(),
        latency,
    );
    response
}

/// The sandbox's record of this callback (the newest pending one with the same body).
async fn from_record(control: &Control, body: &[u8]) -> Seen {
    let Ok(list) = control.get("callbacks").await else {
        return Seen::default();
    };
    let text = String::from_utf8_lossy(body);
    let Some(r) = list.as_array().and_then(|l| {
        l.iter()
            .rev()
            .find(|r| r["body"].as_str() == Some(&*text) && r["status"] == "pending")
            .or_else(|| l.iter().rev().find(|r| r["body"].as_str() == Some(&*text)))
    }) else {
        return Seen::default();
    };
    Seen {
        provider: r["provider"].as_str().and_then(Provider::from_table_name),
        order: r["merchant_order_no"].as_str().map(str::to_owned),
        state: r["order_state"].as_str().map(str::to_owned),
        attempt: r["attempts"]
            .as_array()
            .map(|a| u64::try_from(a.len()).unwrap_or(u64::MAX) + 1),
    }
}

/// The provider, from its signature headers or body shape.
fn detect(headers: &HeaderMap, body: &[u8]) -> Option<Provider> {
    let has = |name: &str| headers.contains_key(name);
    if has("ttpay-signature") {
        return Some(Provider::Tokenpay);
    }
    if has("merchantid") && has("sign") {
        return Some(Provider::Paydesk);
    }
    if has("businessid") {
        return Some(Provider::Vipcharge);
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form {
        return Some(Provider::JiuyiDc);
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    (value.get("merchant_no").is_some() && value.get("sign").is_some())
        .then_some(Provider::GatewayRecharge)
}

/// The merchant order number in a callback body (not in tokenpay's, which is encrypted).
fn order_from_body(provider: Provider, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if provider == Provider::JiuyiDc {
        return String::from_utf8_lossy(body)
            .split('&')
            .find_map(|pair| pair.strip_prefix("out_order_id=").map(str::to_owned));
    }
    let key = match provider {
        Provider::Paydesk => "mchOrderNo",
        Provider::GatewayRecharge => "order_no",
        Provider::Vipcharge => "bizCode",
        _ => return None,
    };
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn print_delivery(
    relay: &Relay,
    seen: &Seen,
    url: &str,
    status: Option<u16>,
    reply: &str,
    error: Option<&str>,
    latency: Duration,
) {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let at = time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default();
    let snippet: String = reply.trim().chars().take(80).collect();
    let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    let line = if relay.json {
        json!({
            "time": at,
            "provider": seen.provider.map(Provider::name),
            "order": seen.order,
            "state": seen.state,
            "attempt": seen.attempt,
            "url": url,
            "status": status,
            "body": snippet,
            "latency_ms": ms,
            "error": error,
        })
        .to_string()
    } else {
        let reply = match (status, error) {
            (Some(s), _) => format!("{s} {snippet:?}"),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "no reply".to_owned(),
        };
        format!(
            "{at}  {}  {}  {}  attempt {}  -> {reply}  {ms} ms",
            seen.provider.map_or("unknown", Provider::name),
            seen.order.as_deref().unwrap_or("-"),
            seen.state.as_deref().unwrap_or("-"),
            seen.attempt
                .map_or_else(|| "?".to_owned(), |a| a.to_string()),
        )
    };
    let _ = crate::print(&format!("{line}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_told_from_headers_and_body_shape() {
        let mut h = HeaderMap::new();
        h.insert("TTPay-Signature", "x".parse().expect("header"));
        assert_eq!(detect(&h, b"{}"), Some(Provider::Tokenpay));
        let mut h = HeaderMap::new();
        h.insert("MerchantId", "1".parse().expect("header"));
        h.insert("Sign", "x".parse().expect("header"));
        assert_eq!(detect(&h, b"{}"), Some(Provider::Paydesk));
        let h = HeaderMap::new();
        assert_eq!(
            detect(&h, br#"{"merchant_no":"1","order_no":"G1","sign":"x"}"#),
            Some(Provider::GatewayRecharge)
        );
        assert_eq!(
            order_from_body(Provider::GatewayRecharge, &h, br#"{"order_no":"G1"}"#).as_deref(),
            Some("G1")
        );
        assert_eq!(detect(&h, b"hello"), None);
    }
}
