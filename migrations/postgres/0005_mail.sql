-- Every mail Convene sends, or would send while SMTP is off: a retried
-- job finds its mail by `idempotency_key` and does not send it twice, and
-- an operator can see what went out, what waits and why it failed.
-- Instants are Unix milliseconds (UTC); ids are text UUIDs.

-- `ics` is the whole VCALENDAR (RFC 5545) sent with the mail and
-- `ics_method` its iTIP method (RFC 5546); both NULL for mail without a
-- calendar. `sent_at` is set when the SMTP server accepted the mail;
-- `last_error` keeps the latest failure (cleared on success).
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    ics             TEXT,
    ics_method      TEXT CHECK (ics_method IN ('REQUEST', 'CANCEL')),
    locale          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT,
    CHECK ((ics IS NULL) = (ics_method IS NULL))
);
-- "What is still waiting", oldest first.
CREATE INDEX mail_outbox_unsent ON mail_outbox (created_at) WHERE sent_at IS NULL;
