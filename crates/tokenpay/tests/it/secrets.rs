//! Nothing prints the app secret: clients, builders, verifiers, keys, requests, prepared
//! requests, notifications, diagnoses and every error variant.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::json;
use tokenpay::api::PrepayRequest;
use tokenpay::notify::NotifyVerifier;
use tokenpay::sign::AppKey;
use tokenpay::types::{Chain, Currency};
use tokenpay::{Client, Error, RawResponse};

use crate::fixtures::callback_body;
use crate::support::{self, APP_ID, MCH_ID, SECRET};

#[track_caller]
fn clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret: {text}");
    // Not even a recognizable half of it.
    assert!(
        !text.contains(&SECRET[..16]),
        "{what} leaks part of the secret: {text}"
    );
}

#[track_caller]
fn clean_both<T: std::fmt::Debug + std::fmt::Display>(what: &str, v: &T) {
    clean(what, &format!("{v:?}"));
    clean(what, &format!("{v:#?}"));
    clean(what, &v.to_string());
}

fn raw(status: u16, body: &str) -> RawResponse {
    RawResponse {
        status,
        headers: http::HeaderMap::new(),
        body: body.as_bytes().to_vec().into(),
        elapsed: std::time::Duration::ZERO,
    }
}

#[test]
fn debug_and_display_never_show_the_secret() {
    let builder = support::builder();
    clean("ClientBuilder", &format!("{builder:?}"));
    let client = builder.build().expect("client");
    clean("Client", &format!("{client:?}"));
    let verifier = client.notify_verifier();
    clean("NotifyVerifier", &format!("{verifier:?}"));
    clean(
        "AppKey",
        &format!("{:?}", AppKey::new(&SECRET.into()).expect("key")),
    );

    let req = PrepayRequest::new(
        "A-1",
        Decimal::from_str("9").expect("d"),
        Chain::Tron,
        Currency::Usdt,
    );
    clean("PrepayRequest", &format!("{req:?}"));
    let prepared = client.prepare(&req).expect("prepared");
    clean("PreparedRequest", &format!("{prepared:?}"));
    clean("PreparedRequest::render", &prepared.render());
    assert!(
        !format!("{prepared:?}").contains("signature="),
        "Debug masks the Authorization"
    );

    let envelope = json!({
        "app_id": APP_ID, "mch_id": MCH_ID, "event_type": "TRANSACTION.SUCCESS",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM"}
    });
    let body = callback_body(
        &envelope,
        Some(r#"{"transaction_id":"t","trade_state":"SUCCESS"}"#),
        "a1b2c3d4e5f6",
        None,
    );
    let headers = support::sign_headers("TTPay", "1763800001000", "n", &body);
    let n = verifier
        .verify(&support::header_map(headers.clone()), &body)
        .expect("verifies");
    clean("Notification", &format!("{n:#?}"));
    let d = verifier.diagnose(headers, &body).expect("diagnosis");
    clean_both("SignatureDiagnosis", &d);
}

#[test]
fn no_error_variant_shows_the_secret() {
    let client = support::builder().build().expect("client");
    let mut errors: Vec<Error> = vec![
        Client::builder(APP_ID, MCH_ID, &SECRET[..31])
            .build()
            .expect_err("short secret"),
        Client::builder(APP_ID, MCH_ID, format!("{SECRET}x"))
            .build()
            .expect_err("long secret"),
        Client::builder(APP_ID, MCH_ID, SECRET)
            .base_url("http://example.com")
            .build()
            .expect_err("http"),
        NotifyVerifier::new(APP_ID, MCH_ID, "short").expect_err("short"),
        client
            .prepare(&PrepayRequest::new(
                "",
                Decimal::ONE,
                Chain::Tron,
                Currency::Usdt,
            ))
            .expect_err("validation"),
    ];
    for (status, body) in [
        (
            200,
            r#"{"code":103,"msg":"invalid signature","request_id":"r"}"#,
        ),
        (200, "<html>"),
        (503, "busy"),
        (200, r#"{"code":0,"msg":"ok"}"#),
    ] {
        errors.push(
            client
                .read_reply::<PrepayRequest>(&raw(status, body))
                .expect_err("reply error"),
        );
    }
    let strict = support::builder()
        .reply_signatures(tokenpay::ReplySignatureMode::Strict)
        .build()
        .expect("client");
    errors.push(
        strict
            .read_reply::<PrepayRequest>(&raw(200, r#"{"code":0,"msg":"ok","data":{}}"#))
            .expect_err("unsigned"),
    );
    let verifier = client.notify_verifier();
    errors.push(
        verifier
            .verify(&support::header_map([("TTPay-Timestamp", "1")]), b"{}")
            .expect_err("notify"),
    );
    assert!(errors.len() >= 10);
    for e in &errors {
        clean_both("Error", e);
    }
    // The configuration error names the setting and the lengths, not the value.
    assert!(errors[0].to_string().contains("app_secret"));
    assert!(errors[0].to_string().contains("32"));
}
