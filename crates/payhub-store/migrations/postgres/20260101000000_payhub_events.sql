-- payhub-store: the callback event log (Postgres).
-- One row per provider event; (provider, account, event_key) is the provider's identity of the
-- event, so a redelivery never makes a second row. Timestamps are UTC (timestamptz), and every
-- lease is timed by the database's clock (now()), so forwarders on several machines agree.
CREATE TABLE IF NOT EXISTS payhub_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider          TEXT        NOT NULL,
    account           TEXT        NOT NULL,
    event_key         TEXT        NOT NULL,
    status            TEXT        NOT NULL,
    merchant_order_no TEXT        NOT NULL,
    provider_order_no TEXT,
    -- Exact decimal text: no engine rounds it.
    amount            TEXT,
    currency          TEXT,
    notification      JSONB       NOT NULL,
    -- JSON array of [name, value] pairs, as received.
    headers           TEXT        NOT NULL,
    body              BYTEA       NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    state             TEXT        NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts          INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner       TEXT,
    lease_until       TIMESTAMPTZ,
    last_error        TEXT,
    delivered_at      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payhub_events_identity UNIQUE (provider, account, event_key)
);

-- What claim_due scans: only events still to deliver, in due order.
CREATE INDEX IF NOT EXISTS payhub_events_due
    ON payhub_events (next_attempt_at)
    WHERE state IN ('pending', 'delivering');

-- list() by state, in id order.
CREATE INDEX IF NOT EXISTS payhub_events_state_id ON payhub_events (state, id);
