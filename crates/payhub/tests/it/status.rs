//! Every provider status value, as each crate parses it from the wire, mapped to the facade's
//! `PaymentStatus`: one table per provider, including a value the docs do not list.

use payhub::PaymentStatus::{self, Disputed, Expired, Failed, Paid, Pending, Refunded};

fn unknown(raw: &str) -> PaymentStatus {
    PaymentStatus::Unknown(raw.into())
}

/// Runs `map` over every `(wire value, expected)` row and reports all differences at once.
fn check(provider: &str, rows: &[(&str, PaymentStatus)], map: impl Fn(&str) -> PaymentStatus) {
    let wrong: Vec<String> = rows
        .iter()
        .filter_map(|(wire, want)| {
            let got = map(wire);
            (got != *want).then(|| format!("{provider} `{wire}`: {got}, expected {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn gateway_recharge_order_status() {
    use payhub::gateway_recharge::types::OrderStatus;
    check(
        "gateway-recharge",
        &[
            ("pending", Pending),
            ("success", Paid),
            ("SUCCESS", Paid),
            ("refunded", unknown("refunded")),
        ],
        |w| PaymentStatus::from(&OrderStatus::parse(w)),
    );
}

#[test]
fn jiuyi_dc_order_status() {
    use payhub::jiuyi_dc::types::OrderStatus;
    check(
        "jiuyi-dc",
        &[
            ("1", Pending),
            ("7", Pending),
            ("2", Pending),
            ("3", Paid),
            ("4", Paid),
            // Disputed: delivered (paid) but contested; never taken as final.
            ("5", Disputed),
            ("6", Failed),
            ("9", unknown("9")),
        ],
        |w| PaymentStatus::from(&OrderStatus::parse(w)),
    );
}

#[test]
fn paydesk_payin_and_payout_status() {
    use payhub::paydesk::types::{PayInStatus, PayOutStatus};
    check(
        "paydesk payin",
        &[
            ("PAYING", Pending),
            ("SUCCESS", Paid),
            ("FAIL", Failed),
            ("CANCEL", Failed),
            ("REFUND", unknown("REFUND")),
            // Matched exactly, as the crate does.
            ("success", unknown("success")),
        ],
        |w| PaymentStatus::from(&PayInStatus::parse(w)),
    );
    check(
        "paydesk payout",
        &[
            ("PROCESSING", Pending),
            ("WAITING", Pending),
            ("PAYING", Pending),
            ("SUCCESS", Paid),
            ("FAIL", Failed),
            ("CANCEL", Failed),
            ("REVERSED", unknown("REVERSED")),
        ],
        |w| PaymentStatus::from(&PayOutStatus::parse(w)),
    );
}

#[test]
fn tokenpay_trade_state() {
    use payhub::tokenpay::types::TradeState;
    check(
        "tokenpay",
        &[
            ("NOTPAY", Pending),
            ("SUCCESS", Paid),
            ("REFUND", Refunded),
            // CLOSED covers a merchant's close and an expiry: no money arrived either way.
            ("CLOSED", Expired),
            ("PARTIAL", unknown("PARTIAL")),
        ],
        |w| PaymentStatus::from(&TradeState::parse(w)),
    );
}

#[test]
fn vipcharge_order_status() {
    use payhub::vipcharge::types::OrderStatus;
    check(
        "vipcharge",
        &[
            ("0", Pending),
            ("1", Pending),
            ("2", Paid),
            ("3", Failed),
            ("4", Failed),
        ],
        |w| PaymentStatus::from(&OrderStatus::parse(w)),
    );
}

#[test]
fn vipcharge_unknown_status_keeps_the_raw_code() {
    use payhub::vipcharge::types::OrderStatus;
    check("vipcharge", &[("7", unknown("7"))], |w| {
        PaymentStatus::from(&OrderStatus::parse(w))
    });
}

#[test]
fn only_known_outcomes_are_final_and_unknown_keeps_the_raw_text() {
    for s in [Paid, Failed, Expired, Refunded] {
        assert!(s.is_final(), "{s}");
    }
    for s in [Pending, unknown("5")] {
        assert!(!s.is_final(), "{s}");
    }
    assert!(Paid.is_paid() && !Refunded.is_paid());
    assert_eq!(unknown("PARTIAL").to_string(), "unknown(PARTIAL)");
    assert_eq!(Expired.to_string(), "expired");
}

#[test]
fn disputed_is_paid_but_not_final_and_says_so() {
    use payhub::jiuyi_dc::types::OrderStatus;
    let s = PaymentStatus::from(&OrderStatus::parse("5"));
    assert_eq!(s, Disputed);
    assert!(s.is_paid(), "the money arrived");
    assert!(s.is_disputed(), "and it is contested");
    assert!(!s.is_final(), "a dispute may still reverse it: query again");
    assert_eq!(s.to_string(), "disputed");
    for settled in [Paid, Pending, Failed, Expired, Refunded, unknown("5")] {
        assert!(!settled.is_disputed(), "{settled}");
    }
}
