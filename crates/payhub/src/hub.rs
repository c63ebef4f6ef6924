//! The registry: [`Hub`] holds one [`Adapter`] per provider and any number of named merchant
//! [`Account`]s per provider, and takes one order shape ([`CheckoutRequest`],
//! [`RechargeRequest`]) to any of them.
//!
//! Why a registry: real merchants run several accounts per provider (a country each, a test
//! and a live account, a sub-merchant per brand) and rotate keys. Generic code holds
//! `Arc<dyn Account>`s in one map, creates a checkout on any provider from one request, and
//! routes each callback to the account it is for: by the merchant the callback names
//! (paydesk `MerchantId`, tokenpay `app_id`, vipcharge `businessId`), else by the callback
//! URL's path (`/callbacks/{provider}/{account}`). Each account may hold a previous key during
//! a rotation: requests are signed with the current key, callbacks verify with either, and one
//! that needed the previous key is logged.
//!
//! Built in code ([`Hub::builder`] with `PaydeskAccount::new`, ...)
//! or from settings ([`HubBuilder::account_from_settings`], and with the `config` feature
//! [`Hub::from_toml`] reading `payhub.toml`).

pub(crate) mod account;
pub(crate) mod adapter;
#[cfg(feature = "config")]
mod config;
pub(crate) mod registry;
pub(crate) mod request;
