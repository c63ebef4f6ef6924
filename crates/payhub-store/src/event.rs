//! The event types: what the gateway records ([`NewEvent`]) and what the store gives back
//! ([`StoredEvent`], with its delivery bookkeeping).
//!
//! An event holds the provider's raw callback (headers and body, which carry the payer's data
//! and the provider's signature) next to the facts the gateway extracted from it. The raw form
//! is kept so the event can be re-verified or re-parsed later; `Debug` prints only the lengths
//! of those fields, so an event can be logged without leaking them.

// The storage helpers below serve the SQL engines; a `redis`-only build has none.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::error::Error;

/// A verified callback, as the gateway records it before acknowledging the provider.
///
/// `(provider, account, event_key)` identifies the event: recording the same triple again
/// (the provider's redelivery) is a [`Recorded::Duplicate`](crate::Recorded::Duplicate).
///
/// ```
/// use payhub_store::NewEvent;
/// let e = NewEvent::new("paydesk", "M1002", "paydesk:ORD-1:SUCCESS", "SUCCESS", "ORD-1")
///     .body(br#"{"payer":"Ann"}"#.to_vec())
///     .headers(vec![("Sign".into(), "5F0C".into())]);
/// let debug = format!("{e:?}");
/// assert!(!debug.contains("Ann") && !debug.contains("5F0C"));
/// ```
#[derive(Clone, PartialEq)]
pub struct NewEvent {
    /// The provider's name (`paydesk`, `tokenpay`, ...).
    pub provider: String,
    /// The merchant account at that provider (several accounts may share one store).
    pub account: String,
    /// The event's dedupe key (`payhub::Notification::dedupe_key`).
    pub event_key: String,
    /// The payment status the callback reports (`SUCCESS`, `FAILED`, ...).
    pub status: String,
    /// The merchant's order number.
    pub merchant_order_no: String,
    /// The provider's order number, when it sends one.
    pub provider_order_no: Option<String>,
    /// The amount, when the callback carries one.
    pub amount: Option<Decimal>,
    /// The amount's currency, when known.
    pub currency: Option<String>,
    /// The parsed notification, as JSON (forwarded to the merchant app as it is).
    pub notification: serde_json::Value,
    /// The callback's HTTP headers, as received. Hold signatures: never logged.
    pub headers: Vec<(String, String)>,
    /// The callback's raw body, as received. Holds the payer's data: never logged.
    pub body: Vec<u8>,
    /// When the gateway received the callback (stored as UTC, to the microsecond).
    pub received_at: OffsetDateTime,
}

impl NewEvent {
    /// An event with the identifying fields set, received now, with an empty body, no headers
    /// and a `null` notification; fill the rest with the setters or the public fields.
    pub fn new(
        provider: impl Into<String>,
        account: impl Into<String>,
        event_key: impl Into<String>,
        status: impl Into<String>,
        merchant_order_no: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            account: account.into(),
            event_key: event_key.into(),
            status: status.into(),
            merchant_order_no: merchant_order_no.into(),
            provider_order_no: None,
            amount: None,
            currency: None,
            notification: serde_json::Value::Null,
            headers: Vec::new(),
            body: Vec::new(),
            received_at: OffsetDateTime::now_utc(),
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

    /// Sets the parsed notification.
    #[must_use]
    pub fn notification(mut self, notification: serde_json::Value) -> Self {
        self.notification = notification;
        self
    }

    /// Sets the raw headers.
    #[must_use]
    pub fn headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the raw body.
    #[must_use]
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Sets when the callback was received.
    #[must_use]
    pub fn received_at(mut self, at: OffsetDateTime) -> Self {
        self.received_at = at;
        self
    }
}

/// Lengths instead of contents, for the fields that carry payers' data and signatures.
pub(crate) struct Redacted<'a>(pub(crate) &'a NewEvent);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        f.debug_struct("NewEvent")
            .field("provider", &e.provider)
            .field("account", &e.account)
            .field("event_key", &e.event_key)
            .field("status", &e.status)
            .field("merchant_order_no", &e.merchant_order_no)
            .field("provider_order_no", &e.provider_order_no)
            .field("amount", &e.amount)
            .field("currency", &e.currency)
            .field(
                "notification",
                &format_args!("<{} bytes>", e.notification.to_string().len()),
            )
            .field("headers", &format_args!("<{} headers>", e.headers.len()))
            .field("body", &format_args!("<{} bytes>", e.body.len()))
            .field("received_at", &e.received_at)
            .finish()
    }
}

impl fmt::Debug for NewEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted(self).fmt(f)
    }
}

/// Where a stored event stands in its delivery to the merchant app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventState {
    /// Waiting for delivery (at `next_attempt_at`).
    Pending,
    /// A forwarder holds a lease on it and is delivering it.
    Delivering,
    /// The merchant app answered 2xx.
    Delivered,
    /// Every attempt failed; kept for inspection and [`Store::replay`](crate::Store::replay).
    Failed,
}

impl EventState {
    /// Every state, in delivery order.
    pub const ALL: [EventState; 4] = [
        EventState::Pending,
        EventState::Delivering,
        EventState::Delivered,
        EventState::Failed,
    ];

    /// The name stored in the database (`pending`, `delivering`, `delivered`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Pending => "pending",
            EventState::Delivering => "delivering",
            EventState::Delivered => "delivered",
            EventState::Failed => "failed",
        }
    }
}

impl fmt::Display for EventState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventState {
    type Err = Error;

    /// ```
    /// use payhub_store::EventState;
    /// assert_eq!("failed".parse::<EventState>().ok(), Some(EventState::Failed));
    /// assert!("lost".parse::<EventState>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        EventState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                Error::decode(
                    "state",
                    format!(
                        "unknown state {s:?} (expected pending, delivering, delivered or failed)"
                    ),
                )
            })
    }
}

/// An event as stored, with its delivery bookkeeping.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredEvent {
    /// The store's id: increasing, unique within the store; forwarded as `Payhub-Event-Id`.
    pub id: i64,
    /// The recorded callback.
    pub event: NewEvent,
    /// Where its delivery stands.
    pub state: EventState,
    /// Delivery attempts started so far.
    pub attempts: u32,
    /// When it is due (for a pending event).
    pub next_attempt_at: OffsetDateTime,
    /// The forwarder holding its lease (delivering), if any.
    pub lease_owner: Option<String>,
    /// When that lease ends.
    pub lease_until: Option<OffsetDateTime>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the merchant app accepted it.
    pub delivered_at: Option<OffsetDateTime>,
}

impl fmt::Debug for StoredEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredEvent")
            .field("id", &self.id)
            .field("event", &Redacted(&self.event))
            .field("state", &self.state)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("lease_owner", &self.lease_owner)
            .field("lease_until", &self.lease_until)
            .field("last_error", &self.last_error)
            .field("delivered_at", &self.delivered_at)
            .finish()
    }
}

impl std::ops::Deref for StoredEvent {
    type Target = NewEvent;

    fn deref(&self) -> &NewEvent {
        &self.event
    }
}

/// What [`Store::record`](crate::Store::record) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The event was new and is now stored (durably) under this id.
    New(i64),
    /// The event was already stored under this id; nothing changed.
    Duplicate(i64),
}

impl Recorded {
    /// The event's id, new or not.
    pub fn id(self) -> i64 {
        match self {
            Recorded::New(id) | Recorded::Duplicate(id) => id,
        }
    }

    /// Whether this call stored it.
    pub fn is_new(self) -> bool {
        matches!(self, Recorded::New(_))
    }
}

/// Which events [`Store::list`](crate::Store::list) returns: a page in id order, after
/// `after_id`. Page through a large store by passing the last id of one page as the next
/// page's `after_id`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventFilter {
    /// Only events in this state.
    pub state: Option<EventState>,
    /// Only events of this provider.
    pub provider: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Only events with a larger id.
    pub after_id: Option<i64>,
}

impl EventFilter {
    /// The largest page [`Store::list`](crate::Store::list) returns.
    pub const MAX_LIMIT: u32 = 1000;
    /// The page size when `limit` is not set.
    pub const DEFAULT_LIMIT: u32 = 100;

    /// Every event, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only events in `state`.
    #[must_use]
    pub fn state(mut self, state: EventState) -> Self {
        self.state = Some(state);
        self
    }

    /// Only events of `provider`.
    #[must_use]
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// At most `limit` events (capped at [`EventFilter::MAX_LIMIT`]).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only events after `id`.
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

/// How many events are in each state (for metrics and `/readyz`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateCounts {
    /// Waiting for delivery.
    pub pending: u64,
    /// Being delivered.
    pub delivering: u64,
    /// Delivered.
    pub delivered: u64,
    /// Given up on.
    pub failed: u64,
}

impl StateCounts {
    pub(crate) fn add(&mut self, state: EventState, n: u64) {
        match state {
            EventState::Pending => self.pending += n,
            EventState::Delivering => self.delivering += n,
            EventState::Delivered => self.delivered += n,
            EventState::Failed => self.failed += n,
        }
    }

    /// All events.
    pub fn total(&self) -> u64 {
        self.pending + self.delivering + self.delivered + self.failed
    }
}

/// An event's identity in the store: `(provider, account, event_key)`, the unique key.
pub(crate) fn identity(e: &NewEvent) -> (&str, &str, &str) {
    (&e.provider, &e.account, &e.event_key)
}

/// Ids by [`identity`] from rows of `id, provider, account, event_key`: what a multi-row
/// `INSERT .. ON CONFLICT DO NOTHING RETURNING` gave the events it inserted, or what the lookup
/// of the others found (keys borrowed from the rows: no copy of each key's three strings). One
/// reading for both engines.
pub(crate) fn ids_by_identity<'r, R>(rows: &'r [R]) -> Result<IdsByIdentity<'r>, Error>
where
    R: sqlx::Row,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    let get = |row: &'r R, column: &'static str| -> Result<&'r str, Error> {
        row.try_get(column)
            .map_err(|e| Error::decode(column, e.to_string()))
    };
    rows.iter()
        .map(|row| {
            let key = (
                get(row, "provider")?,
                get(row, "account")?,
                get(row, "event_key")?,
            );
            let id: i64 = row
                .try_get("id")
                .map_err(|e| Error::decode("id", e.to_string()))?;
            Ok((key, id))
        })
        .collect()
}

/// Event ids by [`identity`], borrowed from the rows that hold them.
pub(crate) type IdsByIdentity<'r> = std::collections::HashMap<(&'r str, &'r str, &'r str), i64>;

/// The events of a batch that its insert did not store (their keys were stored before): the
/// ones whose ids the engine looks up, all in one statement.
pub(crate) fn not_inserted<'e>(
    events: impl Iterator<Item = &'e NewEvent>,
    inserted: &IdsByIdentity<'_>,
) -> Vec<&'e NewEvent> {
    events
        .filter(|e| !inserted.contains_key(&identity(e)))
        .collect()
}

/// Each event of a batch as recorded, in order: [`Recorded::New`] when the insert stored it,
/// else [`Recorded::Duplicate`] of the row stored before. A key found in neither (which the
/// unique key rules out) is the engine's "no row" error, as a single lookup would give.
pub(crate) fn recorded<'e>(
    events: impl Iterator<Item = &'e NewEvent>,
    inserted: &IdsByIdentity<'_>,
    stored: &IdsByIdentity<'_>,
) -> Result<Vec<Recorded>, Error> {
    events
        .map(|e| {
            let key = identity(e);
            match (inserted.get(&key), stored.get(&key)) {
                (Some(id), _) => Ok(Recorded::New(*id)),
                // Stored before (the callback was first): its id.
                (None, Some(id)) => Ok(Recorded::Duplicate(*id)),
                (None, None) => Err(Error::sql("record", sqlx::Error::RowNotFound)),
            }
        })
        .collect()
}

/// Parses a stored amount (kept as text so no engine rounds it).
pub(crate) fn parse_amount(s: Option<String>) -> Result<Option<Decimal>, Error> {
    s.map(|s| {
        Decimal::from_str_exact(&s)
            .map_err(|e| Error::decode("amount", format!("not a decimal: {e}")))
    })
    .transpose()
}

/// Parses stored headers (a JSON array of `[name, value]` pairs).
pub(crate) fn parse_headers(s: &str) -> Result<Vec<(String, String)>, Error> {
    serde_json::from_str(s).map_err(|e| {
        Error::decode(
            "headers",
            format!("not a JSON array of [name, value] pairs: {e}"),
        )
    })
}

/// Serializes headers for storage.
pub(crate) fn headers_json(headers: &[(String, String)]) -> Result<String, Error> {
    serde_json::to_string(headers).map_err(|e| Error::Encode {
        field: "headers",
        problem: e.to_string(),
    })
}

/// Converts a stored attempt count.
pub(crate) fn attempts_u32(n: i64) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::decode("attempts", format!("out of range: {n}")))
}
