//! Fixture snapshots: every `fixtures/jiuyi-dc/<endpoint>/{ok,err}/<case>.json` rendered as the
//! exact wire request, the parsed reply or typed error, or the verified notify and its ack.

#![allow(deprecated)] // The retired list endpoints have fixtures too.

use std::sync::Arc;

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::CardQueryCardDetailRequest;
use jiuyi_dc::api::CardQueryCardListRequest;
use jiuyi_dc::api::CardQueryCardRequest;
use jiuyi_dc::api::CardQueryOrderRequest;
use jiuyi_dc::api::ConfirmOrderRequest;
use jiuyi_dc::api::DrawOrderRequest;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardCategoryRequest;
use jiuyi_dc::api::QueryCardInfoRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryCardRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::api::{Operation, read_reply};
use jiuyi_dc::notify::{Ack, NotifyVerifier};
use jiuyi_dc::types::{Money, MoneyError};
use jiuyi_dc::{Client, FixedClock};
use serde_json::Value;

use crate::support::{APPID, SECRET, headers};

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn n(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(Value::as_u64)
        .map(|x| u32::try_from(x).expect("u32"))
}

fn try_money(v: &Value) -> Option<Result<Money, MoneyError>> {
    let m = v.get("money")?;
    Some(match (s(m, "fen"), s(m, "yuan")) {
        (Some(f), _) => Ok(Money::from_fen(f.parse().expect("fen"))),
        (_, Some(y)) => Money::parse_yuan(y),
        _ => panic!("money needs fen or yuan"),
    })
}

fn money(v: &Value) -> Option<Money> {
    try_money(v).map(|m| m.expect("checked in render_request"))
}

fn render_prepared<O: Operation>(client: &Client, req: &O) -> (bool, String) {
    match client.prepare(req) {
        Ok(p) => (true, p.render()),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}\n")),
    }
}

fn render_request(endpoint: &str, clock: i64, r: &Value) -> (bool, String) {
    let client = Client::builder(APPID, SECRET)
        .base_url("http://127.0.0.1:9")
        .clock(Arc::new(FixedClock::from_millis(clock * 1000)))
        .build()
        .expect("client");
    let c = &client;
    if let Some(Err(e)) = try_money(r) {
        // The amount is refused by `Money` itself, before any request exists.
        return (false, format!("money error: {e}\n\n{e:#?}\n"));
    }
    match endpoint {
        "pay" => {
            let mut q = PayRequest::new(
                s(r, "card_id").unwrap_or_default(),
                s(r, "account").unwrap_or_default(),
                s(r, "out_order_id").unwrap_or_default(),
            );
            if let Some(x) = n(r, "number") {
                q = q.number(x);
            }
            if let Some(m) = money(r) {
                q = q.max_price(m);
            }
            if let Some(b) = r.get("send_money_type").and_then(Value::as_bool) {
                q = q.send_money_type(b);
            }
            if let Some(u) = s(r, "notify_url") {
                q = q.notify_url(u);
            }
            if let Some(b) = r.get("check").and_then(Value::as_bool) {
                q = q.stock_check(b);
            }
            render_prepared(c, &q)
        }
        "query_order" => match s(r, "order_id") {
            Some(id) => render_prepared(c, &QueryOrderRequest::by_order_id(id)),
            None => render_prepared(
                c,
                &QueryOrderRequest::by_out_order_id(s(r, "out_order_id").unwrap_or_default()),
            ),
        },
        "query_cash" => render_prepared(c, &QueryCashRequest::new()),
        "draw_order" => match s(r, "order_id") {
            Some(id) => render_prepared(c, &DrawOrderRequest::by_order_id(id)),
            None => render_prepared(
                c,
                &DrawOrderRequest::by_out_order_id(s(r, "out_order_id").unwrap_or_default()),
            ),
        },
        "confirm_order" => render_prepared(
            c,
            &ConfirmOrderRequest::new(s(r, "order_id").unwrap_or_default()),
        ),
        "query_card_category" => render_prepared(c, &QueryCardCategoryRequest::new()),
        "query_card_list" => {
            let mut q = QueryCardListRequest::new();
            if let (Some(i), Some(z)) = (n(r, "page_index"), n(r, "page_size")) {
                q = q.page(i, z);
            }
            if let Some(k) = s(r, "keyword") {
                q = q.keyword(k);
            }
            if let Some(k) = s(r, "id") {
                q = q.id(k);
            }
            if let Some(k) = s(r, "pid") {
                q = q.pid(k);
            }
            render_prepared(c, &q)
        }
        "query_card_info" => render_prepared(
            c,
            &QueryCardInfoRequest::new(s(r, "id").unwrap_or_default()),
        ),
        "query_card" => {
            let mut q = QueryCardRequest::new();
            if let Some(k) = s(r, "keyword") {
                q = q.keyword(k);
            }
            render_prepared(c, &q)
        }
        "card_pay_order" => {
            let mut q = CardPayOrderRequest::new(
                s(r, "card_id").unwrap_or_default(),
                n(r, "num").unwrap_or(1),
                s(r, "out_order_id").unwrap_or_default(),
            );
            if let Some(h) = n(r, "auto_confirm_hour") {
                q = q.auto_confirm_hour(h);
            }
            if let Some(m) = money(r) {
                q = q.max_price(m);
            }
            render_prepared(c, &q)
        }
        "card_query_order" => render_prepared(
            c,
            &CardQueryOrderRequest::new(s(r, "out_order_id").unwrap_or_default()),
        ),
        "card_query_card_list" => {
            let mut q = CardQueryCardListRequest::new();
            if let (Some(i), Some(z)) = (n(r, "page_index"), n(r, "page_size")) {
                q = q.page(i, z);
            }
            if let Some(k) = s(r, "id") {
                q = q.id(k);
            }
            if let Some(k) = s(r, "pid") {
                q = q.pid(k);
            }
            render_prepared(c, &q)
        }
        "card_query_card_detail" => render_prepared(
            c,
            &CardQueryCardDetailRequest::new(s(r, "card_id").unwrap_or_default()),
        ),
        "card_query_card" => render_prepared(c, &CardQueryCardRequest::new()),
        other => panic!("no request builder for fixture endpoint {other}"),
    }
}

fn render_result<T: std::fmt::Debug>(r: jiuyi_dc::Result<T>) -> (bool, String) {
    match r {
        Ok(v) => (true, format!("{v:#?}\n")),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}\n")),
    }
}

fn render_reply(endpoint: &str, status: u16, body: Vec<u8>) -> (bool, String) {
    match endpoint {
        "pay" => render_result(read_reply::<PayRequest>(status, body)),
        "query_order" => render_result(read_reply::<QueryOrderRequest>(status, body)),
        "query_cash" => render_result(read_reply::<QueryCashRequest>(status, body)),
        "draw_order" => render_result(read_reply::<DrawOrderRequest>(status, body)),
        "confirm_order" => render_result(read_reply::<ConfirmOrderRequest>(status, body)),
        "query_card_category" => {
            render_result(read_reply::<QueryCardCategoryRequest>(status, body))
        }
        "query_card_list" => render_result(read_reply::<QueryCardListRequest>(status, body)),
        "query_card_info" => render_result(read_reply::<QueryCardInfoRequest>(status, body)),
        "query_card" => render_result(read_reply::<QueryCardRequest>(status, body)),
        "card_pay_order" => render_result(read_reply::<CardPayOrderRequest>(status, body)),
        "card_query_order" => render_result(read_reply::<CardQueryOrderRequest>(status, body)),
        "card_query_card_list" => {
            render_result(read_reply::<CardQueryCardListRequest>(status, body))
        }
        "card_query_card_detail" => {
            render_result(read_reply::<CardQueryCardDetailRequest>(status, body))
        }
        "card_query_card" => render_result(read_reply::<CardQueryCardRequest>(status, body)),
        other => panic!("no reply reader for fixture endpoint {other}"),
    }
}

fn render_notify(case: &Value) -> (bool, String) {
    let mut verifier = NotifyVerifier::new(SECRET).expect_appid(APPID);
    if let Some(cap) = case.get("max_body_bytes").and_then(Value::as_u64) {
        verifier = verifier.max_body_bytes(usize::try_from(cap).expect("cap"));
    }
    let body = match (s(case, "body_text"), s(case, "body_hex")) {
        (Some(t), _) => t.as_bytes().to_vec(),
        (_, Some(h)) => hex_decode(h),
        _ => panic!("notify fixture needs body_text or body_hex"),
    };
    match verifier.verify(&headers(s(case, "content_type")), &body) {
        Ok(n) => {
            let ack = Ack::success();
            (
                true,
                format!(
                    "{n:#?}\ndedupe_key: {}\nack: HTTP {} {} `{}`\n",
                    n.dedupe_key(),
                    ack.status(),
                    ack.content_type(),
                    ack.body()
                ),
            )
        }
        Err(e) => {
            let ack = Ack::retry();
            (
                false,
                format!(
                    "error: {e}\n\n{e:#?}\nack: HTTP {} `{}`\n",
                    ack.status(),
                    ack.body()
                ),
            )
        }
    }
}

fn hex_decode(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn fixture_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_sort_maps(true);
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(false);
    let mut count = 0;
    settings.bind(|| {
        insta::glob!("../../../../fixtures", "jiuyi-dc/**/*.json", |path| {
            let text = std::fs::read_to_string(path).expect("fixture");
            let case: Value = serde_json::from_str(&text).expect("fixture json");
            let mut comps = path.components().rev();
            comps.next();
            let expect_ok = comps.next().and_then(|c| c.as_os_str().to_str()) == Some("ok");
            let endpoint = comps
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("endpoint dir")
                .to_owned();
            let (ok, rendered) = match s(&case, "kind") {
                Some("request") => {
                    let clock = case.get("clock").and_then(Value::as_i64).unwrap_or(1);
                    render_request(&endpoint, clock, &case["request"])
                }
                Some("reply") => {
                    let status = case
                        .get("status")
                        .and_then(Value::as_u64)
                        .map_or(200, |x| u16::try_from(x).expect("status"));
                    let body = match (case.get("body"), s(&case, "body_text")) {
                        (Some(b), _) => serde_json::to_vec(b).expect("body"),
                        (None, Some(t)) => t.as_bytes().to_vec(),
                        _ => Vec::new(),
                    };
                    render_reply(&endpoint, status, body)
                }
                Some("notify") => render_notify(&case),
                other => panic!("{}: unknown kind {other:?}", path.display()),
            };
            assert_eq!(
                ok,
                expect_ok,
                "{}: an {} fixture must {}",
                path.display(),
                if expect_ok { "ok" } else { "err" },
                if expect_ok { "succeed" } else { "fail" }
            );
            assert!(
                !rendered.contains(SECRET),
                "{}: secret leaked",
                path.display()
            );
            assert!(
                !rendered.contains("SECRET-CARD-PASS"),
                "{}: card secret leaked",
                path.display()
            );
            count += 1;
            insta::assert_snapshot!(rendered);
        });
    });
    assert!(count >= 100, "all fixtures visited ({count})");
}
