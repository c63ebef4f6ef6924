//! Round trips against a real loopback server: success per endpoint, API errors, retries of
//! reads, unknown outcomes of creates (never resent), and broken replies.

use std::time::{Duration, Instant};

use gateway_recharge::api::{
    CreateOrderRequest, DepositQueryRequest, DepositRequest, Idempotency, RawRequest,
};
use gateway_recharge::error::TransportErrorKind;
use gateway_recharge::payhub_runtime::RetryPolicy;
use gateway_recharge::types::{OrderStatus, ReplySignature};
use gateway_recharge::{Client, ClientBuilder, Error, sign};
use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;
use sign_core::CanonicalParams;

use crate::support::{KEY, NOW_MS, Reply, Server, builder};

const CREATE_OK: &str = r#"{"code":"0","msg":"","data":{"hash":"def502","trade_no":"RR241115223531937981","qr_code":"rsn://r/RR241115223531937981","url":"https://pay.example/?hash=def502","pay_timeout":3600}}"#;
const BALANCE_OK: &str =
    r#"{"code":"0","msg":"","data":{"balance":"90062.0000","freeze":"1000.0000"}}"#;
const QUERY_OK: &str = r#"{"code":"0","msg":"","data":{"order_no":"ORD20250425001","amount":"100","status":"success","trade_no":"RR1","trade_time":"2024-10-15 20:31:50"}}"#;

fn create() -> CreateOrderRequest {
    CreateOrderRequest::new(
        "ORD1234567890",
        Decimal::new(10000, 2),
        "Test order",
        "user123",
        "192.168.1.1",
        "https://yourapp.com/callback",
        "https://yourapp.com/return",
    )
}

fn client(server: &Server) -> Client {
    builder(&server.url).build().expect("client")
}

/// The server saw a signed JSON body whose `sign` verifies over the other fields.
#[track_caller]
fn assert_signed(body: &[u8]) {
    let params = CanonicalParams::from_json_object(body).expect("JSON body");
    sign::verify(&params, &sign::signer(KEY.into())).expect("request signature verifies");
}

#[tokio::test]
async fn create_order_round_trip() {
    let server = Server::start(vec![Reply::json(CREATE_OK)]).await;
    let order = client(&server).send(&create()).await.expect("created");
    assert_eq!(order.trade_no, "RR241115223531937981");
    assert_eq!(order.url, "https://pay.example/?hash=def502");
    assert_eq!(order.pay_timeout_secs, 3600);
    assert_eq!(
        order.expires_at.unix_timestamp(),
        NOW_MS / 1000 + 3600,
        "expiry = clock + pay_timeout"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/gateway/recharge");
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    assert_signed(&seen[0].body);
    let prepared = client(&server).prepare(&create()).expect("prepare");
    assert_eq!(
        seen[0].body,
        prepared.body_bytes(),
        "the prepared bytes are sent"
    );
}

#[tokio::test]
async fn deposit_query_balance_and_raw_round_trips() {
    let server = Server::start(vec![
        Reply::json(
            r#"{"code":"0","msg":"","data":{"trade_no":"T1","status":"pending","deposit_page_url":"https://pay.example/d"}}"#,
        ),
        Reply::json(QUERY_OK),
        Reply::json(BALANCE_OK),
        Reply::json(r#"{"code":0,"message":"","data":{"payout_no":"P1","amount":10.50}}"#),
    ])
    .await;
    let c = client(&server);
    let dep = c
        .send(&DepositRequest::new(
            "user_001",
            "ORD20250425001",
            Decimal::new(50000, 2),
            "https://yourapp.com/callback",
            "https://yourapp.com/return",
            "Recharge to wallet",
            "192.168.1.88",
        ))
        .await
        .expect("deposit");
    assert_eq!(dep.status, OrderStatus::Pending);
    let q = c
        .send(&DepositQueryRequest::new("ORD20250425001"))
        .await
        .expect("query");
    assert!(q.status.is_success());
    assert_eq!(q.amount, Decimal::new(100, 0));
    assert_eq!(q.trade_time.unix_timestamp(), 1_728_995_510);
    let b = c.balance().await.expect("balance");
    assert_eq!(b.balance.to_string(), "90062.0000");
    let raw = c
        .send_raw(
            "/merchant/payout",
            [("order_no", "P1"), ("amount", "10.50")],
        )
        .await
        .expect("raw");
    assert_eq!(
        raw.fields().expect("fields")["amount"],
        "10.50",
        "number text kept"
    );
    let seen = server.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/h5/deposit",
            "/h5/deposit_query",
            "/gateway/balance",
            "/merchant/payout"
        ]
    );
    for s in &seen {
        assert_signed(&s.body);
    }
    let raw_body = CanonicalParams::from_json_object(&seen[3].body).expect("raw body");
    assert_eq!(raw_body.get("merchant_no"), Some("M1234567890"));
    assert_eq!(raw_body.get("time"), Some("1731681331000"));
}

#[tokio::test]
async fn api_error_keeps_code_message_and_body() {
    let body = r#"{"code":"1001","msg":"duplicate order","data":[]}"#;
    let server = Server::start(vec![Reply::json(body)]).await;
    let err = client(&server)
        .send(&create())
        .await
        .expect_err("api error");
    let api = err.as_api().expect("Error::Api");
    assert_eq!(api.code().as_str(), "1001");
    assert_eq!(api.message(), "duplicate order");
    assert_eq!(api.body(), body);
    assert_eq!(server.seen().len(), 1);
}

/// WinPay's canonical string for a body the server received, built here from the JSON alone:
/// every field but `sign`, names in byte order, raw `k=v` joined by `&`.
fn canonical_of_received(body: &[u8]) -> String {
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).expect("JSON object");
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .map(|(k, v)| (k.as_str(), v.as_str().expect("string value")))
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A payout's personal data: the payee's name, account number, phone and email.
const PERSONAL: [(&str, &str); 4] = [
    ("account_name", "Siti Rahmawati"),
    ("account_no", "5566778899001122"),
    ("phone", "6281234567890"),
    ("email", "siti.payee@example.org"),
];

#[tokio::test]
async fn signature_rejection_shows_what_was_signed() {
    // WinPay publishes no code for a bad signature: the client is told which one it is.
    let server = Server::start(vec![
        Reply::json(r#"{"code":"1001","msg":"sign error","data":[]}"#),
        Reply::json(r#"{"code":"1004","msg":"duplicate order","data":[]}"#),
    ])
    .await;
    let c = builder(&server.url)
        .signature_rejected_codes(["1001"])
        .build()
        .expect("client");
    let payout = RawRequest::new(
        "/gateway/payout",
        [("order_no", "PO-SIG-1"), ("amount", "100.00")]
            .into_iter()
            .chain(PERSONAL),
    );
    let logs = LogCapture::start();
    let err = c.send(&payout).await.expect_err("refused");
    let logs = logs.finish();
    let api = err.as_api().expect("Error::Api");
    assert!(api.is_signature_rejected());

    // What was signed is exactly the fields the server received, plus the masked key.
    let received = &server.seen()[0].body;
    let canonical = canonical_of_received(received);
    let sent_sign = CanonicalParams::from_json_object(received)
        .expect("JSON body")
        .get("sign")
        .expect("sign")
        .to_owned();
    assert_eq!(
        sign::signer(KEY.into()).sign_hex_lower(canonical.as_bytes()),
        sent_sign,
        "the string rebuilt from the received body is the one that was signed"
    );
    let expected = format!("{canonical}&key=***");
    let explained = api.signed().expect("the error carries what was signed");
    assert_eq!(explained.signed_string(), expected);
    // On explicit request, in full.
    for (_, value) in PERSONAL {
        assert!(
            explained.to_string().contains(value),
            "explain() has {value}"
        );
    }
    // Display, Debug and every log line name the fields and their lengths, never a value.
    let shown = err.to_string();
    let debug = format!("{err:?} {err:#?}");
    assert!(logs.contains("call failed"), "the capture works: {logs}");
    for (what, text) in [("Display", &shown), ("Debug", &debug), ("logs", &logs)] {
        for (field, value) in PERSONAL {
            assert!(!text.contains(value), "{what} leaks {value}: {text}");
            let named = format!("{field}[{}]", value.chars().count());
            assert!(text.contains(&named), "{what} names {named}: {text}");
        }
        assert!(!text.contains(KEY), "no key in {what}: {text}");
        assert!(text.contains(&explained.digest_prefix()), "{what}: {text}");
    }
    assert!(
        shown.ends_with(&format!("; signed: {}", explained.redacted())),
        "{shown}"
    );

    // Another refusal keeps the explanation for code but does not print it.
    let err = c.send(&create()).await.expect_err("refused");
    let api = err.as_api().expect("Error::Api");
    assert_eq!(api.code().as_str(), "1004");
    assert!(!api.is_signature_rejected());
    assert!(api.signed().is_some());
    assert!(!err.to_string().contains("signed:"), "{err}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn reconcile_reports_not_found_for_the_configured_codes_only() {
    let unknown = r#"{"code":"1005","msg":"order not found","data":null}"#;
    let server = Server::start(vec![Reply::json(unknown)]).await;
    // By default no code means "not found": the refusal stays an API error.
    let err = client(&server).reconcile("NOPE").await.expect_err("api");
    assert_eq!(err.as_api().map(|a| a.code().as_str()), Some("1005"));
    let c = builder(&server.url)
        .not_found_codes(["1005"])
        .build()
        .expect("client");
    let r = c.reconcile("NOPE").await.expect("reconciled");
    assert!(r.is_not_found(), "{r:?}");
    // Another refusal is still an error.
    let server = Server::start(vec![Reply::json(r#"{"code":"9","msg":"no"}"#)]).await;
    let c = builder(&server.url)
        .not_found_codes(["1005"])
        .build()
        .expect("client");
    assert!(c.reconcile("NOPE").await.is_err());
}

#[tokio::test]
async fn every_call_runs_in_the_shared_payhub_call_span() {
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(3))]).await;
    let c = builder(&server.url)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let logs = LogCapture::start();
    let err = c.send(&create()).await.expect_err("no reply");
    let logs = logs.finish();
    assert!(err.is_outcome_unknown(), "{err:?}");
    for field in [
        "payhub.call",
        "provider=\"gateway-recharge\"",
        "operation=\"create_order\"",
        "merchant=\"M1234567890\"",
        "order_no=ORD1234567890",
        "attempt=1",
        "outcome=\"outcome_unknown\"",
        "latency_ms=",
    ] {
        assert!(logs.contains(field), "{field} in {logs}");
    }
    assert!(!logs.contains(KEY), "{logs}");
}

#[tokio::test]
async fn a_query_ends_by_its_call_deadline_not_after_every_attempt_timed_out() {
    // Timeout 300 ms, 3 attempts, deadline 500 ms, a server that never replies: the call ends
    // at about 500 ms (before: 3 x 300 ms plus pauses).
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(3))]).await;
    let c = builder(&server.url)
        .timeout(Duration::from_millis(300))
        .call_deadline(Duration::from_millis(500))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&DepositQueryRequest::new("O1"))
        .await
        .expect_err("no reply");
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_millis(700), "{took:?}");
    assert_eq!(server.seen().len(), 2, "a retry ran in the time left");

    // A create is sent once, its timeout capped by the deadline, and stays OutcomeUnknown.
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(3))]).await;
    let c = builder(&server.url)
        .timeout(Duration::from_secs(2))
        .call_deadline(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c.send(&create()).await.expect_err("no reply");
    assert!(started.elapsed() < Duration::from_millis(600));
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(u.cause(), Error::Transport(t) if t.is_timeout()));
    assert_eq!(server.seen().len(), 1);
    let zero = builder(&server.url)
        .call_deadline(Duration::ZERO)
        .build()
        .expect_err("zero deadline");
    assert!(zero.to_string().contains("call_deadline"), "{zero}");
}

#[tokio::test]
async fn read_is_retried_after_5xx_then_succeeds() {
    let server = Server::start(vec![
        Reply::Respond(503, "text/html", b"<html>busy</html>".to_vec()),
        Reply::json(BALANCE_OK),
    ])
    .await;
    let b = client(&server).balance().await.expect("retried");
    assert_eq!(b.freeze.to_string(), "1000.0000");
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "one retry");
    assert_eq!(seen[0].body, seen[1].body, "the same bytes are resent");
}

#[tokio::test]
async fn read_gives_up_after_the_retry_budget() {
    let server = Server::start(vec![Reply::Respond(500, "text/plain", b"oops".to_vec())]).await;
    let err = client(&server)
        .send(&DepositQueryRequest::new("O1"))
        .await
        .expect_err("fails");
    assert!(
        matches!(&err, Error::Decode(d) if d.http_status() == Some(500)),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 3, "max_attempts = 3");
}

#[tokio::test]
async fn busy_codes_are_retried_for_reads_only() {
    let busy = r#"{"code":"429","msg":"slow down"}"#;
    let server = Server::start(vec![Reply::json(busy), Reply::json(BALANCE_OK)]).await;
    let c = builder(&server.url)
        .busy_codes(["429"])
        .build()
        .expect("client");
    c.balance().await.expect("retried past the busy code");
    assert_eq!(server.seen().len(), 2);

    let server = Server::start(vec![Reply::json(busy), Reply::json(CREATE_OK)]).await;
    let c = builder(&server.url)
        .busy_codes(["429"])
        .build()
        .expect("client");
    let err = c.send(&create()).await.expect_err("not retried");
    assert!(err.as_api().is_some_and(|a| a.is_busy()));
    assert_eq!(server.seen().len(), 1, "a create is never resent");
}

#[tokio::test]
async fn create_timeout_is_outcome_unknown_and_not_resent() {
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(3))]).await;
    let err = client(&server).send(&create()).await.expect_err("timeout");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("expected OutcomeUnknown, got {err:?}");
    };
    assert_eq!(u.order_no(), Some("ORD1234567890"));
    assert!(matches!(u.cause(), Error::Transport(t) if t.is_timeout()));
    assert!(err.to_string().contains("reconcile"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn create_reset_is_outcome_unknown_and_not_resent() {
    let server = Server::start(vec![Reply::Reset]).await;
    let err = client(&server).send(&create()).await.expect_err("reset");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn create_with_unreadable_2xx_or_5xx_is_outcome_unknown() {
    for reply in [
        Reply::json(r#"{"code":"0","msg":"","data":{"trade_no":"RR"#),
        Reply::Respond(502, "text/html", b"<html>bad gateway</html>".to_vec()),
    ] {
        let server = Server::start(vec![reply]).await;
        let err = client(&server).send(&create()).await.expect_err("unknown");
        let Error::OutcomeUnknown(u) = &err else {
            panic!("expected OutcomeUnknown, got {err:?}");
        };
        assert!(matches!(u.cause(), Error::Decode(_)));
        assert_eq!(server.seen().len(), 1);
    }
}

#[tokio::test]
async fn create_connection_refused_is_a_plain_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let err = builder(&url)
        .build()
        .expect("client")
        .send(&create())
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "the request never left, so the outcome is known: {err:?}"
    );
}

#[tokio::test]
async fn broken_replies_to_reads_are_typed() {
    let html = Reply::Respond(200, "text/html", b"<!doctype html><p>login</p>".to_vec());
    let truncated = Reply::json(r#"{"code":"0","msg":"","data":{"balance":"1"#);
    let big = Reply::json(&format!(
        r#"{{"code":"0","msg":"{}"}}"#,
        "x".repeat(70 * 1024)
    ));
    let no_length =
        Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"code\":".to_vec());
    let server = Server::start(vec![html, truncated, big, no_length]).await;
    let c = builder(&server.url)
        .retry_policy(RetryPolicy::none())
        .max_body_bytes(64 * 1024)
        .build()
        .expect("client");
    let e = c.balance().await.expect_err("html");
    assert!(
        matches!(&e, Error::Decode(d) if d.problem().contains("HTML")),
        "{e:?}"
    );
    let e = c.balance().await.expect_err("truncated");
    assert!(
        matches!(&e, Error::Decode(d) if d.problem().contains("truncated")),
        "{e:?}"
    );
    let e = c.balance().await.expect_err("oversize");
    assert!(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::BodyTooLarge),
        "{e:?}"
    );
    let e = c.balance().await.expect_err("cut short");
    assert!(matches!(&e, Error::Transport(_)), "{e:?}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start(vec![Reply::Raw(
        b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/\r\ncontent-length: 0\r\n\r\n"
            .to_vec(),
    )])
    .await;
    let c = builder(&server.url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let e = c.balance().await.expect_err("redirect");
    assert!(
        matches!(&e, Error::Transport(t) if t.kind() == TransportErrorKind::Redirect),
        "{e:?}"
    );
}

#[tokio::test]
async fn reconcile_queries_the_configured_path() {
    let server = Server::start(vec![Reply::json(QUERY_OK)]).await;
    let c = builder(&server.url)
        .reconcile_path("/gateway/order_query")
        .build()
        .expect("client");
    let q = c.reconcile("ORD20250425001").await.expect("reconciled");
    let q = q.into_found().expect("found");
    assert_eq!(q.order_no, "ORD20250425001");
    let seen = server.seen();
    assert_eq!(seen[0].path, "/gateway/order_query");
    let body = CanonicalParams::from_json_object(&seen[0].body).expect("body");
    assert_eq!(body.get("order_no"), Some("ORD20250425001"));
}

#[tokio::test]
async fn raw_reads_are_retried_and_raw_writes_are_not() {
    let server = Server::start(vec![
        Reply::Respond(503, "text/plain", b"busy".to_vec()),
        Reply::json(r#"{"code":"0","msg":"","data":{}}"#),
    ])
    .await;
    let c = client(&server);
    let read = RawRequest::new("/merchant/payout_query", [("order_no", "P1")])
        .idempotency(Idempotency::Safe);
    c.send(&read).await.expect("retried read");
    assert_eq!(server.seen().len(), 2);

    let server = Server::start(vec![Reply::Respond(503, "text/plain", b"busy".to_vec())]).await;
    let err = client(&server)
        .send_raw("/merchant/payout", [("order_no", "P1")])
        .await
        .expect_err("unknown");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn reply_signature_checks_when_enabled() {
    let mut data = CanonicalParams::new();
    data.push("balance", "1.0000");
    data.push("freeze", "0.0000");
    let good = sign::sign(&data, &sign::signer(KEY.into()));
    let signed = format!(
        r#"{{"code":"0","msg":"","data":{{"balance":"1.0000","freeze":"0.0000","sign":"{good}"}}}}"#
    );
    let forged = signed.replace("1.0000", "9.0000");
    let server = Server::start(vec![
        Reply::json(&signed),
        Reply::json(&forged),
        Reply::json(BALANCE_OK),
    ])
    .await;
    let c = builder(&server.url)
        .reply_signature(ReplySignature::Require)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    c.balance().await.expect("signed reply verifies");
    assert!(matches!(c.balance().await, Err(Error::Signature(_))));
    assert!(matches!(c.balance().await, Err(Error::Signature(s)) if s.problem() == "is missing"));
}

#[tokio::test]
async fn validation_errors_send_nothing() {
    let server = Server::start(vec![Reply::json(CREATE_OK)]).await;
    let bad = CreateOrderRequest::new(
        "ORD1",
        Decimal::new(1005, 3),
        "r",
        "u",
        "1.2.3.4",
        "https://a.example/",
        "https://a.example/",
    );
    let err = client(&server).send(&bad).await.expect_err("invalid");
    let v = err.as_validation().expect("validation");
    assert_eq!(v.field(), "amount");
    assert!(v.rule().contains("two decimal places"), "{v}");
    assert!(server.seen().is_empty());
}

#[test]
fn builder_refuses_bad_configuration() {
    let cases = [
        (
            Client::builder("", "k").base_url("https://a.example"),
            "merchant_no",
        ),
        (
            Client::builder("M1", "").base_url("https://a.example"),
            "key",
        ),
        (Client::builder("M1", "k"), "base_url"),
        (
            Client::builder("M1", "k").base_url("http://winpay.example"),
            "base_url",
        ),
        (
            Client::builder("M1", "k")
                .base_url("https://a.example")
                .reconcile_path("no-slash"),
            "reconcile_path",
        ),
    ];
    for (b, setting) in cases {
        match b.build() {
            Err(Error::Config(c)) => assert_eq!(c.setting(), setting, "{c}"),
            other => panic!("{setting}: expected a config error, got {other:?}"),
        }
    }
    let vars = [
        (gateway_recharge::ENV_BASE_URL, "http://127.0.0.1:9"),
        (gateway_recharge::ENV_MERCHANT_NO, " M1 "),
        (gateway_recharge::ENV_KEY, "k"),
    ];
    let lookup = |skip: &'static str| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name && *k != skip)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let c = ClientBuilder::from_vars(lookup(""))
        .expect("all set")
        .build()
        .expect("client");
    assert_eq!(c.merchant_no(), "M1", "trimmed");
    for (name, _) in vars {
        match ClientBuilder::from_vars(lookup(name)) {
            Err(Error::Config(c)) => assert_eq!(c.setting(), name),
            other => panic!("{name}: expected a config error, got {other:?}"),
        }
    }
    if std::env::var_os(gateway_recharge::ENV_BASE_URL).is_none() {
        match Client::from_env() {
            Err(Error::Config(c)) => assert_eq!(c.setting(), "GATEWAY_RECHARGE_BASE_URL"),
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn truncated_reply_to_a_read_is_retried() {
    let server = Server::start(vec![
        Reply::json(r#"{"code":"0","msg":"","data":{"bal"#),
        Reply::json(BALANCE_OK),
    ])
    .await;
    client(&server).balance().await.expect("retried");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn client_is_send_sync_and_its_futures_can_be_spawned() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<gateway_recharge::notify::NotifyVerifier>();
    let server = Server::start(vec![Reply::json(BALANCE_OK), Reply::json(CREATE_OK)]).await;
    let c = client(&server);
    let c2 = c.clone();
    let balance = tokio::spawn(async move { c2.balance().await })
        .await
        .expect("task");
    assert!(balance.is_ok());
    let order = tokio::spawn(async move { c.send(&create()).await })
        .await
        .expect("task");
    assert!(order.is_ok());
}

/// A 404 / 405 that is not WinPay's envelope (an HTML page, an empty body, another server's
/// JSON): the URL has no route, so the create was not executed. A configuration error on
/// `base_url` naming the full URL, sent once, never "outcome unknown".
#[tokio::test]
async fn create_answered_404_or_405_without_the_envelope_is_a_config_error_naming_the_url() {
    let cases = [
        Reply::Respond(
            404,
            "text/html",
            b"<html><h1>404 Not Found</h1></html>".to_vec(),
        ),
        Reply::Respond(405, "text/plain", Vec::new()),
        Reply::Respond(
            404,
            "application/json",
            br#"{"error":"not_found"}"#.to_vec(),
        ),
    ];
    for reply in cases {
        let server = Server::start(vec![reply.clone()]).await;
        let err = client(&server).send(&create()).await.expect_err("no route");
        assert!(!err.is_outcome_unknown(), "{reply:?}: {err:?}");
        assert!(!err.is_retryable(), "{reply:?}: {err:?}");
        let Error::Config(c) = &err else {
            panic!("{reply:?}: {err:?}")
        };
        assert_eq!(c.setting(), "base_url");
        let text = err.to_string();
        assert!(
            text.contains(&format!("POST {}/gateway/recharge", server.url)),
            "{text}"
        );
        assert!(text.contains("check base_url"), "{text}");
        assert_eq!(server.seen().len(), 1, "sent once");
    }
}

/// WinPay's own envelope on a 404 stays WinPay's answer.
#[tokio::test]
async fn a_404_with_winpays_envelope_is_its_api_error() {
    let server = Server::start(vec![Reply::Respond(
        404,
        "application/json",
        br#"{"code":"1000","msg":"no route"}"#.to_vec(),
    )])
    .await;
    let err = client(&server).send(&create()).await.expect_err("api");
    assert!(
        matches!(&err, Error::Api(a) if a.code().as_str() == "1000"),
        "{err:?}"
    );
}
