//! The database: one pool for the whole process, over SQLite (default) or
//! PostgreSQL, chosen by the URL.
//!
//! SQL is written once, portably: `$1` placeholders, `RETURNING`,
//! `ON CONFLICT`; instants are `BIGINT` Unix milliseconds (UTC), ids are
//! text UUIDs made in Rust. Only DDL differs, in `migrations/sqlite` and
//! `migrations/postgres`; migrations run at start-up and a failure stops it.

use crate::error::{AppError, AppResult};
use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// The process-wide connection pool (cheap to clone).
pub type Db = AnyPool;

/// Which database server a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from a `DATABASE_URL` scheme.
    ///
    /// # Errors
    /// When the scheme is neither `sqlite:` nor `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            )
        }
    }
}

/// Opens the pool and runs pending migrations.
///
/// For SQLite the file (and its folder) is created when missing and every
/// connection runs with WAL, `synchronous=NORMAL`, foreign keys on and a
/// 5 s busy timeout.
///
/// # Errors
/// When the database cannot be reached or a migration fails; the message
/// names the URL's backend and the failing step.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    if backend == Backend::Sqlite {
        create_sqlite_parent(url)?;
    }
    let url_with_mode = if backend == Backend::Sqlite && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let options = AnyConnectOptions::from_str(&url_with_mode)
        .with_context(|| format!("DATABASE_URL is not a valid {backend:?} URL"))?;
    let pool = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                         PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the {backend:?} database"))?;
    let migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("database migration failed ({backend:?})"))?;
    Ok(pool)
}

fn create_sqlite_parent(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot create the database folder {}", parent.display())
            })?;
        }
    }
    Ok(())
}

/// The pool from the reactive context (provided once at start-up).
///
/// # Errors
/// [`AppError::Internal`] if it was not provided.
pub fn use_db() -> AppResult<Db> {
    leptos::prelude::use_context::<Db>()
        .ok_or_else(|| AppError::internal("context", "Db not provided"))
}

/// Now, in Unix milliseconds (UTC).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new random id (UUID v4, hyphenated text).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `error` is a unique-constraint violation (both backends).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
