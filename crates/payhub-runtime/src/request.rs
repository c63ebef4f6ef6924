//! [`PreparedRequest`]: a signed request as pure data, built without I/O and sent by a client.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use sign_core::Explanation;

/// The HTTP methods the providers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// Whether a request may be resent when its outcome is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Reads (queries, balance, lists): retried on network errors and 5xx.
    Safe,
    /// Creates and other writes: never resent blindly; an unknown outcome is reported so the
    /// caller can reconcile by querying.
    Unsafe,
}

/// A request ready to send: the exact bytes and headers that go on the wire.
#[derive(Clone)]
pub struct PreparedRequest {
    operation: &'static str,
    method: Method,
    path_and_query: Cow<'static, str>,
    /// `(name, value, sensitive)`; names are almost always the provider's constants.
    headers: Vec<(Cow<'static, str>, String, bool)>,
    content_type: Option<&'static str>,
    /// Shared, so a send (and every retry) hands the transport a reference-counted clone.
    body: Bytes,
    idempotency: Idempotency,
    explanation: Explain,
}

/// What was signed: nothing, an explanation built while signing, or the body itself plus a
/// masked secret suffix, turned into an [`Explanation`] only when someone asks (most requests
/// succeed and never need it, so the body is not copied on every call).
///
/// The explanation is boxed: inline it would more than double the size of every
/// [`PreparedRequest`] (an `Explanation` is six vectors and strings), and a request is moved
/// by value while it is built and held across the awaits of every call, for an explanation
/// that is almost never read.
#[derive(Clone)]
enum Explain {
    None,
    Ready(Box<Explanation>),
    Body {
        masked_suffix: Cow<'static, str>,
        built: OnceLock<Box<Explanation>>,
    },
}

impl PreparedRequest {
    /// A request with no headers and an empty body, treated as [`Idempotency::Safe`].
    pub fn new(
        operation: &'static str,
        method: Method,
        path_and_query: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            operation,
            method,
            path_and_query: path_and_query.into(),
            headers: Vec::new(),
            content_type: None,
            body: Bytes::new(),
            idempotency: Idempotency::Safe,
            explanation: Explain::None,
        }
    }

    /// Adds a header that may be logged.
    #[must_use]
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into(), false));
        self
    }

    /// Adds a header whose value is masked in `Debug` and logs (signatures, tokens).
    #[must_use]
    pub fn sensitive_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.headers.push((name.into(), value.into(), true));
        self
    }

    /// Sets the body and its content type. A `Vec<u8>` or `String` is taken over without a
    /// copy; sending (and resending) the request shares these bytes.
    #[must_use]
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.content_type = Some(content_type);
        self.body = body.into();
        self
    }

    /// Marks the request as a write that must not be resent blindly.
    #[must_use]
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Attaches what was signed (secret masked), for error reports and `--explain`.
    #[must_use]
    pub fn explanation(mut self, explanation: Explanation) -> Self {
        self.explanation = Explain::Ready(Box::new(explanation));
        self
    }

    /// Says the signed message is the body itself followed by the secret, shown as
    /// `masked_suffix` (e.g. `***`). The [`Explanation`] is built from the body the first time
    /// [`PreparedRequest::signed`] is called, so a request that nobody explains costs no copy.
    /// Set the body first or later: the explanation always reads the final body.
    ///
    /// ```
    /// use payhub_runtime::{Method, PreparedRequest};
    /// let p = PreparedRequest::new("balance", Method::Post, "/api/getBalance")
    ///     .body("application/json", br#"{"nonceStr":"1"}"#.to_vec())
    ///     .explain_body("***");
    /// assert_eq!(p.signed().map(|e| e.signed_string()).as_deref(), Some(r#"{"nonceStr":"1"}***"#));
    /// ```
    #[must_use]
    pub fn explain_body(mut self, masked_suffix: impl Into<Cow<'static, str>>) -> Self {
        self.explanation = Explain::Body {
            masked_suffix: masked_suffix.into(),
            built: OnceLock::new(),
        };
        self
    }

    /// The operation name (for logs), e.g. `payDesk`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Path and query, without scheme and host.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// Headers in order as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v, _)| (n.as_ref(), v.as_str()))
    }

    /// Headers in order as `(name, value, sensitive)`: the transport marks a sensitive value
    /// as such on the wire request, so HTTP-level `Debug` output masks it too.
    pub(crate) fn headers_marked(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.headers
            .iter()
            .map(|(n, v, sensitive)| (n.as_ref(), v.as_str(), *sensitive))
    }

    /// The value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v.as_str())
    }

    /// The content type, if there is a body.
    pub fn content_type(&self) -> Option<&'static str> {
        self.content_type
    }

    /// The exact body bytes.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as shared bytes: cloning it is a reference-count increment, not a copy.
    pub(crate) fn body_shared(&self) -> &Bytes {
        &self.body
    }

    /// Whether the request may be resent.
    pub fn idempotency_kind(&self) -> Idempotency {
        self.idempotency
    }

    /// What was signed, with the secret masked.
    pub fn signed(&self) -> Option<&Explanation> {
        match &self.explanation {
            Explain::None => None,
            Explain::Ready(e) => Some(e),
            Explain::Body {
                masked_suffix,
                built,
            } => Some(
                built.get_or_init(|| Box::new(Explanation::for_message(&self.body, masked_suffix))),
            ),
        }
    }

    /// A stable, human-readable rendering of the whole wire request (for snapshots and
    /// `payhub sign --explain`). Shows signatures, never secrets.
    pub fn render(&self) -> String {
        let mut out = format!("{} {}\n", self.method.as_str(), self.path_and_query);
        if let Some(ct) = self.content_type {
            out.push_str(&format!("content-type: {ct}\n"));
        }
        for (n, v, _) in &self.headers {
            out.push_str(&format!("{n}: {v}\n"));
        }
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&self.body));
        out.push('\n');
        if let Some(e) = self.signed() {
            out.push_str(&format!("\nsigned string: {}\n", e.signed_string()));
        }
        out
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v, sensitive)| (n.as_ref(), if *sensitive { "***" } else { v.as_str() }))
            .collect();
        f.debug_struct("PreparedRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path_and_query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("idempotency", &self.idempotency)
            .finish()
    }
}
