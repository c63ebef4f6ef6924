//! Replay protection for callbacks: the same notification delivered twice reaches your handler once.
//!
//! Every provider here retries callbacks (for hours, on some) until it sees its acknowledgement,
//! and a network hiccup after your handler ran means a second delivery of the same event. A
//! [`NotifyDeduper`] remembers which notifications were handled.
//!
//! [`InMemoryDeduper`] is bounded (oldest entries go first) and forgets entries after a time to
//! live. It is right for one process. When your service runs on several machines, back the trait
//! with a shared store: with Redis, `SET key 1 NX PX <ttl_ms>` returns OK for the first delivery
//! and nil for a repeat; with SQL, `INSERT INTO notify_seen(key, expires_at) ... ON CONFLICT DO
//! NOTHING` and check the affected row count (purge expired rows periodically). Keep the key's
//! time to live longer than the provider's whole retry schedule (6 hours for vipcharge and
//! tokenpay, 17 hours for paydesk), and mark a key only after your handler succeeded, or
//! [`NotifyDeduper::forget`] it when the handler fails, so the provider's retry gets through.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A boxed future, so the trait stays usable as `Arc<dyn NotifyDeduper>`.
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Remembers which notifications were already handled.
pub trait NotifyDeduper: Send + Sync + std::fmt::Debug {
    /// Records `key`; resolves to `true` if this is its first delivery within the time to live.
    fn first_delivery<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, bool>;

    /// Forgets `key` (call it when handling failed, so the provider's retry is handled).
    fn forget<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()>;
}

/// A bounded in-memory deduper with expiry, for a single process.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::time::Duration;
/// use payhub::{InMemoryDeduper, NotifyDeduper};
/// let d = InMemoryDeduper::new(10_000, Duration::from_secs(24 * 3600));
/// assert!(d.first_delivery("paydesk:ORD-1:SUCCESS").await);
/// assert!(!d.first_delivery("paydesk:ORD-1:SUCCESS").await);
/// d.forget("paydesk:ORD-1:SUCCESS").await;
/// assert!(d.first_delivery("paydesk:ORD-1:SUCCESS").await);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct InMemoryDeduper {
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    expiry: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl InMemoryDeduper {
    /// Remembers at most `capacity` keys, each for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl,
            inner: Mutex::new(Seen::default()),
        }
    }

    /// Number of keys currently remembered.
    pub fn len(&self) -> usize {
        self.lock().expiry.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A poisoned lock only means another thread panicked mid-update; the map is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check_now(&self, key: &str, now: Instant) -> bool {
        let ttl = self.ttl;
        let mut guard = self.lock();
        let seen = &mut *guard;
        // An order entry is live while the map still holds the expiry it was inserted with;
        // `forget` and re-insertion leave stale entries behind, which are skipped here.
        let is_live = |expiry: &HashMap<String, Instant>, at: &Instant, k: &String| {
            expiry.get(k).is_some_and(|exp| *exp == *at + ttl)
        };
        while let Some((at, k)) = seen.order.front() {
            let live = is_live(&seen.expiry, at, k);
            if live && *at + ttl > now {
                break;
            }
            if live {
                seen.expiry.remove(k);
            }
            seen.order.pop_front();
        }
        if seen.expiry.get(key).is_some_and(|exp| *exp > now) {
            return false;
        }
        while seen.expiry.len() >= self.capacity {
            let Some((at, k)) = seen.order.pop_front() else {
                break;
            };
            if is_live(&seen.expiry, &at, &k) {
                seen.expiry.remove(&k);
            }
        }
        if seen.order.len() > 2 * self.capacity {
            let expiry = &seen.expiry;
            seen.order.retain(|(at, k)| is_live(expiry, at, k));
        }
        seen.expiry.insert(key.to_owned(), now + ttl);
        seen.order.push_back((now, key.to_owned()));
        true
    }
}

impl NotifyDeduper for InMemoryDeduper {
    fn first_delivery<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, bool> {
        let first = self.check_now(key, Instant::now());
        Box::pin(async move { first })
    }

    fn forget<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        self.lock().expiry.remove(key);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let d = InMemoryDeduper::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for k in ["a", "b", "c"] {
            assert!(d.check_now(k, t0));
        }
        assert!(!d.check_now("a", t0));
        // A fourth key evicts the oldest.
        assert!(d.check_now("d", t0));
        assert_eq!(d.len(), 3);
        assert!(d.check_now("a", t0), "a was evicted, so it counts as new");
        // After the time to live everything is new again.
        let later = t0 + Duration::from_secs(11);
        assert!(d.check_now("c", later));
        assert!(d.len() <= 3);
    }

    #[test]
    fn many_keys_stay_bounded() {
        let d = InMemoryDeduper::new(100, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..10_000 {
            assert!(d.check_now(&format!("k{i}"), t0));
        }
        assert!(d.len() <= 100);
        assert!(d.lock().order.len() <= 101);
    }
}
