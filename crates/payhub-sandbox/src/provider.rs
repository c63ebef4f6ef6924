//! The provider-module interface: what a provider implements to live in the sandbox.
//!
//! A module is a value implementing [`ProviderModule`]. The frame asks it for an axum
//! [`Router`] with the provider's routes (mounted under `/<name>`), and calls its hooks when
//! the frame itself needs provider knowledge: the provider's error shape for a request the frame
//! rejects, what happens when an order changes state, the signed notify to send, the callback
//! retry schedule and acknowledgement rule, and how to corrupt a signature for the
//! `wrong_signature` fault. Everything stateful (orders, clock, callbacks, schedules) is reached
//! through the [`ProviderCtx`] handed to [`ProviderModule::router`]. See the crate README,
//! section "Adding a provider module".

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rust_decimal::Decimal;

use crate::callback::{CallbackPolicy, Notify};
use crate::clock::{SandboxClock, SandboxTime};
use crate::store::{DuplicateOrder, NewOrder, Order, OrderState, OrderStore};

/// One provider's API inside the sandbox.
///
/// Only [`name`](Self::name) and [`router`](Self::router) are required; every other hook has
/// a neutral default so a new module can start with its routes and add hooks as it grows.
/// Hooks are synchronous and must not block; do I/O only inside route handlers.
pub trait ProviderModule: Send + Sync + 'static {
    /// The module's stable name: the crate name with `_` (`paydesk`, `gateway_recharge`). It is
    /// the URL prefix (`/<name>/...`), the config section (`[providers.<name>]`) and
    /// [`Order::provider`].
    fn name(&self) -> &'static str;

    /// The provider's routes at their documented paths (`/api/payDesk`). The frame nests them
    /// under `/<name>`, adds the fault-injection and logging layers, and a fallback that answers
    /// unknown paths through [`reject`](Self::reject). Keep `ctx` (it is cheap to clone) as the
    /// router state.
    fn router(&self, ctx: ProviderCtx) -> Router;

    /// The credentials the module accepts, printed by the binary and returned by
    /// [`SandboxHandle::credentials`](crate::SandboxHandle::credentials).
    fn credentials(&self) -> Vec<Credential> {
        Vec::new()
    }

    /// Top-level request field names that identify an order (`["mchOrderNo", "orderNo"]`).
    /// The fault layer reads them from JSON or form bodies and the query string to match
    /// per-order faults.
    fn order_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// The provider's error reply for a request the frame rejects before (or instead of) the
    /// module's handler: body over the size limit, unreadable body, unknown path.
    fn reject(&self, rejection: &Rejection) -> Response {
        rejection.default_response()
    }

    /// Called before an order changes state (a control call, a scheduled transition, expiry, or
    /// [`ProviderCtx::transition`] from a handler). Return an error to refuse the change (for
    /// example a payin cannot be cancelled); return a [`TransitionPlan`] to also change the fee
    /// or payload. The frame then commits the change atomically.
    ///
    /// # Errors
    /// A [`TransitionError`] (usually [`TransitionError::not_allowed`]) to refuse the change.
    fn on_transition(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let _ = (ctx, order, change);
        Ok(TransitionPlan::default())
    }

    /// The signed notify announcing a committed change, or `None` to send nothing. The frame's
    /// dispatcher POSTs it to the order's notify URL and retries it per
    /// [`callback_policy`](Self::callback_policy).
    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        let _ = (ctx, order, change);
        None
    }

    /// Retry schedule and acknowledgement rule of this provider's callbacks.
    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::default()
    }

    /// For the `wrong_signature` fault on replies: corrupt the signature carried by a reply
    /// (header or body) in place. Return `false` when the provider does not sign replies (the
    /// fault is then reported as not applicable and the reply goes out unchanged).
    fn tamper_reply_signature(&self, headers: &mut http::HeaderMap, body: &mut Vec<u8>) -> bool {
        let _ = (headers, body);
        false
    }

    /// For the `provider_error` fault: the provider's reply for the error `name` (a documented
    /// error code or message such as `System_busy`), or `None` when not supported.
    fn fault_reply(&self, name: &str) -> Option<Response> {
        let _ = name;
        None
    }

    /// For the `wrong_signature` fault on callbacks: corrupt the notify's signature in place.
    /// Return `false` when not supported.
    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let _ = notify;
        false
    }

    /// When a final order is settled for this provider: nothing the provider does (a
    /// confirmation window, an automatic change of its reported status) still depends on it.
    /// The [order retention](crate::SandboxBuilder::order_retention) counts from here (and from
    /// its last callback attempt); `None` keeps the order for good.
    ///
    /// Default: when it became final ([`Order::completed_at`], else its creation time).
    fn settled_at(&self, order: &Order) -> Option<SandboxTime> {
        Some(order.completed_at.unwrap_or(order.created_at))
    }

    /// Payload fields a balance derived from orders needs besides provider, kind, merchant,
    /// state, currency, amount and fee (tokenpay: `chain`, `currency`). When the retention
    /// removes final orders they are folded into summaries per such group, which
    /// [`OrderStore::ledger`] returns with the live orders, so balances do not move.
    ///
    /// Default: none.
    fn ledger_fields(&self) -> &'static [&'static str] {
        &[]
    }
}

/// A request the frame refused before the module's handler ran.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is larger than the sandbox's body limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read (client went away, broken chunked encoding).
    BodyUnreadable,
    /// No route for this path under the provider's prefix.
    NotFound {
        /// The path relative to the provider prefix.
        path: String,
    },
}

impl Rejection {
    /// The HTTP status the default rendering uses: 413, 400 or 404.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyUnreadable => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
        }
    }

    /// A short machine-readable name (`body_too_large`, `body_unreadable`, `not_found`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::NotFound { .. } => "not_found",
        }
    }

    /// The generic rendering: the status above and `{"error": code, "detail": text}`.
    pub fn default_response(&self) -> Response {
        let detail = match self {
            Self::BodyTooLarge { limit } => format!("request body exceeds {limit} bytes"),
            Self::BodyUnreadable => "request body could not be read".to_owned(),
            Self::NotFound { path } => format!("no sandbox route for {path}"),
        };
        (
            self.status(),
            axum::Json(serde_json::json!({"error": self.code(), "detail": detail})),
        )
            .into_response()
    }
}

/// A state change about to happen (in [`ProviderModule::on_transition`]) or just committed (in
/// [`ProviderModule::notify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateChange {
    /// State before.
    pub from: OrderState,
    /// State after.
    pub to: OrderState,
    /// Sandbox time of the change (becomes [`Order::completed_at`] for final states).
    pub at: SandboxTime,
    /// Reason code given by the caller (for example a payout failure reason), if any.
    pub reason: Option<String>,
    /// What caused it.
    pub cause: ChangeCause,
}

/// What caused a state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeCause {
    /// A control call (`/_sandbox/...` or a [`SandboxHandle`](crate::SandboxHandle) method).
    Control,
    /// The order's expiry time passed.
    Expiry,
    /// A transition scheduled with [`ProviderCtx::schedule_transition`].
    Scheduled,
    /// The module itself, from a request handler.
    Module,
}

/// What the module wants changed together with the state. Empty by default.
///
/// ```
/// use payhub_sandbox::TransitionPlan;
/// use rust_decimal::Decimal;
/// let plan = TransitionPlan::default().fee(Decimal::new(150, 1));
/// assert_eq!(format!("{plan:?}").contains("15.0"), true);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct TransitionPlan {
    /// New fee, if it changes.
    pub fee: Option<Decimal>,
    /// New payload, if it changes.
    pub payload: Option<serde_json::Value>,
    /// Reason code to record when the caller gave none (for example a default failure reason).
    pub reason: Option<String>,
}

impl TransitionPlan {
    /// Sets a new fee.
    #[must_use]
    pub fn fee(mut self, fee: Decimal) -> Self {
        self.fee = Some(fee);
        self
    }

    /// Sets a new payload.
    #[must_use]
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = Some(payload);
        self
    }

    /// Records this reason code unless the caller gave one.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// Why a state change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// No order with that number.
    #[error("no order `{0}`")]
    NotFound(String),
    /// The key matches orders of several providers; use the platform order number.
    #[error("`{key}` matches {count} orders; use the platform order number")]
    Ambiguous {
        /// The key given.
        key: String,
        /// How many orders matched.
        count: usize,
    },
    /// The order is already final.
    #[error("order {order} is already {state}")]
    AlreadyFinal {
        /// Platform order number.
        order: String,
        /// Its final state.
        state: OrderState,
    },
    /// The module refuses this change.
    #[error("cannot move order {order} from {from} to {to}: {reason}")]
    NotAllowed {
        /// Platform order number.
        order: String,
        /// Current state.
        from: OrderState,
        /// Requested state.
        to: OrderState,
        /// Why.
        reason: String,
    },
    /// The order changed while the transition was being prepared; try again.
    #[error("order {0} changed concurrently; retry")]
    Conflict(String),
}

impl TransitionError {
    /// A [`TransitionError::NotAllowed`] for `order` moving per `change`.
    pub fn not_allowed(order: &Order, change: &StateChange, reason: impl Into<String>) -> Self {
        Self::NotAllowed {
            order: order.platform_order_no.clone(),
            from: change.from,
            to: change.to,
            reason: reason.into(),
        }
    }
}

/// A credential the sandbox accepts (merchant id, API key, key file path).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    label: String,
    value: String,
    secret: bool,
}

impl Credential {
    /// A non-secret value (merchant id, app id).
    pub fn public(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            secret: false,
        }
    }

    /// A sandbox-only secret (test API key). Shown by the binary and by [`Credential::value`],
    /// masked in `Debug`.
    pub fn secret(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            secret: true,
        }
    }

    /// What it is (`merchant id`, `apiKey`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The value itself (for secrets: the sandbox-only test value).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the value is a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret {
            "***"
        } else {
            self.value.as_str()
        };
        f.debug_struct("Credential")
            .field("label", &self.label)
            .field("value", &value)
            .finish()
    }
}

/// Everything a module reaches the sandbox through: its name and base URL, the clock, the
/// order store, transitions, schedules and callbacks. Cheap to clone; use it as router state.
#[derive(Clone)]
pub struct ProviderCtx {
    pub(crate) name: &'static str,
    pub(crate) shared: Arc<dyn Host>,
}

/// What a [`ProviderCtx`] reaches: the running sandbox's shared state (`shared::Shared`
/// implements it). A seam, so this interface module depends on nothing of the frame's.
pub(crate) trait Host: Send + Sync + 'static {
    /// The sandbox root URL, `http://127.0.0.1:PORT`.
    fn base_url(&self) -> &str;
    /// The sandbox clock.
    fn clock(&self) -> &SandboxClock;
    /// The request body limit in bytes.
    fn body_limit(&self) -> usize;
    /// The shared order store.
    fn store(&self) -> &OrderStore;
    /// A fresh platform order number.
    fn next_order_no(&self, prefix: &str) -> String;
    /// Creates an order for `provider`.
    fn create(
        self: Arc<Self>,
        provider: &'static str,
        new: NewOrder,
    ) -> Result<Order, DuplicateOrder>;
    /// Moves an order to `to` now.
    fn transition_now(
        self: Arc<Self>,
        no: &str,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    ) -> Result<Order, TransitionError>;
    /// Schedules a transition at `at`.
    fn schedule(
        &self,
        order: &str,
        at: SandboxTime,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    );
    /// Queues a notify; returns the callback id.
    fn queue_notify(self: Arc<Self>, order: &Order, notify: Notify) -> u64;
}

impl fmt::Debug for ProviderCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderCtx")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ProviderCtx {
    /// The module's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The provider's base URL: `http://127.0.0.1:PORT/<name>` (clients append documented paths).
    pub fn base_url(&self) -> String {
        format!("{}/{}", self.shared.base_url(), self.name)
    }

    /// The sandbox root URL, `http://127.0.0.1:PORT` (control API under `/_sandbox/`).
    pub fn sandbox_url(&self) -> &str {
        self.shared.base_url()
    }

    /// The sandbox clock.
    pub fn clock(&self) -> &SandboxClock {
        self.shared.clock()
    }

    /// Current sandbox time.
    pub fn now(&self) -> SandboxTime {
        self.shared.clock().now()
    }

    /// The request body limit in bytes ([`RawBody`](crate::RawBody) enforces it).
    pub fn body_limit(&self) -> usize {
        self.shared.body_limit()
    }

    /// The shared order store (all providers; filter by [`Order::provider`]).
    pub fn store(&self) -> &OrderStore {
        self.shared.store()
    }

    /// A fresh platform order number: `prefix` followed by 20 digits, unique in this sandbox.
    pub fn next_order_no(&self, prefix: &str) -> String {
        self.shared.next_order_no(prefix)
    }

    /// Creates an order for this provider. Fills in `provider`, the platform order number
    /// (unless set), `created_at`, and `expires_at` from [`NewOrder::expires_in`], and schedules
    /// the expiry.
    ///
    /// # Errors
    /// [`DuplicateOrder`] when the merchant order number is already used for this kind and
    /// merchant; answer with the provider's "duplicate order" reply.
    pub fn create_order(&self, new: NewOrder) -> Result<Order, DuplicateOrder> {
        Arc::clone(&self.shared).create(self.name, new)
    }

    /// This provider's order of `kind` for `merchant_id` with merchant order number `no`.
    pub fn find_by_merchant_no(&self, kind: &str, merchant_id: &str, no: &str) -> Option<Order> {
        self.shared
            .store()
            .find_by_merchant_no(self.name, kind, merchant_id, no)
    }

    /// This provider's order with platform order number `no`.
    pub fn order(&self, no: &str) -> Option<Order> {
        self.shared
            .store()
            .get(no)
            .filter(|o| o.provider == self.name)
    }

    /// Moves one of this provider's orders to `to` now, through the same path as a control call
    /// ([`ProviderModule::on_transition`], commit, [`ProviderModule::notify`], dispatch).
    ///
    /// # Errors
    /// A [`TransitionError`] when the order does not exist, is final, or the change is refused.
    pub fn transition(
        &self,
        platform_order_no: &str,
        to: OrderState,
        reason: Option<String>,
    ) -> Result<Order, TransitionError> {
        if self.order(platform_order_no).is_none() {
            return Err(TransitionError::NotFound(platform_order_no.to_owned()));
        }
        Arc::clone(&self.shared).transition_now(platform_order_no, to, reason, ChangeCause::Module)
    }

    /// Schedules a transition of one of this provider's orders at sandbox time `at` (for
    /// example a payout that completes by itself). Ignored if the order is final by then.
    pub fn schedule_transition(
        &self,
        platform_order_no: &str,
        at: SandboxTime,
        to: OrderState,
        reason: Option<String>,
    ) {
        self.shared
            .schedule(platform_order_no, at, to, reason, ChangeCause::Scheduled);
    }

    /// Sends a notify for an order outside a state change (a manual "resend"). Returns the
    /// callback id.
    pub fn send_notify(&self, order: &Order, notify: Notify) -> u64 {
        Arc::clone(&self.shared).queue_notify(order, notify)
    }
}
