//! The forwarder against a real HTTP sink on 127.0.0.1 that verifies every delivery's
//! `Payhub-Signature` with `signature::verify`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use payhub_store::forward::Forwarder;
use payhub_store::signature::{SignatureError, verify};
use payhub_store::{EventState, Store};
use time::OffsetDateTime;

use crate::common::{both_engines, event, eventually};

const SECRET: &str = "whsec_forward_test_secret";

/// One request the sink received.
#[derive(Debug)]
struct Hit {
    event_id: Option<String>,
    content_type: Option<String>,
    body: serde_json::Value,
    signature: Result<(), SignatureError>,
}

#[derive(Clone, Default)]
struct Sink {
    /// Statuses to answer, in order; 200 once exhausted (unless `always`).
    script: Arc<Mutex<VecDeque<u16>>>,
    always: Option<u16>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Sink {
    fn hits(&self) -> usize {
        self.hits.lock().expect("hits").len()
    }
}

async fn hook(State(sink): State<Sink>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signature = match header("payhub-signature") {
        Some(h) => verify(
            SECRET.as_bytes(),
            &h,
            &body,
            Duration::from_secs(300),
            OffsetDateTime::now_utc().unix_timestamp(),
        ),
        None => Err(SignatureError::Malformed { problem: "missing" }),
    };
    sink.hits.lock().expect("hits").push(Hit {
        event_id: header("payhub-event-id"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        signature,
    });
    let status = sink
        .always
        .or_else(|| sink.script.lock().expect("script").pop_front())
        .unwrap_or(200);
    StatusCode::from_u16(status).expect("status")
}

/// Serves `sink` on 127.0.0.1:0; returns its URL.
async fn serve(sink: Sink) -> String {
    let app = axum::Router::new()
        .route("/events", axum::routing::post(hook))
        .with_state(sink);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/events")
}

fn forwarder(store: &Store, url: &str, max_attempts: u32) -> Forwarder {
    Forwarder::builder(store.clone(), url, SECRET)
        .owner("test-forwarder")
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .lease(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(2))
        .max_attempts(max_attempts)
        .idle_pause(Duration::from_millis(20))
        .build()
        .expect("forwarder")
}

/// Calls `run_once` until the event reaches a final state (or 10 s pass).
async fn drive(f: &Forwarder, store: &Store, id: i64) -> EventState {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        f.run_once().await.expect("run_once");
        let state = store.get(id).await.expect("get").expect("stored").state;
        if matches!(state, EventState::Delivered | EventState::Failed)
            || tokio::time::Instant::now() > deadline
        {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

async fn delivered_after_two_refusals(store: &Store) {
    let sink = Sink {
        script: Arc::new(Mutex::new(VecDeque::from([500, 503]))),
        ..Sink::default()
    };
    let url = serve(sink.clone()).await;
    let id = store.record(&event("flaky")).await.expect("record").id();
    let f = forwarder(store, &url, 5);
    assert_eq!(drive(&f, store, id).await, EventState::Delivered);

    let stored = store.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.attempts, 3);
    assert!(stored.delivered_at.is_some());
    let hits = sink.hits.lock().expect("hits");
    assert_eq!(hits.len(), 3);
    for hit in hits.iter() {
        assert_eq!(hit.signature, Ok(()), "every delivery is signed");
        assert_eq!(hit.event_id.as_deref(), Some(id.to_string().as_str()));
        assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    }
    let doc = &hits[2].body;
    assert_eq!(doc["id"], id);
    assert_eq!(doc["provider"], "paydesk");
    assert_eq!(doc["account"], "M1002");
    assert_eq!(doc["event_key"], "flaky");
    assert_eq!(doc["merchant_order_no"], "ORD-flaky");
    assert_eq!(doc["provider_order_no"], "P-flaky");
    assert_eq!(doc["status"], "SUCCESS");
    assert_eq!(doc["amount"], "10.50", "amount is a string, never a float");
    assert_eq!(doc["currency"], "USD");
    assert_eq!(doc["received_at"], "2026-01-01T00:00:00Z");
    assert_eq!(doc["notification"]["orderNo"], "ORD-flaky");
    assert!(doc.get("body").is_none() && doc.get("headers").is_none());
}
both_engines!(delivered_after_two_refusals);

async fn failed_after_max_attempts_and_replayed(store: &Store) {
    let sink = Sink {
        always: Some(500),
        ..Sink::default()
    };
    let url = serve(sink.clone()).await;
    let id = store.record(&event("down")).await.expect("record").id();
    let f = forwarder(store, &url, 3);
    assert_eq!(drive(&f, store, id).await, EventState::Failed);
    let stored = store.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.attempts, 3);
    assert!(
        stored
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500")),
        "{:?}",
        stored.last_error
    );
    assert_eq!(sink.hits(), 3);
    // Failed is kept and not retried any more.
    let report = f.run_once().await.expect("run_once");
    assert_eq!(report.claimed, 0);
    assert_eq!(sink.hits(), 3);

    // Replay delivers it again, to a sink that now accepts.
    let ok_sink = Sink::default();
    let ok_url = serve(ok_sink.clone()).await;
    let f = forwarder(store, &ok_url, 3);
    assert!(store.replay(id).await.expect("replay"));
    let report = f.run_once().await.expect("run_once");
    assert_eq!((report.claimed, report.delivered), (1, 1));
    assert_eq!(ok_sink.hits(), 1);
    assert_eq!(
        store.get(id).await.expect("get").map(|e| e.state),
        Some(EventState::Delivered)
    );

    // A delivered event can be replayed too (the merchant app lost it).
    assert!(store.replay(id).await.expect("replay"));
    assert_eq!(f.run_once().await.expect("run_once").delivered, 1);
    assert_eq!(ok_sink.hits(), 2);
}
both_engines!(failed_after_max_attempts_and_replayed);

async fn run_delivers_until_shutdown(store: &Store) {
    let sink = Sink::default();
    let url = serve(sink.clone()).await;
    let f = forwarder(store, &url, 3);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let f = f.clone();
        async move {
            f.run(async {
                let _ = stopped.await;
            })
            .await;
        }
    });
    for i in 0..20 {
        store
            .record(&event(&format!("run{i}")))
            .await
            .expect("record");
    }
    let all_delivered = eventually(Duration::from_secs(10), || async {
        store.counts().await.expect("counts").delivered == 20
    })
    .await;
    assert!(all_delivered, "{:?}", store.counts().await);
    assert_eq!(sink.hits(), 20, "each event delivered once");
    stop.send(()).expect("forwarder still running");
    tokio::time::timeout(Duration::from_secs(3), running)
        .await
        .expect("run returns after shutdown")
        .expect("task");
}
both_engines!(run_delivers_until_shutdown);

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn unreachable_app_is_retried_with_the_error() {
    let db = crate::common::SqliteDb::new().await;
    let url = format!("http://127.0.0.1:{}/events", crate::common::closed_port());
    let id = db.store.record(&event("noapp")).await.expect("record").id();
    let f = forwarder(&db.store, &url, 3);
    let report = f.run_once().await.expect("run_once");
    assert_eq!((report.claimed, report.retried), (1, 1));
    let stored = db.store.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.state, EventState::Pending);
    assert!(
        stored
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("connect")),
        "{:?}",
        stored.last_error
    );
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn builder_refuses_bad_settings() {
    let db = crate::common::SqliteDb::new().await;
    let build = |url: &str, secret: &str| Forwarder::builder(db.store.clone(), url, secret).build();
    assert!(build("ftp://x/y", SECRET).is_err());
    assert!(build("not a url", SECRET).is_err());
    assert!(build("http://127.0.0.1/e", "").is_err());
    let short_lease = Forwarder::builder(db.store.clone(), "http://127.0.0.1/e", SECRET)
        .lease(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .expect_err("lease shorter than the request timeout");
    assert!(matches!(
        short_lease,
        payhub_store::Error::Config { field: "lease", .. }
    ));
    let f = build("http://127.0.0.1/e", SECRET).expect("defaults are valid");
    assert!(
        f.owner().contains(&std::process::id().to_string()),
        "{}",
        f.owner()
    );
}
