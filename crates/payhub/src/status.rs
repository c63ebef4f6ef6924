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
    /// Paid or recharged, **and under dispute**: the money arrived (or the recharge was
    /// delivered), but the payer or the provider contests it and the outcome may still reverse
    /// it (91 card status 5, 充值成功-纠纷中). [`PaymentStatus::is_paid`] is `true` (the money
    /// arrived) and [`PaymentStatus::is_final`] is `false` (a dispute can still end in a refund):
    /// record the payment, hold what can still be held, and query the order again until it
    /// leaves the dispute. [`PaymentStatus::is_disputed`] tells it apart from `Paid`.
    Disputed,
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
    /// Whether the status can no longer change (a `Pending`, `Disputed` or `Unknown` order must
    /// be queried again later).
    ///
    /// ```
    /// use payhub::PaymentStatus;
    /// assert!(PaymentStatus::Paid.is_final());
    /// assert!(!PaymentStatus::Pending.is_final());
    /// assert!(!PaymentStatus::Disputed.is_final());
    /// assert!(!PaymentStatus::Unknown("7".into()).is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Paid | Self::Failed | Self::Expired | Self::Refunded
        )
    }

    /// Whether money was received (or the recharge delivered): `Paid`, and `Disputed`, whose
    /// money arrived but is contested (check [`PaymentStatus::is_disputed`] before treating it as
    /// settled).
    ///
    /// ```
    /// use payhub::PaymentStatus;
    /// assert!(PaymentStatus::Paid.is_paid());
    /// assert!(PaymentStatus::Disputed.is_paid());
    /// assert!(!PaymentStatus::Refunded.is_paid());
    /// ```
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Paid | Self::Disputed)
    }

    /// Whether the payment is under dispute: paid, but the outcome may still reverse it.
    ///
    /// ```
    /// use payhub::PaymentStatus;
    /// assert!(PaymentStatus::Disputed.is_disputed());
    /// assert!(!PaymentStatus::Paid.is_disputed());
    /// ```
    pub fn is_disputed(&self) -> bool {
        matches!(self, Self::Disputed)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pending => f.write_str("pending"),
            Self::Paid => f.write_str("paid"),
            Self::Disputed => f.write_str("disputed"),
            Self::Failed => f.write_str("failed"),
            Self::Expired => f.write_str("expired"),
            Self::Refunded => f.write_str("refunded"),
            Self::Unknown(raw) => write!(f, "unknown({raw})"),
        }
    }
}
