//! gateway-recharge: every reply parser (`Client::decode_reply` of each operation).
#![no_main]

use std::sync::LazyLock;

use gateway_recharge::Client;
use gateway_recharge::api::{
    BalanceRequest, CreateOrderRequest, DepositQueryRequest, DepositRequest, RawRequest,
};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

static CLIENT: LazyLock<Client> = LazyLock::new(|| {
    Client::builder("M1234567890", "adesf235")
        .base_url("https://gateway.example")
        .build()
        .expect("client")
});

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = if *first < 200 {
        200
    } else {
        u16::from(*first) * 2
    };
    let c = &*CLIENT;
    let url = "https://a.example/";
    let _ = c.decode_reply(&BalanceRequest::new(), status, body);
    let _ = c.decode_reply(&DepositQueryRequest::new("O1"), status, body);
    let _ = c.decode_reply(&RawRequest::new("/x", [("a", "b")]), status, body);
    let create = CreateOrderRequest::new("O1", Decimal::ONE, "r", "c", "::1", url, url);
    let _ = c.decode_reply(&create, status, body);
    let deposit = DepositRequest::new("u", "O1", Decimal::ONE, url, url, "r", "::1");
    let _ = c.decode_reply(&deposit, status, body);
});
