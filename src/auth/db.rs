//! SQL of the auth feature.

use super::{DisplayName, Email, Role, User};
use crate::db::{is_unique_violation, new_id, now_ms, Db};
use crate::error::{AppResult, Invalid};
use crate::i18n::Locale;
use sqlx::Row;

/// Inserts a user; returns the new id.
///
/// # Errors
/// [`Invalid::EmailTaken`] when the email already has an account.
pub async fn insert_user(
    db: &Db,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
    time_zone: &str,
    locale: Locale,
) -> AppResult<String> {
    let id = new_id();
    let result = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, role, locale, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, 'member', $5, $6, $7)",
    )
    .bind(&id)
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(password_hash)
    .bind(locale.code())
    .bind(time_zone)
    .bind(now_ms())
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(Invalid::EmailTaken.into()),
        Err(e) => Err(e.into()),
    }
}

/// `(user id, role, password hash)` for an email, if it has an account.
pub async fn find_credentials(db: &Db, email: &Email) -> AppResult<Option<(String, Role, String)>> {
    let row = sqlx::query("SELECT id, role, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| {
        (
            r.get::<String, _>("id"),
            Role::parse(&r.get::<String, _>("role")),
            r.get::<String, _>("password_hash"),
        )
    }))
}

/// Inserts a session row living `ttl_ms`; returns its id.
pub async fn insert_session(db: &Db, user_id: &str, ttl_ms: i64) -> AppResult<String> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(now)
    .bind(now + ttl_ms)
    .execute(db)
    .await?;
    Ok(id)
}

/// Marks a session revoked (sign-out).
pub async fn revoke_session(db: &Db, session_id: &str) -> AppResult<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The user of a live (unrevoked, unexpired) session that belongs to
/// `user_id`, with the language saved on the account.
pub async fn find_session_user(
    db: &Db,
    session_id: &str,
    user_id: &str,
) -> AppResult<Option<(User, Option<Locale>)>> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.role, u.time_zone, u.locale \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(now_ms())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let user = User {
            id: r.get("id"),
            email: r.get("email"),
            display_name: r.get("display_name"),
            role: Role::parse(&r.get::<String, _>("role")),
            time_zone: r.get("time_zone"),
        };
        let locale = r
            .get::<Option<String>, _>("locale")
            .and_then(|code| Locale::from_code(&code));
        (user, locale)
    }))
}

/// Saves the account's language.
pub async fn set_user_locale(db: &Db, user_id: &str, locale: Locale) -> AppResult<()> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale.code())
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The account with this (normalised) email, if any.
pub async fn user_by_email(db: &Db, email: &str) -> AppResult<Option<User>> {
    let row =
        sqlx::query("SELECT id, email, display_name, role, time_zone FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| User {
        id: r.get("id"),
        email: r.get("email"),
        display_name: r.get("display_name"),
        role: Role::parse(&r.get::<String, _>("role")),
        time_zone: r.get("time_zone"),
    }))
}
