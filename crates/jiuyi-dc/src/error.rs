//! The one error type of this crate, [`Error`], and the context structs of its variants.
//!
//! Every variant says what failed in words a merchant engineer can act on, names the field and
//! the rule where there is one, and never carries the app secret. Reply bodies are kept for
//! inspection ([`ApiError::raw_body`], [`DecodeError::raw_body`]) but never printed by `Debug`
//! or `Display`, because a card-code reply carries card secrets. An [`ApiError`] from a send
//! keeps what the request signed, secret masked ([`ApiError::signed`]).

use std::fmt;

use bytes::Bytes;
use payhub_runtime::{OptionsError, Reconciliation, TransportError};
use sign_core::Explanation;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to the dcapi gateway or checking its notifies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (missing or empty credential, bad base URL, bad env var), or
    /// a call reached no route: HTTP 404 / 405 without the dcapi envelope, so nothing was
    /// executed (field `base_url`, the message names the URL called).
    #[error(transparent)]
    Config(ConfigError),
    /// A request field breaks a documented rule; nothing was sent.
    #[error(transparent)]
    Validation(ValidationError),
    /// The request could not be delivered or its reply not received (reads only; for creates an
    /// uncertain delivery is [`Error::OutcomeUnknown`]).
    #[error(transparent)]
    Transport(TransportError),
    /// A create (`pay`, `card/payOrder`) may or may not have been executed by the provider: the
    /// connection failed after sending, timed out, or the reply was unreadable. It was NOT resent.
    /// Query the order with [`crate::Client::reconcile`] / [`crate::Client::reconcile_card`].
    #[error(transparent)]
    OutcomeUnknown(OutcomeUnknownError),
    /// The reply is not a dcapi envelope (HTML page, truncated JSON, HTTP error status) or a field
    /// of it does not have the documented type.
    #[error(transparent)]
    Decode(DecodeError),
    /// The provider answered `code: 0` (or another non-success code) with a message.
    #[error(transparent)]
    Api(ApiError),
    /// Reserved for reply signature checks. dcapi replies carry no signature, so this crate never
    /// returns it today; the variant exists so that the five provider crates share one error
    /// vocabulary.
    #[error("reply signature check failed for {operation}")]
    Signature {
        /// The operation whose reply failed the check.
        operation: &'static str,
    },
    /// A notify (callback) was rejected; answer it with [`crate::notify::Ack::retry`] or an HTTP
    /// 4xx, never with `success`.
    #[error(transparent)]
    Notify(NotifyError),
}

impl Error {
    /// Whether the provider may have acted on a create whose reply we did not get.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown(_))
    }

    /// Whether a read that failed this way may succeed when sent again: a transport failure
    /// the runtime calls retryable, HTTP 5xx / 429, or a body that is not JSON at all. The
    /// client already retried reads; a create is never resent blindly.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(t) => t.is_retryable(),
            Self::Decode(d) => d.is_retryable(),
            _ => false,
        }
    }

    /// The provider's message for an [`Error::Api`].
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Self::Api(e) => Some(e.message()),
            _ => None,
        }
    }

    pub(crate) fn config(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Config(ConfigError {
            field,
            problem: problem.into(),
        })
    }

    pub(crate) fn validation(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Validation(ValidationError {
            field,
            rule: rule.into(),
        })
    }
}

/// A configuration problem: which setting, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("configuration `{field}`: {problem}")]
pub struct ConfigError {
    field: &'static str,
    problem: String,
}

impl ConfigError {
    /// The setting or environment variable at fault (for example `JIUYI_APPID`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// A request field that breaks a documented rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid request field `{field}`: {rule}")]
pub struct ValidationError {
    field: &'static str,
    rule: String,
}

impl ValidationError {
    /// The wire name of the field (for example `out_order_id`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The rule it breaks.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

/// A create whose outcome is unknown, with the reason.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation} for out_order_id `{out_order_id}`: outcome unknown, the order may exist; \
     it was not resent, query it before retrying"
)]
pub struct OutcomeUnknownError {
    operation: &'static str,
    out_order_id: String,
    #[source]
    source: Box<Error>,
}

impl OutcomeUnknownError {
    pub(crate) fn new(operation: &'static str, out_order_id: &str, source: Error) -> Self {
        Self {
            operation,
            out_order_id: out_order_id.to_owned(),
            source: Box::new(source),
        }
    }

    /// The operation (`pay` or `card/payOrder`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The merchant order number to reconcile with.
    pub fn out_order_id(&self) -> &str {
        &self.out_order_id
    }

    /// What happened (a transport error or an unreadable reply).
    pub fn cause(&self) -> &Error {
        &self.source
    }
}

/// What kind of unreadable reply this is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The HTTP status was not 2xx and the body was not a dcapi envelope.
    HttpStatus,
    /// The body is not JSON (an HTML error page, a truncated body, an empty body).
    NotJson {
        /// The parser's complaint (line and column, never the body text).
        reason: String,
    },
    /// The JSON is valid but a field is missing or has the wrong type.
    Field {
        /// Path of the field, for example `result[0].money`.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A reply that could not be read. `Debug` and `Display` never show the body (it may carry card
/// secrets); [`DecodeError::raw_body`] gives it to code that needs it.
#[derive(Clone, thiserror::Error)]
#[error("{operation}: unreadable reply (HTTP {status}): {}", describe(.kind))]
pub struct DecodeError {
    operation: &'static str,
    status: u16,
    kind: DecodeErrorKind,
    body: Bytes,
}

fn describe(kind: &DecodeErrorKind) -> String {
    match kind {
        DecodeErrorKind::HttpStatus => "unexpected HTTP status".to_owned(),
        DecodeErrorKind::NotJson { reason } => format!("not a JSON envelope ({reason})"),
        DecodeErrorKind::Field { path, problem } => format!("field `{path}`: {problem}"),
    }
}

impl DecodeError {
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        kind: DecodeErrorKind,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            status,
            kind,
            body,
        }
    }

    /// The operation whose reply this was.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What is wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The reply body as received (may contain card secrets: do not log it).
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// Whether an idempotent read may be tried again: HTTP 5xx or 429, or a body that is not
    /// JSON at all (an HTML page, a body cut short), which a proxy or a broken connection
    /// produces. A readable envelope with a bad field is not retried.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            DecodeErrorKind::HttpStatus => self.status >= 500 || self.status == 429,
            DecodeErrorKind::NotJson { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("body_len", &self.body.len())
            .finish()
    }
}

payhub_runtime::open_enum! {
    /// The reply `code` of a refusal. dcapi documents only `1` (success) and `0` (failure, read
    /// `msg`).
    pub enum ApiCode (Exact) {
        /// `code: 0`: the request was refused; `msg` says why (bad sign, IP not whitelisted,
        /// insufficient balance, price above `money`, product off sale, no stock, ...).
        Failure = "0",
    }
}

/// The `msg` text of a query for an order the gateway does not have.
const ORDER_NOT_FOUND_MSG: &str = "订单不存在";

/// The `msg` text that marks a refused signature (see [`ApiError::is_signature_rejected`]).
const SIGNATURE_REJECTED_MSG: &str = "签名错误";

/// A refusal from the provider: `code` other than 1, with its `msg`, the raw body and, for an
/// error returned by [`Client::send`](crate::Client::send), what the request signed
/// ([`ApiError::signed`], secret masked). When the provider refused the signature
/// ([`ApiError::is_signature_rejected`]), `Display` ends with `; signed: <summary>`, the redacted
/// summary of what was signed ([`Explanation::redacted`]: field names with value lengths and a
/// SHA-256 prefix, never a value), so the log line alone shows the request's shape without the
/// recharged account or any other personal data. `Debug` carries the same summary.
#[derive(Clone)]
pub struct ApiError {
    operation: &'static str,
    code: ApiCode,
    message: String,
    status: u16,
    body: Bytes,
    /// Boxed: it is rare and large, and `Error` stays small.
    signed: Option<Box<Explanation>>,
}

impl ApiError {
    pub(crate) fn new(
        operation: &'static str,
        code: ApiCode,
        message: String,
        status: u16,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            code,
            message,
            status,
            body,
            signed: None,
        }
    }

    /// Records what the refused request signed (the client does this for every sent request).
    pub(crate) fn with_signed(mut self, signed: Option<&Explanation>) -> Self {
        self.signed = signed.map(|e| Box::new(e.clone()));
        self
    }

    /// The operation that was refused.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The reply code.
    pub fn code(&self) -> &ApiCode {
        &self.code
    }

    /// The provider's `msg`, verbatim (usually Chinese, e.g. `签名错误`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.status
    }

    /// The reply body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// What the refused request signed, secret masked (`...&appsecret=***`): the canonical
    /// string and which fields went in. Set on errors returned by
    /// [`Client::send`](crate::Client::send) (and `reconcile`, `reconcile_card`); `None` on
    /// errors from [`read_reply`](crate::api::read_reply) alone.
    ///
    /// **Holds personal data**: the explanation's `Display` and
    /// [`signed_string`](Explanation::signed_string) print every signed value (the recharged
    /// account, a phone number). Show it on explicit request, not in logs; for logs use
    /// [`Explanation::redacted`], which the error's own `Display` already includes.
    ///
    /// ```no_run
    /// # async fn run(client: jiuyi_dc::Client) {
    /// use jiuyi_dc::api::QueryCashRequest;
    /// if let Err(jiuyi_dc::Error::Api(e)) = client.send(&QueryCashRequest::new()).await {
    ///     if e.is_signature_rejected() {
    ///         eprintln!("dcapi refused the signature; we signed:\n{}", e.signed().unwrap());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn signed(&self) -> Option<&Explanation> {
        self.signed.as_deref()
    }

    /// Whether the provider refused the request's signature: its `msg` contains `签名错误`
    /// ("signature wrong").
    ///
    /// dcapi has no error codes for this (every refusal is `code: 0`), so this matches the
    /// message text. The provider's docs publish no list of messages: `签名错误` is the text this
    /// crate's fixtures and the payhub sandbox use, not one confirmed in the public docs. The
    /// usual causes are a wrong appsecret, a field missing from or added to the signed set, or a
    /// value encoded differently; compare [`ApiError::signed`] with the provider's expectation.
    pub fn is_signature_rejected(&self) -> bool {
        self.message.contains(SIGNATURE_REJECTED_MSG)
    }

    /// Whether the provider has no such order: its `msg` contains `订单不存在` ("order does not
    /// exist"), the text the order queries answer with (like `签名错误`, not a documented code).
    pub fn is_order_not_found(&self) -> bool {
        self.message.contains(ORDER_NOT_FOUND_MSG)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: provider refused (code {}): {}",
            self.operation,
            self.code.as_str(),
            self.message
        )?;
        match &self.signed {
            Some(signed) if self.is_signature_rejected() => {
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
            .field("code", &self.code)
            .field("message", &self.message)
            .field("status", &self.status)
            .field("body_len", &self.body.len());
        // Only when set, so snapshots of parsed replies keep their shape. Redacted: no values.
        if let Some(signed) = &self.signed {
            d.field("signed", &signed.redacted());
        }
        d.finish()
    }
}

/// Why a notify was rejected. Each case is distinct so a webhook can log and alert precisely.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body is larger than the verifier's cap.
    #[error("notify body has {actual} bytes, more than the {limit}-byte cap")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The size received.
        actual: usize,
    },
    /// The body is not UTF-8.
    #[error("notify body is not UTF-8")]
    NotUtf8,
    /// The content type is neither form-urlencoded nor JSON.
    #[error("notify content type `{0}` is not application/x-www-form-urlencoded or JSON")]
    WrongContentType(String),
    /// The `sign` field is absent or empty.
    #[error("notify has no `sign` field")]
    MissingSignature,
    /// The `sign` field is not 32 hex characters.
    #[error("notify `sign` is not a 32-character hex MD5")]
    MalformedSignature,
    /// The signature does not match the fields (forged, altered, or signed with another secret).
    #[error("notify signature does not match")]
    BadSignature,
    /// The notify names another merchant (`appid` present and different from ours).
    #[error("notify is for appid `{received}`, not this merchant")]
    WrongMerchant {
        /// The appid received.
        received: String,
    },
    /// A field is missing, repeated or not of the documented form (after the signature passed).
    #[error("notify field `{field}`: {problem}")]
    MalformedField {
        /// The field name.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

/// A query's result as a [`Reconciliation`]: an [`ApiError::is_order_not_found`] refusal is
/// `NotFound`; every other error stays an error (a refused signature is not "not found").
pub(crate) fn reconciled<T>(result: Result<T>) -> Result<Reconciliation<T>> {
    match result {
        Ok(found) => Ok(Reconciliation::Found(found)),
        Err(Error::Api(e)) if e.is_order_not_found() => Ok(Reconciliation::NotFound),
        Err(e) => Err(e),
    }
}

/// A shared client setting out of range: [`Error::Config`] naming it (the HTTP client that could
/// not be built: [`Error::Transport`]).
impl From<OptionsError> for Error {
    fn from(e: OptionsError) -> Self {
        match e {
            OptionsError::Invalid { field, problem } => Self::config(field, problem),
            OptionsError::Transport(t) => Self::Transport(t),
            other => Self::config("options", other.to_string()),
        }
    }
}

impl From<NotifyError> for Error {
    fn from(e: NotifyError) -> Self {
        Self::Notify(e)
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Self::Validation(e)
    }
}
