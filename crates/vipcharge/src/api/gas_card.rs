//! `POST /v1/openapi/order/gasCard` (加油卡直充): fuel card recharge.

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use serde::Serialize;
use serde_json::Value;

use super::{BodyContext, ChargeResponse, Extra, Operation, Sealed, rule};
use crate::error::ValidationError;
use crate::types::GasCardType;

/// Recharges a Sinopec (`ZSH`) or PetroChina (`ZSY`) fuel card.
///
/// The page is cut after `cardType`. `productCode`, `bizCode` and `callbackUrl` are not in the
/// readable docs (every sibling order endpoint has them, and reconciliation needs `bizCode`), so
/// they are optional setters here, sent only when set; any other field goes through
/// [`GasCardRequest::field`].
///
/// ```
/// use vipcharge::api::GasCardRequest;
/// use vipcharge::types::GasCardType;
/// let req = GasCardRequest::new("1000113200012345678", GasCardType::Sinopec)
///     .product_code("ZSH-100")
///     .biz_code("BIZ-GAS-1");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GasCardRequest {
    mobile: Option<String>,
    account: String,
    card_type: GasCardType,
    product_code: Option<String>,
    biz_code: Option<String>,
    callback_url: Option<String>,
    extra: Extra,
}

impl GasCardRequest {
    /// A recharge of the fuel card `account` (加油卡号) issued by `card_type`.
    pub fn new(account: impl Into<String>, card_type: GasCardType) -> Self {
        Self {
            mobile: None,
            account: account.into(),
            card_type,
            product_code: None,
            biz_code: None,
            callback_url: None,
            extra: Extra::default(),
        }
    }

    /// The card holder's mobile number (optional).
    #[must_use]
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into());
        self
    }

    /// The product code (not in the readable docs).
    #[must_use]
    pub fn product_code(mut self, product_code: impl Into<String>) -> Self {
        self.product_code = Some(product_code.into());
        self
    }

    /// The merchant order number (not in the readable docs).
    #[must_use]
    pub fn biz_code(mut self, biz_code: impl Into<String>) -> Self {
        self.biz_code = Some(biz_code.into());
        self
    }

    /// The status-report URL (not in the readable docs).
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
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
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<&'a str>,
    account: &'a str,
    card_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for GasCardRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::mobile("mobile", self.mobile.as_deref())?;
        rule::text("account", &self.account)?;
        rule::opt_text("productCode", self.product_code.as_deref())?;
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        rule::url("callbackUrl", self.callback_url.as_deref())?;
        self.extra.validate(&[
            "mobile",
            "account",
            "cardType",
            "productCode",
            "bizCode",
            "callbackUrl",
        ])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            mobile: self.mobile.as_deref(),
            account: &self.account,
            card_type: self.card_type.as_str(),
            product_code: self.product_code.as_deref(),
            biz_code: self.biz_code.as_deref(),
            callback_url: self.callback_url.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

impl Operation for GasCardRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/gasCard";
    const PATH: &'static str = "/v1/openapi/order/gasCard";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}
