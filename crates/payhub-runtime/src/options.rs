//! [`ClientOptions`]: what every provider client has (base URL, timeouts, call deadline, an
//! injected `reqwest::Client`, clock, nonce source, retry policy, reply and callback body
//! limits), in one type, so a provider's builder adds only its credentials and its own settings.
//!
//! A provider's `ClientBuilder` holds a `ClientOptions` in a field named `options` and expands
//! [`client_options_setters!`](crate::client_options_setters) inside its `impl` block: the
//! setters then have the same names, types and docs in every crate.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::{
    BaseUrlError, Clock, NonceSource, Pipeline, RandomHex, RetryPolicy, SystemClock, Transport,
    TransportConfig, TransportError, parse_base_url,
};

/// The largest callback body a verifier reads by default (64 KiB): every provider's callback is
/// a few hundred bytes; a larger one is refused before it is parsed.
pub const DEFAULT_MAX_NOTIFY_BODY_BYTES: usize = 64 * 1024;

/// The settings every client shares. Build it with [`ClientOptions::new`] (the provider's
/// production URL as the default base URL) and the setters, or through a provider builder.
///
/// ```
/// use std::time::Duration;
/// use payhub_runtime::ClientOptions;
/// let mut o = ClientOptions::new(Some("https://api.example.com"));
/// o.transport.timeout = Duration::from_secs(5);
/// let pipeline = o.pipeline().unwrap();
/// assert_eq!(pipeline.transport().base_url(), "https://api.example.com");
/// assert_eq!(pipeline.transport().timeout(), Duration::from_secs(5));
///
/// // Plain http off loopback only when allowed.
/// let mut o = ClientOptions::new(Some("http://gateway.example.com"));
/// assert!(o.check().is_err());
/// o.allow_insecure_http = true;
/// assert_eq!(o.check().unwrap().as_str(), "http://gateway.example.com/");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The API base URL (checked when the client is built: https, or http on loopback).
    pub base_url: Option<String>,
    /// Timeouts, call deadline, reply body cap, injected `reqwest::Client`.
    pub transport: TransportConfig,
    /// Retries of reads (creates are never resent blindly).
    pub retry: RetryPolicy,
    /// The clock for signed timestamps and callback freshness.
    pub clock: Arc<dyn Clock>,
    /// Where nonces come from.
    pub nonce: Arc<dyn NonceSource>,
    /// The largest callback body the client's verifier reads.
    pub max_notify_body_bytes: usize,
    /// Allow a plain `http` base URL off loopback (default `false`). Only for a provider that
    /// documents an http-only gateway; a provider crate exposes it as a `danger_` setting.
    pub allow_insecure_http: bool,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
            .field("timeout", &self.transport.timeout)
            .field("connect_timeout", &self.transport.connect_timeout)
            .field("call_deadline", &self.transport.call_deadline)
            .field("max_body_bytes", &self.transport.max_body_bytes)
            .field("retry", &self.retry)
            .field("max_notify_body_bytes", &self.max_notify_body_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

/// Why [`ClientOptions`] could not make a pipeline: the setting at fault and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A setting is missing or out of range.
    #[error("{field} {problem}")]
    Invalid {
        /// The setting (`base_url`, `timeout`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The HTTP client could not be built (TLS backend).
    #[error("http client: {0}")]
    Transport(#[from] TransportError),
}

impl OptionsError {
    fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }
}

impl ClientOptions {
    /// Defaults: no base URL unless the provider has a public one (`default_base_url`), the
    /// transport defaults of [`TransportConfig::new`], [`RetryPolicy::default`], the system
    /// clock, 32 random uppercase hex digits as nonces (a provider with another nonce rule sets
    /// its own with [`ClientOptions::nonce_source`]) and a 64 KiB callback limit.
    pub fn new(default_base_url: Option<&str>) -> Self {
        Self {
            base_url: default_base_url.map(str::to_owned),
            transport: TransportConfig::new(),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomHex::upper(32)),
            max_notify_body_bytes: DEFAULT_MAX_NOTIFY_BODY_BYTES,
            allow_insecure_http: false,
        }
    }

    /// Replaces the nonce source (for a provider's own default).
    #[must_use]
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Checks every setting: a base URL that is set and usable (https, or http on loopback),
    /// timeouts, call deadline and body limits above zero.
    ///
    /// # Errors
    /// [`OptionsError::Invalid`] naming the setting.
    pub fn check(&self) -> Result<Url, OptionsError> {
        let base = self.base_url.as_deref().ok_or_else(|| {
            OptionsError::invalid(
                "base_url",
                "is required (the provider gives it to each merchant)",
            )
        })?;
        let url = match parse_base_url(base) {
            Ok(url) => url,
            Err(BaseUrlError::InsecureScheme(_)) if self.allow_insecure_http => {
                Url::parse(base).map_err(|e| OptionsError::invalid("base_url", e.to_string()))?
            }
            Err(e) => return Err(OptionsError::invalid("base_url", e.to_string())),
        };
        let t = &self.transport;
        if t.timeout.is_zero() {
            return Err(OptionsError::invalid("timeout", "must be more than zero"));
        }
        if t.connect_timeout.is_zero() {
            return Err(OptionsError::invalid(
                "connect_timeout",
                "must be more than zero",
            ));
        }
        if t.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(OptionsError::invalid(
                "call_deadline",
                "must be more than zero",
            ));
        }
        if t.max_body_bytes == 0 {
            return Err(OptionsError::invalid(
                "max_body_bytes",
                "must be more than zero",
            ));
        }
        if self.max_notify_body_bytes == 0 {
            return Err(OptionsError::invalid(
                "max_notify_body_bytes",
                "must be more than zero",
            ));
        }
        Ok(url)
    }

    /// The pipeline these options describe, after [`ClientOptions::check`].
    ///
    /// # Errors
    /// [`OptionsError`] naming the setting at fault.
    pub fn pipeline(&self) -> Result<Pipeline, OptionsError> {
        let url = self.check()?;
        let transport = Transport::new(&url, self.transport.clone())?;
        Ok(Pipeline::new(transport, self.retry))
    }
}

/// Expands, inside a provider's `impl ClientBuilder { .. }` whose struct has a field
/// `options: payhub_runtime::ClientOptions`, the setters every client shares: `base_url`,
/// `timeout`, `connect_timeout`, `call_deadline`, `http_client`, `clock`, `nonce_source`,
/// `retry_policy`, `max_body_bytes`, `max_notify_body_bytes`. Each returns the builder.
#[macro_export]
macro_rules! client_options_setters {
    () => {
        /// The API base URL (default: the provider's production URL). `https` is required
        /// except for loopback addresses (a local sandbox); checked by `build()`.
        #[must_use]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.options.base_url = Some(url.into());
            self
        }

        /// Time allowed for one attempt, body included (default 30 s).
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.transport.timeout = timeout;
            self
        }

        /// Time allowed to connect (default 10 s; an injected client keeps its own).
        #[must_use]
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.transport.connect_timeout = timeout;
            self
        }

        /// Time allowed for one whole call, every attempt and retry pause included (default:
        /// the `timeout`, so a call never takes longer than that). Set it above the timeout
        /// to leave room for a retry after an attempt that timed out.
        #[must_use]
        pub fn call_deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.options.transport.call_deadline = Some(deadline);
            self
        }

        /// A `reqwest::Client` to use instead of our own (a shared pool, an explicit proxy,
        /// custom roots, a client certificate). Build it with
        /// `redirect(reqwest::redirect::Policy::none())`: redirected replies are refused.
        /// Without it, calls go out on hyper's client over rustls, configured as reqwest's
        /// default one, and through reqwest where a proxy of the environment (`HTTPS_PROXY`,
        /// ...) applies.
        #[must_use]
        pub fn http_client(mut self, client: ::reqwest::Client) -> Self {
            self.options.transport.http_client = Some(client);
            self
        }

        /// The clock for signed timestamps and callback freshness (tests pin it).
        #[must_use]
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.options.clock = clock;
            self
        }

        /// Where nonces come from (tests pin them).
        #[must_use]
        pub fn nonce_source(mut self, nonce: ::std::sync::Arc<dyn $crate::NonceSource>) -> Self {
            self.options.nonce = nonce;
            self
        }

        /// Retries of reads (default: 3 attempts, jittered backoff). Creates are never resent
        /// once they may have reached the provider.
        #[must_use]
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry = policy;
            self
        }

        /// The largest reply body read (default 4 MiB).
        #[must_use]
        pub fn max_body_bytes(mut self, limit: usize) -> Self {
            self.options.transport.max_body_bytes = limit;
            self
        }

        /// The largest callback body the client's verifier reads (default 64 KiB).
        #[must_use]
        pub fn max_notify_body_bytes(mut self, limit: usize) -> Self {
            self.options.max_notify_body_bytes = limit;
            self
        }
    };
}
