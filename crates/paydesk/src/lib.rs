//! A typed client for **Cashy** (CashyPro): the hosted cashier (`payDesk`), payin, payout,
//! their queries, the balance, the bank lists, and verified async notifies.
//!
//! ```no_run
//! use paydesk::Client;
//! use paydesk::api::PayDeskRequest;
//! use rust_decimal::Decimal;
//! # async fn run() -> paydesk::Result<()> {
//! // PAYDESK_BASE_URL (the payhub sandbox: http://127.0.0.1:8080/paydesk), PAYDESK_MERCHANT_ID,
//! // PAYDESK_API_KEY.
//! let client = Client::from_env()?;
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
//! A create whose outcome is unknown (a timeout, a cut connection, `System_error`) is never
//! resent blindly: [`Client::reconcile`] asks Cashy whether the order exists.
//!
//! ```no_run
//! use paydesk::{Error, Reconciliation};
//! # async fn run(client: paydesk::Client, req: paydesk::api::PayOutRequest) -> paydesk::Result<()> {
//! match client.send(&req).await {
//!     Err(Error::OutcomeUnknown(e)) => {
//!         if let (Some(kind), Some(mch)) = (e.kind(), e.mch_order_no()) {
//!             match client.reconcile(kind, mch).await? {
//!                 Reconciliation::NotFound => { /* never landed: safe to send again */ }
//!                 found => println!("it was created: {found:?}"),
//!             }
//!         }
//!     }
//!     other => { other?; }
//! }
//! # Ok(()) }
//! ```
//!
//! [`Client::builder`] takes the credentials, then the settings every payhub client shares and
//! Cashy's own; [`Client::prepare`] gives the exact signed request without any I/O (here the
//! golden vector of the provider's docs):
//!
//! ```
//! use std::time::Duration;
//! use paydesk::api::BalanceRequest;
//! let client = paydesk::Client::builder(1002001, "testApiKey")
//!     .base_url("https://api.cashy.example") // Cashy gives it to each merchant
//!     .timeout(Duration::from_secs(20))
//!     .call_deadline(Duration::from_secs(45)) // leaves room to retry a read that timed out
//!     .build()?;
//! let prepared = client.prepare(&BalanceRequest::new().nonce_str("4190026990"))?;
//! assert_eq!(prepared.body_bytes(), br#"{"nonceStr":"4190026990"}"#);
//! assert_eq!(prepared.header_value("Sign"), Some("D8DC6AC630F87E8E3540E9AE27713F22"));
//! # Ok::<(), paydesk::Error>(())
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
//! - **Pipeline** ([`protocol`]): calls run through the [`payhub_runtime::Pipeline`] every payhub
//!   crate shares; [`protocol::Paydesk`] supplies only Cashy's rules (what is retried, what is an
//!   unknown outcome). Every call runs in a `payhub.call` span (provider, operation, merchant,
//!   `order_no` = `mchOrderNo`, `provider_order_no` = `orderNo`, attempt, HTTP status, outcome,
//!   latency) and records the [`payhub_runtime::metrics`]. The apiKey and signatures are never
//!   recorded.
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
pub mod protocol;
pub mod sign;
pub mod types;

pub use client::{Client, ClientBuilder, ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ID};
pub use error::{Error, Result};
/// The `http` crate, whose `HeaderMap` [`notify::NotifyVerifier::verify`] takes.
pub use http;
/// The shared runtime ([`protocol::Paydesk`] implements its `Protocol`), for its metrics names,
/// `ClientOptions` and the rest of its vocabulary.
pub use payhub_runtime;
/// What [`Client::reconcile`] found: [`api::Order`] or not found.
pub use payhub_runtime::Reconciliation;
pub use payhub_runtime::{
    Clock, FixedClock, FixedNonce, NonceSource, PreparedRequest, RandomAlphanumeric, RandomHex,
    RetryPolicy,
};
pub use sign_core::{Explanation, Secret};
