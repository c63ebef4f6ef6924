//! Every case of `fixtures/vectors/gateway-recharge.json`, reproduced byte for byte through the
//! request builders (requests) and the notify verifier (callbacks).

use std::collections::BTreeMap;
use std::sync::Arc;

use gateway_recharge::api::{
    BalanceRequest, CreateOrderRequest, DepositQueryRequest, Operation, RawRequest,
};
use gateway_recharge::notify::{Ack, NotifyVerifier};
use gateway_recharge::payhub_runtime::{FixedClock, PreparedRequest};
use gateway_recharge::{Client, Error};
use rust_decimal::Decimal;

use crate::support::VerifyCt as _;
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
    secret: String,
    params: BTreeMap<String, String>,
    signed_string: String,
    sign: String,
    body: Option<String>,
    ack: Option<String>,
}

fn load() -> File {
    let path = fixtures_dir().join("vectors/gateway-recharge.json");
    let text = std::fs::read_to_string(&path).expect("vectors file");
    serde_json::from_str(&text).expect("vectors parse")
}

fn client_for(case: &Case) -> Client {
    let merchant = case
        .params
        .get("merchant_no")
        .map_or("M-unused", String::as_str);
    let time: i64 = case
        .params
        .get("time")
        .map_or(0, |t| t.parse().expect("time"));
    Client::builder(merchant, case.secret.as_str())
        .base_url("https://api.winpay.example")
        .clock(Arc::new(FixedClock::from_millis(time)))
        .build()
        .expect("client")
}

fn p<'a>(case: &'a Case, k: &str) -> &'a str {
    case.params.get(k).map(String::as_str).expect(k)
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

/// Checks a prepared request against a vector: signed string, signature, body fields.
#[track_caller]
fn check_prepared(case: &Case, prepared: &PreparedRequest) {
    let name = &case.name;
    let explanation = prepared.signed().expect("explanation");
    assert_eq!(
        format!("{}&key={}", explanation.canonical(), case.secret),
        case.signed_string,
        "{name}: signed string"
    );
    assert_eq!(
        explanation.signed_string(),
        case.signed_string
            .replace(&format!("&key={}", case.secret), "&key=***"),
        "{name}: masked signed string"
    );
    assert_eq!(prepared.content_type(), Some("application/json"), "{name}");
    let body: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(prepared.body_bytes()).expect("body is a JSON object");
    let mut expected: BTreeMap<String, serde_json::Value> = case
        .params
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    expected.insert("sign".into(), serde_json::Value::String(case.sign.clone()));
    assert_eq!(body, expected, "{name}: body fields (all strings) and sign");
    assert!(
        prepared
            .body_bytes()
            .ends_with(format!(r#","sign":"{}"}}"#, case.sign).as_bytes()),
        "{name}: sign is the last body field"
    );
}

fn create_from(case: &Case) -> CreateOrderRequest {
    CreateOrderRequest::new(
        p(case, "order_no"),
        dec(p(case, "amount")),
        p(case, "remark"),
        p(case, "customer"),
        p(case, "ip"),
        p(case, "callback_url"),
        p(case, "return_url"),
    )
}

#[test]
fn every_vector_reproduces_through_the_builders() {
    let file = load();
    assert_eq!(file.provider, "gateway-recharge");
    let mut handled = Vec::new();
    for case in &file.cases {
        let client = client_for(case);
        match (case.kind.as_str(), case.name.as_str()) {
            ("request", "doc_signature_example") => {
                // The provider's own example: exactly two fields, nothing added.
                let req = RawRequest::new("/doc/signature", case.params.clone())
                    .without_standard_fields();
                check_prepared(case, &client.prepare(&req).expect("prepare"));
            }
            ("request", "create_seed_values" | "create_unicode_remark") => {
                let req = create_from(case);
                let prepared = client.prepare(&req).expect("prepare");
                assert_eq!(prepared.path_and_query(), "/gateway/recharge");
                check_prepared(case, &prepared);
            }
            ("request", "create_empty_remark_is_signed") => {
                // The typed builder refuses the empty remark...
                let err = client
                    .prepare(&create_from(case))
                    .expect_err("empty remark");
                let v = err.as_validation().expect("validation error");
                assert_eq!(v.field(), "remark");
                // ...and the escape hatch signs it exactly as the rule says.
                let req = RawRequest::new("/gateway/recharge", case.params.clone());
                check_prepared(case, &client.prepare(&req).expect("prepare raw"));
            }
            ("request", "balance") => {
                let prepared = client.prepare(&BalanceRequest::new()).expect("prepare");
                assert_eq!(prepared.path_and_query(), "/gateway/balance");
                check_prepared(case, &prepared);
            }
            ("request", "deposit_query") => {
                let req = DepositQueryRequest::new(p(case, "order_no"));
                let prepared = client.prepare(&req).expect("prepare");
                assert_eq!(prepared.path_and_query(), req.path());
                check_prepared(case, &prepared);
            }
            ("callback", _) => {
                let body = case.body.as_deref().expect("callback body");
                let verifier = NotifyVerifier::new("M1234567890", case.secret.as_str());
                let n = verifier
                    .verify_ct(Some("application/json"), body.as_bytes())
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
                assert_eq!(n.trade_no, p(case, "trade_no"));
                assert_eq!(n.order_no, p(case, "order_no"));
                assert_eq!(n.amount, dec(p(case, "amount")));
                assert_eq!(n.remark, p(case, "remark"));
                assert_eq!(n.status.as_str(), p(case, "status"));
                assert!(n.extra.is_empty());
                assert_eq!(Ack::success().body(), case.ack.as_deref().expect("ack"));
                // The same callback signed over the received fields verifies as a form too.
                let form: String = case
                    .params
                    .iter()
                    .chain([(&"sign".to_owned(), &case.sign)])
                    .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
                    .collect::<Vec<_>>()
                    .join("&");
                verifier
                    .verify_ct(Some("application/x-www-form-urlencoded"), form.as_bytes())
                    .unwrap_or_else(|e| panic!("{} as form: {e}", case.name));
                // The signed string of the rule is what was verified.
                let params =
                    sign_core::CanonicalParams::from_json_object(body.as_bytes()).expect("params");
                assert_eq!(
                    format!(
                        "{}&key={}",
                        gateway_recharge::sign::explain(&params).canonical(),
                        case.secret
                    ),
                    case.signed_string
                );
                // One changed byte in a signed value fails.
                let forged = body.replace("200.00", "200.01");
                assert!(matches!(
                    verifier.verify_ct(Some("application/json"), forged.as_bytes()),
                    Err(Error::Notify(
                        gateway_recharge::error::NotifyError::BadSignature
                    ))
                ));
            }
            (kind, name) => panic!("unhandled vector {name} of kind {kind}"),
        }
        handled.push(case.name.clone());
    }
    assert_eq!(handled.len(), 7, "all vectors handled: {handled:?}");
}
