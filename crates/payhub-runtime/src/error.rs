//! [`TransportError`]: what went wrong below the provider's protocol, and whether the provider
//! may have acted on the request anyway.

/// The kind of transport failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made: the request was not delivered.
    Connect,
    /// No complete response within the timeout.
    Timeout,
    /// The connection failed while sending or receiving (reset, closed mid-body).
    Io,
    /// The response body exceeded the size cap.
    BodyTooLarge,
    /// The provider answered with a redirect, which is never followed for signed requests.
    Redirect,
    /// The request could not be built (bad header value, bad URL).
    Request,
}

/// A transport failure with the operation and path it concerns. Never carries secrets.
#[derive(Debug, thiserror::Error)]
#[error("{operation} {path}: {}", describe(*.kind, *.limit))]
pub struct TransportError {
    kind: TransportErrorKind,
    operation: &'static str,
    path: String,
    limit: usize,
    #[source]
    source: Option<reqwest::Error>,
}

fn describe(kind: TransportErrorKind, limit: usize) -> String {
    match kind {
        TransportErrorKind::Connect => "could not connect (the request was not sent)".to_owned(),
        TransportErrorKind::Timeout => "timed out waiting for the provider".to_owned(),
        TransportErrorKind::Io => "connection failed mid-exchange".to_owned(),
        TransportErrorKind::BodyTooLarge => format!("response body exceeds {limit} bytes"),
        TransportErrorKind::Redirect => {
            "provider answered with a redirect (not followed for signed requests)".to_owned()
        }
        TransportErrorKind::Request => "request could not be built".to_owned(),
    }
}

impl TransportError {
    pub(crate) fn new(
        kind: TransportErrorKind,
        operation: &'static str,
        path: &str,
        source: Option<reqwest::Error>,
    ) -> Self {
        Self {
            kind,
            operation,
            path: path.to_owned(),
            limit: 0,
            source: source.map(reqwest::Error::without_url),
        }
    }

    pub(crate) fn too_large(operation: &'static str, path: &str, limit: usize) -> Self {
        Self {
            kind: TransportErrorKind::BodyTooLarge,
            operation,
            path: path.to_owned(),
            limit,
            source: None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The request path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether it timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// Whether the provider may have received and acted on the request. `false` only when we know
    /// the request never left (connection refused, request not built).
    pub fn outcome_unknown(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Request
        )
    }

    /// Whether an idempotent request should be tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io
        )
    }
}
