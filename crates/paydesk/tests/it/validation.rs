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
    assert!(builtin.get("MXN").expect("built in").is_guessed());
    let mut table = builtin.clone();
    // Without a default profile, a currency without its own profile is refused.
    table.set_default(None);
    let err = PayDeskRequest::new("KE-1", "KES", Decimal::from(100), "https://m.example/n")
        .validate(&table)
        .expect_err("no profile, no default");
    assert!(
        err.has("currency") && err.to_string().contains("no default profile"),
        "{err}"
    );
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

/// Every currency the provider's docs name has a profile (TZS, COP, CLP, PEN, USD, PHP, IDR as
/// stated; MXN, INR, BRL, THB, PKR, EGP guessed) and a valid cashier request in it is accepted.
#[test]
fn every_named_currency_has_a_profile_and_is_accepted() {
    let table = Profiles::builtin();
    let stated = ["TZS", "COP", "CLP", "PEN", "USD", "PHP", "IDR"];
    let guessed = ["MXN", "INR", "BRL", "THB", "PKR", "EGP"];
    for cur in stated.iter().chain(&guessed) {
        let profile = table
            .get(cur)
            .unwrap_or_else(|| panic!("{cur} has no profile"));
        assert_eq!(profile.is_guessed(), guessed.contains(cur), "{cur}");
        let req = PayDeskRequest::new("ORD-1", *cur, Decimal::from(10_000), "https://m.example/n")
            .mobile_money_phone("721323213")
            .real_name("Jeck")
            .phone("255700000001")
            .email("payer@example.com")
            .remark("order")
            .id_type(paydesk::types::IdType::number(1))
            .id_card("10351512345");
        // PEN and USD (Ecuador) cap the amount lower.
        let req = if matches!(*cur, "PEN" | "USD") {
            PayDeskRequest::new("ORD-1", *cur, Decimal::from(100), "https://m.example/n")
                .remark("order")
        } else {
            req
        };
        req.validate(&table)
            .unwrap_or_else(|e| panic!("{cur}: {e}"));
    }
    for cur in guessed {
        // The guesses take two decimals.
        PayDeskRequest::new("ORD-2", cur, Decimal::new(15075, 2), "https://m.example/n")
            .validate(&table)
            .unwrap_or_else(|e| panic!("{cur}: {e}"));
    }
}

/// A currency without its own profile is accepted on the conservative default (whole amounts,
/// at least 1), which the builder can replace or remove.
#[test]
fn an_unknown_currency_gets_the_conservative_default() {
    let client = |b: ClientBuilder| {
        b.base_url("http://127.0.0.1:9")
            .nonce_source(Arc::new(FixedNonce("n1".into())))
            .build()
            .expect("client")
    };
    let whole = PayDeskRequest::new("KE-1", "KES", Decimal::from(1500), "https://m.example/n");
    let fraction = PayDeskRequest::new(
        "KE-2",
        "KES",
        Decimal::new(150050, 2),
        "https://m.example/n",
    );
    let default = client(Client::builder(MERCHANT, KEY));
    let body = default.prepare(&whole).expect("a whole KES amount");
    assert!(
        String::from_utf8_lossy(body.body_bytes()).contains(r#""currency":"KES","amount":1500"#),
        "{:?}",
        body.body_bytes()
    );
    let err = default.prepare(&fraction).expect_err("whole amounts only");
    assert!(
        err.to_string()
            .contains("must be a whole number for KES, got 1500.50"),
        "{err}"
    );
    // Overridden: two decimals for any currency without a profile.
    let two = client(
        Client::builder(MERCHANT, KEY)
            .default_profile(Some(Profile::new("*", "*").scale(2).min(Decimal::ONE))),
    );
    two.prepare(&fraction)
        .expect("two decimals by the custom default");
    // Removed: refused with a readable reason.
    let strict = client(Client::builder(MERCHANT, KEY).default_profile(None));
    let err = strict.prepare(&whole).expect_err("no default profile");
    assert!(
        err.to_string().contains("`KES` has no amount profile"),
        "{err}"
    );
}

/// `payType`, `accountType` and `bankId` go out as JSON numbers by default and as strings when
/// the builder says so; the signature covers the bytes sent either way.
#[test]
fn code_formats_choose_numbers_or_strings() {
    use paydesk::api::{PayInRequest, PayOutRequest, Payee};
    use paydesk::types::{AccountType, CodeField, CodeFormat, PayType};

    let payout = PayOutRequest::new(
        "P-1",
        "TZS",
        Decimal::from(30_000),
        Payee::new("jack", "713512345", AccountType::TZ_TIGO),
        "https://m.example/n",
    )
    .bank_id(2)
    .remark("payout");
    let payin = PayInRequest::new(
        "I-1",
        "TZS",
        Decimal::from(20_000),
        PayType::TZ_PAY_LINK,
        "https://m.example/n",
    )
    .mobile_money_phone("7472512345")
    .real_name("jack")
    .phone("747258206")
    .email("jack@gmail.com")
    .remark("payin");
    let build = |b: ClientBuilder| {
        b.base_url("http://127.0.0.1:9")
            .nonce_source(Arc::new(FixedNonce("n1".into())))
            .build()
            .expect("client")
    };
    let text = |c: &Client, r: &dyn Fn(&Client) -> paydesk::Result<paydesk::PreparedRequest>| {
        let p = r(c).expect("prepared");
        let sign = p.header_value("Sign").expect("Sign").to_owned();
        (
            String::from_utf8(p.body_bytes().to_vec()).expect("utf-8"),
            sign,
        )
    };
    let default = build(Client::builder(MERCHANT, KEY));
    let (body, _) = text(&default, &|c| c.prepare(&payout));
    assert!(
        body.contains(r#""accountType":1,"#) && body.contains(r#""bankId":2,"#),
        "{body}"
    );
    let (body, _) = text(&default, &|c| c.prepare(&payin));
    assert!(body.contains(r#""payType":888,"#), "{body}");

    let strings = build(
        Client::builder(MERCHANT, KEY)
            .code_format(CodeField::PayType, CodeFormat::String)
            .code_format(CodeField::AccountType, CodeFormat::String)
            .code_format(CodeField::BankId, CodeFormat::String),
    );
    let (body, sign) = text(&strings, &|c| c.prepare(&payout));
    assert!(
        body.contains(r#""accountType":"1","#) && body.contains(r#""bankId":"2","#),
        "{body}"
    );
    assert_eq!(
        sign,
        paydesk::sign::signature(&paydesk::Secret::new(KEY), body.as_bytes())
    );
    let (body, _) = text(&strings, &|c| c.prepare(&payin));
    assert!(body.contains(r#""payType":"888","#), "{body}");

    // Per field: the provider's own payout example has `"accountType":"1"` beside `"bankId":2`.
    let mixed = build(
        Client::builder(MERCHANT, KEY).code_format(CodeField::AccountType, CodeFormat::String),
    );
    let (body, _) = text(&mixed, &|c| c.prepare(&payout));
    assert!(
        body.contains(r#""accountType":"1","#) && body.contains(r#""bankId":2,"#),
        "{body}"
    );
    assert_eq!(
        mixed.code_formats().get(CodeField::AccountType),
        CodeFormat::String
    );
}
