-- In-app notifications: what the bell counts and the list page shows.
-- Written in the recipient's language when created. `idempotency_key`
-- makes a retried job add a notification at most once. Instants are Unix
-- milliseconds (UTC); ids are text UUIDs.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    url             TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT
);
-- The list page (newest first) and the unread count.
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
