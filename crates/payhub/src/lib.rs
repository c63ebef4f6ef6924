//! payhub: one SDK for five payment and recharge providers.
//!
//! # Start here
//!
//! - **See it work** (no network, no account): `cargo run -p payhub --example quickstart
//!   --features full` starts the embedded sandbox, creates an order on each provider from one
//!   [`CheckoutRequest`] / [`RechargeRequest`], pays it, verifies every callback and prints a
//!   table.
//! - **One provider, from the environment**: `paydesk::Client::from_env()` reads
//!   `PAYDESK_BASE_URL`, `PAYDESK_MERCHANT_ID` and `PAYDESK_API_KEY` (each provider crate has
//!   its `ENV_*` constants), then `client.send(&request).await`.
//! - **Several providers and accounts**: a [`Hub`], from `payhub.toml` or code (below).
//! - **In your tests**: start `payhub_sandbox::Sandbox::builder().start().await` (the
//!   `payhub-sandbox` crate as a dev-dependency) and point the clients at
//!   `sandbox.provider_url("paydesk")`.
//!
//! # The registry: one order shape, many accounts, key rotation
//!
//! A [`Hub`] holds one [`Adapter`] per provider and any number of named [`Account`]s per
//! provider (a country each, a test and a live account, a brand each). Generic code creates
//! a checkout on any of them from one [`CheckoutRequest`]; a field the chosen provider needs
//! and the request lacks is an error naming the field and the provider, before anything is
//! sent. Callbacks are routed to the account they are for, by the merchant they name or by the
//! callback URL (`/callbacks/{provider}/{account}`), and verified with its current key, else
//! its previous key during a rotation (logged as a warning naming provider and account).
//!
//! ```
//! # #[cfg(all(feature = "paydesk", feature = "config"))] {
//! use payhub::{CheckoutRequest, Customer, Hub, Provider};
//! use rust_decimal::Decimal;
//!
//! let hub = Hub::from_toml(r#"
//!     [[paydesk]]
//!     name = "tz"
//!     base_url = "https://tz.cashy.example"
//!     merchant_id = 1002001
//!     api_key = "new-key"
//!     previous_api_key = "old-key"   # callbacks signed with it still verify, with a warning
//!
//!     [[paydesk]]
//!     name = "ke"
//!     base_url = "https://ke.cashy.example"
//!     merchant_id = 1002002
//!     api_key = "ke-key"
//! "#, None)?;
//! let order = CheckoutRequest::new("A-1001", Decimal::from(1000), "TZS")
//!     .notify_url("https://shop.example/callbacks/paydesk")
//!     .customer(Customer::new().phone("255700000001"));
//! let tz = hub.account(Provider::Paydesk, Some("tz"))?;
//! // tz.checkout(&order).await? creates it; any provider's account is a `&dyn Account`.
//! # let _ = (tz, order);
//! # }
//! # Ok::<(), payhub::Error>(())
//! ```
//!
//! # Callbacks
//!
//! - [`NotifyRouter`] (or a [`Hub`]) verifies a raw callback on its bytes, deduplicates it with a
//!   [`NotifyDeduper`] or records it in an [`Inbox`] before acknowledging it, and gives the
//!   exact [`Ack`] to send back.
//! - [`Expected`] checks a verified [`Notification`] against your own order (order number,
//!   amount, currency), because a valid signature does not prove the amount is the one you asked for.
//! - With the `axum` feature, `axum::notify_routes` is a ready callback endpoint
//!   (`/{provider}` and `/{provider}/{account}`), and `axum::serve` serves it with header, body
//!   and request timeouts and a connection cap (a bare `axum::serve` lets slow clients hold
//!   connections forever; see the `axum` module).
//!
//! ```
//! # #[cfg(feature = "paydesk")] {
//! use payhub::{Expected, NotifyRouter, Provider};
//! use rust_decimal::Decimal;
//!
//! let router = NotifyRouter::new()
//!     .paydesk(payhub::paydesk::notify::NotifyVerifier::new(1002001, "testApiKey"));
//! let body = br#"{"amount":358320.00,"completionTime":"2024-12-02 12:07:06","fee":2500.0000,"mchOrderNo":"1313068703462109184","merchantId":"1002001","nonceStr":"1733116026894","orderNo":"PAYDESK27618551850988355260416","orderStatus":"SUCCESS","payCode":"OR.GPNQR..INOPROID_BS","payType":"41","payUrl":"https://payurl.com"}"#;
//! let mut headers = http::HeaderMap::new();
//! headers.insert("MerchantId", "1002001".parse().unwrap());
//! headers.insert("Sign", "2B4936A71C2B3C9F766F360999F1B14C".parse().unwrap());
//! headers.insert("Content-Type", "application/json".parse().unwrap());
//!
//! let n = router.verify(Provider::Paydesk, &headers, body).unwrap();
//! assert!(n.status().is_paid());
//! n.check(&Expected::order("1313068703462109184").amount(Decimal::new(35832000, 2))).unwrap();
//! assert!(n.check(&Expected::order("1313068703462109184").amount(Decimal::new(1, 0))).is_err());
//! assert_eq!(router.ack(Provider::Paydesk).body(), "SUCCESS");
//! # }
//! ```
//!
//! The provider crates' own request types stay available (`payhub::paydesk::api::*`) for every
//! field a provider has; the unified [`Checkout`] / [`Recharge`] traits take them.
//!
//! # Optional features
//! - `gateway-recharge`, `paydesk`, `vipcharge`, `jiuyi-dc`, `tokenpay`: one provider each,
//!   re-exported as a module of the same name (`payhub::jiuyi_dc`). `full`: all five, `axum`
//!   and `config`. A provider whose feature is off is not compiled at all.
//! - `config`: `Hub::from_toml` and `Hub::from_config_file` (`payhub.toml`).
//! - `axum`: `axum::notify_routes`, a callback endpoint for every configured provider and
//!   account, and `axum::serve` with `axum::ServeOptions`, the server to expose it with.
//! - `sandbox`: re-exports the `payhub-sandbox` crate as `payhub::sandbox`, the local provider
//!   server.
//!
//! The `payhub` command line (`payhub-cli` crate) and the durable callback gateway
//! (`payhub serve`, on the `payhub-store` crate) are built on this crate.
#![forbid(unsafe_code)]

mod ack;
mod adapters;
mod dedupe;
mod error;
mod expect;
mod hub;
mod inbox;
mod notification;
mod provider;
mod providers;
mod router;
#[cfg(feature = "axum")]
mod serve;
mod status;
mod unified;

#[cfg(feature = "axum")]
pub mod axum;

pub use ack::Ack;
pub use dedupe::{
    DEFAULT_IN_PROGRESS_LEASE, DedupeFuture, DeliveryState, InMemoryDeduper, NotifyDeduper,
    renewal_interval,
};
pub use error::{Error, Result};
pub use expect::{Expected, FieldMismatch, Mismatch, NotificationFacts};
pub use hub::account::{Account, AccountFuture, KeyUsed, ProviderAccount, Verified};
pub use hub::adapter::{AccountSettings, Adapter, Setting, default_adapters};
pub use hub::registry::{DEFAULT_ACCOUNT, Hub, HubBuilder, dedupe_key};
pub use hub::request::{CheckoutRequest, Customer, Extras, RechargeRequest};
pub use inbox::{Inbox, InboxError, InboxEvent, MemoryInbox, Recorded, event_key, inbox_key};
pub use notification::Notification;
pub use provider::{Provider, UnknownProvider};
pub use router::{Delivery, NotifyRouter};
pub use status::PaymentStatus;
pub use unified::{Checkout, PaymentLink, Recharge, RechargeReceipt};

#[cfg(feature = "gateway-recharge")]
pub use adapters::gateway_recharge::{GatewayRechargeAccount, GatewayRechargeAdapter};
#[cfg(feature = "jiuyi-dc")]
pub use adapters::jiuyi_dc::{JiuyiDcAccount, JiuyiDcAdapter};
#[cfg(feature = "paydesk")]
pub use adapters::paydesk::{PaydeskAccount, PaydeskAdapter};
#[cfg(feature = "tokenpay")]
pub use adapters::tokenpay::{TokenpayAccount, TokenpayAdapter};
#[cfg(feature = "vipcharge")]
pub use adapters::vipcharge::{VipchargeAccount, VipchargeAdapter};

/// WinPay collection orders, H5 deposits and callbacks (the `gateway-recharge` crate).
#[cfg(feature = "gateway-recharge")]
pub use gateway_recharge;
/// The `http` crate, whose `HeaderMap` [`NotifyRouter::verify`] takes.
pub use http;
/// 91 card direct recharge and card codes (the `jiuyi-dc` crate).
#[cfg(feature = "jiuyi-dc")]
pub use jiuyi_dc;
/// Cashy cashier, payin, payout and notifies (the `paydesk` crate).
#[cfg(feature = "paydesk")]
pub use paydesk;
/// The local provider sandbox (the `payhub-sandbox` crate).
#[cfg(feature = "sandbox")]
pub use payhub_sandbox as sandbox;
/// TokenPay crypto collection and payouts (the `tokenpay` crate).
#[cfg(feature = "tokenpay")]
pub use tokenpay;
/// The redemption open API: direct recharge and card codes (the `vipcharge` crate).
#[cfg(feature = "vipcharge")]
pub use vipcharge;
