//! The one error type of the crate, [`Error`], with a struct of context per variant.
//!
//! No variant ever carries a secret, a private key, a signature or a decrypted card code.

use std::fmt;

use bytes::Bytes;
pub use payhub_runtime::{TransportError, TransportErrorKind};

use sign_core::Explanation;

use crate::types::ReplyStatus;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong talking to the platform.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is wrong (missing setting, bad key, bad URL), or a call reached
    /// no route: HTTP 404 / 405 without the platform's envelope, so nothing was executed
    /// (setting `base_url`, the message names the URL called).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A request broke a rule before anything was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The request could not be exchanged. For an order call this variant only appears when the
    /// request certainly never reached the platform (connection refused); everything else is
    /// [`Error::OutcomeUnknown`].
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An order call may or may not have been accepted. Never resend it: query it with
    /// `Client::reconcile(biz_code)`.
    #[error(transparent)]
    OutcomeUnknown(#[from] OutcomeUnknown),
    /// The reply could not be read.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The platform answered with a non-zero `status`.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A read's reply signature did not verify: present and wrong (the default
    /// `ReplySignatureMode::RefuseInvalid`), or absent with `ReplySignatureMode::Strict`. On an order
    /// call the same refusal is [`Error::OutcomeUnknown`] with
    /// [`UnknownReason::ReplySignature`] (the order may exist).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A callback was refused.
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

impl Error {
    /// Whether asking again may help, for a read (queries, balance, product list): a transport
    /// failure worth retrying, an HTTP 5xx or a reply cut short on the way, or statuses 5, 6,
    /// 98, 99. The client already retried such a read within its call deadline; an order is
    /// never resent (see [`Error::is_outcome_unknown`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(t) => t.is_retryable(),
            // A 5xx, or a reply cut short or garbled on the way (truncated JSON, an HTML page
            // from a proxy): a read is safe to ask again.
            Self::Decode(d) => match d.kind() {
                DecodeErrorKind::HttpStatus => d.http_status() >= 500,
                DecodeErrorKind::Empty
                | DecodeErrorKind::Html
                | DecodeErrorKind::NotJson
                | DecodeErrorKind::Truncated => true,
                _ => false,
            },
            Self::Api(a) => a.status().retryable_for_reads(),
            _ => false,
        }
    }

    /// Whether an order may exist although the call did not succeed: query it, do not resend.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Self::OutcomeUnknown(_) => true,
            Self::Signature(e) => e.outcome_unknown(),
            _ => false,
        }
    }

    /// The merchant order number (`bizCode`) the failed call concerned, if any.
    pub fn biz_code(&self) -> Option<&str> {
        match self {
            Self::OutcomeUnknown(e) => e.biz_code(),
            Self::Api(e) => e.biz_code(),
            Self::Signature(e) => e.biz_code(),
            _ => None,
        }
    }

    /// The platform `status` when the platform answered with one.
    pub fn reply_status(&self) -> Option<&ReplyStatus> {
        match self {
            Self::Api(e) => Some(e.status()),
            Self::OutcomeUnknown(e) => match e.reason() {
                UnknownReason::ProviderStatus { status, .. } => Some(status),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A configuration problem, naming the setting (builder method or environment variable).
#[derive(Debug, thiserror::Error)]
#[error("configuration `{setting}`: {problem}")]
pub struct ConfigError {
    setting: &'static str,
    problem: String,
    #[source]
    source: Option<BoxError>,
}

impl ConfigError {
    pub(crate) fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        setting: &'static str,
        problem: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Self {
            setting,
            problem: problem.into(),
            source: Some(source.into()),
        }
    }

    /// The setting at fault, e.g. `private_key` or `VIPCHARGE_BASE_URL`.
    pub fn setting(&self) -> &'static str {
        self.setting
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// A request field that breaks a rule. The value itself is never repeated (it may be personal
/// data such as a phone number).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid request field `{field}`: {rule}")]
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

    /// The wire name of the field, e.g. `bizCode` or `itemList[2].account`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it breaks.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Debug for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        f.debug_struct("OutcomeUnknown")
            .field("operation", &i.operation)
            .field("biz_code", &i.biz_code)
            .field("reason", &i.reason)
            .field("raw_body_len", &i.raw_body.as_ref().map(Bytes::len))
            .field("source", &i.source)
            .finish()
    }
}

/// Why an order's outcome is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownReason {
    /// The platform answered 5, 6, 8, 98 or 99 ("query the order or confirm by hand").
    ProviderStatus {
        /// The status.
        status: ReplyStatus,
        /// The platform's message.
        message: String,
    },
    /// The exchange failed after the request may have been delivered (timeout, reset, ...).
    Transport(TransportErrorKind),
    /// The platform answered with an HTTP error status and no readable envelope.
    HttpStatus(u16),
    /// A reply arrived but could not be read as the envelope.
    UnreadableReply(DecodeErrorKind),
    /// The platform answered `status` 0 (accepted) but its `data` could not be read (for card
    /// purchases: the codes did not decrypt). The order exists; the raw body is kept in
    /// [`OutcomeUnknown::raw_body`].
    AcceptedButUnreadable(DecodeErrorKind),
    /// The reply's signature was refused (present and wrong, or absent in strict mode): the
    /// reply cannot be trusted, and the order may or may not exist.
    ReplySignature(SignatureErrorKind),
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProviderStatus { status, message } => {
                write!(f, "platform status {status}")?;
                if !message.is_empty() && message != status.meaning() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Self::Transport(kind) => write!(f, "transport failure ({kind:?})"),
            Self::HttpStatus(code) => write!(f, "HTTP {code} without a readable reply"),
            Self::UnreadableReply(kind) => write!(f, "unreadable reply ({kind})"),
            Self::AcceptedButUnreadable(kind) => {
                write!(f, "accepted (status 0) but its data is unreadable ({kind})")
            }
            Self::ReplySignature(kind) => write!(f, "reply signature refused ({kind:?})"),
        }
    }
}

/// An order call whose outcome is unknown. It was **not** resent; reconcile with
/// `Client::reconcile(biz_code)` (the order query) before doing anything else.
pub struct OutcomeUnknown(Box<OutcomeInner>);

struct OutcomeInner {
    operation: &'static str,
    biz_code: Option<String>,
    reason: UnknownReason,
    raw_body: Option<Bytes>,
    source: Option<BoxError>,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        write!(f, "{}", i.operation)?;
        if let Some(b) = &i.biz_code {
            write!(f, " (bizCode {b})")?;
        }
        write!(
            f,
            ": outcome unknown, {}; query the order (Client::reconcile), do not resend",
            i.reason
        )
    }
}

impl std::error::Error for OutcomeUnknown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl OutcomeUnknown {
    pub(crate) fn new(
        operation: &'static str,
        biz_code: Option<String>,
        reason: UnknownReason,
        source: Option<BoxError>,
        raw_body: Option<Bytes>,
    ) -> Self {
        Self(Box::new(OutcomeInner {
            operation,
            biz_code,
            reason,
            raw_body,
            source,
        }))
    }

    /// The reply body as received, when a reply arrived.
    pub fn raw_body(&self) -> Option<&[u8]> {
        self.0.raw_body.as_deref()
    }

    /// The operation, e.g. `VIPCharge`.
    pub fn operation(&self) -> &'static str {
        self.0.operation
    }

    /// The merchant order number to reconcile, when the request carried one.
    pub fn biz_code(&self) -> Option<&str> {
        self.0.biz_code.as_deref()
    }

    /// Why the outcome is unknown.
    pub fn reason(&self) -> &UnknownReason {
        &self.0.reason
    }
}

/// What kind of reply could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is empty.
    Empty,
    /// The body is an HTML page (a proxy, a gateway error, a wrong base URL).
    Html,
    /// The body is not JSON at all.
    NotJson,
    /// The JSON ends early (a truncated body).
    Truncated,
    /// The JSON is not the `{status, message, data}` envelope.
    NotEnvelope,
    /// The platform answered with an HTTP error status.
    HttpStatus,
    /// A field is missing.
    MissingField,
    /// A field has the wrong type or an unreadable value.
    InvalidField,
    /// An encrypted card code did not decrypt with the merchant private key.
    CardDecryption,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty body",
            Self::Html => "HTML page instead of JSON",
            Self::NotJson => "not JSON",
            Self::Truncated => "truncated JSON",
            Self::NotEnvelope => "not the status/message/data envelope",
            Self::HttpStatus => "HTTP error status",
            Self::MissingField => "missing field",
            Self::InvalidField => "invalid field",
            Self::CardDecryption => "card code does not decrypt",
        })
    }
}

/// A reply that could not be read. The raw body is kept: after a successful card purchase whose
/// codes do not decrypt (wrong key configured), it still holds the encrypted codes.
#[derive(Clone, thiserror::Error)]
#[error("{operation}: cannot read the reply (HTTP {http_status}): {kind}{}: {detail}",
    field.as_deref().map(|f| format!(" at `{f}`")).unwrap_or_default())]
pub struct DecodeError {
    operation: &'static str,
    http_status: u16,
    kind: DecodeErrorKind,
    field: Option<String>,
    detail: String,
    raw_body: Bytes,
}

impl DecodeError {
    pub(crate) fn new(kind: DecodeErrorKind, detail: impl Into<String>) -> Self {
        Self {
            operation: "",
            http_status: 0,
            kind,
            field: None,
            detail: detail.into(),
            raw_body: Bytes::new(),
        }
    }

    pub(crate) fn field(
        kind: DecodeErrorKind,
        field: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(kind, detail)
        }
    }

    pub(crate) fn in_reply(
        mut self,
        operation: &'static str,
        http_status: u16,
        raw: Bytes,
    ) -> Self {
        self.operation = operation;
        self.http_status = http_status;
        self.raw_body = raw;
        self
    }

    /// Prefixes the field path (`data.` + field).
    pub(crate) fn under(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(f) if f.starts_with('[') => format!("{prefix}{f}"),
            Some(f) if !f.is_empty() => format!("{prefix}.{f}"),
            _ => prefix.to_owned(),
        });
        self
    }

    /// The operation whose reply failed.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// What went wrong.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The field at fault (`data.settlementPrice`), when one is.
    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// A short description.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The reply body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw_body
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("http_status", &self.http_status)
            .field("kind", &self.kind)
            .field("field", &self.field)
            .field("detail", &self.detail)
            .field("raw_body_len", &self.raw_body.len())
            .finish()
    }
}

/// The platform answered with a `status` other than 0 (and, on an order call, not one of the
/// "outcome unknown" codes).
///
/// Keeps the typed `status`, the `message`, the HTTP status, the request's `bizCode`, the raw body
/// and, for an error returned by [`Client::send`](crate::Client::send), what the request signed
/// ([`ApiError::signed`]). When the platform rejects the signature (status 2, 验签失败),
/// `Display` ends with a redacted summary of what was signed ([`Explanation::redacted`]: the
/// parts `headers` and `body` with the body's field names and value lengths, and a SHA-256
/// prefix; never a value), so the log line alone shows the request's shape without the
/// recharged account or any other personal data. `Debug` carries the same summary.
#[derive(Clone)]
pub struct ApiError(Box<ApiInner>);

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        write!(f, "{}: platform status {}", i.operation, i.status)?;
        if !i.message.is_empty() && i.message != i.status.meaning() {
            write!(f, ": {}", i.message)?;
        }
        match &i.signed {
            Some(signed) if i.status.is_signature_rejected() => {
                write!(f, "; signed: {}", signed.redacted())
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

#[derive(Clone)]
struct ApiInner {
    operation: &'static str,
    status: ReplyStatus,
    message: String,
    http_status: u16,
    biz_code: Option<String>,
    raw_body: Bytes,
    signed: Option<Explanation>,
}

impl ApiError {
    pub(crate) fn new(
        operation: &'static str,
        status: ReplyStatus,
        message: String,
        http_status: u16,
        biz_code: Option<String>,
        raw_body: Bytes,
    ) -> Self {
        Self(Box::new(ApiInner {
            operation,
            status,
            message,
            http_status,
            biz_code,
            raw_body,
            signed: None,
        }))
    }

    /// Records what the refused request signed (the client does this for every sent request).
    pub(crate) fn with_signed(mut self, signed: Option<&Explanation>) -> Self {
        self.0.signed = signed.cloned();
        self
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        self.0.operation
    }

    /// The platform's `status` code, typed (the accessor every payhub crate names `code`).
    pub fn code(&self) -> &ReplyStatus {
        &self.0.status
    }

    /// The typed `status` (the same as [`ApiError::code`]).
    pub fn status(&self) -> &ReplyStatus {
        &self.0.status
    }

    /// The platform's `message`.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.0.http_status
    }

    /// The merchant order number of the request, if it had one.
    pub fn biz_code(&self) -> Option<&str> {
        self.0.biz_code.as_deref()
    }

    /// The reply body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.0.raw_body
    }

    /// What the refused request signed, secret masked: the sorted auth headers followed by the
    /// body bytes, then `***` for an MD5 merchant's secret (nothing for `SHA256-RSA`, whose key
    /// is not part of the string). Set on errors returned by
    /// [`Client::send`](crate::Client::send); `None` on errors from
    /// [`Client::read_reply`](crate::Client::read_reply).
    ///
    /// **Holds personal data**: the explanation's `Display` and
    /// [`signed_string`](Explanation::signed_string) print the whole signed body (the recharged
    /// account, a phone number). Show it on explicit request, not in logs; for logs use
    /// [`Explanation::redacted`], which the error's own `Display` already includes.
    ///
    /// ```no_run
    /// # async fn run(client: vipcharge::Client) {
    /// use vipcharge::api::BalanceRequest;
    /// if let Err(vipcharge::Error::Api(e)) = client.send(&BalanceRequest::new()).await {
    ///     if e.is_signature_rejected() {
    ///         eprintln!("the platform refused our signature; we signed:\n{}", e.signed().unwrap());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn signed(&self) -> Option<&Explanation> {
        self.0.signed.as_ref()
    }

    /// Whether the platform refused the request's signature (status 2, 验签失败). The usual
    /// causes are a wrong key or secret, a `signType` that does not match the merchant's
    /// configuration, or a body changed after signing; compare [`ApiError::signed`] with what the
    /// platform expects.
    pub fn is_signature_rejected(&self) -> bool {
        self.0.status.is_signature_rejected()
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let mut d = f.debug_struct("ApiError");
        d.field("operation", &i.operation)
            .field("status", &i.status)
            .field("message", &i.message)
            .field("http_status", &i.http_status)
            .field("biz_code", &i.biz_code)
            .field("raw_body", &String::from_utf8_lossy(&i.raw_body));
        // Only when set, so snapshots of parsed replies keep their shape. Redacted: no values.
        if let Some(signed) = &i.signed {
            d.field("signed", &signed.redacted());
        }
        d.finish()
    }
}

/// Why a reply signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureErrorKind {
    /// The reply carries no `sign` header (only `ReplySignatureMode::Strict` requires one).
    Missing,
    /// The `sign` header is not valid hex/base64.
    Malformed,
    /// The signature does not match the reply.
    Mismatch,
    /// The reply names a `signType` other than the one configured for verification.
    SignTypeMismatch,
}

/// A reply whose signature did not verify. On an order call the order may exist: reconcile.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{operation}: reply signature refused ({kind:?}){}", if *outcome_unknown {
    "; the order may exist: query it (Client::reconcile)"
} else { "" })]
pub struct SignatureError {
    operation: &'static str,
    kind: SignatureErrorKind,
    biz_code: Option<String>,
    outcome_unknown: bool,
}

impl SignatureError {
    pub(crate) fn new(
        operation: &'static str,
        kind: SignatureErrorKind,
        biz_code: Option<String>,
        outcome_unknown: bool,
    ) -> Self {
        Self {
            operation,
            kind,
            biz_code,
            outcome_unknown,
        }
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Why it was refused.
    pub fn kind(&self) -> SignatureErrorKind {
        self.kind
    }

    /// The merchant order number of the request, if it had one.
    pub fn biz_code(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    /// Whether the call was an order whose outcome is therefore unknown. A
    /// [`Client::send`](crate::Client::send) of an order reports a refused reply signature as
    /// [`Error::OutcomeUnknown`] (with this error as its source) instead.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome_unknown
    }
}

/// Why a callback was refused. Answer [`Ack::retry`](crate::notify::Ack::retry) (or an HTTP error) for all of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body is larger than the configured cap.
    #[error("callback body of {actual} bytes exceeds the {limit}-byte cap")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The size received.
        actual: usize,
    },
    /// The `Content-Type` is present and is not JSON.
    #[error("callback content type `{received}` is not application/json")]
    ContentType {
        /// The content type received.
        received: String,
    },
    /// The `sign` header is absent or empty.
    #[error("callback has no `sign` header")]
    MissingSignature,
    /// Another required header is absent or empty.
    #[error("callback has no `{name}` header")]
    MissingHeader {
        /// The header name.
        name: &'static str,
    },
    /// A header is not visible ASCII text.
    #[error("callback header `{name}` is not valid text")]
    MalformedHeader {
        /// The header name.
        name: &'static str,
    },
    /// The `businessId` header names another business.
    #[error("callback is for business `{received}`, not `{expected}`")]
    WrongMerchant {
        /// The configured business ID.
        expected: String,
        /// The one received.
        received: String,
    },
    /// The `signType` header names another algorithm than the one configured.
    #[error("callback signType `{received}` does not match the configured {expected}")]
    SignTypeMismatch {
        /// The configured type.
        expected: &'static str,
        /// The one received.
        received: String,
    },
    /// The `sign` header is not valid hex/base64.
    #[error("callback `sign` header is not valid {encoding}")]
    MalformedSignature {
        /// The expected encoding.
        encoding: &'static str,
    },
    /// The signature does not match the body and headers.
    #[error("callback signature does not match")]
    BadSignature,
    /// The signed `timestamp` is older than the freshness window allows: a replay of an old
    /// callback. Drop it (or answer [`Ack::retry`](crate::notify::Ack::retry)); query the order if in doubt.
    #[error(
        "callback timestamp is {age_secs} s old, over the {max_age_secs} s maximum age (a replay?)"
    )]
    Stale {
        /// How old the timestamp is, in seconds.
        age_secs: u64,
        /// The configured maximum age, in seconds.
        max_age_secs: u64,
    },
    /// The signed `timestamp` is further ahead of the verifier's clock than the allowed skew
    /// (check the server clock).
    #[error(
        "callback timestamp is {ahead_secs} s in the future, over the {max_future_skew_secs} s allowed clock skew"
    )]
    FromTheFuture {
        /// How far ahead the timestamp is, in seconds.
        ahead_secs: u64,
        /// The configured skew, in seconds.
        max_future_skew_secs: u64,
    },
    /// The signed `timestamp` is not a Unix time in milliseconds (13 digits) or seconds (10
    /// digits), so its freshness cannot be checked.
    #[error("callback `timestamp` header is not a Unix time in milliseconds or seconds")]
    BadTimestamp,
    /// The (verified) body is not UTF-8.
    #[error("callback body is not UTF-8")]
    NotUtf8,
    /// The (verified) body is not the expected JSON, or a field is unreadable.
    #[error("callback field `{field}`: {reason}")]
    Malformed {
        /// The field (or `body`).
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl NotifyError {
    pub(crate) fn malformed(e: &DecodeError) -> Self {
        Self::Malformed {
            field: e.field_name().unwrap_or("body").to_owned(),
            reason: e.detail().to_owned(),
        }
    }
}
