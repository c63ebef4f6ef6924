//! Group `reconcile`: the reconciler's throughput against the raw status queries it makes, and
//! its memory against the size of the orders table.
//!
//! Why: the reconciler (`payhub_store::reconcile::Reconciler`) should cost little beyond the
//! provider queries it exists to make, and it must stream due orders from the store batch by
//! batch: a table of pending orders can be large, and a pass must not load it.
//!
//! Setup: the in-process sandbox (clock frozen, callbacks sent to a port where nothing
//! listens), a `payhub::Hub` with one account per provider (all five) from the sandbox's
//! credentials, and N orders spread over the five providers, created through the hub and
//! marked paid in the sandbox.
//!
//! - **Throughput.** Ours: the N orders tracked (untimed) in a fresh SQLite store, first check
//!   at once, then `Reconciler::run_once()` repeated until all N are settled (each settled with
//!   its event recorded). Floor: the same N `hub.status(provider, None, no)` queries, with as
//!   many in flight at any moment as the reconciler's batch size (a query that ends makes room
//!   for the next), as `run_once` keeps its window of checks full. Both on the same 2-worker
//!   runtime as the sandbox, interleaved round by round; figure: wall time per order (its inverse is
//!   orders per second). Rate caps: 100k queries/s per account (goal row) and none (info row:
//!   what the cap's timer costs). The store lives in the temp directory (durable: WAL and
//!   `synchronous = FULL`, as deployed) for the goal row, and in `/dev/shm` for an info row
//!   (same code, no disk flush). A last info row does the same with every status reply held
//!   back 5 ms by the sandbox's delay fault (both sides): with a provider's real latency the
//!   queries, not the CPU, set the pace, and the figure shows whether the reconciler keeps
//!   its window of queries full. Another info row runs the reconciler on Postgres (a fresh
//!   database per round on `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//!   the store a fleet shares), so its statements and round trips are measured too: a missing
//!   server is an error that says how to start it, never a silent skip.
//! - **Memory.** Two stores (`/dev/shm` when present, else the temp directory), one holding
//!   10k pending orders and one 100k (2k / 20k with `--quick`), all due, inserted one
//!   `Store::track` at a time. A reconciler with a batch of 32 and one batch per pass; before
//!   each pass the peak RSS is reset (`5` written to `/proc/self/clear_refs`), and the figure
//!   is `VmHWM` after the pass minus `VmRSS` before it: the most the pass added at any moment.
//!   The orders are unknown to the sandbox, so each query fails and the order is rescheduled:
//!   the pass claims, queries and writes back one batch. One first pass on each store (small,
//!   then large) is shown as an info row; then passes alternate between the stores; medians.
//!   Caveat: memory a pass frees stays resident (the allocator keeps it), so a later pass that
//!   needs as much again does not raise the peak; the first passes and the largest pass (in
//!   the notes) show what one pass takes. An info row times `Store::claim_due_orders` of one
//!   batch alone on both stores.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhub::{
    AccountSettings, CheckoutRequest, Customer, Hub, PaymentStatus, Provider, RechargeRequest,
};
use payhub_sandbox::{FaultKind, FaultRule, Sandbox, SandboxHandle};
use payhub_store::reconcile::{Cadence, Rate, Reconciler};
use payhub_store::{NewOrder, OrderKind, Store};
use rust_decimal::Decimal;
use tokio::task::JoinSet;

use crate::Res;
use crate::harness::median;
use crate::pg::PgDatabases;
use crate::table::{Row, Unit};

/// Throughput goal: at most 1.2 times the raw status queries.
const GOAL_RATE: f64 = 1.2;
/// Memory goal: the pass over 10x the orders grows RSS at most 10% more.
const GOAL_MEMORY: f64 = 1.1;
/// The reconciler's default batch size (its concurrency within a batch).
const BATCH: u32 = 32;
/// The provider latency of the latency rows, in milliseconds (each status reply held back
/// this long by the sandbox).
const LATENCY_MS: u64 = 5;

/// Sizes of one run.
struct Plan {
    /// Orders settled per throughput round.
    orders: usize,
    /// Throughput rounds (each times the floor and every reconciler variant once).
    rounds: usize,
    /// Pending orders in the small and the large store.
    small: usize,
    large: usize,
    /// Measured passes per memory store.
    passes: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                orders: 250,
                rounds: 3,
                small: 2_000,
                large: 20_000,
                passes: 3,
            }
        } else {
            Self {
                orders: 2_000,
                // Seven: on a shared 2-core machine three rounds' median swung by 0.5x.
                rounds: 7,
                small: 10_000,
                large: 100_000,
                passes: 7,
            }
        }
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: PathBuf, tag: &str) -> Res<Self> {
        let path = parent.join(format!(
            "payhub-bench-{tag}-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    fn url(&self, name: &str) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join(name).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `/dev/shm` when it is a directory (tmpfs: no disk flush), else the temp directory.
fn memory_dir() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    }
}

fn cred(sb: &SandboxHandle, module: &str, label: &str) -> Res<String> {
    sb.credentials(module)
        .into_iter()
        .find(|c| c.label() == label)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| format!("sandbox: no {label} for {module}").into())
}

/// The sandbox's credentials of `p` as account settings.
fn settings(sb: &SandboxHandle, p: Provider) -> Res<AccountSettings> {
    let s = AccountSettings::new().set("timeout_secs", "5");
    Ok(match p {
        Provider::GatewayRecharge => s
            .set("base_url", sb.provider_url("gateway_recharge"))
            .set("merchant_no", cred(sb, "gateway_recharge", "merchant_no")?)
            .set("key", cred(sb, "gateway_recharge", "key")?),
        Provider::JiuyiDc => s
            .set("base_url", sb.provider_url("jiuyi_dc"))
            .set("appid", cred(sb, "jiuyi_dc", "appid")?)
            .set("appsecret", cred(sb, "jiuyi_dc", "appsecret")?),
        Provider::Paydesk => s
            .set("base_url", sb.provider_url("paydesk"))
            .set("merchant_id", cred(sb, "paydesk", "MerchantId")?)
            .set("api_key", cred(sb, "paydesk", "apiKey")?),
        Provider::Tokenpay => s
            .set("base_url", sb.provider_url("tokenpay"))
            .set("app_id", cred(sb, "tokenpay", "app_id")?)
            .set("mch_id", cred(sb, "tokenpay", "mch_id")?)
            .set("app_secret", cred(sb, "tokenpay", "app_secret")?),
        Provider::Vipcharge => s
            .set("base_url", sb.provider_url("vipcharge"))
            .set("merchant_id", cred(sb, "vipcharge", "merchantId")?)
            .set("business_id", cred(sb, "vipcharge", "businessId")?)
            .set("sign_type", "MD5")
            .set("secret", cred(sb, "vipcharge", "secret (MD5)")?),
        other => return Err(format!("no sandbox settings for {other}").into()),
    })
}

/// The sandbox and the hub over it.
struct Env {
    sb: SandboxHandle,
    hub: Arc<Hub>,
    notify: String,
}

impl Env {
    async fn start() -> Res<Self> {
        // A port where nothing listens: the sandbox's callbacks go nowhere (and with the clock
        // frozen, their retries never come due).
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let notify = format!("http://127.0.0.1:{port}/callbacks");
        let table = |text: &str| -> Res<toml::Table> { Ok(toml::from_str(text)?) };
        let sb = Sandbox::builder()
            .clock_speed(0)
            .redirect_callbacks(notify.clone())
            .provider_config("vipcharge", table(r#"auto_complete = "none""#)?)
            // A balance for thousands of recharges (the default, 1000.00, runs out at ~50).
            .provider_config(
                "jiuyi_dc",
                table("auto_fulfil = false\ninitial_balance = \"100000000\"")?,
            )
            .start()
            .await?;
        let mut builder = Hub::builder();
        for p in Provider::ALL {
            builder = builder.account_from_settings(p, "default", &settings(&sb, p)?);
        }
        let hub = Arc::new(builder.build()?);
        Ok(Self { sb, hub, notify })
    }

    /// Creates order `no` on `p` through the hub; returns what to track.
    async fn create(hub: &Hub, notify: &str, p: Provider, no: &str) -> Res<NewOrder> {
        let notify = format!("{notify}/{p}");
        match p {
            Provider::Vipcharge | Provider::JiuyiDc => {
                let (product, account) = if p == Provider::Vipcharge {
                    ("87103", "w23b52")
                } else {
                    ("43", "13800138000")
                };
                let req = RechargeRequest::new(no, product, account).notify_url(notify);
                hub.recharge(p, None, &req).await?;
                Ok(NewOrder::new(p.name(), "default", OrderKind::Recharge, no))
            }
            _ => {
                let (amount, currency) = match p {
                    Provider::GatewayRecharge => (Decimal::new(10000, 2), "CNY"),
                    Provider::Paydesk => (Decimal::from(1000), "TZS"),
                    _ => (Decimal::new(95, 1), "USDT"),
                };
                let req = CheckoutRequest::new(no, amount, currency)
                    .description("reconciler bench order")
                    .notify_url(notify)
                    .return_url("https://shop.example/thanks")
                    .customer(
                        Customer::new()
                            .id("user-42")
                            .ip("127.0.0.1")
                            .name("Jeck")
                            .phone("255700000001")
                            .email("payer@example.com"),
                    )
                    .extra(Provider::Paydesk, "mobile_money_phone", "721323213")
                    .extra(Provider::Tokenpay, "chain", "TRON");
                let link = hub.checkout(p, None, &req).await?;
                Ok(NewOrder::new(p.name(), "default", OrderKind::Checkout, no)
                    .amount(amount, Some(currency.to_owned()))
                    .provider_order_no(link.provider_order_no))
            }
        }
    }

    /// `n` orders over the five providers in turn, created (32 at a time) and marked paid.
    async fn paid_orders(&self, n: usize) -> Res<Vec<(Provider, NewOrder)>> {
        let run = std::process::id();
        let mut out = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let mut tasks = JoinSet::new();
            for i in start..n.min(start + BATCH as usize) {
                let p = Provider::ALL[i % Provider::ALL.len()];
                let hub = Arc::clone(&self.hub);
                let notify = self.notify.clone();
                let no = format!("RB{run}-{i}");
                tasks.spawn(async move {
                    let order = Self::create(&hub, &notify, p, &no)
                        .await
                        .map_err(|e| format!("create {no} on {p}: {e}"))?;
                    Ok::<_, String>((i, p, order))
                });
            }
            let mut chunk = Vec::new();
            while let Some(done) = tasks.join_next().await {
                chunk.push(done.map_err(|e| format!("task: {e}"))??);
            }
            chunk.sort_by_key(|c| c.0);
            out.extend(chunk.into_iter().map(|(_, p, o)| (p, o)));
            start += BATCH as usize;
        }
        for (_, o) in &out {
            self.sb
                .mark_paid(&o.merchant_order_no)
                .map_err(|e| format!("mark {} paid: {e}", o.merchant_order_no))?;
        }
        Ok(out)
    }
}

/// The floor: every status query, `BATCH` of them in flight at any moment (a query that ends
/// makes room for the next, as `run_once` keeps its window full); wall and CPU seconds.
async fn floor(hub: &Arc<Hub>, orders: &Arc<Vec<(Provider, NewOrder)>>) -> Res<(f64, f64)> {
    let started = Instant::now();
    let cpu = cpu_secs()?;
    let mut tasks = JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < BATCH as usize && next < orders.len() {
            let hub = Arc::clone(hub);
            let orders = Arc::clone(orders);
            let i = next;
            tasks.spawn(async move {
                let (p, o) = &orders[i];
                hub.status(*p, None, &o.merchant_order_no).await
            });
            next += 1;
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        let status = done.map_err(|e| format!("task: {e}"))??;
        if status != PaymentStatus::Paid {
            return Err(format!("floor: a paid order answers `{status}`").into());
        }
    }
    Ok((started.elapsed().as_secs_f64(), cpu_secs()? - cpu))
}

/// A reconciler over `store`: first check at once, batches of `BATCH`, `rate` per account.
fn reconciler(store: &Store, hub: &Arc<Hub>, rate: Rate) -> Res<Reconciler> {
    let mut b = Reconciler::builder(store.clone(), Arc::clone(hub))
        .owner("bench")
        .batch_size(BATCH)
        .account_rate(rate)
        .lease(Duration::from_secs(60))
        .query_timeout(Duration::from_secs(10));
    for p in Provider::ALL {
        b = b.cadence(
            p,
            Cadence::new(
                Duration::ZERO,
                [Duration::from_secs(1)],
                Duration::from_secs(3600),
            ),
        );
    }
    Ok(b.build()?)
}

/// Ours: the orders tracked in a fresh store at `url` (untimed), then `run_once` until every
/// one is settled; wall and CPU seconds.
async fn ours(
    url: &str,
    hub: &Arc<Hub>,
    orders: &[(Provider, NewOrder)],
    rate: Rate,
) -> Res<(f64, f64)> {
    let store = Store::connect(url).await?;
    for (_, o) in orders {
        store.track(o).await?;
    }
    let r = reconciler(&store, hub, rate)?;
    let started = Instant::now();
    let cpu = cpu_secs()?;
    let mut settled = 0;
    while settled < orders.len() {
        let report = r.run_once().await?;
        if report.checked == 0 || report.settled != report.checked {
            return Err(format!(
                "reconciler: {settled} of {} settled, then {report:?}",
                orders.len()
            )
            .into());
        }
        settled += report.settled;
    }
    let took = (started.elapsed().as_secs_f64(), cpu_secs()? - cpu);
    store.close().await;
    Ok(took)
}

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`: kB in the file).
fn proc_status_bytes(field: &str) -> Res<u64> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    let kb: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("/proc/self/status: no {field}"))?;
    Ok(kb * 1024)
}

/// CPU time of the whole process so far (all threads: the sandbox, the client, SQLite's
/// worker), in seconds; from `/proc/self/stat` (`utime + stime`, in USER_HZ = 100 ticks).
fn cpu_secs() -> Res<f64> {
    let text = std::fs::read_to_string("/proc/self/stat")?;
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("/proc/self/stat: no `)`")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> Res<f64> {
        Ok(fields
            .get(i)
            .ok_or("/proc/self/stat: too few fields")?
            .parse::<u64>()? as f64
            / 100.0)
    };
    // Fields 14 and 15 of the file; `rest` starts at field 3.
    Ok(tick(11)? + tick(12)?)
}

/// Peak RSS growth of one `run_once`: `VmHWM` after it minus `VmRSS` before it, the peak
/// reset to the current RSS first.
async fn pass_growth(r: &Reconciler) -> Res<f64> {
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|e| format!("reset the peak RSS (/proc/self/clear_refs): {e}"))?;
    let before = proc_status_bytes("VmRSS")?;
    let report = r.run_once().await?;
    let peak = proc_status_bytes("VmHWM")?;
    if report.checked != BATCH as usize {
        return Err(format!("memory pass: expected one batch of {BATCH}, got {report:?}").into());
    }
    Ok(peak.saturating_sub(before) as f64)
}

/// One `claim_due_orders` of a batch (its orders stay leased: the next claim takes others).
async fn claim_ns(store: &Store) -> Res<f64> {
    let started = Instant::now();
    let claimed = store
        .claim_due_orders("bench-claim", Duration::from_secs(600), BATCH)
        .await?;
    let ns = started.elapsed().as_secs_f64() * 1e9;
    if claimed.len() != BATCH as usize {
        return Err(format!("claim: {} orders, expected {BATCH}", claimed.len()).into());
    }
    Ok(ns)
}

/// A store in `dir` holding `n` due pending orders, and a one-batch reconciler over it.
async fn filled(dir: &TempDir, n: usize, hub: &Arc<Hub>) -> Res<(Store, Reconciler)> {
    let store = Store::connect(&dir.url(&format!("pending-{n}.db"))).await?;
    let started = Instant::now();
    for i in 0..n {
        let p = Provider::ALL[i % Provider::ALL.len()];
        let no = format!("PENDING-{n}-{i}");
        store
            .track(&NewOrder::new(p.name(), "default", OrderKind::Checkout, no))
            .await?;
    }
    println!(
        "payhub-bench: reconcile: {n} pending orders inserted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let r = Reconciler::builder(store.clone(), Arc::clone(hub))
        .owner("bench-memory")
        .batch_size(BATCH)
        .max_batches(1)
        .account_rate(Rate::every(Duration::ZERO))
        .lease(Duration::from_secs(60))
        .query_timeout(Duration::from_secs(10))
        .build()?;
    Ok((store, r))
}

fn mib(bytes: f64) -> String {
    format!("{:.2} MiB", bytes / (1024.0 * 1024.0))
}

pub(crate) fn run(quick: bool) -> Res<(Vec<Row>, Vec<String>)> {
    let plan = Plan::new(quick);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let env = Env::start().await?;
        let orders = Arc::new(env.paid_orders(plan.orders).await?);
        let disk = TempDir::new(std::env::temp_dir(), "reconcile")?;
        let shm = TempDir::new(memory_dir(), "reconcile-shm")?;
        let capped = Rate::per_second(100_000);
        let uncapped = Rate::every(Duration::ZERO);
        // Warm-up: connections, the sandbox's handlers, SQLite's first file.
        floor(&env.hub, &orders).await?;
        ours(&shm.url("warm.db"), &env.hub, &orders, capped).await?;
        let (mut f, mut d, mut s, mut u) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut pg = PgDatabases::connect("reconcile").await?;
        let mut pgs = Vec::new();
        // CPU per order (all threads) of the floor and of the goal row's reconciler.
        let (mut fc, mut dc) = (Vec::new(), Vec::new());
        let per = |secs: f64| secs * 1e9 / plan.orders as f64;
        for round in 0..plan.rounds {
            if round % 2 == 1 {
                let (wall, cpu) = floor(&env.hub, &orders).await?;
                f.push(per(wall));
                fc.push(per(cpu));
            }
            let r = format!("r{round}.db");
            let (wall, cpu) = ours(&disk.url(&r), &env.hub, &orders, capped).await?;
            d.push(per(wall));
            dc.push(per(cpu));
            s.push(per(ours(&shm.url(&r), &env.hub, &orders, capped).await?.0));
            let r = format!("u{round}.db");
            u.push(per(ours(&shm.url(&r), &env.hub, &orders, uncapped).await?.0));
            let url = pg.fresh().await?;
            pgs.push(per(ours(&url, &env.hub, &orders, capped).await?.0));
            if round % 2 == 0 {
                let (wall, cpu) = floor(&env.hub, &orders).await?;
                f.push(per(wall));
                fc.push(per(cpu));
            }
        }
        let cpu_note = format!(
            "reconcile CPU per order, all threads (sandbox, client, SQLite), median of {} rounds: \
             status queries {:.1} us, reconciler with the store in the temp dir {:.1} us",
            plan.rounds,
            median(&mut fc) / 1e3,
            median(&mut dc) / 1e3
        );
        let floor_ns = median(&mut f);
        let row = |figure: String, ns: f64, goal: Option<f64>| Row {
            figure,
            ours_ns: ns,
            floor_ns: Some(floor_ns),
            goal,
            unit: Unit::PerOpAndRate,
        };
        let n = plan.orders;
        let mut rows = vec![
            row(
                format!("reconcile {n} paid orders, store in temp dir, vs status queries"),
                median(&mut d),
                Some(GOAL_RATE),
            ),
            row(
                format!("reconcile {n} paid orders, store in /dev/shm"),
                median(&mut s),
                None,
            ),
            row(
                format!("reconcile {n} paid orders, /dev/shm, no rate cap"),
                median(&mut u),
                None,
            ),
            row(
                format!("reconcile {n} paid orders, store on Postgres"),
                median(&mut pgs),
                None,
            ),
        ];
        pg.drop_all().await?;

        // The same, with every status reply held back `LATENCY_MS` (the sandbox's delay
        // fault): a provider's real answer takes milliseconds, not the ~70 us of a loopback
        // call to the in-process sandbox, and then the queries' latency, not the CPU, sets
        // the pace. Info rows: the goal row above is the CPU-bound case.
        let delay = env
            .sb
            .add_fault(FaultRule::new(FaultKind::Delay { ms: LATENCY_MS }));
        let (mut lf, mut ld) = (Vec::new(), Vec::new());
        for round in 0..plan.rounds {
            if round % 2 == 1 {
                lf.push(per(floor(&env.hub, &orders).await?.0));
            }
            let r = format!("l{round}.db");
            ld.push(per(ours(&disk.url(&r), &env.hub, &orders, capped).await?.0));
            if round % 2 == 0 {
                lf.push(per(floor(&env.hub, &orders).await?.0));
            }
        }
        env.sb.remove_fault(delay);
        rows.push(Row {
            figure: format!(
                "reconcile {n} paid orders, replies after {LATENCY_MS} ms, temp dir, vs status queries"
            ),
            ours_ns: median(&mut ld),
            floor_ns: Some(median(&mut lf)),
            goal: None,
            unit: Unit::PerOpAndRate,
        });

        // Memory: one pass over a small and a large table of due orders.
        let mem = TempDir::new(memory_dir(), "reconcile-memory")?;
        let (small_store, small) = filled(&mem, plan.small, &env.hub).await?;
        let (large_store, large) = filled(&mem, plan.large, &env.hub).await?;
        // One pass each first (connections, statement caches, the allocator's arenas): shown
        // as an info row, since later passes reuse memory an earlier one freed and kept.
        let cold_small = pass_growth(&small).await?;
        let cold_large = pass_growth(&large).await?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for pass in 0..plan.passes {
            if pass % 2 == 0 {
                a.push(pass_growth(&small).await?);
                b.push(pass_growth(&large).await?);
            } else {
                b.push(pass_growth(&large).await?);
                a.push(pass_growth(&small).await?);
            }
        }
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        let (max_a, max_b) = (max(&a), max(&b));
        let (med_a, med_b) = (median(&mut a), median(&mut b));
        rows.push(Row {
            figure: format!(
                "reconcile pass peak RSS growth, {}k vs {}k pending",
                plan.large / 1000,
                plan.small / 1000
            ),
            ours_ns: med_b,
            floor_ns: Some(med_a),
            goal: Some(GOAL_MEMORY),
            unit: Unit::Bytes,
        });
        // The claim alone (what a pass asks the store first), timed on both stores: it should
        // not depend on how many orders are due.
        let (mut ca, mut cb) = (Vec::new(), Vec::new());
        for _ in 0..plan.passes {
            ca.push(claim_ns(&small_store).await?);
            cb.push(claim_ns(&large_store).await?);
        }
        rows.push(Row {
            figure: format!(
                "claim_due_orders (32), {}k vs {}k pending",
                plan.large / 1000,
                plan.small / 1000
            ),
            ours_ns: median(&mut cb),
            floor_ns: Some(median(&mut ca)),
            goal: None,
            unit: Unit::PerOp,
        });
        rows.push(Row {
            figure: format!(
                "reconcile first pass peak RSS growth, {}k vs {}k pending",
                plan.large / 1000,
                plan.small / 1000
            ),
            ours_ns: cold_large,
            floor_ns: Some(cold_small),
            goal: None,
            unit: Unit::Bytes,
        });
        let rss = proc_status_bytes("VmRSS")?;
        let notes = vec![cpu_note, format!(
            "reconcile memory: peak RSS growth per pass (VmHWM after - VmRSS before, peak reset \
             through /proc/self/clear_refs), median of {} passes: {} with {} pending orders, {} \
             with {} (largest pass: {} and {}); process RSS after: {}",
            plan.passes,
            mib(med_a),
            plan.small,
            mib(med_b),
            plan.large,
            mib(max_a),
            mib(max_b),
            mib(rss as f64)
        )];
        small_store.close().await;
        large_store.close().await;
        drop(env);
        Ok((rows, notes))
    })
}
