//! Hardening tests of the facade (issue 24): the callback server against slow and silent
//! clients (`payhub::axum::serve`, in process and through `examples/callback_server.rs` with
//! 256 file handles) and the deduper never running a handler twice after a backlog flush (the
//! CLI's `RUST_LOG` test moved to `payhub-cli`). Needs every provider and `axum`
//! (`cargo test -p payhub --all-features --test hardening`).
#![cfg(all(
    feature = "gateway-recharge",
    feature = "jiuyi-dc",
    feature = "paydesk",
    feature = "tokenpay",
    feature = "vipcharge",
    feature = "axum"
))]

#[path = "hardening/dedupe.rs"]
mod dedupe;
#[path = "hardening/serve.rs"]
mod serve;
#[cfg(unix)]
#[path = "hardening/slow_clients.rs"]
mod slow_clients;
#[path = "hardening/support.rs"]
mod support;
