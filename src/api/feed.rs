//! `/api/v1/feed`: the token owner's private iCalendar feed URL (RFC
//! 5545 over HTTP), the one the settings page manages. Its secret is kept
//! hashed, so a URL can be shown only when it is made.

use super::errors::{ApiJson, ApiResult, ErrorBody};
use super::tokens::ApiUser;
use crate::calendar::feed::{feed_url, has_feed, replace_feed, PublicOrigin};
use crate::db::Db;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// The feed's state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Feed {
    /// Whether a feed URL is active.
    pub active: bool,
    /// The URL, only in the answer that made it (a path when the server
    /// has no public URL configured); null when an existing URL is kept
    /// (its secret cannot be shown again: `POST` makes a new one).
    pub url: Option<String>,
}

/// The feed URL: made when the token's owner has none (and then shown),
/// otherwise reported as active.
#[utoipa::path(
    get,
    path = "/api/v1/feed",
    tag = "feed",
    responses(
        (status = 200, description = "The feed's state; `url` set when it was made now", body = Feed),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn get_feed(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    ApiUser(user): ApiUser,
) -> ApiResult<ApiJson<Feed>> {
    if has_feed(&db, &user.id).await? {
        return Ok(ApiJson(Feed {
            active: true,
            url: None,
        }));
    }
    let token = replace_feed(&db, &user.id).await?;
    Ok(ApiJson(Feed {
        active: true,
        url: Some(feed_url(&origin, &token)),
    }))
}

/// Makes a new feed URL, revoking the previous one (it answers 404 from
/// then on).
#[utoipa::path(
    post,
    path = "/api/v1/feed",
    tag = "feed",
    responses(
        (status = 201, description = "The new URL", body = Feed),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn renew_feed(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    ApiUser(user): ApiUser,
) -> ApiResult<(StatusCode, ApiJson<Feed>)> {
    let token = replace_feed(&db, &user.id).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Feed {
            active: true,
            url: Some(feed_url(&origin, &token)),
        }),
    ))
}
