//! The shared vocabulary: [`Checkout`] for collection providers, [`Recharge`] for direct-recharge
//! providers, and the result types they return.
//!
//! Each provider keeps its own request type (`Checkout::Request`), because what a provider needs
//! to take a payment differs (a payer's phone for Cashy in Tanzania, a chain and currency for
//! TokenPay); what comes back is the same shape for all of them, so the code that redirects a
//! payer or records an order does not care which provider took it.

use std::future::Future;

use rust_decimal::Decimal;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::{Error, PaymentStatus, Provider};

/// Where to send the payer: the result of creating a checkout on any collection provider.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentLink {
    /// Which provider took the order.
    pub provider: Provider,
    /// The merchant's own order number.
    pub merchant_order_no: String,
    /// The provider's order number (keep it: queries and support need it).
    pub provider_order_no: String,
    /// The page to send the payer to, absolute.
    pub url: Option<String>,
    /// A QR payload, where the provider gives one (a payment code or an address to pay to).
    pub qr: Option<String>,
    /// When the link stops working, as an instant, where the provider gives one.
    pub expires_at: Option<OffsetDateTime>,
    /// When the link stops working in the provider's local time, where the provider gives a
    /// wall-clock time without an offset (Cashy).
    pub expires_local: Option<PrimitiveDateTime>,
}

/// The result of placing a direct recharge on any recharge provider.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RechargeReceipt {
    /// Which provider took the order.
    pub provider: Provider,
    /// The merchant's own order number.
    pub merchant_order_no: String,
    /// The provider's order number, when the reply carries one. `None` does not mean the order
    /// failed: an error would have been returned. Query the order by `merchant_order_no`.
    pub provider_order_no: Option<String>,
    /// Where the order stands right after placing it (usually `Pending`).
    pub status: PaymentStatus,
    /// What you pay the provider for this order (vipcharge `settlementPrice`, jiuyi-dc
    /// `other.price`), where the reply says: a cost, not the amount of the order or what your
    /// customer paid. Compare it with [`Expected::cost`](crate::Expected::cost), never with an
    /// amount.
    pub cost: Option<Decimal>,
}

/// A provider that collects payments through a hosted page (gateway-recharge, paydesk,
/// tokenpay).
pub trait Checkout {
    /// The provider's own create request.
    type Request: Sync;

    /// Creates the order and returns where to send the payer.
    ///
    /// # Errors
    /// The provider crate's error, wrapped in [`Error`]; an unknown outcome stays
    /// distinguishable (`Error::is_outcome_unknown`).
    fn create_checkout(
        &self,
        request: &Self::Request,
    ) -> impl Future<Output = Result<PaymentLink, Error>> + Send;

    /// Where the order stands now, by the merchant's order number.
    ///
    /// # Errors
    /// The provider crate's error, wrapped in [`Error`].
    fn checkout_status(
        &self,
        merchant_order_no: &str,
    ) -> impl Future<Output = Result<PaymentStatus, Error>> + Send;
}

/// A provider that recharges an account or issues codes directly (vipcharge, jiuyi-dc).
pub trait Recharge {
    /// The provider's own recharge request.
    type Request: Sync;

    /// Places the recharge.
    ///
    /// # Errors
    /// The provider crate's error, wrapped in [`Error`].
    fn recharge(
        &self,
        request: &Self::Request,
    ) -> impl Future<Output = Result<RechargeReceipt, Error>> + Send;

    /// Where the recharge stands now, by the merchant's order number.
    ///
    /// # Errors
    /// The provider crate's error, wrapped in [`Error`].
    fn recharge_status(
        &self,
        merchant_order_no: &str,
    ) -> impl Future<Output = Result<PaymentStatus, Error>> + Send;
}
