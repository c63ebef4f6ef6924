//! [`Client`]: prepares (validates, serializes once, signs) and sends Cashy requests.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use payhub_runtime::{
    Clock, Deadline, Idempotency, Method, NonceSource, PreparedRequest, RetryPolicy, Transport,
};
use sign_core::{Md5Signer, Secret};
use tracing::{Instrument as _, Span, field};

use crate::api::{
    self, Operation, OrderKind, PayDeskQueryRequest, PayDeskQueryResponse, PayInQueryRequest,
    PayInQueryResponse, PayOutQueryRequest, PayOutQueryResponse, RawReply, RawRequest,
};
use crate::error::{ApiErrorCode, ConfigError, Error, OutcomeUnknown, Result};
use crate::notify::NotifyVerifier;
use crate::profile::Profiles;
use crate::sign::{self, CONTENT_TYPE, MERCHANT_ID_HEADER, SIGN_HEADER};

mod builder;

pub use builder::{ClientBuilder, ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ID};

/// A Cashy client for one merchant. Cheap to clone (an `Arc` inside), `Send + Sync`: build it
/// once and reuse it, so connections are pooled.
///
/// ```no_run
/// use paydesk::Client;
/// use paydesk::api::PayDeskRequest;
/// use rust_decimal::Decimal;
/// # async fn run() -> paydesk::Result<()> {
/// let client = Client::from_env()?;
/// let order = client
///     .send(
///         &PayDeskRequest::new("M0001", "TZS", Decimal::from(1000), "https://shop.example/notify")
///             .mobile_money_phone("721323213")
///             .real_name("Jeck")
///             .phone("255700000001")
///             .email("payer@example.com")
///             .remark("order M0001"),
///     )
///     .await?;
/// println!("{} {:?}", order.order_no, order.pay_url);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    merchant_id: u64,
    api_key: Secret,
    signer: Md5Signer,
    transport: Transport,
    #[allow(dead_code)] // Kept for parity with sibling clients; Cashy signs no timestamp.
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    profiles: Profiles,
    codes: crate::types::CodeFormats,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("merchant_id", &self.inner.merchant_id)
            .field("base_url", &self.inner.transport.base_url())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// What [`Client::reconcile`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconciliation {
    /// Cashy has no such order: the create never landed and may be sent again.
    NotFound,
    /// The cashier order exists.
    Cashier(PayDeskQueryResponse),
    /// The payin exists.
    PayIn(PayInQueryResponse),
    /// The payout exists.
    PayOut(PayOutQueryResponse),
}

impl Client {
    /// Starts a builder with the numeric merchant id and the apiKey Cashy issued.
    ///
    /// ```
    /// let client = paydesk::Client::builder(1002001, "testApiKey")
    ///     .base_url("https://api.cashy.example")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), paydesk::Error>(())
    /// ```
    pub fn builder(merchant_id: u64, api_key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(merchant_id, api_key.into())
    }

    /// A client from `PAYDESK_BASE_URL`, `PAYDESK_MERCHANT_ID` and `PAYDESK_API_KEY`.
    ///
    /// ```no_run
    /// let client = paydesk::Client::from_env()?;
    /// # let _ = client;
    /// # Ok::<(), paydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or malformed variable.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The merchant id sent in the `MerchantId` header.
    pub fn merchant_id(&self) -> u64 {
        self.inner.merchant_id
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// How `payType`, `accountType` and `bankId` are written
    /// ([`ClientBuilder::code_format`]; default: JSON numbers).
    pub fn code_formats(&self) -> crate::types::CodeFormats {
        self.inner.codes
    }

    /// The amount profiles requests are validated against.
    pub fn profiles(&self) -> &Profiles {
        &self.inner.profiles
    }

    /// A notify verifier with this client's merchant id and apiKey.
    ///
    /// ```
    /// let client = paydesk::Client::builder(1002001, "k").base_url("http://127.0.0.1:1").build()?;
    /// let verifier = client.notify_verifier();
    /// # let _ = verifier;
    /// # Ok::<(), paydesk::Error>(())
    /// ```
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::new(self.inner.merchant_id, self.inner.api_key.clone())
    }

    /// Validates `req`, serializes its body once and signs those bytes: the exact request that
    /// [`Client::send`] would put on the wire. No I/O; deterministic when the request sets its
    /// `nonceStr` (or with a fixed nonce source).
    ///
    /// ```
    /// use paydesk::Client;
    /// use paydesk::api::BalanceRequest;
    /// let client = Client::builder(1002001, "testApiKey").base_url("http://127.0.0.1:1").build()?;
    /// let prepared = client.prepare(&BalanceRequest::new().nonce_str("4190026990"))?;
    /// assert_eq!(prepared.body_bytes(), br#"{"nonceStr":"4190026990"}"#);
    /// assert_eq!(prepared.header_value("Sign"), Some("D8DC6AC630F87E8E3540E9AE27713F22"));
    /// # Ok::<(), paydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] listing every broken rule; [`Error::Config`] if the nonce source
    /// yields an unusable value.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        let nonce = match req.ids().nonce_str {
            Some(n) => n.to_owned(),
            None => self.fresh_nonce()?,
        };
        let body = api::encode(req, &nonce, &self.inner.profiles, self.inner.codes)?;
        self.signed(O::NAME, Cow::Borrowed(O::PATH), O::IDEMPOTENCY, body)
    }

    /// Signs the bytes of a [`RawRequest`] as they are.
    ///
    /// # Errors
    /// [`Error::Config`] if the path does not look like `/api/<name>`.
    pub fn prepare_raw(&self, req: &RawRequest) -> Result<PreparedRequest> {
        req.check()?;
        self.signed(
            "raw",
            Cow::Owned(req.path().to_owned()),
            req.idempotency(),
            req.body().to_vec(),
        )
    }

    fn signed(
        &self,
        operation: &'static str,
        path: Cow<'static, str>,
        idempotency: Idempotency,
        body: Vec<u8>,
    ) -> Result<PreparedRequest> {
        let signature = sign::sign(&self.inner.signer, &body).map_err(Error::Signature)?;
        // The explanation (the body plus `***`) is built only if asked for: an error report or
        // `--explain`, not every call.
        Ok(PreparedRequest::new(operation, Method::Post, path)
            .header(MERCHANT_ID_HEADER, self.inner.merchant_id.to_string())
            .sensitive_header(SIGN_HEADER, signature)
            .body(CONTENT_TYPE, body)
            .idempotency(idempotency)
            .explain_body(sign::MASKED_KEY))
    }

    fn fresh_nonce(&self) -> Result<String> {
        let nonce = self.inner.nonce.nonce();
        let len = nonce.chars().count();
        if len == 0 || len > 32 || nonce.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::new(
                "nonce_source",
                format!("produced an unusable nonceStr ({len} characters; 1 to 32 without spaces)"),
            )
            .into());
        }
        Ok(nonce)
    }

    /// Prepares and sends `req`, checks the reply envelope and returns the typed `data`.
    ///
    /// Reads (queries, balance, bank lists) are retried with jittered backoff on network
    /// errors, HTTP 5xx, `System_busy` and `System_Maintenance`. Creates are sent once: when
    /// the outcome is unknown the error is [`Error::OutcomeUnknown`]; call
    /// [`Client::reconcile`] before sending again. The whole call, retries included, ends
    /// within the [`call_deadline`](ClientBuilder::call_deadline) (default: the `timeout`); past
    /// it, the error is the last attempt's (a transport timeout).
    ///
    /// ```no_run
    /// use paydesk::api::PayInQueryRequest;
    /// # async fn run(client: paydesk::Client) -> paydesk::Result<()> {
    /// let payin = client.send(&PayInQueryRequest::by_order_no("PAYIN8551844049125523456")).await?;
    /// if payin.status.is_final() {
    ///     println!("{} is {}", payin.order_no, payin.status);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Any [`Error`] variant but `Notify`.
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        let prepared = self.prepare(req)?;
        let ids = req.ids();
        let span = call_span(O::NAME, ids.mch_order_no, ids.order_no);
        self.execute(&prepared, O::KIND, ids.mch_order_no, api::parse_reply::<O>)
            .instrument(span)
            .await
    }

    /// Sends a [`RawRequest`] and returns the raw `data` of a success envelope.
    ///
    /// # Errors
    /// As [`Client::send`]; a raw create with an unknown outcome is [`Error::OutcomeUnknown`]
    /// without an order kind.
    pub async fn send_raw(&self, req: &RawRequest) -> Result<RawReply> {
        let prepared = self.prepare_raw(req)?;
        let span = call_span("raw", None, None);
        self.execute(&prepared, None, None, |status, body| {
            api::open_raw(status, body).map(|data| RawReply { data })
        })
        .instrument(span)
        .await
    }

    /// After [`Error::OutcomeUnknown`]: asks Cashy whether the order `mch_order_no` exists.
    /// [`Reconciliation::NotFound`] means the create never landed and can be sent again with
    /// the same `mchOrderNo`.
    ///
    /// ```no_run
    /// use paydesk::{Error, Reconciliation};
    /// # async fn run(client: paydesk::Client, req: paydesk::api::PayOutRequest) -> paydesk::Result<()> {
    /// match client.send(&req).await {
    ///     Err(Error::OutcomeUnknown(e)) => {
    ///         if let (Some(kind), Some(mch)) = (e.kind(), e.mch_order_no()) {
    ///             match client.reconcile(kind, mch).await? {
    ///                 Reconciliation::NotFound => { /* safe to send again */ }
    ///                 found => println!("it was created: {found:?}"),
    ///             }
    ///         }
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::send`] for the query (an order that does not exist is not an error).
    pub async fn reconcile(&self, kind: OrderKind, mch_order_no: &str) -> Result<Reconciliation> {
        let found = match kind {
            OrderKind::Cashier => self
                .send(&PayDeskQueryRequest::by_mch_order_no(mch_order_no))
                .await
                .map(Reconciliation::Cashier),
            OrderKind::PayIn => self
                .send(&PayInQueryRequest::by_mch_order_no(mch_order_no))
                .await
                .map(Reconciliation::PayIn),
            OrderKind::PayOut => self
                .send(&PayOutQueryRequest::by_mch_order_no(mch_order_no))
                .await
                .map(Reconciliation::PayOut),
        };
        match found {
            Err(Error::Api(e)) if e.error_code().is_not_found() => Ok(Reconciliation::NotFound),
            other => other,
        }
    }

    async fn execute<T>(
        &self,
        prepared: &PreparedRequest,
        kind: Option<OrderKind>,
        mch_order_no: Option<&str>,
        parse: impl Fn(u16, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let deadline = self.inner.transport.deadline();
        let result = if prepared.idempotency_kind() == Idempotency::Safe {
            self.inner
                .retry
                .run_until(
                    deadline,
                    |n| self.attempt(prepared, n, deadline, &parse),
                    Error::is_retryable,
                )
                .await
        } else {
            self.attempt(prepared, 1, deadline, &parse)
                .await
                .map_err(|e| {
                    if outcome_unknown(&e) {
                        OutcomeUnknown::new(prepared.operation(), kind, mch_order_no, e).into()
                    } else {
                        e
                    }
                })
        };
        let span = Span::current();
        span.record("latency_ms", elapsed_ms(started));
        match &result {
            Ok(_) => {
                span.record("outcome", "ok");
            }
            Err(e) => {
                span.record("outcome", outcome_label(e));
                // `Display` of every error is free of personal data (a refused signature shows
                // field names and lengths, not values).
                tracing::warn!(error = %e, "call failed");
            }
        }
        result
    }

    async fn attempt<T>(
        &self,
        prepared: &PreparedRequest,
        attempt: u32,
        deadline: Deadline,
        parse: &impl Fn(u16, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let span = Span::current();
        span.record("attempt", attempt);
        let started = Instant::now();
        let result = match self.inner.transport.send_until(prepared, deadline).await {
            Ok(reply) => {
                span.record("http_status", reply.status);
                parse(reply.status, &reply.body).map_err(|e| match e {
                    Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
                    other => other,
                })
            }
            Err(e) => Err(Error::Transport(e)),
        };
        match &result {
            Ok(_) => tracing::debug!(attempt, latency_ms = elapsed_ms(started), "attempt ok"),
            Err(e) => tracing::debug!(
                attempt,
                latency_ms = elapsed_ms(started),
                retryable = e.is_retryable(),
                error = %e,
                "attempt failed"
            ),
        }
        result
    }
}

/// The span of one call. The apiKey and the signature are never recorded.
fn call_span(operation: &'static str, mch_order_no: Option<&str>, order_no: Option<&str>) -> Span {
    tracing::info_span!(
        "paydesk.call",
        provider = "paydesk",
        operation,
        mch_order_no = mch_order_no.map(field::display),
        order_no = order_no.map(field::display),
        attempt = field::Empty,
        http_status = field::Empty,
        latency_ms = field::Empty,
        outcome = field::Empty,
    )
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Whether a create that failed this way may still have been processed.
fn outcome_unknown(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.outcome_unknown(),
        Error::Decode(_) => true,
        Error::Api(a) => {
            *a.error_code() == ApiErrorCode::SystemError
                || (matches!(a.error_code(), ApiErrorCode::Unknown(_)) && a.http_status() >= 500)
        }
        _ => false,
    }
}

fn outcome_label(e: &Error) -> &'static str {
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
