-- Where a shipped parcel is: the carrier and its tracking number (and a
-- link when the carrier has one), set by staff when they mark an order
-- shipped and shown to the shopper. All three are NULL until then.
ALTER TABLE orders
    ADD COLUMN tracking_carrier TEXT CHECK (length(tracking_carrier) BETWEEN 1 AND 60),
    ADD COLUMN tracking_number  TEXT CHECK (length(tracking_number) BETWEEN 1 AND 100),
    ADD COLUMN tracking_url     TEXT CHECK (length(tracking_url) <= 500 AND tracking_url ~ '^https?://'),
    ADD CONSTRAINT orders_tracking_whole CHECK (
        (tracking_carrier IS NULL) = (tracking_number IS NULL)
        AND (tracking_url IS NULL OR tracking_number IS NOT NULL)
    );

-- Staff search orders by a prefix of the customer's e-mail.
CREATE INDEX users_email_prefix_idx ON users (lower(email) text_pattern_ops);
