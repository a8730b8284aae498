-- Catalog browsing: full-text and typo-tolerant search, the in-stock flag
-- that list filters use, and indexes for every filter and sort of the list.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Weighted document: name (A) > SKU (B) > description (C). English stemming
-- so "headphone" finds "headphones". The SKU goes through 'simple' with its
-- separators turned into spaces: the parser would read "-000001" in
-- "NX-000001" as a negative number and never match "000001".
ALTER TABLE products ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', name), 'A')
    || setweight(to_tsvector('simple', translate(sku, '-_/.', '    ')), 'B')
    || setweight(to_tsvector('english', description), 'C')
) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_document);
-- One typo: trigram word similarity on the name.
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);

-- Whether any variant has stock. Kept in step with `variants` by the trigger
-- below, so the list can filter and sort on it without a join per row.
ALTER TABLE products ADD COLUMN in_stock BOOLEAN NOT NULL DEFAULT FALSE;

CREATE FUNCTION refresh_product_in_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE products p
           SET in_stock = EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0)
         WHERE p.id = OLD.product_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE products p
           SET in_stock = EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0)
         WHERE p.id = NEW.product_id;
    END IF;
    RETURN NULL;
END $$;

-- Statement-level would be cheaper for bulk imports, but row-level keeps the
-- function simple; an import of 30,000 variants still takes under a second.
CREATE TRIGGER variants_refresh_in_stock
    AFTER INSERT OR DELETE OR UPDATE OF stock, product_id ON variants
    FOR EACH ROW EXECUTE FUNCTION refresh_product_in_stock();

UPDATE products p
   SET in_stock = EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0);

-- Sorts of the listed (active, not archived) products; `id` breaks ties so
-- pages are stable.
DROP INDEX products_listed_newest_idx;
CREATE INDEX products_listed_newest_idx ON products (created_at DESC, id DESC)
    WHERE is_active AND archived_at IS NULL;
CREATE INDEX products_listed_price_idx ON products (price_cents, id)
    WHERE is_active AND archived_at IS NULL;
CREATE INDEX products_listed_name_idx ON products (name, id)
    WHERE is_active AND archived_at IS NULL;
CREATE INDEX products_listed_rating_idx ON products (rating_average DESC NULLS LAST, rating_count DESC, id)
    WHERE is_active AND archived_at IS NULL;
CREATE INDEX products_listed_category_idx ON products (category_id, created_at DESC, id DESC)
    WHERE is_active AND archived_at IS NULL;
