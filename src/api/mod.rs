//! The versioned JSON API for integrations, under `/api/v1`: the token
//! owner's meetings (listed by range with series expanded, read,
//! scheduled, changed, deleted, answered) and their calendar feed URL,
//! described by OpenAPI 3.1 at `/api/v1/openapi.json`.
//!
//! Callers authenticate with personal API tokens (`Authorization: Bearer
//! cvn_...`), made and revoked in the settings page ([`components`]) through
//! the server functions here. Errors are JSON with a stable snake_case
//! `code` ([`errors`]). The API validates and stores through the same
//! functions as the calendar's forms, so both behave alike.

pub mod components;
#[cfg(feature = "ssr")]
pub mod errors;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod feed;
#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub mod tokens;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Longest token name, characters (longer names are cut).
pub const TOKEN_NAME_MAX_CHARS: usize = 100;

/// A personal API token as the settings page lists it; never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    /// When it was made, `YYYY-MM-DD HH:MM` in the owner's zone.
    pub created: String,
    /// When it last authenticated a request (to the minute), same format;
    /// `None` when never used.
    pub last_used: Option<String>,
}

/// A token just made: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub token: ApiTokenView,
    /// `cvn_` and 43 base64url characters; not stored, cannot be shown
    /// again.
    pub secret: String,
}

/// A token name: control characters dropped, trimmed, at most
/// [`TOKEN_NAME_MAX_CHARS`]; "API token" when nothing is left.
pub fn token_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(TOKEN_NAME_MAX_CHARS)
        .collect();
    if name.trim().is_empty() {
        "API token".to_owned()
    } else {
        name.trim().to_owned()
    }
}

#[cfg(feature = "ssr")]
fn token_view(row: tokens::TokenRow, tz: chrono_tz::Tz) -> ApiTokenView {
    let label = |ms: i64| {
        crate::zone::to_local(tz, ms)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    ApiTokenView {
        created: label(row.created_at_ms),
        last_used: row.last_used_at_ms.map(label),
        id: row.id,
        name: row.name,
    }
}

#[cfg(feature = "ssr")]
fn user_tz(user: &crate::auth::User) -> chrono_tz::Tz {
    crate::zone::parse(&user.time_zone).unwrap_or(chrono_tz::Tz::UTC)
}

/// The caller's active API tokens, newest first.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors.
#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> AppResult<Vec<ApiTokenView>> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let tz = user_tz(&user);
    Ok(tokens::list(&db, &user.id)
        .await?
        .into_iter()
        .map(|row| token_view(row, tz))
        .collect())
}

/// Makes an API token for the caller, named `name` (see [`token_name`]);
/// the answer carries its secret, the only time it is shown.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(#[server(default)] name: String) -> AppResult<NewApiToken> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let (row, secret) = tokens::insert(&db, &user.id, &token_name(&name)).await?;
    Ok(NewApiToken {
        token: token_view(row, user_tz(&user)),
        secret,
    })
}

/// Revokes one of the caller's API tokens: it answers 401 from now on.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors; [`AppError::NotFound`] when
/// the caller has no such active token.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    if tokens::revoke(&db, &user.id, &id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The routes of `/api/v1`, to be nested there. Unknown paths and
/// methods answer with the API's JSON errors too.
#[cfg(feature = "ssr")]
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::db::Db: axum::extract::FromRef<S>,
    crate::calendar::feed::PublicOrigin: axum::extract::FromRef<S>,
{
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/openapi.json", get(openapi::openapi_json))
        .route(
            "/events",
            get(events::list_events).post(events::create_event),
        )
        .route(
            "/events/{id}",
            get(events::get_event)
                .put(events::update_event)
                .delete(events::delete_event),
        )
        .route("/events/{id}/rsvp", post(events::answer_event))
        .route("/feed", get(feed::get_feed).post(feed::renew_feed))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names_are_cleaned_and_bounded() {
        assert_eq!(token_name("  CI deploy \u{7} "), "CI deploy");
        assert_eq!(token_name(" \n "), "API token");
        assert_eq!(token_name(&"я".repeat(150)).chars().count(), 100);
    }
}
