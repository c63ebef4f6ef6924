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
    /// The unified order lacks fields this provider needs (all of them are named); nothing
    /// was sent.
    #[error("{provider} needs {}: set it on the request; nothing was sent", .fields.join(", "))]
    MissingRequestField {
        /// The provider.
        provider: Provider,
        /// The missing fields, by the unified request's names (`notify_url`, `customer.ip`,
        /// an extra's name).
        fields: Vec<&'static str>,
    },
    /// A field of the unified order cannot be sent to this provider; nothing was sent.
    #[error("{provider}: `{field}` {problem}; nothing was sent")]
    InvalidRequestField {
        /// The provider.
        provider: Provider,
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// An extra this provider does not take (a typo must not be dropped silently).
    #[error("{provider} takes no extra `{name}` (its extras: {}); nothing was sent", if .known.is_empty() { "none".to_owned() } else { .known.join(", ") })]
    UnknownExtra {
        /// The provider.
        provider: Provider,
        /// The extra's name.
        name: String,
        /// The extras it takes.
        known: &'static [&'static str],
    },
    /// The call does not exist for this provider (a checkout on a recharge provider).
    #[error(
        "{provider} has no {call} (collection providers take checkouts, recharge providers recharges)"
    )]
    Unsupported {
        /// The provider.
        provider: Provider,
        /// The call.
        call: &'static str,
    },
    /// The account only verifies callbacks: it was built without a client.
    #[error("{provider} account `{account}` has no client (it was built to verify callbacks only)")]
    NoClient {
        /// The provider.
        provider: Provider,
        /// The account.
        account: String,
    },
    /// No account of this name is configured for the provider.
    #[error("{provider} has no account `{account}` (configured: {})", list(.configured))]
    UnknownAccount {
        /// The provider.
        provider: Provider,
        /// The name asked for (from a call or the callback URL's path).
        account: String,
        /// The names configured.
        configured: Vec<String>,
    },
    /// The provider has several accounts and nothing says which one is meant.
    #[error("{provider} has several accounts ({}) and nothing says which one: name it (a callback: route it to /callbacks/{provider}/{{account}})", list(.configured))]
    AccountNotNamed {
        /// The provider.
        provider: Provider,
        /// The names configured.
        configured: Vec<String>,
    },
    /// A callback names a merchant no configured account has.
    #[error(
        "{provider}: the callback is for merchant `{merchant_id}`, which no configured account has"
    )]
    UnknownMerchant {
        /// The provider.
        provider: Provider,
        /// The merchant id the callback names (at most 64 characters of it).
        merchant_id: String,
    },
    /// An account's settings are wrong.
    #[error("{provider} account `{account}`: `{key}`: {problem}")]
    Config {
        /// The provider.
        provider: Provider,
        /// The account.
        account: String,
        /// The setting's key.
        key: String,
        /// What is wrong (never the value).
        problem: String,
    },
    /// A configuration file cannot be used.
    #[error("{path}: {problem}")]
    ConfigFile {
        /// The file (or `<string>`).
        path: String,
        /// What is wrong.
        problem: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
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
            Self::MissingField { provider, .. }
            | Self::MissingRequestField { provider, .. }
            | Self::InvalidRequestField { provider, .. }
            | Self::UnknownExtra { provider, .. }
            | Self::Unsupported { provider, .. }
            | Self::NoClient { provider, .. }
            | Self::UnknownAccount { provider, .. }
            | Self::AccountNotNamed { provider, .. }
            | Self::UnknownMerchant { provider, .. }
            | Self::Config { provider, .. } => Some(*provider),
            Self::Mismatch(_) | Self::ConfigFile { .. } => None,
        }
    }
}

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
