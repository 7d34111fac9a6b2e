//! SQL of the meeting feature: looking a meeting up by its room link.

use super::RoomId;
use crate::db::Db;
use crate::error::AppResult;
use sqlx::Row;

/// A meeting as the room needs it.
#[derive(Clone, Debug)]
pub struct RoomMeeting {
    pub id: String,
    pub title: String,
    pub organizer_id: String,
    pub organizer_name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub time_zone: String,
}

/// The meeting behind a room link, if it exists.
pub async fn find_by_room(db: &Db, room: &RoomId) -> AppResult<Option<RoomMeeting>> {
    let row = sqlx::query(
        "SELECT m.id, m.title, m.organizer_id, u.display_name, m.starts_at, m.ends_at, m.time_zone \
         FROM meetings m JOIN users u ON u.id = m.organizer_id WHERE m.room = $1",
    )
    .bind(room.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| RoomMeeting {
        id: r.get("id"),
        title: r.get("title"),
        organizer_id: r.get("organizer_id"),
        organizer_name: r.get("display_name"),
        starts_at_ms: r.get("starts_at"),
        ends_at_ms: r.get("ends_at"),
        time_zone: r.get("time_zone"),
    }))
}

/// Whether a moderator removed this participant (`user:<id>` or
/// `guest:<id>`) from this meeting.
pub async fn is_removed(db: &Db, meeting_id: &str, subject: &str) -> AppResult<bool> {
    let row = sqlx::query("SELECT 1 FROM meeting_removals WHERE meeting_id = $1 AND subject = $2")
        .bind(meeting_id)
        .bind(subject)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Records that a participant was removed; they cannot rejoin.
pub async fn record_removal(db: &Db, meeting_id: &str, subject: &str) -> AppResult<()> {
    let exists = is_removed(db, meeting_id, subject).await?;
    if !exists {
        let inserted = sqlx::query(
            "INSERT INTO meeting_removals (meeting_id, subject, removed_at) VALUES ($1, $2, $3)",
        )
        .bind(meeting_id)
        .bind(subject)
        .bind(crate::db::now_ms())
        .execute(db)
        .await;
        match inserted {
            Ok(_) => {}
            // Removed twice at once: the first insert is the record.
            Err(e) if crate::db::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Tells the organizer of `meeting_id` that `name` is knocking (an in-app
/// notification and a web push, in the organizer's language), once per
/// call (the hub calls it once per knock). Errors are logged: a
/// missed notice must not disturb the lobby.
pub async fn notify_knock(db: Db, meeting_id: String, name: String) {
    use crate::notify::inbox::{self, Kind, NewNotification};
    let result: AppResult<()> = async {
        let Some(row) = sqlx::query(
            "SELECT m.title, m.room, u.id, u.locale FROM meetings m \
             JOIN users u ON u.id = m.organizer_id WHERE m.id = $1",
        )
        .bind(&meeting_id)
        .fetch_optional(&db)
        .await?
        else {
            return Ok(());
        };
        let locale = row
            .get::<Option<String>, _>("locale")
            .and_then(|l| crate::i18n::Locale::from_code(&l))
            .unwrap_or_default();
        let room: String = row.get("room");
        let title: String = row.get("title");
        let note = NewNotification {
            kind: Kind::Knock,
            title: format!("{name} {}", locale.strings().notice_knocking),
            body: title,
            url: Some(format!("/m/{room}")),
        };
        let user_id: String = row.get("id");
        // A fresh id: the hub's connection numbers start again with each
        // process, and a knock after a restart must not match an old one.
        let key = format!("knock:{meeting_id}:{}", crate::db::new_id());
        inbox::enqueue(&db, &user_id, &note, &key, &format!("knock:{room}")).await?;
        Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(?error, meeting = %meeting_id, "could not tell the organizer about a knock");
    }
}
