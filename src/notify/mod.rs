//! Notifications: in-app (a bell with an unread count, live over
//! server-sent events, and a list page) and web push (RFC 8030 with
//! RFC 8291 message encryption and RFC 8292 VAPID) for when the tab is
//! closed. Other features call [`notify`](self) to tell a user something;
//! delivery runs through the durable job queue.

pub mod bell;
pub mod components;
#[cfg(feature = "ssr")]
pub mod inbox;
pub mod push;

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One in-app notification as the list page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    /// `reminder`, `invitation`, `answer` or `knock`.
    pub kind: String,
    /// One line, in the recipient's language.
    pub title: String,
    pub body: String,
    /// A path on this site to open, when there is one.
    pub url: Option<String>,
    /// Unix ms, UTC.
    pub created_at_ms: i64,
    /// `created_at_ms` as the user reads it: their zone and language.
    pub when_label: String,
    /// `created_at_ms` as RFC 3339 in UTC, for `<time datetime>`.
    pub created_at_iso: String,
    pub read: bool,
}

/// The signed-in user's newest notifications (50), newest first, and how
/// many are unread.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "list_notifications")]
pub async fn list_notifications() -> AppResult<(Vec<NotificationView>, i64)> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let tz = crate::zone::parse(&user.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let locale = crate::i18n::request_locale();
    let list = inbox::list(&db, &user.id, inbox::PAGE_SIZE, tz, locale).await?;
    let unread = inbox::unread(&db, &user.id).await?;
    Ok((list, unread))
}

/// How many of the signed-in user's notifications are unread (0 for
/// visitors, so the header can ask on every page).
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
#[server(endpoint = "unread_notifications")]
pub async fn unread_notifications() -> AppResult<i64> {
    let Some(user) = crate::auth::session::viewer() else {
        return Ok(0);
    };
    let db = crate::db::use_db()?;
    inbox::unread(&db, &user.id).await
}

/// Marks one notification (`id`) or, with an empty `id`, all of the
/// signed-in user's notifications read. Answers how many changed.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(#[server(default)] id: String) -> AppResult<u64> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let inbox = use_context::<inbox::Inbox>()
        .ok_or_else(|| crate::error::AppError::internal("context", "Inbox not provided"))?;
    let id = Some(id.trim()).filter(|id| !id.is_empty());
    inbox::mark_read(&db, &inbox, &user.id, id).await
}
