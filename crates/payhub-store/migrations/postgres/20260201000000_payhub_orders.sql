-- payhub-store: tracked orders, for the reconciler (Postgres).
-- One row per order the merchant app created; (provider, account, merchant_order_no) is its
-- identity. A pending order is checked at next_check_at by one reconciler at a time (the lease,
-- timed by the database's clock), until its final state is recorded as an event (settled) or
-- the reconciler gives up (given_up, last_error says why).
CREATE TABLE IF NOT EXISTS payhub_orders (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider          TEXT        NOT NULL,
    account           TEXT        NOT NULL,
    kind              TEXT        NOT NULL CHECK (kind IN ('checkout', 'recharge', 'payout')),
    merchant_order_no TEXT        NOT NULL,
    provider_order_no TEXT,
    -- Exact decimal text: no engine rounds it.
    amount            TEXT,
    currency          TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ,
    state             TEXT        NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'settled', 'given_up')),
    last_status       TEXT,
    next_check_at     TIMESTAMPTZ NOT NULL,
    attempts          INTEGER     NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_until       TIMESTAMPTZ,
    last_error        TEXT,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payhub_orders_identity UNIQUE (provider, account, merchant_order_no)
);

-- What claim_due_orders scans: only pending orders, in due order.
CREATE INDEX IF NOT EXISTS payhub_orders_due
    ON payhub_orders (next_check_at)
    WHERE state = 'pending';

-- list_orders() by state, in id order.
CREATE INDEX IF NOT EXISTS payhub_orders_state_id ON payhub_orders (state, id);
