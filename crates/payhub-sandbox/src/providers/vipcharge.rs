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

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
// RSA comes from sign-core's `aws-lc-rs` backend, which the `vipcharge` dependency enables.
use sign_core::rsa::{RsaPrivateKey, RsaPublicKey, RsaSha256Signer, RsaSha256Verifier};
use sign_core::{Md5Signer, Secret, SecretSuffix, SignatureEncoding, Signer as _, Verifier as _};

use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, JsonFields, NewOrder, Notify, Order,
    OrderFilter, OrderState, ProviderConfig, ProviderCtx, ProviderModule, RawBody, Rejection,
    RetrySchedule, StateChange, TransitionError, TransitionPlan,
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

/// The string to sign: sorted non-empty auth headers as `k=v&...`, then the raw body. Written
/// here independently of the client crate, from the provider's documentation.
fn string_to_sign(
    business: &str,
    nonce: &str,
    sign_type: Option<&str>,
    ts: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut pairs = vec![
        ("businessId", business),
        ("nonce", nonce),
        ("timestamp", ts),
    ];
    if let Some(t) = sign_type.filter(|t| !t.is_empty()) {
        pairs.push(("signType", t));
    }
    pairs.retain(|(_, v)| !v.is_empty());
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Who sent an authenticated request, and how: replies are signed the same way.
#[derive(Clone, Copy)]
struct Caller<'a> {
    merchant: &'a Merchant,
    kind: SignKind,
}

/// A refusal: the platform `status` and `message`.
struct Fail {
    status: i64,
    message: String,
}

impl Fail {
    fn new(status: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn missing(field: &str) -> Self {
        Self::new(3, format!("请求参数缺失: {field}"))
    }

    fn invalid(field: &str, why: &str) -> Self {
        Self::new(3, format!("参数错误: {field} {why}"))
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    status: i64,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RawValue>,
}

fn num(d: Decimal) -> Box<RawValue> {
    // A Decimal's Display is plain digits, sign and point: valid JSON.
    RawValue::from_string(d.to_string()).unwrap_or_default()
}

fn to_raw<T: Serialize>(value: &T) -> Box<RawValue> {
    // Serializing plain data (strings, numbers, raw values) cannot fail.
    serde_json::value::to_raw_value(value).unwrap_or_default()
}

fn order_status(state: OrderState) -> i64 {
    match state {
        OrderState::Created | OrderState::Paying => 0,
        OrderState::Processing => 1,
        OrderState::Success => 2,
        OrderState::Failed => 3,
        _ => 4,
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn payload_text(o: &Order, key: &str) -> Option<String> {
    o.payload
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Inner {
    fn merchant(&self, business_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.business_id == business_id)
    }

    fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }

    fn platform_key(&self) -> Option<&RsaPrivateKey> {
        self.platform
            .get_or_init(|| RsaPrivateKey::generate_2048(sign_core::rsa::default_backend()).ok())
            .as_ref()
    }

    fn sign(&self, merchant: &Merchant, kind: SignKind, message: &[u8]) -> Option<String> {
        match kind {
            SignKind::Md5 => Some(merchant.md5.sign_hex_upper(message)),
            SignKind::Rsa => RsaSha256Signer::new(self.platform_key()?.clone())
                .sign_encoded(message, SignatureEncoding::Base64)
                .ok(),
        }
    }

    /// Available balance: opening balance minus every order that is not failed or cancelled.
    fn available(&self, ctx: &ProviderCtx, merchant: &Merchant) -> Decimal {
        let spent: Decimal = ctx
            .store()
            .ledger(&OrderFilter::default().provider(NAME))
            .iter()
            .filter(|o| o.merchant_id == merchant.business_id)
            .filter(|o| !matches!(o.state, OrderState::Failed | OrderState::Cancelled))
            .map(|o| o.amount)
            .sum();
        merchant.balance - spent
    }

    /// The common checks, in the documented order; returns the merchant, the sign type used and
    /// the parsed body.
    fn authenticate<'a>(
        &'a self,
        ctx: &ProviderCtx,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(Caller<'a>, JsonFields), (Fail, Option<Caller<'a>>)> {
        if method != Method::POST {
            return Err((Fail::new(4, "没有对应的接口方法 (only POST)"), None));
        }
        let need =
            |name: &str| header_text(headers, name).ok_or_else(|| (Fail::missing(name), None));
        let business = need("businessId")?;
        let nonce = need("nonce")?;
        let ts_text = need("timestamp")?;
        let sign = need("sign")?;
        let merchant = self
            .merchant(business)
            .ok_or_else(|| (Fail::new(2, "验签失败: unknown businessId"), None))?;
        let sign_type = header_text(headers, "signType");
        let kind = match sign_type {
            None => SignKind::Rsa,
            Some(t) if t.eq_ignore_ascii_case("SHA256-RSA") => SignKind::Rsa,
            Some(t) if t.eq_ignore_ascii_case("MD5") => SignKind::Md5,
            Some(_) => return Err((Fail::new(2, "验签失败: unknown signType"), None)),
        };
        let message = string_to_sign(business, nonce, sign_type, ts_text, body);
        let verified = match kind {
            SignKind::Md5 => merchant.md5.verify_hex(&message, sign).is_ok(),
            SignKind::Rsa => RsaSha256Verifier::new(merchant.public_key.clone())
                .verify_encoded(&message, sign, SignatureEncoding::Base64)
                .is_ok(),
        };
        if !verified {
            return Err((Fail::new(2, "验签失败"), None));
        }
        let signed_reply = Some(Caller { merchant, kind });
        let ts: i64 = ts_text
            .parse()
            .map_err(|_| (Fail::invalid("timestamp", "不是毫秒时间戳"), signed_reply))?;
        let now = ctx.now().unix_millis();
        if (now - ts).abs() > self.max_skew_ms {
            return Err((Fail::new(5, "接口请求时间超长"), signed_reply));
        }
        {
            let mut seen = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
            let horizon = now - 2 * self.max_skew_ms;
            if seen.len() > 10_000 {
                seen.retain(|_, at| *at >= horizon);
            }
            let key = format!("{business}\u{0}{nonce}");
            if seen.contains_key(&key) {
                return Err((Fail::new(6, "nonce重复"), signed_reply));
            }
            seen.insert(key, now);
        }
        let fields = JsonFields::parse(body)
            .map_err(|_| (Fail::new(99, "数据异常: 请求体不是JSON对象"), signed_reply))?;
        for (field, expected) in [
            ("merchantId", &merchant.merchant_id),
            ("businessId", &merchant.business_id),
        ] {
            if let Ok(Some(v)) = fields.text(field)
                && v != *expected
            {
                return Err((Fail::invalid(field, "与商户不匹配"), signed_reply));
            }
        }
        Ok((Caller { merchant, kind }, fields))
    }

    /// Creates a direct-charge order and schedules its progress.
    #[allow(clippy::too_many_arguments)] // one call site per endpoint, all fields named there
    fn create_direct(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        endpoint: &str,
        product_code: Option<String>,
        account: String,
        biz_code: Option<String>,
        callback_url: Option<String>,
        amount: Option<Decimal>,
    ) -> Result<Order, Fail> {
        let product = match &product_code {
            Some(code) => Some(
                self.product(code)
                    .filter(|p| p.kind == ProductKind::Direct)
                    .ok_or_else(|| Fail::new(7, format!("资源不存在: productCode {code}")))?,
            ),
            None => None,
        };
        let price = amount
            .or_else(|| product.map(|p| p.price))
            .unwrap_or_else(|| Decimal::new(100, 2));
        if let Some(url) = &callback_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(Fail::invalid("callbackUrl", "不是http(s)地址"));
        }
        let _guard = self
            .create_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if price > self.available(ctx, merchant) + merchant.credit_line {
            return Err(Fail::new(9, "余额不足"));
        }
        let no = ctx.next_order_no("VC");
        let biz = biz_code.unwrap_or_else(|| format!("SBX-{no}"));
        let mut new = NewOrder::new(KIND, &merchant.business_id, &biz, price)
            .platform_order_no(&no)
            .state(OrderState::Created)
            .payload(json!({
                "endpoint": endpoint,
                "account": account,
                "productCode": product_code,
                "productName": product.map(|p| p.name.clone()),
                "signType": kind.as_str(),
            }));
        if let Some(url) = callback_url.or_else(|| merchant.notify_url.clone()) {
            new = new.notify_url(url);
        }
        let order = ctx
            .create_order(new)
            .map_err(|_| Fail::new(8, "单号重复"))?;
        let now = ctx.now();
        let (hold, fail) = (account.ends_with("-hold"), account.ends_with("-fail"));
        if self.auto_complete != AutoComplete::None {
            ctx.schedule_transition(
                &no,
                now + self.processing_after,
                OrderState::Processing,
                None,
            );
            if !hold {
                let (to, reason) = if fail || self.auto_complete == AutoComplete::Failed {
                    (OrderState::Failed, Some("账号不存在".to_owned()))
                } else {
                    (OrderState::Success, None)
                };
                let at = now + self.complete_after.max(self.processing_after);
                ctx.schedule_transition(&no, at, to, reason);
            }
        }
        Ok(order)
    }

    fn charge_data(o: &Order) -> Box<RawValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Charge<'a> {
            order_code: &'a str,
            biz_code: &'a str,
            account: Option<String>,
            settlement_price: Box<RawValue>,
        }
        to_raw(&Charge {
            order_code: &o.platform_order_no,
            biz_code: &o.merchant_order_no,
            account: payload_text(o, "account"),
            settlement_price: num(o.amount),
        })
    }

    /// Buys `count` codes of a card or link product: a final order whose codes are returned
    /// encrypted to the merchant's public key.
    #[allow(clippy::too_many_arguments)] // one call site per endpoint, all fields named there
    fn buy_codes(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        endpoint: &str,
        product_code: &str,
        biz_code: Option<String>,
        count: u64,
        unit_price: Option<Decimal>,
    ) -> Result<Box<RawValue>, Fail> {
        let product = self
            .product(product_code)
            .filter(|p| p.kind != ProductKind::Direct)
            .ok_or_else(|| Fail::new(7, format!("资源不存在: productCode {product_code}")))?;
        let price = unit_price.unwrap_or(product.price) * Decimal::from(count);
        let _guard = self
            .create_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if product.limited {
            let stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
            if stock.get(&product.code).copied().unwrap_or(0) < count {
                return Err(Fail::new(11, "库存不足"));
            }
        }
        if price > self.available(ctx, merchant) + merchant.credit_line {
            return Err(Fail::new(9, "余额不足"));
        }
        let no = ctx.next_order_no("VC");
        let biz = biz_code.unwrap_or_else(|| format!("SBX-{no}"));
        let codes: Vec<(String, String)> = (0..count).map(|i| make_code(product, &no, i)).collect();
        let order = ctx
            .create_order(
                NewOrder::new(KIND, &merchant.business_id, &biz, price)
                    .platform_order_no(&no)
                    .state(OrderState::Success)
                    .payload(json!({
                        "endpoint": endpoint,
                        "productCode": product.code,
                        "productName": product.name,
                        "signType": kind.as_str(),
                        "codes": codes.iter().map(|(c, k)| json!({"cardNo": c, "cdkey": k})).collect::<Vec<_>>(),
                    })),
            )
            .map_err(|_| Fail::new(8, "单号重复"))?;
        if product.limited {
            let mut stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(n) = stock.get_mut(&product.code) {
                *n = n.saturating_sub(count);
            }
        }
        let encrypt = |text: &str| -> Result<String, Fail> {
            merchant
                .public_key
                .encrypt_pkcs1v15(text.as_bytes())
                .map(|ct| SignatureEncoding::Base64.encode(&ct))
                .map_err(|_| Fail::new(99, "数据异常: 加密失败"))
        };
        let mut info = Vec::with_capacity(codes.len());
        for (card_no, cdkey) in &codes {
            info.push(json!({
                "cardNo": if card_no.is_empty() { String::new() } else { encrypt(card_no)? },
                "cdkey": encrypt(cdkey)?,
                "validEndTime": (ctx.now() + Duration::from_secs(365 * 86_400)).format_local(8),
            }));
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Codes<'a> {
            order_code: &'a str,
            biz_code: &'a str,
            product_name: &'a str,
            settlement_price: Box<RawValue>,
            r#type: u8,
            coupon_info: Vec<Value>,
        }
        Ok(to_raw(&Codes {
            order_code: &order.platform_order_no,
            biz_code: &order.merchant_order_no,
            product_name: &product.name,
            settlement_price: num(order.amount),
            r#type: if product.kind == ProductKind::Link {
                2
            } else {
                1
            },
            coupon_info: info,
        }))
    }

    fn order_data(o: &Order) -> Box<RawValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info {
            order_code: String,
            biz_code: String,
            order_status: i64,
            account: Option<String>,
            product_code: Option<String>,
            product_name: Option<String>,
            settlement_price: Box<RawValue>,
            create_time: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            finish_time: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            fail_reason: Option<String>,
        }
        to_raw(&Info {
            order_code: o.platform_order_no.clone(),
            biz_code: o.merchant_order_no.clone(),
            order_status: order_status(o.state),
            account: payload_text(o, "account"),
            product_code: payload_text(o, "productCode"),
            product_name: payload_text(o, "productName"),
            settlement_price: num(o.amount),
            create_time: o.created_at.unix_millis(),
            finish_time: o.completed_at.map(|t| t.unix_millis()),
            fail_reason: matches!(o.state, OrderState::Failed | OrderState::Cancelled)
                .then(|| o.reason.clone())
                .flatten(),
        })
    }

    fn handle(
        &self,
        ctx: &ProviderCtx,
        op: Op,
        merchant: &Merchant,
        kind: SignKind,
        f: &JsonFields,
    ) -> Result<Box<RawValue>, Fail> {
        let text = |name: &str| f.text(name).map_err(|_| Fail::invalid(name, "类型错误"));
        let need = |name: &str| -> Result<String, Fail> {
            text(name)?
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Fail::missing(name))
        };
        let opt = |name: &str| -> Result<Option<String>, Fail> {
            Ok(text(name)?.filter(|v| !v.trim().is_empty()))
        };
        let mobile = |name: &str, required: bool| -> Result<Option<String>, Fail> {
            let v = if required {
                Some(need(name)?)
            } else {
                opt(name)?
            };
            if let Some(m) = &v
                && !(m.len() == 11 && m.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(Fail::invalid(name, "不是11位手机号"));
            }
            Ok(v)
        };
        let direct = |endpoint: &str,
                      product: Option<String>,
                      account: String,
                      biz: Option<String>,
                      amount: Option<Decimal>| {
            self.create_direct(
                ctx,
                merchant,
                kind,
                endpoint,
                product,
                account,
                biz,
                opt("callbackUrl")?,
                amount,
            )
            .map(|o| Self::charge_data(&o))
        };
        match op {
            Op::VipCharge => {
                let product = need("productCode")?;
                mobile("mobile", false)?;
                let account = need("account")?;
                let biz = need("bizCode")?;
                direct("VIPCharge", Some(product), account, Some(biz), None)
            }
            Op::GasCard => {
                mobile("mobile", false)?;
                let account = need("account")?;
                let card_type = need("cardType")?;
                if card_type != "ZSH" && card_type != "ZSY" {
                    return Err(Fail::invalid("cardType", "必须是ZSH或ZSY"));
                }
                let product = opt("productCode")?.unwrap_or_else(|| format!("{card_type}-100"));
                direct("gasCard", Some(product), account, opt("bizCode")?, None)
            }
            Op::RedPacket => {
                let template = need("templateId")?;
                mobile("mobile", false)?;
                let who = opt("openId")?
                    .or(opt("mobile")?)
                    .unwrap_or_else(|| template.clone());
                direct("redPacket", None, who, opt("bizCode")?, None)
            }
            Op::AlipayTransfer => {
                let biz = need("bizCode")?;
                let product = need("productCode")?;
                let amount = f
                    .decimal("amount")
                    .map_err(|_| Fail::invalid("amount", "不是数字"))?
                    .ok_or_else(|| Fail::missing("amount"))?;
                if amount < Decimal::new(1, 2) || amount.normalize().scale() > 2 {
                    return Err(Fail::invalid("amount", "最小0.01, 最多两位小数"));
                }
                let account = opt("account")?.unwrap_or_default();
                direct(
                    "alipay/transfer",
                    Some(product),
                    account,
                    Some(biz),
                    Some(amount),
                )
            }
            Op::AlipayCoupons => {
                let m = mobile("mobile", true)?.unwrap_or_default();
                let product = need("productCode")?;
                direct("alipay/coupons", Some(product), m, opt("bizCode")?, None)
            }
            Op::WechatCoupons => {
                let open_id = need("openId")?;
                direct(
                    "wechat/coupons",
                    opt("productCode")?,
                    open_id,
                    opt("bizCode")?,
                    None,
                )
            }
            Op::WechatTransfer => {
                let open_id = need("openId")?;
                let product = need("productCode")?;
                direct(
                    "wechat/transfer",
                    Some(product),
                    open_id,
                    opt("bizCode")?,
                    None,
                )
            }
            Op::Batch => self.batch(ctx, merchant, kind, f, &need, &opt),
            Op::Coupon => {
                let product = need("productCode")?;
                let biz = need("bizCode")?;
                let count = f
                    .integer("num")
                    .map_err(|_| Fail::invalid("num", "不是整数"))?
                    .unwrap_or(1);
                let count = u64::try_from(count)
                    .ok()
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| Fail::invalid("num", "超出范围(1-50)"))?;
                self.buy_codes(
                    ctx,
                    merchant,
                    kind,
                    "coupon",
                    &product,
                    Some(biz),
                    count,
                    None,
                )
            }
            Op::ProductCode => {
                let product = need("productCode")?;
                let spec = f
                    .decimal("spec")
                    .map_err(|_| Fail::invalid("spec", "不是数字"))?;
                if spec.is_some_and(|s| s <= Decimal::ZERO) {
                    return Err(Fail::invalid("spec", "必须大于0"));
                }
                self.buy_codes(
                    ctx,
                    merchant,
                    kind,
                    "productCode",
                    &product,
                    opt("bizCode")?,
                    1,
                    spec,
                )
            }
            Op::OrderInfo => {
                let order_code = opt("orderCode")?;
                let biz = opt("bizCode")?;
                let found = match (&order_code, &biz) {
                    (Some(no), _) => ctx.order(no).filter(|o| {
                        o.merchant_id == merchant.business_id
                            && biz.as_ref().is_none_or(|b| *b == o.merchant_order_no)
                    }),
                    (None, Some(b)) => ctx.find_by_merchant_no(KIND, &merchant.business_id, b),
                    (None, None) => return Err(Fail::missing("orderCode/bizCode")),
                };
                found
                    .map(|o| Self::order_data(&o))
                    .ok_or_else(|| Fail::new(7, "资源不存在"))
            }
            Op::Balance => {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Balance<'a> {
                    merchant_id: &'a str,
                    business_id: &'a str,
                    credit_line: Box<RawValue>,
                    amount: Box<RawValue>,
                }
                Ok(to_raw(&Balance {
                    merchant_id: &merchant.merchant_id,
                    business_id: &merchant.business_id,
                    credit_line: num(merchant.credit_line),
                    amount: num(self.available(ctx, merchant)),
                }))
            }
            Op::ProductList => {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Item<'a> {
                    product_code: &'a str,
                    product_name: &'a str,
                    settlement_price: Box<RawValue>,
                    r#type: &'static str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    stock: Option<u64>,
                }
                let stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
                let items: Vec<Item<'_>> = self
                    .products
                    .iter()
                    .map(|p| Item {
                        product_code: &p.code,
                        product_name: &p.name,
                        settlement_price: num(p.price),
                        r#type: match p.kind {
                            ProductKind::Direct => "direct",
                            ProductKind::Card => "card",
                            ProductKind::Link => "link",
                        },
                        stock: stock.get(&p.code).copied(),
                    })
                    .collect();
                Ok(to_raw(&items))
            }
        }
    }

    fn batch(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        f: &JsonFields,
        need: &dyn Fn(&str) -> Result<String, Fail>,
        opt: &dyn Fn(&str) -> Result<Option<String>, Fail>,
    ) -> Result<Box<RawValue>, Fail> {
        need("batchBizCode")?;
        let product = need("productCode")?;
        let callback = opt("callbackUrl")?;
        let items: Vec<serde_json::Map<String, Value>> = f
            .raw("itemList")
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| Fail::invalid("itemList", "不是对象数组"))?
            .unwrap_or_default();
        if items.is_empty() {
            return Err(Fail::missing("itemList"));
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let get = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| Fail::missing(&format!("itemList[{i}].{k}")))
            };
            let biz = get("bizCode")?;
            if ctx
                .find_by_merchant_no(KIND, &merchant.business_id, &biz)
                .is_some()
                || parsed.iter().any(|(b, _): &(String, String)| *b == biz)
            {
                return Err(Fail::new(8, format!("单号重复: itemList[{i}].bizCode")));
            }
            parsed.push((biz, get("account")?));
        }
        let mut out = Vec::with_capacity(parsed.len());
        for (biz, account) in parsed {
            let o = self.create_direct(
                ctx,
                merchant,
                kind,
                "batch",
                Some(product.clone()),
                account,
                Some(biz),
                callback.clone(),
                None,
            )?;
            out.push(json!({
                "bizCode": o.merchant_order_no,
                "orderCode": o.platform_order_no,
                "account": payload_text(&o, "account"),
            }));
        }
        Ok(to_raw(&out))
    }

    /// The reply: HTTP 200 and the envelope, signed in the headers when the merchant is known.
    fn reply(
        &self,
        ctx: &ProviderCtx,
        status: i64,
        message: &str,
        data: Option<&RawValue>,
        signer: Option<Caller<'_>>,
    ) -> Response {
        let body = serde_json::to_vec(&Envelope {
            status,
            message,
            data,
        })
        .unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        if let Some(Caller { merchant, kind }) = signer {
            let nonce = ctx.next_order_no("RN");
            let ts = ctx.now().unix_millis().to_string();
            let message = string_to_sign(
                &merchant.business_id,
                &nonce,
                Some(kind.as_str()),
                &ts,
                &body,
            );
            if let Some(sign) = self.sign(merchant, kind, &message) {
                for (name, value) in [
                    ("businessId", merchant.business_id.as_str()),
                    ("nonce", nonce.as_str()),
                    ("timestamp", ts.as_str()),
                    ("signType", kind.as_str()),
                    ("sign", sign.as_str()),
                ] {
                    if let Ok(v) = HeaderValue::from_str(value) {
                        headers.insert(name, v);
                    }
                }
            }
        }
        (StatusCode::OK, headers, body).into_response()
    }
}

/// Deterministic sandbox codes: a card number and PIN per index, or a long redemption link
/// (longer than one RSA block, so clients must decrypt block by block).
fn make_code(product: &Product, order_no: &str, i: u64) -> (String, String) {
    let digest = Md5Signer::new(Secret::new("sandbox"), SecretSuffix::Plain)
        .sign_hex_upper(format!("{order_no}-{i}").as_bytes());
    match product.kind {
        ProductKind::Link => (
            String::new(),
            format!(
                "https://sandbox.invalid/redeem?order={order_no}&i={i}&code={}",
                digest.repeat(9)
            ),
        ),
        _ => {
            let tail: String = order_no
                .chars()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            (
                format!("8{tail}{i:05}"),
                format!(
                    "{}-{}-{}-{}",
                    &digest[0..4],
                    &digest[4..8],
                    &digest[8..12],
                    &digest[12..16]
                ),
            )
        }
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

/// Router state.
#[derive(Clone)]
struct St {
    ctx: ProviderCtx,
    module: Arc<Inner>,
}

async fn handle(st: St, op: Op, method: Method, headers: HeaderMap, body: &[u8]) -> Response {
    let m = &st.module;
    match m.authenticate(&st.ctx, &method, &headers, body) {
        Ok((caller, fields)) => {
            match m.handle(&st.ctx, op, caller.merchant, caller.kind, &fields) {
                Ok(data) => m.reply(&st.ctx, 0, "success", Some(&data), Some(caller)),
                Err(fail) => {
                    tracing::info!(provider = NAME, status = fail.status, "request refused");
                    m.reply(&st.ctx, fail.status, &fail.message, None, Some(caller))
                }
            }
        }
        Err((fail, signer)) => {
            tracing::info!(provider = NAME, status = fail.status, "request refused");
            m.reply(&st.ctx, fail.status, &fail.message, None, signer)
        }
    }
}

macro_rules! route {
    ($op:expr) => {
        any(|State(st): State<St>, method: Method, headers: HeaderMap, RawBody(body): RawBody| async move {
            handle(st, $op, method, headers, &body).await
        })
    };
}

fn envelope_response(http: StatusCode, status: i64, message: &str) -> Response {
    let body = serde_json::to_vec(&Envelope {
        status,
        message,
        data: None,
    })
    .unwrap_or_default();
    (
        http,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

fn flip_first(sign: &str) -> String {
    sign.chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (0, 'A') => 'B',
            (0, _) => 'A',
            (_, c) => c,
        })
        .collect()
}

impl ProviderModule for Vipcharge {
    fn name(&self) -> &'static str {
        NAME
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        let module = Arc::clone(&self.inner);
        let p = |path: &str| format!("{PREFIX}{path}");
        Router::new()
            .route(&p("/order/VIPCharge"), route!(Op::VipCharge))
            .route(&p("/order/gasCard"), route!(Op::GasCard))
            .route(&p("/order/batch"), route!(Op::Batch))
            .route(&p("/order/redPacket"), route!(Op::RedPacket))
            .route(&p("/order/alipay/transfer"), route!(Op::AlipayTransfer))
            .route(&p("/order/alipay/coupons"), route!(Op::AlipayCoupons))
            .route(&p("/order/wechat/coupons"), route!(Op::WechatCoupons))
            .route(&p("/order/wechat/transfer"), route!(Op::WechatTransfer))
            .route(&p("/order/coupon"), route!(Op::Coupon))
            .route(&p("/order/productCode"), route!(Op::ProductCode))
            .route(&p("/order/info"), route!(Op::OrderInfo))
            .route(&p("/merchant/business/balance"), route!(Op::Balance))
            .route(&p("/order/product/list"), route!(Op::ProductList))
            .with_state(St { ctx, module })
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
        _ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let allowed = [
            OrderState::Processing,
            OrderState::Success,
            OrderState::Failed,
            OrderState::Cancelled,
        ];
        if !allowed.contains(&change.to) || change.from == change.to {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "a vipcharge order goes accepted -> processing -> success, failed or cancelled",
            ));
        }
        let mut plan = TransitionPlan::default();
        if change.reason.is_none() {
            match change.to {
                OrderState::Failed => plan = plan.reason("充值失败"),
                OrderState::Cancelled => plan = plan.reason("订单已取消"),
                _ => {}
            }
        }
        Ok(plan)
    }

    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        order.notify_url.as_ref()?;
        let merchant = self.inner.merchant(&order.merchant_id)?;
        let kind = if payload_text(order, "signType").as_deref() == Some("MD5") {
            SignKind::Md5
        } else {
            SignKind::Rsa
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            order_code: String,
            biz_code: String,
            order_status: i64,
            account: Option<String>,
            product_code: Option<String>,
            settlement_price: Box<RawValue>,
            #[serde(skip_serializing_if = "Option::is_none")]
            finish_time: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            fail_reason: Option<String>,
        }
        let body = serde_json::to_vec(&Body {
            order_code: order.platform_order_no.clone(),
            biz_code: order.merchant_order_no.clone(),
            order_status: order_status(order.state),
            account: payload_text(order, "account"),
            product_code: payload_text(order, "productCode"),
            settlement_price: num(order.amount),
            finish_time: order.completed_at.map(|t| t.unix_millis()),
            fail_reason: matches!(order.state, OrderState::Failed | OrderState::Cancelled)
                .then(|| order.reason.clone())
                .flatten(),
        })
        .ok()?;
        let nonce = ctx.next_order_no("CB");
        let ts = change.at.unix_millis().to_string();
        let message = string_to_sign(&merchant.business_id, &nonce, None, &ts, &body);
        let sign = self.inner.sign(merchant, kind, &message)?;
        Some(
            Notify::post(body)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("businessId", &merchant.business_id)
                .header("nonce", nonce)
                .header("timestamp", ts)
                .header("sign", sign),
        )
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
