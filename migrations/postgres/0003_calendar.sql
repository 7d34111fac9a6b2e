-- Recurring meetings (RFC 5545 RRULE, EXDATE, RECURRENCE-ID overrides),
-- attendees' answers, reminders, iCalendar identity and private feeds.

-- `rrule` is the RRULE value (no `RRULE:` prefix), NULL for a single
-- meeting; `starts_at`/`ends_at` are then the first occurrence. The
-- series is expanded in `time_zone`. `last_ends_at` is the end of the last
-- occurrence (NULL: the series never ends), so a range query needs no
-- expansion to find candidates.
ALTER TABLE meetings ADD COLUMN rrule TEXT;
ALTER TABLE meetings ADD COLUMN last_ends_at BIGINT;
ALTER TABLE meetings ADD COLUMN ical_uid TEXT NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN description TEXT NOT NULL DEFAULT '';
UPDATE meetings SET last_ends_at = ends_at, ical_uid = id || '@convene';
CREATE INDEX meetings_organizer_last_end ON meetings (organizer_id, last_ends_at);
-- Importing the same event again updates it instead of copying it.
CREATE UNIQUE INDEX meetings_organizer_uid ON meetings (organizer_id, ical_uid);

-- Occurrences removed from a series, by their original start (Unix ms).
CREATE TABLE meeting_exdates (
    meeting_id        TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    original_start_ms BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, original_start_ms)
);

-- Occurrences moved or renamed: RECURRENCE-ID is the original start.
CREATE TABLE meeting_overrides (
    meeting_id        TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    original_start_ms BIGINT NOT NULL,
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL CHECK (ends_at > starts_at),
    title             TEXT,
    PRIMARY KEY (meeting_id, original_start_ms)
);
CREATE INDEX meeting_overrides_start ON meeting_overrides (starts_at);

-- An attendee's answer (RFC 5545 PARTSTAT): needs-action, accepted,
-- tentative or declined.
ALTER TABLE meeting_invitees ADD COLUMN partstat TEXT NOT NULL DEFAULT 'needs-action'
    CHECK (partstat IN ('needs-action', 'accepted', 'tentative', 'declined'));
ALTER TABLE meeting_invitees ADD COLUMN responded_at BIGINT;

-- Minutes before each occurrence's start that a reminder goes out.
CREATE TABLE meeting_reminders (
    meeting_id     TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    minutes_before INTEGER NOT NULL CHECK (minutes_before >= 0),
    PRIMARY KEY (meeting_id, minutes_before)
);
INSERT INTO meeting_reminders (meeting_id, minutes_before) SELECT id, 10 FROM meetings;

-- Private calendar feeds: the secret is in the URL, only its SHA-256 here.
CREATE TABLE calendar_feeds (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id);

-- A second zone shown beside the first in the calendar (IANA name).
ALTER TABLE users ADD COLUMN second_time_zone TEXT;
