//! [`ChargeResponse`]: the reply `data` of the direct-charge order endpoints (`VIPCharge`,
//! `gasCard`, `redPacket`, `alipay/*`, `wechat/*`).

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{FromReply, ParseContext};
use crate::error::DecodeError;
use crate::wire::Fields;

/// An accepted direct-charge order. `status` 0 only means **accepted**: the final result comes in
/// the status callback (or from `Client::reconcile` / the order query).
///
/// The fields are those of the `VIPCharge` reply (`orderCode`, `bizCode`, `account`,
/// `settlementPrice`); the other direct-charge pages are cut before their reply, so the same
/// fields are read when present and everything else is kept in [`ChargeResponse::extra`].
#[derive(Clone, Debug, PartialEq)]
pub struct ChargeResponse {
    order_code: Option<String>,
    biz_code: Option<String>,
    account: Option<String>,
    settlement_price: Option<Decimal>,
    extra: Map<String, Value>,
}

impl ChargeResponse {
    /// The platform order number (平台订单号).
    pub fn order_code(&self) -> Option<&str> {
        self.order_code.as_deref()
    }

    /// The merchant order number (商家订单号) echoed back.
    pub fn biz_code(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    /// The recharged account.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The settlement amount (结算金额), read from its text.
    pub fn settlement_price(&self) -> Option<Decimal> {
        self.settlement_price
    }

    /// Fields of `data` this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl FromReply for ChargeResponse {
    fn from_reply(data: Option<&RawValue>, _ctx: &ParseContext<'_>) -> Result<Self, DecodeError> {
        let mut f = Fields::data(data)?;
        Ok(Self {
            order_code: f.opt_string("orderCode")?,
            biz_code: f.opt_string("bizCode")?,
            account: f.opt_string("account")?,
            settlement_price: f.opt_decimal("settlementPrice")?,
            extra: f.rest(),
        })
    }
}
