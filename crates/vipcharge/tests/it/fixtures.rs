//! Fixture snapshots: every `fixtures/vipcharge/<endpoint>/{ok,err}/<case>.json` rendered as the
//! exact wire request (request fixtures), the parsed reply or typed error (reply fixtures), or the
//! verified notification or typed refusal (notify fixtures). Cases under `ok/` must succeed and
//! cases under `err/` must fail.

use std::collections::BTreeMap;

use std::str::FromStr as _;
use std::sync::Arc;

use base64::Engine as _;
use payhub_runtime::{FixedClock, FixedNonce};
use rust_decimal::Decimal;
use serde_json::Value;
use vipcharge::api::{
    AlipayCouponsRequest, AlipayTransferRequest, BalanceRequest, BatchItem, BatchRequest,
    CouponRequest, GasCardRequest, OrderInfoRequest, ProductCodeRequest, ProductListRequest,
    RedPacketRequest, VipChargeRequest, WechatCouponsRequest, WechatTransferRequest,
};
use vipcharge::notify::CallbackHeaders;
use vipcharge::sign::PlatformVerifier;
use vipcharge::types::GasCardType;
use vipcharge::{Client, Credentials, NotifyVerifier, ReplySignatureMode};

use crate::support::{SECRET, key_pem, pub_pem};

#[derive(Debug, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Fixture {
    Request {
        operation: String,
        sign_type: String,
        timestamp: i64,
        nonce: String,
        params: Value,
        #[serde(default = "yes")]
        send_sign_type: bool,
        #[serde(default = "yes")]
        card_key: bool,
        merchant_id: Option<String>,
        business_id: Option<String>,
    },
    Reply {
        operation: String,
        http_status: u16,
        headers: BTreeMap<String, String>,
        body: String,
        #[serde(default)]
        params: Value,
        #[serde(default)]
        client: ReplyClient,
    },
    Notify {
        verifier: String,
        business_id: String,
        headers: BTreeMap<String, String>,
        body: Option<String>,
        body_base64: Option<String>,
        max_body_bytes: Option<usize>,
        /// The verifier's clock (ms); default: one minute after the `timestamp` header, so a
        /// recorded callback is fresh.
        clock_ms: Option<i64>,
    },
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyClient {
    reply_verification: Option<String>,
    order_status_fields: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

fn text(p: &Value, k: &str) -> String {
    p.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn opt(p: &Value, k: &str) -> Option<String> {
    p.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn decimal(p: &Value, k: &str) -> Option<Decimal> {
    opt(p, k).map(|t| Decimal::from_str(&t).expect("fixture decimal"))
}

fn extras(p: &Value) -> Vec<(String, Value)> {
    p.get("extra")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn vip_charge(p: &Value) -> VipChargeRequest {
    let mut r = VipChargeRequest::new(
        text(p, "productCode"),
        text(p, "account"),
        text(p, "bizCode"),
    );
    if let Some(v) = opt(p, "mobile") {
        r = r.mobile(v);
    }
    if let Some(v) = opt(p, "callbackUrl") {
        r = r.callback_url(v);
    }
    r
}

fn order_info(p: &Value) -> OrderInfoRequest {
    match (opt(p, "orderCode"), opt(p, "bizCode")) {
        (Some(o), Some(b)) => OrderInfoRequest::by_order_code(o).biz_code(b),
        (Some(o), None) => OrderInfoRequest::by_order_code(o),
        (None, Some(b)) => OrderInfoRequest::by_biz_code(b),
        (None, None) => OrderInfoRequest::by_biz_code(""),
    }
}

fn coupon(p: &Value) -> CouponRequest {
    let mut r = CouponRequest::new(text(p, "productCode"), text(p, "bizCode"));
    if let Some(n) = p.get("num").and_then(Value::as_u64) {
        r = r.num(u32::try_from(n).expect("num fits"));
    }
    r
}

fn product_code(p: &Value) -> ProductCodeRequest {
    let mut r = ProductCodeRequest::new(text(p, "productCode"));
    if let Some(d) = decimal(p, "spec") {
        r = r.spec(d);
    }
    if let Some(b) = opt(p, "bizCode") {
        r = r.biz_code(b);
    }
    for (k, v) in extras(p) {
        r = r.field(k, v);
    }
    r
}

fn gas_card(p: &Value) -> GasCardRequest {
    let card = match text(p, "cardType").as_str() {
        "ZSY" => GasCardType::PetroChina,
        _ => GasCardType::Sinopec,
    };
    let mut r = GasCardRequest::new(text(p, "account"), card);
    if let Some(v) = opt(p, "mobile") {
        r = r.mobile(v);
    }
    if let Some(v) = opt(p, "productCode") {
        r = r.product_code(v);
    }
    if let Some(v) = opt(p, "bizCode") {
        r = r.biz_code(v);
    }
    if let Some(v) = opt(p, "callbackUrl") {
        r = r.callback_url(v);
    }
    for (k, v) in extras(p) {
        r = r.field(k, v);
    }
    r
}

fn batch(p: &Value) -> BatchRequest {
    let mut r = BatchRequest::new(text(p, "batchBizCode"), text(p, "productCode"));
    if let Some(v) = opt(p, "callbackUrl") {
        r = r.callback_url(v);
    }
    for item in p
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut i = BatchItem::new(text(item, "bizCode"), text(item, "account"));
        for (k, v) in extras(item) {
            i = i.field(k, v);
        }
        r = r.item(i);
    }
    r
}

fn red_packet(p: &Value) -> RedPacketRequest {
    let mut r = RedPacketRequest::new(text(p, "templateId"));
    if let Some(v) = opt(p, "mobile") {
        r = r.mobile(v);
    }
    if let Some(v) = opt(p, "appId") {
        r = r.app_id(v);
    }
    if let Some(v) = opt(p, "openId") {
        r = r.open_id(v);
    }
    if let Some(v) = opt(p, "bizCode") {
        r = r.biz_code(v);
    }
    r
}

fn alipay_transfer(p: &Value) -> AlipayTransferRequest {
    let amount = decimal(p, "amount").unwrap_or_default();
    let mut r = AlipayTransferRequest::new(text(p, "bizCode"), text(p, "productCode"), amount);
    for (k, v) in extras(p) {
        r = r.field(k, v);
    }
    r
}

fn alipay_coupons(p: &Value) -> AlipayCouponsRequest {
    let mut r = AlipayCouponsRequest::new(text(p, "mobile"), text(p, "productCode"));
    if let Some(v) = opt(p, "activityId") {
        r = r.activity_id(v);
    }
    if let Some(v) = opt(p, "bizCode") {
        r = r.biz_code(v);
    }
    r
}

fn wechat_coupons(p: &Value) -> WechatCouponsRequest {
    let mut r = WechatCouponsRequest::new(text(p, "openId"));
    if let Some(v) = opt(p, "appId") {
        r = r.app_id(v);
    }
    if let Some(v) = opt(p, "productCode") {
        r = r.product_code(v);
    }
    if let Some(v) = opt(p, "bizCode") {
        r = r.biz_code(v);
    }
    r
}

fn wechat_transfer(p: &Value) -> WechatTransferRequest {
    let mut r = WechatTransferRequest::new(text(p, "openId"), text(p, "productCode"));
    if let Some(v) = opt(p, "bizCode") {
        r = r.biz_code(v);
    }
    for (k, v) in extras(p) {
        r = r.field(k, v);
    }
    r
}

/// Runs `$body` with `$req` bound to the typed request of operation `$op`.
macro_rules! dispatch {
    ($op:expr, $p:expr, |$req:ident| $body:expr) => {
        match $op {
            "VIPCharge" => {
                let $req = vip_charge($p);
                $body
            }
            "order/info" => {
                let $req = order_info($p);
                $body
            }
            "business/balance" => {
                let $req = BalanceRequest::new();
                $body
            }
            "product/list" => {
                let $req = ProductListRequest::new();
                $body
            }
            "order/coupon" => {
                let $req = coupon($p);
                $body
            }
            "order/productCode" => {
                let $req = product_code($p);
                $body
            }
            "order/gasCard" => {
                let $req = gas_card($p);
                $body
            }
            "order/batch" => {
                let $req = batch($p);
                $body
            }
            "order/redPacket" => {
                let $req = red_packet($p);
                $body
            }
            "order/alipay/transfer" => {
                let $req = alipay_transfer($p);
                $body
            }
            "order/alipay/coupons" => {
                let $req = alipay_coupons($p);
                $body
            }
            "order/wechat/coupons" => {
                let $req = wechat_coupons($p);
                $body
            }
            "order/wechat/transfer" => {
                let $req = wechat_transfer($p);
                $body
            }
            other => panic!("unknown operation {other}"),
        }
    };
}

fn show<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug>(r: &Result<T, E>) -> String {
    match r {
        Ok(v) => format!("{v:#?}"),
        Err(e) => format!("error: {e}\n\n{e:#?}"),
    }
}

/// Renders one fixture; returns the text and whether it succeeded.
fn render(input: &[u8]) -> (String, bool) {
    let fixture: Fixture = serde_json::from_slice(input).expect("fixture parses");
    match fixture {
        Fixture::Request {
            operation,
            sign_type,
            timestamp,
            nonce,
            params,
            send_sign_type,
            card_key,
            merchant_id,
            business_id,
        } => {
            let credentials = match sign_type.as_str() {
                "MD5" => Credentials::md5(SECRET),
                "SHA256-RSA" => Credentials::sha256_rsa_pem(key_pem()),
                other => panic!("unknown sign type {other}"),
            };
            let mut builder = Client::builder(
                merchant_id.unwrap_or_else(|| "166".to_owned()),
                business_id.unwrap_or_else(|| "166".to_owned()),
                credentials,
            )
            .base_url("https://open.example.com")
            .http_client(crate::support::http())
            .clock(Arc::new(FixedClock::from_millis(timestamp)))
            .nonce_source(Arc::new(FixedNonce(nonce)))
            .send_sign_type(send_sign_type);
            if card_key && sign_type == "MD5" {
                builder = builder.card_key(key_pem());
            }
            let client = builder.build().expect("fixture client builds");
            dispatch!(operation.as_str(), &params, |req| {
                match client.prepare(&req) {
                    Ok(prepared) => (prepared.render(), true),
                    Err(e) => (format!("error: {e}\n\n{e:#?}"), false),
                }
            })
        }
        Fixture::Reply {
            operation,
            http_status,
            headers,
            body,
            params,
            client,
        } => {
            let mode = match client.reply_verification.as_deref() {
                None => ReplySignatureMode::default(),
                Some("warn") => ReplySignatureMode::Warn,
                Some("if_signed") => ReplySignatureMode::RefuseInvalid,
                Some("strict") => ReplySignatureMode::Strict,
                Some("off") => ReplySignatureMode::Off,
                Some(other) => panic!("unknown mode {other}"),
            };
            let mut builder = Client::builder("166", "166", Credentials::md5(SECRET))
                .base_url("https://open.example.com")
                .http_client(crate::support::http())
                .card_key(key_pem())
                .reply_signatures(mode);
            if let Some(fields) = client.order_status_fields {
                builder = builder.order_status_fields(fields);
            }
            let client = builder.build().expect("fixture client builds");
            let mut map = http::HeaderMap::new();
            for (k, v) in &headers {
                map.insert(
                    http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                    http::HeaderValue::from_str(v).expect("header value"),
                );
            }
            dispatch!(operation.as_str(), &params, |req| {
                let r = client.read_reply(&req, http_status, &map, body.as_bytes());
                (show(&r), r.is_ok())
            })
        }
        Fixture::Notify {
            verifier,
            business_id,
            headers,
            body,
            body_base64,
            max_body_bytes,
            clock_ms,
        } => {
            let v = match verifier.as_str() {
                "MD5" => PlatformVerifier::md5(SECRET),
                "SHA256-RSA" => PlatformVerifier::rsa(
                    sign_core::rsa::RsaPublicKey::parse(&pub_pem()).expect("public key"),
                ),
                other => panic!("unknown verifier {other}"),
            };
            let now = clock_ms.unwrap_or_else(|| {
                headers
                    .get("timestamp")
                    .and_then(|t| t.parse::<i64>().ok())
                    // 10-digit seconds or 13-digit milliseconds.
                    .map_or(
                        0,
                        |t| if t < 100_000_000_000 { t * 1000 } else { t } + 60_000,
                    )
            });
            let mut notify =
                NotifyVerifier::new(business_id, v).clock(Arc::new(FixedClock::from_millis(now)));
            if let Some(limit) = max_body_bytes {
                notify = notify.max_body_bytes(limit);
            }
            let bytes = match (body, body_base64) {
                (Some(b), None) => b.into_bytes(),
                (None, Some(b)) => base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .expect("fixture base64"),
                _ => panic!("a notify fixture has exactly one of body and body_base64"),
            };
            let mut h = CallbackHeaders::new();
            for (k, v) in &headers {
                h = h.header(k, v);
            }
            let r = notify.verify(&h.to_header_map(), &bytes);
            (show(&r), r.is_ok())
        }
    }
}

#[test]
fn fixtures() {
    insta::glob!("../../../../fixtures", "vipcharge/**/*.json", |path| {
        let input = std::fs::read(path).expect("fixture is readable");
        let (rendered, ok) = render(&input);
        let expected_ok = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "ok");
        assert_eq!(
            ok,
            expected_ok,
            "{}: {}",
            path.display(),
            if expected_ok {
                "must succeed"
            } else {
                "must fail"
            }
        );
        assert!(
            !rendered.contains(SECRET),
            "{}: the secret is rendered",
            path.display()
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_sort_maps(true);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(rendered));
    });
}

#[test]
fn coupon_fixture_codes_decrypt_to_the_generated_plaintexts() {
    // The snapshot shows `CardSecret(***)`; this checks what is behind it (values written by
    // fixtures/vipcharge/gen_fixtures.py, the long link spanning two RSA blocks).
    let path =
        crate::support::root().join("fixtures/vipcharge/coupon/ok/reply_two_codes_one_long.json");
    let Fixture::Reply { body, headers, .. } =
        serde_json::from_slice(&crate::support::read(&path)).expect("fixture")
    else {
        panic!("a reply fixture")
    };
    assert_eq!(
        headers.get("Content-Type").map(String::as_str),
        Some("application/json")
    );
    let client = crate::support::md5_client("https://open.example.com");
    let r = client
        .read_reply(
            &CouponRequest::new("P-100", "BIZ-C1"),
            200,
            &http::HeaderMap::new(),
            body.as_bytes(),
        )
        .expect("decrypts");
    let codes = r.codes();
    assert_eq!(
        codes[0].card_no().map(|c| c.expose()),
        Some("8888000011112222")
    );
    assert_eq!(codes[0].cdkey().expose(), "PIN-3F9A-77C2-1D0B");
    let link = format!(
        "https://r.example.com/redeem?code={}",
        "A1b2C3d4".repeat(40)
    );
    assert!(link.len() > 245, "spans two blocks");
    assert_eq!(codes[1].cdkey().expose(), link);
}
