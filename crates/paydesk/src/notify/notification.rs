//! Typed notifies: cashier and payin share a shape, payouts have their own.

use rust_decimal::Decimal;
use time::PrimitiveDateTime;

use crate::api::Fields;
use crate::error::DecodeError;
use crate::types::OrderKind;
use crate::types::{Extra, PayInStatus, PayOutStatus};

/// A verified notify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// A cashier (paydesk) order changed state.
    Cashier(PayInNotification),
    /// A payin changed state.
    PayIn(PayInNotification),
    /// A payout changed state.
    PayOut(PayOutNotification),
}

/// A cashier or payin notify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayInNotification {
    /// `merchantId` (checked to be ours when present).
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`.
    pub mch_order_no: String,
    /// `orderNo`.
    pub order_no: String,
    /// `amount`.
    pub amount: Decimal,
    /// `fee` (decimal(20,4)).
    pub fee: Option<Decimal>,
    /// `orderStatus`.
    pub status: PayInStatus,
    /// `payType`, as text (codes are per country).
    pub pay_type: Option<String>,
    /// `payCode`.
    pub pay_code: Option<String>,
    /// `payUrl`.
    pub pay_url: Option<String>,
    /// `completionTime`, provider-local time.
    pub completion_time: Option<PrimitiveDateTime>,
    /// `nonceStr`.
    pub nonce_str: Option<String>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

/// A payout notify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayOutNotification {
    /// `merchantId` (checked to be ours when present).
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`.
    pub mch_order_no: String,
    /// `orderNo`.
    pub order_no: String,
    /// `amount`.
    pub amount: Decimal,
    /// `fee`.
    pub fee: Option<Decimal>,
    /// `orderStatus`.
    pub status: PayOutStatus,
    /// `completionTime`, provider-local time.
    pub completion_time: Option<PrimitiveDateTime>,
    /// `resultDesc`: the reason code of a failure.
    pub result_desc: Option<String>,
    /// `nonceStr`.
    pub nonce_str: Option<String>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl Notification {
    pub(crate) fn read(
        kind: OrderKind,
        order_no: String,
        merchant_id: Option<u64>,
        mut f: Fields<'_>,
    ) -> Result<Self, DecodeError> {
        if kind == OrderKind::PayOut {
            return Ok(Self::PayOut(PayOutNotification {
                merchant_id,
                mch_order_no: f.text("mchOrderNo")?,
                order_no,
                amount: f.decimal("amount")?,
                fee: f.opt_decimal("fee")?,
                status: f.status("orderStatus", PayOutStatus::parse)?,
                completion_time: f.opt_time("completionTime")?,
                result_desc: f.opt_text("resultDesc")?,
                nonce_str: f.opt_text("nonceStr")?,
                extra: f.extra(),
            }));
        }
        let payin = PayInNotification {
            merchant_id,
            mch_order_no: f.text("mchOrderNo")?,
            order_no,
            amount: f.decimal("amount")?,
            fee: f.opt_decimal("fee")?,
            status: f.status("orderStatus", PayInStatus::parse)?,
            pay_type: f.opt_text("payType")?,
            pay_code: f.opt_text("payCode")?,
            pay_url: f.opt_text("payUrl")?,
            completion_time: f.opt_time("completionTime")?,
            nonce_str: f.opt_text("nonceStr")?,
            extra: f.extra(),
        };
        Ok(if kind == OrderKind::Cashier {
            Self::Cashier(payin)
        } else {
            Self::PayIn(payin)
        })
    }

    /// Cashier, payin or payout.
    pub fn kind(&self) -> OrderKind {
        match self {
            Self::Cashier(_) => OrderKind::Cashier,
            Self::PayIn(_) => OrderKind::PayIn,
            Self::PayOut(_) => OrderKind::PayOut,
        }
    }

    /// `mchOrderNo`.
    pub fn mch_order_no(&self) -> &str {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => &n.mch_order_no,
            Self::PayOut(n) => &n.mch_order_no,
        }
    }

    /// `orderNo`.
    pub fn order_no(&self) -> &str {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => &n.order_no,
            Self::PayOut(n) => &n.order_no,
        }
    }

    /// `amount`.
    pub fn amount(&self) -> Decimal {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => n.amount,
            Self::PayOut(n) => n.amount,
        }
    }

    /// `orderStatus` as text.
    pub fn status_text(&self) -> &str {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => n.status.as_str(),
            Self::PayOut(n) => n.status.as_str(),
        }
    }

    /// Whether the order will not change any more (only final states should be trusted).
    pub fn is_final(&self) -> bool {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => n.status.is_final(),
            Self::PayOut(n) => n.status.is_final(),
        }
    }

    /// Whether the money moved.
    pub fn is_success(&self) -> bool {
        match self {
            Self::Cashier(n) | Self::PayIn(n) => n.status.is_success(),
            Self::PayOut(n) => n.status.is_success(),
        }
    }

    /// A key for replay de-duplication: kind, `orderNo` and status. Cashy redelivers the same
    /// notify until acknowledged; store the keys you processed and acknowledge repeats.
    ///
    /// ```
    /// # use paydesk::notify::{Notification, NotifyVerifier};
    /// # use paydesk::Secret;
    /// # let key = Secret::new("k");
    /// # let body = br#"{"amount":"10","mchOrderNo":"M1","orderNo":"PAYOUT1","orderStatus":"FAIL"}"#;
    /// # let sign = paydesk::sign::signature(&key, body);
    /// # let mut headers = http::HeaderMap::new();
    /// # headers.insert("MerchantId", "7".parse()?);
    /// # headers.insert("Sign", sign.parse()?);
    /// let n = NotifyVerifier::new(7, key).verify(&headers, body)?;
    /// assert_eq!(n.dedupe_key(), "payout:PAYOUT1:FAIL");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}:{}", self.kind(), self.order_no(), self.status_text())
    }
}
