//! `POST /api/payOutQuery`: the state of a payout.

use rust_decimal::Decimal;
use time::PrimitiveDateTime;

use super::private::{Data, FromData};
use crate::error::DecodeError;
use crate::types::{Extra, PayOutStatus};

query_request! {
    /// Queries a payout (`/api/payOutQuery`) by `orderNo` or `mchOrderNo`.
    ///
    /// ```
    /// use paydesk::api::PayOutQueryRequest;
    /// let req = PayOutQueryRequest::by_order_no("PAYOUT8200000001");
    /// # let _ = req;
    /// ```
    PayOutQueryRequest {
        name: "payOutQuery",
        path: "/api/payOutQuery",
        response: PayOutQueryResponse,
    }
}

/// A payout's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayOutQueryResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`.
    pub mch_order_no: Option<String>,
    /// `orderNo` (`PAYOUT...`).
    pub order_no: String,
    /// `amount`.
    pub amount: Decimal,
    /// `fee`.
    pub fee: Option<Decimal>,
    /// `orderStatus`.
    pub status: PayOutStatus,
    /// `completionTime`, provider-local time, once final.
    pub completion_time: Option<PrimitiveDateTime>,
    /// `resultDesc`: the reason code of a failure (Tanzania: `PAYMENT_OFFSET`,
    /// `ACCOUNT_AND_MNO_NOT_MATCH`, `UNKNOWN_ERROR`).
    pub result_desc: Option<String>,
    /// Any other field, with its exact JSON text (the echoed `nonceStr` is dropped).
    pub extra: Extra,
}

impl FromData for PayOutQueryResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        f.skip("nonceStr");
        Ok(Self {
            merchant_id: f.opt_u64("merchantId")?,
            mch_order_no: f.opt_text("mchOrderNo")?,
            order_no: f.text("orderNo")?,
            amount: f.decimal("amount")?,
            fee: f.opt_decimal("fee")?,
            status: f.status("orderStatus", PayOutStatus::parse)?,
            completion_time: f.opt_time("completionTime")?,
            result_desc: f.opt_text("resultDesc")?,
            extra: f.extra(),
        })
    }
}
