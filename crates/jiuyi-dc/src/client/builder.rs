//! [`ClientBuilder`]: the dcapi credentials and `danger_allow_http` on top of the settings every
//! payhub client shares ([`ClientOptions`]).

use std::sync::Arc;

use payhub_runtime::ClientOptions;
use sign_core::Secret;

use super::{Client, Inner};
use crate::sign::RequestSigner;
use crate::{Error, Result};

/// Environment variable holding the gateway base URL (issued by the platform admin).
pub const ENV_BASE_URL: &str = "JIUYI_BASE_URL";
/// Environment variable holding the `appid`.
pub const ENV_APPID: &str = "JIUYI_APPID";
/// Environment variable holding the `appsecret`.
pub const ENV_APPSECRET: &str = "JIUYI_APPSECRET";
/// Environment variable that, when `1`, `true` or `yes`, allows a plain-http gateway off
/// loopback (see [`ClientBuilder::danger_allow_http`]).
pub const ENV_DANGER_ALLOW_HTTP: &str = "JIUYI_DANGER_ALLOW_HTTP";

/// Builder of a [`Client`]: the shared settings (base URL, timeouts, call deadline, HTTP client,
/// clock, retries, body limits), the credentials and [`ClientBuilder::danger_allow_http`].
/// Setter problems surface from [`ClientBuilder::build`]; see [`Client`] for an example.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    appid: String,
    appsecret: Secret,
    danger_allow_http: bool,
    options: ClientOptions,
}

impl ClientBuilder {
    pub(super) fn new(appid: String, appsecret: Secret) -> Self {
        // No public default base URL: the gateway host is issued by the platform admin.
        let options = ClientOptions::new(None);
        Self {
            appid,
            appsecret,
            danger_allow_http: false,
            options,
        }
    }

    payhub_runtime::client_options_setters!();

    /// A builder from `JIUYI_BASE_URL`, `JIUYI_APPID`, `JIUYI_APPSECRET` and the optional
    /// `JIUYI_DANGER_ALLOW_HTTP`, to adjust further before `build()`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing, empty or not UTF-8.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name))
    }

    /// As [`ClientBuilder::from_env`], reading each variable through `lookup` (tests, secret
    /// stores).
    ///
    /// # Errors
    /// As [`ClientBuilder::from_env`].
    pub fn from_vars(
        lookup: impl Fn(&str) -> std::result::Result<String, std::env::VarError>,
    ) -> Result<Self> {
        let var = |name: &'static str| match lookup(name) {
            Ok(v) if !v.trim().is_empty() => Ok(v),
            Ok(_) => Err(Error::config(name, "is empty")),
            Err(std::env::VarError::NotPresent) => Err(Error::config(name, "is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not UTF-8")),
        };
        let base = var(ENV_BASE_URL)?;
        let appid = var(ENV_APPID)?;
        let secret = var(ENV_APPSECRET)?;
        let allow_http = matches!(
            lookup(ENV_DANGER_ALLOW_HTTP).as_deref(),
            Ok("1" | "true" | "yes")
        );
        Ok(Client::builder(appid.trim(), secret)
            .base_url(base)
            .danger_allow_http(allow_http))
    }

    /// Allows a plain-`http` base URL off loopback. The provider's docs only show `http` gateways;
    /// use this only when yours has no `https`, knowing that orders and account numbers then
    /// travel in clear text (the secret itself is never sent).
    pub fn danger_allow_http(mut self, allow: bool) -> Self {
        self.danger_allow_http = allow;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting: an empty `appid` or `appsecret`, a missing or
    /// insecure base URL, a zero timeout, call deadline or body limit;
    /// [`Error::Transport`] if the HTTP client cannot be created.
    pub fn build(self) -> Result<Client> {
        let appid = self.appid.trim().to_owned();
        if appid.is_empty() {
            return Err(Error::config("appid", "is empty"));
        }
        if !appid.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config("appid", "must be visible ASCII characters"));
        }
        if self.appsecret.is_empty() {
            return Err(Error::config("appsecret", "is empty"));
        }
        if self.options.base_url.is_none() {
            return Err(Error::config(
                "base_url",
                "is required: the gateway address issued by the platform admin",
            ));
        }
        let mut options = self.options;
        options.allow_insecure_http = self.danger_allow_http;
        let pipeline = options.pipeline()?;
        Ok(Client {
            inner: Arc::new(Inner {
                appid,
                signer: RequestSigner::new(self.appsecret),
                pipeline,
                clock: options.clock,
                max_notify_body_bytes: options.max_notify_body_bytes,
            }),
        })
    }
}
