-- Orders, their lines (copies of name, SKU and price at purchase time), the
-- status history, payments, idempotency keys of order creation, and the
-- outbox of order events for background jobs.

-- Order numbers NX-YYYY-NNNNNN draw from this sequence; gaps are harmless.
CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
    currency         TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_cents   BIGINT NOT NULL CHECK (subtotal_cents >= 0),
    shipping_cents   BIGINT NOT NULL CHECK (shipping_cents >= 0),
    tax_cents        BIGINT NOT NULL CHECK (tax_cents >= 0),
    total_cents      BIGINT NOT NULL CHECK (total_cents = subtotal_cents + shipping_cents + tax_cents),
    shipping_method  TEXT NOT NULL CHECK (shipping_method IN ('standard', 'express')),
    -- A copy: editing or deleting a saved address never changes an order.
    shipping_address JSONB NOT NULL CHECK (jsonb_typeof(shipping_address) = 'object'),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A customer's history, newest first; staff lists, newest first, by status.
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);

CREATE TABLE order_items (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id         BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    -- Kept when the variant is deleted: the copies below still say what was bought.
    variant_id       BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    product_slug     TEXT NOT NULL,
    sku              TEXT NOT NULL,
    name             TEXT NOT NULL,
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    line_total_cents BIGINT NOT NULL CHECK (line_total_cents = unit_price_cents * quantity)
);
CREATE INDEX order_items_order_idx ON order_items (order_id, id);
CREATE INDEX order_items_variant_idx ON order_items (variant_id);

CREATE TABLE order_status_history (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id  BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    status    TEXT NOT NULL,
    -- NULL: the store itself (e.g. a payment confirmed by the provider).
    actor_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note      TEXT CHECK (length(note) <= 500),
    at        TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);

-- Money movements: the charge of an order and any refund of it.
CREATE TABLE payments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('charge', 'refund')),
    -- `pending` while a provider still has to confirm a charge.
    status       TEXT NOT NULL CHECK (status IN ('pending', 'succeeded')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    reference    TEXT NOT NULL,
    card_last4   TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (provider, kind, reference)
);
CREATE INDEX payments_order_idx ON payments (order_id);

-- `Idempotency-Key` of order creation, per user. The row is written in the
-- checkout's own transaction, so a concurrent duplicate waits on it and a
-- failed checkout leaves no row behind.
CREATE TABLE idempotency_keys (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    order_id    BIGINT REFERENCES orders (id) ON DELETE CASCADE,
    response    JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Facts for background jobs, written in the transaction that made them true,
-- so a job (an e-mail, say) can never miss one.
CREATE TABLE outbox_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        TEXT NOT NULL,
    payload      JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ
);
CREATE INDEX outbox_events_unprocessed_idx ON outbox_events (id) WHERE processed_at IS NULL;
