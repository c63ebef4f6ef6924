//! Round trips against a real loopback server: every endpoint, API errors, retries of reads,
//! never-resent writes, and broken replies.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;
use tokenpay::api::{
    BalanceRequest, CloseOrderRequest, ClosePayoutRequest, CreatePayoutRequest, CurrenciesRequest,
    DeleteWalletRequest, InsertWalletRequest, PayoutPaths, PrepayRequest, QueryOrderRequest,
    QueryPayoutRequest, QueryWalletRequest, UpdateWalletRequest,
};
use tokenpay::sign::{Authorization, request_signing_string};
use tokenpay::types::{ApiCode, Chain, Currency, TradeState};
use tokenpay::{Client, Error, FixedClock, Reconciliation, ReplySignatureMode, TransportErrorKind};

use crate::support::{self, APP_ID, MCH_ID, Seen, Server, Step, http, signed};

const TRON: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const ORDER: &str = r#"{"out_trade_no":"A-1","transaction_id":"e98b3029477f4bdcb971797a9d9e09ce","trade_state":"SUCCESS","amount":15000000,"decimals":6,"chain":"TRON","currency":"USDT"}"#;
const WALLET: &str = r#"{"app_id":"8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd","mch_id":"1234567890","name":"28713","chain":"TRON","wallet_address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","create_time":1675236993,"last_time":0}"#;

fn ok(data: &str) -> String {
    format!(r#"{{"code":0,"msg":"ok","request_id":"req-1","data":{data}}}"#)
}

fn client(server: &Server) -> Client {
    support::builder()
        .base_url(&server.base)
        .timeout(Duration::from_millis(500))
        .build()
        .expect("client")
}

/// The request carries a valid Authorization over exactly what was sent, and `app_id`/`mch_id`
/// lead the JSON body.
fn assert_signed(seen: &Seen) {
    let auth =
        Authorization::parse(seen.header("authorization").expect("Authorization")).expect("parses");
    assert_eq!(
        (auth.app_id.as_str(), auth.mch_id.as_str()),
        (APP_ID, MCH_ID)
    );
    let msg = request_signing_string(&seen.path, &auth.timestamp, &auth.nonce_str, &seen.body);
    assert!(
        support::key().verify(&msg, &auth.signature).is_ok(),
        "{seen:?}"
    );
    assert_eq!(
        seen.header("user-agent"),
        Some("tokenpay API (https://tokenpay.me)")
    );
    if seen.method == "POST" {
        let prefix = format!(r#"{{"app_id":"{APP_ID}","mch_id":"{MCH_ID}""#);
        assert!(seen.body.starts_with(prefix.as_bytes()), "{seen:?}");
        assert_eq!(seen.header("content-type"), Some("application/json"));
    } else {
        assert!(seen.body.is_empty());
    }
}

async fn one(reply: String) -> (Server, Client) {
    let server = Server::start(vec![Step::Reply(signed(200, &reply))]).await;
    let c = client(&server);
    (server, c)
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let (s, c) = one(ok(
        r#"[{"network":"TRC20","chain":"TRON","code":"TRON_USDT","currency":"USDT","decimal":6}]"#,
    ))
    .await;
    let r = c.send(&CurrenciesRequest::new()).await.expect("currencies");
    assert_eq!(r.decimals(&Chain::Tron, &Currency::Usdt), Some(6));
    let seen = &s.requests()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/v1/currency/index")
    );
    assert_signed(seen);

    let (s, c) = one(ok(
        r#"{"balance":"54670000","decimal":6,"chain":"TRON","currency":"USDT"}"#,
    ))
    .await;
    let r = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect("balance");
    assert_eq!(r.balance.balance, Decimal::from_str("54.67").expect("dec"));
    assert_eq!(s.requests()[0].path, "/v1/merchant/balance");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(
        r#"{"prepay_id":"p1","payment_url":"/pay/order?prepay_id=p1"}"#,
    ))
    .await;
    let r = c
        .send(&PrepayRequest::new(
            "A-1",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect("prepay");
    assert_eq!(
        r.payment_url.as_str(),
        format!("{}/pay/order?prepay_id=p1", s.base)
    );
    assert_eq!(r.request_id.as_deref(), Some("req-1"));
    let seen = &s.requests()[0];
    assert_eq!(seen.path, "/v1/transaction/prepayment");
    assert!(String::from_utf8_lossy(&seen.body).contains(r#""amount":9,"#));
    assert_signed(seen);

    let (s, c) = one(ok(ORDER)).await;
    let r = c
        .send(&QueryOrderRequest::by_out_trade_no("A-1"))
        .await
        .expect("query");
    assert_eq!(r.order.trade_state, TradeState::Success);
    assert_eq!(r.order.amount, Some(Decimal::from(15)));
    assert_eq!(s.requests()[0].path, "/v1/transaction/query");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(r#"{"code":0,"msg":"success","request_id":"r2"}"#.to_owned()).await;
    let r = c
        .send(&CloseOrderRequest::new("e98b"))
        .await
        .expect("close");
    assert_eq!(r.request_id.as_deref(), Some("r2"));
    assert_eq!(s.requests()[0].path, "/v1/transaction/close");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(ORDER)).await;
    let r = c
        .send(&CreatePayoutRequest::new(
            "P-1",
            Decimal::from(25),
            Chain::Tron,
            Currency::Usdt,
            TRON,
        ))
        .await
        .expect("payout");
    assert!(r.payout.is_some());
    assert_eq!(s.requests()[0].path, "/v1/payanother/payment");
    assert!(String::from_utf8_lossy(&s.requests()[0].body).contains(r#""amount":"25""#));
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(ORDER)).await;
    c.send(&QueryPayoutRequest::by_out_trade_no("P-1"))
        .await
        .expect("query payout");
    assert_eq!(s.requests()[0].path, "/v1/payanother/query");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(r#"{"code":0,"msg":"success","request_id":"r3"}"#.to_owned()).await;
    c.send(&ClosePayoutRequest::new("pay-1"))
        .await
        .expect("close payout");
    assert_eq!(s.requests()[0].path, "/v1/payanother/close");
    assert!(String::from_utf8_lossy(&s.requests()[0].body).contains(r#""payanother_id":"pay-1""#));
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(WALLET)).await;
    let r = c
        .send(&InsertWalletRequest::new(Chain::Tron, TRON).name("28713"))
        .await
        .expect("insert");
    assert_eq!(
        r.wallet.expect("wallet").create_time.map(|t| t.as_secs()),
        Some(1_675_236_993)
    );
    assert_eq!(s.requests()[0].path, "/v1/wallet/insert");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(WALLET)).await;
    c.send(&UpdateWalletRequest::new(Chain::Tron, TRON))
        .await
        .expect("update");
    assert_eq!(s.requests()[0].path, "/v1/wallet/update");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(r#"{"code":0,"msg":"success","request_id":"r4"}"#.to_owned()).await;
    c.send(&DeleteWalletRequest::new(Chain::Tron, TRON))
        .await
        .expect("delete");
    assert_eq!(s.requests()[0].path, "/v1/wallet/delete");
    assert_signed(&s.requests()[0]);

    let (s, c) = one(ok(WALLET)).await;
    let r = c
        .send(&QueryWalletRequest::new().wallet_address(TRON))
        .await
        .expect("wallet query");
    assert_eq!(r.wallets.len(), 1);
    assert_eq!(
        s.requests()[0].path,
        format!("/v1/wallet/query?wallet_address={TRON}")
    );
    assert_eq!(s.requests()[0].method, "GET");
    assert_signed(&s.requests()[0]);
}

#[tokio::test]
async fn payout_path_family_is_configurable() {
    let server = Server::start(vec![Step::Reply(signed(200, r#"{"code":0,"msg":"ok"}"#))]).await;
    let c = support::builder()
        .base_url(&server.base)
        .payout_paths(PayoutPaths::Payout)
        .build()
        .expect("client");
    c.send(&ClosePayoutRequest::new("pay-1"))
        .await
        .expect("close");
    let seen = &server.requests()[0];
    assert_eq!(seen.path, "/v1/payout/close");
    assert!(String::from_utf8_lossy(&seen.body).contains(r#""payout_id":"pay-1""#));
}

#[tokio::test]
async fn api_error_keeps_code_msg_and_request_id() {
    let body = r#"{"code":12001,"msg":"data already exists","request_id":"f23a"}"#;
    let (s, c) = one(body.to_owned()).await;
    let err = c
        .send(&PrepayRequest::new(
            "A-1",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect_err("12001");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), &ApiCode::AlreadyExists);
    assert_eq!(api.message(), "data already exists");
    assert_eq!(api.request_id(), Some("f23a"));
    assert_eq!(api.raw_body(), body);
    assert_eq!(s.requests().len(), 1, "a business error is not retried");
}

/// The string a recorded request's `Authorization` signature covers, rebuilt from what the server
/// received.
fn signed_by(seen: &Seen) -> String {
    let auth =
        Authorization::parse(seen.header("authorization").expect("Authorization")).expect("parses");
    let msg = request_signing_string(&seen.path, &auth.timestamp, &auth.nonce_str, &seen.body);
    String::from_utf8(msg).expect("utf-8")
}

/// A payer's name, email and phone, in the free-text fields merchants fill.
const DESCRIPTION: &str = "Top-up for Ana Beatriz Souza";
const ATTACH: &str = "ana.souza@example.org;+5511987654321";

#[tokio::test]
async fn signature_rejection_shows_what_was_signed() {
    let server = Server::start(vec![
        Step::Reply(signed(
            200,
            r#"{"code":103,"msg":"invalid signature","request_id":"r-103"}"#,
        )),
        Step::Reply(signed(
            200,
            r#"{"code":104,"msg":"signature expired","request_id":"r-104"}"#,
        )),
        Step::Reply(signed(
            200,
            r#"{"code":20002,"msg":"insufficient balance","request_id":"r-20002"}"#,
        )),
    ])
    .await;
    let c = client(&server);

    // 103 on a POST: the signed string is path, timestamp, nonce and the body as received.
    let logs = LogCapture::start();
    let err = c
        .send(
            &PrepayRequest::new("A-SIG-1", Decimal::from(9), Chain::Tron, Currency::Usdt)
                .description(DESCRIPTION)
                .attach(ATTACH),
        )
        .await
        .expect_err("103");
    let logs = logs.finish();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), &ApiCode::InvalidSignature);
    assert!(api.is_signature_rejected());
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "a signature refusal is not retried");
    let expected = signed_by(&seen[0]);
    assert!(
        expected.starts_with("/v1/transaction/prepayment\n"),
        "{expected}"
    );
    assert!(
        expected.contains(r#""out_trade_no":"A-SIG-1""#),
        "{expected}"
    );
    let explained = api.signed().expect("the error carries what was signed");
    assert_eq!(explained.signed_string(), expected);
    // On explicit request, in full.
    for value in [DESCRIPTION, ATTACH] {
        assert!(
            explained.to_string().contains(value),
            "explain() has {value}"
        );
    }
    // Display, Debug and every log line name the parts and fields with their lengths, never a
    // value.
    let shown = err.to_string();
    let debug = format!("{err:?} {err:#?}");
    assert!(
        logs.contains("payhub.call") && logs.contains("call failed"),
        "the capture works: {logs}"
    );
    for (what, text) in [("Display", &shown), ("Debug", &debug), ("logs", &logs)] {
        for value in ["Ana Beatriz", "ana.souza@example.org", "5511987654321"] {
            assert!(!text.contains(value), "{what} leaks {value}: {text}");
        }
        for named in [
            "path[26]".to_owned(),
            "timestamp[".to_owned(),
            "nonce[".to_owned(),
            format!("description[{}]", DESCRIPTION.len()),
            format!("attach[{}]", ATTACH.len()),
        ] {
            assert!(text.contains(&named), "{what} names {named}: {text}");
        }
        assert!(!text.contains(support::SECRET), "no app secret in {what}");
        assert!(text.contains(&explained.digest_prefix()), "{what}: {text}");
    }
    assert!(
        shown.ends_with(&format!("; signed: {}", explained.redacted())),
        "{shown}"
    );

    // 104 on a GET: the query is part of the signed path and the body is empty.
    let err = c
        .send(&QueryWalletRequest::new().wallet_address(TRON))
        .await
        .expect_err("104");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), &ApiCode::SignatureExpired);
    assert!(api.is_signature_rejected());
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let expected = signed_by(&seen[1]);
    assert!(
        expected.starts_with("/v1/wallet/query?") && expected.contains(TRON),
        "{expected}"
    );
    assert!(expected.ends_with('\n'), "empty body: {expected:?}");
    let explained = api.signed().expect("explained");
    assert_eq!(explained.signed_string(), expected);
    let shown = err.to_string();
    assert!(shown.ends_with(&format!("; signed: {}", explained.redacted())));
    assert!(
        shown.contains("body[0]") && !shown.contains(TRON),
        "{shown}"
    );

    // Another refusal keeps the explanation for code but does not print it.
    let err = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect_err("20002");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), &ApiCode::InsufficientBalance);
    assert!(!api.is_signature_rejected());
    assert!(api.signed().is_some());
    assert!(!err.to_string().contains("signed:"), "{err}");
}

#[tokio::test]
async fn a_query_ends_by_its_call_deadline_not_after_every_attempt_timed_out() {
    // Timeout 300 ms, 3 attempts, deadline 500 ms, a server that never replies: the call ends
    // at about 500 ms (before: 3 x 300 ms plus pauses).
    let server = Server::start(vec![Step::Hang(Duration::from_secs(3))]).await;
    let c = support::builder()
        .base_url(&server.base)
        .timeout(Duration::from_millis(300))
        .call_deadline(Duration::from_millis(500))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&QueryOrderRequest::by_out_trade_no("A-1"))
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
    let server = Server::start(vec![Step::Hang(Duration::from_secs(3))]).await;
    let c = support::builder()
        .base_url(&server.base)
        .timeout(Duration::from_secs(2))
        .call_deadline(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&PrepayRequest::new(
            "A-DL-1",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect_err("no reply");
    assert!(started.elapsed() < Duration::from_millis(600));
    let Error::OutcomeUnknown(o) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(o.cause(), Error::Transport(t) if t.is_timeout()));
    assert_eq!(server.requests().len(), 1, "never resent");
    let zero = support::builder()
        .base_url(&server.base)
        .call_deadline(Duration::ZERO)
        .build()
        .expect_err("zero deadline");
    assert!(zero.to_string().contains("call_deadline"), "{zero}");
}

#[tokio::test]
async fn a_read_is_retried_after_5xx() {
    let server = Server::start(vec![
        Step::Reply(http(503, &[], b"<html>busy</html>")),
        Step::Reply(signed(200, &ok(ORDER))),
    ])
    .await;
    let r = client(&server)
        .send(&QueryOrderRequest::by_out_trade_no("A-1"))
        .await
        .expect("second attempt succeeds");
    assert_eq!(r.order.transaction_id, "e98b3029477f4bdcb971797a9d9e09ce");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_read_is_retried_after_a_reset_then_gives_up() {
    let server = Server::start(vec![Step::Close]).await;
    let err = client(&server)
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect_err("resets");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Io),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 3, "three attempts");
}

#[tokio::test]
async fn a_create_that_times_out_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![Step::Hang(Duration::from_secs(3))]).await;
    let err = client(&server)
        .send(&PrepayRequest::new(
            "A-7",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect_err("times out");
    let Error::OutcomeUnknown(o) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(o.reference(), Some(("out_trade_no", "A-7")));
    assert!(
        matches!(o.cause(), Error::Transport(t) if t.is_timeout()),
        "{err:?}"
    );
    assert!(err.to_string().contains("reconcile"));
    assert_eq!(server.requests().len(), 1, "never resent");
}

#[tokio::test]
async fn a_create_that_is_reset_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![Step::Close]).await;
    let err = client(&server)
        .send(&CreatePayoutRequest::new(
            "P-2",
            Decimal::from(1),
            Chain::Tron,
            Currency::Usdt,
            TRON,
        ))
        .await
        .expect_err("reset");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.requests().len(), 1, "never resent");
}

#[tokio::test]
async fn a_create_answered_by_5xx_or_html_is_outcome_unknown() {
    for step in [
        Step::Reply(http(502, &[], b"<html>bad gateway</html>")),
        Step::Reply(http(200, &[], b"<html>maintenance</html>")),
        Step::Reply(http(
            200,
            &[],
            br#"{"code":0,"msg":"ok","data":{"prepay_id":"p"#,
        )),
    ] {
        let server = Server::start(vec![step]).await;
        let err = client(&server)
            .send(&PrepayRequest::new(
                "A-8",
                Decimal::from(9),
                Chain::Tron,
                Currency::Usdt,
            ))
            .await
            .expect_err("unreadable");
        assert!(err.is_outcome_unknown(), "{err:?}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn rate_limits_back_off_and_retry_even_for_creates() {
    let server = Server::start(vec![
        Step::Reply(signed(
            200,
            r#"{"code":11001,"msg":"too frequent","request_id":"x"}"#,
        )),
        Step::Reply(signed(
            200,
            r#"{"code":20004,"msg":"limited","request_id":"y"}"#,
        )),
        Step::Reply(signed(
            200,
            &ok(r#"{"prepay_id":"p","payment_url":"https://pay.example/x"}"#),
        )),
    ])
    .await;
    let r = client(&server)
        .send(&PrepayRequest::new(
            "A-9",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect("third attempt");
    assert_eq!(r.payment_url.as_str(), "https://pay.example/x");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn broken_replies_are_typed_decode_errors() {
    // (reply, what the error says, whether a read is asked again: a garbled reply may be a
    // connection cut short, a well-formed envelope with a bad field will not improve).
    for (reply, needle, garbled) in [
        (
            http(200, &[], b"<!DOCTYPE html><html></html>"),
            "HTML",
            true,
        ),
        (
            http(200, &[], br#"{"code":0,"msg":"ok","data":{"out_trade"#),
            "truncated",
            true,
        ),
        (http(200, &[], b""), "empty", true),
        (http(200, &[], b"\xff\xfe{}"), "UTF-8", true),
        (
            signed(
                200,
                r#"{"code":0,"msg":"ok","data":{"transaction_id":"t"}}"#,
            ),
            "trade_state",
            false,
        ),
    ] {
        let steps = vec![Step::Reply(reply); if garbled { 3 } else { 1 }];
        let server = Server::start(steps).await;
        let err = client(&server)
            .send(&QueryOrderRequest::by_out_trade_no("A-1"))
            .await
            .expect_err("broken");
        let Error::Decode(d) = &err else {
            panic!("{err:?}")
        };
        assert!(d.problem().contains(needle), "{needle}: {d}");
        assert_eq!(d.is_garbled(), garbled, "{needle}");
        assert_eq!(
            server.requests().len(),
            if garbled { 3 } else { 1 },
            "{needle}: reads are retried on garbled replies only"
        );
    }
}

#[tokio::test]
async fn oversize_body_is_refused() {
    let big = format!(r#"{{"code":0,"msg":"{}"}}"#, "x".repeat(4096));
    let server = Server::start(vec![Step::Reply(signed(200, &big))]).await;
    let c = support::builder()
        .base_url(&server.base)
        .max_body_bytes(1024)
        .build()
        .expect("client");
    let err = c
        .send(&CurrenciesRequest::new())
        .await
        .expect_err("too big");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::BodyTooLarge),
        "{err:?}"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start(vec![Step::Reply(http(
        302,
        &[("Location".to_owned(), "http://127.0.0.1:9/".to_owned())],
        b"",
    ))])
    .await;
    let err = client(&server)
        .send(&CurrenciesRequest::new())
        .await
        .expect_err("redirect");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Redirect),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_connection_is_a_transport_error_not_an_unknown_outcome() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let c = support::builder().base_url(base).build().expect("client");
    let err = c
        .send(&PrepayRequest::new(
            "A-1",
            Decimal::from(9),
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "{err:?}"
    );
}

#[tokio::test]
async fn reply_signature_modes() {
    let unsigned = http(200, &[], ok(ORDER).as_bytes());
    let forged = {
        let mut headers = support::sign_headers("TTPay", "1763800000999", "n", b"other body");
        headers.push(("X".to_owned(), "y".to_owned()));
        http(200, &headers, ok(ORDER).as_bytes())
    };
    for (mode, reply, expect_ok) in [
        (ReplySignatureMode::Warn, unsigned.clone(), true),
        (ReplySignatureMode::Warn, forged.clone(), true),
        (ReplySignatureMode::Off, forged.clone(), true),
        (ReplySignatureMode::RefuseInvalid, unsigned.clone(), true),
        (ReplySignatureMode::RefuseInvalid, forged.clone(), false),
        (ReplySignatureMode::Strict, unsigned, false),
        (ReplySignatureMode::Strict, forged, false),
        (ReplySignatureMode::Strict, signed(200, &ok(ORDER)), true),
    ] {
        let server = Server::start(vec![Step::Reply(reply)]).await;
        let c = support::builder()
            .base_url(&server.base)
            .reply_signatures(mode)
            .build()
            .expect("client");
        let r = c.send(&QueryOrderRequest::by_out_trade_no("A-1")).await;
        assert_eq!(r.is_ok(), expect_ok, "{mode:?}: {r:?}");
        if !expect_ok {
            assert!(matches!(r, Err(Error::Signature(_))), "{mode:?}");
        }
    }
    // The `tokenpay-*` fallback headers verify too.
    let body = ok(ORDER);
    let server = Server::start(vec![Step::Reply(http(
        200,
        &support::sign_headers("tokenpay", "1763800000999", "abc", body.as_bytes()),
        body.as_bytes(),
    ))])
    .await;
    let c = support::builder()
        .base_url(&server.base)
        .reply_signatures(ReplySignatureMode::Strict)
        .build()
        .expect("client");
    c.send(&QueryOrderRequest::by_out_trade_no("A-1"))
        .await
        .expect("fallback headers");
}

#[tokio::test]
async fn a_reply_signed_with_the_previous_app_secret_verifies_during_a_rotation() {
    // The provider still signs with the old secret (support::SECRET); the client has the new
    // one as current.
    const NEW: &str = "abcdef0123456789abcdef0123456789";
    for (previous, expect_ok) in [(Some(support::SECRET), true), (None, false)] {
        let server = Server::start(vec![Step::Reply(signed(200, &ok(ORDER)))]).await;
        let mut b = Client::builder(APP_ID, MCH_ID, NEW)
            .clock(Arc::new(FixedClock::from_millis(support::TS_MS)))
            .base_url(&server.base);
        if let Some(p) = previous {
            b = b.previous_app_secret(p);
        }
        let c = b.build().expect("client");
        let r = c.send(&QueryOrderRequest::by_out_trade_no("A-1")).await;
        assert_eq!(r.is_ok(), expect_ok, "previous {previous:?}: {r:?}");
        if !expect_ok {
            assert!(matches!(r, Err(Error::Signature(_))), "{r:?}");
        }
    }
    let bad = Client::builder(APP_ID, MCH_ID, support::SECRET)
        .previous_app_secret("short")
        .build()
        .expect_err("a previous secret that is not 32 bytes");
    assert!(bad.to_string().contains("previous_app_secret"), "{bad}");
}

const PREPAY_REPLY: &str = r#"{"code":0,"msg":"ok","request_id":"req-1","data":{"prepay_id":"p-1","payment_url":"/pay/order?prepay_id=p-1"}}"#;

/// A reply whose `TTPay-Signature` is present but does not cover this body: what a forged reply
/// looks like (signed with another key, over another body, or not base64 at all).
fn forged_replies(body: &str) -> Vec<(&'static str, Vec<u8>)> {
    let other_key =
        tokenpay::sign::AppKey::new(&tokenpay::Secret::new("fedcba9876543210fedcba9876543210"))
            .expect("key");
    let other_sig = other_key
        .sign(&tokenpay::sign::reply_signing_string(
            support::REPLY_TS,
            support::REPLY_NONCE,
            body.as_bytes(),
        ))
        .expect("signs");
    let header = |sig: &str| {
        vec![
            ("TTPay-Timestamp".to_owned(), support::REPLY_TS.to_owned()),
            ("TTPay-Nonce".to_owned(), support::REPLY_NONCE.to_owned()),
            ("TTPay-Signature".to_owned(), sig.to_owned()),
        ]
    };
    vec![
        (
            "another key",
            http(200, &header(&other_sig), body.as_bytes()),
        ),
        (
            "another body",
            http(
                200,
                &support::sign_headers("TTPay", support::REPLY_TS, "n", b"{}"),
                body.as_bytes(),
            ),
        ),
        (
            "not base64",
            http(200, &header("!!not-base64!!"), body.as_bytes()),
        ),
        (
            "signature without its timestamp",
            http(
                200,
                &[("TTPay-Signature".to_owned(), other_sig.clone())],
                body.as_bytes(),
            ),
        ),
    ]
}

/// Issue 24.2: by default a reply whose signature is present and wrong is refused (a create
/// becomes `OutcomeUnknown`, a read `Signature`), while an unsigned reply still passes.
#[tokio::test]
async fn by_default_a_forged_reply_is_refused_and_an_unsigned_one_passes() {
    let prepay = || PrepayRequest::new("A-9", Decimal::from(9), Chain::Tron, Currency::Usdt);
    for (what, reply) in forged_replies(PREPAY_REPLY) {
        let server = Server::start(vec![Step::Reply(reply)]).await;
        let err = client(&server)
            .send(&prepay())
            .await
            .expect_err("a forged create reply is refused");
        let Error::OutcomeUnknown(o) = &err else {
            panic!("{what}: {err:?}")
        };
        assert!(matches!(o.cause(), Error::Signature(_)), "{what}: {err:?}");
        assert_eq!(o.reference(), Some(("out_trade_no", "A-9")), "{what}");
        assert_eq!(server.requests().len(), 1, "{what}: never resent");
    }
    for (what, reply) in forged_replies(&ok(ORDER)) {
        let server = Server::start(vec![Step::Reply(reply)]).await;
        let err = client(&server)
            .send(&QueryOrderRequest::by_out_trade_no("A-1"))
            .await
            .expect_err("a forged read reply is refused");
        assert!(matches!(err, Error::Signature(_)), "{what}: {err:?}");
    }
    // No signature at all: accepted (the docs do not settle whether live replies are signed).
    let server = Server::start(vec![Step::Reply(http(200, &[], PREPAY_REPLY.as_bytes()))]).await;
    let created = client(&server)
        .send(&prepay())
        .await
        .expect("unsigned create");
    assert_eq!(created.prepay_id, "p-1");
    let server = Server::start(vec![Step::Reply(http(200, &[], ok(ORDER).as_bytes()))]).await;
    let order = client(&server)
        .send(&QueryOrderRequest::by_out_trade_no("A-1"))
        .await
        .expect("unsigned read");
    assert!(order.order.is_paid());
    // A correct signature passes, of course.
    let server = Server::start(vec![Step::Reply(signed(200, PREPAY_REPLY))]).await;
    client(&server)
        .send(&prepay())
        .await
        .expect("signed create");
}

#[tokio::test]
async fn reconcile_distinguishes_missing_from_existing() {
    let server = Server::start(vec![Step::Reply(signed(
        200,
        r#"{"code":12002,"msg":"data does not exist","request_id":"z"}"#,
    ))])
    .await;
    assert_eq!(
        client(&server).reconcile("A-404").await.expect("answer"),
        Reconciliation::NotFound
    );
    let server = Server::start(vec![Step::Reply(signed(200, &ok(ORDER)))]).await;
    let found = client(&server)
        .reconcile("A-1")
        .await
        .expect("answer")
        .into_found()
        .expect("exists");
    assert!(found.is_paid());
    let server = Server::start(vec![Step::Reply(signed(200, &ok(ORDER)))]).await;
    assert!(
        client(&server)
            .reconcile_payout("P-1")
            .await
            .expect("answer")
            .found()
            .is_some()
    );
    assert_eq!(server.requests()[0].path, "/v1/payanother/query");
}

#[tokio::test]
async fn validation_fails_before_anything_is_sent() {
    let server = Server::start(vec![Step::Reply(signed(200, &ok(ORDER)))]).await;
    let err = client(&server)
        .send(&PrepayRequest::new(
            "A-1",
            Decimal::ZERO,
            Chain::Tron,
            Currency::Usdt,
        ))
        .await
        .expect_err("zero");
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "amount");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn each_attempt_is_signed_afresh_in_one_payhub_call_span() {
    let server = Server::start(vec![
        Step::Reply(signed(
            200,
            r#"{"code":11001,"msg":"too frequent","request_id":"x"}"#,
        )),
        Step::Reply(signed(200, &ok(ORDER))),
    ])
    .await;
    let c = support::builder()
        .base_url(&server.base)
        .nonce_source(Arc::new(tokenpay::RandomHex::upper(32)))
        .build()
        .expect("client");
    let logs = LogCapture::start();
    c.send(&QueryOrderRequest::by_out_trade_no("A-1"))
        .await
        .expect("second attempt");
    let logs = logs.finish();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let nonce = |s: &Seen| {
        Authorization::parse(s.header("authorization").expect("Authorization"))
            .expect("parses")
            .nonce_str
    };
    assert_ne!(nonce(&seen[0]), nonce(&seen[1]), "a retry is signed again");
    assert_signed(&seen[1]);
    for field in [
        "payhub.call",
        "provider=\"tokenpay\"",
        "operation=\"query_order\"",
        "merchant=\"1234567890\"",
        "order_no=A-1",
        "attempt=2",
        "http_status=200",
        "outcome=\"ok\"",
    ] {
        assert!(logs.contains(field), "{field} missing: {logs}");
    }
}

#[tokio::test]
async fn an_unknown_wallet_write_names_its_wallet_and_a_close_its_payout_id() {
    let server = Server::start(vec![Step::Hang(Duration::from_secs(3))]).await;
    let err = client(&server)
        .send(&InsertWalletRequest::new(Chain::Tron, TRON))
        .await
        .expect_err("times out");
    let Error::OutcomeUnknown(o) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(o.reference(), Some(("wallet_address", TRON)));
    assert_eq!(server.requests().len(), 1, "never resent");
    let server = Server::start(vec![Step::Hang(Duration::from_secs(3))]).await;
    let err = client(&server)
        .send(&ClosePayoutRequest::new("p-42"))
        .await
        .expect_err("times out");
    let Error::OutcomeUnknown(o) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(o.reference(), Some(("payout_id", "p-42")));
}

#[test]
fn from_vars_reads_the_env_constants() {
    assert_eq!(
        [
            tokenpay::ENV_BASE_URL,
            tokenpay::ENV_APP_ID,
            tokenpay::ENV_MCH_ID,
            tokenpay::ENV_APP_SECRET
        ],
        [
            "TOKENPAY_BASE_URL",
            "TOKENPAY_APP_ID",
            "TOKENPAY_MCH_ID",
            "TOKENPAY_APP_SECRET"
        ]
    );
    let vars = |base: &'static str| {
        move |name: &str| {
            [
                (tokenpay::ENV_APP_ID, APP_ID),
                (tokenpay::ENV_MCH_ID, MCH_ID),
                (tokenpay::ENV_APP_SECRET, support::SECRET),
                (tokenpay::ENV_BASE_URL, base),
            ]
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
        }
    };
    let c = tokenpay::ClientBuilder::from_vars(vars("http://127.0.0.1:9"))
        .expect("vars")
        .build()
        .expect("client");
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/");
    assert_eq!((c.app_id(), c.mch_id()), (APP_ID, MCH_ID));
    // A blank variable is unset: the default base URL.
    let c = tokenpay::ClientBuilder::from_vars(vars("  "))
        .expect("vars")
        .build()
        .expect("client");
    assert_eq!(c.base_url().as_str(), "https://api.tokenpay.me/");
    let err = tokenpay::ClientBuilder::from_vars(|name: &str| {
        (name == tokenpay::ENV_APP_ID).then(|| APP_ID.to_owned())
    })
    .expect_err("missing");
    assert!(err.to_string().contains("TOKENPAY_MCH_ID"), "{err}");
}

#[test]
fn shared_option_limits_are_checked_and_reach_the_notify_verifier() {
    let err = support::builder()
        .timeout(Duration::ZERO)
        .build()
        .expect_err("zero timeout");
    assert!(
        matches!(&err, Error::Config(c) if c.field() == "timeout"),
        "{err}"
    );
    let v = support::builder()
        .max_notify_body_bytes(16)
        .build()
        .expect("client")
        .notify_verifier();
    let err = v
        .verify(&http::HeaderMap::new(), &[b' '; 17])
        .expect_err("too large");
    assert!(
        matches!(
            &err,
            Error::Notify(tokenpay::NotifyError::BodyTooLarge { limit: 16, .. })
        ),
        "{err}"
    );
}

/// A 404 / 405 that is not tokenpay's envelope (an HTML page, an empty body, another server's
/// JSON): the URL has no route, so the order was not created. A configuration error on
/// `base_url` naming the full URL, sent once, never "outcome unknown".
#[tokio::test]
async fn prepay_answered_404_or_405_without_the_envelope_is_a_config_error_naming_the_url() {
    let html = vec![("Content-Type".to_owned(), "text/html".to_owned())];
    let json = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let cases = [
        http(404, &html, b"<html><h1>404 Not Found</h1></html>"),
        http(405, &[], b""),
        http(404, &json, br#"{"error":"not_found"}"#),
    ];
    for reply in cases {
        let server = Server::start(vec![Step::Reply(reply)]).await;
        let order = PrepayRequest::new("A-404", Decimal::from(9), Chain::Tron, Currency::Usdt);
        let err = client(&server).send(&order).await.expect_err("no route");
        assert!(!err.is_outcome_unknown(), "{err:?}");
        assert!(!err.is_retryable(), "{err:?}");
        let Error::Config(c) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(c.field(), "base_url");
        let text = err.to_string();
        assert!(
            text.contains(&format!("POST {}/v1/transaction/prepayment", server.base)),
            "{text}"
        );
        assert!(text.contains("check base_url"), "{text}");
        assert_eq!(server.requests().len(), 1, "sent once");
    }
}

/// tokenpay's own envelope on a 404 stays its answer.
#[tokio::test]
async fn a_404_with_tokenpays_envelope_is_its_api_error() {
    let server = Server::start(vec![Step::Reply(signed(
        404,
        r#"{"code":100,"msg":"request parameter error: not_found","request_id":"r-1"}"#,
    ))])
    .await;
    let order = PrepayRequest::new("A-404E", Decimal::from(9), Chain::Tron, Currency::Usdt);
    let err = client(&server).send(&order).await.expect_err("api");
    assert!(matches!(&err, Error::Api(_)), "{err:?}");
}
