//! [`Client`]: prepares (validates, serializes once, signs) Cashy requests and runs them through
//! the shared [`Pipeline`] with the [`Paydesk`] protocol: nothing here sends or retries.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use payhub_runtime::{Call, NonceSource, Pipeline, PreparedRequest, RawResponse};
use sign_core::Secret;

use crate::api::{self, Operation, Order, OrderKind, RawReply, RawRequest};
use crate::api::{PayDeskQueryRequest, PayInQueryRequest, PayOutQueryRequest};
use crate::error::{Error, Result};
use crate::notify::NotifyVerifier;
use crate::profile::Profiles;
use crate::protocol::Paydesk;
use crate::types::CodeFormats;
use crate::{Reconciliation, sign};

mod builder;

pub use builder::{ClientBuilder, ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ID};

/// A Cashy client for one merchant. Cheap to clone (an `Arc` inside), `Send + Sync`: build it
/// once and reuse it, so connections are pooled. Examples: the [crate docs](crate).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    merchant: sign::Merchant,
    pipeline: Pipeline,
    nonce: Arc<dyn NonceSource>,
    profiles: Profiles,
    codes: CodeFormats,
    verifier: NotifyVerifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("merchant_id", &self.merchant_id())
            .field("pipeline", &self.inner.pipeline)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder with the numeric merchant id and the apiKey Cashy issued (example:
    /// [`ClientBuilder`]).
    pub fn builder(merchant_id: u64, api_key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(merchant_id, api_key.into())
    }

    /// A client from `PAYDESK_BASE_URL`, `PAYDESK_MERCHANT_ID` and `PAYDESK_API_KEY`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or malformed variable.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The merchant id sent in the `MerchantId` header.
    pub fn merchant_id(&self) -> u64 {
        self.inner.merchant.id()
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.pipeline.base_url()
    }

    /// How `payType`, `accountType` and `bankId` are written ([`ClientBuilder::code_format`]).
    pub fn code_formats(&self) -> CodeFormats {
        self.inner.codes
    }

    /// The amount profiles requests are validated against.
    pub fn profiles(&self) -> &Profiles {
        &self.inner.profiles
    }

    /// A notify verifier with this client's merchant id, apiKey and
    /// [`max_notify_body_bytes`](ClientBuilder::max_notify_body_bytes).
    pub fn notify_verifier(&self) -> NotifyVerifier {
        self.inner.verifier.clone()
    }

    /// Validates `req`, serializes its body once and signs those bytes: the exact request that
    /// [`Client::send`] would put on the wire. No I/O; deterministic with a fixed `nonceStr`.
    ///
    /// # Errors
    /// [`Error::Validation`] listing every broken rule; [`Error::Config`] if the nonce source
    /// yields an unusable value.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        let i = &self.inner;
        let body = api::encode(req, i.nonce.as_ref(), &i.profiles, i.codes)?;
        i.merchant
            .request(O::NAME, Cow::Borrowed(O::PATH), O::IDEMPOTENCY, body)
    }

    /// Signs the bytes of a [`RawRequest`] as they are.
    ///
    /// # Errors
    /// [`Error::Config`] if the path does not look like `/api/<name>`.
    pub fn prepare_raw(&self, req: &RawRequest) -> Result<PreparedRequest> {
        req.prepare(&self.inner.merchant)
    }

    /// Prepares and sends `req`, checks the reply envelope and returns the typed `data`, within
    /// the [`call_deadline`](ClientBuilder::call_deadline). Reads are retried as [`Paydesk`] says;
    /// a create is sent once: [`Error::OutcomeUnknown`] means [`Client::reconcile`] first.
    ///
    /// # Errors
    /// Any [`Error`] variant but `Notify`.
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        let ids = req.ids();
        let call = Call::new(O::NAME, O::IDEMPOTENCY, self.inner.merchant.id_text())
            .order_no(ids.mch_order_no)
            .provider_order_no(ids.order_no);
        let parse = |r: &RawResponse| api::parse_reply::<O>(r.status, &r.body);
        let pipeline = &self.inner.pipeline;
        pipeline
            .execute(&Paydesk, call, || self.prepare(req), parse)
            .await
    }

    /// Sends a [`RawRequest`] and returns the raw `data` of a success envelope.
    ///
    /// # Errors
    /// As [`Client::send`]; a raw create with an unknown outcome is [`Error::OutcomeUnknown`]
    /// without an order kind.
    pub async fn send_raw(&self, req: &RawRequest) -> Result<RawReply> {
        let call = Call::new("raw", req.idempotency(), self.inner.merchant.id_text());
        let parse =
            |r: &RawResponse| api::open_raw(r.status, &r.body).map(|data| RawReply { data });
        let pipeline = &self.inner.pipeline;
        pipeline
            .execute(&Paydesk, call, || self.prepare_raw(req), parse)
            .await
    }

    /// After [`Error::OutcomeUnknown`]: asks Cashy whether the order `mch` (its `mchOrderNo`)
    /// of `kind` exists. [`Reconciliation::NotFound`] means the create never landed and may be
    /// sent again with the same `mchOrderNo`. Example: the [crate docs](crate).
    ///
    /// # Errors
    /// As [`Client::send`] for the query (an order that does not exist is not an error).
    pub async fn reconcile(&self, kind: OrderKind, mch: &str) -> Result<Reconciliation<Order>> {
        let found = match kind {
            OrderKind::Cashier => {
                (self.send(&PayDeskQueryRequest::by_mch_order_no(mch)).await).map(Order::Cashier)
            }
            OrderKind::PayIn => {
                (self.send(&PayInQueryRequest::by_mch_order_no(mch)).await).map(Order::PayIn)
            }
            OrderKind::PayOut => {
                (self.send(&PayOutQueryRequest::by_mch_order_no(mch)).await).map(Order::PayOut)
            }
        };
        match found {
            Ok(order) => Ok(Reconciliation::Found(order)),
            Err(Error::Api(e)) if e.error_code().is_not_found() => Ok(Reconciliation::NotFound),
            Err(e) => Err(e),
        }
    }
}
