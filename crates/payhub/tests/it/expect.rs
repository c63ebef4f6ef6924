//! `Expected` on real, verified notifications: a correctly signed callback for the wrong amount,
//! the wrong order or amount (or a stated currency that differs) is a `Mismatch` naming every field.

use payhub::http::{HeaderMap, HeaderName, HeaderValue};
use payhub::{Error, Expected, FieldMismatch, Notification, vipcharge};
use rust_decimal::Decimal;

use crate::support::{Callback, jiuyi_dc, paydesk, router_all, tokenpay, vipcharge};

fn verified(cb: &Callback) -> Notification {
    router_all()
        .verify(cb.provider, &cb.headers, &cb.body)
        .expect("the vector callback verifies")
}

fn fields(n: &Notification, e: &Expected) -> Vec<FieldMismatch> {
    n.check(e).expect_err("a mismatch").fields().to_vec()
}

fn mismatch(field: &'static str, expected: &str, actual: &str) -> FieldMismatch {
    FieldMismatch {
        field,
        expected: expected.into(),
        actual: actual.into(),
    }
}

#[test]
fn the_right_order_and_amount_match_numerically() {
    let n = verified(&paydesk());
    // The callback says `358320.00`; the merchant's record may have any scale.
    for amount in [
        Decimal::new(358_320, 0),
        Decimal::new(35_832_000, 2),
        Decimal::new(3_583_200_000, 4),
    ] {
        n.check(&Expected::order("1313068703462109184").amount(amount))
            .expect("same amount");
    }
    n.check(&Expected::order("1313068703462109184"))
        .expect("order alone");
}

#[test]
fn a_wrong_amount_is_named_with_both_values() {
    let n = verified(&paydesk());
    let e = Expected::order("1313068703462109184").amount(Decimal::new(35_832_001, 2));
    assert_eq!(
        fields(&n, &e),
        [mismatch("amount", "358320.01", "358320.00")]
    );
    let err = Error::from(n.check(&e).expect_err("mismatch"));
    assert_eq!(
        err.to_string(),
        "notification does not match the order: amount expected 358320.01, got 358320.00"
    );
    assert_eq!(err.provider(), None);
}

#[test]
fn a_wrong_order_and_a_wrong_amount_are_both_named() {
    let n = verified(&paydesk());
    let e = Expected::order("1313068703462109185").amount(Decimal::ONE);
    let got = fields(&n, &e);
    assert_eq!(
        got,
        [
            mismatch("order_no", "1313068703462109185", "1313068703462109184"),
            mismatch("amount", "1", "358320.00"),
        ]
    );
    let text = n.check(&e).expect_err("mismatch").to_string();
    assert!(text.contains("order_no expected 1313068703462109185, got 1313068703462109184"));
    assert!(text.contains("; amount expected 1, got 358320.00"));
}

#[test]
fn a_currency_the_notification_does_not_state_is_not_compared_but_reported() {
    // paydesk notifies carry no currency: a genuine one must not fail as a mismatch, and the
    // currency not being checked is reported by `unchecked`, never passed over silently.
    let n = verified(&paydesk());
    let e = Expected::order("1313068703462109184")
        .amount(Decimal::new(358_320, 0))
        .currency("TZS");
    n.check(&e).expect("a genuine callback stating no currency");
    assert_eq!(e.unchecked(&n.facts()), ["currency"]);
    // Everything else is still compared.
    let wrong = Expected::order("1313068703462109184")
        .amount(Decimal::ONE)
        .currency("TZS");
    assert_eq!(fields(&n, &wrong), [mismatch("amount", "1", "358320.00")]);
}

#[test]
fn tokenpay_currency_is_compared_case_insensitively_and_a_wrong_one_is_named() {
    let n = verified(&tokenpay());
    let order = "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb";
    n.check(
        &Expected::order(order)
            .amount(Decimal::from(15))
            .currency("usdt"),
    )
    .expect("USDT matches usdt");
    assert_eq!(
        fields(
            &n,
            &Expected::order(order)
                .amount(Decimal::from(15))
                .currency("TRX")
        ),
        [mismatch("currency", "TRX", "USDT")]
    );
    assert_eq!(
        fields(&n, &Expected::order(order).amount(Decimal::new(1499, 2))),
        [mismatch("amount", "14.99", "15.000000")]
    );
}

#[test]
fn an_amount_is_not_compared_with_recharge_notifications_which_carry_none() {
    // 91 card's notify has no amount; a vipcharge report has none either (its settlementPrice
    // is a cost). The amount check does not apply to them: not a mismatch, while the order
    // number is still checked.
    for (cb, order) in [(jiuyi_dc(), "JY202611220001"), (vipcharge(), "87103")] {
        let n = verified(&cb);
        assert!(!n.facts().amount_applies, "{}", cb.provider);
        n.check(&Expected::order(order))
            .expect("order alone matches");
        n.check(&Expected::order(order).amount(Decimal::new(1250, 2)))
            .unwrap_or_else(|m| panic!("{}: {m}", cb.provider));
        assert_eq!(
            fields(&n, &Expected::order("OTHER").amount(Decimal::new(1250, 2))),
            [mismatch("order_no", "OTHER", order)],
            "{}",
            cb.provider
        );
        // A cost asked for but not carried is a mismatch.
        assert_eq!(
            fields(&n, &Expected::order(order).cost(Decimal::new(1250, 2))),
            [mismatch("cost", "12.50", "(absent)")],
            "{}",
            cb.provider
        );
    }
}

/// The vipcharge fixture `notify/ok/md5_success`: a genuine MD5-signed status report (success)
/// whose `settlementPrice` is 451.00, verified on a clock a minute after its timestamp.
fn vipcharge_report_with_settlement_price() -> Notification {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/vipcharge/notify/ok/md5_success.json");
    let fx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("JSON");
    let mut headers = HeaderMap::new();
    for (k, v) in fx["headers"].as_object().expect("headers") {
        headers.insert(
            HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_str(v.as_str().expect("text")).expect("value"),
        );
    }
    let verifier = vipcharge::notify::NotifyVerifier::new(
        "166",
        vipcharge::sign::PlatformVerifier::md5("testSignKey"),
    )
    .clock(std::sync::Arc::new(vipcharge::FixedClock::from_millis(
        1_628_757_969_177 + 60_000,
    )));
    payhub::NotifyRouter::new()
        .vipcharge(verifier)
        .verify(
            payhub::Provider::Vipcharge,
            &headers,
            fx["body"].as_str().expect("body").as_bytes(),
        )
        .expect("the fixture callback verifies")
}

#[test]
fn a_vipcharge_settlement_price_is_a_cost_never_compared_with_the_expected_amount() {
    let n = verified_report();
    assert!(n.status().is_paid());
    let facts = n.facts();
    assert_eq!(
        facts.amount, None,
        "settlementPrice is not the order amount"
    );
    assert_eq!(facts.cost, Some(Decimal::new(45100, 2)), "it is the cost");
    // The merchant expects its customer to pay 500.00; the platform charges it 451.00.
    n.check(&Expected::order("87103").amount(Decimal::new(50000, 2)))
        .expect("a settlementPrice that differs from the expected amount is not a mismatch");
    // As a cost it is checked, numerically.
    n.check(&Expected::order("87103").cost(Decimal::new(451, 0)))
        .expect("the expected cost");
    assert_eq!(
        fields(&n, &Expected::order("87103").cost(Decimal::new(400, 0))),
        [mismatch("cost", "400", "451.00")]
    );
}

fn verified_report() -> Notification {
    vipcharge_report_with_settlement_price()
}
