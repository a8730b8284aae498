-- API tokens. Access tokens are short-lived JWTs checked against the user
-- row on every request (role, active flag, `tokens_valid_after`) and a
-- revocation list; refresh tokens are stored only as SHA-256 hashes and
-- rotate inside a family, so reuse of a spent one revokes the family.

-- The epoch, not '-infinity': chrono cannot represent infinite timestamps.
ALTER TABLE users ADD COLUMN tokens_valid_after TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';

CREATE TABLE refresh_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Access tokens revoked before they expire (logout). Rows past `expires_at`
-- are useless and deleted opportunistically.
CREATE TABLE revoked_access_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
