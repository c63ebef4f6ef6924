//! vipcharge's own client settings (beyond the shared [`payhub_runtime::ClientOptions`]): the
//! RSA backend, the `signType` header, the platform verifier, the card key, reply verification,
//! the order-status fields and the callback freshness window; checked and resolved once, when
//! the client is built.

use std::fmt;
use std::sync::Arc;

use payhub_runtime::{Clock, PreparedRequest};

use sign_core::rsa::RsaBackend;

use crate::api::{BodyContext, ReplyReader, ReplySignatureMode};
use crate::credentials::{self, Credentials, Keys, PrivateInput};
use crate::error::ConfigError;
use crate::notify::{Freshness, NotifyVerifier};
use crate::sign::PlatformVerifier;
use crate::types::default_status_fields;

/// The settings as given to the builder.
pub(crate) struct Settings {
    pub(crate) backend: Option<&'static dyn RsaBackend>,
    pub(crate) send_sign_type: bool,
    pub(crate) platform_key: Option<Vec<u8>>,
    pub(crate) platform_verifier: Option<PlatformVerifier>,
    pub(crate) previous_platform: Option<PlatformVerifier>,
    pub(crate) card_key: Option<PrivateInput>,
    pub(crate) reply_verification: ReplySignatureMode,
    pub(crate) status_fields: Vec<String>,
    pub(crate) notify_freshness: Option<Freshness>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            backend: None,
            send_sign_type: true,
            platform_key: None,
            platform_verifier: None,
            previous_platform: None,
            card_key: None,
            reply_verification: ReplySignatureMode::default(),
            status_fields: default_status_fields(),
            notify_freshness: Some(Freshness::DEFAULT),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("send_sign_type", &self.send_sign_type)
            .field("reply_signatures", &self.reply_verification)
            .field("backend", &self.backend.map(|b| b.name()))
            .finish_non_exhaustive()
    }
}

/// The settings after `build()`: every key loaded, every rule checked.
pub(crate) struct Resolved {
    pub(crate) merchant_id: String,
    pub(crate) business_id: String,
    pub(crate) keys: Keys,
    pub(crate) previous_platform: Option<PlatformVerifier>,
    pub(crate) send_sign_type: bool,
    pub(crate) reply_verification: ReplySignatureMode,
    pub(crate) status_fields: Vec<String>,
    pub(crate) notify_freshness: Option<Freshness>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("merchant_id", &self.merchant_id)
            .field("business_id", &self.business_id)
            .field("sign_type", &self.keys.signer.sign_type())
            .field("send_sign_type", &self.send_sign_type)
            .field("reply_signatures", &self.reply_verification)
            .field("card_key", &self.keys.card_key.is_some())
            .field("platform_verifier", &self.keys.platform)
            .finish_non_exhaustive()
    }
}

/// Refuses a base URL that is missing or carries `user:password` (never echoed: it may be a
/// credential), or that is not `https` (plain `http` only for loopback).
pub(crate) fn check_base_url(base: Option<&str>) -> Result<(), ConfigError> {
    let base = base
        .map(str::trim)
        .ok_or_else(|| ConfigError::new("base_url", "is required (the platform issues it)"))?;
    if url::Url::parse(base).is_ok_and(|u| !u.username().is_empty() || u.password().is_some()) {
        return Err(ConfigError::new(
            "base_url",
            "must not contain user:password (the platform authenticates by signed headers)",
        ));
    }
    payhub_runtime::parse_base_url(base)
        .map(drop)
        .map_err(|e| ConfigError::with_source("base_url", e.to_string(), e))
}

impl Settings {
    /// Checks the IDs and the settings and loads every key, in the order errors are reported.
    pub(crate) fn resolve(
        self,
        merchant_id: String,
        business_id: String,
        credentials: Credentials,
    ) -> Result<Resolved, ConfigError> {
        for (setting, value) in [("merchant_id", &merchant_id), ("business_id", &business_id)] {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::new(
                    setting,
                    "must be non-empty visible ASCII (it is sent as a header and signed)",
                ));
            }
        }
        let keys = credentials::load(
            credentials,
            self.backend,
            self.send_sign_type,
            self.card_key,
            self.platform_verifier,
            self.platform_key,
        )?;
        if self.reply_verification == ReplySignatureMode::Strict && keys.platform.is_none() {
            return Err(ConfigError::new(
                "reply_signatures",
                "Strict needs platform_public_key or platform_verifier",
            ));
        }
        if self.status_fields.is_empty() {
            return Err(ConfigError::new(
                "order_status_fields",
                "must name at least one field",
            ));
        }
        Ok(Resolved {
            merchant_id,
            business_id,
            keys,
            previous_platform: self.previous_platform,
            send_sign_type: self.send_sign_type,
            reply_verification: self.reply_verification,
            status_fields: self.status_fields,
            notify_freshness: self.notify_freshness,
        })
    }
}

impl Resolved {
    /// What a request body needs from the client.
    pub(crate) fn body_context(&self) -> BodyContext<'_> {
        BodyContext {
            merchant_id: &self.merchant_id,
            business_id: &self.business_id,
        }
    }

    /// Signs `body` for `operation` with this business's headers.
    pub(crate) fn signed_request(
        &self,
        operation: &'static str,
        path: &'static str,
        nonce: String,
        now_millis: i64,
        body: Vec<u8>,
    ) -> Result<PreparedRequest, ConfigError> {
        let (business, sign_type) = (&self.business_id, self.send_sign_type);
        let now = now_millis.to_string();
        let signer = &self.keys.signer;
        signer.signed_request(operation, path, business, nonce, now, sign_type, body)
    }

    /// Refuses, before anything is sent, a purchase whose codes need the card key when none is
    /// configured.
    pub(crate) fn check_card_key(&self, needed: bool) -> Result<(), ConfigError> {
        if needed && self.keys.card_key.is_none() {
            return Err(ConfigError::new(
                "card_key",
                "this purchase returns codes encrypted to the merchant RSA key; configure the \
                 merchant private key before buying (nothing was sent)",
            ));
        }
        Ok(())
    }

    /// The callback verifier of [`Client::notify_verifier`](crate::Client::notify_verifier).
    pub(crate) fn notify_verifier(
        &self,
        clock: Arc<dyn Clock>,
        max_body: usize,
    ) -> Result<NotifyVerifier, ConfigError> {
        let verifier = self.keys.platform.clone().ok_or_else(|| {
            ConfigError::new(
                "platform_public_key",
                "RSA merchants verify callbacks with the platform public key; set \
                 platform_public_key or platform_verifier",
            )
        })?;
        Ok(NotifyVerifier::new(self.business_id.clone(), verifier)
            .max_body_bytes(max_body)
            .order_status_fields(self.status_fields.iter().cloned())
            .freshness(self.notify_freshness)
            .clock(clock))
    }

    /// What reading a reply needs.
    pub(crate) fn reader(&self) -> ReplyReader<'_> {
        ReplyReader {
            verification: self.reply_verification,
            platform: self.keys.platform.as_ref(),
            previous: self.previous_platform.as_ref(),
            card_key: self.keys.card_key.as_ref(),
            status_fields: &self.status_fields,
        }
    }
}

/// Expands, inside `impl ClientBuilder` (whose struct has a field `settings: Settings`), the
/// setters of vipcharge's own settings, next to the settings they set (as
/// `payhub_runtime::client_options_setters!` does for the shared ones).
macro_rules! setters {
    () => {
        /// The RSA backend for every key given as bytes (and to reload a given key): aws-lc-rs
        /// (default) or, with the `rsa` feature, `sign_core::rsa::rust_crypto::BACKEND`.
        pub fn rsa_backend(mut self, backend: &'static dyn ::sign_core::rsa::RsaBackend) -> Self {
            self.settings.backend = Some(backend);
            self
        }

        /// Whether the `signType` header is sent and signed (default `true`; without it the
        /// platform assumes `SHA256-RSA`, so `MD5` requires it).
        pub fn send_sign_type(mut self, send: bool) -> Self {
            self.settings.send_sign_type = send;
            self
        }

        /// The platform public key (PEM/DER/base64, SPKI or PKCS#1) that verifies callbacks and
        /// signed replies of a `SHA256-RSA` merchant (the docs leave it open: confirm it).
        pub fn platform_public_key(mut self, key: impl AsRef<[u8]>) -> Self {
            self.settings.platform_key = Some(key.as_ref().to_vec());
            self
        }

        /// The verifier of callbacks and signed replies, explicitly (default: the secret for MD5
        /// merchants, `platform_public_key` for RSA merchants).
        pub fn platform_verifier(mut self, verifier: $crate::sign::PlatformVerifier) -> Self {
            self.settings.platform_verifier = Some(verifier);
            self
        }

        /// During a rotation of the platform's key (or of the MD5 secret), the verifier of the key
        /// being rotated out (`PlatformVerifier::rsa(RsaPublicKey::parse(old_pem)?)` or
        /// `PlatformVerifier::md5(old_secret)`): a signed reply that verifies only with it is
        /// accepted, with a `warn` event. Callbacks: build a second
        /// [`NotifyVerifier`](crate::notify::NotifyVerifier) with it (the `payhub` facade's
        /// accounts do). Remove it once the rotation is complete.
        pub fn previous_platform_verifier(
            mut self,
            verifier: $crate::sign::PlatformVerifier,
        ) -> Self {
            self.settings.previous_platform = Some(verifier);
            self
        }

        /// The merchant private key that decrypts card codes (`SHA256-RSA` merchants use their
        /// signing key unless this is set).
        pub fn card_key(mut self, key: impl AsRef<[u8]>) -> Self {
            let key = ::zeroize::Zeroizing::new(key.as_ref().to_vec());
            self.settings.card_key = Some($crate::credentials::PrivateInput::Bytes(key));
            self
        }

        /// As [`ClientBuilder::card_key`](Self::card_key) with a loaded key.
        pub fn card_private_key(mut self, key: ::sign_core::rsa::RsaPrivateKey) -> Self {
            self.settings.card_key = Some($crate::credentials::PrivateInput::Parsed(key));
            self
        }

        /// Whether reply signatures are checked (default [`ReplySignatureMode::RefuseInvalid`]($crate::ReplySignatureMode::RefuseInvalid)).
        pub fn reply_signatures(mut self, mode: $crate::ReplySignatureMode) -> Self {
            self.settings.reply_verification = mode;
            self
        }

        /// The `data` fields tried, in order, for the order status of order queries and callbacks
        /// (default `orderStatus`, then `status`: the docs are cut before the field is named).
        pub fn order_status_fields<S: Into<String>>(
            mut self,
            names: impl IntoIterator<Item = S>,
        ) -> Self {
            self.settings.status_fields = names.into_iter().map(Into::into).collect();
            self
        }

        /// The freshness window of a callback's signed `timestamp` for [`Client::notify_verifier`]($crate::Client::notify_verifier)
        /// (default [`Freshness::DEFAULT`]($crate::notify::Freshness::DEFAULT): 24 hours old, 5 minutes ahead); `None` turns it off.
        pub fn notify_freshness(mut self, window: Option<$crate::notify::Freshness>) -> Self {
            self.settings.notify_freshness = window;
            self
        }
    };
}
pub(crate) use setters;
