//! `/dcapi/card/queryOrder` (卡券订单查询): the codes and status of a card order.

use payhub_runtime::Idempotency;

use super::card_pay_order::CardOrder;
use super::products::parse_items;
use super::{Operation, Reply, check_id};
use crate::Result;

/// Query a card order by merchant order number.
///
/// ```
/// use jiuyi_dc::api::CardQueryOrderRequest;
/// let req = CardQueryOrderRequest::new("C0001");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardQueryOrderRequest {
    out_order_id: String,
}

impl CardQueryOrderRequest {
    /// Query the order `out_order_id`.
    pub fn new(out_order_id: impl Into<String>) -> Self {
        Self {
            out_order_id: out_order_id.into(),
        }
    }
}

impl Operation for CardQueryOrderRequest {
    type Response = Vec<CardOrder>;
    const NAME: &'static str = "card/queryOrder";
    const PATH: &'static str = "/dcapi/card/queryOrder";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("out_order_id", &self.out_order_id)?;
        Ok(vec![("out_order_id", self.out_order_id.clone())])
    }

    fn parse_reply(reply: &Reply) -> Result<Vec<CardOrder>> {
        match reply.result() {
            Some(raw) => parse_items(&reply.ctx(), "result", raw, CardOrder::parse),
            None => Ok(Vec::new()),
        }
    }

    fn out_order_id(&self) -> Option<&str> {
        Some(&self.out_order_id)
    }
}
