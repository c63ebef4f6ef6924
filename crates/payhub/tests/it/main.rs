//! Integration tests of the payhub facade: the router on every provider's golden-vector
//! callback, `Expected` on real notifications, delivery with a deduper, the axum endpoint
//! against the in-process sandbox, and the status mappings. One binary; needs every provider
//! and the `axum` feature (`cargo test -p payhub --all-features --test it`).
#![cfg(all(
    feature = "gateway-recharge",
    feature = "jiuyi-dc",
    feature = "paydesk",
    feature = "tokenpay",
    feature = "vipcharge",
    feature = "axum"
))]

mod deliver;
mod dispatch;
mod endpoint;
mod expect;
mod hub;
mod recharge;
mod status;
mod support;
