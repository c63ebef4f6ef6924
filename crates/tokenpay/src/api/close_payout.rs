//! Payout cancellation, `POST /v1/payanother/close` (or `/v1/payout/close`). The id field is
//! `payanother_id` or `payout_id` to match the path family (see [`super::PayoutPaths`]).

use serde::Serialize;
use serde::ser::SerializeMap as _;

use super::{Idempotency, Method, Operation, ReplyMeta, WireContext, check_text, private, to_json};
use crate::error::Result;

/// Cancels a payout by tokenpay's payout id.
///
/// ```
/// use tokenpay::api::ClosePayoutRequest;
/// let req = ClosePayoutRequest::new("2a1cfa6568xxxxxxxx3050957024c559");
/// assert_eq!(req.payout_id(), "2a1cfa6568xxxxxxxx3050957024c559");
/// ```
#[derive(Clone, Debug)]
pub struct ClosePayoutRequest {
    payout_id: String,
}

impl ClosePayoutRequest {
    /// Cancels the payout `payout_id` (tokenpay's id, `transaction_id` in payout replies).
    pub fn new(payout_id: impl Into<String>) -> Self {
        Self {
            payout_id: payout_id.into(),
        }
    }

    /// The payout id.
    pub fn payout_id(&self) -> &str {
        &self.payout_id
    }
}

/// `{"<payanother_id|payout_id>": id}`.
struct Wire<'a> {
    field: &'static str,
    id: &'a str,
}

impl Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.field, self.id)?;
        m.end()
    }
}

impl private::Sealed for ClosePayoutRequest {}

impl Operation for ClosePayoutRequest {
    type Response = ClosePayoutResponse;
    const NAME: &'static str = "close_payout";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, ctx: &WireContext<'_>) -> String {
        format!("{}/close", ctx.payout_paths.prefix())
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("payout_id", &self.payout_id))
    }

    fn validate(&self) -> Result<()> {
        check_text("payout_id", &self.payout_id)
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            Wire {
                field: ctx.payout_paths.close_id_field(),
                id: &self.payout_id,
            },
        )
    }

    fn parse_data(
        _: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<ClosePayoutResponse, String> {
        Ok(ClosePayoutResponse {
            msg: meta.msg,
            request_id: meta.request_id,
        })
    }
}

/// The payout was cancelled (tokenpay returns no `data`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClosePayoutResponse {
    /// tokenpay's `msg`.
    pub msg: String,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
