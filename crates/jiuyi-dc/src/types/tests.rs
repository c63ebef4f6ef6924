//! Unit tests of the value types.

use rust_decimal::Decimal;

use super::*;

#[test]
fn money_conversions_are_exact_and_checked() {
    assert_eq!(Money::from_fen(1).to_yuan().to_string(), "0.01");
    assert_eq!(Money::from_fen(u64::MAX).to_fen(), Ok(u64::MAX));
    assert_eq!(Money::from_fen(u64::MAX).in_yuan().to_fen(), Ok(u64::MAX));
    assert_eq!(
        Money::parse_yuan("12").map(|m| m.wire()),
        Ok("12".to_owned())
    );
    assert_eq!(
        Money::parse_yuan("12.50").map(|m| m.wire()),
        Ok("12.50".to_owned())
    );
    assert_eq!(
        Money::parse_yuan("12.500").map(|m| m.wire()),
        Ok("12.5".to_owned())
    );
    assert_eq!(
        Money::parse_yuan("0.125"),
        Err(MoneyError::TooManyDecimals(3))
    );
    assert_eq!(Money::parse_yuan("-1"), Err(MoneyError::Negative));
    assert!(matches!(
        Money::parse_yuan("1e3"),
        Err(MoneyError::NotANumber(_))
    ));
    assert!(matches!(
        Money::parse_yuan(" 1"),
        Err(MoneyError::NotANumber(_))
    ));
    assert!(matches!(
        Money::parse_yuan("."),
        Err(MoneyError::NotANumber(_))
    ));
    assert_eq!(
        Money::from_yuan(Decimal::MAX).and_then(|m| m.to_fen()),
        Err(MoneyError::Overflow)
    );
    assert_eq!(
        Money::parse_yuan("184467440737095516.15").and_then(|m| m.to_fen()),
        Ok(u64::MAX)
    );
    assert_eq!(
        Money::parse_yuan("184467440737095516.16").and_then(|m| m.to_fen()),
        Err(MoneyError::Overflow)
    );
    assert_eq!(format!("{:?}", Money::from_fen(5)), "Money(5 fen)");
}

#[test]
fn statuses_classify() {
    let all: Vec<OrderStatus> = (1..=8)
        .map(|c| OrderStatus::parse(&c.to_string()))
        .collect();
    let finals: Vec<&str> = all
        .iter()
        .filter(|s| s.is_final())
        .map(OrderStatus::as_str)
        .collect();
    assert_eq!(finals, ["4", "6"]);
    let ok: Vec<&str> = all
        .iter()
        .filter(|s| s.is_success())
        .map(OrderStatus::as_str)
        .collect();
    assert_eq!(ok, ["3", "4", "5"]);
    assert_eq!(all[7], OrderStatus::Unknown("8".to_owned()));
    assert!(OrderStatus::Waiting.is_cancellable());
    assert!(!OrderStatus::Matching.is_cancellable());
    assert_eq!(OrderStatus::parse("7"), OrderStatus::Matching);
    assert_eq!(CardOrderStatus::parse("3"), CardOrderStatus::Completed);
    assert!(CardOrderStatus::Cancelled.is_final() && !CardOrderStatus::Cancelled.is_success());
    assert_eq!(CardType::parse("4"), CardType::RedeemLink);
    assert_eq!(CardType::parse("9").as_str(), "9");
}

#[test]
fn statuses_read_trimmed_and_display_with_their_meaning() {
    assert_eq!(OrderStatus::parse(" 4 "), OrderStatus::Completed);
    assert_eq!(
        OrderStatus::Waiting.to_string(),
        "1 (待充值 (waiting for a fulfiller))"
    );
    assert_eq!(
        CardOrderStatus::parse("9").to_string(),
        "9 (未知 (not documented))"
    );
    assert_eq!(CardType::QrImage.meaning(), "图片二维码 (image QR code)");
}
