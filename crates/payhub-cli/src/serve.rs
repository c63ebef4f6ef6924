//! `payhub serve`: the callback gateway of a fleet. Every verified callback is committed to the
//! store (Postgres or SQLite) before the provider's success reply, so any number of instances
//! behind a load balancer can take callbacks without losing or doubling one; a forwarder
//! delivers the stored events to the merchant app, and a reconciler settles tracked orders whose
//! callback never came.
//!
//! Routes: `POST /callbacks/{provider}` and `/callbacks/{provider}/{account}`, `GET /healthz`,
//! `GET /readyz` (the store answers), `GET /metrics` (Prometheus text), and, with an API token,
//! `POST /v1/orders` (track an order for the reconciler; first checked on the provider's
//! cadence, when its first callback would have come, or at its `first_check_at`).
//!
//! The callback endpoint is the facade's own (`payhub::axum::account_routes` over the hub, whose
//! inbox is the store: verify, record, then acknowledge; a store failure gets the provider's
//! retry reply); its handler settles the tracked order a final callback answers.

use std::convert::Infallible;
use std::path::PathBuf;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use payhub::axum::ServeOptions;
use payhub::{Hub, Provider, Verified};
use payhub_store::reconcile::Cadence;
use payhub_store::{Forwarder, NewOrder, OrderKind, Store, Tracked};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;

use crate::error::{CliError, chain};

/// Arguments of `payhub serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Routes: POST /callbacks/{provider}[/{account}] (point each provider's \
notify URL here), GET /healthz, GET /readyz (503 while the store does not answer), GET /metrics \
(Prometheus), POST /v1/orders (with --api-token: bearer token, tracks an order for the \
reconciler, first checked on the provider's cadence or at its first_check_at).\nStops gracefully on Ctrl-C or SIGTERM."
)]
pub(crate) struct Args {
    /// The accounts (payhub.toml, several per provider allowed).
    #[arg(long, value_name = "FILE", default_value = crate::credentials::DEFAULT_CONFIG)]
    config: PathBuf,
    /// Address to listen on (port 0: any free port, printed on start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The event store: `sqlite://payhub.db` (created if missing) or `postgres://user@host/db`.
    #[arg(long, value_name = "URL", env = "PAYHUB_STORE", hide_env_values = true)]
    store: String,
    /// A Redis shared by the fleet: answers redeliveries of recorded callbacks without a write.
    #[arg(long, value_name = "URL", env = "PAYHUB_REDIS", hide_env_values = true)]
    redis: Option<String>,
    /// Prefix of the deduper's Redis keys (one per service sharing a Redis).
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "payhub:dedupe:",
        requires = "redis"
    )]
    redis_prefix: String,
    /// Forward every stored event to this URL (the merchant app), signed with --forward-secret.
    #[arg(long, value_name = "URL", requires = "forward_secret")]
    forward_to: Option<String>,
    /// The secret the forwarded events are signed with (`Payhub-Signature`).
    #[arg(
        long,
        value_name = "SECRET",
        env = "PAYHUB_FORWARD_SECRET",
        hide_env_values = true
    )]
    forward_secret: Option<String>,
    /// Events the forwarder claims and delivers at once (1..=1000). An instance killed
    /// mid-delivery re-delivers at most this many events; 1 gives at most one duplicate per
    /// crash, at the cost of throughput.
    #[arg(long, value_name = "N", default_value_t = 16)]
    forward_batch: u32,
    /// Seconds the forwarder holds the events it claimed, 11..=86400 (longer than its 10 s
    /// request timeout). An instance killed mid-delivery leaves its claimed events to the
    /// others after this.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(11..=86_400)
    )]
    forward_lease: u64,
    /// This instance's name in leases (forwarder, reconciler); default: the host and process id.
    #[arg(long, value_name = "ID")]
    instance_id: Option<String>,
    /// Also run the reconciler: query the provider about tracked orders still open.
    #[arg(long)]
    reconcile: bool,
    /// Bearer token of `POST /v1/orders`; without one the route is absent.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PAYHUB_API_TOKEN",
        hide_env_values = true
    )]
    api_token: Option<String>,
    /// The most connections served at once (more wait to be accepted).
    #[arg(long, value_name = "N", default_value_t = ServeOptions::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    // Last: the flattened flags start their own help heading.
    #[command(flatten)]
    reconcile_settings: crate::reconcile::ReconcileSettings,
}

/// What the routes share.
struct AppState {
    hub: Arc<Hub>,
    store: Store,
    metrics: Option<PrometheusHandle>,
    api_token: Option<String>,
}

/// Runs `payhub serve` until Ctrl-C or SIGTERM.
///
/// # Errors
/// An unreadable config, a store or Redis that cannot be reached at start, an address that
/// cannot be bound.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    if args.api_token.as_deref() == Some("") {
        return Err(CliError::usage("--api-token must not be empty"));
    }
    if args.forward_secret.as_deref() == Some("") {
        return Err(CliError::usage("--forward-secret must not be empty"));
    }
    if let (false, Some(flag)) = (args.reconcile, args.reconcile_settings.first_given()) {
        return Err(CliError::usage(format!("{flag} needs --reconcile")));
    }
    args.reconcile_settings.validate()?;
    let store = connect_store(&args.store, true).await?;
    let mut builder = Hub::builder()
        .config_file(&args.config)
        .inbox(Arc::new(store.clone()));
    if let Some(url) = &args.redis {
        let deduper = payhub_store::redis::RedisDeduper::connect(url)
            .await
            .map_err(|e| CliError::new(format!("cannot connect to Redis: {}", chain(&e))))?
            .prefix(args.redis_prefix.clone());
        builder = builder.deduper(Arc::new(deduper));
    }
    let hub = Arc::new(builder.build().map_err(|e| {
        CliError::new(format!("cannot load the accounts: {}", chain(&e))).with_kind("config")
    })?);
    if hub.providers().is_empty() {
        return Err(CliError::new(format!(
            "{} configures no provider account",
            args.config.display()
        ))
        .with_kind("config"));
    }
    let metrics = match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics recorder not installed; /metrics is empty");
            None
        }
    };
    let instance = args.instance_id.clone().unwrap_or_else(default_instance_id);

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| CliError::new(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new(format!("cannot read the listening address: {e}")))?;

    let state = Arc::new(AppState {
        hub: Arc::clone(&hub),
        store: store.clone(),
        metrics: metrics.clone(),
        api_token: args.api_token.clone(),
    });
    let app = app(state);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    if let (Some(target), Some(secret)) = (&args.forward_to, &args.forward_secret) {
        let forwarder = Forwarder::builder(store.clone(), target.clone(), secret.as_bytes())
            .owner(instance.clone())
            .batch_size(args.forward_batch)
            .lease(Duration::from_secs(args.forward_lease))
            .build()
            .map_err(|e| CliError::usage(format!("--forward-to: {}", chain(&e))))?;
        let stop = stopped(stop_rx.clone());
        tasks.spawn(async move { forwarder.run(stop).await });
    }
    if args.reconcile {
        let reconciler = args
            .reconcile_settings
            .builder(store.clone(), Arc::clone(&hub))
            .owner(instance.clone())
            .build()
            .map_err(|e| CliError::new(format!("reconciler: {}", chain(&e))))?;
        let stop = stopped(stop_rx.clone());
        tasks.spawn(async move { reconciler.run(stop).await });
    }
    if let Some(handle) = metrics {
        let stop = stopped(stop_rx.clone());
        tasks.spawn(async move {
            let mut stop = std::pin::pin!(stop);
            loop {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => handle.run_upkeep(),
                    () = &mut stop => return,
                }
            }
        });
    }

    crate::print(&format!(
        "listening: http://{addr}\nstore: {}\ninstance: {instance}\nforwarding: {}\nreconciling: {}\n",
        store.engine(),
        if args.forward_to.is_some() {
            "on"
        } else {
            "off"
        },
        if args.reconcile { "on" } else { "off" },
    ))?;

    let options = ServeOptions::default().max_connections(args.max_connections.max(1));
    let server = payhub::axum::serve(listener, app, options).with_graceful_shutdown(async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the requests in flight");
    });
    let served = server.await;
    // Callbacks in flight are recorded by now; the forwarder finishes its batch, then stops.
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    store.close().await;
    served.map_err(|e| CliError::new(format!("server failed: {e}")))
}

/// Connects to the store, with a clear message (never the URL, which may hold a password).
/// With `create`, a SQLite file given without a `mode=` is created if missing (`mode=rwc`);
/// the commands that only read the store do not create an empty one by mistake.
pub(crate) async fn connect_store(url: &str, create: bool) -> Result<Store, CliError> {
    let url = sqlite_url(url, create);
    Store::connect(&url).await.map_err(|e| match e {
        payhub_store::Error::Config { .. } => {
            CliError::usage(format!("--store: {}", chain(&e))).with_kind("config")
        }
        e => {
            CliError::new(format!("cannot connect to the store: {}", chain(&e))).with_kind("store")
        }
    })
}

/// `url`, with `mode=rwc` added to a SQLite file URL without a mode when `create`.
fn sqlite_url(url: &str, create: bool) -> String {
    if !create || !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

/// The routes.
fn app(state: Arc<AppState>) -> Router {
    // The facade's callback routes (body limits, both path forms, verify, record, ack); the
    // handler settles a tracked order its final callback answers.
    let store = state.store.clone();
    let callbacks = payhub::axum::account_routes(Hub::clone(&state.hub), move |v: Verified| {
        let store = store.clone();
        async move {
            settle_tracked(&store, &v).await;
            Ok::<(), Infallible>(())
        }
    });
    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.api_token.is_some() {
        app = app.route("/v1/orders", post(track_order));
    }
    app.with_state(state).nest("/callbacks", callbacks)
}

/// A final status settles the tracked order, so the reconciler stops asking about it.
async fn settle_tracked(store: &Store, v: &Verified) {
    let provider = v.notification.provider();
    let status = v.notification.status();
    let order_no = v.notification.facts().merchant_order_no;
    if !status.is_final() || order_no.is_empty() {
        return;
    }
    match store
        .settle_by_event(provider.name(), &v.account, &order_no, &status)
        .await
    {
        Ok(true) => tracing::info!(
            provider = provider.name(),
            account = v.account,
            order_no,
            "tracked order settled by its callback"
        ),
        Ok(false) => {}
        Err(e) => tracing::warn!(
            provider = provider.name(),
            account = v.account,
            order_no,
            error = %e,
            "could not settle the tracked order; the reconciler will"
        ),
    }
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match tokio::time::timeout(Duration::from_secs(3), state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store timed out\n").into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// `POST /v1/orders`: tracks an order for the reconciler.
async fn track_order(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(state.api_token.as_deref(), &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(json!({"error": {"problem": "a valid bearer token is required"}})),
        )
            .into_response();
    }
    let order = match parse_order(&state.hub, &body) {
        Ok(order) => order,
        Err((field, problem)) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": {"field": field, "problem": problem}})),
            )
                .into_response();
        }
    };
    let tracked = match state.store.track(&order).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "could not track an order");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"error": {"problem": "the store could not record the order"}})),
            )
                .into_response();
        }
    };
    let (code, id) = match tracked {
        Tracked::New(id) => (StatusCode::CREATED, id),
        Tracked::Existing(id) => (StatusCode::OK, id),
    };
    let state_name = match state.store.get_order(id).await {
        Ok(Some(o)) => o.state.as_str(),
        _ => "pending",
    };
    (code, axum::Json(json!({"id": id, "state": state_name}))).into_response()
}

/// Whether `headers` carry `Authorization: Bearer <token>`, compared in constant time.
fn authorized(token: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(token) = token else {
        return false;
    };
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The order of a `POST /v1/orders` body, or the field at fault and the problem.
fn parse_order(hub: &Hub, body: &[u8]) -> Result<NewOrder, (&'static str, String)> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ("body", format!("not a JSON object ({e})")))?;
    let Value::Object(map) = value else {
        return Err(("body", "not a JSON object".to_owned()));
    };
    let text = |field: &'static str| -> Result<Option<String>, (&'static str, String)> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Err((field, "is empty".to_owned())),
            Some(Value::String(s)) if s.len() > 128 => {
                Err((field, "is longer than 128 characters".to_owned()))
            }
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err((field, "must be a string".to_owned())),
        }
    };
    let required = |field: &'static str| -> Result<String, (&'static str, String)> {
        text(field)?.ok_or((field, "is required".to_owned()))
    };
    let provider_name = required("provider")?;
    let provider = Provider::from_str(&provider_name).map_err(|_| {
        (
            "provider",
            format!("`{provider_name}` is not a payhub provider"),
        )
    })?;
    let account_name = text("account")?;
    let account = hub
        .account(provider, account_name.as_deref())
        .map_err(|e| {
            let field = if account_name.is_some() {
                "account"
            } else {
                "provider"
            };
            (field, e.to_string())
        })?
        .name()
        .to_owned();
    let kind_name = required("kind")?;
    let kind = OrderKind::from_str(&kind_name).map_err(|_| {
        (
            "kind",
            format!("`{kind_name}` is not one of checkout, recharge, payout"),
        )
    })?;
    let merchant_order_no = required("merchant_order_no")?;
    let mut order = NewOrder::new(provider.name(), account, kind, merchant_order_no);
    if let Some(no) = text("provider_order_no")? {
        order = order.provider_order_no(no);
    }
    let currency = text("currency")?;
    let amount = match map.get("amount") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(("amount", "must be a decimal string".to_owned())),
    };
    if let Some(amount) = amount {
        let value = Decimal::from_str(&amount)
            .or_else(|_| Decimal::from_scientific(&amount))
            .map_err(|_| ("amount", format!("`{amount}` is not a decimal number")))?;
        if value.is_sign_negative() {
            return Err(("amount", "must not be negative".to_owned()));
        }
        order = order.amount(value, currency);
    } else if currency.is_some() {
        return Err(("amount", "is required with currency".to_owned()));
    }
    if let Some(at) = text("expires_at")? {
        let at = OffsetDateTime::parse(&at, &Rfc3339)
            .map_err(|_| ("expires_at", "is not an RFC 3339 date-time".to_owned()))?;
        order = order.expires_at(at);
    }
    // Default: the provider's cadence (its first check when the first callback would have
    // come, as `Reconciler::track`). An app that knows the callback is lost sends now.
    let first_check = match text("first_check_at")? {
        Some(at) => OffsetDateTime::parse(&at, &Rfc3339)
            .map_err(|_| ("first_check_at", "is not an RFC 3339 date-time".to_owned()))?,
        None => Cadence::for_provider(provider).first_check(order.created_at),
    };
    order = order.first_check_at(first_check);
    Ok(order)
}

/// `<host>-<pid>`: unique per process on a machine.
fn default_instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "payhub".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Completes once the stop flag is raised.
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_are_created_only_when_asked() {
        assert_eq!(sqlite_url("sqlite://a.db", true), "sqlite://a.db?mode=rwc");
        assert_eq!(
            sqlite_url("sqlite://a.db?x=1", true),
            "sqlite://a.db?x=1&mode=rwc"
        );
        assert_eq!(
            sqlite_url("sqlite://a.db?mode=ro", true),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(sqlite_url("sqlite://a.db", false), "sqlite://a.db");
        assert_eq!(sqlite_url("sqlite::memory:", true), "sqlite::memory:");
        assert_eq!(sqlite_url("postgres://u@h/d", true), "postgres://u@h/d");
    }

    #[test]
    fn bearer_tokens_must_match_exactly() {
        let mut h = HeaderMap::new();
        assert!(!authorized(Some("t0k"), &h));
        h.insert(header::AUTHORIZATION, "Bearer t0k".parse().expect("header"));
        assert!(authorized(Some("t0k"), &h));
        assert!(!authorized(Some("t0k2"), &h));
        assert!(!authorized(None, &h));
        h.insert(header::AUTHORIZATION, "Basic t0k".parse().expect("header"));
        assert!(!authorized(Some("t0k"), &h));
    }
}
