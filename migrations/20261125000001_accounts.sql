-- Accounts, part two: postal addresses, web sessions and the audit trail.

CREATE TABLE addresses (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    full_name   TEXT NOT NULL,
    line1       TEXT NOT NULL,
    line2       TEXT,
    city        TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    -- ISO 3166-1 alpha-2, upper case.
    country     TEXT NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    phone       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX addresses_user_idx ON addresses (user_id, id);

-- Web sessions (tower-sessions records). In PostgreSQL so every app
-- instance sees them and a restart keeps shoppers signed in.
CREATE TABLE web_sessions (
    id         TEXT PRIMARY KEY,
    data       JSONB NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- Security-relevant events: sign-ins, failed sign-ins, role and password
-- changes. Never a password or token; `email` is what was typed on a
-- failed sign-in, so attempts on unknown accounts are visible too.
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    event       TEXT NOT NULL,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    email       TEXT,
    ip          TEXT,
    detail      JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, occurred_at DESC);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC);
