//! Every case of `fixtures/vectors/jiuyi-dc.json`, reproduced byte for byte through the request
//! builders (signed string, signature, body) and, for the notify case, through the verifier.

use std::collections::BTreeMap;

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::Operation;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::notify::{Ack, NotifyVerifier};
use jiuyi_dc::types::Money;

use crate::support::{headers, offline_client_at};

#[derive(Debug, serde::Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    endpoint: String,
    secret: String,
    params: BTreeMap<String, String>,
    unsigned_fields: Vec<String>,
    signed_string: String,
    sign: String,
    ack: Option<String>,
}

fn load() -> File {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/jiuyi-dc.json"
    );
    let text = std::fs::read_to_string(path).expect("vectors file");
    serde_json::from_str(&text).expect("vectors json")
}

#[track_caller]
fn check_request<O: Operation>(case: &Case, req: &O) {
    let p = &case.params;
    let now = p
        .get("datetime")
        .map_or(1, |d| d.parse().expect("datetime"));
    let client = offline_client_at(now, &p["appid"], &case.secret);
    let prepared = client.prepare(req).expect("prepare");
    let name = &case.name;
    assert_eq!(prepared.path_and_query(), case.endpoint, "{name}: path");
    assert_eq!(
        prepared.content_type(),
        Some("application/x-www-form-urlencoded"),
        "{name}"
    );

    // What was signed, byte for byte (the explanation masks the secret).
    let explanation = prepared.signed().expect("explanation");
    assert_eq!(
        format!("{}&appsecret={}", explanation.canonical(), case.secret),
        case.signed_string,
        "{name}: signed string"
    );
    assert_eq!(
        explanation.signed_string(),
        case.signed_string.replace(&case.secret, "***"),
        "{name}: masked"
    );
    for field in &case.unsigned_fields {
        if p.contains_key(field) {
            assert!(
                explanation.skipped().iter().any(|(k, _)| k == field),
                "{name}: {field} must be skipped"
            );
        }
    }

    // The body carries exactly the case's fields with raw values, then `sign`.
    let body: Vec<(String, String)> = url::form_urlencoded::parse(prepared.body_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (last_k, last_v) = body.last().expect("non-empty body");
    assert_eq!(
        (last_k.as_str(), last_v.as_str()),
        ("sign", case.sign.as_str()),
        "{name}: sign"
    );
    let sent: BTreeMap<String, String> = body[..body.len() - 1].iter().cloned().collect();
    assert_eq!(&sent, p, "{name}: body fields");
    assert_eq!(body.len() - 1, p.len(), "{name}: no duplicate fields");
    // The body is the form encoding of those pairs, in the order sent.
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &body {
        form.append_pair(k, v);
    }
    assert_eq!(
        prepared.body_bytes(),
        form.finish().as_bytes(),
        "{name}: body bytes"
    );
}

fn money(p: &BTreeMap<String, String>) -> Option<Money> {
    let m = p.get("money")?;
    Some(match p.get("money_type").map(String::as_str) {
        Some("2") => Money::parse_yuan(m).expect("yuan"),
        _ => Money::from_fen(m.parse().expect("fen")),
    })
}

#[test]
fn every_vector_case_through_the_builders() {
    let file = load();
    let mut done = 0;
    for case in &file.cases {
        let p = &case.params;
        match case.endpoint.as_str() {
            "/dcapi/pay" => {
                let mut req = PayRequest::new(&p["card_id"], &p["account"], &p["out_order_id"])
                    .number(p["number"].parse().expect("number"));
                if let Some(m) = money(p) {
                    // The doc example sends `money` without `money_type` (fen by default).
                    req = req
                        .max_price(m)
                        .send_money_type(p.contains_key("money_type"));
                }
                if let Some(url) = p.get("notify_url") {
                    req = req.notify_url(url);
                }
                if let Some(c) = p.get("check") {
                    req = req.stock_check(c == "1");
                }
                check_request(case, &req);
            }
            "/dcapi/queryOrder" => {
                check_request(
                    case,
                    &QueryOrderRequest::by_out_order_id(&p["out_order_id"]),
                );
            }
            "/dcapi/queryCash" => check_request(case, &QueryCashRequest::new()),
            "/dcapi/queryCardList" => {
                let req = QueryCardListRequest::new()
                    .page(
                        p["pageIndex"].parse().expect("index"),
                        p["pageSize"].parse().expect("size"),
                    )
                    .keyword(&p["keyword"]);
                check_request(case, &req);
            }
            "/dcapi/card/payOrder" => {
                assert_eq!(p["order_money"], "0");
                let req = CardPayOrderRequest::new(
                    &p["card_id"],
                    p["num"].parse().expect("num"),
                    &p["out_order_id"],
                )
                .auto_confirm_hour(p["auto_confirm_hour"].parse().expect("hours"))
                .no_price_check();
                check_request(case, &req);
            }
            "notify_url" => check_notify(case),
            other => panic!("{}: unhandled endpoint {other}", case.name),
        }
        done += 1;
    }
    assert_eq!(done, 12, "every jiuyi-dc vector case is reproduced");
}

fn check_notify(case: &Case) {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &case.params {
        form.append_pair(k, v);
    }
    form.append_pair("sign", &case.sign);
    let body = form.finish();
    let verifier = NotifyVerifier::new(case.secret.as_str());
    let n = verifier
        .verify(
            &headers(Some("application/x-www-form-urlencoded")),
            body.as_bytes(),
        )
        .expect("vector notify verifies");
    assert_eq!(n.order_id, case.params["order_id"]);
    assert_eq!(n.out_order_id, case.params["out_order_id"]);
    assert_eq!(n.status.as_str(), case.params["status"]);
    assert_eq!(Some(Ack::success().body()), case.ack.as_deref());
    assert_eq!(Ack::success().status(), 200);

    // The same fields signed by the crate's signer give the vector's string and signature.
    let signer = jiuyi_dc::sign::RequestSigner::new(case.secret.as_str().into());
    let (sign, e) = signer.sign(
        case.params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &[],
    );
    assert_eq!(sign, case.sign);
    assert_eq!(
        format!("{}&appsecret={}", e.canonical(), case.secret),
        case.signed_string
    );
}
