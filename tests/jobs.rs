//! The job queue against a real database: SQLite by default, a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set.
//!
//! Workers here poll every 20–50 ms (the server's default is 500 ms) so the
//! tests are quick; each waits with a deadline instead of fixed sleeps
//! where it can.

#![cfg(feature = "ssr")]

mod common;

use common::TestDatabase;
use convene::db::{connect, now_ms, Db};
use convene::jobs::{
    claim_due, deliver_once, enqueue, find_job, handler_fn, mark_delivered, Backoff, ClaimedJob,
    JobError, JobHandler, JobRecord, JobStatus, Jobs, NewJob, Worker, WorkerOptions,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for something that should happen.
const PATIENCE: Duration = Duration::from_secs(15);

/// A fresh database; a PostgreSQL one is dropped with it.
struct TestDb(TestDatabase);

impl TestDb {
    async fn new() -> TestDb {
        TestDb(TestDatabase::new("jobs").await)
    }

    /// A new pool on the database, as a server process would open it.
    async fn pool(&self) -> Db {
        connect(&self.0.url).await.expect("open the test database")
    }
}

/// Worker options for tests: quick polls, a given worker name.
fn options(worker_id: &str) -> WorkerOptions {
    WorkerOptions {
        worker_id: worker_id.to_owned(),
        poll_interval: Duration::from_millis(20),
        ..WorkerOptions::default()
    }
}

/// Runs of each idempotency key, and when they happened.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<HashMap<String, Vec<Instant>>>>);

impl Runs {
    fn note(&self, job: &ClaimedJob) {
        self.0
            .lock()
            .expect("runs lock")
            .entry(job.idempotency_key.clone())
            .or_default()
            .push(Instant::now());
    }

    fn count(&self, key: &str) -> usize {
        self.0
            .lock()
            .expect("runs lock")
            .get(key)
            .map_or(0, Vec::len)
    }

    fn times(&self, key: &str) -> Vec<Instant> {
        self.0
            .lock()
            .expect("runs lock")
            .get(key)
            .cloned()
            .unwrap_or_default()
    }

    fn total(&self) -> usize {
        self.0
            .lock()
            .expect("runs lock")
            .values()
            .map(Vec::len)
            .sum()
    }
}

/// A handler of kind `kind` that notes each run and succeeds.
fn counting(kind: &'static str, runs: &Runs) -> Arc<dyn JobHandler> {
    let runs = runs.clone();
    handler_fn(kind, move |job| {
        runs.note(&job);
        async { Ok(()) }
    })
}

async fn job(db: &Db, key: &str) -> JobRecord {
    find_job(db, key)
        .await
        .expect("read the job")
        .unwrap_or_else(|| panic!("no job {key}"))
}

/// Waits until the job `key` has `status`, and returns it.
async fn wait_for_status(db: &Db, key: &str, status: JobStatus) -> JobRecord {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let record = job(db, key).await;
        if record.status == status {
            return record;
        }
        assert!(
            Instant::now() < deadline,
            "job {key} is still {:?} after {PATIENCE:?}, expected {status:?}: {record:?}",
            record.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn count_with_status(db: &Db, status: JobStatus) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE status = $1")
        .bind(status.as_str())
        .fetch_one(db)
        .await
        .expect("count jobs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_once_when_due_and_not_before() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    let due_ms = now_ms() + 800;
    let due = Instant::now() + Duration::from_millis(800);
    assert!(jobs
        .enqueue(&NewJob::new("ping", "ping-1", json!({"n": 1})).run_at(due_ms))
        .await
        .unwrap());
    let worker = Worker::spawn(&jobs, vec![counting("ping", &runs)], options("w1"));

    let record = wait_for_status(&db, "ping-1", JobStatus::Done).await;
    let times = runs.times("ping-1");
    assert_eq!(times.len(), 1);
    // run_at is whole ms of the wall clock, `due` an Instant: allow a few ms.
    assert!(
        times[0] + Duration::from_millis(5) >= due,
        "ran before it was due"
    );
    assert_eq!(record.attempts, 1);
    assert!(record.finished_at_ms.is_some_and(|t| t >= due_ms));
    assert_eq!(record.last_error, None);

    // Many more polls later it has still run once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs.count("ping-1"), 1);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_twice_with_the_same_key_exists_once() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let first = NewJob::new("ping", "same-key", json!({"version": 1}));
    let second = NewJob::new("ping", "same-key", json!({"version": 2})).run_at(now_ms() + 60_000);
    assert!(enqueue(&db, &first).await.unwrap());
    assert!(!enqueue(&db, &second).await.unwrap());

    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE idempotency_key = 'same-key'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(count, 1);
    // The first one is kept as it was.
    let payload: String =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE idempotency_key = 'same-key'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&payload).unwrap(),
        json!({"version": 1})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_in_a_rolled_back_transaction_does_not_exist() {
    let test = TestDb::new().await;
    let db = test.pool().await;

    let mut tx = db.begin().await.unwrap();
    assert!(
        enqueue(&mut *tx, &NewJob::new("mail", "rolled-back", json!({})))
            .await
            .unwrap()
    );
    tx.rollback().await.unwrap();
    assert_eq!(find_job(&db, "rolled-back").await.unwrap(), None);

    let mut tx = db.begin().await.unwrap();
    assert!(
        enqueue(&mut *tx, &NewJob::new("mail", "committed", json!({})))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(job(&db, "committed").await.status, JobStatus::Pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_wakes_an_idle_worker_in_the_same_process() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    // Polls so rarely that only the wake-up can explain a quick run.
    let worker = Worker::spawn(
        &jobs,
        vec![counting("ping", &runs)],
        WorkerOptions {
            poll_interval: Duration::from_secs(30),
            ..options("sleepy")
        },
    );
    // Let the worker reach its wait.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let enqueued = Instant::now();
    jobs.enqueue(&NewJob::new("ping", "woken", json!({})))
        .await
        .unwrap();
    wait_for_status(&db, "woken", JobStatus::Done).await;
    assert!(enqueued.elapsed() < Duration::from_secs(5));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_retried_with_backoff_then_fails_with_its_error() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    let failing = {
        let runs = runs.clone();
        handler_fn("flaky", move |job| {
            runs.note(&job);
            async move {
                Err(JobError::retry(format!(
                    "mail server refused attempt {}",
                    job.attempt
                )))
            }
        })
    };
    let backoff = Backoff {
        base_ms: 200,
        cap_ms: 10_000,
    };
    let worker = Worker::spawn(
        &jobs,
        vec![failing],
        WorkerOptions {
            backoff,
            ..options("w1")
        },
    );
    jobs.enqueue(&NewJob::new("flaky", "flaky-1", json!({})).max_attempts(3))
        .await
        .unwrap();

    let record = wait_for_status(&db, "flaky-1", JobStatus::Failed).await;
    assert_eq!(record.attempts, 3);
    assert_eq!(
        record.last_error.as_deref(),
        Some("mail server refused attempt 3")
    );
    assert!(record.finished_at_ms.is_some());
    let times = runs.times("flaky-1");
    assert_eq!(times.len(), 3, "no run after the last attempt");
    // Jitter takes off at most a quarter: 150 ms then 300 ms at least.
    assert!(times[1] - times[0] >= Duration::from_millis(150));
    assert!(times[2] - times[1] >= Duration::from_millis(300));

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs.count("flaky-1"), 3);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_attempt_keeps_its_error_while_the_job_waits() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let failing = handler_fn("flaky", |_| async { Err(JobError::retry("timeout")) });
    let worker = Worker::spawn(&jobs, vec![failing], options("w1"));
    let before = now_ms();
    jobs.enqueue(&NewJob::new("flaky", "waiting", json!({})))
        .await
        .unwrap();

    let deadline = Instant::now() + PATIENCE;
    let record = loop {
        let record = job(&db, "waiting").await;
        if record.attempts == 1 && record.status == JobStatus::Pending {
            break record;
        }
        assert!(Instant::now() < deadline, "no retry scheduled: {record:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(record.last_error.as_deref(), Some("timeout"));
    // The default backoff: 30 s, less up to a quarter.
    assert!(record.run_at_ms >= before + 22_500, "{record:?}");
    assert!(record.run_at_ms <= now_ms() + 30_000, "{record:?}");
    assert_eq!(record.locked_until_ms, None);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_fails_the_job_without_retrying() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let handler = handler_fn("invite", |job| async move {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Invite {
            email: String,
        }
        job.payload_as::<Invite>().map(|_| ())
    });
    let worker = Worker::spawn(&jobs, vec![handler], options("w1"));
    jobs.enqueue(&NewJob::new("invite", "bad-payload", json!({"mail": "x"})))
        .await
        .unwrap();

    let record = wait_for_status(&db, "bad-payload", JobStatus::Failed).await;
    assert_eq!(record.attempts, 1);
    assert!(record
        .last_error
        .is_some_and(|e| e.contains("payload") && e.contains("email")));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_retried_like_a_failure() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let handler = handler_fn("boom", |_| async { panic!("handler bug") });
    let worker = Worker::spawn(
        &jobs,
        vec![handler],
        WorkerOptions {
            backoff: Backoff {
                base_ms: 10,
                cap_ms: 10,
            },
            ..options("w1")
        },
    );
    jobs.enqueue(&NewJob::new("boom", "boom-1", json!({})).max_attempts(2))
        .await
        .unwrap();

    let record = wait_for_status(&db, "boom-1", JobStatus::Failed).await;
    assert_eq!(record.attempts, 2);
    assert!(record.last_error.is_some_and(|e| e.contains("handler bug")));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_an_unknown_kind_ends_failed() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    let worker = Worker::spawn(&jobs, vec![counting("ping", &runs)], options("w1"));
    jobs.enqueue(&NewJob::new("fax", "fax-1", json!({})))
        .await
        .unwrap();

    let record = wait_for_status(&db, "fax-1", JobStatus::Failed).await;
    assert_eq!(record.attempts, 1);
    assert!(record
        .last_error
        .is_some_and(|e| e.contains("no handler") && e.contains("fax")));
    // It stays failed: never claimed again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(job(&db, "fax-1").await.attempts, 1);
    assert_eq!(runs.total(), 0);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_claimed_by_a_crashed_worker_runs_again_after_its_lease() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    enqueue(&db, &NewJob::new("ping", "orphan", json!({})))
        .await
        .unwrap();
    // The "crashed" worker claims it and is never heard of again.
    let lease = Duration::from_millis(700);
    let claimed = claim_due(&db, "crashed", lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempt, 1);
    let claimed_at = Instant::now();

    let runs = Runs::default();
    let worker = Worker::spawn(&jobs, vec![counting("ping", &runs)], options("rescuer"));
    let record = wait_for_status(&db, "orphan", JobStatus::Done).await;
    assert!(
        claimed_at.elapsed() >= lease,
        "ran again while the first lease held"
    );
    assert_eq!(runs.count("orphan"), 1);
    assert_eq!(record.attempts, 2);
    assert_eq!(record.locked_by.as_deref(), Some("rescuer"));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_lease_expires_on_its_last_attempt_fails() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    enqueue(
        &db,
        &NewJob::new("ping", "doomed", json!({})).max_attempts(1),
    )
    .await
    .unwrap();
    let claimed = claim_due(&db, "crashed", Duration::from_millis(100), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The next claim sweeps it instead of running it a second time.
    let again = claim_due(&db, "next", Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert!(again.is_empty());
    let record = job(&db, "doomed").await;
    assert_eq!(record.status, JobStatus::Failed);
    assert!(record
        .last_error
        .is_some_and(|e| e.contains("lease expired")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_job_is_not_claimed_again_while_its_lease_holds() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    enqueue(&db, &NewJob::new("ping", "held", json!({})))
        .await
        .unwrap();
    let first = claim_due(&db, "a", Duration::from_secs(60), 10)
        .await
        .unwrap();
    let second = claim_due(&db, "b", Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(second.is_empty());
    let record = job(&db, "held").await;
    assert_eq!(record.status, JobStatus::Running);
    assert_eq!(record.locked_by.as_deref(), Some("a"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_database_never_run_a_job_twice() {
    const JOBS: usize = 200;
    let test = TestDb::new().await;
    // Two pools, as two server processes would have.
    let (db_a, db_b) = (test.pool().await, test.pool().await);
    for i in 0..JOBS {
        enqueue(
            &db_a,
            &NewJob::new("ping", format!("job-{i}"), json!({ "i": i })),
        )
        .await
        .unwrap();
    }
    let runs = Runs::default();
    let by_worker: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let handler = |worker: &'static str| {
        let (runs, by_worker) = (runs.clone(), by_worker.clone());
        handler_fn("ping", move |job| {
            runs.note(&job);
            *by_worker
                .lock()
                .expect("lock")
                .entry(worker.to_owned())
                .or_default() += 1;
            // Long enough that neither worker can take everything alone.
            async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(())
            }
        })
    };
    let a = Worker::spawn(&Jobs::new(db_a.clone()), vec![handler("a")], options("a"));
    let b = Worker::spawn(&Jobs::new(db_b.clone()), vec![handler("b")], options("b"));

    let deadline = Instant::now() + Duration::from_secs(60);
    while count_with_status(&db_a, JobStatus::Done).await < JOBS as i64 {
        assert!(Instant::now() < deadline, "not all jobs done in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.shutdown().await;
    b.shutdown().await;

    for i in 0..JOBS {
        assert_eq!(runs.count(&format!("job-{i}")), 1, "job-{i}");
    }
    assert_eq!(runs.total(), JOBS);
    let by_worker = by_worker.lock().expect("lock").clone();
    assert!(
        by_worker.get("a").is_some_and(|n| *n > 0) && by_worker.get("b").is_some_and(|n| *n > 0),
        "both workers should have taken jobs: {by_worker:?}"
    );
    let attempts: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(attempts), 0) FROM jobs")
        .fetch_one(&db_a)
        .await
        .unwrap();
    assert_eq!(attempts, JOBS as i64, "every job was claimed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_due_while_the_server_was_down_run_exactly_once_after_restart() {
    const JOBS: usize = 5;
    let test = TestDb::new().await;
    let runs = Runs::default();
    let delivered = Arc::new(Mutex::new(Vec::<String>::new()));
    // Each run delivers through deliver_once, as a reminder would.
    let handler = |db: Db| {
        let (runs, delivered) = (runs.clone(), delivered.clone());
        handler_fn("reminder", move |job| {
            runs.note(&job);
            let (db, delivered) = (db.clone(), delivered.clone());
            async move {
                deliver_once(
                    &db,
                    &format!("delivery:{}", job.idempotency_key),
                    || async {
                        delivered
                            .lock()
                            .expect("lock")
                            .push(job.idempotency_key.clone());
                        Ok(())
                    },
                )
                .await
                .map(|_| ())
            }
        })
    };

    // First life: schedule, then stop before anything is due.
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let worker = Worker::spawn(&jobs, vec![handler(db.clone())], options("first"));
    let due_ms = now_ms() + 1500;
    for i in 0..JOBS {
        jobs.enqueue(&NewJob::new("reminder", format!("reminder-{i}"), json!({})).run_at(due_ms))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    worker.shutdown().await;
    db.close().await;
    assert_eq!(runs.total(), 0, "nothing was due before the shutdown");

    // Down past the due time.
    let wait = due_ms + 500 - now_ms();
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;

    // Second life: a new pool and worker on the same database.
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let worker = Worker::spawn(&jobs, vec![handler(db.clone())], options("second"));
    for i in 0..JOBS {
        wait_for_status(&db, &format!("reminder-{i}"), JobStatus::Done).await;
    }
    // Give a duplicate run every chance to show up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    worker.shutdown().await;

    for i in 0..JOBS {
        assert_eq!(runs.count(&format!("reminder-{i}")), 1);
    }
    let mut delivered = delivered.lock().expect("lock").clone();
    delivered.sort();
    let expected: Vec<String> = (0..JOBS).map(|i| format!("reminder-{i}")).collect();
    assert_eq!(delivered, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_running_job_finish() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let started = Arc::new(tokio::sync::Notify::new());
    let handler = {
        let started = started.clone();
        handler_fn("slow", move |_| {
            let started = started.clone();
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(())
            }
        })
    };
    let worker = Worker::spawn(&jobs, vec![handler], options("w1"));
    jobs.enqueue(&NewJob::new("slow", "slow-1", json!({})))
        .await
        .unwrap();
    tokio::time::timeout(PATIENCE, started.notified())
        .await
        .expect("the job started");
    worker.shutdown().await;
    assert_eq!(job(&db, "slow-1").await.status, JobStatus::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_abandoned_at_shutdown_runs_again_after_its_lease() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    let stuck = {
        let runs = runs.clone();
        handler_fn("slow", move |job| {
            runs.note(&job);
            async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            }
        })
    };
    let worker = Worker::spawn(
        &jobs,
        vec![stuck],
        WorkerOptions {
            lease: Duration::from_millis(500),
            shutdown_grace: Duration::from_millis(50),
            ..options("first")
        },
    );
    jobs.enqueue(&NewJob::new("slow", "stuck-1", json!({})))
        .await
        .unwrap();
    wait_for_status(&db, "stuck-1", JobStatus::Running).await;
    worker.shutdown().await;
    assert_eq!(job(&db, "stuck-1").await.status, JobStatus::Running);

    let worker = Worker::spawn(&jobs, vec![counting("slow", &runs)], options("second"));
    let record = wait_for_status(&db, "stuck-1", JobStatus::Done).await;
    assert_eq!(record.attempts, 2);
    assert_eq!(runs.count("stuck-1"), 2);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_later_runs_again_without_using_up_an_attempt() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let jobs = Jobs::new(db.clone());
    let runs = Runs::default();
    let handler = {
        let runs = runs.clone();
        handler_fn("mail", move |job| {
            runs.note(&job);
            let first = runs.count(&job.idempotency_key) == 1;
            async move {
                if first {
                    Err(JobError::RetryAt {
                        at_ms: now_ms(),
                        reason: "mail server down".to_owned(),
                    })
                } else {
                    Ok(())
                }
            }
        })
    };
    let worker = Worker::spawn(&jobs, vec![handler], options("w1"));
    jobs.enqueue(&NewJob::new("mail", "later-1", json!({})).max_attempts(1))
        .await
        .unwrap();

    let record = wait_for_status(&db, "later-1", JobStatus::Done).await;
    let times = runs.times("later-1");
    assert_eq!(times.len(), 2);
    // The soonest a retry-later may come back is a second.
    assert!(times[1] - times[0] >= Duration::from_millis(900));
    assert_eq!(record.attempts, 1);
    assert_eq!(record.last_error.as_deref(), Some("mail server down"));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_once_delivers_a_key_once_and_again_after_a_failure() {
    let test = TestDb::new().await;
    let db = test.pool().await;
    let effects = Arc::new(Mutex::new(0));
    let effect = || {
        let effects = effects.clone();
        move || async move {
            *effects.lock().expect("lock") += 1;
            Ok(())
        }
    };
    assert!(deliver_once(&db, "mail:1", effect()).await.unwrap());
    assert!(!deliver_once(&db, "mail:1", effect()).await.unwrap());
    assert_eq!(*effects.lock().expect("lock"), 1);

    // A failed effect is not recorded, so the retry delivers.
    let failed = deliver_once(&db, "mail:2", || async {
        Err(JobError::retry("smtp timeout"))
    })
    .await;
    assert_eq!(failed, Err(JobError::Retry("smtp timeout".to_owned())));
    assert!(deliver_once(&db, "mail:2", effect()).await.unwrap());
    assert_eq!(*effects.lock().expect("lock"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_delivered_is_undone_with_its_transaction() {
    let test = TestDb::new().await;
    let db = test.pool().await;

    let mut tx = db.begin().await.unwrap();
    assert!(mark_delivered(&mut *tx, "notice:1").await.unwrap());
    assert!(!mark_delivered(&mut *tx, "notice:1").await.unwrap());
    tx.rollback().await.unwrap();

    // The effect was rolled back with it, so it may happen again.
    let mut tx = db.begin().await.unwrap();
    assert!(mark_delivered(&mut *tx, "notice:1").await.unwrap());
    tx.commit().await.unwrap();
    assert!(!mark_delivered(&db, "notice:1").await.unwrap());
}
