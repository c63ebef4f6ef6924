//! `POST /api/payDeskQuery`: the state of a cashier order.

use rust_decimal::Decimal;
use time::PrimitiveDateTime;

use super::private::{Data, FromData};
use crate::error::DecodeError;
use crate::types::{Extra, PayInStatus};

query_request! {
    /// Queries a cashier order (`/api/payDeskQuery`) by `orderNo` or `mchOrderNo`.
    ///
    /// ```
    /// use paydesk::api::PayDeskQueryRequest;
    /// let req = PayDeskQueryRequest::by_order_no("PAYDESK39568551277959484616704");
    /// # let _ = req;
    /// ```
    PayDeskQueryRequest {
        name: "payDeskQuery",
        path: "/api/payDeskQuery",
        response: PayDeskQueryResponse,
    }
}

/// A cashier order's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayDeskQueryResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`.
    pub mch_order_no: Option<String>,
    /// `orderNo` (`PAYDESK...`).
    pub order_no: String,
    /// `payUrl`: the cashier page (or QR content for some methods).
    pub pay_url: Option<String>,
    /// `amount`.
    pub amount: Decimal,
    /// `fee` (decimal(20,4)).
    pub fee: Option<Decimal>,
    /// `orderStatus`: `PAYING`, `SUCCESS` or `FAIL`.
    pub status: PayInStatus,
    /// `completionTime`, provider-local time, once final.
    pub completion_time: Option<PrimitiveDateTime>,
    /// Any other field, with its exact JSON text (the echoed `nonceStr` is dropped).
    pub extra: Extra,
}

impl FromData for PayDeskQueryResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        f.skip("nonceStr");
        Ok(Self {
            merchant_id: f.opt_u64("merchantId")?,
            mch_order_no: f.opt_text("mchOrderNo")?,
            order_no: f.text("orderNo")?,
            pay_url: f.opt_text("payUrl")?,
            amount: f.decimal("amount")?,
            fee: f.opt_decimal("fee")?,
            status: f.status("orderStatus", PayInStatus::parse)?,
            completion_time: f.opt_time("completionTime")?,
            extra: f.extra(),
        })
    }
}
