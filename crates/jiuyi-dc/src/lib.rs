//! A typed client for the 91 card (玖壹卡券 / 玖壹权益) "dcapi": direct recharges (代充), card-code
//! purchases (卡券), order queries, cancel, confirm, the product catalogue and verified notifies.
//!
//! ```no_run
//! # async fn run() -> jiuyi_dc::Result<()> {
//! use jiuyi_dc::Client;
//! use jiuyi_dc::api::PayRequest;
//!
//! let client = Client::from_env()?; // JIUYI_BASE_URL, JIUYI_APPID, JIUYI_APPSECRET
//! let order = client.send(&PayRequest::new("43", "13800138000", "JY202611220001")).await?;
//! println!("platform order {}", order.order_id);
//! # Ok(()) }
//! ```
//!
//! # What the crate does for you
//! - **Signing** ([`sign`]): every sent non-empty field except `sign` and the endpoint's unsigned
//!   fields, ASCII order, `k=urlencode(v)` with PHP `urlencode`, `&appsecret=SECRET`, MD5
//!   uppercase; the form body carries the raw values. Each request type declares its unsigned
//!   fields next to it ([`api::Operation::UNSIGNED_FIELDS`]). [`Client::prepare`] does this
//!   without I/O and attaches what was signed (secret masked) for debugging a "bad sign".
//! - **`datetime`** is Unix seconds from the injectable [`Clock`].
//! - **Money** ([`types::Money`]) carries its unit: fen (`money_type = 1`, integer) or yuan
//!   (`money_type = 2`, at most two decimals), with exact, checked conversions. Amounts in
//!   replies are `rust_decimal::Decimal` read from the text, never through a float.
//! - **Replies**: `code: 1` is success; anything else is [`Error::Api`] with the provider's `msg`,
//!   the raw body and what the request signed, secret masked ([`error::ApiError::signed`]; a
//!   `签名错误` refusal prints it). Status codes are enums with meanings ([`types::OrderStatus`],
//!   [`types::CardOrderStatus`]). Card secrets ([`types::CardPass`]) never print.
//! - **Retries**: reads are retried with jittered backoff; creates (`pay`, `card/payOrder`) are
//!   sent exactly once and an uncertain outcome is [`Error::OutcomeUnknown`], settled with
//!   [`Client::reconcile`] / [`Client::reconcile_card`] ([`Reconciliation`]: found / not found).
//! - **Notifies** ([`notify`]): verified on the raw body over every received field, typed, and
//!   acknowledged with the plain body `success` ([`notify::Ack`]).
//! - **Tracing and metrics**: every call runs through the shared `payhub_runtime` pipeline, in a
//!   `payhub.call` span (provider, operation, merchant, order numbers, attempt, HTTP status,
//!   outcome, latency) with the `payhub_*` metrics; secrets and signatures are never recorded.
//!
//! # Provider behaviour worth knowing
//! - A direct-recharge order nobody fulfils within **7 days** is withdrawn and refunded.
//! - A successful direct recharge **auto-confirms 24 hours** after success (not configurable);
//!   confirm earlier with [`api::ConfirmOrderRequest`].
//! - Only orders still waiting (status 1) can be cancelled ([`api::DrawOrderRequest`]).
//! - Notifies are delivered up to 10 times within about 50 seconds (1, 5, 15, 20, ... 50 s).
//! - The gateway host is issued by the platform admin and the caller's IP must be whitelisted.
//!   The docs show `http` gateways; this client requires `https` off loopback unless
//!   [`ClientBuilder::danger_allow_http`] is set.
//!
//! # Documented defaults for open points
//! - `card/payOrder` sends `auto_confirm_hour = 10` unless set
//!   ([`api::DEFAULT_AUTO_CONFIRM_HOUR`]) and `order_money = 0` ("no price
//!   check") unless a ceiling is set.
//! - `order_money = 0` is signed like any other value (the provider's template signs it).
//! - Notify bodies are read as form-urlencoded, or JSON when the content type says so.
//! - Request fields have no length limits: the docs give none, so the provider judges long
//!   values. Only what protects the wire is checked (required fields not blank, no control
//!   characters, identifiers in visible ASCII).
//! - Notifies sign no time, so there is no freshness window: replays are stopped by durable
//!   deduplication and by checking the order against your records (see [`notify`]).
#![forbid(unsafe_code)]

pub mod api;
mod client;
pub mod error;
pub mod notify;
pub mod protocol;
pub mod sign;
pub mod types;

pub use api::FORM_CONTENT_TYPE;
pub use client::{
    Client, ClientBuilder, ENV_APPID, ENV_APPSECRET, ENV_BASE_URL, ENV_DANGER_ALLOW_HTTP,
};
pub use error::{Error, Result};
pub use payhub_runtime::{
    Clock, FixedClock, PreparedRequest, Reconciliation, RetryPolicy, SystemClock,
};
pub use sign_core::{Explanation, Secret};
