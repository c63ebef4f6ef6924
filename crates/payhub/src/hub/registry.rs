//! [`Hub`]: the registry of adapters (one per provider) and merchant accounts (any number per
//! provider, each with a name), and the calls through it.

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

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::HeaderMap;
use payhub_runtime::metrics::{self, CallbackOutcome};

use crate::hub::adapter::default_adapters;
use crate::{
    Account, AccountSettings, Ack, Adapter, CheckoutRequest, Delivery, DeliveryState, Error, Inbox,
    InboxEvent, NotifyDeduper, PaymentLink, PaymentStatus, Provider, RechargeReceipt,
    RechargeRequest, Recorded, Verified,
};

/// The name of an account given without one (a `[paydesk]` table in `payhub.toml`, a verifier
/// given to [`NotifyRouter`](crate::NotifyRouter)).
pub const DEFAULT_ACCOUNT: &str = "default";

/// The registry: provider adapters and merchant accounts, and every call through them.
///
/// ```
/// # #[cfg(feature = "paydesk")] {
/// use payhub::{Hub, PaydeskAccount, Provider};
///
/// let tz = paydesk::Client::builder(1002001, "tzKey").base_url("https://tz.example").build()?;
/// let ke = paydesk::Client::builder(1002002, "keKey").base_url("https://ke.example").build()?;
/// let hub = Hub::builder()
///     .account(PaydeskAccount::new("tz", tz))
///     .account(PaydeskAccount::new("ke", ke))
///     .build()?;
/// assert_eq!(hub.account_names(Provider::Paydesk), ["ke", "tz"]);
/// assert_eq!(hub.account(Provider::Paydesk, Some("tz"))?.merchant_id(), "1002001");
/// // With two accounts, a call must say which one.
/// assert!(hub.account(Provider::Paydesk, None).is_err());
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Hub {
    adapters: BTreeMap<Provider, Arc<dyn Adapter>>,
    accounts: BTreeMap<Provider, BTreeMap<String, Arc<dyn Account>>>,
    deduper: Option<Arc<dyn NotifyDeduper>>,
    inbox: Option<Arc<dyn Inbox>>,
}

/// Builds a [`Hub`] ([`Hub::builder`]).
#[must_use]
pub struct HubBuilder {
    hub: Hub,
    errors: Vec<Error>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            adapters: default_adapters()
                .into_iter()
                .map(|a| (a.provider(), a))
                .collect(),
            accounts: BTreeMap::new(),
            deduper: None,
            inbox: None,
        }
    }
}

impl Hub {
    /// A builder with the adapter of every provider enabled in this build and no account.
    pub fn builder() -> HubBuilder {
        HubBuilder {
            hub: Self::default(),
            errors: Vec::new(),
        }
    }

    /// The providers that have at least one account.
    pub fn providers(&self) -> Vec<Provider> {
        self.accounts
            .iter()
            .filter(|(_, a)| !a.is_empty())
            .map(|(p, _)| *p)
            .collect()
    }

    /// The names of `provider`'s accounts, sorted.
    pub fn account_names(&self, provider: Provider) -> Vec<&str> {
        self.accounts
            .get(&provider)
            .map(|a| a.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The adapter of `provider`.
    ///
    /// # Errors
    /// [`Error::ProviderDisabled`] when this build has no adapter for it.
    pub fn adapter(&self, provider: Provider) -> Result<&Arc<dyn Adapter>, Error> {
        self.adapters
            .get(&provider)
            .ok_or(Error::ProviderDisabled(provider))
    }

    /// `provider`'s account `name`; with `None`, its only account.
    ///
    /// # Errors
    /// [`Error::UnknownAccount`], [`Error::AccountNotNamed`] (several accounts and no name),
    /// [`Error::NotConfigured`] (no account at all).
    pub fn account(&self, provider: Provider, name: Option<&str>) -> Result<&dyn Account, Error> {
        self.account_arc(provider, name).map(|a| &**a)
    }

    fn account_arc(
        &self,
        provider: Provider,
        name: Option<&str>,
    ) -> Result<&Arc<dyn Account>, Error> {
        if !provider.is_enabled() {
            return Err(Error::ProviderDisabled(provider));
        }
        let accounts = self
            .accounts
            .get(&provider)
            .filter(|a| !a.is_empty())
            .ok_or(Error::NotConfigured(provider))?;
        match name {
            Some(name) => accounts.get(name).ok_or_else(|| Error::UnknownAccount {
                provider,
                account: name.to_owned(),
                configured: accounts.keys().cloned().collect(),
            }),
            None if accounts.len() == 1 => Ok(accounts
                .values()
                .next()
                .ok_or(Error::NotConfigured(provider))?),
            None => Err(Error::AccountNotNamed {
                provider,
                configured: accounts.keys().cloned().collect(),
            }),
        }
    }

    /// Creates a checkout on `provider`'s account `account` (its only one with `None`).
    ///
    /// # Errors
    /// As [`Hub::account`] and [`Account::checkout`].
    pub async fn checkout(
        &self,
        provider: Provider,
        account: Option<&str>,
        request: &CheckoutRequest,
    ) -> Result<PaymentLink, Error> {
        self.account(provider, account)?.checkout(request).await
    }

    /// Places a recharge on `provider`'s account `account`.
    ///
    /// # Errors
    /// As [`Hub::account`] and [`Account::recharge`].
    pub async fn recharge(
        &self,
        provider: Provider,
        account: Option<&str>,
        request: &RechargeRequest,
    ) -> Result<RechargeReceipt, Error> {
        self.account(provider, account)?.recharge(request).await
    }

    /// Where an order stands (the provider's reconcile query).
    ///
    /// # Errors
    /// As [`Hub::account`] and [`Account::status`].
    pub async fn status(
        &self,
        provider: Provider,
        account: Option<&str>,
        merchant_order_no: &str,
    ) -> Result<PaymentStatus, Error> {
        self.account(provider, account)?
            .status(merchant_order_no)
            .await
    }

    /// Picks the account a callback is for: the one named (from the callback URL's path), else
    /// the provider's only account, else the one whose merchant id the callback names.
    ///
    /// # Errors
    /// [`Error::UnknownAccount`] / [`Error::UnknownMerchant`] for an account that is not
    /// configured, [`Error::AccountNotNamed`] when neither the path nor the callback says.
    pub fn callback_account(
        &self,
        provider: Provider,
        account: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<&dyn Account, Error> {
        match self.account_arc(provider, account) {
            Err(Error::AccountNotNamed { configured, .. }) => {
                let adapter = self.adapter(provider)?;
                let Some(merchant) = adapter.callback_merchant(headers, body) else {
                    return Err(Error::AccountNotNamed {
                        provider,
                        configured,
                    });
                };
                self.accounts
                    .get(&provider)
                    .and_then(|a| a.values().find(|a| a.merchant_id() == merchant))
                    .map(|a| &**a)
                    .ok_or(Error::UnknownMerchant {
                        provider,
                        merchant_id: merchant.chars().take(64).collect(),
                    })
            }
            other => other.map(|a| &**a),
        }
    }

    /// Verifies a callback on its raw bytes with the keys of the account it is for
    /// ([`Hub::callback_account`]), the current key first, then a previous one.
    ///
    /// # Errors
    /// As [`Hub::callback_account`], or the provider crate's notify error.
    pub fn verify(
        &self,
        provider: Provider,
        account: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, Error> {
        // The provider crates count verified and refused callbacks; a callback refused before
        // any verifier ran (no such account) is counted here.
        let account = self
            .callback_account(provider, account, headers, body)
            .inspect_err(|_| metrics::callback(provider.name(), CallbackOutcome::Refused))?;
        account.verify(headers, body)
    }

    /// The reply that tells `provider` its callback was received.
    pub fn ack(&self, provider: Provider) -> Ack {
        crate::ack::acks(provider).0
    }

    /// The reply that makes `provider` deliver the callback again.
    pub fn retry_ack(&self, provider: Provider) -> Ack {
        crate::ack::acks(provider).1
    }

    /// The deduper, if one is set.
    pub fn deduper(&self) -> Option<&Arc<dyn NotifyDeduper>> {
        self.deduper.as_ref()
    }

    /// Verifies, deduplicates, runs `handler` and picks the reply: the one call a callback
    /// endpoint needs (see [`NotifyRouter::deliver`](crate::NotifyRouter::deliver)). The
    /// handler receives the account the callback is for with the notification.
    pub async fn deliver<F, Fut, E>(
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
        let verified = match self.verify(provider, account, headers, body) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(provider = provider.name(), error = %e, "callback rejected");
                return (self.retry_ack(provider), Delivery::Rejected(e));
            }
        };
        let notification = verified.notification.clone();
        if let Some(inbox) = &self.inbox {
            return self
                .deliver_recorded(inbox.as_ref(), provider, headers, body, verified, handler)
                .await;
        }
        let key = dedupe_key(&verified);
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
        let handled = match &self.deduper {
            Some(d) => renewing(d.as_ref(), &key, handler(verified)).await,
            None => handler(verified).await,
        };
        match handled {
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

    /// With an inbox: record, and acknowledge only once the record is committed.
    async fn deliver_recorded<F, Fut, E>(
        &self,
        inbox: &dyn Inbox,
        provider: Provider,
        headers: &HeaderMap,
        body: &[u8],
        verified: Verified,
        handler: F,
    ) -> (Ack, Delivery<E>)
    where
        F: FnOnce(Verified) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let notification = verified.notification.clone();
        let key = crate::event_key(&notification);
        let event = InboxEvent {
            provider,
            account: &verified.account,
            event_key: &key,
            notification: &notification,
            headers,
            body,
            received_at: time::OffsetDateTime::now_utc(),
        };
        // A shared deduper (Redis) in front of the inbox answers redeliveries without a write;
        // the inbox stays the authority (a deduper that cannot answer falls through to it).
        let dk = dedupe_key(&verified);
        let claimed = match &self.deduper {
            Some(d) => match d.begin(&dk).await {
                DeliveryState::Done => {
                    metrics::callback(provider.name(), CallbackOutcome::Duplicate);
                    return (self.ack(provider), Delivery::Duplicate(notification));
                }
                DeliveryState::InProgress => {
                    return (self.retry_ack(provider), Delivery::InProgress(notification));
                }
                DeliveryState::New => true,
                _ => false,
            },
            None => false,
        };
        let recorded = inbox.record(event).await;
        if let (true, Some(d)) = (claimed, &self.deduper) {
            match recorded {
                Ok(_) => d.complete(&dk).await,
                Err(_) => d.abandon(&dk).await,
            }
        }
        match recorded {
            Err(e) => {
                tracing::warn!(provider = provider.name(), key, error = %e, "callback not recorded; asking for redelivery");
                (
                    self.retry_ack(provider),
                    Delivery::NotRecorded(notification, e),
                )
            }
            Ok(Recorded::Duplicate) => {
                metrics::callback(provider.name(), CallbackOutcome::Duplicate);
                (self.ack(provider), Delivery::Duplicate(notification))
            }
            Ok(_) => match handler(verified).await {
                Ok(()) => (self.ack(provider), Delivery::Handled(notification)),
                Err(e) => {
                    // The event is durable in the inbox: acknowledged; re-drive it from there.
                    tracing::warn!(
                        provider = provider.name(),
                        key,
                        "callback handler failed after the event was recorded; acknowledged (the inbox holds it)"
                    );
                    (self.ack(provider), Delivery::HandlerFailed(notification, e))
                }
            },
        }
    }
}

/// The deduplication key of a verified callback: the notification's own key, with the account
/// name when it is not the default one (two accounts may reuse an order number).
pub fn dedupe_key(verified: &Verified) -> String {
    let key = verified.notification.dedupe_key();
    if verified.account == DEFAULT_ACCOUNT {
        key
    } else {
        let provider = verified.notification.provider();
        let own = key
            .strip_prefix(provider.name())
            .and_then(|k| k.strip_prefix(':'))
            .unwrap_or(&key);
        format!("{provider}/{}:{own}", verified.account)
    }
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts: BTreeMap<&str, Vec<&str>> = self
            .accounts
            .iter()
            .map(|(p, a)| (p.name(), a.keys().map(String::as_str).collect()))
            .collect();
        f.debug_struct("Hub")
            .field("accounts", &accounts)
            .field("deduper", &self.deduper.is_some())
            .field("inbox", &self.inbox.is_some())
            .finish()
    }
}

impl Hub {
    /// Adds an account; with `replace`, one of the same name is replaced.
    pub(crate) fn put(&mut self, account: Arc<dyn Account>, replace: bool) -> Result<(), Error> {
        let provider = account.provider();
        let name = account.name().to_owned();
        let slot = self.accounts.entry(provider).or_default();
        if slot.contains_key(&name) && !replace {
            return Err(Error::Config {
                provider,
                account: name,
                key: "name".into(),
                problem: "is used by two accounts of this provider".into(),
            });
        }
        slot.insert(name, account);
        Ok(())
    }

    pub(crate) fn set_deduper(&mut self, deduper: Arc<dyn NotifyDeduper>) {
        self.deduper = Some(deduper);
    }

    pub(crate) fn set_inbox(&mut self, inbox: Arc<dyn Inbox>) {
        self.inbox = Some(inbox);
    }

    /// The inbox, if one is set.
    pub fn inbox(&self) -> Option<&Arc<dyn Inbox>> {
        self.inbox.as_ref()
    }
}

impl HubBuilder {
    /// Registers (or replaces) a provider's adapter.
    pub fn adapter(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.hub.adapters.insert(adapter.provider(), adapter);
        self
    }

    /// Adds an account. Two accounts of one provider with the same name are an error at
    /// [`HubBuilder::build`].
    pub fn account(self, account: impl Account + 'static) -> Self {
        self.account_arc(Arc::new(account))
    }

    /// Adds an account already in an `Arc`.
    pub fn account_arc(mut self, account: Arc<dyn Account>) -> Self {
        self.insert(account, false);
        self
    }

    fn insert(&mut self, account: Arc<dyn Account>, replace: bool) {
        if let Err(e) = self.hub.put(account, replace) {
            self.errors.push(e);
        }
    }

    /// Builds the account `name` of `provider` from `settings` with the provider's adapter.
    pub fn account_from_settings(
        mut self,
        provider: Provider,
        name: &str,
        settings: &AccountSettings,
    ) -> Self {
        match self
            .hub
            .adapter(provider)
            .and_then(|a| a.account(name, settings))
        {
            Ok(account) => self.insert(account, false),
            Err(e) => self.errors.push(e),
        }
        self
    }

    /// Deduplicates callbacks in [`Hub::deliver`] with `deduper`.
    pub fn deduper(mut self, deduper: Arc<dyn NotifyDeduper>) -> Self {
        self.hub.deduper = Some(deduper);
        self
    }

    /// Records every verified callback in `inbox` before acknowledging it (see [`Inbox`]). A
    /// deduper set too (Redis, shared by a fleet) answers redeliveries of recorded events
    /// without a write; the inbox stays the authority.
    pub fn inbox(mut self, inbox: Arc<dyn Inbox>) -> Self {
        self.hub.inbox = Some(inbox);
        self
    }

    /// The hub.
    ///
    /// # Errors
    /// The first configuration error met (a duplicate account name, an account's settings).
    pub fn build(mut self) -> Result<Hub, Error> {
        match self.errors.is_empty() {
            true => Ok(self.hub),
            false => Err(self.errors.remove(0)),
        }
    }

    #[allow(dead_code)] // Reason: used by the `config` feature.
    pub(crate) fn fail(mut self, e: Error) -> Self {
        self.errors.push(e);
        self
    }
}

impl fmt::Debug for HubBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubBuilder")
            .field("hub", &self.hub)
            .field("errors", &self.errors.len())
            .finish()
    }
}

/// Runs `work` (a handler holding `key`'s claim), renewing the claim every
/// [`NotifyDeduper::renew_every`] until it ends: a live handler slower than the lease keeps its
/// claim, so a redelivery meanwhile is answered with the retry reply instead of running the
/// handler twice. The handler keeps running while a renewal is under way.
async fn renewing<T>(deduper: &dyn NotifyDeduper, key: &str, work: impl Future<Output = T>) -> T {
    let Some(every) = deduper.renew_every().filter(|e| !e.is_zero()) else {
        return work.await;
    };
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            out = &mut work => return out,
            _ = tick.tick() => {
                tokio::select! {
                    biased;
                    out = &mut work => return out,
                    () = deduper.renew(key) => {}
                }
            }
        }
    }
}
