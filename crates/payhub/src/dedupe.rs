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
//! ([`DEFAULT_IN_PROGRESS_LEASE`], 30 s, by default), after which a redelivery is handled again.
//! Every redelivery within the lease is answered with the retry reply, so the lease must stay
//! well inside the provider's retry schedule: WinPay (`gateway-recharge`) retries only ten
//! times, ten seconds apart, and a lease of minutes would turn one crash mid-callback into a
//! lost callback.
//!
//! A live handler slower than the lease keeps its claim: while it runs, the router renews the
//! claim every [`NotifyDeduper::renew_every`] (a third of the lease for both dedupers here), so
//! a redelivery meanwhile is answered with the retry reply instead of running the handler a
//! second time. Only a claim nobody renews (a dead process, a handler that panicked) lapses.
//!
//! [`InMemoryDeduper`] is bounded (the oldest done records go first; a claim whose handler is
//! still running is never forgotten, and when the deduper is full of them a new event is
//! [`DeliveryState::Busy`], answered with the provider's retry reply) and forgets done records
//! after a time to live. It is right for one process. When your service runs on several machines, back the
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
    /// Not claimed: the deduper has no room for another claim right now (every slot holds an
    /// event whose handler is still running). Ask the provider to deliver it again; the router
    /// answers the provider's retry reply.
    Busy,
}

/// Tracks which notifications were handled.
pub trait NotifyDeduper: Send + Sync + std::fmt::Debug {
    /// Claims `key` if it is new; otherwise says where it stands.
    fn begin<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, DeliveryState>;

    /// Records that `key` was handled successfully.
    fn complete<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()>;

    /// Releases a claimed `key` after its handler failed, so the next delivery is handled.
    fn abandon<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()>;

    /// How often the router renews ([`NotifyDeduper::renew`]) the claim of a handler that is
    /// still running; `None` (the default) never, for a deduper whose claims do not lapse.
    /// Choose well under the lease (both dedupers here: a third of it), so one late renewal
    /// does not let the claim lapse.
    fn renew_every(&self) -> Option<Duration> {
        None
    }

    /// Extends `key`'s claim to a whole lease from now, if it is still in progress (a done
    /// record is left as it is). Called every [`NotifyDeduper::renew_every`] while the handler
    /// of a claimed key runs, so a live handler slower than the lease keeps its claim while a
    /// dead process's claim still lapses one lease after its last renewal. The default does
    /// nothing.
    fn renew<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        let _ = key;
        Box::pin(async {})
    }
}

/// Longest time to live accepted; longer values are clamped (no overflow on `Duration::MAX`).
const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// How long an in-progress claim lasts by default before a redelivery may take it over: 30 s.
///
/// A handler that panics or a process that dies mid-callback leaves its claim in place, and
/// every redelivery within the lease is answered with the retry reply. So the lease must stay
/// well inside the provider's retry schedule: WinPay (`gateway-recharge`) retries only ten
/// times, ten seconds apart, and a lease of minutes would turn one crash into a lost callback.
/// A live handler may take longer: the router renews its claim every third of the lease
/// ([`NotifyDeduper::renew`]) while it runs.
pub const DEFAULT_IN_PROGRESS_LEASE: Duration = Duration::from_secs(30);

/// A bounded in-memory deduper with expiry, for a single process.
///
/// It remembers at most `capacity` keys. To make room it forgets the oldest *done* records
/// first; it never forgets a claim whose handler is still running (that would let a redelivery
/// run the handler a second time). When every slot holds a running claim, a new event gets
/// [`DeliveryState::Busy`], which the router answers with the provider's retry reply; the
/// provider delivers it again once a handler finished, failed or its claim's lease ran out.
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
    /// Claims (in progress) in the order they were written. Every claim has the same lease, so
    /// this is also the order in which they expire. An entry is stale when its record was
    /// rewritten or removed since (its `seq` no longer matches).
    claims: VecDeque<(u64, String)>,
    /// Done records in the order they were written (and expire).
    done: VecDeque<(u64, String)>,
    /// Write counter: tells a record's current queue entry from stale ones.
    seq: u64,
}

#[derive(Clone, Copy, Debug)]
struct Record {
    done: bool,
    seq: u64,
    until: Instant,
}

impl InMemoryDeduper {
    /// Remembers at most `capacity` keys; done records for `ttl`, in-progress claims for
    /// [`DEFAULT_IN_PROGRESS_LEASE`].
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl: ttl.min(MAX_TTL),
            lease: DEFAULT_IN_PROGRESS_LEASE,
            inner: Mutex::new(Records::default()),
        }
    }

    /// How long a claim nobody renews lasts before a redelivery may take it over (a handler
    /// that panicked or a process that died never releases its claim; default
    /// [`DEFAULT_IN_PROGRESS_LEASE`]): well inside the provider's retry schedule. A running
    /// handler's claim is renewed every third of the lease.
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
        match r.map.get(key).copied() {
            Some(rec) if rec.until > now && rec.done => return DeliveryState::Done,
            Some(rec) if rec.until > now => return DeliveryState::InProgress,
            Some(_) => {}
            // A new key needs a slot: forget the oldest done record, never a running claim.
            None if r.map.len() >= self.capacity && !r.evict_oldest_done() => {
                return DeliveryState::Busy;
            }
            None => {}
        }
        r.write(key, false, now + self.lease);
        DeliveryState::New
    }

    fn complete_at(&self, key: &str, now: Instant) {
        let mut r = self.lock();
        r.write(key, true, now + self.ttl);
        r.purge(now, self.capacity);
    }

    fn abandon_now(&self, key: &str) {
        self.lock().map.remove(key);
    }

    fn renew_at(&self, key: &str, now: Instant) {
        let mut r = self.lock();
        // Only a claim still standing: a done record stays done, and a claim that lapsed may
        // have been taken by a redelivery since (extending it would be harmless, but it is
        // not ours to extend).
        if r.map
            .get(key)
            .is_some_and(|rec| !rec.done && rec.until > now)
        {
            // A fresh queue entry: claims stay in the order they expire.
            r.write(key, false, now + self.lease);
            r.purge(now, self.capacity);
        }
    }
}

impl Records {
    fn write(&mut self, key: &str, done: bool, until: Instant) {
        self.seq += 1;
        let seq = self.seq;
        self.map.insert(key.to_owned(), Record { done, seq, until });
        let queue = if done {
            &mut self.done
        } else {
            &mut self.claims
        };
        queue.push_back((seq, key.to_owned()));
    }

    /// The record `(seq, key)` still stands for, if any.
    fn live(map: &HashMap<String, Record>, seq: u64, key: &str) -> Option<Record> {
        map.get(key).copied().filter(|rec| rec.seq == seq)
    }

    /// Drops stale entries and expired records from the front of `queue`.
    fn pop_expired(
        map: &mut HashMap<String, Record>,
        queue: &mut VecDeque<(u64, String)>,
        now: Instant,
    ) {
        while let Some((seq, key)) = queue.front() {
            match Self::live(map, *seq, key) {
                Some(rec) if rec.until > now => break,
                Some(_) => {
                    map.remove(key);
                }
                None => {}
            }
            queue.pop_front();
        }
    }

    /// Forgets the oldest done record; false when there is none (every key is a running claim).
    fn evict_oldest_done(&mut self) -> bool {
        while let Some((seq, key)) = self.done.pop_front() {
            if Self::live(&self.map, seq, &key).is_some() {
                self.map.remove(&key);
                return true;
            }
        }
        false
    }

    /// Drops expired records, then the oldest done records while over capacity (claims are
    /// never evicted: they go when released or when their lease runs out), and compacts stale
    /// queue entries so the queues stay bounded too.
    fn purge(&mut self, now: Instant, capacity: usize) {
        Self::pop_expired(&mut self.map, &mut self.claims, now);
        Self::pop_expired(&mut self.map, &mut self.done, now);
        while self.map.len() > capacity && self.evict_oldest_done() {}
        let bound = 2 * capacity.max(self.map.len());
        if self.claims.len() + self.done.len() > bound {
            let map = &self.map;
            let live = |(seq, k): &(u64, String)| Self::live(map, *seq, k).is_some();
            self.claims.retain(live);
            self.done.retain(live);
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
        self.abandon_now(key);
        Box::pin(async {})
    }

    fn renew_every(&self) -> Option<Duration> {
        Some(renewal_interval(self.lease))
    }

    fn renew<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        self.renew_at(key, Instant::now());
        Box::pin(async {})
    }
}

/// A third of `lease`, at least a millisecond: how often a running handler's claim is renewed.
#[must_use]
pub fn renewal_interval(lease: Duration) -> Duration {
    (lease / 3).max(Duration::from_millis(1))
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
    fn a_renewed_claim_outlives_its_first_lease() {
        let d = InMemoryDeduper::new(10, Duration::from_secs(60))
            .in_progress_lease(Duration::from_secs(30));
        assert_eq!(d.renew_every(), Some(Duration::from_secs(10)));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(d.begin_at("a", t0), DeliveryState::New);
        d.renew_at("a", at(10));
        d.renew_at("a", at(20));
        d.renew_at("a", at(30));
        // 59 s after the claim, 29 s after the last renewal: still the first handler's.
        assert_eq!(d.begin_at("a", at(59)), DeliveryState::InProgress);
        // Not renewed any more (the process died): the claim lapses one lease later.
        assert_eq!(d.begin_at("a", at(61)), DeliveryState::New);
        // A done record is not turned back into a claim.
        d.complete_at("a", at(62));
        d.renew_at("a", at(63));
        assert_eq!(d.begin_at("a", at(64)), DeliveryState::Done);
        // Nor is a key never claimed, or a claim that already lapsed.
        d.renew_at("b", at(64));
        assert!(!d.lock().map.contains_key("b"));
        assert_eq!(d.begin_at("c", at(64)), DeliveryState::New);
        d.renew_at("c", at(95));
        assert_eq!(d.begin_at("c", at(95)), DeliveryState::New);
        // Renewals keep the claims queue in expiry order and bounded.
        for i in 0..100 {
            d.renew_at("c", at(95) + Duration::from_millis(i));
        }
        let r = d.lock();
        assert!(
            r.claims.len() + r.done.len() <= 2 * 10 + 2,
            "{}",
            r.claims.len()
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

    /// A backlog flush (more than `capacity` other events) while a handler runs must not evict
    /// its claim: the redelivery would be `New` and the handler would run twice.
    #[test]
    fn a_claim_in_progress_is_never_evicted() {
        let capacity = 4;
        let d = InMemoryDeduper::new(capacity, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(d.begin_at("first", t0), DeliveryState::New);
        for i in 0..=capacity {
            let k = format!("other{i}");
            assert_eq!(d.begin_at(&k, t0), DeliveryState::New, "{k}");
            d.complete_at(&k, t0);
        }
        assert!(d.len() <= capacity);
        assert_eq!(
            d.begin_at("first", t0),
            DeliveryState::InProgress,
            "the running handler's claim survived the flush"
        );
        d.complete_at("first", t0);
        assert_eq!(d.begin_at("first", t0), DeliveryState::Done);
    }

    #[test]
    fn full_of_claims_asks_for_a_retry() {
        let d = InMemoryDeduper::new(2, Duration::from_secs(60))
            .in_progress_lease(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(d.begin_at("a", t0), DeliveryState::New);
        assert_eq!(d.begin_at("b", t0), DeliveryState::New);
        // No room: neither claim may go, so the third event is asked to come again.
        assert_eq!(d.begin_at("c", t0), DeliveryState::Busy);
        assert_eq!(d.begin_at("a", t0), DeliveryState::InProgress);
        assert_eq!(d.begin_at("b", t0), DeliveryState::InProgress);
        // A finished handler makes room (its done record is the oldest evictable one).
        d.complete_at("a", t0);
        assert_eq!(d.begin_at("c", t0), DeliveryState::New);
        assert_eq!(d.begin_at("b", t0), DeliveryState::InProgress);
        assert_eq!(d.begin_at("c", t0), DeliveryState::InProgress);
        // An abandoned claim makes room too.
        d.abandon_now("b");
        assert_eq!(d.begin_at("d", t0), DeliveryState::New);
        // Claims whose lease ran out (a handler that panicked) make room.
        let later = t0 + Duration::from_secs(6);
        assert_eq!(d.begin_at("e", later), DeliveryState::New);
        assert!(d.len() <= 2);
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
        let r = d.lock();
        assert!(r.claims.len() + r.done.len() <= 2 * 100 + 2);
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let d = InMemoryDeduper::new(10, Duration::MAX).in_progress_lease(Duration::MAX);
        assert_eq!(d.begin_at("k", Instant::now()), DeliveryState::New);
        d.complete_at("k", Instant::now());
        assert_eq!(d.begin_at("k", Instant::now()), DeliveryState::Done);
    }
}
