-- Password-reset links: a random token e-mailed to the account's owner,
-- kept here only as its SHA-256 hash (a database leak hands out no working
-- link). A link works once, for an hour; using one, or any password change,
-- retires every other outstanding link of the account.
CREATE TABLE password_resets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
-- A user's outstanding links, retired together when one is used.
CREATE INDEX password_resets_user_idx ON password_resets (user_id) WHERE used_at IS NULL;
-- The hourly sweep deletes links a day after they expired.
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
