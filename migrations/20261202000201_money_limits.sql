-- Money can never wrap: prices and quantities have ceilings (the services
-- refuse more with a 422 first), and an order's subtotal must equal the sum
-- of its lines, checked when the transaction commits (lines are inserted
-- after their order). With these ceilings a line is at most ~10^12 cents,
-- far from where a BIGINT sum could overflow.

ALTER TABLE products ADD CONSTRAINT products_price_cents_max CHECK (price_cents <= 1000000000);
ALTER TABLE variants ADD CONSTRAINT variants_price_cents_max CHECK (price_cents <= 1000000000);
ALTER TABLE cart_items ADD CONSTRAINT cart_items_quantity_max CHECK (quantity <= 999);
ALTER TABLE order_items ADD CONSTRAINT order_items_quantity_max CHECK (quantity <= 999);
ALTER TABLE order_items ADD CONSTRAINT order_items_unit_price_cents_max CHECK (unit_price_cents <= 1000000000);

CREATE FUNCTION orders_check_subtotal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    checked_order BIGINT;
    stated BIGINT;
    summed NUMERIC;
BEGIN
    -- Separate branches: an expression naming a column the row type lacks
    -- fails even where it is not evaluated.
    IF TG_TABLE_NAME = 'orders' THEN
        checked_order := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        checked_order := OLD.order_id;
    ELSE
        checked_order := NEW.order_id;
    END IF;
    SELECT subtotal_cents INTO stated FROM orders WHERE id = checked_order;
    IF NOT FOUND THEN
        RETURN NULL; -- the order went, its lines with it
    END IF;
    SELECT coalesce(sum(line_total_cents), 0) INTO summed FROM order_items WHERE order_id = checked_order;
    IF summed <> stated THEN
        RAISE EXCEPTION 'order % has subtotal % but its lines add up to %', checked_order, stated, summed
            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_subtotal_equals_lines';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER orders_subtotal_equals_lines
    AFTER INSERT OR UPDATE OF subtotal_cents ON orders
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION orders_check_subtotal();

CREATE CONSTRAINT TRIGGER order_items_add_up_to_subtotal
    AFTER INSERT OR UPDATE OF line_total_cents, order_id OR DELETE ON order_items
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION orders_check_subtotal();
