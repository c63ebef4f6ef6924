//! [`serve`]: an HTTP/1.1 server for callback endpoints with timeouts and a connection cap, so
//! slow or silent clients cannot hold the endpoint (see [`ServeOptions`] for the defaults).
//!
//! `axum::serve` sets no read timeout and no connection limit: a client that trickles its headers,
//! or announces a body and never sends it, keeps its connection (and a file handle) for as long as
//! it likes, and a few hundred of them stop every genuine callback. This server bounds every
//! phase of a connection and how many are open at once:
//!
//! - headers (and the wait for the next request on a kept-alive connection) within
//!   [`ServeOptions::header_read_timeout`], enforced by hyper;
//! - no gap longer than [`ServeOptions::body_read_timeout`] between pieces of the body
//!   (tower-http `RequestBodyTimeout`);
//! - the whole request, from its headers to the response, within
//!   [`ServeOptions::request_timeout`] (tower-http `Timeout`, answering `408`);
//! - no connection older than [`ServeOptions::max_connection_age`]: it is then closed after its
//!   current response, and dropped if that does not happen within the request timeout (a client
//!   that never reads its responses stalls the server's writes, which no read timeout sees);
//! - at most [`ServeOptions::max_connections`] connections; further ones wait in the listen
//!   backlog, in arrival order, until one closes (every connection is bounded by the limits
//!   above, so a slot always frees);
//! - accept errors never stop it: running out of file handles (`EMFILE`) is logged and retried
//!   after a short, growing pause, without spinning.

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_http::timeout::{RequestBodyTimeout, Timeout};

/// The shortest timeout accepted; shorter ones (zero) are raised to it.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// First pause after an accept error (out of file handles, out of memory).
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
/// At most one log line per this period for a condition that may repeat many times a second.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Longest pause after repeated accept errors: short, so a freed file handle is used quickly.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(250);

/// Limits of the callback server. The defaults suit provider callbacks: small requests (a few
/// kilobytes) sent at once by a server, which waits seconds for the answer and retries later.
///
/// | setting | default | why |
/// |---|---|---|
/// | [`header_read_timeout`](Self::header_read_timeout) | 5 s | a provider sends its headers in one go; a slow network adds well under a second. Also closes idle kept-alive connections. |
/// | [`body_read_timeout`](Self::body_read_timeout) | 10 s | longest silence between pieces of the body (a callback body arrives in one or two packets). |
/// | [`request_timeout`](Self::request_timeout) | 30 s | headers parsed to response ready: body and your handler. Providers stop waiting sooner (tokenpay counts a timeout as a failure and retries), so a longer request helps nobody. |
/// | [`max_connection_age`](Self::max_connection_age) | 60 s | a provider opens a connection per callback, or reuses it for a few; after this it is closed after its response, and dropped 30 s (the request timeout) later if it hangs. |
/// | [`max_connections`](Self::max_connections) | 512 | half the usual soft limit of open files (`ulimit -n` is 1024 on many Linux systems), leaving the rest to the service (database, calls to the providers). A callback takes milliseconds, so 512 at once is far more than providers send; under a flood of slow clients, arrivals queue in order and each slot frees within the limits above. Raise it together with `ulimit -n`. |
///
/// ```
/// use std::time::Duration;
/// use payhub::axum::ServeOptions;
/// let options = ServeOptions::default()
///     .request_timeout(Duration::from_secs(20))
///     .max_connections(256);
/// assert_eq!(options.get_max_connections(), 256);
/// assert_eq!(options.get_header_read_timeout(), ServeOptions::DEFAULT_HEADER_READ_TIMEOUT);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct ServeOptions {
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    request_timeout: Duration,
    max_connection_age: Duration,
    max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: Self::DEFAULT_BODY_READ_TIMEOUT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            max_connection_age: Self::DEFAULT_MAX_CONNECTION_AGE,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ServeOptions {
    /// Default [`header_read_timeout`](Self::header_read_timeout): 5 s.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default [`body_read_timeout`](Self::body_read_timeout): 10 s.
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default [`request_timeout`](Self::request_timeout): 30 s.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`max_connection_age`](Self::max_connection_age): 60 s.
    pub const DEFAULT_MAX_CONNECTION_AGE: Duration = Duration::from_secs(60);
    /// Default [`max_connections`](Self::max_connections): 512.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

    /// The defaults (same as [`ServeOptions::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed for a request's headers, counted from when the server starts waiting for
    /// them: from the accept, or from the previous response on a kept-alive connection (so an
    /// idle connection is closed after it too). The connection is closed when it passes.
    /// Zero is raised to 1 ms.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(MIN_TIMEOUT);
        self
    }

    /// Longest wait for the next piece of a request body; the request then fails and its
    /// connection is closed. Zero is raised to 1 ms.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout.max(MIN_TIMEOUT);
        self
    }

    /// Time allowed from a request's parsed headers to its response (reading the body and
    /// running your handler). When it passes, the handler's future is dropped, the client gets
    /// `408 Request Timeout` and the connection is closed; a provider delivers the callback
    /// again, and a deduper claim left by the dropped handler lapses after its lease. Zero is
    /// raised to 1 ms.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(MIN_TIMEOUT);
        self
    }

    /// Longest a connection stays open. When it passes, the connection is closed after its
    /// current response (at once when idle); if it is still open a request timeout later (a
    /// client that does not read its responses blocks the server's writes), it is dropped.
    /// Zero is raised to 1 ms.
    pub fn max_connection_age(mut self, age: Duration) -> Self {
        self.max_connection_age = age.max(MIN_TIMEOUT);
        self
    }

    /// Most connections open at once (at least 1; at most tokio's `Semaphore::MAX_PERMITS`). When reached, the server stops accepting:
    /// new connections wait in the operating system's listen backlog, in arrival order, and are
    /// accepted as open ones close. Keep it below the process's open-file limit (`ulimit -n`)
    /// minus what the rest of the service needs; if the limit is hit first, accepting fails with
    /// `EMFILE`, which is logged and retried, so the server still recovers, only less smoothly.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// The header read timeout.
    pub fn get_header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The body read timeout.
    pub fn get_body_read_timeout(&self) -> Duration {
        self.body_read_timeout
    }

    /// The whole-request timeout.
    pub fn get_request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The longest a connection stays open (before the request timeout's grace).
    pub fn get_max_connection_age(&self) -> Duration {
        self.max_connection_age
    }

    /// The connection cap.
    pub fn get_max_connections(&self) -> usize {
        self.max_connections
    }
}

/// Serves `router` on `listener` with the limits of `options` (see [`ServeOptions`] and the
/// [module docs](crate::axum#serving-callbacks)): the safe way to expose [`notify_routes`](crate::axum::notify_routes) to the internet.
///
/// Await the returned [`Serve`] to run the server; it runs until the future is dropped, or until
/// the signal given to [`Serve::with_graceful_shutdown`] completes. HTTP/1.1 only (providers
/// call back over HTTP/1.1; put a proxy in front for TLS or HTTP/2).
///
/// ```no_run
/// # #[cfg(feature = "paydesk")]
/// # async fn run() -> std::io::Result<()> {
/// use payhub::axum::{ServeOptions, notify_routes, serve};
/// use payhub::{Notification, NotifyRouter};
///
/// let router = NotifyRouter::new()
///     .paydesk(payhub::paydesk::notify::NotifyVerifier::new(1002001, "apiKey"));
/// let app = axum::Router::new().nest(
///     "/callbacks",
///     notify_routes(router, |n: Notification| async move {
///         // Record the payment; return Err to have the provider deliver again.
///         println!("{:?} {}", n.provider(), n.status());
///         Ok::<(), std::io::Error>(())
///     }),
/// );
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// serve(listener, app, ServeOptions::default())
///     .with_graceful_shutdown(async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
pub fn serve(listener: TcpListener, router: axum::Router, options: ServeOptions) -> Serve {
    Serve {
        listener,
        router,
        options,
        signal: None,
    }
}

/// A callback server, built by [`serve`]. Await it (it implements [`IntoFuture`]) to run it.
#[must_use = "a server does nothing until awaited"]
pub struct Serve {
    listener: TcpListener,
    router: axum::Router,
    options: ServeOptions,
    signal: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("options", &self.options)
            .field("graceful_shutdown", &self.signal.is_some())
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Stops gracefully when `signal` completes: no new connections are accepted, idle ones
    /// are closed, requests in progress finish (a connection still open a request timeout later
    /// is dropped), and then the server's future completes.
    pub fn with_graceful_shutdown<F>(mut self, signal: F) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// The address the server listens on.
    ///
    /// # Errors
    /// The operating system's error, as from [`TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    async fn run(self) {
        let Self {
            listener,
            router,
            options,
            signal,
        } = self;
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
        let service = Timeout::with_status_code(
            RequestBodyTimeout::new(router, options.body_read_timeout),
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        );
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(options.header_read_timeout);
        let slots = Arc::new(Semaphore::new(options.max_connections));
        // Shutdown: the sender tells connections to close; every connection task holds a clone
        // of `open`, so `open_tx.closed()` completes when the last one ends.
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (open_tx, open) = watch::channel(());
        let mut failures = AcceptFailures::default();
        let mut cap_logged: Option<Instant> = None;

        loop {
            if slots.available_permits() == 0 && cap_logged.is_none_or(|t| t.elapsed() >= LOG_EVERY)
            {
                cap_logged = Some(Instant::now());
                tracing::warn!(
                    max_connections = options.max_connections,
                    "callback server at its connection cap; new connections wait in the backlog"
                );
            }
            let slot = tokio::select! {
                biased;
                () = &mut signal => break,
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    // The semaphore is never closed.
                    Err(_) => break,
                },
            };
            let accepted = tokio::select! {
                biased;
                () = &mut signal => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, remote) = match accepted {
                Ok(accepted) => {
                    failures.recovered();
                    accepted
                }
                Err(e) => {
                    if let Some(pause) = failures.failed(&e) {
                        tokio::select! {
                            biased;
                            () = &mut signal => break,
                            () = tokio::time::sleep(pause) => {}
                        }
                    }
                    continue;
                }
            };
            // Acknowledgements are small: send them without waiting for more data.
            let _ = stream.set_nodelay(true);
            let conn = http.serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(service.clone()),
            );
            let limits = ConnLimits {
                max_age: options.max_connection_age,
                grace: options.request_timeout,
            };
            let shutdown = shutdown_rx.clone();
            let open = open.clone();
            tokio::spawn(async move {
                serve_connection(conn, remote, limits, shutdown).await;
                drop(open);
                drop(slot);
            });
        }

        drop(listener);
        drop(open);
        tracing::debug!("callback server stopping; closing open connections");
        let _ = shutdown_tx.send(true);
        open_tx.closed().await;
    }
}

/// How long one connection may live.
#[derive(Clone, Copy, Debug)]
struct ConnLimits {
    max_age: Duration,
    /// After being asked to close: time left to finish the current response.
    grace: Duration,
}

/// Runs one connection until it ends, it is older than `max_age`, or the server shuts down;
/// then closes it after its current response, or drops it `grace` later.
async fn serve_connection<I, S>(
    conn: http1::Connection<I, S>,
    remote: SocketAddr,
    limits: ConnLimits,
    mut shutdown: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S: hyper::service::HttpService<hyper::body::Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut conn = std::pin::pin!(conn);
    let ask_to_close = async {
        tokio::select! {
            () = tokio::time::sleep(limits.max_age) => "max connection age reached",
            _ = shutdown.wait_for(|stop| *stop) => "server shutting down",
        }
    };
    let result = tokio::select! {
        result = conn.as_mut() => result,
        why = ask_to_close => {
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(limits.grace, conn.as_mut()).await {
                Ok(result) => result,
                Err(_) => {
                    tracing::debug!(%remote, why, "callback connection dropped: it did not finish in time");
                    return;
                }
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!(%remote, error = %e, "callback connection closed on an error");
    }
}

impl IntoFuture for Serve {
    /// Always `Ok` today (accept errors are logged and retried); an `io::Result` so that the
    /// server can report a failure to start in the future without a breaking change.
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.run().await;
            Ok(())
        })
    }
}

/// Consecutive accept errors: how long to pause, and when to log.
#[derive(Debug, Default)]
struct AcceptFailures {
    /// Consecutive failures that paused (reset by an accepted connection).
    streak: u32,
    /// Failures since the last log line.
    unlogged: u64,
    /// When the last log line was written.
    logged: Option<Instant>,
}

impl AcceptFailures {
    /// Records an accept error; returns how long to pause before accepting again, or `None` when
    /// the error concerned only that one connection (the client left before it was accepted).
    fn failed(&mut self, e: &io::Error) -> Option<Duration> {
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionRefused
        ) {
            tracing::debug!(error = %e, "a connection failed before it was accepted");
            return None;
        }
        self.streak = self.streak.saturating_add(1);
        self.unlogged += 1;
        // Visible at once, then at most one line per LOG_EVERY while the process stays out of
        // file handles (it may fail and recover many times a second).
        if self.logged.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            tracing::error!(
                error = %e,
                failures = self.unlogged,
                "callback server cannot accept connections (out of file handles?); retrying"
            );
            self.unlogged = 0;
            self.logged = Some(Instant::now());
        }
        let exp = self.streak.saturating_sub(1).min(16);
        Some(
            ACCEPT_BACKOFF_MIN
                .saturating_mul(2u32.saturating_pow(exp))
                .min(ACCEPT_BACKOFF_MAX),
        )
    }

    /// A connection was accepted: the next failure pauses briefly again.
    fn recovered(&mut self) {
        self.streak = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_grows_and_is_capped() {
        let mut f = AcceptFailures::default();
        let emfile = io::Error::from_raw_os_error(24);
        let pauses: Vec<Duration> = (0..10).filter_map(|_| f.failed(&emfile)).collect();
        assert_eq!(pauses.len(), 10, "EMFILE always pauses (never a busy loop)");
        assert_eq!(pauses[0], ACCEPT_BACKOFF_MIN);
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(pauses[9], ACCEPT_BACKOFF_MAX);
        let aborted = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(f.failed(&aborted), None);
        f.recovered();
        assert_eq!(f.failed(&emfile), Some(ACCEPT_BACKOFF_MIN));
    }

    #[test]
    fn options_clamp_and_default() {
        let o = ServeOptions::new()
            .header_read_timeout(Duration::ZERO)
            .max_connections(0);
        assert_eq!(o.get_header_read_timeout(), MIN_TIMEOUT);
        assert_eq!(o.get_max_connections(), 1);
        let huge = ServeOptions::new().max_connections(usize::MAX);
        assert_eq!(huge.get_max_connections(), Semaphore::MAX_PERMITS);
        let d = ServeOptions::default();
        assert_eq!(d.get_header_read_timeout(), Duration::from_secs(5));
        assert_eq!(d.get_body_read_timeout(), Duration::from_secs(10));
        assert_eq!(d.get_request_timeout(), Duration::from_secs(30));
        assert_eq!(d.get_max_connection_age(), Duration::from_secs(60));
        assert_eq!(d.get_max_connections(), 512);
    }
}
