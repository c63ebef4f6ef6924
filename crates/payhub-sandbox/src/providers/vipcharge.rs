//! vipcharge (兑换系统开放接口) sandbox module: every `/v1/openapi/...` endpoint with the platform's
//! header signatures (`SHA256-RSA` and `MD5`), nonce and timestamp checks, asynchronous order
//! progress, card codes encrypted to the merchant's public key, and signed status callbacks on the
//! platform's retry schedule.
//!
//! | route | does |
//! |---|---|
//! | `POST /v1/openapi/order/VIPCharge` | direct recharge: order accepted (`orderStatus` 0), then processing (1), then success (2) or failed (3) on the sandbox clock |
//! | `POST /v1/openapi/order/gasCard` | the same for a `ZSH`/`ZSY` fuel card (default product `<cardType>-100`) |
//! | `POST /v1/openapi/order/batch` | one direct order per `itemList` entry; `data` is `[{bizCode, orderCode, account}]` |
//! | `POST /v1/openapi/order/{redPacket,alipay/transfer,alipay/coupons,wechat/coupons,wechat/transfer}` | direct orders (`alipay/transfer` settles `amount`) |
//! | `POST /v1/openapi/order/coupon` | buys `num` (1..50) card codes, final at once; `couponInfo[].cardNo/cdkey` RSA-encrypted to the merchant key, base64 |
//! | `POST /v1/openapi/order/productCode` | buys one redemption code, same layout |
//! | `POST /v1/openapi/order/info` | one order by `orderCode` and/or `bizCode` |
//! | `POST /v1/openapi/merchant/business/balance` | `{merchantId, businessId, creditLine, amount}` |
//! | `POST /v1/openapi/order/product/list` | `[{productCode, productName, settlementPrice, type, stock}]` |
//!
//! Every call checks, first failure wins: method `POST` (else `status` 4), the headers
//! `businessId`, `nonce`, `timestamp`, `sign` (3), a configured business (2), `signType` absent
//! (= `SHA256-RSA`), `SHA256-RSA` or `MD5` (2), the signature over the sorted headers followed by
//! the raw body (2; MD5 with the merchant secret, RSA with the merchant public key), the timestamp
//! within `max_skew_seconds` of the sandbox clock (5), the nonce not seen before for that business
//! (6), a JSON object body (99), `merchantId`/`businessId` in the body matching the headers (3),
//! then the endpoint's fields (3 missing or invalid, 7 unknown product or order, 8 duplicate
//! `bizCode`, 9 balance, 11 stock).
//!
//! Replies are HTTP 200 `{status, message, data}` signed like requests in the headers
//! `businessId`, `nonce`, `timestamp`, `signType`, `sign`: with the merchant secret for MD5
//! requests, with the **platform private key** for SHA256-RSA requests. The platform key pair is
//! generated on first use (or configured); its public key is one of the module's credentials.
//!
//! Order progress (sandbox clock): accepted (0) at creation, processing (1) after
//! `processing_after_seconds`, then `auto_complete` (`success`, `failed` or `none`) after
//! `complete_after_seconds`. Accounts ending in `-fail` end failed (`failReason` `账号不存在`),
//! accounts ending in `-hold` stay processing; the control API moves any order
//! (`/_sandbox/orders/{key}/paid` = success, `failed`, `cancelled`).
//!
//! Callbacks: on every change of a direct order with a `callbackUrl` (or the merchant's
//! `notify_url`), a JSON `POST` `{orderCode, bizCode, orderStatus, account, productCode,
//! settlementPrice, finishTime?, failReason?}` with the headers `businessId`, `nonce`,
//! `timestamp`, `sign` (no `signType`, as documented), signed the way the order was requested
//! (MD5 with the secret, or RSA with the platform key). Acknowledged by the body `SUCCESS` (any
//! case); otherwise retried 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 60 min, 3 h and 6 h after
//! the previous attempt.
//!
//! Configuration (`[providers.vipcharge]`, all optional; defaults are the golden-vector test
//! values: merchant and business `166`, secret `testSignKey`, merchant public key
//! `fixtures/vectors/vipcharge_test_key.pub.pem`):
//!
//! ```toml
//! merchants = [{ merchant_id = "166", business_id = "166", secret = "testSignKey",
//!                public_key_file = "merchant.pub.pem", balance = "100000", credit_line = "0",
//!                notify_url = "http://127.0.0.1:9000/notify" }]
//! platform_private_key_file = "platform.pem"   # default: generated on first use
//! max_skew_seconds = 300
//! processing_after_seconds = 1
//! complete_after_seconds = 3
//! auto_complete = "success"                     # or "failed", "none"
//! retry_seconds = [15, 30, 180, 600, 1200, 1800, 3600, 10800, 21600]
//! retry_from = "previous"                       # or "first"
//! products = [{ product_code = "87103", product_name = "视频会员月卡", price = "19.80", kind = "direct" }]
//! ```

mod auth;
mod callbacks;
mod routes;
mod rules;
mod state;
mod wire;

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode};
use rust_decimal::Decimal;
use serde::Deserialize;
// RSA comes from sign-core's `aws-lc-rs` backend, which the `vipcharge` dependency enables.
use sign_core::rsa::{RsaPrivateKey, RsaPublicKey};
use sign_core::{Md5Signer, Secret, SecretSuffix};

use self::wire::{envelope_response, flip_first};
use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, Notify, Order, ProviderConfig, ProviderCtx,
    ProviderModule, Rejection, RetrySchedule, StateChange, TransitionError, TransitionPlan,
};

const NAME: &str = "vipcharge";
/// Every order is of one kind: `bizCode` is unique per business across endpoints.
const KIND: &str = "order";
const PREFIX: &str = "/v1/openapi";

/// The public half of `fixtures/vectors/vipcharge_test_key.pem`, the default merchant key.
const VECTOR_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvtEG4erKuDz/qMnxnwab
LUcZ0tG0v7J3DZ+LfFQrGHssyE/kxIojAbKmxTLJJTcIyjZIva3JQaiQTh+8kPUh
AjElSIsvR09NIW+K/eWx4vEwFktZnsr2xV2rSx7jIsB9UGZzOmrdofHFp7hzrmyL
45/KyCejVVAZvW1Yc5YgTlKEEcRjMr67iFOKBKYT467WCuG38Pqy2FC9BhdiG/ld
b0Kn8dYscjJ6Df8aIllOjIWTOZO5RUDS4XMdDIICng3ZCk5SnUyQ9UTxPBrO6H6M
g+fP5InT7bETlVtnah8qxGfeLUo1q123gDcegpyofOGrTe3w4iUslqbHUmTKj3SZ
awIDAQAB
-----END PUBLIC KEY-----
";

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantSettings {
    merchant_id: String,
    business_id: String,
    secret: String,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    public_key_file: Option<String>,
    #[serde(default = "default_balance")]
    balance: String,
    #[serde(default = "zero")]
    credit_line: String,
    #[serde(default)]
    notify_url: Option<String>,
}

fn default_balance() -> String {
    "100000".to_owned()
}

fn zero() -> String {
    "0".to_owned()
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductSettings {
    product_code: String,
    product_name: String,
    price: String,
    #[serde(default = "direct")]
    kind: String,
    #[serde(default)]
    stock: Option<u64>,
}

fn direct() -> String {
    "direct".to_owned()
}

/// `[providers.vipcharge]`.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    merchants: Vec<MerchantSettings>,
    platform_private_key: Option<String>,
    platform_private_key_file: Option<String>,
    max_skew_seconds: u64,
    processing_after_seconds: u64,
    complete_after_seconds: u64,
    auto_complete: String,
    retry_seconds: Vec<u64>,
    retry_from: String,
    products: Vec<ProductSettings>,
}

fn product(code: &str, name: &str, price: &str, kind: &str, stock: Option<u64>) -> ProductSettings {
    ProductSettings {
        product_code: code.into(),
        product_name: name.into(),
        price: price.into(),
        kind: kind.into(),
        stock,
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            merchants: vec![MerchantSettings {
                merchant_id: "166".into(),
                business_id: "166".into(),
                secret: "testSignKey".into(),
                public_key: None,
                public_key_file: None,
                balance: default_balance(),
                credit_line: zero(),
                notify_url: None,
            }],
            platform_private_key: None,
            platform_private_key_file: None,
            max_skew_seconds: 300,
            processing_after_seconds: 1,
            complete_after_seconds: 3,
            auto_complete: "success".into(),
            retry_seconds: vec![15, 30, 180, 600, 1200, 1800, 3600, 10800, 21600],
            retry_from: "previous".into(),
            products: vec![
                product("87103", "视频会员月卡", "19.80", "direct", None),
                product("ZSH-100", "中石化加油卡100元", "99.50", "direct", None),
                product("ZSY-100", "中石油加油卡100元", "99.50", "direct", None),
                product("ALI-RP", "支付宝红包(自定义面额)", "1.00", "direct", None),
                product("ALI-LJJ", "支付宝立减金", "4.50", "direct", None),
                product("WX-LJJ", "微信立减金", "4.50", "direct", None),
                product("WX-LQ-5", "微信零钱5元", "5.00", "direct", None),
                product("P-100", "咖啡券", "9.90", "card", Some(1000)),
                product("LINK-1", "兑换链接券", "3.00", "link", Some(1000)),
                product("RP-001", "平台兑换码", "5.00", "card", None),
                product("SOLD-OUT", "售罄券", "1.00", "card", Some(0)),
            ],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProductKind {
    Direct,
    Card,
    Link,
}

struct Product {
    code: String,
    name: String,
    price: Decimal,
    kind: ProductKind,
    limited: bool,
}

struct Merchant {
    merchant_id: String,
    business_id: String,
    md5: Md5Signer,
    secret_for_display: Secret,
    public_key: RsaPublicKey,
    balance: Decimal,
    credit_line: Decimal,
    notify_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SignKind {
    Md5,
    Rsa,
}

impl SignKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Rsa => "SHA256-RSA",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AutoComplete {
    Success,
    Failed,
    None,
}

struct Inner {
    merchants: Vec<Merchant>,
    products: Vec<Product>,
    stock: Mutex<HashMap<String, u64>>,
    platform: OnceLock<Option<RsaPrivateKey>>,
    max_skew_ms: i64,
    processing_after: Duration,
    complete_after: Duration,
    auto_complete: AutoComplete,
    schedule: RetrySchedule,
    nonces: Mutex<HashMap<String, i64>>,
    /// Serializes order creation so balance and stock checks hold.
    create_lock: Mutex<()>,
}

/// The vipcharge module. Build it with [`build`] or let the sandbox do it.
#[derive(Clone)]
pub struct Vipcharge {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Vipcharge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vipcharge")
            .field(
                "businesses",
                &self
                    .inner
                    .merchants
                    .iter()
                    .map(|m| m.business_id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("schedule", &self.inner.schedule)
            .finish_non_exhaustive()
    }
}

fn bad(message: impl Into<String>) -> ConfigError {
    ConfigError::Provider {
        provider: NAME.to_owned(),
        message: message.into(),
    }
}

fn decimal_setting(field: &str, text: &str) -> Result<Decimal, ConfigError> {
    Decimal::from_str(text.trim())
        .map_err(|_| bad(format!("`{field}` = `{text}` is not a decimal number")))
}

fn key_text(
    inline: Option<&String>,
    file: Option<&String>,
    what: &str,
) -> Result<Option<Vec<u8>>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(bad(format!("give `{what}` or `{what}_file`, not both"))),
        (Some(text), None) => Ok(Some(text.clone().into_bytes())),
        (None, Some(path)) => std::fs::read(path)
            .map(Some)
            .map_err(|e| bad(format!("`{what}_file` `{path}`: {e}"))),
        (None, None) => Ok(None),
    }
}

/// Builds the module from `[providers.vipcharge]`.
///
/// # Errors
/// [`ConfigError::Provider`] naming the bad field: unknown key, empty id or secret, a key that
/// does not load (format, public/private mix-up, under 2048 bits), a bad decimal, an unknown
/// product kind, `auto_complete` or `retry_from`.
pub fn build(config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    let s: Settings = config.parse()?;
    let mut merchants = Vec::new();
    for m in &s.merchants {
        if m.merchant_id.is_empty() || m.business_id.is_empty() {
            return Err(bad("merchant_id and business_id must not be empty"));
        }
        if m.secret.is_empty() {
            return Err(bad(format!("business {}: secret is empty", m.business_id)));
        }
        let pem = key_text(
            m.public_key.as_ref(),
            m.public_key_file.as_ref(),
            "public_key",
        )?
        .unwrap_or_else(|| VECTOR_PUBLIC_KEY.as_bytes().to_vec());
        let public_key = RsaPublicKey::parse(&pem)
            .map_err(|e| bad(format!("business {}: public key: {e}", m.business_id)))?;
        merchants.push(Merchant {
            merchant_id: m.merchant_id.clone(),
            business_id: m.business_id.clone(),
            md5: Md5Signer::new(Secret::new(m.secret.clone()), SecretSuffix::Plain),
            secret_for_display: Secret::new(m.secret.clone()),
            public_key,
            balance: decimal_setting("balance", &m.balance)?,
            credit_line: decimal_setting("credit_line", &m.credit_line)?,
            notify_url: m.notify_url.clone(),
        });
    }
    let mut products = Vec::new();
    let mut stock = HashMap::new();
    for p in &s.products {
        let kind = match p.kind.as_str() {
            "direct" => ProductKind::Direct,
            "card" => ProductKind::Card,
            "link" => ProductKind::Link,
            other => {
                return Err(bad(format!(
                    "product {}: kind `{other}` must be direct, card or link",
                    p.product_code
                )));
            }
        };
        if let Some(n) = p.stock {
            stock.insert(p.product_code.clone(), n);
        }
        products.push(Product {
            code: p.product_code.clone(),
            name: p.product_name.clone(),
            price: decimal_setting("price", &p.price)?,
            kind,
            limited: p.stock.is_some(),
        });
    }
    let platform = OnceLock::new();
    if let Some(pem) = key_text(
        s.platform_private_key.as_ref(),
        s.platform_private_key_file.as_ref(),
        "platform_private_key",
    )? {
        let key =
            RsaPrivateKey::parse(&pem).map_err(|e| bad(format!("platform private key: {e}")))?;
        let _ = platform.set(Some(key));
    }
    let auto_complete = match s.auto_complete.as_str() {
        "success" => AutoComplete::Success,
        "failed" => AutoComplete::Failed,
        "none" => AutoComplete::None,
        other => {
            return Err(bad(format!(
                "auto_complete `{other}` must be success, failed or none"
            )));
        }
    };
    let retries = s.retry_seconds.iter().map(|n| Duration::from_secs(*n));
    let schedule = match s.retry_from.as_str() {
        "previous" => RetrySchedule::after_previous(Duration::ZERO, retries),
        "first" => RetrySchedule::from_first(Duration::ZERO, retries),
        other => {
            return Err(bad(format!(
                "retry_from `{other}` must be previous or first"
            )));
        }
    };
    Ok(Arc::new(Vipcharge {
        inner: Arc::new(Inner {
            merchants,
            products,
            stock: Mutex::new(stock),
            platform,
            max_skew_ms: i64::try_from(s.max_skew_seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
            processing_after: Duration::from_secs(s.processing_after_seconds),
            complete_after: Duration::from_secs(s.complete_after_seconds),
            auto_complete,
            schedule,
            nonces: Mutex::new(HashMap::new()),
            create_lock: Mutex::new(()),
        }),
    }))
}

impl Inner {
    fn merchant(&self, business_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.business_id == business_id)
    }

    fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    VipCharge,
    GasCard,
    Batch,
    RedPacket,
    AlipayTransfer,
    AlipayCoupons,
    WechatCoupons,
    WechatTransfer,
    Coupon,
    ProductCode,
    OrderInfo,
    Balance,
    ProductList,
}

impl ProviderModule for Vipcharge {
    fn name(&self) -> &'static str {
        NAME
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        routes::router(ctx, Arc::clone(&self.inner))
    }

    fn credentials(&self) -> Vec<Credential> {
        let mut out: Vec<Credential> = self
            .inner
            .merchants
            .iter()
            .flat_map(|m| {
                [
                    Credential::public("merchantId", &m.merchant_id),
                    Credential::public("businessId", &m.business_id),
                    Credential::secret("secret (MD5)", m.secret_for_display.expose()),
                ]
            })
            .collect();
        if let Some(pem) = self
            .inner
            .platform_key()
            .and_then(|k| k.public_key().to_pem().ok())
        {
            out.push(Credential::public("platform public key (PEM)", pem));
        }
        out
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &["bizCode", "orderCode", "batchBizCode"]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        match rejection {
            Rejection::BodyTooLarge { .. } => {
                envelope_response(StatusCode::PAYLOAD_TOO_LARGE, 99, "数据异常: 请求体过大")
            }
            Rejection::NotFound { .. } => {
                envelope_response(StatusCode::NOT_FOUND, 4, "没有对应的接口方法")
            }
            _ => envelope_response(StatusCode::BAD_REQUEST, 99, "数据异常: 请求体不可读"),
        }
    }

    fn on_transition(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        self.transition_plan(ctx, order, change)
    }

    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        self.notify_for(ctx, order, change)
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            self.inner.schedule.clone(),
            AckRule::Body {
                expected: "SUCCESS".into(),
                ignore_case: true,
            },
        )
    }

    fn tamper_reply_signature(&self, headers: &mut HeaderMap, _body: &mut Vec<u8>) -> bool {
        let Some(sign) = headers
            .get("sign")
            .and_then(|v| v.to_str().ok())
            .map(flip_first)
        else {
            return false;
        };
        match HeaderValue::from_str(&sign) {
            Ok(v) => {
                headers.insert("sign", v);
                true
            }
            Err(_) => false,
        }
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let Some(sign) = notify.header_value("sign").map(flip_first) else {
            return false;
        };
        notify.set_header("sign", sign);
        true
    }
}
