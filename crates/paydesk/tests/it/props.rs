//! Property tests: hostile bytes never panic, and no change to a signed body goes unnoticed.

use paydesk::api::{
    BalanceRequest, BankListRequest, PayDeskQueryRequest, PayDeskRequest, PayInBankListRequest,
    PayInQueryRequest, PayInRequest, PayOutQueryRequest, PayOutRequest, parse_reply,
};
use paydesk::notify::{NotifyError, NotifyVerifier};
use paydesk::{Error, Secret, sign};
use proptest::prelude::*;
use proptest::sample::Index;
use rust_decimal::Decimal;

use crate::{KEY, MERCHANT, notify_headers, offline_client};

fn parse_all(status: u16, body: &[u8]) {
    let _ = parse_reply::<PayDeskRequest>(status, body);
    let _ = parse_reply::<PayDeskQueryRequest>(status, body);
    let _ = parse_reply::<PayInRequest>(status, body);
    let _ = parse_reply::<PayInQueryRequest>(status, body);
    let _ = parse_reply::<PayOutRequest>(status, body);
    let _ = parse_reply::<PayOutQueryRequest>(status, body);
    let _ = parse_reply::<BalanceRequest>(status, body);
    let _ = parse_reply::<BankListRequest>(status, body);
    let _ = parse_reply::<PayInBankListRequest>(status, body);
}

fn verify(body: &[u8], sign: &str) -> paydesk::Result<paydesk::notify::Notification> {
    NotifyVerifier::new(MERCHANT, KEY)
        .verify(&notify_headers(Some("1002001"), Some(sign), None), body)
}

/// A number-ish or string-ish JSON token, often invalid.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+0-9.eE]{0,30}",
        "\"[-+0-9.eE, ]{0,30}\"",
        "[0-9]{1,30}\\.[0-9]{0,30}",
        "1[eE][-+]?[0-9]{1,12}",
        Just("null".to_owned()),
        Just("{}".to_owned()),
        Just("[]".to_owned()),
        Just("true".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_reply_bytes_never_panic(status in 0u16..1000, body in prop::collection::vec(any::<u8>(), 0..400)) {
        parse_all(status, &body);
    }

    #[test]
    fn arbitrary_reply_fields_never_panic(
        amount in token(), fee in token(), id in token(), time in token(), status in token(),
        code in token(), msg in "[A-Za-z_]{0,30}",
    ) {
        let data = format!(
            r#"{{"merchantId":{id},"orderNo":"P1","mchOrderNo":{id},"amount":{amount},"fee":{fee},"orderFee":{fee},"balance":{amount},"unBalance":{fee},"orderStatus":{status},"completionTime":{time},"expireTime":{time}}}"#
        );
        parse_all(200, format!(r#"{{"code":200,"msg":"SUCCESS","data":{data}}}"#).as_bytes());
        parse_all(200, format!(r#"{{"code":200,"msg":"SUCCESS","data":[{data}]}}"#).as_bytes());
        parse_all(200, format!(r#"{{"code":{code},"msg":"{msg}","data":{data}}}"#).as_bytes());
    }

    #[test]
    fn arbitrary_notify_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..400),
        sign in "[0-9A-Fa-f]{0,40}",
        merchant in "\\PC{0,12}",
        content_type in "\\PC{0,30}",
    ) {
        let v = NotifyVerifier::new(MERCHANT, KEY);
        let _ = v.verify(&notify_headers(Some(&merchant), Some(&sign), Some(&content_type)), &body);
        // Correctly signed hostile bytes reach the parser.
        let good = sign::signature(&Secret::new(KEY), &body);
        let _ = verify(&body, &good);
    }

    #[test]
    fn signed_notify_fields_never_panic(amount in token(), status in token(), order in token(), time in token()) {
        let body = format!(
            r#"{{"amount":{amount},"orderStatus":{status},"orderNo":{order},"mchOrderNo":"M","completionTime":{time},"fee":{amount}}}"#
        );
        let good = sign::signature(&Secret::new(KEY), body.as_bytes());
        let _ = verify(body.as_bytes(), &good);
    }

    #[test]
    fn changing_any_byte_of_a_signed_notify_fails(at in any::<Index>(), flip in 1u8..=255) {
        let body = br#"{"amount":358320.00,"fee":2500.0000,"mchOrderNo":"1313068703462109184","merchantId":"1002001","orderNo":"PAYDESK27618551850988355260416","orderStatus":"SUCCESS"}"#;
        let good = sign::signature(&Secret::new(KEY), body);
        prop_assert!(verify(body, &good).is_ok());
        let mut changed = body.to_vec();
        let i = at.index(changed.len());
        changed[i] ^= flip;
        let result = verify(&changed, &good);
        prop_assert!(matches!(result, Err(Error::Notify(NotifyError::BadSignature))), "{result:?}");
    }

    #[test]
    fn changing_any_field_of_a_signed_notify_fails(
        fields in prop::collection::btree_map("[a-zA-Z]{1,10}", "[ -~]{0,12}", 1..8),
        pick in any::<Index>(),
        replacement in "[ -~]{0,12}",
    ) {
        let render = |m: &std::collections::BTreeMap<String, String>| {
            let mut all = m.clone();
            all.insert("orderNo".into(), "PAYIN1".into());
            serde_json::to_string(&all).expect("strings serialize")
        };
        let body = render(&fields);
        let good = sign::signature(&Secret::new(KEY), body.as_bytes());
        let key = fields.keys().nth(pick.index(fields.len())).expect("non-empty").clone();
        prop_assume!(fields[&key] != replacement && key != "orderNo");
        let mut changed = fields.clone();
        changed.insert(key, replacement);
        let result = verify(render(&changed).as_bytes(), &good);
        prop_assert!(matches!(result, Err(Error::Notify(NotifyError::BadSignature))), "{result:?}");
    }

    #[test]
    fn changing_any_byte_of_a_prepared_body_breaks_its_sign(at in any::<Index>(), flip in 1u8..=255) {
        let req = PayDeskRequest::new("M1", "TZS", Decimal::from(1000), "https://m.example/n")
            .mobile_money_phone("721323213").real_name("Jeck").phone("255700000001")
            .email("e@example.com").remark("r");
        let prepared = offline_client("fixedNonce").prepare(&req).expect("valid");
        let sent = prepared.header_value("Sign").expect("signed").to_owned();
        prop_assert_eq!(&sign::signature(&Secret::new(KEY), prepared.body_bytes()), &sent);
        let mut changed = prepared.body_bytes().to_vec();
        let i = at.index(changed.len());
        changed[i] ^= flip;
        prop_assert_ne!(sign::signature(&Secret::new(KEY), &changed), sent);
    }

    #[test]
    fn amounts_are_read_exactly(int in 0u64..1_000_000_000_000, frac in "[0-9]{0,8}", quoted in any::<bool>()) {
        let text = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
        let amount = if quoted { format!("\"{text}\"") } else { text.clone() };
        let body = format!(r#"{{"code":200,"msg":"SUCCESS","data":{{"balance":{amount},"unBalance":0}}}}"#);
        let b = parse_reply::<BalanceRequest>(200, body.as_bytes()).expect("valid amount");
        prop_assert_eq!(b.balance.to_string(), text);
    }
}
