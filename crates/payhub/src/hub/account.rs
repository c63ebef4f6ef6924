//! [`Account`]: one merchant account at one provider, behind an object-safe trait so a
//! [`Hub`](crate::Hub) can hold any number of them, of any provider, in one map.
//!
//! [`ProviderAccount`] is the implementation for the five providers: a provider crate's client
//! (to sign and send with the **current** key) and its notify verifiers (the current key, and
//! during a key rotation the **previous** one). A callback that verifies only with the previous
//! key is accepted and logged as a `tracing` warning naming the provider and the account (never
//! the key), so an operator can tell when the provider has switched over; removing the previous
//! key ends the window.

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

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::HeaderMap;

use crate::{
    CheckoutRequest, Error, Notification, PaymentLink, PaymentStatus, Provider, RechargeReceipt,
    RechargeRequest,
};

/// A boxed future, so [`Account`] stays object safe (`Arc<dyn Account>`).
pub type AccountFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Which key verified a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyUsed {
    /// The account's current key.
    Current,
    /// The previous key of a rotation still in progress (a warning was logged).
    Previous,
}

/// A verified callback and the account it is for.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Verified {
    /// The account's name in the hub.
    pub account: String,
    /// The typed notification.
    pub notification: Notification,
    /// Which key verified it.
    pub key: KeyUsed,
}

/// One merchant account at one provider: the calls of the unified model.
///
/// Implemented by [`ProviderAccount`] for each provider; implement it yourself to put anything
/// else (a test double, a provider payhub does not ship) in a [`Hub`](crate::Hub).
pub trait Account: Send + Sync + fmt::Debug {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The account's name in the hub (unique per provider).
    fn name(&self) -> &str;

    /// The provider's id of this merchant (paydesk `MerchantId`, tokenpay `app_id`, vipcharge
    /// `businessId`, gateway-recharge `merchant_no`, jiuyi-dc `appid`): callbacks that name
    /// their merchant are routed by it.
    fn merchant_id(&self) -> &str;

    /// Creates a checkout from the unified order shape.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on a recharge provider, [`Error::MissingRequestField`] before
    /// sending, else the provider crate's error (an unknown outcome stays distinguishable).
    fn checkout<'a>(&'a self, request: &'a CheckoutRequest) -> AccountFuture<'a, PaymentLink>;

    /// Places a direct recharge from the unified order shape.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on a collection provider, else as [`Account::checkout`].
    fn recharge<'a>(&'a self, request: &'a RechargeRequest) -> AccountFuture<'a, RechargeReceipt>;

    /// Where an order stands, by your order number (the provider's reconcile query).
    ///
    /// # Errors
    /// The provider crate's error.
    fn status<'a>(&'a self, merchant_order_no: &'a str) -> AccountFuture<'a, PaymentStatus>;

    /// Verifies a callback on its raw bytes with the current key, else the previous one.
    ///
    /// # Errors
    /// The current key's error when neither key verifies.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Error>;
}

/// A provider crate's client and notify verifiers, as one named [`Account`].
///
/// Built per provider: `PaydeskAccount::new`, ... from a client (the
/// verifier comes from the same credentials), or `notify_only` from a verifier alone for a
/// service that only receives callbacks.
#[derive(Clone)]
pub struct ProviderAccount<C, V> {
    pub(crate) name: String,
    pub(crate) merchant_id: String,
    pub(crate) client: Option<C>,
    pub(crate) current: V,
    pub(crate) previous: Option<V>,
}

impl<C, V> ProviderAccount<C, V> {
    pub(crate) fn with_parts(
        name: impl Into<String>,
        merchant_id: impl Into<String>,
        client: Option<C>,
        current: V,
    ) -> Self {
        Self {
            name: name.into(),
            merchant_id: merchant_id.into(),
            client,
            current,
            previous: None,
        }
    }

    /// Also accepts callbacks (and, where the provider signs replies, replies) that verify with
    /// `previous`, the verifier of the key being rotated out. Remove it once no callback has
    /// needed it for the provider's whole retry schedule.
    #[must_use]
    pub fn previous_verifier(mut self, previous: V) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Whether a previous key is still accepted.
    pub fn is_rotating(&self) -> bool {
        self.previous.is_some()
    }

    /// The client, when the account was built with one.
    pub fn client(&self) -> Option<&C> {
        self.client.as_ref()
    }

    pub(crate) fn client_for(&self, provider: Provider) -> Result<&C, Error> {
        self.client.as_ref().ok_or_else(|| Error::NoClient {
            provider,
            account: self.name.clone(),
        })
    }

    /// Runs `verify` with the current verifier, then with the previous one; logs a warning when
    /// only the previous key worked.
    pub(crate) fn verify_rotating<N, E>(
        &self,
        provider: Provider,
        verify: impl Fn(&V) -> Result<N, E>,
    ) -> Result<(N, KeyUsed), E> {
        match verify(&self.current) {
            Ok(n) => Ok((n, KeyUsed::Current)),
            Err(current_error) => {
                let Some(previous) = &self.previous else {
                    return Err(current_error);
                };
                match verify(previous) {
                    Ok(n) => {
                        tracing::warn!(
                            provider = provider.name(),
                            account = %self.name,
                            "callback verified with the previous key: the provider has not \
                             switched to the current key yet; keep the previous key until \
                             this stops"
                        );
                        Ok((n, KeyUsed::Previous))
                    }
                    Err(_) => Err(current_error),
                }
            }
        }
    }
}

impl<C, V> fmt::Debug for ProviderAccount<C, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The clients' and verifiers' own Debug masks their secrets; the account shows only
        // what identifies it.
        f.debug_struct("ProviderAccount")
            .field("name", &self.name)
            .field("merchant_id", &self.merchant_id)
            .field("has_client", &self.client.is_some())
            .field("rotating", &self.previous.is_some())
            .finish()
    }
}

/// The boxed "not this kind of provider" future.
pub(crate) fn unsupported<'a, T: Send + 'a>(
    provider: Provider,
    call: &'static str,
) -> AccountFuture<'a, T> {
    Box::pin(async move { Err(Error::Unsupported { provider, call }) })
}
