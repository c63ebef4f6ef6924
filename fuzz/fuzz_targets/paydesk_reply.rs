//! paydesk: every reply parser (`api::parse_reply` of each operation). The first byte picks the
//! HTTP status (mostly 200); the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paydesk::api::{
    BalanceRequest, BankListRequest, PayDeskQueryRequest, PayDeskRequest, PayInBankListRequest,
    PayInQueryRequest, PayInRequest, PayOutQueryRequest, PayOutRequest, parse_reply,
};

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = if *first < 200 {
        200
    } else {
        u16::from(*first) * 2
    };
    let _ = parse_reply::<PayDeskRequest>(status, body);
    let _ = parse_reply::<PayDeskQueryRequest>(status, body);
    let _ = parse_reply::<PayInRequest>(status, body);
    let _ = parse_reply::<PayInQueryRequest>(status, body);
    let _ = parse_reply::<PayOutRequest>(status, body);
    let _ = parse_reply::<PayOutQueryRequest>(status, body);
    let _ = parse_reply::<BalanceRequest>(status, body);
    let _ = parse_reply::<BankListRequest>(status, body);
    let _ = parse_reply::<PayInBankListRequest>(status, body);
});
