//! Unit tests of the value rules.

use rust_decimal::Decimal;

use super::*;

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn amounts_render_with_two_decimals_and_are_never_rounded() {
    assert_eq!(format_amount(dec("100")).as_deref(), Ok("100.00"));
    assert_eq!(format_amount(dec("100.1")).as_deref(), Ok("100.10"));
    assert_eq!(format_amount(dec("100.100")).as_deref(), Ok("100.10"));
    assert_eq!(format_amount(dec("0.01")).as_deref(), Ok("0.01"));
    assert!(format_amount(dec("100.001")).is_err());
    assert!(format_amount(dec("0")).is_err());
    assert!(format_amount(dec("0.00")).is_err());
    assert!(format_amount(dec("-1.00")).is_err());
}

#[test]
fn decimals_parse_from_text_only() {
    assert_eq!(parse_decimal("90062.0000"), Ok(dec("90062.0000")));
    assert!(parse_decimal("").is_err());
    assert!(parse_decimal("1e5").is_err());
    assert!(parse_decimal("abc").is_err());
    assert!(parse_decimal(" 1").is_err());
}

#[test]
fn local_time_is_utc_plus_8() {
    let t = parse_local_time("2024-10-15 20:31:50", PROVIDER_UTC_OFFSET).expect("time");
    assert_eq!(t.unix_timestamp(), 1_728_995_510);
    assert!(parse_local_time("2024-10-15T20:31:50", PROVIDER_UTC_OFFSET).is_err());
    assert!(parse_local_time("2024-13-15 20:31:50", PROVIDER_UTC_OFFSET).is_err());
}
