//! [`Client`]: prepares (validates, serializes once, signs) and sends requests, reads the reply
//! envelope, retries reads and never resends orders.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhub_runtime::{
    Clock, Deadline, Idempotency, Method, NonceSource, PreparedRequest, RandomUuid, RawResponse,
    RetryPolicy, SystemClock, Transport, TransportConfig, TransportError,
};
use serde_json::value::RawValue;
use sign_core::Secret;
use sign_core::rsa::{RsaBackend, RsaPrivateKey, RsaPublicKey};
use tracing::Instrument as _;
use zeroize::Zeroizing;

use crate::api::{
    BodyContext, FromReply, Operation, OrderInfoRequest, OrderInfoResponse, ParseContext,
};
use crate::error::{
    ApiError, ConfigError, DecodeError, DecodeErrorKind, Error, OutcomeUnknown, Result,
    SignatureError, SignatureErrorKind, UnknownReason, ValidationError,
};
use crate::notify::{DEFAULT_MAX_BODY_BYTES, Freshness, NotifyVerifier};
use crate::sign::{PlatformVerifier, RequestSigner, header, string_to_sign};
use crate::types::{ReplyStatus, SignType};
use crate::wire::{Fields, json_error_kind};

/// The content type of every request.
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

pub(crate) fn default_status_fields() -> Vec<String> {
    vec!["orderStatus".to_owned(), "status".to_owned()]
}

/// The merchant's signing credentials: an RSA private key (`SHA256-RSA`, the platform default)
/// or an MD5 secret. Never printed.
///
/// ```
/// use vipcharge::Credentials;
/// let c = Credentials::md5("testSignKey");
/// assert_eq!(format!("{c:?}"), "Credentials(MD5, ***)");
/// ```
pub struct Credentials(Cred);

enum Cred {
    RsaKey(RsaPrivateKey),
    RsaBytes(Zeroizing<Vec<u8>>),
    Md5(Secret),
}

impl Credentials {
    /// `SHA256-RSA` with a loaded key.
    pub fn sha256_rsa(key: RsaPrivateKey) -> Self {
        Self(Cred::RsaKey(key))
    }

    /// `SHA256-RSA` with key material: PEM or DER, PKCS#1 or PKCS#8, or the bare base64 PKCS#8
    /// string Java-based providers hand out. Parsed once by `build()` (errors name the format,
    /// a public key given by mistake, or a modulus under 2048 bits).
    pub fn sha256_rsa_pem(key: impl AsRef<[u8]>) -> Self {
        Self(Cred::RsaBytes(Zeroizing::new(key.as_ref().to_vec())))
    }

    /// `MD5` with the merchant secret.
    pub fn md5(secret: impl Into<Secret>) -> Self {
        Self(Cred::Md5(secret.into()))
    }

    /// The sign type these credentials produce.
    pub fn sign_type(&self) -> SignType {
        match self.0 {
            Cred::RsaKey(_) | Cred::RsaBytes(_) => SignType::Sha256Rsa,
            Cred::Md5(_) => SignType::Md5,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({}, ***)", self.sign_type())
    }
}

/// Whether reply signatures are checked.
///
/// The docs say the platform's "responses or callbacks" carry a `sign` header, but show only
/// the callback case; whether every live reply is signed, and how, is unconfirmed. So the
/// default, [`ReplyVerification::IfSigned`], refuses a reply whose signature is **present and
/// wrong** (a forged or altered reply is never acted on) and accepts a reply that carries **no**
/// signature (so unsigned live replies keep working). [`ReplyVerification::Strict`] refuses
/// unsigned replies too, once the platform confirms that it signs them.
///
/// A refused reply to an order call is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)
/// with [`UnknownReason::ReplySignature`](crate::error::UnknownReason::ReplySignature): the
/// request was delivered and the order may exist, so query it with [`Client::reconcile`] and
/// never resend it; a refused reply to a read is [`Error::Signature`](crate::Error::Signature).
///
/// A reply's signature can only be checked with a platform verifier: MD5 merchants have one by
/// default (their secret); `SHA256-RSA` merchants need
/// [`ClientBuilder::platform_public_key`], without which replies are not checked (except in
/// `Strict`, which refuses to build without one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyVerification {
    /// Never check reply signatures.
    Off,
    /// Check a reply that carries `sign` and only **log** a mismatch, acting on the reply anyway.
    /// Unsafe: a forged reply is trusted. Kept for diagnosing a platform whose reply signatures
    /// do not follow the documented rule; never use it in production.
    Warn,
    /// A reply that carries `sign` must verify, else `Error::Signature`; a reply without `sign`
    /// is accepted. The default (the docs do not settle whether live replies are signed).
    #[default]
    IfSigned,
    /// Every 2xx reply must carry a valid signature, else `Error::Signature`. Needs a platform
    /// verifier (MD5 merchants have one by default).
    Strict,
}

enum PrivateInput {
    Parsed(RsaPrivateKey),
    Bytes(Zeroizing<Vec<u8>>),
}

/// Configures a [`Client`]. Setter errors surface from [`ClientBuilder::build`].
#[must_use]
pub struct ClientBuilder {
    merchant_id: String,
    business_id: String,
    credentials: Credentials,
    base_url: Option<String>,
    transport: TransportConfig,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    backend: Option<&'static dyn RsaBackend>,
    send_sign_type: bool,
    platform_key: Option<Vec<u8>>,
    platform_verifier: Option<PlatformVerifier>,
    card_key: Option<PrivateInput>,
    reply_verification: ReplyVerification,
    status_fields: Vec<String>,
    notify_max_body: usize,
    notify_freshness: Option<Freshness>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("merchant_id", &self.merchant_id)
            .field("business_id", &self.business_id)
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("send_sign_type", &self.send_sign_type)
            .field("reply_verification", &self.reply_verification)
            .field("backend", &self.backend.map(|b| b.name()))
            .finish_non_exhaustive()
    }
}

fn read_env(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match lookup(name) {
        Some(v) if v.trim().is_empty() => Err(ConfigError::new(name, "is set but empty")),
        Some(v) => Ok(Some(v.trim().to_owned())),
        None => Ok(None),
    }
}

fn require_env(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    read_env(lookup, name)?.ok_or_else(|| ConfigError::new(name, "is required but not set"))
}

fn read_key_file(name: &'static str, path: &str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| ConfigError::with_source(name, format!("cannot read key file `{path}`"), e))
}

impl ClientBuilder {
    fn new(
        merchant_id: impl Into<String>,
        business_id: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Self {
            merchant_id: merchant_id.into(),
            business_id: business_id.into(),
            credentials,
            base_url: None,
            transport: TransportConfig::new(),
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomUuid),
            retry: RetryPolicy::default(),
            backend: None,
            send_sign_type: true,
            platform_key: None,
            platform_verifier: None,
            card_key: None,
            reply_verification: ReplyVerification::default(),
            status_fields: default_status_fields(),
            notify_max_body: DEFAULT_MAX_BODY_BYTES,
            notify_freshness: Some(Freshness::DEFAULT),
        }
    }

    /// A builder from environment variables through `lookup` (so configuration systems and
    /// tests need not touch the process environment):
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `VIPCHARGE_BASE_URL` | required; `https` (plain `http` only for loopback) |
    /// | `VIPCHARGE_MERCHANT_ID`, `VIPCHARGE_BUSINESS_ID` | required |
    /// | `VIPCHARGE_SIGN_TYPE` | `SHA256-RSA` (default) or `MD5` |
    /// | `VIPCHARGE_PRIVATE_KEY` | path of the merchant private key (PEM/DER/base64); required for `SHA256-RSA`, optional for `MD5` (card-code decryption) |
    /// | `VIPCHARGE_SECRET` | the MD5 secret; required for `MD5` |
    /// | `VIPCHARGE_PLATFORM_PUBLIC_KEY` | optional path of the platform public key (RSA callback verification) |
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let env = HashMap::from([
    ///     ("VIPCHARGE_BASE_URL", "https://api.example.com"),
    ///     ("VIPCHARGE_MERCHANT_ID", "166"),
    ///     ("VIPCHARGE_BUSINESS_ID", "166"),
    ///     ("VIPCHARGE_SIGN_TYPE", "MD5"),
    ///     ("VIPCHARGE_SECRET", "testSignKey"),
    /// ]);
    /// let client = vipcharge::ClientBuilder::from_env_with(|k| env.get(k).map(|v| v.to_string()))
    ///     .unwrap()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.business_id(), "166");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing, empty or unreadable.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let lookup: &dyn Fn(&str) -> Option<String> = &lookup;
        let base_url = require_env(lookup, "VIPCHARGE_BASE_URL")?;
        let merchant_id = require_env(lookup, "VIPCHARGE_MERCHANT_ID")?;
        let business_id = require_env(lookup, "VIPCHARGE_BUSINESS_ID")?;
        let sign_type = match read_env(lookup, "VIPCHARGE_SIGN_TYPE")? {
            None => SignType::Sha256Rsa,
            Some(t) => t.parse::<SignType>().map_err(|e| {
                ConfigError::with_source("VIPCHARGE_SIGN_TYPE", "must be SHA256-RSA or MD5", e)
            })?,
        };
        let key_path = read_env(lookup, "VIPCHARGE_PRIVATE_KEY")?;
        let credentials = match sign_type {
            SignType::Md5 => {
                Credentials::md5(Secret::new(require_env(lookup, "VIPCHARGE_SECRET")?))
            }
            SignType::Sha256Rsa => {
                let path = key_path.as_deref().ok_or_else(|| {
                    ConfigError::new(
                        "VIPCHARGE_PRIVATE_KEY",
                        "is required for SHA256-RSA (the path of the merchant private key)",
                    )
                })?;
                Credentials::sha256_rsa_pem(read_key_file("VIPCHARGE_PRIVATE_KEY", path)?)
            }
        };
        let mut builder = Self::new(merchant_id, business_id, credentials).base_url(base_url);
        if let (SignType::Md5, Some(path)) = (sign_type, key_path.as_deref()) {
            builder = builder.card_key(read_key_file("VIPCHARGE_PRIVATE_KEY", path)?);
        }
        if let Some(path) = read_env(lookup, "VIPCHARGE_PLATFORM_PUBLIC_KEY")? {
            builder =
                builder.platform_public_key(read_key_file("VIPCHARGE_PLATFORM_PUBLIC_KEY", &path)?);
        }
        Ok(builder)
    }

    /// The platform base URL (required; not public, the platform issues it), e.g.
    /// `https://open.example.com`. Plain `http` is refused except for loopback.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k")).base_url("http://127.0.0.1:9000");
    /// # let _ = b;
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed for one attempt, the whole exchange (default 30 s). Also the default
    /// [`ClientBuilder::call_deadline`].
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .timeout(std::time::Duration::from_secs(10));
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
    /// for a retry after an attempt that timed out. An order is still sent once, its timeout
    /// capped the same way: past the deadline it is [`Error::OutcomeUnknown`].
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// use std::time::Duration;
    /// // Each attempt up to 3 s; the whole call, retries included, up to 8 s.
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .timeout(Duration::from_secs(3))
    ///     .call_deadline(Duration::from_secs(8));
    /// # let _ = b;
    /// ```
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.transport.call_deadline = Some(deadline);
        self
    }

    /// Time allowed to connect (default 10 s; ignored with an injected `http_client`).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// A reqwest client to reuse. Build it with `redirect(reqwest::redirect::Policy::none())`.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let b = Client::builder("166", "166", Credentials::md5("k")).http_client(http);
    /// # let _ = b;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.transport.http_client = Some(client);
        self
    }

    /// The clock for the `timestamp` header (default: the system clock).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .clock(Arc::new(payhub_runtime::FixedClock::from_millis(1_628_757_969_177)));
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The source of `nonce` values (default: random UUIDs from the OS CSPRNG). The platform
    /// refuses a nonce it has seen (status 6): inject a fixed one only in tests.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .nonce_source(Arc::new(payhub_runtime::RandomUuid));
    /// # let _ = b;
    /// ```
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Retries of reads (queries, balance, product list); orders are never resent.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .retry_policy(payhub_runtime::RetryPolicy::none());
    /// # let _ = b;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest reply body accepted (default 4 MiB).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k")).max_body_bytes(1 << 20);
    /// # let _ = b;
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body_bytes = limit;
        self
    }

    /// The RSA backend for every key given as bytes (and to reload a given key):
    /// `sign_core::rsa::aws_lc::BACKEND` (default) or, with the `rsa` feature,
    /// `sign_core::rsa::rust_crypto::BACKEND` (pure Rust; RUSTSEC-2023-0071).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .rsa_backend(sign_core::rsa::default_backend());
    /// # let _ = b;
    /// ```
    pub fn rsa_backend(mut self, backend: &'static dyn RsaBackend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Whether the `signType` header is sent (default `true`). When it is not sent it is not
    /// signed either, and the platform assumes `SHA256-RSA`, so `MD5` requires it.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k")).send_sign_type(true);
    /// # let _ = b;
    /// ```
    pub fn send_sign_type(mut self, send: bool) -> Self {
        self.send_sign_type = send;
        self
    }

    /// The platform public key (PEM/DER/base64, SPKI or PKCS#1) that verifies callbacks and
    /// signed replies of a `SHA256-RSA` merchant. The docs leave this key open: confirm it
    /// with the provider.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let pem = std::fs::read("../../fixtures/vectors/vipcharge_test_key.pub.pem").unwrap();
    /// let b = Client::builder("166", "166", Credentials::md5("k")).platform_public_key(pem);
    /// # let _ = b;
    /// ```
    pub fn platform_public_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.platform_key = Some(key.as_ref().to_vec());
        self
    }

    /// The verifier of callbacks and signed replies, explicitly (overrides the default: the
    /// secret for MD5 merchants, `platform_public_key` for RSA merchants).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// use vipcharge::sign::PlatformVerifier;
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .platform_verifier(PlatformVerifier::md5("another-callback-secret"));
    /// # let _ = b;
    /// ```
    pub fn platform_verifier(mut self, verifier: PlatformVerifier) -> Self {
        self.platform_verifier = Some(verifier);
        self
    }

    /// The merchant private key that decrypts card codes, for `MD5` merchants (`SHA256-RSA`
    /// merchants use their signing key unless this is set).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let pem = std::fs::read("../../fixtures/vectors/vipcharge_test_key.pem").unwrap();
    /// let b = Client::builder("166", "166", Credentials::md5("k")).card_key(pem);
    /// # let _ = b;
    /// ```
    pub fn card_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.card_key = Some(PrivateInput::Bytes(Zeroizing::new(key.as_ref().to_vec())));
        self
    }

    /// As [`ClientBuilder::card_key`] with a loaded key.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let key = sign_core::rsa::RsaPrivateKey::generate_2048(sign_core::rsa::default_backend()).unwrap();
    /// let b = Client::builder("166", "166", Credentials::md5("k")).card_private_key(key);
    /// # let _ = b;
    /// ```
    pub fn card_private_key(mut self, key: RsaPrivateKey) -> Self {
        self.card_key = Some(PrivateInput::Parsed(key));
        self
    }

    /// Whether reply signatures are checked (default [`ReplyVerification::IfSigned`]: a present,
    /// wrong signature is refused; an unsigned reply is accepted).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials, ReplyVerification};
    /// let b = Client::builder("166", "166", Credentials::md5("k"))
    ///     .reply_verification(ReplyVerification::Strict);
    /// # let _ = b;
    /// ```
    pub fn reply_verification(mut self, mode: ReplyVerification) -> Self {
        self.reply_verification = mode;
        self
    }

    /// The `data` fields tried, in order, for the order status of the order query and of
    /// callbacks (default `orderStatus`, then `status`). The docs are cut before that field is
    /// named.
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k")).order_status_fields(["state"]);
    /// # let _ = b;
    /// ```
    pub fn order_status_fields<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.status_fields = names.into_iter().map(Into::into).collect();
        self
    }

    /// Largest callback body [`Client::notify_verifier`] accepts (default 64 KiB).
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// let b = Client::builder("166", "166", Credentials::md5("k")).notify_max_body_bytes(8192);
    /// # let _ = b;
    /// ```
    pub fn notify_max_body_bytes(mut self, limit: usize) -> Self {
        self.notify_max_body = limit;
        self
    }

    /// The freshness window [`Client::notify_verifier`] applies to a callback's signed
    /// `timestamp` (default [`Freshness::DEFAULT`]: at most 24 hours old, 5 minutes ahead, which
    /// covers the platform's whole retry schedule); `None` turns the check off. Measured on the
    /// client's [`ClientBuilder::clock`].
    ///
    /// ```
    /// # use vipcharge::{Client, Credentials};
    /// use std::time::Duration;
    /// use vipcharge::notify::Freshness;
    /// let b = Client::builder("166", "166", Credentials::md5("k")).notify_freshness(Some(
    ///     Freshness::new(Duration::from_secs(36 * 3600), Duration::from_secs(300)),
    /// ));
    /// # let _ = b;
    /// ```
    pub fn notify_freshness(mut self, window: Option<Freshness>) -> Self {
        self.notify_freshness = window;
        self
    }

    fn load_private(
        &self,
        input: PrivateInput,
        setting: &'static str,
    ) -> Result<RsaPrivateKey, ConfigError> {
        let backend = self.backend.unwrap_or_else(sign_core::rsa::default_backend);
        let parse = |bytes: &[u8]| {
            RsaPrivateKey::parse_with(bytes, backend)
                .map_err(|e| ConfigError::with_source(setting, e.to_string(), e))
        };
        match input {
            PrivateInput::Bytes(b) => parse(&b),
            PrivateInput::Parsed(k) if self.backend.is_none() => Ok(k),
            PrivateInput::Parsed(k) if k.backend().name() == backend.name() => Ok(k),
            PrivateInput::Parsed(k) => {
                let pem = k.to_pkcs8_pem().map_err(|e| {
                    ConfigError::with_source(
                        setting,
                        "cannot move the key to the chosen backend",
                        e,
                    )
                })?;
                parse(pem.as_bytes())
            }
        }
    }

    /// Checks the settings, loads every key once and builds the client.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials};
    /// let client = Client::builder("166", "166", Credentials::md5("testSignKey"))
    ///     .base_url("https://open.example.com")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.sign_type().as_str(), "MD5");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting: a missing or insecure base URL, an empty or
    /// non-ASCII merchant/business ID, an unreadable or short key, `MD5` without the `signType`
    /// header, strict reply verification without a platform verifier, or a zero call deadline.
    pub fn build(mut self) -> Result<Client> {
        let base = self
            .base_url
            .take()
            .ok_or_else(|| ConfigError::new("base_url", "is required (the platform issues it)"))?;
        if url::Url::parse(base.trim())
            .is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
        {
            // Never echo the URL: the userinfo may be a credential.
            return Err(ConfigError::new(
                "base_url",
                "must not contain user:password (the platform authenticates by signed headers)",
            )
            .into());
        }
        let base = payhub_runtime::parse_base_url(&base)
            .map_err(|e| ConfigError::with_source("base_url", e.to_string(), e))?;
        for (setting, value) in [
            ("merchant_id", &self.merchant_id),
            ("business_id", &self.business_id),
        ] {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::new(
                    setting,
                    "must be non-empty visible ASCII (it is sent as a header and signed)",
                )
                .into());
            }
        }
        let credentials = std::mem::replace(&mut self.credentials, Credentials::md5(""));
        let (signer, default_verifier, signing_key) = match credentials.0 {
            Cred::Md5(secret) => {
                if secret.is_empty() {
                    return Err(ConfigError::new("secret", "the MD5 secret is empty").into());
                }
                (
                    RequestSigner::md5(secret.clone()),
                    Some(PlatformVerifier::md5(secret)),
                    None,
                )
            }
            Cred::RsaKey(key) => {
                let key = self.load_private(PrivateInput::Parsed(key), "private_key")?;
                (RequestSigner::rsa(key.clone()), None, Some(key))
            }
            Cred::RsaBytes(bytes) => {
                let key = self.load_private(PrivateInput::Bytes(bytes), "private_key")?;
                (RequestSigner::rsa(key.clone()), None, Some(key))
            }
        };
        if signer.sign_type() == SignType::Md5 && !self.send_sign_type {
            return Err(ConfigError::new(
                "send_sign_type",
                "MD5 requires the signType header (without it the platform assumes SHA256-RSA)",
            )
            .into());
        }
        let card_key = match self.card_key.take() {
            Some(input) => Some(self.load_private(input, "card_key")?),
            None => signing_key,
        };
        let backend = self.backend.unwrap_or_else(sign_core::rsa::default_backend);
        let platform = match (self.platform_verifier.take(), self.platform_key.take()) {
            (Some(v), _) => Some(v),
            (None, Some(bytes)) => {
                let key = RsaPublicKey::parse_with(&bytes, backend).map_err(|e| {
                    ConfigError::with_source("platform_public_key", e.to_string(), e)
                })?;
                Some(PlatformVerifier::rsa(key))
            }
            (None, None) => default_verifier,
        };
        if self.reply_verification == ReplyVerification::Strict && platform.is_none() {
            return Err(ConfigError::new(
                "reply_verification",
                "Strict needs platform_public_key or platform_verifier",
            )
            .into());
        }
        if self.status_fields.is_empty() {
            return Err(
                ConfigError::new("order_status_fields", "must name at least one field").into(),
            );
        }
        if self.transport.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::new("call_deadline", "must be more than zero").into());
        }
        let transport =
            Transport::new(&base, std::mem::take(&mut self.transport)).map_err(|e| {
                ConfigError::with_source("http_client", "cannot build the HTTP client", e)
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                merchant_id: self.merchant_id,
                business_id: self.business_id,
                signer,
                send_sign_type: self.send_sign_type,
                card_key,
                platform,
                reply_verification: self.reply_verification,
                transport,
                clock: self.clock,
                nonce: self.nonce,
                retry: self.retry,
                status_fields: self.status_fields,
                notify_max_body: self.notify_max_body,
                notify_freshness: self.notify_freshness,
            }),
        })
    }
}

struct Inner {
    merchant_id: String,
    business_id: String,
    signer: RequestSigner,
    send_sign_type: bool,
    card_key: Option<RsaPrivateKey>,
    platform: Option<PlatformVerifier>,
    reply_verification: ReplyVerification,
    transport: Transport,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    status_fields: Vec<String>,
    notify_max_body: usize,
    notify_freshness: Option<Freshness>,
}

/// The platform client. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once and
/// reuse it; keys are loaded once and shared.
///
/// ```no_run
/// # async fn run() -> vipcharge::Result<()> {
/// use vipcharge::api::VipChargeRequest;
/// let client = vipcharge::Client::from_env()?;
/// let accepted = client.send(&VipChargeRequest::new("87103", "w23b52", "BIZ-0001")).await?;
/// println!("{:?}", accepted.order_code());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.transport.base_url())
            .field("merchant_id", &self.inner.merchant_id)
            .field("business_id", &self.inner.business_id)
            .field("sign_type", &self.inner.signer.sign_type())
            .field("send_sign_type", &self.inner.send_sign_type)
            .field("reply_verification", &self.inner.reply_verification)
            .field("card_key", &self.inner.card_key.is_some())
            .field("platform_verifier", &self.inner.platform)
            .finish_non_exhaustive()
    }
}

struct Envelope {
    status: ReplyStatus,
    message: String,
    data: Option<Box<RawValue>>,
}

fn read_envelope(body: &[u8]) -> Result<Envelope, DecodeError> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(DecodeError::new(
            DecodeErrorKind::Empty,
            "no bytes received",
        ));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(DecodeError::new(
            DecodeErrorKind::Html,
            "a proxy or gateway error page, or a wrong base URL?",
        ));
    }
    let mut f = Fields::parse_bytes(trimmed).map_err(|e| {
        let kind = json_error_kind(&e);
        DecodeError::new(
            kind,
            format!("stopped at line {}, column {}", e.line(), e.column()),
        )
    })?;
    let code = f
        .opt_i64("status")
        .map_err(|e| DecodeError::field(DecodeErrorKind::NotEnvelope, "status", e.detail()))?
        .ok_or_else(|| {
            DecodeError::field(
                DecodeErrorKind::NotEnvelope,
                "status",
                "required field is absent",
            )
        })?;
    let message = f
        .opt_string("message")
        .unwrap_or_default()
        .unwrap_or_default();
    Ok(Envelope {
        status: ReplyStatus::from_code(code),
        message,
        data: f.take_raw("data"),
    })
}

fn is_retryable_read(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.is_retryable(),
        // A 5xx, or a reply cut short or garbled on the way (truncated JSON, an HTML page from a
        // proxy): a read is safe to ask again.
        Error::Decode(d) => match d.kind() {
            DecodeErrorKind::HttpStatus => d.http_status() >= 500,
            DecodeErrorKind::Empty
            | DecodeErrorKind::Html
            | DecodeErrorKind::NotJson
            | DecodeErrorKind::Truncated => true,
            _ => false,
        },
        Error::Api(a) => a.status().retryable_for_reads(),
        _ => false,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Client {
    /// A builder with the required settings: the merchant ID (商家ID), the business ID (业务ID,
    /// also the `businessId` header) and the signing credentials.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials};
    /// let pem = std::fs::read("../../fixtures/vectors/vipcharge_test_key.pem").unwrap();
    /// let client = Client::builder("166", "166", Credentials::sha256_rsa_pem(pem))
    ///     .base_url("https://open.example.com")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.sign_type().as_str(), "SHA256-RSA");
    /// ```
    pub fn builder(
        merchant_id: impl Into<String>,
        business_id: impl Into<String>,
        credentials: Credentials,
    ) -> ClientBuilder {
        ClientBuilder::new(merchant_id, business_id, credentials)
    }

    /// A client from the `VIPCHARGE_*` environment variables (see
    /// [`ClientBuilder::from_env_with`]).
    ///
    /// ```no_run
    /// let client = vipcharge::Client::from_env().unwrap();
    /// # let _ = client;
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or setting at fault.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env_with(|name| std::env::var(name).ok())?.build()
    }

    /// The merchant ID.
    pub fn merchant_id(&self) -> &str {
        &self.inner.merchant_id
    }

    /// The business ID.
    pub fn business_id(&self) -> &str {
        &self.inner.business_id
    }

    /// How requests are signed.
    pub fn sign_type(&self) -> SignType {
        self.inner.signer.sign_type()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// Validates, serializes the body once, and signs it, with no I/O. With an injected clock
    /// and nonce source the result is byte-for-byte deterministic.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use payhub_runtime::{FixedClock, FixedNonce};
    /// use vipcharge::{Client, Credentials, api::OrderInfoRequest};
    /// let client = Client::builder("166", "166", Credentials::md5("testSignKey"))
    ///     .base_url("https://open.example.com")
    ///     .clock(Arc::new(FixedClock::from_millis(1628757969177)))
    ///     .nonce_source(Arc::new(FixedNonce("b1946ac9-2492-4d23-87c6-235b4d261118".into())))
    ///     .build()
    ///     .unwrap();
    /// let req = client.prepare(&OrderInfoRequest::by_order_code("33976").biz_code("33976")).unwrap();
    /// assert_eq!(req.header_value("sign"), Some("A99797A5CE70CF7810E24389A53B7BE5"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and rule; [`Error::Config`] when the request needs
    /// a key that is not configured (card codes) or the nonce source yields an unusable value.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        req.validate()?;
        let inner = &*self.inner;
        if req.needs_card_key() && inner.card_key.is_none() {
            return Err(ConfigError::new(
                "card_key",
                "this purchase returns codes encrypted to the merchant RSA key; configure the \
                 merchant private key before buying (nothing was sent)",
            )
            .into());
        }
        let ctx = BodyContext {
            merchant_id: &inner.merchant_id,
            business_id: &inner.business_id,
        };
        let body = req
            .write_body(&ctx)
            .map_err(|e| ValidationError::new("body", format!("cannot be serialized: {e}")))?;
        let timestamp = inner.clock.now_millis().to_string();
        let nonce = inner.nonce.nonce();
        if nonce.is_empty() || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "nonce_source",
                "produced a nonce that is empty, longer than 128 bytes or not visible ASCII",
            )
            .into());
        }
        let sign_type = inner
            .send_sign_type
            .then(|| inner.signer.sign_type().as_str());
        let message = string_to_sign(&inner.business_id, &nonce, sign_type, &timestamp, &body);
        let (sign, explanation) = inner
            .signer
            .sign(&message)
            .map_err(|e| ConfigError::with_source("private_key", "signing failed", e))?;
        // Named parts, so a redacted explanation (errors, logs) lists the body's fields.
        let head = message.len().saturating_sub(body.len());
        let explanation =
            explanation.with_parts([("headers", 0..head), ("body", head..message.len())]);
        let mut prepared = PreparedRequest::new(O::NAME, Method::Post, O::PATH)
            .header("Accept", "application/json")
            .header(header::BUSINESS_ID, inner.business_id.as_str())
            .header(header::NONCE, nonce)
            .header(header::TIMESTAMP, timestamp);
        if let Some(t) = sign_type {
            prepared = prepared.header(header::SIGN_TYPE, t);
        }
        Ok(prepared
            .sensitive_header(header::SIGN, sign)
            .body(CONTENT_TYPE, body)
            .idempotency(O::IDEMPOTENCY)
            .explanation(explanation))
    }

    /// Prepares, sends and reads the reply. Reads are retried (fresh nonce and timestamp each
    /// time) on connection failures, timeouts, HTTP 5xx and statuses 5, 6, 98, 99. Orders are
    /// sent exactly once. The whole call, retries included, ends within the
    /// [`call_deadline`](ClientBuilder::call_deadline) (default: the `timeout`); past it, the
    /// error is the last attempt's (a transport timeout, `OutcomeUnknown` for an order).
    ///
    /// ```no_run
    /// # async fn run(client: vipcharge::Client) -> vipcharge::Result<()> {
    /// use vipcharge::api::BalanceRequest;
    /// let balance = client.send(&BalanceRequest::new()).await?;
    /// println!("{:?}", balance.amount());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// - [`Error::Validation`] / [`Error::Config`] before anything is sent;
    /// - [`Error::OutcomeUnknown`] when an order may exist (timeout, reset, HTTP 5xx, unreadable
    ///   reply, statuses 5, 6, 8, 98, 99): reconcile with [`Client::reconcile`], never resend;
    /// - [`Error::Api`] for any other non-zero status; [`Error::Transport`] when nothing was
    ///   delivered (or a read kept failing); [`Error::Decode`] when a read's reply is
    ///   unreadable; [`Error::Signature`] when a read's reply signature is refused (on an order
    ///   that is [`Error::OutcomeUnknown`]).
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        let deadline = self.inner.transport.deadline();
        match O::IDEMPOTENCY {
            Idempotency::Unsafe => self.attempt(req, 1, deadline).await,
            _ => {
                self.inner
                    .retry
                    .run_until(
                        deadline,
                        |attempt| self.attempt(req, attempt, deadline),
                        is_retryable_read,
                    )
                    .await
            }
        }
    }

    /// Queries an order by its merchant order number: the answer to an
    /// [`Error::OutcomeUnknown`]. Status 7 (resource does not exist) means the platform has no
    /// such order.
    ///
    /// ```no_run
    /// # async fn run(client: vipcharge::Client) -> vipcharge::Result<()> {
    /// let order = client.reconcile("BIZ-0001").await?;
    /// println!("{:?}", order.status());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::send`] for a read.
    pub async fn reconcile(&self, biz_code: &str) -> Result<OrderInfoResponse> {
        self.send(&OrderInfoRequest::by_biz_code(biz_code)).await
    }

    /// A callback verifier for this business, with the configured platform verifier (the secret
    /// for MD5 merchants; `platform_public_key` for RSA merchants), the client's clock and its
    /// [`ClientBuilder::notify_freshness`] window.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials};
    /// let client = Client::builder("166", "166", Credentials::md5("k"))
    ///     .base_url("https://open.example.com").build().unwrap();
    /// let verifier = client.notify_verifier().unwrap();
    /// # let _ = verifier;
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for an RSA merchant without `platform_public_key` or
    /// `platform_verifier` (the docs do not say which key signs RSA callbacks).
    pub fn notify_verifier(&self) -> Result<NotifyVerifier> {
        let inner = &*self.inner;
        let verifier = inner.platform.clone().ok_or_else(|| {
            ConfigError::new(
                "platform_public_key",
                "RSA merchants verify callbacks with the platform public key; set \
                 platform_public_key or platform_verifier",
            )
        })?;
        Ok(NotifyVerifier::new(inner.business_id.clone(), verifier)
            .max_body_bytes(inner.notify_max_body)
            .order_status_fields(inner.status_fields.iter().cloned())
            .freshness(inner.notify_freshness)
            .clock(Arc::clone(&inner.clock)))
    }

    /// Reads a reply obtained by other means (your own transport, a recorded exchange) exactly
    /// as [`Client::send`] reads one: envelope, status mapping, reply signature, typed data.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials, api::BalanceRequest};
    /// let client = Client::builder("19", "19", Credentials::md5("k"))
    ///     .base_url("https://open.example.com").build().unwrap();
    /// let body = br#"{"status":0,"message":"ok","data":{"creditLine":381,"amount":"164.50"}}"#;
    /// let balance = client
    ///     .read_reply(&BalanceRequest::new(), 200, &http::HeaderMap::new(), body)
    ///     .unwrap();
    /// assert_eq!(balance.amount().unwrap().to_string(), "164.50");
    /// ```
    ///
    /// # Errors
    /// As [`Client::send`] after the exchange.
    pub fn read_reply<O: Operation>(
        &self,
        req: &O,
        http_status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<O::Response> {
        let raw = RawResponse {
            status: http_status,
            headers: headers.clone(),
            body: bytes::Bytes::copy_from_slice(body),
            elapsed: Duration::ZERO,
        };
        self.interpret(req, &raw)
    }

    /// Decrypts one base64 value encrypted to the merchant key (a field this crate does not
    /// type), with the configured card key.
    ///
    /// # Errors
    /// [`Error::Config`] without a card key; [`Error::Decode`] when it does not decrypt.
    pub fn decrypt_card_value(&self, base64_text: &str) -> Result<crate::card::CardSecret> {
        let key =
            self.inner.card_key.as_ref().ok_or_else(|| {
                ConfigError::new("card_key", "no merchant private key configured")
            })?;
        Ok(crate::card::decrypt(key, base64_text)?)
    }

    async fn attempt<O: Operation>(
        &self,
        req: &O,
        attempt: u32,
        deadline: Deadline,
    ) -> Result<O::Response> {
        let prepared = self.prepare(req)?;
        let span = tracing::info_span!(
            "vipcharge.call",
            provider = "vipcharge",
            operation = O::NAME,
            biz_code = req.biz_code_ref(),
            order_code = req.order_code_ref(),
            attempt,
            http_status = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let sent = self.inner.transport.send_until(&prepared, deadline).await;
            let span = tracing::Span::current();
            span.record("latency_ms", millis(started.elapsed()));
            let result = match sent {
                Ok(raw) => {
                    span.record("http_status", raw.status);
                    self.interpret(req, &raw).map_err(|e| match e {
                        Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
                        other => other,
                    })
                }
                Err(e) => Err(Self::transport_error::<O>(req, e)),
            };
            match &result {
                Ok(_) => tracing::info!("vipcharge call succeeded"),
                // Error `Display`s carry no personal data (a refused signature is summarized).
                Err(e) => tracing::warn!(error = %e, "vipcharge call failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    fn transport_error<O: Operation>(req: &O, e: TransportError) -> Error {
        if O::IDEMPOTENCY == Idempotency::Unsafe && e.outcome_unknown() {
            let reason = UnknownReason::Transport(e.kind());
            OutcomeUnknown::new(
                O::NAME,
                req.biz_code_ref().map(str::to_owned),
                reason,
                Some(Box::new(e)),
                None,
            )
            .into()
        } else {
            e.into()
        }
    }

    fn interpret<O: Operation>(&self, req: &O, raw: &RawResponse) -> Result<O::Response> {
        let is_order = O::IDEMPOTENCY == Idempotency::Unsafe;
        let biz = || req.biz_code_ref().map(str::to_owned);
        let http_ok = (200..300).contains(&raw.status);
        if http_ok && let Err(refused) = self.check_reply_signature(O::NAME, raw, biz(), is_order) {
            // Under the default `IfSigned`, a body that is not even a readable envelope (cut
            // short or garbled on the way) is reported as unreadable, as without signatures:
            // it is never acted on either way, and a read is then retried.
            let unreadable = self.inner.reply_verification == ReplyVerification::IfSigned
                && read_envelope(&raw.body).is_err();
            if !unreadable {
                return Err(refused);
            }
        }
        let unknown = |reason, source: Option<DecodeError>| -> Error {
            OutcomeUnknown::new(
                O::NAME,
                biz(),
                reason,
                source.map(|e| Box::new(e) as _),
                Some(raw.body.clone()),
            )
            .into()
        };
        let envelope = match (read_envelope(&raw.body), http_ok) {
            (Ok(env), true) => env,
            (Ok(env), false) if !env.status.is_success() => env,
            (_, false) => {
                let err = DecodeError::new(
                    DecodeErrorKind::HttpStatus,
                    format!("HTTP {} without a readable error envelope", raw.status),
                )
                .in_reply(O::NAME, raw.status, raw.body.clone());
                return Err(if is_order {
                    unknown(UnknownReason::HttpStatus(raw.status), Some(err))
                } else {
                    err.into()
                });
            }
            (Err(e), true) => {
                let err = e.in_reply(O::NAME, raw.status, raw.body.clone());
                return Err(if is_order {
                    unknown(UnknownReason::UnreadableReply(err.kind()), Some(err))
                } else {
                    err.into()
                });
            }
        };
        tracing::Span::current().record("status", envelope.status.code());
        if !envelope.status.is_success() {
            if is_order && envelope.status.outcome_unknown() {
                return Err(unknown(
                    UnknownReason::ProviderStatus {
                        status: envelope.status,
                        message: envelope.message,
                    },
                    None,
                ));
            }
            return Err(ApiError::new(
                O::NAME,
                envelope.status,
                envelope.message,
                raw.status,
                biz(),
                raw.body.clone(),
            )
            .into());
        }
        let ctx = ParseContext {
            card_key: self.inner.card_key.as_ref(),
            status_fields: &self.inner.status_fields,
        };
        O::Response::from_reply(envelope.data.as_deref(), &ctx).map_err(|e| {
            let err = e
                .under("data")
                .in_reply(O::NAME, raw.status, raw.body.clone());
            if is_order {
                unknown(UnknownReason::AcceptedButUnreadable(err.kind()), Some(err))
            } else {
                err.into()
            }
        })
    }

    fn check_reply_signature(
        &self,
        operation: &'static str,
        raw: &RawResponse,
        biz_code: Option<String>,
        is_order: bool,
    ) -> Result<()> {
        let inner = &*self.inner;
        if inner.reply_verification == ReplyVerification::Off {
            return Ok(());
        }
        let Some(verifier) = &inner.platform else {
            return Ok(());
        };
        let text = |name: &str| raw.header(name).map(str::trim).unwrap_or_default();
        let sign = text(header::SIGN);
        let outcome = if sign.is_empty() {
            Err(SignatureErrorKind::Missing)
        } else {
            let sign_type = Some(text(header::SIGN_TYPE)).filter(|t| !t.is_empty());
            if sign_type.is_some_and(|t| !t.eq_ignore_ascii_case(verifier.sign_type().as_str())) {
                Err(SignatureErrorKind::SignTypeMismatch)
            } else {
                let message = string_to_sign(
                    text(header::BUSINESS_ID),
                    text(header::NONCE),
                    sign_type,
                    text(header::TIMESTAMP),
                    &raw.body,
                );
                verifier.verify(&message, sign).map_err(|e| match e {
                    sign_core::Error::MalformedSignature { .. } => SignatureErrorKind::Malformed,
                    _ => SignatureErrorKind::Mismatch,
                })
            }
        };
        match (outcome, inner.reply_verification) {
            (Ok(()), _) => Ok(()),
            (
                Err(SignatureErrorKind::Missing),
                ReplyVerification::Warn | ReplyVerification::IfSigned,
            ) => Ok(()),
            (Err(kind), ReplyVerification::Strict | ReplyVerification::IfSigned) => {
                let refused = SignatureError::new(operation, kind, biz_code.clone(), is_order);
                if is_order {
                    // The request was delivered and may have been executed: an unknown outcome,
                    // reported as such so no caller takes the order as failed.
                    Err(OutcomeUnknown::new(
                        operation,
                        biz_code,
                        UnknownReason::ReplySignature(kind),
                        Some(Box::new(refused)),
                        Some(raw.body.clone()),
                    )
                    .into())
                } else {
                    Err(refused.into())
                }
            }
            (Err(kind), _) => {
                tracing::warn!(
                    provider = "vipcharge",
                    operation,
                    problem = ?kind,
                    "reply signature does not verify (ReplyVerification::Warn: continuing)"
                );
                Ok(())
            }
        }
    }
}
