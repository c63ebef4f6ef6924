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
    source: Option<crate::direct::BoxError>,
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
        source: Option<crate::direct::BoxError>,
    ) -> Self {
        Self {
            kind,
            operation,
            path: path.to_owned(),
            limit: 0,
            source,
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

/// A reply that says the URL called has no route: HTTP 404 or 405 without the provider's own
/// reply envelope (an HTML page, an empty body, someone else's JSON). The request reached a
/// server, but no endpoint of the provider's API: it was **not executed**, so even a create is
/// not "outcome unknown". Almost always a wrong base URL (a missing or misspelt path prefix,
/// such as the sandbox's `/<provider>`). Each provider crate reports it as its configuration
/// error ([`crate::Protocol::no_such_route`]), whose message is this one.
///
/// The URL is the one called, without its query string and without any user or password.
///
/// ```
/// use payhub_runtime::{Method, NoSuchRoute};
/// let e = NoSuchRoute::new("payDesk", Method::Post, "http://127.0.0.1:8080/paydeskk/api/payDesk?x=1", 404);
/// assert_eq!(e.url(), "http://127.0.0.1:8080/paydeskk/api/payDesk");
/// assert!(e.to_string().contains("POST http://127.0.0.1:8080/paydeskk/api/payDesk"));
/// assert!(e.to_string().contains("check base_url"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{operation}: HTTP {status} from {} {url}: no such route at this URL, so the request was not \
     executed; check base_url (it must end where the provider's API paths start; with the payhub \
     sandbox, http://HOST:PORT/<provider>)",
    .method.as_str()
)]
pub struct NoSuchRoute {
    operation: &'static str,
    method: crate::Method,
    url: String,
    status: u16,
}

impl NoSuchRoute {
    /// The answer `status` (404 or 405) to `method url` for `operation`. The query string, a
    /// fragment and any user or password are removed from `url`.
    pub fn new(operation: &'static str, method: crate::Method, url: &str, status: u16) -> Self {
        let url = match url::Url::parse(url) {
            Ok(mut u) => {
                u.set_query(None);
                u.set_fragment(None);
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.to_string()
            }
            Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
        };
        Self {
            operation,
            method,
            url,
            status,
        }
    }

    /// The operation that was called.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method used.
    pub fn method(&self) -> crate::Method {
        self.method
    }

    /// The URL called (scheme, host, port and path).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP status received (404 or 405).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether an HTTP status means "no such route" when the body is not the provider's
    /// envelope: 404 Not Found and 405 Method Not Allowed.
    ///
    /// ```
    /// assert!(payhub_runtime::NoSuchRoute::is_route_status(404));
    /// assert!(!payhub_runtime::NoSuchRoute::is_route_status(400));
    /// ```
    pub fn is_route_status(status: u16) -> bool {
        matches!(status, 404 | 405)
    }
}
