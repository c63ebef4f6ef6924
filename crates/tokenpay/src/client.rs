//! [`Client`] and [`ClientBuilder`]: configuration, `prepare` (pure), `send` (I/O with safe
//! retries), reply checking and reconciliation.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhub_runtime::{
    Clock, Deadline, Idempotency, Method, NonceSource, PreparedRequest, RandomHex, RawResponse,
    RetryPolicy, SystemClock, Transport, TransportConfig, parse_base_url,
};
use sign_core::{Explanation, Secret};
use tracing::Instrument as _;
use url::Url;

use crate::api::{
    Operation, PayoutPaths, QueryOrderRequest, QueryPayoutRequest, ReplyMeta, TransactionDetail,
    WireContext,
};
use crate::error::{
    ApiError, DecodeError, Error, OutcomeUnknown, Result, SignatureError, SignatureProblem,
    TransportError,
};
use crate::notify::NotifyVerifier;
use crate::sign::{
    AppKey, Authorization, NONCE_HEADERS, SIGNATURE_HEADERS, SignatureDiagnosis, TIMESTAMP_HEADERS,
    TimestampUnit, reply_signing_string, request_signing_string,
};
use crate::types::ApiCode;
use crate::wire::Fields;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.tokenpay.me";

/// The `User-Agent` the provider's examples send.
pub const DEFAULT_USER_AGENT: &str = "tokenpay API (https://tokenpay.me)";

/// What to do with the `TTPay-*` signature of a reply.
///
/// The docs say replies are signed over `TIMESTAMP\nNONCE\nBODY` but do not settle whether live
/// replies always carry a signature. A signature that is **present and wrong** is what a forged
/// reply looks like, so the default ([`ReplySignatureMode::RefuseInvalid`]) refuses it; a reply
/// with **no** signature is accepted with a `warn` event. [`ReplySignatureMode::Strict`] refuses
/// both. Whatever the mode, error replies are reported as [`Error::Api`] (never acted on as
/// success), non-2xx replies are not checked, and callbacks are always verified strictly (see
/// [`NotifyVerifier`]).
///
/// If tokenpay turns out to sign live replies another way (a public integration suggests it may
/// cover only `data`), every reply is refused with [`Error::Signature`] naming a mismatch:
/// [`Client::diagnose_signature`] shows what the signature covers; switch to
/// [`ReplySignatureMode::Warn`] only after checking.
///
/// ```
/// assert_eq!(tokenpay::ReplySignatureMode::default(), tokenpay::ReplySignatureMode::RefuseInvalid);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplySignatureMode {
    /// Do not look at reply signatures.
    Off,
    /// Verify; only log a `warn` event (and a `debug` diagnosis) when missing or wrong. A forged
    /// reply is then trusted: use it only to investigate a signing mismatch.
    Warn,
    /// Verify (default): refuse a success reply whose signature is present but wrong (a
    /// mismatch, a signature that is not base64, or `TTPay-Timestamp` / `TTPay-Nonce` missing
    /// beside it) with [`Error::Signature`] (or [`Error::OutcomeUnknown`] for writes); accept
    /// a reply with no `TTPay-Signature` at all, logging a `warn` event.
    #[default]
    RefuseInvalid,
    /// Verify; refuse a success reply whose signature is missing or wrong with
    /// [`Error::Signature`] (or [`Error::OutcomeUnknown`] for writes).
    Strict,
}

/// A tokenpay client. Cheap to clone (an `Arc` inside), `Send + Sync`: build one and reuse it.
///
/// ```no_run
/// # async fn run() -> tokenpay::Result<()> {
/// use std::str::FromStr;
/// use rust_decimal::Decimal;
/// use tokenpay::api::PrepayRequest;
/// use tokenpay::types::{Chain, Currency};
///
/// let client = tokenpay::Client::from_env()?;
/// let order = PrepayRequest::new("A-1001", Decimal::from_str("9.5").unwrap(), Chain::Tron, Currency::Usdt);
/// let created = client.send(&order).await?;
/// println!("{} {}", created.prepay_id, created.payment_url);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    mch_id: String,
    key: Arc<AppKey>,
    base_url: Url,
    cashier_base: Url,
    transport: Transport,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    timestamp_unit: TimestampUnit,
    reply_signatures: ReplySignatureMode,
    payout_paths: PayoutPaths,
    user_agent: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("app_id", &i.app_id)
            .field("mch_id", &i.mch_id)
            .field("app_secret", &"***")
            .field("base_url", &i.base_url.as_str())
            .field("timestamp_unit", &i.timestamp_unit)
            .field("reply_signatures", &i.reply_signatures)
            .field("payout_paths", &i.payout_paths)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the three credentials: the application id, the merchant id and the
    /// 32-byte app secret.
    ///
    /// ```
    /// let client = tokenpay::Client::builder("8e4b8c2e7c001122334455661a1cbd3d", "1234567890", "0123456789abcdef0123456789abcdef")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("0123456789abcdef"));
    /// ```
    pub fn builder(
        app_id: impl Into<String>,
        mch_id: impl Into<String>,
        app_secret: impl Into<Secret>,
    ) -> ClientBuilder {
        ClientBuilder::new(app_id.into(), mch_id.into(), app_secret.into())
    }

    /// A client from `TOKENPAY_BASE_URL` (default `https://api.tokenpay.me`),
    /// `TOKENPAY_APP_ID`, `TOKENPAY_MCH_ID` and `TOKENPAY_APP_SECRET`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid variable.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The application id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The merchant id.
    pub fn mch_id(&self) -> &str {
        &self.inner.mch_id
    }

    /// The API base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// A callback verifier with this client's credentials and clock (freshness is checked
    /// against [`ClientBuilder::clock`]).
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::from_key(
            self.inner.app_id.clone(),
            self.inner.mch_id.clone(),
            Arc::clone(&self.inner.key),
            Arc::clone(&self.inner.clock),
        )
    }

    fn ctx(&self) -> WireContext<'_> {
        WireContext {
            app_id: &self.inner.app_id,
            mch_id: &self.inner.mch_id,
            payout_paths: self.inner.payout_paths,
            cashier_base: &self.inner.cashier_base,
        }
    }

    /// Validates, serializes (once) and signs `req` with the injected clock and nonce source: the
    /// exact request that [`Client::send`] would put on the wire. No I/O.
    ///
    /// ```
    /// use payhub_runtime::{FixedClock, FixedNonce};
    /// use std::sync::Arc;
    /// use tokenpay::api::CloseOrderRequest;
    /// let client = tokenpay::Client::builder("8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd", "1234567890", "0123456789abcdef0123456789abcdef")
    ///     .clock(Arc::new(FixedClock::from_millis(1_763_800_000_456)))
    ///     .nonce_source(Arc::new(FixedNonce("593BEC0C930BF1AFEB40B4A08C8FB242".into())))
    ///     .build()
    ///     .unwrap();
    /// let p = client.prepare(&CloseOrderRequest::new("2a1cfa6568xxxxxxxx3050957024c559")).unwrap();
    /// assert_eq!(p.body_bytes(), br#"{"app_id":"8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd","mch_id":"1234567890","transaction_id":"2a1cfa6568xxxxxxxx3050957024c559"}"#);
    /// assert!(p.header_value("Authorization").unwrap().starts_with("TTPAY-AES-256-ECB app_id="));
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and the rule.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        req.validate()?;
        self.prepare_valid(req)
    }

    fn prepare_valid<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        let ctx = self.ctx();
        let path = req.path_and_query(&ctx);
        let body = req.body(&ctx)?;
        let timestamp = match self.inner.timestamp_unit {
            TimestampUnit::Seconds => self.inner.clock.now_seconds(),
            TimestampUnit::Millis => self.inner.clock.now_millis(),
        }
        .to_string();
        let nonce = self.inner.nonce.nonce();
        let message = request_signing_string(&path, &timestamp, &nonce, &body);
        let signature = self.inner.key.sign(&message)?;
        let explanation = explain(&message, &path, &timestamp, &nonce);
        let authorization = Authorization {
            app_id: self.inner.app_id.clone(),
            mch_id: self.inner.mch_id.clone(),
            nonce_str: nonce,
            timestamp,
            signature,
        };
        let mut prepared = PreparedRequest::new(O::NAME, O::METHOD, path)
            .sensitive_header("Authorization", authorization.to_header_value())
            .header("User-Agent", self.inner.user_agent.clone())
            .idempotency(O::IDEMPOTENCY)
            .explanation(explanation);
        if O::METHOD == Method::Post {
            prepared = prepared.body("application/json", body);
        }
        Ok(prepared)
    }

    /// Sends `req` and returns its typed reply.
    ///
    /// Reads are retried with jittered backoff on transport failures, HTTP 5xx/429 and the
    /// rate-limit codes 11001/20004, each attempt freshly signed. Writes are retried only when
    /// the request certainly did not take effect (connection refused, 11001/20004); when their
    /// outcome is unknown they fail with [`Error::OutcomeUnknown`]: query before resending.
    /// The whole call, retries included, ends within the
    /// [`call_deadline`](ClientBuilder::call_deadline) (default: the `timeout`); past it, the
    /// error is the last attempt's (a transport timeout).
    ///
    /// # Errors
    /// Any [`Error`] variant; see their docs for what to do.
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        req.validate()?;
        let reference = req
            .reference()
            .map(|(k, v)| format!("{k}={v}"))
            .unwrap_or_default();
        let span = tracing::info_span!(
            "tokenpay",
            provider = "tokenpay",
            operation = O::NAME,
            reference = %reference,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            code = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let unsafe_write = O::IDEMPOTENCY == Idempotency::Unsafe;
        let deadline = self.inner.transport.deadline();
        let result = self
            .inner
            .retry
            .run_until(
                deadline,
                |attempt| {
                    let span = span.clone();
                    async move {
                        span.record("attempt", attempt);
                        let prepared = self.prepare_valid(req)?;
                        self.exchange::<O>(&prepared, &span, deadline).await
                    }
                },
                |e: &Error| match e {
                    Error::Api(a) => a.code().is_retryable(),
                    Error::Transport(t) if unsafe_write => !t.may_have_reached_provider(),
                    Error::Transport(t) => t.is_retryable(),
                    // A reply cut short or garbled on the way: a read is safe to ask again.
                    Error::Decode(d) => !unsafe_write && d.is_garbled(),
                    _ => false,
                },
            )
            .instrument(span.clone())
            .await;
        let result = match result {
            Err(e) if unsafe_write && outcome_unknown(&e) => {
                let reference = req.reference().map(|(k, v)| (k, v.to_owned()));
                Err(Error::from(OutcomeUnknown::new(O::NAME, reference, e)))
            }
            other => other,
        };
        span.in_scope(|| match &result {
            Ok(_) => tracing::info!("tokenpay call succeeded"),
            // Error `Display`s carry no personal data (a refused signature is summarized).
            Err(e) => tracing::warn!(error = %e, "tokenpay call failed"),
        });
        result
    }

    async fn exchange<O: Operation>(
        &self,
        prepared: &PreparedRequest,
        span: &tracing::Span,
        deadline: Deadline,
    ) -> Result<O::Response> {
        let started = Instant::now();
        let raw = self
            .inner
            .transport
            .send_until(prepared, deadline)
            .await
            .map_err(|e| TransportError::from_runtime(O::NAME, e));
        span.record(
            "latency_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        let raw = raw?;
        span.record("status", raw.status);
        self.read(O::NAME, &raw, Some(span), O::parse_data)
            .map_err(|e| match e {
                Error::Api(a) => Error::from((*a).with_signed(prepared.signed())),
                other => other,
            })
    }

    /// Reads a reply received by other means (your own HTTP stack, a stored reply): the reply
    /// signature per the configured mode, the envelope, then the typed `data`. Together with
    /// [`Client::prepare`] this is the whole protocol without I/O.
    ///
    /// ```
    /// use tokenpay::api::CloseOrderRequest;
    /// use tokenpay::RawResponse;
    /// let client = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef").build().unwrap();
    /// let raw = RawResponse {
    ///     status: 200,
    ///     headers: Default::default(),
    ///     body: br#"{"code":12002,"msg":"not found","request_id":"r-1"}"#.to_vec().into(),
    ///     elapsed: std::time::Duration::ZERO,
    /// };
    /// let err = client.read_reply::<CloseOrderRequest>(&raw).unwrap_err();
    /// assert_eq!(err.request_id(), Some("r-1"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::Decode`], [`Error::Signature`] or [`Error::Transport`] (an HTTP
    /// error status without a readable envelope).
    pub fn read_reply<O: Operation>(&self, raw: &RawResponse) -> Result<O::Response> {
        self.read(O::NAME, raw, None, O::parse_data)
    }

    fn read<T>(
        &self,
        operation: &'static str,
        raw: &RawResponse,
        span: Option<&tracing::Span>,
        parse: impl FnOnce(Option<&str>, ReplyMeta, &WireContext<'_>) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let signature = self.check_reply_signature(operation, raw);
        let envelope = parse_envelope(operation, raw)?;
        if let Some(span) = span {
            span.record("code", envelope.code);
        }
        if envelope.code != 0 {
            return Err(ApiError::new(
                operation,
                raw.status,
                ApiCode::from_code(envelope.code),
                envelope.msg,
                envelope.request_id,
                &raw.body,
            )
            .into());
        }
        signature?;
        let meta = ReplyMeta {
            msg: envelope.msg,
            request_id: envelope.request_id,
        };
        parse(envelope.data, meta, &self.ctx())
            .map_err(|problem| DecodeError::new(operation, raw.status, problem, &raw.body).into())
    }

    /// Checks the reply's `TTPay-*` signature per the configured mode. Non-2xx replies (gateway
    /// pages) are not signed and not checked.
    fn check_reply_signature(&self, operation: &'static str, raw: &RawResponse) -> Result<()> {
        let mode = self.inner.reply_signatures;
        if mode == ReplySignatureMode::Off || !(200..300).contains(&raw.status) {
            return Ok(());
        }
        let problem = match verify_reply(&self.inner.key, raw) {
            Ok(()) => return Ok(()),
            Err(p) => p,
        };
        let unsigned = first_header(raw, &SIGNATURE_HEADERS).is_none();
        let refuse = match mode {
            ReplySignatureMode::Strict => true,
            ReplySignatureMode::RefuseInvalid => !unsigned,
            _ => false,
        };
        if refuse {
            return Err(SignatureError::new(operation, problem).into());
        }
        tracing::warn!(
            operation,
            problem = ?problem,
            mode = ?mode,
            "tokenpay reply signature did not verify; reply accepted per reply_signatures"
        );
        if let (Some(ts), Some(nonce), Some(sig)) = (
            first_header(raw, &TIMESTAMP_HEADERS),
            first_header(raw, &NONCE_HEADERS),
            first_header(raw, &SIGNATURE_HEADERS),
        ) {
            let expected = reply_signing_string(ts, nonce, &raw.body);
            let diagnosis = self.inner.key.diagnose(sig, &expected);
            // Both strings hold the reply body (personal data): lengths and digests only;
            // `Client::diagnose_signature` shows them in full on request.
            let shown = |text: &str| Explanation::for_message(text.as_bytes(), "").digest_prefix();
            tracing::debug!(
                operation,
                matches = diagnosis.matches(),
                problem = diagnosis.problem(),
                decrypted_len = diagnosis.decrypted().len(),
                decrypted_sha256 = %shown(diagnosis.decrypted()),
                expected_len = diagnosis.expected().len(),
                expected_sha256 = %shown(diagnosis.expected()),
                "tokenpay reply signature diagnosis"
            );
        }
        Ok(())
    }

    /// Shows what a received signature (`TTPay-Signature`, base64) encrypts next to
    /// `expected` (e.g. [`reply_signing_string`] of a reply). tokenpay's signature is reversible,
    /// so this tells you exactly what the other side signed.
    pub fn diagnose_signature(&self, signature_b64: &str, expected: &[u8]) -> SignatureDiagnosis {
        self.inner.key.diagnose(signature_b64, expected)
    }

    /// Finds out whether an order whose creation ended in [`Error::OutcomeUnknown`] exists:
    /// `Some(order)` if tokenpay has it, `None` if tokenpay answers that it does not exist (12002
    /// or 12003), in which case creating it again with the same `out_trade_no` is safe.
    ///
    /// # Errors
    /// As [`Client::send`] for the query.
    pub async fn reconcile(&self, out_trade_no: &str) -> Result<Option<TransactionDetail>> {
        match self
            .send(&QueryOrderRequest::by_out_trade_no(out_trade_no))
            .await
        {
            Ok(r) => Ok(Some(r.order)),
            Err(Error::Api(a)) if a.code().is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// As [`Client::reconcile`], for a payout.
    ///
    /// # Errors
    /// As [`Client::send`] for the query.
    pub async fn reconcile_payout(&self, out_trade_no: &str) -> Result<Option<TransactionDetail>> {
        match self
            .send(&QueryPayoutRequest::by_out_trade_no(out_trade_no))
            .await
        {
            Ok(r) => Ok(Some(r.payout)),
            Err(Error::Api(a)) if a.code().is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether a failed write may have been carried out.
/// What a request signed, with its parts named (`PATH\nTIMESTAMP\nNONCE\nBODY`), so the
/// redacted rendering in errors and logs lists the body's fields, never their values.
fn explain(message: &[u8], path: &str, timestamp: &str, nonce: &str) -> Explanation {
    let ts = path.len() + 1;
    let nc = ts + timestamp.len() + 1;
    let body = nc + nonce.len() + 1;
    Explanation::for_message(message, "").with_parts([
        ("path", 0..path.len()),
        ("timestamp", ts..ts + timestamp.len()),
        ("nonce", nc..nc + nonce.len()),
        ("body", body.min(message.len())..message.len()),
    ])
}

fn outcome_unknown(e: &Error) -> bool {
    match e {
        Error::Transport(t) => match t.kind() {
            crate::error::TransportErrorKind::HttpStatus(s) => s >= 500,
            _ => t.may_have_reached_provider(),
        },
        Error::Decode(_) | Error::Signature(_) => true,
        _ => false,
    }
}

fn first_header<'r>(raw: &'r RawResponse, names: &[&str]) -> Option<&'r str> {
    names.iter().find_map(|n| raw.header(n))
}

fn verify_reply(key: &AppKey, raw: &RawResponse) -> std::result::Result<(), SignatureProblem> {
    let ts = first_header(raw, &TIMESTAMP_HEADERS)
        .ok_or(SignatureProblem::Missing(TIMESTAMP_HEADERS[0]))?;
    let nonce =
        first_header(raw, &NONCE_HEADERS).ok_or(SignatureProblem::Missing(NONCE_HEADERS[0]))?;
    let sig = first_header(raw, &SIGNATURE_HEADERS)
        .ok_or(SignatureProblem::Missing(SIGNATURE_HEADERS[0]))?;
    key.verify(&reply_signing_string(ts, nonce, &raw.body), sig)
}

/// The envelope `{code, msg, request_id, data}`.
struct Envelope<'a> {
    code: i64,
    msg: String,
    request_id: Option<String>,
    data: Option<&'a str>,
}

fn parse_envelope<'a>(operation: &'static str, raw: &'a RawResponse) -> Result<Envelope<'a>> {
    let ok_status = (200..300).contains(&raw.status);
    let decode = |problem: &str| -> Error {
        if ok_status {
            DecodeError::garbled(operation, raw.status, problem, &raw.body).into()
        } else {
            TransportError::status(operation, raw.status).into()
        }
    };
    let text = std::str::from_utf8(&raw.body).map_err(|_| decode("the body is not UTF-8"))?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(decode("the body is empty"));
    }
    if trimmed.starts_with('<') {
        return Err(decode("the body is an HTML page, not JSON"));
    }
    let mut f = Fields::parse("", text)
        .map_err(|_| decode("the body is not a complete JSON object (truncated or malformed)"))?;
    let code = f
        .i64_opt("code")
        .map_err(|e| decode(&e.render()))?
        .ok_or_else(|| decode("`code` is missing"))?;
    let msg = f
        .str_opt("msg")
        .map_err(|e| decode(&e.render()))?
        .unwrap_or_default();
    let request_id = f.str_opt("request_id").map_err(|e| decode(&e.render()))?;
    if code == 0 && !ok_status {
        return Err(TransportError::status(operation, raw.status).into());
    }
    Ok(Envelope {
        code,
        msg,
        request_id,
        data: f.raw("data").map(|r| r.get()),
    })
}

/// Builds a [`Client`]. Setter problems surface from [`ClientBuilder::build`].
#[must_use]
pub struct ClientBuilder {
    app_id: String,
    mch_id: String,
    secret: Secret,
    base_url: String,
    cashier_base_url: Option<String>,
    transport: TransportConfig,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    timestamp_unit: TimestampUnit,
    reply_signatures: ReplySignatureMode,
    payout_paths: PayoutPaths,
    user_agent: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("app_secret", &self.secret)
            .field("base_url", &self.base_url)
            .field("timestamp_unit", &self.timestamp_unit)
            .field("reply_signatures", &self.reply_signatures)
            .field("payout_paths", &self.payout_paths)
            .finish_non_exhaustive()
    }
}

fn env_var(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not valid UTF-8")),
    }
}

impl ClientBuilder {
    fn new(app_id: String, mch_id: String, secret: Secret) -> Self {
        Self {
            app_id,
            mch_id,
            secret,
            base_url: DEFAULT_BASE_URL.to_owned(),
            cashier_base_url: None,
            transport: TransportConfig::new(),
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomHex::upper(32)),
            retry: RetryPolicy::default(),
            timestamp_unit: TimestampUnit::Millis,
            reply_signatures: ReplySignatureMode::RefuseInvalid,
            payout_paths: PayoutPaths::PayAnother,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }

    /// A builder from `TOKENPAY_BASE_URL` (optional), `TOKENPAY_APP_ID`, `TOKENPAY_MCH_ID` and
    /// `TOKENPAY_APP_SECRET`, to adjust further before [`ClientBuilder::build`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing variable.
    pub fn from_env() -> Result<Self> {
        let need = |name: &str| -> Result<String> {
            env_var(name)?.ok_or_else(|| Error::config(name, "is not set"))
        };
        let mut b = Self::new(
            need("TOKENPAY_APP_ID")?,
            need("TOKENPAY_MCH_ID")?,
            Secret::new(need("TOKENPAY_APP_SECRET")?),
        );
        if let Some(url) = env_var("TOKENPAY_BASE_URL")? {
            b.base_url = url;
        }
        Ok(b)
    }

    /// The API base URL (default `https://api.tokenpay.me`; `https` is required except on
    /// loopback).
    ///
    /// ```
    /// let c = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .base_url("http://127.0.0.1:8080")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8080/");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Where relative `payment_url`s are resolved (default: the API base URL).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .cashier_base_url("https://pay.tokenpay.me");
    /// ```
    pub fn cashier_base_url(mut self, url: impl Into<String>) -> Self {
        self.cashier_base_url = Some(url.into());
        self
    }

    /// Total time allowed per attempt, body included (default 30 s). Also the default
    /// [`ClientBuilder::call_deadline`].
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .timeout(std::time::Duration::from_secs(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport.timeout = timeout;
        self
    }

    /// The most time one call ([`Client::send`]) may take, every attempt and retry pause
    /// included (default: the [`ClientBuilder::timeout`], so a call never takes longer than
    /// that). Each attempt's timeout is capped at the time left, and a retry starts only when
    /// enough is left ([`RetryPolicy::min_attempt_time`]); set it above `timeout` to leave room
    /// for a retry after an attempt that timed out. A write whose outcome is unknown when the
    /// deadline passes is still [`Error::OutcomeUnknown`].
    ///
    /// ```
    /// use std::time::Duration;
    /// // Each attempt up to 3 s; the whole call, retries included, up to 8 s.
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .timeout(Duration::from_secs(3))
    ///     .call_deadline(Duration::from_secs(8));
    /// ```
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.transport.call_deadline = Some(deadline);
        self
    }

    /// Time allowed to connect (default 10 s).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .connect_timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// A reqwest client to reuse. Build it with `redirect(reqwest::redirect::Policy::none())`.
    ///
    /// ```
    /// let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef").http_client(http);
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.transport.http_client = Some(client);
        self
    }

    /// The clock that stamps requests (inject a fixed one for byte-stable tests).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .clock(Arc::new(payhub_runtime::FixedClock::from_millis(1_763_800_000_000)));
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The nonce source (default: 32 upper-case hex characters from the OS CSPRNG).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .nonce_source(Arc::new(payhub_runtime::RandomHex::upper(32)));
    /// ```
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Retries of idempotent calls and of rate-limited calls (default: 3 attempts, 200 ms
    /// initial jittered backoff).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .retry_policy(payhub_runtime::RetryPolicy::none());
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest reply body accepted (default 4 MiB).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef").max_body_bytes(1 << 20);
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.transport.max_body_bytes = bytes;
        self
    }

    /// The signed timestamp's unit (default milliseconds; the docs also show seconds).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .timestamp_unit(tokenpay::sign::TimestampUnit::Seconds);
    /// ```
    pub fn timestamp_unit(mut self, unit: TimestampUnit) -> Self {
        self.timestamp_unit = unit;
        self
    }

    /// How reply signatures are treated (default [`ReplySignatureMode::RefuseInvalid`]: a
    /// present, wrong signature is refused; an absent one is logged).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .reply_signatures(tokenpay::ReplySignatureMode::Strict);
    /// ```
    pub fn reply_signatures(mut self, mode: ReplySignatureMode) -> Self {
        self.reply_signatures = mode;
        self
    }

    /// The payout path family (default `/v1/payanother/*`).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
    ///     .payout_paths(tokenpay::api::PayoutPaths::Payout);
    /// ```
    pub fn payout_paths(mut self, paths: PayoutPaths) -> Self {
        self.payout_paths = paths;
        self
    }

    /// The `User-Agent` header (default `tokenpay API (https://tokenpay.me)`).
    ///
    /// ```
    /// let _b = tokenpay::Client::builder("app", "mch", "0123456789abcdef0123456789abcdef").user_agent("shop/1.0");
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty id, a secret that is not 32 bytes, a bad base URL, a
    /// user agent that is not a valid header value or a zero call deadline.
    pub fn build(self) -> Result<Client> {
        for (name, value) in [("app_id", &self.app_id), ("mch_id", &self.mch_id)] {
            if value.trim().is_empty() {
                return Err(Error::config(name, "must not be empty"));
            }
            if value
                .chars()
                .any(|c| c == ',' || c == '=' || c.is_whitespace() || c.is_control())
            {
                return Err(Error::config(
                    name,
                    "must not contain commas, `=`, spaces or control characters (it goes into \
                     the Authorization header)",
                ));
            }
        }
        let key = AppKey::new(&self.secret)?;
        let base_url =
            parse_base_url(&self.base_url).map_err(|e| Error::config("base_url", e.to_string()))?;
        let cashier_base = match &self.cashier_base_url {
            Some(u) => {
                parse_base_url(u).map_err(|e| Error::config("cashier_base_url", e.to_string()))?
            }
            None => base_url.clone(),
        };
        if http::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(Error::config("user_agent", "is not a valid header value"));
        }
        if self.transport.call_deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::config("call_deadline", "must be more than zero"));
        }
        let transport = Transport::new(&base_url, self.transport)
            .map_err(|e| Error::config("http_client", e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                app_id: self.app_id,
                mch_id: self.mch_id,
                key: Arc::new(key),
                base_url,
                cashier_base,
                transport,
                clock: self.clock,
                nonce: self.nonce,
                retry: self.retry,
                timestamp_unit: self.timestamp_unit,
                reply_signatures: self.reply_signatures,
                payout_paths: self.payout_paths,
                user_agent: self.user_agent,
            }),
        })
    }
}
