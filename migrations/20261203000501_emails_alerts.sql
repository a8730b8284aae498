-- What happens after a request: the e-mails the store sends, the low-stock
-- alerts staff get in a digest, and the index that finds stale guest carts.
-- The job queue itself is underway's schema (`underway.*`), migrated by
-- underway's own migrations right after these.

-- Every e-mail the store sent or tried to send, rendered when it was
-- queued, so staff read exactly what the shopper got (or would have got
-- when no SMTP server is configured).
CREATE TABLE emails (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the e-mail is about, once: a retried job that queues it again
    -- finds this row instead of making a second e-mail.
    dedupe_key  TEXT NOT NULL UNIQUE,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    template    TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    -- queued: waiting for its job; sent: the SMTP server took it;
    -- not_sent: no SMTP server is configured; failed: every attempt failed.
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'not_sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ
);
CREATE INDEX emails_created_idx ON emails (created_at DESC, id DESC);

-- True when a stock change of `delta` that left `stock_after` units took
-- the variant from above its threshold to at or below it. The one
-- definition of "crossed", used by every statement that changes stock.
CREATE FUNCTION low_stock_crossed(stock_after INTEGER, delta INTEGER, threshold INTEGER) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN stock_after <= threshold AND stock_after - delta > threshold;

-- One row per crossing, written by its alert job; a digest e-mail to staff
-- collects the undigested ones at most once an hour.
CREATE TABLE low_stock_alerts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The stock change that crossed: a retried alert job adds nothing.
    ledger_id    BIGINT NOT NULL UNIQUE,
    variant_id   BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    stock        INTEGER NOT NULL,
    threshold    INTEGER NOT NULL,
    crossed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    digest_id    BIGINT
);
CREATE INDEX low_stock_alerts_undigested_idx ON low_stock_alerts (id) WHERE digest_id IS NULL;

-- A digest is planned when the first undigested alert arrives, for an hour
-- after the previous one was sent, and sent by one delayed job.
CREATE TABLE low_stock_digests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    planned_for TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX low_stock_digests_one_planned_idx ON low_stock_digests ((true)) WHERE sent_at IS NULL;
ALTER TABLE low_stock_alerts ADD FOREIGN KEY (digest_id) REFERENCES low_stock_digests (id);

-- The hourly sweep deletes guest carts nobody touched for a while.
CREATE INDEX carts_guest_updated_idx ON carts (updated_at) WHERE guest_key IS NOT NULL;
