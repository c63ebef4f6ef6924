//! Credentials and connection settings for a provider: from flags, else the provider crate's
//! environment variables, else a TOML file (`--config FILE`, or `./payhub.toml` when present)
//! with one table per provider, or several named accounts per provider.
//!
//! ```toml
//! [vipcharge]                           # one account (named "default")
//! base_url = "https://open.example.com"
//! merchant_id = "166"
//! business_id = "166"
//! sign_type = "SHA256-RSA"
//! private_key = "keys/merchant.pem"     # relative to this file
//!
//! [[paydesk]]                           # several accounts: `--merchant tz` picks one
//! name = "tz"
//! base_url = "http://127.0.0.1:8080/paydesk"
//! merchant_id = 1002001
//! api_key = "testApiKey"
//! previous_api_key = "oldApiKey"        # accepted on callbacks during a key rotation
//!
//! [[paydesk]]
//! name = "ke"
//! # ...
//! ```
//!
//! The file is the one `payhub::Hub` reads: its keys are the registry adapters' settings
//! (`Adapter::settings`), checked here against them, and `verify-notify` turns the accounts into
//! `payhub::AccountSettings` ([`Credentials::account_settings`]).
//!
//! With one account (a `[paydesk]` table, or none) each setting is looked up on its own, so a
//! base URL may come from a flag and the secret from the environment. With `[[paydesk]]`
//! accounts the chosen account's table is the only source: credential flags are refused and
//! environment variables are not read, since they would apply to whichever account is chosen
//! and so mix one merchant's id with another's key. Secret values never appear in messages.

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
    /// The account to use when the config file holds several for the provider: the `name` of
    /// one of its `[[provider]]` tables (e.g. `--merchant tz`).
    #[arg(long, value_name = "NAME")]
    merchant: Option<String>,
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
    /// The settings (credentials, base URL) the provider reads from flags and environment.
    pub(crate) settings: &'static [Setting],
    /// Every key of the provider's table in the config file: the registry adapter's settings
    /// (`previous_api_key`, `timeout_secs`, ...).
    pub(crate) keys: &'static [payhub::Setting],
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
    /// The account's name (`default` for a `[provider]` table or no table).
    account: String,
    /// Whether the account is one of `[[provider]]` (its table is the only source).
    named: bool,
}

/// The provider's accounts in the config file.
#[derive(Default)]
struct FileAccounts {
    /// `(name, table)`, in file order.
    tables: Vec<(String, toml::Table)>,
    /// Written as `[[provider]]`.
    named: bool,
}

impl FileAccounts {
    fn names(&self) -> String {
        let mut names: Vec<&str> = self.tables.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.join(", ")
    }
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
        let (mut accounts, config_path) = Self::file_accounts(provider, all, args)?;
        let file = || {
            config_path
                .as_deref()
                .map_or(DEFAULT_CONFIG.to_owned(), |p| p.display().to_string())
        };
        let merchant = args.merchant();
        let index = match merchant {
            Some(name) => match accounts.tables.iter().position(|(n, _)| n == name) {
                Some(i) => Some(i),
                None if accounts.tables.is_empty() => {
                    return Err(CliError::usage(format!(
                        "{provider}: --merchant {name}: {} has no {provider} accounts (add \
                         [[{provider}]] tables with `name = \"...\"`)",
                        file()
                    )));
                }
                None => {
                    return Err(CliError::usage(format!(
                        "{provider}: no account `{name}` in {} (configured: {})",
                        file(),
                        accounts.names()
                    )));
                }
            },
            None if accounts.tables.len() > 1 => {
                return Err(CliError::usage(format!(
                    "{provider} has {} accounts in {}: choose one with --merchant NAME \
                     (configured: {})",
                    accounts.tables.len(),
                    file(),
                    accounts.names()
                )));
            }
            None if accounts.tables.is_empty() => None,
            None => Some(0),
        };
        let named = accounts.named;
        let (account, table) = match index {
            Some(i) => {
                let (name, table) = accounts.tables.swap_remove(i);
                (name, Some(table))
            }
            None => (payhub::DEFAULT_ACCOUNT.to_owned(), None),
        };
        let creds = Self {
            provider,
            args: args.clone(),
            table,
            config_path,
            defaults: Vec::new(),
            account,
            named,
        };
        creds.check_flags()?;
        Ok(creds)
    }

    /// Every account of `provider`: each `[[provider]]` table, else the one account of flags,
    /// environment and `[provider]` (for `verify-notify`, which finds the account from the
    /// callback).
    ///
    /// # Errors
    /// As [`Credentials::load`].
    pub(crate) fn load_all(
        provider: Profile,
        all: &[Profile],
        args: &CredentialArgs,
    ) -> Result<Vec<Self>, CliError> {
        let (accounts, config_path) = Self::file_accounts(provider, all, args)?;
        if accounts.tables.is_empty() {
            return Ok(vec![Self::load(provider, all, args)?]);
        }
        let named = accounts.named;
        let out: Vec<Self> = accounts
            .tables
            .into_iter()
            .map(|(account, table)| Self {
                provider,
                args: args.clone(),
                table: Some(table),
                config_path: config_path.clone(),
                defaults: Vec::new(),
                account,
                named,
            })
            .collect();
        for c in &out {
            c.check_flags()?;
        }
        Ok(out)
    }

    /// Reads the config file and the provider's accounts in it.
    fn file_accounts(
        provider: Profile,
        all: &[Profile],
        args: &CredentialArgs,
    ) -> Result<(FileAccounts, Option<PathBuf>), CliError> {
        Ok(match load_config(args.config.as_deref())? {
            Some((file, path)) => (provider_accounts(provider, all, file, &path)?, Some(path)),
            None => (FileAccounts::default(), None),
        })
    }

    /// Refuses a credential flag `provider` does not use, and any credential flag for a
    /// `[[provider]]` account.
    fn check_flags(&self) -> Result<(), CliError> {
        let provider = self.provider;
        let settings = provider.settings;
        for flag in Flag::ALL {
            if !self.args.given(flag) {
                continue;
            }
            if !settings.iter().any(|s| s.flag == flag) {
                let usable: Vec<&str> = settings.iter().map(|s| s.flag.name()).collect();
                return Err(CliError::usage(format!(
                    "{} does not apply to {provider} (its credential flags: {})",
                    flag.name(),
                    usable.join(", ")
                )));
            }
            if self.named {
                return Err(CliError::usage(format!(
                    "{}: {provider} accounts are [[{provider}]] tables in {}: set the account's \
                     settings there (credential flags apply to a single account only)",
                    flag.name(),
                    self.file_name()
                )));
            }
        }
        Ok(())
    }

    fn file_name(&self) -> String {
        self.config_path
            .as_deref()
            .map_or(DEFAULT_CONFIG.to_owned(), |p| p.display().to_string())
    }

    /// Whether `verify-notify` checks this account through a `payhub::Hub`: a `[[provider]]`
    /// account, or one that keeps a previous key (`previous_api_key`, ...).
    ///
    /// # Errors
    /// A malformed value in the config file.
    pub(crate) fn uses_hub(&self) -> Result<bool, CliError> {
        if self.named {
            return Ok(true);
        }
        for s in self.provider.keys {
            if s.key.starts_with("previous_") && self.get(s.key)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The account's name: its `name` in the config file, else `default`.
    pub(crate) fn account(&self) -> &str {
        &self.account
    }

    /// The account's settings as the registry's adapters read them (`payhub::Adapter::account`):
    /// every key of the provider's table, each from the same lookup as [`Credentials::get`];
    /// file paths resolved as [`Credentials::path`] does.
    ///
    /// # Errors
    /// A malformed value in the config file.
    pub(crate) fn account_settings(&self) -> Result<payhub::AccountSettings, CliError> {
        let mut settings = payhub::AccountSettings::new();
        for s in self.provider.keys {
            let value = if PATH_KEYS.contains(&s.key) {
                self.path(s.key)?.map(|p| p.display().to_string())
            } else {
                self.get(s.key)?
            };
            if let Some(v) = value {
                settings.insert(s.key, v);
            }
        }
        if settings.get("timeout_secs").is_none()
            && let Some(t) = self.args.timeout
        {
            settings.insert("timeout_secs", t.to_string());
        }
        Ok(settings)
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

    /// `--timeout`, else the account's `timeout_secs`.
    ///
    /// # Errors
    /// A `timeout_secs` that is not a whole number of seconds.
    pub(crate) fn timeout(&self) -> Result<Option<Duration>, CliError> {
        if let Some(t) = self.args.timeout {
            return Ok(Some(Duration::from_secs(t)));
        }
        let Some(text) = self.get("timeout_secs")? else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Some(Duration::from_secs(secs))),
            _ => Err(CliError::new(format!(
                "{}: `timeout_secs` in {} {} must be a whole number of seconds, at least 1",
                self.provider,
                self.file_name(),
                self.table_label()
            ))),
        }
    }

    /// `[paydesk]`, or `[[paydesk]] tz` for a named account.
    fn table_label(&self) -> String {
        if self.named {
            format!("[[{}]] `{}`", self.provider, self.account)
        } else {
            format!("[{}]", self.provider)
        }
    }

    /// The error for a missing setting.
    pub(crate) fn missing(&self, key: &str) -> CliError {
        let Some(s) = self.setting(key) else {
            return CliError::new(format!("{}: `{key}` is not set", self.provider));
        };
        let file = self.file_name();
        if self.named {
            return CliError::new(format!(
                "{}: no {}: add `{}` to the {} account `{}` in {file}",
                self.provider, s.what, s.key, self.provider, self.account
            ));
        }
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
        let setting = self.setting(key);
        if setting.is_none() && !self.provider.keys.iter().any(|s| s.key == key) {
            return Ok(None);
        }
        // Flags and environment: the provider's single account only (see the module docs).
        if let (Some(s), false) = (setting, self.named) {
            if let Some(v) = self.args.value(s.flag) {
                return Ok(Some((v, Origin::Flag)));
            }
            if let Ok(v) = std::env::var(s.env)
                && !v.trim().is_empty()
            {
                return Ok(Some((v.trim().to_owned(), Origin::Env)));
            }
        }
        if let (Some(table), Some(path)) = (&self.table, &self.config_path)
            && let Some(value) = table.get(key)
        {
            let text = match value {
                toml::Value::String(t) => t.trim().to_owned(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(CliError::new(format!(
                        "{}: `{key}` in {} must be a string",
                        path.display(),
                        self.table_label()
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

/// Settings holding file paths, relative to the config file when written there.
const PATH_KEYS: &[&str] = &[
    "private_key",
    "platform_public_key",
    "previous_platform_public_key",
];

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
            .field("merchant", &self.merchant)
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
            .field("account", &self.account)
            .field("args", &self.args)
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}

impl CredentialArgs {
    /// `--merchant NAME`, if given.
    pub(crate) fn merchant(&self) -> Option<&str> {
        self.merchant
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }

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

/// The accounts of `provider` (`[gateway-recharge]` or `[gateway_recharge]`, one table or an
/// array of named tables), after checking that the file holds only provider tables whose keys
/// are the registry adapter's settings.
fn provider_accounts(
    provider: Profile,
    all: &[Profile],
    mut file: toml::Table,
    path: &Path,
) -> Result<FileAccounts, CliError> {
    let bad =
        |problem: String| CliError::new(format!("config file `{}`: {problem}", path.display()));
    let mut mine = None;
    for (name, value) in &file {
        if name == "sandbox" {
            // `[sandbox] url`, written by `payhub sandbox --write-config` for `listen` and
            // `trigger`.
            match value {
                toml::Value::Table(t) if t.keys().all(|k| k == "url") => continue,
                _ => return Err(bad("[sandbox] takes only `url`".to_owned())),
            }
        }
        if name == "serve" {
            // `payhub serve`'s own table.
            continue;
        }
        let norm = name.replace('_', "-");
        let Some(p) = all.iter().find(|p| p.name == norm) else {
            return Err(bad(format!(
                "unknown table [{name}] (expected one of {})",
                all.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            )));
        };
        let tables: Vec<&toml::Table> = match value {
            toml::Value::Table(t) => vec![t],
            toml::Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    toml::Value::Table(t) => Ok(t),
                    _ => Err(bad(format!("[[{name}]] must hold tables"))),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad(format!("`{name}` must be a table ([{name}])"))),
        };
        let several = matches!(value, toml::Value::Array(_));
        let mut names: Vec<&str> = Vec::new();
        for table in &tables {
            let label = match table.get("name") {
                Some(toml::Value::String(n)) if !n.trim().is_empty() => n.trim(),
                None if !several => payhub::DEFAULT_ACCOUNT,
                None => {
                    return Err(bad(format!(
                        "every [[{name}]] account needs a `name = \"...\"`"
                    )));
                }
                Some(_) => {
                    return Err(bad(format!(
                        "`name` in [[{name}]] must be a non-empty string"
                    )));
                }
            };
            if names.contains(&label) {
                return Err(bad(format!("two [[{name}]] accounts are named `{label}`")));
            }
            names.push(label);
            for key in table.keys().filter(|k| *k != "name") {
                if !p.keys.iter().any(|s| s.key == key) {
                    let known: Vec<&str> = p.keys.iter().map(|s| s.key).collect();
                    let table = if several {
                        format!("[[{name}]] `{label}`")
                    } else {
                        format!("[{name}]")
                    };
                    return Err(bad(format!(
                        "{table} has no setting `{key}` (known: {})",
                        known.join(", ")
                    )));
                }
            }
        }
        if p.name == provider.name {
            if mine.is_some() {
                return Err(bad(format!("[{provider}] is given twice")));
            }
            mine = Some(name.clone());
        }
    }
    let Some(value) = mine.and_then(|name| file.remove(&name)) else {
        return Ok(FileAccounts::default());
    };
    let named = matches!(value, toml::Value::Array(_));
    let tables = match value {
        toml::Value::Table(t) => vec![t],
        toml::Value::Array(items) => items
            .into_iter()
            .filter_map(|i| match i {
                toml::Value::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let tables = tables
        .into_iter()
        .map(|mut t| {
            let name = match t.remove("name") {
                Some(toml::Value::String(n)) => n.trim().to_owned(),
                _ => payhub::DEFAULT_ACCOUNT.to_owned(),
            };
            (name, t)
        })
        .collect();
    Ok(FileAccounts { tables, named })
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
            account: payhub::DEFAULT_ACCOUNT.to_owned(),
            named: false,
        };
        let text = format!("{creds:?}");
        assert!(!text.contains("t0ml-secret"), "{text}");
        // The value is still there for the client (from the file, or the environment if set).
        assert!(creds.get("api_key").expect("lookup").is_some());
    }
}
