-- Moderation: who was removed from which meeting (they cannot rejoin),
-- and chat messages deleted by a moderator (kept, never replayed).

CREATE TABLE meeting_removals (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    -- 'user:<id>' or 'guest:<id>' (the guest cookie).
    subject    TEXT NOT NULL,
    removed_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, subject)
);

ALTER TABLE chat_messages ADD COLUMN deleted_at BIGINT;
