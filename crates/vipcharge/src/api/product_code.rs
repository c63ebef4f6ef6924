//! `POST /v1/openapi/order/productCode` (兑换码采购): buy the platform's own redemption codes.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::coupon::{CodeOrder, code_order_accessors};
use super::{BodyContext, Extra, FromReply, Operation, ParseContext, Sealed, rule};
use crate::error::{DecodeError, ValidationError};
use crate::wire::JsonDecimal;

/// Buys a redemption code of `product_code` (产品编码, issued by the platform).
///
/// The page is cut after `spec`: `bizCode` is not in the readable docs (the sibling order
/// endpoints all take it, and reconciliation needs it), so it is an optional setter here; any
/// other field goes through [`ProductCodeRequest::field`]. The code in the reply is
/// "RSA-encrypted and Base64-encoded" like the card codes and is decrypted the same way.
///
/// ```
/// use rust_decimal::Decimal;
/// use vipcharge::api::ProductCodeRequest;
/// let req = ProductCodeRequest::new("RP-001").spec(Decimal::new(500, 2)).biz_code("BIZ-3");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ProductCodeRequest {
    product_code: String,
    spec: Option<Decimal>,
    biz_code: Option<String>,
    extra: Extra,
}

impl ProductCodeRequest {
    /// A purchase of `product_code`.
    pub fn new(product_code: impl Into<String>) -> Self {
        Self {
            product_code: product_code.into(),
            spec: None,
            biz_code: None,
            extra: Extra::default(),
        }
    }

    /// The face value for variable-amount WeChat/Alipay red-packet products (`spec`), sent as a
    /// JSON number from its exact decimal text.
    #[must_use]
    pub fn spec(mut self, spec: Decimal) -> Self {
        self.spec = Some(spec);
        self
    }

    /// The merchant order number (not in the readable docs; see the type docs).
    #[must_use]
    pub fn biz_code(mut self, biz_code: impl Into<String>) -> Self {
        self.biz_code = Some(biz_code.into());
        self
    }

    /// Any further body field the platform documents to you (written after the typed ones).
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name, value);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    product_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    spec: Option<JsonDecimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a std::collections::BTreeMap<String, Value>,
}

impl Sealed for ProductCodeRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("productCode", &self.product_code)?;
        if let Some(spec) = self.spec {
            rule::amount("spec", spec)?;
        }
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        self.extra.validate(&["productCode", "spec", "bizCode"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            product_code: &self.product_code,
            spec: self.spec.map(JsonDecimal),
            biz_code: self.biz_code.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    fn needs_card_key(&self) -> bool {
        true
    }
}

impl Operation for ProductCodeRequest {
    type Response = ProductCodeResponse;
    const NAME: &'static str = "order/productCode";
    const PATH: &'static str = "/v1/openapi/order/productCode";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}

/// Purchased redemption codes, decrypted. The reply page is cut: it is read with the card-code
/// layout (`orderCode`, `bizCode`, `productName`, `settlementPrice`, `type`, `couponInfo[]` with
/// encrypted `cardNo`/`cdkey`); anything else stays in `extra` (decrypt such a field with
/// [`crate::card::decrypt`]).
#[derive(Clone, Debug)]
pub struct ProductCodeResponse(CodeOrder);

code_order_accessors!(ProductCodeResponse);
