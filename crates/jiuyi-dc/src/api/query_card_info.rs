//! `/dcapi/queryCardInfo` (单个代充商品): one direct-recharge product.

use payhub_runtime::Idempotency;

use super::json::Obj;
use super::{DirectProduct, Operation, Reply, check_id};
use crate::Result;

/// Read one direct-recharge product by id.
///
/// ```
/// use jiuyi_dc::api::QueryCardInfoRequest;
/// let req = QueryCardInfoRequest::new("43");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryCardInfoRequest {
    id: String,
}

impl QueryCardInfoRequest {
    /// The product `id` (signed, unlike the list filters).
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Operation for QueryCardInfoRequest {
    type Response = DirectProduct;
    const NAME: &'static str = "queryCardInfo";
    const PATH: &'static str = "/dcapi/queryCardInfo";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("id", &self.id)?;
        Ok(vec![("id", self.id.clone())])
    }

    fn parse_reply(reply: &Reply) -> Result<DirectProduct> {
        let ctx = reply.ctx();
        let raw = reply
            .result()
            .ok_or_else(|| ctx.field_error("result", "is missing"))?;
        DirectProduct::parse(Obj::parse(&ctx, "result", raw)?)
    }
}
