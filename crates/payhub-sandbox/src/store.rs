//! The in-memory order store shared by every provider module.
//!
//! One generic [`Order`] record serves all providers: the common fields (order numbers, state,
//! amount, notify URL, expiry) are typed, and whatever else a provider needs lives in
//! [`Order::payload`]. Merchant order numbers are unique per `(provider, kind, merchant)`: a
//! second [`OrderStore::insert`] with the same triple returns [`DuplicateOrder`], which the module
//! turns into the provider's own "duplicate order" reply.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::clock::SandboxTime;

/// The life-cycle state of a sandbox order, shared by all providers.
///
/// Each module maps it to and from the provider's own status codes (paydesk `PAYING` is
/// [`Paying`](OrderState::Paying), payout `PROCESSING` is [`Processing`](OrderState::Processing)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderState {
    /// Accepted, nothing happened yet.
    Created,
    /// Waiting for the payer (payins, cashier orders).
    Paying,
    /// Being processed (payouts, recharges).
    Processing,
    /// Paid or delivered. Final.
    Success,
    /// Failed. Final.
    Failed,
    /// Expired before completion. Final.
    Expired,
    /// Closed by the merchant. Final.
    Closed,
    /// Cancelled or rejected by the provider. Final.
    Cancelled,
}

impl OrderState {
    /// Whether no further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Failed | Self::Expired | Self::Closed | Self::Cancelled
        )
    }

    /// The `snake_case` name used on the control API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Paying => "paying",
            Self::Processing => "processing",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a control-API name; also accepts `paid` (success), `fail`, `cancel`, `expire`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "paying" | "pending" => Self::Paying,
            "processing" => Self::Processing,
            "success" | "paid" | "succeeded" => Self::Success,
            "failed" | "fail" => Self::Failed,
            "expired" | "expire" => Self::Expired,
            "closed" | "close" => Self::Closed,
            "cancelled" | "canceled" | "cancel" => Self::Cancelled,
            _ => return None,
        })
    }
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One order as the sandbox keeps it. Read-only outside the store: create with [`NewOrder`],
/// change through [`ProviderCtx::transition`](crate::ProviderCtx::transition) or
/// [`OrderStore::update_payload`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Order {
    /// Provider module name (`paydesk`).
    pub provider: String,
    /// Order family inside the provider (`paydesk`, `payin`, `payout`); uniqueness is per kind.
    pub kind: String,
    /// The merchant the order belongs to.
    pub merchant_id: String,
    /// The merchant's order number.
    pub merchant_order_no: String,
    /// The sandbox's (platform) order number; unique across the sandbox. Control calls use it.
    pub platform_order_no: String,
    /// Current state.
    pub state: OrderState,
    /// Order amount in the currency's major unit.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Fee charged by the provider.
    #[serde(with = "rust_decimal::serde::str")]
    pub fee: Decimal,
    /// ISO currency code when the provider has one.
    pub currency: Option<String>,
    /// Where state-change notifies are POSTed.
    pub notify_url: Option<String>,
    /// Creation time.
    pub created_at: SandboxTime,
    /// When the order expires if still not final.
    pub expires_at: Option<SandboxTime>,
    /// When the order reached a final state.
    pub completed_at: Option<SandboxTime>,
    /// Why it failed or was cancelled (provider reason code), when known.
    pub reason: Option<String>,
    /// Provider-specific data (the original request fields, pay URL, ...).
    pub payload: serde_json::Value,
    /// Increases on every change.
    pub version: u64,
}

/// The fields of an order to create. `provider` and `platform_order_no` are filled in by
/// [`ProviderCtx::create_order`](crate::ProviderCtx::create_order).
///
/// ```
/// use payhub_sandbox::{NewOrder, OrderState};
/// use rust_decimal::Decimal;
/// let o = NewOrder::new("payin", "1002001", "M1", Decimal::new(1000, 0))
///     .state(OrderState::Paying)
///     .currency("TZS")
///     .notify_url("http://127.0.0.1:9/notify");
/// assert_eq!(o.merchant_order_no(), "M1");
/// ```
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub(crate) kind: String,
    pub(crate) merchant_id: String,
    pub(crate) merchant_order_no: String,
    pub(crate) platform_order_no: Option<String>,
    pub(crate) state: OrderState,
    pub(crate) amount: Decimal,
    pub(crate) fee: Decimal,
    pub(crate) currency: Option<String>,
    pub(crate) notify_url: Option<String>,
    pub(crate) expires_in: Option<std::time::Duration>,
    pub(crate) payload: serde_json::Value,
}

impl NewOrder {
    /// A new order of `kind` for `merchant_id` with the merchant's order number and amount. Starts
    /// in [`OrderState::Created`], no fee, no expiry.
    pub fn new(
        kind: impl Into<String>,
        merchant_id: impl Into<String>,
        merchant_order_no: impl Into<String>,
        amount: Decimal,
    ) -> Self {
        Self {
            kind: kind.into(),
            merchant_id: merchant_id.into(),
            merchant_order_no: merchant_order_no.into(),
            platform_order_no: None,
            state: OrderState::Created,
            amount,
            fee: Decimal::ZERO,
            currency: None,
            notify_url: None,
            expires_in: None,
            payload: serde_json::Value::Null,
        }
    }

    /// The merchant order number.
    pub fn merchant_order_no(&self) -> &str {
        &self.merchant_order_no
    }

    /// Initial state.
    #[must_use]
    pub fn state(mut self, state: OrderState) -> Self {
        self.state = state;
        self
    }

    /// The platform order number to use instead of a generated one (must be unique).
    #[must_use]
    pub fn platform_order_no(mut self, no: impl Into<String>) -> Self {
        self.platform_order_no = Some(no.into());
        self
    }

    /// The provider's fee.
    #[must_use]
    pub fn fee(mut self, fee: Decimal) -> Self {
        self.fee = fee;
        self
    }

    /// Currency code.
    #[must_use]
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// Notify URL for state-change callbacks.
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Expire the order this long (sandbox time) after creation unless it is final by then. The
    /// frame schedules the expiry; the module's
    /// [`on_transition`](crate::ProviderModule::on_transition) sees it as a transition to
    /// [`OrderState::Expired`].
    #[must_use]
    pub fn expires_in(mut self, after: std::time::Duration) -> Self {
        self.expires_in = Some(after);
        self
    }

    /// Provider-specific data kept with the order.
    #[must_use]
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }
}

/// An order with the same `(provider, kind, merchant, merchant order number)` already exists.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "duplicate merchant order number `{merchant_order_no}` (existing platform order {existing})"
)]
pub struct DuplicateOrder {
    /// The repeated merchant order number.
    pub merchant_order_no: String,
    /// The platform order number of the order that already has it.
    pub existing: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// Platform order number -> order, in insertion order via `seq`.
    orders: HashMap<String, (u64, Order)>,
    /// (provider, kind, merchant, merchant order no) -> platform order no.
    by_merchant_no: HashMap<(String, String, String, String), String>,
    seq: u64,
    /// Removed final orders, one summary per group (see [`OrderStore::ledger`]).
    retired: HashMap<RetiredKey, Order>,
}

/// Provider, kind, merchant, state, currency and the module's ledger fields (as JSON text).
type RetiredKey = (String, String, String, OrderState, Option<String>, String);

impl Inner {
    /// Folds a removed order into its ledger summary.
    fn retire(&mut self, o: Order, ledger_fields: &dyn Fn(&str) -> &'static [&'static str]) {
        let mut kept = serde_json::Map::new();
        for field in ledger_fields(&o.provider) {
            if let Some(v) = o.payload.get(*field) {
                kept.insert((*field).to_owned(), v.clone());
            }
        }
        let kept = serde_json::Value::Object(kept);
        let key = (
            o.provider.clone(),
            o.kind.clone(),
            o.merchant_id.clone(),
            o.state,
            o.currency.clone(),
            kept.to_string(),
        );
        match self.retired.get_mut(&key) {
            Some(sum) => {
                sum.amount = sum.amount.saturating_add(o.amount);
                sum.fee = sum.fee.saturating_add(o.fee);
                sum.created_at = sum.created_at.min(o.created_at);
                sum.completed_at = sum.completed_at.max(o.completed_at);
                sum.version += 1;
            }
            None => {
                let summary = Order {
                    merchant_order_no: String::new(),
                    platform_order_no: String::new(),
                    notify_url: None,
                    expires_at: None,
                    reason: None,
                    payload: kept,
                    version: 1,
                    ..o
                };
                self.retired.insert(key, summary);
            }
        }
    }
}

/// Filter for [`OrderStore::list`].
///
/// ```
/// use payhub_sandbox::{OrderFilter, OrderState};
/// let f = OrderFilter::default().provider("paydesk").state(OrderState::Paying);
/// assert!(format!("{f:?}").contains("paydesk"));
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrderFilter {
    provider: Option<String>,
    kind: Option<String>,
    merchant_order_no: Option<String>,
    state: Option<OrderState>,
}

impl OrderFilter {
    /// Only this provider's orders.
    #[must_use]
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Only this kind.
    #[must_use]
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Only orders with this merchant order number.
    #[must_use]
    pub fn merchant_order_no(mut self, no: impl Into<String>) -> Self {
        self.merchant_order_no = Some(no.into());
        self
    }

    /// Only orders in this state.
    #[must_use]
    pub fn state(mut self, state: OrderState) -> Self {
        self.state = Some(state);
        self
    }

    fn matches(&self, o: &Order) -> bool {
        self.provider.as_deref().is_none_or(|p| p == o.provider)
            && self.kind.as_deref().is_none_or(|k| k == o.kind)
            && self
                .merchant_order_no
                .as_deref()
                .is_none_or(|m| m == o.merchant_order_no)
            && self.state.is_none_or(|s| s == o.state)
    }
}

/// The shared order store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OrderStore {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Default for OrderStore {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderStore {
    /// An empty store.
    pub fn new() -> Self {
        let (tx, _) = watch::channel(0);
        Self {
            inner: Arc::default(),
            changed: Arc::new(tx),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every mutation below is completed before the guard drops, so a poisoned lock still
        // holds consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that changes whenever an order is inserted or changed.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Inserts a fully formed order.
    ///
    /// # Errors
    /// [`DuplicateOrder`] when the merchant order number (or the platform order number) is taken.
    pub(crate) fn insert(&self, order: Order) -> Result<Order, DuplicateOrder> {
        {
            let mut g = self.lock();
            let key = (
                order.provider.clone(),
                order.kind.clone(),
                order.merchant_id.clone(),
                order.merchant_order_no.clone(),
            );
            if let Some(existing) = g.by_merchant_no.get(&key) {
                return Err(DuplicateOrder {
                    merchant_order_no: order.merchant_order_no.clone(),
                    existing: existing.clone(),
                });
            }
            if g.orders.contains_key(&order.platform_order_no) {
                return Err(DuplicateOrder {
                    merchant_order_no: order.merchant_order_no.clone(),
                    existing: order.platform_order_no.clone(),
                });
            }
            g.seq += 1;
            let seq = g.seq;
            g.by_merchant_no
                .insert(key, order.platform_order_no.clone());
            g.orders
                .insert(order.platform_order_no.clone(), (seq, order.clone()));
        }
        self.bump();
        Ok(order)
    }

    /// The order with this platform order number.
    pub fn get(&self, platform_order_no: &str) -> Option<Order> {
        self.lock()
            .orders
            .get(platform_order_no)
            .map(|(_, o)| o.clone())
    }

    /// The order of `provider`/`kind`/`merchant_id` with this merchant order number.
    pub fn find_by_merchant_no(
        &self,
        provider: &str,
        kind: &str,
        merchant_id: &str,
        merchant_order_no: &str,
    ) -> Option<Order> {
        let g = self.lock();
        let key = (
            provider.to_owned(),
            kind.to_owned(),
            merchant_id.to_owned(),
            merchant_order_no.to_owned(),
        );
        g.by_merchant_no
            .get(&key)
            .and_then(|no| g.orders.get(no))
            .map(|(_, o)| o.clone())
    }

    /// Looks an order up by platform order number, then by merchant order number across all
    /// providers. Returns every match (more than one means the merchant number is ambiguous).
    pub fn lookup(&self, key: &str) -> Vec<Order> {
        let g = self.lock();
        if let Some((_, o)) = g.orders.get(key) {
            return vec![o.clone()];
        }
        let mut found: Vec<_> = g
            .orders
            .values()
            .filter(|(_, o)| o.merchant_order_no == key)
            .cloned()
            .collect();
        found.sort_by_key(|(seq, _)| *seq);
        found.into_iter().map(|(_, o)| o).collect()
    }

    /// What a balance derived from orders reads: the summaries of removed final orders
    /// matching `filter`, then the live orders matching it, oldest first.
    ///
    /// When the [order retention](crate::SandboxBuilder::order_retention) removes final orders,
    /// each is folded into one summary per provider, kind, merchant, state, currency and the
    /// module's [ledger fields](crate::ProviderModule::ledger_fields): `amount` and `fee` are
    /// the sums, the order numbers are empty, `payload` holds only the ledger fields and
    /// `version` is how many orders the summary stands for. A module that derives balances
    /// from its orders reads them here instead of [`list`](Self::list), so the balances do not
    /// move when orders are removed.
    pub fn ledger(&self, filter: &OrderFilter) -> Vec<Order> {
        let g = self.lock();
        let mut summaries: Vec<Order> = g
            .retired
            .values()
            .filter(|o| filter.matches(o))
            .cloned()
            .collect();
        summaries.sort_by_key(|o| o.created_at);
        let mut live: Vec<_> = g
            .orders
            .values()
            .filter(|(_, o)| filter.matches(o))
            .cloned()
            .collect();
        live.sort_by_key(|(seq, _)| *seq);
        summaries.extend(live.into_iter().map(|(_, o)| o));
        summaries
    }

    /// Orders matching `filter`, oldest first.
    pub fn list(&self, filter: &OrderFilter) -> Vec<Order> {
        let g = self.lock();
        let mut v: Vec<_> = g
            .orders
            .values()
            .filter(|(_, o)| filter.matches(o))
            .cloned()
            .collect();
        v.sort_by_key(|(seq, _)| *seq);
        v.into_iter().map(|(_, o)| o).collect()
    }

    /// How many orders the store holds.
    ///
    /// ```
    /// let store = payhub_sandbox::OrderStore::new();
    /// assert_eq!(store.len(), 0);
    /// assert!(store.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.lock().orders.len()
    }

    /// Whether the store holds no order.
    pub fn is_empty(&self) -> bool {
        self.lock().orders.is_empty()
    }

    /// Removes these orders (platform order numbers), frees their merchant order numbers and
    /// folds them into the [ledger](Self::ledger) summaries, keeping the payload fields
    /// `ledger_fields(provider)` names. Returns how many were removed. Used by the retention of
    /// final orders.
    pub(crate) fn remove_many(
        &self,
        platform_order_nos: &[String],
        ledger_fields: &dyn Fn(&str) -> &'static [&'static str],
    ) -> usize {
        let removed = {
            let mut g = self.lock();
            let mut removed = 0;
            for no in platform_order_nos {
                let Some((_, o)) = g.orders.remove(no) else {
                    continue;
                };
                removed += 1;
                let key = (
                    o.provider.clone(),
                    o.kind.clone(),
                    o.merchant_id.clone(),
                    o.merchant_order_no.clone(),
                );
                if g.by_merchant_no.get(&key) == Some(no) {
                    g.by_merchant_no.remove(&key);
                }
                g.retire(o, ledger_fields);
            }
            removed
        };
        if removed > 0 {
            self.bump();
        }
        removed
    }

    /// Replaces an order's payload.
    ///
    /// Returns the updated order, or `None` when there is no such order.
    pub fn update_payload(
        &self,
        platform_order_no: &str,
        payload: serde_json::Value,
    ) -> Option<Order> {
        let out = {
            let mut g = self.lock();
            let (_, o) = g.orders.get_mut(platform_order_no)?;
            o.payload = payload;
            o.version += 1;
            o.clone()
        };
        self.bump();
        Some(out)
    }

    /// Applies `f` to the order if its version is still `expected_version`. Returns the updated
    /// order, or `Err(current)` when it changed meanwhile; `Ok(None)` when it does not exist.
    pub(crate) fn update_if(
        &self,
        platform_order_no: &str,
        expected_version: u64,
        f: impl FnOnce(&mut Order),
    ) -> Result<Option<Order>, Box<Order>> {
        let out = {
            let mut g = self.lock();
            let Some((_, o)) = g.orders.get_mut(platform_order_no) else {
                return Ok(None);
            };
            if o.version != expected_version {
                return Err(Box::new(o.clone()));
            }
            f(o);
            o.version += 1;
            o.clone()
        };
        self.bump();
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(no: &str, mch: &str) -> Order {
        Order {
            provider: "p".into(),
            kind: "payin".into(),
            merchant_id: "1".into(),
            merchant_order_no: mch.into(),
            platform_order_no: no.into(),
            state: OrderState::Paying,
            amount: Decimal::new(100, 0),
            fee: Decimal::ZERO,
            currency: None,
            notify_url: None,
            created_at: SandboxTime::from_unix_millis(0),
            expires_at: None,
            completed_at: None,
            reason: None,
            payload: serde_json::Value::Null,
            version: 0,
        }
    }

    #[test]
    fn duplicate_merchant_numbers_are_refused() {
        let s = OrderStore::new();
        s.insert(order("P1", "M1")).unwrap();
        let err = s.insert(order("P2", "M1")).unwrap_err();
        assert_eq!(err.existing, "P1");
        let mut other_kind = order("P3", "M1");
        other_kind.kind = "payout".into();
        s.insert(other_kind).unwrap();
        assert_eq!(s.lookup("M1").len(), 2);
        assert_eq!(s.lookup("P1")[0].merchant_order_no, "M1");
    }

    #[test]
    fn update_if_detects_concurrent_change() {
        let s = OrderStore::new();
        s.insert(order("P1", "M1")).unwrap();
        let o = s
            .update_if("P1", 0, |o| o.state = OrderState::Success)
            .unwrap()
            .unwrap();
        assert_eq!(o.version, 1);
        let cur = s
            .update_if("P1", 0, |o| o.state = OrderState::Failed)
            .unwrap_err();
        assert_eq!(cur.state, OrderState::Success);
        assert!(s.update_if("nope", 0, |_| {}).unwrap().is_none());
    }

    #[test]
    fn removing_orders_frees_their_merchant_numbers() {
        let s = OrderStore::new();
        s.insert(order("P1", "M1")).unwrap();
        s.insert(order("P2", "M2")).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.remove_many(&["P1".to_owned(), "nope".to_owned()], &|_| &[]),
            1
        );
        assert_eq!(s.len(), 1);
        assert!(s.get("P1").is_none() && s.lookup("M1").is_empty());
        assert!(s.find_by_merchant_no("p", "payin", "1", "M1").is_none());
        s.insert(order("P3", "M1")).unwrap();
        assert_eq!(s.lookup("M1")[0].platform_order_no, "P3");
    }

    #[test]
    fn removed_orders_stay_in_the_ledger_as_summaries() {
        let s = OrderStore::new();
        for (no, chain, amount) in [("P1", "TRON", 100), ("P2", "TRON", 50), ("P3", "ETH", 7)] {
            let mut o = order(no, &format!("M{no}"));
            o.state = OrderState::Success;
            o.amount = Decimal::new(amount, 0);
            o.fee = Decimal::ONE;
            o.payload = serde_json::json!({"chain": chain, "secret_detail": "x"});
            s.insert(o).unwrap();
        }
        let before: Decimal = s
            .ledger(&OrderFilter::default())
            .iter()
            .map(|o| o.amount - o.fee)
            .sum();
        let all = ["P1".to_owned(), "P2".to_owned(), "P3".to_owned()];
        assert_eq!(s.remove_many(&all, &|_| &["chain"]), 3);
        assert!(s.list(&OrderFilter::default()).is_empty());
        let ledger = s.ledger(&OrderFilter::default().state(OrderState::Success));
        assert_eq!(ledger.len(), 2, "one summary per chain");
        let after: Decimal = ledger.iter().map(|o| o.amount - o.fee).sum();
        assert_eq!(after, before);
        let tron = ledger
            .iter()
            .find(|o| o.payload["chain"] == "TRON")
            .unwrap();
        assert_eq!(
            (tron.amount, tron.fee, tron.version),
            (Decimal::new(150, 0), Decimal::TWO, 2)
        );
        assert_eq!(
            tron.payload.as_object().unwrap().len(),
            1,
            "only the ledger fields"
        );
        assert!(tron.platform_order_no.is_empty() && s.lookup("").is_empty());
        assert!(
            s.ledger(&OrderFilter::default().state(OrderState::Failed))
                .is_empty()
        );
    }

    #[test]
    fn state_names_round_trip() {
        for s in [
            OrderState::Created,
            OrderState::Paying,
            OrderState::Processing,
            OrderState::Success,
            OrderState::Failed,
            OrderState::Expired,
            OrderState::Closed,
            OrderState::Cancelled,
        ] {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderState::parse("paid"), Some(OrderState::Success));
        assert_eq!(OrderState::parse("bogus"), None);
    }
}
