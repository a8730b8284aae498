-- A list narrowed to a category subtree and a price range: its capped
-- count (up to 10,001 matches, `catalog::listing::counted_total`) had no
-- index holding both, so it ANDed a bitmap of the subtree with one of
-- every listed product in the price range — 381,115 entries for 50 to
-- 200 in the biggest department at a million products — and read the heap
-- for `in_stock`: 89 ms a count (`EXPLAIN ANALYZE`, warm). This index
-- holds the subtree's products in price order with their stock flag, so
-- the count is one index-only range per category: 2.6 ms. Pages sorted by
-- price keep walking the price index.
CREATE INDEX products_listed_category_price_idx
    ON products (category_id, price_cents, id) INCLUDE (in_stock)
    WHERE product_is_listed(is_active, archived_at);
