//! tokenpay: every reply parser (`Client::read_reply` of each operation), with the reply
//! unsigned and correctly signed (`TTPay-*` headers), so both reply-signature paths run.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tokenpay::api::{
    BalanceRequest, CloseOrderRequest, ClosePayoutRequest, CreatePayoutRequest, CurrenciesRequest,
    DeleteWalletRequest, InsertWalletRequest, PrepayRequest, QueryOrderRequest, QueryPayoutRequest,
    QueryWalletRequest, UpdateWalletRequest,
};
use tokenpay::sign::{AppKey, reply_signing_string};
use tokenpay::{Client, RawResponse, Secret};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

static CLIENT: LazyLock<Client> = LazyLock::new(|| {
    Client::builder("app", "mch", SECRET)
        .base_url("https://api.tokenpay.example")
        .build()
        .expect("client")
});
static KEY: LazyLock<AppKey> = LazyLock::new(|| AppKey::new(&Secret::new(SECRET)).expect("key"));

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = if *first < 200 {
        200
    } else {
        u16::from(*first) * 2
    };
    let mut headers = http::HeaderMap::new();
    if first % 2 == 0 {
        let sig = KEY
            .sign(&reply_signing_string("1763800001000", "n", body))
            .expect("signs");
        headers.insert(
            "TTPay-Timestamp",
            http::HeaderValue::from_static("1763800001000"),
        );
        headers.insert("TTPay-Nonce", http::HeaderValue::from_static("n"));
        headers.insert("TTPay-Signature", sig.parse().expect("header"));
    }
    let r = RawResponse {
        status,
        headers,
        body: body.to_vec().into(),
        elapsed: std::time::Duration::ZERO,
    };
    let c = &*CLIENT;
    let _ = c.read_reply::<PrepayRequest>(&r);
    let _ = c.read_reply::<QueryOrderRequest>(&r);
    let _ = c.read_reply::<CloseOrderRequest>(&r);
    let _ = c.read_reply::<CreatePayoutRequest>(&r);
    let _ = c.read_reply::<QueryPayoutRequest>(&r);
    let _ = c.read_reply::<ClosePayoutRequest>(&r);
    let _ = c.read_reply::<BalanceRequest>(&r);
    let _ = c.read_reply::<CurrenciesRequest>(&r);
    let _ = c.read_reply::<InsertWalletRequest>(&r);
    let _ = c.read_reply::<UpdateWalletRequest>(&r);
    let _ = c.read_reply::<DeleteWalletRequest>(&r);
    let _ = c.read_reply::<QueryWalletRequest>(&r);
});
