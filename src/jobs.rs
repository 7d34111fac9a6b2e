//! The durable job queue: background work (reminders, emails, pushes) kept
//! in the `jobs` table so that it survives restarts and is never lost.
//!
//! - [`enqueue`] adds a job, inside the caller's transaction when given one,
//!   so "create a meeting + enqueue its invitations" is atomic. A second
//!   job with the same idempotency key is ignored.
//! - A [`Worker`] claims due jobs with a lease (default 60 s), runs each
//!   with the [`JobHandler`] registered for its kind, and records the
//!   outcome: done; pending again after an exponential [`Backoff`]; or
//!   failed after its last attempt (or at once for an unknown kind).
//! - A job whose worker stopped (crash, deploy, shutdown past the grace
//!   period) keeps its lease until it expires, then runs again. Jobs are
//!   therefore delivered at least once, and handlers must be idempotent
//!   per idempotency key: [`mark_delivered`] (same transaction as the
//!   effect) and [`deliver_once`] (effects outside the database) make a
//!   second run a no-op.
//!
//! Instants are Unix milliseconds (UTC) from this process's clock; servers
//! sharing a database are assumed to keep their clocks in sync (NTP) to
//! well within a lease.

use crate::db::{new_id, now_ms, Backend, Db};
use crate::error::{AppError, AppResult};
use futures::FutureExt as _;
use sqlx::Row as _;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

/// How many times a job runs before it fails, unless [`NewJob::max_attempts`]
/// says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// The longest `last_error` kept, in bytes.
const MAX_ERROR_LEN: usize = 2000;

/// The earliest a [`JobError::RetryAt`] may ask for, after now (ms): keeps
/// a handler that always says "later" from spinning.
const MIN_RETRY_AT_DELAY_MS: i64 = 1000;

/// A job to add to the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// Which [`JobHandler`] runs it, e.g. `"reminder"`.
    pub kind: String,
    /// The handler's input, stored as JSON text.
    pub payload: serde_json::Value,
    /// When it becomes due (Unix ms, UTC).
    pub run_at_ms: i64,
    /// Unique per piece of work, e.g. `reminder:<meeting>:<start ms>:<minutes>`:
    /// enqueueing the same key again does nothing.
    pub idempotency_key: String,
    /// Runs before it is marked failed; at least 1.
    pub max_attempts: i32,
}

impl NewJob {
    /// A job due now with [`DEFAULT_MAX_ATTEMPTS`].
    pub fn new(
        kind: impl Into<String>,
        idempotency_key: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            run_at_ms: now_ms(),
            idempotency_key: idempotency_key.into(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Due at `run_at_ms` (Unix ms, UTC) instead of now.
    #[must_use]
    pub fn run_at(mut self, run_at_ms: i64) -> Self {
        self.run_at_ms = run_at_ms;
        self
    }

    /// At most `max_attempts` runs (values below 1 count as 1).
    #[must_use]
    pub fn max_attempts(mut self, max_attempts: i32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }
}

/// Adds `job` to the queue; returns `true` when it is new, `false` when a
/// job with the same idempotency key already exists (that one is kept
/// unchanged, whatever its status).
///
/// `executor` is the pool, a connection or `&mut *transaction`: inside a
/// transaction the job exists only if the transaction commits. Call
/// [`Jobs::wake`] after the commit so this process's worker runs a due job
/// at once (otherwise it does within one poll interval).
///
/// # Errors
/// [`AppError::Internal`] when the database fails (the cause is logged).
pub async fn enqueue<'e, E>(executor: E, job: &NewJob) -> AppResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let payload = serde_json::to_string(&job.payload)
        .map_err(|e| AppError::internal("jobs: payload to JSON", e))?;
    let result = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, status, \
                           idempotency_key, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, 'pending', $6, $7) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(&job.kind)
    .bind(payload)
    .bind(job.run_at_ms)
    .bind(job.max_attempts.max(1))
    .bind(&job.idempotency_key)
    .bind(now_ms())
    .execute(executor)
    .await
    .map_err(|e| AppError::internal("jobs: enqueue", e))?;
    Ok(result.rows_affected() == 1)
}

/// The queue as server functions see it: the pool and the signal that
/// wakes this process's worker. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Jobs {
    db: Db,
    wake: Arc<Notify>,
}

impl Jobs {
    /// A handle on the queue in `db`.
    pub fn new(db: Db) -> Self {
        Jobs {
            db,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The pool the queue lives in.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// [`enqueue`] on the pool, then [`Jobs::wake`].
    ///
    /// # Errors
    /// As [`enqueue`].
    pub async fn enqueue(&self, job: &NewJob) -> AppResult<bool> {
        let added = enqueue(&self.db, job).await?;
        if added {
            self.wake();
        }
        Ok(added)
    }

    /// Makes this process's worker look for due jobs now instead of at its
    /// next poll (e.g. after committing a transaction that enqueued some).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The queue from the reactive context (provided once at start-up).
///
/// # Errors
/// [`AppError::Internal`] if it was not provided.
pub fn use_jobs() -> AppResult<Jobs> {
    leptos::prelude::use_context::<Jobs>()
        .ok_or_else(|| AppError::internal("context", "Jobs not provided"))
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for `run_at`, or for a retry.
    Pending,
    /// Claimed by a worker whose lease has not expired (or has, and the job
    /// is about to be claimed again).
    Running,
    /// Its handler succeeded.
    Done,
    /// Its last attempt failed, the error was permanent, or no handler
    /// knows its kind.
    Failed,
}

impl JobStatus {
    /// The value in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// Reads a `status` column value; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(JobStatus::Pending),
            "running" => Some(JobStatus::Running),
            "done" => Some(JobStatus::Done),
            "failed" => Some(JobStatus::Failed),
            _ => None,
        }
    }
}

/// A job as stored, for operators and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub status: JobStatus,
    /// Runs started so far (claims), including one in progress.
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it is (or was last) due, Unix ms.
    pub run_at_ms: i64,
    /// The current or last lease's end, Unix ms; `None` once it finished
    /// or went back to pending.
    pub locked_until_ms: Option<i64>,
    /// The worker holding (or last holding) the lease.
    pub locked_by: Option<String>,
    /// The latest failure's message (kept after a later success).
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    /// When it became done or failed, Unix ms.
    pub finished_at_ms: Option<i64>,
}

/// The job enqueued with `idempotency_key`, if any.
///
/// # Errors
/// [`AppError::Internal`] when the database fails or holds an unknown
/// status.
pub async fn find_job(db: &Db, idempotency_key: &str) -> AppResult<Option<JobRecord>> {
    let row = sqlx::query(
        "SELECT id, kind, status, attempts, max_attempts, run_at, locked_until, locked_by, \
                last_error, created_at, finished_at \
         FROM jobs WHERE idempotency_key = $1",
    )
    .bind(idempotency_key)
    .fetch_optional(db)
    .await
    .map_err(|e| AppError::internal("jobs: find", e))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status: String = row.try_get("status")?;
    let status = JobStatus::parse(&status)
        .ok_or_else(|| AppError::internal("jobs: find", format!("unknown status {status:?}")))?;
    Ok(Some(JobRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        status,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at_ms: row.try_get("run_at")?,
        locked_until_ms: row.try_get("locked_until")?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
        created_at_ms: row.try_get("created_at")?,
        finished_at_ms: row.try_get("finished_at")?,
    }))
}

/// A job a worker holds the lease on, as its handler sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    /// This run's number: 1 on the first run.
    pub attempt: i32,
    pub max_attempts: i32,
    /// When it was due, Unix ms.
    pub run_at_ms: i64,
    pub created_at_ms: i64,
    /// The lease's end (Unix ms): past it, another worker may run the job
    /// again.
    pub lease_until_ms: i64,
    /// The worker holding the lease; with `attempt` it identifies this run
    /// when the outcome is recorded.
    worker_id: String,
}

impl ClaimedJob {
    /// The payload as `T`.
    ///
    /// # Errors
    /// [`JobError::Permanent`] when it does not fit `T`: running it again
    /// would not help.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        T::deserialize(&self.payload)
            .map_err(|e| JobError::Permanent(format!("payload of a {} job: {e}", self.kind)))
    }
}

/// Claims up to `limit` due jobs for `worker_id`, each leased for `lease`:
/// pending jobs whose `run_at` has come, and running jobs whose lease
/// expired (their worker stopped) with attempts left. Each claim adds one
/// to `attempts`. A running job whose lease expired on its last attempt is
/// marked failed instead.
///
/// Atomic on both backends, so concurrent workers (in one process or many
/// sharing the database) never hold the same job: one `UPDATE ... WHERE id
/// IN (SELECT ...) RETURNING`, whose subquery on PostgreSQL takes `FOR
/// UPDATE SKIP LOCKED` (rows another worker is claiming are skipped, and a
/// row claimed meanwhile is re-checked and dropped), and on SQLite runs
/// under the database's single write lock.
///
/// [`Worker`] calls this; it is public for tools and tests.
///
/// # Errors
/// [`AppError::Internal`] when the database fails or its URL names an
/// unsupported backend.
pub async fn claim_due(
    db: &Db,
    worker_id: &str,
    lease: Duration,
    limit: usize,
) -> AppResult<Vec<ClaimedJob>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let backend = Backend::from_url(db.connect_options().database_url.as_str())
        .map_err(|e| AppError::internal("jobs: claim", format!("{e:#}")))?;
    let now = now_ms();
    // A read first: an idle queue costs no write (on SQLite every UPDATE
    // takes the database's write lock, even one that matches nothing).
    let any_due = sqlx::query(
        "SELECT id FROM jobs \
         WHERE (status = 'pending' AND run_at <= $1) \
            OR (status = 'running' AND locked_until < $1) \
         LIMIT 1",
    )
    .bind(now)
    .fetch_optional(db)
    .await
    .map_err(|e| AppError::internal("jobs: claim", e))?;
    if any_due.is_none() {
        return Ok(Vec::new());
    }
    // A job that keeps its worker from finishing (a crash, or a run longer
    // than the lease) must not come back forever.
    let expired = sqlx::query(
        "UPDATE jobs SET status = 'failed', finished_at = $1, locked_until = NULL, \
                last_error = 'the lease expired on the last attempt: the worker stopped or the \
                              run took longer than the lease' \
         WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| AppError::internal("jobs: claim", e))?;
    if expired.rows_affected() > 0 {
        tracing::error!(
            jobs = expired.rows_affected(),
            "jobs failed: lease expired on the last attempt"
        );
    }
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let lease_until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let rows = sqlx::query(&format!(
        "UPDATE jobs SET status = 'running', locked_until = $1, locked_by = $2, \
                attempts = attempts + 1 \
         WHERE id IN (\
             SELECT id FROM jobs \
             WHERE (status = 'pending' AND run_at <= $3) \
                OR (status = 'running' AND locked_until < $3 AND attempts < max_attempts) \
             ORDER BY run_at, id LIMIT $4{lock}) \
         RETURNING id, kind, payload, run_at, attempts, max_attempts, idempotency_key, \
                   created_at"
    ))
    .bind(lease_until)
    .bind(worker_id)
    .bind(now)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await
    .map_err(|e| AppError::internal("jobs: claim", e))?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        let attempt: i32 = row.try_get("attempts")?;
        let payload: String = row.try_get("payload")?;
        let payload = match serde_json::from_str(&payload) {
            Ok(payload) => payload,
            Err(e) => {
                // Only a hand-edited row gets here; it cannot run.
                let outcome = Outcome::Fail(format!("the payload is not JSON: {e}"));
                record(db, &id, worker_id, attempt, &kind, &outcome).await?;
                continue;
            }
        };
        claimed.push(ClaimedJob {
            id,
            kind,
            payload,
            idempotency_key: row.try_get("idempotency_key")?,
            attempt,
            max_attempts: row.try_get("max_attempts")?,
            run_at_ms: row.try_get("run_at")?,
            created_at_ms: row.try_get("created_at")?,
            lease_until_ms: lease_until,
            worker_id: worker_id.to_owned(),
        });
    }
    Ok(claimed)
}

/// Why a run did not succeed, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// A transient failure: run again after the [`Backoff`], unless this
    /// was the last attempt.
    #[error("{0}")]
    Retry(String),
    /// Running again would not help (bad payload, the meeting is gone):
    /// the job fails now.
    #[error("{0}")]
    Permanent(String),
    /// Not now, at `at_ms` (Unix ms; at least 1 s from now), e.g. while the
    /// mail server is down. Does not use up an attempt, so a handler that
    /// returns it must stop doing so eventually.
    #[error("retry at {at_ms}: {reason}")]
    RetryAt { at_ms: i64, reason: String },
}

impl JobError {
    /// [`JobError::Retry`] with `cause`'s message.
    pub fn retry(cause: impl std::fmt::Display) -> Self {
        JobError::Retry(cause.to_string())
    }

    /// [`JobError::Permanent`] with `cause`'s message.
    pub fn permanent(cause: impl std::fmt::Display) -> Self {
        JobError::Permanent(cause.to_string())
    }
}

impl From<sqlx::Error> for JobError {
    /// Database trouble is usually passing: retry.
    fn from(error: sqlx::Error) -> Self {
        JobError::Retry(format!("database: {error}"))
    }
}

impl From<AppError> for JobError {
    /// Infrastructure failures retry; rejected input and missing records
    /// are permanent.
    fn from(error: AppError) -> Self {
        match error {
            AppError::Internal | AppError::Transport(_) => JobError::Retry(error.to_string()),
            other => JobError::Permanent(other.to_string()),
        }
    }
}

/// The future a [`JobHandler`] returns.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Runs the jobs of one kind.
///
/// A job may run more than once (a worker stopped after the effect but
/// before recording it; a lease expired mid-run), so `run` must be
/// idempotent per [`ClaimedJob::idempotency_key`]: see [`mark_delivered`]
/// and [`deliver_once`]. It should finish well within the lease.
pub trait JobHandler: Send + Sync {
    /// The [`NewJob::kind`] it runs.
    fn kind(&self) -> &'static str;

    /// Runs `job`. `Ok` marks it done; see [`JobError`] for the rest. A
    /// panic counts as [`JobError::Retry`].
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> JobFuture<'a>;
}

/// A [`JobHandler`] for `kind` from an async closure (it gets its own copy
/// of the job).
pub fn handler_fn<F, Fut>(kind: &'static str, run: F) -> Arc<dyn JobHandler>
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    Arc::new(FnHandler { kind, run })
}

struct FnHandler<F> {
    kind: &'static str,
    run: F,
}

impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> JobFuture<'a> {
        Box::pin((self.run)(job.clone()))
    }
}

/// Records that the effect keyed `key` happened; `true` the first time,
/// `false` when it already had. Call it in the same transaction as an
/// effect stored in the database (an in-app notification) and skip the
/// effect on `false`: the effect then happens exactly once, however often
/// the job runs.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn mark_delivered<'e, E>(executor: E, key: &str) -> AppResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let result = sqlx::query(
        "INSERT INTO deliveries (idempotency_key, delivered_at) VALUES ($1, $2) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(now_ms())
    .execute(executor)
    .await
    .map_err(|e| AppError::internal("jobs: mark delivered", e))?;
    Ok(result.rows_affected() == 1)
}

/// Runs `effect` (an email, a push: something outside the database) unless
/// `key` was delivered already; returns whether it ran.
///
/// The delivery is recorded (and committed) before `effect` runs, and
/// removed again if `effect` fails, so the job's retry can try again. Two
/// runs of a job, even at the same time, therefore never both deliver. The
/// price: if the process dies during `effect`, the record stays and the
/// effect is not retried (at most once, never twice).
///
/// # Errors
/// `effect`'s error (after the record was removed), or
/// [`JobError::Retry`] when the database fails.
pub async fn deliver_once<F, Fut>(db: &Db, key: &str, effect: F) -> Result<bool, JobError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), JobError>>,
{
    if !mark_delivered(db, key).await? {
        return Ok(false);
    }
    if let Err(error) = effect().await {
        if let Err(cause) = sqlx::query("DELETE FROM deliveries WHERE idempotency_key = $1")
            .bind(key)
            .execute(db)
            .await
        {
            tracing::error!(%cause, key, "a failed delivery stays recorded and will not be retried");
        }
        return Err(error);
    }
    Ok(true)
}

/// The wait before a failed job runs again: `base_ms · 2^(attempt − 1)`, at
/// most `cap_ms`, shortened by up to a quarter at random so jobs that
/// failed together do not retry together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure (ms). Default 30 s.
    pub base_ms: i64,
    /// The longest wait (ms). Default 1 h.
    pub cap_ms: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 30_000,
            cap_ms: 3_600_000,
        }
    }
}

impl Backoff {
    /// The wait (ms) after the `attempt`-th run failed (1-based; lower
    /// counts as 1), before jitter.
    pub fn nominal_ms(&self, attempt: i32) -> i64 {
        let doublings = u32::try_from(attempt.max(1) - 1).unwrap_or(0).min(62);
        self.base_ms
            .max(0)
            .saturating_mul(1_i64 << doublings)
            .min(self.cap_ms.max(0))
    }

    /// The wait (ms) after the `attempt`-th run failed, with `jitter` in
    /// `[0, 1]` (clamped; not finite counts as 0): between ¾ of
    /// [`Backoff::nominal_ms`] (jitter 1) and all of it (jitter 0).
    pub fn delay_ms(&self, attempt: i32, jitter: f64) -> i64 {
        let nominal = self.nominal_ms(attempt);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // The float-to-int cast saturates; the product is at most nominal/4.
        nominal - (nominal as f64 * 0.25 * jitter) as i64
    }
}

/// How a [`Worker`] runs.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Names this worker in `locked_by` (default: `worker-<pid>-<random>`).
    pub worker_id: String,
    /// How often it looks for due jobs when not woken. Default 500 ms.
    pub poll_interval: Duration,
    /// How long a claim lasts; a job still running past it may run again
    /// elsewhere. Default 60 s.
    pub lease: Duration,
    /// Jobs run at the same time. Default 4.
    pub concurrency: usize,
    /// The waits between attempts.
    pub backoff: Backoff,
    /// On shutdown, how long running jobs may take to finish before they
    /// are abandoned (to run again when their lease expires). Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        let random = new_id();
        WorkerOptions {
            worker_id: format!(
                "worker-{}-{}",
                std::process::id(),
                random.get(..8).unwrap_or(&random)
            ),
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            concurrency: 4,
            backoff: Backoff::default(),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Runs queued jobs in the background.
pub struct Worker;

impl Worker {
    /// Starts a worker on the current tokio runtime that claims jobs from
    /// `jobs`' database, runs them with `handlers` (by [`JobHandler::kind`];
    /// a later handler for the same kind replaces an earlier one) and
    /// records their outcomes. [`Jobs::wake`] on `jobs` (or a clone) makes
    /// it look at once. Jobs of a kind no handler knows fail.
    ///
    /// Stop it with [`WorkerHandle::shutdown`]; dropping the handle stops
    /// it too, without waiting.
    pub fn spawn(
        jobs: &Jobs,
        handlers: Vec<Arc<dyn JobHandler>>,
        options: WorkerOptions,
    ) -> WorkerHandle {
        let mut registry: HashMap<&'static str, Arc<dyn JobHandler>> = HashMap::new();
        for handler in handlers {
            if registry.insert(handler.kind(), handler.clone()).is_some() {
                tracing::warn!(
                    kind = handler.kind(),
                    "two job handlers for one kind: the later one is used"
                );
            }
        }
        let (stop, stopped) = watch::channel(false);
        let worker_id = options.worker_id.clone();
        let task = tokio::spawn(run_worker(jobs.clone(), registry, options, stopped));
        WorkerHandle {
            stop,
            task: Some(task),
            worker_id,
        }
    }
}

/// A running [`Worker`].
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    worker_id: String,
}

impl WorkerHandle {
    /// The worker's `locked_by` name.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Stops claiming, lets running jobs finish for up to
    /// [`WorkerOptions::shutdown_grace`], abandons the rest (they run
    /// again when their lease expires) and returns when the worker is gone.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            if let Err(error) = task.await {
                tracing::error!(%error, "the job worker ended abnormally");
            }
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn run_worker(
    jobs: Jobs,
    registry: HashMap<&'static str, Arc<dyn JobHandler>>,
    options: WorkerOptions,
    mut stop: watch::Receiver<bool>,
) {
    let concurrency = options.concurrency.max(1);
    let worker_id: Arc<str> = Arc::from(options.worker_id.as_str());
    let mut running: JoinSet<()> = JoinSet::new();
    tracing::info!(worker = %worker_id, kinds = ?registry.keys().collect::<Vec<_>>(), "job worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        while let Some(finished) = running.try_join_next() {
            log_join(finished);
        }
        let free = concurrency.saturating_sub(running.len());
        let mut wait = options.poll_interval;
        match claim_due(&jobs.db, &worker_id, options.lease, free).await {
            Ok(claimed) => {
                for job in claimed {
                    let handler = registry.get(job.kind.as_str()).cloned();
                    running.spawn(execute(jobs.db.clone(), handler, job, options.backoff));
                }
            }
            // Already logged; a database that is down is not asked twice a
            // second.
            Err(_) => wait = wait.max(Duration::from_secs(5)),
        }
        let busy = running.len() >= concurrency;
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            Some(finished) = running.join_next(), if !running.is_empty() => log_join(finished),
            // With every slot taken, only a finished job makes room.
            () = jobs.wake.notified(), if !busy => {}
            () = tokio::time::sleep(wait), if !busy => {}
        }
    }
    let grace = tokio::time::timeout(options.shutdown_grace, async {
        while let Some(finished) = running.join_next().await {
            log_join(finished);
        }
    })
    .await;
    if grace.is_err() {
        tracing::warn!(
            worker = %worker_id,
            jobs = running.len(),
            "job worker stopping: abandoned running jobs run again when their lease expires"
        );
        running.shutdown().await;
    }
    tracing::info!(worker = %worker_id, "job worker stopped");
}

fn log_join(finished: Result<(), tokio::task::JoinError>) {
    if let Err(error) = finished {
        if !error.is_cancelled() {
            tracing::error!(%error, "a job task ended abnormally");
        }
    }
}

/// Runs one claimed job and records its outcome.
async fn execute(db: Db, handler: Option<Arc<dyn JobHandler>>, job: ClaimedJob, backoff: Backoff) {
    let result = match &handler {
        None => Err(JobError::Permanent(format!(
            "no handler for job kind {:?}",
            job.kind
        ))),
        Some(handler) => match AssertUnwindSafe(handler.run(&job)).catch_unwind().await {
            Ok(result) => result,
            Err(panic) => Err(JobError::Retry(format!(
                "the handler panicked: {}",
                panic_message(panic.as_ref())
            ))),
        },
    };
    let outcome = outcome_of(&job, result, &backoff, now_ms(), rand::random::<f64>());
    match &outcome {
        Outcome::Done => {}
        Outcome::Retry { error, at_ms, .. } => tracing::warn!(
            job = %job.id, kind = %job.kind, attempt = job.attempt, retry_at_ms = at_ms, error = %error,
            "job failed; it will run again"
        ),
        Outcome::Fail(error) => tracing::error!(
            job = %job.id, kind = %job.kind, attempt = job.attempt, error = %error,
            "job failed for good"
        ),
    }
    // Errors are logged inside; the lease expiring brings the job back.
    let _ = record(
        &db,
        &job.id,
        &job.worker_id,
        job.attempt,
        &job.kind,
        &outcome,
    )
    .await;
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// What becomes of a job after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Pending again at `at_ms`; `uses_attempt: false` gives the attempt
    /// back ([`JobError::RetryAt`]).
    Retry {
        error: String,
        at_ms: i64,
        uses_attempt: bool,
    },
    Fail(String),
}

/// Decides a run's [`Outcome`] at `now_ms`, with `jitter` in `[0, 1]` for
/// the backoff.
fn outcome_of(
    job: &ClaimedJob,
    result: Result<(), JobError>,
    backoff: &Backoff,
    now_ms: i64,
    jitter: f64,
) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(JobError::Permanent(error)) => Outcome::Fail(error),
        Err(JobError::Retry(error)) if job.attempt >= job.max_attempts => Outcome::Fail(error),
        Err(JobError::Retry(error)) => Outcome::Retry {
            error,
            at_ms: now_ms.saturating_add(backoff.delay_ms(job.attempt, jitter)),
            uses_attempt: true,
        },
        Err(JobError::RetryAt { at_ms, reason }) => Outcome::Retry {
            error: reason,
            at_ms: at_ms.max(now_ms.saturating_add(MIN_RETRY_AT_DELAY_MS)),
            uses_attempt: false,
        },
    }
}

/// Stores `outcome` for the run (`worker_id`, `attempt`) of job `id`;
/// nothing changes when that run no longer holds the job (its lease
/// expired and another run took it over).
async fn record(
    db: &Db,
    id: &str,
    worker_id: &str,
    attempt: i32,
    kind: &str,
    outcome: &Outcome,
) -> AppResult<()> {
    let now = now_ms();
    let query = match outcome {
        Outcome::Done => sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, locked_until = NULL \
             WHERE id = $2 AND status = 'running' AND locked_by = $3 AND attempts = $4",
        )
        .bind(now),
        Outcome::Retry { at_ms, .. } => sqlx::query(
            "UPDATE jobs SET status = 'pending', run_at = $1, last_error = $5, \
                    locked_until = NULL, locked_by = NULL, attempts = attempts - $6 \
             WHERE id = $2 AND status = 'running' AND locked_by = $3 AND attempts = $4",
        )
        .bind(*at_ms),
        Outcome::Fail(_) => sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, last_error = $5, \
                    locked_until = NULL \
             WHERE id = $2 AND status = 'running' AND locked_by = $3 AND attempts = $4",
        )
        .bind(now),
    }
    .bind(id)
    .bind(worker_id)
    .bind(attempt);
    let query = match outcome {
        Outcome::Done => query,
        Outcome::Retry {
            error,
            uses_attempt,
            ..
        } => query
            .bind(truncate(error, MAX_ERROR_LEN))
            .bind(if *uses_attempt { 0_i32 } else { 1_i32 }),
        Outcome::Fail(error) => query.bind(truncate(error, MAX_ERROR_LEN)),
    };
    let result = query
        .execute(db)
        .await
        .map_err(|e| AppError::internal("jobs: record outcome", e))?;
    if result.rows_affected() == 0 {
        tracing::warn!(
            job = id,
            kind,
            attempt,
            "job outcome not recorded: its lease expired and another run took it over"
        );
    }
    Ok(())
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(attempt: i32, max_attempts: i32) -> ClaimedJob {
        ClaimedJob {
            id: "id".to_owned(),
            kind: "test".to_owned(),
            payload: serde_json::Value::Null,
            idempotency_key: "key".to_owned(),
            attempt,
            max_attempts,
            run_at_ms: 0,
            created_at_ms: 0,
            lease_until_ms: 60_000,
            worker_id: "w".to_owned(),
        }
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds() {
        let backoff = Backoff::default();
        let waits: Vec<i64> = (1..=4).map(|a| backoff.nominal_ms(a)).collect();
        assert_eq!(waits, [30_000, 60_000, 120_000, 240_000]);
    }

    #[test]
    fn backoff_is_capped_at_one_hour() {
        let backoff = Backoff::default();
        // 30 s · 2^7 = 64 min: the first wait past the cap.
        assert_eq!(backoff.nominal_ms(7), 1_920_000);
        assert_eq!(backoff.nominal_ms(8), 3_600_000);
        assert_eq!(backoff.nominal_ms(50), 3_600_000);
    }

    #[test]
    fn backoff_survives_absurd_attempt_counts() {
        let backoff = Backoff::default();
        assert_eq!(backoff.nominal_ms(i32::MAX), 3_600_000);
        assert_eq!(backoff.nominal_ms(0), 30_000);
        assert_eq!(backoff.nominal_ms(-3), 30_000);
        let huge = Backoff {
            base_ms: i64::MAX / 2,
            cap_ms: i64::MAX,
        };
        assert_eq!(huge.nominal_ms(10), i64::MAX);
    }

    #[test]
    fn jitter_shortens_the_wait_by_at_most_a_quarter() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay_ms(1, 0.0), 30_000);
        assert_eq!(backoff.delay_ms(1, 1.0), 22_500);
        assert_eq!(backoff.delay_ms(1, 0.5), 26_250);
        // Out-of-range jitter is clamped rather than trusted.
        assert_eq!(backoff.delay_ms(1, 7.0), 22_500);
        assert_eq!(backoff.delay_ms(1, -1.0), 30_000);
        assert_eq!(backoff.delay_ms(1, f64::NAN), 30_000);
        for attempt in 1..=20 {
            for jitter in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let delay = backoff.delay_ms(attempt, jitter);
                assert!(delay <= backoff.nominal_ms(attempt));
                assert!(delay * 4 >= backoff.nominal_ms(attempt) * 3);
                assert!(delay <= 3_600_000);
            }
        }
    }

    #[test]
    fn a_failed_run_with_attempts_left_waits_for_the_backoff() {
        let outcome = outcome_of(
            &claimed(2, 5),
            Err(JobError::retry("smtp said 451")),
            &Backoff::default(),
            1_000_000,
            0.0,
        );
        assert_eq!(
            outcome,
            Outcome::Retry {
                error: "smtp said 451".to_owned(),
                at_ms: 1_060_000,
                uses_attempt: true
            }
        );
    }

    #[test]
    fn a_failed_last_attempt_fails_the_job_with_its_error() {
        let outcome = outcome_of(
            &claimed(5, 5),
            Err(JobError::retry("smtp said 451")),
            &Backoff::default(),
            0,
            0.0,
        );
        assert_eq!(outcome, Outcome::Fail("smtp said 451".to_owned()));
    }

    #[test]
    fn a_permanent_error_fails_the_job_on_the_first_attempt() {
        let outcome = outcome_of(
            &claimed(1, 5),
            Err(JobError::permanent("meeting deleted")),
            &Backoff::default(),
            0,
            0.0,
        );
        assert_eq!(outcome, Outcome::Fail("meeting deleted".to_owned()));
    }

    #[test]
    fn retry_at_gives_the_attempt_back_and_is_never_sooner_than_a_second() {
        let later = outcome_of(
            &claimed(5, 5),
            Err(JobError::RetryAt {
                at_ms: 90_000,
                reason: "smtp down".to_owned(),
            }),
            &Backoff::default(),
            10_000,
            0.0,
        );
        assert_eq!(
            later,
            Outcome::Retry {
                error: "smtp down".to_owned(),
                at_ms: 90_000,
                uses_attempt: false
            }
        );
        let now = outcome_of(
            &claimed(1, 5),
            Err(JobError::RetryAt {
                at_ms: 0,
                reason: "busy".to_owned(),
            }),
            &Backoff::default(),
            10_000,
            0.0,
        );
        assert!(matches!(now, Outcome::Retry { at_ms: 11_000, .. }));
    }

    #[test]
    fn long_errors_are_cut_at_a_character_boundary() {
        assert_eq!(truncate("short", 10), "short");
        // 'я' is two bytes: a cut at 3 would split the second one.
        assert_eq!(truncate("яяя", 3), "я");
        assert_eq!(
            truncate(&"x".repeat(5000), MAX_ERROR_LEN).len(),
            MAX_ERROR_LEN
        );
    }

    #[test]
    fn new_job_needs_at_least_one_attempt() {
        let job = NewJob::new("k", "key", serde_json::json!({})).max_attempts(0);
        assert_eq!(job.max_attempts, 1);
    }
}
