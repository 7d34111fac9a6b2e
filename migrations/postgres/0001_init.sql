-- Accounts, sessions, meetings and their chat.
-- Instants are Unix milliseconds (UTC); ids are text UUIDs.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    locale        TEXT,
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE meetings (
    id           TEXT PRIMARY KEY,
    room         TEXT NOT NULL UNIQUE,
    organizer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL CHECK (ends_at > starts_at),
    time_zone    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX meetings_organizer_start ON meetings (organizer_id, starts_at);

CREATE TABLE meeting_invitees (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    PRIMARY KEY (meeting_id, email)
);
CREATE INDEX meeting_invitees_email ON meeting_invitees (email);

CREATE TABLE chat_messages (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    sender_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    sender_name    TEXT NOT NULL,
    body           TEXT NOT NULL,
    sent_at        BIGINT NOT NULL
);
CREATE INDEX chat_messages_meeting_sent ON chat_messages (meeting_id, sent_at);
