//! Test databases and fixtures.

#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(dead_code, unused_imports, unused_macros)
)]

use std::time::Duration;

pub(crate) fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// An event with every field set, payer data and a signature included.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn event(key: &str) -> payhub_store::NewEvent {
    use payhub_store::NewEvent;
    use rust_decimal::Decimal;
    use time::OffsetDateTime;
    NewEvent::new("paydesk", "M1002", key, "SUCCESS", format!("ORD-{key}"))
        .provider_order_no(format!("P-{key}"))
        .amount(Decimal::new(1050, 2), Some("USD".to_owned()))
        .notification(serde_json::json!({"orderNo": format!("ORD-{key}"), "payer": "Ann Lee"}))
        .headers(vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Sign".to_owned(), "5F0C9A77SIGNATURE".to_owned()),
        ])
        .body(br#"{"payer":"Ann Lee","card":"4111111111111111"}"#.to_vec())
        .received_at(OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("timestamp"))
}

/// A store in a temporary SQLite file, removed on drop.
#[cfg(feature = "sqlite")]
pub(crate) struct SqliteDb {
    pub(crate) store: payhub_store::Store,
    pub(crate) url: String,
    dir: std::path::PathBuf,
}

#[cfg(feature = "sqlite")]
impl SqliteDb {
    pub(crate) async fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("payhub-store-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.join("events.db").display());
        let store = payhub_store::Store::connect(&url)
            .await
            .expect("open the SQLite store");
        Self { store, url, dir }
    }
}

#[cfg(feature = "sqlite")]
impl Drop for SqliteDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(feature = "postgres")]
pub(crate) fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A store in a fresh Postgres database `payhub_store_<random>`, dropped on drop (even when
/// the test panics).
#[cfg(feature = "postgres")]
pub(crate) struct PgDb {
    pub(crate) store: payhub_store::Store,
    pub(crate) url: String,
    name: String,
}

#[cfg(feature = "postgres")]
async fn admin() -> sqlx::PgConnection {
    use sqlx::Connection;
    let url = database_url();
    match sqlx::PgConnection::connect(&url).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "Postgres is not reachable at DATABASE_URL ({}): {e}\n\
             Start it with `pg_ctlcluster 15 main start` (see `pg_lsclusters`), or set \
             DATABASE_URL to a server where user `postgres` may create databases.",
            url.split('@').next_back().unwrap_or_default()
        ),
    }
}

#[cfg(feature = "postgres")]
impl PgDb {
    pub(crate) async fn new() -> Self {
        let name = format!("payhub_store_{}", random_suffix());
        let mut conn = admin().await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let mut url = reqwest::Url::parse(&database_url()).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let url = url.to_string();
        let options = payhub_store::StoreOptions::new().max_connections(20);
        let store = payhub_store::Store::connect_with(&url, &options)
            .await
            .expect("connect to the test database");
        Self { store, url, name }
    }
}

#[cfg(feature = "postgres")]
impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await: drop the database from a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let mut conn = admin().await;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Polls `check` every 20 ms until it is true or `within` has passed.
pub(crate) async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs a test body against SQLite and (with the `postgres` feature) Postgres, as
/// `<name>::sqlite` and `<name>::postgres`.
macro_rules! both_engines {
    ($name:ident) => {
        mod $name {
            #[cfg(feature = "sqlite")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = crate::common::SqliteDb::new().await;
                super::$name(&db.store).await;
            }

            #[cfg(feature = "postgres")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let db = crate::common::PgDb::new().await;
                super::$name(&db.store).await;
            }
        }
    };
}
pub(crate) use both_engines;

/// A TCP relay on 127.0.0.1:0 to `upstream`, to take a server away from a client that is
/// already connected: [`Relay::cut`] closes every relayed connection and stops listening.
#[cfg(any(feature = "postgres", feature = "redis"))]
pub(crate) struct Relay {
    pub(crate) addr: std::net::SocketAddr,
    kill: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

#[cfg(any(feature = "postgres", feature = "redis"))]
impl Relay {
    pub(crate) async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the relay");
        let addr = listener.local_addr().expect("relay address");
        let (kill, mut killed) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = killed.changed() => return,
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { continue };
                        let upstream = upstream.clone();
                        conns.spawn(async move {
                            if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            }
                        });
                    }
                }
            }
        });
        Self { addr, kill, task }
    }

    /// Closes every relayed connection and stops listening.
    pub(crate) async fn cut(self) {
        let _ = self.kill.send(true);
        self.task.await.expect("relay task");
    }
}
