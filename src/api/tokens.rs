//! Personal API tokens: made in the settings page, shown once, stored as
//! SHA-256 (hex) only, revocable. A token is `cvn_` followed by 256
//! random bits in base64url, so it is recognisable in logs and by secret
//! scanners. [`ApiUser`] resolves `Authorization: Bearer <token>` (RFC
//! 6750 §2.1) to the token's owner.

use super::errors::ApiError;
use crate::auth::{Role, User};
use crate::db::{new_id, now_ms, Db};
use crate::error::AppResult;
use crate::secret::sha256_hex;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::Row;

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "cvn_";

/// `last_used_at` is written at most this often per token, ms, so a busy
/// integration does not turn every read into a write.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// A token as its owner sees it in the list (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    /// Unix ms.
    pub created_at_ms: i64,
    /// Unix ms; `None` until first used.
    pub last_used_at_ms: Option<i64>,
}

/// Makes a token named `name` for `user_id`; returns it with its secret,
/// which is not stored and cannot be shown again.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn insert(db: &Db, user_id: &str, name: &str) -> AppResult<(TokenRow, String)> {
    let secret = format!("{TOKEN_PREFIX}{}", crate::secret::random_token());
    let row = TokenRow {
        id: new_id(),
        name: name.to_owned(),
        created_at_ms: now_ms(),
        last_used_at_ms: None,
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.id)
    .bind(user_id)
    .bind(&row.name)
    .bind(sha256_hex(&secret))
    .bind(row.created_at_ms)
    .execute(db)
    .await?;
    Ok((row, secret))
}

/// The user's tokens that are not revoked, newest first.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn list(db: &Db, user_id: &str) -> AppResult<Vec<TokenRow>> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| TokenRow {
            id: r.get("id"),
            name: r.get("name"),
            created_at_ms: r.get("created_at"),
            last_used_at_ms: r.get("last_used_at"),
        })
        .collect())
}

/// Revokes token `id` of `user_id`; `false` when the user has no such
/// active token (another user's token counts as none).
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn revoke(db: &Db, user_id: &str, id: &str) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The owner of an active token, recording its use.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn owner(db: &Db, token: &str) -> AppResult<Option<User>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = sqlx::query(
        "SELECT t.id AS token_id, u.id, u.email, u.display_name, u.role, u.time_zone \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(sha256_hex(token))
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let now = now_ms();
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(row.get::<String, _>("token_id"))
    .bind(now - LAST_USED_RESOLUTION_MS)
    .execute(db)
    .await?;
    Ok(Some(User {
        id: row.get("id"),
        email: row.get("email"),
        display_name: row.get("display_name"),
        role: Role::parse(&row.get::<String, _>("role")),
        time_zone: row.get("time_zone"),
    }))
}

/// The owner of the request's bearer token. Only the `Authorization`
/// header counts: a session cookie never authenticates an API call, so a
/// page on another site cannot make the browser call the API.
pub struct ApiUser(pub User);

impl<S> FromRequestParts<S> for ApiUser
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                // The scheme is case-insensitive (RFC 9110 §11.1).
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let db = Db::from_ref(state);
        owner(&db, token)
            .await?
            .map(ApiUser)
            .ok_or_else(ApiError::unauthorized)
    }
}
