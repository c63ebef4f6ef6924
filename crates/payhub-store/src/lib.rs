//! A durable callback store for payhub, so a fleet of gateway machines can acknowledge provider
//! callbacks safely.
//!
//! Providers retry a callback (for hours) until it is acknowledged, and a merchant back-end
//! runs on several machines. Deduping in one process's memory and acknowledging before anything
//! is durable loses events (a crash after the acknowledgement) and handles others twice (a
//! redelivery that lands on another machine). This crate gives the gateway the pieces to do it
//! right:
//!
//! 1. verify the callback (the `payhub` facade);
//! 2. [`Store::record`] it: atomic and idempotent on `(provider, account, event_key)`, committed
//!    before it returns ([`Recorded::New`] or [`Recorded::Duplicate`]; [`Error::Unavailable`]
//!    means "answer the provider's retry reply");
//! 3. only then acknowledge the provider;
//! 4. a [`Forwarder`] on any machine claims due events under a lease and
//!    POSTs each to the merchant app as one JSON document signed with
//!    [`signature::sign`] (`Payhub-Signature`, Stripe's scheme), retrying with backoff, at least
//!    once, until the app answers 2xx.
//!
//! Callbacks get lost for good now and then, so the merchant app also tracks each order it
//! creates ([`Store::track`]) and a [`Reconciler`] asks the provider about every order still
//! open, along the provider's own retry schedule, until its final state is known: it records
//! that final state as an event under [`event_key`], the same key the callback path uses, so
//! each final state reaches the merchant app once, whichever path found it (see
//! [`reconcile`]).
//!
//! Engines ([`Store::connect`] picks one by URL): **Postgres** (feature `postgres`) for a fleet,
//! **SQLite** (feature `sqlite`, default) for one machine or tests. The `redis` feature adds
//! `redis::RedisDeduper`, the facade's `NotifyDeduper` shared through Redis, for services
//! that keep the facade's handler-based flow.
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
//! use std::time::Duration;
//! use payhub_store::{EventState, NewEvent, Store};
//!
//! let store = Store::connect("sqlite::memory:").await?;
//! let event = NewEvent::new("paydesk", "M1", "paydesk:ORD-1:SUCCESS", "SUCCESS", "ORD-1")
//!     .notification(serde_json::json!({"orderNo": "ORD-1"}));
//! let id = store.record(&event).await?.id();
//! // ... acknowledge the provider here ...
//!
//! // A forwarder claims it (normally through `forward::Forwarder`):
//! let claimed = store.claim_due("worker-1", Duration::from_secs(30), 10).await?;
//! assert_eq!(claimed[0].id, id);
//! assert!(store.mark_delivered(id, "worker-1").await?);
//! assert_eq!(store.get(id).await?.map(|e| e.state), Some(EventState::Delivered));
//! # Ok::<(), payhub_store::Error>(())
//! # }).expect("example");
//! ```
#![forbid(unsafe_code)]

mod error;
mod event;
mod order;
pub mod signature;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod forward;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod inbox;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod reconcile;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod store;

pub use error::{Error, Result};
pub use event::{EventFilter, EventState, NewEvent, Recorded, StateCounts, StoredEvent};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use forward::{ForwardReport, Forwarder, ForwarderBuilder};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use inbox::new_event;
pub use order::{NewOrder, OrderFilter, OrderKind, OrderState, Tracked, TrackedOrder};
/// The key the reconciler records final states under, the facade's [`payhub::inbox_key`]
/// (`"<merchant order no>:<status>"`): a callback recorded through `payhub::Inbox` uses the same
/// one, so whichever path finds a final state first inserts the row and the other one is a
/// [`Recorded::Duplicate`].
///
/// ```
/// use payhub::PaymentStatus;
/// assert_eq!(payhub_store::event_key("ORD-1", &PaymentStatus::Paid), "ORD-1:paid");
/// ```
pub use payhub::inbox_key as event_key;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use reconcile::{ReconcileReport, Reconciler, ReconcilerBuilder};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use store::{Store, StoreOptions};
