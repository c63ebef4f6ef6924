//! [`PaymentStatus`]: one status model that every provider's own statuses map into.
//!
//! The provider's exact status is never thrown away: `Unknown` keeps the raw text, and each
//! provider crate's own enum stays available on the typed notification.

use std::fmt;

/// Where a payment or recharge stands, in words common to all providers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Created, waiting for the payer or still being processed.
    Pending,
    /// Paid or recharged successfully.
    Paid,
    /// Failed or cancelled; no money moved.
    Failed,
    /// Expired unpaid.
    Expired,
    /// Paid and then refunded or reversed.
    Refunded,
    /// A status this version does not know, with the provider's raw text.
    Unknown(String),
}

impl PaymentStatus {
    /// Whether the status can no longer change (a `Pending` or `Unknown` order must be queried
    /// again later).
    ///
    /// ```
    /// use payhub::PaymentStatus;
    /// assert!(PaymentStatus::Paid.is_final());
    /// assert!(!PaymentStatus::Pending.is_final());
    /// assert!(!PaymentStatus::Unknown("7".into()).is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Paid | Self::Failed | Self::Expired | Self::Refunded
        )
    }

    /// Whether money was received.
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Paid)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pending => f.write_str("pending"),
            Self::Paid => f.write_str("paid"),
            Self::Failed => f.write_str("failed"),
            Self::Expired => f.write_str("expired"),
            Self::Refunded => f.write_str("refunded"),
            Self::Unknown(raw) => write!(f, "unknown({raw})"),
        }
    }
}
