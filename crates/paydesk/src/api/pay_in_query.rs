//! `POST /api/payInQuery`: the state of a payin.

use rust_decimal::Decimal;
use time::PrimitiveDateTime;

use super::private::{Data, FromData};
use crate::error::DecodeError;
use crate::types::{Extra, PayInStatus};

query_request! {
    /// Queries a payin (`/api/payInQuery`) by `orderNo` or `mchOrderNo`.
    ///
    /// ```
    /// use paydesk::api::PayInQueryRequest;
    /// let req = PayInQueryRequest::by_mch_order_no("order-0001");
    /// # let _ = req;
    /// ```
    PayInQueryRequest {
        name: "payInQuery",
        path: "/api/payInQuery",
        response: PayInQueryResponse,
    }
}

/// A payin's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayInQueryResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`.
    pub mch_order_no: Option<String>,
    /// `orderNo` (`PAYIN...`).
    pub order_no: String,
    /// `payType`, as text (codes are per country).
    pub pay_type: Option<String>,
    /// `payCode`.
    pub pay_code: Option<String>,
    /// `payUrl`.
    pub pay_url: Option<String>,
    /// `amount`.
    pub amount: Decimal,
    /// `fee`.
    pub fee: Option<Decimal>,
    /// `orderStatus`.
    pub status: PayInStatus,
    /// `completionTime`, provider-local time, once final.
    pub completion_time: Option<PrimitiveDateTime>,
    /// Any other field, with its exact JSON text (the echoed `nonceStr` is dropped).
    pub extra: Extra,
}

impl FromData for PayInQueryResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        f.skip("nonceStr");
        Ok(Self {
            merchant_id: f.opt_u64("merchantId")?,
            mch_order_no: f.opt_text("mchOrderNo")?,
            order_no: f.text("orderNo")?,
            pay_type: f.opt_text("payType")?,
            pay_code: f.opt_text("payCode")?,
            pay_url: f.opt_text("payUrl")?,
            amount: f.decimal("amount")?,
            fee: f.opt_decimal("fee")?,
            status: f.status("orderStatus", PayInStatus::parse)?,
            completion_time: f.opt_time("completionTime")?,
            extra: f.extra(),
        })
    }
}
