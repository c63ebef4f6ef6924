//! [`Client`]: prepares (validates, serializes once, signs) requests and sends them through the
//! shared pipeline ([`payhub_runtime::Pipeline`]: reads retried with a fresh signature, orders
//! never resent).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use payhub_runtime::{Call, ClientOptions, Pipeline, PreparedRequest, RawResponse};

use crate::Reconciliation;
use crate::api::{BodyContext, Operation, OrderInfoRequest, OrderInfoResponse};
use crate::api::{ReplyReader, ReplyVerification};
use crate::credentials::{Credentials, Keys};
use crate::error::{ConfigError, Error, Result, ValidationError};
use crate::notify::{Freshness, NotifyVerifier};
use crate::protocol::Vipcharge;
use crate::types::{ReplyStatus, SignType};

mod builder;

pub use builder::ClientBuilder;

struct Inner {
    protocol: Vipcharge,
    pipeline: Pipeline,
    merchant_id: String,
    business_id: String,
    keys: Keys,
    send_sign_type: bool,
    reply_verification: ReplyVerification,
    options: ClientOptions,
    status_fields: Vec<String>,
    notify_freshness: Option<Freshness>,
}

/// The platform client. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once and
/// reuse it; keys are loaded once and shared.
///
/// ```no_run
/// # async fn run() -> vipcharge::Result<()> {
/// use vipcharge::api::VipChargeRequest;
/// let client = vipcharge::Client::from_env()?;
/// let accepted = client.send(&VipChargeRequest::new("87103", "w23b52", "BIZ-0001")).await?;
/// println!("{:?}", accepted.order_code());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("merchant_id", &i.merchant_id)
            .field("business_id", &i.business_id)
            .field("sign_type", &i.keys.signer.sign_type())
            .field("send_sign_type", &i.send_sign_type)
            .field("reply_verification", &i.reply_verification)
            .field("card_key", &i.keys.card_key.is_some())
            .field("platform_verifier", &i.keys.platform)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the required settings: the merchant ID (商家ID), the business ID (业务ID,
    /// also the `businessId` header) and the signing credentials.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials};
    /// let pem = std::fs::read("../../fixtures/vectors/vipcharge_test_key.pem").unwrap();
    /// let client = Client::builder("166", "166", Credentials::sha256_rsa_pem(pem))
    ///     .base_url("https://open.example.com")
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
        &self.inner.merchant_id
    }

    /// The business ID.
    pub fn business_id(&self) -> &str {
        &self.inner.business_id
    }

    /// How requests are signed.
    pub fn sign_type(&self) -> SignType {
        self.inner.keys.signer.sign_type()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.pipeline.transport().base_url()
    }

    /// Validates, serializes the body once, and signs it, with no I/O. With an injected clock
    /// and nonce source the result is byte-for-byte deterministic.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use payhub_runtime::{FixedClock, FixedNonce};
    /// use vipcharge::{Client, Credentials, api::OrderInfoRequest};
    /// let client = Client::builder("166", "166", Credentials::md5("testSignKey"))
    ///     .base_url("https://open.example.com")
    ///     .clock(Arc::new(FixedClock::from_millis(1628757969177)))
    ///     .nonce_source(Arc::new(FixedNonce("b1946ac9-2492-4d23-87c6-235b4d261118".into())))
    ///     .build()
    ///     .unwrap();
    /// let req = client.prepare(&OrderInfoRequest::by_order_code("33976").biz_code("33976")).unwrap();
    /// assert_eq!(req.header_value("sign"), Some("A99797A5CE70CF7810E24389A53B7BE5"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and rule; [`Error::Config`] when the request needs
    /// a key that is not configured (card codes) or the nonce source yields an unusable value.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        req.validate()?;
        let i = &*self.inner;
        if req.needs_card_key() && i.keys.card_key.is_none() {
            return Err(ConfigError::new(
                "card_key",
                "this purchase returns codes encrypted to the merchant RSA key; configure the \
                 merchant private key before buying (nothing was sent)",
            )
            .into());
        }
        let ctx = BodyContext {
            merchant_id: &i.merchant_id,
            business_id: &i.business_id,
        };
        let body = req
            .write_body(&ctx)
            .map_err(|e| ValidationError::new("body", format!("cannot be serialized: {e}")))?;
        let timestamp = i.options.clock.now_millis().to_string();
        let nonce = i.options.nonce.nonce();
        if nonce.is_empty() || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "nonce_source",
                "produced a nonce that is empty, longer than 128 bytes or not visible ASCII",
            )
            .into());
        }
        let signer = &i.keys.signer;
        let (name, path, send_type) = (O::NAME, O::PATH, i.send_sign_type);
        let prepared = signer
            .signed_request(
                name,
                path,
                &i.business_id,
                nonce,
                timestamp,
                send_type,
                body,
            )
            .map_err(|e| ConfigError::with_source("private_key", "signing failed", e))?;
        Ok(prepared.idempotency(O::IDEMPOTENCY))
    }

    /// Prepares, sends and reads the reply, in one `payhub.call` span. Reads are retried (fresh
    /// nonce and timestamp each time) on connection failures, timeouts, HTTP 5xx and statuses
    /// 5, 6, 98, 99. Orders are sent exactly once. The whole call, retries included, ends
    /// within the `call_deadline` (default: the `timeout`).
    ///
    /// # Errors
    /// - [`Error::Validation`] / [`Error::Config`] before anything is sent;
    /// - [`Error::OutcomeUnknown`] when an order may exist (timeout, reset, HTTP 5xx, unreadable
    ///   or refused reply, statuses 5, 6, 8, 98, 99): reconcile with [`Client::reconcile`];
    /// - [`Error::Api`] for any other non-zero status; [`Error::Transport`] when nothing was
    ///   delivered (or a read kept failing); [`Error::Decode`] / [`Error::Signature`] when a
    ///   read's reply is unreadable or its signature refused.
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        let i = &*self.inner;
        let call = Call::new(O::NAME, O::IDEMPOTENCY, &i.merchant_id)
            .order_no(req.biz_code_ref())
            .provider_order_no(req.order_code_ref());
        let (prepare, read) = (
            || self.prepare(req),
            |raw: &RawResponse| self.reader().read(req, raw),
        );
        i.pipeline.execute(&i.protocol, call, prepare, read).await
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
            Err(Error::Api(e)) if *e.status() == ReplyStatus::NotFound => {
                Ok(Reconciliation::NotFound)
            }
            Err(e) => Err(e),
        }
    }

    /// A callback verifier for this business, with the platform verifier (the secret for MD5
    /// merchants; `platform_public_key` for RSA merchants), the client's clock, callback body
    /// limit and freshness window.
    ///
    /// # Errors
    /// [`Error::Config`] for an RSA merchant without `platform_public_key` or
    /// `platform_verifier` (the docs do not say which key signs RSA callbacks).
    pub fn notify_verifier(&self) -> Result<NotifyVerifier> {
        let i = &*self.inner;
        let verifier = i.keys.platform.clone().ok_or_else(|| {
            ConfigError::new(
                "platform_public_key",
                "RSA merchants verify callbacks with the platform public key; set \
                 platform_public_key or platform_verifier",
            )
        })?;
        Ok(NotifyVerifier::new(i.business_id.clone(), verifier)
            .max_body_bytes(i.options.max_notify_body_bytes)
            .order_status_fields(i.status_fields.iter().cloned())
            .freshness(i.notify_freshness)
            .clock(Arc::clone(&i.options.clock)))
    }

    /// Reads a reply obtained by other means (your own transport, a recorded exchange) exactly
    /// as [`Client::send`] reads one: envelope, status mapping, reply signature, typed data.
    ///
    /// ```
    /// use vipcharge::{Client, Credentials, api::BalanceRequest};
    /// let client = Client::builder("19", "19", Credentials::md5("k"))
    ///     .base_url("https://open.example.com").build().unwrap();
    /// let body = br#"{"status":0,"message":"ok","data":{"creditLine":381,"amount":"164.50"}}"#;
    /// let balance = client
    ///     .read_reply(&BalanceRequest::new(), 200, &http::HeaderMap::new(), body)
    ///     .unwrap();
    /// assert_eq!(balance.amount().unwrap().to_string(), "164.50");
    /// ```
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
        let raw = RawResponse {
            status: http_status,
            headers: headers.clone(),
            body: bytes::Bytes::copy_from_slice(body),
            elapsed: Duration::ZERO,
        };
        self.reader().read(req, &raw)
    }

    /// Decrypts one base64 value encrypted to the merchant key (a field this crate does not
    /// type), with the configured card key.
    ///
    /// # Errors
    /// [`Error::Config`] without a card key; [`Error::Decode`] when it does not decrypt.
    pub fn decrypt_card_value(&self, base64_text: &str) -> Result<crate::card::CardSecret> {
        let key = self.inner.keys.card_key.as_ref();
        let key = key.ok_or_else(|| ConfigError::new("card_key", "no merchant private key"))?;
        Ok(crate::card::decrypt(key, base64_text)?)
    }

    fn reader(&self) -> ReplyReader<'_> {
        let i = &*self.inner;
        ReplyReader {
            verification: i.reply_verification,
            platform: i.keys.platform.as_ref(),
            card_key: i.keys.card_key.as_ref(),
            status_fields: &i.status_fields,
        }
    }
}
