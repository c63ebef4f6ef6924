//! Order closure, `POST /v1/transaction/close`: cancels an unpaid order.

use serde::Serialize;

use super::{Idempotency, Method, Operation, ReplyMeta, WireContext, check_text, private, to_json};
use crate::error::Result;

/// Closes an unpaid order by tokenpay's `transaction_id` (the only key the endpoint takes).
///
/// ```
/// use tokenpay::api::CloseOrderRequest;
/// let req = CloseOrderRequest::new("2a1cfa6568xxxxxxxx3050957024c559");
/// assert_eq!(req.transaction_id(), "2a1cfa6568xxxxxxxx3050957024c559");
/// ```
#[derive(Clone, Debug)]
pub struct CloseOrderRequest {
    transaction_id: String,
}

impl CloseOrderRequest {
    /// Closes the order `transaction_id`.
    pub fn new(transaction_id: impl Into<String>) -> Self {
        Self {
            transaction_id: transaction_id.into(),
        }
    }

    /// tokenpay's order number.
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    transaction_id: &'a str,
}

impl private::Sealed for CloseOrderRequest {}

impl Operation for CloseOrderRequest {
    type Response = CloseOrderResponse;
    const NAME: &'static str = "close_order";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/transaction/close".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("transaction_id", &self.transaction_id))
    }

    fn validate(&self) -> Result<()> {
        check_text("transaction_id", &self.transaction_id)
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            Wire {
                transaction_id: &self.transaction_id,
            },
        )
    }

    fn parse_data(
        _: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<CloseOrderResponse, String> {
        Ok(CloseOrderResponse {
            msg: meta.msg,
            request_id: meta.request_id,
        })
    }
}

/// The order was closed (tokenpay returns no `data`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloseOrderResponse {
    /// tokenpay's `msg` (`success`).
    pub msg: String,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
