//! `/dcapi/queryCardCategory` (代充商品分类): the direct-recharge product categories.

use payhub_runtime::Idempotency;

use super::products::parse_items;
use super::{Category, Operation, Reply};
use crate::Result;

/// List the direct-recharge categories.
///
/// ```
/// use jiuyi_dc::api::QueryCardCategoryRequest;
/// let req = QueryCardCategoryRequest::new();
/// # let _ = req;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryCardCategoryRequest(());

impl QueryCardCategoryRequest {
    /// The category list (no parameters besides `appid`).
    pub fn new() -> Self {
        Self(())
    }
}

impl Default for QueryCardCategoryRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl Operation for QueryCardCategoryRequest {
    type Response = Vec<Category>;
    const NAME: &'static str = "queryCardCategory";
    const PATH: &'static str = "/dcapi/queryCardCategory";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        Ok(Vec::new())
    }

    fn parse_reply(reply: &Reply) -> Result<Vec<Category>> {
        match reply.result() {
            Some(raw) => parse_items(&reply.ctx(), "result", raw, Category::parse),
            None => Ok(Vec::new()),
        }
    }
}
