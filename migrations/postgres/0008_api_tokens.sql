-- Personal API tokens for `/api/v1`: `Authorization: Bearer cvn_...`.
-- The secret is shown once when made; only its SHA-256 (hex) is kept.
-- Revoked tokens keep their row (revoked_at set) so the list of what
-- existed stays auditable; they no longer authenticate.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
