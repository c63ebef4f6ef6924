//! payhub: one SDK for five payment and recharge providers.
//!
//! Turn on a feature per provider and use its crate through this one (`payhub::paydesk::Client`),
//! or use the provider-independent vocabulary here: [`PaymentStatus`], [`Expected`] for checking
//! a verified callback against your order, and [`NotifyDeduper`] for replay protection.
#![forbid(unsafe_code)]

mod dedupe;
mod expect;
mod status;

pub use dedupe::{DedupeFuture, InMemoryDeduper, NotifyDeduper};
pub use expect::{Expected, FieldMismatch, Mismatch, NotificationFacts};
pub use status::PaymentStatus;
