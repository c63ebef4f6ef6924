//! jiuyi-dc: every reply parser (`api::read_reply` of each operation).
#![no_main]
#![allow(deprecated)] // The retired card endpoints still parse replies.

use jiuyi_dc::api::card_pay_order::CardPayOrderRequest;
use jiuyi_dc::api::card_query_card::CardQueryCardRequest;
use jiuyi_dc::api::card_query_card_detail::CardQueryCardDetailRequest;
use jiuyi_dc::api::card_query_card_list::CardQueryCardListRequest;
use jiuyi_dc::api::card_query_order::CardQueryOrderRequest;
use jiuyi_dc::api::confirm_order::ConfirmOrderRequest;
use jiuyi_dc::api::draw_order::DrawOrderRequest;
use jiuyi_dc::api::pay::PayRequest;
use jiuyi_dc::api::query_card::QueryCardRequest;
use jiuyi_dc::api::query_card_category::QueryCardCategoryRequest;
use jiuyi_dc::api::query_card_info::QueryCardInfoRequest;
use jiuyi_dc::api::query_card_list::QueryCardListRequest;
use jiuyi_dc::api::query_cash::QueryCashRequest;
use jiuyi_dc::api::query_order::QueryOrderRequest;
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
