//! Payout inquiry, `POST /v1/payanother/query` (or `/v1/payout/query`, see
//! [`super::PayoutPaths`]), with a JSON body.

use super::query_order::{IdsWire, check_ids};
use super::{
    Idempotency, Method, Operation, ReplyMeta, TransactionDetail, WireContext, need, opt,
    parse_transaction, private, to_json,
};
use crate::error::Result;

/// Looks a payout up by the merchant's `out_trade_no`, tokenpay's `transaction_id`, or both.
///
/// ```
/// use tokenpay::api::QueryPayoutRequest;
/// let req = QueryPayoutRequest::by_out_trade_no("P-77");
/// assert_eq!(req.out_trade_no(), Some("P-77"));
/// ```
#[derive(Clone, Debug)]
pub struct QueryPayoutRequest {
    transaction_id: Option<String>,
    out_trade_no: Option<String>,
}

impl QueryPayoutRequest {
    /// By the merchant's payout number.
    pub fn by_out_trade_no(out_trade_no: impl Into<String>) -> Self {
        Self {
            transaction_id: None,
            out_trade_no: Some(out_trade_no.into()),
        }
    }

    /// By tokenpay's payout number.
    pub fn by_transaction_id(transaction_id: impl Into<String>) -> Self {
        Self {
            transaction_id: Some(transaction_id.into()),
            out_trade_no: None,
        }
    }

    /// Also sends tokenpay's payout number.
    #[must_use]
    pub fn and_transaction_id(mut self, transaction_id: impl Into<String>) -> Self {
        self.transaction_id = Some(transaction_id.into());
        self
    }

    /// Also sends the merchant's payout number.
    #[must_use]
    pub fn and_out_trade_no(mut self, out_trade_no: impl Into<String>) -> Self {
        self.out_trade_no = Some(out_trade_no.into());
        self
    }

    /// The merchant's payout number, if set.
    pub fn out_trade_no(&self) -> Option<&str> {
        self.out_trade_no.as_deref()
    }

    /// tokenpay's payout number, if set.
    pub fn transaction_id(&self) -> Option<&str> {
        self.transaction_id.as_deref()
    }
}

impl private::Sealed for QueryPayoutRequest {}

impl Operation for QueryPayoutRequest {
    type Response = QueryPayoutResponse;
    const NAME: &'static str = "query_payout";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn path_and_query(&self, ctx: &WireContext<'_>) -> String {
        format!("{}/query", ctx.payout_paths.prefix())
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
    ) -> std::result::Result<QueryPayoutResponse, String> {
        let payout = parse_transaction("data", need(data)?).map_err(|e| e.render())?;
        Ok(QueryPayoutResponse {
            payout,
            request_id: meta.request_id,
        })
    }
}

/// The payout.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct QueryPayoutResponse {
    /// The payout as tokenpay knows it (same shape as an order).
    pub payout: TransactionDetail,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
