//! Fixture snapshots: every `fixtures/paydesk/<endpoint>/{ok,err}/<case>.json` rendered as the
//! exact wire request (request fixtures), the parsed reply or typed error (reply fixtures), or
//! the verified notification and acknowledgement or typed error (notify fixtures).
//!
//! Request fixtures name fields as on the wire; `nonce` pins the nonce source. Reply fixtures
//! give the HTTP status and the exact body text. Notify fixtures give headers and the exact body;
//! a `Sign` of `$sign` stands for the correct signature of the body with the test apiKey.

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use paydesk::api::{
    BalanceRequest, BankListRequest, Operation, PayDeskQueryRequest, PayDeskRequest,
    PayInBankListRequest, PayInQueryRequest, PayInRequest, PayOutQueryRequest, PayOutRequest,
    Payee, parse_reply,
};
use paydesk::notify::{Ack, NotifyVerifier};
use paydesk::types::{AccountType, IdType, PayType};
use paydesk::{Client, FixedNonce, Secret, sign};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::{KEY, MERCHANT};

#[test]
fn fixtures() {
    insta::glob!("../../../../fixtures", "paydesk/**/*.json", |path| {
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        let mut settings = insta::Settings::clone_current();
        settings.set_sort_maps(true);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(render(path, &input)));
    });
}

fn render(path: &Path, input: &str) -> String {
    let endpoint = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .expect("fixtures/paydesk/<endpoint>/<ok|err>/<case>.json");
    let expect_ok = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        == Some("ok");
    let mut fixture: Map<String, Value> = serde_json::from_str(input).expect("fixture is JSON");
    fixture.remove("note");
    let kind = fixture.remove("kind").expect("fixture has a kind");
    let (ok, text) = match kind.as_str() {
        Some("request") => render_request(endpoint, fixture),
        Some("reply") => render_reply(endpoint, fixture),
        Some("notify") => render_notify(fixture),
        other => panic!("unknown fixture kind {other:?}"),
    };
    assert_eq!(
        ok,
        expect_ok,
        "{}: ok/err directory disagrees with the result:\n{text}",
        path.display()
    );
    text
}

/// `(succeeded, rendering)` of a `Result`: the value, or the error's message and structure.
fn show<T: Debug>(result: paydesk::Result<T>) -> (bool, String) {
    match result {
        Ok(v) => (true, format!("{v:#?}")),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

/// The wire names of a request fixture, consumed as they are used.
struct Input(Map<String, Value>);

impl Input {
    fn text(&mut self, name: &str) -> Option<String> {
        self.0.remove(name).map(|v| match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => panic!("{name}: not a text: {other}"),
        })
    }

    fn must(&mut self, name: &str) -> String {
        self.text(name)
            .unwrap_or_else(|| panic!("fixture lacks {name}"))
    }

    fn decimal(&mut self, name: &str) -> Decimal {
        self.must(name).parse().expect("decimal text")
    }

    fn code(&mut self, name: &str) -> u32 {
        self.must(name).parse().expect("numeric code")
    }

    fn id_type(&mut self) -> Option<IdType> {
        self.0.remove("idType").map(|v| match v {
            Value::Number(n) => {
                IdType::number(n.as_u64().and_then(|n| u32::try_from(n).ok()).expect("u32"))
            }
            Value::String(s) => IdType::text(s),
            other => panic!("idType: {other}"),
        })
    }

    fn finish(self) {
        assert!(
            self.0.is_empty(),
            "fixture fields not used: {:?}",
            self.0.keys()
        );
    }
}

/// Applies `setter` when the fixture has `name`.
macro_rules! opt {
    ($req:ident, $input:ident, $($name:literal => $setter:ident),* $(,)?) => {
        $(if let Some(v) = $input.text($name) { $req = $req.$setter(v); })*
    };
}

fn pay_desk(mut i: Input) -> PayDeskRequest {
    let mut r = PayDeskRequest::new(
        i.must("mchOrderNo"),
        i.must("currency"),
        i.decimal("amount"),
        i.must("notifyUrl"),
    );
    opt!(r, i, "mobileMoneyPhone" => mobile_money_phone, "realName" => real_name, "phone" => phone,
        "email" => email, "remark" => remark, "idCard" => id_card, "nonceStr" => nonce_str,
        "returnUrl" => return_url, "goodsSubject" => goods_subject, "goodsBody" => goods_body);
    if let Some(t) = i.id_type() {
        r = r.id_type(t);
    }
    if let Some(Value::Bool(b)) = i.0.remove("reusableStatus") {
        r = r.reusable(b);
    }
    if let Some(s) = i.text("expireTime") {
        r = r.expire_after(std::time::Duration::from_secs(s.parse().expect("seconds")));
    }
    i.finish();
    r
}

fn pay_in(mut i: Input) -> PayInRequest {
    let mut r = PayInRequest::new(
        i.must("mchOrderNo"),
        i.must("currency"),
        i.decimal("amount"),
        PayType::new(i.code("payType")),
        i.must("notifyUrl"),
    );
    opt!(r, i, "mobileMoneyPhone" => mobile_money_phone, "realName" => real_name, "phone" => phone,
        "email" => email, "remark" => remark, "idCard" => id_card, "nonceStr" => nonce_str);
    if let Some(t) = i.id_type() {
        r = r.id_type(t);
    }
    if let Some(s) = i.text("expireTime") {
        r = r.expire_after(std::time::Duration::from_secs(s.parse().expect("seconds")));
    }
    i.finish();
    r
}

fn pay_out(mut i: Input) -> PayOutRequest {
    let payee = Payee::new(
        i.must("accountName"),
        i.must("accountNo"),
        AccountType::new(i.code("accountType")),
    );
    let mut r = PayOutRequest::new(
        i.must("mchOrderNo"),
        i.must("currency"),
        i.decimal("amount"),
        payee,
        i.must("notifyUrl"),
    );
    opt!(r, i, "ifscCode" => ifsc_code, "idCard" => id_card, "phone" => phone, "email" => email,
        "remark" => remark, "nonceStr" => nonce_str);
    if let Some(t) = i.id_type() {
        r = r.id_type(t);
    }
    if let Some(b) = i.text("bankId") {
        r = r.bank_id(b.parse().expect("bank id"));
    }
    i.finish();
    r
}

macro_rules! query {
    ($ty:ty, $i:ident) => {{
        let mut i = $i;
        let mut r = match (i.text("orderNo"), i.text("mchOrderNo")) {
            (Some(o), Some(m)) => <$ty>::by_order_no(o).with_mch_order_no(m),
            (Some(o), None) => <$ty>::by_order_no(o),
            (None, Some(m)) => <$ty>::by_mch_order_no(m),
            (None, None) => <$ty>::by_order_no(""),
        };
        if let Some(n) = i.text("nonceStr") {
            r = r.nonce_str(n);
        }
        i.finish();
        r
    }};
}

macro_rules! nonce_only {
    ($ty:ty, $i:ident) => {{
        let mut i = $i;
        let mut r = <$ty>::new();
        if let Some(n) = i.text("nonceStr") {
            r = r.nonce_str(n);
        }
        i.finish();
        r
    }};
}

fn prepare<O: Operation>(client: &Client, req: &O) -> (bool, String) {
    match client.prepare(req) {
        Ok(p) => (
            true,
            format!("{}\nidempotency: {:?}\n", p.render(), p.idempotency_kind()),
        ),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

fn render_request(endpoint: &str, mut fixture: Map<String, Value>) -> (bool, String) {
    let nonce = fixture
        .remove("nonce")
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("nonce");
    let Some(Value::Object(request)) = fixture.remove("request") else {
        panic!("request fixture has a `request` object")
    };
    assert!(fixture.is_empty(), "unknown keys {:?}", fixture.keys());
    let client = Client::builder(MERCHANT, KEY)
        .base_url("http://127.0.0.1:9")
        .nonce_source(Arc::new(FixedNonce(nonce)))
        .build()
        .expect("client");
    let i = Input(request);
    match endpoint {
        "pay_desk" => prepare(&client, &pay_desk(i)),
        "pay_in" => prepare(&client, &pay_in(i)),
        "pay_out" => prepare(&client, &pay_out(i)),
        "pay_desk_query" => prepare(&client, &query!(PayDeskQueryRequest, i)),
        "pay_in_query" => prepare(&client, &query!(PayInQueryRequest, i)),
        "pay_out_query" => prepare(&client, &query!(PayOutQueryRequest, i)),
        "get_balance" => prepare(&client, &nonce_only!(BalanceRequest, i)),
        "bank_list_query" => prepare(&client, &nonce_only!(BankListRequest, i)),
        "pay_in_bank_list_query" => prepare(&client, &nonce_only!(PayInBankListRequest, i)),
        other => panic!("no request builder for endpoint {other}"),
    }
}

fn render_reply(endpoint: &str, mut fixture: Map<String, Value>) -> (bool, String) {
    let status = fixture
        .remove("status")
        .and_then(|s| s.as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .expect("status");
    let body = fixture
        .remove("body")
        .and_then(|b| b.as_str().map(str::to_owned))
        .expect("body");
    assert!(fixture.is_empty(), "unknown keys {:?}", fixture.keys());
    let b = body.as_bytes();
    match endpoint {
        "pay_desk" => show(parse_reply::<PayDeskRequest>(status, b)),
        "pay_in" => show(parse_reply::<PayInRequest>(status, b)),
        "pay_out" => show(parse_reply::<PayOutRequest>(status, b)),
        "pay_desk_query" => show(parse_reply::<PayDeskQueryRequest>(status, b)),
        "pay_in_query" => show(parse_reply::<PayInQueryRequest>(status, b)),
        "pay_out_query" => show(parse_reply::<PayOutQueryRequest>(status, b)),
        "get_balance" => show(parse_reply::<BalanceRequest>(status, b)),
        "bank_list_query" => show(parse_reply::<BankListRequest>(status, b)),
        "pay_in_bank_list_query" => show(parse_reply::<PayInBankListRequest>(status, b)),
        other => panic!("no reply type for endpoint {other}"),
    }
}

fn render_notify(mut fixture: Map<String, Value>) -> (bool, String) {
    let body = fixture
        .remove("body")
        .and_then(|b| b.as_str().map(str::to_owned))
        .expect("body");
    let Some(Value::Object(given)) = fixture.remove("headers") else {
        panic!("notify fixture has headers")
    };
    assert!(fixture.is_empty(), "unknown keys {:?}", fixture.keys());
    let mut headers = HeaderMap::new();
    for (name, value) in given {
        let value = value.as_str().expect("header text");
        let value = if value == "$sign" {
            sign::signature(&Secret::new(KEY), body.as_bytes())
        } else {
            value.to_owned()
        };
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(&value).expect("header value"),
        );
    }
    let verifier = NotifyVerifier::new(MERCHANT, KEY);
    match verifier.verify(&headers, body.as_bytes()) {
        Ok(n) => {
            let ack = Ack::success();
            let text = format!(
                "{n:#?}\n\nfinal: {}, success: {}, dedupe key: {}\nack: HTTP {} {:?}\n",
                n.is_final(),
                n.is_success(),
                n.dedupe_key(),
                ack.status(),
                ack.body()
            );
            (true, text)
        }
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}
