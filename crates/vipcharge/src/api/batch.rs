//! `POST /v1/openapi/order/batch` (批量直充): many direct recharges of one product in one call.

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{BodyContext, Extra, FromReply, Operation, ParseContext, Sealed, rule};
use crate::error::{DecodeError, DecodeErrorKind, ValidationError};
use crate::wire::Fields;

/// One recharge of a batch: its own merchant order number and account.
///
/// The page is cut inside the item (`accountAtta…`); give further item fields with
/// [`BatchItem::field`].
#[derive(Clone, Debug, PartialEq)]
pub struct BatchItem {
    biz_code: String,
    account: String,
    extra: Extra,
}

impl BatchItem {
    /// An item recharging `account` (fuel card, bank card, ...) under order number `biz_code`.
    pub fn new(biz_code: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            biz_code: biz_code.into(),
            account: account.into(),
            extra: Extra::default(),
        }
    }

    /// Any further item field the platform documents to you.
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name, value);
        self
    }

    /// The item's merchant order number.
    pub fn biz_code(&self) -> &str {
        &self.biz_code
    }
}

/// A batch of direct recharges of `product_code`.
///
/// Each item is an order of its own: after an `OutcomeUnknown`, reconcile every item's
/// `bizCode` ([`BatchRequest::item_biz_codes`]); the batch number is not an order number.
///
/// ```
/// use vipcharge::api::{BatchItem, BatchRequest};
/// let req = BatchRequest::new("BATCH-1", "ZSH-100")
///     .item(BatchItem::new("BIZ-1", "1000113200000000001"))
///     .item(BatchItem::new("BIZ-2", "1000113200000000002"));
/// assert_eq!(req.item_biz_codes().collect::<Vec<_>>(), ["BIZ-1", "BIZ-2"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchRequest {
    batch_biz_code: String,
    product_code: String,
    callback_url: Option<String>,
    items: Vec<BatchItem>,
    extra: Extra,
}

impl BatchRequest {
    /// A batch with serial number `batch_biz_code` (批充流水号) of product `product_code`.
    pub fn new(batch_biz_code: impl Into<String>, product_code: impl Into<String>) -> Self {
        Self {
            batch_biz_code: batch_biz_code.into(),
            product_code: product_code.into(),
            callback_url: None,
            items: Vec::new(),
            extra: Extra::default(),
        }
    }

    /// Where status reports are pushed (optional).
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Adds an item.
    #[must_use]
    pub fn item(mut self, item: BatchItem) -> Self {
        self.items.push(item);
        self
    }

    /// Any further body field the platform documents to you (written after the typed ones).
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name, value);
        self
    }

    /// The batch serial number.
    pub fn batch_biz_code(&self) -> &str {
        &self.batch_biz_code
    }

    /// The order numbers of the items, to reconcile one by one.
    pub fn item_biz_codes(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.biz_code.as_str())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemWire<'a> {
    biz_code: &'a str,
    account: &'a str,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    batch_biz_code: &'a str,
    product_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    item_list: Vec<ItemWire<'a>>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for BatchRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("batchBizCode", &self.batch_biz_code)?;
        rule::text("productCode", &self.product_code)?;
        rule::url("callbackUrl", self.callback_url.as_deref())?;
        if self.items.is_empty() {
            return Err(ValidationError::new(
                "itemList",
                "a batch needs at least one item",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, item) in self.items.iter().enumerate() {
            rule::text(&format!("itemList[{i}].bizCode"), &item.biz_code)?;
            rule::text(&format!("itemList[{i}].account"), &item.account)?;
            if !seen.insert(item.biz_code.as_str()) {
                return Err(ValidationError::new(
                    format!("itemList[{i}].bizCode"),
                    "repeats the bizCode of an earlier item (each item is its own order)",
                ));
            }
            item.extra.validate(&["bizCode", "account"]).map_err(|e| {
                ValidationError::new(format!("itemList[{i}].{}", e.field()), e.rule())
            })?;
        }
        self.extra
            .validate(&["batchBizCode", "productCode", "callbackUrl", "itemList"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            batch_biz_code: &self.batch_biz_code,
            product_code: &self.product_code,
            callback_url: self.callback_url.as_deref(),
            item_list: self
                .items
                .iter()
                .map(|i| ItemWire {
                    biz_code: &i.biz_code,
                    account: &i.account,
                    extra: &i.extra.0,
                })
                .collect(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        // The batch serial number is not an order number: `order/info` cannot reconcile it.
        None
    }
}

impl Operation for BatchRequest {
    type Response = BatchResponse;
    const NAME: &'static str = "order/batch";
    const PATH: &'static str = "/v1/openapi/order/batch";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}

/// An accepted batch. The reply page is cut: when `data` is an object, `batchBizCode` is read
/// and the rest is kept in [`BatchResponse::extra`]; when it is an array, its elements are in
/// [`BatchResponse::items`]. Each item's result comes in its own callback.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchResponse {
    batch_biz_code: Option<String>,
    items: Vec<Value>,
    extra: Map<String, Value>,
}

impl BatchResponse {
    /// The batch serial number echoed back.
    pub fn batch_biz_code(&self) -> Option<&str> {
        self.batch_biz_code.as_deref()
    }

    /// The elements of `data` when it is an array (per-item acceptances), as received.
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// Fields of `data` this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl FromReply for BatchResponse {
    fn from_reply(data: Option<&RawValue>, _ctx: &ParseContext<'_>) -> Result<Self, DecodeError> {
        if let Some(raw) = data.filter(|r| r.get().starts_with('[')) {
            let items: Vec<Value> = serde_json::from_str(raw.get()).map_err(|_| {
                DecodeError::field(DecodeErrorKind::InvalidField, "", "expected a JSON array")
            })?;
            return Ok(Self {
                batch_biz_code: None,
                items,
                extra: Map::new(),
            });
        }
        let mut f = Fields::data(data)?;
        Ok(Self {
            batch_biz_code: f.opt_string("batchBizCode")?,
            items: Vec::new(),
            extra: f.rest(),
        })
    }
}
