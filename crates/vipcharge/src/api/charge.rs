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
///
/// Every field is optional: a reply with `status` 0 is an accepted order even when its `data`
/// lacks `orderCode` (the platform order number); the order is then known by your `bizCode`
/// ([`Client::reconcile`](crate::Client::reconcile) finds it).
#[derive(Clone, Debug, PartialEq)]
pub struct ChargeResponse {
    order_code: Option<String>,
    biz_code: Option<String>,
    account: Option<String>,
    settlement_price: Option<Decimal>,
    extra: Map<String, Value>,
}

impl ChargeResponse {
    /// The platform order number (平台订单号), when the reply carries a non-empty one. `None`
    /// does not mean the order failed: `status` 0 accepted it.
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

    /// The settlement amount (`settlementPrice`, 结算金额), read from its text: what the
    /// **merchant pays the platform** for this order (its cost), not the amount of the order or
    /// what your customer paid.
    pub fn settlement_price(&self) -> Option<Decimal> {
        self.settlement_price
    }

    /// The cost of this order to the merchant: the same value as
    /// [`ChargeResponse::settlement_price`], under the name that says what it is.
    pub fn cost(&self) -> Option<Decimal> {
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
            order_code: f.opt_string("orderCode")?.filter(|c| !c.is_empty()),
            biz_code: f.opt_string("bizCode")?,
            account: f.opt_string("account")?,
            settlement_price: f.opt_decimal("settlementPrice")?,
            extra: f.rest(),
        })
    }
}
