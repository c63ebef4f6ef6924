//! Every case of `fixtures/vectors/paydesk.json`, reproduced byte for byte through the public
//! API: typed request builders where the case is a typed request, `RawRequest` where the body is
//! not one this crate would write (another field order, extra spaces), and the `NotifyVerifier`
//! plus `Ack` for the notify case.

use http::HeaderMap;
use paydesk::api::{BalanceRequest, PayDeskQueryRequest, PayDeskRequest, RawRequest};
use paydesk::notify::{Ack, Notification, NotifyVerifier};
use paydesk::{Client, Error, PreparedRequest, Secret};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{KEY, MERCHANT, offline_client};

#[derive(Debug, Deserialize)]
struct File {
    provider: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    kind: String,
    merchant_id: String,
    api_key: String,
    body: String,
    signed_string: String,
    sign: String,
    ack: Option<AckCase>,
}

#[derive(Debug, Deserialize)]
struct AckCase {
    status: u16,
    body: String,
}

fn load() -> File {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/paydesk.json"
    );
    let text = std::fs::read_to_string(path).expect("vectors file is readable");
    serde_json::from_str(&text).expect("vectors file parses")
}

/// The same request on the wire: body, headers, signature and masked signed string.
#[track_caller]
fn assert_wire(case: &Case, prepared: &PreparedRequest) {
    let name = &case.name;
    assert_eq!(prepared.body_bytes(), case.body.as_bytes(), "{name}: body");
    assert_eq!(
        prepared.header_value("Sign"),
        Some(case.sign.as_str()),
        "{name}: Sign"
    );
    assert_eq!(
        prepared.header_value("MerchantId"),
        Some(case.merchant_id.as_str()),
        "{name}: MerchantId"
    );
    assert_eq!(prepared.content_type(), Some("application/json"), "{name}");
    let masked = case.signed_string.replace(&case.api_key, "***");
    let explained = prepared
        .signed()
        .expect("prepared requests explain their signature");
    assert_eq!(explained.signed_string(), masked, "{name}: signed string");
    assert_eq!(
        format!(
            "{}{}",
            String::from_utf8_lossy(prepared.body_bytes()),
            case.api_key
        ),
        case.signed_string,
        "{name}: body + apiKey is the signed string"
    );
}

fn create_tza() -> PayDeskRequest {
    PayDeskRequest::new(
        "1386556787811426305",
        "TZS",
        Decimal::from(1000),
        "https://merchant.com/webhooks",
    )
    .mobile_money_phone("721323213")
    .real_name("Jeck")
    .phone("255700000001")
    .email("example@maildomain.com")
    .remark("remark")
    .return_url("https://merchant.com/jump")
    .nonce_str("1863484722378907648")
}

fn check_request(client: &Client, case: &Case) {
    match case.name.as_str() {
        "create_tza" => assert_wire(case, &client.prepare(&create_tza()).expect("valid")),
        "get_balance" => {
            let req = BalanceRequest::new().nonce_str("4190026990");
            assert_wire(case, &client.prepare(&req).expect("valid"));
        }
        "query_doc_body" => {
            // The docs' nonce is 33 characters, one more than nonceStr's string(32): the typed
            // builder refuses it, so the docs' body goes through RawRequest unchanged.
            let typed = PayDeskQueryRequest::by_mch_order_no("202411301909131862936942783582208")
                .nonce_str("1138688daof9gnay3dt9j4wktxt1z99ww");
            match client.prepare(&typed) {
                Err(Error::Validation(e)) => assert!(e.has("nonceStr"), "{e}"),
                other => panic!("33-character nonce accepted: {other:?}"),
            }
            let raw = RawRequest::new("/api/payDeskQuery", case.body.as_bytes()).read_only();
            assert_wire(case, &client.prepare_raw(&raw).expect("raw"));
        }
        // Bodies in another field order or spacing than this crate writes: signed as given.
        "create_doc_body" | "get_balance_one_more_space" | "unicode_real_name" => {
            let path = if case.name == "get_balance_one_more_space" {
                "/api/getBalance"
            } else {
                "/api/payDesk"
            };
            let raw = RawRequest::new(path, case.body.as_bytes());
            assert_wire(case, &client.prepare_raw(&raw).expect("raw"));
        }
        other => panic!("vector case `{other}` is not handled by this test"),
    }
}

fn check_notify(case: &Case) {
    let merchant: u64 = case.merchant_id.parse().expect("numeric merchant id");
    let verifier = NotifyVerifier::new(merchant, Secret::new(case.api_key.as_str()));
    for sign in [case.sign.clone(), case.sign.to_lowercase()] {
        let mut headers = HeaderMap::new();
        headers.insert("MerchantId", case.merchant_id.parse().expect("header"));
        headers.insert("Sign", sign.parse().expect("header"));
        headers.insert("Content-Type", "application/json".parse().expect("header"));
        let n = verifier
            .verify(&headers, case.body.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let Notification::Cashier(cashier) = &n else {
            panic!(
                "{}: PAYDESK order numbers are cashier notifies: {n:?}",
                case.name
            )
        };
        assert_eq!(cashier.amount.to_string(), "358320.00");
        assert_eq!(
            cashier.fee.map(|f| f.to_string()).as_deref(),
            Some("2500.0000")
        );
        assert!(n.is_final() && n.is_success());
    }
    // A body that is one byte different (a re-serialization) fails.
    let mut headers = HeaderMap::new();
    headers.insert("MerchantId", case.merchant_id.parse().expect("header"));
    headers.insert("Sign", case.sign.parse().expect("header"));
    let respaced = case.body.replacen(':', ": ", 1);
    assert!(matches!(
        verifier.verify(&headers, respaced.as_bytes()),
        Err(Error::Notify(paydesk::notify::NotifyError::BadSignature))
    ));
    let want = case.ack.as_ref().expect("the notify case names its ack");
    let ack = Ack::success();
    assert_eq!(
        (ack.status(), ack.body()),
        (want.status, want.body.as_str())
    );
    let response = ack.into_response();
    assert_eq!(response.status().as_u16(), want.status);
    assert_eq!(response.body(), &want.body);
}

#[test]
fn every_vector_case_is_reproduced() {
    let file = load();
    assert_eq!(file.provider, "paydesk");
    let client = offline_client("unused");
    let mut seen = Vec::new();
    for case in &file.cases {
        assert_eq!(case.merchant_id, MERCHANT.to_string(), "{}", case.name);
        assert_eq!(case.api_key, KEY, "{}", case.name);
        match case.kind.as_str() {
            "request" => check_request(&client, case),
            "notify" => check_notify(case),
            other => panic!("{}: unknown kind {other}", case.name),
        }
        seen.push(case.name.as_str());
    }
    assert_eq!(seen.len(), 7, "every case is checked: {seen:?}");
}
