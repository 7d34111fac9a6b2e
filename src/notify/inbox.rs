//! In-app notifications on the server: stored in `notifications`, counted
//! for the bell, and announced live to the user's open tabs over
//! server-sent events (`GET /events/notifications`).
//!
//! A notification is written once, in its recipient's language, by the
//! job that decided the user should hear of something; its idempotency
//! key makes a retried job add it at most once. Live announcements are
//! in-process: with several servers behind a load balancer a tab on
//! another server sees the new count when it reconnects or reloads.

use super::push::PushMessage;
use super::NotificationView;
use crate::db::{new_id, now_ms, Db};
use crate::error::AppResult;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::Stream;
use http::StatusCode;
use sqlx::Row as _;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// The longest title and body kept, in characters: notifications are
/// one line for the bell, not documents.
const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 1000;

/// How many notifications the list page shows.
pub const PAGE_SIZE: i64 = 50;

/// What a notification is about; stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A meeting starts soon.
    Reminder,
    /// The user was invited to a meeting.
    Invitation,
    /// An invited person answered the user's meeting.
    Answer,
    /// Someone waits in the lobby of the user's meeting.
    Knock,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reminder => "reminder",
            Kind::Invitation => "invitation",
            Kind::Answer => "answer",
            Kind::Knock => "knock",
        }
    }
}

/// A notification to add for one user, already in their language.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewNotification {
    pub kind: Kind,
    /// One line, e.g. "Standup starts in 10 minutes" (cut at 200 chars).
    pub title: String,
    /// Details (cut at 1000 chars); may be empty.
    pub body: String,
    /// Where clicking it leads: a path on this site (`/calendar/…`).
    pub url: Option<String>,
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Live announcements to the tabs of each user: a ping means "your
/// notifications changed, look again". Cheap to clone.
#[derive(Clone, Default)]
pub struct Inbox {
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<()>>>>,
}

impl Inbox {
    fn subscribe(&self, user_id: &str) -> broadcast::Receiver<()> {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Drop channels nobody listens to any more, so the map holds only
        // users with an open tab.
        channels.retain(|_, tx| tx.receiver_count() > 0);
        channels
            .entry(user_id.to_owned())
            .or_insert_with(|| broadcast::channel(8).0)
            .subscribe()
    }

    /// Tells `user_id`'s open tabs to refresh their count.
    pub fn announce(&self, user_id: &str) {
        let channels = self
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tx) = channels.get(user_id) {
            let _ = tx.send(());
        }
    }
}

/// Adds a notification for `user_id` unless one with `key` exists, and
/// announces it. `true` when it was added.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn add(
    db: &Db,
    inbox: &Inbox,
    user_id: &str,
    notification: &NewNotification,
    key: &str,
) -> AppResult<bool> {
    let added = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, url, idempotency_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(notification.kind.as_str())
    .bind(cut(&notification.title, MAX_TITLE_CHARS))
    .bind(cut(&notification.body, MAX_BODY_CHARS))
    .bind(notification.url.as_deref())
    .bind(key)
    .bind(now_ms())
    .execute(db)
    .await?
    .rows_affected()
        > 0;
    if added {
        inbox.announce(user_id);
    }
    Ok(added)
}

/// Job kind of [`enqueue`]d notifications.
pub const NOTIFY_JOB: &str = "notification";

/// A [`NOTIFY_JOB`]'s payload.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct NotifyJob {
    user_id: String,
    note: NewNotification,
    /// Groups pushes on the device (see [`PushMessage::tag`]).
    tag: String,
}

/// Tells `user_id` something: adds the in-app notification (announced to
/// open tabs) and queues a web push with the same words, for when no tab
/// is open. At most once per `key`, however often it is called; `tag`
/// lets a later push replace an earlier one on the device. `true` when
/// the notification was new.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn deliver(
    db: &Db,
    inbox: &Inbox,
    user_id: &str,
    note: &NewNotification,
    key: &str,
    tag: &str,
) -> AppResult<bool> {
    let added = add(db, inbox, user_id, note, key).await?;
    // Queued even when the notification existed: a retry after a crash
    // between the two must still push, and the push's own key keeps it
    // to one.
    let push = PushMessage {
        user_id: user_id.to_owned(),
        title: note.title.clone(),
        body: note.body.clone(),
        url: note
            .url
            .clone()
            .unwrap_or_else(|| "/notifications".to_owned()),
        tag: tag.to_owned(),
    };
    super::push::enqueue_push(db, key, &push, now_ms()).await?;
    Ok(added)
}

/// Queues [`deliver`] as a job (for callers that must not wait on the
/// database, like the signaling hub), inside `executor`'s transaction
/// when it is one.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn enqueue<'e, E>(
    executor: E,
    user_id: &str,
    note: &NewNotification,
    key: &str,
    tag: &str,
) -> AppResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let payload = serde_json::to_value(NotifyJob {
        user_id: user_id.to_owned(),
        note: note.clone(),
        tag: tag.to_owned(),
    })
    .map_err(|e| crate::error::AppError::internal("notification payload", e))?;
    crate::jobs::enqueue(
        executor,
        &crate::jobs::NewJob::new(NOTIFY_JOB, key, payload),
    )
    .await
}

/// The handler of [`NOTIFY_JOB`].
pub fn handler(db: Db, inbox: Inbox) -> std::sync::Arc<dyn crate::jobs::JobHandler> {
    crate::jobs::handler_fn(NOTIFY_JOB, move |job| {
        let (db, inbox) = (db.clone(), inbox.clone());
        async move {
            let payload: NotifyJob = job.payload_as()?;
            deliver(
                &db,
                &inbox,
                &payload.user_id,
                &payload.note,
                &job.idempotency_key,
                &payload.tag,
            )
            .await?;
            Ok(())
        }
    })
}

/// The user's unread notifications.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn unread(db: &Db, user_id: &str) -> AppResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?
    .get::<i64, _>("n"))
}

/// The user's newest notifications, newest first.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn list(
    db: &Db,
    user_id: &str,
    limit: i64,
    tz: chrono_tz::Tz,
    locale: crate::i18n::Locale,
) -> AppResult<Vec<NotificationView>> {
    let rows = sqlx::query(
        "SELECT id, kind, title, body, url, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| NotificationView {
            id: r.get("id"),
            kind: r.get("kind"),
            title: r.get("title"),
            body: r.get("body"),
            url: r.get("url"),
            created_at_ms: r.get("created_at"),
            when_label: when_label(r.get("created_at"), tz, locale),
            created_at_iso: crate::zone::to_local(chrono_tz::Tz::UTC, r.get("created_at"))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            read: r.get::<Option<i64>, _>("read_at").is_some(),
        })
        .collect())
}

/// "Sat 21 Nov, 15:04" in `tz`.
fn when_label(ms: i64, tz: chrono_tz::Tz, locale: crate::i18n::Locale) -> String {
    use chrono::Datelike as _;
    let at = crate::zone::to_local(tz, ms);
    let day = locale.strings().day_label(
        at.weekday().num_days_from_monday() as usize,
        at.day(),
        at.month0() as usize,
    );
    format!("{day}, {}", crate::zone::hhmm(&at))
}

/// Marks one notification (`Some(id)`) or all of them read; only the
/// user's own. Announces the change to the user's other tabs.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn mark_read(db: &Db, inbox: &Inbox, user_id: &str, id: Option<&str>) -> AppResult<u64> {
    let done = match id {
        Some(id) => {
            sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
            )
            .bind(now_ms())
            .bind(user_id)
            .bind(id)
            .execute(db)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(now_ms())
            .bind(user_id)
            .execute(db)
            .await?
        }
    }
    .rows_affected();
    if done > 0 {
        inbox.announce(user_id);
    }
    Ok(done)
}

/// `GET /events/notifications`: server-sent events for the signed-in
/// user. Each `unread` event carries the unread count as its data: one
/// at once, then one after every change. 401 for visitors.
pub async fn stream(
    State(db): State<Db>,
    State(inbox): State<Inbox>,
    viewer: Option<Extension<crate::auth::session::Viewer>>,
) -> Response {
    let Some(Extension(viewer)) = viewer else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let user_id = viewer.user.id;
    let changes = inbox.subscribe(&user_id);
    Sse::new(unread_events(db, user_id, changes))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(25)))
        .into_response()
}

fn unread_events(
    db: Db,
    user_id: String,
    changes: broadcast::Receiver<()>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(
        (db, user_id, changes, true),
        |(db, user_id, mut changes, first)| async move {
            if !first {
                match changes.recv().await {
                    // A lagging receiver missed pings, not data: one
                    // fresh count covers them all.
                    Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
            let event = match unread(&db, &user_id).await {
                Ok(count) => Event::default().event("unread").data(count.to_string()),
                // The tab keeps its last count; the next change retries.
                Err(_) => Event::default().comment("unavailable"),
            };
            Some((Ok(event), (db, user_id, changes, false)))
        },
    )
}
