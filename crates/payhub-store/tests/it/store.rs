//! The store's contract on both engines: idempotent records, exclusive leases, lease-guarded
//! outcomes, paging, replay, and a fast `Unavailable` when the database is down.

use std::collections::HashSet;
use std::time::Duration;

use payhub_store::{EventFilter, EventState, Recorded, Store};
use time::OffsetDateTime;

use crate::common::{both_engines, event};

const LEASE: Duration = Duration::from_secs(60);

async fn same_event_twice_is_one_row(store: &Store) {
    let e = event("k1");
    let first = store.record(&e).await.expect("record");
    let Recorded::New(id) = first else {
        panic!("first record is new: {first:?}")
    };
    assert_eq!(
        store.record(&e).await.expect("record again"),
        Recorded::Duplicate(id)
    );
    assert_eq!(store.counts().await.expect("counts").total(), 1);

    // Everything round-trips exactly (amount as an exact decimal, raw bytes, headers).
    let stored = store.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.event, e);
    assert_eq!(stored.state, EventState::Pending);
    assert_eq!(stored.attempts, 0);
    assert_eq!(
        stored.amount.map(|a| a.to_string()).as_deref(),
        Some("10.50")
    );
    assert!(store.get(id + 1000).await.expect("get").is_none());

    // The same key for another account is another event.
    let mut other = e.clone();
    other.account = "M2".to_owned();
    assert!(store.record(&other).await.expect("record").is_new());
    assert_eq!(store.counts().await.expect("counts").pending, 2);
}
both_engines!(same_event_twice_is_one_row);

async fn fifty_concurrent_records_make_one_new(store: &Store) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.spawn(async move { store.record(&event("race")).await });
    }
    let mut new = 0;
    let mut ids = HashSet::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.expect("task").expect("record");
        new += usize::from(r.is_new());
        ids.insert(r.id());
    }
    assert_eq!(new, 1, "exactly one caller stored it");
    assert_eq!(ids.len(), 1, "every caller got the same id");
    assert_eq!(store.counts().await.expect("counts").total(), 1);
}
both_engines!(fifty_concurrent_records_make_one_new);

async fn concurrent_claimers_never_share_an_event(store: &Store) {
    for i in 0..200 {
        store
            .record(&event(&format!("e{i}")))
            .await
            .expect("record");
    }
    // Both claimers start together (whether both get work depends on scheduling; what must
    // hold is that no event goes to both).
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let claimer = |owner: &'static str| {
        let store = store.clone();
        let start = std::sync::Arc::clone(&start);
        tokio::spawn(async move {
            start.wait().await;
            let mut got = Vec::new();
            loop {
                let batch = store.claim_due(owner, LEASE, 7).await.expect("claim");
                if batch.is_empty() {
                    return got;
                }
                for e in &batch {
                    assert_eq!(e.state, EventState::Delivering);
                    assert_eq!(e.lease_owner.as_deref(), Some(owner));
                    assert_eq!(e.attempts, 1);
                }
                got.extend(batch.iter().map(|e| e.id));
            }
        })
    };
    let (a, b) = (claimer("owner-a"), claimer("owner-b"));
    let a: HashSet<i64> = a.await.expect("owner a").into_iter().collect();
    let b: HashSet<i64> = b.await.expect("owner b").into_iter().collect();
    assert!(
        a.is_disjoint(&b),
        "shared: {:?}",
        a.intersection(&b).collect::<Vec<_>>()
    );
    assert_eq!(a.len() + b.len(), 200, "a {} + b {}", a.len(), b.len());
    // Every lease is alive: nothing is due.
    assert!(
        store
            .claim_due("owner-c", LEASE, 500)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(store.counts().await.expect("counts").delivering, 200);
}
both_engines!(concurrent_claimers_never_share_an_event);

async fn an_expired_lease_is_taken_over(store: &Store) {
    let id = store.record(&event("lease")).await.expect("record").id();
    let first = store
        .claim_due("slow", Duration::from_millis(300), 10)
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert!(
        store
            .claim_due("fast", LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let second = store.claim_due("fast", LEASE, 10).await.expect("claim");
    assert_eq!(second.len(), 1, "the expired lease is claimed again");
    assert_eq!(second[0].id, id);
    assert_eq!(second[0].attempts, 2);
    assert_eq!(second[0].lease_owner.as_deref(), Some("fast"));
    // The first owner lost its lease: none of its outcomes is recorded.
    assert!(!store.mark_delivered(id, "slow").await.expect("mark"));
    assert!(!store.mark_failed(id, "slow", "late").await.expect("mark"));
    assert!(
        !store
            .mark_retry(id, "slow", "late", OffsetDateTime::now_utc())
            .await
            .expect("mark")
    );
    assert!(store.mark_delivered(id, "fast").await.expect("mark"));
    let stored = store.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.state, EventState::Delivered);
    assert!(stored.delivered_at.is_some());
    assert!(stored.lease_owner.is_none());
    // Delivered is final: a second mark does nothing.
    assert!(!store.mark_delivered(id, "fast").await.expect("mark"));
}
both_engines!(an_expired_lease_is_taken_over);

async fn retry_fail_replay_list_and_counts(store: &Store) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut e = event(&format!("r{i}"));
        if i == 4 {
            e.provider = "tokenpay".to_owned();
        }
        ids.push(store.record(&e).await.expect("record").id());
    }
    let claimed = store.claim_due("w", LEASE, 3).await.expect("claim");
    assert_eq!(claimed.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..3]);

    let later = OffsetDateTime::now_utc() + Duration::from_secs(3600);
    assert!(
        store
            .mark_retry(ids[0], "w", "HTTP 500", later)
            .await
            .expect("retry")
    );
    assert!(
        store
            .mark_failed(ids[1], "w", "HTTP 410")
            .await
            .expect("fail")
    );
    assert!(store.mark_delivered(ids[2], "w").await.expect("delivered"));
    let retried = store.get(ids[0]).await.expect("get").expect("stored");
    assert_eq!(retried.state, EventState::Pending);
    assert_eq!(retried.last_error.as_deref(), Some("HTTP 500"));
    assert!(retried.next_attempt_at > OffsetDateTime::now_utc() + Duration::from_secs(3000));

    // Only the two never-claimed events are due; the retried one waits an hour.
    let due = store.claim_due("w", LEASE, 10).await.expect("claim");
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), ids[3..]);
    for id in &ids[3..] {
        assert!(store.mark_delivered(*id, "w").await.expect("delivered"));
    }

    let counts = store.counts().await.expect("counts");
    assert_eq!(
        (
            counts.pending,
            counts.delivering,
            counts.delivered,
            counts.failed
        ),
        (1, 0, 3, 1)
    );

    let failed = store
        .list(&EventFilter::new().state(EventState::Failed))
        .await
        .expect("list");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("HTTP 410"));
    let tokenpay = store
        .list(&EventFilter::new().provider("tokenpay"))
        .await
        .expect("list");
    assert_eq!(tokenpay.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[4]]);

    // Pages of two, in id order, resuming after the last id.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let mut filter = EventFilter::new().limit(2);
        if let Some(id) = after {
            filter = filter.after_id(id);
        }
        let page = store.list(&filter).await.expect("list");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|e| e.id));
    }
    assert_eq!(seen, ids);

    // Replay: the failed event is due again with a fresh attempt count.
    assert!(store.replay(ids[1]).await.expect("replay"));
    assert!(!store.replay(ids[4] + 1000).await.expect("replay unknown"));
    let replayed = store.get(ids[1]).await.expect("get").expect("stored");
    assert_eq!(
        (replayed.state, replayed.attempts),
        (EventState::Pending, 0)
    );
    let due = store.claim_due("w", LEASE, 10).await.expect("claim");
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[1]]);
    assert_eq!(due[0].attempts, 1);
    store.ping().await.expect("ping");
}
both_engines!(retry_fail_replay_list_and_counts);

async fn another_owner_cannot_mark(store: &Store) {
    let id = store.record(&event("own")).await.expect("record").id();
    assert!(
        !store
            .mark_delivered(id, "w")
            .await
            .expect("not claimed yet")
    );
    store.claim_due("w", LEASE, 1).await.expect("claim");
    assert!(!store.mark_delivered(id, "intruder").await.expect("mark"));
    assert!(!store.mark_failed(id, "intruder", "x").await.expect("mark"));
    assert_eq!(
        store.get(id).await.expect("get").map(|e| e.state),
        Some(EventState::Delivering)
    );
    assert_eq!(
        store
            .claim_due("w", LEASE, 0)
            .await
            .expect("claim none")
            .len(),
        0
    );
}
both_engines!(another_owner_cannot_mark);

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_file_survives_reopening() {
    let db = crate::common::SqliteDb::new().await;
    let id = db
        .store
        .record(&event("durable"))
        .await
        .expect("record")
        .id();
    db.store.close().await;
    let reopened = Store::connect(&db.url).await.expect("reopen");
    assert_eq!(
        reopened.get(id).await.expect("get").map(|e| e.event),
        Some(event("durable"))
    );
    assert_eq!(
        reopened.record(&event("durable")).await.expect("record"),
        Recorded::Duplicate(id)
    );
    assert_eq!(reopened.engine(), "sqlite");
}

/// Another process holds SQLite's write lock longer than the busy timeout: `record` is
/// `Unavailable` (answer the provider's retry reply), not a hang and not a database error.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_locked_by_another_writer_is_unavailable() {
    use sqlx::Connection;
    let db = crate::common::SqliteDb::new().await;
    let store = Store::connect_with(
        &db.url,
        &payhub_store::StoreOptions::new().acquire_timeout(Duration::from_millis(200)),
    )
    .await
    .expect("open");
    let path = db
        .url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc");
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .expect("second connection");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .expect("take the write lock");
    let started = std::time::Instant::now();
    let err = store
        .record(&event("locked"))
        .await
        .expect_err("locked out");
    assert!(err.is_unavailable(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    sqlx::query("ROLLBACK")
        .execute(&mut other)
        .await
        .expect("release");
    assert!(
        store
            .record(&event("locked"))
            .await
            .expect("record")
            .is_new()
    );
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_in_an_unopenable_place_is_unavailable() {
    let err = Store::connect("sqlite:///nonexistent-payhub-dir/sub/events.db?mode=rwc")
        .await
        .expect_err("no such directory");
    assert!(err.is_unavailable(), "{err:?}");
}

/// Postgres only: the fast failure when the server is down, and idempotent migrations.
#[cfg(feature = "postgres")]
mod postgres_only {
    use std::time::{Duration, Instant};

    use payhub_store::{Error, Store, StoreOptions};

    use crate::common::{Relay, closed_port, event};

    #[tokio::test]
    async fn postgres_down_is_unavailable_quickly() {
        let url = format!(
            "postgres://postgres:hunter2@127.0.0.1:{}/postgres",
            closed_port()
        );
        let started = Instant::now();
        let err = Store::connect_with(
            &url,
            &StoreOptions::new().acquire_timeout(Duration::from_millis(500)),
        )
        .await
        .expect_err("nothing listens there");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        assert!(
            matches!(
                err,
                Error::Unavailable {
                    operation: "connect",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{err:?}").contains("hunter2"));
    }

    /// Postgres goes away after the store connected: `record` and `ping` are `Unavailable`
    /// within the acquire timeout.
    #[tokio::test]
    async fn postgres_lost_after_connecting_is_unavailable() {
        let db = crate::common::PgDb::new().await;
        let mut upstream = reqwest::Url::parse(&db.url).expect("url");
        let relay = Relay::start(format!(
            "{}:{}",
            upstream.host_str().expect("host"),
            upstream.port().unwrap_or(5432)
        ))
        .await;
        upstream.set_port(Some(relay.addr.port())).expect("port");
        let store = Store::connect_with(
            upstream.as_str(),
            &StoreOptions::new().acquire_timeout(Duration::from_millis(500)),
        )
        .await
        .expect("connect through the relay");
        assert!(
            store
                .record(&event("before"))
                .await
                .expect("record")
                .is_new()
        );
        relay.cut().await;
        let started = Instant::now();
        let err = store
            .record(&event("after"))
            .await
            .expect_err("server gone");
        assert!(err.is_unavailable(), "{err:?}");
        let err = store.ping().await.expect_err("server gone");
        assert!(err.is_unavailable(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        store.close().await;
    }

    #[tokio::test]
    async fn postgres_store_reports_engine_and_answers_ping() {
        let db = crate::common::PgDb::new().await;
        assert_eq!(db.store.engine(), "postgres");
        db.store.ping().await.expect("ping");
        // Migrations are idempotent: a second machine connecting applies nothing new.
        let again = Store::connect(&db.url).await.expect("connect again");
        again.ping().await.expect("ping");
        again.close().await;
    }
}
