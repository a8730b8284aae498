-- Bulk writes (the catalog import) may set `nexus.bulk_stock_totals` for
-- their own transaction (`set_config(..., true)`) and then recount the
-- stock totals of the products they touched in one statement. The
-- per-row upkeep costs three statements per variant, one of them a
-- rewrite of the wide `products` row when `in_stock` flips: on a fresh
-- import of 20,000 products that was most of its time (10 s of 13).
-- Every other writer leaves the setting unset and keeps the per-row upkeep.
-- The condition sits on the triggers, so the functions stay as they are
-- and are not even called during a bulk write.

DROP TRIGGER products_create_stock ON products;
CREATE TRIGGER products_create_stock AFTER INSERT ON products
    FOR EACH ROW WHEN (current_setting('nexus.bulk_stock_totals', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION create_product_stock();

DROP TRIGGER variants_refresh_in_stock ON variants;
CREATE TRIGGER variants_refresh_in_stock
    AFTER INSERT OR DELETE OR UPDATE OF stock, low_stock_threshold, product_id ON variants
    FOR EACH ROW WHEN (current_setting('nexus.bulk_stock_totals', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION refresh_product_in_stock();
