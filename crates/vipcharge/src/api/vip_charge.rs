//! `POST /v1/openapi/order/VIPCharge` (直充会员下单): VIP membership direct recharge.

use payhub_runtime::Idempotency;
use serde::Serialize;

use super::{BodyContext, ChargeResponse, Operation, Sealed, rule};
use crate::error::ValidationError;

/// Places a VIP membership direct recharge. The order is asynchronous: the reply only says it
/// was accepted ([`ChargeResponse`]); the result arrives in the status callback.
///
/// ```
/// use vipcharge::api::VipChargeRequest;
/// let req = VipChargeRequest::new("87103", "w23b52", "BIZ-0001")
///     .mobile("15012616978")
///     .callback_url("https://merchant.example/vip/notify");
/// assert_eq!(req.biz_code(), "BIZ-0001");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VipChargeRequest {
    product_code: String,
    mobile: Option<String>,
    account: String,
    biz_code: String,
    callback_url: Option<String>,
}

impl VipChargeRequest {
    /// A recharge of `product_code` (产品CODE) to `account` (直冲账号), with the merchant's unique
    /// order number `biz_code` (商家订单号; a repeat gets status 8).
    pub fn new(
        product_code: impl Into<String>,
        account: impl Into<String>,
        biz_code: impl Into<String>,
    ) -> Self {
        Self {
            product_code: product_code.into(),
            mobile: None,
            account: account.into(),
            biz_code: biz_code.into(),
            callback_url: None,
        }
    }

    /// The user's mobile number (手机号, optional).
    #[must_use]
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into());
        self
    }

    /// Where status reports are pushed; when unset, the address set at account opening is used.
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// The merchant order number.
    pub fn biz_code(&self) -> &str {
        &self.biz_code
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    product_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<&'a str>,
    account: &'a str,
    biz_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
}

impl Sealed for VipChargeRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("productCode", &self.product_code)?;
        rule::mobile("mobile", self.mobile.as_deref())?;
        rule::text("account", &self.account)?;
        rule::text("bizCode", &self.biz_code)?;
        rule::url("callbackUrl", self.callback_url.as_deref())
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            product_code: &self.product_code,
            mobile: self.mobile.as_deref(),
            account: &self.account,
            biz_code: &self.biz_code,
            callback_url: self.callback_url.as_deref(),
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        Some(&self.biz_code)
    }
}

impl Operation for VipChargeRequest {
    type Response = ChargeResponse;
    const NAME: &'static str = "VIPCharge";
    const PATH: &'static str = "/v1/openapi/order/VIPCharge";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}
