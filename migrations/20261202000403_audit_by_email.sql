-- A failed sign-in is recorded with the e-mail typed (there may be no
-- account), so an account's failures are found by its e-mail.
CREATE INDEX audit_events_email_idx ON audit_events (lower(email), occurred_at DESC) WHERE user_id IS NULL;
