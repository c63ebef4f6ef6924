//! Round trips against a real loopback server: every endpoint, typed errors, retries of reads with
//! fresh nonces, orders never resent (timeouts, resets, 5xx, unknown statuses), reconciliation,
//! HTML / truncated / oversize bodies, redirects, and strict reply signatures.

use std::time::{Duration, Instant};

use base64::Engine as _;
use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;
use sign_core::rsa::{RsaPublicKey, RsaSha256Verifier};
use sign_core::{Md5Signer, Secret, SecretSuffix, SignatureEncoding, Verifier as _};
use vipcharge::api::{
    AlipayCouponsRequest, AlipayTransferRequest, BalanceRequest, BatchItem, BatchRequest,
    CouponRequest, GasCardRequest, OrderInfoRequest, ProductCodeRequest, ProductListRequest,
    RedPacketRequest, VipChargeRequest, WechatCouponsRequest, WechatTransferRequest,
};
use vipcharge::error::{DecodeErrorKind, SignatureErrorKind, TransportErrorKind, UnknownReason};
use vipcharge::sign::string_to_sign;
use vipcharge::types::{GasCardType, OrderStatus, ReplyStatus};
use vipcharge::{Client, Credentials, Error, ReplySignatureMode};

use crate::support::{
    Canned, Recorded, SECRET, Server, backends, key_pem, live_md5_client, pub_pem, rsa_client,
};

fn ok(data: &str) -> Canned {
    Canned::json(&format!(
        r#"{{"status":0,"message":"success","data":{data}}}"#
    ))
}

fn status(code: i64, message: &str) -> Canned {
    Canned::json(&format!(r#"{{"status":{code},"message":"{message}"}}"#))
}

/// Checks the auth headers and the MD5 signature of a recorded request.
fn assert_signed_md5(r: &Recorded, path: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, path);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("businessId"), Some("166"));
    assert_eq!(r.header("signType"), Some("MD5"));
    let nonce = r.header("nonce").expect("nonce header");
    assert_eq!(nonce.len(), 36, "nonce is a UUID: {nonce}");
    assert_eq!(&nonce[14..15], "4", "nonce is a version-4 UUID: {nonce}");
    let ts: i64 = r
        .header("timestamp")
        .expect("timestamp")
        .parse()
        .expect("millis");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    assert!(
        (i128::from(ts) - now as i128).abs() < 60_000,
        "timestamp is now in millis"
    );
    let msg = string_to_sign("166", nonce, Some("MD5"), &ts.to_string(), &r.body);
    let expected = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
    assert_eq!(
        r.header("sign"),
        Some(expected.as_str()),
        "signature over the bytes received"
    );
}

fn encrypted(text: &str) -> String {
    let public = RsaPublicKey::parse(&pub_pem()).expect("public key");
    let ct = public.encrypt_pkcs1v15(text.as_bytes()).expect("encrypt");
    base64::engine::general_purpose::STANDARD.encode(ct)
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let long_link = format!("https://r.example.com/redeem?code={}", "Zx9".repeat(150));
    let coupon_data = format!(
        r#"{{"orderCode":"O-C1","bizCode":"BIZ-C1","productName":"券","settlementPrice":"9.90","type":1,"couponInfo":[{{"cardNo":"{}","cdkey":"{}"}},{{"cardNo":"","cdkey":"{}"}}]}}"#,
        encrypted("8888000011112222"),
        encrypted("PIN-3F9A"),
        encrypted(&long_link)
    );
    let pc_data = format!(
        r#"{{"orderCode":"O-PC1","couponInfo":[{{"cdkey":"{}"}}]}}"#,
        encrypted("VIPX-2026")
    );
    let accepted = r#"{"orderCode":"O1","bizCode":"B1","account":"a","settlementPrice":451.10}"#;
    let server = Server::start(vec![
        ok(accepted),
        ok(r#"{"orderCode":"O1","bizCode":"B1","orderStatus":2}"#),
        ok(r#"{"merchantId":"166","businessId":"166","creditLine":"381","amount":164.5}"#),
        ok(r#"[{"productCode":"87103","productName":"月卡","settlementPrice":19.8}]"#),
        ok(&coupon_data),
        ok(&pc_data),
        ok(accepted),
        ok(r#"{"batchBizCode":"BATCH-1"}"#),
        ok(accepted),
        ok(accepted),
        ok(accepted),
        ok(accepted),
        ok(accepted),
    ])
    .await;
    let c = live_md5_client(&server.base);

    let r = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B1").mobile("15012616978"))
        .await
        .expect("VIPCharge");
    assert_eq!(r.order_code(), Some("O1"));
    assert_eq!(r.settlement_price(), Some(Decimal::new(45110, 2)));

    let r = c
        .send(&OrderInfoRequest::by_biz_code("B1"))
        .await
        .expect("order/info");
    assert_eq!(r.status(), Some(&OrderStatus::Success));

    let r = c.send(&BalanceRequest::new()).await.expect("balance");
    assert_eq!(r.credit_line(), Some(Decimal::new(381, 0)));
    assert_eq!(r.amount(), Some(Decimal::new(1645, 1)));

    let r = c
        .send(&ProductListRequest::new())
        .await
        .expect("product/list");
    assert_eq!(r.products()[0].product_code(), Some("87103"));

    let r = c
        .send(&CouponRequest::new("P-100", "BIZ-C1").num(2))
        .await
        .expect("coupon");
    assert_eq!(r.codes().len(), 2);
    assert_eq!(
        r.codes()[0].card_no().expect("card no").expose(),
        "8888000011112222"
    );
    assert_eq!(r.codes()[0].cdkey().expose(), "PIN-3F9A");
    assert!(r.codes()[1].card_no().is_none());
    assert_eq!(
        r.codes()[1].cdkey().expose(),
        long_link,
        "a two-block value decrypts whole"
    );
    assert!(long_link.len() > 245);
    assert_eq!(r.settlement_price(), Some(Decimal::new(990, 2)));

    let r = c
        .send(&ProductCodeRequest::new("RP-001").biz_code("BIZ-PC1"))
        .await
        .expect("productCode");
    assert_eq!(r.codes()[0].cdkey().expose(), "VIPX-2026");

    c.send(&GasCardRequest::new("9030000012345678", GasCardType::PetroChina).biz_code("B1"))
        .await
        .expect("gasCard");
    let r = c
        .send(&BatchRequest::new("BATCH-1", "ZSH-100").item(BatchItem::new("B1", "1")))
        .await
        .expect("batch");
    assert_eq!(r.batch_biz_code(), Some("BATCH-1"));
    c.send(&RedPacketRequest::new("TPL-1").biz_code("B1"))
        .await
        .expect("redPacket");
    c.send(&AlipayTransferRequest::new(
        "B1",
        "ALI-RP",
        Decimal::new(1050, 2),
    ))
    .await
    .expect("alipay/transfer");
    c.send(&AlipayCouponsRequest::new("15012616978", "ALI-LJJ"))
        .await
        .expect("alipay/coupons");
    c.send(&WechatCouponsRequest::new("o-1"))
        .await
        .expect("wechat/coupons");
    c.send(&WechatTransferRequest::new("o-1", "WX-5"))
        .await
        .expect("wechat/transfer");

    let seen = server.requests();
    let paths = [
        "/v1/openapi/order/VIPCharge",
        "/v1/openapi/order/info",
        "/v1/openapi/merchant/business/balance",
        "/v1/openapi/order/product/list",
        "/v1/openapi/order/coupon",
        "/v1/openapi/order/productCode",
        "/v1/openapi/order/gasCard",
        "/v1/openapi/order/batch",
        "/v1/openapi/order/redPacket",
        "/v1/openapi/order/alipay/transfer",
        "/v1/openapi/order/alipay/coupons",
        "/v1/openapi/order/wechat/coupons",
        "/v1/openapi/order/wechat/transfer",
    ];
    assert_eq!(seen.len(), paths.len(), "each call sent exactly once");
    for (r, path) in seen.iter().zip(paths) {
        assert_signed_md5(r, path);
    }
    let mut nonces: Vec<&str> = seen.iter().filter_map(|r| r.header("nonce")).collect();
    nonces.sort_unstable();
    nonces.dedup();
    assert_eq!(nonces.len(), paths.len(), "a fresh nonce per request");
    assert_eq!(
        seen[2].body,
        br#"{"businessId":"166","merchantId":"166"}"#.to_vec(),
        "balance body"
    );
}

#[tokio::test]
async fn rsa_requests_verify_with_the_merchant_public_key_on_every_backend() {
    for backend in backends() {
        let server = Server::start(vec![ok(r#"{"orderCode":"O1"}"#)]).await;
        let client = rsa_client(&server.base, backend);
        client
            .send(&VipChargeRequest::new("87103", "w23b52", "B-RSA"))
            .await
            .expect("VIPCharge");
        let r = &server.requests()[0];
        assert_eq!(r.header("signType"), Some("SHA256-RSA"));
        let msg = string_to_sign(
            "166",
            r.header("nonce").expect("nonce"),
            Some("SHA256-RSA"),
            r.header("timestamp").expect("timestamp"),
            &r.body,
        );
        let v = RsaSha256Verifier::new(RsaPublicKey::parse(&pub_pem()).expect("key"));
        v.verify_encoded(
            &msg,
            r.header("sign").expect("sign"),
            SignatureEncoding::Base64,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
    }
}

#[tokio::test]
async fn api_errors_are_typed() {
    let server = Server::start(vec![status(9, "余额不足")]).await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-9"))
        .await
        .expect_err("insufficient balance");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status(), &ReplyStatus::InsufficientBalance);
    assert_eq!(api.biz_code(), Some("B-9"));
    assert!(!err.is_outcome_unknown());
    assert!(
        !err.is_retryable(),
        "a definite refusal is not worth asking again"
    );
    assert_eq!(server.requests().len(), 1);
}

/// The recharged account (an email here) and the user's mobile number.
const PERSONAL: [(&str, &str); 2] = [
    ("account", "lin.mei@example.org"),
    ("mobile", "13912345678"),
];

#[tokio::test]
async fn signature_rejection_shows_what_was_signed() {
    let server = Server::start(vec![status(2, "验签失败"), status(10, "IP校验不通过")]).await;
    let c = live_md5_client(&server.base);
    let logs = LogCapture::start();
    let err = c
        .send(&VipChargeRequest::new("87103", PERSONAL[0].1, "B-SIG-1").mobile(PERSONAL[1].1))
        .await
        .expect_err("signature refused");
    let logs = logs.finish();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status(), &ReplyStatus::SignatureRejected);
    assert!(api.is_signature_rejected());
    // What was signed is the auth headers and the body the server received, then the masked
    // secret.
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "an order is sent once");
    let r = &seen[0];
    let message = string_to_sign(
        r.header("businessId").expect("businessId"),
        r.header("nonce").expect("nonce"),
        r.header("signType"),
        r.header("timestamp").expect("timestamp"),
        &r.body,
    );
    let expected = format!("{}***", String::from_utf8(message).expect("utf-8"));
    assert!(expected.contains("&signType=MD5&"), "{expected}");
    assert!(expected.contains("\"bizCode\":\"B-SIG-1\""), "{expected}");
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
        assert!(text.contains("headers["), "{what}: {text}");
        assert!(!text.contains(SECRET), "no secret in {what}: {text}");
        assert!(text.contains(&explained.digest_prefix()), "{what}: {text}");
    }
    assert!(
        shown.ends_with(&format!("; signed: {}", explained.redacted())),
        "{shown}"
    );

    // Another refusal keeps the explanation for code but does not print it.
    let err = c
        .send(&BalanceRequest::new())
        .await
        .expect_err("IP rejected");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status(), &ReplyStatus::IpRejected);
    assert!(!api.is_signature_rejected());
    assert!(api.signed().is_some());
    assert!(!err.to_string().contains("signed:"), "{err}");
}

#[tokio::test]
async fn a_query_ends_by_its_call_deadline_not_after_every_attempt_timed_out() {
    // Timeout 300 ms, 3 attempts, deadline 500 ms, a server that never replies: the call ends
    // at about 500 ms (before: 3 x 300 ms plus pauses).
    let server = Server::start(vec![Canned::Hang]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .timeout(Duration::from_millis(300))
        .call_deadline(Duration::from_millis(500))
        .retry_policy(
            vipcharge::RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c.send(&BalanceRequest::new()).await.expect_err("no reply");
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_millis(700), "{took:?}");
    assert_eq!(server.requests().len(), 2, "a retry ran in the time left");

    // An order is sent once, its timeout capped by the deadline, and stays OutcomeUnknown.
    let server = Server::start(vec![Canned::Hang]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .timeout(Duration::from_secs(2))
        .call_deadline(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-DL"))
        .await
        .expect_err("times out");
    assert!(started.elapsed() < Duration::from_millis(600));
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        u.reason(),
        &UnknownReason::Transport(TransportErrorKind::Timeout)
    );
    assert_eq!(server.requests().len(), 1);
    let zero = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .call_deadline(Duration::ZERO)
        .build()
        .expect_err("zero deadline");
    assert!(zero.to_string().contains("call_deadline"), "{zero}");
}

#[tokio::test]
async fn reads_are_retried_after_5xx_with_a_fresh_nonce() {
    let server = Server::start(vec![
        Canned::status(503, "text/html", "<html>busy</html>"),
        ok(r#"{"amount":"1.00"}"#),
    ])
    .await;
    let c = live_md5_client(&server.base);
    let r = c.send(&BalanceRequest::new()).await.expect("retried");
    assert_eq!(r.amount(), Some(Decimal::new(100, 2)));
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0].header("nonce"), seen[1].header("nonce"));
}

#[tokio::test]
async fn reads_are_retried_after_nonce_repeated_and_give_up_with_the_status() {
    let server = Server::start(vec![status(6, "nonce重复"), ok(r#"{"orderCode":"O1"}"#)]).await;
    let c = live_md5_client(&server.base);
    c.send(&OrderInfoRequest::by_order_code("O1"))
        .await
        .expect("second attempt succeeds");
    assert_eq!(server.requests().len(), 2);

    let server = Server::start(vec![status(99, "数据异常")]).await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&OrderInfoRequest::by_order_code("O1"))
        .await
        .expect_err("keeps failing");
    assert_eq!(err.reply_status(), Some(&ReplyStatus::DataException));
    assert_eq!(server.requests().len(), 3, "three attempts in all");
    // The shared accessor vocabulary: a busy status is retryable, and its code is typed.
    assert!(err.is_retryable(), "{err:?}");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code().as_str(), "99");
    assert_eq!(api.code().to_string(), "99 (数据异常)");
}

#[tokio::test]
async fn order_timeout_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![Canned::Hang]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-T"))
        .await
        .expect_err("times out");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        u.reason(),
        &UnknownReason::Transport(TransportErrorKind::Timeout)
    );
    assert_eq!(u.biz_code(), Some("B-T"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.requests().len(), 1, "an order is never resent");
}

#[tokio::test]
async fn order_connection_reset_is_outcome_unknown_and_never_resent() {
    let server = Server::start(vec![Canned::Reset]).await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&CouponRequest::new("P-100", "B-R"))
        .await
        .expect_err("reset");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(err.biz_code(), Some("B-R"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn order_5xx_and_short_body_are_outcome_unknown() {
    let server = Server::start(vec![Canned::status(502, "text/plain", "Bad Gateway")]).await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-5"))
        .await
        .expect_err("502");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u.reason(), &UnknownReason::HttpStatus(502));
    assert_eq!(u.raw_body(), Some(&b"Bad Gateway"[..]));
    assert_eq!(server.requests().len(), 1);

    let server = Server::start(vec![Canned::ShortBody {
        len: 200,
        body: br#"{"status":0,"mess"#.to_vec(),
    }])
    .await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-6"))
        .await
        .expect_err("short body");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn duplicate_order_is_outcome_unknown_then_reconciled() {
    let server = Server::start(vec![
        status(8, "单号重复"),
        ok(r#"{"orderCode":"O9","bizCode":"B-8","orderStatus":1}"#),
    ])
    .await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-8"))
        .await
        .expect_err("duplicate");
    assert!(err.is_outcome_unknown());
    assert_eq!(err.reply_status(), Some(&ReplyStatus::DuplicateOrder));
    let biz = err.biz_code().expect("biz code to reconcile").to_owned();
    let order = c
        .reconcile(&biz)
        .await
        .expect("reconcile")
        .into_found()
        .expect("found");
    assert_eq!(order.status(), Some(&OrderStatus::Processing));
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].path, "/v1/openapi/order/info");
    assert_eq!(seen[1].body, br#"{"bizCode":"B-8"}"#.to_vec());
}

#[tokio::test]
async fn unreadable_read_replies_are_decode_errors() {
    let cases = [
        (
            Canned::status(200, "text/html", "<html>login</html>"),
            DecodeErrorKind::Html,
        ),
        (
            Canned::json(r#"{"status":0,"data":{"amo"#),
            DecodeErrorKind::Truncated,
        ),
        (Canned::json("not json"), DecodeErrorKind::NotJson),
        (Canned::json(""), DecodeErrorKind::Empty),
    ];
    // A garbled reply may be a connection cut short or a proxy page: a read is asked again
    // (three attempts by default), and the last error is reported.
    for (canned, kind) in cases {
        let server = Server::start(vec![canned.clone(), canned.clone(), canned]).await;
        let c = live_md5_client(&server.base);
        let err = c
            .send(&BalanceRequest::new())
            .await
            .expect_err("unreadable");
        let Error::Decode(d) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(d.kind(), kind);
        assert_eq!(server.requests().len(), 3, "{kind:?} is retried for a read");
    }
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let big = format!(r#"{{"status":0,"data":{{"pad":"{}"}}}}"#, "x".repeat(4096));
    let server = Server::start(vec![Canned::json(&big)]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .max_body_bytes(1024)
        .build()
        .expect("client");
    let err = c.send(&BalanceRequest::new()).await.expect_err("too large");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge);

    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-L"))
        .await
        .expect_err("too large");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        u.reason(),
        &UnknownReason::Transport(TransportErrorKind::BodyTooLarge)
    );
}

#[tokio::test]
async fn refused_connection_on_an_order_is_a_plain_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let c = live_md5_client(&base);
    let err = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-C"))
        .await
        .expect_err("refused");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert!(!err.is_outcome_unknown(), "nothing was delivered");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start(vec![Canned::Reply {
        status: 302,
        headers: vec![("Location".into(), "http://127.0.0.1:1/elsewhere".into())],
        body: Vec::new(),
    }])
    .await;
    let c = live_md5_client(&server.base);
    let err = c
        .send(&ProductListRequest::new())
        .await
        .expect_err("redirect");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Redirect);
    assert_eq!(server.requests().len(), 1);
}

fn signed_reply(body: &str, tamper: bool) -> Canned {
    let nonce = "reply-nonce";
    let ts = "1628757969177";
    let msg = string_to_sign("166", nonce, Some("MD5"), ts, body.as_bytes());
    let sign = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
    let sent = if tamper {
        body.replace("100", "900")
    } else {
        body.to_owned()
    };
    Canned::Reply {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("businessId".into(), "166".into()),
            ("nonce".into(), nonce.into()),
            ("timestamp".into(), ts.into()),
            ("signType".into(), "MD5".into()),
            ("sign".into(), sign),
        ],
        body: sent.into_bytes(),
    }
}

#[tokio::test]
async fn strict_reply_verification() {
    let body =
        r#"{"status":0,"message":"success","data":{"orderCode":"O1","settlementPrice":100}}"#;
    let server = Server::start(vec![
        signed_reply(body, false),
        signed_reply(body, true),
        Canned::json(body),
    ])
    .await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .reply_signatures(ReplySignatureMode::Strict)
        .build()
        .expect("client");
    let req = VipChargeRequest::new("87103", "w23b52", "B-S");
    let r = c.send(&req).await.expect("signed reply verifies");
    assert_eq!(r.settlement_price(), Some(Decimal::new(100, 0)));
    let err = c.send(&req).await.expect_err("tampered");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        u.reason(),
        &UnknownReason::ReplySignature(SignatureErrorKind::Mismatch),
        "an order may exist"
    );
    let err = c.send(&req).await.expect_err("unsigned");
    assert!(
        matches!(&err, Error::OutcomeUnknown(u)
            if u.reason() == &UnknownReason::ReplySignature(SignatureErrorKind::Missing)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_reply_signed_with_the_previous_key_verifies_during_a_rotation() {
    // The platform still signs with the old secret (SECRET); the client's current one is new.
    let body =
        r#"{"status":0,"message":"success","data":{"orderCode":"O1","settlementPrice":100}}"#;
    let req = VipChargeRequest::new("87103", "w23b52", "B-ROT");
    for with_previous in [true, false] {
        let server = Server::start(vec![signed_reply(body, false)]).await;
        let mut b = Client::builder("166", "166", Credentials::md5("a-new-secret"))
            .base_url(&server.base)
            .reply_signatures(ReplySignatureMode::Strict);
        if with_previous {
            b = b.previous_platform_verifier(vipcharge::sign::PlatformVerifier::md5(SECRET));
        }
        let c = b.build().expect("client");
        let r = c.send(&req).await;
        if with_previous {
            assert_eq!(
                r.expect("verifies with the previous key")
                    .settlement_price(),
                Some(Decimal::new(100, 0))
            );
        } else {
            let err = r.expect_err("neither key");
            assert!(
                matches!(&err, Error::OutcomeUnknown(u)
                    if u.reason() == &UnknownReason::ReplySignature(SignatureErrorKind::Mismatch)),
                "{err:?}"
            );
        }
    }
}

#[tokio::test]
async fn md5_merchant_card_key_from_bytes_decrypts() {
    // `card_key` given as the bare base64 PKCS#8 body Java providers hand out.
    let pem = String::from_utf8(key_pem()).expect("utf-8");
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let data = format!(
        r#"{{"couponInfo":[{{"cdkey":"{}"}}]}}"#,
        encrypted("PIN-BARE")
    );
    let server = Server::start(vec![ok(&data)]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .card_key(bare.as_bytes())
        .build()
        .expect("client");
    let r = c.send(&CouponRequest::new("P", "B")).await.expect("coupon");
    assert_eq!(r.codes()[0].cdkey().expose(), "PIN-BARE");
    assert_eq!(
        c.decrypt_card_value(&encrypted("other"))
            .expect("decrypts")
            .expose(),
        "other"
    );
}

/// A reply signed by someone who does not hold the secret: a forged create or read reply.
fn forged_reply(body: &str) -> Canned {
    let nonce = "forged-nonce";
    let ts = "1628757969177";
    let msg = string_to_sign("166", nonce, Some("MD5"), ts, body.as_bytes());
    let sign =
        Md5Signer::new(Secret::new("not-the-secret"), SecretSuffix::Plain).sign_hex_upper(&msg);
    Canned::Reply {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("businessId".into(), "166".into()),
            ("nonce".into(), nonce.into()),
            ("timestamp".into(), ts.into()),
            ("signType".into(), "MD5".into()),
            ("sign".into(), sign),
        ],
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test]
async fn a_forged_reply_signature_is_refused_by_default_and_an_unsigned_reply_passes() {
    let accepted =
        r#"{"status":0,"message":"success","data":{"orderCode":"O-F","settlementPrice":100}}"#;
    let info = r#"{"status":0,"message":"success","data":{"orderCode":"O-F","bizCode":"B-F","orderStatus":2}}"#;
    let server = Server::start(vec![
        forged_reply(accepted),
        forged_reply(info),
        signed_reply(accepted, true),
        Canned::json(accepted),
        Canned::json(info),
    ])
    .await;
    // No reply_verification setting: the default.
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .retry_policy(vipcharge::RetryPolicy::none())
        .build()
        .expect("client");
    let req = VipChargeRequest::new("87103", "w23b52", "B-F");

    // A create whose reply is forged: the order may exist, so the outcome is unknown.
    let err = c.send(&req).await.expect_err("forged create reply");
    let Error::OutcomeUnknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        u.reason(),
        &UnknownReason::ReplySignature(SignatureErrorKind::Mismatch)
    );
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(err.biz_code(), Some("B-F"));
    assert!(err.to_string().contains("do not resend"), "{err}");

    // A read whose reply is forged: a signature error, not a status.
    let err = c.reconcile("B-F").await.expect_err("forged read reply");
    let Error::Signature(s) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(s.kind(), SignatureErrorKind::Mismatch);
    assert!(!err.is_outcome_unknown());

    // A genuine signature over an altered body is refused the same way.
    let err = c.send(&req).await.expect_err("tampered create reply");
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");

    // Unsigned replies still pass by default (the docs do not settle whether they are signed).
    let r = c.send(&req).await.expect("an unsigned create reply passes");
    assert_eq!(r.order_code(), Some("O-F"));
    let r = c
        .reconcile("B-F")
        .await
        .expect("an unsigned read reply passes")
        .into_found()
        .expect("found");
    assert_eq!(r.status(), Some(&OrderStatus::Success));
}

#[tokio::test]
async fn warn_mode_still_acts_on_a_forged_reply_when_asked_to() {
    let info = r#"{"status":0,"message":"success","data":{"orderCode":"O-W","orderStatus":2}}"#;
    let server = Server::start(vec![forged_reply(info)]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .reply_signatures(ReplySignatureMode::Warn)
        .build()
        .expect("client");
    let r = c
        .reconcile("B-W")
        .await
        .expect("Warn only logs (explicit opt-in)")
        .into_found()
        .expect("found");
    assert_eq!(r.order_code(), Some("O-W"));
}

#[tokio::test]
async fn an_accepted_order_without_order_code_is_accepted_not_an_error() {
    let server = Server::start(vec![
        ok(r#"{"bizCode":"B-NOCODE","settlementPrice":"19.80"}"#),
        ok(r#"{"orderCode":"","bizCode":"B-EMPTY"}"#),
    ])
    .await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .build()
        .expect("client");
    let r = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-NOCODE"))
        .await
        .expect("accepted without orderCode");
    assert_eq!(r.order_code(), None);
    assert_eq!(r.biz_code(), Some("B-NOCODE"));
    assert_eq!(r.settlement_price(), Some(Decimal::new(1980, 2)));
    let r = c
        .send(&VipChargeRequest::new("87103", "w23b52", "B-EMPTY"))
        .await
        .expect("accepted with an empty orderCode");
    assert_eq!(
        r.order_code(),
        None,
        "an empty orderCode is no order number"
    );
}

#[tokio::test]
async fn a_signed_reply_cut_short_on_the_way_is_unreadable_not_forged_by_default() {
    let info = r#"{"status":0,"message":"success","data":{"orderCode":"O-T","orderStatus":2}}"#;
    let Canned::Reply {
        status, headers, ..
    } = signed_reply(info, false)
    else {
        panic!("a reply")
    };
    let cut = Canned::Reply {
        status,
        headers,
        body: info.as_bytes()[..40].to_vec(),
    };
    let server = Server::start(vec![cut, Canned::json(info)]).await;
    let c = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(&server.base)
        .retry_policy(vipcharge::RetryPolicy::none())
        .build()
        .expect("client");
    let err = c.reconcile("B-T").await.expect_err("truncated");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.kind(), DecodeErrorKind::Truncated);
}

#[tokio::test]
async fn reconcile_reports_a_missing_order_as_not_found() {
    let server = Server::start(vec![
        status(7, "资源不存在"),
        ok(r#"{"orderCode":"O-7","orderStatus":2}"#),
    ])
    .await;
    let c = live_md5_client(&server.base);
    let r = c
        .reconcile("B-NONE")
        .await
        .expect("a missing order is an answer");
    assert!(r.is_not_found(), "{r:?}");
    let r = c.reconcile("B-7").await.expect("found");
    assert_eq!(r.found().and_then(|o| o.order_code()), Some("O-7"));
    assert_eq!(server.requests().len(), 2, "status 7 is not retried");
}

/// A 404 / 405 that is not the platform's envelope (an HTML page, an empty body, another
/// server's JSON): the URL has no route, so the order was not placed. A configuration error on
/// `base_url` naming the full URL, sent once, never "outcome unknown".
#[tokio::test]
async fn order_answered_404_or_405_without_the_envelope_is_a_config_error_naming_the_url() {
    let cases = [
        Canned::status(404, "text/html", "<html><h1>404 Not Found</h1></html>"),
        Canned::status(405, "text/plain", ""),
        Canned::status(404, "application/json", r#"{"error":"not_found"}"#),
    ];
    for canned in cases {
        let server = Server::start(vec![canned.clone()]).await;
        let c = live_md5_client(&server.base);
        let req = VipChargeRequest::new("87103", "w23b52", "B-404");
        let err = c.send(&req).await.expect_err("no route");
        assert!(!err.is_outcome_unknown(), "{canned:?}: {err:?}");
        assert!(!err.is_retryable(), "{canned:?}: {err:?}");
        let Error::Config(cfg) = &err else {
            panic!("{canned:?}: {err:?}")
        };
        assert_eq!(cfg.setting(), "base_url");
        let path = server.requests()[0].path.clone();
        let text = err.to_string();
        assert!(
            text.contains(&format!("POST {}{path}", server.base)),
            "{text}"
        );
        assert!(text.contains("check base_url"), "{text}");
        assert_eq!(server.requests().len(), 1, "sent once");
    }
}

/// The platform's own envelope on a 404 (status 4, "no such interface method") stays its answer.
#[tokio::test]
async fn a_404_with_the_platforms_envelope_is_its_api_error() {
    let server = Server::start(vec![Canned::status(
        404,
        "application/json",
        r#"{"status":4,"message":"没有对应的接口方法"}"#,
    )])
    .await;
    let c = live_md5_client(&server.base);
    let err = c.send(&BalanceRequest::new()).await.expect_err("api");
    assert!(matches!(&err, Error::Api(_)), "{err:?}");
}
