//! vipcharge: every reply parser (`Client::read_reply` of each operation), with card-code
//! decryption configured so coupon replies reach it.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use vipcharge::api::{
    AlipayCouponsRequest, AlipayTransferRequest, BalanceRequest, BatchItem, BatchRequest,
    CouponRequest, GasCardRequest, OrderInfoRequest, ProductCodeRequest, ProductListRequest,
    RedPacketRequest, VipChargeRequest, WechatCouponsRequest, WechatTransferRequest,
};
use vipcharge::types::GasCardType;
use vipcharge::{Client, Credentials};

static CLIENT: LazyLock<Client> = LazyLock::new(|| {
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/vectors/vipcharge_test_key.pem"
    ))
    .expect("test key");
    Client::builder("166", "166", Credentials::md5("testSignKey"))
        .base_url("https://open.example.com")
        .card_key(pem)
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
    let h = http::HeaderMap::new();
    let one = Decimal::ONE;
    let _ = c.read_reply(&VipChargeRequest::new("p", "a", "b"), status, &h, body);
    let _ = c.read_reply(&OrderInfoRequest::by_biz_code("b"), status, &h, body);
    let _ = c.read_reply(&CouponRequest::new("p", "b"), status, &h, body);
    let _ = c.read_reply(&BalanceRequest::new(), status, &h, body);
    let _ = c.read_reply(&ProductListRequest::new(), status, &h, body);
    let _ = c.read_reply(&ProductCodeRequest::new("p"), status, &h, body);
    let _ = c.read_reply(&AlipayTransferRequest::new("b", "p", one), status, &h, body);
    let _ = c.read_reply(
        &AlipayCouponsRequest::new("13800138000", "p"),
        status,
        &h,
        body,
    );
    let _ = c.read_reply(&WechatTransferRequest::new("openid", "p"), status, &h, body);
    let _ = c.read_reply(&WechatCouponsRequest::new("openid"), status, &h, body);
    let _ = c.read_reply(
        &GasCardRequest::new("100011", GasCardType::Sinopec),
        status,
        &h,
        body,
    );
    let _ = c.read_reply(&RedPacketRequest::new("t"), status, &h, body);
    let batch = BatchRequest::new("B1", "p").item(BatchItem::new("b1", "a1"));
    let _ = c.read_reply(&batch, status, &h, body);
});
