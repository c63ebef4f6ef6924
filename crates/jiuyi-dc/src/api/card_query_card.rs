//! `/dcapi/card/queryCard` (卡券产品列表, old): retired by the provider on 2024-10-31 (作废). Use
//! [`crate::api::CardQueryCardListRequest`].
#![allow(deprecated)] // This module defines the deprecated type.

use payhub_runtime::Idempotency;
use serde_json::{Map, Value};

use super::products::parse_items;
use super::{CardProduct, Operation, Reply, check_text};
use crate::Result;

/// The retired grouped card-product list.
#[deprecated(
    since = "0.1.0",
    note = "retired by the provider on 2024-10-31; use api::CardQueryCardListRequest"
)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardQueryCardRequest {
    keyword: Option<String>,
}

impl CardQueryCardRequest {
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

/// A group of card products (the retired `card/queryCard` list).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CardProductGroup {
    /// The group id.
    pub id: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The products (`list`).
    pub products: Vec<CardProduct>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl Operation for CardQueryCardRequest {
    type Response = Vec<CardProductGroup>;
    const NAME: &'static str = "card/queryCard";
    const PATH: &'static str = "/dcapi/card/queryCard";
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

    fn parse_reply(reply: &Reply) -> Result<Vec<CardProductGroup>> {
        let ctx = reply.ctx();
        match reply.result() {
            Some(raw) => parse_items(&ctx, "result", raw, |mut o| {
                let path = o.path_of("list");
                let products = match o.raw("list") {
                    Some(list) => parse_items(&ctx, &path, &list, CardProduct::parse)?,
                    None => Vec::new(),
                };
                Ok(CardProductGroup {
                    id: o.text("id")?,
                    name: o.text("name")?,
                    products,
                    extra: o.rest(),
                })
            }),
            None => Ok(Vec::new()),
        }
    }
}
