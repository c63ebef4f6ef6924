//! `/dcapi/queryCardList` (代充商品列表): a page of direct-recharge products. The paging, keyword
//! and filter fields are sent but not signed.

use payhub_runtime::Idempotency;

use super::{DirectProduct, Operation, ProductPage, Reply, check_id, check_text};
use crate::{Error, Result};

/// The largest `pageSize` the provider accepts.
pub const MAX_PAGE_SIZE: u32 = 50;

/// List direct-recharge products, optionally filtered.
///
/// ```
/// use jiuyi_dc::api::QueryCardListRequest;
/// let req = QueryCardListRequest::new().page(1, 20).keyword("视频");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryCardListRequest {
    page_index: Option<u32>,
    page_size: Option<u32>,
    keyword: Option<String>,
    id: Option<String>,
    pid: Option<String>,
}

impl QueryCardListRequest {
    /// The first page with the provider's default size (20).
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

    /// `keyword`: search by name.
    #[must_use]
    pub fn keyword(mut self, keyword: impl Into<String>) -> Self {
        self.keyword = Some(keyword.into());
        self
    }

    /// `id`: only this product.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// `pid`: only this category (see `queryCardCategory`).
    #[must_use]
    pub fn pid(mut self, pid: impl Into<String>) -> Self {
        self.pid = Some(pid.into());
        self
    }
}

pub(crate) fn paging_fields(
    fields: &mut Vec<(&'static str, String)>,
    index: Option<u32>,
    size: Option<u32>,
) -> Result<()> {
    if let Some(index) = index {
        if index == 0 {
            return Err(Error::validation("pageIndex", "starts at 1"));
        }
        fields.push(("pageIndex", index.to_string()));
    }
    if let Some(size) = size {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::validation(
                "pageSize",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        fields.push(("pageSize", size.to_string()));
    }
    Ok(())
}

pub(crate) fn filter_fields(
    fields: &mut Vec<(&'static str, String)>,
    keyword: Option<&String>,
    id: Option<&String>,
    pid: Option<&String>,
) -> Result<()> {
    if let Some(k) = keyword {
        check_text("keyword", k)?;
        fields.push(("keyword", k.clone()));
    }
    if let Some(id) = id {
        check_id("id", id)?;
        fields.push(("id", id.clone()));
    }
    if let Some(pid) = pid {
        check_id("pid", pid)?;
        fields.push(("pid", pid.clone()));
    }
    Ok(())
}

impl Operation for QueryCardListRequest {
    type Response = ProductPage<DirectProduct>;
    const NAME: &'static str = "queryCardList";
    const PATH: &'static str = "/dcapi/queryCardList";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    /// Paging, keyword and filters are sent but not signed.
    const UNSIGNED_FIELDS: &'static [&'static str] =
        &["pageIndex", "pageSize", "keyword", "id", "pid"];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        let mut fields = Vec::new();
        paging_fields(&mut fields, self.page_index, self.page_size)?;
        filter_fields(
            &mut fields,
            self.keyword.as_ref(),
            self.id.as_ref(),
            self.pid.as_ref(),
        )?;
        Ok(fields)
    }

    fn parse_reply(reply: &Reply) -> Result<ProductPage<DirectProduct>> {
        ProductPage::parse(&reply.ctx(), reply.result(), DirectProduct::parse)
    }
}
