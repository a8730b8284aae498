-- What the staff product list and the inventory read, filter and sort by.

-- Each product's stock totals, one narrow row per product, kept by the
-- variants trigger below. Narrow on purpose: it changes with every order,
-- and rewriting it costs three small b-tree entries, where rewriting the
-- wide `products` row (description, search document, a dozen indexes)
-- cost far more. The staff list sorts and filters by it through its own
-- indexes.
CREATE TABLE product_stock (
    product_id       BIGINT PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    -- Units over all variants.
    total_stock      BIGINT  NOT NULL DEFAULT 0,
    -- Variants with any stock (`products.in_stock` is `stocked_variants > 0`).
    stocked_variants INTEGER NOT NULL DEFAULT 0,
    -- Variants at or below their own `low_stock_threshold`.
    low_variants     INTEGER NOT NULL DEFAULT 0,
    variant_count    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_stock_total_idx ON product_stock (total_stock, product_id);

-- Every product has its row from the start.
CREATE FUNCTION create_product_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_stock (product_id) VALUES (NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER products_create_stock AFTER INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION create_product_stock();

-- Adds a variant's contribution (or, negated, takes it away). The counters
-- move by differences, never by re-counting: concurrent changes to two
-- variants of one product queue on the row lock, and the second then adds
-- its difference to the first's committed result (a re-count would read
-- the variants as they were before the first committed and lose its
-- change). `products.in_stock` follows, written only when it flips, so
-- orders leave the wide product row alone.
CREATE FUNCTION add_product_stock(product BIGINT, units BIGINT, stocked INTEGER, low INTEGER, variants INTEGER)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stocked_now BOOLEAN;
BEGIN
    IF units = 0 AND stocked = 0 AND low = 0 AND variants = 0 THEN
        RETURN;
    END IF;
    UPDATE product_stock
       SET total_stock = total_stock + units, stocked_variants = stocked_variants + stocked,
           low_variants = low_variants + low, variant_count = variant_count + variants
     WHERE product_id = product
    RETURNING stocked_variants > 0 INTO stocked_now;
    -- No row: the product is being deleted with its variants.
    IF FOUND THEN
        UPDATE products SET in_stock = stocked_now WHERE id = product AND in_stock IS DISTINCT FROM stocked_now;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION refresh_product_in_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.product_id = OLD.product_id THEN
        PERFORM add_product_stock(NEW.product_id, NEW.stock::bigint - OLD.stock,
                                  (NEW.stock > 0)::int - (OLD.stock > 0)::int,
                                  (NEW.stock <= NEW.low_stock_threshold)::int - (OLD.stock <= OLD.low_stock_threshold)::int,
                                  0);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM add_product_stock(OLD.product_id, -OLD.stock::bigint, -(OLD.stock > 0)::int,
                                  -(OLD.stock <= OLD.low_stock_threshold)::int, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM add_product_stock(NEW.product_id, NEW.stock, (NEW.stock > 0)::int,
                                  (NEW.stock <= NEW.low_stock_threshold)::int, 1);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER variants_refresh_in_stock ON variants;
CREATE TRIGGER variants_refresh_in_stock
    AFTER INSERT OR DELETE OR UPDATE OF stock, low_stock_threshold, product_id ON variants
    FOR EACH ROW EXECUTE FUNCTION refresh_product_in_stock();

INSERT INTO product_stock (product_id, total_stock, stocked_variants, low_variants, variant_count)
SELECT p.id, coalesce(sum(v.stock), 0), count(v.id) FILTER (WHERE v.stock > 0),
       count(v.id) FILTER (WHERE v.stock <= v.low_stock_threshold), count(v.id)
  FROM products p LEFT JOIN variants v ON v.product_id = p.id
 GROUP BY p.id;
UPDATE products p SET in_stock = s.stocked_variants > 0
  FROM product_stock s WHERE s.product_id = p.id AND p.in_stock IS DISTINCT FROM (s.stocked_variants > 0);

-- Staff search: part of a name or a SKU, any case (`ILIKE '%…%'`), over
-- every product. The name's trigram index exists already.
CREATE INDEX products_sku_trgm_idx ON products USING gin (sku gin_trgm_ops);
CREATE INDEX variants_sku_trgm_idx ON variants USING gin (sku gin_trgm_ops);

-- Staff sorts over every product (the storefront's are partial, on listed
-- products only); `id` breaks ties so pages are stable.
CREATE INDEX products_name_idx ON products (name, id);
CREATE INDEX products_price_idx ON products (price_cents, id);
CREATE INDEX products_updated_idx ON products (updated_at, id);
-- The state filters, counted from the index alone.
CREATE INDEX products_state_idx ON products (archived_at, is_active);

-- Variants at or below their threshold, lowest stock first: the low-stock
-- report and the inventory's filter.
CREATE INDEX variants_low_stock_idx ON variants (stock, id) WHERE stock <= low_stock_threshold;

-- A variant's ledger, newest first, with a stable order inside one
-- transaction (rows of one transaction share `created_at`).
DROP INDEX inventory_ledger_variant_idx;
CREATE INDEX inventory_ledger_variant_idx ON inventory_ledger (variant_id, created_at DESC, id DESC);
