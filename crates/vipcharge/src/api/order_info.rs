//! `POST /v1/openapi/order/info` (订单查询): one order by platform or merchant order number.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{BodyContext, FromReply, Operation, ParseContext, Sealed, rule};
use crate::error::{DecodeError, ValidationError};
use crate::types::OrderStatus;
use crate::wire::Fields;

/// Queries one order by `orderCode` (平台订单号), `bizCode` (商家订单号) or both. This is the
/// reconciliation call after an `OutcomeUnknown` (see `Client::reconcile`).
///
/// The body carries only these two fields (the docs' example sends both and no merchant fields).
///
/// ```
/// use vipcharge::api::OrderInfoRequest;
/// let q = OrderInfoRequest::by_biz_code("BIZ-0001");
/// assert_eq!(q.biz_code_value(), Some("BIZ-0001"));
/// assert_eq!(q.order_code_value(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderInfoRequest {
    order_code: Option<String>,
    biz_code: Option<String>,
}

impl OrderInfoRequest {
    /// By the platform order number.
    pub fn by_order_code(order_code: impl Into<String>) -> Self {
        Self {
            order_code: Some(order_code.into()),
            biz_code: None,
        }
    }

    /// By the merchant order number.
    pub fn by_biz_code(biz_code: impl Into<String>) -> Self {
        Self {
            order_code: None,
            biz_code: Some(biz_code.into()),
        }
    }

    /// Adds (or replaces) the platform order number.
    #[must_use]
    pub fn order_code(mut self, order_code: impl Into<String>) -> Self {
        self.order_code = Some(order_code.into());
        self
    }

    /// Adds (or replaces) the merchant order number.
    #[must_use]
    pub fn biz_code(mut self, biz_code: impl Into<String>) -> Self {
        self.biz_code = Some(biz_code.into());
        self
    }

    /// The platform order number queried, if any.
    pub fn order_code_value(&self) -> Option<&str> {
        self.order_code.as_deref()
    }

    /// The merchant order number queried, if any.
    pub fn biz_code_value(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
}

impl Sealed for OrderInfoRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.order_code.is_none() && self.biz_code.is_none() {
            return Err(ValidationError::new(
                "orderCode/bizCode",
                "give at least one of the two order numbers",
            ));
        }
        rule::opt_text("orderCode", self.order_code.as_deref())?;
        rule::opt_text("bizCode", self.biz_code.as_deref())
    }

    fn write_body(&self, _ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            order_code: self.order_code.as_deref(),
            biz_code: self.biz_code.as_deref(),
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    fn order_code_ref(&self) -> Option<&str> {
        self.order_code.as_deref()
    }
}

impl Operation for OrderInfoRequest {
    type Response = OrderInfoResponse;
    const NAME: &'static str = "order/info";
    const PATH: &'static str = "/v1/openapi/order/info";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
}

/// One order as the platform reports it.
///
/// The reply page is cut after `data`: the fields the other pages name (`orderCode`, `bizCode`,
/// `account`, `productCode`, `productName`, `settlementPrice`) are read when present, the order
/// status from the configured field names (`ClientBuilder::order_status_fields`, default
/// `orderStatus` then `status`), and every other field is kept in [`OrderInfoResponse::extra`].
#[derive(Clone, Debug, PartialEq)]
pub struct OrderInfoResponse {
    order_code: Option<String>,
    biz_code: Option<String>,
    status: Option<OrderStatus>,
    account: Option<String>,
    product_code: Option<String>,
    product_name: Option<String>,
    settlement_price: Option<Decimal>,
    extra: Map<String, Value>,
}

impl OrderInfoResponse {
    /// The platform order number.
    pub fn order_code(&self) -> Option<&str> {
        self.order_code.as_deref()
    }

    /// The merchant order number.
    pub fn biz_code(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    /// The order status (0 accepted .. 4 cancelled), when the reply carries it.
    pub fn status(&self) -> Option<&OrderStatus> {
        self.status.as_ref()
    }

    /// The recharged account.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The product code.
    pub fn product_code(&self) -> Option<&str> {
        self.product_code.as_deref()
    }

    /// The product name.
    pub fn product_name(&self) -> Option<&str> {
        self.product_name.as_deref()
    }

    /// The settlement amount, read from its text.
    pub fn settlement_price(&self) -> Option<Decimal> {
        self.settlement_price
    }

    /// Fields of `data` this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl FromReply for OrderInfoResponse {
    fn from_reply(data: Option<&RawValue>, ctx: &ParseContext<'_>) -> Result<Self, DecodeError> {
        let mut f = Fields::data(data)?;
        Ok(Self {
            status: ctx.order_status(&mut f)?,
            order_code: f.opt_string("orderCode")?,
            biz_code: f.opt_string("bizCode")?,
            account: f.opt_string("account")?,
            product_code: f.opt_string("productCode")?,
            product_name: f.opt_string("productName")?,
            settlement_price: f.opt_decimal("settlementPrice")?,
            extra: f.rest(),
        })
    }
}
