//! The one error type of this crate, [`Error`], and the context structs its variants carry.
//!
//! Every variant says which operation failed and what to do about it. No variant ever holds the
//! merchant key: request bodies are not kept (an [`ApiError`] from a send keeps only the signed
//! string with the key masked, [`ApiError::signed`], and prints only its redacted summary: field
//! names and value lengths, never the payer's values), and reply bodies (which WinPay never fills
//! with secrets) are kept only inside [`ApiError`] and [`DecodeError`] for debugging.

use std::fmt;

use payhub_runtime::OptionsError;
pub use payhub_runtime::{TransportError, TransportErrorKind};
use sign_core::Explanation;

use crate::types::ErrorCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to WinPay or verifying its callbacks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or verifier configuration is unusable (missing base URL, empty key, bad
    /// environment variable), raised by `build()` / `from_env()`; or, from a call, the base URL
    /// has no such route: HTTP 404 / 405 without WinPay's envelope, so nothing was executed
    /// (setting `base_url`, the message names the URL called).
    #[error("configuration: {0}")]
    Config(ConfigError),
    /// A request field breaks a rule; nothing was sent.
    #[error("invalid request: {0}")]
    Validation(ValidationError),
    /// The exchange failed below the protocol (connect, timeout, reset, body cap, redirect).
    /// For a create this variant only appears when the request provably never left; otherwise
    /// you get [`Error::OutcomeUnknown`].
    #[error("transport: {0}")]
    Transport(#[source] TransportError),
    /// A create (collection order, deposit, or an unsafe raw call) may or may not have been
    /// executed by WinPay. It was **not** resent. Query the order with
    /// [`Client::reconcile`](crate::Client::reconcile) before trying again.
    #[error("{0}")]
    OutcomeUnknown(OutcomeUnknown),
    /// The reply could not be read: not JSON, truncated, an HTML page, a missing field.
    #[error("{0}")]
    Decode(DecodeError),
    /// WinPay answered with a business error (`code` other than `"0"`).
    #[error("{0}")]
    Api(ApiError),
    /// A reply carried a signature that does not verify (only when reply verification is
    /// enabled with [`ClientBuilder::reply_signature`](crate::ClientBuilder::reply_signature)).
    #[error("{0}")]
    Signature(SignatureError),
    /// A callback was refused: see [`NotifyError`] for the reason.
    #[error("callback rejected: {0}")]
    Notify(NotifyError),
}

impl Error {
    /// Whether an idempotent call (a query, the balance) that failed this way may be tried
    /// again: connection failures, timeouts, HTTP 5xx, truncated or empty replies, and the busy
    /// codes configured with
    /// [`ClientBuilder::busy_codes`](crate::ClientBuilder::busy_codes).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(e) => e.is_retryable(),
            Self::Decode(e) => e.truncated || e.http_status.is_some_and(|s| s >= 500),
            Self::Api(e) => e.http_status >= 500 || e.busy,
            _ => false,
        }
    }

    /// Whether this is [`Error::OutcomeUnknown`]: reconcile before doing anything else.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown(_))
    }

    /// The validation failure, if this is one.
    pub fn as_validation(&self) -> Option<&ValidationError> {
        match self {
            Self::Validation(e) => Some(e),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The callback failure, if this is one.
    pub fn as_notify(&self) -> Option<&NotifyError> {
        match self {
            Self::Notify(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn config(setting: &'static str, problem: impl Into<String>) -> Self {
        Self::Config(ConfigError {
            setting,
            problem: problem.into(),
        })
    }

    /// The trimmed value of environment variable `name`, or the config error naming it.
    pub(crate) fn env_value(
        name: &'static str,
        value: std::result::Result<String, std::env::VarError>,
    ) -> Result<String> {
        match value {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            Ok(_) => Err(Self::config(name, "is empty")),
            Err(std::env::VarError::NotPresent) => Err(Self::config(name, "is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(Self::config(name, "is not valid UTF-8")),
        }
    }

    pub(crate) fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Validation(ValidationError {
            field: field.into(),
            rule: rule.into(),
        })
    }
}

/// A configuration problem: which setting, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    setting: &'static str,
    problem: String,
}

impl ConfigError {
    /// The setting or environment variable, e.g. `base_url` or `GATEWAY_RECHARGE_KEY`.
    pub fn setting(&self) -> &'static str {
        self.setting
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.setting, self.problem)
    }
}

/// A request field that breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    field: String,
    rule: String,
}

impl ValidationError {
    /// The wire name of the field, e.g. `amount`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it breaks, e.g. `must have at most two decimal places (got 1.005)`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}` {}", self.field, self.rule)
    }
}

/// A write whose outcome is unknown, with the failure that made it so.
#[derive(Debug)]
pub struct OutcomeUnknown {
    pub(crate) operation: &'static str,
    pub(crate) order_no: Option<String>,
    pub(crate) cause: Box<Error>,
}

impl OutcomeUnknown {
    /// The operation, e.g. `create_order`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The merchant order number to reconcile, when the request had one.
    pub fn order_no(&self) -> Option<&str> {
        self.order_no.as_deref()
    }

    /// What happened: a [`Error::Transport`] (timeout, reset, body cap) or an
    /// [`Error::Decode`] (a 2xx or 5xx reply that could not be read).
    pub fn cause(&self) -> &Error {
        &self.cause
    }
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: outcome unknown", self.operation)?;
        if let Some(o) = &self.order_no {
            write!(f, " for order `{o}`")?;
        }
        write!(
            f,
            " ({}); the request was not resent: reconcile the order before retrying",
            self.cause
        )
    }
}

impl std::error::Error for OutcomeUnknown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
    }
}

/// A reply that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub(crate) operation: &'static str,
    pub(crate) http_status: Option<u16>,
    pub(crate) problem: String,
    pub(crate) body: String,
    pub(crate) truncated: bool,
}

/// How much of an undecodable body is kept for debugging.
const BODY_EXCERPT: usize = 2048;

impl DecodeError {
    pub(crate) fn new(
        operation: &'static str,
        http_status: Option<u16>,
        problem: impl Into<String>,
        body: &[u8],
    ) -> Self {
        Self {
            operation,
            http_status,
            problem: problem.into(),
            body: excerpt(body),
            truncated: false,
        }
    }

    /// The operation whose reply failed to decode.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// What is wrong, naming the field when one is at fault (e.g. `data.trade_no is missing`).
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// Whether the body looks cut short (empty, or JSON ending early): a read failing this way
    /// is retried like a transport failure.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The start of the body as received (at most 2 KiB, lossy UTF-8).
    pub fn body(&self) -> &str {
        &self.body
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: cannot decode the reply", self.operation)?;
        if let Some(s) = self.http_status {
            write!(f, " (HTTP {s})")?;
        }
        write!(f, ": {}", self.problem)
    }
}

pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT)];
    String::from_utf8_lossy(cut).into_owned()
}

/// A business error returned by WinPay: its `code`, its message, the whole reply body and, for
/// an error returned by [`Client::send`](crate::Client::send), what the request signed
/// ([`ApiError::signed`], key masked).
///
/// WinPay publishes no error codes, so which codes mean "signature refused" is configured with
/// [`ClientBuilder::signature_rejected_codes`](crate::ClientBuilder::signature_rejected_codes)
/// (default: none). For such a code, `Display` ends with `; signed: <summary>`, the redacted
/// summary of what was signed ([`Explanation::redacted`]: field names with value lengths and a
/// SHA-256 prefix, never a value), so the log line alone shows the request's shape without the
/// payer's personal data. `Debug` carries the same summary.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) operation: &'static str,
    pub(crate) http_status: u16,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    pub(crate) body: String,
    pub(crate) busy: bool,
    pub(crate) signature_rejected: bool,
    /// Boxed: it is rare and large, and `Error` stays small.
    pub(crate) signed: Option<Box<Explanation>>,
}

impl ApiError {
    /// Records what the refused request signed (the client does this for every sent request).
    pub(crate) fn with_signed(mut self, signed: Option<&Explanation>) -> Self {
        self.signed = signed.map(|e| Box::new(e.clone()));
        self
    }

    /// The operation WinPay refused.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// WinPay's `code`.
    pub fn code(&self) -> &ErrorCode {
        &self.code
    }

    /// WinPay's `msg` (or `message`), possibly empty.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The reply body as received (lossy UTF-8).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether the code is one of the busy codes configured on the client.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// What the refused request signed, key masked (`...&key=***`): the canonical string and
    /// which fields went in. Set on errors returned by [`Client::send`](crate::Client::send)
    /// (and the calls built on it); `None` on errors from
    /// [`Client::decode_reply`](crate::Client::decode_reply) alone.
    ///
    /// **Holds personal data**: the explanation's `Display` and
    /// [`signed_string`](Explanation::signed_string) print every signed value (the customer, a
    /// phone or account number). Show it on explicit request, not in logs; for logs use
    /// [`Explanation::redacted`], which the error's own `Display` already includes.
    ///
    /// ```no_run
    /// # async fn run(client: gateway_recharge::Client) {
    /// if let Err(gateway_recharge::Error::Api(e)) = client.balance().await {
    ///     if e.is_signature_rejected() {
    ///         eprintln!("WinPay refused the signature; we signed:\n{}", e.signed().unwrap());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn signed(&self) -> Option<&Explanation> {
        self.signed.as_deref()
    }

    /// Whether WinPay refused the request's signature: the code is one of those configured with
    /// [`ClientBuilder::signature_rejected_codes`](crate::ClientBuilder::signature_rejected_codes).
    /// WinPay's error-code page is not public, so no code (and no message text) is documented
    /// as a signature error and the default list is empty: this is `false` until you configure
    /// the code your account manager gives you. The usual causes are a wrong key or a field
    /// changed after signing; compare [`ApiError::signed`] with what WinPay expects.
    pub fn is_signature_rejected(&self) -> bool {
        self.signature_rejected
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: WinPay refused with code {}",
            self.operation, self.code
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        match &self.signed {
            Some(signed) if self.signature_rejected => {
                write!(f, "; signed: {}", signed.redacted())
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ApiError");
        d.field("operation", &self.operation)
            .field("http_status", &self.http_status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("body", &self.body)
            .field("busy", &self.busy);
        // Only when set, so snapshots of parsed replies keep their shape. Redacted: no values.
        if let Some(signed) = &self.signed {
            d.field("signed", &signed.redacted());
        }
        d.finish()
    }
}

/// A reply signature that failed the check enabled by
/// [`ClientBuilder::reply_signature`](crate::ClientBuilder::reply_signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError {
    pub(crate) operation: &'static str,
    pub(crate) problem: &'static str,
}

impl SignatureError {
    /// The operation whose reply failed the check.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// `missing`, `not hex` or `does not match`.
    pub fn problem(&self) -> &'static str {
        self.problem
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: reply signature `data.sign` {}",
            self.operation, self.problem
        )
    }
}

/// Why a callback was rejected. Answer it with [`Ack::retry`](crate::notify::Ack::retry)
/// (or an HTTP 4xx) and do not act on it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body exceeds the verifier's size cap.
    #[error("body of {actual} bytes exceeds the {limit}-byte cap")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The body length.
        actual: usize,
    },
    /// The body is empty.
    #[error("body is empty")]
    EmptyBody,
    /// The body is not valid UTF-8.
    #[error("body is not valid UTF-8")]
    NotUtf8,
    /// The content type is neither JSON nor a form.
    #[error("content type `{0}` is not JSON or form-urlencoded")]
    UnsupportedContentType(String),
    /// The body is not a JSON object / form.
    #[error("body is malformed: {0}")]
    MalformedBody(String),
    /// A form field appears twice.
    #[error("field `{0}` appears more than once")]
    DuplicateField(String),
    /// No `sign` field, or an empty one.
    #[error("no `sign` field")]
    MissingSignature,
    /// The `sign` field is not hex.
    #[error("`sign` is not hex")]
    MalformedSignature,
    /// The signature does not match the fields received.
    #[error("signature does not match")]
    BadSignature,
    /// A `merchant_no` field names another merchant.
    #[error("merchant_no `{received}` is not this merchant (`{expected}`)")]
    WrongMerchant {
        /// This verifier's merchant number.
        expected: String,
        /// The value received.
        received: String,
    },
    /// A required field is absent or empty.
    #[error("field `{0}` is missing")]
    MissingField(&'static str),
    /// A field is present but cannot be read.
    #[error("field `{field}` {problem}")]
    MalformedField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl NotifyError {
    /// Whether the failure is about authenticity (missing, malformed or wrong signature, wrong
    /// merchant): such a callback may be forged and must never be acted upon.
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            Self::MissingSignature
                | Self::MalformedSignature
                | Self::BadSignature
                | Self::WrongMerchant { .. }
        )
    }
}

/// A shared client option at fault (`timeout`, `base_url`, ...) is a [`Error::Config`] naming it.
impl From<OptionsError> for Error {
    fn from(e: OptionsError) -> Self {
        match e {
            OptionsError::Invalid { field, problem } => Self::config(field, problem),
            other => Self::config("http_client", other.to_string()),
        }
    }
}

impl From<NotifyError> for Error {
    fn from(e: NotifyError) -> Self {
        Self::Notify(e)
    }
}
