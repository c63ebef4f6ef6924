//! [`Transport`]: sends a [`PreparedRequest`] the same way for every provider.
//!
//! Policy, in one place: total and connect timeouts by default; redirects are never followed (a
//! signed POST that is redirected would be resent somewhere unsigned or turned into a GET); the
//! response body is read with a size cap so a hostile or broken peer cannot exhaust memory; the
//! body is sent exactly as prepared, never re-serialized.
//!
//! Two clients, one behaviour. An injected `reqwest::Client` is used as it is. Our own is hyper's
//! pooled client over rustls, called directly ([`crate::direct`]): the client reqwest itself
//! sends with, configured as reqwest configures it, without the layers reqwest wraps every
//! request in (about a third of a raw reqwest POST's instructions over loopback). Where those
//! layers would do something (a proxy applies to the base URL, or the URL carries credentials),
//! our own client is a reqwest one, as before. The wire is the same either way: same request
//! line, same headers in the same order (reqwest's `Accept: */*` included), same body.
//!
//! The total timeout of an attempt is one `tokio` timer around the whole exchange (request,
//! reply head and body), for every client, not reqwest's: reqwest boxes a timer per request,
//! polls it before the request on every poll and again on every body frame, and an injected
//! client needed it set per request (which allocates the request's extensions map). Ours lives
//! in the attempt's future and is polled only while the exchange waits. The connect timeout is
//! the client's (ours: over the TCP connect and the TLS handshake together, as reqwest's).

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use http_body_util::{BodyExt as _, Full};
use url::Url;

use crate::direct::{BoxError, Direct};
use crate::{Deadline, Method, PreparedRequest, TransportError, TransportErrorKind};

/// Transport settings; every provider crate's builder forwards its options here.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Time allowed to establish a connection (default 10 s). Ignored for an injected client,
    /// whose own connect timeout applies.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, the whole exchange, body included (default 30 s).
    pub timeout: Duration,
    /// Time allowed for one call, every attempt and retry pause included; each attempt's
    /// timeout is capped at the time left (see [`Deadline`]). `None` (the default) means the
    /// same as `timeout`: a call never takes longer than `timeout`, and retries happen only
    /// when a failure comes early enough to leave time for them. Set it above `timeout` to leave
    /// room for a retry after an attempt that timed out.
    pub call_deadline: Option<Duration>,
    /// Largest response body accepted (default 4 MiB).
    pub max_body_bytes: usize,
    /// A reqwest client to use instead of our own (a shared connection pool, an explicit
    /// proxy, custom roots or a client certificate). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: redirects of signed requests are refused.
    /// `timeout` applies to it as to our own; a shorter total timeout of its own applies too.
    /// Without it, our own client is hyper's over rustls, configured as reqwest's default one
    /// and honouring the same proxy variables (see [`Transport::new`]).
    pub http_client: Option<reqwest::Client>,
}

impl TransportConfig {
    /// Defaults: 10 s connect, 30 s per attempt, a call deadline equal to that, 4 MiB bodies, a
    /// client of our own.
    pub fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            call_deadline: None,
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
    client: Client,
    base: String,
    /// The per-attempt timeout (one timer around the whole exchange, [`Transport::send_until`]).
    timeout: Duration,
    call_deadline: Duration,
    max_body: usize,
    urls: Arc<Parsed<Url>>,
    uris: Arc<Parsed<Uri>>,
    names: Arc<Parsed<HeaderName>>,
}

/// The client a transport sends with.
#[derive(Clone, Debug)]
enum Client {
    /// Our own, where it sends what reqwest would ([`Direct::applies`]). Boxed: hyper's client
    /// is several times the size of reqwest's handle.
    Direct(Box<Direct>),
    /// An injected client, or our own where a proxy applies or the URL carries credentials.
    Reqwest(reqwest::Client),
}

/// Values parsed from text already sent, so a call clones the parsed value instead of parsing
/// the same text again: the URLs of the fixed endpoint paths ([`Transport::url`]; paths with a
/// query, which vary per call, are not kept) and the header names (`MerchantId`, `Sign`: a
/// provider's few constants, which `HeaderName` would otherwise lower-case and copy into a new
/// name for every request). Bounded: past [`Parsed::MAX`] entries, text is parsed per call.
struct Parsed<T> {
    entries: RwLock<Vec<(Box<str>, T)>>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
        }
    }
}

impl<T> fmt::Debug for Parsed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.entries.read().map(|e| e.len()).unwrap_or(0);
        f.debug_struct("Parsed").field("cached", &cached).finish()
    }
}

impl<T: Clone> Parsed<T> {
    /// More endpoints or header names than any provider has.
    const MAX: usize = 64;

    /// The value parsed from `text` before, if kept.
    fn get(&self, text: &str) -> Option<T> {
        let entries = self.entries.read().ok()?;
        entries
            .iter()
            .find(|(t, _)| &**t == text)
            .map(|(_, value)| value.clone())
    }

    /// The value parsed from `text`: kept, or made by `parse` (`None` when it fails) and kept
    /// while there is room.
    fn get_or_parse(&self, text: &str, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        if let Some(found) = self.get(text) {
            return Some(found);
        }
        let parsed = parse(text)?;
        if let Ok(mut entries) = self.entries.write()
            && entries.len() < Self::MAX
            && !entries.iter().any(|(t, _)| &**t == text)
        {
            entries.push((text.into(), parsed.clone()));
        }
        Some(parsed)
    }
}

/// A content type (a `&'static str` constant of the provider crate) as a header value that
/// borrows the text instead of copying it; the same value `HeaderValue::try_from` makes, or
/// `None` where that fails.
fn static_value(text: &'static str) -> Option<HeaderValue> {
    // `from_static` accepts exactly these bytes (and would panic on any other).
    if text
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        Some(HeaderValue::from_static(text))
    } else {
        HeaderValue::try_from(text).ok()
    }
}

impl Transport {
    /// A transport for `base` (already checked by [`crate::parse_base_url`]).
    ///
    /// Our own client is hyper's over rustls, called directly, unless a proxy of the
    /// environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, as reqwest reads them)
    /// applies to `base` or `base` carries credentials: then it is a reqwest client, which
    /// handles both. [`TransportConfig::http_client`] is used as it is.
    ///
    /// # Errors
    /// [`TransportError`] of kind `Request` if the client cannot be built (TLS setup).
    pub fn new(base: &Url, config: TransportConfig) -> Result<Self, TransportError> {
        let setup =
            |e: BoxError| TransportError::new(TransportErrorKind::Request, "client", "", Some(e));
        let client = match config.http_client {
            Some(c) => Client::Reqwest(c),
            None if Direct::applies(base, &Direct::system_proxies()) => Client::Direct(Box::new(
                Direct::new(config.connect_timeout).map_err(setup)?,
            )),
            None => Client::Reqwest(
                reqwest::Client::builder()
                    .connect_timeout(config.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| setup(Box::new(e)))?,
            ),
        };
        Ok(Self {
            client,
            base: base.as_str().trim_end_matches('/').to_owned(),
            timeout: config.timeout,
            call_deadline: config.call_deadline.unwrap_or(config.timeout),
            max_body: config.max_body_bytes,
            urls: Arc::default(),
            uris: Arc::default(),
            names: Arc::default(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The budget of one call ([`TransportConfig::call_deadline`], or the timeout).
    pub fn call_deadline(&self) -> Duration {
        self.call_deadline
    }

    /// A [`Deadline`] for a call starting now: [`Transport::call_deadline`] from now.
    pub fn deadline(&self) -> Deadline {
        Deadline::after(self.call_deadline)
    }

    /// Sends the request once and reads the body up to the cap, within the configured timeout.
    /// HTTP error statuses are returned as responses (the provider crate interprets them); 3xx
    /// is an error.
    ///
    /// # Errors
    /// [`TransportError`]; see [`TransportError::outcome_unknown`] before deciding to resend.
    pub async fn send(&self, req: &PreparedRequest) -> Result<RawResponse, TransportError> {
        self.send_until(req, Deadline::none()).await
    }

    /// As [`Transport::send`], with this attempt's timeout capped at the time left before
    /// `deadline`: past it, the attempt fails as a [`TransportErrorKind::Timeout`].
    ///
    /// # Errors
    /// As [`Transport::send`].
    pub async fn send_until(
        &self,
        req: &PreparedRequest,
        deadline: Deadline,
    ) -> Result<RawResponse, TransportError> {
        // The exchange is polled first: the timer is registered only once it waits.
        match tokio::time::timeout(deadline.cap(self.timeout), self.exchange(req)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(TransportError::new(
                TransportErrorKind::Timeout,
                req.operation(),
                req.path_and_query(),
                None,
            )),
        }
    }

    /// One exchange, without a total timeout of its own ([`Transport::send_until`] has it).
    async fn exchange(&self, req: &PreparedRequest) -> Result<RawResponse, TransportError> {
        let started = Instant::now();
        let (status, headers, body) = match &self.client {
            Client::Direct(direct) => self.exchange_direct(direct, req).await?,
            Client::Reqwest(client) => self.exchange_reqwest(client, req).await?,
        };
        let elapsed = started.elapsed();
        tracing::debug!(
            operation = req.operation(),
            path = req.path_and_query(),
            status,
            body_len = body.len(),
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "provider replied"
        );
        Ok(RawResponse {
            status,
            headers,
            body,
            elapsed,
        })
    }

    /// One exchange on our own client.
    async fn exchange_direct(
        &self,
        direct: &Direct,
        req: &PreparedRequest,
    ) -> Result<(u16, HeaderMap, Bytes), TransportError> {
        let (op, path) = (req.operation(), req.path_and_query());
        let unbuilt =
            |e: BoxError| TransportError::new(TransportErrorKind::Request, op, path, Some(e));
        // A request without a body (`has_body`) has empty body bytes: the same empty body.
        let mut request = http::Request::new(Full::new(req.body_shared().clone()));
        *request.method_mut() = method(req);
        *request.uri_mut() = self.uri(path).map_err(unbuilt)?;
        self.fill_headers(request.headers_mut(), req)
            .map_err(unbuilt)?;
        // The one default header reqwest adds (where the request has none), in the place it
        // adds it: after the request's own.
        request
            .headers_mut()
            .entry(http::header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        let mut resp = direct
            .request(request)
            .await
            .map_err(|e| classify_direct(e, op, path))?;
        let status = resp.status();
        refuse_redirect(status.is_redirection(), op, path)?;
        let announced = http_body::Body::size_hint(resp.body()).exact();
        let mut body = Capped::new(self.max_body, announced, op, path)?;
        let headers = std::mem::take(resp.headers_mut());
        while let Some(frame) = resp.body_mut().frame().await {
            let frame = frame.map_err(|e| {
                TransportError::new(TransportErrorKind::Io, op, path, Some(Box::new(e)))
            })?;
            if let Ok(chunk) = frame.into_data() {
                body.push(chunk)?;
            }
        }
        Ok((status.as_u16(), headers, body.finish()))
    }

    /// One exchange on a reqwest client.
    async fn exchange_reqwest(
        &self,
        client: &reqwest::Client,
        req: &PreparedRequest,
    ) -> Result<(u16, HeaderMap, Bytes), TransportError> {
        let (op, path) = (req.operation(), req.path_and_query());
        let method = method(req);
        let requested = self.url(path);
        let direct = requested
            .as_ref()
            .and_then(|url| self.request(req, method.clone(), url));
        let sent = match direct {
            Some(request) => client.execute(request).await,
            None => {
                self.builder(client, req, method, requested.as_ref())
                    .send()
                    .await
            }
        };
        let mut resp = sent.map_err(|e| classify(e, op, path))?;
        let status = resp.status().as_u16();
        // An injected client that follows redirects has already re-sent the request elsewhere;
        // we cannot undo that, but the reply is not the provider's answer to what we signed.
        let followed = requested.as_ref().is_some_and(|u| resp.url() != u);
        refuse_redirect(resp.status().is_redirection() || followed, op, path)?;
        let mut body = Capped::new(self.max_body, resp.content_length(), op, path)?;
        let headers = std::mem::take(resp.headers_mut());
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, op, path))? {
            body.push(chunk)?;
        }
        Ok((status, headers, body.finish()))
    }
}

/// The method of `req` (reqwest's `Method` is `http`'s).
fn method(req: &PreparedRequest) -> http::Method {
    match req.method() {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
    }
}

/// A reply that is a redirect (or that a client followed one to) is not the provider's answer
/// to what we signed: refused, whichever client.
fn refuse_redirect(redirected: bool, op: &'static str, path: &str) -> Result<(), TransportError> {
    if redirected {
        return Err(TransportError::new(
            TransportErrorKind::Redirect,
            op,
            path,
            None,
        ));
    }
    Ok(())
}

/// A reply body read chunk by chunk up to the cap, whichever client reads it. A body that
/// arrives in one chunk (the usual case) is kept as that chunk, uncopied.
struct Capped<'a> {
    single: Option<Bytes>,
    joined: BytesMut,
    total: usize,
    max: usize,
    op: &'static str,
    path: &'a str,
}

impl<'a> Capped<'a> {
    /// An empty body capped at `max`; refused at once when its announced length is over.
    fn new(
        max: usize,
        announced: Option<u64>,
        op: &'static str,
        path: &'a str,
    ) -> Result<Self, TransportError> {
        if announced.is_some_and(|n| n > max as u64) {
            return Err(TransportError::too_large(op, path, max));
        }
        Ok(Self {
            single: None,
            joined: BytesMut::new(),
            total: 0,
            max,
            op,
            path,
        })
    }

    /// Adds `chunk`; the body-too-large error once the body is over the cap.
    fn push(&mut self, chunk: Bytes) -> Result<(), TransportError> {
        self.total += chunk.len();
        if self.total > self.max {
            return Err(TransportError::too_large(self.op, self.path, self.max));
        }
        if let Some(first) = self.single.take() {
            self.joined.extend_from_slice(&first);
            self.joined.extend_from_slice(&chunk);
        } else if self.joined.is_empty() {
            self.single = Some(chunk);
        } else {
            self.joined.extend_from_slice(&chunk);
        }
        Ok(())
    }

    fn finish(self) -> Bytes {
        self.single.unwrap_or_else(|| self.joined.freeze())
    }
}

impl Transport {
    /// The request `RequestBuilder` would build for `req` (same headers in the same order, same
    /// body), made directly: header names come from a [`Parsed`] cache, the content
    /// type is borrowed, and no builder is moved through a chain of calls. `None` when the
    /// builder must do it ([`Transport::builder`]): a header that does not convert (the builder
    /// reports it as the request error it is) or a URL with credentials (which the builder
    /// turns into basic authentication).
    fn request(
        &self,
        req: &PreparedRequest,
        method: reqwest::Method,
        url: &Url,
    ) -> Option<reqwest::Request> {
        if !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        // No per-request timeout: it would allocate the request's extensions map and a boxed
        // timer in reqwest; `send_until` times the exchange.
        let mut request = reqwest::Request::new(method, url.clone());
        self.fill_headers(request.headers_mut(), req).ok()?;
        if Self::has_body(req) {
            *request.body_mut() = Some(req.body_shared().clone().into());
        }
        Some(request)
    }

    /// The content type and the headers of `req`, appended to `headers` in the order reqwest's
    /// builder appends them. Header names come from a [`Parsed`] cache and the content type is
    /// borrowed. `Err` names what does not convert (a header name or the content type, never
    /// a value's text).
    fn fill_headers(&self, headers: &mut HeaderMap, req: &PreparedRequest) -> Result<(), BoxError> {
        if let Some(ct) = req.content_type() {
            let value = static_value(ct).ok_or("the content type is not a valid header value")?;
            headers.append(http::header::CONTENT_TYPE, value);
        }
        for (name, value, sensitive) in req.headers_marked() {
            let Some(parsed) = self
                .names
                .get_or_parse(name, |n| HeaderName::try_from(n).ok())
            else {
                return Err(format!("`{name}` is not a valid header name").into());
            };
            let mut value = HeaderValue::try_from(value)
                .map_err(|_| format!("the value of header `{name}` is not a valid header value"))?;
            // A signature or token stays out of any `Debug` of the request (reqwest's, hyper's,
            // an injected client's middleware).
            value.set_sensitive(sensitive);
            headers.append(parsed, value);
        }
        Ok(())
    }

    /// The request through reqwest's builder, for what [`Transport::request`] leaves to it.
    fn builder(
        &self,
        client: &reqwest::Client,
        req: &PreparedRequest,
        method: reqwest::Method,
        url: Option<&Url>,
    ) -> reqwest::RequestBuilder {
        let mut builder = match url {
            Some(url) => client.request(method, url.clone()),
            // Not a URL: reqwest reports it as the request error it is.
            None => client.request(method, format!("{}{}", self.base, req.path_and_query())),
        };
        if let Some(ct) = req.content_type() {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        for (name, value) in req.headers() {
            builder = builder.header(name, value);
        }
        if Self::has_body(req) {
            builder = builder.body(req.body_shared().clone());
        }
        builder
    }

    /// A body is sent when there is one, and always with a POST (an empty one).
    fn has_body(req: &PreparedRequest) -> bool {
        !req.body_bytes().is_empty() || req.method() == Method::Post
    }

    /// The parsed URL of `base` + `path`, from the cache when the path was sent before.
    fn url(&self, path: &str) -> Option<Url> {
        let parse = |path: &str| Url::parse(&format!("{}{}", self.base, path)).ok();
        if path.contains('?') {
            return parse(path);
        }
        self.urls.get_or_parse(path, parse)
    }

    /// The URI our own client sends to for `path`: `base` + `path` parsed as a URL first, so the
    /// request line is the one reqwest sends (which normalizes through `Url` the same way),
    /// from the cache when the path was sent before.
    fn uri(&self, path: &str) -> Result<Uri, BoxError> {
        let parse = |path: &str| {
            let url = Url::parse(&format!("{}{}", self.base, path)).ok()?;
            Uri::try_from(url.as_str()).ok()
        };
        let parsed = if path.contains('?') {
            parse(path)
        } else {
            self.uris.get_or_parse(path, parse)
        };
        parsed.ok_or_else(|| "not a valid URL".into())
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
    TransportError::new(kind, op, path, Some(Box::new(e.without_url())))
}

/// A failure of our own client, in the kinds reqwest's give: a connection not made in time is a
/// timeout (as reqwest reports it), another connection failure is `Connect`, and anything after
/// the connection was made is `Io`.
fn classify_direct(
    e: hyper_util::client::legacy::Error,
    op: &'static str,
    path: &str,
) -> TransportError {
    let kind = if !e.is_connect() {
        TransportErrorKind::Io
    } else if timed_out(&e) {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Connect
    };
    TransportError::new(kind, op, path, Some(Box::new(e)))
}

/// Whether an I/O error of kind `TimedOut` is among `e`'s sources.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = e.source();
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A server on 127.0.0.1 that runs `connection` on each connection it accepts, in a task of
    /// its own; returns the base URL.
    async fn listen<F>(connection: impl Fn(TcpStream) -> F + Send + 'static) -> Url
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
            panic!("bind");
        };
        let Ok(addr) = listener.local_addr() else {
            panic!("local_addr");
        };
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(connection(sock));
            }
        });
        match crate::parse_base_url(&format!("http://{addr}")) {
            Ok(url) => url,
            Err(e) => panic!("{e}"),
        }
    }

    /// A server that answers every request on a connection with 200 and the body `reply` makes
    /// from the request's head (request line and headers, as received) and body, after
    /// `delay`; returns the base URL.
    async fn serve(delay: Duration, reply: fn(&[u8], &[u8]) -> Vec<u8>) -> Url {
        listen(move |mut sock| async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let Ok(n) = sock.read(&mut chunk).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() < end + 4 + len {
                    continue;
                }
                let body = reply(&buf[..end], &buf[end + 4..end + 4 + len]);
                buf.drain(..end + 4 + len);
                tokio::time::sleep(delay).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                if sock.write_all(head.as_bytes()).await.is_err()
                    || sock.write_all(&body).await.is_err()
                {
                    return;
                }
            }
        })
        .await
    }

    /// [`serve`] answering with the request body.
    async fn echo(delay: Duration) -> Url {
        serve(delay, |_, body| body.to_vec()).await
    }

    /// [`serve`] answering with the request's head.
    async fn echo_head() -> Url {
        serve(Duration::ZERO, |head, _| head.to_vec()).await
    }

    fn post(path: &str, body: &'static [u8]) -> PreparedRequest {
        PreparedRequest::new("test", Method::Post, path.to_owned()).body("application/json", body)
    }

    #[tokio::test]
    async fn the_same_body_is_sent_on_every_send_and_urls_are_cached_per_path() {
        let base = echo(Duration::ZERO).await;
        for (config, injected) in own_and_injected(TransportConfig::new()) {
            let transport = transport(&base, config);
            assert_eq!(matches!(transport.client, Client::Reqwest(_)), injected);
            let req = post("/api/x", br#"{"a":"1"}"#);
            for _ in 0..3 {
                let reply = transport.send(&req).await;
                assert!(
                    matches!(&reply, Ok(r) if r.status == 200 && &r.body[..] == br#"{"a":"1"}"#),
                    "{reply:?}"
                );
            }
            let other = transport.send(&post("/api/y?q=1", b"{}")).await;
            assert!(matches!(&other, Ok(r) if &r.body[..] == b"{}"), "{other:?}");
            // Each client keeps the parsed target it sends to: reqwest a `Url`, ours a `Uri`.
            let (x, y) = if injected {
                let get = |p| transport.urls.get(p).map(String::from);
                (get("/api/x"), get("/api/y?q=1"))
            } else {
                let get = |p| transport.uris.get(p).map(|u| u.to_string());
                (get("/api/x"), get("/api/y?q=1"))
            };
            assert_eq!(x, Some(format!("{base}api/x")));
            assert!(y.is_none(), "queries are not cached");
            assert!(format!("{transport:?}").contains("cached: 1"));
        }
    }

    #[tokio::test]
    async fn our_client_puts_on_the_wire_what_reqwest_puts() {
        let base = serve(Duration::ZERO, |head, body| {
            [head, b"\r\n\r\n", body].concat()
        })
        .await;
        let [(own, _), (injected, _)] = own_and_injected(TransportConfig::new());
        let (own, injected) = (transport(&base, own), transport(&base, injected));
        assert!(matches!(own.client, Client::Direct(_)));
        let requests = [
            post("/api/h", br#"{"a":"1"}"#)
                .header("MerchantId", "1002001")
                .sensitive_header("Sign", "ABC123"),
            PreparedRequest::new(
                "q",
                Method::Get,
                "/api/q?orderNo=A%201&x=%E4%B8%AD".to_owned(),
            )
            .header("Accept", "application/json"),
            PreparedRequest::new("b", Method::Post, "/api/e".to_owned()),
            post("/api/f", b"a=1&b=2")
                .header("X-Multi", "1")
                .header("X-Multi", "2"),
        ];
        for req in &requests {
            let (Ok(ours), Ok(theirs)) = (own.send(req).await, injected.send(req).await) else {
                panic!("{}: a send failed", req.path_and_query());
            };
            assert_eq!(
                String::from_utf8_lossy(&ours.body),
                String::from_utf8_lossy(&theirs.body),
                "{}",
                req.path_and_query()
            );
        }
        // reqwest's own default header, once, after the request's headers.
        let Ok(reply) = own.send(&requests[0]).await else {
            panic!("send");
        };
        let head = String::from_utf8_lossy(&reply.body).to_ascii_lowercase();
        assert_eq!(head.matches("accept: */*").count(), 1, "{head}");
        assert!(
            head.find("sign: abc123") < head.find("accept: */*"),
            "{head}"
        );
    }

    #[tokio::test]
    async fn headers_go_out_in_order_with_names_parsed_once() {
        let base = echo_head().await;
        for (config, _) in own_and_injected(TransportConfig::new()) {
            let transport = transport(&base, config);
            let req = post("/api/h", b"{}")
                .header("MerchantId", "1002001")
                .sensitive_header("Sign", "ABC123");
            for _ in 0..2 {
                let reply = transport.send(&req).await;
                let Ok(reply) = reply else {
                    panic!("{reply:?}");
                };
                let head = String::from_utf8_lossy(&reply.body).to_ascii_lowercase();
                let at = |needle: &str| head.find(needle);
                let (ct, id, sign) = (
                    at("\r\ncontent-type: application/json\r\n"),
                    at("\r\nmerchantid: 1002001\r\n"),
                    at("\r\nsign: abc123\r\n"),
                );
                assert!(
                    matches!((ct, id, sign), (Some(a), Some(b), Some(c)) if a < b && b < c),
                    "{head}"
                );
                assert!(head.starts_with("post /api/h http/1.1\r\n"), "{head}");
            }
            assert!(format!("{:?}", transport.names).contains("cached: 2"));
            // The signature is marked sensitive on the wire request: its `Debug` masks it.
            let mut headers = HeaderMap::new();
            assert!(transport.fill_headers(&mut headers, &req).is_ok());
            let sign = headers.get("sign");
            assert!(sign.is_some_and(HeaderValue::is_sensitive), "{sign:?}");
            assert!(headers.get("merchantid").is_some_and(|v| !v.is_sensitive()));
            assert!(!format!("{headers:?}").contains("ABC123"), "{headers:?}");
            let Some(request) = transport.request(&req, reqwest::Method::POST, &base) else {
                panic!("built directly");
            };
            assert!(!format!("{request:?}").contains("ABC123"), "{request:?}");
            // No per-request timeout: `send_until` times the whole exchange itself.
            assert_eq!(request.timeout(), None);
        }
    }

    #[tokio::test]
    async fn a_header_that_does_not_convert_is_a_request_error() {
        let base = echo_head().await;
        for (config, injected) in own_and_injected(TransportConfig::new()) {
            let transport = transport(&base, config);
            for (req, name) in [
                (post("/api/h", b"{}").header("Sign", "a\nb"), "Sign"),
                (post("/api/h", b"{}").header("Bad Name", "1"), "Bad Name"),
            ] {
                let Err(err) = transport.send(&req).await else {
                    panic!("{name}: sent");
                };
                assert_eq!(err.kind(), TransportErrorKind::Request, "{err:?}");
                // Ours names the header (never its value); reqwest's builder says what it says.
                let why = std::error::Error::source(&err).map(ToString::to_string);
                assert!(
                    injected
                        || why
                            .as_deref()
                            .is_some_and(|w| w.contains(name) && !w.contains("a\nb")),
                    "{why:?}"
                );
            }
            assert!(format!("{:?}", transport.names).contains("cached: 1"));
        }
    }

    #[test]
    fn a_static_content_type_is_the_value_try_from_makes() {
        for b in 0u8..=0x7f {
            let text: &'static str = String::from_utf8(vec![b'a', b, b'z'])
                .unwrap_or_default()
                .leak();
            let expected = HeaderValue::try_from(text).ok();
            assert_eq!(static_value(text), expected, "byte {b:#x}");
        }
        let text: &'static str = "text/plain; charset=é";
        assert_eq!(static_value(text), HeaderValue::try_from(text).ok());
    }

    #[tokio::test]
    async fn a_body_in_several_chunks_is_joined_in_order() {
        let base = listen(|mut sock| async move {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = sock.write_all(head).await;
            for part in [&b"{\"a\":"[..], b"", b"\"xyz\"", b"}"] {
                if part.is_empty() {
                    continue;
                }
                let chunk = format!("{:x}\r\n{}\r\n", part.len(), String::from_utf8_lossy(part));
                let _ = sock.write_all(chunk.as_bytes()).await;
                let _ = sock.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = sock.write_all(b"0\r\n\r\n").await;
        })
        .await;
        for (config, _) in own_and_injected(TransportConfig::new()) {
            let reply = transport(&base, config).send(&post("/api/x", b"{}")).await;
            assert!(
                matches!(&reply, Ok(r) if &r.body[..] == br#"{"a":"xyz"}"#),
                "{reply:?}"
            );
        }
    }

    /// `config` with our own client, and with an injected client that has no timeout of its
    /// own (so the configured one must apply to it as well); whether each is the injected one.
    fn own_and_injected(config: TransportConfig) -> [(TransportConfig, bool); 2] {
        let mut injected = config.clone();
        injected.http_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok();
        [(config, false), (injected, true)]
    }

    fn transport(base: &Url, config: TransportConfig) -> Transport {
        match Transport::new(base, config) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn the_timeout_applies_to_our_client_to_an_injected_one_and_theirs_if_shorter() {
        let base = echo(Duration::from_millis(800)).await;
        let mut own = TransportConfig::new();
        own.timeout = Duration::from_millis(150);
        // An injected client with a total timeout of its own, shorter than the configured one:
        // its own ends the attempt.
        let mut shorter = TransportConfig::new();
        shorter.timeout = Duration::from_secs(5);
        shorter.http_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_millis(150))
            .build()
            .ok();
        for (config, was_injected) in own_and_injected(own).into_iter().chain([(shorter, true)]) {
            let transport = transport(&base, config);
            let started = Instant::now();
            let err = transport.send(&post("/api/slow", b"{}")).await.err();
            assert!(
                err.as_ref().is_some_and(TransportError::is_timeout),
                "injected {was_injected}: {err:?}"
            );
            assert!(started.elapsed() < Duration::from_millis(700));
        }
    }

    /// A server that sends the reply head at once, then one byte of a chunked body every
    /// 50 ms for two seconds; returns the base URL.
    async fn trickle() -> Url {
        listen(|mut sock| async move {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            if sock.write_all(head).await.is_err() {
                return;
            }
            for _ in 0..40 {
                if sock.write_all(b"1\r\nx\r\n").await.is_err() {
                    return;
                }
                let _ = sock.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = sock.write_all(b"0\r\n\r\n").await;
        })
        .await
    }

    #[tokio::test]
    async fn the_timeout_covers_a_body_that_trickles_past_it() {
        let base = trickle().await;
        let mut own = TransportConfig::new();
        own.timeout = Duration::from_millis(300);
        for (config, was_injected) in own_and_injected(own) {
            let transport = transport(&base, config);
            let started = Instant::now();
            let err = transport.send(&post("/api/trickle", b"{}")).await.err();
            let took = started.elapsed();
            // The head came at once: only a timer over the body can end the attempt this early.
            assert!(
                err.as_ref()
                    .is_some_and(|e| e.is_timeout() && e.outcome_unknown()),
                "injected {was_injected}: {err:?}"
            );
            assert!(
                took >= Duration::from_millis(250) && took < Duration::from_millis(1_500),
                "injected {was_injected}: {took:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_attempt_ends_at_the_deadline_when_that_comes_before_the_timeout() {
        let base = echo(Duration::from_millis(800)).await;
        let mut own = TransportConfig::new();
        own.timeout = Duration::from_millis(600);
        own.call_deadline = Some(Duration::from_millis(900));
        for (config, was_injected) in own_and_injected(own) {
            let transport = transport(&base, config);
            assert_eq!(transport.call_deadline(), Duration::from_millis(900));
            // 150 ms left: the attempt ends then, not after its 600 ms timeout.
            let deadline = Deadline::after(Duration::from_millis(150));
            let started = Instant::now();
            let err = transport
                .send_until(&post("/api/slow", b"{}"), deadline)
                .await
                .err();
            assert!(
                err.as_ref().is_some_and(TransportError::is_timeout),
                "injected {was_injected}: {err:?}"
            );
            let took = started.elapsed();
            assert!(took < Duration::from_millis(400), "{took:?}");
        }
        // The default deadline is the timeout.
        let t = transport(&base, TransportConfig::new());
        assert_eq!(t.call_deadline(), t.timeout());
    }
}
