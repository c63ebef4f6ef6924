//! `/dcapi/card/queryCardList` (卡券产品列表): a page of card-code products with the lowest live
//! price per item. `id`, `pid` and paging are sent but not signed.

use payhub_runtime::Idempotency;

use super::query_card_list::{filter_fields, paging_fields};
use super::{CardProduct, Operation, ProductPage, Reply};
use crate::Result;

/// List card products, optionally filtered.
///
/// ```
/// use jiuyi_dc::api::CardQueryCardListRequest;
/// let req = CardQueryCardListRequest::new().page(2, 50).pid("7");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardQueryCardListRequest {
    page_index: Option<u32>,
    page_size: Option<u32>,
    id: Option<String>,
    pid: Option<String>,
}

impl CardQueryCardListRequest {
    /// The first page with the provider's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// `pageIndex` (from 1) and `pageSize` (1 to 50).
    #[must_use]
    pub fn page(mut self, index: u32, size: u32) -> Self {
        self.page_index = Some(index);
        self.page_size = Some(size);
        self
    }

    /// `id`: only this product.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// `pid`: only this card category.
    #[must_use]
    pub fn pid(mut self, pid: impl Into<String>) -> Self {
        self.pid = Some(pid.into());
        self
    }
}

impl Operation for CardQueryCardListRequest {
    type Response = ProductPage<CardProduct>;
    const NAME: &'static str = "card/queryCardList";
    const PATH: &'static str = "/dcapi/card/queryCardList";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    /// Filters and paging are sent but not signed.
    const UNSIGNED_FIELDS: &'static [&'static str] = &["id", "pid", "pageIndex", "pageSize"];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        let mut fields = Vec::new();
        filter_fields(&mut fields, None, self.id.as_ref(), self.pid.as_ref())?;
        paging_fields(&mut fields, self.page_index, self.page_size)?;
        Ok(fields)
    }

    fn parse_reply(reply: &Reply) -> Result<ProductPage<CardProduct>> {
        ProductPage::parse(&reply.ctx(), reply.result(), CardProduct::parse)
    }
}
