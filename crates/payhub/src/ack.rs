//! [`Ack`]: the exact HTTP reply a provider expects after a callback, one type for all five:
//! `payhub_runtime::Ack`, the same type every provider crate's `notify::Ack` is, with the
//! provider chosen at run time ([`payhub_runtime::AnyProvider`]).

/// The reply to send to a provider's callback: status, content type and body.
///
/// Each provider wants its own words (`SUCCESS`, `success`, HTTP 200 only, ...); the
/// [`crate::NotifyRouter`] picks them from the provider crate's own `notify::Ack`, so a handler
/// cannot get them wrong.
///
/// ```
/// # #[cfg(feature = "paydesk")] {
/// let ack: payhub::Ack = payhub::paydesk::notify::Ack::success().erase();
/// assert_eq!((ack.status(), ack.body(), ack.is_received()), (200, "SUCCESS", true));
/// # }
/// ```
pub type Ack = payhub_runtime::Ack<payhub_runtime::AnyProvider>;
