//! The SQLite engine: one file on one machine (or `sqlite::memory:` in tests).
//!
//! Why these settings: the file runs in WAL mode with `synchronous = FULL`, so a committed
//! `record` survives a power cut before the provider is acknowledged; a busy timeout makes
//! concurrent writers wait instead of failing; claims run in one `BEGIN IMMEDIATE` transaction,
//! which takes the write lock first, so two claimers never read the same due rows. Timestamps
//! are UTC unix microseconds (`INTEGER`): they compare exactly, unlike text timestamps of
//! varying precision. Time comes from this process's clock (one machine, one clock).

use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::event::{
    EventFilter, EventState, NewEvent, Recorded, StateCounts, StoredEvent, attempts_u32,
    headers_json, ids_by_identity, not_inserted, parse_amount, parse_headers, recorded,
};
use crate::order::{
    Finish, FinishKind, Finished, NewOrder, OrderFilter, OrderState, Tracked, TrackedOrder,
};
use crate::store::{StoreOptions, lease_millis};

const COLUMNS: &str = "id, provider, account, event_key, status, merchant_order_no, \
    provider_order_no, amount, currency, notification, headers, body, received_at, state, \
    attempts, next_attempt_at, lease_owner, lease_until, last_error, delivered_at";

const ORDER_COLUMNS: &str = "id, provider, account, kind, merchant_order_no, provider_order_no, \
    amount, currency, created_at, expires_at, state, last_status, next_check_at, attempts, \
    lease_owner, lease_until, last_error";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone, Debug)]
pub(crate) struct SqliteBackend {
    pool: SqlitePool,
    /// One connection of its own for the reconciler's claims and outcomes. A connection drops
    /// its whole page cache whenever another connection has written since its last
    /// transaction; the pool hands its idle connections out in turn, so a reconciler going
    /// through it re-read its pages on every claim and write. On one connection they stay
    /// cached (unless the gateway writes in between).
    orders: SqlitePool,
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn from_micros(field: &'static str, us: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| Error::decode(field, format!("timestamp out of range: {e}")))
}

fn now() -> i64 {
    micros(OffsetDateTime::now_utc())
}

fn get<'r, T>(row: &'r SqliteRow, column: &'static str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column)
        .map_err(|e| Error::decode(column, e.to_string()))
}

fn decode(row: &SqliteRow) -> Result<StoredEvent> {
    let notification: String = get(row, "notification")?;
    let headers: String = get(row, "headers")?;
    let state: String = get(row, "state")?;
    let opt_time = |column: &'static str| -> Result<Option<OffsetDateTime>> {
        get::<Option<i64>>(row, column)?
            .map(|us| from_micros(column, us))
            .transpose()
    };
    Ok(StoredEvent {
        id: get(row, "id")?,
        event: NewEvent {
            provider: get(row, "provider")?,
            account: get(row, "account")?,
            event_key: get(row, "event_key")?,
            status: get(row, "status")?,
            merchant_order_no: get(row, "merchant_order_no")?,
            provider_order_no: get(row, "provider_order_no")?,
            amount: parse_amount(get(row, "amount")?)?,
            currency: get(row, "currency")?,
            notification: serde_json::from_str(&notification)
                .map_err(|e| Error::decode("notification", format!("not JSON: {e}")))?,
            headers: parse_headers(&headers)?,
            body: get(row, "body")?,
            received_at: from_micros("received_at", get(row, "received_at")?)?,
        },
        state: state.parse()?,
        attempts: attempts_u32(get(row, "attempts")?)?,
        next_attempt_at: from_micros("next_attempt_at", get(row, "next_attempt_at")?)?,
        lease_owner: get(row, "lease_owner")?,
        lease_until: opt_time("lease_until")?,
        last_error: get(row, "last_error")?,
        delivered_at: opt_time("delivered_at")?,
    })
}

fn decode_order(row: &SqliteRow) -> Result<TrackedOrder> {
    let kind: &str = get(row, "kind")?;
    let state: &str = get(row, "state")?;
    let opt_time = |column: &'static str| -> Result<Option<OffsetDateTime>> {
        get::<Option<i64>>(row, column)?
            .map(|us| from_micros(column, us))
            .transpose()
    };
    Ok(TrackedOrder {
        id: get(row, "id")?,
        order: NewOrder {
            provider: get(row, "provider")?,
            account: get(row, "account")?,
            kind: kind.parse()?,
            merchant_order_no: get(row, "merchant_order_no")?,
            provider_order_no: get(row, "provider_order_no")?,
            amount: parse_amount(get(row, "amount")?)?,
            currency: get(row, "currency")?,
            created_at: from_micros("created_at", get(row, "created_at")?)?,
            expires_at: opt_time("expires_at")?,
            first_check_at: None,
        },
        state: state.parse()?,
        last_status: get(row, "last_status")?,
        next_check_at: from_micros("next_check_at", get(row, "next_check_at")?)?,
        attempts: attempts_u32(get(row, "attempts")?)?,
        lease_owner: get(row, "lease_owner")?,
        lease_until: opt_time("lease_until")?,
        last_error: get(row, "last_error")?,
    })
}

impl SqliteBackend {
    pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::config("url", format!("not a SQLite URL: {e}")))?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(options.acquire_timeout.max(Duration::from_secs(1)));
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut pool = SqlitePoolOptions::new().acquire_timeout(options.acquire_timeout);
        pool = if memory {
            // Each connection to `:memory:` would be its own database, and the database goes
            // with its last connection: keep exactly one, for the pool's whole life.
            pool.max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            pool.max_connections(options.max_connections)
        };
        let pool = pool
            .connect_with(connect.clone())
            .await
            .map_err(|e| Error::sql("connect", e))?;
        MIGRATOR.run(&pool).await?;
        let orders = if memory {
            // The one connection is the database.
            pool.clone()
        } else {
            SqlitePoolOptions::new()
                .acquire_timeout(options.acquire_timeout)
                .max_connections(1)
                // Its own connection, used by one reconciler pass at a time: a ping before
                // each transaction would be one more round trip to the worker thread.
                .test_before_acquire(false)
                .connect_lazy_with(connect)
        };
        Ok(Self { pool, orders })
    }

    pub(crate) fn engine(&self) -> &'static str {
        "sqlite"
    }

    pub(crate) async fn record(&self, e: &NewEvent) -> Result<Recorded> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|err| Error::sql("record", err))?;
        insert_event(&mut conn, e, now()).await
    }

    pub(crate) async fn claim_due(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<StoredEvent>> {
        let fail = |e| Error::sql("claim_due", e);
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(fail)?;
        // Read the clock once the write lock is held, so no claimer can act on a later "now"
        // before this one commits.
        let now = now();
        let until = now.saturating_add(lease_millis(lease).saturating_mul(1000));
        let sql = format!(
            "UPDATE payhub_events SET state = 'delivering', lease_owner = ?1, lease_until = ?2, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM payhub_events \
                 WHERE (state = 'pending' AND next_attempt_at <= ?3) \
                    OR (state = 'delivering' AND lease_until < ?3) \
                 ORDER BY next_attempt_at, id LIMIT ?4) \
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        rows.iter().map(decode).collect()
    }

    /// Ends a delivery attempt: `set` applies only while `owner` holds the lease. Parameters:
    /// `?1` id, `?2` owner, `?3` now, then `?4` error and `?5` next attempt when given.
    async fn finish(
        &self,
        operation: &'static str,
        set: &str,
        id: i64,
        owner: &str,
        error: Option<&str>,
        next_at: Option<OffsetDateTime>,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE payhub_events SET {set}, lease_owner = NULL, lease_until = NULL \
             WHERE id = ?1 AND state = 'delivering' AND lease_owner = ?2 AND lease_until >= ?3"
        );
        let mut query = sqlx::query(&sql).bind(id).bind(owner).bind(now());
        if let Some(error) = error {
            query = query.bind(error);
        }
        if let Some(at) = next_at {
            query = query.bind(micros(at));
        }
        let done = query
            .execute(&self.pool)
            .await
            .map_err(|e| Error::sql(operation, e))?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn mark_delivered(&self, id: i64, owner: &str) -> Result<bool> {
        let set = "state = 'delivered', delivered_at = ?3, last_error = NULL";
        self.finish("mark_delivered", set, id, owner, None, None)
            .await
    }

    pub(crate) async fn mark_retry(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        next_at: OffsetDateTime,
    ) -> Result<bool> {
        let set = "state = 'pending', last_error = ?4, next_attempt_at = ?5";
        self.finish("mark_retry", set, id, owner, Some(error), Some(next_at))
            .await
    }

    pub(crate) async fn mark_failed(&self, id: i64, owner: &str, error: &str) -> Result<bool> {
        let set = "state = 'failed', last_error = ?4";
        self.finish("mark_failed", set, id, owner, Some(error), None)
            .await
    }

    pub(crate) async fn get(&self, id: i64) -> Result<Option<StoredEvent>> {
        let sql = format!("SELECT {COLUMNS} FROM payhub_events WHERE id = ?1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| Error::sql("get", e))?;
        row.as_ref().map(decode).transpose()
    }

    pub(crate) async fn list(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payhub_events \
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR provider = ?2) AND id > ?3 \
             ORDER BY id LIMIT ?4"
        );
        let rows = sqlx::query(&sql)
            .bind(filter.state.map(EventState::as_str))
            .bind(filter.provider.as_deref())
            .bind(filter.after_id.unwrap_or(i64::MIN))
            .bind(filter.page_size())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| Error::sql("list", e))?;
        rows.iter().map(decode).collect()
    }

    pub(crate) async fn replay(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE payhub_events SET state = 'pending', next_attempt_at = ?2, attempts = 0, \
             lease_owner = NULL, lease_until = NULL, delivered_at = NULL WHERE id = ?1",
        )
        .bind(id)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| Error::sql("replay", e))?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|e| Error::sql("ping", e))?;
        Ok(())
    }

    pub(crate) async fn counts(&self) -> Result<StateCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM payhub_events GROUP BY state")
                .fetch_all(&self.pool)
                .await
                .map_err(|e| Error::sql("counts", e))?;
        let mut counts = StateCounts::default();
        for (state, n) in rows {
            counts.add(state.parse()?, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    pub(crate) async fn close(&self) {
        self.orders.close().await;
        self.pool.close().await;
    }
}

/// Tracked orders (see [`crate::order`]).
impl SqliteBackend {
    pub(crate) async fn track(&self, o: &NewOrder) -> Result<Tracked> {
        let now = now();
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO payhub_orders (provider, account, kind, merchant_order_no, \
             provider_order_no, amount, currency, created_at, expires_at, next_check_at, \
             updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (provider, account, merchant_order_no) DO NOTHING RETURNING id",
        )
        .bind(&o.provider)
        .bind(&o.account)
        .bind(o.kind.as_str())
        .bind(&o.merchant_order_no)
        .bind(&o.provider_order_no)
        .bind(o.amount.map(|a| a.to_string()))
        .bind(&o.currency)
        .bind(micros(o.created_at))
        .bind(o.expires_at.map(micros))
        .bind(o.first_check_at.map_or(now, micros))
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(|err| Error::sql("track", err))?;
        if let Some(id) = inserted {
            return Ok(Tracked::New(id));
        }
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM payhub_orders \
             WHERE provider = ?1 AND account = ?2 AND merchant_order_no = ?3",
        )
        .bind(&o.provider)
        .bind(&o.account)
        .bind(&o.merchant_order_no)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| Error::sql("track", err))?;
        Ok(Tracked::Existing(id))
    }

    pub(crate) async fn get_order(&self, id: i64) -> Result<Option<TrackedOrder>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM payhub_orders WHERE id = ?1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| Error::sql("get_order", e))?;
        row.as_ref().map(decode_order).transpose()
    }

    pub(crate) async fn list_orders(&self, filter: &OrderFilter) -> Result<Vec<TrackedOrder>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM payhub_orders \
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR provider = ?2) AND id > ?3 \
             ORDER BY id LIMIT ?4"
        );
        let rows = sqlx::query(&sql)
            .bind(filter.state.map(OrderState::as_str))
            .bind(filter.provider.as_deref())
            .bind(filter.after_id.unwrap_or(i64::MIN))
            .bind(filter.page_size())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| Error::sql("list_orders", e))?;
        rows.iter().map(decode_order).collect()
    }

    pub(crate) async fn claim_due_orders(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<TrackedOrder>> {
        let fail = |e| Error::sql("claim_due_orders", e);
        let mut tx = self
            .orders
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(fail)?;
        // The clock is read once the write lock is held (see `claim_due`).
        let claimed = claim_orders(&mut tx, owner, now(), lease, limit).await?;
        tx.commit().await.map_err(fail)?;
        Ok(claimed)
    }

    /// Writes one check's outcome, if `owner` still holds the order's lease.
    pub(crate) async fn finish_order(&self, id: i64, owner: &str, finish: Finish) -> Result<bool> {
        let mut conn = self
            .orders
            .acquire()
            .await
            .map_err(|e| Error::sql("finish_orders", e))?;
        let applied = update_orders(&mut conn, owner, now(), &[(id, finish)]).await?;
        Ok(applied.contains(&id))
    }

    /// Writes a batch of outcomes in one transaction (one disk flush for the batch) and in a
    /// few statements: the settles' events in one multi-row insert, the order rows in one
    /// update. Every statement is a round trip to the connection's worker thread, so one per
    /// row would cost more than the rows themselves.
    pub(crate) async fn finish_orders(
        &self,
        owner: &str,
        batch: &[(i64, Finish)],
        claim: Option<(Duration, u32)>,
    ) -> Result<(Vec<Finished>, Vec<TrackedOrder>)> {
        let fail = |e| Error::sql("finish_orders", e);
        let mut tx = self
            .orders
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(fail)?;
        let now = now();
        let mut events: Vec<Option<Recorded>> = vec![None; batch.len()];
        let settles: Vec<(usize, &NewEvent)> = batch
            .iter()
            .enumerate()
            .filter_map(|(i, (_, finish))| match finish {
                Finish::Settle {
                    event: Some(event), ..
                } => Some((i, &**event)),
                _ => None,
            })
            .collect();
        for chunk in settles.chunks(ROWS_PER_STATEMENT) {
            let recorded = insert_events(&mut tx, chunk.iter().map(|(_, e)| *e), now).await?;
            for ((i, _), r) in chunk.iter().zip(recorded) {
                events[*i] = Some(r);
            }
        }
        let mut applied = std::collections::HashSet::new();
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            applied.extend(update_orders(&mut tx, owner, now, chunk).await?);
        }
        let claimed = match claim {
            Some((lease, limit)) => claim_orders(&mut tx, owner, now, lease, limit).await?,
            None => Vec::new(),
        };
        tx.commit().await.map_err(fail)?;
        let finished = batch
            .iter()
            .zip(events)
            .map(|((id, _), event)| Finished {
                applied: applied.contains(id),
                event,
            })
            .collect();
        Ok((finished, claimed))
    }

    pub(crate) async fn settle_by_event(
        &self,
        provider: &str,
        account: &str,
        merchant_order_no: &str,
        status: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE payhub_orders SET state = 'settled', last_status = ?4, last_error = NULL, \
             lease_owner = NULL, lease_until = NULL, updated_at = ?5 \
             WHERE provider = ?1 AND account = ?2 AND merchant_order_no = ?3 \
               AND state = 'pending'",
        )
        .bind(provider)
        .bind(account)
        .bind(merchant_order_no)
        .bind(status)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| Error::sql("settle_by_event", e))?;
        Ok(done.rows_affected() == 1)
    }
}

/// Inserts event `e` unless its key is stored; the id either way.
async fn insert_event(conn: &mut SqliteConnection, e: &NewEvent, now: i64) -> Result<Recorded> {
    let mut recorded = insert_events(conn, std::iter::once(e), now).await?;
    recorded
        .pop()
        .ok_or_else(|| Error::decode("id", "the insert answered no row".to_owned()))
}

/// Claims up to `limit` due orders for `owner` until `now + lease` (in a transaction holding
/// the write lock).
async fn claim_orders(
    conn: &mut SqliteConnection,
    owner: &str,
    now: i64,
    lease: Duration,
    limit: u32,
) -> Result<Vec<TrackedOrder>> {
    let until = now.saturating_add(lease_millis(lease).saturating_mul(1000));
    // `INDEXED BY` the partial due index: left to itself, SQLite picks the (state, id)
    // index and sorts every due order to return a batch, a cost that grows with the table.
    let sql = format!(
        "UPDATE payhub_orders SET lease_owner = ?1, lease_until = ?2, \
             attempts = attempts + 1, updated_at = ?3 \
             WHERE id IN (SELECT id FROM payhub_orders INDEXED BY payhub_orders_due \
                 WHERE state = 'pending' AND next_check_at <= ?3 \
                   AND (lease_until IS NULL OR lease_until < ?3) \
                 ORDER BY next_check_at, id LIMIT ?4) \
             RETURNING {ORDER_COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(owner)
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::sql("claim_due_orders", e))?;
    rows.iter().map(decode_order).collect()
}

/// `rows` rows of `columns` anonymous `?` parameters each: `(?, ?), (?, ?)` for 2, 2; the
/// `VALUES` list of a multi-row statement, bound in the order the parameters appear. Anonymous,
/// not numbered: SQLite looks a numbered parameter's name up in a list, so binding n numbered
/// ones costs n^2 / 2 steps (a 32-row insert binds 448).
fn values(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// The columns of an event insert, in the order [`insert_events`] binds them.
const EVENT_INSERT_COLUMNS: usize = 14;

/// Rows per multi-row statement: 500 events bind 7,000 values, under SQLite's 32,766.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts `events` in one statement, each unless its key is stored; each one's id, in order.
async fn insert_events<'e>(
    conn: &mut SqliteConnection,
    events: impl Iterator<Item = &'e NewEvent> + Clone,
    now: i64,
) -> Result<Vec<Recorded>> {
    let sql = format!(
        "INSERT INTO payhub_events (provider, account, event_key, status, merchant_order_no, \
         provider_order_no, amount, currency, notification, headers, body, received_at, \
         next_attempt_at, created_at) VALUES {} \
         ON CONFLICT (provider, account, event_key) DO NOTHING \
         RETURNING id, provider, account, event_key",
        values(events.clone().count(), EVENT_INSERT_COLUMNS)
    );
    let mut query = sqlx::query(&sql);
    for e in events.clone() {
        query = query
            .bind(&e.provider)
            .bind(&e.account)
            .bind(&e.event_key)
            .bind(&e.status)
            .bind(&e.merchant_order_no)
            .bind(&e.provider_order_no)
            .bind(e.amount.map(|a| a.to_string()))
            .bind(&e.currency)
            .bind(e.notification.to_string())
            .bind(headers_json(&e.headers)?)
            .bind(&e.body)
            .bind(micros(e.received_at))
            .bind(now)
            .bind(now);
    }
    let inserted = query
        .fetch_all(&mut *conn)
        .await
        .map_err(|err| Error::sql("record", err))?;
    let new = ids_by_identity(&inserted)?;
    // Stored before (the callback was first): their ids, in one statement. `CROSS JOIN` keeps
    // the listed keys as the outer loop, so each is one lookup in the unique key's index.
    let others = not_inserted(events.clone(), &new);
    let found = if others.is_empty() {
        Vec::new()
    } else {
        let sql = format!(
            "WITH k(provider, account, event_key) AS (VALUES {}) \
             SELECT e.id, e.provider, e.account, e.event_key \
             FROM k CROSS JOIN payhub_events e ON e.provider = k.provider \
               AND e.account = k.account AND e.event_key = k.event_key",
            values(others.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for e in &others {
            query = query.bind(&e.provider).bind(&e.account).bind(&e.event_key);
        }
        query
            .fetch_all(&mut *conn)
            .await
            .map_err(|err| Error::sql("record", err))?
    };
    recorded(events, &new, &ids_by_identity(&found)?)
}

/// Writes the outcomes of `batch` to their order rows in one statement, each only while
/// `owner` holds the order's lease; the ids of the rows written.
async fn update_orders(
    conn: &mut SqliteConnection,
    owner: &str,
    now: i64,
    batch: &[(i64, Finish)],
) -> Result<Vec<i64>> {
    // `v.kind`: 1 settle, 2 reschedule, 3 retry, 4 give up; `v.text` the status, error or
    // reason; `v.next_at` the next check (reschedule, retry).
    let sql = format!(
        "WITH v(id, kind, text, next_at) AS (VALUES {}) \
         UPDATE payhub_orders SET \
           state = CASE v.kind WHEN 1 THEN 'settled' WHEN 4 THEN 'given_up' ELSE state END, \
           last_status = CASE WHEN v.kind IN (1, 2) THEN v.text ELSE last_status END, \
           last_error = CASE WHEN v.kind IN (1, 2) THEN NULL ELSE v.text END, \
           next_check_at = CASE WHEN v.kind IN (2, 3) THEN v.next_at ELSE next_check_at END, \
           lease_owner = NULL, lease_until = NULL, updated_at = ? \
         FROM v \
         WHERE payhub_orders.id = v.id AND payhub_orders.state = 'pending' \
           AND payhub_orders.lease_owner = ? AND payhub_orders.lease_until >= ? \
         RETURNING payhub_orders.id",
        values(batch.len(), 4)
    );
    let mut query = sqlx::query_scalar(&sql);
    for (id, finish) in batch {
        let (kind, text, next_at) = finish.order_update();
        let kind: i64 = match kind {
            FinishKind::Settle => 1,
            FinishKind::Reschedule => 2,
            FinishKind::Retry => 3,
            FinishKind::GiveUp => 4,
        };
        query = query
            .bind(*id)
            .bind(kind)
            .bind(text)
            .bind(next_at.map(micros));
    }
    let query = query.bind(now).bind(owner).bind(now);
    query
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::sql("finish_orders", e))
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn values_lists_anonymous_parameters_row_by_row() {
        assert_eq!(values(1, 3), "(?, ?, ?)");
        assert_eq!(values(2, 2), "(?, ?), (?, ?)");
        assert_eq!(values(0, 4), "");
        let many = values(500, 14);
        assert_eq!(many.matches('?').count(), 7000);
        assert_eq!(many.matches("), (").count(), 499);
    }
}
