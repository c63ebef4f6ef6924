//! Order inquiry, `POST /v1/transaction/query` (JSON body, as the signing walkthrough shows).

use serde::Serialize;

use super::{
    Idempotency, Method, Operation, ReplyMeta, TransactionDetail, WireContext, check_text, need,
    opt, parse_transaction, private, to_json,
};
use crate::error::{Error, Result};

/// Looks an order up by the merchant's `out_trade_no`, tokenpay's `transaction_id`, or both.
///
/// ```
/// use tokenpay::api::QueryOrderRequest;
/// let by_ours = QueryOrderRequest::by_out_trade_no("A-1001");
/// let by_theirs = QueryOrderRequest::by_transaction_id("e98b3029477f4bdcb971797a9d9e09ce");
/// assert_eq!(by_ours.out_trade_no(), Some("A-1001"));
/// assert_eq!(by_theirs.out_trade_no(), None);
/// ```
#[derive(Clone, Debug)]
pub struct QueryOrderRequest {
    transaction_id: Option<String>,
    out_trade_no: Option<String>,
}

impl QueryOrderRequest {
    /// By the merchant's order number.
    pub fn by_out_trade_no(out_trade_no: impl Into<String>) -> Self {
        Self {
            transaction_id: None,
            out_trade_no: Some(out_trade_no.into()),
        }
    }

    /// By tokenpay's order number.
    pub fn by_transaction_id(transaction_id: impl Into<String>) -> Self {
        Self {
            transaction_id: Some(transaction_id.into()),
            out_trade_no: None,
        }
    }

    /// Also sends tokenpay's order number.
    #[must_use]
    pub fn and_transaction_id(mut self, transaction_id: impl Into<String>) -> Self {
        self.transaction_id = Some(transaction_id.into());
        self
    }

    /// Also sends the merchant's order number.
    #[must_use]
    pub fn and_out_trade_no(mut self, out_trade_no: impl Into<String>) -> Self {
        self.out_trade_no = Some(out_trade_no.into());
        self
    }

    /// The merchant's order number, if set.
    pub fn out_trade_no(&self) -> Option<&str> {
        self.out_trade_no.as_deref()
    }

    /// tokenpay's order number, if set.
    pub fn transaction_id(&self) -> Option<&str> {
        self.transaction_id.as_deref()
    }
}

/// Validates the one-of pair shared by the order and payout queries.
pub(crate) fn check_ids(transaction_id: Option<&str>, out_trade_no: Option<&str>) -> Result<()> {
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(Error::validation(
            "out_trade_no",
            "or `transaction_id` must be given (at least one)",
        ));
    }
    if let Some(t) = transaction_id {
        check_text("transaction_id", t)?;
    }
    if let Some(o) = out_trade_no {
        check_text("out_trade_no", o)?;
    }
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct IdsWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) transaction_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) out_trade_no: Option<&'a str>,
}

impl private::Sealed for QueryOrderRequest {}

impl Operation for QueryOrderRequest {
    type Response = QueryOrderResponse;
    const NAME: &'static str = "query_order";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/transaction/query".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        match (&self.out_trade_no, &self.transaction_id) {
            (Some(o), _) => Some(("out_trade_no", o)),
            (None, Some(t)) => Some(("transaction_id", t)),
            (None, None) => None,
        }
    }

    fn validate(&self) -> Result<()> {
        check_ids(opt(&self.transaction_id), opt(&self.out_trade_no))
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            IdsWire {
                transaction_id: opt(&self.transaction_id),
                out_trade_no: opt(&self.out_trade_no),
            },
        )
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<QueryOrderResponse, String> {
        let order = parse_transaction("data", need(data)?).map_err(|e| e.render())?;
        Ok(QueryOrderResponse {
            order,
            request_id: meta.request_id,
        })
    }
}

/// The order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct QueryOrderResponse {
    /// The order as tokenpay knows it.
    pub order: TransactionDetail,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
