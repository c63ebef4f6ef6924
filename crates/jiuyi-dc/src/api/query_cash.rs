//! `/dcapi/queryCash` (余额查询): the account balance in yuan.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;

use super::json::{Obj, scalar_text};
use super::{Operation, Reply};
use crate::Result;
use crate::types::parse_plain_decimal;

/// Query the balance.
///
/// ```
/// use jiuyi_dc::api::QueryCashRequest;
/// let req = QueryCashRequest::new();
/// # let _ = req;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryCashRequest(());

impl QueryCashRequest {
    /// The balance query (it has no parameters besides `appid`).
    pub fn new() -> Self {
        Self(())
    }
}

impl Default for QueryCashRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl Operation for QueryCashRequest {
    type Response = Balance;
    const NAME: &'static str = "queryCash";
    const PATH: &'static str = "/dcapi/queryCash";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        Ok(Vec::new())
    }

    fn parse_reply(reply: &Reply) -> Result<Balance> {
        let ctx = reply.ctx();
        let raw = reply
            .result()
            .ok_or_else(|| ctx.field_error("result", "is missing (the balance)"))?;
        let text = if raw.get().starts_with('{') {
            // Tolerate `{"money": ...}` / `{"balance": ...}`.
            let mut o = Obj::parse(&ctx, "result", raw)?;
            match o.text("balance")? {
                Some(t) => t,
                None => o.req_text("money")?,
            }
        } else {
            scalar_text(&ctx, "result", raw)?.unwrap_or_default()
        };
        let yuan = parse_plain_decimal(&text)
            .map_err(|_| ctx.field_error("result", "expected a decimal amount (yuan)"))?;
        Ok(Balance { yuan })
    }
}

/// The balance of the merchant account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Balance {
    /// The balance in yuan, as sent (e.g. `348.70`).
    pub yuan: Decimal,
}
