//! Round trips against a real server on 127.0.0.1: every endpoint's success, provider errors,
//! retries of reads, creates that are never resent, and broken replies.

use paydesk::api::{
    BalanceRequest, BankListRequest, Order, OrderKind, PayDeskQueryRequest, PayDeskRequest,
    PayInBankListRequest, PayInQueryRequest, PayInRequest, PayOutQueryRequest, PayOutRequest,
    Payee, RawRequest,
};
use paydesk::error::{ApiErrorCode, TransportErrorKind};
use paydesk::types::{AccountType, PayInStatus, PayOutStatus, PayType};
use paydesk::{Client, Error, Reconciliation};

use std::time::{Duration, Instant};

use paydesk::RetryPolicy;
use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;

use crate::MERCHANT;
use crate::support::{Reply, Seen, Server};

fn pay_desk(mch: &str) -> PayDeskRequest {
    PayDeskRequest::new(
        mch,
        "TZS",
        Decimal::from(1000),
        "https://merchant.com/webhooks",
    )
    .mobile_money_phone("721323213")
    .real_name("Jeck")
    .phone("255700000001")
    .email("example@maildomain.com")
    .remark("remark")
}

fn pay_in(mch: &str) -> PayInRequest {
    PayInRequest::new(
        mch,
        "TZS",
        Decimal::from(20_000),
        PayType::TZ_PAY_LINK,
        "https://m.example/cb",
    )
    .mobile_money_phone("7472512345")
    .real_name("jack")
    .phone("747258206")
    .email("jack@gmail.com")
    .remark("xxxxx")
}

fn pay_out(mch: &str) -> PayOutRequest {
    let payee = Payee::new("jack", "713512345", AccountType::TZ_TIGO);
    PayOutRequest::new(
        mch,
        "TZS",
        Decimal::from(30_000),
        payee,
        "https://m.example/po",
    )
    .remark("r")
}

/// The one request the server saw, checked for path, headers and a signature over the bytes
/// actually received.
#[track_caller]
fn only(server: &Server, path: &str) -> Seen {
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "exactly one request: {seen:?}");
    let s = seen.into_iter().next().expect("one");
    assert_eq!((s.method.as_str(), s.path.as_str()), ("POST", path));
    assert_eq!(s.header("MerchantId"), Some(MERCHANT.to_string().as_str()));
    assert_eq!(s.header("Content-Type"), Some("application/json"));
    assert!(s.signature_ok(), "Sign matches the bytes received");
    s
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let server = Server::start(vec![
        ("/api/payDesk", vec![Reply::ok(r#"{"merchantId":"1002001","mchOrderNo":"M1","orderNo":"PAYDESK1","payUrl":"https://pay.example/PAYDESK1","amount":"1000","expireTime":"2022-12-06 17:48:40"}"#)]),
        ("/api/payDeskQuery", vec![Reply::ok(r#"{"orderNo":"PAYDESK1","amount":"1000","orderStatus":"PAYING","completionTime":null}"#)]),
        ("/api/payIn", vec![Reply::ok(r#"{"orderNo":"PAYIN1","amount":20000,"orderFee":300}"#)]),
        ("/api/payInQuery", vec![Reply::ok(r#"{"orderNo":"PAYIN1","amount":"20000.00","fee":"300.0000","orderStatus":"SUCCESS"}"#)]),
        ("/api/payOut", vec![Reply::ok(r#"{"orderNo":"PAYOUT1","amount":"30000","fee":"1","orderStatus":"PROCESSING"}"#)]),
        ("/api/payOutQuery", vec![Reply::ok(r#"{"orderNo":"PAYOUT1","amount":30000,"orderStatus":"CANCEL","resultDesc":"UNKNOWN_ERROR"}"#)]),
        ("/api/getBalance", vec![Reply::ok(r#"{"mchId":"1002001","balance":133334.0,"unBalance":2437828.0}"#)]),
        ("/api/bankListQuery", vec![Reply::ok(r#"[{"bankId":1,"bankCode":"B1","bankName":"Bank 1"}]"#)]),
        ("/api/payInBankListQuery", vec![Reply::ok(r#"[{"bankCode":"BCA"}]"#)]),
    ])
    .await;
    let c = server.client();
    let d = c.send(&pay_desk("M1")).await.expect("payDesk");
    assert_eq!(
        (d.order_no.as_str(), d.pay_url.as_deref()),
        ("PAYDESK1", Some("https://pay.example/PAYDESK1"))
    );
    let dq = c
        .send(&PayDeskQueryRequest::by_order_no("PAYDESK1"))
        .await
        .expect("payDeskQuery");
    assert_eq!(dq.status, PayInStatus::Paying);
    let i = c.send(&pay_in("M2")).await.expect("payIn");
    assert_eq!(i.order_fee, Some(Decimal::from(300)));
    let iq = c
        .send(&PayInQueryRequest::by_mch_order_no("M2"))
        .await
        .expect("payInQuery");
    assert!(iq.status.is_final() && iq.status.is_success());
    assert_eq!(iq.fee.map(|f| f.to_string()).as_deref(), Some("300.0000"));
    let o = c.send(&pay_out("M3")).await.expect("payOut");
    assert_eq!(o.status, Some(PayOutStatus::Processing));
    let oq = c
        .send(&PayOutQueryRequest::by_order_no("PAYOUT1"))
        .await
        .expect("payOutQuery");
    assert_eq!(oq.status, PayOutStatus::Cancel);
    let b = c.send(&BalanceRequest::new()).await.expect("getBalance");
    assert_eq!(b.balance.to_string(), "133334.0");
    let banks = c
        .send(&BankListRequest::new())
        .await
        .expect("bankListQuery");
    assert_eq!(banks.banks[0].bank_code, "B1");
    let pbanks = c
        .send(&PayInBankListRequest::new())
        .await
        .expect("payInBankListQuery");
    assert_eq!(pbanks.banks[0].bank_code.as_deref(), Some("BCA"));
    let seen = server.seen();
    assert_eq!(seen.len(), 9, "one request per call");
    for s in &seen {
        assert!(
            s.signature_ok(),
            "{}: Sign matches the bytes received",
            s.path
        );
        let body: serde_json::Value = serde_json::from_slice(&s.body).expect("JSON body");
        let nonce = body["nonceStr"].as_str().expect("nonceStr drawn");
        assert_eq!(nonce.len(), 32, "{}: default nonce", s.path);
    }
}

#[tokio::test]
async fn api_error_keeps_code_message_and_body_and_is_not_retried() {
    let server = Server::start(vec![(
        "/api/payDesk",
        vec![Reply::api_error("Params_mchOrderNo_repeat")],
    )])
    .await;
    let err = server
        .client()
        .send(&pay_desk("M1"))
        .await
        .expect_err("refused");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.error_code(), &ApiErrorCode::ParamsMchOrderNoRepeat);
    assert_eq!(
        (api.code(), api.message()),
        (Some("500"), "Params_mchOrderNo_repeat")
    );
    assert!(String::from_utf8_lossy(api.body()).contains("Params_mchOrderNo_repeat"));
    only(&server, "/api/payDesk");
}

/// The payee's and payer's personal data in the refused payout below.
const PERSONAL: [&str; 4] = [
    "Zawadi Mwakilema",
    "998877665544",
    "255711223344",
    "zawadi.payer@example.org",
];

#[tokio::test]
async fn signature_rejection_shows_what_was_signed() {
    let server = Server::start(vec![
        ("/api/payOut", vec![Reply::api_error("Sign_verify_error")]),
        (
            "/api/getBalance",
            vec![Reply::api_error("Merchant_not_enabled")],
        ),
    ])
    .await;
    let client = server.client();
    let payout = PayOutRequest::new(
        "M-SIG-1",
        "TZS",
        Decimal::from(30_000),
        Payee::new(PERSONAL[0], PERSONAL[1], AccountType::TZ_TIGO),
        "https://m.example/po",
    )
    .phone(PERSONAL[2])
    .email(PERSONAL[3])
    .remark("r");
    let logs = LogCapture::start();
    let err = client.send(&payout).await.expect_err("refused");
    let logs = logs.finish();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert!(api.is_signature_rejected());
    // What was signed is exactly the body the server received, plus the masked apiKey: on
    // explicit request, in full.
    let received = only(&server, "/api/payOut").body;
    let expected = format!("{}***", String::from_utf8(received).expect("utf-8"));
    let explained = api.signed().expect("the error carries what was signed");
    assert_eq!(explained.signed_string(), expected);
    for value in PERSONAL {
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
        for value in PERSONAL {
            assert!(!text.contains(value), "{what} leaks {value}: {text}");
        }
        for field in ["accountName[16]", "accountNo[12]", "phone[12]", "email[24]"] {
            assert!(text.contains(field), "{what} names {field}: {text}");
        }
        assert!(!text.contains(crate::KEY), "no apiKey in {what}");
        assert!(text.contains(&explained.digest_prefix()), "{what}: {text}");
    }
    assert!(
        shown.contains(&format!("; signed: {}", explained.redacted())),
        "{shown}"
    );

    // Another refusal keeps the explanation for code but does not print it.
    let err = client
        .send(&BalanceRequest::new())
        .await
        .expect_err("refused");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert!(!api.is_signature_rejected());
    assert!(api.signed().is_some());
    assert!(!err.to_string().contains("signed:"), "{err}");
}

#[tokio::test]
async fn a_query_ends_by_its_call_deadline_not_after_every_attempt_timed_out() {
    // Timeout 300 ms, 3 attempts, deadline 500 ms, a server that never replies: the call ends
    // at about 500 ms (before: 3 x 300 ms plus pauses).
    let server = Server::start(vec![("/api/payInQuery", vec![Reply::Hang])]).await;
    let client = Client::builder(MERCHANT, crate::KEY)
        .base_url(server.base())
        .timeout(Duration::from_millis(300))
        .call_deadline(Duration::from_millis(500))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client
        .send(&PayInQueryRequest::by_order_no("PAYIN1"))
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
    let server = Server::start(vec![("/api/payOut", vec![Reply::Hang])]).await;
    let client = Client::builder(MERCHANT, crate::KEY)
        .base_url(server.base())
        .timeout(Duration::from_secs(2))
        .call_deadline(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.send(&pay_out("M-DL-1")).await.expect_err("no reply");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(u.cause(), Error::Transport(t) if t.is_timeout()));
    assert_eq!(server.seen().len(), 1);
    let zero = Client::builder(MERCHANT, crate::KEY)
        .base_url(server.base())
        .call_deadline(Duration::ZERO)
        .build()
        .expect_err("zero deadline");
    assert!(zero.to_string().contains("call_deadline"), "{zero}");
}

#[tokio::test]
async fn read_is_retried_after_5xx_and_busy() {
    let ok = Reply::ok(r#"{"orderNo":"PAYIN1","amount":"1","orderStatus":"SUCCESS"}"#);
    let server = Server::start(vec![(
        "/api/payInQuery",
        vec![
            Reply::Body(502, "text/html", "<html>bad gateway</html>".into()),
            Reply::api_error("System_busy"),
            ok,
        ],
    )])
    .await;
    let r = server
        .client()
        .send(&PayInQueryRequest::by_order_no("PAYIN1"))
        .await
        .expect("third try");
    assert!(r.status.is_success());
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(Seen::signature_ok));
}

#[tokio::test]
async fn read_gives_up_after_the_policy() {
    let server = Server::start(vec![(
        "/api/getBalance",
        vec![Reply::Json(
            503,
            r#"{"code":503,"msg":"System_Maintenance"}"#.into(),
        )],
    )])
    .await;
    let err = server
        .client()
        .send(&BalanceRequest::new())
        .await
        .expect_err("still down");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::SystemMaintenance));
    assert_eq!(server.seen().len(), 3, "max_attempts(3)");
}

#[tokio::test]
async fn read_reset_is_retried_then_reported() {
    let server = Server::start(vec![("/api/payOutQuery", vec![Reply::Reset])]).await;
    let err = server
        .client()
        .send(&PayOutQueryRequest::by_order_no("PAYOUT1"))
        .await
        .expect_err("reset");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Io);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn create_timeout_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![("/api/payOut", vec![Reply::Hang])]).await;
    let err = server
        .client()
        .send(&pay_out("PO-1"))
        .await
        .expect_err("timeout");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (u.kind(), u.mch_order_no()),
        (Some(OrderKind::PayOut), Some("PO-1"))
    );
    assert!(
        matches!(u.cause(), Error::Transport(t) if t.is_timeout()),
        "{u:?}"
    );
    only(&server, "/api/payOut");
}

#[tokio::test]
async fn create_reset_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![("/api/payIn", vec![Reply::Reset])]).await;
    let err = server
        .client()
        .send(&pay_in("PI-1"))
        .await
        .expect_err("reset");
    assert!(
        matches!(&err, Error::OutcomeUnknown(u) if u.kind() == Some(OrderKind::PayIn)),
        "{err:?}"
    );
    only(&server, "/api/payIn");
}

#[tokio::test]
async fn create_with_unreadable_replies_is_outcome_unknown() {
    let cases = [
        Reply::Body(200, "text/html", "<html><body>Welcome to nginx</body></html>".into()),
        Reply::Json(200, r#"{"msg":"SUCCESS","code":200,"data":{"orderNo":"PAY"#.into()),
        Reply::Json(200, "x".repeat(64 * 1024)),
        Reply::Raw(b"HTTP/1.1 302 Found\r\nlocation: https://elsewhere.example/\r\ncontent-length: 0\r\n\r\n".to_vec()),
        Reply::api_error("System_error"),
    ];
    for reply in cases {
        let server = Server::start(vec![("/api/payDesk", vec![reply.clone()])]).await;
        let client = Client::builder(MERCHANT, crate::KEY)
            .base_url(server.base())
            .max_body_bytes(32 * 1024)
            .build()
            .expect("client");
        let err = client.send(&pay_desk("M9")).await.expect_err("unreadable");
        let Error::OutcomeUnknown(u) = &err else {
            panic!("{reply:?}: {err:?}")
        };
        assert_eq!(u.mch_order_no(), Some("M9"));
        only(&server, "/api/payDesk");
    }
}

#[tokio::test]
async fn read_with_broken_replies_gives_typed_errors() {
    // HTML at 200, truncated JSON and an oversize body are not retried: they will not improve.
    let html = Reply::Body(
        200,
        "text/html",
        "<!doctype html><p>captive portal</p>".into(),
    );
    let truncated = Reply::Json(200, r#"{"msg":"SUCCESS","code":200,"da"#.into());
    let huge = Reply::Json(
        200,
        format!(
            r#"{{"code":200,"msg":"SUCCESS","data":"{}"}}"#,
            "x".repeat(40_000)
        ),
    );
    // A garbled reply (an HTML page, a body cut short) is retried for a read, three attempts by
    // default; an oversize body is a limit, not a glitch, and is not.
    for (reply, expect) in [(html, "decode"), (truncated, "decode"), (huge, "too large")] {
        let attempts = if expect == "decode" { 3 } else { 1 };
        let server = Server::start(vec![("/api/payDeskQuery", vec![reply; attempts])]).await;
        let client = Client::builder(MERCHANT, crate::KEY)
            .base_url(server.base())
            .max_body_bytes(16 * 1024)
            .build()
            .expect("client");
        let err = client
            .send(&PayDeskQueryRequest::by_order_no("PAYDESK1"))
            .await
            .expect_err("broken");
        match (&err, expect) {
            (Error::Decode(d), "decode") => {
                assert_eq!(d.http_status(), Some(200));
                assert!(d.reason().contains("JSON"), "{d}");
            }
            (Error::Transport(t), "too large") => {
                assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge)
            }
            _ => panic!("{expect}: {err:?}"),
        }
        assert_eq!(server.seen().len(), attempts, "{expect}: attempts");
    }
}

#[tokio::test]
async fn create_refused_connection_is_a_plain_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let client = Client::builder(MERCHANT, crate::KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .expect("client");
    let err = client.send(&pay_desk("M1")).await.expect_err("refused");
    let Error::Transport(t) = &err else {
        panic!("not sent, so not unknown: {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert!(!t.outcome_unknown());
}

#[tokio::test]
async fn reconcile_finds_or_rules_out_the_order() {
    let server = Server::start(vec![
        ("/api/payDeskQuery", vec![Reply::ok(r#"{"mchOrderNo":"M1","orderNo":"PAYDESK1","amount":"1000","orderStatus":"SUCCESS"}"#)]),
        ("/api/payInQuery", vec![Reply::api_error("Params_mchOrderNo_notExist")]),
        ("/api/payOutQuery", vec![Reply::api_error("Params_order_notExist")]),
    ])
    .await;
    let c = server.client();
    match c.reconcile(OrderKind::Cashier, "M1").await.expect("found") {
        Reconciliation::Found(Order::Cashier(q)) => assert!(q.status.is_success()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.reconcile(OrderKind::PayIn, "M2").await.expect("absent"),
        Reconciliation::NotFound
    );
    assert_eq!(
        c.reconcile(OrderKind::PayOut, "M3").await.expect("absent"),
        Reconciliation::NotFound
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json");
    assert_eq!(body["mchOrderNo"], "M2");
}

#[tokio::test]
async fn raw_request_round_trips_its_bytes() {
    let server = Server::start(vec![(
        "/api/getBalance",
        vec![Reply::ok(r#"{"balance":"1.5","unBalance":"0"}"#)],
    )])
    .await;
    let body = br#"{"nonceStr": "4190026990"}"#;
    let reply = server
        .client()
        .send_raw(&RawRequest::new("/api/getBalance", body.to_vec()).read_only())
        .await
        .expect("raw");
    assert_eq!(reply.data.get(), r#"{"balance":"1.5","unBalance":"0"}"#);
    let seen = only(&server, "/api/getBalance");
    assert_eq!(seen.body, body);
    assert_eq!(
        seen.header("Sign"),
        Some("57DAD973D1FDDA575031F5D53A8BDB09")
    );
}

/// A 404 / 405 that is not Cashy's envelope (an HTML page, an empty body, another server's
/// JSON): the URL has no route, so the create was not executed. A configuration error on
/// `base_url` naming the full URL, sent once, never "outcome unknown".
#[tokio::test]
async fn create_answered_404_or_405_without_the_envelope_is_a_config_error_naming_the_url() {
    let cases = [
        Reply::Body(
            404,
            "text/html",
            "<html><h1>404 Not Found</h1></html>".into(),
        ),
        Reply::Body(405, "text/plain", String::new()),
        Reply::Json(404, r#"{"error":"not_found","detail":"no route"}"#.into()),
    ];
    for reply in cases {
        let server = Server::start(vec![("/api/payDesk", vec![reply.clone()])]).await;
        let err = server
            .client()
            .send(&pay_desk("PD-404"))
            .await
            .expect_err("no route");
        assert!(!err.is_outcome_unknown(), "{reply:?}: {err:?}");
        assert!(!err.is_retryable(), "{reply:?}: {err:?}");
        let Error::Config(c) = &err else {
            panic!("{reply:?}: {err:?}")
        };
        assert_eq!(c.setting(), "base_url");
        let text = err.to_string();
        let url = format!("{}/api/payDesk", server.base());
        assert!(text.contains(&format!("POST {url}")), "{text}");
        assert!(text.contains("check base_url"), "{text}");
        only(&server, "/api/payDesk");
    }
}

/// A read to a route that does not exist is not retried either.
#[tokio::test]
async fn query_answered_404_without_the_envelope_is_a_config_error_and_not_retried() {
    let server = Server::start(vec![(
        "/api/payOutQuery",
        vec![Reply::Body(404, "text/html", "<h1>Not Found</h1>".into())],
    )])
    .await;
    let err = server
        .client()
        .send(&PayOutQueryRequest::by_order_no("PAYOUT1"))
        .await
        .expect_err("no route");
    assert!(
        matches!(&err, Error::Config(c) if c.setting() == "base_url"),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 1, "not retried");
}

/// Cashy's own envelope on a 404 stays Cashy's answer.
#[tokio::test]
async fn a_404_with_cashys_envelope_is_its_api_error() {
    let server = Server::start(vec![(
        "/api/payDesk",
        vec![Reply::Json(
            404,
            r#"{"code":404,"msg":"Request_path_notExist","data":null}"#.into(),
        )],
    )])
    .await;
    let err = server
        .client()
        .send(&pay_desk("PD-404E"))
        .await
        .expect_err("api");
    assert!(
        matches!(&err, Error::Api(a) if a.message() == "Request_path_notExist"),
        "{err:?}"
    );
}
