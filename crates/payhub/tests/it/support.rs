//! Shared helpers: the golden vectors from `fixtures/vectors/`, their callbacks as raw HTTP
//! parts, and a router with every provider's verifier for the vectors' credentials.

use std::path::PathBuf;

use payhub::http::{HeaderMap, HeaderName, HeaderValue};
use payhub::{NotifyRouter, Provider};
use serde_json::Value;

/// `fixtures/vectors/` of the workspace.
pub(crate) fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vectors")
}

/// One case of a provider's vector file, by name.
pub(crate) fn case(file: &str, name: &str) -> Value {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("vector file is JSON");
    json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case `{name}` in {file}"))
        .clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

/// A golden-vector callback: the raw HTTP parts a provider sends, and the reply it expects.
#[derive(Clone, Debug)]
pub(crate) struct Callback {
    pub(crate) provider: Provider,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) ack_status: u16,
    pub(crate) ack_body: String,
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(v).expect("header value"),
        );
    }
    h
}

/// The vector's `ack`: `{status, body}` or a body answered with HTTP 200.
fn ack(case: &Value) -> (u16, String) {
    match &case["ack"] {
        Value::String(body) => (200, body.clone()),
        obj => (
            u16::try_from(obj["status"].as_u64().expect("ack status")).expect("u16"),
            text(obj, "body").to_owned(),
        ),
    }
}

/// Percent-encodes a form value (unreserved characters kept).
fn form_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// paydesk `notify_doc_body`: JSON signed in the `Sign` header.
pub(crate) fn paydesk() -> Callback {
    let c = case("paydesk.json", "notify_doc_body");
    let (ack_status, ack_body) = ack(&c);
    Callback {
        provider: Provider::Paydesk,
        headers: headers(&[
            ("MerchantId", text(&c, "merchant_id")),
            ("Sign", text(&c, "sign")),
            ("Content-Type", "application/json"),
        ]),
        body: text(&c, "body").as_bytes().to_vec(),
        ack_status,
        ack_body,
    }
}

/// gateway-recharge `callback_success`: JSON with a `sign` field.
pub(crate) fn gateway_recharge() -> Callback {
    let c = case("gateway-recharge.json", "callback_success");
    let (ack_status, ack_body) = ack(&c);
    Callback {
        provider: Provider::GatewayRecharge,
        headers: headers(&[("Content-Type", "application/json")]),
        body: text(&c, "body").as_bytes().to_vec(),
        ack_status,
        ack_body,
    }
}

/// jiuyi-dc `notify_success`: a form body built from the vector's params and sign.
pub(crate) fn jiuyi_dc() -> Callback {
    let c = case("jiuyi-dc.json", "notify_success");
    let (ack_status, ack_body) = ack(&c);
    let mut fields: Vec<String> = c["params"]
        .as_object()
        .expect("params")
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                form_encode(k),
                form_encode(v.as_str().expect("string"))
            )
        })
        .collect();
    fields.push(format!("sign={}", text(&c, "sign")));
    Callback {
        provider: Provider::JiuyiDc,
        headers: headers(&[("Content-Type", "application/x-www-form-urlencoded")]),
        body: fields.join("&").into_bytes(),
        ack_status,
        ack_body,
    }
}

/// vipcharge `callback_status_report_no_sign_type`: headers signed with the test RSA key.
pub(crate) fn vipcharge() -> Callback {
    let c = case("vipcharge.json", "callback_status_report_no_sign_type");
    let (ack_status, ack_body) = ack(&c);
    let h = &c["headers"];
    Callback {
        provider: Provider::Vipcharge,
        headers: headers(&[
            ("businessId", text(h, "businessId")),
            ("nonce", text(h, "nonce")),
            ("timestamp", text(h, "timestamp")),
            ("sign", text(&c, "sign")),
            ("Content-Type", "application/json"),
        ]),
        body: text(&c, "body").as_bytes().to_vec(),
        ack_status,
        ack_body,
    }
}

/// tokenpay `callback_payment_success`: signed headers, an AES-GCM encrypted resource.
pub(crate) fn tokenpay() -> Callback {
    let c = case("tokenpay.json", "callback_payment_success");
    let (ack_status, ack_body) = ack(&c);
    let mut pairs: Vec<(&str, &str)> = c["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().expect("string")))
        .collect();
    pairs.push(("Content-Type", "application/json"));
    Callback {
        provider: Provider::Tokenpay,
        headers: headers(&pairs),
        body: text(&c, "body").as_bytes().to_vec(),
        ack_status,
        ack_body,
    }
}

/// Every provider's vector callback.
pub(crate) fn all_callbacks() -> Vec<Callback> {
    vec![
        gateway_recharge(),
        jiuyi_dc(),
        paydesk(),
        tokenpay(),
        vipcharge(),
    ]
}

/// Verifiers for the vectors' credentials.
pub(crate) mod verifiers {
    use payhub::{gateway_recharge, jiuyi_dc, paydesk, tokenpay, vipcharge};

    pub(crate) fn gateway_recharge() -> gateway_recharge::notify::NotifyVerifier {
        gateway_recharge::notify::NotifyVerifier::new("M1234567890", "adesf235")
    }

    pub(crate) fn jiuyi_dc() -> jiuyi_dc::notify::NotifyVerifier {
        jiuyi_dc::notify::NotifyVerifier::new("HJH546HKDHK")
    }

    pub(crate) fn paydesk() -> paydesk::notify::NotifyVerifier {
        paydesk::notify::NotifyVerifier::new(1_002_001, "testApiKey")
    }

    pub(crate) fn tokenpay() -> tokenpay::notify::NotifyVerifier {
        tokenpay::notify::NotifyVerifier::new(
            "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
            "1234567890",
            "0123456789abcdef0123456789abcdef",
        )
        .expect("tokenpay verifier")
        // The vector was signed at 1763800001000; freshness is checked by default.
        .clock(std::sync::Arc::new(tokenpay::FixedClock::from_millis(
            1_763_800_002_000,
        )))
    }

    pub(crate) fn vipcharge() -> vipcharge::notify::NotifyVerifier {
        let pem = std::fs::read(super::vectors_dir().join("vipcharge_test_key.pub.pem"))
            .expect("vipcharge test public key");
        let key = vipcharge::rsa::RsaPublicKey::parse(&pem).expect("public key");
        // The vector callback is signed at 1628757969177 (ms): the freshness window is measured
        // on a clock a minute later.
        vipcharge::notify::NotifyVerifier::new("166", vipcharge::sign::PlatformVerifier::rsa(key))
            .clock(std::sync::Arc::new(vipcharge::FixedClock::from_millis(
                1_628_757_969_177 + 60_000,
            )))
    }
}

/// A router with `provider`'s verifier alone.
pub(crate) fn router_for(provider: Provider) -> NotifyRouter {
    let r = NotifyRouter::new();
    match provider {
        Provider::GatewayRecharge => r.gateway_recharge(verifiers::gateway_recharge()),
        Provider::JiuyiDc => r.jiuyi_dc(verifiers::jiuyi_dc()),
        Provider::Paydesk => r.paydesk(verifiers::paydesk()),
        Provider::Tokenpay => r.tokenpay(verifiers::tokenpay()),
        Provider::Vipcharge => r.vipcharge(verifiers::vipcharge()),
        other => panic!("no vector verifier for {other}"),
    }
}

/// A router with every provider's verifier.
pub(crate) fn router_all() -> NotifyRouter {
    NotifyRouter::new()
        .gateway_recharge(verifiers::gateway_recharge())
        .jiuyi_dc(verifiers::jiuyi_dc())
        .paydesk(verifiers::paydesk())
        .tokenpay(verifiers::tokenpay())
        .vipcharge(verifiers::vipcharge())
}
