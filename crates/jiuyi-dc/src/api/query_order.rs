//! `/dcapi/queryOrder` (代充订单查询): the state of a direct-recharge order.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::json::Obj;
use super::{Operation, Reply, check_id};
use crate::Result;
use crate::types::{OrderRef, OrderStatus};

/// Query a direct-recharge order by platform or merchant order number.
///
/// ```
/// use jiuyi_dc::api::QueryOrderRequest;
/// let req = QueryOrderRequest::by_out_order_id("JY202611220001");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOrderRequest {
    order: OrderRef,
}

impl QueryOrderRequest {
    /// Query by the merchant order number (`out_order_id`).
    pub fn by_out_order_id(out_order_id: impl Into<String>) -> Self {
        Self::new(OrderRef::OutOrderId(out_order_id.into()))
    }

    /// Query by the platform order number (`order_id`).
    pub fn by_order_id(order_id: impl Into<String>) -> Self {
        Self::new(OrderRef::OrderId(order_id.into()))
    }

    /// Query by either number.
    pub fn new(order: OrderRef) -> Self {
        Self { order }
    }
}

impl Operation for QueryOrderRequest {
    type Response = DirectOrder;
    const NAME: &'static str = "queryOrder";
    const PATH: &'static str = "/dcapi/queryOrder";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        let (field, value) = self.order.field();
        check_id(field, value)?;
        Ok(vec![(field, value.to_owned())])
    }

    fn parse_reply(reply: &Reply) -> Result<DirectOrder> {
        let ctx = reply.ctx();
        let raw = reply
            .result()
            .ok_or_else(|| ctx.field_error("result", "is missing"))?;
        DirectOrder::parse(Obj::parse(&ctx, "result", raw)?)
    }

    fn out_order_id(&self) -> Option<&str> {
        match &self.order {
            OrderRef::OutOrderId(v) => Some(v),
            OrderRef::OrderId(_) => None,
        }
    }

    fn order_id(&self) -> Option<&str> {
        match &self.order {
            OrderRef::OrderId(v) => Some(v),
            OrderRef::OutOrderId(_) => None,
        }
    }
}

/// A direct-recharge order as returned by `/dcapi/queryOrder`. The docs list `order_id`,
/// `out_order_id`, `price`, `status` and `create_time` (the table is cut after `price`); other
/// fields are kept in `extra`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DirectOrder {
    /// The platform order number.
    pub order_id: String,
    /// The merchant order number.
    pub out_order_id: Option<String>,
    /// The order amount in yuan (e.g. `10.10`).
    pub price: Option<Decimal>,
    /// The order status.
    pub status: OrderStatus,
    /// The creation time as sent (looks like a Unix timestamp in seconds).
    pub create_time: Option<String>,
    /// The recharged account, when sent.
    pub account: Option<String>,
    /// The product id, when sent.
    pub card_id: Option<String>,
    /// Undocumented fields, as received.
    pub extra: Map<String, Value>,
}

impl DirectOrder {
    fn parse(mut o: Obj) -> Result<Self> {
        Ok(Self {
            order_id: o.req_text("order_id")?,
            out_order_id: o.text("out_order_id")?,
            price: o.decimal("price")?,
            status: OrderStatus::parse(o.req_text("status")?.trim()),
            create_time: o.text("create_time")?,
            account: o.text("account")?,
            card_id: o.text("card_id")?,
            extra: o.rest(),
        })
    }
}
