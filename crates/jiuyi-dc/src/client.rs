//! [`Client`]: signs dcapi requests and runs them through the `payhub_runtime` pipeline.

use std::sync::Arc;

use payhub_runtime::{Call, Clock, Pipeline, PreparedRequest, Reconciliation};
use sign_core::Secret;

#[cfg(doc)]
use crate::Error;
use crate::Result;
use crate::api::{
    CardOrder, CardQueryOrderRequest, DirectOrder, Operation, QueryOrderRequest, read_reply,
};
use crate::error::reconciled;
use crate::notify::NotifyVerifier;
use crate::protocol::JiuyiDc;
use crate::sign::RequestSigner;

mod builder;

pub use builder::{ClientBuilder, ENV_APPID, ENV_APPSECRET, ENV_BASE_URL, ENV_DANGER_ALLOW_HTTP};

/// A client for the dcapi gateway. Cheap to clone (an `Arc` inside), `Send + Sync`: build it once
/// and reuse it.
///
/// ```no_run
/// # async fn run() -> jiuyi_dc::Result<()> {
/// use jiuyi_dc::Client;
/// use jiuyi_dc::api::PayRequest;
/// let client = Client::builder("19190009", "your-appsecret")
///     .base_url("https://gateway.example")
///     .build()?;
/// let order = client.send(&PayRequest::new("43", "13800138000", "JY202611220001")).await?;
/// println!("platform order {}", order.order_id);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    appid: String,
    signer: RequestSigner,
    pipeline: Pipeline,
    clock: Arc<dyn Clock>,
    max_notify_body_bytes: usize,
}

impl Client {
    /// Starts a builder with the two credentials: `appid` (API ordering user id) and `appsecret`.
    pub fn builder(appid: impl Into<String>, appsecret: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(appid.into(), appsecret.into())
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
        self.inner.pipeline.base_url()
    }

    /// Validates, serializes (once) and signs `request` without any I/O. `datetime` comes from
    /// the injected clock, so the result is deterministic under a fixed clock.
    ///
    /// ```
    /// use jiuyi_dc::Client;
    /// use jiuyi_dc::api::QueryCashRequest;
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
        let now = self.inner.clock.now_seconds();
        self.inner.signer.prepare(&self.inner.appid, request, now)
    }

    /// Prepares, sends and reads `request`, in one `payhub.call` span. Reads are retried with
    /// jittered backoff on connection errors, timeouts, HTTP 5xx/429 and bodies that are not
    /// JSON; creates (`pay`, `card/payOrder`) are sent exactly once. The whole call, retries
    /// included, ends within the [`call_deadline`](ClientBuilder::call_deadline) (default: the
    /// `timeout`); past it, the error is the last attempt's (`OutcomeUnknown` for a create).
    ///
    /// # Errors
    /// - [`Error::Validation`]: a field breaks a rule (nothing was sent).
    /// - [`Error::Api`]: the provider answered `code: 0` with a `msg`.
    /// - [`Error::OutcomeUnknown`]: a create may have been executed; reconcile before retrying.
    /// - [`Error::Transport`] / [`Error::Decode`]: a read failed on the network or its reply is
    ///   unreadable (after the retries).
    pub async fn send<O: Operation>(&self, request: &O) -> Result<O::Response> {
        let call = Call::new(O::NAME, O::IDEMPOTENCY, &self.inner.appid)
            .order_no(request.out_order_id())
            .provider_order_no(request.order_id());
        self.inner
            .pipeline
            .execute(
                &JiuyiDc,
                call,
                || self.prepare(request),
                |raw| read_reply::<O>(raw.status, raw.body.clone()),
            )
            .await
    }

    /// Queries a direct-recharge order by merchant order number: the way to settle an
    /// [`Error::OutcomeUnknown`] from `pay`. [`Reconciliation::NotFound`] when the gateway
    /// answers `订单不存在` ("no such order"): the order may then be placed again with the same
    /// `out_order_id`. Any other refusal stays an error (a bad signature is not "not found").
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn reconcile(&self, out_order_id: &str) -> Result<Reconciliation<DirectOrder>> {
        reconciled(
            self.send(&QueryOrderRequest::by_out_order_id(out_order_id))
                .await,
        )
    }

    /// Queries a card order by merchant order number, to settle an [`Error::OutcomeUnknown`]
    /// from `card/payOrder`: `NotFound` when the gateway answers `订单不存在` or lists no order.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn reconcile_card(
        &self,
        out_order_id: &str,
    ) -> Result<Reconciliation<Vec<CardOrder>>> {
        match reconciled(self.send(&CardQueryOrderRequest::new(out_order_id)).await)? {
            Reconciliation::Found(orders) if orders.is_empty() => Ok(Reconciliation::NotFound),
            other => Ok(other),
        }
    }

    /// A notify verifier with this client's secret, `appid` and notify body limit.
    pub fn notify_verifier(&self) -> NotifyVerifier {
        NotifyVerifier::from_signer(self.inner.signer.clone())
            .expect_appid(self.inner.appid.clone())
            .max_body_bytes(self.inner.max_notify_body_bytes)
    }
}
