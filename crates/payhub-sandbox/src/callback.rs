//! Outgoing callbacks: the notify a module builds, the provider's retry schedule and
//! acknowledgement rule, and the dispatcher that delivers, records and retries them.
//!
//! Every attempt is recorded ([`CallbackRecord`], [`Attempt`]) with its sandbox time, the HTTP
//! status, a snippet of the reply and whether it counted as received under the provider's
//! [`AckRule`]. Retries run on the sandbox clock, so a frozen clock moved by hand (or a fast
//! one) replays a provider's whole schedule in a test.
//!
//! Safety: by default callbacks are only delivered to loopback addresses (`127.0.0.1`, `::1`,
//! `localhost`). An order whose notify URL points elsewhere gets failed attempts with the error
//! `blocked: non-loopback notify URL`; redirect all callbacks to a local listener with
//! [`SandboxHandle::redirect_callbacks`](crate::SandboxHandle::redirect_callbacks), or allow
//! external delivery with the `callbacks.allow_external` setting.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;

use crate::clock::{SandboxClock, SandboxTime};
use crate::store::{Order, OrderState};

/// A callback request built by a module: method, headers and the exact body bytes (already
/// signed). The URL is the order's notify URL unless [`Notify::url`] overrides it.
///
/// ```
/// use payhub_sandbox::Notify;
/// let n = Notify::post_json(r#"{"orderStatus":"SUCCESS"}"#).header("Sign", "ABC");
/// assert_eq!(n.header_value("sign"), Some("ABC"));
/// assert_eq!(n.header_value("content-type"), Some("application/json"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    pub(crate) method: http::Method,
    pub(crate) url: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Notify {
    /// A POST with the given body and no headers.
    pub fn post(body: impl Into<Bytes>) -> Self {
        Self {
            method: http::Method::POST,
            url: None,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A POST with `Content-Type: application/json`.
    pub fn post_json(body: impl Into<Bytes>) -> Self {
        Self::post(body).header("Content-Type", "application/json")
    }

    /// A POST with `Content-Type: application/x-www-form-urlencoded`.
    pub fn post_form(body: impl Into<Bytes>) -> Self {
        Self::post(body).header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// Adds a header (kept in order; names keep their case on the wire as far as HTTP/1 allows).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends to this URL instead of the order's notify URL.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The first header with this name (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Replaces the value of every header with this name (case-insensitive); adds it if absent.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        let mut found = false;
        for (n, v) in &mut self.headers {
            if n.eq_ignore_ascii_case(name) {
                v.clone_from(&value);
                found = true;
            }
        }
        if !found {
            self.headers.push((name.to_owned(), value));
        }
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Replaces the body bytes.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
    }
}

/// When a callback is retried, in sandbox time.
///
/// ```
/// use payhub_sandbox::RetrySchedule;
/// use std::time::Duration;
/// let s = RetrySchedule::after_previous(
///     Duration::ZERO,
///     [1, 2, 4].map(|m| Duration::from_secs(60 * m)),
/// );
/// assert_eq!(s.offsets(), [0, 60, 180, 420].map(Duration::from_secs).to_vec());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetrySchedule {
    initial: Duration,
    retries: Vec<Duration>,
    anchor: ScheduleAnchor,
}

/// What a retry delay is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScheduleAnchor {
    /// Each delay runs from the previous attempt's scheduled time (backoff intervals).
    PreviousAttempt,
    /// Each delay runs from the first attempt's scheduled time (fixed offsets).
    FirstAttempt,
}

impl RetrySchedule {
    /// First attempt `initial` after the change, then each retry `retries[i]` after the previous
    /// attempt's scheduled time.
    pub fn after_previous(initial: Duration, retries: impl IntoIterator<Item = Duration>) -> Self {
        Self {
            initial,
            retries: retries.into_iter().collect(),
            anchor: ScheduleAnchor::PreviousAttempt,
        }
    }

    /// First attempt `initial` after the change, then retries at `retries[i]` after the first
    /// attempt's scheduled time.
    pub fn from_first(initial: Duration, retries: impl IntoIterator<Item = Duration>) -> Self {
        Self {
            initial,
            retries: retries.into_iter().collect(),
            anchor: ScheduleAnchor::FirstAttempt,
        }
    }

    /// A single attempt, no retries.
    pub fn once() -> Self {
        Self::after_previous(Duration::ZERO, [])
    }

    /// Total number of attempts (first plus retries).
    pub fn attempts(&self) -> usize {
        self.retries.len() + 1
    }

    /// The offset of every attempt from the state change.
    pub fn offsets(&self) -> Vec<Duration> {
        let mut out = vec![self.initial];
        for (i, d) in self.retries.iter().enumerate() {
            let base = match self.anchor {
                ScheduleAnchor::PreviousAttempt => out[i],
                ScheduleAnchor::FirstAttempt => self.initial,
            };
            out.push(base + *d);
        }
        out
    }

    /// The retry delays as configured.
    pub fn retries(&self) -> &[Duration] {
        &self.retries
    }

    /// What retry delays are measured from.
    pub fn anchor(&self) -> ScheduleAnchor {
        self.anchor
    }
}

/// When a callback reply counts as received.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AckRule {
    /// The HTTP status is one of these (paydesk: 200, 301, 302). Redirects are never followed.
    Status(Vec<u16>),
    /// HTTP 2xx and the body, trimmed, equals this text (case-insensitive when the flag is set).
    Body {
        /// The expected body, e.g. `SUCCESS`.
        expected: String,
        /// Compare ignoring ASCII case.
        ignore_case: bool,
    },
    /// A custom predicate over status and body.
    Custom(fn(u16, &[u8]) -> bool),
}

impl AckRule {
    /// Whether a reply counts as received.
    ///
    /// ```
    /// use payhub_sandbox::AckRule;
    /// let r = AckRule::Status(vec![200, 301, 302]);
    /// assert!(r.accepts(302, b""));
    /// assert!(!r.accepts(500, b"SUCCESS"));
    /// let b = AckRule::Body { expected: "success".into(), ignore_case: true };
    /// assert!(b.accepts(200, b" SUCCESS\n"));
    /// assert!(!b.accepts(200, b"ok"));
    /// ```
    pub fn accepts(&self, status: u16, body: &[u8]) -> bool {
        match self {
            Self::Status(list) => list.contains(&status),
            Self::Body {
                expected,
                ignore_case,
            } => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                (200..300).contains(&status)
                    && if *ignore_case {
                        text.eq_ignore_ascii_case(expected)
                    } else {
                        text == expected
                    }
            }
            Self::Custom(f) => f(status, body),
        }
    }
}

/// A provider's callback behaviour: schedule, acknowledgement rule and per-attempt timeout.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CallbackPolicy {
    /// When attempts happen.
    pub schedule: RetrySchedule,
    /// What counts as received.
    pub ack: AckRule,
    /// Real-time limit for one attempt (connect plus reply).
    pub timeout: Duration,
}

impl CallbackPolicy {
    /// A policy with the default 5-second attempt timeout.
    pub fn new(schedule: RetrySchedule, ack: AckRule) -> Self {
        Self {
            schedule,
            ack,
            timeout: Duration::from_secs(5),
        }
    }

    /// Sets the per-attempt timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl Default for CallbackPolicy {
    /// One attempt; any 2xx counts as received.
    fn default() -> Self {
        Self::new(
            RetrySchedule::once(),
            AckRule::Custom(|s, _| (200..300).contains(&s)),
        )
    }
}

/// Where a callback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallbackStatus {
    /// More attempts are scheduled.
    Pending,
    /// An attempt was acknowledged.
    Delivered,
    /// Every attempt failed.
    GaveUp,
    /// The sandbox shut down before it finished.
    Aborted,
}

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// When the schedule wanted it (sandbox time).
    pub scheduled_at: SandboxTime,
    /// When it was sent (sandbox time).
    pub sent_at: SandboxTime,
    /// HTTP status of the reply, if one came.
    pub status: Option<u16>,
    /// Transport error (connect refused, timeout, blocked URL), if any.
    pub error: Option<String>,
    /// The first 256 bytes of the reply body (lossy UTF-8).
    pub body_snippet: String,
    /// Whether the reply counted as received under the provider's rule.
    pub acknowledged: bool,
    /// Real time the attempt took, in milliseconds.
    pub elapsed_ms: u64,
    /// Whether the `wrong_signature` fault corrupted this attempt's signature.
    pub tampered: bool,
}

/// A callback and all its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CallbackRecord {
    /// Sandbox-wide callback id.
    pub id: u64,
    /// Provider module name.
    pub provider: String,
    /// The order's platform number.
    pub platform_order_no: String,
    /// The order's merchant number.
    pub merchant_order_no: String,
    /// The order state the callback announces.
    pub order_state: OrderState,
    /// Where it is sent (after any redirect set on the sandbox).
    pub url: String,
    /// HTTP method.
    pub method: String,
    /// Request headers as sent.
    pub headers: Vec<(String, String)>,
    /// Request body as sent (lossy UTF-8).
    pub body: String,
    /// Current status.
    pub status: CallbackStatus,
    /// Attempts so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// Sandbox time of the next attempt while [`CallbackStatus::Pending`].
    pub next_attempt_at: Option<SandboxTime>,
    /// The offsets of all scheduled attempts from the change, in milliseconds.
    pub schedule_ms: Vec<u64>,
}

impl CallbackRecord {
    /// The header with this name as sent (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Dispatcher settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct DispatchConfig {
    pub(crate) allow_external: bool,
    pub(crate) redirect_to: Option<String>,
}

/// The callback records, by id (oldest first) and by order.
#[derive(Debug, Default)]
struct Records {
    by_id: BTreeMap<u64, CallbackRecord>,
    /// Platform order number -> ids of its callbacks.
    by_order: HashMap<String, Vec<u64>>,
}

/// Where the callbacks of one order stand (for the retention of final orders).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallbackActivity {
    /// Some callback of the order is still pending (more attempts to come).
    pub(crate) pending: bool,
    /// The earliest next attempt of its pending callbacks.
    pub(crate) next_attempt: Option<SandboxTime>,
    /// When its latest attempt was sent.
    pub(crate) last_attempt: Option<SandboxTime>,
}

/// Delivers callbacks; one task per callback.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    records: Mutex<Records>,
    next_id: AtomicU64,
    in_flight: AtomicUsize,
    config: Mutex<DispatchConfig>,
    client: reqwest::Client,
    clock: SandboxClock,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// Decides per attempt whether to corrupt the notify's signature; returns the tampered copy.
pub(crate) type TamperFn = Box<dyn Fn(&Notify) -> Option<Notify> + Send + Sync>;

/// What a callback task needs besides the record.
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) notify: Notify,
    pub(crate) url: String,
    pub(crate) policy: CallbackPolicy,
    pub(crate) start: SandboxTime,
    /// Asks the fault set whether to corrupt attempt `n`'s signature; returns the tampered
    /// notify if so.
    pub(crate) tamper: TamperFn,
}

impl Dispatcher {
    pub(crate) fn new(clock: SandboxClock, config: DispatchConfig) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            records: Mutex::new(Records::default()),
            next_id: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
            config: Mutex::new(config),
            client,
            clock,
            tasks: Mutex::new(Vec::new()),
        }
    }

    fn records(&self) -> MutexGuard<'_, Records> {
        // Records are only inserted, removed whole or edited field by field; a poisoned lock is
        // still sound.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_redirect(&self, to: Option<String>) {
        self.config
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .redirect_to = to;
    }

    pub(crate) fn list(&self) -> Vec<CallbackRecord> {
        self.records().by_id.values().cloned().collect()
    }

    /// Where the callbacks of one order stand.
    pub(crate) fn activity(&self, platform_order_no: &str) -> CallbackActivity {
        let g = self.records();
        let mut out = CallbackActivity::default();
        for id in g.by_order.get(platform_order_no).into_iter().flatten() {
            let Some(r) = g.by_id.get(id) else { continue };
            if r.status == CallbackStatus::Pending {
                out.pending = true;
                out.next_attempt = match (out.next_attempt, r.next_attempt_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            if let Some(sent) = r.attempts.iter().map(|a| a.sent_at).max() {
                out.last_attempt = Some(out.last_attempt.map_or(sent, |l| l.max(sent)));
            }
        }
        out
    }

    /// Drops the finished callback records of these orders (pending ones stay); returns how
    /// many were dropped.
    pub(crate) fn forget(&self, platform_order_nos: &[String]) -> usize {
        let mut g = self.records();
        let Records { by_id, by_order } = &mut *g;
        let mut dropped = 0;
        for no in platform_order_nos {
            let Some(ids) = by_order.get_mut(no) else {
                continue;
            };
            ids.retain(|id| {
                let finished = by_id
                    .get(id)
                    .is_none_or(|r| r.status != CallbackStatus::Pending);
                if finished && by_id.remove(id).is_some() {
                    dropped += 1;
                }
                !finished
            });
            if ids.is_empty() {
                by_order.remove(no);
            }
        }
        dropped
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The earliest pending attempt time.
    pub(crate) fn next_due(&self) -> Option<SandboxTime> {
        self.records()
            .by_id
            .values()
            .filter(|r| r.status == CallbackStatus::Pending)
            .filter_map(|r| r.next_attempt_at)
            .min()
    }

    /// Registers a callback and starts its task. Returns the id.
    pub(crate) fn enqueue(
        self: &Arc<Self>,
        order: &Order,
        notify: Notify,
        policy: CallbackPolicy,
        tamper: TamperFn,
    ) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let redirect = self
            .config
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .redirect_to
            .clone();
        let url = redirect
            .or_else(|| notify.url.clone())
            .or_else(|| order.notify_url.clone())
            .unwrap_or_default();
        let start = self.clock.now();
        let offsets = policy.schedule.offsets();
        let record = CallbackRecord {
            id,
            provider: order.provider.clone(),
            platform_order_no: order.platform_order_no.clone(),
            merchant_order_no: order.merchant_order_no.clone(),
            order_state: order.state,
            url: url.clone(),
            method: notify.method.to_string(),
            headers: notify.headers.clone(),
            body: String::from_utf8_lossy(&notify.body).into_owned(),
            status: CallbackStatus::Pending,
            attempts: Vec::new(),
            next_attempt_at: Some(start + offsets[0]),
            schedule_ms: offsets
                .iter()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .collect(),
        };
        {
            let mut g = self.records();
            g.by_order
                .entry(record.platform_order_no.clone())
                .or_default()
                .push(id);
            g.by_id.insert(id, record);
        }
        tracing::info!(
            callback = id,
            provider = %order.provider,
            order = %order.platform_order_no,
            state = %order.state,
            attempts = offsets.len(),
            "callback queued"
        );
        let me = Arc::clone(self);
        let delivery = Delivery {
            id,
            notify,
            url,
            policy,
            start,
            tamper,
        };
        let task = tokio::spawn(async move { me.run(delivery).await });
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
        id
    }

    async fn run(self: Arc<Self>, d: Delivery) {
        let offsets = d.policy.schedule.offsets();
        for (i, offset) in offsets.iter().enumerate() {
            let scheduled = d.start + *offset;
            self.clock.sleep_until(scheduled).await;
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let (notify, tampered) = match (d.tamper)(&d.notify) {
                Some(n) => (n, true),
                None => (d.notify.clone(), false),
            };
            let sent_at = self.clock.now();
            let started = Instant::now();
            let (status, error, body) = self.send(&d.url, &notify, d.policy.timeout).await;
            let acknowledged = status.is_some_and(|s| d.policy.ack.accepts(s, &body));
            let snippet = String::from_utf8_lossy(&body[..body.len().min(256)]).into_owned();
            let attempt = Attempt {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                scheduled_at: scheduled,
                sent_at,
                status,
                error: error.clone(),
                body_snippet: snippet,
                acknowledged,
                elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                tampered,
            };
            let last = i + 1 == offsets.len();
            {
                let mut recs = self.records();
                if let Some(r) = recs.by_id.get_mut(&d.id) {
                    r.attempts.push(attempt);
                    if acknowledged {
                        r.status = CallbackStatus::Delivered;
                        r.next_attempt_at = None;
                    } else if last {
                        r.status = CallbackStatus::GaveUp;
                        r.next_attempt_at = None;
                    } else {
                        r.next_attempt_at = Some(d.start + offsets[i + 1]);
                    }
                }
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            tracing::info!(
                callback = d.id,
                attempt = i + 1,
                status = status.map(i64::from).unwrap_or(-1),
                error = error.as_deref().unwrap_or(""),
                acknowledged,
                "callback attempt"
            );
            if acknowledged {
                return;
            }
        }
    }

    async fn send(
        &self,
        url: &str,
        notify: &Notify,
        timeout: Duration,
    ) -> (Option<u16>, Option<String>, Vec<u8>) {
        let allow_external = self
            .config
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .allow_external;
        let parsed = match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            Ok(_) | Err(_) => {
                return (
                    None,
                    Some(format!("invalid notify URL `{url}`")),
                    Vec::new(),
                );
            }
        };
        if !allow_external && !is_loopback(&parsed) {
            return (
                None,
                Some("blocked: non-loopback notify URL".to_owned()),
                Vec::new(),
            );
        }
        let mut req = self
            .client
            .request(notify.method.clone(), parsed)
            .timeout(timeout);
        for (n, v) in &notify.headers {
            req = req.header(n.as_str(), v.as_str());
        }
        match req.body(notify.body.clone()).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(b) => (Some(status), None, b.to_vec()),
                    Err(e) => (
                        Some(status),
                        Some(format!("reading reply: {}", error_chain(&e))),
                        Vec::new(),
                    ),
                }
            }
            Err(e) => (None, Some(error_chain(&e)), Vec::new()),
        }
    }

    /// Marks unfinished callbacks as aborted and stops their tasks.
    pub(crate) fn shutdown(&self) {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            t.abort();
        }
        for r in self.records().by_id.values_mut() {
            if r.status == CallbackStatus::Pending {
                r.status = CallbackStatus::Aborted;
                r.next_attempt_at = None;
            }
        }
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The error and its sources on one line, without URLs (which may carry tokens).
fn error_chain(e: &reqwest::Error) -> String {
    let mut kind = if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connect error".to_owned()
    } else {
        "request error".to_owned()
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        kind.push_str(": ");
        kind.push_str(&s.to_string());
        src = s.source();
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paydesk_schedule_offsets() {
        let s = RetrySchedule::after_previous(
            Duration::ZERO,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map(|m| Duration::from_secs(60 * m)),
        );
        assert_eq!(s.attempts(), 11);
        let mins: Vec<u64> = s.offsets().iter().map(|d| d.as_secs() / 60).collect();
        assert_eq!(mins, [0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023]);
        let f = RetrySchedule::from_first(
            Duration::ZERO,
            [1, 2, 4].map(|m| Duration::from_secs(60 * m)),
        );
        let mins: Vec<u64> = f.offsets().iter().map(|d| d.as_secs() / 60).collect();
        assert_eq!(mins, [0, 1, 2, 4]);
    }

    #[test]
    fn loopback_detection() {
        for (u, want) in [
            ("http://127.0.0.1:9/x", true),
            ("http://[::1]:9/x", true),
            ("http://localhost/x", true),
            ("https://merchant.com/webhooks", false),
            ("http://10.0.0.1/", false),
        ] {
            assert_eq!(is_loopback(&url::Url::parse(u).unwrap()), want, "{u}");
        }
    }

    #[test]
    fn set_header_replaces_case_insensitively() {
        let mut n = Notify::post("x").header("Sign", "A");
        n.set_header("sign", "B");
        assert_eq!(n.headers, vec![("Sign".to_owned(), "B".to_owned())]);
        n.set_header("MerchantId", "1");
        assert_eq!(n.header_value("merchantid"), Some("1"));
    }
}
