//! `/dcapi/drawOrder` (撤销订单): cancel a direct-recharge order. Only an order in status 1
//! (待充值, [`crate::types::OrderStatus::Waiting`]) can be cancelled; the provider refuses the
//! others with `code: 0`.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::json::Obj;
use super::{Operation, Reply, check_id};
use crate::Result;
use crate::types::OrderRef;

/// Cancel (withdraw) a waiting direct-recharge order.
///
/// ```
/// use jiuyi_dc::api::DrawOrderRequest;
/// let req = DrawOrderRequest::by_out_order_id("JY202611220001");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawOrderRequest {
    order: OrderRef,
}

impl DrawOrderRequest {
    /// Cancel by the merchant order number.
    pub fn by_out_order_id(out_order_id: impl Into<String>) -> Self {
        Self::new(OrderRef::OutOrderId(out_order_id.into()))
    }

    /// Cancel by the platform order number.
    pub fn by_order_id(order_id: impl Into<String>) -> Self {
        Self::new(OrderRef::OrderId(order_id.into()))
    }

    /// Cancel by either number.
    pub fn new(order: OrderRef) -> Self {
        Self { order }
    }
}

impl Operation for DrawOrderRequest {
    type Response = DrawOrderResponse;
    const NAME: &'static str = "drawOrder";
    const PATH: &'static str = "/dcapi/drawOrder";
    // Cancelling twice is harmless (the second is refused), so it may be retried.
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        let (field, value) = self.order.field();
        check_id(field, value)?;
        Ok(vec![(field, value.to_owned())])
    }

    fn parse_reply(reply: &Reply) -> Result<DrawOrderResponse> {
        let ctx = reply.ctx();
        let message = reply.msg().to_owned();
        let Some(raw) = reply.result() else {
            return Ok(DrawOrderResponse {
                message,
                ..DrawOrderResponse::default()
            });
        };
        let mut o = Obj::parse(&ctx, "result", raw)?;
        Ok(DrawOrderResponse {
            order_id: o.text("order_id")?,
            out_order_id: o.text("out_order_id")?,
            product_id: o.text("productId")?,
            price: o.decimal("price")?,
            product_name: o.text("productName")?,
            account: o.text("account")?,
            message,
            extra: o.rest(),
        })
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

/// The withdrawn order (`msg` is `下架成功`).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DrawOrderResponse {
    /// The platform order number.
    pub order_id: Option<String>,
    /// The merchant order number.
    pub out_order_id: Option<String>,
    /// `productId`: the product id.
    pub product_id: Option<String>,
    /// `price` as sent (the docs' example is the number `930`; its unit is not documented).
    pub price: Option<Decimal>,
    /// `productName`.
    pub product_name: Option<String>,
    /// The account of the order.
    pub account: Option<String>,
    /// The provider's `msg`.
    pub message: String,
    /// Undocumented fields, as received.
    pub extra: Map<String, Value>,
}
