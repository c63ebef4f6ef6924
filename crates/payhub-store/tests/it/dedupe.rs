//! `RedisDeduper` against a real Redis at `REDIS_URL`, each test under its own key prefix.

use std::time::Duration;

use payhub::{DeliveryState, NotifyDeduper};
use payhub_store::redis::RedisDeduper;

use crate::common::random_suffix;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn deduper() -> RedisDeduper {
    match RedisDeduper::connect(&redis_url()).await {
        // Short lives, so the test leaves nothing in Redis for long.
        Ok(d) => d
            .prefix(format!("payhub-store-test:{}:", random_suffix()))
            .in_progress_lease(Duration::from_secs(60))
            .done_ttl(Duration::from_secs(60)),
        Err(e) => panic!(
            "Redis is not reachable at REDIS_URL: {e}\n\
             Start it with `redis-server --daemonize yes`, or set REDIS_URL."
        ),
    }
}

#[tokio::test]
async fn new_in_progress_done() {
    let d = deduper().await;
    assert_eq!(d.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::New);
    assert_eq!(
        d.begin("paydesk:ORD-1:SUCCESS").await,
        DeliveryState::InProgress
    );
    d.complete("paydesk:ORD-1:SUCCESS").await;
    assert_eq!(d.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::Done);
    // Another key is independent.
    assert_eq!(d.begin("paydesk:ORD-2:SUCCESS").await, DeliveryState::New);
}

#[tokio::test]
async fn abandon_lets_the_next_delivery_in() {
    let d = deduper().await;
    assert_eq!(d.begin("k").await, DeliveryState::New);
    d.abandon("k").await;
    assert_eq!(d.begin("k").await, DeliveryState::New);
}

#[tokio::test]
async fn two_processes_share_the_state() {
    let prefix = format!("payhub-store-test:{}:", random_suffix());
    let a = deduper().await.prefix(prefix.clone());
    let b = deduper().await.prefix(prefix);
    assert_eq!(a.begin("shared").await, DeliveryState::New);
    assert_eq!(b.begin("shared").await, DeliveryState::InProgress);
    a.complete("shared").await;
    assert_eq!(b.begin("shared").await, DeliveryState::Done);
}

#[tokio::test]
async fn fifty_concurrent_begins_one_new() {
    let d = deduper().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let d = d.clone();
        tasks.spawn(async move { d.begin("race").await });
    }
    let mut new = 0;
    while let Some(state) = tasks.join_next().await {
        match state.expect("task") {
            DeliveryState::New => new += 1,
            DeliveryState::InProgress => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(new, 1);
}

#[tokio::test]
async fn leases_and_done_records_expire() {
    let d = deduper()
        .await
        .in_progress_lease(Duration::from_millis(200))
        .done_ttl(Duration::from_millis(300));
    assert_eq!(d.begin("crashed").await, DeliveryState::New);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        d.begin("crashed").await,
        DeliveryState::New,
        "the lease lapsed"
    );
    d.complete("crashed").await;
    assert_eq!(d.begin("crashed").await, DeliveryState::Done);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        d.begin("crashed").await,
        DeliveryState::New,
        "the done record expired"
    );
}

#[tokio::test]
async fn unreachable_redis_fails_to_connect() {
    let url = format!(
        "redis://:hunter2@127.0.0.1:{}",
        crate::common::closed_port()
    );
    let err = RedisDeduper::connect(&url)
        .await
        .expect_err("nothing listens there");
    assert!(err.is_unavailable(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

/// Redis goes away after connecting: `begin` answers Busy (the provider retries), never Done.
#[tokio::test]
async fn redis_outage_answers_busy() {
    let upstream = reqwest::Url::parse(&redis_url()).expect("REDIS_URL is a URL");
    let upstream = format!(
        "{}:{}",
        upstream.host_str().expect("host"),
        upstream.port().unwrap_or(6379)
    );
    let relay = crate::common::Relay::start(upstream).await;
    let proxy_addr = relay.addr;
    let d = RedisDeduper::connect(&format!("redis://{proxy_addr}"))
        .await
        .expect("connect through the relay")
        .prefix(format!("payhub-store-test:{}:", random_suffix()))
        .done_ttl(Duration::from_secs(60))
        .op_timeout(Duration::from_millis(500));
    assert_eq!(d.begin("outage").await, DeliveryState::New);
    d.complete("outage").await;
    assert_eq!(d.begin("outage").await, DeliveryState::Done);

    // Cut every connection and stop listening.
    relay.cut().await;
    let started = std::time::Instant::now();
    assert_eq!(d.begin("outage").await, DeliveryState::Busy);
    assert_eq!(d.begin("another").await, DeliveryState::Busy);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A claim left by a process that died mid-callback blocks that event's redeliveries until its
/// lease runs out (each is answered with the retry reply). By default it lapses while most of
/// WinPay's retries (ten, 10 s apart) are still to come, and outlasts a slow handler.
#[tokio::test]
async fn a_dead_process_claim_lapses_inside_the_shortest_retry_schedule() {
    let prefix = format!("payhub-store-test:{}:", random_suffix());
    let d = RedisDeduper::connect(&redis_url())
        .await
        .expect("Redis at REDIS_URL")
        .prefix(prefix.clone());
    let key = "gateway-recharge:W-1:paid";
    assert_eq!(d.begin(key).await, DeliveryState::New);
    // The process dies here: nothing completes or abandons the claim.
    let client = ::redis::Client::open(redis_url()).expect("a Redis URL");
    let mut conn = ::redis::aio::ConnectionManager::new(client)
        .await
        .expect("connect");
    let pttl: i64 = ::redis::cmd("PTTL")
        .arg(format!("{prefix}{key}"))
        .query_async(&mut conn)
        .await
        .expect("PTTL");
    let lease = Duration::from_millis(u64::try_from(pttl).expect("the claim has a lease"));
    let winpay = Duration::from_secs(10 * 10);
    assert!(lease <= winpay / 3, "lease {lease:?}");
    assert!(lease >= Duration::from_secs(20), "lease {lease:?}");
    assert_eq!(d.begin(key).await, DeliveryState::InProgress);
    let () = ::redis::cmd("DEL")
        .arg(format!("{prefix}{key}"))
        .query_async(&mut conn)
        .await
        .expect("DEL");
}

/// A running handler's claim is renewed (the router calls `renew` every third of the lease):
/// renewed, it outlives its first lease; not renewed any more, it lapses one lease later; a
/// done record is never turned back into a claim or shortened by a late renewal.
#[tokio::test]
async fn a_renewed_claim_outlives_its_lease_and_a_done_record_is_left_alone() {
    let lease = Duration::from_millis(300);
    let d = deduper()
        .await
        .in_progress_lease(lease)
        .done_ttl(Duration::from_secs(60));
    assert_eq!(d.renew_every(), Some(Duration::from_millis(100)));
    assert_eq!(d.begin("slow").await, DeliveryState::New);
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        d.renew("slow").await;
    }
    // 600 ms after the claim, twice its lease: still the running handler's.
    assert_eq!(d.begin("slow").await, DeliveryState::InProgress);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        d.begin("slow").await,
        DeliveryState::New,
        "no renewal for longer than the lease: the claim lapsed"
    );
    d.complete("slow").await;
    d.renew("slow").await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        d.begin("slow").await,
        DeliveryState::Done,
        "a renewal after `complete` left the done record and its time to live alone"
    );
    // A key nobody claimed is not created by a renewal.
    d.renew("never").await;
    assert_eq!(d.begin("never").await, DeliveryState::New);
}
