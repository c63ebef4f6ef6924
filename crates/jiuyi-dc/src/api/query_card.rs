//! `/dcapi/queryCard` (代充商品列表, old): retired by the provider on 2024-10-31 (作废). Use
//! [`crate::api::QueryCardListRequest`].
#![allow(deprecated)] // This module defines the deprecated type.

use payhub_runtime::Idempotency;

use super::products::parse_items;
use super::{DirectProductGroup, Operation, Reply, check_text};
use crate::Result;

/// The retired grouped product list.
#[deprecated(
    since = "0.1.0",
    note = "retired by the provider on 2024-10-31; use api::QueryCardListRequest"
)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryCardRequest {
    keyword: Option<String>,
}

impl QueryCardRequest {
    /// All groups.
    pub fn new() -> Self {
        Self::default()
    }

    /// `keyword` (sent, not signed).
    #[must_use]
    pub fn keyword(mut self, keyword: impl Into<String>) -> Self {
        self.keyword = Some(keyword.into());
        self
    }
}

impl Operation for QueryCardRequest {
    type Response = Vec<DirectProductGroup>;
    const NAME: &'static str = "queryCard";
    const PATH: &'static str = "/dcapi/queryCard";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &["keyword"];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        let mut fields = Vec::new();
        if let Some(k) = &self.keyword {
            check_text("keyword", k)?;
            fields.push(("keyword", k.clone()));
        }
        Ok(fields)
    }

    fn parse_reply(reply: &Reply) -> Result<Vec<DirectProductGroup>> {
        match reply.result() {
            Some(raw) => parse_items(&reply.ctx(), "result", raw, DirectProductGroup::parse),
            None => Ok(Vec::new()),
        }
    }
}
