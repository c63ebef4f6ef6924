//! Client configuration errors and validation behaviour not covered by the fixtures.

use std::sync::Arc;

use paydesk::api::{BalanceRequest, Operation, PayDeskRequest};
use paydesk::error::ConfigError;
use paydesk::profile::{Profile, Profiles};
use paydesk::{Client, ClientBuilder, Error, FixedNonce};
use rust_decimal::Decimal;

use crate::{KEY, MERCHANT};

#[track_caller]
fn config_error(result: paydesk::Result<Client>) -> ConfigError {
    match result {
        Err(Error::Config(e)) => e,
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn builder_refuses_bad_settings() {
    let cases: Vec<(paydesk::Result<Client>, &str)> = vec![
        (Client::builder(MERCHANT, KEY).build(), "base_url"),
        (
            Client::builder(MERCHANT, KEY)
                .base_url("http://api.cashy.example")
                .build(),
            "base_url",
        ),
        (
            Client::builder(MERCHANT, KEY)
                .base_url("ftp://127.0.0.1")
                .build(),
            "base_url",
        ),
        (
            Client::builder(MERCHANT, KEY).base_url("not a url").build(),
            "base_url",
        ),
        (
            Client::builder(0, KEY)
                .base_url("https://a.example")
                .build(),
            "merchant_id",
        ),
        (
            Client::builder(MERCHANT, " ")
                .base_url("https://a.example")
                .build(),
            "api_key",
        ),
        (
            Client::builder(MERCHANT, KEY)
                .base_url("https://a.example")
                .timeout(std::time::Duration::ZERO)
                .build(),
            "timeout",
        ),
        (
            Client::builder(MERCHANT, KEY)
                .base_url("https://a.example")
                .max_body_bytes(0)
                .build(),
            "max_body_bytes",
        ),
    ];
    for (result, setting) in cases {
        assert_eq!(config_error(result).setting(), setting);
    }
    let ok = Client::builder(MERCHANT, KEY)
        .base_url("https://api.cashy.example/")
        .build()
        .expect("https");
    assert_eq!(ok.base_url(), "https://api.cashy.example");
    assert!(
        Client::builder(MERCHANT, KEY)
            .base_url("http://localhost:8080")
            .build()
            .is_ok()
    );
}

#[test]
fn env_variables_are_named_in_errors() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let missing = ClientBuilder::from_vars(vars(&[("PAYDESK_BASE_URL", "https://a.example")]));
    assert!(matches!(missing, Err(Error::Config(e)) if e.setting() == "PAYDESK_MERCHANT_ID"));
    let not_numeric = ClientBuilder::from_vars(vars(&[
        ("PAYDESK_BASE_URL", "https://a.example"),
        ("PAYDESK_MERCHANT_ID", "M-1002001"),
        ("PAYDESK_API_KEY", "k"),
    ]));
    assert!(matches!(not_numeric, Err(Error::Config(e)) if e.setting() == "PAYDESK_MERCHANT_ID"));
    let no_key = ClientBuilder::from_vars(vars(&[
        ("PAYDESK_BASE_URL", "https://a.example"),
        ("PAYDESK_MERCHANT_ID", "1002001"),
        ("PAYDESK_API_KEY", ""),
    ]));
    assert!(matches!(no_key, Err(Error::Config(e)) if e.setting() == "PAYDESK_API_KEY"));
    let client = ClientBuilder::from_vars(vars(&[
        ("PAYDESK_BASE_URL", "http://127.0.0.1:1"),
        ("PAYDESK_MERCHANT_ID", " 1002001 "),
        ("PAYDESK_API_KEY", "testApiKey"),
    ]))
    .and_then(ClientBuilder::build)
    .expect("complete environment");
    assert_eq!(client.merchant_id(), MERCHANT);
}

#[test]
fn unusable_nonce_source_is_a_config_error() {
    for nonce in ["", "x".repeat(33).as_str(), "a b"] {
        let client = Client::builder(MERCHANT, KEY)
            .base_url("http://127.0.0.1:1")
            .nonce_source(Arc::new(FixedNonce(nonce.to_owned())))
            .build()
            .expect("client");
        let err = client
            .prepare(&BalanceRequest::new())
            .expect_err("bad nonce");
        assert!(
            matches!(&err, Error::Config(e) if e.setting() == "nonce_source"),
            "{err:?}"
        );
    }
}

#[test]
fn every_violation_is_reported_at_once() {
    let req = PayDeskRequest::new("", "TZS", Decimal::new(12345, 1), "mailto:x@y.z").email("nope");
    let err = req.validate(&Profiles::builtin()).expect_err("invalid");
    let fields: Vec<&str> = err.violations().iter().map(|v| v.field()).collect();
    for f in [
        "mchOrderNo",
        "amount",
        "notifyUrl",
        "email",
        "mobileMoneyPhone",
        "realName",
        "phone",
        "remark",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(err.operation(), "payDesk");
}

#[test]
fn custom_profiles_extend_and_replace_the_table() {
    let mxn = PayDeskRequest::new("MX-1", "MXN", Decimal::new(10050, 2), "https://m.example/n");
    let builtin = Profiles::builtin();
    assert!(mxn.validate(&builtin).is_err(), "MXN is not built in");
    let mut table = builtin.clone();
    table.insert(
        Profile::new("mex", "MXN")
            .scale(2)
            .min(Decimal::from(100))
            .max(Some(Decimal::from(1000))),
    );
    mxn.validate(&table).expect("MXN profile added");
    let too_small = PayDeskRequest::new("MX-2", "MXN", Decimal::from(99), "https://m.example/n");
    let err = too_small.validate(&table).expect_err("below min");
    assert!(
        err.has("amount") && err.to_string().contains("at least 100 MXN"),
        "{err}"
    );
    // A profile that requires a field the endpoint does not have says so.
    let mut odd = Profiles::empty();
    odd.insert(Profile::new("x", "XXX").collect_required(vec!["accountNo"]));
    let err = PayDeskRequest::new("X-1", "XXX", Decimal::ONE, "https://m.example/n")
        .validate(&odd)
        .expect_err("typo");
    assert!(err.to_string().contains("no such field"), "{err}");
}

#[test]
fn client_is_shareable_and_its_futures_are_send() {
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    fn send<F: Future + Send>(_: F) {}
    let client = crate::offline_client("n");
    shareable(&client);
    shareable(&client.notify_verifier());
    let req = BalanceRequest::new();
    send(client.send(&req));
    send(client.reconcile(paydesk::api::OrderKind::PayOut, "M1"));
}
