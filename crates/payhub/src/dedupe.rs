//! Replay protection for callbacks: the same notification delivered twice reaches your handler once,
//! and a notification whose handling failed is handled again when the provider redelivers it.
//!
//! Every provider here retries callbacks (for hours, on some) until it sees its acknowledgement,
//! and a network hiccup after your handler ran means a second delivery of the same event. A
//! [`NotifyDeduper`] tracks each event key through three states:
//!
//! - new: never seen (or its record expired): [`NotifyDeduper::begin`] claims it for you;
//! - in progress: a handler is running: a concurrent redelivery is answered with the provider's
//!   *retry* reply, never with success, so if that handler fails the provider still retries;
//! - done: handled successfully ([`NotifyDeduper::complete`]): redeliveries are acknowledged
//!   without calling the handler.
//!
//! A failed handler calls [`NotifyDeduper::abandon`], so the next delivery is handled. A handler
//! that panics or a process that dies leaves the key in progress until its lease runs out
//! (five minutes by default), after which a redelivery is handled again.
//!
//! [`InMemoryDeduper`] is bounded (oldest records go first) and forgets done records after a time
//! to live. It is right for one process. When your service runs on several machines, back the
//! trait with a shared store. With Redis: `begin` = `SET key inprogress NX PX <lease_ms>` (OK:
//! new; otherwise `GET key` tells in progress or done), `complete` = `SET key done PX <ttl_ms>`,
//! `abandon` = `DEL key`. With SQL: a table `notify_seen(key primary key, state, expires_at)`;
//! `begin` inserts with `ON CONFLICT DO NOTHING` (or updates a row whose `expires_at` has passed)
//! and reads the state back. Keep the done time to live longer than the provider's whole retry
//! schedule (6 hours for vipcharge and tokenpay, 17 hours for paydesk).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A boxed future, so the trait stays usable as `Arc<dyn NotifyDeduper>`.
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where an event key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryState {
    /// First delivery (or the earlier one was abandoned or expired): handle it now, then call
    /// `complete` or `abandon`.
    New,
    /// Another delivery of the same event is being handled right now.
    InProgress,
    /// Already handled successfully.
    Done,
}

/// Tracks which notifications were handled.
pub trait NotifyDeduper: Send + Sync + std::fmt::Debug {
    /// Claims `key` if it is new; otherwise says where it stands.
    fn begin<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, DeliveryState>;

    /// Records that `key` was handled successfully.
    fn complete<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()>;

    /// Releases a claimed `key` after its handler failed, so the next delivery is handled.
    fn abandon<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()>;
}

/// Longest time to live accepted; longer values are clamped (no overflow on `Duration::MAX`).
const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A bounded in-memory deduper with expiry, for a single process.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::time::Duration;
/// use payhub::{DeliveryState, InMemoryDeduper, NotifyDeduper};
/// let d = InMemoryDeduper::new(10_000, Duration::from_secs(24 * 3600));
/// assert_eq!(d.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::New);
/// assert_eq!(d.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::InProgress);
/// d.complete("paydesk:ORD-1:SUCCESS").await;
/// assert_eq!(d.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::Done);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct InMemoryDeduper {
    capacity: usize,
    ttl: Duration,
    lease: Duration,
    inner: Mutex<Records>,
}

#[derive(Debug, Default)]
struct Records {
    map: HashMap<String, Record>,
    /// Keys in the order their records were written, with the write time; an entry is stale when
    /// the record was rewritten or removed since.
    order: VecDeque<(Instant, String)>,
}

#[derive(Clone, Copy, Debug)]
struct Record {
    done: bool,
    written: Instant,
    until: Instant,
}

impl InMemoryDeduper {
    /// Remembers at most `capacity` keys; done records for `ttl`, in-progress claims for five
    /// minutes.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl: ttl.min(MAX_TTL),
            lease: Duration::from_secs(300),
            inner: Mutex::new(Records::default()),
        }
    }

    /// How long a claim lasts before a redelivery may take it over (a handler that panicked or
    /// a process that died never releases its claim).
    #[must_use]
    pub fn in_progress_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.min(MAX_TTL);
        self
    }

    /// Number of keys currently remembered.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        // A poisoned lock only means another thread panicked mid-update; the map is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn begin_at(&self, key: &str, now: Instant) -> DeliveryState {
        let mut r = self.lock();
        r.purge(now, self.capacity);
        match r.map.get(key) {
            Some(rec) if rec.until > now && rec.done => return DeliveryState::Done,
            Some(rec) if rec.until > now => return DeliveryState::InProgress,
            _ => {}
        }
        r.write(key, false, now, now + self.lease);
        DeliveryState::New
    }

    fn complete_at(&self, key: &str, now: Instant) {
        let mut r = self.lock();
        r.write(key, true, now, now + self.ttl);
        r.purge(now, self.capacity);
    }
}

impl Records {
    fn is_live(&self, at: Instant, key: &str) -> bool {
        self.map.get(key).is_some_and(|rec| rec.written == at)
    }

    fn write(&mut self, key: &str, done: bool, now: Instant, until: Instant) {
        self.map.insert(
            key.to_owned(),
            Record {
                done,
                written: now,
                until,
            },
        );
        self.order.push_back((now, key.to_owned()));
    }

    /// Drops expired records from the front, then the oldest while over capacity, and compacts
    /// stale queue entries so the queue stays bounded too.
    fn purge(&mut self, now: Instant, capacity: usize) {
        while let Some((at, key)) = self.order.front() {
            let live = self.is_live(*at, key);
            let expired = live && self.map.get(key).is_some_and(|rec| rec.until <= now);
            let over = live && self.map.len() > capacity;
            if live && !expired && !over {
                break;
            }
            if live {
                self.map.remove(key);
            }
            self.order.pop_front();
        }
        if self.order.len() > 2 * capacity.max(self.map.len()) {
            let map = &self.map;
            self.order
                .retain(|(at, k)| map.get(k).is_some_and(|rec| rec.written == *at));
        }
    }
}

impl NotifyDeduper for InMemoryDeduper {
    fn begin<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, DeliveryState> {
        let state = self.begin_at(key, Instant::now());
        Box::pin(async move { state })
    }

    fn complete<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        self.complete_at(key, Instant::now());
        Box::pin(async {})
    }

    fn abandon<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        self.lock().map.remove(key);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_states() {
        let d = InMemoryDeduper::new(10, Duration::from_secs(60))
            .in_progress_lease(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(d.begin_at("a", t0), DeliveryState::New);
        assert_eq!(d.begin_at("a", t0), DeliveryState::InProgress);
        // A claim that is never released (panic, crash) lapses after the lease.
        assert_eq!(
            d.begin_at("a", t0 + Duration::from_secs(6)),
            DeliveryState::New
        );
        d.complete_at("a", t0 + Duration::from_secs(6));
        assert_eq!(
            d.begin_at("a", t0 + Duration::from_secs(7)),
            DeliveryState::Done
        );
        // Done records expire after the time to live.
        assert_eq!(
            d.begin_at("a", t0 + Duration::from_secs(70)),
            DeliveryState::New
        );
        d.lock().map.remove("a");
        assert_eq!(
            d.begin_at("a", t0 + Duration::from_secs(71)),
            DeliveryState::New
        );
    }

    #[test]
    fn bounded() {
        let d = InMemoryDeduper::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for k in ["a", "b", "c", "d"] {
            assert_eq!(d.begin_at(k, t0), DeliveryState::New);
            d.complete_at(k, t0);
        }
        assert!(d.len() <= 3);
        assert_eq!(
            d.begin_at("a", t0),
            DeliveryState::New,
            "a was evicted first"
        );
    }

    #[test]
    fn many_keys_stay_bounded() {
        let d = InMemoryDeduper::new(100, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..10_000 {
            let k = format!("k{i}");
            assert_eq!(d.begin_at(&k, t0), DeliveryState::New);
            d.complete_at(&k, t0);
        }
        assert!(d.len() <= 100);
        assert!(d.lock().order.len() <= 2 * 100 + 2);
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let d = InMemoryDeduper::new(10, Duration::MAX).in_progress_lease(Duration::MAX);
        assert_eq!(d.begin_at("k", Instant::now()), DeliveryState::New);
        d.complete_at("k", Instant::now());
        assert_eq!(d.begin_at("k", Instant::now()), DeliveryState::Done);
    }
}
