//! The state every part of a running sandbox shares: clock, orders, callbacks, faults,
//! scheduled transitions and the modules. Internal; reached through
//! [`ProviderCtx`](crate::ProviderCtx) and [`SandboxHandle`](crate::SandboxHandle).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::callback::{Dispatcher, Notify};
use crate::clock::{SandboxClock, SandboxTime};
use crate::fault::{FaultKind, FaultTarget, Faults};
use crate::provider::{
    ChangeCause, Host, ProviderCtx, ProviderModule, StateChange, TransitionError,
};
use crate::store::{DuplicateOrder, NewOrder, Order, OrderState, OrderStore};

#[derive(Clone, Debug)]
struct Scheduled {
    order: String,
    to: OrderState,
    reason: Option<String>,
    cause: ChangeCause,
}

pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) clock: SandboxClock,
    pub(crate) store: OrderStore,
    pub(crate) faults: Faults,
    pub(crate) dispatcher: Arc<Dispatcher>,
    pub(crate) modules: HashMap<&'static str, Arc<dyn ProviderModule>>,
    pub(crate) body_limit: usize,
    order_seq: AtomicU64,
    order_base: u64,
    schedule: Mutex<BTreeMap<(SandboxTime, u64), Scheduled>>,
    schedule_seq: AtomicU64,
    schedule_changed: watch::Sender<u64>,
    scheduler_busy: AtomicUsize,
    /// How long final orders are kept (sandbox time); `None` keeps them forever.
    pub(crate) retention: Option<Duration>,
    /// When to look at a final order again for removal: (time, seq) -> platform order number.
    purges: Mutex<BTreeMap<(SandboxTime, u64), String>>,
    purges_changed: watch::Sender<u64>,
    janitor_busy: AtomicUsize,
    /// Final orders removed so far.
    pub(crate) orders_removed: AtomicU64,
}

impl Host for Shared {
    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn clock(&self) -> &SandboxClock {
        &self.clock
    }

    fn body_limit(&self) -> usize {
        self.body_limit
    }

    fn store(&self) -> &OrderStore {
        &self.store
    }

    fn next_order_no(&self, prefix: &str) -> String {
        Shared::next_order_no(self, prefix)
    }

    fn create(
        self: Arc<Self>,
        provider: &'static str,
        new: NewOrder,
    ) -> Result<Order, DuplicateOrder> {
        Shared::create_order(&self, provider, new)
    }

    fn transition_now(
        self: Arc<Self>,
        no: &str,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    ) -> Result<Order, TransitionError> {
        Shared::transition(&self, no, to, reason, cause)
    }

    fn schedule(
        &self,
        order: &str,
        at: SandboxTime,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    ) {
        Shared::schedule(self, order, at, to, reason, cause);
    }

    fn queue_notify(self: Arc<Self>, order: &Order, notify: Notify) -> u64 {
        Shared::dispatch(&self, order, notify)
    }
}

/// What to do with a final order whose retention check is due.
enum Retire {
    /// Remove it now.
    Now,
    /// Look again at this time.
    At(SandboxTime),
    /// Nothing (already gone, or not final).
    Skip,
}

impl Shared {
    pub(crate) fn new(
        base_url: String,
        clock: SandboxClock,
        dispatcher: Arc<Dispatcher>,
        modules: HashMap<&'static str, Arc<dyn ProviderModule>>,
        body_limit: usize,
        retention: Option<Duration>,
    ) -> Self {
        let order_base = u64::try_from(clock.now().unix_millis())
            .unwrap_or(0)
            .saturating_mul(1000);
        Self {
            base_url,
            clock,
            store: OrderStore::new(),
            faults: Faults::default(),
            dispatcher,
            modules,
            body_limit,
            order_seq: AtomicU64::new(0),
            order_base,
            schedule: Mutex::new(BTreeMap::new()),
            schedule_seq: AtomicU64::new(0),
            schedule_changed: watch::channel(0).0,
            scheduler_busy: AtomicUsize::new(0),
            retention,
            purges: Mutex::new(BTreeMap::new()),
            purges_changed: watch::channel(0).0,
            janitor_busy: AtomicUsize::new(0),
            orders_removed: AtomicU64::new(0),
        }
    }

    pub(crate) fn ctx(self: &Arc<Self>, name: &'static str) -> ProviderCtx {
        ProviderCtx {
            name,
            shared: Arc::<Self>::clone(self),
        }
    }

    fn sched(&self) -> MutexGuard<'_, BTreeMap<(SandboxTime, u64), Scheduled>> {
        // Plain map; a poisoned lock still holds consistent data.
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn purge_queue(&self) -> MutexGuard<'_, BTreeMap<(SandboxTime, u64), String>> {
        // Plain map; a poisoned lock still holds consistent data.
        self.purges.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a retention check of a final order at `at`.
    fn queue_purge(&self, order: &str, at: SandboxTime) {
        let seq = self.schedule_seq.fetch_add(1, Ordering::SeqCst);
        self.purge_queue().insert((at, seq), order.to_owned());
        self.purges_changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// An order became final at `at`: queue its removal after the retention, if any.
    fn retire_later(&self, order: &str, at: SandboxTime) {
        if let Some(keep) = self.retention {
            self.queue_purge(order, at + keep);
        }
    }

    fn next_purge(&self) -> Option<SandboxTime> {
        self.purge_queue().keys().next().map(|(t, _)| *t)
    }

    /// Whether a final order can go now: its retention has run since it settled (its module's
    /// [`settled_at`](ProviderModule::settled_at)) and since its last callback attempt, and no
    /// callback of it is still pending.
    fn retire(&self, no: &str, now: SandboxTime, keep: Duration) -> Retire {
        let Some(order) = self.store.get(no) else {
            return Retire::Skip;
        };
        if !order.state.is_final() {
            return Retire::Skip;
        }
        // Never look again sooner than a second of sandbox time (an attempt in flight keeps
        // its callback pending at a time already past).
        let floor = now + keep.max(Duration::from_secs(1));
        let calls = self.dispatcher.activity(no);
        if calls.pending {
            let at = calls.next_attempt.map_or(floor, |t| (t + keep).max(floor));
            return Retire::At(at);
        }
        let settled = match self.modules.get(order.provider.as_str()) {
            Some(m) => m.settled_at(&order),
            None => Some(order.completed_at.unwrap_or(order.created_at)),
        };
        let Some(settled) = settled else {
            // The module keeps this one for good.
            return Retire::Skip;
        };
        let since = calls.last_attempt.map_or(settled, |t| t.max(settled));
        let due = since + keep;
        if due <= now {
            Retire::Now
        } else {
            Retire::At(due)
        }
    }

    /// Removes final orders (and their finished callback records) once their retention has
    /// run, on the sandbox clock.
    pub(crate) async fn run_janitor(self: Arc<Self>) {
        let Some(keep) = self.retention else {
            return;
        };
        let mut changed = self.purges_changed.subscribe();
        loop {
            match self.next_purge() {
                None => {
                    if changed.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                Some(at) => {
                    tokio::select! {
                        () = self.clock.sleep_until(at) => {}
                        r = changed.changed() => { if r.is_err() { return } continue; }
                    }
                }
            }
            let now = self.clock.now();
            let due: Vec<String> = {
                let mut g = self.purge_queue();
                let later = g.split_off(&(now, u64::MAX));
                let due = std::mem::replace(&mut *g, later);
                self.janitor_busy.fetch_add(1, Ordering::SeqCst);
                due.into_values().collect()
            };
            let mut gone = Vec::new();
            for no in due {
                match self.retire(&no, now, keep) {
                    Retire::Now => gone.push(no),
                    Retire::At(at) => self.queue_purge(&no, at),
                    Retire::Skip => {}
                }
            }
            if !gone.is_empty() {
                let fields = |provider: &str| {
                    self.modules
                        .get(provider)
                        .map_or(&[][..], |m| m.ledger_fields())
                };
                let removed = self.store.remove_many(&gone, &fields);
                let callbacks = self.dispatcher.forget(&gone);
                self.orders_removed
                    .fetch_add(u64::try_from(removed).unwrap_or(u64::MAX), Ordering::SeqCst);
                tracing::debug!(
                    orders = removed,
                    callbacks,
                    "final orders past their retention removed"
                );
            }
            self.janitor_busy.fetch_sub(1, Ordering::SeqCst);
        }
    }

    pub(crate) fn next_order_no(&self, prefix: &str) -> String {
        let n = self.order_seq.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{prefix}{:020}", self.order_base.wrapping_add(n))
    }

    pub(crate) fn create_order(
        self: &Arc<Self>,
        provider: &'static str,
        new: NewOrder,
    ) -> Result<Order, DuplicateOrder> {
        let now = self.clock.now();
        let platform_order_no = new
            .platform_order_no
            .clone()
            .unwrap_or_else(|| self.next_order_no("SBX"));
        let order = Order {
            provider: provider.to_owned(),
            kind: new.kind,
            merchant_id: new.merchant_id,
            merchant_order_no: new.merchant_order_no,
            platform_order_no,
            state: new.state,
            amount: new.amount,
            fee: new.fee,
            currency: new.currency,
            notify_url: new.notify_url,
            created_at: now,
            expires_at: new.expires_in.map(|d| now + d),
            completed_at: None,
            reason: None,
            payload: new.payload,
            version: 0,
        };
        let order = self.store.insert(order)?;
        tracing::info!(
            provider,
            kind = %order.kind,
            order = %order.platform_order_no,
            merchant_order = %order.merchant_order_no,
            amount = %order.amount,
            "order created"
        );
        if order.state.is_final() {
            self.retire_later(&order.platform_order_no, now);
        } else if let Some(at) = order.expires_at {
            self.schedule(
                &order.platform_order_no,
                at,
                OrderState::Expired,
                None,
                ChangeCause::Expiry,
            );
        }
        Ok(order)
    }

    pub(crate) fn schedule(
        &self,
        order: &str,
        at: SandboxTime,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    ) {
        let seq = self.schedule_seq.fetch_add(1, Ordering::SeqCst);
        self.sched().insert(
            (at, seq),
            Scheduled {
                order: order.to_owned(),
                to,
                reason,
                cause,
            },
        );
        self.schedule_changed
            .send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Resolves a control key (platform or merchant order number) to one platform number.
    pub(crate) fn resolve(&self, key: &str) -> Result<String, TransitionError> {
        let found = self.store.lookup(key);
        match found.len() {
            0 => Err(TransitionError::NotFound(key.to_owned())),
            1 => Ok(found[0].platform_order_no.clone()),
            count => Err(TransitionError::Ambiguous {
                key: key.to_owned(),
                count,
            }),
        }
    }

    pub(crate) fn transition(
        self: &Arc<Self>,
        no: &str,
        to: OrderState,
        reason: Option<String>,
        cause: ChangeCause,
    ) -> Result<Order, TransitionError> {
        for _ in 0..8 {
            let order = self
                .store
                .get(no)
                .ok_or_else(|| TransitionError::NotFound(no.to_owned()))?;
            if order.state.is_final() {
                return Err(TransitionError::AlreadyFinal {
                    order: no.to_owned(),
                    state: order.state,
                });
            }
            let change = StateChange {
                from: order.state,
                to,
                at: self.clock.now(),
                reason: reason.clone(),
                cause,
            };
            if order.state == to {
                return Err(TransitionError::not_allowed(
                    &order,
                    &change,
                    "the order is already in that state",
                ));
            }
            let Some((&name, module)) = self.modules.get_key_value(order.provider.as_str()) else {
                return Err(TransitionError::not_allowed(
                    &order,
                    &change,
                    "no module for this provider",
                ));
            };
            let ctx = self.ctx(name);
            let plan = module.on_transition(&ctx, &order, &change)?;
            let committed = self.store.update_if(no, order.version, |o| {
                o.state = to;
                if to.is_final() {
                    o.completed_at = Some(change.at);
                }
                if let Some(r) = change.reason.as_ref().or(plan.reason.as_ref()) {
                    o.reason = Some(r.clone());
                }
                if let Some(fee) = plan.fee {
                    o.fee = fee;
                }
                if let Some(p) = plan.payload.clone() {
                    o.payload = p;
                }
            });
            match committed {
                Ok(Some(updated)) => {
                    if to.is_final() {
                        // Pending expiry or scheduled changes of a final order are moot.
                        self.sched().retain(|_, e| e.order != no);
                        self.retire_later(no, change.at);
                    }
                    tracing::info!(
                        provider = name,
                        order = %no,
                        from = %change.from,
                        to = %change.to,
                        cause = ?cause,
                        "order state changed"
                    );
                    if let Some(notify) = module.notify(&ctx, &updated, &change) {
                        self.dispatch(&updated, notify);
                    }
                    return Ok(updated);
                }
                Ok(None) => return Err(TransitionError::NotFound(no.to_owned())),
                Err(_) => continue,
            }
        }
        Err(TransitionError::Conflict(no.to_owned()))
    }

    /// Queues a notify for `order` with its module's policy; returns the callback id.
    pub(crate) fn dispatch(self: &Arc<Self>, order: &Order, notify: Notify) -> u64 {
        let Some((&name, module)) = self.modules.get_key_value(order.provider.as_str()) else {
            return 0;
        };
        let policy = module.callback_policy();
        let me = Arc::clone(self);
        let m = Arc::clone(module);
        let refs = vec![
            order.platform_order_no.clone(),
            order.merchant_order_no.clone(),
        ];
        let tamper = Box::new(move |n: &Notify| {
            match me.faults.check(FaultTarget::Callbacks, name, None, &refs) {
                Some((_, FaultKind::WrongSignature)) => {
                    let mut copy = n.clone();
                    m.tamper_notify_signature(&mut copy).then_some(copy)
                }
                _ => None,
            }
        });
        self.dispatcher.enqueue(order, notify, policy, tamper)
    }

    pub(crate) fn next_scheduled(&self) -> Option<SandboxTime> {
        self.sched().keys().next().map(|(t, _)| *t)
    }

    /// The earliest sandbox time at which something (a callback attempt or a scheduled
    /// transition) is due.
    pub(crate) fn next_due(&self) -> Option<SandboxTime> {
        match (self.next_scheduled(), self.dispatcher.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn busy(&self) -> bool {
        let now = self.clock.now();
        self.scheduler_busy.load(Ordering::SeqCst) > 0
            || self.janitor_busy.load(Ordering::SeqCst) > 0
            || self.dispatcher.in_flight() > 0
            || self.next_due().is_some_and(|t| t <= now)
            || (self.retention.is_some() && self.next_purge().is_some_and(|t| t <= now))
    }

    /// Waits until nothing is due at the current sandbox time and nothing is in flight.
    pub(crate) async fn settle(&self, limit: Duration) -> bool {
        let started = Instant::now();
        // Give freshly woken tasks a moment to register as busy.
        tokio::task::yield_now().await;
        loop {
            if !self.busy() {
                return true;
            }
            if started.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Runs scheduled transitions (expiry, module schedules) on the sandbox clock.
    pub(crate) async fn run_scheduler(self: Arc<Self>) {
        let mut changed = self.schedule_changed.subscribe();
        loop {
            let next = self.next_scheduled();
            match next {
                None => {
                    if changed.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                Some(at) => {
                    tokio::select! {
                        () = self.clock.sleep_until(at) => {}
                        r = changed.changed() => { if r.is_err() { return } continue; }
                    }
                }
            }
            let now = self.clock.now();
            let due: Vec<Scheduled> = {
                let mut g = self.sched();
                let later = g.split_off(&(now, u64::MAX));
                let due = std::mem::replace(&mut *g, later);
                self.scheduler_busy.fetch_add(1, Ordering::SeqCst);
                due.into_values().collect()
            };
            for s in due {
                match self.transition(&s.order, s.to, s.reason, s.cause) {
                    Ok(_) | Err(TransitionError::AlreadyFinal { .. }) => {}
                    Err(e) => {
                        tracing::debug!(order = %s.order, error = %e, "scheduled transition skipped")
                    }
                }
            }
            self.scheduler_busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
