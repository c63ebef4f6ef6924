//! Fixture snapshots: `fixtures/gateway-recharge/<endpoint>/{ok,err}/<case>.json`.
//!
//! A case holds one of:
//! - `request`: the inputs of the endpoint's request; rendered as the exact wire request
//!   (`PreparedRequest::render()`) or the validation error;
//! - `reply`: an HTTP status and the raw body; rendered as the decoded reply or the typed error;
//! - `notify`: a content type and the raw body (`body`, or `body_hex` for non-UTF-8 bytes);
//!   rendered as the verified notification and the acknowledgement, or the typed error.
//!
//! Every `ok/` case must succeed and every `err/` case must fail.

use std::fmt::Debug;
use std::path::Path;

use gateway_recharge::api::{
    BalanceRequest, CreateOrderRequest, DepositQueryRequest, DepositRequest, Operation, RawRequest,
};
use gateway_recharge::notify::Ack;
use gateway_recharge::{Client, Error};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::VerifyCt as _;
use crate::support::offline_client;

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("fixture field `{k}`"))
        .to_owned()
}

fn amount(v: &Value) -> Decimal {
    s(v, "amount").parse().expect("fixture amount")
}

fn raw_request(v: &Value) -> RawRequest {
    let fields: Vec<(String, String)> = v["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("name").to_owned(),
                pair[1].as_str().expect("value").to_owned(),
            )
        })
        .collect();
    let req = RawRequest::new(s(v, "path"), fields);
    if v["standard_fields"].as_bool() == Some(false) {
        req.without_standard_fields()
    } else {
        req
    }
}

fn render_result<T: Debug>(r: Result<T, Error>) -> (bool, String) {
    match r {
        Ok(v) => (true, format!("{v:#?}")),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

fn render_request<O: Operation>(client: &Client, req: &O) -> (bool, String) {
    match client.prepare(req) {
        Ok(p) => (true, p.render()),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

fn render_reply<O: Operation>(client: &Client, req: &O, reply: &Value) -> (bool, String) {
    let status = u16::try_from(reply["status"].as_u64().expect("status")).expect("u16");
    let body = s(reply, "body");
    render_result(client.decode_reply(req, status, body.as_bytes()))
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn render_case(path: &Path) -> (bool, String) {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let case: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let endpoint = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|s| s.to_str())
        .expect("endpoint dir");
    let client = offline_client();
    if let Some(n) = case.get("notify") {
        let body = match n.get("body_hex") {
            Some(h) => hex_bytes(h.as_str().expect("hex")),
            None => s(n, "body").into_bytes(),
        };
        let ct = n["content_type"].as_str();
        let verified = client.notify_verifier().verify_ct(ct, &body);
        let ack = if verified.is_ok() {
            Ack::success()
        } else {
            Ack::retry()
        };
        let (ok, text) = render_result(verified);
        return (
            ok,
            format!("{text}\n\nack: {} {:?}", ack.status(), ack.body()),
        );
    }
    let create = || {
        let r = &case["request"];
        CreateOrderRequest::new(
            s(r, "order_no"),
            amount(r),
            s(r, "remark"),
            s(r, "customer"),
            s(r, "ip"),
            s(r, "callback_url"),
            s(r, "return_url"),
        )
    };
    let deposit = || {
        let r = &case["request"];
        DepositRequest::new(
            s(r, "member_id"),
            s(r, "order_no"),
            amount(r),
            s(r, "callback_url"),
            s(r, "return_url"),
            s(r, "remark"),
            s(r, "ip"),
        )
    };
    let reply = case.get("reply");
    match (endpoint, reply) {
        ("create_order", None) => render_request(&client, &create()),
        ("create_order", Some(r)) => render_reply(&client, &placeholder_create(), r),
        ("deposit", None) => render_request(&client, &deposit()),
        ("deposit", Some(r)) => render_reply(&client, &placeholder_deposit(), r),
        ("deposit_query", None) => render_request(
            &client,
            &DepositQueryRequest::new(s(&case["request"], "order_no")),
        ),
        ("deposit_query", Some(r)) => render_reply(&client, &DepositQueryRequest::new("O1"), r),
        ("balance", None) => render_request(&client, &BalanceRequest::new()),
        ("balance", Some(r)) => render_reply(&client, &BalanceRequest::new(), r),
        ("raw", None) => render_request(&client, &raw_request(&case["request"])),
        ("raw", Some(r)) => render_reply(&client, &RawRequest::new("/x", [("a", "b")]), r),
        (other, _) => panic!("unknown endpoint directory `{other}`"),
    }
}

fn placeholder_create() -> CreateOrderRequest {
    CreateOrderRequest::new(
        "O1",
        Decimal::ONE,
        "r",
        "c",
        "127.0.0.1",
        "https://a.example/",
        "https://a.example/",
    )
}

fn placeholder_deposit() -> DepositRequest {
    DepositRequest::new(
        "m",
        "O1",
        Decimal::ONE,
        "https://a.example/",
        "https://a.example/",
        "r",
        "127.0.0.1",
    )
}

#[test]
fn fixture_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_sort_maps(true);
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(false);
    let mut count = 0usize;
    settings.bind(|| {
        insta::glob!(
            "../../../../fixtures",
            "gateway-recharge/**/*.json",
            |path| {
                let (ok, rendered) = render_case(path);
                let expected_ok = path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|d| d == "ok");
                assert_eq!(
                    ok,
                    expected_ok,
                    "{}: an ok/ case must succeed and an err/ case must fail:\n{rendered}",
                    path.display()
                );
                count += 1;
                insta::assert_snapshot!(rendered);
            }
        );
    });
    assert!(count >= 70, "expected every fixture, saw {count}");
}
