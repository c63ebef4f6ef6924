//! [`ClientBuilder`]: the shared [`ClientOptions`] plus WinPay's credentials and settings.

use std::env::VarError;
use std::sync::Arc;

use payhub_runtime::ClientOptions;
use sign_core::Secret;
use time::UtcOffset;

use super::{Client, Inner};
use crate::api::{Codec, ReplyRules};
use crate::notify::NotifyVerifier;
use crate::types::ReplySignature;
use crate::{Error, Result};

/// Environment variable with the base URL WinPay issued to you.
pub const ENV_BASE_URL: &str = "GATEWAY_RECHARGE_BASE_URL";
/// Environment variable with your merchant number.
pub const ENV_MERCHANT_NO: &str = "GATEWAY_RECHARGE_MERCHANT_NO";
/// Environment variable with your MD5 key.
pub const ENV_KEY: &str = "GATEWAY_RECHARGE_KEY";

/// Builds a [`Client`] ([`Client::builder`]): the settings every payhub client shares
/// (`base_url`, `timeout`, `connect_timeout`, `call_deadline`, `http_client`, `clock`,
/// `nonce_source` (unused: WinPay signs no nonce), `retry_policy`, `max_body_bytes`,
/// `max_notify_body_bytes`), then WinPay's own (example and "Open points": [crate docs](crate)).
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    merchant_no: String,
    key: Secret,
    options: ClientOptions,
    rules: ReplyRules,
}

impl ClientBuilder {
    pub(crate) fn new(merchant_no: String, key: Secret) -> Self {
        Self {
            merchant_no,
            key,
            options: ClientOptions::new(None), // WinPay issues a host per merchant.
            rules: ReplyRules::default(),
        }
    }

    /// A builder from [`ENV_BASE_URL`], [`ENV_MERCHANT_NO`] and [`ENV_KEY`] (values trimmed).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing, empty or not UTF-8.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// As [`ClientBuilder::from_env`], reading the variables through `lookup`.
    ///
    /// ```
    /// let vars = [("GATEWAY_RECHARGE_BASE_URL", "http://127.0.0.1:8080"), ("GATEWAY_RECHARGE_MERCHANT_NO", "M1"), ("GATEWAY_RECHARGE_KEY", "k")];
    /// let lookup = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string());
    /// assert_eq!(gateway_recharge::ClientBuilder::from_vars(lookup).unwrap().build().unwrap().merchant_no(), "M1");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or empty.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_lookup(|name| lookup(name).ok_or(VarError::NotPresent))
    }

    fn from_lookup(lookup: impl Fn(&str) -> std::result::Result<String, VarError>) -> Result<Self> {
        let var = |name| Error::env_value(name, lookup(name));
        let base_url = var(ENV_BASE_URL)?;
        Ok(Self::new(var(ENV_MERCHANT_NO)?, var(ENV_KEY)?.into()).base_url(base_url))
    }

    payhub_runtime::client_options_setters!();

    /// WinPay's time zone, used to read `trade_time` (default UTC+8).
    pub fn provider_utc_offset(mut self, offset: UtcOffset) -> Self {
        self.rules.offset = offset;
        self
    }

    /// The path [`Client::reconcile`] queries (default `/h5/deposit_query`).
    pub fn reconcile_path(mut self, path: impl Into<String>) -> Self {
        self.rules.reconcile_path = path.into();
        self
    }

    /// Reply codes meaning "busy, try again": reads failing with them are retried (default none).
    pub fn busy_codes<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.rules.busy_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Reply codes meaning "signature refused" (default none): the error's `Display` then ends
    /// with a redacted summary of what was signed ([`crate::error::ApiError::signed`]).
    pub fn signature_rejected_codes<S: Into<String>>(
        mut self,
        codes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.rules.signature_rejected_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Reply codes meaning "no such order": [`Client::reconcile`] returns
    /// [`NotFound`](crate::Reconciliation::NotFound) for them (default none; the sandbox: `1005`).
    pub fn not_found_codes<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.rules.not_found_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether empty values are signed in raw requests and callbacks (default `true`).
    pub fn sign_empty_values(mut self, sign: bool) -> Self {
        self.rules.sign_empty = sign;
        self
    }

    /// Whether reply signatures are checked (default [`ReplySignature::Ignore`]).
    pub fn reply_signature(mut self, mode: ReplySignature) -> Self {
        self.rules.reply_signature = mode;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting: empty merchant number or key, missing or insecure
    /// base URL, a zero timeout, deadline or limit, bad reconcile path, HTTP client failure.
    pub fn build(self) -> Result<Client> {
        let clock = Arc::clone(&self.options.clock);
        let codec = Codec::new(self.merchant_no, self.key, clock, self.rules)?;
        if self.options.base_url.is_none() {
            let why = "is not set (WinPay issues a host per merchant; there is no default)";
            return Err(Error::config("base_url", why));
        }
        let pipeline = self.options.pipeline()?;
        let verifier = NotifyVerifier::from_parts(&codec, self.options.max_notify_body_bytes);
        let inner = Inner {
            codec,
            pipeline,
            verifier,
        };
        Ok(Client {
            inner: Arc::new(inner),
        })
    }
}
