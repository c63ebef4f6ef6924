//! [`Reconciler`]: settles every tracked order, even when its callback never comes, by asking
//! the provider.
//!
//! Why: a callback can be lost for good (the gateway was down for the provider's whole retry
//! schedule, a notify URL was wrong, a provider sends no callback for some final states). The
//! merchant app tracks each order it creates ([`Store::track`], or [`Reconciler::track`] which
//! sets the first check from the provider's cadence); reconcilers on any number of machines
//! claim due orders under a lease ([`Store::claim_due_orders`]), so no order is queried twice
//! at once, and query the provider (`payhub::Hub::status`):
//!
//! - a **final** status ([`PaymentStatus::is_final`]) is recorded in the inbox as an event under
//!   [`event_key`] (`"<merchant_order_no>:<status>"`), then the order is settled. The callback
//!   gateway records final callbacks under the same key and calls [`Store::settle_by_event`],
//!   so whichever path learns the final state first inserts the one event, the other gets a
//!   duplicate, and the merchant app sees each final state once (through the forwarder);
//! - a status that is **not final** (pending, disputed, unknown) schedules the next check along
//!   the provider's [`Cadence`];
//! - an **error** (provider down, timeout) records `last_error` and schedules the next check
//!   the same way; errors alone never end the tracking early;
//! - once the order's expiry plus the grace period has passed (orders without expiry: its
//!   creation plus the cadence's maximum age, plus the grace period) and the provider still
//!   answers a status that is not final, the order is **given up** with the reason. When the
//!   provider cannot be reached at that deadline, the reconciler keeps trying for one more grace
//!   period before giving up.
//!
//! # Cadences, and why
//!
//! A check is due first [`Cadence::first`] after the order was created: by then a callback for
//! an order settled quickly has arrived, the gateway recorded it and called
//! [`Store::settle_by_event`], so most orders are never queried at all. After that the checks
//! follow the provider's own callback retry schedule (the moments a lost callback would have
//! been redelivered; stated in each sandbox module's docs and `shared/providers/*.md`), and
//! where that schedule ends in a short interval, a tail that backs off, since no callback will
//! come any more and only the query is left:
//!
//! | provider | first | then, between checks | max age (no expiry) | why |
//! |---|---|---|---|---|
//! | `tokenpay` | 2 min | 15 s, 15 s, 2.5 min, 7 min, 10 min, 10 min, 30 min, 2 h, 3 h | 24 h | callbacks at 0 s, 15 s, 30 s, 3, 10, 20, 30, 60 min, 3 h, 6 h after the first |
//! | `vipcharge` | 1 min | 15 s, 30 s, 3, 10, 20, 30, 60 min, 3 h, 6 h | 24 h | its retries 15 s ... 6 h after the previous attempt; recharges settle in minutes |
//! | `paydesk` | 2 min | 1, 2, 4, 8 ... 512 min | 24 h | its retries 1 ... 512 min after the previous attempt (17 h in all) |
//! | `gateway-recharge` | 1 min | 10 s × 9, then 1, 5, 15 min | 24 h | WinPay retries every 10 s, 10 times; its orders expire after `pay_timeout` (1 h) |
//! | `jiuyi-dc` | 1 min | 4 s, 10 s, 5 s × 7, then 5, 30, 60 min, 6 h | 7 days | notifies at 1, 5, 15, 20 ... 50 s; an unfulfilled recharge stays pending up to 7 days before the provider refunds it |
//!
//! After the schedule, checks repeat at its last interval until the deadline. A check is never
//! scheduled past the deadline, so the order gets one last check there. Override a cadence with
//! [`ReconcilerBuilder::cadence`] (for instance a provider account whose orders expire sooner).
//!
//! # Rate caps
//!
//! Providers throttle their query endpoints. Every query waits for its turn under a cap per
//! account (default 5 queries/s, [`ReconcilerBuilder::account_rate`]) and, if set, per provider
//! over all its accounts ([`ReconcilerBuilder::provider_rate`]). Turns are spaced exactly, but a
//! turn due within the timer's resolution (1 ms) is taken at once, so at rates above 1,000/s
//! a few queries may go out together; the average holds. The caps hold within one
//! reconciler; with several reconcilers, divide the provider's limit among them. Choose the
//! lease longer than two batches can take, `2 * batch_size / rate + query_timeout`: the next
//! batch is claimed while up to a batch of orders is still waiting or in flight (see
//! [`Reconciler::run_once`]).
//!
//! # Writes
//!
//! A check writes nothing by itself. Up to `batch_size` checks are in flight at once, as a
//! window: one that ends makes room for the next claimed order, so a slow provider or account
//! holds up only its own orders. Beside them, one store transaction at a time writes every
//! outcome that came in since the last one (each settle's event and order row, each
//! reschedule) and, when the claimed orders run low, claims the next batch. On a durable store
//! a commit waits for the disk (about half a millisecond here), so one commit for many
//! outcomes instead of two per settled order, overlapped with the provider queries, is what
//! keeps the reconciler's pace near that of the queries themselves (`cargo xtask bench --only
//! reconcile`).
//!
//! # A given-up order
//!
//! `state = given_up` with `last_error` saying why (normally: still pending at its deadline;
//! or a provider this build does not know). The reconciler will not look at it again. Someone
//! has to: look the order up in the provider's back office, then either record its final
//! state (a new [`Store::track`] of the same order is a no-op; record the event with
//! [`Store::record`] under [`event_key`]) or close it on the merchant side. List them with
//! [`Store::list_orders`] and [`OrderFilter::state`](crate::OrderFilter::state)`(GivenUp)`, and
//! alert on their count.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use payhub::{Hub, PaymentStatus, Provider};
use rand::Rng;
use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::event::NewEvent;
use crate::event_key;
use crate::order::{Finish, NewOrder, Tracked, TrackedOrder};
use crate::store::Store;

/// When a provider's orders are checked: the first check after creation, the intervals
/// between later checks, and how long an order without expiry is checked at most.
///
/// ```
/// use std::time::Duration;
/// use payhub_store::reconcile::Cadence;
/// let c = Cadence::new(
///     Duration::from_secs(60),
///     [10, 20, 40].map(Duration::from_secs),
///     Duration::from_secs(24 * 3600),
/// );
/// assert_eq!(c.interval_after(1), Duration::from_secs(10));
/// assert_eq!(c.interval_after(3), Duration::from_secs(40));
/// // After the schedule: its last interval, again and again.
/// assert_eq!(c.interval_after(9), Duration::from_secs(40));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cadence {
    first: Duration,
    schedule: Vec<Duration>,
    max_age: Duration,
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

const HOUR: u64 = 3600;
const DAY: Duration = Duration::from_secs(24 * HOUR);

impl Cadence {
    /// A cadence: the first check `first` after creation, then `schedule`'s intervals between
    /// checks (its last one repeated; an empty schedule repeats `first`), for orders without
    /// expiry at most `max_age` after creation.
    pub fn new(
        first: Duration,
        schedule: impl IntoIterator<Item = Duration>,
        max_age: Duration,
    ) -> Self {
        let mut schedule: Vec<Duration> = schedule.into_iter().collect();
        if schedule.is_empty() {
            schedule.push(first);
        }
        Self {
            first,
            schedule,
            max_age,
        }
    }

    /// The default cadence of `provider` (see the module docs for why).
    ///
    /// ```
    /// use std::time::Duration;
    /// use payhub::Provider;
    /// use payhub_store::reconcile::Cadence;
    /// let jiuyi = Cadence::for_provider(Provider::JiuyiDc);
    /// assert_eq!(jiuyi.max_age(), Duration::from_secs(7 * 24 * 3600));
    /// assert_eq!(Cadence::for_provider(Provider::Paydesk).interval_after(10), Duration::from_secs(512 * 60));
    /// ```
    pub fn for_provider(provider: Provider) -> Self {
        let minutes = |m: &[u64]| m.iter().map(|m| m * 60).collect::<Vec<_>>();
        match provider {
            Provider::Tokenpay => Self::new(
                Duration::from_secs(120),
                secs(&[15, 15, 150, 420, 600, 600, 1800, 2 * HOUR, 3 * HOUR]),
                DAY,
            ),
            Provider::Vipcharge => Self::new(
                Duration::from_secs(60),
                secs(&[15, 30, 180, 600, 1200, 1800, HOUR, 3 * HOUR, 6 * HOUR]),
                DAY,
            ),
            Provider::Paydesk => Self::new(
                Duration::from_secs(120),
                secs(&minutes(&[1, 2, 4, 8, 16, 32, 64, 128, 256, 512])),
                DAY,
            ),
            Provider::GatewayRecharge => Self::new(
                Duration::from_secs(60),
                secs(&[10, 10, 10, 10, 10, 10, 10, 10, 10, 60, 300, 900]),
                DAY,
            ),
            Provider::JiuyiDc => Self::new(
                Duration::from_secs(60),
                secs(&[4, 10, 5, 5, 5, 5, 5, 5, 5, 300, 1800, HOUR, 6 * HOUR]),
                DAY * 7,
            ),
            // A provider added later: hourly for a day.
            _ => Self::new(Duration::from_secs(120), secs(&[HOUR]), DAY),
        }
    }

    /// The delay from creation to the first check.
    pub fn first(&self) -> Duration {
        self.first
    }

    /// The intervals between checks.
    pub fn schedule(&self) -> &[Duration] {
        &self.schedule
    }

    /// How long after creation an order without expiry is checked at most (plus the grace).
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// The pause after check number `check` (1-based): the schedule's entry, or its last one.
    pub fn interval_after(&self, check: u32) -> Duration {
        let i = usize::try_from(check.saturating_sub(1)).unwrap_or(usize::MAX);
        self.schedule
            .get(i)
            .or_else(|| self.schedule.last())
            .copied()
            .unwrap_or(self.first)
    }

    /// When an order created at `created_at` is checked first.
    pub fn first_check(&self, created_at: OffsetDateTime) -> OffsetDateTime {
        created_at.saturating_add(to_time(self.first))
    }
}

fn to_time(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// A query rate: at most one query per `interval`.
///
/// ```
/// use std::time::Duration;
/// use payhub_store::reconcile::Rate;
/// assert_eq!(Rate::per_second(5).interval(), Duration::from_millis(200));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    interval: Duration,
}

impl Rate {
    /// `n` queries per second (at least 1).
    pub fn per_second(n: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / n.max(1),
        }
    }

    /// One query per `interval`.
    pub fn every(interval: Duration) -> Self {
        Self { interval }
    }

    /// The least time between two queries.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// What one [`Reconciler::run_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileReport {
    /// Orders claimed and checked.
    pub checked: usize,
    /// Found final: the event is recorded and the order settled.
    pub settled: usize,
    /// Not final yet: checked again later.
    pub rescheduled: usize,
    /// Past the deadline without a final state: given up.
    pub given_up: usize,
    /// The provider could not be asked (the order is checked again later).
    pub errors: usize,
    /// Outcome not recorded: the lease ran out, the order was settled by its callback meanwhile,
    /// or the store failed. The order is checked again after its lease (if still pending).
    pub lost: usize,
}

impl ReconcileReport {
    fn add(&mut self, other: &ReconcileReport) {
        self.checked += other.checked;
        self.settled += other.settled;
        self.rescheduled += other.rescheduled;
        self.given_up += other.given_up;
        self.errors += other.errors;
        self.lost += other.lost;
    }
}

/// The next moment each cap allows a query.
#[derive(Default)]
struct Turns {
    account: HashMap<(Provider, String), Instant>,
    provider: HashMap<Provider, Instant>,
}

struct Inner {
    store: Store,
    hub: Arc<Hub>,
    owner: String,
    lease: Duration,
    batch_size: u32,
    max_batches: u32,
    query_timeout: Duration,
    grace: Duration,
    idle_pause: Duration,
    cadences: HashMap<Provider, Cadence>,
    account_rate: Rate,
    account_rates: HashMap<(Provider, String), Rate>,
    provider_rates: HashMap<Provider, Rate>,
    turns: Mutex<Turns>,
}

/// Queries tracked orders until each is settled or given up (see the [module docs](self)).
/// Cheap to clone; run one or several per fleet.
///
/// ```no_run
/// # async fn demo(store: payhub_store::Store, hub: std::sync::Arc<payhub::Hub>) -> Result<(), payhub_store::Error> {
/// use std::time::Duration;
/// use payhub_store::reconcile::{Rate, Reconciler};
/// use payhub_store::{NewOrder, OrderKind};
///
/// let reconciler = Reconciler::builder(store, hub)
///     .account_rate(Rate::per_second(5))
///     .grace(Duration::from_secs(3600))
///     .build()?;
/// // When the app creates an order:
/// reconciler.track(&NewOrder::new("paydesk", "default", OrderKind::Checkout, "ORD-1")).await?;
/// // In a background task:
/// reconciler.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Reconciler {
    inner: Arc<Inner>,
}

impl fmt::Debug for Reconciler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Reconciler")
            .field("store", &i.store.engine())
            .field("hub", &i.hub)
            .field("owner", &i.owner)
            .field("lease", &i.lease)
            .field("batch_size", &i.batch_size)
            .field("grace", &i.grace)
            .field("account_rate", &i.account_rate)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Reconciler`]; from [`Reconciler::builder`].
#[must_use]
pub struct ReconcilerBuilder {
    store: Store,
    hub: Arc<Hub>,
    owner: Option<String>,
    lease: Duration,
    batch_size: u32,
    max_batches: u32,
    query_timeout: Duration,
    grace: Duration,
    idle_pause: Duration,
    cadences: HashMap<Provider, Cadence>,
    account_rate: Rate,
    account_rates: HashMap<(Provider, String), Rate>,
    provider_rates: HashMap<Provider, Rate>,
}

impl fmt::Debug for ReconcilerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconcilerBuilder")
            .field("store", &self.store.engine())
            .field("owner", &self.owner)
            .field("lease", &self.lease)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl ReconcilerBuilder {
    /// The lease owner id recorded on claimed orders (default `<hostname>-<pid>-<random>`).
    /// Must be unique per running reconciler.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// How long a claim lasts (default 60 s). Must exceed the query timeout; make it exceed
    /// `2 * batch_size / rate + query_timeout` (a batch is claimed while up to a batch of
    /// orders is still waiting or in flight), or a batch waiting for its rate turns outlives
    /// it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Orders claimed at a time, and the most queries in flight at once (default 32,
    /// 1..=1000).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n;
        self
    }

    /// Claims one [`Reconciler::run_once`] makes at most while every claim comes back full
    /// (default 100, at least 1): bounds a pass when orders come due faster than they are
    /// checked.
    pub fn max_batches(mut self, n: u32) -> Self {
        self.max_batches = n;
        self
    }

    /// Time for one query (default 20 s); a query that takes longer counts as an error.
    pub fn query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// How long after its expiry (or maximum age) an order is still checked (default 1 h).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Pause of [`Reconciler::run`] when nothing was due (default 1 s).
    pub fn idle_pause(mut self, pause: Duration) -> Self {
        self.idle_pause = pause;
        self
    }

    /// Replaces `provider`'s cadence (default [`Cadence::for_provider`]).
    pub fn cadence(mut self, provider: Provider, cadence: Cadence) -> Self {
        self.cadences.insert(provider, cadence);
        self
    }

    /// The query cap of each account (default 5 queries/s).
    pub fn account_rate(mut self, rate: Rate) -> Self {
        self.account_rate = rate;
        self
    }

    /// The query cap of one account, instead of [`Self::account_rate`].
    pub fn account_rate_for(
        mut self,
        provider: Provider,
        account: impl Into<String>,
        rate: Rate,
    ) -> Self {
        self.account_rates.insert((provider, account.into()), rate);
        self
    }

    /// A query cap over all of `provider`'s accounts together (default none).
    pub fn provider_rate(mut self, provider: Provider, rate: Rate) -> Self {
        self.provider_rates.insert(provider, rate);
        self
    }

    /// Checks the settings and builds the reconciler.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the setting: a batch size outside 1..=1000, a zero query
    /// timeout, a lease not longer than the query timeout, an empty owner.
    pub fn build(self) -> Result<Reconciler> {
        if !(1..=1000).contains(&self.batch_size) {
            return Err(Error::config("batch_size", "must be within 1..=1000"));
        }
        if self.query_timeout.is_zero() {
            return Err(Error::config("query_timeout", "must not be zero"));
        }
        if self.lease <= self.query_timeout {
            return Err(Error::config(
                "lease",
                format!(
                    "must be longer than the query timeout ({:?})",
                    self.query_timeout
                ),
            ));
        }
        // A claimed order waits for up to two batches' rate turns (the batch still waiting or
        // in flight when it was claimed, then its own): at the slowest rate, all of them on
        // one account, a shorter lease runs out before the outcome is written, and the order
        // is checked again (by this or another reconciler) in vain.
        let slowest = self
            .account_rates
            .values()
            .chain(self.provider_rates.values())
            .map(Rate::interval)
            .fold(self.account_rate.interval(), Duration::max);
        let needed = slowest
            .saturating_mul(self.batch_size.saturating_mul(2))
            .saturating_add(self.query_timeout);
        if self.lease < needed {
            tracing::warn!(
                lease = ?self.lease,
                needed = ?needed,
                "reconciler lease shorter than two batches' queries at the slowest rate plus \
                 the query timeout: outcomes of a batch on one account may be lost and checked again"
            );
        }
        let owner = self.owner.unwrap_or_else(crate::forward::default_owner);
        if owner.is_empty() {
            return Err(Error::config("owner", "must not be empty"));
        }
        let mut cadences: HashMap<Provider, Cadence> = Provider::ALL
            .into_iter()
            .map(|p| (p, Cadence::for_provider(p)))
            .collect();
        cadences.extend(self.cadences);
        Ok(Reconciler {
            inner: Arc::new(Inner {
                store: self.store,
                hub: self.hub,
                owner,
                lease: self.lease,
                batch_size: self.batch_size,
                max_batches: self.max_batches.max(1),
                query_timeout: self.query_timeout,
                grace: self.grace,
                idle_pause: self.idle_pause,
                cadences,
                account_rate: self.account_rate,
                account_rates: self.account_rates,
                provider_rates: self.provider_rates,
                turns: Mutex::new(Turns::default()),
            }),
        })
    }
}

/// Shortens an error text for `last_error`.
fn clip(text: String) -> String {
    const MAX: usize = 500;
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

impl Reconciler {
    /// Starts a builder: reconcile the orders tracked in `store` by querying through `hub`
    /// (whose accounts are named as the orders' `account`).
    pub fn builder(store: Store, hub: Arc<Hub>) -> ReconcilerBuilder {
        ReconcilerBuilder {
            store,
            hub,
            owner: None,
            lease: Duration::from_secs(60),
            batch_size: 32,
            max_batches: 100,
            query_timeout: Duration::from_secs(20),
            grace: Duration::from_secs(3600),
            idle_pause: Duration::from_secs(1),
            cadences: HashMap::new(),
            account_rate: Rate::per_second(5),
            account_rates: HashMap::new(),
            provider_rates: HashMap::new(),
        }
    }

    /// The lease owner id this reconciler claims under.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The cadence used for `provider`.
    pub fn cadence_of(&self, provider: Provider) -> Cadence {
        self.inner.cadence(provider)
    }

    /// Tracks `order` ([`Store::track`]), its first check set from its provider's cadence
    /// unless the order sets one.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a provider name that is not one of payhub's; as
    /// [`Store::track`].
    pub async fn track(&self, order: &NewOrder) -> Result<Tracked> {
        let provider: Provider = order.provider.parse().map_err(|e| Error::Invalid {
            field: "provider",
            problem: format!("{e}"),
        })?;
        let mut order = order.clone();
        if order.first_check_at.is_none() {
            order.first_check_at = Some(self.inner.cadence(provider).first_check(order.created_at));
        }
        self.inner.store.track(&order).await
    }

    /// Claims due orders batch by batch and checks them, up to `batch_size` queries in flight
    /// (each waits for its rate turn), until a claim comes back short of a full batch or
    /// `max_batches` claims have run.
    ///
    /// The queries flow as a window, not batch after batch: a check that ends makes room for
    /// the next claimed order at once, so one slow query does not hold up the others. The
    /// store works beside them, one transaction at a time: each writes every outcome that came
    /// in since the last one (one commit for all of them, not one or two per order) and, once
    /// no more than a batch of claimed orders is left to check or in flight, claims the next
    /// batch. The pass therefore holds at most two batches of claimed orders, and a claimed
    /// order waits behind at most two batches' queries: choose the lease longer than that (see
    /// [`ReconcilerBuilder::lease`]).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] or [`Error::Database`] when a claim fails (the orders already
    /// checked in this pass keep their outcomes). A store failure while writing outcomes is
    /// not an error: those orders count as `lost` and are checked again after their leases.
    pub async fn run_once(&self) -> Result<ReconcileReport> {
        let inner = &self.inner;
        let batch = usize::try_from(inner.batch_size).unwrap_or(usize::MAX);
        let mut report = ReconcileReport::default();
        let mut queue: VecDeque<TrackedOrder> = inner.claim().await?.into();
        let mut claims = 1;
        let mut exhausted = queue.len() < batch || claims >= inner.max_batches;
        report.checked += queue.len();
        let mut checks = JoinSet::new();
        let mut outcomes: Vec<Checked> = Vec::new();
        let mut store = std::pin::pin!(None);
        let mut failure = None;
        loop {
            while checks.len() < batch {
                let Some(order) = queue.pop_front() else {
                    break;
                };
                let inner = Arc::clone(&self.inner);
                checks.spawn(async move { inner.check(order).await });
            }
            if store.is_none() {
                let claim = !exhausted && queue.len() + checks.len() <= batch;
                let last = checks.is_empty() && !outcomes.is_empty();
                if claim || last || outcomes.len() >= batch {
                    claims += u32::from(claim);
                    let written = std::mem::take(&mut outcomes);
                    store.set(Some(inner.write(written, claim)));
                }
            }
            if checks.is_empty() && store.is_none() {
                break;
            }
            tokio::select! {
                Some(joined) = checks.join_next(), if !checks.is_empty() => match joined {
                    Ok(checked) => outcomes.push(checked),
                    // A check that panicked leaves its order to be claimed again after its
                    // lease.
                    Err(_) => report.lost += 1,
                },
                (written, claimed) = async {
                    match store.as_mut().as_pin_mut() {
                        Some(op) => op.await,
                        None => std::future::pending().await,
                    }
                }, if store.is_some() => {
                    store.set(None);
                    report.add(&written);
                    match claimed {
                        Some(Ok(orders)) => {
                            exhausted |= orders.len() < batch || claims >= inner.max_batches;
                            report.checked += orders.len();
                            queue.extend(orders);
                        }
                        Some(Err(e)) => {
                            exhausted = true;
                            failure = Some(e);
                        }
                        None => {}
                    }
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Runs [`Reconciler::run_once`] in a loop until `shutdown` completes: straight on while
    /// orders were due, after the idle pause when none were, after five idle pauses when the
    /// store fails. A pass in flight when `shutdown` completes is finished first.
    pub async fn run<F: Future>(&self, shutdown: F) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let pause = match self.run_once().await {
                Ok(report) if report.checked > 0 => Duration::ZERO,
                Ok(_) => self.inner.idle_pause,
                Err(error) => {
                    tracing::warn!(%error, "reconciler could not claim orders");
                    self.inner.idle_pause.saturating_mul(5)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = &mut shutdown => return,
            }
        }
    }
}

impl Inner {
    fn cadence(&self, provider: Provider) -> Cadence {
        self.cadences
            .get(&provider)
            .cloned()
            .unwrap_or_else(|| Cadence::for_provider(provider))
    }

    /// Waits until both the account's and the provider's caps allow a query, and takes that
    /// turn.
    async fn wait_turn(&self, provider: Provider, account: &str) {
        let account_rate = self
            .account_rates
            .get(&(provider, account.to_owned()))
            .copied()
            .unwrap_or(self.account_rate);
        let provider_rate = self.provider_rates.get(&provider).copied();
        let at = {
            let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let key = (provider, account.to_owned());
            let mut at = turns.account.get(&key).copied().unwrap_or(now).max(now);
            if provider_rate.is_some() {
                at = at.max(turns.provider.get(&provider).copied().unwrap_or(now));
            }
            turns.account.insert(key, at + account_rate.interval());
            if let Some(rate) = provider_rate {
                turns.provider.insert(provider, at + rate.interval());
            }
            at
        };
        // The timer wakes on whole milliseconds: a turn due within one is taken now (and the
        // turns after it stay spaced), instead of waiting for the next tick.
        if at > Instant::now() + TIMER_TICK {
            tokio::time::sleep_until(at).await;
        }
    }

    /// The order's deadline: expiry (or creation + max age) + grace.
    fn deadline(&self, order: &TrackedOrder, cadence: &Cadence) -> OffsetDateTime {
        order
            .expires_at
            .unwrap_or_else(|| order.created_at.saturating_add(to_time(cadence.max_age)))
            .saturating_add(to_time(self.grace))
    }

    async fn claim(&self) -> Result<Vec<TrackedOrder>> {
        self.store
            .claim_due_orders(&self.owner, self.lease, self.batch_size)
            .await
    }

    /// Queries the provider about `order`; what to write (nothing is written here).
    async fn check(&self, order: TrackedOrder) -> Checked {
        let provider: Provider = match order.provider.parse() {
            Ok(p) => p,
            Err(e) => {
                let reason = format!("cannot be checked: {e}");
                return Checked::give_up(order, reason);
            }
        };
        let cadence = self.cadence(provider);
        self.wait_turn(provider, &order.account).await;
        let answer = tokio::time::timeout(
            self.query_timeout,
            self.hub
                .status(provider, Some(&order.account), &order.merchant_order_no),
        )
        .await;
        let now = OffsetDateTime::now_utc();
        let deadline = self.deadline(&order, &cadence);
        let attempts = order.attempts;
        let next = move |limit: OffsetDateTime| {
            let interval = jitter(cadence.interval_after(attempts));
            now.saturating_add(to_time(interval)).min(limit.max(now))
        };
        match answer {
            Ok(Ok(status)) if status.is_final() => Checked::settle(order, &status),
            Ok(Ok(status)) if now >= deadline => {
                let reason = format!(
                    "still `{status}` after its {} plus the grace period; look the order up \
                     with the provider and settle it by hand",
                    if order.expires_at.is_some() {
                        "expiry"
                    } else {
                        "maximum age"
                    }
                );
                Checked::give_up(order, reason)
            }
            Ok(Ok(status)) => {
                let finish = Finish::Reschedule {
                    last_status: status.to_string(),
                    next_check_at: next(deadline),
                };
                Checked { order, finish }
            }
            Ok(Err(e)) => self.failed(order, clip(e.to_string()), now, deadline, next),
            Err(_) => {
                let error = format!("no answer within {:?}", self.query_timeout);
                self.failed(order, error, now, deadline, next)
            }
        }
    }

    /// A query that failed: checked again (one more grace period past the deadline), then
    /// given up.
    fn failed(
        &self,
        order: TrackedOrder,
        error: String,
        now: OffsetDateTime,
        deadline: OffsetDateTime,
        next: impl Fn(OffsetDateTime) -> OffsetDateTime,
    ) -> Checked {
        tracing::warn!(
            provider = %order.provider,
            account = %order.account,
            merchant_order_no = %order.merchant_order_no,
            %error,
            "reconciler query failed"
        );
        let last_chance = deadline.saturating_add(to_time(self.grace));
        if now >= last_chance {
            let reason = format!("no answer from the provider past its deadline: {error}");
            return Checked::give_up(order, reason);
        }
        let finish = Finish::Retry {
            error,
            next_check_at: next(last_chance),
        };
        Checked { order, finish }
    }

    /// Writes a batch's outcomes in one transaction (which also claims the next batch when
    /// `claim_next`), then logs the settled and given-up orders; what was written, and the
    /// claim's result if one was asked for.
    async fn write(
        &self,
        checked: Vec<Checked>,
        claim_next: bool,
    ) -> (ReconcileReport, Option<Result<Vec<TrackedOrder>>>) {
        let mut report = ReconcileReport::default();
        let claim = claim_next.then_some((self.lease, self.batch_size));
        if checked.is_empty() && claim.is_none() {
            return (report, None);
        }
        let (orders, batch): (Vec<TrackedOrder>, Vec<(i64, Finish)>) = checked
            .into_iter()
            .map(|c| {
                let id = c.order.id;
                (c.order, (id, c.finish))
            })
            .unzip();
        let (done, claimed) = match self.store.finish_orders(&self.owner, &batch, claim).await {
            Ok(done) => done,
            Err(error) => {
                if !orders.is_empty() {
                    tracing::warn!(
                        %error,
                        orders = orders.len(),
                        "reconciler could not record a batch's outcomes; checked again after the lease"
                    );
                }
                report.lost = orders.len();
                return (report, claim.map(|_| Err(error)));
            }
        };
        for ((order, (_, finish)), done) in orders.iter().zip(&batch).zip(done) {
            if !done.applied {
                tracing::debug!(
                    provider = %order.provider,
                    merchant_order_no = %order.merchant_order_no,
                    "outcome not recorded: the order's lease ran out or it was settled meanwhile"
                );
                report.lost += 1;
                continue;
            }
            match finish {
                Finish::Settle { status, .. } => {
                    tracing::info!(
                        provider = %order.provider,
                        merchant_order_no = %order.merchant_order_no,
                        %status,
                        new_event = done.event.is_some_and(|e| e.is_new()),
                        "order settled by the reconciler"
                    );
                    report.settled += 1;
                }
                Finish::GiveUp { reason } => {
                    tracing::warn!(
                        provider = %order.provider,
                        account = %order.account,
                        merchant_order_no = %order.merchant_order_no,
                        reason,
                        "reconciler gave up on an order"
                    );
                    report.given_up += 1;
                }
                Finish::Retry { .. } => report.errors += 1,
                Finish::Reschedule { .. } => report.rescheduled += 1,
            }
        }
        if report.lost > 0 {
            tracing::warn!(
                lost = report.lost,
                orders = orders.len(),
                "reconciler outcomes not recorded (leases ran out, or settled by their callbacks \
                 meanwhile); a lease shorter than two batches' queries causes this"
            );
        }
        (report, claim.map(|_| Ok(claimed)))
    }
}

/// One check's outcome, waiting to be written with its batch.
struct Checked {
    order: TrackedOrder,
    finish: Finish,
}

impl Checked {
    fn give_up(order: TrackedOrder, reason: String) -> Self {
        let finish = Finish::GiveUp { reason };
        Self { order, finish }
    }

    /// The final state's event (under `event_key`, so a callback for the same state is the
    /// same event) and the settle.
    fn settle(order: TrackedOrder, status: &PaymentStatus) -> Self {
        let mut event = NewEvent::new(
            order.provider.clone(),
            order.account.clone(),
            event_key(&order.merchant_order_no, status),
            status.to_string(),
            order.merchant_order_no.clone(),
        )
        .notification(serde_json::json!({
            "source": "reconciler",
            "status": status.to_string(),
            "merchant_order_no": order.merchant_order_no,
        }));
        event.provider_order_no.clone_from(&order.provider_order_no);
        if let Some(amount) = order.amount {
            event = event.amount(amount, order.currency.clone());
        }
        let finish = Finish::Settle {
            status: status.to_string(),
            event: Some(Box::new(event)),
        };
        Self { order, finish }
    }
}

/// The resolution of tokio's timer.
const TIMER_TICK: Duration = Duration::from_millis(1);

/// Up to a tenth of the interval taken off at random, so orders created together spread out.
fn jitter(interval: Duration) -> Duration {
    let tenth = u64::try_from((interval / 10).as_nanos()).unwrap_or(u64::MAX);
    interval - Duration::from_nanos(rand::rng().random_range(0..=tenth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_follow_the_providers_schedules() {
        let tp = Cadence::for_provider(Provider::Tokenpay);
        // Offsets of its callbacks from the first: 0, 15, 30, 180, 600, ... 21600 s.
        let offsets: Vec<u64> = tp
            .schedule()
            .iter()
            .scan(0, |t, d| {
                *t += d.as_secs();
                Some(*t)
            })
            .collect();
        assert_eq!(offsets, [15, 30, 180, 600, 1200, 1800, 3600, 10800, 21600]);
        let vc = Cadence::for_provider(Provider::Vipcharge);
        assert_eq!(vc.interval_after(9), Duration::from_secs(21600));
        let gw = Cadence::for_provider(Provider::GatewayRecharge);
        assert_eq!(gw.interval_after(1), Duration::from_secs(10));
        assert_eq!(gw.interval_after(100), Duration::from_secs(900));
        assert_eq!(
            Cadence::for_provider(Provider::Paydesk).max_age(),
            Duration::from_secs(86400)
        );
        // An empty schedule repeats `first`.
        let c = Cadence::new(Duration::from_secs(7), [], Duration::ZERO);
        assert_eq!(c.interval_after(3), Duration::from_secs(7));
    }

    #[test]
    fn jitter_takes_at_most_a_tenth() {
        for _ in 0..100 {
            let d = jitter(Duration::from_secs(10));
            assert!(d >= Duration::from_secs(9) && d <= Duration::from_secs(10));
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn clip_keeps_char_boundaries() {
        let long = "é".repeat(400);
        let clipped = clip(long);
        assert!(clipped.ends_with("..."));
        assert!(clipped.len() <= 503);
    }
}
