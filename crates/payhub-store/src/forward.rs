//! [`Forwarder`]: delivers each stored event to the merchant app, at least once, from any
//! number of machines.
//!
//! Why it works this way: the gateway acknowledged the provider as soon as the event was
//! recorded, so from then on payhub owns the retries. A forwarder claims due events under a
//! lease ([`Store::claim_due`]), POSTs each as one signed JSON document, and records the
//! outcome only while it still holds the lease: 2xx is delivered, anything else is retried with
//! jittered exponential backoff until `max_attempts`, then failed (kept, for
//! [`Store::replay`]). A forwarder that dies mid-batch loses its leases when they run out and
//! another forwarder delivers those events again, so the merchant app must dedupe on
//! `Payhub-Event-Id` (or the document's `id`).
//!
//! The document (`Content-Type: application/json`):
//!
//! ```json
//! {"id":42,"provider":"paydesk","account":"M1","event_key":"paydesk:ORD-1:SUCCESS",
//!  "merchant_order_no":"ORD-1","provider_order_no":"P-9","status":"SUCCESS","amount":"10.50",
//!  "currency":"USD","received_at":"2026-01-01T00:00:00Z","notification":{...}}
//! ```
//!
//! with the headers `Payhub-Event-Id: 42` and `Payhub-Signature: t=<unix>,v1=<hex>` (see
//! [`crate::signature`]).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::task::JoinSet;

use crate::error::{Error, Result};
use crate::event::StoredEvent;
use crate::signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign};
use crate::store::Store;

/// What one [`Forwarder::run_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForwardReport {
    /// Events claimed.
    pub claimed: usize,
    /// Accepted by the merchant app (2xx).
    pub delivered: usize,
    /// Refused or unreachable, scheduled again.
    pub retried: usize,
    /// Refused on their last attempt: given up (kept as `Failed`).
    pub failed: usize,
    /// Outcome not recorded: the lease ran out first, or the store failed; the event is
    /// delivered again after its lease.
    pub lost: usize,
}

/// The shared secret the forwarder signs with. Never printed.
#[derive(Clone)]
struct SigningSecret(Arc<[u8]>);

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

/// Backoff between attempts: `min * 2^(attempt-1)`, capped at `max`, then a uniform random
/// part of the upper half taken off (so a fleet's retries spread out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Pause after the first failed attempt (before jitter).
    pub min: Duration,
    /// Longest pause.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            min: Duration::from_secs(1),
            max: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The pause after failed attempt number `attempt` (1-based), jittered into
    /// `[delay / 2, delay]`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use payhub_store::forward::Backoff;
    /// let b = Backoff { min: Duration::from_secs(1), max: Duration::from_secs(600) };
    /// let d = b.delay(3); // 4 s before jitter
    /// assert!(d >= Duration::from_secs(2) && d <= Duration::from_secs(4));
    /// assert!(b.delay(40) <= Duration::from_secs(600));
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(32);
        let full = self
            .min
            .saturating_mul(1u32 << exp.min(31))
            .min(self.max)
            .max(self.min.min(self.max));
        let half = full / 2;
        let jitter_nanos =
            rand::rng().random_range(0..=u64::try_from(half.as_nanos()).unwrap_or(u64::MAX));
        full - Duration::from_nanos(jitter_nanos).min(half)
    }
}

struct Inner {
    store: Store,
    target: reqwest::Url,
    secret: SigningSecret,
    owner: String,
    lease: Duration,
    batch_size: u32,
    backoff: Backoff,
    max_attempts: u32,
    request_timeout: Duration,
    idle_pause: Duration,
    client: reqwest::Client,
}

/// Delivers stored events to the merchant app. Cheap to clone; run one or several per machine.
///
/// ```no_run
/// # async fn demo(store: payhub_store::Store) -> Result<(), payhub_store::Error> {
/// use payhub_store::forward::Forwarder;
/// let forwarder = Forwarder::builder(store, "http://127.0.0.1:8080/payhub/events", "whsec_test")
///     .max_attempts(12)
///     .build()?;
/// let report = forwarder.run_once().await?;
/// println!("delivered {}", report.delivered);
/// forwarder.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Forwarder {
    inner: Arc<Inner>,
}

impl fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Forwarder")
            .field("store", &i.store.engine())
            .field("target", &redact_url(&i.target))
            .field("secret", &i.secret)
            .field("owner", &i.owner)
            .field("lease", &i.lease)
            .field("batch_size", &i.batch_size)
            .field("backoff", &i.backoff)
            .field("max_attempts", &i.max_attempts)
            .field("request_timeout", &i.request_timeout)
            .finish_non_exhaustive()
    }
}

/// The URL without user info and query (either may carry a token).
fn redact_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        u.set_query(Some("***"));
    }
    u.to_string()
}

/// Settings for a [`Forwarder`]; from [`Forwarder::builder`].
#[must_use]
pub struct ForwarderBuilder {
    store: Store,
    target: String,
    secret: SigningSecret,
    owner: Option<String>,
    lease: Duration,
    batch_size: u32,
    backoff: Backoff,
    max_attempts: u32,
    request_timeout: Duration,
    connect_timeout: Duration,
    idle_pause: Duration,
    client: Option<reqwest::Client>,
}

impl fmt::Debug for ForwarderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwarderBuilder")
            .field("store", &self.store.engine())
            .field("secret", &self.secret)
            .field("owner", &self.owner)
            .field("lease", &self.lease)
            .field("batch_size", &self.batch_size)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// `<hostname>-<pid>-<random>`: unique per process, readable in `lease_owner`.
pub(crate) fn default_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let nonce: u32 = rand::rng().random();
    format!("{host}-{}-{nonce:08x}", std::process::id())
}

impl ForwarderBuilder {
    /// The lease owner id recorded on claimed events (default `<hostname>-<pid>-<random>`).
    /// Must be unique per running forwarder.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// How long a claim lasts (default 30 s). Must exceed the request timeout: a forwarder
    /// that outlives its lease cannot record the outcome, and the event is delivered again.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Events claimed and delivered concurrently per round (default 16, 1..=1000).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n;
        self
    }

    /// Pause between attempts (default 1 s doubling to 10 minutes, jittered).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff = Backoff { min, max };
        self
    }

    /// Attempts before an event is given up as `Failed` (default 12, at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Time for one delivery, connect to last body byte (default 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time to connect to the merchant app (default 5 s; unused with [`Self::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Pause of [`Forwarder::run`] when nothing was due (default 500 ms).
    pub fn idle_pause(mut self, pause: Duration) -> Self {
        self.idle_pause = pause;
        self
    }

    /// Sends with this client instead of one built here (the request timeout still applies
    /// to each delivery). Do not let it follow redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Checks the settings and builds the forwarder.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the setting: a target that is not an http(s) URL, an empty
    /// secret, a batch size outside 1..=1000, a lease not longer than the request timeout, a
    /// zero backoff, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Forwarder> {
        let target = reqwest::Url::parse(&self.target)
            .map_err(|e| Error::config("target", format!("not a URL: {e}")))?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(Error::config("target", "must be an http or https URL"));
        }
        if self.secret.0.is_empty() {
            return Err(Error::config("secret", "must not be empty"));
        }
        if !(1..=1000).contains(&self.batch_size) {
            return Err(Error::config("batch_size", "must be within 1..=1000"));
        }
        if self.request_timeout.is_zero() {
            return Err(Error::config("request_timeout", "must not be zero"));
        }
        if self.lease <= self.request_timeout {
            return Err(Error::config(
                "lease",
                format!(
                    "must be longer than the request timeout ({:?})",
                    self.request_timeout
                ),
            ));
        }
        if self.backoff.min.is_zero() || self.backoff.max < self.backoff.min {
            return Err(Error::config(
                "backoff",
                "min must be above zero and max at least min",
            ));
        }
        let owner = self.owner.unwrap_or_else(default_owner);
        if owner.is_empty() {
            return Err(Error::config("owner", "must not be empty"));
        }
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.request_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::config("http_client", e.to_string()))?,
        };
        Ok(Forwarder {
            inner: Arc::new(Inner {
                store: self.store,
                target,
                secret: self.secret,
                owner,
                lease: self.lease,
                batch_size: self.batch_size,
                backoff: self.backoff,
                max_attempts: self.max_attempts.max(1),
                request_timeout: self.request_timeout,
                idle_pause: self.idle_pause,
                client,
            }),
        })
    }
}

/// The JSON document the merchant app receives.
#[derive(Serialize)]
struct Document<'a> {
    id: i64,
    provider: &'a str,
    account: &'a str,
    event_key: &'a str,
    merchant_order_no: &'a str,
    provider_order_no: Option<&'a str>,
    status: &'a str,
    amount: Option<String>,
    currency: Option<&'a str>,
    received_at: String,
    notification: &'a serde_json::Value,
}

/// The document for `event`, serialized once: these bytes are signed and sent.
pub(crate) fn document(event: &StoredEvent) -> Result<Vec<u8>> {
    let received_at = event
        .received_at
        .format(&Rfc3339)
        .map_err(|e| Error::Encode {
            field: "received_at",
            problem: e.to_string(),
        })?;
    let doc = Document {
        id: event.id,
        provider: &event.provider,
        account: &event.account,
        event_key: &event.event_key,
        merchant_order_no: &event.merchant_order_no,
        provider_order_no: event.provider_order_no.as_deref(),
        status: &event.status,
        amount: event.amount.map(|a| a.to_string()),
        currency: event.currency.as_deref(),
        received_at,
        notification: &event.notification,
    };
    serde_json::to_vec(&doc).map_err(|e| Error::Encode {
        field: "document",
        problem: e.to_string(),
    })
}

/// How one delivery ended, as counted in the report.
enum Outcome {
    Delivered,
    Retried,
    Failed,
    Lost,
}

impl Forwarder {
    /// Starts a builder: deliver events of `store` to `target` (the merchant app's URL),
    /// signed with `secret` (shared with the merchant app).
    pub fn builder(
        store: Store,
        target: impl Into<String>,
        secret: impl AsRef<[u8]>,
    ) -> ForwarderBuilder {
        ForwarderBuilder {
            store,
            target: target.into(),
            secret: SigningSecret(Arc::from(secret.as_ref())),
            owner: None,
            lease: Duration::from_secs(30),
            batch_size: 16,
            backoff: Backoff::default(),
            max_attempts: 12,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            idle_pause: Duration::from_millis(500),
            client: None,
        }
    }

    /// The lease owner id this forwarder claims under.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// Claims one batch of due events and delivers them concurrently; returns when every
    /// delivery of the batch has ended and its outcome is recorded.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`] when the claim fails (nothing was sent).
    /// A store failure while recording one outcome is not an error: that event counts as
    /// `lost` and is delivered again after its lease.
    pub async fn run_once(&self) -> Result<ForwardReport> {
        let inner = &self.inner;
        let events = inner
            .store
            .claim_due(&inner.owner, inner.lease, inner.batch_size)
            .await?;
        let mut report = ForwardReport {
            claimed: events.len(),
            ..ForwardReport::default()
        };
        let mut tasks = JoinSet::new();
        for event in events {
            let inner = Arc::clone(&self.inner);
            tasks.spawn(async move { inner.deliver(event).await });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Outcome::Delivered) => report.delivered += 1,
                Ok(Outcome::Retried) => report.retried += 1,
                Ok(Outcome::Failed) => report.failed += 1,
                Ok(Outcome::Lost) | Err(_) => report.lost += 1,
            }
        }
        Ok(report)
    }

    /// Runs [`Forwarder::run_once`] in a loop until `shutdown` completes: straight on while
    /// events are due, after the idle pause when none are, after a longer pause (five idle
    /// pauses) when the store fails. A batch in flight when `shutdown` completes is finished
    /// (at most the request timeout) before this returns.
    pub async fn run<F: Future>(&self, shutdown: F) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let pause = match self.run_once().await {
                Ok(report) if report.claimed > 0 => Duration::ZERO,
                Ok(_) => self.inner.idle_pause,
                Err(error) => {
                    tracing::warn!(%error, "forwarder could not claim events");
                    self.inner.idle_pause.saturating_mul(5)
                }
            };
            tokio::select! {
                biased;
                _ = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}

impl Inner {
    async fn deliver(&self, event: StoredEvent) -> Outcome {
        let result = match document(&event) {
            Ok(body) => self.post(event.id, body).await,
            Err(e) => Err(e.to_string()),
        };
        let id = event.id;
        let recorded = match &result {
            Ok(()) => self
                .store
                .mark_delivered(id, &self.owner)
                .await
                .map(|held| (held, Outcome::Delivered)),
            Err(error) if event.attempts >= self.max_attempts => self
                .store
                .mark_failed(id, &self.owner, error)
                .await
                .map(|held| (held, Outcome::Failed)),
            Err(error) => {
                let next = OffsetDateTime::now_utc() + self.backoff.delay(event.attempts);
                self.store
                    .mark_retry(id, &self.owner, error, next)
                    .await
                    .map(|held| (held, Outcome::Retried))
            }
        };
        match recorded {
            Ok((true, outcome)) => {
                if let Err(error) = &result {
                    tracing::info!(event_id = id, attempts = event.attempts, %error, "delivery refused");
                }
                outcome
            }
            Ok((false, _)) => {
                tracing::warn!(
                    event_id = id,
                    "delivery outcome not recorded: the lease ran out first; the event will be delivered again"
                );
                Outcome::Lost
            }
            Err(error) => {
                tracing::warn!(event_id = id, %error, "delivery outcome not recorded: store failed; the event will be delivered again after its lease");
                Outcome::Lost
            }
        }
    }

    /// POSTs one document; `Err` says why it was not accepted (status or transport failure,
    /// never the response body or the URL).
    async fn post(&self, id: i64, body: Vec<u8>) -> std::result::Result<(), String> {
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(&self.secret.0, t, &body);
        let sent = self
            .client
            .post(self.target.clone())
            .timeout(self.request_timeout)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(EVENT_ID_HEADER, id.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("merchant app answered HTTP {}", response.status())),
            Err(e) => {
                let e = e.without_url();
                let kind = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "request failed"
                };
                Err(format!("{kind}: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for attempt in 1..50 {
            let full = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(31))
                .min(Duration::from_secs(1));
            let d = b.delay(attempt);
            assert!(d <= full && d >= full / 2, "attempt {attempt}: {d:?}");
        }
        let first = b.delay(0);
        assert!(first <= Duration::from_millis(100) && first >= Duration::from_millis(50));
    }

    #[test]
    fn redacted_target() {
        let u = reqwest::Url::parse("https://user:pw@shop.example/hook?token=abc").expect("url");
        let r = redact_url(&u);
        assert!(
            !r.contains("pw") && !r.contains("abc") && !r.contains("user"),
            "{r}"
        );
        assert!(r.starts_with("https://shop.example/hook"));
    }
}
