//! Secrets never print (issue 10). For each provider:
//!
//! - every public type that holds a secret, a key or a signature (client, builder, notify
//!   verifier, credential and key types, prepared requests, explanations, errors) is formatted
//!   with `{:?}` (and `{}` where it implements `Display`), and the text must contain none of the
//!   secret, the private key's PEM body, or the request signature;
//! - a full exchange against the in-process sandbox (a create, a query, a failing call, a
//!   verified and a refused callback) runs under a `tracing` subscriber at TRACE level writing
//!   into a buffer, and the captured text must contain none of them either (and must contain the
//!   call spans, so the capture is known to work).
//!
//! Distinctive secrets are configured in the sandbox so a hit cannot be a coincidence.
//!
//! `cargo test -p payhub-sandbox --test secrets`

use std::sync::Arc;

use payhub_runtime::test_util::LogCapture;
use payhub_sandbox::{Sandbox, SandboxHandle, SandboxTime};

/// 2024-12-02 09:00:00 UTC: the sandbox clock and the clients' fixed clocks.
const START_MS: i64 = 1_733_130_000_000;

/// Fails naming the first forbidden string found in `text`.
#[track_caller]
fn assert_clean(what: &str, text: &str, forbidden: &[&str]) {
    for f in forbidden {
        assert!(!f.is_empty(), "empty forbidden string");
        if let Some(at) = text.find(f) {
            let from = at.saturating_sub(120);
            let to = (at + f.len() + 60).min(text.len());
            panic!(
                "{what} leaks `{f}`: ...{}...",
                text.get(from..to).unwrap_or(text)
            );
        }
    }
}

/// `{:?}` and, for `Display` types, `{}` of each value, checked.
macro_rules! check_fmt {
    ($forbidden:expr; debug: $($d:expr),* $(,)? ; display: $($s:expr),* $(,)?) => {{
        $( assert_clean(stringify!($d), &format!("{:?}", $d), $forbidden); )*
        $( assert_clean(stringify!($s), &format!("{:?}", $s), $forbidden);
           assert_clean(stringify!($s), &format!("{}", $s), $forbidden); )*
    }};
}

async fn sandbox(provider: &str, config: &str) -> SandboxHandle {
    let table: toml::Table = toml::from_str(config).expect("config parses");
    Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .provider_config(provider, table)
        .start()
        .await
        .expect("sandbox starts")
}

// ---------------------------------------------------------------------------------------------

mod paydesk_secrets {
    use paydesk::api::{PayDeskQueryRequest, PayDeskRequest};
    use paydesk::notify::NotifyVerifier;
    use paydesk::{Client, ClientBuilder, Error, FixedNonce, Secret};
    use rust_decimal::Decimal;

    use super::*;

    const KEY: &str = "pdk-S3CRET-4e1f0c9a77";

    fn builder(base: &str) -> ClientBuilder {
        Client::builder(1002001, KEY)
            .base_url(base)
            .nonce_source(Arc::new(FixedNonce("nonceForSecretsTest".into())))
    }

    fn create() -> PayDeskRequest {
        PayDeskRequest::new(
            "M-SECRETS-1",
            "TZS",
            Decimal::from(1000),
            "http://127.0.0.1:9/notify",
        )
        .mobile_money_phone("721323213")
        .real_name("Jeck")
        .phone("255700000001")
        .email("payer@example.com")
        .remark("secrets")
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_secret_in_formatting_or_traces() {
        let logs = LogCapture::start();
        let sb = sandbox(
            "paydesk",
            &format!(r#"merchants = [{{ merchant_id = "1002001", api_key = "{KEY}" }}]"#),
        )
        .await;
        let base = sb.provider_url("paydesk");
        let client = builder(&base).build().expect("client");
        let prepared = client.prepare(&create()).expect("prepares");
        let sign = prepared.header_value("Sign").expect("Sign").to_owned();
        let forbidden = [KEY, sign.as_str(), &sign.to_lowercase()];

        let verifier = client.notify_verifier();
        let secret = Secret::new(KEY);
        let explanation = prepared.signed().expect("explained").clone();
        let bad_sign = NotifyVerifier::new(1002001, KEY)
            .verify(&http::HeaderMap::new(), b"{}")
            .expect_err("refused");
        check_fmt!(&forbidden;
            debug: client, builder(&base), verifier, prepared;
            display: secret, explanation, bad_sign);

        // A full exchange, traced.
        client.send(&create()).await.expect("create");
        client
            .send(&PayDeskQueryRequest::by_mch_order_no("M-SECRETS-1"))
            .await
            .expect("query");
        let err = client
            .send(&PayDeskQueryRequest::by_mch_order_no("M-NOPE"))
            .await
            .expect_err("unknown order");
        check_fmt!(&forbidden; debug: ; display: err);
        let err = Client::builder(1002001, "not-the-key")
            .base_url(&base)
            .build()
            .expect("builds")
            .send(&PayDeskQueryRequest::by_mch_order_no("M-SECRETS-1"))
            .await
            .expect_err("sign refused");
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        // Callbacks: one verified, one refused.
        let body = br#"{"amount":1000,"mchOrderNo":"M-SECRETS-1","merchantId":"1002001","orderNo":"PAYDESK1","orderStatus":"SUCCESS"}"#;
        let notify_sign = paydesk::sign::signature(&Secret::new(KEY), body);
        let mut h = http::HeaderMap::new();
        h.insert("MerchantId", http::HeaderValue::from_static("1002001"));
        h.insert("Sign", notify_sign.parse().expect("header"));
        let n = verifier.verify(&h, body).expect("verifies");
        check_fmt!(&[KEY, notify_sign.as_str()]; debug: n; display: );
        sb.shutdown().await.expect("stops");

        let text = logs.text();
        assert!(
            text.contains(r#"payhub.call{provider="paydesk""#),
            "the call spans were captured:\n{text}"
        );
        assert!(text.contains("M-SECRETS-1"));
        assert_clean("TRACE log", &text, &forbidden);
        assert_clean("TRACE log", &text, &[notify_sign.as_str()]);
    }
}

// ---------------------------------------------------------------------------------------------

mod gateway_recharge_secrets {
    use gateway_recharge::api::{CreateOrderRequest, DepositQueryRequest};
    use gateway_recharge::payhub_runtime::FixedClock;
    use gateway_recharge::{Client, ClientBuilder, Secret};
    use rust_decimal::Decimal;
    use sign_core::CanonicalParams;

    use super::*;

    const KEY: &str = "gwr-S3CRET-91bb02ef";

    fn builder(base: &str) -> ClientBuilder {
        Client::builder("M1234567890", KEY)
            .base_url(base)
            .clock(Arc::new(FixedClock::from_millis(START_MS)))
    }

    fn create() -> CreateOrderRequest {
        CreateOrderRequest::new(
            "GW-SECRETS-1",
            Decimal::new(10000, 2),
            "secrets",
            "user1",
            "192.168.1.1",
            "http://127.0.0.1:9/cb",
            "http://127.0.0.1:9/ret",
        )
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_secret_in_formatting_or_traces() {
        let logs = LogCapture::start();
        let sb = sandbox("gateway_recharge", &format!(r#"key = "{KEY}""#)).await;
        let base = sb.provider_url("gateway_recharge");
        let client = builder(&base).build().expect("client");
        let prepared = client.prepare(&create()).expect("prepares");
        let body: serde_json::Value =
            serde_json::from_slice(prepared.body_bytes()).expect("JSON body");
        let sign = body["sign"].as_str().expect("sign").to_owned();
        let forbidden = [KEY, sign.as_str(), &sign.to_uppercase()];

        let verifier = client.notify_verifier();
        let explanation = prepared.signed().expect("explained").clone();
        let secret = Secret::new(KEY);
        let mut json_ct = http::HeaderMap::new();
        json_ct.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        let refused = verifier
            .verify(&json_ct, br#"{"sign":"00"}"#)
            .expect_err("refused");
        check_fmt!(&forbidden;
            debug: client, builder(&base), verifier, prepared;
            display: secret, explanation, refused);

        client.send(&create()).await.expect("create");
        client
            .send(&DepositQueryRequest::new("GW-SECRETS-1"))
            .await
            .expect("query");
        let err = client
            .send(&DepositQueryRequest::new("GW-NOPE"))
            .await
            .expect_err("unknown order");
        check_fmt!(&forbidden; debug: ; display: err);
        let mut fields = CanonicalParams::new();
        for (k, v) in [
            ("trade_no", "RR1"),
            ("order_no", "GW-SECRETS-1"),
            ("amount", "100.00"),
            ("remark", "r"),
            ("status", "success"),
            ("trade_time", "2024-12-02 17:00:00"),
        ] {
            fields.push(k, v);
        }
        let notify_sign = gateway_recharge::sign::sign(
            &fields,
            &gateway_recharge::sign::signer(Secret::new(KEY)),
        );
        let mut json = serde_json::Map::new();
        for (k, v) in fields.pairs() {
            json.insert(k.clone(), v.clone().into());
        }
        json.insert("sign".into(), notify_sign.clone().into());
        let notify = serde_json::to_vec(&json).expect("JSON");
        let n = verifier.verify(&json_ct, &notify).expect("verifies");
        check_fmt!(&[KEY, notify_sign.as_str()]; debug: n; display: );
        let tampered = String::from_utf8(notify)
            .expect("text")
            .replace("100.00", "900.00");
        let e = verifier
            .verify(&json_ct, tampered.as_bytes())
            .expect_err("tampered");
        check_fmt!(&[KEY, notify_sign.as_str()]; debug: ; display: e);
        sb.shutdown().await.expect("stops");

        let text = logs.text();
        assert!(
            text.contains("payhub.call") && text.contains("provider=\"gateway-recharge\""),
            "spans captured:\n{text}"
        );
        assert!(text.contains("GW-SECRETS-1"));
        assert_clean("TRACE log", &text, &forbidden);
        assert_clean("TRACE log", &text, &[notify_sign.as_str()]);
    }
}

// ---------------------------------------------------------------------------------------------

mod jiuyi_dc_secrets {
    use jiuyi_dc::api::PayRequest;
    use jiuyi_dc::api::QueryOrderRequest;
    use jiuyi_dc::notify::NotifyVerifier;
    use jiuyi_dc::sign::RequestSigner;
    use jiuyi_dc::{Client, ClientBuilder, FixedClock, Secret};

    use super::*;

    const SECRET: &str = "JYS3CRET77QX";

    fn builder(base: &str) -> ClientBuilder {
        Client::builder("19190009", SECRET)
            .base_url(base)
            .clock(Arc::new(FixedClock::from_millis(START_MS)))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_secret_in_formatting_or_traces() {
        let logs = LogCapture::start();
        let sb = sandbox("jiuyi_dc", &format!(r#"appsecret = "{SECRET}""#)).await;
        let base = sb.provider_url("jiuyi_dc");
        let client = builder(&base).build().expect("client");
        let create = PayRequest::new("43", "13800138000", "JY-SECRETS-1");
        let prepared = client.prepare(&create).expect("prepares");
        let sign = url::form_urlencoded::parse(prepared.body_bytes())
            .find(|(k, _)| k == "sign")
            .map(|(_, v)| v.into_owned())
            .expect("sign");
        let forbidden = [SECRET, sign.as_str(), &sign.to_lowercase()];

        let verifier = client.notify_verifier();
        let signer = RequestSigner::new(Secret::new(SECRET));
        let explanation = prepared.signed().expect("explained").clone();
        let secret = Secret::new(SECRET);
        let refused = NotifyVerifier::new(SECRET)
            .verify(&http::HeaderMap::new(), b"a=1&sign=00")
            .expect_err("refused");
        check_fmt!(&forbidden;
            debug: client, builder(&base), verifier, signer, prepared;
            display: secret, explanation, refused);

        client.send(&create).await.expect("create");
        client
            .send(&QueryOrderRequest::by_out_order_id("JY-SECRETS-1"))
            .await
            .expect("query");
        let err = client
            .send(&QueryOrderRequest::by_out_order_id("JY-NOPE"))
            .await
            .expect_err("unknown order");
        check_fmt!(&forbidden; debug: ; display: err);
        let fields = [
            ("order_id", "API1"),
            ("out_order_id", "JY-SECRETS-1"),
            ("status", "4"),
            ("account", "13800138000"),
            ("card_id", "43"),
        ];
        let (notify_sign, _) = signer.sign(fields, &[]);
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(fields);
        form.append_pair("sign", &notify_sign);
        let body = form.finish();
        let n = verifier
            .verify(&http::HeaderMap::new(), body.as_bytes())
            .expect("verifies");
        check_fmt!(&[SECRET, notify_sign.as_str()]; debug: n; display: );
        sb.shutdown().await.expect("stops");

        let text = logs.text();
        assert!(
            text.contains("payhub.call{provider=\"jiuyi-dc\""),
            "spans captured:\n{text}"
        );
        assert!(text.contains("JY-SECRETS-1"));
        assert_clean("TRACE log", &text, &forbidden);
        assert_clean("TRACE log", &text, &[notify_sign.as_str()]);
    }
}

// ---------------------------------------------------------------------------------------------

mod tokenpay_secrets {
    use tokenpay::api::{PrepayRequest, QueryOrderRequest};
    use tokenpay::sign::{AppKey, Authorization, reply_signing_string};
    use tokenpay::types::{Chain, Currency};
    use tokenpay::{Client, ClientBuilder, FixedClock, FixedNonce, NotifyVerifier, Secret};

    use super::*;

    const APP_ID: &str = "app0000000000000000000000secrets";
    const MCH_ID: &str = "4242424242";
    /// 32 bytes: the AES-256 key.
    const SECRET: &str = "TPs3cret-9d8c7b6a5f4e3d2c1b0a99x";

    fn builder(base: &str) -> ClientBuilder {
        Client::builder(APP_ID, MCH_ID, SECRET)
            .base_url(base)
            .clock(Arc::new(FixedClock::from_millis(START_MS)))
            .nonce_source(Arc::new(FixedNonce(
                "00112233445566778899AABBCCDDEEFF".into(),
            )))
    }

    fn create() -> PrepayRequest {
        PrepayRequest::new(
            "TP-SECRETS-1",
            "9".parse().expect("amount"),
            Chain::Tron,
            Currency::Usdt,
        )
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_secret_in_formatting_or_traces() {
        assert_eq!(SECRET.len(), 32);
        let logs = LogCapture::start();
        let sb = sandbox(
            "tokenpay",
            &format!(
                r#"apps = [{{ app_id = "{APP_ID}", mch_id = "{MCH_ID}", app_secret = "{SECRET}" }}]"#
            ),
        )
        .await;
        let base = sb.provider_url("tokenpay");
        let client = builder(&base).build().expect("client");
        let prepared = client.prepare(&create()).expect("prepares");
        let auth = Authorization::parse(prepared.header_value("Authorization").expect("header"))
            .expect("parses");
        let sign = auth.signature.clone();
        let forbidden = [SECRET, sign.as_str()];

        let verifier = client.notify_verifier();
        let key = AppKey::new(&Secret::new(SECRET)).expect("key");
        let secret = Secret::new(SECRET);
        let explanation = prepared.signed().cloned();
        let refused = verifier
            .verify(&http::HeaderMap::new(), b"{}")
            .expect_err("refused");
        let bad_key = NotifyVerifier::new(APP_ID, MCH_ID, "too short").expect_err("config");
        check_fmt!(&forbidden;
            debug: client, builder(&base), verifier, key, prepared, explanation;
            display: secret, refused, bad_key);
        check_fmt!(&[SECRET]; debug: auth; display: );

        client.send(&create()).await.expect("create");
        client
            .send(&QueryOrderRequest::by_out_trade_no("TP-SECRETS-1"))
            .await
            .expect("query");
        let err = client
            .send(&QueryOrderRequest::by_out_trade_no("TP-NOPE"))
            .await
            .expect_err("unknown order");
        check_fmt!(&forbidden; debug: ; display: err);
        let plain = br#"{"out_trade_no":"TP-SECRETS-1","transaction_id":"t1","trade_state":"SUCCESS","amount":9000000,"decimals":6}"#;
        let ct = key
            .encrypt_resource("a1b2c3d4e5f6", None, plain)
            .expect("encrypts");
        let body = serde_json::to_vec(&serde_json::json!({
            "app_id": APP_ID, "mch_id": MCH_ID, "event_type": "TRANSACTION.SUCCESS",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": ct, "nonce": "a1b2c3d4e5f6"}
        }))
        .expect("JSON");
        let notify_sign = key
            .sign(&reply_signing_string("1733130000000", "n-1", &body))
            .expect("signs");
        let mut h = http::HeaderMap::new();
        h.insert(
            "TTPay-Timestamp",
            http::HeaderValue::from_static("1733130000000"),
        );
        h.insert("TTPay-Nonce", http::HeaderValue::from_static("n-1"));
        h.insert("TTPay-Signature", notify_sign.parse().expect("header"));
        let n = verifier.verify(&h, &body).expect("verifies");
        check_fmt!(&[SECRET, notify_sign.as_str()]; debug: n; display: );
        sb.shutdown().await.expect("stops");

        let text = logs.text();
        assert!(
            text.contains("payhub.call{provider=\"tokenpay\""),
            "spans captured:\n{text}"
        );
        assert!(text.contains("TP-SECRETS-1"));
        assert_clean("TRACE log", &text, &forbidden);
        assert_clean("TRACE log", &text, &[notify_sign.as_str()]);
    }
}

// ---------------------------------------------------------------------------------------------

mod vipcharge_secrets {
    use vipcharge::api::{CouponRequest, OrderInfoRequest, VipChargeRequest};
    use vipcharge::card::CardSecret;
    use vipcharge::notify::{CallbackHeaders, NotifyVerifier};
    use vipcharge::sign::{PlatformVerifier, string_to_sign};
    use vipcharge::{Client, ClientBuilder, Credentials, FixedClock, FixedNonce};

    use sign_core::rsa::RsaPrivateKey;
    use sign_core::{Md5Signer, Secret, SecretSuffix};

    use super::*;

    const MD5_SECRET: &str = "vipS3CRET-0c1d2e3f4a";

    fn pem() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/vectors/vipcharge_test_key.pem"
        ))
        .expect("test key")
    }

    /// 24-character pieces of the private key's base64 body: none may ever be printed.
    fn pem_fragments() -> Vec<String> {
        let text = String::from_utf8(pem()).expect("PEM text");
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(body.len() > 1000, "an RSA private key body");
        body.as_bytes()
            .chunks(24)
            .filter(|c| c.len() == 24)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }

    fn rsa_builder(base: &str, platform_pem: &str) -> ClientBuilder {
        Client::builder("166", "166", Credentials::sha256_rsa_pem(pem()))
            .base_url(base)
            .clock(Arc::new(FixedClock::from_millis(START_MS)))
            .card_key(pem())
            .platform_public_key(platform_pem.as_bytes())
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_secret_or_key_material_in_formatting_or_traces() {
        let logs = LogCapture::start();
        let sb = sandbox(
            "vipcharge",
            &format!(
                r#"merchants = [{{ merchant_id = "166", business_id = "166", secret = "{MD5_SECRET}" }}]"#
            ),
        )
        .await;
        let base = sb.provider_url("vipcharge");
        let platform_pem = sb
            .credentials("vipcharge")
            .into_iter()
            .find(|c| c.label().contains("platform public key"))
            .expect("the sandbox publishes its platform key")
            .value()
            .to_owned();
        let fragments = pem_fragments();
        let mut forbidden: Vec<&str> = fragments.iter().map(String::as_str).collect();
        forbidden.push(MD5_SECRET);

        let rsa = rsa_builder(&base, &platform_pem)
            .build()
            .expect("RSA client");
        // One MD5 request is sent: a fixed nonce makes its signature the prepared one.
        let md5 = Client::builder("166", "166", Credentials::md5(MD5_SECRET))
            .base_url(&base)
            .clock(Arc::new(FixedClock::from_millis(START_MS)))
            .nonce_source(Arc::new(FixedNonce("md5-secrets-nonce".into())))
            .build()
            .expect("MD5 client");
        let create = VipChargeRequest::new("87103", "13800138000", "VIP-SECRETS-1");
        let prepared = rsa.prepare(&create).expect("prepares");
        let rsa_sign = prepared
            .header_value("sign")
            .expect("sign header")
            .to_owned();
        let md5_prepared = md5
            .prepare(&VipChargeRequest::new(
                "87103",
                "13800138000",
                "VIP-SECRETS-2",
            ))
            .expect("prepares");
        let md5_sign = md5_prepared.header_value("sign").expect("sign").to_owned();
        forbidden.push(&rsa_sign);
        forbidden.push(&md5_sign);

        let key = RsaPrivateKey::parse(&pem()).expect("key");
        let creds = [
            Credentials::sha256_rsa_pem(pem()),
            Credentials::sha256_rsa(key.clone()),
            Credentials::md5(MD5_SECRET),
        ];
        let verifier = rsa.notify_verifier().expect("verifier");
        let platform = PlatformVerifier::md5(MD5_SECRET);
        let secret_value = CardSecret::new(MD5_SECRET);
        let explanation = prepared.signed().cloned();
        let bad_key = Client::builder(
            "166",
            "166",
            Credentials::sha256_rsa_pem(
                b"-----BEGIN PRIVATE KEY-----\nMIIBVQ==\n-----END PRIVATE KEY-----\n",
            ),
        )
        .base_url(&base)
        .build()
        .expect_err("a broken key is refused");
        check_fmt!(&forbidden;
            debug: rsa, md5, rsa_builder(&base, &platform_pem), creds, key, verifier, platform,
                secret_value, prepared, md5_prepared, explanation;
            display: bad_key);

        // Full exchanges, traced: an RSA create and query, an MD5 create, card codes bought and
        // decrypted, a failing call.
        rsa.send(&create).await.expect("RSA create");
        rsa.send(&OrderInfoRequest::by_biz_code("VIP-SECRETS-1"))
            .await
            .expect("query");
        md5.send(&VipChargeRequest::new(
            "87103",
            "13800138000",
            "VIP-SECRETS-2",
        ))
        .await
        .expect("MD5 create");
        let codes = rsa
            .send(&CouponRequest::new("P-100", "VIP-SECRETS-3"))
            .await;
        let mut card_values = Vec::new();
        if let Ok(codes) = &codes {
            for c in codes.codes() {
                card_values.push(c.cdkey().expose().to_owned());
                if let Some(no) = c.card_no() {
                    card_values.push(no.expose().to_owned());
                }
            }
            let cards: Vec<&str> = card_values.iter().map(String::as_str).collect();
            check_fmt!(&cards; debug: codes; display: );
        }
        let err = rsa
            .send(&OrderInfoRequest::by_biz_code("VIP-NOPE"))
            .await
            .expect_err("unknown order");
        check_fmt!(&forbidden; debug: ; display: err);
        // A callback, verified and refused.
        let body = br#"{"orderCode":"O1","bizCode":"VIP-SECRETS-2","orderStatus":2}"#;
        let msg = string_to_sign("166", "n-1", None, "1733130000000", body);
        let notify_sign =
            Md5Signer::new(Secret::new(MD5_SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
        let h = CallbackHeaders::new()
            .header("businessId", "166")
            .header("nonce", "n-1")
            .header("timestamp", "1733130000000")
            .header("sign", &notify_sign);
        // Pinned a minute after the callback's signed time (the default freshness window is
        // 24 hours on the system clock, which made this test fail after that day).
        let v = NotifyVerifier::new("166", PlatformVerifier::md5(MD5_SECRET))
            .clock(Arc::new(FixedClock::from_millis(1_733_130_060_000)));
        let n = v.verify(&h.to_header_map(), body).expect("verifies");
        let refused = v.verify(&h.to_header_map(), b"{}").expect_err("refused");
        check_fmt!(&[MD5_SECRET, notify_sign.as_str()]; debug: n, h; display: refused);
        sb.shutdown().await.expect("stops");

        let text = logs.text();
        assert!(text.contains("payhub.call"), "spans captured:\n{text}");
        assert!(text.contains("VIP-SECRETS-1"));
        assert_clean("TRACE log", &text, &forbidden);
        assert_clean("TRACE log", &text, &[notify_sign.as_str()]);
        let cards: Vec<&str> = card_values.iter().map(String::as_str).collect();
        assert_clean("TRACE log", &text, &cards);
        // RSA requests use fresh nonces, so their signatures are not known here: no base64 run
        // as long as an RSA-2048 signature (344 characters) may appear at all.
        let longest_base64 = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(
            longest_base64 < 300,
            "a signature-sized base64 run is logged ({longest_base64} chars)"
        );
        assert!(codes.is_ok(), "card codes bought: {codes:?}");
        assert!(!card_values.is_empty(), "card codes were decrypted");
    }
}
