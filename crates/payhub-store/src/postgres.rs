//! The Postgres engine: one database shared by every gateway and forwarder of a fleet.
//!
//! Why it is shaped this way: a claim is one `UPDATE .. WHERE id IN (SELECT .. FOR UPDATE SKIP
//! LOCKED) RETURNING ..` statement, so forwarders on several machines take disjoint batches
//! without waiting on each other's locks; every lease and due time is computed with the
//! database's `now()`, so machines whose clocks drift still agree on when a lease ran out.
//! Migrations take sqlx's advisory lock, so machines starting together apply them once.

use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
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

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Debug)]
pub(crate) struct PgBackend {
    pool: PgPool,
}

fn get<'r, T>(row: &'r PgRow, column: &'static str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column)
        .map_err(|e| Error::decode(column, e.to_string()))
}

fn decode(row: &PgRow) -> Result<StoredEvent> {
    let headers: String = get(row, "headers")?;
    let state: String = get(row, "state")?;
    let Json(notification) = get::<Json<serde_json::Value>>(row, "notification")?;
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
            notification,
            headers: parse_headers(&headers)?,
            body: get(row, "body")?,
            received_at: get(row, "received_at")?,
        },
        state: state.parse()?,
        attempts: attempts_u32(i64::from(get::<i32>(row, "attempts")?))?,
        next_attempt_at: get(row, "next_attempt_at")?,
        lease_owner: get(row, "lease_owner")?,
        lease_until: get(row, "lease_until")?,
        last_error: get(row, "last_error")?,
        delivered_at: get(row, "delivered_at")?,
    })
}

fn decode_order(row: &PgRow) -> Result<TrackedOrder> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
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
            created_at: get(row, "created_at")?,
            expires_at: get(row, "expires_at")?,
            first_check_at: None,
        },
        state: state.parse()?,
        last_status: get(row, "last_status")?,
        next_check_at: get(row, "next_check_at")?,
        attempts: attempts_u32(i64::from(get::<i32>(row, "attempts")?))?,
        lease_owner: get(row, "lease_owner")?,
        lease_until: get(row, "lease_until")?,
        last_error: get(row, "last_error")?,
    })
}

impl PgBackend {
    pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect: PgConnectOptions = url
            .parse()
            .map_err(|e| Error::config("url", format!("not a Postgres URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| Error::sql("connect", e))?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub(crate) fn engine(&self) -> &'static str {
        "postgres"
    }

    pub(crate) async fn record(&self, e: &NewEvent) -> Result<Recorded> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|err| Error::sql("record", err))?;
        insert_event(&mut conn, e).await
    }

    pub(crate) async fn claim_due(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<StoredEvent>> {
        let sql = format!(
            "UPDATE payhub_events SET state = 'delivering', lease_owner = $1, \
             lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM payhub_events \
                 WHERE (state = 'pending' AND next_attempt_at <= now()) \
                    OR (state = 'delivering' AND lease_until < now()) \
                 ORDER BY next_attempt_at, id LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(lease_millis(lease) as f64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| Error::sql("claim_due", e))?;
        rows.iter().map(decode).collect()
    }

    /// Ends a delivery attempt: `set` applies only while `owner` holds the lease. Parameters:
    /// `$1` id, `$2` owner, then `$3` error and `$4` next attempt when given.
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
             WHERE id = $1 AND state = 'delivering' AND lease_owner = $2 AND lease_until >= now()"
        );
        let mut query = sqlx::query(&sql).bind(id).bind(owner);
        if let Some(error) = error {
            query = query.bind(error);
        }
        if let Some(at) = next_at {
            query = query.bind(at);
        }
        let done = query
            .execute(&self.pool)
            .await
            .map_err(|e| Error::sql(operation, e))?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn mark_delivered(&self, id: i64, owner: &str) -> Result<bool> {
        let set = "state = 'delivered', delivered_at = now(), last_error = NULL";
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
        let set = "state = 'pending', last_error = $3, next_attempt_at = $4";
        self.finish("mark_retry", set, id, owner, Some(error), Some(next_at))
            .await
    }

    pub(crate) async fn mark_failed(&self, id: i64, owner: &str, error: &str) -> Result<bool> {
        let set = "state = 'failed', last_error = $3";
        self.finish("mark_failed", set, id, owner, Some(error), None)
            .await
    }

    pub(crate) async fn get(&self, id: i64) -> Result<Option<StoredEvent>> {
        let sql = format!("SELECT {COLUMNS} FROM payhub_events WHERE id = $1");
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
             WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR provider = $2) \
             AND id > $3 ORDER BY id LIMIT $4"
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
            "UPDATE payhub_events SET state = 'pending', next_attempt_at = now(), attempts = 0, \
             lease_owner = NULL, lease_until = NULL, delivered_at = NULL WHERE id = $1",
        )
        .bind(id)
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
        self.pool.close().await;
    }
}

/// Tracked orders (see [`crate::order`]).
impl PgBackend {
    pub(crate) async fn track(&self, o: &NewOrder) -> Result<Tracked> {
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO payhub_orders (provider, account, kind, merchant_order_no, \
             provider_order_no, amount, currency, created_at, expires_at, next_check_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now())) \
             ON CONFLICT (provider, account, merchant_order_no) DO NOTHING RETURNING id",
        )
        .bind(&o.provider)
        .bind(&o.account)
        .bind(o.kind.as_str())
        .bind(&o.merchant_order_no)
        .bind(&o.provider_order_no)
        .bind(o.amount.map(|a| a.to_string()))
        .bind(&o.currency)
        .bind(o.created_at)
        .bind(o.expires_at)
        .bind(o.first_check_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(|err| Error::sql("track", err))?;
        if let Some(id) = inserted {
            return Ok(Tracked::New(id));
        }
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM payhub_orders \
             WHERE provider = $1 AND account = $2 AND merchant_order_no = $3",
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
        let sql = format!("SELECT {ORDER_COLUMNS} FROM payhub_orders WHERE id = $1");
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
             WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR provider = $2) \
             AND id > $3 ORDER BY id LIMIT $4"
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
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| Error::sql("claim_due_orders", e))?;
        claim_orders(&mut conn, owner, lease, limit).await
    }

    /// Writes one check's outcome, if `owner` still holds the order's lease.
    pub(crate) async fn finish_order(&self, id: i64, owner: &str, finish: Finish) -> Result<bool> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| Error::sql("finish_orders", e))?;
        let applied = update_orders(&mut conn, owner, &[(id, finish)]).await?;
        Ok(applied.contains(&id))
    }

    /// Writes a batch of outcomes in one transaction (one commit for the batch) and in a few
    /// statements: the settles' events in one multi-row insert, the order rows in one update.
    /// Every statement is a round trip to the database, so one per row (as before) cost a
    /// batch of 32 settles 64 of them. Another gateway recording the same event key waits for
    /// this commit and then finds the duplicate; the orders' leases keep other reconcilers out.
    pub(crate) async fn finish_orders(
        &self,
        owner: &str,
        batch: &[(i64, Finish)],
        claim: Option<(Duration, u32)>,
    ) -> Result<(Vec<Finished>, Vec<TrackedOrder>)> {
        let fail = |e| Error::sql("finish_orders", e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
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
            let recorded = insert_events(&mut tx, chunk.iter().map(|(_, e)| *e)).await?;
            for ((i, _), r) in chunk.iter().zip(recorded) {
                events[*i] = Some(r);
            }
        }
        let mut applied = std::collections::HashSet::new();
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            applied.extend(update_orders(&mut tx, owner, chunk).await?);
        }
        let claimed = match claim {
            Some((lease, limit)) => claim_orders(&mut tx, owner, lease, limit).await?,
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
            "UPDATE payhub_orders SET state = 'settled', last_status = $4, last_error = NULL, \
             lease_owner = NULL, lease_until = NULL, updated_at = now() \
             WHERE provider = $1 AND account = $2 AND merchant_order_no = $3 \
               AND state = 'pending'",
        )
        .bind(provider)
        .bind(account)
        .bind(merchant_order_no)
        .bind(status)
        .execute(&self.pool)
        .await
        .map_err(|e| Error::sql("settle_by_event", e))?;
        Ok(done.rows_affected() == 1)
    }
}

/// Claims up to `limit` due orders for `owner` for `lease` (one statement; its own
/// transaction, or the caller's).
async fn claim_orders(
    conn: &mut PgConnection,
    owner: &str,
    lease: Duration,
    limit: u32,
) -> Result<Vec<TrackedOrder>> {
    let sql = format!(
        "UPDATE payhub_orders SET lease_owner = $1, \
             lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1, \
             updated_at = now() \
             WHERE id IN (SELECT id FROM payhub_orders \
                 WHERE state = 'pending' AND next_check_at <= now() \
                   AND (lease_until IS NULL OR lease_until < now()) \
                 ORDER BY next_check_at, id LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING {ORDER_COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(owner)
        .bind(lease_millis(lease) as f64)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::sql("claim_due_orders", e))?;
    rows.iter().map(decode_order).collect()
}

/// Inserts event `e` unless its key is stored; the id either way.
async fn insert_event(conn: &mut PgConnection, e: &NewEvent) -> Result<Recorded> {
    let mut recorded = insert_events(conn, std::iter::once(e)).await?;
    recorded
        .pop()
        .ok_or_else(|| Error::decode("id", "the insert answered no row".to_owned()))
}

/// Rows per multi-row statement: 500 events bind 6,000 values, under Postgres's 65,535.
const ROWS_PER_STATEMENT: usize = 500;

/// The columns of an event insert, in the order [`insert_events`] binds them.
const EVENT_INSERT_COLUMNS: usize = 12;

/// Inserts `events` in one statement, each unless its key is stored; each one's id, in order.
async fn insert_events<'e>(
    conn: &mut PgConnection,
    events: impl Iterator<Item = &'e NewEvent> + Clone,
) -> Result<Vec<Recorded>> {
    let sql = format!(
        "INSERT INTO payhub_events (provider, account, event_key, status, merchant_order_no, \
         provider_order_no, amount, currency, notification, headers, body, received_at) \
         VALUES {} \
         ON CONFLICT (provider, account, event_key) DO NOTHING \
         RETURNING id, provider, account, event_key",
        values(events.clone().count(), EVENT_INSERT_COLUMNS, 0)
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
            .bind(Json(&e.notification))
            .bind(headers_json(&e.headers)?)
            .bind(&e.body)
            .bind(e.received_at);
    }
    let inserted = query
        .fetch_all(&mut *conn)
        .await
        .map_err(|err| Error::sql("record", err))?;
    let new = ids_by_identity(&inserted)?;
    // Stored before (the callback was first). ON CONFLICT DO NOTHING waited for a concurrent
    // insert of the same key to commit, so the row is visible to this next statement (read
    // committed: each statement sees the latest commits, inside a transaction too).
    let others = not_inserted(events.clone(), &new);
    let found = if others.is_empty() {
        Vec::new()
    } else {
        let providers: Vec<&str> = others.iter().map(|e| e.provider.as_str()).collect();
        let accounts: Vec<&str> = others.iter().map(|e| e.account.as_str()).collect();
        let keys: Vec<&str> = others.iter().map(|e| e.event_key.as_str()).collect();
        sqlx::query(
            "SELECT e.id, e.provider, e.account, e.event_key \
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS k(provider, account, event_key) \
             JOIN payhub_events e ON e.provider = k.provider AND e.account = k.account \
               AND e.event_key = k.event_key",
        )
        .bind(providers)
        .bind(accounts)
        .bind(keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(|err| Error::sql("record", err))?
    };
    recorded(events, &new, &ids_by_identity(&found)?)
}

/// `rows` rows of `columns` numbered parameters each, numbered from `$first + 1`:
/// `($1, $2), ($3, $4)` for 2, 2, 0; the `VALUES` list of a multi-row statement.
fn values(rows: usize, columns: usize, first: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let sep = if column == 0 { "" } else { ", " };
            // Writing to a `String` cannot fail.
            let _ = write!(out, "{sep}${}", first + row * columns + column + 1);
        }
        out.push(')');
    }
    out
}

/// Writes each outcome of `batch` to its order if `owner` holds the order's lease, in one
/// statement; the ids it wrote.
async fn update_orders(
    conn: &mut PgConnection,
    owner: &str,
    batch: &[(i64, Finish)],
) -> Result<Vec<i64>> {
    // `$1` the owner; per row `v.kind`: 1 settle, 2 reschedule, 3 retry, 4 give up; `v.text`
    // the status, error or reason; `v.next_at` the next check (reschedule, retry). The
    // parameters carry their types (bigint, int, text, timestamptz), which type the list.
    let sql = format!(
        "UPDATE payhub_orders AS o SET \
           state = CASE v.kind WHEN 1 THEN 'settled' WHEN 4 THEN 'given_up' ELSE o.state END, \
           last_status = CASE WHEN v.kind IN (1, 2) THEN v.text ELSE o.last_status END, \
           last_error = CASE WHEN v.kind IN (1, 2) THEN NULL ELSE v.text END, \
           next_check_at = CASE WHEN v.kind IN (2, 3) THEN v.next_at ELSE o.next_check_at END, \
           lease_owner = NULL, lease_until = NULL, updated_at = now() \
         FROM (VALUES {}) AS v(id, kind, text, next_at) \
         WHERE o.id = v.id AND o.state = 'pending' AND o.lease_owner = $1 \
           AND o.lease_until >= now() \
         RETURNING o.id",
        values(batch.len(), 4, 1)
    );
    let mut query = sqlx::query_scalar(&sql).bind(owner);
    for (id, finish) in batch {
        let (kind, text, next_at) = finish.order_update();
        let kind: i32 = match kind {
            FinishKind::Settle => 1,
            FinishKind::Reschedule => 2,
            FinishKind::Retry => 3,
            FinishKind::GiveUp => 4,
        };
        query = query.bind(*id).bind(kind).bind(text).bind(next_at);
    }
    query
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::sql("finish_orders", e))
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn values_numbers_every_parameter_once_in_order() {
        assert_eq!(values(1, 3, 0), "($1, $2, $3)");
        assert_eq!(values(2, 2, 1), "($2, $3), ($4, $5)");
        assert_eq!(values(0, 4, 1), "");
        let many = values(500, 12, 0);
        assert!(many.starts_with("($1, $2,") && many.ends_with(", $6000)"));
        assert_eq!(many.matches('$').count(), 6000);
    }
}
