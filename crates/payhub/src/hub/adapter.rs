//! [`Adapter`]: what the registry knows of one provider, registered once per provider.
//!
//! An adapter builds accounts from plain settings (a config file's table, the CLI's flags and
//! environment) and reads who a callback is for before it is verified, so the hub can pick the
//! account whose keys verify it. Adding a provider to the registry is its crate, its adapter and
//! one line in [`default_adapters`].

// Reason: with no provider feature there is no adapter, so the settings reader is unused.
#![cfg_attr(
    not(any(
        feature = "gateway-recharge",
        feature = "jiuyi-dc",
        feature = "paydesk",
        feature = "tokenpay",
        feature = "vipcharge"
    )),
    allow(dead_code)
)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::HeaderMap;

use crate::{Account, Error, Provider};

/// What the registry knows of one provider. Object safe: a [`Hub`](crate::Hub) holds them as
/// `Arc<dyn Adapter>`.
pub trait Adapter: Send + Sync + fmt::Debug {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The settings an account of this provider reads (`base_url`, `api_key`, ...), with
    /// whether each is required: for docs, templates and error messages.
    fn settings(&self) -> &'static [Setting];

    /// The merchant a callback says it is for (paydesk `MerchantId`, tokenpay `app_id`,
    /// vipcharge `businessId`), read without verifying anything; `None` when the provider's
    /// callbacks do not say (gateway-recharge, jiuyi-dc): route those by URL path
    /// (`/callbacks/{provider}/{account}`).
    fn callback_merchant(&self, headers: &HeaderMap, body: &[u8]) -> Option<String>;

    /// Builds the account `name` from `settings`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the provider, the account and the setting.
    fn account(&self, name: &str, settings: &AccountSettings) -> Result<Arc<dyn Account>, Error>;
}

/// One setting an adapter reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// The key, as in `payhub.toml` (`api_key`).
    pub key: &'static str,
    /// Whether an account needs it.
    pub required: bool,
    /// Whether it holds a secret (never printed).
    pub secret: bool,
    /// What it is, for messages.
    pub what: &'static str,
}

impl Setting {
    pub(crate) const fn required(key: &'static str, what: &'static str) -> Self {
        Self {
            key,
            required: true,
            secret: false,
            what,
        }
    }

    pub(crate) const fn optional(key: &'static str, what: &'static str) -> Self {
        Self {
            key,
            required: false,
            secret: false,
            what,
        }
    }

    pub(crate) const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

/// `base_url`: every provider's (optional for tokenpay, which has a default).
#[allow(dead_code)] // Reason: tokenpay alone does not use it.
pub(crate) const BASE_URL: Setting = Setting::required("base_url", "the provider's base URL");
/// `timeout_secs`: every provider's.
pub(crate) const TIMEOUT_SECS: Setting =
    Setting::optional("timeout_secs", "seconds allowed for each HTTP exchange");

/// The adapters of every provider enabled in this build: one line per provider.
#[allow(clippy::vec_init_then_push)] // Reason: each push is behind its provider's feature.
pub fn default_adapters() -> Vec<Arc<dyn Adapter>> {
    #[allow(unused_mut)] // Reason: no provider feature means nothing to push.
    let mut all: Vec<Arc<dyn Adapter>> = Vec::new();
    #[cfg(feature = "gateway-recharge")]
    all.push(Arc::new(
        crate::adapters::gateway_recharge::GatewayRechargeAdapter,
    ));
    #[cfg(feature = "jiuyi-dc")]
    all.push(Arc::new(crate::adapters::jiuyi_dc::JiuyiDcAdapter));
    #[cfg(feature = "paydesk")]
    all.push(Arc::new(crate::adapters::paydesk::PaydeskAdapter));
    #[cfg(feature = "tokenpay")]
    all.push(Arc::new(crate::adapters::tokenpay::TokenpayAdapter));
    #[cfg(feature = "vipcharge")]
    all.push(Arc::new(crate::adapters::vipcharge::VipchargeAdapter));
    all
}

/// An account's settings as text, by key, from a config file, the environment or code. Keys
/// holding file paths (`private_key`) are read relative to [`AccountSettings::base_dir`].
///
/// ```
/// use payhub::AccountSettings;
/// let s = AccountSettings::new()
///     .set("merchant_id", "1002001")
///     .set("api_key", "testApiKey");
/// assert_eq!(s.get("merchant_id"), Some("1002001"));
/// assert!(!format!("{s:?}").contains("testApiKey"));
/// ```
#[derive(Clone, Default)]
pub struct AccountSettings {
    values: BTreeMap<String, String>,
    base_dir: Option<PathBuf>,
}

impl AccountSettings {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (blank values count as unset).
    #[must_use]
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        if value.trim().is_empty() {
            return;
        }
        self.values.insert(key.into(), value.trim().to_owned());
    }

    /// The directory relative paths are read from (the config file's).
    #[must_use]
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// A value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The keys that are set.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// A path value, resolved against the base directory.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        let p = Path::new(self.get(key)?);
        Some(match &self.base_dir {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        })
    }
}

impl fmt::Debug for AccountSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountSettings")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("base_dir", &self.base_dir)
            .finish()
    }
}

/// Reads an account's settings for one adapter: checks required keys and unknown keys, and
/// maps keys to the provider crate's `ENV_*` names for its `ClientBuilder::from_vars`.
pub(crate) struct SettingsReader<'a> {
    pub(crate) provider: Provider,
    pub(crate) account: &'a str,
    pub(crate) settings: &'a AccountSettings,
}

impl<'a> SettingsReader<'a> {
    /// Checks that every required key is set and no unknown key is (a typo must not leave an
    /// account silently unconfigured).
    pub(crate) fn check(&self, known: &'static [Setting]) -> Result<(), Error> {
        let missing: Vec<&str> = known
            .iter()
            .filter(|s| s.required && self.settings.get(s.key).is_none())
            .map(|s| s.key)
            .collect();
        if !missing.is_empty() {
            return Err(self.error(
                missing.join(", "),
                if missing.len() == 1 {
                    "is not set"
                } else {
                    "are not set"
                },
            ));
        }
        if let Some(unknown) = self
            .settings
            .keys()
            .find(|k| *k != "name" && !known.iter().any(|s| s.key == *k))
        {
            let names: Vec<&str> = known.iter().map(|s| s.key).collect();
            return Err(self.error(
                unknown.to_owned(),
                format!(
                    "is not a setting of this provider (known: {})",
                    names.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// A lookup by environment variable name, for `from_vars`: `vars` maps each crate `ENV_*`
    /// name to the setting key; path keys are resolved against the base directory.
    pub(crate) fn lookup<'b>(
        &'b self,
        vars: &'static [(&'static str, &'static str)],
        paths: &'static [&'static str],
        overrides: &'b [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + 'b {
        let settings = self.settings;
        move |env: &str| {
            let (_, key) = vars.iter().find(|(e, _)| *e == env)?;
            let key = overrides
                .iter()
                .find(|(k, _)| k == key)
                .map_or(*key, |(_, replacement)| *replacement);
            if paths.contains(&key) {
                settings.path(key).map(|p| p.display().to_string())
            } else {
                settings.get(key).map(str::to_owned)
            }
        }
    }

    pub(crate) fn error(&self, key: impl Into<String>, problem: impl Into<String>) -> Error {
        Error::Config {
            provider: self.provider,
            account: self.account.to_owned(),
            key: key.into(),
            problem: problem.into(),
        }
    }

    /// Wraps a provider crate's builder error, naming settings by their keys rather than the
    /// crate's environment variable names.
    pub(crate) fn crate_error(
        &self,
        vars: &'static [(&'static str, &'static str)],
        e: impl fmt::Display,
    ) -> Error {
        let mut text = e.to_string();
        let mut key = String::from("(client)");
        for (env, k) in vars {
            if text.contains(env) {
                text = text.replace(env, k);
                key = (*k).to_owned();
            }
        }
        self.error(key, text)
    }

    /// `timeout_secs`: the time allowed for each HTTP exchange.
    pub(crate) fn timeout(&self) -> Result<Option<std::time::Duration>, Error> {
        let Some(v) = self.settings.get(TIMEOUT_SECS.key) else {
            return Ok(None);
        };
        match v.parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Some(std::time::Duration::from_secs(secs))),
            _ => Err(self.error(
                TIMEOUT_SECS.key,
                "must be a whole number of seconds, at least 1",
            )),
        }
    }
}
