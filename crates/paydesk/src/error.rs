//! The one error type of this crate, [`Error`], and the context structs its variants carry.
//!
//! Every variant says what to do next: fix the configuration ([`Error::Config`]), fix the request
//! ([`Error::Validation`]), retry a read ([`Error::is_retryable`]), reconcile a create whose
//! outcome is unknown ([`Error::OutcomeUnknown`]), or handle the provider's refusal
//! ([`Error::Api`]). No variant ever prints the apiKey or a signature.

use std::fmt;

use bytes::Bytes;
pub use payhub_runtime::{TransportError, TransportErrorKind};

use crate::types::OrderKind;

mod api;
mod notify;

pub use api::{ApiError, ApiErrorCode};
pub use notify::NotifyError;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to Cashy or reading its notifies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be configured (missing base URL, empty apiKey, bad env variable),
    /// or a call reached no route: HTTP 404 / 405 without Cashy's envelope, so nothing was
    /// executed (setting `base_url`, the message names the URL called).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A request broke a documented rule; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The exchange failed below the protocol. A read is retried before this is returned; for a
    /// create, this variant means the request was certainly not delivered (otherwise the error is
    /// [`Error::OutcomeUnknown`]).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A create may or may not have been processed. Never resend it blindly: call
    /// [`Client::reconcile`](crate::Client::reconcile) first.
    #[error(transparent)]
    OutcomeUnknown(#[from] OutcomeUnknown),
    /// The reply could not be read (not JSON, truncated, a field of the wrong shape).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Cashy answered with an error code (anything but `code` 200 with `msg` `SUCCESS`).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Signing failed in the signing backend. Cashy does not sign its replies, so this variant
    /// never reports a reply check.
    #[error("signing failed: {0}")]
    Signature(#[source] sign_core::Error),
    /// A notify was refused (missing or bad signature, wrong merchant, malformed body...).
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

impl Error {
    /// Whether an idempotent call (query, balance, bank list) may succeed if tried again:
    /// network failures, HTTP 5xx, the provider's `System_busy` / `System_Maintenance`, and a
    /// reply that is not a readable envelope at all (empty, HTML, truncated: what a proxy or a
    /// connection cut short produces). A readable envelope with one bad field is not retried.
    ///
    /// ```
    /// use paydesk::error::{ConfigError, Error};
    /// let e = Error::from(ConfigError::new("base_url", "is required"));
    /// assert!(!e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(e) => e.is_retryable(),
            Self::Api(e) => e.is_retryable(),
            Self::Decode(e) => {
                e.http_status().is_some_and(|s| s >= 500) || e.field_name().is_none()
            }
            _ => false,
        }
    }

    /// Whether this is [`Error::OutcomeUnknown`]: a create that may have been executed. Call
    /// [`Client::reconcile`](crate::Client::reconcile) before sending it again.
    ///
    /// ```
    /// use paydesk::error::{ConfigError, Error};
    /// assert!(!Error::from(ConfigError::new("base_url", "is required")).is_outcome_unknown());
    /// ```
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown(_))
    }

    /// The provider's error code, when the provider answered with one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Self::Api(e) => Some(e.error_code()),
            _ => None,
        }
    }
}

/// A shared client setting that [`ClientBuilder::build`](crate::ClientBuilder::build) refused:
/// [`Error::Config`] naming the setting (`base_url`, `timeout`, ...), or [`Error::Transport`]
/// when the TLS backend cannot start.
impl From<payhub_runtime::OptionsError> for Error {
    fn from(e: payhub_runtime::OptionsError) -> Self {
        match e {
            payhub_runtime::OptionsError::Invalid { field, problem } => {
                ConfigError::new(field, problem).into()
            }
            payhub_runtime::OptionsError::Transport(t) => Self::Transport(t),
            other => ConfigError::new("options", other.to_string()).into(),
        }
    }
}

/// A configuration problem, naming the setting (or environment variable) and the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration `{setting}`: {reason}")]
pub struct ConfigError {
    setting: &'static str,
    reason: String,
}

impl ConfigError {
    /// A problem with `setting` (a builder setter or an environment variable name).
    pub fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }

    /// The setting or environment variable.
    pub fn setting(&self) -> &'static str {
        self.setting
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// One broken rule: the wire name of the field and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    field: &'static str,
    rule: String,
}

impl Violation {
    pub(crate) fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }

    /// The field as named on the wire, e.g. `amount` or `notifyUrl`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The rule, e.g. `must be at most 32 characters, got 40`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Every rule a request breaks (all of them, not only the first).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {operation} request: {}", join(.violations))]
pub struct ValidationError {
    operation: &'static str,
    violations: Vec<Violation>,
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    pub(crate) fn new(operation: &'static str, violations: Vec<Violation>) -> Self {
        Self {
            operation,
            violations,
        }
    }

    /// The operation, e.g. `payDesk`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The broken rules, in field order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether `field` (wire name) broke a rule.
    pub fn has(&self, field: &str) -> bool {
        self.violations.iter().any(|v| v.field == field)
    }
}

/// A reply (or notify body) that could not be read.
pub struct DecodeError(Box<DecodeInner>);

struct DecodeInner {
    operation: &'static str,
    http_status: Option<u16>,
    field: Option<String>,
    reason: String,
    body: Bytes,
    source: Option<serde_json::Error>,
}

impl DecodeError {
    pub(crate) fn new(field: Option<String>, reason: impl Into<String>) -> Self {
        Self(Box::new(DecodeInner {
            operation: "",
            http_status: None,
            field,
            reason: reason.into(),
            body: Bytes::new(),
            source: None,
        }))
    }

    pub(crate) fn field(field: &str, reason: impl Into<String>) -> Self {
        Self::new(Some(field.to_owned()), reason)
    }

    pub(crate) fn with_source(mut self, source: serde_json::Error) -> Self {
        self.0.source = Some(source);
        self
    }

    pub(crate) fn reworded(mut self, reword: impl FnOnce(&str) -> String) -> Self {
        self.0.reason = reword(&self.0.reason);
        self
    }

    pub(crate) fn in_reply(mut self, operation: &'static str, status: u16, body: &[u8]) -> Self {
        self.0.operation = operation;
        self.0.http_status = Some(status);
        self.0.body = Bytes::copy_from_slice(body);
        self
    }

    pub(crate) fn in_notify(mut self, body: &[u8]) -> Self {
        self.0.operation = "notify";
        self.0.body = Bytes::copy_from_slice(body);
        self
    }

    pub(crate) fn in_field(mut self, parent: &str) -> Self {
        self.0.field = Some(match self.0.field.take() {
            Some(f) if f.starts_with('[') => format!("{parent}{f}"),
            Some(f) => format!("{parent}.{f}"),
            None => parent.to_owned(),
        });
        self
    }

    /// The operation whose reply failed, e.g. `payInQuery` (`notify` for notify bodies).
    pub fn operation(&self) -> &'static str {
        self.0.operation
    }

    /// The HTTP status of the reply, if it was a reply.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }

    /// The field that could not be read (`data.amount`), if the problem is one field.
    pub fn field_name(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// What is wrong.
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The raw body as received.
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        f.write_str(if i.operation.is_empty() {
            "reply"
        } else {
            i.operation
        })?;
        if !i.operation.is_empty() && i.operation != "notify" {
            f.write_str(" reply")?;
        }
        if let Some(s) = i.http_status {
            write!(f, " (HTTP {s})")?;
        }
        f.write_str(": ")?;
        if let Some(field) = &i.field {
            write!(f, "field `{field}` ")?;
        }
        f.write_str(&i.reason)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        f.debug_struct("DecodeError")
            .field("operation", &i.operation)
            .field("http_status", &i.http_status)
            .field("field", &i.field)
            .field("reason", &i.reason)
            .field("body", &BodyText(&i.body))
            .finish()
    }
}

/// Renders a raw body in `Debug` as (lossy, truncated) text rather than a byte list.
pub(crate) struct BodyText<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for BodyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 512;
        let text = String::from_utf8_lossy(&self.0[..self.0.len().min(LIMIT)]);
        if self.0.len() > LIMIT {
            write!(f, "{text:?}... ({} bytes)", self.0.len())
        } else {
            write!(f, "{text:?}")
        }
    }
}

/// A create whose outcome is unknown: the request may have reached Cashy (timeout, reset,
/// unreadable reply, `System_error`). Call [`Client::reconcile`](crate::Client::reconcile) with
/// [`OutcomeUnknown::kind`] and [`OutcomeUnknown::mch_order_no`] before resending; `mchOrderNo`
/// is unique, so a resend of an order that was processed is refused anyway
/// (`Params_mchOrderNo_repeat`).
#[derive(Debug, thiserror::Error)]
#[error("{operation} outcome unknown{}: {cause}; reconcile before resending", order_text(.mch_order_no.as_deref()))]
pub struct OutcomeUnknown {
    operation: &'static str,
    kind: Option<OrderKind>,
    mch_order_no: Option<String>,
    #[source]
    cause: Box<Error>,
}

fn order_text(mch_order_no: Option<&str>) -> String {
    mch_order_no
        .map(|m| format!(" for mchOrderNo `{m}`"))
        .unwrap_or_default()
}

impl OutcomeUnknown {
    pub(crate) fn new(
        operation: &'static str,
        kind: Option<OrderKind>,
        mch_order_no: Option<&str>,
        cause: Error,
    ) -> Self {
        Self {
            operation,
            kind,
            mch_order_no: mch_order_no.map(str::to_owned),
            cause: Box::new(cause),
        }
    }

    /// The create operation, e.g. `payOut`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Which kind of order to reconcile (`None` for a [`RawRequest`](crate::api::RawRequest)).
    pub fn kind(&self) -> Option<OrderKind> {
        self.kind
    }

    /// The merchant order number of the create (`None` for a raw request).
    pub fn mch_order_no(&self) -> Option<&str> {
        self.mch_order_no.as_deref()
    }

    /// What happened (a [`Error::Transport`], [`Error::Decode`] or [`Error::Api`]).
    pub fn cause(&self) -> &Error {
        &self.cause
    }
}
