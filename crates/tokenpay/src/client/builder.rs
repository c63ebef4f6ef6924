//! [`ClientBuilder`]: the shared [`ClientOptions`] setters, the credentials, tokenpay's settings.

use std::sync::Arc;

use payhub_runtime::ClientOptions;
use sign_core::Secret;

use super::{Client, Inner};
use crate::api::{self, PayoutPaths, ReplyCheck, ReplySignatureMode};
use crate::error::{Error, Result};
use crate::protocol::{DEFAULT_BASE_URL, DEFAULT_USER_AGENT};
use crate::protocol::{ENV_APP_ID, ENV_APP_SECRET, ENV_BASE_URL, ENV_MCH_ID};
use crate::sign::{RequestSigner, TimestampUnit};

/// Builds a [`Client`]: the setters every payhub client has (`base_url`, `timeout`, `clock`,
/// ...), then tokenpay's; problems surface from [`ClientBuilder::build`]. `Debug` hides the secret.
///
/// ```
/// let client = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
///     .base_url("http://127.0.0.1:8080")
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:8080/");
/// ```
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder {
    app_id: String,
    mch_id: String,
    secret: Secret,
    options: ClientOptions,
    cashier_base_url: Option<String>,
    timestamp_unit: TimestampUnit,
    replies: ReplyCheck,
    payout_paths: PayoutPaths,
    user_agent: String,
}

impl ClientBuilder {
    payhub_runtime::client_options_setters!();

    pub(super) fn new(app_id: String, mch_id: String, secret: Secret) -> Self {
        Self {
            app_id,
            mch_id,
            secret,
            options: ClientOptions::new(Some(DEFAULT_BASE_URL)),
            cashier_base_url: None,
            timestamp_unit: TimestampUnit::Millis,
            replies: ReplyCheck::default(),
            payout_paths: PayoutPaths::PayAnother,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }

    /// A builder from [`ENV_BASE_URL`] (optional), [`ENV_APP_ID`], [`ENV_MCH_ID`] and
    /// [`ENV_APP_SECRET`], to adjust further before [`ClientBuilder::build`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing (or not UTF-8) variable.
    pub fn from_env() -> Result<Self> {
        for name in [ENV_APP_ID, ENV_MCH_ID, ENV_APP_SECRET, ENV_BASE_URL] {
            if let Err(std::env::VarError::NotUnicode(_)) = std::env::var(name) {
                return Err(Error::config(name, "is not valid UTF-8"));
            }
        }
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`ClientBuilder::from_env`], reading the variables with `lookup` (blank is unset).
    ///
    /// ```
    /// let vars = [("TOKENPAY_APP_ID", "app"), ("TOKENPAY_MCH_ID", "mch")];
    /// let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    /// let err = tokenpay::ClientBuilder::from_vars(lookup).unwrap_err();
    /// assert!(err.to_string().contains(tokenpay::ENV_APP_SECRET));
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing variable.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let need = |name: &str| var(name).ok_or_else(|| Error::config(name, "is not set"));
        let (app_id, mch_id) = (need(ENV_APP_ID)?, need(ENV_MCH_ID)?);
        let mut b = Self::new(app_id, mch_id, Secret::new(need(ENV_APP_SECRET)?));
        b.options.base_url = var(ENV_BASE_URL).or(b.options.base_url);
        Ok(b)
    }

    /// Where relative `payment_url`s are resolved (default: the API base URL).
    pub fn cashier_base_url(mut self, url: impl Into<String>) -> Self {
        self.cashier_base_url = Some(url.into());
        self
    }

    /// The signed timestamp's unit (default milliseconds; the docs also show seconds).
    pub fn timestamp_unit(mut self, unit: TimestampUnit) -> Self {
        self.timestamp_unit = unit;
        self
    }

    crate::api::reply_setters!();

    /// The payout path family (default `/v1/payanother/*`).
    pub fn payout_paths(mut self, paths: PayoutPaths) -> Self {
        self.payout_paths = paths;
        self
    }

    /// The `User-Agent` header (default [`crate::DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting: an empty id, a secret that is not 32 bytes, a bad
    /// base URL, a user agent that is not a valid header value, a zero timeout or deadline.
    pub fn build(self) -> Result<Client> {
        let (o, unit, ua) = (self.options, self.timestamp_unit, self.user_agent);
        let stamps = (o.clock.clone(), o.nonce.clone());
        let signer =
            RequestSigner::new((self.app_id, self.mch_id, &self.secret), stamps, unit, ua)?;
        let base_url = o.check()?;
        let cashier_base = api::cashier_base(self.cashier_base_url.as_deref(), &base_url)?;
        let inner = Arc::new(Inner {
            signer,
            base_url,
            cashier_base,
            pipeline: o.pipeline()?,
            replies: self.replies.resolve()?,
            payout_paths: self.payout_paths,
            max_notify_body_bytes: o.max_notify_body_bytes,
        });
        Ok(Client { inner })
    }
}
