//! Catalogue types shared by the list and detail endpoints: categories, direct-recharge products,
//! card products and pages of them. Fields the docs name are typed; the rest are kept in `extra`.

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::json::{Ctx, Obj, items};
use crate::Result;
use crate::types::CardType;

/// A direct-recharge product category (`queryCardCategory`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Category {
    /// The category id (use it as `pid` filter of the lists).
    pub id: String,
    /// The name.
    pub name: Option<String>,
    /// The logo URL.
    pub logo: Option<String>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl Category {
    pub(crate) fn parse(mut o: Obj) -> Result<Self> {
        Ok(Self {
            id: o.req_text("id")?,
            name: o.text("name")?,
            logo: o.text("logo")?,
            extra: o.rest(),
        })
    }
}

/// A direct-recharge product (`queryCardList`, `queryCardInfo`, the retired `queryCard`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DirectProduct {
    /// The product id: the `card_id` of [`crate::api::PayRequest`].
    pub id: String,
    /// The category id.
    pub pid: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// `card_name`: the product's display name.
    pub card_name: Option<String>,
    /// The logo (`logo` or `card_logo`).
    pub logo: Option<String>,
    /// The price in yuan.
    pub price: Option<Decimal>,
    /// `avg`: the average fulfilment time in seconds.
    pub avg_seconds: Option<u64>,
    /// `type_name`.
    pub type_name: Option<String>,
    /// `account_type` (single-product detail).
    pub account_type: Option<String>,
    /// `recharge_type` (single-product detail).
    pub recharge_type: Option<String>,
    /// `buy_remark`: buying notes (single-product detail).
    pub buy_remark: Option<String>,
    /// `create_time` as sent.
    pub create_time: Option<String>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl DirectProduct {
    pub(crate) fn parse(mut o: Obj) -> Result<Self> {
        let logo = match o.text("logo")? {
            Some(l) => Some(l),
            None => o.text("card_logo")?,
        };
        Ok(Self {
            id: o.req_text("id")?,
            pid: o.text("pid")?,
            name: o.text("name")?,
            card_name: o.text("card_name")?,
            logo,
            price: o.decimal("price")?,
            avg_seconds: o.u64("avg")?,
            type_name: o.text("type_name")?,
            account_type: o.text("account_type")?,
            recharge_type: o.text("recharge_type")?,
            buy_remark: o.text("buy_remark")?,
            create_time: o.text("create_time")?,
            extra: o.rest(),
        })
    }
}

/// A group of direct-recharge products (the retired `queryCard` list).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DirectProductGroup {
    /// The group id.
    pub id: String,
    /// The parent id.
    pub pid: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The logo URL.
    pub logo: Option<String>,
    /// The products (`list`).
    pub products: Vec<DirectProduct>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl DirectProductGroup {
    pub(crate) fn parse(mut o: Obj) -> Result<Self> {
        let path = o.path_of("list");
        let products = match o.raw("list") {
            Some(raw) => parse_items(o.ctx(), &path, &raw, DirectProduct::parse)?,
            None => Vec::new(),
        };
        Ok(Self {
            id: o.req_text("id")?,
            pid: o.text("pid")?,
            name: o.text("name")?,
            logo: o.text("logo")?,
            products,
            extra: o.rest(),
        })
    }
}

/// One price tier of a card product (`priceList[]`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CardPrice {
    /// The price in yuan.
    pub price: Option<Decimal>,
    /// Undocumented fields (warranty hours, stock per tier, ...).
    pub extra: Map<String, Value>,
}

/// A card-code product (`card/queryCardList`, `card/queryCardDetail`, the retired
/// `card/queryCard`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CardProduct {
    /// The product id: the `card_id` of [`crate::api::CardPayOrderRequest`].
    pub id: String,
    /// The category id.
    pub pid: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// `card_name`.
    pub card_name: Option<String>,
    /// The logo URL.
    pub logo: Option<String>,
    /// `notice`: usage notes.
    pub notice: Option<String>,
    /// `num`: the stock.
    pub stock: Option<u64>,
    /// `type`: how codes are delivered.
    pub card_type: Option<CardType>,
    /// `typeName`.
    pub type_name: Option<String>,
    /// The lowest live price (`price`), when sent at the top level.
    pub price: Option<Decimal>,
    /// `priceList`.
    pub price_list: Vec<CardPrice>,
    /// `auto_confirm_hour`: the warranty hours of the product.
    pub auto_confirm_hour: Option<u64>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl CardProduct {
    pub(crate) fn parse(mut o: Obj) -> Result<Self> {
        let path = o.path_of("priceList");
        let price_list = match o.raw("priceList") {
            Some(raw) => parse_items(o.ctx(), &path, &raw, |mut p| {
                Ok(CardPrice {
                    price: p.decimal("price")?,
                    extra: p.rest(),
                })
            })?,
            None => Vec::new(),
        };
        Ok(Self {
            id: o.req_text("id")?,
            pid: o.text("pid")?,
            name: o.text("name")?,
            card_name: o.text("card_name")?,
            logo: o.text("logo")?,
            notice: o.text("notice")?,
            stock: o.u64("num")?,
            card_type: o.text("type")?.map(|t| CardType::parse(t.trim())),
            type_name: o.text("typeName")?,
            price: o.decimal("price")?,
            price_list,
            auto_confirm_hour: o.u64("auto_confirm_hour")?,
            extra: o.rest(),
        })
    }
}

/// A page of a list endpoint. The list pages of the reference are cut, so both shapes seen on
/// the platform are read: a bare array, or an object with `list` (plus `total` and others).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ProductPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// `total` (or `count`), when sent.
    pub total: Option<u64>,
    /// Other top-level fields of the page object.
    pub extra: Map<String, Value>,
}

impl<T> ProductPage<T> {
    pub(crate) fn parse(
        ctx: &Ctx,
        raw: Option<&RawValue>,
        item: impl Fn(Obj) -> Result<T>,
    ) -> Result<Self> {
        let Some(raw) = raw else {
            return Ok(Self {
                items: Vec::new(),
                total: None,
                extra: Map::new(),
            });
        };
        if raw.get().starts_with('{') {
            let mut o = Obj::parse(ctx, "result", raw)?;
            if o.has("list") || o.has("data") {
                let key = if o.has("list") { "list" } else { "data" };
                let path = o.path_of(key);
                let items = match o.raw(key) {
                    Some(list) => parse_items(ctx, &path, &list, &item)?,
                    None => Vec::new(),
                };
                let total = match o.u64("total")? {
                    Some(t) => Some(t),
                    None => o.u64("count")?,
                };
                return Ok(Self {
                    items,
                    total,
                    extra: o.rest(),
                });
            }
        }
        Ok(Self {
            items: parse_items(ctx, "result", raw, &item)?,
            total: None,
            extra: Map::new(),
        })
    }
}

pub(crate) fn parse_items<T>(
    ctx: &Ctx,
    path: &str,
    raw: &RawValue,
    item: impl Fn(Obj) -> Result<T>,
) -> Result<Vec<T>> {
    items(ctx, path, raw)?
        .iter()
        .enumerate()
        .map(|(i, r)| item(Obj::parse(ctx, &format!("{path}[{i}]"), r)?))
        .collect()
}
