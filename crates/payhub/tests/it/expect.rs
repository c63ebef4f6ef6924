//! `Expected` on real, verified notifications: a correctly signed callback for the wrong amount,
//! the wrong order or amount (or a stated currency that differs) is a `Mismatch` naming every field.

use payhub::{Error, Expected, FieldMismatch, Notification};
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
fn an_amount_the_notification_does_not_carry_is_a_mismatch() {
    // 91 card's notify has no amount; the vipcharge vector's report has no price.
    for (cb, order) in [(jiuyi_dc(), "JY202611220001"), (vipcharge(), "87103")] {
        let n = verified(&cb);
        n.check(&Expected::order(order))
            .expect("order alone matches");
        assert_eq!(
            fields(&n, &Expected::order(order).amount(Decimal::new(1250, 2))),
            [mismatch("amount", "12.50", "(absent)")],
            "{}",
            cb.provider
        );
        assert_eq!(
            fields(&n, &Expected::order("OTHER")),
            [mismatch("order_no", "OTHER", order)],
            "{}",
            cb.provider
        );
    }
}
