//! Figure: the durable callback gateway (`payhub serve`'s pipeline) at concurrency 64.
//!
//! Ours: the pipeline `payhub serve` runs, in this process: `payhub::axum::notify_routes` over a
//! `Hub` whose paydesk account verifies the callback (MD5 on the raw bytes), a Redis
//! `RedisDeduper` in front of a Postgres `payhub_store::Store` inbox (one idempotent insert,
//! committed before the reply), served by `payhub::axum::serve`, answering `SUCCESS`. The floor:
//! a bare axum handler on the same runtime doing the same MD5 check, one
//! `INSERT .. ON CONFLICT DO NOTHING` on Postgres and one `SET NX` on Redis, answering
//! `SUCCESS`. 64 client tasks post distinct signed Cashy callbacks over keep-alive; both sides
//! run interleaved round by round on fresh events; the figure is wall time per event (the
//! inverse of throughput). Then ours alone runs on to 1M events (`--quick`: 100k): its resident
//! memory after 1M against after 100k (goal: within 10 %).
//!
//! Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! Redis (`REDIS_URL`, default `redis://127.0.0.1:6379`): a figure that cannot be measured is an
//! error, never a silent skip.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use paydesk::Secret;
use payhub::{Hub, PaydeskAccount};

use crate::Res;
use crate::harness::median;
use crate::pg::PgDatabases;
use crate::table::{Row, Unit};

/// The goal: at most 1.3 times the floor.
const GOAL: f64 = 1.3;
const CONCURRENCY: usize = 64;
const KEY: &str = "testApiKey";

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Distinct signed Cashy payin callbacks: (body, sign).
fn callbacks(tag: &str, n: usize) -> Vec<(Bytes, String)> {
    let key = Secret::new(KEY);
    (0..n)
        .map(|i| {
            let body = format!(
                r#"{{"amount":1000.00,"completionTime":"2024-12-02 12:07:06","fee":15.0000,"mchOrderNo":"{tag}-{i}","merchantId":"1002001","nonceStr":"{i}","orderNo":"PAYIN{tag}{i}","orderStatus":"SUCCESS","payType":"41"}}"#
            );
            let sign = paydesk::sign::signature(&key, body.as_bytes());
            (Bytes::from(body), sign)
        })
        .collect()
}

/// Posts `events` to `url` from 64 tasks; the wall time per event, in ns.
async fn drive(client: &reqwest::Client, url: &str, events: Arc<Vec<(Bytes, String)>>) -> Res<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, events, next) =
            (client.clone(), url.to_owned(), events.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, sign)) = events.get(i) else {
                    return Ok::<(), String>(());
                };
                // `payhub::axum::serve` closes connections past their maximum age (60 s): a
                // request racing that close is sent again, as a provider would.
                let mut tries = 0;
                let reply = loop {
                    let sent = client
                        .post(&url)
                        .header("MerchantId", "1002001")
                        .header("Sign", sign.as_str())
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(r) => break r,
                        Err(e) if tries < 3 && (e.is_request() || e.is_connect()) => tries += 1,
                        Err(e) => return Err(format!("POST {url}: {e}")),
                    }
                };
                let status = reply.status();
                let text = reply.text().await.map_err(|e| e.to_string())?;
                if !status.is_success() || text != "SUCCESS" {
                    return Err(format!("{url} answered {status} {text:?}"));
                }
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(started.elapsed().as_nanos() as f64 / events.len() as f64)
}

#[derive(Clone)]
struct Floor {
    pool: sqlx::PgPool,
    redis: redis::aio::ConnectionManager,
    key: Secret,
}

async fn floor_handler(
    State(f): State<Floor>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let retry = (StatusCode::INTERNAL_SERVER_ERROR, "FAIL");
    let sign = headers
        .get("Sign")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !paydesk::sign::signature(&f.key, &body).eq_ignore_ascii_case(sign) {
        return retry;
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let key = format!(
        "{}:{}",
        v["mchOrderNo"].as_str().unwrap_or_default(),
        v["orderStatus"].as_str().unwrap_or_default()
    );
    let mut redis = f.redis.clone();
    let set: redis::RedisResult<Option<String>> = redis::cmd("SET")
        .arg(format!("bench-floor:{key}"))
        .arg(1)
        .arg("NX")
        .arg("PX")
        .arg(600_000)
        .query_async(&mut redis)
        .await;
    if set.is_err() {
        return retry;
    }
    match sqlx::query(
        "INSERT INTO floor_events (event_key, body) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(&key)
    .bind(body.as_ref())
    .execute(&f.pool)
    .await
    {
        Ok(_) => (StatusCode::OK, "SUCCESS"),
        Err(_) => retry,
    }
}

async fn listen(app: axum::Router) -> Res<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        payhub::axum::serve(listener, app, payhub::axum::ServeOptions::default()).await
    });
    Ok(format!("http://{addr}/callbacks/paydesk"))
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The figures; `quick` uses fewer events.
pub(crate) fn run(quick: bool) -> Res<Vec<Row>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(measure(quick))
}

async fn measure(quick: bool) -> Res<Vec<Row>> {
    let (rounds, per_batch) = if quick { (3, 2_000) } else { (7, 10_000) };
    let mut pg = PgDatabases::connect("gateway").await?;
    let db_url = pg.fresh().await?;
    let result = async {
        let redis_client = redis::Client::open(redis_url())?;
        let redis = redis::aio::ConnectionManager::new(redis_client)
            .await
            .map_err(|e| format!("Redis at {}: {e} (start it: redis-server --daemonize yes)", redis_url()))?;

        // Ours: the serve pipeline.
        let store = payhub_store::Store::connect(&db_url).await?;
        let dedupe = payhub_store::redis::RedisDeduper::new(redis.clone())
            .prefix(format!("bench-ours-{}:", std::process::id()));
        let hub = Hub::builder()
            .account(PaydeskAccount::notify_only(
                "default",
                1_002_001,
                paydesk::notify::NotifyVerifier::new(1_002_001, KEY),
            ))
            .inbox(Arc::new(store))
            .deduper(Arc::new(dedupe))
            .build()?;
        let ours_url = listen(axum::Router::new().nest(
            "/callbacks",
            payhub::axum::notify_routes(hub, |_n| async { Ok::<(), Infallible>(()) }),
        ))
        .await?;

        // The floor.
        let pool = sqlx::PgPool::connect(&db_url).await?;
        sqlx::query("CREATE TABLE floor_events (event_key TEXT PRIMARY KEY, body BYTEA NOT NULL)")
            .execute(&pool)
            .await?;
        let floor = Floor { pool, redis, key: Secret::new(KEY) };
        let floor_url = listen(
            axum::Router::new()
                .route("/callbacks/paydesk", post(floor_handler))
                .with_state(floor),
        )
        .await?;

        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .timeout(Duration::from_secs(30))
            .build()?;
        // Warm-up: connections, pools, caches.
        drive(&client, &ours_url, Arc::new(callbacks("W-O", 500))).await?;
        drive(&client, &floor_url, Arc::new(callbacks("W-F", 500))).await?;
        let rss_start = rss_kib();
        let (mut ours, mut floor) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            let o = Arc::new(callbacks(&format!("O{r}"), per_batch));
            let f = Arc::new(callbacks(&format!("F{r}"), per_batch));
            if r % 2 == 0 {
                ours.push(drive(&client, &ours_url, o).await?);
                floor.push(drive(&client, &floor_url, f).await?);
            } else {
                floor.push(drive(&client, &floor_url, f).await?);
                ours.push(drive(&client, &ours_url, o).await?);
            }
        }
        let rss_end = rss_kib();
        let mut rows = vec![Row {
            figure: format!("gateway: verify + store + ack, c{CONCURRENCY}, Postgres + Redis"),
            ours_ns: median(&mut ours),
            floor_ns: Some(median(&mut floor)),
            goal: Some(GOAL),
            unit: Unit::PerOpAndRate,
        }];
        // Memory over a long run of ours alone: resident memory after 100k events and after
        // 1M (`--quick`: 10k and 100k), in chunks of 10k fresh events so the load itself
        // holds little.
        let (first, total) = if quick { (10_000, 100_000) } else { (100_000, 1_000_000) };
        let chunk = 10_000;
        let (mut sent, mut at_first) = (0usize, None);
        while sent < total {
            let events = Arc::new(callbacks(&format!("S{sent}"), chunk));
            drive(&client, &ours_url, events).await?;
            sent += chunk;
            if sent == first {
                at_first = rss_kib();
            }
        }
        if let (Some(a), Some(b)) = (at_first, rss_kib()) {
            println!(
                "payhub-bench: gateway resident memory {a} KiB after {first} events, {b} KiB after {total}"
            );
            rows.push(Row {
                figure: format!("gateway RSS after {total} vs {first} events"),
                ours_ns: (b * 1024) as f64,
                floor_ns: Some((a * 1024) as f64),
                goal: Some(1.1),
                unit: Unit::Bytes,
            });
        }
        if let (Some(a), Some(b)) = (rss_start, rss_end) {
            let events = rounds * per_batch * 2;
            println!(
                "payhub-bench: gateway resident memory {a} KiB after warm-up, {b} KiB after {events} more events ({:+.1} %)",
                (b as f64 - a as f64) * 100.0 / a as f64
            );
        }
        Ok::<Vec<Row>, Box<dyn std::error::Error>>(rows)
    }
    .await;
    pg.drop_all().await?;
    result
}
