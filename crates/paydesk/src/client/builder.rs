//! [`ClientBuilder`]: credentials as arguments, the shared [`ClientOptions`] and Cashy's own
//! settings as setters, errors at `build`.

use std::sync::Arc;

use payhub_runtime::{ClientOptions, RandomAlphanumeric};
use sign_core::Secret;

use super::{Client, Inner};
use crate::error::{ConfigError, Error, Result};
use crate::notify::NotifyVerifier;
use crate::profile::{Profile, Profiles};
use crate::sign;
use crate::types::{CodeField, CodeFormat, CodeFormats};

/// The environment variable holding the base URL.
pub const ENV_BASE_URL: &str = "PAYDESK_BASE_URL";
/// The environment variable holding the numeric merchant id.
pub const ENV_MERCHANT_ID: &str = "PAYDESK_MERCHANT_ID";
/// The environment variable holding the apiKey.
pub const ENV_API_KEY: &str = "PAYDESK_API_KEY";

/// Configures a [`Client`]: the settings every payhub client shares (`base_url`, required:
/// Cashy gives it to each merchant; `timeout`, `call_deadline`, `retry_policy`, `nonce_source`
/// (default: 32 random letters and digits), `max_notify_body_bytes`, ...) and Cashy's amount
/// profiles and code formats. Errors surface from [`ClientBuilder::build`]. Example: the
/// [crate docs](crate). `Debug` masks the apiKey.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    merchant_id: u64,
    api_key: Secret,
    options: ClientOptions,
    profiles: Profiles,
    codes: CodeFormats,
}

impl ClientBuilder {
    pub(crate) fn new(merchant_id: u64, api_key: Secret) -> Self {
        Self {
            merchant_id,
            api_key,
            options: ClientOptions::new(None).nonce_source(Arc::new(RandomAlphanumeric(32))),
            profiles: Profiles::builtin(),
            codes: CodeFormats::default(),
        }
    }

    payhub_runtime::client_options_setters!();

    /// A builder from `PAYDESK_BASE_URL`, `PAYDESK_MERCHANT_ID` and `PAYDESK_API_KEY`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or malformed variable.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading the three variables through `lookup` (a
    /// secrets store, a test's map).
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or malformed variable.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let var = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::from(ConfigError::new(name, "is not set")))
        };
        let base_url = var(ENV_BASE_URL)?;
        let merchant_id = var(ENV_MERCHANT_ID)?
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::new(ENV_MERCHANT_ID, "must be the numeric merchant id"))?;
        let api_key = var(ENV_API_KEY)?;
        Ok(Self::new(merchant_id, Secret::new(api_key.trim())).base_url(base_url))
    }

    /// Adds or replaces the amount profile of one currency (see [`Profile`]).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profiles.insert(profile);
        self
    }

    /// The profile a currency without its own profile is checked against (default
    /// [`Profile::conservative_default`]: whole amounts, at least 1); `None` refuses such
    /// currencies with [`Error::Validation`].
    pub fn default_profile(mut self, profile: Option<Profile>) -> Self {
        self.profiles.set_default(profile);
        self
    }

    /// Replaces the whole profile table (default [`Profiles::builtin`]).
    pub fn profiles(mut self, profiles: Profiles) -> Self {
        self.profiles = profiles;
        self
    }

    /// Writes the numeric code `field` (`payType`, `accountType`, `bankId`) as a JSON number
    /// (the default, as the field tables' `int` says) or as a JSON string (see [`CodeFormat`];
    /// Cashy's examples show both).
    pub fn code_format(mut self, field: CodeField, format: CodeFormat) -> Self {
        self.codes = self.codes.with(field, format);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting (base URL missing or insecure, merchant id 0, ...);
    /// [`Error::Transport`] if the TLS backend cannot start.
    pub fn build(self) -> Result<Client> {
        if self.merchant_id == 0 {
            return Err(ConfigError::new("merchant_id", "must not be 0").into());
        }
        if self.api_key.expose().trim().is_empty() {
            return Err(ConfigError::new("api_key", "must not be empty").into());
        }
        let pipeline = self.options.pipeline()?;
        Ok(Client {
            inner: Arc::new(Inner {
                verifier: NotifyVerifier::new(self.merchant_id, self.api_key.clone())
                    .max_body_bytes(self.options.max_notify_body_bytes),
                merchant: sign::Merchant::new(self.merchant_id, self.api_key),
                pipeline,
                nonce: self.options.nonce,
                profiles: self.profiles,
                codes: self.codes,
            }),
        })
    }
}
