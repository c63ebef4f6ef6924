//! Fault runs (issue 10): for each provider, at least 2,000 calls (creates and reads, 40 at a
//! time) against the in-process sandbox while seeded fault rules hit about one request in seven:
//! replies held back past the client timeout, HTTP 5xx before and after the handler, connections
//! closed mid-body, HTML error pages and truncated JSON.
//!
//! Every call must end within its timeout plus retries, with a result or a typed error. Afterwards
//! every create is accounted for against the sandbox's store:
//!
//! - a create the client reported as done exists, exactly once;
//! - a create the client reported as failed for certain does **not** exist (else an order would
//!   be lost: the merchant was told it failed);
//! - a create with an unknown outcome is settled with the client's `reconcile` (faults off), which
//!   must agree with the store; one that never landed is sent again, deliberately, and must land;
//! - the sandbox saw each merchant order number at most once on the create route (twice only for
//!   the deliberate resends): no blind resend; and the store holds no order we did not create.
//!
//! Each run prints its counts (`cargo test -p payhub-sandbox --test reliability -- --nocapture`)
//! and asserts them. The runs take a lock so they do not compete for the two cores: the timing
//! bound stays honest.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use payhub_sandbox::{
    CallbackPolicy, ConfigError, Credential, FaultKind, FaultRule, Notify, Order, OrderFilter,
    ProviderConfig, ProviderCtx, ProviderModule, Rejection, Sandbox, SandboxHandle, StateChange,
    TransitionError, TransitionPlan,
};

/// Client timeout of every run: short, so 2,000 calls take seconds.
const TIMEOUT: Duration = Duration::from_millis(250);
/// The injected delay: just past the timeout.
const DELAY_MS: u64 = 400;
/// Attempts of a read (creates are sent once).
const ATTEMPTS: u32 = 3;
/// Backoff cap between read attempts.
const BACKOFF_MAX: Duration = Duration::from_millis(20);
/// Calls per run and concurrent workers.
const CALLS: usize = 2_000;
const WORKERS: usize = 40;

/// One run at a time (see the crate doc).
static RUN_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a call ended, as the merchant's code would see it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// A result.
    Ok,
    /// `Error::OutcomeUnknown` (creates only): the label of its cause.
    Unknown(String),
    /// Any other typed error: its label (`transport:timeout`, `decode`, `api:<code>`, ...).
    /// Labels starting with `unexpected` or `not_found` fail the run.
    Failed(String),
}

/// One provider's client, driven by the run.
trait Driver: Send + Sync + 'static {
    /// Creates an order with merchant order number `no`.
    fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome>;
    /// Queries an order the run knows exists.
    fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome>;
    /// A read that needs no order (balance).
    fn read_other(&self) -> BoxFut<'_, Outcome>;
    /// The client's reconcile: `Ok(true)` found, `Ok(false)` the order does not exist.
    fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>>;
}

/// Which provider, how its module is built, and where its creates go.
struct Setup {
    provider: &'static str,
    build: fn(&ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError>,
    /// Create routes (relative to the provider prefix).
    create_routes: &'static [&'static str],
    /// The request field carrying the merchant order number.
    order_key: &'static str,
    /// The module's `[providers.<name>]` table (TOML).
    config: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Counting wrapper: the real module plus a layer that records, per merchant order number, how
// many create requests reached the module's handlers.

type Seen = Arc<Mutex<HashMap<String, u32>>>;

#[derive(Clone)]
struct CountState {
    routes: &'static [&'static str],
    key: &'static str,
    seen: Seen,
}

struct Counting {
    inner: Arc<dyn ProviderModule>,
    state: CountState,
}

impl ProviderModule for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        self.inner
            .router(ctx)
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                count_creates,
            ))
    }

    fn credentials(&self) -> Vec<Credential> {
        self.inner.credentials()
    }

    fn order_keys(&self) -> &'static [&'static str] {
        self.inner.order_keys()
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        self.inner.reject(rejection)
    }

    fn on_transition(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        self.inner.on_transition(ctx, order, change)
    }

    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        self.inner.notify(ctx, order, change)
    }

    fn callback_policy(&self) -> CallbackPolicy {
        self.inner.callback_policy()
    }

    fn tamper_reply_signature(&self, headers: &mut http::HeaderMap, body: &mut Vec<u8>) -> bool {
        self.inner.tamper_reply_signature(headers, body)
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        self.inner.tamper_notify_signature(notify)
    }
}

async fn count_creates(State(st): State<CountState>, req: Request, next: Next) -> Response {
    if !st.routes.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Some(no) = field_value(st.key, &bytes) {
        *st.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(no)
            .or_default() += 1;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// `key` from a JSON object or form body.
fn field_value(key: &str, body: &[u8]) -> Option<String> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
        return map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    }
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

// ---------------------------------------------------------------------------------------------
// The run.

/// The fault mix: about 14.5 % of requests, each kind with its own seed.
fn fault_rules(provider: &str) -> Vec<FaultRule> {
    let rule = |kind: FaultKind, per_mille: u16, seed: u64| {
        FaultRule::new(kind)
            .provider(provider)
            .rate(per_mille, seed)
    };
    vec![
        rule(FaultKind::Delay { ms: DELAY_MS }, 25, 11),
        rule(
            FaultKind::HttpStatus {
                status: 503,
                after_handler: false,
            },
            20,
            12,
        ),
        rule(
            FaultKind::HttpStatus {
                status: 500,
                after_handler: true,
            },
            20,
            13,
        ),
        rule(FaultKind::CloseMidBody, 25, 14),
        rule(
            FaultKind::HtmlError {
                status: 502,
                after_handler: true,
            },
            25,
            15,
        ),
        rule(FaultKind::TruncatedJson, 30, 16),
    ]
}

#[derive(Debug, Default)]
struct Report {
    calls: usize,
    creates: usize,
    reads: usize,
    ok: usize,
    /// Error label -> count (creates' unknown outcomes as `outcome_unknown<cause>`).
    errors: BTreeMap<String, usize>,
    unknown: usize,
    reconciled_found: usize,
    reconciled_not_found: usize,
    resent: usize,
    /// Creates reported OK but missing from the store, or present twice.
    missing: Vec<String>,
    /// Creates reported failed for certain, yet present in the store.
    lost: Vec<String>,
    /// Reconcile disagreed with the store, or failed.
    reconcile_wrong: Vec<String>,
    /// Merchant order numbers the create route saw more often than allowed.
    resent_blindly: Vec<String>,
    /// Orders in the store the run did not create.
    strays: Vec<String>,
    /// Calls that took longer than the bound.
    too_slow: usize,
    max_elapsed: Duration,
    faults_fired: Vec<(String, u64)>,
}

struct Call {
    no: Option<String>,
    outcome: Outcome,
    elapsed: Duration,
}

/// The longest a call may take: every attempt timing out, the backoffs, and slack for a loaded
/// machine.
fn bound() -> Duration {
    TIMEOUT * ATTEMPTS + BACKOFF_MAX * ATTEMPTS + Duration::from_millis(1_500)
}

async fn run(setup: &Setup, make: impl FnOnce(&SandboxHandle) -> Arc<dyn Driver>) -> Report {
    let _serial = RUN_LOCK.lock().await;
    let seen: Seen = Arc::default();
    let table: toml::Table = toml::from_str(setup.config).expect("module config parses");
    let module = (setup.build)(&ProviderConfig::new(setup.provider, table)).expect("module builds");
    let sb = Sandbox::builder()
        .clock_speed(0)
        .module(Arc::new(Counting {
            inner: module,
            state: CountState {
                routes: setup.create_routes,
                key: setup.order_key,
                seen: Arc::clone(&seen),
            },
        }))
        .start()
        .await
        .expect("sandbox starts");
    let driver = make(&sb);
    let rules = fault_rules(setup.provider);
    for r in &rules {
        sb.add_fault(r.clone());
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let driver = Arc::clone(&driver);
        let provider = setup.provider;
        tasks.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            let mut created: Vec<String> = Vec::new();
            for i in 0..CALLS / WORKERS {
                let t = Instant::now();
                if i % 2 == 0 {
                    let no = format!("R{}{w:02}{i:04}", &provider[..2].to_ascii_uppercase());
                    let outcome = driver.create(&no).await;
                    if outcome == Outcome::Ok {
                        created.push(no.clone());
                    }
                    calls.push(Call {
                        no: Some(no),
                        outcome,
                        elapsed: t.elapsed(),
                    });
                } else {
                    let outcome = match created.get((i / 2) % created.len().max(1)) {
                        Some(no) => driver.read(no).await,
                        None => driver.read_other().await,
                    };
                    calls.push(Call {
                        no: None,
                        outcome,
                        elapsed: t.elapsed(),
                    });
                }
            }
            calls
        }));
    }
    let mut calls = Vec::new();
    for t in tasks {
        calls.extend(t.await.expect("a worker panicked"));
    }
    let run_time = started.elapsed();
    let faults = sb.faults();
    sb.clear_faults();

    let mut r = Report {
        calls: calls.len(),
        faults_fired: faults
            .iter()
            .map(|f| (format!("{:?}", f.rule.fault()), f.fired))
            .collect(),
        ..Report::default()
    };
    let count_in_store = |no: &str| {
        sb.orders(
            &OrderFilter::default()
                .provider(setup.provider)
                .merchant_order_no(no),
        )
        .len()
    };
    let mut ours = HashSet::new();
    let mut resent = HashSet::new();
    for c in &calls {
        r.max_elapsed = r.max_elapsed.max(c.elapsed);
        if c.elapsed > bound() {
            r.too_slow += 1;
        }
        match &c.outcome {
            Outcome::Ok => r.ok += 1,
            Outcome::Unknown(cause) => {
                r.unknown += 1;
                *r.errors
                    .entry(format!("outcome_unknown<{cause}>"))
                    .or_default() += 1;
            }
            Outcome::Failed(label) => *r.errors.entry(label.clone()).or_default() += 1,
        }
        let Some(no) = &c.no else {
            r.reads += 1;
            continue;
        };
        r.creates += 1;
        ours.insert(no.clone());
        let n = count_in_store(no);
        match &c.outcome {
            Outcome::Ok if n != 1 => r.missing.push(format!("{no}: {n} orders")),
            Outcome::Ok => {}
            Outcome::Failed(label) if n != 0 => r.lost.push(format!("{no} ({label})")),
            Outcome::Failed(_) => {}
            Outcome::Unknown(_) => match driver.reconcile(no).await {
                Ok(found) if found != (n == 1) => r
                    .reconcile_wrong
                    .push(format!("{no}: reconcile says {found}, store has {n}")),
                Ok(true) => r.reconciled_found += 1,
                Ok(false) => {
                    r.reconciled_not_found += 1;
                    // Deliberate: reconcile said it never landed, so send it again.
                    let again = driver.create(no).await;
                    resent.insert(no.clone());
                    r.resent += 1;
                    if again != Outcome::Ok || count_in_store(no) != 1 {
                        r.missing
                            .push(format!("{no}: resend after reconcile gave {again:?}"));
                    }
                }
                Err(e) => r
                    .reconcile_wrong
                    .push(format!("{no}: reconcile failed: {e}")),
            },
        }
    }
    for o in sb.orders(&OrderFilter::default().provider(setup.provider)) {
        if !ours.contains(&o.merchant_order_no) {
            r.strays.push(o.merchant_order_no.clone());
        }
    }
    let mut per_no: HashMap<String, usize> = HashMap::new();
    for o in sb.orders(&OrderFilter::default().provider(setup.provider)) {
        *per_no.entry(o.merchant_order_no).or_default() += 1;
    }
    r.missing.extend(
        per_no
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(no, n)| format!("{no}: {n} orders in the store")),
    );
    for (no, n) in seen.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        let allowed = if resent.contains(no) { 2 } else { 1 };
        if *n > allowed {
            r.resent_blindly
                .push(format!("{no}: create route saw it {n} times"));
        }
    }

    eprintln!(
        "[reliability {p}] {calls} calls ({creates} creates, {reads} reads) in {ms} ms: ok {ok}, \
         outcome unknown {unknown} (reconciled: {found} found, {nf} not found, {resent} resent), \
         max call {max} ms (bound {b} ms)",
        p = setup.provider,
        calls = r.calls,
        creates = r.creates,
        reads = r.reads,
        ms = run_time.as_millis(),
        ok = r.ok,
        unknown = r.unknown,
        found = r.reconciled_found,
        nf = r.reconciled_not_found,
        resent = r.resent,
        max = r.max_elapsed.as_millis(),
        b = bound().as_millis(),
    );
    for (label, n) in &r.errors {
        eprintln!("[reliability {}]   error {label}: {n}", setup.provider);
    }
    for (fault, n) in &r.faults_fired {
        eprintln!("[reliability {}]   fault {fault} fired {n}", setup.provider);
    }
    sb.shutdown().await.expect("sandbox stops");
    r
}

/// The assertions every provider's run must pass.
fn assert_run(r: &Report) {
    assert_eq!(r.calls, CALLS, "every call ran");
    assert_eq!(r.creates + r.reads, r.calls);
    let errors: usize = r.errors.values().sum();
    assert_eq!(
        r.ok + errors,
        r.calls,
        "every call ended with a result or a typed error"
    );
    assert_eq!(
        r.too_slow, 0,
        "calls past the bound; max {:?}",
        r.max_elapsed
    );
    assert!(
        r.missing.is_empty(),
        "orders missing or doubled: {:?}",
        r.missing
    );
    assert!(
        r.lost.is_empty(),
        "creates reported failed that exist: {:?}",
        r.lost
    );
    assert!(
        r.reconcile_wrong.is_empty(),
        "reconcile disagreed with the store: {:?}",
        r.reconcile_wrong
    );
    assert!(
        r.resent_blindly.is_empty(),
        "blind resends: {:?}",
        r.resent_blindly
    );
    assert!(r.strays.is_empty(), "orders nobody created: {:?}", r.strays);
    assert_eq!(
        r.reconciled_found + r.reconciled_not_found,
        r.unknown,
        "every unknown outcome was reconciled"
    );
    assert_eq!(r.resent, r.reconciled_not_found);
    let bad: Vec<_> = r
        .errors
        .keys()
        .filter(|k| k.starts_with("unexpected") || k.starts_with("not_found"))
        .collect();
    assert!(bad.is_empty(), "unexpected errors: {bad:?}");
    // The faults really happened, and the client mostly still got through.
    for (fault, fired) in &r.faults_fired {
        assert!(*fired > 0, "fault {fault} never fired");
    }
    assert!(r.unknown > 0, "no create met an unknown outcome");
    assert!(
        r.reconciled_found > 0,
        "no unknown create turned out to exist"
    );
    assert!(
        r.reconciled_not_found > 0,
        "no unknown create turned out to be missing"
    );
    assert!(
        r.ok * 10 >= r.calls * 6,
        "fewer than 60 % of calls succeeded: {}",
        r.ok
    );
}

fn retry() -> paydesk::RetryPolicy {
    paydesk::RetryPolicy::default()
        .max_attempts(ATTEMPTS)
        .initial_delay(Duration::from_millis(5))
        .max_delay(BACKOFF_MAX)
}

// ---------------------------------------------------------------------------------------------

mod paydesk_run {
    use paydesk::api::{BalanceRequest, Order, OrderKind, PayDeskQueryRequest, PayDeskRequest};
    use paydesk::{Client, Error, Reconciliation};
    use rust_decimal::Decimal;

    use super::*;

    fn label(e: &Error) -> String {
        match e {
            Error::Transport(t) => format!("transport:{:?}", t.kind()).to_lowercase(),
            Error::Decode(_) => "decode".to_owned(),
            Error::Api(a) if a.error_code().is_not_found() => {
                format!("not_found:{}", a.error_code().as_str())
            }
            Error::Api(a) => format!("api:{}", a.error_code().as_str()),
            Error::OutcomeUnknown(u) => label(u.cause()),
            other => format!("unexpected:{other}"),
        }
    }

    fn outcome<T>(r: Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(Error::OutcomeUnknown(u)) => Outcome::Unknown(label(u.cause())),
            Err(e) => Outcome::Failed(label(&e)),
        }
    }

    struct D(Client);

    impl Driver for D {
        fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                let req = PayDeskRequest::new(
                    no,
                    "TZS",
                    Decimal::from(1000),
                    "http://127.0.0.1:9/notify",
                )
                .mobile_money_phone("721323213")
                .real_name("Jeck")
                .phone("255700000001")
                .email("payer@example.com")
                .remark("fault run");
                outcome(self.0.send(&req).await)
            })
        }

        fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                outcome(self.0.send(&PayDeskQueryRequest::by_mch_order_no(no)).await)
            })
        }

        fn read_other(&self) -> BoxFut<'_, Outcome> {
            Box::pin(async move { outcome(self.0.send(&BalanceRequest::new()).await) })
        }

        fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>> {
            Box::pin(async move {
                match self.0.reconcile(OrderKind::Cashier, no).await {
                    Ok(Reconciliation::NotFound) => Ok(false),
                    Ok(Reconciliation::Found(Order::Cashier(o)))
                        if o.mch_order_no.as_deref() == Some(no) =>
                    {
                        Ok(true)
                    }
                    Ok(other) => Err(format!("wrong order: {other:?}")),
                    Err(e) => Err(label(&e)),
                }
            })
        }
    }

    /// `cargo test -p payhub-sandbox --test reliability paydesk -- --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn paydesk_fault_run_accounts_for_every_order() {
        let setup = Setup {
            provider: "paydesk",
            build: payhub_sandbox::providers::paydesk::build,
            create_routes: &["/api/payDesk"],
            order_key: "mchOrderNo",
            config: "",
        };
        let r = run(&setup, |sb| {
            let client = Client::builder(1002001, "testApiKey")
                .base_url(sb.provider_url("paydesk"))
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .retry_policy(retry())
                .build()
                .expect("client");
            Arc::new(D(client)) as Arc<dyn Driver>
        })
        .await;
        assert_run(&r);
    }
}

mod jiuyi_dc_run {
    use jiuyi_dc::api::PayRequest;
    use jiuyi_dc::api::QueryCashRequest;
    use jiuyi_dc::api::QueryOrderRequest;
    use jiuyi_dc::{Client, Error, Reconciliation};

    use super::*;

    fn label(e: &Error) -> String {
        match e {
            Error::Transport(t) => format!("transport:{:?}", t.kind()).to_lowercase(),
            Error::Decode(d) => format!("decode:{:?}", d.kind())
                .split([' ', '{', '('])
                .next()
                .unwrap_or("decode")
                .to_lowercase(),
            Error::Api(a) if a.message() == "订单不存在" => "not_found".to_owned(),
            Error::Api(a) => format!("api:{}", a.code().as_str()),
            Error::OutcomeUnknown(u) => label(u.cause()),
            other => format!("unexpected:{other}"),
        }
    }

    fn outcome<T>(r: Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(Error::OutcomeUnknown(u)) => Outcome::Unknown(label(u.cause())),
            Err(e) => Outcome::Failed(label(&e)),
        }
    }

    struct D(Client);

    impl Driver for D {
        fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                outcome(self.0.send(&PayRequest::new("43", "13800138000", no)).await)
            })
        }

        fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(
                async move { outcome(self.0.send(&QueryOrderRequest::by_out_order_id(no)).await) },
            )
        }

        fn read_other(&self) -> BoxFut<'_, Outcome> {
            Box::pin(async move { outcome(self.0.send(&QueryCashRequest::new()).await) })
        }

        fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>> {
            Box::pin(async move {
                match self.0.reconcile(no).await {
                    Ok(Reconciliation::Found(o)) if o.out_order_id.as_deref() == Some(no) => {
                        Ok(true)
                    }
                    Ok(Reconciliation::Found(o)) => Err(format!("wrong order: {o:?}")),
                    // The gateway said "订单不存在" (order does not exist).
                    Ok(_) => Ok(false),
                    Err(e) => Err(label(&e)),
                }
            })
        }
    }

    /// `cargo test -p payhub-sandbox --test reliability jiuyi -- --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jiuyi_dc_fault_run_accounts_for_every_order() {
        let setup = Setup {
            provider: "jiuyi_dc",
            build: payhub_sandbox::providers::jiuyi_dc::build,
            create_routes: &["/dcapi/pay"],
            order_key: "out_order_id",
            // Enough balance for every order of the run.
            config: r#"initial_balance = "100000000.00""#,
        };
        let r = run(&setup, |sb| {
            let client = Client::builder("19190009", "HJH546HKDHK")
                .base_url(sb.provider_url("jiuyi_dc"))
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .retry_policy(retry())
                .build()
                .expect("client");
            Arc::new(D(client)) as Arc<dyn Driver>
        })
        .await;
        assert_run(&r);
    }
}

mod gateway_recharge_run {
    use gateway_recharge::api::{BalanceRequest, CreateOrderRequest, DepositQueryRequest};
    use gateway_recharge::{Client, Error, Reconciliation};
    use rust_decimal::Decimal;

    use super::*;

    /// The sandbox's documented "order not found" code.
    const NOT_FOUND: &str = "1005";

    fn label(e: &Error) -> String {
        match e {
            Error::Transport(t) => format!("transport:{:?}", t.kind()).to_lowercase(),
            Error::Decode(d) if d.is_truncated() => "decode:truncated".to_owned(),
            Error::Decode(_) => "decode".to_owned(),
            Error::Api(a) if a.code().as_str() == NOT_FOUND => "not_found".to_owned(),
            Error::Api(a) => format!("api:{}", a.code().as_str()),
            Error::OutcomeUnknown(u) => label(u.cause()),
            other => format!("unexpected:{other}"),
        }
    }

    fn outcome<T>(r: Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(Error::OutcomeUnknown(u)) => Outcome::Unknown(label(u.cause())),
            Err(e) => Outcome::Failed(label(&e)),
        }
    }

    struct D(Client);

    impl Driver for D {
        fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                let req = CreateOrderRequest::new(
                    no,
                    Decimal::new(10000, 2),
                    "fault run",
                    "user1",
                    "192.168.1.1",
                    "http://127.0.0.1:9/callback",
                    "http://127.0.0.1:9/return",
                );
                outcome(self.0.send(&req).await)
            })
        }

        fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move { outcome(self.0.send(&DepositQueryRequest::new(no)).await) })
        }

        fn read_other(&self) -> BoxFut<'_, Outcome> {
            Box::pin(async move { outcome(self.0.send(&BalanceRequest::new()).await) })
        }

        fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>> {
            Box::pin(async move {
                match self.0.reconcile(no).await {
                    Ok(Reconciliation::Found(o)) if o.order_no == no => Ok(true),
                    Ok(Reconciliation::NotFound) => Ok(false),
                    Ok(o) => Err(format!("wrong order: {o:?}")),
                    Err(e) => Err(label(&e)),
                }
            })
        }
    }

    /// `cargo test -p payhub-sandbox --test reliability gateway -- --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gateway_recharge_fault_run_accounts_for_every_order() {
        let setup = Setup {
            provider: "gateway_recharge",
            build: payhub_sandbox::providers::gateway_recharge::build,
            create_routes: &["/gateway/recharge"],
            order_key: "order_no",
            config: "",
        };
        let r = run(&setup, |sb| {
            let client = Client::builder("M1234567890", "adesf235")
                .base_url(sb.provider_url("gateway_recharge"))
                .not_found_codes([NOT_FOUND])
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .retry_policy(retry())
                .build()
                .expect("client");
            Arc::new(D(client)) as Arc<dyn Driver>
        })
        .await;
        assert_run(&r);
    }
}

mod tokenpay_run {
    use tokenpay::api::{BalanceRequest, PrepayRequest, QueryOrderRequest};
    use tokenpay::types::{Chain, Currency};
    use tokenpay::{Client, Error};

    use super::*;

    fn label(e: &Error) -> String {
        match e {
            Error::Transport(t) => format!("transport:{:?}", t.kind())
                .split(['(', ' '])
                .next()
                .unwrap_or("transport")
                .to_lowercase(),
            Error::Decode(_) => "decode".to_owned(),
            Error::Signature(s) => format!("signature:{:?}", s.problem()).to_lowercase(),
            Error::Api(a) if a.code().is_not_found() => "not_found".to_owned(),
            Error::Api(a) => format!("api:{}", a.code()),
            Error::OutcomeUnknown(u) => label(u.cause()),
            other => format!("unexpected:{other}"),
        }
    }

    fn outcome<T>(r: Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(Error::OutcomeUnknown(u)) => Outcome::Unknown(label(u.cause())),
            Err(e) => Outcome::Failed(label(&e)),
        }
    }

    struct D(Client);

    impl Driver for D {
        fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                let req = PrepayRequest::new(
                    no,
                    "9".parse().expect("amount"),
                    Chain::Tron,
                    Currency::Usdt,
                );
                outcome(self.0.send(&req).await)
            })
        }

        fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(
                async move { outcome(self.0.send(&QueryOrderRequest::by_out_trade_no(no)).await) },
            )
        }

        fn read_other(&self) -> BoxFut<'_, Outcome> {
            Box::pin(async move {
                outcome(
                    self.0
                        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
                        .await,
                )
            })
        }

        fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>> {
            Box::pin(async move {
                match self.0.reconcile(no).await.map(|r| r.into_found()) {
                    Ok(Some(o)) if o.out_trade_no.as_deref() == Some(no) => Ok(true),
                    Ok(Some(o)) => Err(format!("wrong order: {o:?}")),
                    Ok(None) => Ok(false),
                    Err(e) => Err(label(&e)),
                }
            })
        }
    }

    /// `cargo test -p payhub-sandbox --test reliability tokenpay -- --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tokenpay_fault_run_accounts_for_every_order() {
        let setup = Setup {
            provider: "tokenpay",
            build: payhub_sandbox::providers::tokenpay::build,
            create_routes: &["/v1/transaction/prepayment"],
            order_key: "out_trade_no",
            config: "",
        };
        let r = run(&setup, |sb| {
            let client = Client::builder(
                "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
                "1234567890",
                "0123456789abcdef0123456789abcdef",
            )
            .base_url(sb.provider_url("tokenpay"))
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .retry_policy(retry())
            .build()
            .expect("client");
            Arc::new(D(client)) as Arc<dyn Driver>
        })
        .await;
        assert_run(&r);
    }
}

mod vipcharge_run {
    use vipcharge::api::{BalanceRequest, OrderInfoRequest, VipChargeRequest};
    use vipcharge::error::UnknownReason;
    use vipcharge::types::ReplyStatus;
    use vipcharge::{Client, Credentials, Error, Reconciliation};

    use super::*;

    fn label(e: &Error) -> String {
        match e {
            Error::Transport(t) => format!("transport:{:?}", t.kind()).to_lowercase(),
            Error::Decode(d) => format!("decode:{:?}", d.kind()).to_lowercase(),
            Error::Api(a) if *a.status() == ReplyStatus::NotFound => "not_found".to_owned(),
            Error::Api(a) => format!("api:{}", a.status().as_str()),
            Error::OutcomeUnknown(u) => reason(u.reason()),
            other => format!("unexpected:{other}"),
        }
    }

    fn reason(r: &UnknownReason) -> String {
        match r {
            UnknownReason::ProviderStatus { status, .. } => format!("status:{}", status.as_str()),
            UnknownReason::Transport(k) => format!("transport:{k:?}").to_lowercase(),
            UnknownReason::HttpStatus(s) => format!("http:{s}"),
            UnknownReason::UnreadableReply(k) => format!("decode:{k:?}").to_lowercase(),
            other => format!("{other:?}"),
        }
    }

    fn outcome<T>(r: Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(Error::OutcomeUnknown(u)) => Outcome::Unknown(reason(u.reason())),
            Err(e) => Outcome::Failed(label(&e)),
        }
    }

    struct D(Client);

    impl Driver for D {
        fn create<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move {
                outcome(
                    self.0
                        .send(&VipChargeRequest::new("87103", "13800138000", no))
                        .await,
                )
            })
        }

        fn read<'a>(&'a self, no: &'a str) -> BoxFut<'a, Outcome> {
            Box::pin(async move { outcome(self.0.send(&OrderInfoRequest::by_biz_code(no)).await) })
        }

        fn read_other(&self) -> BoxFut<'_, Outcome> {
            Box::pin(async move { outcome(self.0.send(&BalanceRequest::new()).await) })
        }

        fn reconcile<'a>(&'a self, no: &'a str) -> BoxFut<'a, Result<bool, String>> {
            Box::pin(async move {
                match self.0.reconcile(no).await {
                    Ok(Reconciliation::Found(o)) if o.biz_code() == Some(no) => Ok(true),
                    Ok(Reconciliation::Found(o)) => Err(format!("wrong order: {o:?}")),
                    Ok(_) => Ok(false),
                    Err(e) => Err(label(&e)),
                }
            })
        }
    }

    /// `cargo test -p payhub-sandbox --test reliability vipcharge -- --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn vipcharge_fault_run_accounts_for_every_order() {
        let setup = Setup {
            provider: "vipcharge",
            build: payhub_sandbox::providers::vipcharge::build,
            create_routes: &["/v1/openapi/order/VIPCharge"],
            order_key: "bizCode",
            // Enough balance for every order of the run.
            config: r#"merchants = [{ merchant_id = "166", business_id = "166", secret = "testSignKey", balance = "100000000" }]"#,
        };
        let r = run(&setup, |sb| {
            let client = Client::builder("166", "166", Credentials::md5("testSignKey"))
                .base_url(sb.provider_url("vipcharge"))
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .retry_policy(retry())
                .build()
                .expect("client");
            Arc::new(D(client)) as Arc<dyn Driver>
        })
        .await;
        assert_run(&r);
    }
}
