-- Web push (RFC 8030): the browsers that asked for notifications, and the
-- server's VAPID key pair (RFC 8292) that identifies it to push services.
-- Instants are Unix milliseconds (UTC); ids are text UUIDs.

-- One row per browser subscription. `endpoint` is the push service URL the
-- browser handed out (a capability: whoever knows it can send); `p256dh`
-- (65-byte uncompressed P-256 point) and `auth` (16 bytes) are the
-- browser's RFC 8291 keys, base64url without padding. A subscription the
-- push service answers 404/410 for is deleted.
CREATE TABLE push_subscriptions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL UNIQUE,
    p256dh          TEXT NOT NULL,
    auth            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_success_at BIGINT,
    last_error      TEXT
);
-- "Every browser of this user", for each push job.
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);

-- The one VAPID key pair (ES256): made on first start, kept for good, since
-- browsers bind each subscription to the public key they subscribed with.
-- `private_key` is the raw 32-byte scalar, `public_key` the 65-byte
-- uncompressed point, both base64url without padding.
CREATE TABLE vapid_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
