//! payhub: one SDK for five payment and recharge providers.
//!
//! Turn on a feature per provider and use its crate through this one
//! (`payhub::paydesk::Client`), or use the shared vocabulary on top of them:
//!
//! - [`Checkout`] (collection providers: gateway-recharge, paydesk, tokenpay) returns a
//!   [`PaymentLink`]; [`Recharge`] (direct recharge: vipcharge, jiuyi-dc) returns a
//!   [`RechargeReceipt`]; both report a [`PaymentStatus`].
//! - [`NotifyRouter`] verifies a raw callback with the right provider's verifier, deduplicates it
//!   with a [`NotifyDeduper`], and gives the exact [`Ack`] to send back.
//! - [`Expected`] checks a verified [`Notification`] against your own order (order number,
//!   amount, currency), because a valid signature does not prove the amount is the one you asked for.
//! - With the `axum` feature, [`axum::notify_routes`] is a ready callback endpoint, and
//!   [`axum::serve`] serves it with header, body and request timeouts and a connection cap (a
//!   bare `axum::serve` lets slow clients hold connections forever; see [`axum`]).
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
//! # Optional features
//! - `gateway-recharge`, `paydesk`, `vipcharge`, `jiuyi-dc`, `tokenpay`: one provider each,
//!   re-exported as a module of the same name (`payhub::jiuyi_dc`). `full`: all five. A provider
//!   whose feature is off is not compiled at all.
//! - `axum`: [`axum::notify_routes`], a callback endpoint for every configured provider, and
//!   [`axum::serve`] with [`axum::ServeOptions`], the server to expose it with.
//! - `sandbox`: re-exports [`payhub_sandbox`] as `payhub::sandbox`, the local provider server.
//! - The `payhub` command-line tool is the `payhub-cli` crate (`cargo install --path crates/payhub-cli`).
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
pub use dedupe::{DedupeFuture, DeliveryState, InMemoryDeduper, NotifyDeduper};
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
