//! [`Notification`]: a verified callback from any provider, with the provider's own typed
//! notification inside and the common facts (order number, amount, status) on top.

// Reason: with no provider feature the enum has no variants, so every match is empty.
#![cfg_attr(
    not(any(
        feature = "gateway-recharge",
        feature = "jiuyi-dc",
        feature = "paydesk",
        feature = "tokenpay",
        feature = "vipcharge"
    )),
    allow(unused_imports, unreachable_code, unused_variables)
)]

use crate::{Expected, Mismatch, NotificationFacts, PaymentStatus, Provider, providers};

/// A verified callback. The provider's own typed notification is kept whole in each variant, so
/// nothing provider-specific is hidden; [`Notification::status`] and [`Notification::facts`]
/// give the common view.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Notification {
    /// WinPay.
    #[cfg(feature = "gateway-recharge")]
    GatewayRecharge(gateway_recharge::notify::Notification),
    /// 91 card.
    #[cfg(feature = "jiuyi-dc")]
    JiuyiDc(jiuyi_dc::notify::Notification),
    /// Cashy.
    #[cfg(feature = "paydesk")]
    Paydesk(paydesk::notify::Notification),
    /// TokenPay.
    #[cfg(feature = "tokenpay")]
    Tokenpay(Box<tokenpay::notify::Notification>),
    /// The redemption open API.
    #[cfg(feature = "vipcharge")]
    Vipcharge(vipcharge::notify::Notification),
}

impl Notification {
    /// Which provider sent it.
    pub fn provider(&self) -> Provider {
        match *self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(_) => Provider::GatewayRecharge,
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(_) => Provider::JiuyiDc,
            #[cfg(feature = "paydesk")]
            Self::Paydesk(_) => Provider::Paydesk,
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(_) => Provider::Tokenpay,
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(_) => Provider::Vipcharge,
        }
    }

    /// The provider's status in the common model. A gateway-recharge payout callback (a
    /// verifier configured for payouts) or a paydesk `PAYOUT...` notify is money sent, never
    /// [`PaymentStatus::Paid`]: it is `Unknown("payout:<status>")`.
    pub fn status(&self) -> PaymentStatus {
        match *self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(ref n) => providers::gateway_recharge::status(n),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(ref n) => providers::jiuyi_dc::status(n),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(ref n) => providers::paydesk::status(n),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(ref n) => providers::tokenpay::status(n),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(ref n) => providers::vipcharge::status(n),
        }
    }

    /// The merchant order number, amount and currency, as far as the provider sends them.
    pub fn facts(&self) -> NotificationFacts {
        match *self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(ref n) => providers::gateway_recharge::facts(n),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(ref n) => providers::jiuyi_dc::facts(n),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(ref n) => providers::paydesk::facts(n),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(ref n) => providers::tokenpay::facts(n),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(ref n) => providers::vipcharge::facts(n),
        }
    }

    /// A key equal for repeated deliveries of the same event, prefixed with the provider name
    /// (for a [`crate::NotifyDeduper`]).
    pub fn dedupe_key(&self) -> String {
        let key = match *self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(ref n) => n.dedupe_key(),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(ref n) => n.dedupe_key(),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(ref n) => n.dedupe_key(),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(ref n) => n.dedupe_key(),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(ref n) => n.dedupe_key(),
        };
        format!("{}:{key}", self.provider())
    }

    /// Checks the notification against the merchant's own record of the order.
    ///
    /// # Errors
    /// [`Mismatch`] naming every differing field: do not fulfil the order.
    pub fn check(&self, expected: &Expected) -> Result<(), Mismatch> {
        expected.check(&self.facts())
    }
}
