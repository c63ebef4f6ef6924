//! The documented error names and statuses read and print back exactly.

use paydesk::error::ApiErrorCode;
use paydesk::types::{PayInStatus, PayOutStatus};

const DOCUMENTED: &[&str] = &[
    "System_error",
    "System_busy",
    "System_Maintenance",
    "MerchantId_is_null",
    "Sign_verify_error",
    "RequestMethod_not_post",
    "RequestContentType_not_json",
    "RequestBody_is_null",
    "MerchantId_not_Number",
    "MerchantId_is_error",
    "Request_ip_notWhiteList",
    "Params_jsonFormat_error",
    "Params_accountNo_Format_isIncorrect",
    "Merchant_amount_notEnough",
    "Merchant_not_enabled",
    "Merchant_not_exist",
    "Params_order_notExist",
    "Params_mchOrderNo_notExist",
    "Params_mchOrderNo_repeat",
    "Channel_Maintenance_time",
    "Payin_Order_Error",
    "Params_realName_Required",
    "Params_notifyUrl_error",
];

#[test]
fn documented_error_names_are_typed_and_round_trip() {
    for name in DOCUMENTED {
        let code = ApiErrorCode::parse(name);
        assert!(!matches!(code, ApiErrorCode::Unknown(_)), "{name} is typed");
        assert_eq!(code.as_str(), *name);
        assert_eq!(code.to_string(), *name);
    }
    assert_eq!(
        ApiErrorCode::parse("Params_jsonFormat_error"),
        ApiErrorCode::ParamsJsonFormatError
    );
    assert_eq!(
        ApiErrorCode::parse("Params__error"),
        ApiErrorCode::Unknown("Params__error".into())
    );
    let retryable: Vec<&str> = DOCUMENTED
        .iter()
        .copied()
        .filter(|n| ApiErrorCode::parse(n).is_retryable())
        .collect();
    assert_eq!(retryable, ["System_busy", "System_Maintenance"]);
    let not_found: Vec<&str> = DOCUMENTED
        .iter()
        .copied()
        .filter(|n| ApiErrorCode::parse(n).is_not_found())
        .collect();
    assert_eq!(
        not_found,
        ["Params_order_notExist", "Params_mchOrderNo_notExist"]
    );
}

#[test]
fn statuses_are_exact_and_finality_follows_the_docs() {
    let payin = [
        ("PAYING", false),
        ("SUCCESS", true),
        ("FAIL", true),
        ("CANCEL", true),
    ];
    for (text, is_final) in payin {
        let s = PayInStatus::parse(text);
        assert_eq!((s.as_str(), s.is_final()), (text, is_final));
    }
    let payout = [
        ("PROCESSING", false),
        ("WAITING", false),
        ("PAYING", false),
        ("SUCCESS", true),
        ("FAIL", true),
        ("CANCEL", true),
    ];
    for (text, is_final) in payout {
        let s = PayOutStatus::parse(text);
        assert_eq!((s.as_str(), s.is_final()), (text, is_final));
    }
    for unknown in ["Success", "REFUNDED", ""] {
        assert!(!PayInStatus::parse(unknown).is_final());
        assert!(matches!(
            PayOutStatus::parse(unknown),
            PayOutStatus::Unknown(_)
        ));
    }
}
