-- Reviews by customers and the wishlist.
--
-- A product's `rating_count` and `rating_average` summarise its visible
-- reviews. They are kept by a trigger on `reviews`, so every change —
-- a review written, edited, deleted, hidden, shown, or removed with its
-- author's account — moves them in its own transaction. The trigger adds
-- and subtracts (`rating_sum` beside the count) instead of recounting:
-- `x = x + d` is applied to the newest row version even when concurrent
-- reviews of one product wait on each other, where a recount would read a
-- snapshot taken before the wait and lose the other's review.

ALTER TABLE products ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0);

CREATE TABLE reviews (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id        BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating            SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title             TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body              TEXT NOT NULL CHECK (length(body) <= 5000),
    verified_purchase BOOLEAN NOT NULL,
    hidden_at         TIMESTAMPTZ,
    hidden_by         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- One review per customer and product; they edit it instead.
    UNIQUE (product_id, user_id)
);
-- A product's visible reviews, newest first and best first.
CREATE INDEX reviews_product_newest_idx ON reviews (product_id, created_at DESC, id DESC) WHERE hidden_at IS NULL;
CREATE INDEX reviews_product_rating_idx ON reviews (product_id, rating DESC, created_at DESC, id DESC)
    WHERE hidden_at IS NULL;
-- Moderation: everything, newest first; one author's reviews.
CREATE INDEX reviews_newest_idx ON reviews (created_at DESC, id DESC);
CREATE INDEX reviews_user_idx ON reviews (user_id);

CREATE FUNCTION reviews_keep_product_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.hidden_at IS NULL THEN
        UPDATE products
        SET rating_count = rating_count - 1,
            rating_sum = rating_sum - OLD.rating,
            rating_average = CASE WHEN rating_count - 1 = 0 THEN NULL
                                  ELSE round((rating_sum - OLD.rating)::numeric / (rating_count - 1), 2) END
        WHERE id = OLD.product_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hidden_at IS NULL THEN
        UPDATE products
        SET rating_count = rating_count + 1,
            rating_sum = rating_sum + NEW.rating,
            rating_average = round((rating_sum + NEW.rating)::numeric / (rating_count + 1), 2)
        WHERE id = NEW.product_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reviews_keep_product_rating
    AFTER INSERT OR DELETE OR UPDATE OF rating, hidden_at, product_id ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_keep_product_rating();

-- Saved products. The price when saved tells the wishlist page whether the
-- price dropped since.
CREATE TABLE wishlist_items (
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id        BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    saved_price_cents BIGINT NOT NULL CHECK (saved_price_cents >= 0),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, product_id)
);
CREATE INDEX wishlist_items_user_created_idx ON wishlist_items (user_id, created_at DESC);
CREATE INDEX wishlist_items_product_idx ON wishlist_items (product_id);
