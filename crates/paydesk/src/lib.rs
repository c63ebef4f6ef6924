//! A typed client for **Cashy** (CashyPro): the hosted cashier (`payDesk`), payin, payout,
//! their queries, the balance, the bank lists, and verified async notifies.
//!
//! ```no_run
//! use paydesk::Client;
//! use paydesk::api::PayDeskRequest;
//! use rust_decimal::Decimal;
//! # async fn run() -> paydesk::Result<()> {
//! let client = Client::from_env()?; // PAYDESK_BASE_URL, PAYDESK_MERCHANT_ID, PAYDESK_API_KEY
//! let req = PayDeskRequest::new("M0001", "TZS", Decimal::from(1000), "https://shop.example/notify")
//!     .mobile_money_phone("721323213")
//!     .real_name("Jeck")
//!     .phone("255700000001")
//!     .email("payer@example.com")
//!     .remark("order M0001");
//! let order = client.send(&req).await?;
//! println!("send the payer to {:?}", order.pay_url);
//! # Ok(()) }
//! ```
//!
//! # How it works
//! - **Signing** ([`sign`]): `Sign = MD5(<body bytes> + apiKey)` in upper-case hex, in the
//!   `Sign` header beside `MerchantId`. The body is serialized once; those bytes are signed and
//!   sent. [`Client::prepare`] returns the exact wire request without any I/O.
//! - **Validation** ([`api`], [`profile`]): every documented rule is checked before sending
//!   (`string(N)` limits, URLs, email shape, the per-currency amount rules kept as a table of
//!   [`profile::Profile`]s, Tanzania's `payType`/`accountType` codes, `reusableStatus`), and all
//!   violations are reported at once.
//! - **Replies**: `code` 200 with `msg` `SUCCESS` is success; anything else is
//!   [`Error::Api`] with the code, the message typed as [`error::ApiErrorCode`] and the raw body.
//!   Numbers are accepted as JSON numbers or strings; money is [`rust_decimal::Decimal`] read
//!   from its digits, never through a float.
//! - **Retries**: reads are retried with jittered backoff on network errors, 5xx and
//!   `System_busy`/`System_Maintenance`; creates are sent once, and an unknown outcome is
//!   [`Error::OutcomeUnknown`], to be settled with [`Client::reconcile`].
//! - **Notifies** ([`notify`]): [`notify::NotifyVerifier`] checks `Sign` on the raw bytes
//!   (either hex case) and that `MerchantId` is ours before parsing; [`notify::Ack::success`]
//!   is the exact answer (HTTP 200, body `SUCCESS`). Notifies sign no send time, so there is no
//!   freshness check: deduplicate and check order and amount (see [`notify`], "Replays and
//!   freshness").
//! - **Tracing**: every call runs in a `paydesk.call` span with the operation, order numbers,
//!   attempt, HTTP status, latency and outcome. The apiKey and signatures are never recorded.
//!
//! # Documented defaults you can override
//! - Amount rules per currency: [`profile::Profiles::builtin`] holds TZS, COP, CLP, PEN, USD,
//!   PHP and IDR as stated in the provider's pages, and MXN, INR, BRL, THB, PKR and EGP with
//!   **guessed** limits (ISO decimals, at least 1, no maximum: their pages could not be read;
//!   [`profile::Profile::is_guessed`]). Replace any with [`ClientBuilder::profile`]. Any other
//!   currency is checked against a conservative default profile (whole amounts, at least 1),
//!   replaceable or removable with [`ClientBuilder::default_profile`].
//! - `nonceStr`: 32 random letters and digits unless the request sets one
//!   ([`ClientBuilder::nonce_source`]).
//! - `payType`, `accountType` and `bankId` are sent as JSON numbers (the field tables say
//!   `int`); send any of them as a JSON string with [`ClientBuilder::code_format`] (Cashy's own
//!   examples show both). `idType` is sent as given ([`types::IdType`]).
//! - A create that fails with `System_error` is reported as [`Error::OutcomeUnknown`]: the
//!   provider failed mid-way and may have stored the order.
#![forbid(unsafe_code)]

pub mod api;
mod client;
pub mod error;
pub mod notify;
pub mod profile;
pub mod sign;
pub mod types;

pub use client::{
    Client, ClientBuilder, ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ID, Reconciliation,
};
pub use error::{Error, Result};
/// The `http` crate, whose `HeaderMap` [`notify::NotifyVerifier::verify`] takes.
pub use http;
pub use payhub_runtime::{
    Clock, FixedClock, FixedNonce, NonceSource, PreparedRequest, RandomAlphanumeric, RandomHex,
    RetryPolicy,
};
pub use sign_core::{Explanation, Secret};
