-- The durable job queue (reminders, emails, pushes) and the record of
-- deliveries that makes running a job twice harmless.
-- Instants are Unix milliseconds (UTC); ids are text UUIDs.

-- A job is 'pending' until a worker claims it ('running', with a lease
-- until `locked_until`), then 'done', or 'pending' again with a later
-- `run_at` after a failed attempt, or 'failed' after its last attempt.
-- `idempotency_key` makes enqueueing the same work twice a no-op.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    run_at          BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
    locked_until    BIGINT,
    locked_by       TEXT,
    last_error      TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
-- Claiming looks for due 'pending' jobs and expired 'running' leases.
CREATE INDEX jobs_claim ON jobs (status, run_at);

-- Effects already delivered, by the handler's idempotency key.
CREATE TABLE deliveries (
    idempotency_key TEXT PRIMARY KEY,
    delivered_at    BIGINT NOT NULL
);
