//! iCalendar over HTTP: `GET /ics/meetings/{id}.ics` (one meeting or a
//! whole series, for its organizer and attendees) and the private feed
//! `GET /ics/feed/{token}.ics` that Google, Apple and Outlook calendars
//! subscribe to. A feed's secret lives only in its URL; the database keeps
//! its SHA-256, and revoking it makes the URL answer 404.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user's feed, as the calendar page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStatus {
    /// Whether a feed URL is active (its secret cannot be shown again).
    pub active: bool,
    /// The URL just made, shown once: `/ics/feed/{token}.ics` (path only
    /// when no public URL is configured).
    pub new_url: Option<String>,
}

/// Whether the caller has an active feed.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "get_feed")]
pub async fn get_feed() -> crate::error::AppResult<FeedStatus> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    Ok(FeedStatus {
        active: ssr::has_feed(&db, &user.id).await?,
        new_url: None,
    })
}

/// Makes a new feed URL for the caller, revoking the previous one.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "create_feed")]
pub async fn create_feed() -> crate::error::AppResult<FeedStatus> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let token = ssr::replace_feed(&db, &user.id).await?;
    let origin = use_context::<ssr::PublicOrigin>().unwrap_or_default();
    Ok(FeedStatus {
        active: true,
        new_url: Some(ssr::feed_url(&origin, &token)),
    })
}

/// Revokes the caller's feed URL: it answers 404 from now on.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "revoke_feed")]
pub async fn revoke_feed() -> crate::error::AppResult<FeedStatus> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    ssr::revoke_feeds(&db, &user.id).await?;
    Ok(FeedStatus {
        active: false,
        new_url: None,
    })
}

#[cfg(feature = "ssr")]
pub use ssr::{download, feed, feed_url, has_feed, ics_event, replace_feed, PublicOrigin};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::auth::session::Viewer;
    use crate::calendar::db::{self, SeriesRow};
    use crate::calendar::ics::{self, Attendee, IcsEvent};
    use crate::db::{new_id, now_ms, Db};
    use crate::error::AppResult;
    use crate::secret::sha256_hex;
    use axum::extract::{Path, State};
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::Extension;
    use sqlx::Row;

    /// `CONVENE_PUBLIC_URL`, for absolute links in feeds and mails.
    #[derive(Clone, Debug, Default)]
    pub struct PublicOrigin(pub Option<String>);

    impl PublicOrigin {
        /// The origin for links that leave the site (mails, pushes):
        /// `CONVENE_PUBLIC_URL`, else `http://` and the listening address.
        pub fn absolute(&self, listening: std::net::SocketAddr) -> String {
            self.0
                .clone()
                .unwrap_or_else(|| format!("http://{listening}"))
        }
    }

    /// Whether `user_id` has a feed URL that is not revoked.
    ///
    /// # Errors
    /// [`crate::error::AppError::Internal`] on database failure.
    pub async fn has_feed(db: &Db, user_id: &str) -> AppResult<bool> {
        Ok(
            sqlx::query("SELECT id FROM calendar_feeds WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .fetch_optional(db)
                .await?
                .is_some(),
        )
    }

    pub(super) async fn revoke_feeds(db: &Db, user_id: &str) -> AppResult<()> {
        sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(db)
        .await?;
        Ok(())
    }

    /// Revokes the user's feeds and makes a new one; the token (256 random
    /// bits, base64url) is returned once.
    ///
    /// # Errors
    /// [`crate::error::AppError::Internal`] on database failure.
    pub async fn replace_feed(db: &Db, user_id: &str) -> AppResult<String> {
        let token = crate::secret::random_token();
        let mut tx = db.begin().await?;
        sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO calendar_feeds (id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(sha256_hex(&token))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The feed URL of `token` under `origin` (empty: a path only).
    pub fn feed_url(origin: &PublicOrigin, token: &str) -> String {
        format!(
            "{}/ics/feed/{token}.ics",
            origin.0.as_deref().unwrap_or_default()
        )
    }

    /// The VEVENT data of a series: organizer, attendees with their
    /// answers, reminders, room link.
    ///
    /// # Errors
    /// [`crate::error::AppError::Internal`] on database failure.
    pub async fn ics_event(db: &Db, row: &SeriesRow, origin: &str) -> AppResult<IcsEvent> {
        let organizer = sqlx::query("SELECT display_name, email FROM users WHERE id = $1")
            .bind(&row.organizer_id)
            .fetch_optional(db)
            .await?
            .map(|r| {
                (
                    r.get::<String, _>("display_name"),
                    r.get::<String, _>("email"),
                )
            });
        let attendees = db::attendees(db, &row.id)
            .await?
            .into_iter()
            .map(|a| Attendee {
                email: a.email,
                name: a.name,
                partstat: a.partstat,
            })
            .collect();
        let series = row.series();
        Ok(IcsEvent {
            uid: row.ical_uid.clone(),
            sequence: u32::try_from(row.sequence).unwrap_or(0),
            stamp_ms: now_ms(),
            title: row.title.clone(),
            description: row.description.clone(),
            url: Some(format!("{origin}/m/{}", row.room)),
            organizer,
            attendees,
            tz: series.tz,
            start_local: series.start_local,
            duration_ms: series.duration_ms,
            rule: row.rule.clone(),
            exdates: row.exdates.clone(),
            overrides: row.overrides.clone(),
            reminders_min: db::reminders(db, &row.id).await?,
            cancelled: false,
        })
    }

    fn calendar_response(body: String, filename: &str) -> Response {
        (
            [
                (
                    header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            body,
        )
            .into_response()
    }

    /// `GET /ics/meetings/{id}.ics`: the meeting (the whole series with its
    /// exceptions) for its organizer and attendees; 404 for anyone else.
    pub async fn download(
        State(db): State<Db>,
        State(origin): State<PublicOrigin>,
        Path(file): Path<String>,
        viewer: Option<Extension<Viewer>>,
    ) -> Response {
        let Some(Extension(viewer)) = viewer else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        let Some(id) = file.strip_suffix(".ics") else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let result: AppResult<Option<Response>> = async {
            let Some(row) = db::series(&db, id).await? else {
                return Ok(None);
            };
            let invited = db::attendees(&db, id)
                .await?
                .iter()
                .any(|a| a.email == viewer.user.email);
            if row.organizer_id != viewer.user.id && !invited {
                return Ok(None);
            }
            let event = ics_event(&db, &row, origin.0.as_deref().unwrap_or_default()).await?;
            let body = ics::calendar(&[event], None, &row.title);
            Ok(Some(calendar_response(body, "meeting.ics")))
        }
        .await;
        match result {
            Ok(Some(response)) => response,
            Ok(None) => StatusCode::NOT_FOUND.into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }

    /// `GET /ics/feed/{token}.ics`: every meeting the feed's owner
    /// organizes or is invited to (declined ones left out), from 90 days
    /// back. 404 for an unknown or revoked token.
    pub async fn feed(
        State(db): State<Db>,
        State(origin): State<PublicOrigin>,
        Path(file): Path<String>,
    ) -> Response {
        let Some(token) = file.strip_suffix(".ics") else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let result: AppResult<Option<String>> = async {
            let Some(owner) = sqlx::query(
                "SELECT u.id, u.email, u.display_name FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
                 WHERE f.token_hash = $1 AND f.revoked_at IS NULL",
            )
            .bind(sha256_hex(token))
            .fetch_optional(&db)
            .await?
            else {
                return Ok(None);
            };
            let user_id: String = owner.get("id");
            let email: String = owner.get("email");
            let name: String = owner.get("display_name");
            let since = now_ms() - 90 * 24 * 3600 * 1000;
            let origin = origin.0.as_deref().unwrap_or_default();
            let rows = db::feed_series(&db, &user_id, &email, since).await?;
            let mut events = Vec::with_capacity(rows.len());
            for row in &rows {
                events.push(ics_event(&db, row, origin).await?);
            }
            Ok(Some(ics::calendar(&events, None, &format!("Convene — {name}"))))
        }
        .await;
        match result {
            Ok(Some(body)) => calendar_response(body, "convene.ics"),
            Ok(None) => StatusCode::NOT_FOUND.into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}
