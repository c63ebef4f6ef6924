//! Sandbox configuration: optional TOML, every setting with a documented default.
//!
//! ```toml
//! [server]
//! host = "127.0.0.1"      # default; the sandbox is meant for loopback
//! port = 8080             # default 0 = an ephemeral port
//! body_limit = 262144     # bytes; larger bodies get the provider's error reply
//!
//! [clock]
//! speed = 1               # sandbox ms per real ms; 0 = frozen (advance by hand)
//! start_unix_ms = 1733100000000   # default: the real time at start
//!
//! [orders]
//! retention_secs = 3600   # default: final orders are removed an hour (sandbox time) after
//!                         # they became final and their callbacks ended; 0 = keep forever
//!
//! [callbacks]
//! allow_external = false  # default: only loopback notify URLs are called
//! redirect_to = "http://127.0.0.1:9000/notify"   # send every callback here instead
//!
//! [providers.paydesk]     # one table per module; keys are the module's own
//! merchants = [{ merchant_id = "1002001", api_key = "testApiKey", balance = "10000000" }]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How long final orders are kept by default (sandbox time): one hour. See
/// [`SandboxBuilder::order_retention`](crate::SandboxBuilder::order_retention).
pub const DEFAULT_ORDER_RETENTION: std::time::Duration = std::time::Duration::from_secs(3600);

/// A configuration error, naming the file, section or field and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or a field has the wrong type or an unknown name.
    #[error("invalid sandbox config: {message}")]
    Parse {
        /// What toml reported (line, column and field).
        message: String,
    },
    /// A provider section is invalid.
    #[error("invalid [providers.{provider}] config: {message}")]
    Provider {
        /// The module name.
        provider: String,
        /// What is wrong.
        message: String,
    },
    /// A section names a provider module that does not exist.
    #[error(
        "unknown provider `{0}` in [providers]; known: paydesk, gateway_recharge, vipcharge, jiuyi_dc, tokenpay"
    )]
    UnknownProvider(String),
}

/// `[server]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Listen address (default `127.0.0.1`).
    pub host: Option<String>,
    /// Listen port (default 0: ephemeral).
    pub port: Option<u16>,
    /// Maximum request body in bytes (default 256 KiB).
    pub body_limit: Option<usize>,
}

/// `[clock]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClockConfig {
    /// Speed factor (default 1; 0 = frozen).
    pub speed: Option<u32>,
    /// Start time in Unix milliseconds (default: now).
    pub start_unix_ms: Option<i64>,
}

/// `[orders]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OrdersConfig {
    /// Seconds of sandbox time a final order is kept after it became final and its callbacks
    /// ended (default 3600; 0 keeps final orders forever). See
    /// [`SandboxBuilder::order_retention`](crate::SandboxBuilder::order_retention).
    pub retention_secs: Option<u64>,
}

impl OrdersConfig {
    /// The retention this section asks for: `None` keeps final orders forever.
    ///
    /// ```
    /// use payhub_sandbox::SandboxConfig;
    /// use std::time::Duration;
    /// let c = SandboxConfig::from_toml_str("[orders]\nretention_secs = 60").unwrap();
    /// assert_eq!(c.orders.retention(), Some(Duration::from_secs(60)));
    /// let forever = SandboxConfig::from_toml_str("[orders]\nretention_secs = 0").unwrap();
    /// assert_eq!(forever.orders.retention(), None);
    /// assert_eq!(SandboxConfig::default().orders.retention(), Some(Duration::from_secs(3600)));
    /// ```
    pub fn retention(&self) -> Option<std::time::Duration> {
        match self.retention_secs {
            None => Some(DEFAULT_ORDER_RETENTION),
            Some(0) => None,
            Some(secs) => Some(std::time::Duration::from_secs(secs)),
        }
    }
}

/// `[callbacks]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CallbacksConfig {
    /// Deliver to non-loopback notify URLs too (default false).
    #[serde(default)]
    pub allow_external: bool,
    /// Send every callback to this URL instead of the order's notify URL.
    pub redirect_to: Option<String>,
}

/// The whole configuration file.
///
/// ```
/// use payhub_sandbox::SandboxConfig;
/// let c = SandboxConfig::from_toml_str("[server]\nport = 8080\n[providers.paydesk]\napi_key = \"k3y\"").unwrap();
/// assert_eq!(c.server.port, Some(8080));
/// assert!(!format!("{c:?}").contains("k3y"), "Debug never shows provider values");
/// let err = SandboxConfig::from_toml_str("[server]\nprot = 1").unwrap_err();
/// assert!(err.to_string().contains("prot") && err.to_string().contains("line 2"), "{err}");
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerConfig,
    /// `[clock]`.
    #[serde(default)]
    pub clock: ClockConfig,
    /// `[orders]`.
    #[serde(default)]
    pub orders: OrdersConfig,
    /// `[callbacks]`.
    #[serde(default)]
    pub callbacks: CallbacksConfig,
    /// `[providers.<name>]` tables, handed to each module as a [`ProviderConfig`].
    #[serde(default)]
    pub providers: BTreeMap<String, toml::Table>,
}

/// Provider tables hold API keys: `Debug` shows only each table's key names.
fn table_shape(table: &toml::Table) -> Vec<&str> {
    table.keys().map(String::as_str).collect()
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let providers: BTreeMap<&str, Vec<&str>> = self
            .providers
            .iter()
            .map(|(k, v)| (k.as_str(), table_shape(v)))
            .collect();
        f.debug_struct("SandboxConfig")
            .field("server", &self.server)
            .field("clock", &self.clock)
            .field("orders", &self.orders)
            .field("callbacks", &self.callbacks)
            .field("providers", &providers)
            .finish()
    }
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("keys", &table_shape(&self.table))
            .finish()
    }
}

impl SandboxConfig {
    /// Parses TOML text.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] naming the line and field.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            message: e.to_string(),
        })
    }

    /// Reads and parses a TOML file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text)
    }
}

/// One module's `[providers.<name>]` table (empty when absent).
#[derive(Clone, Default)]
pub struct ProviderConfig {
    name: String,
    table: toml::Table,
}

impl ProviderConfig {
    /// A config for module `name` from a TOML table.
    pub fn new(name: impl Into<String>, table: toml::Table) -> Self {
        Self {
            name: name.into(),
            table,
        }
    }

    /// The raw table.
    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    /// Deserializes the table into the module's settings type (use `#[serde(default,
    /// deny_unknown_fields)]` on it so every key is optional and typos are caught).
    ///
    /// # Errors
    /// [`ConfigError::Provider`] naming the field.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::Value::Table(self.table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Provider {
                provider: self.name.clone(),
                message: e.to_string(),
            })
    }
}
