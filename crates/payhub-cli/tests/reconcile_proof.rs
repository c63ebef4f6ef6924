//! The proof of issue 28 (reconciliation), against real `payhub serve --reconcile --forward-to`
//! processes on Postgres, the in-process sandbox, and a sink (the merchant app) that verifies
//! every delivery's `Payhub-Signature` and counts deliveries per event id and per (provider,
//! merchant order no, status):
//!
//! 1. **blocked**: 1,000 orders, 200 per provider, created through a `payhub::Hub`, given their
//!    outcomes (paid / failed / expired, as each provider has them), every callback sent to a
//!    port where nothing listens. One `payhub serve --reconcile` settles them all: none
//!    pending, one event per order with the expected final status, one delivery per event.
//! 2. **late**: the same, the callbacks going to a relay that holds each one (answering 503, so
//!    the sandbox never gets an acknowledgement); half of them are then sent to the gateway's
//!    `/callbacks/{provider}` with their original headers and body, some before the reconciler
//!    checks the order, some while it holds the order's lease (each query held 250 ms by a
//!    sandbox fault), some after it settled the order. Still one event per order and one
//!    delivery per event; every late callback acknowledged with the provider's success reply.
//! 3. **fleet**: two instances on one Postgres, rate-capped so the run lasts seconds, short
//!    leases; one killed with SIGKILL while it holds leases. None pending, one event per order,
//!    every event delivered; deliveries of one event more than once at most one (one kill,
//!    `--forward-batch 1`); the orders the dead one held were taken over.
//!
//! The orders are tracked through `POST /v1/orders` of `payhub serve` (bearer token), after
//! their outcome, with `first_check_at` now (their callbacks are known lost; the default would be
//! the provider's cadence); in the late scenario at `first_check_at` (a minute
//! away for the orders whose callback is released before their check, spread over 6 s for the
//! others, so the late callbacks land before, during and after the checks).
//!
//! Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! Redis (`REDIS_URL`, used by the late scenario's gateway as its deduper); fails, never skips,
//! without them. The figures are printed (`--nocapture`); each `payhub serve`'s log is in the
//! scenario's temp directory (`PROOF_LOG=info` for more than warnings).
#![forbid(unsafe_code)]
#![allow(clippy::print_stderr)] // Reason: the figures are the test's report.

#[path = "reconcile_proof/fleet.rs"]
mod fleet;
#[path = "reconcile_proof/late.rs"]
mod late;
#[path = "reconcile_proof/orders.rs"]
mod orders;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use fleet::{Db, Instance, Sink, free_port};
use orders::{Env, Planned, track};

/// Orders per provider (the 1,000 in all).
const PER_PROVIDER: usize = 200;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// What a scenario ended with.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    pub(crate) events: usize,
    pub(crate) deliveries: usize,
    /// Events delivered more than once.
    pub(crate) duplicates: usize,
    pub(crate) by_reconciler: usize,
    pub(crate) by_callback: usize,
}

/// Asserts the proof's invariants over the store's events and the sink's deliveries: one event
/// per order, with its expected final status; no other event; every event delivered, at most
/// `max_duplicates` of them more than once; each order's final state seen by the app under one
/// status only; every signature valid.
pub(crate) async fn verify(
    scenario: &str,
    db: &mut Db,
    sink: &Sink,
    plan: &[Planned],
    max_duplicates: usize,
) -> Figures {
    assert_eq!(
        sink.bad_signatures(),
        0,
        "{scenario}: a bad Payhub-Signature"
    );
    let events = db.events().await;
    let expected: HashMap<(String, String), String> = plan
        .iter()
        .map(|o| (o.key(), o.status.to_string()))
        .collect();
    let mut per_order: HashMap<(String, String), Vec<&fleet::StoredEvent>> = HashMap::new();
    for e in &events {
        per_order
            .entry((e.provider.clone(), e.no.clone()))
            .or_default()
            .push(e);
    }
    // Two events for one order (or one under another status) is a bug: say which.
    let mut problems = Vec::new();
    for (key, status) in &expected {
        let got = per_order.get(key).map(Vec::as_slice).unwrap_or_default();
        let fine = got.len() == 1 && &got[0].status == status;
        if !fine {
            let seen: Vec<String> = got
                .iter()
                .map(|e| {
                    let by = if e.by_reconciler { "query" } else { "callback" };
                    format!("{} (by {by})", e.status)
                })
                .collect();
            problems.push(format!(
                "{}/{}: expected one `{status}` event, got {seen:?}",
                key.0, key.1
            ));
        }
    }
    problems.sort();
    assert!(
        problems.is_empty(),
        "{scenario}: {} of {} orders without exactly one event of their final status:\n{}",
        problems.len(),
        plan.len(),
        problems
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let strays: Vec<_> = per_order
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        strays.is_empty(),
        "{scenario}: events of no order: {strays:?}"
    );
    assert_eq!(events.len(), plan.len(), "{scenario}: one event per order");

    // The app: every event delivered, and each order's final state under one status only.
    let per_event = sink.per_event();
    let ids: HashSet<String> = events.iter().map(|e| e.id.to_string()).collect();
    let undelivered = ids.iter().filter(|id| !per_event.contains_key(*id)).count();
    assert_eq!(undelivered, 0, "{scenario}: events never delivered");
    let unknown: Vec<_> = per_event.keys().filter(|id| !ids.contains(*id)).collect();
    assert!(
        unknown.is_empty(),
        "{scenario}: deliveries of unknown events {unknown:?}"
    );
    let mut app_view: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for d in sink.deliveries() {
        app_view
            .entry((d.provider, d.no))
            .or_default()
            .insert(d.status);
    }
    for (key, status) in &expected {
        let seen = app_view.get(key).cloned().unwrap_or_default();
        assert_eq!(
            seen,
            HashSet::from([status.clone()]),
            "{scenario}: the app saw {}/{} as {seen:?}",
            key.0,
            key.1
        );
    }
    let duplicates = per_event.values().filter(|n| **n > 1).count();
    let deliveries: usize = per_event.values().sum();
    assert!(
        duplicates <= max_duplicates,
        "{scenario}: {duplicates} events delivered more than once (at most {max_duplicates})"
    );
    if max_duplicates == 0 {
        assert_eq!(deliveries, plan.len(), "{scenario}: one delivery per event");
    }
    let by_reconciler = events.iter().filter(|e| e.by_reconciler).count();
    Figures {
        events: events.len(),
        deliveries,
        duplicates,
        by_reconciler,
        by_callback: events.len() - by_reconciler,
    }
}

/// Scenario 1: every callback to a dead URL; the reconciler settles all 1,000.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blocked_callbacks_every_order_settled_once() {
    let started = Instant::now();
    let mut db = Db::new("blocked").await;
    let dead = format!("http://127.0.0.1:{}/callbacks", free_port());
    let env = Env::start("blocked", Some(&dead)).await;
    let sink = Sink::default();
    let sink_url = sink.start().await;
    let mut gw = Instance::start(
        "blocked-1",
        env.dir(),
        &db.url(),
        &sink_url,
        &[
            "--reconcile-rate",
            "100",
            "--reconcile-batch",
            "100",
            "--forward-batch",
            "50",
        ],
    );
    gw.wait_ready().await;

    let plan = env
        .create("BL", PER_PROVIDER, |p, _| format!("{dead}/{p}"))
        .await;
    env.apply(&plan);
    let created = started.elapsed();
    track(
        &http(),
        &gw.url(),
        plan.iter().map(|o| (o.track.clone(), None)).collect(),
    )
    .await;
    let tracked = started.elapsed();
    db.until_none_pending(plan.len(), Duration::from_secs(60))
        .await;
    let settled = started.elapsed();
    let delivered = sink
        .until_events(plan.len(), Duration::from_secs(60), started)
        .await;

    let f = verify("blocked", &mut db, &sink, &plan, 0).await;
    assert_eq!(f.by_reconciler, plan.len(), "every event from a query");
    let callbacks = env.sb.callbacks();
    let acked = callbacks
        .iter()
        .filter(|c| c.attempts.iter().any(|a| a.acknowledged))
        .count();
    assert_eq!(acked, 0, "no callback got through");
    eprintln!(
        "reconcile proof [blocked]: orders {}, events {}, deliveries {}, duplicates {}, \
         callbacks blocked {} (acknowledged {acked}); created by {:.1} s, tracked by {:.1} s, all settled at \
         {:.1} s, delivered at {:.1} s, seconds {:.1}",
        plan.len(),
        f.events,
        f.deliveries,
        f.duplicates,
        callbacks.len(),
        created.as_secs_f64(),
        tracked.as_secs_f64(),
        settled.as_secs_f64(),
        delivered.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(gw);
    env.sb.shutdown().await.expect("sandbox shutdown");
    db.drop_now().await;
}

/// Scenario 2: half the callbacks arrive late, before, while and after the reconciler's check.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn late_callbacks_still_once() {
    late::run(PER_PROVIDER).await;
}

/// Scenario 3: two reconcilers on one Postgres, one SIGKILLed while holding leases.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reconcilers_one_killed_still_once() {
    let started = Instant::now();
    let mut db = Db::new("fleet").await;
    let dead = format!("http://127.0.0.1:{}/callbacks", free_port());
    let env = Env::start("fleet", Some(&dead)).await;
    let sink = Sink::default();
    let sink_url = sink.start().await;
    // 20 queries/s per account and instance: 1,000 orders take some 5 s with both running. The
    // orders are due in creation order, so a batch of 32 may be one account's: 1.6 s. A batch
    // is claimed while up to a batch is still waiting or in flight, so the lease must outlast
    // two batches and a query timeout (2 * 1.6 + 1 s): 5 s.
    let flags = [
        "--reconcile-rate",
        "20",
        "--reconcile-lease",
        "5",
        "--reconcile-query-timeout",
        "1",
        "--reconcile-batch",
        "32",
        "--forward-batch",
        "1",
        "--forward-lease",
        "11",
    ];
    let mut a = Instance::start("fleet-a", env.dir(), &db.url(), &sink_url, &flags);
    let mut b = Instance::start("fleet-b", env.dir(), &db.url(), &sink_url, &flags);
    a.wait_ready().await;
    b.wait_ready().await;

    let plan = env
        .create("FL", PER_PROVIDER, |p, _| format!("{dead}/{p}"))
        .await;
    env.apply(&plan);
    let run_started = Instant::now();
    let (half_a, half_b): (Vec<_>, Vec<_>) = plan
        .iter()
        .enumerate()
        .map(|(i, o)| (i, (o.track.clone(), None)))
        .partition(|(i, _)| i % 2 == 0);
    let strip = |v: Vec<(usize, _)>| v.into_iter().map(|(_, o)| o).collect::<Vec<_>>();
    let client = http();
    let (url_a, url_b) = (a.url(), b.url());
    tokio::join!(
        track(&client, &url_a, strip(half_a)),
        track(&client, &url_b, strip(half_b)),
    );

    // Kill A mid-run, while it holds leases.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (held, settled_at_kill) = loop {
        let orders = db.orders().await;
        let held = orders
            .values()
            .filter(|(state, owner, _)| state == "pending" && owner.as_deref() == Some("fleet-a"))
            .count();
        let settled = orders.values().filter(|(s, _, _)| s == "settled").count();
        if held > 0 && settled >= plan.len() / 4 {
            a.kill();
            break (held, settled);
        }
        assert!(
            Instant::now() < deadline,
            "fleet-a never held leases mid-run ({settled} settled)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        settled_at_kill < plan.len(),
        "the kill landed before the end of the run"
    );
    let killed_at = run_started.elapsed();

    db.until_none_pending(plan.len(), Duration::from_secs(60))
        .await;
    let settled_in = run_started.elapsed();
    // An event A's forwarder held at its death is delivered after the forwarder's lease (11 s).
    let delivered = sink
        .until_events(plan.len(), Duration::from_secs(75), run_started)
        .await;
    let f = verify("fleet", &mut db, &sink, &plan, 1).await;
    let orders = db.orders().await;
    let takeovers = orders.values().filter(|(_, _, n)| *n >= 2).count();
    assert!(
        orders.values().all(|(_, owner, _)| owner.is_none()),
        "no lease left on a settled order"
    );
    assert!(
        takeovers >= 1,
        "fleet-b took over orders fleet-a held when killed"
    );
    assert!(
        takeovers <= held + 32,
        "{takeovers} orders checked twice, but fleet-a held only {held} (+ one batch)"
    );
    eprintln!(
        "reconcile proof [fleet]: orders {}, events {}, deliveries {}, duplicates {}, \
         held by the killed instance {held}, takeovers {takeovers}, killed at {:.1} s with \
         {settled_at_kill} settled, all settled at {:.1} s, delivered at {:.1} s (from the \
         first track), seconds {:.1}",
        plan.len(),
        f.events,
        f.deliveries,
        f.duplicates,
        killed_at.as_secs_f64(),
        settled_in.as_secs_f64(),
        delivered.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop((a, b));
    env.sb.shutdown().await.expect("sandbox shutdown");
    db.drop_now().await;
}
