//! Tracked orders: what the reconciler ([`crate::reconcile`]) queries until each order reaches a
//! final state, and [`event_key`], the one key both the callback path and the reconciler record
//! a final state under.
//!
//! Why a table of orders next to the event log: a provider's callback can be lost for good (the
//! gateway was down for the whole retry schedule, the provider never sent one, the notify URL
//! was wrong). The only way to still learn the outcome is to ask the provider. The merchant app
//! tracks every order it creates ([`Store::track`](crate::Store::track)); the reconciler claims
//! due ones under a lease (as forwarders claim events), queries the provider, and either
//! records the final state as an event or schedules the next check. Whichever path learns the
//! final state first (callback or query) inserts the event row under [`event_key`]; the other
//! one gets [`Recorded::Duplicate`](crate::Recorded::Duplicate), so the merchant app sees each
//! final state once.

// The storage helpers below serve the SQL engines; a `redis`-only build has none.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use std::fmt;
use std::str::FromStr;

use payhub::PaymentStatus;
use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::error::Error;
use crate::event::{NewEvent, Recorded};

/// What an order is, for the reader of the table (the reconciler queries them all alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OrderKind {
    /// A payment collected from a payer (cashier, payin, crypto order).
    Checkout,
    /// A recharge bought from the provider (direct recharge, card codes).
    Recharge,
    /// Money sent out (payout, disbursement).
    Payout,
}

impl OrderKind {
    /// Every kind.
    pub const ALL: [OrderKind; 3] = [OrderKind::Checkout, OrderKind::Recharge, OrderKind::Payout];

    /// The name stored in the database (`checkout`, `recharge`, `payout`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Checkout => "checkout",
            OrderKind::Recharge => "recharge",
            OrderKind::Payout => "payout",
        }
    }
}

impl fmt::Display for OrderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderKind {
    type Err = Error;

    /// ```
    /// use payhub_store::OrderKind;
    /// assert_eq!("payout".parse::<OrderKind>().ok(), Some(OrderKind::Payout));
    /// assert!("refund".parse::<OrderKind>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        OrderKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::decode(
                    "kind",
                    format!("unknown kind {s:?} (expected checkout, recharge or payout)"),
                )
            })
    }
}

/// Where a tracked order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OrderState {
    /// Its final state is not known yet: checked again at `next_check_at`.
    Pending,
    /// Its final state is known and recorded as an event (by the reconciler or the callback
    /// path).
    Settled,
    /// The reconciler stopped checking it (`last_error` says why): someone has to look at it.
    GivenUp,
}

impl OrderState {
    /// Every state.
    pub const ALL: [OrderState; 3] = [
        OrderState::Pending,
        OrderState::Settled,
        OrderState::GivenUp,
    ];

    /// The name stored in the database (`pending`, `settled`, `given_up`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Settled => "settled",
            OrderState::GivenUp => "given_up",
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderState {
    type Err = Error;

    /// ```
    /// use payhub_store::OrderState;
    /// assert_eq!("given_up".parse::<OrderState>().ok(), Some(OrderState::GivenUp));
    /// assert!("lost".parse::<OrderState>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        OrderState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::decode(
                    "state",
                    format!("unknown order state {s:?} (expected pending, settled or given_up)"),
                )
            })
    }
}

/// An order the merchant app created, to track until its final state is known.
///
/// `(provider, account, merchant_order_no)` identifies it: tracking it again is
/// [`Tracked::Existing`].
///
/// ```
/// use payhub_store::{NewOrder, OrderKind};
/// use rust_decimal::Decimal;
/// let order = NewOrder::new("paydesk", "default", OrderKind::Checkout, "ORD-1")
///     .amount(Decimal::new(1050, 2), Some("TZS".to_owned()))
///     .provider_order_no("PAYDESK123");
/// assert_eq!(order.merchant_order_no, "ORD-1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewOrder {
    /// The provider's name (`Provider::name`: `paydesk`, `tokenpay`, ...).
    pub provider: String,
    /// The account name in the `payhub::Hub` (`default` for a provider's only account).
    pub account: String,
    /// What the order is.
    pub kind: OrderKind,
    /// The merchant's order number (what the reconciler queries by).
    pub merchant_order_no: String,
    /// The provider's order number, when known.
    pub provider_order_no: Option<String>,
    /// The amount, when known (stored as exact decimal text).
    pub amount: Option<Decimal>,
    /// The amount's currency, when known.
    pub currency: Option<String>,
    /// When the order was created (default: now).
    pub created_at: OffsetDateTime,
    /// When the provider expires it unpaid, if it does.
    pub expires_at: Option<OffsetDateTime>,
    /// When to check it first (default: at once; the reconciler's `track` sets it from the
    /// provider's cadence).
    pub first_check_at: Option<OffsetDateTime>,
}

impl NewOrder {
    /// An order created now, without expiry, amount or provider order number.
    pub fn new(
        provider: impl Into<String>,
        account: impl Into<String>,
        kind: OrderKind,
        merchant_order_no: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            account: account.into(),
            kind,
            merchant_order_no: merchant_order_no.into(),
            provider_order_no: None,
            amount: None,
            currency: None,
            created_at: OffsetDateTime::now_utc(),
            expires_at: None,
            first_check_at: None,
        }
    }

    /// Sets the provider's order number.
    #[must_use]
    pub fn provider_order_no(mut self, no: impl Into<String>) -> Self {
        self.provider_order_no = Some(no.into());
        self
    }

    /// Sets the amount and its currency.
    #[must_use]
    pub fn amount(mut self, amount: Decimal, currency: Option<String>) -> Self {
        self.amount = Some(amount);
        self.currency = currency;
        self
    }

    /// Sets when the order was created.
    #[must_use]
    pub fn created_at(mut self, at: OffsetDateTime) -> Self {
        self.created_at = at;
        self
    }

    /// Sets when the provider expires the order unpaid.
    #[must_use]
    pub fn expires_at(mut self, at: OffsetDateTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets when to check it first.
    #[must_use]
    pub fn first_check_at(mut self, at: OffsetDateTime) -> Self {
        self.first_check_at = Some(at);
        self
    }
}

/// What [`Store::track`](crate::Store::track) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracked {
    /// The order is now tracked under this id.
    New(i64),
    /// The order was already tracked under this id; nothing changed.
    Existing(i64),
}

impl Tracked {
    /// The order's id, new or not.
    pub fn id(self) -> i64 {
        match self {
            Tracked::New(id) | Tracked::Existing(id) => id,
        }
    }

    /// Whether this call started tracking it.
    pub fn is_new(self) -> bool {
        matches!(self, Tracked::New(_))
    }
}

/// A tracked order as stored, with its reconciliation bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackedOrder {
    /// The store's id (increasing).
    pub id: i64,
    /// The order as tracked (`first_check_at` is `None` when read back).
    pub order: NewOrder,
    /// Where it stands.
    pub state: OrderState,
    /// The last status the provider answered (`PaymentStatus`'s `Display`), if any.
    pub last_status: Option<String>,
    /// When it is checked next (pending orders).
    pub next_check_at: OffsetDateTime,
    /// Checks started so far.
    pub attempts: u32,
    /// The reconciler holding its lease, if any.
    pub lease_owner: Option<String>,
    /// When that lease ends.
    pub lease_until: Option<OffsetDateTime>,
    /// Why the last check failed, or why the reconciler gave up.
    pub last_error: Option<String>,
}

impl std::ops::Deref for TrackedOrder {
    type Target = NewOrder;

    fn deref(&self) -> &NewOrder {
        &self.order
    }
}

/// Which orders [`Store::list_orders`](crate::Store::list_orders) returns: a page in id order,
/// after `after_id` (pass the last id of a page as the next page's `after_id`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderFilter {
    /// Only orders in this state.
    pub state: Option<OrderState>,
    /// Only orders of this provider.
    pub provider: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Only orders with a larger id.
    pub after_id: Option<i64>,
}

impl OrderFilter {
    /// The largest page.
    pub const MAX_LIMIT: u32 = 1000;
    /// The page size when `limit` is not set.
    pub const DEFAULT_LIMIT: u32 = 100;

    /// Every order, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only orders in `state`.
    #[must_use]
    pub fn state(mut self, state: OrderState) -> Self {
        self.state = Some(state);
        self
    }

    /// Only orders of `provider`.
    #[must_use]
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// At most `limit` orders (capped at [`OrderFilter::MAX_LIMIT`]).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only orders after `id`.
    #[must_use]
    pub fn after_id(mut self, id: i64) -> Self {
        self.after_id = Some(id);
        self
    }

    pub(crate) fn page_size(&self) -> i64 {
        i64::from(
            self.limit
                .unwrap_or(Self::DEFAULT_LIMIT)
                .clamp(1, Self::MAX_LIMIT),
        )
    }
}

/// Refuses a status that is not final, for the settle calls.
pub(crate) fn final_status(status: &PaymentStatus) -> Result<String, Error> {
    if status.is_final() {
        Ok(status.to_string())
    } else {
        Err(Error::Invalid {
            field: "status",
            problem: format!("`{status}` is not a final status"),
        })
    }
}

/// How one check of a tracked order ended: what [`Store::finish_orders`] writes, with the
/// batch's other outcomes, in one transaction.
///
/// [`Store::finish_orders`]: crate::Store::finish_orders
#[derive(Clone, Debug)]
pub(crate) enum Finish {
    /// A final state: record `event` if any (once, under its event key), then settle the order
    /// with `status`.
    Settle {
        status: String,
        event: Option<Box<NewEvent>>,
    },
    /// Not final yet: keep the provider's answer, check again at `next_check_at`.
    Reschedule {
        last_status: String,
        next_check_at: OffsetDateTime,
    },
    /// The provider could not be asked: keep the error, check again at `next_check_at`.
    Retry {
        error: String,
        next_check_at: OffsetDateTime,
    },
    /// Stop checking, for `reason`.
    GiveUp { reason: String },
}

impl Finish {
    /// The order row's update: which columns it sets, the text it records (status, error or
    /// reason) and the next check, if any.
    pub(crate) fn order_update(&self) -> (FinishKind, &str, Option<OffsetDateTime>) {
        match self {
            Finish::Settle { status, .. } => (FinishKind::Settle, status, None),
            Finish::Reschedule {
                last_status,
                next_check_at,
            } => (FinishKind::Reschedule, last_status, Some(*next_check_at)),
            Finish::Retry {
                error,
                next_check_at,
            } => (FinishKind::Retry, error, Some(*next_check_at)),
            Finish::GiveUp { reason } => (FinishKind::GiveUp, reason, None),
        }
    }
}

/// Which column set an outcome updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FinishKind {
    Settle,
    Reschedule,
    Retry,
    GiveUp,
}

/// What writing one [`Finish`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Finished {
    /// The order row was updated (false: the lease ran out, or the order is no longer pending).
    pub(crate) applied: bool,
    /// For a settle: the event's insert (new, or a duplicate of the callback's).
    pub(crate) event: Option<Recorded>,
}
