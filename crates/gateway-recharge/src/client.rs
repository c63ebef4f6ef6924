//! [`Client`] and [`ClientBuilder`]: configuration, signing, sending, retries and reply
//! decoding for every WinPay call.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhub_runtime::{
    Clock, Deadline, Method, PreparedRequest, RetryPolicy, SystemClock, Transport, TransportConfig,
    parse_base_url,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use sign_core::{BorrowedParams, Md5Signer, Secret};
use time::UtcOffset;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::api::{
    BalanceRequest, BalanceResponse, DecodeContext, DepositQueryRequest, DepositQueryResponse,
    Idempotency, Operation, RawReply, RawRequest,
};
use crate::error::{ApiError, DecodeError, Error, OutcomeUnknown, Result, SignatureError};
use crate::notify::{DEFAULT_MAX_NOTIFY_BYTES, NotifyVerifier};
use crate::sign;
use crate::types::{ErrorCode, PROVIDER_UTC_OFFSET, ReplySignature, instant_from_millis};
use crate::wire::scalar_text;

/// Environment variable with the base URL WinPay issued to you.
pub const ENV_BASE_URL: &str = "GATEWAY_RECHARGE_BASE_URL";
/// Environment variable with your merchant number.
pub const ENV_MERCHANT_NO: &str = "GATEWAY_RECHARGE_MERCHANT_NO";
/// Environment variable with your MD5 key.
pub const ENV_KEY: &str = "GATEWAY_RECHARGE_KEY";

/// A WinPay client. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once and reuse it.
///
/// ```no_run
/// # async fn run() -> gateway_recharge::Result<()> {
/// use gateway_recharge::Client;
/// use gateway_recharge::api::CreateOrderRequest;
/// use rust_decimal::Decimal;
///
/// let client = Client::builder("M1234567890", "your-md5-key")
///     .base_url("https://api.winpay.example")
///     .build()?;
/// let order = client
///     .send(&CreateOrderRequest::new(
///         "ORD1234567890",
///         Decimal::new(10000, 2),
///         "Test order",
///         "user123",
///         "192.168.1.1",
///         "https://yourapp.com/callback",
///         "https://yourapp.com/return",
///     ))
///     .await?;
/// println!("pay at {} before {}", order.url, order.expires_at);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    merchant_no: String,
    signer: Md5Signer,
    transport: Transport,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    offset: UtcOffset,
    reconcile_path: String,
    busy_codes: Vec<String>,
    signature_rejected_codes: Vec<String>,
    sign_empty: bool,
    reply_signature: ReplySignature,
    notify_max_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("merchant_no", &self.inner.merchant_no)
            .field("base_url", &self.inner.transport.base_url())
            .field("key", &"***")
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder with the two credentials WinPay issues: your merchant number and your
    /// MD5 key. Set [`ClientBuilder::base_url`] too: WinPay issues a host per merchant.
    ///
    /// ```
    /// let client = gateway_recharge::Client::builder("M1234567890", "key")
    ///     .base_url("https://api.winpay.example")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.merchant_no(), "M1234567890");
    /// ```
    pub fn builder(merchant_no: impl Into<String>, key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder {
            merchant_no: merchant_no.into(),
            key: key.into(),
            base_url: None,
            transport: TransportConfig::new(),
            clock: Arc::new(SystemClock),
            retry: RetryPolicy::default(),
            offset: PROVIDER_UTC_OFFSET,
            reconcile_path: crate::api::deposit_query_default_path().to_owned(),
            busy_codes: Vec::new(),
            signature_rejected_codes: Vec::new(),
            sign_empty: true,
            reply_signature: ReplySignature::Ignore,
            notify_max_bytes: DEFAULT_MAX_NOTIFY_BYTES,
        }
    }

    /// A client from `GATEWAY_RECHARGE_BASE_URL`, `GATEWAY_RECHARGE_MERCHANT_NO` and
    /// `GATEWAY_RECHARGE_KEY`, with default settings.
    ///
    /// ```no_run
    /// let client = gateway_recharge::Client::from_env()?;
    /// # Ok::<(), gateway_recharge::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing, empty or invalid.
    pub fn from_env() -> Result<Self> {
        let base_url = env(ENV_BASE_URL)?;
        let merchant_no = env(ENV_MERCHANT_NO)?;
        let key = env(ENV_KEY)?;
        Self::builder(merchant_no, key).base_url(base_url).build()
    }

    /// Your merchant number.
    pub fn merchant_no(&self) -> &str {
        &self.inner.merchant_no
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// Validates, serializes (once) and signs a request, with no I/O: the exact bytes that
    /// [`Client::send`] would put on the wire. Deterministic for a fixed clock.
    ///
    /// ```
    /// use gateway_recharge::Client;
    /// use gateway_recharge::api::BalanceRequest;
    /// use gateway_recharge::payhub_runtime::FixedClock;
    /// use std::sync::Arc;
    ///
    /// let client = Client::builder("M1234567890", "adesf235")
    ///     .base_url("https://api.winpay.example")
    ///     .clock(Arc::new(FixedClock::from_millis(1_731_681_331_000)))
    ///     .build()
    ///     .unwrap();
    /// let prepared = client.prepare(&BalanceRequest::new()).unwrap();
    /// assert_eq!(
    ///     prepared.body_bytes(),
    ///     br#"{"merchant_no":"M1234567890","time":"1731681331000","sign":"ec3fa646edb1f97f59461e0a7624a493"}"#
    /// );
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and the rule it breaks.
    pub fn prepare<O: Operation>(&self, request: &O) -> Result<PreparedRequest> {
        let time = self.inner.clock.now_millis().to_string();
        let fields = request.wire_fields(&self.inner.merchant_no, &time)?;
        // The wire fields are signed where they are (no copy per field), and the canonical
        // string is built once: the explanation's is the one that is signed.
        let mut params = BorrowedParams::with_capacity(fields.len());
        for (k, v) in &fields {
            params.push(k.as_str(), v.as_str());
        }
        let style = sign::style_with(self.inner.sign_empty);
        let explanation = sign::explain_borrowed(&params, &style);
        let signature = self
            .inner
            .signer
            .sign_hex_lower(explanation.canonical().as_bytes());
        let body = json_object(
            fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain(std::iter::once((sign::SIGN_FIELD, signature.as_str()))),
        );
        Ok(PreparedRequest::new(
            request.operation_name(),
            Method::Post,
            request.path().to_owned(),
        )
        .body("application/json", body)
        .idempotency(request.idempotency())
        .explanation(explanation))
    }

    /// Prepares, sends, checks the reply envelope and decodes the reply.
    ///
    /// Reads (queries, balance) are retried with jittered backoff on connection failures,
    /// timeouts, HTTP 5xx and configured busy codes. Creates are sent exactly once: if the
    /// outcome is unknown (timeout, reset, unreadable 2xx/5xx reply) you get
    /// [`Error::OutcomeUnknown`] and should call [`Client::reconcile`]. The whole call, retries
    /// included, ends within the [`call_deadline`](ClientBuilder::call_deadline) (default: the
    /// `timeout`); past it, the error is the last attempt's (a transport timeout).
    ///
    /// # Errors
    /// [`Error::Validation`] (nothing sent), [`Error::Transport`], [`Error::OutcomeUnknown`],
    /// [`Error::Decode`], [`Error::Api`] or [`Error::Signature`].
    pub async fn send<O: Operation>(&self, request: &O) -> Result<O::Response> {
        let span = tracing::info_span!(
            "gateway_recharge.call",
            provider = "gateway-recharge",
            operation = request.operation_name(),
            path = request.path(),
            merchant_no = %self.inner.merchant_no,
            order_no = request.order_no().unwrap_or(""),
            attempt = Empty,
            http_status = Empty,
            latency_ms = Empty,
            outcome = Empty,
        );
        self.send_in_span(request).instrument(span).await
    }

    async fn send_in_span<O: Operation>(&self, request: &O) -> Result<O::Response> {
        let prepared = self.prepare(request)?;
        if let Some(signed) = prepared.signed() {
            // Redacted: field names and value lengths, never the customer's values.
            tracing::trace!(signed = %signed.redacted(), "request signed");
        }
        let started = Instant::now();
        let deadline = self.inner.transport.deadline();
        let result = match request.idempotency() {
            Idempotency::Safe => {
                self.inner
                    .retry
                    .run_until(
                        deadline,
                        |attempt| self.attempt(request, &prepared, attempt, deadline),
                        Error::is_retryable,
                    )
                    .await
            }
            _ => self
                .attempt(request, &prepared, 1, deadline)
                .await
                .map_err(|e| unknown_if_unsure(e, request)),
        };
        let span = tracing::Span::current();
        span.record("latency_ms", millis(started.elapsed()));
        match &result {
            Ok(_) => {
                span.record("outcome", "ok");
                tracing::info!("call succeeded");
            }
            Err(e) => {
                span.record("outcome", error_kind(e));
                tracing::warn!(error = %e, "call failed");
            }
        }
        result
    }

    async fn attempt<O: Operation>(
        &self,
        request: &O,
        prepared: &PreparedRequest,
        attempt: u32,
        deadline: Deadline,
    ) -> Result<O::Response> {
        let span = tracing::Span::current();
        span.record("attempt", attempt);
        let raw = match self.inner.transport.send_until(prepared, deadline).await {
            Ok(raw) => raw,
            Err(e) => {
                tracing::debug!(attempt, error = %e, "transport failed");
                return Err(Error::Transport(e));
            }
        };
        span.record("http_status", raw.status);
        tracing::debug!(
            attempt,
            http_status = raw.status,
            latency_ms = millis(raw.elapsed),
            "reply received"
        );
        // An API error keeps what this request signed (key masked), for "bad sign" debugging.
        self.decode_reply(request, raw.status, &raw.body)
            .map_err(|e| match e {
                Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
                other => other,
            })
    }

    /// Interprets a reply you received yourself (for example after sending
    /// [`Client::prepare`]'s bytes through your own HTTP stack): checks the envelope and decodes
    /// `data` for `request`'s operation.
    ///
    /// ```
    /// use gateway_recharge::Client;
    /// use gateway_recharge::api::BalanceRequest;
    ///
    /// let client = Client::builder("M1", "k").base_url("https://x.example").build().unwrap();
    /// let reply = br#"{"code":"0","msg":"","data":{"balance":"90062.0000","freeze":"1000.0000"}}"#;
    /// let balance = client.decode_reply(&BalanceRequest::new(), 200, reply).unwrap();
    /// assert_eq!(balance.balance.to_string(), "90062.0000");
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`], [`Error::Api`] or [`Error::Signature`].
    pub fn decode_reply<O: Operation>(
        &self,
        request: &O,
        http_status: u16,
        body: &[u8],
    ) -> Result<O::Response> {
        let op = request.operation_name();
        let decode =
            |problem: String| Error::Decode(DecodeError::new(op, Some(http_status), problem, body));
        let envelope = read_envelope(body).map_err(|(problem, truncated)| {
            let mut e = DecodeError::new(op, Some(http_status), problem, body);
            e.truncated = truncated;
            Error::Decode(e)
        })?;
        let code_raw = envelope
            .code
            .ok_or_else(|| decode("reply has no `code`".to_owned()))?;
        let code = scalar_text(code_raw).map_err(|p| decode(format!("`code` {p}")))?;
        if code != "0" {
            let message = envelope
                .msg
                .or(envelope.message)
                .map(crate::wire::any_text)
                .unwrap_or_default();
            let busy = self.inner.busy_codes.contains(&code);
            let signature_rejected = self.inner.signature_rejected_codes.contains(&code);
            return Err(Error::Api(ApiError {
                operation: op,
                http_status,
                code: ErrorCode::from_wire(&code),
                message,
                body: String::from_utf8_lossy(body).into_owned(),
                busy,
                signature_rejected,
                signed: None,
            }));
        }
        let data = envelope.data.map(RawValue::get);
        self.check_reply_signature(op, data)?;
        let ctx = DecodeContext::new(
            instant_from_millis(self.inner.clock.now_millis()),
            self.inner.offset,
        );
        request.decode_data(data, &ctx).map_err(decode)
    }

    fn check_reply_signature(&self, op: &'static str, data: Option<&str>) -> Result<()> {
        if self.inner.reply_signature == ReplySignature::Ignore {
            return Ok(());
        }
        let fail = |problem| {
            Error::Signature(SignatureError {
                operation: op,
                problem,
            })
        };
        let params = data
            .filter(|d| d.trim_start().starts_with('{'))
            .and_then(|d| BorrowedParams::from_json_object(d.as_bytes()).ok());
        let Some(params) = params.filter(|p| p.get(sign::SIGN_FIELD).is_some()) else {
            return match self.inner.reply_signature {
                ReplySignature::Require => Err(fail("is missing")),
                _ => Ok(()),
            };
        };
        let style = sign::style_with(self.inner.sign_empty);
        sign::verify_borrowed(&params, &self.inner.signer, &style).map_err(|e| match e {
            crate::error::NotifyError::MissingSignature => fail("is missing"),
            crate::error::NotifyError::MalformedSignature => fail("is not hex"),
            _ => fail("does not match"),
        })
    }

    /// Finds out what happened to an order after [`Error::OutcomeUnknown`]: queries it by your
    /// order number.
    ///
    /// It sends a [`DepositQueryRequest`] to the [`ClientBuilder::reconcile_path`] (default
    /// `/h5/deposit_query`, the only query WinPay documents); [`Client::reconcile_path`] says
    /// which. WinPay does not say whether that finds `/gateway/recharge` orders; if your
    /// account manager gave you a collection-order query path, set it with
    /// [`ClientBuilder::reconcile_path`].
    ///
    /// # Errors
    /// As [`Client::send`]; an order WinPay does not know comes back as [`Error::Api`].
    pub async fn reconcile(&self, order_no: &str) -> Result<DepositQueryResponse> {
        self.send(&DepositQueryRequest::new(order_no).at_path(&self.inner.reconcile_path))
            .await
    }

    /// The path [`Client::reconcile`] queries ([`ClientBuilder::reconcile_path`], default
    /// `/h5/deposit_query`).
    pub fn reconcile_path(&self) -> &str {
        &self.inner.reconcile_path
    }

    /// The merchant balance (a [`BalanceRequest`]).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn balance(&self) -> Result<BalanceResponse> {
        self.send(&BalanceRequest::new()).await
    }

    /// **Escape hatch** for calls WinPay does not document publicly (payout create, payout
    /// query): signs `fields` (plus `merchant_no` and `time`, unless given) with the WinPay
    /// rule and posts them to `path`, a path your account manager gave you. The reply envelope
    /// is checked as for typed calls and `data` is returned raw.
    ///
    /// The call is treated as a write: sent once, an unknown outcome is
    /// [`Error::OutcomeUnknown`]. For a read with retries, or to send exactly your fields,
    /// build a [`RawRequest`] and pass it to [`Client::send`].
    ///
    /// ```no_run
    /// # async fn run(client: gateway_recharge::Client) -> gateway_recharge::Result<()> {
    /// let reply = client
    ///     .send_raw("/path/from/your/account/manager", [
    ///         ("order_no", "P20250425001"),
    ///         ("amount", "100.00"),
    ///     ])
    ///     .await?;
    /// println!("{:?}", reply.fields()?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::send`]; [`Error::Validation`] for a bad path or field name.
    pub async fn send_raw<I, K, V>(&self, path: &str, fields: I) -> Result<RawReply>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.send(&RawRequest::new(path, fields)).await
    }

    /// A callback verifier with this client's merchant number, key, time zone, signing options
    /// and body cap.
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::from_parts(
            self.inner.merchant_no.clone(),
            self.inner.signer.clone(),
            self.inner.offset,
            self.inner.sign_empty,
            self.inner.notify_max_bytes,
        )
    }

    /// As [`Client::notify_verifier`], for the `callback_url` you give payouts: its
    /// notifications are [`CallbackKind::Payout`](crate::notify::CallbackKind::Payout).
    /// WinPay's payout callbacks look exactly like collection callbacks, so the URL is the only
    /// thing that tells them apart (see [`notify`](crate::notify)).
    pub fn payout_notify_verifier(&self) -> NotifyVerifier {
        self.notify_verifier()
            .callback_kind(crate::notify::CallbackKind::Payout)
    }
}

/// Builds a [`Client`]. Setter errors surface from [`ClientBuilder::build`].
///
/// There is no `nonce_source` setter: WinPay requests carry no nonce (only `time`, from the
/// [`clock`](ClientBuilder::clock)).
#[must_use]
pub struct ClientBuilder {
    merchant_no: String,
    key: Secret,
    base_url: Option<String>,
    transport: TransportConfig,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    offset: UtcOffset,
    reconcile_path: String,
    busy_codes: Vec<String>,
    signature_rejected_codes: Vec<String>,
    sign_empty: bool,
    reply_signature: ReplySignature,
    notify_max_bytes: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("merchant_no", &self.merchant_no)
            .field("key", &"***")
            .field("base_url", &self.base_url)
            .field("timeout", &self.transport.timeout)
            .field("retry", &self.retry)
            .field("reconcile_path", &self.reconcile_path)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The base URL WinPay issued to you (required). `https` is required except for loopback
    /// (`http://127.0.0.1`, `localhost`), used by tests and the sandbox.
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").base_url("https://api.winpay.example");
    /// assert!(b.build().is_ok());
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed for one attempt, the whole exchange, body included (default 30 s). Also the
    /// default [`ClientBuilder::call_deadline`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let b = gateway_recharge::Client::builder("M1", "k").timeout(Duration::from_secs(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport.timeout = timeout;
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
    /// # use std::time::Duration;
    /// // Each attempt up to 3 s; the whole call, retries included, up to 8 s.
    /// let b = gateway_recharge::Client::builder("M1", "k")
    ///     .timeout(Duration::from_secs(3))
    ///     .call_deadline(Duration::from_secs(8));
    /// ```
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.transport.call_deadline = Some(deadline);
        self
    }

    /// Time allowed to connect (default 10 s; ignored with [`ClientBuilder::http_client`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let b = gateway_recharge::Client::builder("M1", "k").connect_timeout(Duration::from_secs(3));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// A reqwest client to reuse (pools, proxies). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: signed requests are never redirected.
    ///
    /// ```
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let b = gateway_recharge::Client::builder("M1", "k").http_client(http);
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.transport.http_client = Some(client);
        self
    }

    /// The clock that stamps `time` and computes expiry instants (default: the system clock).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use gateway_recharge::payhub_runtime::FixedClock;
    /// let b = gateway_recharge::Client::builder("M1", "k")
    ///     .clock(Arc::new(FixedClock::from_millis(1_731_681_331_000)));
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Retries for reads (default: 3 attempts, jittered backoff from 200 ms). Creates are never
    /// retried whatever this says.
    ///
    /// ```
    /// use gateway_recharge::payhub_runtime::RetryPolicy;
    /// let b = gateway_recharge::Client::builder("M1", "k").retry_policy(RetryPolicy::none());
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest reply body accepted (default 4 MiB); a larger one is a transport error.
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").max_body_bytes(64 * 1024);
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body_bytes = limit;
        self
    }

    /// The largest callback body the [`Client::notify_verifier`] accepts (default 64 KiB).
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").max_notify_body_bytes(16 * 1024);
    /// ```
    pub fn max_notify_body_bytes(mut self, limit: usize) -> Self {
        self.notify_max_bytes = limit;
        self
    }

    /// WinPay's time zone, used to read `trade_time` (default UTC+8, inferred from the docs'
    /// examples).
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k")
    ///     .provider_utc_offset(time::UtcOffset::UTC);
    /// ```
    pub fn provider_utc_offset(mut self, offset: UtcOffset) -> Self {
        self.offset = offset;
        self
    }

    /// The path [`Client::reconcile`] queries (default `/h5/deposit_query`, the only documented
    /// query). Set it to the collection-order query path if WinPay gave you one; the same
    /// fields (`merchant_no`, `order_no`, `time`) are sent.
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").reconcile_path("/h5/deposit_query");
    /// ```
    pub fn reconcile_path(mut self, path: impl Into<String>) -> Self {
        self.reconcile_path = path.into();
        self
    }

    /// Reply codes that mean "busy, try again": reads failing with them are retried. WinPay
    /// documents none, so the default is empty.
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").busy_codes(["429"]);
    /// ```
    pub fn busy_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.busy_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Reply codes that mean "the signature was refused" (missing or wrong `sign`): an
    /// [`Error::Api`] with one of them reports
    /// [`ApiError::is_signature_rejected`](crate::error::ApiError::is_signature_rejected) and its
    /// `Display` ends with the signed string, key masked. WinPay's error-code page is not
    /// public, so no code is documented and the default is empty; set the code your account
    /// manager gives you.
    ///
    /// ```
    /// // The code your account manager names for a wrong `sign`.
    /// let b = gateway_recharge::Client::builder("M1", "k").signature_rejected_codes(["1001"]);
    /// ```
    pub fn signature_rejected_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.signature_rejected_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether empty values are signed (default `true`, per WinPay's reference code). Typed
    /// requests never send empty values; this applies to [`RawRequest`]s and callbacks.
    ///
    /// ```
    /// let b = gateway_recharge::Client::builder("M1", "k").sign_empty_values(true);
    /// ```
    pub fn sign_empty_values(mut self, sign: bool) -> Self {
        self.sign_empty = sign;
        self
    }

    /// Whether reply signatures are checked (default [`ReplySignature::Ignore`]: WinPay's
    /// documented replies carry none).
    ///
    /// ```
    /// use gateway_recharge::types::ReplySignature;
    /// let b = gateway_recharge::Client::builder("M1", "k")
    ///     .reply_signature(ReplySignature::VerifyIfPresent);
    /// ```
    pub fn reply_signature(mut self, mode: ReplySignature) -> Self {
        self.reply_signature = mode;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting: empty merchant number or key, missing or
    /// insecure base URL, bad reconcile path, a zero call deadline, an HTTP client that cannot be built.
    pub fn build(self) -> Result<Client> {
        check_merchant_no(&self.merchant_no)?;
        if self.key.is_empty() {
            return Err(Error::config("key", "is empty"));
        }
        let base = self.base_url.as_deref().ok_or_else(|| {
            Error::config(
                "base_url",
                "is not set (WinPay issues a host per merchant; there is no default)",
            )
        })?;
        let base = parse_base_url(base).map_err(|e| Error::config("base_url", e.to_string()))?;
        if crate::api::check_raw_path(&self.reconcile_path).is_err() {
            return Err(Error::config(
                "reconcile_path",
                "must be an absolute path like `/h5/deposit_query`",
            ));
        }
        if self.transport.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::config("call_deadline", "must be more than zero"));
        }
        let transport = Transport::new(&base, self.transport)
            .map_err(|e| Error::config("http_client", e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                merchant_no: self.merchant_no,
                signer: sign::signer(self.key),
                transport,
                clock: self.clock,
                retry: self.retry,
                offset: self.offset,
                reconcile_path: self.reconcile_path,
                busy_codes: self.busy_codes,
                signature_rejected_codes: self.signature_rejected_codes,
                sign_empty: self.sign_empty,
                reply_signature: self.reply_signature,
                notify_max_bytes: self.notify_max_bytes,
            }),
        })
    }
}

pub(crate) fn check_merchant_no(merchant_no: &str) -> Result<()> {
    if merchant_no.is_empty() {
        return Err(Error::config("merchant_no", "is empty"));
    }
    if merchant_no
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::config("merchant_no", "must not contain whitespace"));
    }
    Ok(())
}

fn env(name: &'static str) -> Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        Ok(_) => Err(Error::config(name, "is empty")),
        Err(std::env::VarError::NotPresent) => Err(Error::config(name, "is not set")),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not valid UTF-8")),
    }
}

/// A create failed in a way that may still have created the order: report, never resend.
fn unknown_if_unsure<O: Operation>(e: Error, request: &O) -> Error {
    let unsure = match &e {
        Error::Transport(t) => t.outcome_unknown(),
        Error::Decode(d) => d
            .http_status()
            .is_some_and(|s| (200..300).contains(&s) || s >= 500),
        _ => false,
    };
    if unsure {
        Error::OutcomeUnknown(OutcomeUnknown {
            operation: request.operation_name(),
            order_no: request.order_no().map(str::to_owned),
            cause: Box::new(e),
        })
    } else {
        e
    }
}

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::Config(_) => "config",
        Error::Validation(_) => "validation",
        Error::Transport(_) => "transport",
        Error::OutcomeUnknown(_) => "outcome_unknown",
        Error::Decode(_) => "decode",
        Error::Api(_) => "api",
        Error::Signature(_) => "signature",
        Error::Notify(_) => "notify",
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `{"k":"v",...}` in the given order, every value a JSON string, escaped by `serde_json`
/// straight into one buffer.
fn json_object<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, text: &str) {
        // Serializing a `&str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(&mut out, k);
        out.push(b':');
        string(&mut out, v);
    }
    out.push(b'}');
    out
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(borrow, default)]
    msg: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// Reads the envelope; on failure, the problem and whether the body looks cut short.
fn read_envelope(body: &[u8]) -> std::result::Result<Envelope<'_>, (String, bool)> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(("reply body is empty".to_owned(), true));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(("reply is an HTML/XML page, not JSON".to_owned(), false));
    }
    if trimmed.first() != Some(&b'{') {
        return Err((
            format!(
                "reply is not a JSON object (starts with `{}`)",
                crate::types::clip(&String::from_utf8_lossy(&trimmed[..trimmed.len().min(16)]))
            ),
            false,
        ));
    }
    serde_json::from_slice::<Envelope<'_>>(body).map_err(|e| {
        if e.is_eof() {
            (format!("reply JSON is truncated ({e})"), true)
        } else {
            (format!("reply is not a JSON envelope ({e})"), false)
        }
    })
}
