//! [`NotifyRouter`]: verifies a raw callback with the right provider's verifier, deduplicates it,
//! hands it to your code and says exactly what to answer.
//!
//! Verification always runs on the raw bytes received, before anything parses them, and each
//! provider's acknowledgement is picked here, so a handler can neither verify the wrong bytes
//! nor answer in the wrong words.

// Reason: with no provider feature there is no account to route to, so much is unused.
#![cfg_attr(
    not(any(
        feature = "gateway-recharge",
        feature = "jiuyi-dc",
        feature = "paydesk",
        feature = "tokenpay",
        feature = "vipcharge"
    )),
    allow(unused_imports, unused_variables, unreachable_code, dead_code)
)]

use std::future::Future;
use std::sync::Arc;

use http::HeaderMap;

use crate::{
    Ack, DEFAULT_ACCOUNT, Error, Hub, Notification, NotifyDeduper, Provider, ProviderAccount,
    Verified,
};

/// Routes callbacks to the configured provider verifiers.
///
/// ```
/// # #[cfg(feature = "paydesk")] {
/// use payhub::{NotifyRouter, Provider};
/// let router = NotifyRouter::new()
///     .paydesk(payhub::paydesk::notify::NotifyVerifier::new(1002001, "testApiKey"));
/// assert_eq!(router.providers(), [Provider::Paydesk]);
/// let ack = router.ack(Provider::Paydesk);
/// assert_eq!((ack.status(), ack.body()), (200, "SUCCESS"));
/// # }
/// ```
///
/// `NotifyRouter` holds one account per provider, named [`DEFAULT_ACCOUNT`]; for several
/// accounts per provider and key rotation, build a [`Hub`] and turn it into a router
/// (`NotifyRouter::from(hub)`), then callbacks are routed by the merchant they name or by
/// [`NotifyRouter::deliver_to`]'s account (the axum routes' `/{provider}/{account}`).
#[derive(Clone, Default)]
pub struct NotifyRouter {
    hub: Hub,
}

/// What happened to one delivery, with the reply to send.
#[derive(Debug)]
#[non_exhaustive]
pub enum Delivery<E> {
    /// Verified and handled: the provider is told it was received.
    Handled(Notification),
    /// Verified, but already handled before (a redelivery): answered as received, handler
    /// not called.
    Duplicate(Notification),
    /// Verified, but another delivery of the same event is being handled right now (or the
    /// deduper had no room for another claim,
    /// [`DeliveryState::Busy`](crate::DeliveryState::Busy)): the provider is told to deliver
    /// again (never "received", in case that handler fails), and the handler is not called.
    InProgress(Notification),
    /// Verified, but the handler failed: the provider is told to deliver again (with an
    /// [`Inbox`](crate::Inbox), the event is already recorded and is acknowledged; re-drive it
    /// from the inbox).
    HandlerFailed(Notification, E),
    /// Verified, but the [`Inbox`](crate::Inbox) could not record it: the provider is told to
    /// deliver again, and the handler is not called.
    NotRecorded(Notification, crate::InboxError),
    /// Refused: it did not verify (or the provider is not configured). The provider's retry
    /// reply is sent, so a genuine callback refused by a misconfiguration is delivered again
    /// once the configuration is fixed.
    Rejected(Error),
}

impl<E> Delivery<E> {
    /// Whether the handler ran successfully or the delivery was a duplicate.
    pub fn is_received(&self) -> bool {
        matches!(self, Self::Handled(_) | Self::Duplicate(_))
    }
}

/// Adds a verifier-only account named [`DEFAULT_ACCOUNT`], replacing an earlier one.
macro_rules! verifier_setter {
    ($(#[$doc:meta])* $feature:literal, $fn:ident, $krate:ident) => {
        $(#[$doc])*
        #[cfg(feature = $feature)]
        #[must_use]
        pub fn $fn(mut self, verifier: $krate::notify::NotifyVerifier) -> Self {
            let account = ProviderAccount::<$krate::Client, _>::with_parts(
                DEFAULT_ACCOUNT,
                "",
                None,
                verifier,
            );
            // Replacing never fails.
            let _ = self.hub.put(Arc::new(account), true);
            self
        }
    };
}

impl NotifyRouter {
    /// A router with no provider configured.
    pub fn new() -> Self {
        Self::default()
    }

    verifier_setter!(
        /// Verifies WinPay callbacks with `verifier`.
        "gateway-recharge", gateway_recharge, gateway_recharge
    );
    verifier_setter!(
        /// Verifies 91 card callbacks with `verifier`.
        "jiuyi-dc", jiuyi_dc, jiuyi_dc
    );
    verifier_setter!(
        /// Verifies Cashy callbacks with `verifier`.
        "paydesk", paydesk, paydesk
    );
    verifier_setter!(
        /// Verifies TokenPay callbacks with `verifier`.
        "tokenpay", tokenpay, tokenpay
    );
    verifier_setter!(
        /// Verifies vipcharge callbacks with `verifier`.
        "vipcharge", vipcharge, vipcharge
    );

    /// Deduplicates deliveries with `deduper` in [`NotifyRouter::deliver`].
    #[must_use]
    pub fn deduper(mut self, deduper: Arc<dyn NotifyDeduper>) -> Self {
        self.hub.set_deduper(deduper);
        self
    }

    /// Records every verified callback in `inbox` before acknowledging it (see
    /// [`Inbox`](crate::Inbox)).
    #[must_use]
    pub fn inbox(mut self, inbox: Arc<dyn crate::Inbox>) -> Self {
        self.hub.set_inbox(inbox);
        self
    }

    /// The hub behind the router.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The providers that have a verifier.
    pub fn providers(&self) -> Vec<Provider> {
        self.hub.providers()
    }

    /// Verifies a callback on its raw bytes with `provider`'s verifier (with several accounts,
    /// the one whose merchant the callback names).
    ///
    /// # Errors
    /// The provider crate's notify error (wrapped), [`Error::NotConfigured`],
    /// [`Error::ProviderDisabled`], or a routing error ([`Error::AccountNotNamed`], ...).
    pub fn verify(
        &self,
        provider: Provider,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, Error> {
        self.hub
            .verify(provider, None, headers, body)
            .map(|v| v.notification)
    }

    /// The reply that tells `provider` its callback was received.
    pub fn ack(&self, provider: Provider) -> Ack {
        self.hub.ack(provider)
    }

    /// The reply that makes `provider` deliver the callback again.
    pub fn retry_ack(&self, provider: Provider) -> Ack {
        self.hub.retry_ack(provider)
    }

    /// Verifies, deduplicates, runs `handler` and picks the reply; the one call a web endpoint
    /// needs. With a deduper, the handler runs once per event: a redelivery of a handled event is
    /// acknowledged without calling it, a redelivery while it runs is asked to come again, and a
    /// failed handler releases the event so the provider's next delivery is handled.
    pub async fn deliver<F, Fut, E>(
        &self,
        provider: Provider,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> (Ack, Delivery<E>)
    where
        F: FnOnce(Notification) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        self.hub
            .deliver(provider, None, headers, body, |v| handler(v.notification))
            .await
    }

    /// [`NotifyRouter::deliver`] for the account `account` (from the callback URL's path; `None`
    /// routes by the merchant the callback names). The handler also learns the account.
    pub async fn deliver_to<F, Fut, E>(
        &self,
        provider: Provider,
        account: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> (Ack, Delivery<E>)
    where
        F: FnOnce(Verified) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        self.hub
            .deliver(provider, account, headers, body, handler)
            .await
    }
}

impl From<Hub> for NotifyRouter {
    fn from(hub: Hub) -> Self {
        Self { hub }
    }
}

impl std::fmt::Debug for NotifyRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyRouter")
            .field("hub", &self.hub)
            .finish()
    }
}
