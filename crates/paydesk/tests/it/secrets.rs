//! The apiKey and signatures never show in `Debug`, `Display`, errors or traces.

use paydesk::api::{BalanceRequest, PayDeskRequest, PayInQueryRequest};
use paydesk::notify::NotifyVerifier;
use paydesk::{Client, Error, Secret, sign};
use payhub_runtime::test_util::LogCapture;
use rust_decimal::Decimal;

use crate::support::{Reply, Server};
use crate::{MERCHANT, notify_headers};

const SECRET: &str = "sk_live_VERY_SECRET_4242";

fn assert_clean(what: &str, text: &str, signature: Option<&str>) {
    assert!(!text.contains(SECRET), "{what} leaks the apiKey: {text}");
    if let Some(s) = signature {
        assert!(!text.contains(s), "{what} leaks the signature: {text}");
    }
}

fn both<T: std::fmt::Debug + std::fmt::Display>(v: &T) -> String {
    format!("{v} {v:?} {v:#?}")
}

#[test]
fn debug_and_display_never_show_the_key() {
    let builder = Client::builder(MERCHANT, SECRET).base_url("http://127.0.0.1:9");
    assert_clean("ClientBuilder", &format!("{builder:?}"), None);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), None);
    assert_clean(
        "NotifyVerifier",
        &format!("{:?}", client.notify_verifier()),
        None,
    );
    assert_clean("Secret", &both(&Secret::new(SECRET)), None);

    let req = BalanceRequest::new().nonce_str("n1");
    let prepared = client.prepare(&req).expect("valid");
    let signature = prepared.header_value("Sign").expect("signed").to_owned();
    assert_clean(
        "PreparedRequest",
        &format!("{prepared:?}"),
        Some(&signature),
    );
    assert_clean("render", &prepared.render(), None);
    assert_clean(
        "explanation",
        &prepared.signed().expect("explained").to_string(),
        None,
    );

    // Every error variant this crate can produce with this key.
    let mut errors: Vec<Error> = vec![
        Client::builder(MERCHANT, SECRET)
            .build()
            .expect_err("config"),
        client
            .prepare(&PayDeskRequest::new("", "TZS", Decimal::ZERO, "x"))
            .expect_err("validation"),
        paydesk::api::parse_reply::<BalanceRequest>(200, b"<html>").expect_err("decode"),
        paydesk::api::parse_reply::<BalanceRequest>(
            200,
            br#"{"code":500,"msg":"Sign_verify_error"}"#,
        )
        .expect_err("api"),
    ];
    let body = br#"{"orderNo":"PAYIN1","amount":"1","mchOrderNo":"M","orderStatus":"SUCCESS","merchantId":"9"}"#;
    let v = NotifyVerifier::new(MERCHANT, SECRET);
    let good = sign::signature(&Secret::new(SECRET), body);
    let n = NotifyVerifier::new(9, SECRET)
        .verify(&notify_headers(Some("9"), Some(&good), None), body)
        .expect("valid notify");
    assert_clean("notification", &format!("{n:?} {n:#?}"), Some(&good));
    for (merchant, sign) in [
        (Some("1002001"), Some("00")),
        (Some("1002001"), Some(good.as_str())),
        (None, None),
    ] {
        errors.push(
            v.verify(&notify_headers(merchant, sign, None), body)
                .expect_err("notify"),
        );
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = Server::start(vec![
            ("/api/payDesk", vec![Reply::Reset]),
            ("/api/getBalance", vec![Reply::Reset]),
        ])
        .await;
        let c = Client::builder(MERCHANT, SECRET)
            .base_url(server.base())
            .build()
            .expect("client");
        let req = PayDeskRequest::new("M1", "TZS", Decimal::from(1000), "https://m.example/n")
            .mobile_money_phone("1")
            .real_name("n")
            .phone("2")
            .email("a@b.cd")
            .remark("r");
        errors.push(c.send(&req).await.expect_err("outcome unknown"));
        errors.push(c.send(&BalanceRequest::new()).await.expect_err("transport"));
    });
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Config(_) => "config",
            Error::Validation(_) => "validation",
            Error::Transport(_) => "transport",
            Error::OutcomeUnknown(_) => "outcome_unknown",
            Error::Decode(_) => "decode",
            Error::Api(_) => "api",
            Error::Notify(_) => "notify",
            _ => "other",
        })
        .collect();
    for k in [
        "config",
        "validation",
        "transport",
        "outcome_unknown",
        "decode",
        "api",
        "notify",
    ] {
        assert!(kinds.contains(&k), "{k} is covered: {kinds:?}");
    }
    for e in &errors {
        assert_clean("error", &both(e), Some(&good));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            assert_clean("error source", &format!("{s} {s:?}"), Some(&good));
            source = s.source();
        }
    }
    // Signing errors wrap sign-core's opaque error.
    assert_clean(
        "signature error",
        &both(&Error::Signature(sign_core_error())),
        None,
    );
}

fn sign_core_error() -> sign_core::Error {
    sign_core::Error::BadSignature
}

#[test]
fn traces_name_the_call_and_mask_secrets() {
    let logs = LogCapture::start();
    let signature = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let server = Server::start(vec![(
                "/api/payInQuery",
                vec![
                    Reply::Json(500, "{}".into()),
                    Reply::ok(r#"{"orderNo":"PAYIN77","amount":"1","orderStatus":"PAYING"}"#),
                ],
            )])
            .await;
            let c = Client::builder(MERCHANT, SECRET)
                .base_url(server.base())
                .retry_policy(
                    paydesk::RetryPolicy::default()
                        .initial_delay(std::time::Duration::from_millis(1)),
                )
                .build()
                .expect("client");
            c.send(&PayInQueryRequest::by_mch_order_no("MCH-77"))
                .await
                .expect("second attempt");
            server.seen()[1].header("Sign").expect("signed").to_owned()
        })
    };
    let logs = logs.finish();
    assert_clean("traces", &logs, Some(&signature));
    for needle in [
        "payhub.call",
        "provider=\"paydesk\"",
        "operation=\"payInQuery\"",
        "merchant=\"1002001\"",
        "order_no=MCH-77",
        "attempt=2",
        "http_status=200",
        "latency_ms=",
        "outcome=\"ok\"",
    ] {
        assert!(logs.contains(needle), "traces lack {needle}: {logs}");
    }
    // Events of the call happen inside its span (the pipeline enters it around every poll when
    // a subscriber takes it).
    assert!(
        logs.lines()
            .any(|l| l.contains("payhub.call{") && l.contains("provider replied")),
        "the transport's event is outside the call's span: {logs}"
    );
}
