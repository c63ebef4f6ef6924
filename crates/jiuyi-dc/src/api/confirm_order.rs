//! `/dcapi/confirmOrder` (确认收货): confirm receipt of a successful direct recharge before the
//! automatic confirmation, which happens 24 hours after success and cannot be configured.

use payhub_runtime::Idempotency;

use super::{Operation, Reply, check_id};
use crate::Result;

/// Confirm receipt of the direct-recharge order `order_id` (platform number).
///
/// ```
/// use jiuyi_dc::api::ConfirmOrderRequest;
/// let req = ConfirmOrderRequest::new("API2022040622185551647");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmOrderRequest {
    order_id: String,
}

impl ConfirmOrderRequest {
    /// Confirm the order with platform number `order_id`.
    pub fn new(order_id: impl Into<String>) -> Self {
        Self {
            order_id: order_id.into(),
        }
    }
}

impl Operation for ConfirmOrderRequest {
    type Response = ConfirmOrderResponse;
    const NAME: &'static str = "confirmOrder";
    const PATH: &'static str = "/dcapi/confirmOrder";
    // Confirming twice is harmless.
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("order_id", &self.order_id)?;
        Ok(vec![("order_id", self.order_id.clone())])
    }

    fn parse_reply(reply: &Reply) -> Result<ConfirmOrderResponse> {
        Ok(ConfirmOrderResponse {
            message: reply.msg().to_owned(),
        })
    }

    fn order_id(&self) -> Option<&str> {
        Some(&self.order_id)
    }
}

/// The confirmation (`result` is `null`; `msg` is `确认收货成功`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmOrderResponse {
    /// The provider's `msg`.
    pub message: String,
}
