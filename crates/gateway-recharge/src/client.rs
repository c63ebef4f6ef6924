//! [`Client`]: signs WinPay calls and runs them through the shared [`payhub_runtime::Pipeline`].

use std::fmt;
use std::sync::Arc;

use payhub_runtime::{Call, Pipeline, PreparedRequest, RawResponse};
use sign_core::Secret;

use crate::api::{
    BalanceRequest, BalanceResponse, Codec, DepositQueryResponse, Operation, RawReply, RawRequest,
};
use crate::notify::{CallbackKind, NotifyVerifier};
use crate::protocol::GatewayRecharge;
use crate::{Reconciliation, Result};

mod builder;

pub use builder::{ClientBuilder, ENV_BASE_URL, ENV_KEY, ENV_MERCHANT_NO};

/// A WinPay client: cheap to clone, `Send + Sync`; build it once and reuse it ([crate docs](crate)).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    codec: Codec,
    pipeline: Pipeline,
    verifier: NotifyVerifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("merchant_no", &self.merchant_no())
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder with WinPay's two credentials; set [`ClientBuilder::base_url`] too
    /// (example: [`ClientBuilder`]).
    pub fn builder(merchant_no: impl Into<String>, key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(merchant_no.into(), key.into())
    }

    /// A client from the `ENV_*` variables, with default settings ([`ClientBuilder::from_env`]).
    ///
    /// # Errors
    /// `Config` naming the variable at fault.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// Your merchant number.
    pub fn merchant_no(&self) -> &str {
        &self.inner.codec.merchant_no
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.pipeline.base_url()
    }

    /// Validates and signs a request without I/O: the exact bytes [`Client::send`] sends.
    ///
    /// # Errors
    /// `Validation` naming the field and the rule it breaks.
    pub fn prepare<O: Operation>(&self, request: &O) -> Result<PreparedRequest> {
        self.inner.codec.prepare(request)
    }

    /// Prepares, sends and decodes through the shared pipeline: reads are retried within the
    /// call deadline; a create is sent once, an unknown outcome is `OutcomeUnknown`.
    ///
    /// # Errors
    /// `Validation` (nothing sent), `Transport`, `OutcomeUnknown`, `Decode`, `Api`, `Signature`.
    pub async fn send<O: Operation>(&self, request: &O) -> Result<O::Response> {
        let call = Call::new(O::NAME, request.idempotency(), self.merchant_no());
        let call = call.order_no(request.order_no());
        let parse = |r: &RawResponse| self.decode_reply(request, r.status, &r.body);
        let prepare = || self.prepare(request);
        self.inner
            .pipeline
            .execute(&GatewayRecharge, call, prepare, parse)
            .await
    }

    /// Checks and decodes a reply you received yourself (to [`Client::prepare`]'s bytes).
    ///
    /// # Errors
    /// `Decode`, `Api` or `Signature`.
    pub fn decode_reply<O: Operation>(
        &self,
        request: &O,
        http_status: u16,
        body: &[u8],
    ) -> Result<O::Response> {
        self.inner.codec.decode(request, http_status, body)
    }

    /// After `OutcomeUnknown`: queries the order at the [`ClientBuilder::reconcile_path`];
    /// `NotFound` for the [`ClientBuilder::not_found_codes`] (default none: an `Api` error).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn reconcile(&self, order_no: &str) -> Result<Reconciliation<DepositQueryResponse>> {
        match self
            .send(&self.inner.codec.rules.reconcile_query(order_no))
            .await
        {
            Ok(order) => Ok(Reconciliation::Found(order)),
            Err(e) if self.inner.codec.rules.is_not_found(&e) => Ok(Reconciliation::NotFound),
            Err(e) => Err(e),
        }
    }

    /// The path [`Client::reconcile`] queries.
    pub fn reconcile_path(&self) -> &str {
        &self.inner.codec.rules.reconcile_path
    }

    /// The merchant balance ([`BalanceRequest`]).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn balance(&self) -> Result<BalanceResponse> {
        self.send(&BalanceRequest::new()).await
    }

    /// **Escape hatch** for undocumented calls (payouts): signs `fields` (plus `merchant_no`,
    /// `time`), posts them to `path`, returns `data` raw. Sent once (a write): [`RawRequest`].
    ///
    /// # Errors
    /// As [`Client::send`]; `Validation` for a bad path or field name.
    pub async fn send_raw<K: Into<String>, V: Into<String>>(
        &self,
        path: &str,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Result<RawReply> {
        self.send(&RawRequest::new(path, fields)).await
    }

    /// A callback verifier with this client's credentials, time zone, rules and body cap.
    pub fn notify_verifier(&self) -> NotifyVerifier {
        self.inner.verifier.clone()
    }

    /// As [`Client::notify_verifier`], for payouts' `callback_url`: [`CallbackKind::Payout`].
    pub fn payout_notify_verifier(&self) -> NotifyVerifier {
        self.notify_verifier().callback_kind(CallbackKind::Payout)
    }
}
