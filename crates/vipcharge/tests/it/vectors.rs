//! Every case of `fixtures/vectors/vipcharge.json`, reproduced byte for byte through the crate's
//! request builders (same headers and body in, same string to sign, signature, headers and body
//! out) and, for callbacks, through `NotifyVerifier` and `Ack`, on every compiled-in RSA backend.

use std::collections::BTreeMap;
use std::sync::Arc;

use payhub_runtime::{FixedClock, FixedNonce, PreparedRequest};
use serde_json::Value;
use sign_core::rsa::RsaBackend;
use vipcharge::api::{BalanceRequest, OrderInfoRequest, VipChargeRequest};
use vipcharge::notify::CallbackHeaders;
use vipcharge::sign::PlatformVerifier;
use vipcharge::{Ack, Client, Credentials, NotifyVerifier};

use crate::support::{backends, private_key, public_key, read, vectors_dir};

#[derive(Debug, serde::Deserialize)]
struct File {
    provider: String,
    cases: Vec<Case>,
}

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    kind: String,
    algorithm: String,
    headers: BTreeMap<String, String>,
    body: String,
    signed_string: String,
    sign: String,
    secret: Option<String>,
    private_key_pem_file: Option<String>,
    public_key_pem_file: Option<String>,
    ack: Option<String>,
}

fn load() -> File {
    let text = read(&vectors_dir().join("vipcharge.json"));
    let file: File = serde_json::from_slice(&text).expect("vector file parses");
    assert_eq!(file.provider, "vipcharge");
    assert_eq!(
        file.cases.len(),
        8,
        "a vector case was added or removed: cover it here"
    );
    file
}

fn header<'a>(case: &'a Case, name: &str) -> &'a str {
    case.headers
        .get(name)
        .unwrap_or_else(|| panic!("{}: no {name} header", case.name))
}

/// A client configured from the case's headers (clock, nonce, businessId, signType sent or not).
fn client_for(case: &Case, backend: &'static dyn RsaBackend) -> Client {
    let body: Value = serde_json::from_str(&case.body).expect("vector body is JSON");
    let merchant = body["merchantId"].as_str().unwrap_or("166").to_owned();
    let credentials = match case.algorithm.as_str() {
        "MD5" => Credentials::md5(case.secret.clone().expect("MD5 case has a secret")),
        "SHA256-RSA" => {
            let file = case
                .private_key_pem_file
                .as_deref()
                .expect("RSA case has a key");
            assert_eq!(file, "vipcharge_test_key.pem");
            Credentials::sha256_rsa(private_key(backend))
        }
        other => panic!("{}: unknown algorithm {other}", case.name),
    };
    let timestamp: i64 = header(case, "timestamp")
        .parse()
        .expect("timestamp is millis");
    Client::builder(merchant, header(case, "businessId"), credentials)
        .base_url("https://open.example.com")
        .http_client(crate::support::http())
        .rsa_backend(backend)
        .clock(Arc::new(FixedClock::from_millis(timestamp)))
        .nonce_source(Arc::new(FixedNonce(header(case, "nonce").to_owned())))
        .send_sign_type(case.headers.contains_key("signType"))
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

/// The typed request whose body the case shows, built from the case's own inputs.
fn prepare(case: &Case, client: &Client) -> PreparedRequest {
    let body: BTreeMap<String, Value> = serde_json::from_str(&case.body).expect("JSON object");
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    let result = match keys.as_slice() {
        ["businessId", "merchantId"] => client.prepare(&BalanceRequest::new()),
        ["bizCode", "orderCode"] => client.prepare(
            &OrderInfoRequest::by_order_code(text("orderCode").expect("orderCode"))
                .biz_code(text("bizCode").expect("bizCode")),
        ),
        _ if body.contains_key("productCode") && body.contains_key("account") => {
            let mut req = VipChargeRequest::new(
                text("productCode").expect("productCode"),
                text("account").expect("account"),
                text("bizCode").expect("bizCode"),
            );
            if let Some(m) = text("mobile") {
                req = req.mobile(m);
            }
            if let Some(u) = text("callbackUrl") {
                req = req.callback_url(u);
            }
            client.prepare(&req)
        }
        other => panic!("{}: no request builder for body keys {other:?}", case.name),
    };
    result.unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn check_request(case: &Case, backend: &'static dyn RsaBackend) {
    let name = format!("{} on {}", case.name, backend.name());
    let client = client_for(case, backend);
    let req = prepare(case, &client);
    assert_eq!(
        std::str::from_utf8(req.body_bytes()).expect("utf-8"),
        case.body,
        "{name}: body"
    );
    let explained = req
        .signed()
        .expect("prepared requests carry what was signed");
    assert_eq!(
        explained.canonical(),
        case.signed_string,
        "{name}: string to sign"
    );
    assert_eq!(
        req.header_value("sign"),
        Some(case.sign.as_str()),
        "{name}: sign"
    );
    for (k, v) in &case.headers {
        assert_eq!(req.header_value(k), Some(v.as_str()), "{name}: header {k}");
    }
    if !case.headers.contains_key("signType") {
        assert_eq!(
            req.header_value("signType"),
            None,
            "{name}: signType must not be sent"
        );
    }
    assert!(req.path_and_query().starts_with("/v1/openapi/"), "{name}");
    assert_eq!(
        req.content_type(),
        Some("application/json; charset=utf-8"),
        "{name}"
    );
    // The secret never shows: MD5 explanations end with the masked suffix.
    if let Some(secret) = &case.secret {
        assert_eq!(
            explained.signed_string(),
            format!("{}***", case.signed_string)
        );
        assert!(
            !req.render().contains(secret.as_str()),
            "{name}: secret rendered"
        );
        assert!(
            !format!("{req:?}").contains(&case.sign),
            "{name}: Debug shows the signature"
        );
    }
}

fn check_callback(case: &Case, backend: &'static dyn RsaBackend) {
    let name = format!("{} on {}", case.name, backend.name());
    let verifier = match case.algorithm.as_str() {
        "MD5" => PlatformVerifier::md5(case.secret.clone().expect("secret")),
        _ => {
            assert_eq!(
                case.public_key_pem_file.as_deref(),
                Some("vipcharge_test_key.pub.pem")
            );
            PlatformVerifier::rsa(public_key(backend))
        }
    };
    // A recorded callback: the clock is pinned a minute after its signed timestamp.
    let now = header(case, "timestamp").parse::<i64>().expect("millis") + 60_000;
    let notify = NotifyVerifier::new(header(case, "businessId"), verifier)
        .clock(Arc::new(FixedClock::from_millis(now)));
    let mut headers = CallbackHeaders::new().header("sign", &case.sign);
    for (k, v) in &case.headers {
        headers = headers.header(k, v);
    }
    let n = notify
        .verify(&headers.to_header_map(), case.body.as_bytes())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let body: Value = serde_json::from_str(&case.body).expect("JSON");
    assert_eq!(Some(n.order_code()), body["orderCode"].as_str(), "{name}");
    assert_eq!(n.biz_code(), body["bizCode"].as_str(), "{name}");
    assert_eq!(n.account(), body["account"].as_str(), "{name}");
    assert_eq!(n.nonce(), header(case, "nonce"));
    assert_eq!(
        Some(Ack::success().body()),
        case.ack.as_deref(),
        "{name}: ack"
    );
    assert_eq!(Ack::success().status(), 200);

    // The same headers over a body with one byte changed do not verify.
    let mut tampered = case.body.clone().into_bytes();
    tampered[2] ^= 0x01;
    assert!(
        notify.verify(&headers.to_header_map(), &tampered).is_err(),
        "{name}: tampered body"
    );
}

#[test]
fn every_vector_case_through_the_client() {
    let file = load();
    let mut checked = 0;
    for backend in backends() {
        for case in &file.cases {
            match case.kind.as_str() {
                "request" => check_request(case, backend),
                "callback" => check_callback(case, backend),
                other => panic!("{}: unknown kind {other}", case.name),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, file.cases.len() * backends().len());
}

#[test]
fn doc_signature_examples_use_the_published_inputs() {
    // The two `doc_*` cases carry the provider's published headers and body (docs section 4.1).
    let file = load();
    let docs: Vec<&Case> = file
        .cases
        .iter()
        .filter(|c| c.name.starts_with("doc_"))
        .collect();
    assert_eq!(docs.len(), 2);
    for case in docs {
        assert_eq!(
            header(case, "businessId"),
            "754ea3e3a699404f9b82e8f881107f19"
        );
        assert_eq!(
            header(case, "nonce"),
            "24bc2c17-0fef-440e-ba32-385c47c6cfa4"
        );
        assert_eq!(header(case, "timestamp"), "1628772138668");
        assert_eq!(
            case.body,
            r#"{"businessId":"754ea3e3a699404f9b82e8f881107f19","merchantId":"eb1bb305ca3940f8adf1d4e964555699"}"#
        );
    }
}

#[cfg(all(feature = "aws-lc-rs", feature = "rsa"))]
#[test]
fn both_backends_run_with_all_features() {
    let names: Vec<&str> = backends().iter().map(|b| b.name()).collect();
    assert_eq!(names, ["aws-lc-rs", "rsa"]);
}

#[test]
fn vector_public_key_file_is_the_private_key_half() {
    for backend in backends() {
        let derived = private_key(backend).public_key().to_pem().expect("pem");
        let given = String::from_utf8(read(&vectors_dir().join("vipcharge_test_key.pub.pem")))
            .expect("utf-8");
        assert_eq!(derived.trim(), given.trim(), "{}", backend.name());
    }
}
