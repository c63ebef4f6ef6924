//! jiuyi-dc: every reply parser (`api::read_reply` of each operation).
#![no_main]
#![allow(deprecated)] // The retired card endpoints still parse replies.

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::CardQueryCardRequest;
use jiuyi_dc::api::CardQueryCardDetailRequest;
use jiuyi_dc::api::CardQueryCardListRequest;
use jiuyi_dc::api::CardQueryOrderRequest;
use jiuyi_dc::api::ConfirmOrderRequest;
use jiuyi_dc::api::DrawOrderRequest;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardRequest;
use jiuyi_dc::api::QueryCardCategoryRequest;
use jiuyi_dc::api::QueryCardInfoRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::api::read_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = if *first < 200 {
        200
    } else {
        u16::from(*first) * 2
    };
    let b = || bytes::Bytes::copy_from_slice(body);
    let _ = read_reply::<PayRequest>(status, b());
    let _ = read_reply::<QueryOrderRequest>(status, b());
    let _ = read_reply::<QueryCashRequest>(status, b());
    let _ = read_reply::<DrawOrderRequest>(status, b());
    let _ = read_reply::<ConfirmOrderRequest>(status, b());
    let _ = read_reply::<QueryCardCategoryRequest>(status, b());
    let _ = read_reply::<QueryCardListRequest>(status, b());
    let _ = read_reply::<QueryCardInfoRequest>(status, b());
    let _ = read_reply::<QueryCardRequest>(status, b());
    let _ = read_reply::<CardPayOrderRequest>(status, b());
    let _ = read_reply::<CardQueryOrderRequest>(status, b());
    let _ = read_reply::<CardQueryCardListRequest>(status, b());
    let _ = read_reply::<CardQueryCardDetailRequest>(status, b());
    let _ = read_reply::<CardQueryCardRequest>(status, b());
});
