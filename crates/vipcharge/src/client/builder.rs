//! [`ClientBuilder`]: the shared options ([`ClientOptions`]) plus vipcharge's credentials and
//! own settings.

use std::sync::Arc;

use payhub_runtime::{ClientOptions, OptionsError, RandomUuid};

use super::{Client, Inner};
use crate::credentials::{Credentials, PrivateInput};
use crate::error::{ConfigError, Result};
use crate::protocol::Vipcharge;
use crate::settings::{Settings, check_base_url};

/// Configures a [`Client`] ([`Client::builder`], [`ClientBuilder::from_env`]). Setter errors
/// surface from [`ClientBuilder::build`], naming the setting.
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder {
    merchant_id: String,
    business_id: String,
    credentials: Credentials,
    options: ClientOptions,
    settings: Settings,
}

impl ClientBuilder {
    pub(crate) fn new(merchant_id: String, business_id: String, credentials: Credentials) -> Self {
        // No public base URL (the platform issues it); nonces are CSPRNG UUIDs.
        let options = ClientOptions::new(None).nonce_source(Arc::new(RandomUuid));
        let settings = Settings::default();
        Self {
            merchant_id,
            business_id,
            credentials,
            options,
            settings,
        }
    }

    /// A builder from the process environment (see [`ClientBuilder::from_vars`]).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the variable at fault.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// A builder from the `ENV_*` variables ([`ENV_BASE_URL`](crate::ENV_BASE_URL) and the
    /// others at the crate root), read through `lookup` (configuration systems and tests need
    /// not touch the process environment).
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
    /// let builder = vipcharge::ClientBuilder::from_vars(|k| env.get(k).map(|v| v.to_string()));
    /// assert_eq!(builder.unwrap().build().unwrap().business_id(), "166");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the variable that is missing, empty or
    /// unreadable.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = crate::env::read(&lookup)?;
        let mut b = Self::new(env.merchant_id, env.business_id, env.credentials);
        b.options.base_url = Some(env.base_url);
        b.settings.card_key = env.card_key.map(PrivateInput::Bytes);
        b.settings.platform_key = env.platform_key.map(|k| k.to_vec());
        Ok(b)
    }

    payhub_runtime::client_options_setters!();

    crate::settings::setters!();

    /// Checks the settings, loads every key once and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the setting: a missing or insecure base
    /// URL, an empty or non-ASCII merchant/business ID, an unreadable or short key, `MD5`
    /// without the `signType` header, `Strict` without a platform verifier, a zero timeout,
    /// call deadline or body limit.
    pub fn build(self) -> Result<Client> {
        check_base_url(self.options.base_url.as_deref())?;
        let (merchant, business) = (self.merchant_id, self.business_id);
        let settings = self
            .settings
            .resolve(merchant, business, self.credentials)?;
        let pipeline = self.options.pipeline().map_err(|e| match e {
            OptionsError::Invalid { field, problem } => ConfigError::new(field, problem),
            e => ConfigError::with_source("http_client", "cannot build the HTTP client", e),
        })?;
        let (protocol, options) = (Vipcharge, self.options);
        let inner = Inner {
            protocol,
            pipeline,
            options,
            settings,
        };
        Ok(Client {
            inner: Arc::new(inner),
        })
    }
}
