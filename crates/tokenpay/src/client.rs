//! [`Client`]: `prepare` (pure), `send` (through the shared [`Pipeline`]), `read_reply`, reconcile.

use std::sync::Arc;

use payhub_runtime::{Pipeline, PreparedRequest, RawResponse, Reconciliation};
use sign_core::Secret;
use url::Url;

use crate::api::{self, Operation, PayoutPaths, QueryOrderRequest, QueryPayoutRequest};
use crate::api::{ReplyCheck, TransactionDetail, WireContext};
use crate::error::{Error, Result};
use crate::notify::NotifyVerifier;
use crate::protocol::{Tokenpay, call, found};
use crate::sign::{RequestSigner, SignatureDiagnosis};

mod builder;

pub use builder::ClientBuilder;

/// A tokenpay client: cheap to clone (an `Arc` inside), `Send + Sync`; build one and reuse it
/// (the crate docs show a call). `Debug` never shows the app secret.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    signer: RequestSigner,
    base_url: Url,
    cashier_base: Url,
    pipeline: Pipeline,
    replies: ReplyCheck,
    payout_paths: PayoutPaths,
    max_notify_body_bytes: usize,
}

impl Client {
    /// A builder with the three credentials: the application id, the merchant id and the
    /// 32-byte app secret (example on [`ClientBuilder`]).
    pub fn builder(
        app_id: impl Into<String>,
        mch_id: impl Into<String>,
        app_secret: impl Into<Secret>,
    ) -> ClientBuilder {
        ClientBuilder::new(app_id.into(), mch_id.into(), app_secret.into())
    }

    /// A client from [`crate::ENV_BASE_URL`] (default `https://api.tokenpay.me`),
    /// [`crate::ENV_APP_ID`], [`crate::ENV_MCH_ID`] and [`crate::ENV_APP_SECRET`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid variable.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The application id.
    pub fn app_id(&self) -> &str {
        &self.inner.signer.app_id
    }

    /// The merchant id.
    pub fn mch_id(&self) -> &str {
        &self.inner.signer.mch_id
    }

    /// The API base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// A callback verifier with this client's credentials, clock (freshness is checked against
    /// [`ClientBuilder::clock`]) and [`ClientBuilder::max_notify_body_bytes`].
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::for_signer(&self.inner.signer)
            .max_body_bytes(self.inner.max_notify_body_bytes)
    }

    fn ctx(&self) -> WireContext<'_> {
        let (i, s) = (&self.inner, &self.inner.signer);
        WireContext::new((&s.app_id, &s.mch_id), i.payout_paths, &i.cashier_base)
    }

    /// Validates, serializes (once) and signs `req` with the injected clock and nonce source: the
    /// exact request that [`Client::send`] would put on the wire. No I/O (example in [`api`]).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and the rule.
    pub fn prepare<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        req.validate()?;
        self.prepare_valid(req)
    }

    fn prepare_valid<O: Operation>(&self, req: &O) -> Result<PreparedRequest> {
        let ctx = self.ctx();
        let what = (O::NAME, O::METHOD, O::IDEMPOTENCY);
        (self.inner.signer).sign(what, req.path_and_query(&ctx), req.body(&ctx)?)
    }

    /// Sends `req` and returns its typed reply, in one `payhub.call` span, within the
    /// [`call_deadline`](ClientBuilder::call_deadline). Retries and unknown outcomes: see
    /// [`crate::protocol::Tokenpay`] (a write that may have been carried out is
    /// [`Error::OutcomeUnknown`]: query before resending).
    ///
    /// # Errors
    /// Any [`Error`] variant; see their docs for what to do.
    pub async fn send<O: Operation>(&self, req: &O) -> Result<O::Response> {
        req.validate()?;
        let (i, reference) = (&self.inner, req.reference());
        let call = call((O::NAME, O::IDEMPOTENCY), &i.signer.mch_id, reference);
        let prepare = || self.prepare_valid(req);
        let parse = |raw: &RawResponse| self.read_reply::<O>(raw);
        match i.pipeline.execute(&Tokenpay, call, prepare, parse).await {
            // The precise reference (a wallet write has no order number).
            Err(Error::OutcomeUnknown(o)) => Err((*o).with_reference(reference).into()),
            other => other,
        }
    }

    /// Reads a reply received by other means (your own HTTP stack, a stored reply): signature
    /// per the configured mode, envelope, typed `data` (example in [`api`]).
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::Decode`] (also for an HTTP error status without a readable
    /// envelope) or [`Error::Signature`].
    pub fn read_reply<O: Operation>(&self, raw: &RawResponse) -> Result<O::Response> {
        let (key, check) = (&self.inner.signer.key, &self.inner.replies);
        api::read(key, check, &self.ctx(), O::NAME, raw, O::parse_data)
    }

    /// What a received signature (`TTPay-Signature`, base64) encrypts, next to `expected` (e.g.
    /// [`crate::sign::reply_signing_string`] of a reply): the signature is reversible.
    pub fn diagnose_signature(&self, signature_b64: &str, expected: &[u8]) -> SignatureDiagnosis {
        self.inner.signer.key.diagnose(signature_b64, expected)
    }

    /// Whether an order whose creation ended in [`Error::OutcomeUnknown`] exists:
    /// [`Reconciliation::NotFound`] when tokenpay answers 12002 or 12003 (creating it again
    /// with the same `out_trade_no` is then safe).
    ///
    /// # Errors
    /// As [`Client::send`] for the query.
    pub async fn reconcile(&self, out_trade_no: &str) -> Result<Reconciliation<TransactionDetail>> {
        let query = QueryOrderRequest::by_out_trade_no(out_trade_no);
        found(self.send(&query).await.map(|r| r.order))
    }

    /// As [`Client::reconcile`], for a payout.
    ///
    /// # Errors
    /// As [`Client::send`] for the query.
    pub async fn reconcile_payout(&self, no: &str) -> Result<Reconciliation<TransactionDetail>> {
        let query = QueryPayoutRequest::by_out_trade_no(no);
        found(self.send(&query).await.map(|r| r.payout))
    }
}
