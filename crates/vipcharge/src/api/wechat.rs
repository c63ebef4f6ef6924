//! `POST /v1/openapi/order/wechat/coupons` (微信立减金) and `/v1/openapi/order/wechat/transfer`
//! (微信零钱).

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use serde::Serialize;
use serde_json::Value;

use super::{BodyContext, ChargeResponse, Extra, Operation, Sealed, rule};
use crate::error::ValidationError;

/// A WeChat instant discount (立减金) for the user `open_id`, which must belong to an appId
/// authorised with the provider.
///
/// The page is cut at `openId`: `productCode` and `bizCode` are not in the readable docs, so
/// they are optional setters; any other field goes through [`WechatCouponsRequest::field`].
///
/// ```
/// use vipcharge::api::WechatCouponsRequest;
/// let req = WechatCouponsRequest::new("o-abc").app_id("wx123").product_code("WX-LJJ").biz_code("B-2");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WechatCouponsRequest {
    app_id: Option<String>,
    open_id: String,
    product_code: Option<String>,
    biz_code: Option<String>,
    extra: Extra,
}

impl WechatCouponsRequest {
    /// A discount for the WeChat user `open_id`.
    pub fn new(open_id: impl Into<String>) -> Self {
        Self {
            app_id: None,
            open_id: open_id.into(),
            product_code: None,
            biz_code: None,
            extra: Extra::default(),
        }
    }

    /// The appId, overriding the one in the platform's configuration.
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
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
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    open_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for WechatCouponsRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::opt_text("appId", self.app_id.as_deref())?;
        rule::text("openId", &self.open_id)?;
        rule::opt_text("productCode", self.product_code.as_deref())?;
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        self.extra
            .validate(&["appId", "openId", "productCode", "bizCode"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&CouponsWire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            app_id: self.app_id.as_deref(),
            open_id: &self.open_id,
            product_code: self.product_code.as_deref(),
            biz_code: self.biz_code.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

impl Operation for WechatCouponsRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/wechat/coupons";
    const PATH: &'static str = "/v1/openapi/order/wechat/coupons";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}

/// A transfer to the WeChat balance (零钱) of the user `open_id` for product `product_code`.
///
/// The page is cut at `productCode`: `bizCode` is not in the readable docs, so it is an optional
/// setter; any other field (an amount, for instance) goes through
/// [`WechatTransferRequest::field`].
///
/// ```
/// use vipcharge::api::WechatTransferRequest;
/// let req = WechatTransferRequest::new("o-abc", "WX-LQ-5").biz_code("B-3");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WechatTransferRequest {
    app_id: Option<String>,
    open_id: String,
    product_code: String,
    biz_code: Option<String>,
    extra: Extra,
}

impl WechatTransferRequest {
    /// A transfer of product `product_code` to the WeChat user `open_id`.
    pub fn new(open_id: impl Into<String>, product_code: impl Into<String>) -> Self {
        Self {
            app_id: None,
            open_id: open_id.into(),
            product_code: product_code.into(),
            biz_code: None,
            extra: Extra::default(),
        }
    }

    /// The appId, overriding the one in the platform's configuration.
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
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
struct TransferWire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    open_id: &'a str,
    product_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for WechatTransferRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::opt_text("appId", self.app_id.as_deref())?;
        rule::text("openId", &self.open_id)?;
        rule::text("productCode", &self.product_code)?;
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        self.extra
            .validate(&["appId", "openId", "productCode", "bizCode"])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&TransferWire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            app_id: self.app_id.as_deref(),
            open_id: &self.open_id,
            product_code: &self.product_code,
            biz_code: self.biz_code.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

impl Operation for WechatTransferRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/wechat/transfer";
    const PATH: &'static str = "/v1/openapi/order/wechat/transfer";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}
