//! Typed client for the **兑换系统开放接口** ("exchange system open API", `/v1/openapi/...`):
//! VIP membership and other direct recharges, card-code and redemption-code purchases, order
//! queries, the business balance, the product list, and signed status callbacks.
//!
//! ```no_run
//! # async fn run() -> vipcharge::Result<()> {
//! use vipcharge::{Client, api::VipChargeRequest};
//! let client = Client::from_env()?; // VIPCHARGE_BASE_URL, _MERCHANT_ID, _BUSINESS_ID, _PRIVATE_KEY...
//! let accepted = client.send(&VipChargeRequest::new("87103", "w23b52", "BIZ-0001")).await?;
//! println!("accepted as {:?}", accepted.order_code());
//! # Ok(()) }
//! ```
//!
//! # What the crate does for you
//! - **Signing** ([`sign`]): the headers `businessId`, `nonce` (a fresh CSPRNG UUID per request),
//!   `signType` and `timestamp` (milliseconds from an injectable clock), sorted as `k=v&...` and
//!   immediately followed by the JSON body bytes, which are serialized **once** and sent exactly
//!   as signed. `SHA256-RSA` (the platform default) or `MD5`, chosen by the [`Credentials`].
//! - **Validation**: every request is checked before anything is sent; a violation is
//!   [`Error::Validation`] naming the wire field and the rule.
//! - **Replies**: `status` 0 is success. On an order call, 5, 6, 8, 98 and 99 mean "query the
//!   order or confirm by hand": they are [`Error::OutcomeUnknown`], never "failed", as are
//!   timeouts, resets, HTTP 5xx and unreadable replies. Orders are **never resent**: reconcile
//!   with [`Client::reconcile`]. Other codes are [`Error::Api`] with a typed
//!   [`types::ReplyStatus`] and what the request signed ([`error::ApiError::signed`], secret
//!   masked), printed when the platform refused the signature (status 2).
//!   Reads are retried with jittered backoff and a fresh nonce.
//! - **Money** is [`rust_decimal::Decimal`] read from the number's text (never through `f64`);
//!   numbers documented as numbers are accepted as strings too.
//! - **Card codes** arrive RSA-encrypted to the merchant's public key; they are decrypted block
//!   by block with the merchant private key into [`card::CardSecret`], which never prints.
//! - **Callbacks** ([`notify`]): verified on the raw bytes before parsing, typed, acknowledged
//!   with exactly `SUCCESS` ([`notify::Ack`]).
//! - **Tracing and metrics**: one `payhub.call` span per call, the schema every payhub provider
//!   shares (provider, operation, merchant, order numbers, attempt, HTTP status, outcome,
//!   latency), and the `payhub_runtime::metrics` counters; signatures, keys and secrets are
//!   never logged.
//!
//! # Open points of the provider's docs, and the defaults chosen
//! The public docs are cut off on several pages. Each open point is a documented, overridable
//! default:
//! - RSA callback (and reply) verification: with a **platform public key** you configure
//!   ([`ClientBuilder::platform_public_key`]); MD5 merchants verify with their secret.
//! - Reply signatures: a reply that carries `sign` must verify, else [`Error::Signature`] (on an
//!   order, the order may exist: reconcile); a reply without `sign` is accepted, because the docs
//!   do not settle whether live replies are signed ([`ReplySignatureMode::RefuseInvalid`], the
//!   default). [`ReplySignatureMode::Strict`] makes signatures mandatory.
//! - Callback freshness: the signed `timestamp` header (milliseconds; 10-digit seconds are
//!   accepted too) may be at most 24 hours old and 5 minutes ahead of the clock
//!   ([`notify::Freshness`]). 24 hours covers the platform's whole retry schedule (about 10.5
//!   hours) with margin, since the docs do not say whether a redelivery is re-signed with a fresh
//!   time; an older callback is a replay and is refused ([`notify::NotifyError::Stale`]).
//!   Within that window, a replay is stopped by deduplication ([`Notification::dedupe_key`])
//!   and by checking the order and its state against your own records.
//! - The order-status field name in queries and callbacks: `orderStatus`, then `status`
//!   ([`ClientBuilder::order_status_fields`]).
//! - Partially documented endpoints type what can be read and take further fields through
//!   `field(name, value)`; their replies keep unknown fields in an `extra` map.
//!
//! # Features
//! - `aws-lc-rs` (default): RSA through aws-lc-rs (constant time).
//! - `rsa`: RSA through the pure-Rust `rsa` crate, selected with
//!   [`ClientBuilder::rsa_backend`]`(&sign_core::rsa::rust_crypto::BACKEND)`. **Security note:**
//!   the `rsa` crate carries [RUSTSEC-2023-0071](https://rustsec.org/advisories/RUSTSEC-2023-0071)
//!   (the "Marvin" timing side channel on private-key operations, i.e. signing and card-code
//!   decryption here) with no fixed release. Prefer the default backend wherever an attacker can
//!   time those operations.
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "aws-lc-rs", feature = "rsa")))]
compile_error!("vipcharge needs an RSA backend: enable the `aws-lc-rs` (default) or `rsa` feature");

pub mod api;
pub mod card;
mod client;
mod credentials;
mod env;
pub mod error;
pub mod notify;
pub mod protocol;
mod settings;
pub mod sign;
pub mod types;
mod wire;

pub use api::ReplySignatureMode;
pub use client::{Client, ClientBuilder};
pub use credentials::Credentials;
pub use env::{
    ENV_BASE_URL, ENV_BUSINESS_ID, ENV_MERCHANT_ID, ENV_PLATFORM_PUBLIC_KEY, ENV_PRIVATE_KEY,
    ENV_SECRET, ENV_SIGN_TYPE,
};
pub use error::{Error, Result};
/// The `http` crate, whose `HeaderMap` [`NotifyVerifier::verify`] takes.
pub use http;
pub use notify::{Ack, Notification, NotifyVerifier};
/// What [`Client::reconcile`] found: the order, or that the platform has no such order.
pub use payhub_runtime::Reconciliation;
pub use payhub_runtime::{
    Clock, FixedClock, FixedNonce, NonceSource, PreparedRequest, RandomUuid, RetryPolicy,
    SystemClock,
};
pub use sign::CONTENT_TYPE;
/// RSA keys and backends (`rsa::RsaPrivateKey::parse`, `rsa::aws_lc::BACKEND`,
/// `rsa::rust_crypto::BACKEND` with the `rsa` feature), re-exported from `sign-core`.
pub use sign_core::rsa;
pub use sign_core::{Explanation, Secret};

/// The README's example, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
