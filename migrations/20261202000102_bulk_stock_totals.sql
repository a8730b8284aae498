-- Bulk writes (the catalog import) may set `nexus.bulk_stock_totals` for
-- their own transaction (`set_config(..., true)`) and then recount the
-- stock totals of the products they touched in one statement. The
-- per-row upkeep below costs three statements per variant, one of them a
-- rewrite of the wide `products` row when `in_stock` flips: on a fresh
-- import of 20,000 products that was most of its time (10 s of 13).
-- Every other writer leaves the setting unset and keeps the per-row upkeep.

CREATE OR REPLACE FUNCTION create_product_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('nexus.bulk_stock_totals', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO product_stock (product_id) VALUES (NEW.id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION refresh_product_in_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('nexus.bulk_stock_totals', true) = 'on' THEN
        RETURN NULL;
    END IF;
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
