//! [`Client`] and [`ClientBuilder`]: credentials, transport, clock and retries for the dcapi gateway.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use payhub_runtime::{
    Clock, Deadline, Idempotency, Method, PreparedRequest, RetryPolicy, SystemClock, Transport,
    TransportConfig, parse_base_url,
};
use serde_json::value::RawValue;
use sign_core::{BorrowedParams, Secret};
use tracing::Instrument as _;
use tracing::field::Empty;
use url::Url;

use crate::api::card_pay_order::CardOrder;
use crate::api::card_query_order::CardQueryOrderRequest;
use crate::api::json::scalar_text;
use crate::api::query_order::{DirectOrder, QueryOrderRequest};
use crate::api::{Operation, Reply};
use crate::error::{ApiCode, ApiError, DecodeError, DecodeErrorKind, OutcomeUnknownError};
use crate::notify::NotifyVerifier;
use crate::sign::{RequestSigner, SIGN_FIELD};
use crate::{Error, Result};

/// The content type of every dcapi request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Environment variable holding the gateway base URL (issued by the platform admin).
pub const ENV_BASE_URL: &str = "JIUYI_BASE_URL";
/// Environment variable holding the `appid`.
pub const ENV_APPID: &str = "JIUYI_APPID";
/// Environment variable holding the `appsecret`.
pub const ENV_APPSECRET: &str = "JIUYI_APPSECRET";
/// Environment variable that, when `1` or `true`, allows a plain-http gateway off loopback
/// (see [`ClientBuilder::danger_allow_http`]).
pub const ENV_DANGER_ALLOW_HTTP: &str = "JIUYI_DANGER_ALLOW_HTTP";

/// Default cap of a notify body accepted by [`Client::notify_verifier`] (64 KiB).
pub const DEFAULT_MAX_NOTIFY_BYTES: usize = 64 * 1024;

/// A client for the dcapi gateway. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once
/// and reuse it.
///
/// ```no_run
/// # async fn run() -> jiuyi_dc::Result<()> {
/// use jiuyi_dc::Client;
/// use jiuyi_dc::api::pay::PayRequest;
/// let client = Client::builder("19190009", "your-appsecret")
///     .base_url("https://gateway.example")
///     .build()?;
/// let order = client.send(&PayRequest::new("43", "13800138000", "JY202611220001")).await?;
/// println!("platform order {}", order.order_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    appid: String,
    signer: RequestSigner,
    transport: Transport,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    max_notify_bytes: usize,
}

impl Client {
    /// Starts a builder with the two credentials: `appid` (API ordering user id) and `appsecret`.
    ///
    /// ```
    /// let builder = jiuyi_dc::Client::builder("19190009", "secret");
    /// # let _ = builder;
    /// ```
    pub fn builder(appid: impl Into<String>, appsecret: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder {
            appid: appid.into(),
            appsecret: appsecret.into(),
            base_url: None,
            danger_allow_http: false,
            config: TransportConfig::new(),
            clock: Arc::new(SystemClock),
            retry: RetryPolicy::default(),
            max_notify_bytes: DEFAULT_MAX_NOTIFY_BYTES,
        }
    }

    /// A client configured from `JIUYI_BASE_URL`, `JIUYI_APPID` and `JIUYI_APPSECRET` (and
    /// `JIUYI_DANGER_ALLOW_HTTP`), with default settings.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The `appid`.
    pub fn appid(&self) -> &str {
        &self.inner.appid
    }

    /// The gateway base URL.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// Validates, serializes (once) and signs `request` without any I/O. `datetime` comes from
    /// the injected clock, so the result is deterministic under a fixed clock.
    ///
    /// ```
    /// use jiuyi_dc::Client;
    /// use jiuyi_dc::api::query_cash::QueryCashRequest;
    /// let client = Client::builder("19190009", "HJH546HKDHK")
    ///     .base_url("http://127.0.0.1:9")
    ///     .build()?;
    /// let prepared = client.prepare(&QueryCashRequest::new())?;
    /// assert_eq!(prepared.body_bytes(), b"appid=19190009&sign=FACC8117638098709CB36523CEDC5657");
    /// # Ok::<(), jiuyi_dc::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and the rule it breaks.
    pub fn prepare<O: Operation>(&self, request: &O) -> Result<PreparedRequest> {
        let fields = request.form_fields(self.inner.clock.now_seconds())?;
        // The fields are signed where they are (no copy per field).
        let mut params = BorrowedParams::with_capacity(fields.len() + 1);
        params.push("appid", self.inner.appid.as_str());
        for (k, v) in &fields {
            params.push(*k, v.as_str());
        }
        let (sign, explanation) = self.inner.signer.sign_params(&params, O::UNSIGNED_FIELDS);
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.pairs() {
            form.append_pair(k, v);
        }
        form.append_pair(SIGN_FIELD, &sign);
        Ok(PreparedRequest::new(O::NAME, Method::Post, O::PATH)
            .body(FORM_CONTENT_TYPE, form.finish().into_bytes())
            .idempotency(O::IDEMPOTENCY)
            .explanation(explanation))
    }

    /// Prepares, sends and reads `request`. Reads are retried with jittered backoff on
    /// connection errors, timeouts and HTTP 5xx/429; creates (`pay`, `card/payOrder`) are sent
    /// exactly once. The whole call, retries included, ends within the
    /// [`call_deadline`](ClientBuilder::call_deadline) (default: the `timeout`); past it, the
    /// error is the last attempt's (a transport timeout, `OutcomeUnknown` for a create).
    ///
    /// # Errors
    /// - [`Error::Validation`]: a field breaks a rule (nothing was sent).
    /// - [`Error::Api`]: the provider answered `code: 0` with a `msg`.
    /// - [`Error::OutcomeUnknown`]: a create may have been executed; reconcile before retrying.
    /// - [`Error::Transport`] / [`Error::Decode`]: a read failed on the network or its reply is
    ///   unreadable (after the retries).
    pub async fn send<O: Operation>(&self, request: &O) -> Result<O::Response> {
        let prepared = self.prepare(request)?;
        let span = tracing::info_span!(
            "jiuyi_dc.call",
            provider = "jiuyi-dc",
            operation = O::NAME,
            out_order_id = request.out_order_id(),
            order_id = request.order_id(),
            attempt = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        async {
            let deadline = self.inner.transport.deadline();
            let result = match O::IDEMPOTENCY {
                Idempotency::Unsafe => self
                    .exchange::<O>(&prepared, 1, deadline)
                    .await
                    .map_err(|e| unknown_if_uncertain(O::NAME, request.out_order_id(), e)),
                _ => {
                    self.inner
                        .retry
                        .run_until(
                            deadline,
                            |attempt| self.exchange::<O>(&prepared, attempt, deadline),
                            is_retryable,
                        )
                        .await
                }
            };
            match &result {
                Ok(_) => tracing::info!("call succeeded"),
                // Error `Display`s carry no personal data (a refused signature is summarized).
                Err(e) => tracing::warn!(error = %e, "call failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn exchange<O: Operation>(
        &self,
        prepared: &PreparedRequest,
        attempt: u32,
        deadline: Deadline,
    ) -> Result<O::Response> {
        let span = tracing::Span::current();
        span.record("attempt", attempt);
        let started = Instant::now();
        let raw = self.inner.transport.send_until(prepared, deadline).await;
        let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency);
        let raw = raw.map_err(Error::Transport)?;
        span.record("status", raw.status);
        read_envelope(O::NAME, raw.status, raw.body)
            .and_then(|reply| O::parse_reply(&reply))
            // An API error keeps what this request signed (secret masked), for "bad sign"
            // debugging.
            .map_err(|e| match e {
                Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
                other => other,
            })
    }

    /// Queries a direct-recharge order by merchant order number: the way to settle an
    /// [`Error::OutcomeUnknown`] from `pay`. A `code: 0` reply usually means the order does not
    /// exist, so it is safe to place it again with the same `out_order_id`.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn reconcile(&self, out_order_id: &str) -> Result<DirectOrder> {
        self.send(&QueryOrderRequest::by_out_order_id(out_order_id))
            .await
    }

    /// Queries a card order by merchant order number: the way to settle an
    /// [`Error::OutcomeUnknown`] from `card/payOrder`.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn reconcile_card(&self, out_order_id: &str) -> Result<Vec<CardOrder>> {
        self.send(&CardQueryOrderRequest::new(out_order_id)).await
    }

    /// A notify verifier with this client's secret and `appid`.
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::from_signer(self.inner.signer.clone())
            .expect_appid(self.inner.appid.clone())
            .max_body_bytes(self.inner.max_notify_bytes)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("appid", &self.inner.appid)
            .field("base_url", &self.inner.transport.base_url())
            .field("retry", &self.inner.retry)
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

fn is_retryable(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.is_retryable(),
        Error::Decode(d) => d.is_retryable(),
        _ => false,
    }
}

/// A create that may have reached the provider is reported, never resent.
fn unknown_if_uncertain(op: &'static str, out_order_id: Option<&str>, e: Error) -> Error {
    let uncertain = match &e {
        Error::Transport(t) => t.outcome_unknown(),
        Error::Decode(_) => true,
        _ => false,
    };
    if uncertain {
        Error::OutcomeUnknown(OutcomeUnknownError::new(op, out_order_id.unwrap_or(""), e))
    } else {
        e
    }
}

/// Reads the `{code, msg, result, other}` envelope.
pub(crate) fn read_envelope(op: &'static str, status: u16, body: Bytes) -> Result<Reply> {
    let ok_status = (200..300).contains(&status);
    let decode = |kind: DecodeErrorKind, body: &Bytes| {
        Error::Decode(DecodeError::new(op, status, kind, body.clone()))
    };
    let mut map: BTreeMap<String, Box<RawValue>> = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(_) if !ok_status => return Err(decode(DecodeErrorKind::HttpStatus, &body)),
        Err(e) => {
            let reason = match e.classify() {
                _ if body.iter().all(u8::is_ascii_whitespace) => "empty body".to_owned(),
                serde_json::error::Category::Eof => "truncated".to_owned(),
                serde_json::error::Category::Data => "not a JSON object".to_owned(),
                _ => format!("syntax error at line {} column {}", e.line(), e.column()),
            };
            return Err(decode(DecodeErrorKind::NotJson { reason }, &body));
        }
    };
    let ctx = crate::api::json::Ctx::new(op, status, body.clone());
    let code = match map.remove("code") {
        Some(raw) => scalar_text(&ctx, "code", &raw)?.unwrap_or_default(),
        None if !ok_status => return Err(decode(DecodeErrorKind::HttpStatus, &body)),
        None => return Err(ctx.field_error("code", "is missing")),
    };
    let msg = match map.remove("msg") {
        Some(raw) => scalar_text(&ctx, "msg", &raw)?.unwrap_or_default(),
        None => String::new(),
    };
    if code.trim() == "1" {
        Ok(Reply::new(
            op,
            status,
            msg,
            map.remove("result"),
            map.remove("other"),
            body,
        ))
    } else {
        Err(Error::Api(ApiError::new(
            op,
            ApiCode::from_code(code.trim()),
            msg,
            status,
            body,
        )))
    }
}

/// Builder of a [`Client`]. Setter problems surface from [`ClientBuilder::build`].
#[must_use]
pub struct ClientBuilder {
    appid: String,
    appsecret: Secret,
    base_url: Option<String>,
    danger_allow_http: bool,
    config: TransportConfig,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    max_notify_bytes: usize,
}

impl ClientBuilder {
    /// A builder from `JIUYI_BASE_URL`, `JIUYI_APPID`, `JIUYI_APPSECRET` and the optional
    /// `JIUYI_DANGER_ALLOW_HTTP`, to adjust further before `build()`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or not UTF-8.
    pub fn from_env() -> Result<Self> {
        let var = |name: &'static str| match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Ok(v),
            Ok(_) => Err(Error::config(name, "is empty")),
            Err(std::env::VarError::NotPresent) => Err(Error::config(name, "is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not UTF-8")),
        };
        let base = var(ENV_BASE_URL)?;
        let appid = var(ENV_APPID)?;
        let secret = var(ENV_APPSECRET)?;
        let allow_http = matches!(
            std::env::var(ENV_DANGER_ALLOW_HTTP).as_deref(),
            Ok("1" | "true" | "yes")
        );
        Ok(Client::builder(appid.trim(), secret)
            .base_url(base)
            .danger_allow_http(allow_http))
    }

    /// The gateway base URL issued by the platform admin (required; there is no public default).
    /// `https` is required except on loopback.
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").base_url("https://gateway.example");
    /// # let _ = b;
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain-`http` base URL off loopback. The provider's docs only show `http` gateways;
    /// use this only when yours has no `https`, knowing that orders and account numbers then
    /// travel in clear text (the secret itself is never sent).
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s")
    ///     .base_url("http://gateway.example")
    ///     .danger_allow_http(true);
    /// assert!(b.build().is_ok());
    /// ```
    pub fn danger_allow_http(mut self, allow: bool) -> Self {
        self.danger_allow_http = allow;
        self
    }

    /// Total time allowed per attempt (default 30 s). Also the default
    /// [`ClientBuilder::call_deadline`].
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").timeout(std::time::Duration::from_secs(10));
    /// # let _ = b;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// The most time one call ([`Client::send`]) may take, every attempt and retry pause
    /// included (default: the [`ClientBuilder::timeout`], so a call never takes longer than
    /// that). Each attempt's timeout is capped at the time left, and a read is retried only when
    /// enough is left ([`RetryPolicy::min_attempt_time`]); set it above `timeout` to leave room
    /// for a retry after an attempt that timed out. A create is still sent once, its timeout
    /// capped the same way: past the deadline it is [`Error::OutcomeUnknown`].
    ///
    /// ```
    /// use std::time::Duration;
    /// // Each attempt up to 3 s; the whole call, retries included, up to 8 s.
    /// let b = jiuyi_dc::Client::builder("1", "s")
    ///     .timeout(Duration::from_secs(3))
    ///     .call_deadline(Duration::from_secs(8));
    /// # let _ = b;
    /// ```
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.config.call_deadline = Some(deadline);
        self
    }

    /// Time allowed to connect (default 10 s; ignored with [`ClientBuilder::http_client`]).
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// A reqwest client to reuse. Build it with `redirect(reqwest::redirect::Policy::none())`.
    ///
    /// ```
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .expect("client");
    /// let b = jiuyi_dc::Client::builder("1", "s").http_client(http);
    /// # let _ = b;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config.http_client = Some(client);
        self
    }

    /// The clock that gives `datetime` (default: the system clock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let b = jiuyi_dc::Client::builder("1", "s")
    ///     .clock(Arc::new(payhub_runtime::FixedClock::from_millis(1_649_951_134_000)));
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Retries of reads (default: 3 attempts, jittered backoff from 200 ms). Creates are never
    /// retried whatever this says.
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").retry_policy(payhub_runtime::RetryPolicy::none());
    /// # let _ = b;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest reply body accepted (default 4 MiB).
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").max_body_bytes(1 << 20);
    /// # let _ = b;
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// Largest notify body accepted by [`Client::notify_verifier`] (default 64 KiB).
    ///
    /// ```
    /// let b = jiuyi_dc::Client::builder("1", "s").max_notify_bytes(16 * 1024);
    /// # let _ = b;
    /// ```
    pub fn max_notify_bytes(mut self, bytes: usize) -> Self {
        self.max_notify_bytes = bytes;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty `appid` or `appsecret`, a missing or insecure base URL, a
    /// zero call deadline;
    /// [`Error::Transport`] if the HTTP client cannot be created.
    pub fn build(self) -> Result<Client> {
        let appid = self.appid.trim().to_owned();
        if appid.is_empty() {
            return Err(Error::config("appid", "is empty"));
        }
        if !appid.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config("appid", "must be visible ASCII characters"));
        }
        if self.appsecret.is_empty() {
            return Err(Error::config("appsecret", "is empty"));
        }
        let base = self.base_url.as_deref().ok_or_else(|| {
            Error::config(
                "base_url",
                "is required: the gateway address issued by the platform admin",
            )
        })?;
        let url = if self.danger_allow_http {
            let url = Url::parse(base.trim().trim_end_matches('/'))
                .map_err(|e| Error::config("base_url", format!("does not parse: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Error::config("base_url", "must be http(s)"));
            }
            url
        } else {
            parse_base_url(base).map_err(|e| Error::config("base_url", e.to_string()))?
        };
        if self.max_notify_bytes == 0 {
            return Err(Error::config("max_notify_bytes", "must be positive"));
        }
        if self.config.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::config("call_deadline", "must be more than zero"));
        }
        let transport = Transport::new(&url, self.config).map_err(Error::Transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                appid,
                signer: RequestSigner::new(self.appsecret),
                transport,
                clock: self.clock,
                retry: self.retry,
                max_notify_bytes: self.max_notify_bytes,
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("appid", &self.appid)
            .field("appsecret", &self.appsecret)
            .field("base_url", &self.base_url)
            .field("danger_allow_http", &self.danger_allow_http)
            .field("timeout", &self.config.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}
