//! `/dcapi/card/queryCardDetail` (单个卡密信息): one card-code product.

use payhub_runtime::Idempotency;

use super::json::Obj;
use super::{CardProduct, Operation, Reply, check_id};
use crate::Result;

/// Read one card product by id.
///
/// ```
/// use jiuyi_dc::api::CardQueryCardDetailRequest;
/// let req = CardQueryCardDetailRequest::new("43");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardQueryCardDetailRequest {
    card_id: String,
}

impl CardQueryCardDetailRequest {
    /// The card product `card_id`.
    pub fn new(card_id: impl Into<String>) -> Self {
        Self {
            card_id: card_id.into(),
        }
    }
}

impl Operation for CardQueryCardDetailRequest {
    type Response = CardProduct;
    const NAME: &'static str = "card/queryCardDetail";
    const PATH: &'static str = "/dcapi/card/queryCardDetail";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("card_id", &self.card_id)?;
        Ok(vec![("card_id", self.card_id.clone())])
    }

    fn parse_reply(reply: &Reply) -> Result<CardProduct> {
        let ctx = reply.ctx();
        let raw = reply
            .result()
            .ok_or_else(|| ctx.field_error("result", "is missing"))?;
        CardProduct::parse(Obj::parse(&ctx, "result", raw)?)
    }
}
