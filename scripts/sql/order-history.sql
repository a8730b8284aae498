-- A realistic order history, loaded in bulk: :orders orders over the last
-- 365 days by 5,000 customers, 1–3 lines each of real listed variants at
-- their current prices. Every invariant checkout keeps holds: the subtotal
-- is the sum of the lines (the deferred check runs at COMMIT), shipping and
-- tax follow the default pricing (standard 4.99, free from 50.00, 8 % tax
-- rounded half up), each order's history walks the status machine
-- (pending → paid → shipped → delivered; cancelled after paid; refunded
-- after delivered), paid orders have their charge and given-back ones their
-- refund. Stock is not taken: these are orders of the past.
-- It can run again: the new orders take the next numbers.
-- psql -v orders=200000 -f scripts/sql/order-history.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO users (email, name, password_hash)
SELECT 'buyer' || n || '@history.test', 'Buyer ' || n, 'unused' FROM generate_series(1, 5000) AS n
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE pick ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY v.id) - 1 AS k, v.id AS variant_id, p.slug, v.sku,
       CASE WHEN v.name = 'Default' THEN p.name ELSE p.name || ' (' || v.name || ')' END AS name,
       COALESCE(v.price_cents, p.price_cents) AS price
FROM variants v JOIN products p ON p.id = v.product_id
WHERE p.is_active AND p.archived_at IS NULL;
CREATE TEMP TABLE shape ON COMMIT DROP AS
SELECT n,
       1 + n % 3 AS lines,
       date_trunc('second', now() - make_interval(days => n % 365, secs => (n * 7919) % 86400)) AS at,
       (ARRAY['delivered', 'delivered', 'delivered', 'delivered', 'shipped', 'paid', 'paid', 'cancelled',
              'refunded', 'pending'])[1 + (n * 31) % 10] AS status,
       (SELECT min(id) FROM users WHERE email LIKE 'buyer%@history.test') + n % 5000 AS user_id,
       -- Numbers after every order the store has: the sequence goes on from the last.
       'NX-' || to_char(now() - make_interval(days => n % 365), 'YYYY') || '-'
           || lpad((n + (SELECT last_value FROM order_number_seq))::text, 6, '0') AS number
FROM generate_series(1, :orders) AS n;
CREATE TEMP TABLE line ON COMMIT DROP AS
SELECT s.n, l, pk.variant_id, pk.slug, pk.sku, pk.name, pk.price, 1 + (s.n + l) % 2 AS qty
FROM shape s
CROSS JOIN generate_series(1, 3) AS l
CROSS JOIN (SELECT count(*) AS c FROM pick) pc
JOIN pick pk ON pk.k = (s.n::bigint * 7 + l * 104729) % pc.c
WHERE l <= s.lines;
INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents, total_cents,
                    shipping_method, shipping_address, created_at, updated_at)
SELECT s.number, s.user_id, s.status, 'USD', t.subtotal, x.shipping, x.tax, t.subtotal + x.shipping + x.tax,
       'standard',
       jsonb_build_object('full_name', 'Buyer ' || s.n, 'line1', s.n || ' Market Street', 'line2', NULL,
                          'city', 'Springfield', 'postal_code', '12345', 'country', 'US', 'phone', NULL),
       s.at, s.at
FROM shape s
JOIN (SELECT n, sum(price * qty)::bigint AS subtotal FROM line GROUP BY n) t USING (n)
CROSS JOIN LATERAL (SELECT CASE WHEN t.subtotal >= 5000 THEN 0 ELSE 499 END AS shipping,
                           (t.subtotal * 800 + 5000) / 10000 AS tax) x;
INSERT INTO order_items (order_id, variant_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents)
SELECT o.id, l.variant_id, l.slug, l.sku, l.name, l.price, l.qty, l.price * l.qty
FROM line l JOIN shape s USING (n) JOIN orders o ON o.number = s.number
ORDER BY o.id, l.l;
-- The walk of each final status, with the time each step took.
INSERT INTO order_status_history (order_id, status, actor_id, note, at)
SELECT o.id, step.status, CASE WHEN step.status IN ('pending', 'cancelled') THEN s.user_id END, NULL, s.at + step.after
FROM shape s JOIN orders o ON o.number = s.number
CROSS JOIN LATERAL (
  SELECT * FROM (VALUES
    ('pending', interval '0', ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded']),
    ('paid', interval '1 minute', ARRAY['paid', 'shipped', 'delivered', 'cancelled', 'refunded']),
    ('shipped', interval '1 day', ARRAY['shipped', 'delivered', 'refunded']),
    ('delivered', interval '3 days', ARRAY['delivered', 'refunded']),
    ('cancelled', interval '2 hours', ARRAY['cancelled']),
    ('refunded', interval '6 days', ARRAY['refunded'])
  ) AS walk(status, after, reached_by) WHERE s.status = ANY (walk.reached_by)
) step
ORDER BY o.id, step.after;
INSERT INTO payments (order_id, provider, kind, status, amount_cents, reference, card_last4, created_at)
SELECT o.id, 'simulated', 'charge', CASE WHEN o.status = 'pending' THEN 'pending' ELSE 'succeeded' END,
       o.total_cents, 'history-charge-' || o.number, '4242', o.created_at
FROM orders o JOIN shape s ON s.number = o.number;
INSERT INTO payments (order_id, provider, kind, status, amount_cents, reference, idempotency_key, created_at)
SELECT o.id, 'simulated', 'refund', 'succeeded', o.total_cents, 'history-refund-' || o.number, 'refund-' || o.number,
       o.created_at + interval '6 days'
FROM orders o JOIN shape s ON s.number = o.number WHERE o.status IN ('cancelled', 'refunded');
SELECT setval('order_number_seq', (SELECT last_value FROM order_number_seq) + :orders);
COMMIT;
VACUUM ANALYZE orders;
VACUUM ANALYZE order_items;
VACUUM ANALYZE order_status_history;
VACUUM ANALYZE payments;
