//! [`Store`]: the durable event log a callback gateway writes to before it acknowledges a
//! provider, and that forwarders read from.
//!
//! The contract that makes a fleet safe:
//!
//! - [`Store::record`] is atomic and idempotent on `(provider, account, event_key)`: every
//!   machine may receive the same redelivery at the same time, exactly one stores it, the
//!   others see [`Recorded::Duplicate`]. It returns only once the row is committed, so the
//!   gateway acknowledges the provider only for events that survive a crash.
//! - [`Store::claim_due`] hands each due event to one forwarder at a time, under a lease. A
//!   forwarder that dies loses its lease when it runs out, and another one takes the event
//!   over. `mark_*` succeed only for the forwarder still holding the lease, so a forwarder that
//!   was too slow cannot overwrite its successor's outcome.
//!
//! Engines: Postgres for a fleet (claims use `FOR UPDATE SKIP LOCKED`, so forwarders on
//! several machines never block each other, and every lease is timed by the database's clock);
//! SQLite for one machine (claims run in one `BEGIN IMMEDIATE` transaction, timed by the
//! process's clock).

use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::event::{EventFilter, NewEvent, Recorded, StateCounts, StoredEvent};
use crate::order::{Finish, Finished, NewOrder, OrderFilter, Tracked, TrackedOrder, final_status};

/// Connection settings for [`Store::connect_with`].
///
/// ```
/// use std::time::Duration;
/// let options = payhub_store::StoreOptions::new()
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(2));
/// assert_eq!(options.get_max_connections(), 20);
/// ```
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub(crate) max_connections: u32,
    pub(crate) acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl StoreOptions {
    /// Ten connections at most; five seconds to get one.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most connections the pool opens (default 10; at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long an operation waits for a connection, connecting included, before it fails with
    /// [`Error::Unavailable`] (default 5 s). Keep it well below the provider's callback timeout
    /// so the gateway can still answer its retry reply.
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The configured pool size.
    pub fn get_max_connections(&self) -> u32 {
        self.max_connections
    }
}

/// A handle on the event store: cheap to clone (a connection pool inside), `Send + Sync`.
///
/// ```
/// # #[cfg(feature = "sqlite")]
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
/// use payhub_store::{NewEvent, Recorded, Store};
/// let store = Store::connect("sqlite::memory:").await?;
/// let event = NewEvent::new("paydesk", "M1", "paydesk:ORD-1:SUCCESS", "SUCCESS", "ORD-1");
/// let first = store.record(&event).await?;
/// assert!(first.is_new());
/// assert_eq!(store.record(&event).await?, Recorded::Duplicate(first.id()));
/// # Ok::<(), payhub_store::Error>(())
/// # }).expect("example");
/// ```
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(crate::sqlite::SqliteBackend),
    #[cfg(feature = "postgres")]
    Postgres(crate::postgres::PgBackend),
}

macro_rules! dispatch {
    ($self:ident, $b:ident => $e:expr) => {
        match &$self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite($b) => $e,
            #[cfg(feature = "postgres")]
            Backend::Postgres($b) => $e,
        }
    };
}

/// The engine a URL names, by its scheme.
fn engine_of(url: &str) -> Option<&'static str> {
    if url.starts_with("sqlite:") {
        Some("sqlite")
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some("postgres")
    } else {
        None
    }
}

impl Store {
    /// Connects with the default [`StoreOptions`] and applies the schema migrations.
    ///
    /// `url` is `sqlite://path/to/file.db?mode=rwc` (created if missing), `sqlite::memory:`
    /// (for tests: gone when the store is dropped) or `postgres://user:password@host/db`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL of another engine or of an engine whose feature is off,
    /// [`Error::Unavailable`] when the database cannot be reached within the acquire timeout,
    /// [`Error::Migrate`] when the schema cannot be brought up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Connects with `options` and applies the schema migrations (see [`Store::connect`]).
    ///
    /// # Errors
    ///
    /// As [`Store::connect`].
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self> {
        let backend = match engine_of(url) {
            #[cfg(feature = "sqlite")]
            Some("sqlite") => {
                Backend::Sqlite(crate::sqlite::SqliteBackend::connect(url, options).await?)
            }
            #[cfg(feature = "postgres")]
            Some("postgres") => {
                Backend::Postgres(crate::postgres::PgBackend::connect(url, options).await?)
            }
            Some(engine) => {
                return Err(Error::config(
                    "url",
                    format!("the {engine} engine needs the `{engine}` feature of payhub-store"),
                ));
            }
            None => {
                return Err(Error::config(
                    "url",
                    "expected a sqlite: or postgres:// URL",
                ));
            }
        };
        Ok(Self { backend })
    }

    /// The engine behind this store: `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        dispatch!(self, _b => _b.engine())
    }

    /// Stores `event` unless `(provider, account, event_key)` is already stored, atomically:
    /// of many concurrent calls with the same key exactly one returns [`Recorded::New`]. Returns
    /// after the row is committed; only then acknowledge the provider. A new event is due for
    /// forwarding at once.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the store cannot be reached (answer the provider's retry
    /// reply), [`Error::Database`] when it refuses the row.
    pub async fn record(&self, event: &NewEvent) -> Result<Recorded> {
        dispatch!(self, b => b.record(event).await)
    }

    /// Claims up to `limit` due events for `owner` for `lease`: pending events whose
    /// `next_attempt_at` has come, and delivering events whose lease ran out (their forwarder
    /// died). Each claimed event is `Delivering`, owned by `owner` until `now + lease`, with
    /// `attempts` counted up. Concurrent callers never get the same event while its lease is
    /// alive. Events come in id order.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`]; nothing is claimed then.
    pub async fn claim_due(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<StoredEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut events = dispatch!(self, b => b.claim_due(owner, lease, limit).await)?;
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    /// Marks event `id` delivered, if `owner` still holds its lease. Returns whether it did
    /// (false: the lease ran out and the event is, or will be, delivered again).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn mark_delivered(&self, id: i64, owner: &str) -> Result<bool> {
        dispatch!(self, b => b.mark_delivered(id, owner).await)
    }

    /// Puts event `id` back to pending, due at `next_at`, recording `error`, if `owner` still
    /// holds its lease. Returns whether it did. On Postgres `next_at` is compared with the
    /// database's clock: keep the machines' clocks synchronized (NTP); a skew of seconds only
    /// shifts the retry by as much.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn mark_retry(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        next_at: OffsetDateTime,
    ) -> Result<bool> {
        dispatch!(self, b => b.mark_retry(id, owner, error, next_at).await)
    }

    /// Marks event `id` failed (no more attempts; it stays stored for [`Store::replay`]),
    /// recording `error`, if `owner` still holds its lease. Returns whether it did.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn mark_failed(&self, id: i64, owner: &str, error: &str) -> Result<bool> {
        dispatch!(self, b => b.mark_failed(id, owner, error).await)
    }

    /// Event `id`, if stored.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`], [`Error::Database`], or [`Error::Decode`] for a row this
    /// version cannot read.
    pub async fn get(&self, id: i64) -> Result<Option<StoredEvent>> {
        dispatch!(self, b => b.get(id).await)
    }

    /// One page of events matching `filter`, in id order (see [`EventFilter`]: pass the last
    /// id as the next page's `after_id`). Never loads more than
    /// [`EventFilter::MAX_LIMIT`] rows.
    ///
    /// # Errors
    ///
    /// As [`Store::get`].
    pub async fn list(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        dispatch!(self, b => b.list(filter).await)
    }

    /// Sends event `id` again: back to pending, due now, with its attempt count reset and its
    /// lease dropped (whatever its state, delivered and failed included). Returns false when no
    /// such event exists.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn replay(&self, id: i64) -> Result<bool> {
        dispatch!(self, b => b.replay(id).await)
    }

    /// Checks that the store answers (for `/readyz`).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, b => b.ping().await)
    }

    /// How many events are in each state.
    ///
    /// # Errors
    ///
    /// As [`Store::get`].
    pub async fn counts(&self) -> Result<StateCounts> {
        dispatch!(self, b => b.counts().await)
    }

    /// Starts tracking `order` for the reconciler unless `(provider, account,
    /// merchant_order_no)` is already tracked, atomically ([`Tracked::Existing`] then, and
    /// nothing changes). The order is due at its `first_check_at` (default: at once); use
    /// [`Reconciler::track`](crate::reconcile::Reconciler::track) to have it set from the
    /// provider's cadence.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
    /// use payhub_store::{NewOrder, OrderKind, OrderState, Store, Tracked};
    /// let store = Store::connect("sqlite::memory:").await?;
    /// let order = NewOrder::new("paydesk", "default", OrderKind::Checkout, "ORD-1");
    /// let id = store.track(&order).await?.id();
    /// assert_eq!(store.track(&order).await?, Tracked::Existing(id));
    /// let tracked = store.get_order(id).await?.expect("tracked");
    /// assert_eq!(tracked.state, OrderState::Pending);
    /// # Ok::<(), payhub_store::Error>(())
    /// # }).expect("example");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn track(&self, order: &NewOrder) -> Result<Tracked> {
        dispatch!(self, b => b.track(order).await)
    }

    /// Tracked order `id`, if any.
    ///
    /// # Errors
    ///
    /// As [`Store::get`].
    pub async fn get_order(&self, id: i64) -> Result<Option<TrackedOrder>> {
        dispatch!(self, b => b.get_order(id).await)
    }

    /// One page of tracked orders matching `filter`, in id order (pass the last id as the next
    /// page's `after_id`). Never loads more than [`OrderFilter::MAX_LIMIT`] rows.
    ///
    /// # Errors
    ///
    /// As [`Store::get`].
    pub async fn list_orders(&self, filter: &OrderFilter) -> Result<Vec<TrackedOrder>> {
        dispatch!(self, b => b.list_orders(filter).await)
    }

    /// Claims up to `limit` due orders for `owner` for `lease`: pending orders whose
    /// `next_check_at` has come and whose lease (if any) ran out. Each claimed order stays
    /// pending, owned by `owner` until `now + lease`, with `attempts` counted up; concurrent
    /// callers never get the same order while its lease is alive, so no order is queried twice
    /// at once. Orders come in id order.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`]; nothing is claimed then.
    pub async fn claim_due_orders(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<TrackedOrder>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut orders = dispatch!(self, b => b.claim_due_orders(owner, lease, limit).await)?;
        orders.sort_by_key(|o| o.id);
        Ok(orders)
    }

    /// Records the provider's answer `last_status` (not final) for order `id` and schedules
    /// its next check at `next_check_at`, clearing `last_error` and the lease, if `owner`
    /// still holds the lease. Returns whether it did.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn reschedule_order(
        &self,
        id: i64,
        owner: &str,
        last_status: &str,
        next_check_at: OffsetDateTime,
    ) -> Result<bool> {
        let finish = Finish::Reschedule {
            last_status: last_status.to_owned(),
            next_check_at,
        };
        dispatch!(self, b => b.finish_order(id, owner, finish).await)
    }

    /// Records that the check of order `id` failed with `error` (the provider could not be
    /// asked) and schedules the next check at `next_check_at`, keeping `last_status`, if
    /// `owner` still holds the lease. Returns whether it did.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn retry_order(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        next_check_at: OffsetDateTime,
    ) -> Result<bool> {
        let finish = Finish::Retry {
            error: error.to_owned(),
            next_check_at,
        };
        dispatch!(self, b => b.finish_order(id, owner, finish).await)
    }

    /// Marks order `id` settled with its final `status`, if `owner` still holds the lease.
    /// Returns whether it did. Record the final state's event first
    /// ([`Store::record`] under [`event_key`](crate::event_key)): a crash in between then
    /// only repeats a check whose event is a duplicate.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a status that is not final; [`Error::Unavailable`] or
    /// [`Error::Database`].
    pub async fn settle_order(
        &self,
        id: i64,
        owner: &str,
        status: &payhub::PaymentStatus,
    ) -> Result<bool> {
        let finish = Finish::Settle {
            status: final_status(status)?,
            event: None,
        };
        dispatch!(self, b => b.finish_order(id, owner, finish).await)
    }

    /// Stops checking order `id`, recording `reason`, if `owner` still holds the lease.
    /// Returns whether it did.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`].
    pub async fn give_up_order(&self, id: i64, owner: &str, reason: &str) -> Result<bool> {
        let finish = Finish::GiveUp {
            reason: reason.to_owned(),
        };
        dispatch!(self, b => b.finish_order(id, owner, finish).await)
    }

    /// Marks the tracked order `(provider, account, merchant_order_no)` settled with its final
    /// `status`, whoever holds its lease: the callback gateway calls it after recording the
    /// final state's event, so the reconciler stops querying the order (a reconciler holding
    /// the lease then finds its own outcome refused, and its event, if it found the same final
    /// state, is a duplicate). Returns false when no such order is pending (not tracked, or
    /// already settled or given up).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
    /// use payhub::PaymentStatus;
    /// use payhub_store::{NewOrder, OrderKind, OrderState, Store};
    /// let store = Store::connect("sqlite::memory:").await?;
    /// let id = store.track(&NewOrder::new("paydesk", "default", OrderKind::Checkout, "ORD-1")).await?.id();
    /// assert!(store.settle_by_event("paydesk", "default", "ORD-1", &PaymentStatus::Paid).await?);
    /// assert_eq!(store.get_order(id).await?.map(|o| o.state), Some(OrderState::Settled));
    /// assert!(!store.settle_by_event("paydesk", "default", "ORD-1", &PaymentStatus::Paid).await?);
    /// # Ok::<(), payhub_store::Error>(())
    /// # }).expect("example");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a status that is not final; [`Error::Unavailable`] or
    /// [`Error::Database`].
    pub async fn settle_by_event(
        &self,
        provider: &str,
        account: &str,
        merchant_order_no: &str,
        status: &payhub::PaymentStatus,
    ) -> Result<bool> {
        let status = final_status(status)?;
        dispatch!(self, b => b.settle_by_event(provider, account, merchant_order_no, &status).await)
    }

    /// Writes the outcomes of a batch of checks (`(order id, outcome)`) in one transaction, so
    /// a batch costs one commit (one disk flush) instead of one or two per order. Each settle
    /// records its event first (once, under its event key), then settles its order; an order
    /// whose lease `owner` no longer holds is left as it is (`applied: false`), but its event,
    /// a final state the provider answered, is still recorded. All or nothing: on an error no
    /// outcome is written, and the orders are checked again after their leases.
    ///
    /// With `claim` (`(lease, limit)`), the same transaction then claims the next due orders
    /// for `owner`, as [`Store::claim_due_orders`] (one commit for both).
    pub(crate) async fn finish_orders(
        &self,
        owner: &str,
        batch: &[(i64, Finish)],
        claim: Option<(Duration, u32)>,
    ) -> Result<(Vec<Finished>, Vec<TrackedOrder>)> {
        let claim = claim.filter(|(_, limit)| *limit > 0);
        if batch.is_empty() && claim.is_none() {
            return Ok((Vec::new(), Vec::new()));
        }
        let (finished, mut claimed) =
            dispatch!(self, b => b.finish_orders(owner, batch, claim).await)?;
        claimed.sort_by_key(|o| o.id);
        Ok((finished, claimed))
    }

    /// Closes the pool: waits for connections in use to come back, then closes them all.
    pub async fn close(&self) {
        dispatch!(self, b => b.close().await)
    }
}

/// Lease length as whole milliseconds, at least 1.
pub(crate) fn lease_millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_by_scheme() {
        assert_eq!(engine_of("sqlite::memory:"), Some("sqlite"));
        assert_eq!(engine_of("sqlite://x.db?mode=rwc"), Some("sqlite"));
        assert_eq!(engine_of("postgres://u@h/db"), Some("postgres"));
        assert_eq!(engine_of("postgresql://u@h/db"), Some("postgres"));
        assert_eq!(engine_of("mysql://u:secret@h/db"), None);
    }

    /// One transaction for a batch: each outcome applies only under its lease, and a settle's
    /// event is recorded even when its order's lease was lost (the final state is a fact).
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn a_batch_of_outcomes_applies_each_under_its_lease_sqlite() {
        let store = Store::connect("sqlite::memory:").await.expect("store");
        a_batch_of_outcomes_applies_each_under_its_lease(&store).await;
    }

    /// The same on Postgres, in a database of its own (created and dropped here). Fails,
    /// naming `DATABASE_URL`, when no server answers.
    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn a_batch_of_outcomes_applies_each_under_its_lease_postgres() {
        use sqlx::Connection as _;
        let admin_url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("Postgres is not reachable at DATABASE_URL: {e}"));
        let name = format!(
            "payhub_store_unit_{}_{}",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        );
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let mut url = url::Url::parse(&admin_url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let store = Store::connect(url.as_str()).await.expect("store");
        a_batch_of_outcomes_applies_each_under_its_lease(&store).await;
        store.close().await;
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("drop the test database");
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    async fn a_batch_of_outcomes_applies_each_under_its_lease(store: &Store) {
        use crate::event::{NewEvent, Recorded};
        use crate::order::{NewOrder, OrderKind, OrderState};
        use payhub::PaymentStatus;

        let order = |no: &str| NewOrder::new("paydesk", "default", OrderKind::Checkout, no);
        let mut ids = Vec::new();
        for no in ["B-1", "B-2", "B-4", "B-5"] {
            ids.push(store.track(&order(no)).await.expect("track").id());
        }
        let claimed = store
            .claim_due_orders("r1", Duration::from_secs(60), 4)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 4);
        // Tracked after the claim: not leased to r1.
        let unclaimed = store.track(&order("B-3")).await.expect("track").id();
        let event = |no: &str| {
            NewEvent::new(
                "paydesk",
                "default",
                crate::event_key(no, &PaymentStatus::Paid),
                "paid",
                no,
            )
        };
        let settle = |no: &str| Finish::Settle {
            status: PaymentStatus::Paid.to_string(),
            event: Some(Box::new(event(no))),
        };
        let next = OffsetDateTime::now_utc() + time::Duration::minutes(5);
        // Every kind of outcome in one batch (one statement per table).
        let batch = [
            (ids[0], settle("B-1")),
            (
                ids[1],
                Finish::Reschedule {
                    last_status: "pending".to_owned(),
                    next_check_at: next,
                },
            ),
            (
                ids[2],
                Finish::Retry {
                    error: "provider down".to_owned(),
                    next_check_at: next,
                },
            ),
            (
                ids[3],
                Finish::GiveUp {
                    reason: "expired".to_owned(),
                },
            ),
            (unclaimed, settle("B-3")),
        ];
        let (done, claimed) = store
            .finish_orders("r1", &batch, Some((Duration::from_secs(60), 5)))
            .await
            .expect("finish");
        // The claim in the same transaction sees the orders just finished: only B-3 is due.
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, unclaimed);
        assert_eq!(done.len(), 5);
        assert!(done[0].applied && done[0].event.is_some_and(|e| e.is_new()));
        assert!(done[1..4].iter().all(|d| d.applied && d.event.is_none()));
        assert!(!done[4].applied && done[4].event.is_some_and(|e| e.is_new()));
        let get = |id| {
            let store = store.clone();
            async move { store.get_order(id).await.expect("get").expect("tracked") }
        };
        assert_eq!(get(ids[0]).await.state, OrderState::Settled);
        let rescheduled = get(ids[1]).await;
        assert_eq!(rescheduled.state, OrderState::Pending);
        assert_eq!(rescheduled.last_status.as_deref(), Some("pending"));
        assert!(rescheduled.last_error.is_none() && rescheduled.lease_owner.is_none());
        let retried = get(ids[2]).await;
        assert_eq!(retried.state, OrderState::Pending);
        assert_eq!(retried.last_error.as_deref(), Some("provider down"));
        assert!(retried.lease_owner.is_none());
        let given_up = get(ids[3]).await;
        assert_eq!(given_up.state, OrderState::GivenUp);
        assert_eq!(given_up.last_error.as_deref(), Some("expired"));
        assert_eq!(get(unclaimed).await.state, OrderState::Pending);
        // The same batch again: B-3 is now leased to r1 and its outcome applies; the others
        // have no lease any more; every event is a duplicate.
        let (again, _) = store
            .finish_orders("r1", &batch, None)
            .await
            .expect("finish");
        assert!(again[..4].iter().all(|d| !d.applied) && again[4].applied);
        // Each duplicate has the id its first insert gave (both looked up in one statement).
        let first = |i: usize| done[i].event.map(|e| e.id());
        assert_eq!(again[0].event, first(0).map(Recorded::Duplicate));
        assert_eq!(again[4].event, first(4).map(Recorded::Duplicate));
        assert_ne!(first(0), first(4));
        assert_eq!(get(unclaimed).await.state, OrderState::Settled);
        assert_eq!(store.counts().await.expect("counts").total(), 2);

        // New and stored-before events interleaved in one batch (orders not tracked: the
        // events are recorded all the same): each duplicate gets its own row's id, in order.
        let early = [
            store.record(&event("C-1")).await,
            store.record(&event("C-3")).await,
        ]
        .map(|r| r.expect("record").id());
        let mixed: Vec<(i64, Finish)> = ["C-1", "C-2", "C-3", "C-4"]
            .iter()
            .zip(-4..)
            .map(|(no, id)| (id, settle(no)))
            .collect();
        let (done, _) = store
            .finish_orders("r1", &mixed, None)
            .await
            .expect("finish");
        let events: Vec<Recorded> = done.iter().filter_map(|d| d.event).collect();
        assert!(done.iter().all(|d| !d.applied));
        assert_eq!(events.len(), 4);
        assert_eq!(events[0], Recorded::Duplicate(early[0]));
        assert_eq!(events[2], Recorded::Duplicate(early[1]));
        assert!(events[1].is_new() && events[3].is_new());
        assert_eq!(store.counts().await.expect("counts").total(), 6);
    }

    #[tokio::test]
    async fn unknown_scheme_is_a_config_error_without_the_url() {
        let err = Store::connect("mysql://u:hunter2@h/db")
            .await
            .expect_err("mysql is not an engine");
        assert!(matches!(err, Error::Config { field: "url", .. }), "{err}");
        assert!(!err.to_string().contains("hunter2"));
    }
}
