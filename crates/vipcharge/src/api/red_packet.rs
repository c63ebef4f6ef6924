//! `POST /v1/openapi/order/redPacket` (微信红包): a WeChat red packet the user claims in WeChat.

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use serde::Serialize;
use serde_json::Value;

use super::{BodyContext, ChargeResponse, Extra, Operation, Sealed, rule};
use crate::error::ValidationError;

/// Sends a WeChat red packet from the template `template_id`. The user's openId must belong to
/// an appId authorised with the provider's merchant number.
///
/// The page is cut at `appId`: `openId`, `bizCode` and `callbackUrl` are not in the readable
/// docs, so they are optional setters, sent only when set; any other field goes through
/// [`RedPacketRequest::field`].
///
/// ```
/// use vipcharge::api::RedPacketRequest;
/// let req = RedPacketRequest::new("TPL-1").app_id("wx123").open_id("o-abc").biz_code("BIZ-RP-1");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RedPacketRequest {
    template_id: String,
    mobile: Option<String>,
    app_id: Option<String>,
    open_id: Option<String>,
    biz_code: Option<String>,
    callback_url: Option<String>,
    extra: Extra,
}

impl RedPacketRequest {
    /// A red packet from the template `template_id` (红包模板ID).
    pub fn new(template_id: impl Into<String>) -> Self {
        Self {
            template_id: template_id.into(),
            mobile: None,
            app_id: None,
            open_id: None,
            biz_code: None,
            callback_url: None,
            extra: Extra::default(),
        }
    }

    /// The user's mobile number (optional).
    #[must_use]
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into());
        self
    }

    /// The WeChat appId (the page is cut here).
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The user's WeChat openId (not in the readable docs).
    #[must_use]
    pub fn open_id(mut self, open_id: impl Into<String>) -> Self {
        self.open_id = Some(open_id.into());
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
    template_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

impl Sealed for RedPacketRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("templateId", &self.template_id)?;
        rule::mobile("mobile", self.mobile.as_deref())?;
        rule::opt_text("appId", self.app_id.as_deref())?;
        rule::opt_text("openId", self.open_id.as_deref())?;
        rule::opt_text("bizCode", self.biz_code.as_deref())?;
        rule::url("callbackUrl", self.callback_url.as_deref())?;
        self.extra.validate(&[
            "templateId",
            "mobile",
            "appId",
            "openId",
            "bizCode",
            "callbackUrl",
        ])
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            template_id: &self.template_id,
            mobile: self.mobile.as_deref(),
            app_id: self.app_id.as_deref(),
            open_id: self.open_id.as_deref(),
            biz_code: self.biz_code.as_deref(),
            callback_url: self.callback_url.as_deref(),
            extra: &self.extra.0,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }
}

impl Operation for RedPacketRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "order/redPacket";
    const PATH: &'static str = "/v1/openapi/order/redPacket";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}
