//! A typed client for [tokenpay](https://tokenpay.me) (formerly TTPay): crypto collection orders
//! with a hosted cashier on TRON, Ethereum and BSC, order query and closure, payouts, monitored
//! wallets, balance and the currency catalogue, plus verification of its encrypted callbacks.
//!
//! ```no_run
//! # async fn run() -> tokenpay::Result<()> {
//! use std::str::FromStr;
//! use rust_decimal::Decimal;
//! use tokenpay::api::PrepayRequest;
//! use tokenpay::types::{Chain, Currency};
//!
//! // ENV_APP_ID, ENV_MCH_ID, ENV_APP_SECRET, and ENV_BASE_URL: unset = the live API
//! // (DEFAULT_BASE_URL); the payhub sandbox: http://127.0.0.1:8080/tokenpay.
//! let client = tokenpay::Client::from_env()?;
//! let order = PrepayRequest::new("A-1001", Decimal::from_str("9").unwrap(), Chain::Tron, Currency::Usdt)
//!     .notify_url("https://merchant.example/tokenpay/notify");
//! let created = client.send(&order).await?;
//! println!("pay at {}", created.payment_url);
//! # Ok(()) }
//! ```
//!
//! # What this crate does for you
//!
//! - **Signing** (`TTPAY-AES-256-ECB`, see [`sign`]): each body is serialized once and those exact
//!   bytes are signed and sent; `app_id` and `mch_id` go in the `Authorization` header and in
//!   every JSON body; timestamps in milliseconds by default
//!   ([`ClientBuilder::timestamp_unit`] switches to seconds); nonces are 32 upper-case hex
//!   characters from the OS CSPRNG.
//! - **Money**: the order amount is a [`rust_decimal::Decimal`] in major units written as a JSON
//!   number from its decimal text (never through `f64`); reply and order-callback amounts arrive
//!   as integers of minor units plus `decimals` and are returned as `Decimal`; payout and wallet
//!   callbacks may also carry a decimal string in major units ([`types::AmountUnit`]).
//! - **Addresses**: TRON base58check (checksum verified) and EVM `0x` addresses (EIP-55 checksum
//!   when mixed-case) are checked before anything is sent ([`types::validate_address`]).
//! - **Replies**: `code` 0 is success; every documented status code is an [`types::ApiCode`]
//!   in [`Error::Api`] with the `request_id` and what the request signed ([`ApiError::signed`],
//!   printed when tokenpay refused the signature: 103, 104); rate limits (11001, 20004) back
//!   off and retry; relative `payment_url`s come back absolute. Reply signatures are checked in
//!   the mode you choose ([`ReplySignatureMode`]; by default a present, wrong signature is
//!   refused and a missing one is logged).
//! - **Safe retries**: reads retry with jittered backoff; writes never resend blindly: an unknown
//!   outcome is [`Error::OutcomeUnknown`], and [`Client::reconcile`] tells you whether the order
//!   exists.
//! - **Callbacks** ([`notify`]): verified strictly on the raw bytes, freshness checked (24 h by
//!   default), merchant checked, resource decrypted (AEAD_AES_256_GCM, any nonce length from 1
//!   to 64 bytes), typed as an order, a payout or a wallet receipt, answered with
//!   [`notify::Ack::success`].
//!
//! # What the provider's signature does not protect
//!
//! `TTPAY-AES-256-ECB` is encryption, not a MAC: anyone holding the app secret can read it, and
//! because ECB encrypts each 16-byte block on its own, blocks of a valid signature can be cut and
//! pasted into another envelope that still verifies (the sandbox tests show an accepted change of
//! `create_time`). The callback's `resource` is sealed with AES-256-GCM and cannot be altered, so
//! trust the decrypted transaction (amount, state, order numbers), not the envelope fields
//! (`event_type`, `original_type`, `create_time`), and check the transaction against your order.
//!
//! # Documented defaults for what the provider leaves open
//!
//! | open point | default | override |
//! |---|---|---|
//! | timestamp unit | milliseconds | [`ClientBuilder::timestamp_unit`] |
//! | payout paths | `/v1/payanother/*` (close sends `payanother_id`) | [`ClientBuilder::payout_paths`] |
//! | reply signatures | verify and log | [`ClientBuilder::reply_signatures`] |
//! | payout amount unit | major units as a string | [`api::PayoutAmount::Minor`] |
//! | relative `payment_url` | resolved against the API base | [`ClientBuilder::cashier_base_url`] |
//! | callback freshness | 24 h | [`notify::NotifyVerifier::max_age`] |
//!
//! Every call runs through the shared [`payhub_runtime::Pipeline`] in one `tracing` span named
//! `payhub.call` (provider, operation, merchant, order numbers, attempt, HTTP status, outcome,
//! latency) and records the [`payhub_runtime::metrics`]; secrets and signatures are never
//! recorded. [`protocol::Tokenpay`] is tokenpay's part of that pipeline.
#![forbid(unsafe_code)]

pub mod api;
mod client;
mod error;
pub mod notify;
pub mod protocol;
pub mod sign;
pub mod types;
mod wire;

pub use api::ReplySignatureMode;
pub use client::{Client, ClientBuilder};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, NotifyError, OutcomeUnknown, Result, SignatureError,
    SignatureProblem, TransportError, TransportErrorKind, ValidationError,
};
pub use notify::{Ack, Notification, NotifyVerifier};
pub use payhub_runtime::{
    Clock, FixedClock, FixedNonce, NonceSource, PreparedRequest, RandomHex, RawResponse,
    Reconciliation, RetryPolicy, SystemClock,
};
pub use protocol::{
    DEFAULT_BASE_URL, DEFAULT_USER_AGENT, ENV_APP_ID, ENV_APP_SECRET, ENV_BASE_URL, ENV_MCH_ID,
};
pub use sign_core::{Explanation, Secret};

/// The README's example, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
