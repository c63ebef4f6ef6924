//! Starting a sandbox ([`Sandbox::builder`]) and driving it ([`SandboxHandle`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::body::{DEFAULT_BODY_LIMIT, ModuleScope};
use crate::callback::{CallbackRecord, DispatchConfig, Dispatcher};
use crate::clock::{SandboxClock, SandboxTime};
use crate::config::{ConfigError, ProviderConfig, SandboxConfig};
use crate::conn::ClosingListener;
use crate::error::{Error, Result};
use crate::fault::{FaultRule, FaultStatus};
use crate::layers::{LayerState, access_log, provider_layer};
use crate::provider::{ChangeCause, Credential, ProviderModule, Rejection, TransitionError};
use crate::providers::REGISTRY;
use crate::shared::Shared;
use crate::store::{Order, OrderFilter, OrderState};

/// How long [`SandboxHandle::shutdown`] waits for in-flight requests by default: 5 seconds.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long the shutdown waits for the server to stop once its connections are closed.
const FORCED_CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with every default: `127.0.0.1`, an ephemeral port, real-time clock, all
    /// built-in modules with their documented test credentials.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Configures and starts a sandbox.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), payhub_sandbox::Error> {
/// use payhub_sandbox::Sandbox;
/// let sandbox = Sandbox::builder().clock_speed(0).start().await?;
/// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
/// assert!(sandbox.provider_url("paydesk").ends_with("/paydesk"));
/// sandbox.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct SandboxBuilder {
    config: SandboxConfig,
    config_file: Option<PathBuf>,
    modules: Vec<Arc<dyn ProviderModule>>,
    start_time: Option<SandboxTime>,
    order_retention: Option<Option<Duration>>,
    shutdown_grace: Option<Duration>,
}

impl std::fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("server", &self.config.server)
            .field("clock", &self.config.clock)
            .field(
                "providers",
                &self.config.providers.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl SandboxBuilder {
    /// Uses this configuration (settings made on the builder afterwards override it).
    pub fn config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }

    /// Reads the configuration from a TOML file at [`start`](Self::start) (settings made on the
    /// builder override the file).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().config_file("sandbox.toml");
    /// # drop(b);
    /// ```
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Listen address (default `127.0.0.1`).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().host("127.0.0.1");
    /// # drop(b);
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.config.server.host = Some(host.into());
        self
    }

    /// Listen port (default 0: an ephemeral port; read it back from
    /// [`SandboxHandle::base_url`]).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().port(0);
    /// # drop(b);
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.config.server.port = Some(port);
        self
    }

    /// Clock speed: sandbox milliseconds per real millisecond (default 1; 0 freezes the clock,
    /// which then moves only by [`SandboxHandle::advance`]).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().clock_speed(60_000); // a minute per ms
    /// # drop(b);
    /// ```
    pub fn clock_speed(mut self, speed: u32) -> Self {
        self.config.clock.speed = Some(speed);
        self
    }

    /// Sandbox start time (default: the real time at start).
    ///
    /// ```
    /// use payhub_sandbox::{Sandbox, SandboxTime};
    /// let b = Sandbox::builder().start_time(SandboxTime::from_unix_millis(1_733_100_000_000));
    /// # drop(b);
    /// ```
    pub fn start_time(mut self, at: SandboxTime) -> Self {
        self.start_time = Some(at);
        self
    }

    /// Maximum request body in bytes (default 256 KiB).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().body_limit(64 * 1024);
    /// # drop(b);
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.server.body_limit = Some(bytes);
        self
    }

    /// How long final orders are kept, in sandbox time (default
    /// [`DEFAULT_ORDER_RETENTION`](crate::DEFAULT_ORDER_RETENTION), one hour; `None` keeps them
    /// forever).
    ///
    /// An order that reached a final state (paid, failed, expired, closed, cancelled) is removed,
    /// with its callback records, once this much sandbox time has passed since it became final
    /// and since its last callback attempt. Orders that are not final, and orders whose
    /// callbacks are still being retried, are kept. A removed order is gone from queries and the
    /// control API (the provider's "order not found"), so a long load test stays flat in memory.
    ///
    /// Retention runs on the sandbox clock: a frozen clock removes nothing until
    /// [`SandboxHandle::advance`] moves it, and an accelerated clock removes orders that much
    /// sooner in real time (at speed 60 000, one hour is 60 real milliseconds).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = payhub_sandbox::Sandbox::builder().order_retention(Some(Duration::from_secs(600)));
    /// let forever = payhub_sandbox::Sandbox::builder().order_retention(None);
    /// # drop((b, forever));
    /// ```
    pub fn order_retention(mut self, retention: Option<Duration>) -> Self {
        self.order_retention = Some(retention);
        self
    }

    /// How long [`SandboxHandle::shutdown`] waits for in-flight requests before it closes the
    /// connections still open (default 5 seconds, real time). Connections with half-sent
    /// requests are closed then, and the shutdown still succeeds.
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = payhub_sandbox::Sandbox::builder().shutdown_grace(Duration::from_secs(1));
    /// # drop(b);
    /// ```
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = Some(grace);
        self
    }

    /// Sets a module's `[providers.<name>]` table.
    ///
    /// ```
    /// let table: toml::Table = toml::from_str(r#"merchants = [{ merchant_id = "1", api_key = "k" }]"#).unwrap();
    /// let b = payhub_sandbox::Sandbox::builder().provider_config("paydesk", table);
    /// # drop(b);
    /// ```
    pub fn provider_config(mut self, name: impl Into<String>, table: toml::Table) -> Self {
        self.config.providers.insert(name.into(), table);
        self
    }

    /// Adds a module, or replaces the built-in one of the same name.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use payhub_sandbox::{ProviderCtx, ProviderModule, Sandbox};
    /// struct Echo;
    /// impl ProviderModule for Echo {
    ///     fn name(&self) -> &'static str { "echo" }
    ///     fn router(&self, _ctx: ProviderCtx) -> axum::Router { axum::Router::new() }
    /// }
    /// let b = Sandbox::builder().module(Arc::new(Echo));
    /// # drop(b);
    /// ```
    pub fn module(mut self, module: Arc<dyn ProviderModule>) -> Self {
        self.modules.push(module);
        self
    }

    /// Sends every callback to `url` instead of the orders' notify URLs.
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().redirect_callbacks("http://127.0.0.1:9000/notify");
    /// # drop(b);
    /// ```
    pub fn redirect_callbacks(mut self, url: impl Into<String>) -> Self {
        self.config.callbacks.redirect_to = Some(url.into());
        self
    }

    /// Also delivers callbacks to non-loopback URLs (default: blocked, recorded as failed).
    ///
    /// ```
    /// let b = payhub_sandbox::Sandbox::builder().allow_external_callbacks(false);
    /// # drop(b);
    /// ```
    pub fn allow_external_callbacks(mut self, allow: bool) -> Self {
        self.config.callbacks.allow_external = allow;
        self
    }

    /// Binds the port, builds the modules and starts serving.
    ///
    /// # Errors
    /// [`Error::Config`] for a bad config file or provider section, [`Error::Bind`] when the
    /// address cannot be bound, [`Error::DuplicateModule`].
    pub async fn start(self) -> Result<SandboxHandle> {
        let mut config = match &self.config_file {
            Some(path) => SandboxConfig::from_file(path)?,
            None => SandboxConfig::default(),
        };
        merge(&mut config, self.config);
        normalize_provider_sections(&mut config)?;

        let mut modules: Vec<Arc<dyn ProviderModule>> = Vec::new();
        for reg in REGISTRY {
            if self.modules.iter().any(|m| m.name() == reg.name) {
                continue;
            }
            let table = config.providers.get(reg.name).cloned().unwrap_or_default();
            modules.push((reg.build)(&ProviderConfig::new(reg.name, table))?);
        }
        modules.extend(self.modules);
        let mut by_name = HashMap::new();
        for m in &modules {
            if by_name.insert(m.name(), Arc::clone(m)).is_some() {
                return Err(Error::DuplicateModule(m.name().to_owned()));
            }
        }
        for name in config.providers.keys() {
            if !by_name.contains_key(name.as_str()) {
                return Err(ConfigError::UnknownProvider(name.clone()).into());
            }
        }

        let host = config
            .server
            .host
            .clone()
            .unwrap_or_else(|| "127.0.0.1".to_owned());
        let port = config.server.port.unwrap_or(0);
        let addr_text = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let listener = tokio::net::TcpListener::bind(&addr_text)
            .await
            .map_err(|source| Error::Bind {
                addr: addr_text.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: addr_text,
            source,
        })?;
        let base_url = format!("http://{addr}");

        let clock = match (
            self.start_time.or(config
                .clock
                .start_unix_ms
                .map(SandboxTime::from_unix_millis)),
            config.clock.speed.unwrap_or(1),
        ) {
            (Some(start), speed) => SandboxClock::new(start, speed),
            (None, speed) => SandboxClock::starting_now(speed),
        };
        let dispatcher = Arc::new(Dispatcher::new(
            clock.clone(),
            DispatchConfig {
                allow_external: config.callbacks.allow_external,
                redirect_to: config.callbacks.redirect_to.clone(),
            },
        ));
        let body_limit = config.server.body_limit.unwrap_or(DEFAULT_BODY_LIMIT);
        let retention = self
            .order_retention
            .unwrap_or_else(|| config.orders.retention());
        let shared = Arc::new(Shared::new(
            base_url.clone(),
            clock,
            dispatcher,
            by_name,
            body_limit,
            retention,
        ));

        let mut app = Router::new().nest("/_sandbox", crate::control::router(Arc::clone(&shared)));
        for m in &modules {
            let name = m.name();
            let ctx = shared.ctx(name);
            let scope = ModuleScope {
                module: Arc::clone(m),
                limit: body_limit,
            };
            let fallback_module = Arc::clone(m);
            let router = m
                .router(ctx)
                .fallback(move |uri: http::Uri| {
                    let m = Arc::clone(&fallback_module);
                    async move {
                        m.reject(&Rejection::NotFound {
                            path: uri.path().to_owned(),
                        })
                    }
                })
                .layer(axum::middleware::from_fn_with_state(
                    LayerState {
                        shared: Arc::clone(&shared),
                        scope,
                    },
                    provider_layer,
                ));
            // `/gateway-recharge` as well as `/gateway_recharge`: the crate and the module
            // spelling of the name both work as the prefix (unless another module owns it).
            let alias = other_spelling(name);
            if alias != name && !shared.modules.contains_key(alias.as_str()) {
                app = app.nest(&format!("/{alias}"), router.clone());
            }
            app = app.nest(&format!("/{name}"), router);
        }
        let names: Vec<&'static str> = modules.iter().map(|m| m.name()).collect();
        let app = app.fallback(move |uri: http::Uri| {
            let names = names.clone();
            async move {
                (
                    http::StatusCode::NOT_FOUND,
                    axum::Json(serde_json::json!({
                        "error": "not_found",
                        "detail": format!("no route {}; provider routes live under /<provider>/, control under /_sandbox/", uri.path()),
                        "providers": names,
                    })),
                )
                    .into_response()
            }
        });
        let app = app.layer(axum::middleware::from_fn(access_log));

        let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
        let (close_tx, close_rx) = watch::channel(false);
        let listener = ClosingListener {
            inner: listener,
            close: close_rx,
        };
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = shutdown_rx.wait_for(|stop| *stop).await;
                })
                .await
        });
        let scheduler = tokio::spawn(Arc::clone(&shared).run_scheduler());
        let janitor = tokio::spawn(Arc::clone(&shared).run_janitor());
        tracing::info!(%base_url, providers = ?shared.modules.keys().collect::<Vec<_>>(), "sandbox started");
        Ok(SandboxHandle {
            shared,
            addr,
            shutdown_tx,
            close_tx,
            grace: self.shutdown_grace.unwrap_or(DEFAULT_SHUTDOWN_GRACE),
            server: Some(server),
            scheduler,
            janitor,
        })
    }
}

/// `name` with `_` and `-` swapped: the other spelling of a module name (`gateway_recharge` ↔
/// `gateway-recharge`), served as a second URL prefix and accepted as a config section name.
pub(crate) fn other_spelling(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '_' => '-',
            '-' => '_',
            c => c,
        })
        .collect()
}

/// Renames `[providers.gateway-recharge]` to the module's own `[providers.gateway_recharge]`
/// (any built-in module, either spelling); both spellings at once are an error.
fn normalize_provider_sections(config: &mut SandboxConfig) -> Result<()> {
    let names: Vec<String> = config.providers.keys().cloned().collect();
    for name in names {
        if REGISTRY.iter().any(|r| r.name == name) {
            continue;
        }
        let alias = other_spelling(&name);
        if !REGISTRY.iter().any(|r| r.name == alias) {
            continue;
        }
        if config.providers.contains_key(&alias) {
            return Err(ConfigError::Provider {
                provider: alias,
                message: format!("configured twice, also as [providers.{name}]"),
            }
            .into());
        }
        if let Some(table) = config.providers.remove(&name) {
            config.providers.insert(alias, table);
        }
    }
    Ok(())
}

/// Builder settings override the file's.
fn merge(file: &mut SandboxConfig, builder: SandboxConfig) {
    let s = builder.server;
    file.server.host = s.host.or(file.server.host.take());
    file.server.port = s.port.or(file.server.port);
    file.server.body_limit = s.body_limit.or(file.server.body_limit);
    let c = builder.clock;
    file.clock.speed = c.speed.or(file.clock.speed);
    file.clock.start_unix_ms = c.start_unix_ms.or(file.clock.start_unix_ms);
    file.orders.retention_secs = builder.orders.retention_secs.or(file.orders.retention_secs);
    file.callbacks.allow_external |= builder.callbacks.allow_external;
    file.callbacks.redirect_to = builder
        .callbacks
        .redirect_to
        .or(file.callbacks.redirect_to.take());
    file.providers.extend(builder.providers);
}

/// A provider as the running sandbox serves it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProviderInfo {
    /// Module name.
    pub name: &'static str,
    /// Base URL to give the provider's client.
    pub base_url: String,
    /// Credentials the module accepts (sandbox-only test values).
    pub credentials: Vec<Credential>,
}

/// A running sandbox. Dropping it stops the server (without waiting); call
/// [`shutdown`](Self::shutdown) to stop gracefully and wait.
pub struct SandboxHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    /// Closes the connections still open once the grace period is over.
    close_tx: watch::Sender<bool>,
    grace: Duration,
    server: Option<JoinHandle<std::io::Result<()>>>,
    scheduler: JoinHandle<()>,
    janitor: JoinHandle<()>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`: the sandbox root (control API under `/_sandbox/`).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for one provider's client: `http://127.0.0.1:PORT/<name>`.
    pub fn provider_url(&self, name: &str) -> String {
        format!("{}/{name}", self.shared.base_url)
    }

    /// Every module with its base URL and the credentials it accepts.
    pub fn providers(&self) -> Vec<ProviderInfo> {
        let mut v: Vec<ProviderInfo> = self
            .shared
            .modules
            .values()
            .map(|m| ProviderInfo {
                name: m.name(),
                base_url: self.provider_url(m.name()),
                credentials: m.credentials(),
            })
            .collect();
        v.sort_by_key(|p| {
            REGISTRY
                .iter()
                .position(|r| r.name == p.name)
                .unwrap_or(usize::MAX)
        });
        v
    }

    /// The credentials one module accepts (empty for an unknown name).
    pub fn credentials(&self, provider: &str) -> Vec<Credential> {
        self.shared
            .modules
            .get(provider)
            .or_else(|| self.shared.modules.get(other_spelling(provider).as_str()))
            .map(|m| m.credentials())
            .unwrap_or_default()
    }

    /// The sandbox clock.
    pub fn clock(&self) -> &SandboxClock {
        &self.shared.clock
    }

    /// Current sandbox time.
    pub fn now(&self) -> SandboxTime {
        self.shared.clock.now()
    }

    /// Moves sandbox time forward (wakes expiry and callback timers). Follow with
    /// [`settle`](Self::settle) to wait for what became due.
    pub fn advance(&self, by: Duration) -> SandboxTime {
        self.shared.clock.advance(by)
    }

    /// Changes the clock speed (0 freezes it).
    pub fn set_clock_speed(&self, speed: u32) {
        self.shared.clock.set_speed(speed);
    }

    /// Orders matching `filter`, oldest first.
    pub fn orders(&self, filter: &OrderFilter) -> Vec<Order> {
        self.shared.store.list(filter)
    }

    /// One order by platform order number, or by merchant order number when that is unique.
    pub fn order(&self, key: &str) -> Option<Order> {
        let found = self.shared.store.lookup(key);
        if found.len() == 1 {
            found.into_iter().next()
        } else {
            None
        }
    }

    /// Moves an order (platform or unique merchant order number) to `state`, as the control
    /// API does: the module validates it, the change is committed, and its notify is queued.
    ///
    /// # Errors
    /// A [`TransitionError`]: unknown or ambiguous order, already final, refused by the module.
    pub fn mark(
        &self,
        key: &str,
        state: OrderState,
        reason: Option<&str>,
    ) -> Result<Order, TransitionError> {
        let no = self.shared.resolve(key)?;
        self.shared
            .transition(&no, state, reason.map(str::to_owned), ChangeCause::Control)
    }

    /// Marks an order paid ([`OrderState::Success`]).
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    pub fn mark_paid(&self, key: &str) -> Result<Order, TransitionError> {
        self.mark(key, OrderState::Success, None)
    }

    /// Marks an order failed.
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    pub fn mark_failed(&self, key: &str) -> Result<Order, TransitionError> {
        self.mark(key, OrderState::Failed, None)
    }

    /// Expires an order now.
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    pub fn mark_expired(&self, key: &str) -> Result<Order, TransitionError> {
        self.mark(key, OrderState::Expired, None)
    }

    /// Cancels an order (payouts).
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    pub fn mark_cancelled(&self, key: &str) -> Result<Order, TransitionError> {
        self.mark(key, OrderState::Cancelled, None)
    }

    /// Every callback with its attempts, oldest first.
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        self.shared.dispatcher.list()
    }

    /// The callbacks of one order (platform or merchant order number).
    pub fn callbacks_for(&self, key: &str) -> Vec<CallbackRecord> {
        self.callbacks()
            .into_iter()
            .filter(|c| c.platform_order_no == key || c.merchant_order_no == key)
            .collect()
    }

    /// Sends every future callback to `url` (or, with `None`, to the orders' notify URLs again).
    pub fn redirect_callbacks(&self, url: Option<&str>) {
        self.shared.dispatcher.set_redirect(url.map(str::to_owned));
    }

    /// Adds a fault rule; returns its id.
    pub fn add_fault(&self, rule: FaultRule) -> u64 {
        self.shared.faults.add(rule)
    }

    /// Removes a fault rule; `false` when there was none with that id.
    pub fn remove_fault(&self, id: u64) -> bool {
        self.shared.faults.remove(id)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The fault rules with their counters.
    pub fn faults(&self) -> Vec<FaultStatus> {
        self.shared.faults.list()
    }

    /// Waits (up to 10 real seconds) until nothing is due at the current sandbox time: every
    /// callback attempt and scheduled transition that is due has run.
    ///
    /// # Errors
    /// [`Error::NotSettled`] after 10 seconds.
    pub async fn settle(&self) -> Result<()> {
        let limit = Duration::from_secs(10);
        if self.shared.settle(limit).await {
            Ok(())
        } else {
            Err(Error::NotSettled(limit))
        }
    }

    /// The earliest sandbox time something is due (a callback attempt or a scheduled transition).
    pub fn next_due(&self) -> Option<SandboxTime> {
        self.shared.next_due()
    }

    /// Advances the clock exactly to the next due time and waits until that work has run.
    /// Returns the time reached, or `None` when nothing is scheduled.
    ///
    /// # Errors
    /// [`Error::NotSettled`] as [`settle`](Self::settle).
    pub async fn advance_to_next_due(&self) -> Result<Option<SandboxTime>> {
        self.settle().await?;
        let Some(at) = self.shared.next_due() else {
            return Ok(None);
        };
        self.shared.clock.advance_to(at);
        self.settle().await?;
        Ok(Some(at))
    }

    /// Stops accepting connections, finishes in-flight requests (up to the
    /// [grace period](SandboxBuilder::shutdown_grace), 5 seconds by default), then closes the
    /// connections still open (half-sent requests, stalled clients), aborts pending callbacks
    /// and scheduled work.
    ///
    /// # Errors
    /// [`Error::Server`] if the server failed, [`Error::ShutdownTimeout`] if it did not stop
    /// even after its connections were closed.
    pub async fn shutdown(mut self) -> Result<()> {
        self.stop_background();
        let _ = self.shutdown_tx.send(true);
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        let grace = self.grace;
        let finished = match tokio::time::timeout(grace, &mut server).await {
            Ok(finished) => finished,
            Err(_) => {
                tracing::info!(
                    grace_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX),
                    "connections still open after the grace period; closing them"
                );
                let _ = self.close_tx.send(true);
                tokio::time::timeout(FORCED_CLOSE_WAIT, server)
                    .await
                    .map_err(|_| Error::ShutdownTimeout(grace))?
            }
        };
        match finished {
            Ok(Ok(())) => {
                tracing::info!(base_url = %self.shared.base_url, "sandbox stopped");
                Ok(())
            }
            Ok(Err(e)) => Err(Error::Server(e)),
            Err(join) => Err(Error::Server(std::io::Error::other(join.to_string()))),
        }
    }

    fn stop_background(&self) {
        self.scheduler.abort();
        self.janitor.abort();
        self.shared.dispatcher.shutdown();
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.stop_background();
            let _ = self.shutdown_tx.send(true);
            // Without a graceful wait the server task just ends when the runtime does.
            drop(server);
        }
    }
}
