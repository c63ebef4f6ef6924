-- payhub-store: the callback event log (SQLite).
-- One row per provider event; (provider, account, event_key) is the provider's identity of the
-- event, so a redelivery never makes a second row. Timestamps are UTC unix microseconds
-- (INTEGER), so they compare exactly and in order.
CREATE TABLE IF NOT EXISTS payhub_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    provider          TEXT    NOT NULL,
    account           TEXT    NOT NULL,
    event_key         TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    merchant_order_no TEXT    NOT NULL,
    provider_order_no TEXT,
    -- Exact decimal text: no engine rounds it.
    amount            TEXT,
    currency          TEXT,
    notification      TEXT    NOT NULL,
    -- JSON array of [name, value] pairs, as received.
    headers           TEXT    NOT NULL,
    body              BLOB    NOT NULL,
    received_at       INTEGER NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    lease_owner       TEXT,
    lease_until       INTEGER,
    last_error        TEXT,
    delivered_at      INTEGER,
    created_at        INTEGER NOT NULL,
    CONSTRAINT payhub_events_identity UNIQUE (provider, account, event_key)
);

CREATE INDEX IF NOT EXISTS payhub_events_due
    ON payhub_events (next_attempt_at)
    WHERE state IN ('pending', 'delivering');

CREATE INDEX IF NOT EXISTS payhub_events_state_id ON payhub_events (state, id);
