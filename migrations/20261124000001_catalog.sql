-- Catalog: categories (a tree), products and their variants.
-- Money is integer cents. `import_id` holds the stable id of a row that came
-- from a catalog file, so re-importing the same file updates instead of
-- duplicating; rows created in the store itself leave it NULL.

CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id   BIGINT UNIQUE,
    parent_id   BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug        TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX categories_parent_position_idx ON categories (parent_id, position, name);

CREATE TABLE products (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id      BIGINT UNIQUE,
    category_id    BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    slug           TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    sku            TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
    description    TEXT NOT NULL DEFAULT '',
    price_cents    BIGINT NOT NULL CHECK (price_cents >= 0),
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    is_featured    BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at    TIMESTAMPTZ,
    rating_average NUMERIC(3, 2),
    rating_count   INTEGER NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX products_category_idx ON products (category_id);
-- The default listing ("newest") and the home page's new arrivals.
CREATE INDEX products_listed_newest_idx ON products (created_at DESC, id DESC)
    WHERE is_active AND archived_at IS NULL;
CREATE INDEX products_featured_idx ON products (id)
    WHERE is_featured AND is_active AND archived_at IS NULL;

CREATE TABLE variants (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id           BIGINT UNIQUE,
    product_id          BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku                 TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
    name                TEXT NOT NULL DEFAULT '',
    options             JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(options) = 'object'),
    -- NULL means "the product's price".
    price_cents         BIGINT CHECK (price_cents >= 0),
    stock               INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    low_stock_threshold INTEGER NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    position            INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX variants_product_idx ON variants (product_id, position, id);
