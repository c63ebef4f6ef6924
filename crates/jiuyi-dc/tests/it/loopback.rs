//! Round trips against a real loopback server: every endpoint, API errors, retries of reads,
//! creates never resent, unreadable replies and oversize bodies.

#![allow(deprecated)] // The retired list endpoints are exercised too.

use std::time::{Duration, Instant};

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::CardQueryCardDetailRequest;
use jiuyi_dc::api::CardQueryCardListRequest;
use jiuyi_dc::api::CardQueryCardRequest;
use jiuyi_dc::api::CardQueryOrderRequest;
use jiuyi_dc::api::ConfirmOrderRequest;
use jiuyi_dc::api::DrawOrderRequest;
use jiuyi_dc::api::Operation;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardCategoryRequest;
use jiuyi_dc::api::QueryCardInfoRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryCardRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::error::{ApiCode, DecodeErrorKind};
use jiuyi_dc::types::{CardOrderStatus, OrderStatus};
use jiuyi_dc::{Client, Error};
use payhub_runtime::TransportErrorKind;
use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;

use crate::support::{
    APPID, Behaviour, SECRET, Server, builder, client, independent_canonical, independent_sign,
};

/// Sends `req` to a server that answers `reply`, checks what the server received (path, content
/// type, signature recomputed independently) and returns the result.
async fn round_trip<O: Operation>(req: &O, reply: &str) -> O::Response {
    let server = Server::always(Behaviour::json(reply)).await;
    let out = client(&server.base).send(req).await.expect("success");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, O::PATH);
    assert_eq!(
        seen[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let fields = seen[0].fields();
    assert_eq!(seen[0].field("appid").as_deref(), Some(APPID));
    let sign = seen[0].field("sign").expect("sign sent");
    assert_eq!(sign, independent_sign(&fields, O::UNSIGNED_FIELDS));
    out
}

#[tokio::test]
async fn every_endpoint_succeeds() {
    let pay = round_trip(
        &PayRequest::new("43", "13800138000", "JY1").notify_url("https://m.test/n"),
        r#"{"code":1,"msg":"下单成功","result":"API2022040622185551647","other":{"price":"12.0"}}"#,
    )
    .await;
    assert_eq!(pay.order_id, "API2022040622185551647");
    assert_eq!(pay.price, Some(Decimal::new(120, 1)));

    let order = round_trip(
        &QueryOrderRequest::by_out_order_id("JY1"),
        r#"{"code":1,"msg":"ok","result":{"order_id":"API1","out_order_id":"JY1","price":"10.10","status":4}}"#,
    )
    .await;
    assert_eq!(order.status, OrderStatus::Completed);

    let cash = round_trip(
        &QueryCashRequest::new(),
        r#"{"code":1,"msg":"ok","result":"348.70"}"#,
    )
    .await;
    assert_eq!(cash.yuan.to_string(), "348.70");

    let drawn = round_trip(
        &DrawOrderRequest::by_order_id("API1"),
        r#"{"code":1,"msg":"下架成功","result":{"order_id":"API1","productId":"43","price":930}}"#,
    )
    .await;
    assert_eq!(drawn.product_id.as_deref(), Some("43"));

    let confirmed = round_trip(
        &ConfirmOrderRequest::new("API1"),
        r#"{"code":1,"msg":"确认收货成功","result":null}"#,
    )
    .await;
    assert_eq!(confirmed.message, "确认收货成功");

    let cats = round_trip(
        &QueryCardCategoryRequest::new(),
        r#"{"code":1,"msg":"ok","result":[{"id":1,"name":"视频","logo":"l"}]}"#,
    )
    .await;
    assert_eq!(cats.len(), 1);

    let list = round_trip(
        &QueryCardListRequest::new()
            .page(1, 20)
            .keyword("视频")
            .pid("7"),
        r#"{"code":1,"msg":"ok","result":{"list":[{"id":43,"price":"19.80"}],"total":1}}"#,
    )
    .await;
    assert_eq!((list.items.len(), list.total), (1, Some(1)));

    let info = round_trip(
        &QueryCardInfoRequest::new("43"),
        r#"{"code":1,"msg":"ok","result":{"id":43,"avg":"35"}}"#,
    )
    .await;
    assert_eq!(info.avg_seconds, Some(35));

    let old = round_trip(
        &QueryCardRequest::new().keyword("k"),
        r#"{"code":1,"msg":"ok","result":[{"id":7,"list":[{"id":43}]}]}"#,
    )
    .await;
    assert_eq!(old[0].products[0].id, "43");

    let cards = round_trip(
        &CardPayOrderRequest::new("43", 1, "C1"),
        r#"{"code":1,"msg":"ok","result":[{"order_id":"K1","card_num":"n","card_pass":"p","money":"4.20","status":3}]}"#,
    )
    .await;
    assert_eq!(cards.cards[0].status, CardOrderStatus::Completed);
    assert_eq!(
        cards.cards[0].card_pass.as_ref().map(|p| p.expose()),
        Some("p")
    );

    let card_order = round_trip(
        &CardQueryOrderRequest::new("C1"),
        r#"{"code":1,"msg":"ok","result":[{"order_id":"K1","status":6}]}"#,
    )
    .await;
    assert_eq!(card_order[0].status, CardOrderStatus::Cancelled);

    let card_list = round_trip(
        &CardQueryCardListRequest::new().page(1, 50).id("43"),
        r#"{"code":1,"msg":"ok","result":[{"id":43,"num":3}]}"#,
    )
    .await;
    assert_eq!(card_list.items[0].stock, Some(3));

    let detail = round_trip(
        &CardQueryCardDetailRequest::new("43"),
        r#"{"code":1,"msg":"ok","result":{"id":43,"priceList":[{"price":"98.50"}]}}"#,
    )
    .await;
    assert_eq!(detail.price_list.len(), 1);

    let old_cards = round_trip(
        &CardQueryCardRequest::new(),
        r#"{"code":1,"msg":"ok","result":[{"id":1,"list":[{"id":43}]}]}"#,
    )
    .await;
    assert_eq!(old_cards[0].products.len(), 1);
}

#[tokio::test]
async fn api_error_keeps_code_message_and_body() {
    let body = r#"{"code":0,"msg":"余额不足","result":null}"#;
    let server = Server::always(Behaviour::json(body)).await;
    let err = client(&server.base)
        .send(&QueryCashRequest::new())
        .await
        .expect_err("api error");
    let Error::Api(api) = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(api.code(), &ApiCode::Failure);
    assert_eq!(api.message(), "余额不足");
    assert_eq!(api.raw_body(), body.as_bytes());
    assert_eq!(err.api_message(), Some("余额不足"));
    // A refusal is not retried.
    assert_eq!(server.requests().len(), 1);
}

/// The recharged account: the user's email here (as sent, and as signed: urlencoded).
const ACCOUNT: &str = "wang.fang@example.org";
const ACCOUNT_ENCODED: &str = "wang.fang%40example.org";

#[tokio::test]
async fn signature_rejection_shows_what_was_signed() {
    // dcapi refuses every request with `code: 0`; the message says it was the signature.
    let server = Server::sequence(vec![
        Behaviour::json(r#"{"code":0,"msg":"签名错误"}"#),
        Behaviour::json(r#"{"code":0,"msg":"余额不足","result":null}"#),
    ])
    .await;
    let c = client(&server.base);
    let pay = PayRequest::new("43", ACCOUNT, "JY-SIG-1")
        .notify_url("https://m.test/n?a=1 b~")
        .stock_check(true);
    let logs = LogCapture::start();
    let err = c.send(&pay).await.expect_err("refused");
    let logs = logs.finish();
    let Error::Api(api) = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert!(api.is_signature_rejected());

    // What was signed is exactly the form the server received (less `sign`, empty and unsigned
    // fields), urlencoded, plus the masked secret.
    let seen = &server.requests()[0];
    let fields = seen.fields();
    assert_eq!(
        seen.field("check").as_deref(),
        Some("1"),
        "sent, not signed"
    );
    let expected = format!(
        "{}&appsecret=***",
        independent_canonical(&fields, PayRequest::UNSIGNED_FIELDS)
    );
    assert!(
        expected.contains("notify_url=https%3A%2F%2Fm.test%2Fn%3Fa%3D1+b%7E"),
        "{expected}"
    );
    assert!(!expected.contains("check="), "{expected}");
    let explained = api.signed().expect("the error carries what was signed");
    assert_eq!(explained.signed_string(), expected);
    // On explicit request, in full.
    assert!(explained.to_string().contains(ACCOUNT_ENCODED));
    // Display, Debug and every log line name the fields and their lengths, never a value.
    let shown = err.to_string();
    let debug = format!("{err:?} {err:#?}");
    assert!(logs.contains("call failed"), "the capture works: {logs}");
    for (what, text) in [("Display", &shown), ("Debug", &debug), ("logs", &logs)] {
        for value in [ACCOUNT, ACCOUNT_ENCODED, "wang.fang"] {
            assert!(!text.contains(value), "{what} leaks {value}: {text}");
        }
        let named = format!("account[{}]", ACCOUNT.chars().count());
        assert!(text.contains(&named), "{what} names {named}: {text}");
        assert!(
            text.contains("skipped check (unsigned field of this endpoint)"),
            "{what}: {text}"
        );
        assert!(!text.contains(SECRET), "no appsecret in {what}: {text}");
        assert!(text.contains(&explained.digest_prefix()), "{what}: {text}");
    }
    assert!(
        shown.ends_with(&format!("; signed: {}", explained.redacted())),
        "{shown}"
    );

    // Another refusal keeps the explanation for code but does not print it.
    let err = c.send(&QueryCashRequest::new()).await.expect_err("refused");
    let Error::Api(api) = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert!(!api.is_signature_rejected());
    assert!(api.signed().is_some());
    assert!(!err.to_string().contains("signed:"), "{err}");
    assert_eq!(server.requests().len(), 2, "refusals are not retried");
}

#[tokio::test]
async fn a_query_ends_by_its_call_deadline_not_after_every_attempt_timed_out() {
    // Timeout 300 ms, 3 attempts, deadline 500 ms, a server that never replies: the call ends
    // at about 500 ms (before: 3 x 300 ms plus pauses).
    let server = Server::always(Behaviour::Hang).await;
    let c = builder(&server.base)
        .timeout(Duration::from_millis(300))
        .call_deadline(Duration::from_millis(500))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&QueryCashRequest::new())
        .await
        .expect_err("no reply");
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_millis(700), "{took:?}");
    assert_eq!(server.requests().len(), 2, "a retry ran in the time left");

    // A create is sent once, its timeout capped by the deadline, and stays OutcomeUnknown.
    let server = Server::always(Behaviour::Hang).await;
    let c = builder(&server.base)
        .timeout(Duration::from_secs(2))
        .call_deadline(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&PayRequest::new("43", "13800138000", "JY-DL-1"))
        .await
        .expect_err("no reply");
    assert!(started.elapsed() < Duration::from_millis(600));
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(u.cause(), Error::Transport(t) if t.is_timeout()));
    assert_eq!(server.requests().len(), 1);
    let zero = builder(&server.base)
        .call_deadline(Duration::ZERO)
        .build()
        .expect_err("zero deadline");
    assert!(zero.to_string().contains("call_deadline"), "{zero}");
}

#[tokio::test]
async fn read_retried_after_5xx_then_succeeds() {
    let server = Server::sequence(vec![
        Behaviour::status(502, "<html>bad gateway</html>"),
        Behaviour::status(503, ""),
        Behaviour::json(r#"{"code":1,"msg":"ok","result":"1.00"}"#),
    ])
    .await;
    let cash = client(&server.base)
        .send(&QueryCashRequest::new())
        .await
        .expect("third attempt succeeds");
    assert_eq!(cash.yuan.to_string(), "1.00");
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    // The same signed bytes every time.
    assert!(seen.iter().all(|r| r.body == seen[0].body));
}

#[tokio::test]
async fn read_gives_up_after_the_policy() {
    let server = Server::always(Behaviour::status(500, "oops")).await;
    let err = client(&server.base)
        .send(&QueryOrderRequest::by_out_order_id("JY1"))
        .await
        .expect_err("5xx");
    let Error::Decode(d) = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!((d.status(), d.kind()), (500, &DecodeErrorKind::HttpStatus));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn read_retried_after_reset() {
    let server = Server::sequence(vec![
        Behaviour::Reset,
        Behaviour::json(r#"{"code":1,"msg":"ok","result":"2.00"}"#),
    ])
    .await;
    let cash = client(&server.base)
        .send(&QueryCashRequest::new())
        .await
        .expect("retried");
    assert_eq!(cash.yuan.to_string(), "2.00");
    assert_eq!(server.requests().len(), 2);
}

async fn create_is_unknown_and_sent_once(b: Behaviour) -> Error {
    let server = Server::always(b).await;
    let err = client(&server.base)
        .send(&PayRequest::new("43", "13800138000", "JY-UNKNOWN"))
        .await
        .expect_err("unknown outcome");
    assert_eq!(server.requests().len(), 1, "a create is never resent");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("expected OutcomeUnknown, got {err:?}")
    };
    assert_eq!(u.operation(), "pay");
    assert_eq!(u.out_order_id(), "JY-UNKNOWN");
    assert!(err.to_string().contains("JY-UNKNOWN"));
    err
}

#[tokio::test]
async fn create_timeout_is_outcome_unknown() {
    let err = create_is_unknown_and_sent_once(Behaviour::Hang).await;
    let Error::OutcomeUnknown(u) = err else {
        unreachable!()
    };
    assert!(matches!(u.cause(), Error::Transport(t) if t.is_timeout()));
}

#[tokio::test]
async fn create_reset_is_outcome_unknown() {
    let err = create_is_unknown_and_sent_once(Behaviour::Reset).await;
    let Error::OutcomeUnknown(u) = err else {
        unreachable!()
    };
    assert!(matches!(u.cause(), Error::Transport(_)));
}

#[tokio::test]
async fn create_5xx_is_outcome_unknown() {
    let err = create_is_unknown_and_sent_once(Behaviour::status(502, "<html>x</html>")).await;
    let Error::OutcomeUnknown(u) = err else {
        unreachable!()
    };
    assert!(matches!(u.cause(), Error::Decode(d) if d.status() == 502));
}

#[tokio::test]
async fn create_truncated_reply_is_outcome_unknown() {
    let server = Server::always(Behaviour::Truncate(
        br#"{"code":1,"msg":"ok","res"#.to_vec(),
    ))
    .await;
    let err = client(&server.base)
        .send(&CardPayOrderRequest::new("43", 1, "C-TRUNC"))
        .await
        .expect_err("unknown");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn create_refused_by_provider_is_api_error() {
    let server = Server::always(Behaviour::json(r#"{"code":0,"msg":"库存不足"}"#)).await;
    let err = client(&server.base)
        .send(&PayRequest::new("43", "13800138000", "JY1").stock_check(true))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Api(a) if a.message() == "库存不足"),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].field("check").as_deref(), Some("1"));
}

#[tokio::test]
async fn create_connection_refused_is_not_sent() {
    // Take a free port, then close it: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .send(&PayRequest::new("43", "13800138000", "JY1"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "{err:?}"
    );
}

#[tokio::test]
async fn html_page_is_decode_error() {
    let server = Server::always(Behaviour::Reply(
        200,
        "text/html",
        b"<html>login</html>".to_vec(),
    ))
    .await;
    let err = client(&server.base)
        .send(&QueryCashRequest::new())
        .await
        .expect_err("html");
    assert!(
        matches!(&err, Error::Decode(d) if matches!(d.kind(), DecodeErrorKind::NotJson { .. })),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        3,
        "a 200 HTML page (a proxy, a captive portal) is retried for a read, 3 attempts here"
    );
}

#[tokio::test]
async fn truncated_json_is_decode_error() {
    let server = Server::always(Behaviour::json(r#"{"code":1,"msg":"ok","result":"34"#)).await;
    let err = client(&server.base)
        .send(&QueryCashRequest::new())
        .await
        .expect_err("truncated");
    assert!(
        matches!(&err, Error::Decode(d) if d.kind() == &DecodeErrorKind::NotJson { reason: "truncated".into() }),
        "{err:?}"
    );
}

#[tokio::test]
async fn oversize_body_is_refused() {
    let big = format!(r#"{{"code":1,"msg":"{}","result":"1"}}"#, "x".repeat(4096));
    let server = Server::always(Behaviour::json(&big)).await;
    let c: Client = builder(&server.base)
        .max_body_bytes(1024)
        .build()
        .expect("client");
    let err = c.send(&QueryCashRequest::new()).await.expect_err("too big");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::BodyTooLarge),
        "{err:?}"
    );
}

#[tokio::test]
async fn reconcile_queries_by_out_order_id() {
    let server = Server::start(|req, _| {
        if req.path == "/dcapi/card/queryOrder" {
            Behaviour::json(r#"{"code":1,"msg":"ok","result":[{"order_id":"K1","status":3}]}"#)
        } else {
            Behaviour::json(
                r#"{"code":1,"msg":"ok","result":{"order_id":"API1","out_order_id":"JY1","status":"2"}}"#,
            )
        }
    })
    .await;
    let c = client(&server.base);
    let order = c.reconcile("JY1").await.expect("query");
    let order = order.into_found().expect("found");
    assert_eq!(order.status, OrderStatus::Charging);
    let cards = c.reconcile_card("C1").await.expect("query");
    let cards = cards.into_found().expect("found");
    assert_eq!(cards[0].status, CardOrderStatus::Completed);
    let seen = server.requests();
    assert_eq!(seen[0].path, "/dcapi/queryOrder");
    assert_eq!(seen[0].field("out_order_id").as_deref(), Some("JY1"));
    assert_eq!(seen[1].path, "/dcapi/card/queryOrder");
}

#[tokio::test]
async fn reconcile_reports_not_found_and_keeps_other_refusals() {
    let server = Server::sequence(vec![
        Behaviour::json(r#"{"code":0,"msg":"订单不存在"}"#),
        Behaviour::json(r#"{"code":0,"msg":"订单不存在"}"#),
        Behaviour::json(r#"{"code":1,"msg":"ok","result":[]}"#),
        Behaviour::json(r#"{"code":0,"msg":"签名错误"}"#),
    ])
    .await;
    let c = client(&server.base);
    assert!(c.reconcile("JY1").await.expect("answered").is_not_found());
    assert!(
        c.reconcile_card("C1")
            .await
            .expect("answered")
            .is_not_found()
    );
    let empty = c.reconcile_card("C2").await.expect("answered");
    assert!(empty.is_not_found(), "no card order listed: {empty:?}");
    // A refused signature says nothing about the order: never "not found".
    let err = c.reconcile("JY1").await.expect_err("refused");
    assert!(
        matches!(&err, Error::Api(a) if a.is_signature_rejected()),
        "{err:?}"
    );
}

#[tokio::test]
async fn validation_fails_before_sending() {
    let server = Server::always(Behaviour::json(r#"{"code":1}"#)).await;
    let err = client(&server.base)
        .send(&PayRequest::new("43", "", "JY1"))
        .await
        .expect_err("invalid");
    assert!(
        matches!(&err, Error::Validation(v) if v.field() == "account"),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}

/// A 404 / 405 that is not the dcapi envelope (an HTML page, an empty body, another server's
/// JSON): the URL has no route, so the recharge was not placed. A configuration error on
/// `base_url` naming the full URL, sent once, never "outcome unknown".
#[tokio::test]
async fn pay_answered_404_or_405_without_the_envelope_is_a_config_error_naming_the_url() {
    let cases = [
        Behaviour::status(404, "<html><h1>404 Not Found</h1></html>"),
        Behaviour::Reply(405, "text/plain", Vec::new()),
        Behaviour::Reply(
            404,
            "application/json",
            br#"{"error":"not_found"}"#.to_vec(),
        ),
    ];
    for behaviour in cases {
        let server = Server::always(behaviour.clone()).await;
        let err = client(&server.base)
            .send(&PayRequest::new("43", "13800138000", "JY-404"))
            .await
            .expect_err("no route");
        assert!(!err.is_outcome_unknown(), "{behaviour:?}: {err:?}");
        assert!(!err.is_retryable(), "{behaviour:?}: {err:?}");
        let Error::Config(c) = &err else {
            panic!("{behaviour:?}: {err:?}")
        };
        assert_eq!(c.field(), "base_url");
        let text = err.to_string();
        assert!(
            text.contains(&format!("POST {}{}", server.base, PayRequest::PATH)),
            "{text}"
        );
        assert!(text.contains("check base_url"), "{text}");
        assert_eq!(server.requests().len(), 1, "sent once");
    }
}

/// The gateway's own envelope on a 404 stays its answer.
#[tokio::test]
async fn a_404_with_the_dcapi_envelope_is_its_api_error() {
    let server = Server::always(Behaviour::Reply(
        404,
        "application/json",
        r#"{"code":0,"msg":"接口不存在","result":null}"#.as_bytes().to_vec(),
    ))
    .await;
    let err = client(&server.base)
        .send(&PayRequest::new("43", "13800138000", "JY-404E"))
        .await
        .expect_err("api");
    assert!(matches!(&err, Error::Api(_)), "{err:?}");
}
