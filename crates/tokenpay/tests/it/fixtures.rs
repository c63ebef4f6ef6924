//! Fixture snapshots: every `fixtures/tokenpay/<endpoint>/{ok,err}/<case>.json` is rendered
//! (the exact wire request, the parsed reply or typed error, or the verified callback and its
//! acknowledgement) and compared with its committed snapshot.
//!
//! A fixture holds one of:
//! - `request`: the endpoint's inputs (`client` may pin `timestamp_ms`, `nonce`,
//!   `timestamp_unit`, `payout_paths`);
//! - `reply`: `status`, `headers`, `body` (or `body_json`, or `body_hex`) and `sign` (add
//!   `TTPay-*` headers signed over the body); `client` may set `reply_signatures` and
//!   `cashier_base_url`;
//! - `notify`: a raw `body` + `headers`, or an `envelope` whose `resource.ciphertext` is made by
//!   encrypting `resource_plaintext`, then `sign`, `headers`, `tamper` and `verifier` settings.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use tokenpay::api::{
    BalanceRequest, CloseOrderRequest, ClosePayoutRequest, CreatePayoutRequest, CurrenciesRequest,
    DeleteWalletRequest, InsertWalletRequest, PayoutAmount, PayoutPaths, PrepayRequest,
    QueryOrderRequest, QueryPayoutRequest, QueryWalletRequest, UpdateWalletRequest,
};
use tokenpay::notify::{Ack, NotifyVerifier};
use tokenpay::sign::TimestampUnit;
use tokenpay::types::{Chain, Currency, Locale, OrderType};
use tokenpay::{Client, FixedClock, FixedNonce, RawResponse, ReplySignatureMode};

use crate::support::{self, APP_ID, MCH_ID, REPLY_NONCE, REPLY_TS, SECRET};

#[test]
fn fixtures() {
    insta::glob!("../../../../fixtures", "tokenpay/**/*.json", |path| {
        let input = std::fs::read(path).expect("fixture is readable");
        let mut settings = insta::Settings::clone_current();
        settings.set_sort_maps(true);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(render(path, &input)));
    });
}

fn render(path: &Path, input: &[u8]) -> String {
    let fixture: Value = serde_json::from_slice(input).expect("fixture is JSON");
    let expect_ok = match path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
    {
        Some("ok") => true,
        Some("err") => false,
        other => panic!("{}: not under ok/ or err/: {other:?}", path.display()),
    };
    let endpoint = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .expect("endpoint directory");
    let client = client(fixture.get("client"));
    let (ok, text) = if let Some(req) = fixture.get("request") {
        request(endpoint, &client, req)
    } else if let Some(reply) = fixture.get("reply") {
        let raw = raw_reply(reply);
        reply_text(endpoint, &client, &raw)
    } else if let Some(n) = fixture.get("notify") {
        notify(n)
    } else {
        panic!("{}: no request, reply or notify", path.display())
    };
    assert_eq!(
        ok,
        expect_ok,
        "{}: expected {} but got:\n{text}",
        path.display(),
        if expect_ok { "success" } else { "an error" }
    );
    let description = fixture
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{description}\n\n{text}")
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn req_s(v: &Value, k: &str) -> String {
    s(v, k).unwrap_or_else(|| panic!("fixture field `{k}` is required"))
}

fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn client(cfg: Option<&Value>) -> Client {
    let empty = Value::Object(Map::new());
    let cfg = cfg.unwrap_or(&empty);
    let mut b = support::offline_builder();
    if let Some(ts) = cfg.get("timestamp_ms").and_then(Value::as_i64) {
        b = b.clock(Arc::new(FixedClock::from_millis(ts)));
    }
    if let Some(n) = s(cfg, "nonce") {
        b = b.nonce_source(Arc::new(FixedNonce(n)));
    }
    if s(cfg, "timestamp_unit").as_deref() == Some("seconds") {
        b = b.timestamp_unit(TimestampUnit::Seconds);
    }
    if s(cfg, "payout_paths").as_deref() == Some("payout") {
        b = b.payout_paths(PayoutPaths::Payout);
    }
    match s(cfg, "reply_signatures").as_deref() {
        Some("strict") => b = b.reply_signatures(ReplySignatureMode::Strict),
        Some("off") => b = b.reply_signatures(ReplySignatureMode::Off),
        _ => {}
    }
    if let Some(u) = s(cfg, "cashier_base_url") {
        b = b.cashier_base_url(u);
    }
    b.base_url(s(cfg, "base_url").unwrap_or_else(|| "https://api.tokenpay.me".to_owned()))
        .build()
        .expect("fixture client builds")
}

fn decimal(v: &Value, k: &str) -> Decimal {
    Decimal::from_str(&req_s(v, k)).expect("decimal text")
}

fn prepared<O: tokenpay::api::Operation>(client: &Client, req: &O) -> (bool, String) {
    match client.prepare(req) {
        Ok(p) => (true, p.render()),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

fn request(endpoint: &str, client: &Client, r: &Value) -> (bool, String) {
    let chain = || Chain::parse(&req_s(r, "chain"));
    let currency = || Currency::parse(&req_s(r, "currency"));
    let skip = flag(r, "danger_skip_address_checksum");
    match endpoint {
        "currencies" => prepared(client, &CurrenciesRequest::new()),
        "balance" => prepared(client, &BalanceRequest::new(chain(), currency())),
        "prepay" => {
            let mut q = PrepayRequest::new(
                req_s(r, "out_trade_no"),
                decimal(r, "amount"),
                chain(),
                currency(),
            );
            if let Some(v) = r.get("expire_second").and_then(Value::as_u64) {
                q = q.expire_second(v);
            }
            if let Some(v) = s(r, "description") {
                q = q.description(v);
            }
            if let Some(v) = s(r, "to_address") {
                q = q.to_address(v);
            }
            if let Some(v) = s(r, "attach") {
                q = q.attach(v);
            }
            if let Some(v) = s(r, "locale") {
                q = q.locale(Locale::parse(&v));
            }
            if let Some(v) = s(r, "notify_url") {
                q = q.notify_url(v);
            }
            if let Some(v) = s(r, "return_url") {
                q = q.return_url(v);
            }
            if let Some(v) = s(r, "order_type") {
                q = q.order_type(OrderType::parse(&v));
            }
            if skip {
                q = q.danger_skip_address_checksum();
            }
            prepared(client, &q)
        }
        "query_order" => {
            let q = match (s(r, "transaction_id"), s(r, "out_trade_no")) {
                (Some(t), Some(o)) => QueryOrderRequest::by_transaction_id(t).and_out_trade_no(o),
                (Some(t), None) => QueryOrderRequest::by_transaction_id(t),
                (None, Some(o)) => QueryOrderRequest::by_out_trade_no(o),
                (None, None) => QueryOrderRequest::by_out_trade_no(""),
            };
            prepared(client, &q)
        }
        "query_payout" => {
            let q = match (s(r, "transaction_id"), s(r, "out_trade_no")) {
                (Some(t), Some(o)) => QueryPayoutRequest::by_transaction_id(t).and_out_trade_no(o),
                (Some(t), None) => QueryPayoutRequest::by_transaction_id(t),
                (None, Some(o)) => QueryPayoutRequest::by_out_trade_no(o),
                (None, None) => QueryPayoutRequest::by_transaction_id(""),
            };
            prepared(client, &q)
        }
        "close_order" => prepared(client, &CloseOrderRequest::new(req_s(r, "transaction_id"))),
        "create_payout" => {
            let amount = match s(r, "amount_minor") {
                Some(m) => PayoutAmount::Minor(m.parse().expect("minor units")),
                None => PayoutAmount::Major(decimal(r, "amount")),
            };
            let mut q = CreatePayoutRequest::new(
                req_s(r, "out_trade_no"),
                amount,
                chain(),
                currency(),
                req_s(r, "to_address"),
            );
            if let Some(v) = s(r, "description") {
                q = q.description(v);
            }
            if let Some(v) = s(r, "attach") {
                q = q.attach(v);
            }
            if let Some(v) = s(r, "notify_url") {
                q = q.notify_url(v);
            }
            if skip {
                q = q.danger_skip_address_checksum();
            }
            prepared(client, &q)
        }
        "close_payout" => prepared(client, &ClosePayoutRequest::new(req_s(r, "payout_id"))),
        "insert_wallet" | "update_wallet" => {
            let address = req_s(r, "wallet_address");
            if endpoint == "insert_wallet" {
                let mut q = InsertWalletRequest::new(chain(), address);
                if let Some(n) = s(r, "name") {
                    q = q.name(n);
                }
                if skip {
                    q = q.danger_skip_address_checksum();
                }
                prepared(client, &q)
            } else {
                let mut q = UpdateWalletRequest::new(chain(), address);
                if let Some(n) = s(r, "name") {
                    q = q.name(n);
                }
                if skip {
                    q = q.danger_skip_address_checksum();
                }
                prepared(client, &q)
            }
        }
        "delete_wallet" => {
            let mut q = DeleteWalletRequest::new(chain(), req_s(r, "wallet_address"));
            if skip {
                q = q.danger_skip_address_checksum();
            }
            prepared(client, &q)
        }
        "query_wallet" => {
            let mut q = QueryWalletRequest::new();
            if let Some(a) = s(r, "wallet_address") {
                q = q.wallet_address(a);
            }
            if skip {
                q = q.danger_skip_address_checksum();
            }
            prepared(client, &q)
        }
        other => panic!("unknown endpoint directory `{other}`"),
    }
}

fn body_bytes(v: &Value) -> Vec<u8> {
    if let Some(b) = v.get("body").and_then(Value::as_str) {
        b.as_bytes().to_vec()
    } else if let Some(j) = v.get("body_json") {
        serde_json::to_vec(j).expect("JSON")
    } else if let Some(h) = v.get("body_hex").and_then(Value::as_str) {
        hex_decode(h)
    } else {
        Vec::new()
    }
}

fn hex_decode(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
        .collect()
}

fn header_map(pairs: &[(String, String)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            http::HeaderValue::from_str(v).expect("header value"),
        );
    }
    map
}

fn headers_of(v: &Value) -> Vec<(String, String)> {
    v.get("headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn sign_with(v: &Value, body: &[u8]) -> Vec<(String, String)> {
    match v.get("sign") {
        Some(Value::Bool(true)) => support::sign_headers("TTPay", REPLY_TS, REPLY_NONCE, body),
        Some(cfg @ Value::Object(_)) => support::sign_headers(
            &s(cfg, "prefix").unwrap_or_else(|| "TTPay".to_owned()),
            &s(cfg, "timestamp").unwrap_or_else(|| REPLY_TS.to_owned()),
            &s(cfg, "nonce").unwrap_or_else(|| REPLY_NONCE.to_owned()),
            body,
        ),
        _ => Vec::new(),
    }
}

/// Later pairs replace earlier ones with the same (case-insensitive) name.
fn merge(mut base: Vec<(String, String)>, over: Vec<(String, String)>) -> Vec<(String, String)> {
    for (k, v) in over {
        base.retain(|(b, _)| !b.eq_ignore_ascii_case(&k));
        if !v.is_empty() {
            base.push((k, v));
        }
    }
    base
}

fn raw_reply(v: &Value) -> RawResponse {
    let body = body_bytes(v);
    let headers = merge(sign_with(v, &body), headers_of(v));
    RawResponse {
        status: v
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(200),
        headers: header_map(&headers),
        body: body.into(),
        elapsed: std::time::Duration::ZERO,
    }
}

fn shown<T: std::fmt::Debug>(r: tokenpay::Result<T>) -> (bool, String) {
    match r {
        Ok(v) => (true, format!("{v:#?}")),
        Err(e) => (false, format!("error: {e}\n\n{e:#?}")),
    }
}

fn reply_text(endpoint: &str, c: &Client, raw: &RawResponse) -> (bool, String) {
    match endpoint {
        "currencies" => shown(c.read_reply::<CurrenciesRequest>(raw)),
        "balance" => shown(c.read_reply::<BalanceRequest>(raw)),
        "prepay" => shown(c.read_reply::<PrepayRequest>(raw)),
        "query_order" => shown(c.read_reply::<QueryOrderRequest>(raw)),
        "close_order" => shown(c.read_reply::<CloseOrderRequest>(raw)),
        "create_payout" => shown(c.read_reply::<CreatePayoutRequest>(raw)),
        "query_payout" => shown(c.read_reply::<QueryPayoutRequest>(raw)),
        "close_payout" => shown(c.read_reply::<ClosePayoutRequest>(raw)),
        "insert_wallet" => shown(c.read_reply::<InsertWalletRequest>(raw)),
        "update_wallet" => shown(c.read_reply::<UpdateWalletRequest>(raw)),
        "delete_wallet" => shown(c.read_reply::<DeleteWalletRequest>(raw)),
        "query_wallet" => shown(c.read_reply::<QueryWalletRequest>(raw)),
        other => panic!("unknown endpoint directory `{other}`"),
    }
}

/// Builds a callback body: the envelope with its resource encrypted from the plaintext.
pub(crate) fn callback_body(
    envelope: &Value,
    plaintext: Option<&str>,
    resource_nonce: &str,
    aad: Option<&str>,
) -> Vec<u8> {
    let mut envelope = envelope.clone();
    if let Some(plain) = plaintext {
        let ct = support::key()
            .encrypt_resource(resource_nonce, aad, plain.as_bytes())
            .expect("encrypts");
        let resource = envelope
            .get_mut("resource")
            .and_then(Value::as_object_mut)
            .expect("envelope.resource");
        resource.insert("ciphertext".to_owned(), Value::String(ct));
        resource
            .entry("nonce")
            .or_insert_with(|| Value::String(resource_nonce.to_owned()));
    }
    serde_json::to_vec(&envelope).expect("JSON")
}

fn notify(n: &Value) -> (bool, String) {
    let mut body = if let Some(env) = n.get("envelope") {
        callback_body(
            env,
            n.get("resource_plaintext").and_then(Value::as_str),
            &s(n, "resource_nonce").unwrap_or_else(|| "a1b2c3d4e5f6".to_owned()),
            n.get("aad").and_then(Value::as_str),
        )
    } else {
        body_bytes(n)
    };
    let mut headers = merge(sign_with(n, &body), headers_of(n));
    if let Some(ct) = s(n, "content_type") {
        headers.push(("Content-Type".to_owned(), ct));
    }
    if let Some(t) = n.get("tamper") {
        let (find, replace) = (req_s(t, "find"), req_s(t, "replace"));
        let text = String::from_utf8(body).expect("tampered body is text");
        assert!(text.contains(&find), "tamper target `{find}` not in body");
        body = text.replacen(&find, &replace, 1).into_bytes();
    }
    let cfg = n.get("verifier").cloned().unwrap_or(Value::Null);
    let mut verifier = NotifyVerifier::new(
        s(&cfg, "app_id").unwrap_or_else(|| APP_ID.to_owned()),
        s(&cfg, "mch_id").unwrap_or_else(|| MCH_ID.to_owned()),
        SECRET,
    )
    .expect("verifier");
    if let Some(max) = cfg.get("max_body").and_then(Value::as_u64) {
        verifier = verifier.max_body_bytes(usize::try_from(max).expect("small"));
    }
    // The clock: `now_ms` when the fixture sets it, else one second after the usual signing
    // time (freshness is checked by default).
    let now_ms = cfg
        .get("now_ms")
        .and_then(Value::as_i64)
        .unwrap_or(support::CALLBACK_NOW_MS);
    verifier = verifier.clock(Arc::new(FixedClock::from_millis(now_ms)));
    if let Some(secs) = cfg.get("max_age_secs").and_then(Value::as_u64) {
        verifier = verifier.max_age(std::time::Duration::from_secs(secs));
    }
    if let Some(secs) = cfg.get("max_future_skew_secs").and_then(Value::as_u64) {
        verifier = verifier.max_future_skew(std::time::Duration::from_secs(secs));
    }
    if let Some(lengths) = cfg.get("resource_nonce_lengths").and_then(Value::as_array) {
        let n = |i: usize| usize::try_from(lengths[i].as_u64().expect("length")).expect("small");
        verifier = verifier.resource_nonce_lengths(n(0)..=n(1));
    }
    if let Some(unit) = s(&cfg, "amount_unit") {
        verifier = verifier.amount_unit(match unit.as_str() {
            "major" => tokenpay::types::AmountUnit::Major,
            "minor" => tokenpay::types::AmountUnit::Minor,
            _ => tokenpay::types::AmountUnit::Auto,
        });
    }
    let map = header_map(&headers);
    let wire = format!(
        "headers: {:?}\nbody ({} bytes): {}\n",
        headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        body.len(),
        String::from_utf8_lossy(&body)
    );
    match verifier.verify(&map, &body) {
        Ok(n) => {
            let ack = Ack::success();
            (
                true,
                format!(
                    "{wire}\n{n:#?}\n\ndedupe_key: {}\nack: HTTP {} {} {:?}",
                    n.dedupe_key(),
                    ack.status(),
                    ack.content_type(),
                    ack.body()
                ),
            )
        }
        Err(e) => {
            let ack = Ack::retry();
            let diagnosis = verifier
                .diagnose(&map, &body)
                .map(|d| d.to_string())
                .unwrap_or_else(|| "no signature headers".to_owned());
            (
                false,
                format!(
                    "{wire}\nerror: {e}\n\n{e:#?}\n\ndiagnosis: {diagnosis}\nack: HTTP {} {:?}",
                    ack.status(),
                    ack.body()
                ),
            )
        }
    }
}
