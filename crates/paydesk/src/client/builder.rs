//! [`ClientBuilder`]: credentials as arguments, everything else as setters, errors at `build`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use payhub_runtime::{
    Clock, NonceSource, RandomAlphanumeric, RetryPolicy, SystemClock, Transport, TransportConfig,
    parse_base_url,
};
use sign_core::Secret;

use super::{Client, Inner};
use crate::error::{ConfigError, Error, Result};
use crate::profile::{Profile, Profiles};
use crate::sign;
use crate::types::{CodeField, CodeFormat, CodeFormats};

/// The environment variable holding the base URL.
pub const ENV_BASE_URL: &str = "PAYDESK_BASE_URL";
/// The environment variable holding the numeric merchant id.
pub const ENV_MERCHANT_ID: &str = "PAYDESK_MERCHANT_ID";
/// The environment variable holding the apiKey.
pub const ENV_API_KEY: &str = "PAYDESK_API_KEY";

/// Configures a [`Client`]. Setter errors surface from [`ClientBuilder::build`].
///
/// ```
/// use std::time::Duration;
/// use paydesk::Client;
/// let client = Client::builder(1002001, "testApiKey")
///     .base_url("https://api.cashy.example")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(client.merchant_id(), 1002001);
/// # Ok::<(), paydesk::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    merchant_id: u64,
    api_key: Secret,
    base_url: Option<String>,
    transport: TransportConfig,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    profiles: Profiles,
    codes: CodeFormats,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("merchant_id", &self.merchant_id)
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.transport.timeout)
            .field("connect_timeout", &self.transport.connect_timeout)
            .field("max_body_bytes", &self.transport.max_body_bytes)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(merchant_id: u64, api_key: Secret) -> Self {
        Self {
            merchant_id,
            api_key,
            base_url: None,
            transport: TransportConfig::new(),
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomAlphanumeric(32)),
            retry: RetryPolicy::default(),
            profiles: Profiles::builtin(),
            codes: CodeFormats::default(),
        }
    }

    /// A builder from `PAYDESK_BASE_URL`, `PAYDESK_MERCHANT_ID` and `PAYDESK_API_KEY`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or malformed variable.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading the three variables through `lookup`.
    ///
    /// ```
    /// use paydesk::ClientBuilder;
    /// let vars = [
    ///     ("PAYDESK_BASE_URL", "http://127.0.0.1:8080"),
    ///     ("PAYDESK_MERCHANT_ID", "1002001"),
    ///     ("PAYDESK_API_KEY", "testApiKey"),
    /// ];
    /// let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    /// let client = ClientBuilder::from_vars(lookup)?.build()?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    /// # Ok::<(), paydesk::Error>(())
    /// ```
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
        let merchant_id = var(ENV_MERCHANT_ID)?;
        let merchant_id = merchant_id
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::new(ENV_MERCHANT_ID, "must be the numeric merchant id"))?;
        let api_key = var(ENV_API_KEY)?;
        Ok(Self::new(merchant_id, Secret::new(api_key.trim())).base_url(base_url))
    }

    /// The provider base URL, e.g. `https://api.example.com` (required; Cashy gives it to each
    /// merchant). `https` is required except for loopback hosts.
    ///
    /// ```
    /// let b = paydesk::Client::builder(1, "k").base_url("http://127.0.0.1:9000");
    /// assert!(b.build().is_ok());
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed for one attempt, the whole exchange (default 30 s). Also the default
    /// [`ClientBuilder::call_deadline`].
    ///
    /// ```
    /// let b = paydesk::Client::builder(1, "k").timeout(std::time::Duration::from_secs(10));
    /// # let _ = b;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport.timeout = timeout;
        self
    }

    /// The most time one call ([`Client::send`]) may take, every attempt and retry pause
    /// included (default: the [`ClientBuilder::timeout`], so a call never takes longer than
    /// that). Each attempt's timeout is capped at the time left, and a read is retried only when
    /// enough is left ([`RetryPolicy::min_attempt_time`]); set it above `timeout` to leave room
    /// for a retry after an attempt that timed out. A create is still sent once, its timeout
    /// capped the same way: past the deadline it is [`Error::OutcomeUnknown`](crate::Error).
    ///
    /// ```
    /// use std::time::Duration;
    /// // Each attempt up to 3 s; the whole call, retries included, up to 8 s.
    /// let b = paydesk::Client::builder(1, "k")
    ///     .timeout(Duration::from_secs(3))
    ///     .call_deadline(Duration::from_secs(8));
    /// # let _ = b;
    /// ```
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.transport.call_deadline = Some(deadline);
        self
    }

    /// Time allowed to connect (default 10 s; ignored with [`ClientBuilder::http_client`]).
    ///
    /// ```
    /// let b = paydesk::Client::builder(1, "k").connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// A reqwest client to reuse (proxies, pools). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: redirects of signed requests are refused.
    ///
    /// ```
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .expect("TLS backend");
    /// let b = paydesk::Client::builder(1, "k").http_client(http);
    /// # let _ = b;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.transport.http_client = Some(client);
        self
    }

    /// The clock (default: the system clock). Cashy signs no timestamp, so nothing on the wire
    /// depends on it today; it is accepted so every payhub client is configured alike.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use paydesk::FixedClock;
    /// let b = paydesk::Client::builder(1, "k").clock(Arc::new(FixedClock::from_millis(0)));
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where `nonceStr` values come from when a request sets none (default: 32 random ASCII
    /// letters and digits from the OS CSPRNG). Each value must be 1 to 32 characters.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use paydesk::RandomHex;
    /// let b = paydesk::Client::builder(1, "k").nonce_source(Arc::new(RandomHex::upper(16)));
    /// # let _ = b;
    /// ```
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Retries of reads (default: 3 attempts, jittered backoff from 200 ms). Creates are never
    /// retried.
    ///
    /// ```
    /// use paydesk::RetryPolicy;
    /// let b = paydesk::Client::builder(1, "k").retry_policy(RetryPolicy::none());
    /// # let _ = b;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest reply body accepted (default 4 MiB).
    ///
    /// ```
    /// let b = paydesk::Client::builder(1, "k").max_body_bytes(256 * 1024);
    /// # let _ = b;
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body_bytes = limit;
        self
    }

    /// Adds or replaces the amount profile of one currency.
    ///
    /// ```
    /// use paydesk::profile::Profile;
    /// use rust_decimal::Decimal;
    /// let b = paydesk::Client::builder(1, "k")
    ///     .profile(Profile::new("mex", "MXN").scale(2).min(Decimal::from(10)));
    /// # let _ = b;
    /// ```
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profiles.insert(profile);
        self
    }

    /// The profile a currency without its own profile is checked against (default
    /// [`Profile::conservative_default`]: whole amounts, at least 1, no maximum); `None`
    /// refuses such currencies with [`Error::Validation`].
    ///
    /// ```
    /// use paydesk::profile::Profile;
    /// use rust_decimal::Decimal;
    /// // Two decimals for any currency without a profile.
    /// let b = paydesk::Client::builder(1, "k")
    ///     .default_profile(Some(Profile::new("*", "*").scale(2).min(Decimal::ONE)));
    /// # let _ = b;
    /// ```
    pub fn default_profile(mut self, profile: Option<Profile>) -> Self {
        self.profiles.set_default(profile);
        self
    }

    /// Replaces the whole profile table (default [`Profiles::builtin`]).
    ///
    /// ```
    /// use paydesk::profile::Profiles;
    /// let b = paydesk::Client::builder(1, "k").profiles(Profiles::builtin());
    /// # let _ = b;
    /// ```
    pub fn profiles(mut self, profiles: Profiles) -> Self {
        self.profiles = profiles;
        self
    }

    /// Writes the numeric code `field` (`payType`, `accountType`, `bankId`) as a JSON number
    /// (the default, as the field tables' `int` says) or as a JSON string. Cashy's examples
    /// show both forms (`"accountType":"1"` beside `"bankId":2`); switch a field to
    /// [`CodeFormat::String`] if your account manager or a `Params_xxx_error` reply asks for it.
    ///
    /// ```
    /// use paydesk::api::{PayOutRequest, Payee};
    /// use paydesk::types::{AccountType, CodeField, CodeFormat};
    /// use rust_decimal::Decimal;
    /// let client = paydesk::Client::builder(1002001, "testApiKey")
    ///     .base_url("http://127.0.0.1:1")
    ///     .code_format(CodeField::AccountType, CodeFormat::String)
    ///     .build()?;
    /// let req = PayOutRequest::new(
    ///     "P-1",
    ///     "TZS",
    ///     Decimal::from(30000),
    ///     Payee::new("jack", "713512345", AccountType::TZ_TIGO),
    ///     "https://shop.example/notify",
    /// )
    /// .remark("payout")
    /// .nonce_str("n1");
    /// let body = client.prepare(&req)?.body_bytes().to_vec();
    /// assert!(String::from_utf8(body).unwrap().contains(r#""accountType":"1""#));
    /// # Ok::<(), paydesk::Error>(())
    /// ```
    pub fn code_format(mut self, field: CodeField, format: CodeFormat) -> Self {
        self.codes = self.codes.with(field, format);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`]: missing or insecure base URL, merchant id 0, empty apiKey, zero
    /// timeouts, call deadline or body cap; [`Error::Transport`] if the TLS backend cannot start.
    pub fn build(self) -> Result<Client> {
        if self.merchant_id == 0 {
            return Err(ConfigError::new("merchant_id", "must not be 0").into());
        }
        if self.api_key.expose().trim().is_empty() {
            return Err(ConfigError::new("api_key", "must not be empty").into());
        }
        let base = self.base_url.as_deref().ok_or_else(|| {
            ConfigError::new("base_url", "is required (Cashy gives it to each merchant)")
        })?;
        let base = parse_base_url(base).map_err(|e| ConfigError::new("base_url", e.to_string()))?;
        if self.transport.timeout.is_zero() || self.transport.connect_timeout.is_zero() {
            return Err(ConfigError::new("timeout", "must be more than zero").into());
        }
        if self.transport.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::new("call_deadline", "must be more than zero").into());
        }
        if self.transport.max_body_bytes == 0 {
            return Err(ConfigError::new("max_body_bytes", "must be more than zero").into());
        }
        let transport = Transport::new(&base, self.transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                merchant_id: self.merchant_id,
                signer: sign::signer(self.api_key.clone()),
                api_key: self.api_key,
                transport,
                clock: self.clock,
                nonce: self.nonce,
                retry: self.retry,
                profiles: self.profiles,
                codes: self.codes,
            }),
        })
    }
}
