//! Accounts from a TOML file (feature `config`): `payhub.toml`, the file the CLI and
//! `payhub serve` read.
//!
//! ```toml
//! [tokenpay]                    # one table: one account, named "default"
//! app_id = "..."
//! mch_id = "..."
//! app_secret = "..."
//!
//! [[paydesk]]                   # an array of tables: several accounts, each with a name
//! name = "tz"
//! base_url = "https://..."
//! merchant_id = "1002001"
//! api_key = "..."
//! previous_api_key = "..."      # optional: accepted on callbacks during a rotation
//!
//! [[paydesk]]
//! name = "ke"
//! # ...
//! ```
//!
//! Each provider's keys are its adapter's [`Setting`](crate::Setting)s; an unknown key is an
//! error (a typo must not leave an account half configured). Relative file paths are read from
//! the file's directory. Tables named `serve` and `sandbox` are left to the tools that read
//! them.

use std::path::Path;

use crate::{AccountSettings, DEFAULT_ACCOUNT, Error, Hub, HubBuilder, Provider};

/// Top-level tables that are not providers and belong to other tools.
const OTHER_SECTIONS: &[&str] = &["serve", "sandbox"];

impl Hub {
    /// A hub with the accounts of the TOML file at `path`.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] when the file cannot be read or parsed, [`Error::Config`] for an
    /// account's settings.
    pub fn from_config_file(path: impl AsRef<Path>) -> Result<Hub, Error> {
        Hub::builder().config_file(path).build()
    }

    /// A hub with the accounts of `text` (TOML); relative paths are read from `base_dir`.
    ///
    /// ```
    /// # #[cfg(all(feature = "paydesk", feature = "tokenpay"))] {
    /// use payhub::{Hub, Provider};
    /// let hub = Hub::from_toml(r#"
    ///     [[paydesk]]
    ///     name = "tz"
    ///     base_url = "https://tz.example"
    ///     merchant_id = 1002001
    ///     api_key = "k1"
    ///
    ///     [[paydesk]]
    ///     name = "ke"
    ///     base_url = "https://ke.example"
    ///     merchant_id = 1002002
    ///     api_key = "k2"
    ///     previous_api_key = "k0"
    ///
    ///     [tokenpay]
    ///     app_id = "app"
    ///     mch_id = "1"
    ///     app_secret = "0123456789abcdef0123456789abcdef"
    /// "#, None)?;
    /// assert_eq!(hub.account_names(Provider::Paydesk), ["ke", "tz"]);
    /// assert_eq!(hub.account_names(Provider::Tokenpay), ["default"]);
    /// # }
    /// # Ok::<(), payhub::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Hub::from_config_file`].
    pub fn from_toml(text: &str, base_dir: Option<&Path>) -> Result<Hub, Error> {
        Hub::builder()
            .config_toml(text, base_dir, "<string>")
            .build()
    }
}

impl HubBuilder {
    /// Adds the accounts of the TOML file at `path` (errors surface from `build`).
    pub fn config_file(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let label = path.display().to_string();
                self.config_toml(&text, path.parent(), &label)
            }
            Err(e) => self.fail(Error::ConfigFile {
                path: path.display().to_string(),
                problem: format!("cannot be read: {}", e.kind()),
            }),
        }
    }

    /// Adds the accounts of `text` (TOML), naming it `label` in errors.
    pub fn config_toml(mut self, text: &str, base_dir: Option<&Path>, label: &str) -> Self {
        let file_error = |problem: String| Error::ConfigFile {
            path: label.to_owned(),
            problem,
        };
        let table = match text.parse::<toml::Table>() {
            Ok(t) => t,
            Err(e) => return self.fail(file_error(format!("not valid TOML: {}", e.message()))),
        };
        for (section, value) in &table {
            if OTHER_SECTIONS.contains(&section.as_str()) {
                continue;
            }
            let Ok(provider) = section.parse::<Provider>() else {
                return self.fail(file_error(format!(
                    "unknown table [{section}] (expected a provider: {}; or {})",
                    Provider::ALL.map(Provider::name).join(", "),
                    OTHER_SECTIONS.join(", ")
                )));
            };
            let tables: Vec<&toml::Table> = match value {
                toml::Value::Table(t) => vec![t],
                toml::Value::Array(items) => {
                    let mut tables = Vec::new();
                    for item in items {
                        match item {
                            toml::Value::Table(t) => tables.push(t),
                            _ => {
                                return self
                                    .fail(file_error(format!("[[{section}]] must hold tables")));
                            }
                        }
                    }
                    tables
                }
                _ => return self.fail(file_error(format!("`{section}` must be a table"))),
            };
            for t in &tables {
                let name = match t.get("name") {
                    Some(toml::Value::String(n)) if !n.trim().is_empty() => n.trim().to_owned(),
                    None if tables.len() == 1 => DEFAULT_ACCOUNT.to_owned(),
                    None => {
                        return self.fail(file_error(format!(
                            "every [[{section}]] needs a `name` when there are several"
                        )));
                    }
                    Some(_) => {
                        return self.fail(file_error(format!(
                            "`name` in [[{section}]] must be a non-empty string"
                        )));
                    }
                };
                let mut settings = AccountSettings::new();
                if let Some(dir) = base_dir {
                    settings = settings.base_dir(dir);
                }
                for (key, v) in t.iter().filter(|(k, _)| *k != "name") {
                    let text = match v {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Integer(i) => i.to_string(),
                        toml::Value::Boolean(b) => b.to_string(),
                        _ => {
                            return self.fail(Error::Config {
                                provider,
                                account: name,
                                key: key.clone(),
                                problem: "must be a string, a whole number or a boolean".into(),
                            });
                        }
                    };
                    settings.insert(key.clone(), text);
                }
                self = self.account_from_settings(provider, &name, &settings);
            }
        }
        self
    }
}
