//! [`RedisDeduper`]: the facade's [`NotifyDeduper`] shared by every process of a fleet through
//! Redis, so a provider's redelivery that lands on another machine while the first delivery is
//! still being handled is answered with the retry reply instead of being handled twice.
//!
//! The three states map onto one key per event: `SET key inprogress NX PX <lease>` claims it
//! (the lease frees the claim of a process that died), `SET key done PX <ttl>` records success,
//! `DEL key` abandons a failed claim. While a handler runs, the router renews its claim every
//! third of the lease with a short script that extends the key's time to live only while it
//! still reads `inprogress` (a done record keeps its own). When Redis cannot be reached (or
//! does not answer within the operation timeout), `begin` answers [`DeliveryState::Busy`]: the
//! provider is told to deliver again, never that the event was handled.

use std::fmt;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use payhub::{DedupeFuture, DeliveryState, NotifyDeduper};

use crate::error::{Error, Result};

const IN_PROGRESS: &str = "inprogress";
const DONE: &str = "done";
/// Extends a claim (`KEYS[1]` reading `ARGV[1]`) to `ARGV[2]` ms from now; anything else is
/// left alone (a done record keeps its time to live). One `EVAL`: atomic in Redis.
const RENEW: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
                     return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

/// A [`NotifyDeduper`] backed by Redis (`redis::aio::ConnectionManager`, which reconnects by
/// itself after Redis restarts).
///
/// Defaults: key prefix `payhub:dedupe:`, in-progress lease 30 s
/// ([`payhub::DEFAULT_IN_PROGRESS_LEASE`]: a process that dies mid-callback blocks that event's
/// redeliveries this long, and WinPay's retries end after about 100 s), done records kept 24
/// hours (longer than every provider's retry schedule), 2 s per Redis operation.
///
/// ```no_run
/// # async fn demo() -> Result<(), payhub_store::Error> {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use payhub::{DeliveryState, NotifyDeduper};
/// use payhub_store::redis::RedisDeduper;
/// let deduper = RedisDeduper::connect("redis://127.0.0.1:6379")
///     .await?
///     .prefix("shop-a:dedupe:")
///     .done_ttl(Duration::from_secs(48 * 3600));
/// let shared: Arc<dyn NotifyDeduper> = Arc::new(deduper);
/// assert_eq!(shared.begin("paydesk:ORD-1:SUCCESS").await, DeliveryState::New);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDeduper {
    conn: ConnectionManager,
    prefix: String,
    lease: Duration,
    ttl: Duration,
    op_timeout: Duration,
}

impl fmt::Debug for RedisDeduper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection is left out: its address may carry a password.
        f.debug_struct("RedisDeduper")
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("ttl", &self.ttl)
            .field("op_timeout", &self.op_timeout)
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisDeduper {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL that is not a Redis URL, [`Error::Unavailable`] when Redis
    /// cannot be reached.
    pub async fn connect(url: &str) -> Result<Self> {
        let client = ::redis::Client::open(url)
            .map_err(|e| Error::config("url", format!("not a Redis URL ({})", e.category())))?;
        // Few, short reconnection attempts: a callback waits on them, and an outage must turn
        // into a retry reply quickly, not hold the provider's request.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| Error::Unavailable {
                operation: "connect",
                source: Box::new(e),
            })?;
        Ok(Self::new(conn))
    }

    /// A deduper over an existing connection manager.
    pub fn new(conn: ConnectionManager) -> Self {
        Self {
            conn,
            prefix: "payhub:dedupe:".to_owned(),
            lease: payhub::DEFAULT_IN_PROGRESS_LEASE,
            ttl: Duration::from_secs(24 * 3600),
            op_timeout: Duration::from_secs(2),
        }
    }

    /// Prefix of every key (default `payhub:dedupe:`): one per service sharing a Redis.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim nobody renews lasts before a redelivery may take it over (default
    /// 30 s): well inside the provider's retry schedule (every redelivery within the lease of
    /// a claim left by a dead process is answered with the retry reply). A running handler's
    /// claim is renewed every third of the lease.
    #[must_use]
    pub fn in_progress_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a handled event is remembered (default 24 hours): longer than the provider's
    /// whole retry schedule.
    #[must_use]
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long one Redis operation may take before it counts as a failure (default 2 s).
    #[must_use]
    pub fn op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn query<T: ::redis::FromRedisValue>(
        &self,
        cmd: &::redis::Cmd,
    ) -> std::result::Result<T, String> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.op_timeout, cmd.query_async(&mut conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {:?}", self.op_timeout)),
        }
    }

    async fn try_begin(&self, key: &str) -> std::result::Result<DeliveryState, String> {
        let key = self.key(key);
        // A claim can lapse between the SET and the GET; then claim again (a few times).
        for _ in 0..3 {
            let claimed: Option<String> = self
                .query(
                    ::redis::cmd("SET")
                        .arg(&key)
                        .arg(IN_PROGRESS)
                        .arg("NX")
                        .arg("PX")
                        .arg(millis(self.lease)),
                )
                .await?;
            if claimed.is_some() {
                return Ok(DeliveryState::New);
            }
            let state: Option<String> = self.query(::redis::cmd("GET").arg(&key)).await?;
            match state.as_deref() {
                Some(DONE) => return Ok(DeliveryState::Done),
                Some(_) => return Ok(DeliveryState::InProgress),
                None => continue,
            }
        }
        Ok(DeliveryState::Busy)
    }
}

impl NotifyDeduper for RedisDeduper {
    fn begin<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, DeliveryState> {
        Box::pin(async move {
            match self.try_begin(key).await {
                Ok(state) => state,
                Err(error) => {
                    tracing::warn!(
                        %error,
                        "redis deduper unavailable: answering busy so the provider retries"
                    );
                    DeliveryState::Busy
                }
            }
        })
    }

    fn complete<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        Box::pin(async move {
            let cmd = ::redis::cmd("SET")
                .arg(self.key(key))
                .arg(DONE)
                .arg("PX")
                .arg(millis(self.ttl))
                .to_owned();
            if let Err(error) = self.query::<()>(&cmd).await {
                tracing::warn!(
                    %error,
                    "redis deduper could not record a handled event; a redelivery after the lease is handled again"
                );
            }
        })
    }

    fn abandon<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        Box::pin(async move {
            let cmd = ::redis::cmd("DEL").arg(self.key(key)).to_owned();
            if let Err(error) = self.query::<()>(&cmd).await {
                tracing::warn!(
                    %error,
                    "redis deduper could not release a claim; the next delivery waits for the lease"
                );
            }
        })
    }

    fn renew_every(&self) -> Option<Duration> {
        Some(payhub::renewal_interval(self.lease))
    }

    fn renew<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        Box::pin(async move {
            let cmd = ::redis::cmd("EVAL")
                .arg(RENEW)
                .arg(1)
                .arg(self.key(key))
                .arg(IN_PROGRESS)
                .arg(millis(self.lease))
                .to_owned();
            if let Err(error) = self.query::<i64>(&cmd).await {
                tracing::warn!(
                    %error,
                    "redis deduper could not renew a running handler's claim; it lapses one lease \
                     after its last renewal"
                );
            }
        })
    }
}
