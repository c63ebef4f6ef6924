//! Scenario 2 of the proof: callbacks held by a relay, half of them released late to the
//! gateway, before, while and after the reconciler checks their order.
//!
//! The relay answers every callback 503 (the sandbox never gets an acknowledgement) and keeps
//! the first copy of each, per (provider, order no), from the order's notify URL
//! `/hold/{provider}/{order}`. The released half is split in three: *before* (tracked with
//! their first check a minute away, then released: the callback settles the order and the
//! reconciler never queries it), *while* (the others are tracked with `first_check_at` spread
//! over 6 s; sent as soon as the store shows the order leased by the reconciler; each query is
//! held 250 ms by a sandbox `delay` fault so the window is real), *after* (sent once the store
//! shows the order settled by the reconciler). Each release is labelled by the order's state in
//! the store just before it was sent.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use payhub::Provider;
use payhub_sandbox::{FaultKind, FaultRule};
use time::OffsetDateTime;

use crate::fleet::{Db, Instance, Sink, redis_url, require_redis, serve};
use crate::orders::{Env, Planned, track};
use crate::{http, verify};

type Held = Arc<Mutex<HashMap<(String, String), (HeaderMap, Bytes)>>>;

async fn hold(
    State(held): State<Held>,
    Path((provider, no)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    held.lock()
        .expect("relay lock")
        .entry((provider, no))
        .or_insert((headers, body));
    StatusCode::SERVICE_UNAVAILABLE
}

/// The provider's success reply, as the gateway must send it.
fn success(p: Provider) -> (u16, String) {
    let ack: payhub::Ack = match p {
        Provider::GatewayRecharge => payhub::gateway_recharge::notify::Ack::success().erase(),
        Provider::JiuyiDc => payhub::jiuyi_dc::notify::Ack::success().erase(),
        Provider::Paydesk => payhub::paydesk::notify::Ack::success().erase(),
        Provider::Tokenpay => payhub::tokenpay::notify::Ack::success().erase(),
        Provider::Vipcharge => payhub::vipcharge::notify::Ack::success().erase(),
        other => panic!("no ack for {other}"),
    };
    (ack.status(), ack.body().to_owned())
}

/// When a released callback reached the gateway, by the order's state just before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Moment {
    /// Tracked, not claimed by the reconciler.
    Before,
    /// Leased by the reconciler (its query in flight or waiting for its rate turn).
    While,
    /// Settled.
    After,
}

fn moment(state: &str, owner: Option<&str>) -> Moment {
    match (state, owner) {
        ("pending", None) => Moment::Before,
        ("pending", Some(_)) => Moment::While,
        _ => Moment::After,
    }
}

/// Sends the held callback of `o` to the gateway; returns whether the provider's success reply
/// came back.
async fn release(
    http: &reqwest::Client,
    gateway: &str,
    o: &Planned,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), String> {
    let mut req = http
        .post(format!("{gateway}/callbacks/{}", o.provider.name()))
        .body(body.clone());
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            req = req.header(name, value);
        }
    }
    let r = req.send().await.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let (want_status, want_body) = success(o.provider);
    if status == want_status && text == want_body {
        Ok(())
    } else {
        Err(format!("{}/{}: HTTP {status} {text:?}", o.provider, o.no))
    }
}

pub(crate) async fn run(per_provider: usize) {
    let started = Instant::now();
    require_redis().await;
    let mut db = Db::new("late").await;
    let held: Held = Arc::default();
    let relay = serve(
        axum::Router::new()
            .route("/hold/{provider}/{no}", post(hold))
            .with_state(Arc::clone(&held)),
    )
    .await;
    let env = Env::start("late", None).await;
    let sink = Sink::default();
    let sink_url = sink.start().await;
    let prefix = format!("payhub-proof-{}:", std::process::id());
    // 40 queries/s per account: the 200 orders of an account due over 6 s are checked as they
    // come due; a batch of 32 orders waits for its rate turns under the lease.
    let mut gw = Instance::start(
        "late-1",
        env.dir(),
        &db.url(),
        &sink_url,
        &[
            "--redis",
            &redis_url(),
            "--redis-prefix",
            &prefix,
            "--reconcile-rate",
            "40",
            "--reconcile-batch",
            "32",
            "--forward-batch",
            "50",
        ],
    );
    gw.wait_ready().await;

    let plan = env
        .create("LT", per_provider, |p, no| {
            format!("{relay}/hold/{}/{no}", p.name())
        })
        .await;
    env.apply(&plan);
    // Every order's callback reaches the relay (and is refused).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = held.lock().expect("relay lock").len();
        if n == plan.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the relay holds {n} callbacks of {} orders",
            plan.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // From now on each status query takes 250 ms: the reconciler holds an order's lease a
    // while before it learns the state.
    env.sb
        .add_fault(FaultRule::new(FaultKind::Delay { ms: 250 }));

    // Half of them released, in three groups (a shuffled order, so each group has every
    // provider and outcome).
    let mut order: Vec<usize> = (0..plan.len()).collect();
    shuffle(&mut order, 0x5eed);
    let mut groups: [Vec<usize>; 3] = Default::default();
    for (k, &i) in order.iter().enumerate().filter(|(k, _)| k % 2 == 0) {
        groups[(k / 2) % 3].push(i);
    }
    let released = groups.iter().map(Vec::len).sum::<usize>();
    let labels: Arc<Mutex<HashMap<Moment, usize>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = http();
    let mut sends = tokio::task::JoinSet::new();
    let send = |sends: &mut tokio::task::JoinSet<()>, i: usize, at: Moment| {
        let o = plan[i].clone();
        let (headers, body) = held
            .lock()
            .expect("relay lock")
            .get(&o.key())
            .cloned()
            .expect("held callback");
        let (client, gateway) = (client.clone(), gw.url());
        let (labels, failures) = (Arc::clone(&labels), Arc::clone(&failures));
        sends.spawn(async move {
            *labels.lock().expect("labels").entry(at).or_default() += 1;
            if let Err(e) = release(&client, &gateway, &o, &headers, &body).await {
                failures.lock().expect("failures").push(e);
            }
        });
    };

    // Before: tracked with their first check a minute away, then their callbacks sent.
    let is_before: HashSet<usize> = groups[0].iter().copied().collect();
    let later = OffsetDateTime::now_utc() + Duration::from_secs(60);
    let before: Vec<_> = groups[0]
        .iter()
        .map(|&i| (plan[i].track.clone(), Some(later)))
        .collect();
    track(&client, &gw.url(), before).await;
    let snapshot = db.orders().await;
    for &i in &groups[0] {
        let (state, owner, _) = &snapshot[&plan[i].key()];
        send(&mut sends, i, moment(state, owner.as_deref()));
    }
    while let Some(done) = sends.join_next().await {
        done.expect("release");
    }

    // The others: tracked with their checks due 1 to 7 s from now, in the shuffled order.
    let t0 = OffsetDateTime::now_utc() + Duration::from_secs(1);
    let step = Duration::from_secs(6) / u32::try_from(plan.len()).expect("few orders");
    let rest: Vec<_> = order
        .iter()
        .filter(|i| !is_before.contains(*i))
        .enumerate()
        .map(|(k, &i)| {
            let at = t0 + step * u32::try_from(k).expect("few orders");
            (plan[i].track.clone(), Some(at))
        })
        .collect();
    track(&client, &gw.url(), rest).await;
    let tracked_in = started.elapsed();

    // While and after: as soon as the store shows the order leased, resp. settled.
    let mut waiting_while: Vec<usize> = groups[1].clone();
    let mut waiting_after: Vec<usize> = groups[2].clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(waiting_while.is_empty() && waiting_after.is_empty()) {
        let snapshot = db.orders().await;
        let now_state = |i: usize| {
            let (state, owner, _) = &snapshot[&plan[i].key()];
            moment(state, owner.as_deref())
        };
        waiting_while.retain(|&i| match now_state(i) {
            Moment::Before => true,
            at => {
                send(&mut sends, i, at);
                false
            }
        });
        waiting_after.retain(|&i| match now_state(i) {
            Moment::After => {
                send(&mut sends, i, Moment::After);
                false
            }
            _ => true,
        });
        assert!(
            Instant::now() < deadline,
            "releases still waiting after 60 s: {} while, {} after",
            waiting_while.len(),
            waiting_after.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    while let Some(done) = sends.join_next().await {
        done.expect("release");
    }

    db.until_none_pending(plan.len(), Duration::from_secs(60))
        .await;
    let delivered = sink
        .until_events(plan.len(), Duration::from_secs(60), started)
        .await;
    let failures = failures.lock().expect("failures").clone();
    let labels = labels.lock().expect("labels").clone();
    let f = verify("late", &mut db, &sink, &plan, 0).await;
    assert!(
        failures.is_empty(),
        "{} late callbacks not acknowledged: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    let count = |m: Moment| labels.get(&m).copied().unwrap_or(0);
    eprintln!(
        "reconcile proof [late]: orders {}, late callbacks {released} (before the check {}, \
         while {}, after {}; all acknowledged), events {} (by callback {}, by query {}), \
         deliveries {}, duplicates {}, tracked by {:.1} s, delivered at {:.1} s, seconds {:.1}",
        plan.len(),
        count(Moment::Before),
        count(Moment::While),
        count(Moment::After),
        f.events,
        f.by_callback,
        f.by_reconciler,
        f.deliveries,
        f.duplicates,
        tracked_in.as_secs_f64(),
        delivered.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    for m in [Moment::Before, Moment::While, Moment::After] {
        assert!(count(m) > 0, "no late callback landed {m:?} the check");
    }
    // A callback that came before the check settled its order: never queried, its one event
    // the callback's.
    let orders = db.orders().await;
    let events = db.events().await;
    for &i in &groups[0] {
        let key = plan[i].key();
        let (state, _, attempts) = &orders[&key];
        assert_eq!((state.as_str(), *attempts), ("settled", 0), "{key:?}");
        let e = events
            .iter()
            .find(|e| (e.provider.as_str(), e.no.as_str()) == (key.0.as_str(), key.1.as_str()))
            .expect("its event");
        assert!(!e.by_reconciler, "{key:?}: {e:?}");
    }
    drop(gw);
    env.sb.shutdown().await.expect("sandbox shutdown");
    db.drop_now().await;
}

/// A deterministic Fisher-Yates shuffle (xorshift64), so a failure can be replayed.
fn shuffle(v: &mut [usize], seed: u64) {
    let mut x = seed.max(1);
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap_or(0);
        v.swap(i, j);
    }
}
