//! `POST /v1/openapi/order/alipay/transfer` (支付宝红包) and `/v1/openapi/order/alipay/coupons`
//! (支付宝立减金).

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{BodyContext, ChargeResponse, Extra, Operation, Sealed, rule};
use crate::error::ValidationError;
use crate::wire::JsonDecimal;

/// An Alipay red packet: a B2C transfer of `amount` to the user's Alipay balance.
///
/// The page is cut at `amount`; the user's Alipay account field is not in the readable docs, so
/// give it (and `callbackUrl` if your contract has it) through [`AlipayTransferRequest::field`].
///
/// ```
/// use rust_decimal::Decimal;
/// use vipcharge::api::AlipayTransferRequest;
/// let req = AlipayTransferRequest::new("BIZ-AT-1", "ALI-RP", Decimal::new(1050, 2))
///     .field("account", "user@example.com");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AlipayTransferRequest {
    biz_code: String,
    product_code: String,
    amount: Decimal,
    extra: Extra,
}

impl AlipayTransferRequest {
    /// A transfer of `amount` (at least 0.01, two decimal places at most; a fixed or custom face
    /// value) of product `product_code` under merchant order number `biz_code`.
    pub fn new(
        biz_code: impl Into<String>,
        product_code: impl Into<String>,
        amount: Decimal,
    ) -> Self {
        Self {
            biz_code: biz_code.into(),
            product_code: product_code.into(),
            amount,
            extra: Extra::default(),
        }
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
struct TransferWire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    biz_code: &'a str,
    product_code: &'a str,
    amount: JsonDecimal,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for AlipayTransferRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("bizCode", &self.biz_code)?;
        rule::text("productCode", &self.product_code)?;
        rule::amount("amount", self.amount)?;
        self.extra.validate(&["bizCode", "productCode", "amount"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&TransferWire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            biz_code: &self.biz_code,
            product_code: &self.product_code,
            amount: JsonDecimal(self.amount),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        Some(&self.biz_code)
    }
}

impl Operation for AlipayTransferRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/alipay/transfer";
    const PATH: &'static str = "/v1/openapi/order/alipay/transfer";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}

/// An Alipay instant discount (立减金) for the Alipay user with phone number `mobile`.
///
/// The page is cut at `activityId`: `activityId` is an optional setter, and `bizCode` (not in
/// the readable docs) too; any other field goes through [`AlipayCouponsRequest::field`].
///
/// ```
/// use vipcharge::api::AlipayCouponsRequest;
/// let req = AlipayCouponsRequest::new("15012616978", "ALI-LJJ").activity_id("ACT-9").biz_code("B-1");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AlipayCouponsRequest {
    mobile: String,
    product_code: String,
    activity_id: Option<String>,
    biz_code: Option<String>,
    extra: Extra,
}

impl AlipayCouponsRequest {
    /// A discount of product `product_code` for the Alipay account with phone number `mobile`.
    pub fn new(mobile: impl Into<String>, product_code: impl Into<String>) -> Self {
        Self {
            mobile: mobile.into(),
            product_code: product_code.into(),
            activity_id: None,
            biz_code: None,
            extra: Extra::default(),
        }
    }

    /// The Alipay activity ID (the page is cut here).
    #[must_use]
    pub fn activity_id(mut self, activity_id: impl Into<String>) -> Self {
        self.activity_id = Some(activity_id.into());
        self
    }

    /// The merchant order number (not in the readable docs).
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
struct CouponsWire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    mobile: &'a str,
    product_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    activity_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for AlipayCouponsRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::mobile("mobile", Some(&self.mobile))?;
        rule::text("productCode", &self.product_code)?;
        rule::opt_text("activityId", self.activity_id.as_deref())?;
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        self.extra
            .validate(&["mobile", "productCode", "activityId", "bizCode"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&CouponsWire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            mobile: &self.mobile,
            product_code: &self.product_code,
            activity_id: self.activity_id.as_deref(),
            biz_code: self.biz_code.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

impl Operation for AlipayCouponsRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/alipay/coupons";
    const PATH: &'static str = "/v1/openapi/order/alipay/coupons";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}
