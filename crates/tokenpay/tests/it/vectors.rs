//! Every case of `fixtures/vectors/tokenpay.json`, reproduced byte for byte through the crate's
//! request builders (requests), its reply signing (reply) and its `NotifyVerifier` (callback).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use tokenpay::api::{CloseOrderRequest, PrepayRequest, QueryOrderRequest, QueryWalletRequest};
use tokenpay::notify::{Ack, Notification, NotifyVerifier};
use tokenpay::sign::{Authorization, TimestampUnit, reply_signing_string};
use tokenpay::types::{Chain, Currency, EventType, Locale, OrderType, TradeState};
use tokenpay::{Client, FixedClock, FixedNonce, PreparedRequest};

use crate::support::fixtures_dir;

#[derive(Debug, serde::Deserialize)]
struct File {
    provider: String,
    cases: Vec<Case>,
}

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    kind: String,
    app_id: Option<String>,
    mch_id: Option<String>,
    app_secret: String,
    method: Option<String>,
    path: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    body: String,
    signed_string: String,
    signature: String,
    authorization: Option<String>,
    resource_plaintext: Option<String>,
    ack: Option<String>,
}

fn load() -> File {
    let path = fixtures_dir().join("vectors/tokenpay.json");
    let text = std::fs::read_to_string(&path).expect("vector file");
    serde_json::from_str(&text).expect("vector JSON")
}

/// A client pinned to the case's credentials, timestamp and nonce.
fn client(case: &Case) -> Client {
    let ts = case.timestamp.as_deref().expect("timestamp");
    let (millis, unit) = match ts.len() {
        10 => (
            ts.parse::<i64>().expect("digits") * 1000,
            TimestampUnit::Seconds,
        ),
        _ => (ts.parse::<i64>().expect("digits"), TimestampUnit::Millis),
    };
    Client::builder(
        case.app_id.clone().expect("app_id"),
        case.mch_id.clone().expect("mch_id"),
        case.app_secret.as_str(),
    )
    .clock(Arc::new(FixedClock::from_millis(millis)))
    .nonce_source(Arc::new(FixedNonce(case.nonce.clone().expect("nonce"))))
    .timestamp_unit(unit)
    .build()
    .expect("client")
}

/// The request each case describes, built through the public builders from its inputs.
fn build(case: &Case, c: &Client) -> PreparedRequest {
    let r = match case.name.as_str() {
        "doc_query_example_seconds" | "doc_query_example_millis" => c.prepare(
            &QueryOrderRequest::by_transaction_id("e98b30294xxxxxxxxxxxx97a9d9e09ce")
                .and_out_trade_no("fb72xxxx-xxxx-xxxx-xxxx-xxxx8a7b52cb"),
        ),
        "prepayment_seed_body" => c.prepare(
            &PrepayRequest::new(
                "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb",
                Decimal::from_str("9").expect("decimal"),
                Chain::Tron,
                Currency::Usdt,
            )
            .description("充值")
            .expire_second(600)
            // The docs' address is masked (`xxxx`), so its checksum cannot hold.
            .to_address("TQjxEW2Z3p9wjoxxxxxxxxgJUrWXBun91w")
            .danger_skip_address_checksum()
            .attach("anim dolore")
            .locale(Locale::ZhCn)
            .notify_url("https://xxx/xxx")
            .return_url("https://xxxx/xxx?id=xxxx")
            .order_type(OrderType::PlatformOrder),
        ),
        "close_order" => c.prepare(&CloseOrderRequest::new("2a1cfa6568xxxxxxxx3050957024c559")),
        "wallet_query_get" => c.prepare(
            &QueryWalletRequest::new()
                .wallet_address("TQjxEW2Z3pxxxxxxxxxxxxgJUrWXVAC92T")
                .danger_skip_address_checksum(),
        ),
        other => panic!("no builder mapping for request case {other}"),
    };
    r.unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn check_request(case: &Case) {
    let name = &case.name;
    let p = build(case, &client(case));
    assert_eq!(
        Some(p.method().as_str()),
        case.method.as_deref(),
        "{name}: method"
    );
    assert_eq!(
        Some(p.path_and_query()),
        case.path.as_deref(),
        "{name}: path"
    );
    assert_eq!(p.body_bytes(), case.body.as_bytes(), "{name}: body");
    let signed = p.signed().expect("explanation").signed_string();
    assert_eq!(signed, case.signed_string, "{name}: signed string");
    let auth = p.header_value("Authorization").expect("Authorization");
    assert_eq!(
        Some(auth),
        case.authorization.as_deref(),
        "{name}: Authorization"
    );
    let parsed = Authorization::parse(auth).expect("parses back");
    assert_eq!(parsed.signature, case.signature, "{name}: signature");
    assert_eq!(parsed.to_header_value(), auth, "{name}: round trip");
    if p.method().as_str() == "POST" {
        assert_eq!(p.content_type(), Some("application/json"), "{name}");
    } else {
        assert!(p.body_bytes().is_empty(), "{name}: GET has no body");
    }
}

fn header<'a>(case: &'a Case, name: &str) -> &'a str {
    case.headers
        .as_ref()
        .and_then(|h| h.get(name))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{}: header {name}", case.name))
}

fn check_reply(case: &Case) {
    let (ts, nonce) = (header(case, "TTPay-Timestamp"), header(case, "TTPay-Nonce"));
    let signed = reply_signing_string(ts, nonce, case.body.as_bytes());
    assert_eq!(signed, case.signed_string.as_bytes(), "{}", case.name);
    let key = tokenpay::sign::AppKey::new(&case.app_secret.as_str().into()).expect("key");
    assert_eq!(
        key.sign(&signed).expect("signs"),
        case.signature,
        "{}",
        case.name
    );
    assert!(key.verify(&signed, header(case, "TTPay-Signature")).is_ok());
    let diag = key.diagnose(&case.signature, &signed);
    assert!(diag.matches(), "{}: {diag}", case.name);
}

fn check_callback(case: &Case) {
    let v = NotifyVerifier::new(
        "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
        "1234567890",
        case.app_secret.as_str(),
    )
    .expect("verifier")
    .clock(Arc::new(FixedClock::from_millis(
        crate::support::CALLBACK_NOW_MS,
    )));
    let headers = case.headers.as_ref().expect("headers");
    assert_eq!(header(case, "TTPay-Signature"), case.signature);
    let n = v
        .verify(&crate::support::header_map(headers), case.body.as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let Notification::Order(order) = &n else {
        panic!("{}: expected an order notification, got {n:?}", case.name);
    };
    assert_eq!(order.meta.event_type, EventType::TransactionSuccess);
    let t = &order.transaction;
    assert_eq!(t.trade_state, TradeState::Success);
    assert_eq!(t.amount, Some(Decimal::from(15)));
    assert_eq!(t.amount_minor, Some(15_000_000));
    assert_eq!(t.chain, Some(Chain::Tron));
    assert_eq!(t.currency, Some(Currency::Usdt));
    assert_eq!(
        t.out_trade_no.as_deref(),
        Some("fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb")
    );
    assert_eq!(t.attach.as_deref(), Some("anim dolore"));
    // The decrypted resource is exactly the vector's plaintext.
    let plain: serde_json::Value =
        serde_json::from_str(case.resource_plaintext.as_deref().expect("plaintext")).expect("JSON");
    assert_eq!(plain["transaction_id"], t.transaction_id.as_str());
    assert_eq!(Some(Ack::success().body()), case.ack.as_deref());
    assert_eq!(Ack::success().status(), 200);
    // A one-byte change anywhere in the body is refused.
    let mut tampered = case.body.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    assert!(
        v.verify(&crate::support::header_map(headers), &tampered)
            .is_err()
    );
}

#[test]
fn every_vector_case_is_reproduced() {
    let file = load();
    assert_eq!(file.provider, "tokenpay");
    let mut counts = BTreeMap::new();
    for case in &file.cases {
        match case.kind.as_str() {
            "request" => check_request(case),
            "reply" => check_reply(case),
            "callback" => check_callback(case),
            other => panic!("{}: unknown kind {other}", case.name),
        }
        *counts.entry(case.kind.clone()).or_insert(0) += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from([
            ("callback".to_owned(), 1),
            ("reply".to_owned(), 1),
            ("request".to_owned(), 5)
        ])
    );
}
