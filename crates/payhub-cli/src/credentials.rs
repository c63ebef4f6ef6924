//! Credentials and connection settings for a provider: from flags, else the provider crate's
//! environment variables, else a TOML file (`--config FILE`, or `./payhub.toml` when present)
//! with one table per provider.
//!
//! ```toml
//! [paydesk]
//! base_url = "http://127.0.0.1:8080/paydesk"
//! merchant_id = 1002001
//! api_key = "testApiKey"
//!
//! [vipcharge]
//! base_url = "https://open.example.com"
//! merchant_id = "166"
//! business_id = "166"
//! sign_type = "SHA256-RSA"
//! private_key = "keys/merchant.pem"     # relative to this file
//! ```
//!
//! Each setting is looked up on its own, so a base URL may come from a flag and the secret from
//! the environment. Secret values never appear in messages.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::CliError;

/// The default configuration file, read when present and no `--config` is given.
pub(crate) const DEFAULT_CONFIG: &str = "payhub.toml";

/// Credential flags, shared by every command that talks to a provider. Prefer the environment
/// or a config file for secrets: command lines are visible to other local users.
#[derive(Clone, Default, clap::Args)]
#[command(
    next_help_heading = "Connection and credentials (flags, else environment, else payhub.toml)"
)]
pub(crate) struct CredentialArgs {
    /// Provider base URL (e.g. `http://127.0.0.1:8080/paydesk` for the sandbox).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Merchant id: paydesk `MerchantId`, gateway-recharge `merchant_no`, vipcharge `merchantId`.
    #[arg(long, value_name = "ID", visible_alias = "merchant-no")]
    merchant_id: Option<String>,
    /// The shared secret: paydesk apiKey, gateway-recharge key, jiuyi-dc appsecret, tokenpay
    /// app secret, vipcharge MD5 secret.
    #[arg(long, value_name = "SECRET", visible_aliases = ["api-key", "key", "appsecret", "app-secret"])]
    secret: Option<String>,
    /// Application id: jiuyi-dc `appid`, tokenpay `app_id`.
    #[arg(long, value_name = "ID", visible_alias = "appid")]
    app_id: Option<String>,
    /// tokenpay merchant id (`mch_id`).
    #[arg(long, value_name = "ID")]
    mch_id: Option<String>,
    /// vipcharge business id (`businessId`).
    #[arg(long, value_name = "ID")]
    business_id: Option<String>,
    /// vipcharge sign type: `SHA256-RSA` or `MD5` (default: `MD5` when a secret and no private
    /// key is configured, else `SHA256-RSA`).
    #[arg(long, value_name = "TYPE")]
    sign_type: Option<String>,
    /// vipcharge merchant private key file (PEM or DER, PKCS#1 or PKCS#8).
    #[arg(long, value_name = "FILE")]
    private_key: Option<PathBuf>,
    /// vipcharge platform public key file (verifies SHA256-RSA callbacks).
    #[arg(long, value_name = "FILE")]
    platform_public_key: Option<PathBuf>,
    /// jiuyi-dc: allow a plain-http gateway off loopback (orders then travel in clear text).
    #[arg(long)]
    danger_allow_http: bool,
    /// TOML file with one table per provider (default: ./payhub.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Time allowed for each HTTP exchange, in seconds.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
}

/// Which credential flag a setting reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    BaseUrl,
    MerchantId,
    Secret,
    AppId,
    MchId,
    BusinessId,
    SignType,
    PrivateKey,
    PlatformPublicKey,
    DangerAllowHttp,
}

impl Flag {
    const ALL: [Flag; 10] = [
        Flag::BaseUrl,
        Flag::MerchantId,
        Flag::Secret,
        Flag::AppId,
        Flag::MchId,
        Flag::BusinessId,
        Flag::SignType,
        Flag::PrivateKey,
        Flag::PlatformPublicKey,
        Flag::DangerAllowHttp,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::BaseUrl => "--base-url",
            Self::MerchantId => "--merchant-id",
            Self::Secret => "--secret",
            Self::AppId => "--app-id",
            Self::MchId => "--mch-id",
            Self::BusinessId => "--business-id",
            Self::SignType => "--sign-type",
            Self::PrivateKey => "--private-key",
            Self::PlatformPublicKey => "--platform-public-key",
            Self::DangerAllowHttp => "--danger-allow-http",
        }
    }
}

/// One setting of a provider: its key in the TOML table, its environment variable and its flag.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Setting {
    /// Key in the provider's TOML table.
    pub(crate) key: &'static str,
    /// The provider crate's environment variable.
    pub(crate) env: &'static str,
    /// The flag.
    pub(crate) flag: Flag,
    /// What it is, for messages ("merchant id").
    pub(crate) what: &'static str,
}

impl Setting {
    pub(crate) const fn new(
        key: &'static str,
        env: &'static str,
        flag: Flag,
        what: &'static str,
    ) -> Self {
        Self {
            key,
            env,
            flag,
            what,
        }
    }
}

/// A provider as credentials see it: its name (`gateway-recharge`) and its settings. Built by
/// `providers::Provider::profile`, so this module needs nothing from the provider modules.
#[derive(Clone, Copy)]
pub(crate) struct Profile {
    /// The crate name, e.g. `gateway-recharge`.
    pub(crate) name: &'static str,
    /// The settings (credentials, base URL) the provider reads.
    pub(crate) settings: &'static [Setting],
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    Flag,
    Env,
    File(PathBuf),
    Default,
}

/// The settings of one provider, resolved lazily from flags, environment and file.
pub(crate) struct Credentials {
    provider: Profile,
    args: CredentialArgs,
    table: Option<toml::Table>,
    config_path: Option<PathBuf>,
    defaults: Vec<(&'static str, String)>,
}

impl Credentials {
    /// Loads the configuration file (if any) and checks that every credential flag given
    /// applies to `provider`; the file's tables are checked against `all` providers.
    ///
    /// # Errors
    /// An unreadable or malformed config file, an unknown table or key in it, or a flag that
    /// `provider` does not use.
    pub(crate) fn load(
        provider: Profile,
        all: &[Profile],
        args: &CredentialArgs,
    ) -> Result<Self, CliError> {
        let settings = provider.settings;
        for flag in Flag::ALL {
            if args.given(flag) && !settings.iter().any(|s| s.flag == flag) {
                let usable: Vec<&str> = settings.iter().map(|s| s.flag.name()).collect();
                return Err(CliError::usage(format!(
                    "{} does not apply to {provider} (its credential flags: {})",
                    flag.name(),
                    usable.join(", ")
                )));
            }
        }
        let (table, config_path) = match load_config(args.config.as_deref())? {
            Some((file, path)) => (provider_table(provider, all, file, &path)?, Some(path)),
            None => (None, None),
        };
        Ok(Self {
            provider,
            args: args.clone(),
            table,
            config_path,
            defaults: Vec::new(),
        })
    }

    /// A value to use when neither flag, environment nor file sets `key` (e.g. the merchant
    /// number in a request given to `payhub sign`).
    pub(crate) fn fallback(&mut self, key: &'static str, value: impl Into<String>) {
        self.defaults.push((key, value.into()));
    }

    /// The value of `key`, if set anywhere.
    ///
    /// # Errors
    /// A malformed value in the config file.
    pub(crate) fn get(&self, key: &str) -> Result<Option<String>, CliError> {
        Ok(self.lookup(key)?.map(|(v, _)| v))
    }

    /// The value of `key`.
    ///
    /// # Errors
    /// It is set nowhere: the message names the flag, the variable and the file key.
    pub(crate) fn require(&self, key: &str) -> Result<String, CliError> {
        self.get(key)?.ok_or_else(|| self.missing(key))
    }

    /// A file setting (`private_key`, ...): a flag or variable as given, a file value relative
    /// to the config file's directory.
    ///
    /// # Errors
    /// As [`Credentials::get`].
    pub(crate) fn path(&self, key: &str) -> Result<Option<PathBuf>, CliError> {
        let Some((value, origin)) = self.lookup(key)? else {
            return Ok(None);
        };
        let path = PathBuf::from(value);
        Ok(Some(match origin {
            Origin::File(config) if path.is_relative() => config
                .parent()
                .map_or_else(|| path.clone(), |dir| dir.join(&path)),
            _ => path,
        }))
    }

    /// Reads a file setting's bytes.
    ///
    /// # Errors
    /// The file cannot be read (the message names the setting and the path, never the content).
    pub(crate) fn read_file(&self, key: &str) -> Result<Option<Vec<u8>>, CliError> {
        let Some(path) = self.path(key)? else {
            return Ok(None);
        };
        std::fs::read(&path).map(Some).map_err(|e| {
            CliError::new(format!(
                "{}: cannot read {} `{}`: {e}",
                self.provider,
                self.setting(key).map_or(key, |s| s.what),
                path.display()
            ))
        })
    }

    /// A yes/no setting (`true`/`1`/`yes`).
    ///
    /// # Errors
    /// As [`Credentials::get`].
    pub(crate) fn enabled(&self, key: &str) -> Result<bool, CliError> {
        Ok(self.get(key)?.is_some_and(|v| {
            matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        }))
    }

    /// The `--timeout`, if given.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.args.timeout.map(Duration::from_secs)
    }

    /// The error for a missing setting.
    pub(crate) fn missing(&self, key: &str) -> CliError {
        let Some(s) = self.setting(key) else {
            return CliError::new(format!("{}: `{key}` is not set", self.provider));
        };
        let file = self
            .config_path
            .as_deref()
            .map_or(DEFAULT_CONFIG.to_owned(), |p| p.display().to_string());
        CliError::new(format!(
            "{}: no {}: pass {}, set {} or add `{}` to [{}] in {file}",
            self.provider,
            s.what,
            s.flag.name(),
            s.env,
            s.key,
            self.provider
        ))
    }

    fn setting(&self, key: &str) -> Option<&'static Setting> {
        self.provider.settings.iter().find(|s| s.key == key)
    }

    fn lookup(&self, key: &str) -> Result<Option<(String, Origin)>, CliError> {
        let Some(s) = self.setting(key) else {
            return Ok(None);
        };
        if let Some(v) = self.args.value(s.flag) {
            return Ok(Some((v, Origin::Flag)));
        }
        if let Ok(v) = std::env::var(s.env)
            && !v.trim().is_empty()
        {
            return Ok(Some((v.trim().to_owned(), Origin::Env)));
        }
        if let (Some(table), Some(path)) = (&self.table, &self.config_path)
            && let Some(value) = table.get(s.key)
        {
            let text = match value {
                toml::Value::String(t) => t.trim().to_owned(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(CliError::new(format!(
                        "{}: `{}` in [{}] must be a string",
                        path.display(),
                        s.key,
                        self.provider
                    )));
                }
            };
            if !text.is_empty() {
                return Ok(Some((text, Origin::File(path.clone()))));
            }
        }
        Ok(self
            .defaults
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (v.clone(), Origin::Default)))
    }
}

impl fmt::Debug for CredentialArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialArgs")
            .field("base_url", &self.base_url)
            .field("merchant_id", &self.merchant_id)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("business_id", &self.business_id)
            .field("sign_type", &self.sign_type)
            .field("private_key", &self.private_key)
            .field("platform_public_key", &self.platform_public_key)
            .field("danger_allow_http", &self.danger_allow_http)
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Only the provider, the flags (secret masked) and the config file's path: the file's table
/// may hold secrets.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("provider", &self.provider)
            .field("args", &self.args)
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}

impl CredentialArgs {
    /// `--config FILE`, if given.
    pub(crate) fn config_path(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    fn given(&self, flag: Flag) -> bool {
        match flag {
            Flag::DangerAllowHttp => self.danger_allow_http,
            other => self.value(other).is_some(),
        }
    }

    fn value(&self, flag: Flag) -> Option<String> {
        let text = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned());
        let path = |v: &Option<PathBuf>| v.as_ref().map(|p| p.display().to_string());
        match flag {
            Flag::BaseUrl => text(&self.base_url),
            Flag::MerchantId => text(&self.merchant_id),
            Flag::Secret => text(&self.secret),
            Flag::AppId => text(&self.app_id),
            Flag::MchId => text(&self.mch_id),
            Flag::BusinessId => text(&self.business_id),
            Flag::SignType => text(&self.sign_type),
            Flag::PrivateKey => path(&self.private_key),
            Flag::PlatformPublicKey => path(&self.platform_public_key),
            Flag::DangerAllowHttp => self.danger_allow_http.then(|| "true".to_owned()),
        }
    }
}

/// Reads `--config FILE` (must exist) or `./payhub.toml` (when present).
fn load_config(explicit: Option<&Path>) -> Result<Option<(toml::Table, PathBuf)>, CliError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from(DEFAULT_CONFIG);
            if !default.is_file() {
                return Ok(None);
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::new(format!("cannot read config file `{}`: {e}", path.display())))?;
    let table = text.parse::<toml::Table>().map_err(|e| {
        CliError::new(format!(
            "config file `{}` is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    Ok(Some((table, path)))
}

/// The table of `provider` (`[gateway-recharge]` or `[gateway_recharge]`), after checking that
/// the file holds only provider tables with known keys.
fn provider_table(
    provider: Profile,
    all: &[Profile],
    mut file: toml::Table,
    path: &Path,
) -> Result<Option<toml::Table>, CliError> {
    let mut mine = None;
    for (name, value) in &file {
        if name == "sandbox" {
            // `[sandbox] url`, written by `payhub sandbox --write-config` for `listen` and
            // `trigger`.
            match value {
                toml::Value::Table(t) if t.keys().all(|k| k == "url") => continue,
                _ => {
                    return Err(CliError::new(format!(
                        "config file `{}`: [sandbox] takes only `url`",
                        path.display()
                    )));
                }
            }
        }
        let norm = name.replace('_', "-");
        let Some(p) = all.iter().find(|p| p.name == norm) else {
            return Err(CliError::new(format!(
                "config file `{}`: unknown table [{name}] (expected one of {})",
                path.display(),
                all.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            )));
        };
        let toml::Value::Table(table) = value else {
            return Err(CliError::new(format!(
                "config file `{}`: `{name}` must be a table ([{name}])",
                path.display()
            )));
        };
        for key in table.keys() {
            if !p.settings.iter().any(|s| s.key == key) {
                let known: Vec<&str> = p.settings.iter().map(|s| s.key).collect();
                return Err(CliError::new(format!(
                    "config file `{}`: [{name}] has no setting `{key}` (known: {})",
                    path.display(),
                    known.join(", ")
                )));
            }
        }
        if p.name == provider.name {
            if mine.is_some() {
                return Err(CliError::new(format!(
                    "config file `{}`: [{provider}] is given twice",
                    path.display()
                )));
            }
            mine = Some(name.clone());
        }
    }
    Ok(mine.and_then(|name| match file.remove(&name) {
        Some(toml::Value::Table(t)) => Some(t),
        _ => None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let args = CredentialArgs {
            secret: Some("s3cr3t".to_owned()),
            merchant_id: Some("1002001".to_owned()),
            ..CredentialArgs::default()
        };
        let text = format!("{args:?}");
        assert!(!text.contains("s3cr3t") && text.contains("***") && text.contains("1002001"));
        let creds = Credentials {
            provider: crate::providers::Provider::Paydesk.profile(),
            args: CredentialArgs::default(),
            table: Some("api_key = \"t0ml-secret\"".parse().expect("TOML")),
            config_path: Some(PathBuf::from("payhub.toml")),
            defaults: Vec::new(),
        };
        let text = format!("{creds:?}");
        assert!(!text.contains("t0ml-secret"), "{text}");
        // The value is still there for the client (from the file, or the environment if set).
        assert!(creds.get("api_key").expect("lookup").is_some());
    }
}
