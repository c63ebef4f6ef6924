//! [`Inbox`]: a durable record of verified callbacks, written **before** the provider is
//! acknowledged.
//!
//! Every provider retries a callback until it sees its acknowledgement, and a merchant back-end
//! runs on several machines. A handler that acknowledges first and records later loses the
//! payment when the process dies in between. With an inbox, [`Hub::deliver`](crate::Hub::deliver)
//! (and so [`NotifyRouter`](crate::NotifyRouter) and the axum routes) verifies the callback,
//! records it, and acknowledges only once the record is committed; when the inbox cannot be
//! reached, the provider gets its *retry* reply, never its success reply. A redelivery of an
//! event already recorded is acknowledged without calling the handler again.
//!
//! The `payhub-store` crate implements it on Postgres and SQLite (`payhub serve` uses it);
//! implement it yourself on any store that can insert a row atomically and idempotently.

use std::fmt;
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use time::OffsetDateTime;

use crate::{DedupeFuture, Notification, Provider};

/// One verified callback, as the inbox records it.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct InboxEvent<'a> {
    /// The provider.
    pub provider: Provider,
    /// The account (in the [`Hub`](crate::Hub)) it is for.
    pub account: &'a str,
    /// The key equal for every delivery of this event ([`event_key`]): the inbox's unique key
    /// with the provider and the account.
    pub event_key: &'a str,
    /// The typed notification.
    pub notification: &'a Notification,
    /// The raw headers received.
    pub headers: &'a HeaderMap,
    /// The raw body received (what was verified).
    pub body: &'a [u8],
    /// When it was received.
    pub received_at: OffsetDateTime,
}

impl fmt::Debug for InboxEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body and headers hold payers' data and signatures: lengths only.
        f.debug_struct("InboxEvent")
            .field("provider", &self.provider)
            .field("account", &self.account)
            .field("event_key", &self.event_key)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// What recording did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recorded {
    /// A new event, now committed.
    New,
    /// Recorded before (a redelivery, or the same final state found by a reconciler).
    Duplicate,
}

/// The inbox could not record the event: the provider is told to deliver again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the callback inbox could not record the event: {message}")]
pub struct InboxError {
    message: String,
}

impl InboxError {
    /// An error with a message (never a secret or a payer's data).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// A durable, idempotent record of verified callbacks. Object safe (`Arc<dyn Inbox>`).
pub trait Inbox: Send + Sync + fmt::Debug {
    /// Records `event` atomically and idempotently on (provider, account, event key), and
    /// returns once it is committed.
    fn record<'a>(
        &'a self,
        event: InboxEvent<'a>,
    ) -> DedupeFuture<'a, Result<Recorded, InboxError>>;
}

/// The inbox key of a callback: the merchant order number and the normalized status
/// (`A-1001:paid`), so the same final state found by a callback and by a status query (a
/// reconciler) is one event; a notification without a merchant order number (a deposit to a
/// monitored wallet) keys on the provider's own event key.
///
/// ```
/// use payhub::{PaymentStatus, inbox_key};
/// assert_eq!(inbox_key("A-1001", &PaymentStatus::Paid), "A-1001:paid");
/// ```
pub fn inbox_key(merchant_order_no: &str, status: &crate::PaymentStatus) -> String {
    format!("{merchant_order_no}:{status}")
}

/// [`inbox_key`] of a verified notification.
pub fn event_key(notification: &Notification) -> String {
    let facts = notification.facts();
    if facts.merchant_order_no.is_empty() {
        notification.dedupe_key()
    } else {
        inbox_key(&facts.merchant_order_no, &notification.status())
    }
}

/// An inbox in this process's memory, for tests and examples: it is not durable.
#[derive(Debug, Default)]
pub struct MemoryInbox {
    events: Mutex<Vec<(Provider, String, String)>>,
}

impl MemoryInbox {
    /// An empty inbox.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The (provider, account, event key) of every event recorded.
    pub fn keys(&self) -> Vec<(Provider, String, String)> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Inbox for MemoryInbox {
    fn record<'a>(&'a self, e: InboxEvent<'a>) -> DedupeFuture<'a, Result<Recorded, InboxError>> {
        Box::pin(async move {
            let mut events = self
                .events
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let key = (e.provider, e.account.to_owned(), e.event_key.to_owned());
            if events.contains(&key) {
                return Ok(Recorded::Duplicate);
            }
            events.push(key);
            Ok(Recorded::New)
        })
    }
}
