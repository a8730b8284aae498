-- Which products shoppers may see and buy, stated once: every query that
-- lists, shows or sells products asks this function rather than spelling
-- the rule again. A one-line SQL function is inlined by the planner, so the
-- partial indexes on `is_active AND archived_at IS NULL` still serve those
-- queries (checked with EXPLAIN).
CREATE FUNCTION product_is_listed(is_active BOOLEAN, archived_at TIMESTAMPTZ) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT is_active AND archived_at IS NULL $$;
