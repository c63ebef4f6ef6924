//! [`NotifyRouter`]: verifies a raw callback with the right provider's verifier, deduplicates it,
//! hands it to your code and says exactly what to answer.
//!
//! Verification always runs on the raw bytes received, before anything parses them, and each
//! provider's acknowledgement is picked here, so a handler can neither verify the wrong bytes
//! nor answer in the wrong words.

use payhub_runtime::metrics::{self, CallbackOutcome};
use std::future::Future;
use std::sync::Arc;

use http::HeaderMap;

use crate::{Ack, DeliveryState, Error, Notification, NotifyDeduper, Provider};

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
#[derive(Clone, Default)]
pub struct NotifyRouter {
    #[cfg(feature = "gateway-recharge")]
    gateway_recharge: Option<gateway_recharge::notify::NotifyVerifier>,
    #[cfg(feature = "jiuyi-dc")]
    jiuyi_dc: Option<jiuyi_dc::notify::NotifyVerifier>,
    #[cfg(feature = "paydesk")]
    paydesk: Option<paydesk::notify::NotifyVerifier>,
    #[cfg(feature = "tokenpay")]
    tokenpay: Option<tokenpay::notify::NotifyVerifier>,
    #[cfg(feature = "vipcharge")]
    vipcharge: Option<vipcharge::notify::NotifyVerifier>,
    deduper: Option<Arc<dyn NotifyDeduper>>,
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
    /// deduper had no room for another claim, [`DeliveryState::Busy`]): the provider is told to
    /// deliver again (never "received", in case that handler fails), and the handler is not
    /// called.
    InProgress(Notification),
    /// Verified, but the handler failed: the provider is told to deliver again.
    HandlerFailed(Notification, E),
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

impl NotifyRouter {
    /// A router with no provider configured.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies WinPay callbacks with `verifier`.
    #[cfg(feature = "gateway-recharge")]
    #[must_use]
    pub fn gateway_recharge(mut self, verifier: gateway_recharge::notify::NotifyVerifier) -> Self {
        self.gateway_recharge = Some(verifier);
        self
    }

    /// Verifies 91 card callbacks with `verifier`.
    #[cfg(feature = "jiuyi-dc")]
    #[must_use]
    pub fn jiuyi_dc(mut self, verifier: jiuyi_dc::notify::NotifyVerifier) -> Self {
        self.jiuyi_dc = Some(verifier);
        self
    }

    /// Verifies Cashy callbacks with `verifier`.
    #[cfg(feature = "paydesk")]
    #[must_use]
    pub fn paydesk(mut self, verifier: paydesk::notify::NotifyVerifier) -> Self {
        self.paydesk = Some(verifier);
        self
    }

    /// Verifies TokenPay callbacks with `verifier`.
    #[cfg(feature = "tokenpay")]
    #[must_use]
    pub fn tokenpay(mut self, verifier: tokenpay::notify::NotifyVerifier) -> Self {
        self.tokenpay = Some(verifier);
        self
    }

    /// Verifies vipcharge callbacks with `verifier`.
    #[cfg(feature = "vipcharge")]
    #[must_use]
    pub fn vipcharge(mut self, verifier: vipcharge::notify::NotifyVerifier) -> Self {
        self.vipcharge = Some(verifier);
        self
    }

    /// Deduplicates deliveries with `deduper` in [`NotifyRouter::deliver`].
    #[must_use]
    pub fn deduper(mut self, deduper: Arc<dyn NotifyDeduper>) -> Self {
        self.deduper = Some(deduper);
        self
    }

    /// The providers that have a verifier.
    pub fn providers(&self) -> Vec<Provider> {
        Provider::ALL
            .into_iter()
            .filter(|p| self.is_configured(*p))
            .collect()
    }

    fn is_configured(&self, provider: Provider) -> bool {
        match provider {
            #[cfg(feature = "gateway-recharge")]
            Provider::GatewayRecharge => self.gateway_recharge.is_some(),
            #[cfg(feature = "jiuyi-dc")]
            Provider::JiuyiDc => self.jiuyi_dc.is_some(),
            #[cfg(feature = "paydesk")]
            Provider::Paydesk => self.paydesk.is_some(),
            #[cfg(feature = "tokenpay")]
            Provider::Tokenpay => self.tokenpay.is_some(),
            #[cfg(feature = "vipcharge")]
            Provider::Vipcharge => self.vipcharge.is_some(),
            #[allow(unreachable_patterns)] // Reason: reachable only when some features are off.
            _ => false,
        }
    }

    /// Verifies a callback on its raw bytes with `provider`'s verifier.
    ///
    /// # Errors
    /// The provider crate's notify error (wrapped), [`Error::NotConfigured`] or
    /// [`Error::ProviderDisabled`].
    #[cfg_attr(
        not(any(
            feature = "gateway-recharge",
            feature = "jiuyi-dc",
            feature = "paydesk",
            feature = "tokenpay",
            feature = "vipcharge"
        )),
        allow(unused_variables) // Reason: with no provider there is nothing to verify with.
    )]
    pub fn verify(
        &self,
        provider: Provider,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, Error> {
        if !provider.is_enabled() {
            return Err(Error::ProviderDisabled(provider));
        }
        let not_configured = || Error::NotConfigured(provider);
        match provider {
            #[cfg(feature = "gateway-recharge")]
            Provider::GatewayRecharge => {
                let v = self.gateway_recharge.as_ref().ok_or_else(not_configured)?;
                Ok(Notification::GatewayRecharge(v.verify(headers, body)?))
            }
            #[cfg(feature = "jiuyi-dc")]
            Provider::JiuyiDc => {
                let v = self.jiuyi_dc.as_ref().ok_or_else(not_configured)?;
                Ok(Notification::JiuyiDc(v.verify(headers, body)?))
            }
            #[cfg(feature = "paydesk")]
            Provider::Paydesk => {
                let v = self.paydesk.as_ref().ok_or_else(not_configured)?;
                Ok(Notification::Paydesk(v.verify(headers, body)?))
            }
            #[cfg(feature = "tokenpay")]
            Provider::Tokenpay => {
                let v = self.tokenpay.as_ref().ok_or_else(not_configured)?;
                Ok(Notification::Tokenpay(Box::new(v.verify(headers, body)?)))
            }
            #[cfg(feature = "vipcharge")]
            Provider::Vipcharge => {
                let v = self.vipcharge.as_ref().ok_or_else(not_configured)?;
                Ok(Notification::Vipcharge(v.verify(headers, body)?))
            }
            #[allow(unreachable_patterns)] // Reason: reachable only when some features are off.
            _ => Err(Error::ProviderDisabled(provider)),
        }
    }

    /// The reply that tells `provider` its callback was received.
    pub fn ack(&self, provider: Provider) -> Ack {
        acks(provider).0
    }

    /// The reply that makes `provider` deliver the callback again.
    pub fn retry_ack(&self, provider: Provider) -> Ack {
        acks(provider).1
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
        let notification = match self.verify(provider, headers, body) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(provider = provider.name(), error = %e, "callback rejected");
                return (self.retry_ack(provider), Delivery::Rejected(e));
            }
        };
        let key = notification.dedupe_key();
        if let Some(d) = &self.deduper {
            match d.begin(&key).await {
                DeliveryState::Done => {
                    metrics::callback(provider.name(), CallbackOutcome::Duplicate);
                    tracing::info!(
                        provider = provider.name(),
                        key,
                        "duplicate callback acknowledged"
                    );
                    return (self.ack(provider), Delivery::Duplicate(notification));
                }
                DeliveryState::InProgress => {
                    tracing::info!(
                        provider = provider.name(),
                        key,
                        "callback already being handled; asking for redelivery"
                    );
                    return (self.retry_ack(provider), Delivery::InProgress(notification));
                }
                DeliveryState::Busy => {
                    tracing::warn!(
                        provider = provider.name(),
                        key,
                        "deduper full of callbacks being handled; asking for redelivery"
                    );
                    return (self.retry_ack(provider), Delivery::InProgress(notification));
                }
                DeliveryState::New => {}
            }
        }
        match handler(notification.clone()).await {
            Ok(()) => {
                if let Some(d) = &self.deduper {
                    d.complete(&key).await;
                }
                (self.ack(provider), Delivery::Handled(notification))
            }
            Err(e) => {
                if let Some(d) = &self.deduper {
                    d.abandon(&key).await;
                }
                tracing::warn!(
                    provider = provider.name(),
                    key,
                    "callback handler failed; asking for redelivery"
                );
                (
                    self.retry_ack(provider),
                    Delivery::HandlerFailed(notification, e),
                )
            }
        }
    }
}

impl std::fmt::Debug for NotifyRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyRouter")
            .field("providers", &self.providers())
            .field("deduper", &self.deduper.is_some())
            .finish()
    }
}

fn acks(provider: Provider) -> (Ack, Ack) {
    #[allow(unused_macros)] // Reason: unused when no provider feature is on.
    macro_rules! pair {
        ($krate:ident) => {{
            (
                $krate::notify::Ack::success().erase(),
                $krate::notify::Ack::retry().erase(),
            )
        }};
    }
    match provider {
        #[cfg(feature = "gateway-recharge")]
        Provider::GatewayRecharge => pair!(gateway_recharge),
        #[cfg(feature = "jiuyi-dc")]
        Provider::JiuyiDc => pair!(jiuyi_dc),
        #[cfg(feature = "paydesk")]
        Provider::Paydesk => pair!(paydesk),
        #[cfg(feature = "tokenpay")]
        Provider::Tokenpay => pair!(tokenpay),
        #[cfg(feature = "vipcharge")]
        Provider::Vipcharge => pair!(vipcharge),
        #[allow(unreachable_patterns)] // Reason: reachable only when some features are off.
        _ => {
            let off = Ack::other(404, "provider not enabled", false);
            (off, off)
        }
    }
}
