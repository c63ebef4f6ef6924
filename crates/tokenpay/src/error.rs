//! The one error type of the crate, [`Error`], and the context structs its variants carry.
//!
//! Every variant says what to do next: fix the configuration ([`Error::Config`]), fix the request
//! ([`Error::Validation`]), retry or give up ([`Error::Transport`]), reconcile before anything
//! else ([`Error::OutcomeUnknown`]), report a provider bug ([`Error::Decode`]), act on the
//! provider's status code ([`Error::Api`]), distrust the reply ([`Error::Signature`]) or refuse a
//! callback ([`Error::Notify`]). No variant ever carries the app secret.

use std::fmt;

pub use payhub_runtime::{TransportError, TransportErrorKind};
use sign_core::Explanation;

use crate::types::ApiCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to tokenpay.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be configured (a missing variable, a secret that is not 32 bytes, a
    /// bad base URL): nothing was sent. Or a call reached no route: HTTP 404 / 405 without
    /// tokenpay's envelope, so nothing was executed (field `base_url`, the message names the
    /// URL called).
    #[error("tokenpay configuration: {0}")]
    Config(#[from] ConfigError),
    /// The request broke a rule before it was sent (the field and the rule are named). Nothing
    /// was sent.
    #[error("tokenpay request: {0}")]
    Validation(#[from] ValidationError),
    /// The exchange failed below the protocol (connect, timeout, reset, body cap, redirect)
    /// for a call that is safe to repeat, or where the request is known not to have left. The
    /// runtime's [`TransportError`] itself ([`TransportError::kind`] says what failed).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A write (create order, payout, close, wallet change) may or may not have been carried
    /// out. Do not resend it: query first (see [`crate::Client::reconcile`]).
    #[error(transparent)]
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// The reply could not be read (not JSON, truncated, a field of the wrong type, or an HTTP
    /// error status without tokenpay's envelope: [`DecodeError::is_http_status`]).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// tokenpay answered with a non-zero `code`.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The reply's `TTPay-Signature` is missing or does not match (strict reply checking).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A callback was refused (see [`NotifyError`] for the reason).
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

impl Error {
    /// The provider status code, for [`Error::Api`].
    pub fn api_code(&self) -> Option<&ApiCode> {
        match self {
            Self::Api(e) => Some(e.code()),
            _ => None,
        }
    }

    /// The provider's `request_id`, when the reply carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id(),
            Self::OutcomeUnknown(o) => o.cause().request_id(),
            _ => None,
        }
    }

    /// Whether the outcome of a write is unknown (reconcile before anything else).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown(_))
    }

    /// Whether the same call may succeed if made again later (rate limits, transient transport
    /// failures). Never true for [`Error::OutcomeUnknown`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) => e.code().is_retryable(),
            Self::Transport(t) => t.is_retryable(),
            Self::Decode(d) => d.is_http_status() && (d.status >= 500 || d.status == 429),
            _ => false,
        }
    }

    pub(crate) fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Validation(ValidationError::new(field, rule))
    }

    pub(crate) fn config(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Config(ConfigError::new(field, problem))
    }
}

impl From<payhub_runtime::OptionsError> for Error {
    /// A client option the runtime refused, naming the setting (`base_url`, `timeout`, ...).
    fn from(e: payhub_runtime::OptionsError) -> Self {
        match e {
            payhub_runtime::OptionsError::Invalid { field, problem } => {
                Self::config(field, problem)
            }
            other => Self::config("http_client", other.to_string()),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl From<OutcomeUnknown> for Error {
    fn from(e: OutcomeUnknown) -> Self {
        Self::OutcomeUnknown(Box::new(e))
    }
}

/// A configuration problem: which setting, and what is wrong with it (never its value when the
/// setting is a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    field: String,
    problem: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The setting, e.g. `app_secret` or `TOKENPAY_APP_ID`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// A request field that breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {rule}")]
pub struct ValidationError {
    field: String,
    rule: String,
}

impl ValidationError {
    pub(crate) fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The wire name of the field, e.g. `out_trade_no`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it breaks, e.g. `must not be empty`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

/// A write whose outcome is unknown: it may have been carried out.
#[derive(Debug)]
pub struct OutcomeUnknown {
    operation: &'static str,
    reference: Option<(&'static str, String)>,
    cause: Error,
}

impl OutcomeUnknown {
    pub(crate) fn new(
        operation: &'static str,
        reference: Option<(&'static str, String)>,
        cause: Error,
    ) -> Self {
        Self {
            operation,
            reference,
            cause,
        }
    }

    /// The field and value that identify the write, when the client knows them more precisely
    /// than the call's order numbers (a wallet address).
    pub(crate) fn with_reference(mut self, reference: Option<(&'static str, &str)>) -> Self {
        if let Some((k, v)) = reference {
            self.reference = Some((k, v.to_owned()));
        }
        self
    }

    /// The operation, e.g. `prepay`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The field and value that identify the write (e.g. `("out_trade_no", "A1")`), to query.
    pub fn reference(&self) -> Option<(&'static str, &str)> {
        self.reference.as_ref().map(|(k, v)| (*k, v.as_str()))
    }

    /// What went wrong (a timeout, a reset, a 5xx, an unreadable reply).
    pub fn cause(&self) -> &Error {
        &self.cause
    }
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: outcome unknown", self.operation)?;
        if let Some((k, v)) = &self.reference {
            write!(f, " for {k} `{v}`")?;
        }
        write!(
            f,
            " ({}); it may have been carried out: query it (Client::reconcile) before sending it \
             again",
            self.cause
        )
    }
}

impl std::error::Error for OutcomeUnknown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// A reply that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {}", describe_decode(self))]
pub struct DecodeError {
    operation: &'static str,
    status: u16,
    problem: String,
    body: String,
    garbled: bool,
}

fn describe_decode(e: &DecodeError) -> String {
    if e.is_http_status() {
        format!(
            "tokenpay answered HTTP {} without a readable reply",
            e.status
        )
    } else {
        format!("cannot read the reply (HTTP {}): {}", e.status, e.problem)
    }
}

/// How much of an unreadable body is kept for the error report.
const SNIPPET: usize = 512;

impl DecodeError {
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        problem: impl Into<String>,
        body: &[u8],
    ) -> Self {
        let body = String::from_utf8_lossy(&body[..body.len().min(SNIPPET)]).into_owned();
        Self {
            operation,
            status,
            problem: problem.into(),
            body,
            garbled: false,
        }
    }

    /// A reply that is not the JSON envelope at all (empty, HTML, truncated, not UTF-8): what a
    /// proxy or a connection cut short produces. Reads are retried on these.
    pub(crate) fn garbled(
        operation: &'static str,
        status: u16,
        problem: impl Into<String>,
        body: &[u8],
    ) -> Self {
        Self {
            garbled: true,
            ..Self::new(operation, status, problem, body)
        }
    }

    /// An HTTP error status (not 2xx) whose body is not tokenpay's envelope (a gateway page).
    /// Reads are retried on 5xx and 429; a write answered by a 5xx has an unknown outcome.
    pub(crate) fn http_status(operation: &'static str, status: u16, body: &[u8]) -> Self {
        Self::new(
            operation,
            status,
            "an HTTP error status without tokenpay's JSON envelope",
            body,
        )
    }

    /// Whether this is an HTTP error status (not 2xx) without a readable envelope, rather than
    /// a 2xx reply that could not be read.
    pub fn is_http_status(&self) -> bool {
        !(200..300).contains(&self.status)
    }

    /// Whether the reply was not the JSON envelope at all (empty, HTML, truncated, not UTF-8),
    /// as opposed to an envelope with an unreadable field.
    pub fn is_garbled(&self) -> bool {
        self.garbled
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What could not be read (the field and the problem).
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The start of the reply body (at most 512 bytes, lossy UTF-8), for the bug report.
    pub fn body_snippet(&self) -> &str {
        &self.body
    }
}

/// tokenpay answered with a non-zero `code`.
///
/// Keeps the HTTP status, the typed `code`, `msg`, `request_id`, the raw body and, for an error
/// returned by [`Client::send`](crate::Client::send), what the request signed
/// ([`ApiError::signed`]). When tokenpay refuses the signature (103 invalid signature, 104
/// signature expired), `Display` ends with a redacted summary of what was signed
/// ([`Explanation::redacted`]: the parts `path`, `timestamp`, `nonce` and `body` with their
/// lengths, the body's field names with value lengths, and a SHA-256 prefix; never a value), so
/// the log line alone shows the request's shape without the payer's personal data. `Debug`
/// carries the same summary.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    operation: &'static str,
    status: u16,
    code: ApiCode,
    msg: String,
    request_id: Option<String>,
    body: String,
    signed: Option<Explanation>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: tokenpay code {} ({}): {}",
            self.operation,
            self.code.code(),
            self.code.description(),
            self.msg
        )?;
        if let Some(r) = &self.request_id {
            write!(f, " [request_id {r}]")?;
        }
        match &self.signed {
            Some(signed) if self.code.is_signature_rejected() => {
                write!(f, "; signed: {}", signed.redacted())
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ApiError");
        d.field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("msg", &self.msg)
            .field("request_id", &self.request_id)
            .field("body", &self.body);
        // Only when set, so snapshots of parsed replies keep their shape. Redacted: no values.
        if let Some(signed) = &self.signed {
            d.field("signed", &signed.redacted());
        }
        d.finish()
    }
}

impl ApiError {
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        code: ApiCode,
        msg: String,
        request_id: Option<String>,
        body: &[u8],
    ) -> Self {
        Self {
            operation,
            status,
            code,
            msg,
            request_id,
            body: String::from_utf8_lossy(body).into_owned(),
            signed: None,
        }
    }

    /// Records what the refused request signed (the client does this for every sent request).
    pub(crate) fn with_signed(mut self, signed: Option<&Explanation>) -> Self {
        self.signed = signed.cloned();
        self
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.status
    }

    /// The typed status code.
    pub fn code(&self) -> &ApiCode {
        &self.code
    }

    /// The provider's `msg`.
    pub fn message(&self) -> &str {
        &self.msg
    }

    /// The provider's `request_id` (quote it to tokenpay support).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The raw reply body.
    pub fn raw_body(&self) -> &str {
        &self.body
    }

    /// What the refused request signed: the plaintext `PATH[?QUERY]\nTIMESTAMP\nNONCE\nBODY`
    /// that the `TTPAY-AES-256-ECB` signature encrypts. The app secret is the AES key, not part
    /// of the string, so nothing is masked. Set on errors returned by
    /// [`Client::send`](crate::Client::send); `None` on errors from
    /// [`Client::read_reply`](crate::Client::read_reply).
    ///
    /// **Holds personal data**: the explanation's `Display` and
    /// [`signed_string`](Explanation::signed_string) print the whole signed body (a payer's or
    /// payee's name, email, phone, account). Show it on explicit request, not in logs; for logs
    /// use [`Explanation::redacted`], which the error's own `Display` already includes.
    ///
    /// ```no_run
    /// # async fn run(client: tokenpay::Client) {
    /// use tokenpay::api::BalanceRequest;
    /// use tokenpay::types::{Chain, Currency};
    /// let req = BalanceRequest::new(Chain::Tron, Currency::Usdt);
    /// if let Err(tokenpay::Error::Api(e)) = client.send(&req).await {
    ///     if e.is_signature_rejected() {
    ///         eprintln!("tokenpay refused our signature; we signed:\n{}", e.signed().unwrap());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn signed(&self) -> Option<&Explanation> {
        self.signed.as_ref()
    }

    /// Whether tokenpay refused the request's signature: 103 (invalid signature) or 104
    /// (signature expired). The usual causes are a wrong app secret, a body or path changed after
    /// signing, or (for 104) a clock off or the wrong timestamp unit
    /// ([`ClientBuilder::timestamp_unit`](crate::ClientBuilder::timestamp_unit)); compare
    /// [`ApiError::signed`], which shows the path, timestamp and nonce that were signed.
    pub fn is_signature_rejected(&self) -> bool {
        self.code.is_signature_rejected()
    }
}

/// Why a reply signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureProblem {
    /// A `TTPay-*` header is absent (named).
    Missing(&'static str),
    /// The signature is not base64, or the timestamp is not a number.
    Malformed(&'static str),
    /// The signature does not cover `TIMESTAMP\nNONCE\nBODY` of this reply.
    Mismatch,
}

/// A reply signature failed in strict mode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: reply signature refused: {}", match problem {
    SignatureProblem::Missing(h) => format!("header `{h}` is missing"),
    SignatureProblem::Malformed(h) => format!("header `{h}` is malformed"),
    SignatureProblem::Mismatch => "it does not match the reply body".to_owned(),
})]
pub struct SignatureError {
    operation: &'static str,
    problem: SignatureProblem,
}

impl SignatureError {
    pub(crate) fn new(operation: &'static str, problem: SignatureProblem) -> Self {
        Self { operation, problem }
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// What was wrong.
    pub fn problem(&self) -> SignatureProblem {
        self.problem
    }
}

/// Why a callback was refused. Answer it with [`crate::notify::Ack::retry`] (or an HTTP 4xx):
/// tokenpay will deliver it again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body exceeds the verifier's cap.
    #[error("callback body is {actual} bytes, over the {limit}-byte limit")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The size received.
        actual: usize,
    },
    /// The request's content type is not JSON.
    #[error("callback content type `{0}` is not application/json")]
    WrongContentType(String),
    /// A signature header is absent (both `TTPay-*` and `tokenpay-*` were looked up).
    #[error("callback header `{0}` is missing")]
    MissingHeader(&'static str),
    /// A signature header is not valid (named, with the problem).
    #[error("callback header `{header}` {problem}")]
    MalformedHeader {
        /// The header.
        header: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The signature does not cover this body with this timestamp and nonce.
    #[error("callback signature does not match its body")]
    BadSignature,
    /// The timestamp is older than the freshness window
    /// ([`NotifyVerifier::max_age`](crate::notify::NotifyVerifier::max_age), 24 h by default):
    /// a replay, or a clock far off.
    #[error("callback timestamp is {age_secs} s away from now, over the {max_secs} s window")]
    Stale {
        /// Age relative to the local clock, in seconds.
        age_secs: i64,
        /// The allowed window, in seconds.
        max_secs: i64,
    },
    /// The timestamp is further ahead of the local clock than the allowed skew
    /// ([`NotifyVerifier::max_future_skew`](crate::notify::NotifyVerifier::max_future_skew),
    /// 10 min by default).
    #[error("callback timestamp is {ahead_secs} s ahead of the clock, over the {max_secs} s skew")]
    FromTheFuture {
        /// How far ahead of the local clock, in seconds.
        ahead_secs: i64,
        /// The allowed skew, in seconds.
        max_secs: i64,
    },
    /// The body is not UTF-8.
    #[error("callback body is not UTF-8")]
    NotUtf8,
    /// A body field is missing or of the wrong form.
    #[error("callback field `{field}` {problem}")]
    MalformedField {
        /// The field (dotted path).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The callback is for another application or merchant.
    #[error("callback `{field}` is `{received}`, not this merchant's")]
    WrongMerchant {
        /// `app_id` or `mch_id`.
        field: &'static str,
        /// The value received.
        received: String,
    },
    /// `resource.algorithm` is not `AEAD_AES_256_GCM`.
    #[error("callback resource algorithm `{0}` is not supported (only AEAD_AES_256_GCM)")]
    UnsupportedAlgorithm(String),
    /// The resource did not decrypt (wrong key, tampered ciphertext, wrong nonce).
    #[error("callback resource does not decrypt with this app secret")]
    Decrypt,
}
