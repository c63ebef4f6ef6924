//! [`Transport`]: sends a [`PreparedRequest`] with reqwest, the same way for every provider.
//!
//! Policy, in one place: total and connect timeouts by default; redirects are never followed (a
//! signed POST that is redirected would be resent somewhere unsigned or turned into a GET); the
//! response body is read with a size cap so a hostile or broken peer cannot exhaust memory; the
//! body is sent exactly as prepared, never re-serialized.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use url::Url;

use crate::{Method, PreparedRequest, TransportError, TransportErrorKind};

/// Transport settings; every provider crate's builder forwards its options here.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Time allowed to establish a connection (default 10 s). Ignored for an injected client,
    /// whose own connect timeout applies.
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange, body included (default 30 s).
    pub timeout: Duration,
    /// Largest response body accepted (default 4 MiB).
    pub max_body_bytes: usize,
    /// A reqwest client to reuse (connection pools, proxies). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: redirects of signed requests are refused.
    pub http_client: Option<reqwest::Client>,
}

impl TransportConfig {
    /// Defaults: 10 s connect, 30 s total, 4 MiB bodies, a client of our own.
    pub fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 4 * 1024 * 1024,
            http_client: None,
        }
    }
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// A response as received: status, headers and the (capped) raw body bytes.
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body, exactly as received (signatures are verified over these bytes).
    pub body: Bytes,
    /// Time from send to the end of the body.
    pub elapsed: Duration,
}

impl RawResponse {
    /// A header value as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends prepared requests to one provider base URL. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport {
    client: reqwest::Client,
    base: String,
    timeout: Duration,
    max_body: usize,
}

impl Transport {
    /// A transport for `base` (already checked by [`crate::parse_base_url`]).
    ///
    /// # Errors
    /// [`TransportError`] of kind `Request` if reqwest cannot build its client (TLS setup).
    pub fn new(base: &Url, config: TransportConfig) -> Result<Self, TransportError> {
        let client = match config.http_client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    TransportError::new(TransportErrorKind::Request, "client", "", Some(e))
                })?,
        };
        Ok(Self {
            client,
            base: base.as_str().trim_end_matches('/').to_owned(),
            timeout: config.timeout,
            max_body: config.max_body_bytes,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends the request once and reads the body up to the cap. HTTP error statuses are returned
    /// as responses (the provider crate interprets them); 3xx is an error.
    ///
    /// # Errors
    /// [`TransportError`]; see [`TransportError::outcome_unknown`] before deciding to resend.
    pub async fn send(&self, req: &PreparedRequest) -> Result<RawResponse, TransportError> {
        let op = req.operation();
        let path = req.path_and_query();
        let url = format!("{}{}", self.base, path);
        let method = match req.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, &url).timeout(self.timeout);
        if let Some(ct) = req.content_type() {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        for (name, value) in req.headers() {
            builder = builder.header(name, value);
        }
        if !req.body_bytes().is_empty() || req.method() == Method::Post {
            builder = builder.body(req.body_bytes().to_vec());
        }
        let started = Instant::now();
        let mut resp = builder.send().await.map_err(|e| classify(e, op, path))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(TransportError::new(
                TransportErrorKind::Redirect,
                op,
                path,
                None,
            ));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body as u64)
        {
            return Err(TransportError::too_large(op, path, self.max_body));
        }
        let headers = std::mem::take(resp.headers_mut());
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, op, path))? {
            if body.len() + chunk.len() > self.max_body {
                return Err(TransportError::too_large(op, path, self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        let elapsed = started.elapsed();
        tracing::debug!(
            operation = op,
            path,
            status,
            body_len = body.len(),
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "provider replied"
        );
        Ok(RawResponse {
            status,
            headers,
            body: body.freeze(),
            elapsed,
        })
    }
}

fn classify(e: reqwest::Error, op: &'static str, path: &str) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_builder() {
        TransportErrorKind::Request
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, op, path, Some(e))
}
