-- Carts: one per signed-in user, or one per guest web session (found by a
-- random key kept in the session). Lines remember the unit price when the
-- shopper added them, only to say "the price changed since"; what is
-- charged is always read from the catalog.

CREATE TABLE carts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    guest_key   TEXT UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (guest_key IS NULL))
);

CREATE TABLE cart_items (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cart_id              BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    variant_id           BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity             INTEGER NOT NULL CHECK (quantity > 0),
    added_at_price_cents BIGINT NOT NULL CHECK (added_at_price_cents >= 0),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (cart_id, variant_id)
);
CREATE INDEX cart_items_variant_idx ON cart_items (variant_id);
