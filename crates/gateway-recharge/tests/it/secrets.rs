//! The key never appears in Debug or Display of anything a user can print.

use std::sync::Arc;

use gateway_recharge::api::{CreateOrderRequest, RawRequest};
use gateway_recharge::notify::NotifyVerifier;
use gateway_recharge::payhub_runtime::FixedClock;
use gateway_recharge::{Client, Error};
use rust_decimal::Decimal;

use crate::support::VerifyCt as _;

const SECRET: &str = "Sup3r-s3cret-WinPay-k3y";

#[track_caller]
fn clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the key: {text}");
}

#[test]
fn no_output_contains_the_key() {
    let builder = Client::builder("M1234567890", SECRET)
        .base_url("https://api.winpay.example")
        .clock(Arc::new(FixedClock::from_millis(1_731_681_331_000)));
    clean("builder", &format!("{builder:?}"));
    let client = builder.build().expect("client");
    clean("client", &format!("{client:?}"));
    let verifier = client.notify_verifier();
    clean("verifier", &format!("{verifier:?}"));
    clean(
        "standalone verifier",
        &format!("{:?}", NotifyVerifier::new("M1", SECRET)),
    );

    let req = CreateOrderRequest::new(
        "ORD1",
        Decimal::new(100, 2),
        "r",
        "u",
        "10.0.0.1",
        "https://a.example/cb",
        "https://a.example/ret",
    );
    clean("request", &format!("{req:?}"));
    let prepared = client.prepare(&req).expect("prepare");
    clean("prepared debug", &format!("{prepared:?}"));
    clean("prepared render", &prepared.render());
    let explanation = prepared.signed().expect("explanation");
    clean("explanation", &format!("{explanation} {explanation:?}"));
    assert!(explanation.signed_string().ends_with("&key=***"));

    // A raw request carrying the key as a value by mistake is the user's data, but the client's
    // own outputs above must not add it. Every error variant:
    let mut errors: Vec<Error> = vec![
        Client::builder("M1", SECRET)
            .build()
            .expect_err("no base url"),
        client
            .prepare(&RawRequest::new("bad path", [("a", "b")]))
            .expect_err("validation"),
        client
            .decode_reply(
                &gateway_recharge::api::BalanceRequest::new(),
                200,
                b"<html>",
            )
            .expect_err("decode"),
        client
            .decode_reply(
                &gateway_recharge::api::BalanceRequest::new(),
                200,
                br#"{"code":"9","msg":"bad sign"}"#,
            )
            .expect_err("api"),
        verifier
            .verify_ct(Some("application/json"), br#"{"a":"1","sign":"00"}"#)
            .expect_err("notify"),
    ];
    errors.push(
        client
            .decode_reply(&req, 200, br#"{"code":"0","data":{"trade_no":"#)
            .expect_err("decode create"),
    );
    for e in &errors {
        clean("error", &format!("{e} {e:?}"));
    }
    let body = br#"{"trade_no":"T","order_no":"O","amount":"1.00","remark":"r","status":"success","trade_time":"2024-10-15 20:31:50","sign":"x"}"#;
    clean(
        "notify error",
        &format!("{:?}", verifier.verify_ct(None, body)),
    );
}
