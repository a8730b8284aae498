-- Browsers a user has signed in from. A device token (kept in an HttpOnly
-- cookie) lets its owner sign in while someone else's wrong guesses hold the
-- account's counter at its limit; only its SHA-256 is stored.
CREATE TABLE known_devices (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX known_devices_user_idx ON known_devices (user_id);
CREATE INDEX known_devices_created_idx ON known_devices (created_at);
