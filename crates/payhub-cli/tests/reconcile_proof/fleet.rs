//! The fleet side of the reconciliation proof: a Postgres database per scenario, `payhub serve`
//! processes (the binary cargo built for the tests), and the merchant app's sink, which
//! verifies every delivery's `Payhub-Signature` and counts deliveries per event id and per
//! (provider, merchant order no, status). Patterns copied from `tests/chaos.rs`.

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sqlx::Connection as _;

/// The forwarder's signing secret.
pub(crate) const SECRET: &str = "reconcile-proof-forward-secret";
/// The bearer token of `POST /v1/orders`.
pub(crate) const TOKEN: &str = "reconcile-proof-api-token";

pub(crate) fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub(crate) fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Fails the test, loudly, when Redis does not answer.
pub(crate) async fn require_redis() {
    assert!(
        payhub_store::redis::RedisDeduper::connect(&redis_url())
            .await
            .is_ok(),
        "Redis is not reachable at {}: start it with `redis-server --daemonize yes --bind \
         127.0.0.1 --save \"\"`",
        redis_url()
    );
}

/// A database of one scenario on the Postgres of `DATABASE_URL`, dropped by [`Db::drop_now`].
pub(crate) struct Db {
    pub(crate) name: String,
    admin: sqlx::PgConnection,
    /// A connection to the scenario's database, for the test's checks.
    pub(crate) conn: sqlx::PgConnection,
}

impl Db {
    pub(crate) async fn new(tag: &str) -> Self {
        let name = format!("payhub_proof_{tag}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&database_url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Postgres is not reachable at {} ({e}). Start it: pg_ctlcluster \
                     --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                    database_url()
                )
            });
        // Commits do not wait for the WAL flush: the proof kills `payhub serve` processes, never
        // Postgres, and a commit is visible to every session at once either way; the fsync
        // waits only slowed the 2-core runs down.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
            format!("ALTER DATABASE {name} SET synchronous_commit = off"),
        ] {
            sqlx::query(&sql)
                .execute(&mut admin)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let conn = sqlx::PgConnection::connect(&Self::url_of(&name))
            .await
            .expect("connect to the scenario's database");
        Self { name, admin, conn }
    }

    fn url_of(name: &str) -> String {
        let base = database_url();
        let (head, _) = base.rsplit_once('/').expect("a database URL has a path");
        format!("{head}/{name}")
    }

    /// The store URL of the `payhub serve` instances.
    pub(crate) fn url(&self) -> String {
        Self::url_of(&self.name)
    }

    pub(crate) async fn drop_now(self) {
        let Self {
            name,
            mut admin,
            conn,
        } = self;
        drop(conn);
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .expect("drop the scenario's database");
    }

    /// The number of tracked orders in each state.
    pub(crate) async fn order_states(&mut self) -> HashMap<String, i64> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, count(*) FROM payhub_orders GROUP BY state")
                .fetch_all(&mut self.conn)
                .await
                .unwrap_or_default();
        rows.into_iter().collect()
    }

    /// Every stored event: (id, provider, merchant order no, status, source of the
    /// notification: `reconciler` or a callback's).
    pub(crate) async fn events(&mut self) -> Vec<StoredEvent> {
        let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, provider, merchant_order_no, status, notification->>'source' \
             FROM payhub_events ORDER BY id",
        )
        .fetch_all(&mut self.conn)
        .await
        .expect("read the events");
        rows.into_iter()
            .map(|(id, provider, no, status, source)| StoredEvent {
                id,
                provider,
                no,
                status,
                by_reconciler: source.as_deref() == Some("reconciler"),
            })
            .collect()
    }

    /// (provider, merchant order no) -> (state, lease owner, attempts) of every tracked order.
    pub(crate) async fn orders(
        &mut self,
    ) -> HashMap<(String, String), (String, Option<String>, i32)> {
        let rows: Vec<(String, String, String, Option<String>, i32)> = sqlx::query_as(
            "SELECT provider, merchant_order_no, state, lease_owner, attempts FROM payhub_orders",
        )
        .fetch_all(&mut self.conn)
        .await
        .expect("read the orders");
        rows.into_iter()
            .map(|(p, no, state, owner, attempts)| ((p, no), (state, owner, attempts)))
            .collect()
    }

    /// Waits until no tracked order is pending (`expected` in all), failing after `within`.
    pub(crate) async fn until_none_pending(&mut self, expected: usize, within: Duration) {
        let start = Instant::now();
        loop {
            let states = self.order_states().await;
            let total: i64 = states.values().sum();
            let pending = states.get("pending").copied().unwrap_or(0);
            if pending == 0 && usize::try_from(total).ok() == Some(expected) {
                return;
            }
            assert!(
                start.elapsed() < within,
                "orders not settled within {within:?}: {states:?} ({expected} expected)"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// One row of `payhub_events`.
#[derive(Clone, Debug)]
pub(crate) struct StoredEvent {
    pub(crate) id: i64,
    pub(crate) provider: String,
    pub(crate) no: String,
    pub(crate) status: String,
    pub(crate) by_reconciler: bool,
}

pub(crate) fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_payhub"))
}

/// One `payhub serve --reconcile` instance, its stderr in `<dir>/<name>.log`; killed on drop.
pub(crate) struct Instance {
    pub(crate) name: String,
    pub(crate) port: u16,
    child: Option<Child>,
    log: PathBuf,
}

impl Instance {
    /// Starts `payhub serve` with the forwarder (to `sink`), the reconciler, the orders API,
    /// and `extra` flags.
    pub(crate) fn start(name: &str, dir: &Path, store: &str, sink: &str, extra: &[&str]) -> Self {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let stderr = std::fs::File::create(&log).expect("log file");
        let child = Command::new(binary())
            .args([
                "serve",
                "--config",
                &dir.join("payhub.toml").display().to_string(),
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--store",
                store,
                "--forward-to",
                sink,
                "--forward-secret",
                SECRET,
                "--api-token",
                TOKEN,
                "--instance-id",
                name,
                "--reconcile",
            ])
            .args(extra)
            .env(
                "RUST_LOG",
                std::env::var("PROOF_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("payhub serve starts");
        Self {
            name: name.to_owned(),
            port,
            child: Some(child),
            log,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no shutdown, no cleanup, leases left behind.
    pub(crate) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            let _ = c.wait();
        }
    }

    pub(crate) async fn wait_ready(&mut self) {
        let url = format!("{}/readyz", self.url());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::get(&url).await
                && r.status().is_success()
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "{} exited with {status}: {}",
                    self.name,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready within 60 s",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the sink saw of one delivery.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Delivery {
    pub(crate) event_id: String,
    pub(crate) provider: String,
    pub(crate) no: String,
    pub(crate) status: String,
}

/// The merchant app: checks each delivery's signature, counts the valid ones.
#[derive(Clone, Default)]
pub(crate) struct Sink {
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    bad_signatures: Arc<AtomicUsize>,
}

impl Sink {
    /// Serves the sink on 127.0.0.1; returns its URL.
    pub(crate) async fn start(&self) -> String {
        let app = axum::Router::new()
            .route("/events", post(sink_handler))
            .with_state(self.clone());
        format!("{}/events", serve(app).await)
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().expect("sink lock").clone()
    }

    pub(crate) fn bad_signatures(&self) -> usize {
        self.bad_signatures.load(Ordering::Relaxed)
    }

    /// Deliveries per event id.
    pub(crate) fn per_event(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for d in self.deliveries() {
            *out.entry(d.event_id).or_default() += 1;
        }
        out
    }

    /// Waits until `n` distinct events arrived, then a second more for stray duplicates;
    /// returns when the last one arrived (as `at`'s elapsed time).
    pub(crate) async fn until_events(&self, n: usize, within: Duration, at: Instant) -> Duration {
        let start = Instant::now();
        loop {
            let seen = self.per_event().len();
            if seen >= n {
                let done = at.elapsed();
                tokio::time::sleep(Duration::from_secs(1)).await;
                return done;
            }
            assert!(
                start.elapsed() < within,
                "only {seen} of {n} events reached the app within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn sink_handler(State(sink): State<Sink>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get(payhub_store::signature::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if payhub_store::signature::verify(SECRET.as_bytes(), sig, &body, Duration::from_secs(300), now)
        .is_err()
    {
        sink.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return StatusCode::BAD_REQUEST;
    }
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| doc[k].as_str().unwrap_or_default().to_owned();
    let header_id = headers
        .get(payhub_store::signature::EVENT_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let delivery = Delivery {
        event_id: header_id,
        provider: text("provider"),
        no: text("merchant_order_no"),
        status: text("status"),
    };
    // The header and the document name the same event.
    if doc["id"].as_i64().map(|id| id.to_string()) != Some(delivery.event_id.clone()) {
        sink.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return StatusCode::BAD_REQUEST;
    }
    sink.deliveries.lock().expect("sink lock").push(delivery);
    StatusCode::OK
}

/// Serves `app` on a free port of 127.0.0.1; returns `http://127.0.0.1:PORT`.
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}
