//! [`ClientBuilder`]: the shared options ([`ClientOptions`]) plus vipcharge's credentials and
//! settings.

use std::fmt;
use std::sync::Arc;

use payhub_runtime::{ClientOptions, OptionsError, RandomUuid};
use sign_core::rsa::{RsaBackend, RsaPrivateKey};
use zeroize::Zeroizing;

use super::{Client, Inner};
use crate::api::ReplyVerification;
use crate::credentials::{self, Credentials, PrivateInput};
use crate::error::{ConfigError, Result};
use crate::notify::Freshness;
use crate::sign::PlatformVerifier;
use crate::types::default_status_fields;

/// Configures a [`Client`]. Setter errors surface from [`ClientBuilder::build`].
///
/// ```
/// use vipcharge::{Client, Credentials};
/// let client = Client::builder("166", "166", Credentials::md5("testSignKey"))
///     .base_url("https://open.example.com")
///     .timeout(std::time::Duration::from_secs(10))
///     .build()
///     .unwrap();
/// assert_eq!(client.sign_type().as_str(), "MD5");
/// ```
#[must_use]
pub struct ClientBuilder {
    merchant_id: String,
    business_id: String,
    credentials: Credentials,
    options: ClientOptions,
    backend: Option<&'static dyn RsaBackend>,
    send_sign_type: bool,
    platform_key: Option<Vec<u8>>,
    platform_verifier: Option<PlatformVerifier>,
    card_key: Option<PrivateInput>,
    reply_verification: ReplyVerification,
    status_fields: Vec<String>,
    notify_freshness: Option<Freshness>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("merchant_id", &self.merchant_id)
            .field("business_id", &self.business_id)
            .field("credentials", &self.credentials)
            .field("options", &self.options)
            .field("send_sign_type", &self.send_sign_type)
            .field("reply_verification", &self.reply_verification)
            .field("backend", &self.backend.map(|b| b.name()))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(merchant_id: String, business_id: String, credentials: Credentials) -> Self {
        Self {
            merchant_id,
            business_id,
            credentials,
            // No public base URL (the platform issues it); nonces are CSPRNG UUIDs.
            options: ClientOptions::new(None).nonce_source(Arc::new(RandomUuid)),
            backend: None,
            send_sign_type: true,
            platform_key: None,
            platform_verifier: None,
            card_key: None,
            reply_verification: ReplyVerification::default(),
            status_fields: default_status_fields(),
            notify_freshness: Some(Freshness::DEFAULT),
        }
    }

    /// A builder from the process environment: see [`ClientBuilder::from_vars`].
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the variable at fault.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// A builder from the variables [`ENV_BASE_URL`](crate::ENV_BASE_URL),
    /// [`ENV_MERCHANT_ID`](crate::ENV_MERCHANT_ID), [`ENV_BUSINESS_ID`](crate::ENV_BUSINESS_ID),
    /// [`ENV_SIGN_TYPE`](crate::ENV_SIGN_TYPE) (`SHA256-RSA` default, or `MD5`),
    /// [`ENV_PRIVATE_KEY`](crate::ENV_PRIVATE_KEY) (a key file path; required for RSA),
    /// [`ENV_SECRET`](crate::ENV_SECRET) (required for MD5) and
    /// [`ENV_PLATFORM_PUBLIC_KEY`](crate::ENV_PLATFORM_PUBLIC_KEY) (a key file path), read
    /// through `lookup` (so configuration systems and tests need not touch the environment).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let env = HashMap::from([
    ///     (vipcharge::ENV_BASE_URL, "https://api.example.com"),
    ///     (vipcharge::ENV_MERCHANT_ID, "166"),
    ///     (vipcharge::ENV_BUSINESS_ID, "166"),
    ///     (vipcharge::ENV_SIGN_TYPE, "MD5"),
    ///     (vipcharge::ENV_SECRET, "testSignKey"),
    /// ]);
    /// let client = vipcharge::ClientBuilder::from_vars(|k| env.get(k).map(|v| v.to_string()))
    ///     .unwrap()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.business_id(), "166");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing, empty or
    /// unreadable.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = crate::env::read(&lookup)?;
        let mut builder =
            Self::new(env.merchant_id, env.business_id, env.credentials).base_url(env.base_url);
        if let Some(key) = env.card_key {
            builder = builder.card_key(key);
        }
        if let Some(key) = env.platform_key {
            builder = builder.platform_public_key(key);
        }
        Ok(builder)
    }

    payhub_runtime::client_options_setters!();

    /// The RSA backend for every key given as bytes (and to reload a given key):
    /// `sign_core::rsa::aws_lc::BACKEND` (default) or, with the `rsa` feature,
    /// `sign_core::rsa::rust_crypto::BACKEND` (pure Rust; RUSTSEC-2023-0071).
    pub fn rsa_backend(mut self, backend: &'static dyn RsaBackend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Whether the `signType` header is sent (default `true`). When it is not sent it is not
    /// signed either, and the platform assumes `SHA256-RSA`, so `MD5` requires it.
    pub fn send_sign_type(mut self, send: bool) -> Self {
        self.send_sign_type = send;
        self
    }

    /// The platform public key (PEM/DER/base64, SPKI or PKCS#1) that verifies callbacks and
    /// signed replies of a `SHA256-RSA` merchant. The docs leave this key open: confirm it
    /// with the provider.
    pub fn platform_public_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.platform_key = Some(key.as_ref().to_vec());
        self
    }

    /// The verifier of callbacks and signed replies, explicitly (overrides the default: the
    /// secret for MD5 merchants, `platform_public_key` for RSA merchants).
    pub fn platform_verifier(mut self, verifier: PlatformVerifier) -> Self {
        self.platform_verifier = Some(verifier);
        self
    }

    /// The merchant private key that decrypts card codes, for `MD5` merchants (`SHA256-RSA`
    /// merchants use their signing key unless this is set).
    pub fn card_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.card_key = Some(PrivateInput::Bytes(Zeroizing::new(key.as_ref().to_vec())));
        self
    }

    /// As [`ClientBuilder::card_key`] with a loaded key.
    pub fn card_private_key(mut self, key: RsaPrivateKey) -> Self {
        self.card_key = Some(PrivateInput::Parsed(key));
        self
    }

    /// Whether reply signatures are checked (default [`ReplyVerification::IfSigned`]: a present,
    /// wrong signature is refused; an unsigned reply is accepted).
    pub fn reply_verification(mut self, mode: ReplyVerification) -> Self {
        self.reply_verification = mode;
        self
    }

    /// The `data` fields tried, in order, for the order status of the order query and of
    /// callbacks (default `orderStatus`, then `status`). The docs are cut before that field is
    /// named.
    pub fn order_status_fields<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.status_fields = names.into_iter().map(Into::into).collect();
        self
    }

    /// The freshness window [`Client::notify_verifier`] applies to a callback's signed
    /// `timestamp` (default [`Freshness::DEFAULT`]: at most 24 hours old, 5 minutes ahead);
    /// `None` turns the check off. Measured on the client's clock.
    pub fn notify_freshness(mut self, window: Option<Freshness>) -> Self {
        self.notify_freshness = window;
        self
    }

    /// Checks the settings, loads every key once and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the setting: a missing or insecure base
    /// URL, an empty or non-ASCII merchant/business ID, an unreadable or short key, `MD5`
    /// without the `signType` header, strict reply verification without a platform verifier, a
    /// zero timeout, call deadline or body limit.
    pub fn build(self) -> Result<Client> {
        let base = self.options.base_url.as_deref().map(str::trim);
        let base = base
            .ok_or_else(|| ConfigError::new("base_url", "is required (the platform issues it)"))?;
        if url::Url::parse(base).is_ok_and(|u| !u.username().is_empty() || u.password().is_some()) {
            // Never echo the URL: the userinfo may be a credential.
            return Err(ConfigError::new(
                "base_url",
                "must not contain user:password (the platform authenticates by signed headers)",
            )
            .into());
        }
        payhub_runtime::parse_base_url(base)
            .map_err(|e| ConfigError::with_source("base_url", e.to_string(), e))?;
        for (setting, value) in [
            ("merchant_id", &self.merchant_id),
            ("business_id", &self.business_id),
        ] {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::new(
                    setting,
                    "must be non-empty visible ASCII (it is sent as a header and signed)",
                )
                .into());
            }
        }
        let keys = credentials::load(
            self.credentials,
            self.backend,
            self.send_sign_type,
            self.card_key,
            self.platform_verifier,
            self.platform_key,
        )?;
        if self.reply_verification == ReplyVerification::Strict && keys.platform.is_none() {
            return Err(ConfigError::new(
                "reply_verification",
                "Strict needs platform_public_key or platform_verifier",
            )
            .into());
        }
        if self.status_fields.is_empty() {
            return Err(
                ConfigError::new("order_status_fields", "must name at least one field").into(),
            );
        }
        let pipeline = self.options.pipeline().map_err(|e| match e {
            OptionsError::Invalid { field, problem } => ConfigError::new(field, problem),
            other => ConfigError::with_source("http_client", "cannot build the HTTP client", other),
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                protocol: crate::protocol::Vipcharge,
                pipeline,
                merchant_id: self.merchant_id,
                business_id: self.business_id,
                keys,
                send_sign_type: self.send_sign_type,
                reply_verification: self.reply_verification,
                options: self.options,
                status_fields: self.status_fields,
                notify_freshness: self.notify_freshness,
            }),
        })
    }
}
