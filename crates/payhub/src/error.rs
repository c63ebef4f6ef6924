//! [`Error`]: the facade's error, wrapping each provider crate's own error unchanged so nothing
//! is lost, plus the few failures that only the facade can have.

use crate::{Mismatch, Provider};

/// Anything that can go wrong through the facade.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from the `gateway-recharge` crate.
    #[cfg(feature = "gateway-recharge")]
    #[error("gateway-recharge: {0}")]
    GatewayRecharge(#[from] gateway_recharge::Error),
    /// An error from the `jiuyi-dc` crate.
    #[cfg(feature = "jiuyi-dc")]
    #[error("jiuyi-dc: {0}")]
    JiuyiDc(#[from] jiuyi_dc::Error),
    /// An error from the `paydesk` crate.
    #[cfg(feature = "paydesk")]
    #[error("paydesk: {0}")]
    Paydesk(#[from] paydesk::Error),
    /// An error from the `tokenpay` crate.
    #[cfg(feature = "tokenpay")]
    #[error("tokenpay: {0}")]
    Tokenpay(#[from] tokenpay::Error),
    /// An error from the `vipcharge` crate.
    #[cfg(feature = "vipcharge")]
    #[error("vipcharge: {0}")]
    Vipcharge(#[from] vipcharge::Error),
    /// The provider's feature is off in this build.
    #[error("provider `{0}` is not enabled in this build (turn on the payhub feature `{0}`)")]
    ProviderDisabled(Provider),
    /// The router has no verifier for this provider.
    #[error("no notify verifier is configured for provider `{0}`")]
    NotConfigured(Provider),
    /// A provider reply lacks a field the unified model needs.
    #[error("{provider}: the reply has no `{field}`")]
    MissingField {
        /// The provider.
        provider: Provider,
        /// The missing field, as the provider names it.
        field: &'static str,
    },
    /// A verified notification is not about what the merchant expected.
    #[error(transparent)]
    Mismatch(#[from] Mismatch),
}

impl Error {
    /// Whether a create may or may not have reached the provider: query the order (each
    /// provider crate's `reconcile`) before trying again, never resend blindly.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(e) => matches!(e, gateway_recharge::Error::OutcomeUnknown(_)),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(e) => matches!(e, jiuyi_dc::Error::OutcomeUnknown(_)),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(e) => matches!(e, paydesk::Error::OutcomeUnknown(_)),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(e) => matches!(e, tokenpay::Error::OutcomeUnknown(_)),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(e) => matches!(e, vipcharge::Error::OutcomeUnknown(_)),
            _ => false,
        }
    }

    /// Whether a callback was refused because it did not verify (signature, merchant, shape).
    pub fn is_notify_rejection(&self) -> bool {
        match self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(e) => matches!(e, gateway_recharge::Error::Notify(_)),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(e) => matches!(e, jiuyi_dc::Error::Notify(_)),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(e) => matches!(e, paydesk::Error::Notify(_)),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(e) => matches!(e, tokenpay::Error::Notify(_)),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(e) => matches!(e, vipcharge::Error::Notify(_)),
            _ => false,
        }
    }

    /// The provider the error concerns, when there is one.
    pub fn provider(&self) -> Option<Provider> {
        match self {
            #[cfg(feature = "gateway-recharge")]
            Self::GatewayRecharge(_) => Some(Provider::GatewayRecharge),
            #[cfg(feature = "jiuyi-dc")]
            Self::JiuyiDc(_) => Some(Provider::JiuyiDc),
            #[cfg(feature = "paydesk")]
            Self::Paydesk(_) => Some(Provider::Paydesk),
            #[cfg(feature = "tokenpay")]
            Self::Tokenpay(_) => Some(Provider::Tokenpay),
            #[cfg(feature = "vipcharge")]
            Self::Vipcharge(_) => Some(Provider::Vipcharge),
            Self::ProviderDisabled(p) | Self::NotConfigured(p) => Some(*p),
            Self::MissingField { provider, .. } => Some(*provider),
            Self::Mismatch(_) => None,
        }
    }
}

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
