//! A typed client for WinPay's collection API (`gateway-recharge`): collection orders, H5
//! direct deposits, deposit queries, the merchant balance, and verified callbacks.
//!
//! ```no_run
//! # async fn run() -> gateway_recharge::Result<()> {
//! use gateway_recharge::Client;
//! use gateway_recharge::api::CreateOrderRequest;
//! use rust_decimal::Decimal;
//!
//! // Or `Client::from_env()?`: GATEWAY_RECHARGE_{BASE_URL,MERCHANT_NO,KEY}.
//! let client = Client::builder("M1234567890", "your-md5-key")
//!     .base_url("https://api.winpay.example")
//!     .busy_codes(["429"]) // WinPay's own settings, after the shared ones
//!     .build()?;
//! let order = client
//!     .send(&CreateOrderRequest::new(
//!         "ORD1234567890",
//!         Decimal::new(10000, 2), // 100.00
//!         "Test order",
//!         "user123",
//!         "192.168.1.1",
//!         "https://yourapp.com/callback",
//!         "https://yourapp.com/return",
//!     ))
//!     .await?;
//! println!("{} -> {}", order.trade_no, order.url);
//! # Ok(()) }
//! ```
//!
//! # What this crate guarantees
//! - Requests are validated before anything is sent ([`Error::Validation`] names the field and
//!   the rule): every field is required and non-empty, `amount` is a [`rust_decimal::Decimal`]
//!   with at most two decimals sent as exactly two (never rounded), `ip` is an IPv4/IPv6
//!   address, URLs parse, `time` is Unix milliseconds from the injectable clock.
//! - Bodies are serialized once; those bytes are signed ([`sign`]: ASCII-sorted `k=v` pairs,
//!   `&key=` + key, MD5 lowercase) and sent. [`Client::prepare`] shows them without I/O.
//! - Reads are retried with jittered backoff; creates are never resent: an unknown outcome is
//!   [`Error::OutcomeUnknown`] and [`Client::reconcile`] queries the order
//!   ([`Reconciliation`]: found, or not found for the [`ClientBuilder::not_found_codes`]).
//! - Replies: `code` `"0"` (string or number) is success; anything else is [`Error::Api`] with
//!   the code, `msg`/`message`, the raw body and what the request signed, key masked
//!   ([`error::ApiError::signed`]). Money is read from text, never via `f64`.
//! - Callbacks are verified on the raw bytes by [`notify::NotifyVerifier`] and acknowledged
//!   with [`notify::Ack::success`] (`SUCCESS`). WinPay's payout callbacks look exactly like
//!   collection callbacks: [`notify::Notification::kind`] is what the verifier was configured
//!   with ([`Client::payout_notify_verifier`] for the payouts' `callback_url`). Callbacks carry
//!   no signed send time, so there is no freshness check: deduplicate and check the amount
//!   (see [`notify`], "Replays and freshness").
//! - The key never appears in `Debug`, `Display`, errors or logs; every call runs through the
//!   shared [`payhub_runtime::Pipeline`] in one `payhub.call` span (provider, operation,
//!   merchant, order numbers, attempt, HTTP status, outcome, latency) and records the
//!   [`payhub_runtime::metrics`]; [`protocol::GatewayRecharge`] holds WinPay's retry and
//!   outcome-unknown rules.
//!
//! # Open points, with overridable defaults
//! WinPay's public docs leave some details open. Each has a documented default you can change
//! on the [`ClientBuilder`]:
//! - the payout pages and the collection-order query are not public: use
//!   [`Client::send_raw`] / [`api::RawRequest`] with the paths WinPay gives you, and
//!   [`ClientBuilder::reconcile_path`] for the query [`Client::reconcile`] uses;
//! - whether empty values are signed ([`ClientBuilder::sign_empty_values`], default yes);
//! - the provider time zone for `trade_time` ([`ClientBuilder::provider_utc_offset`], UTC+8);
//! - reply signatures ([`ClientBuilder::reply_signature`], default: not checked);
//! - busy codes worth retrying ([`ClientBuilder::busy_codes`], default none);
//! - codes that mean "signature refused" ([`ClientBuilder::signature_rejected_codes`], default
//!   none): such an error's `Display` ends with a redacted summary of the signed string;
//! - codes that mean "no such order" ([`ClientBuilder::not_found_codes`], default none):
//!   [`Client::reconcile`] returns [`Reconciliation::NotFound`] for them.
#![forbid(unsafe_code)]

pub mod api;
mod client;
pub mod error;
pub mod notify;
pub mod protocol;
pub mod sign;
pub mod types;
mod wire;

pub use client::{Client, ClientBuilder, ENV_BASE_URL, ENV_KEY, ENV_MERCHANT_NO};
pub use error::{Error, Result};
/// The shared runtime: [`payhub_runtime::PreparedRequest`], clocks, retry policies.
pub use payhub_runtime;
pub use payhub_runtime::Reconciliation;
pub use sign_core::{Explanation, Secret};
