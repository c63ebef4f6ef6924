//! [`Client`]: prepares (validates, serializes once, signs) requests and sends them through the
//! shared [`payhub_runtime::Pipeline`] (reads retried, re-signed; orders never resent).

use std::fmt;
use std::sync::Arc;

use payhub_runtime::{Call, ClientOptions, Pipeline, PreparedRequest, RawResponse};

use crate::Reconciliation;
use crate::api::{Operation, OrderInfoRequest, OrderInfoResponse};
use crate::credentials::Credentials;
use crate::error::{ConfigError, Error, Result, ValidationError};
use crate::notify::NotifyVerifier;
use crate::protocol::Vipcharge;
use crate::settings::Resolved;
use crate::types::{ReplyStatus, SignType};

mod builder;

pub use builder::ClientBuilder;

struct Inner {
    protocol: Vipcharge,
    pipeline: Pipeline,
    options: ClientOptions,
    settings: Resolved,
}

/// The platform client. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once and
/// reuse it; keys are loaded once and shared. Start with [`Client::builder`] or
/// [`Client::from_env`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (url, settings) = (self.base_url(), &self.inner.settings);
        write!(f, "Client {{ base_url: {url:?}, {settings:?} }}")
    }
}

impl Client {
    /// A builder with the merchant ID (商家ID), the business ID (业务ID, the `businessId`
    /// header) and the signing credentials.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials};
    /// let pem = std::fs::read("../../fixtures/vectors/vipcharge_test_key.pem").unwrap();
    /// let client = Client::builder("166", "166", Credentials::sha256_rsa_pem(pem))
    ///     .base_url("https://open.example.com")
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.sign_type().as_str(), "SHA256-RSA");
    /// ```
    pub fn builder(
        merchant_id: impl Into<String>,
        business_id: impl Into<String>,
        credentials: Credentials,
    ) -> ClientBuilder {
        ClientBuilder::new(merchant_id.into(), business_id.into(), credentials)
    }

    /// A client from the `VIPCHARGE_*` environment variables ([`ClientBuilder::from_vars`]).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or setting at fault.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The merchant ID.
    pub fn merchant_id(&self) -> &str {
        &self.inner.settings.merchant_id
    }

    /// The business ID.
    pub fn business_id(&self) -> &str {
        &self.inner.settings.business_id
    }

    /// How requests are signed.
    pub fn sign_type(&self) -> SignType {
        self.inner.settings.keys.signer.sign_type()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.pipeline.base_url()
    }

    /// Validates, serializes the body once, and signs it, with no I/O (with a pinned clock and
    /// nonce source, byte-for-byte deterministic: the golden vectors are checked this way).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and rule; [`Error::Config`] when the request needs
    /// a key that is not configured (card codes) or the nonce source yields an unusable value.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        req.validate()?;
        let (s, options) = (&self.inner.settings, &self.inner.options);
        s.check_card_key(req.needs_card_key())?;
        let body = req
            .write_body(&s.body_context())
            .map_err(|e| ValidationError::new("body", format!("cannot be serialized: {e}")))?;
        let (nonce, now) = (options.nonce.nonce(), options.clock.now_millis());
        let prepared = s.signed_request(O::NAME, O::PATH, nonce, now, body)?;
        Ok(prepared.idempotency(O::IDEMPOTENCY))
    }

    /// Prepares, sends and reads the reply. Reads are retried (fresh nonce and timestamp each
    /// time) on connection failures, timeouts, HTTP 5xx and statuses 5, 6, 98, 99; orders are
    /// sent once. The whole call ends within the `call_deadline` (default: the `timeout`).
    ///
    /// # Errors
    /// [`Error::Validation`] / [`Error::Config`] before anything is sent;
    /// [`Error::OutcomeUnknown`] when an order may exist (timeout, reset, HTTP 5xx, unreadable
    /// or refused reply, statuses 5, 6, 8, 98, 99: reconcile, never resend); [`Error::Api`] for
    /// other statuses; [`Error::Transport`], [`Error::Decode`], [`Error::Signature`].
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        let i = &*self.inner;
        let call = Call::new(O::NAME, O::IDEMPOTENCY, &i.settings.merchant_id)
            .order_no(req.biz_code_ref())
            .provider_order_no(req.order_code_ref());
        let read = |raw: &RawResponse| i.settings.reader().read(req, raw);
        i.pipeline
            .execute(&i.protocol, call, || self.prepare(req), read)
            .await
    }

    /// Queries an order by its merchant order number: the answer to an
    /// [`Error::OutcomeUnknown`]. Status 7 (resource does not exist) is
    /// [`Reconciliation::NotFound`]: the order never landed.
    ///
    /// # Errors
    /// As [`Client::send`] for a read.
    pub async fn reconcile(&self, biz_code: &str) -> Result<Reconciliation<OrderInfoResponse>> {
        match self.send(&OrderInfoRequest::by_biz_code(biz_code)).await {
            Ok(order) => Ok(Reconciliation::Found(order)),
            Err(Error::Api(e)) if *e.code() == ReplyStatus::NotFound => {
                Ok(Reconciliation::NotFound)
            }
            Err(e) => Err(e),
        }
    }

    /// A callback verifier for this business: the platform verifier (the secret for MD5
    /// merchants; `platform_public_key` for RSA merchants), the client's clock, callback body
    /// limit and freshness window.
    ///
    /// # Errors
    /// [`Error::Config`] for an RSA merchant without `platform_public_key` or
    /// `platform_verifier` (the docs do not say which key signs RSA callbacks).
    pub fn notify_verifier(&self) -> Result<NotifyVerifier> {
        let options = &self.inner.options;
        let clock = Arc::clone(&options.clock);
        Ok(self
            .inner
            .settings
            .notify_verifier(clock, options.max_notify_body_bytes)?)
    }

    /// Reads a reply obtained by other means (your own transport, a recorded exchange) exactly
    /// as [`Client::send`] reads one: envelope, status mapping, reply signature, typed data.
    ///
    /// # Errors
    /// As [`Client::send`] after the exchange.
    pub fn read_reply<O: Operation>(
        &self,
        req: &O,
        http_status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<O::Response> {
        let reader = self.inner.settings.reader();
        reader.read_parts(req, http_status, headers, body)
    }

    /// Decrypts one base64 value encrypted to the merchant key (a field this crate does not
    /// type), with the configured card key.
    ///
    /// # Errors
    /// [`Error::Config`] without a card key; [`Error::Decode`] when it does not decrypt.
    pub fn decrypt_card_value(&self, base64_text: &str) -> Result<crate::card::CardSecret> {
        let key = self.inner.settings.keys.card_key.as_ref();
        let key =
            key.ok_or_else(|| ConfigError::new("card_key", "no merchant private key configured"))?;
        Ok(crate::card::decrypt(key, base64_text)?)
    }
}
