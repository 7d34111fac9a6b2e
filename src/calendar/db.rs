//! SQL of the calendar feature.

use super::week::Placed;
use super::{MeetingDetails, MeetingDraft, ScheduledMeeting};
use crate::auth::User;
use crate::db::{new_id, now_ms, Db};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::meeting::RoomId;
use crate::zone;
use chrono::Datelike as _;
use sqlx::Row;

/// Meetings the user organizes or is invited to that overlap `[from, to)`
/// (Unix ms).
pub async fn meetings_between(db: &Db, user: &User, from: i64, to: i64) -> AppResult<Vec<Placed>> {
    let rows = sqlx::query(
        "SELECT id, room, title, starts_at, ends_at, organizer_id FROM meetings \
         WHERE starts_at < $1 AND ends_at > $2 \
           AND (organizer_id = $3 OR id IN (SELECT meeting_id FROM meeting_invitees WHERE email = $4)) \
         ORDER BY starts_at, id",
    )
    .bind(to)
    .bind(from)
    .bind(&user.id)
    .bind(&user.email)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Placed {
            id: r.get("id"),
            room: r.get("room"),
            title: r.get("title"),
            starts_at_ms: r.get("starts_at"),
            ends_at_ms: r.get("ends_at"),
            is_organizer: r.get::<String, _>("organizer_id") == user.id,
        })
        .collect())
}

/// Inserts a meeting with a fresh room and its invitees, in one transaction.
pub async fn insert_meeting(
    db: &Db,
    organizer_id: &str,
    draft: &MeetingDraft,
) -> AppResult<ScheduledMeeting> {
    let id = new_id();
    let room = RoomId::generate();
    let now = now_ms();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO meetings (id, room, organizer_id, title, starts_at, ends_at, time_zone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(room.as_str())
    .bind(organizer_id)
    .bind(draft.title.as_str())
    .bind(draft.starts_at_ms)
    .bind(draft.ends_at_ms)
    .bind(&draft.time_zone)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    insert_invitees(&mut tx, &id, &draft.invitees).await?;
    tx.commit().await?;
    Ok(ScheduledMeeting {
        id,
        room: room.as_str().to_owned(),
    })
}

/// Replaces a meeting's fields and invitees, in one transaction.
pub async fn update_meeting(db: &Db, id: &str, draft: &MeetingDraft) -> AppResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE meetings SET title = $1, starts_at = $2, ends_at = $3, time_zone = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(draft.title.as_str())
    .bind(draft.starts_at_ms)
    .bind(draft.ends_at_ms)
    .bind(&draft.time_zone)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM meeting_invitees WHERE meeting_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_invitees(&mut tx, id, &draft.invitees).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_invitees(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    meeting_id: &str,
    invitees: &[crate::auth::Email],
) -> AppResult<()> {
    for email in invitees {
        sqlx::query("INSERT INTO meeting_invitees (meeting_id, email) VALUES ($1, $2)")
            .bind(meeting_id)
            .bind(email.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Deletes a meeting; invitees and chat go with it (foreign keys cascade).
pub async fn delete_meeting(db: &Db, id: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM meetings WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The organizer's user id, if the meeting exists.
pub async fn organizer_of(db: &Db, id: &str) -> AppResult<Option<String>> {
    let row = sqlx::query("SELECT organizer_id FROM meetings WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.get("organizer_id")))
}

/// A meeting's details if `user` organizes it or is invited.
pub async fn details(
    db: &Db,
    user: &User,
    id: &str,
    locale: Locale,
) -> AppResult<Option<MeetingDetails>> {
    let Some(row) = sqlx::query(
        "SELECT m.id, m.room, m.title, m.organizer_id, u.display_name, m.starts_at, m.ends_at, m.time_zone \
         FROM meetings m JOIN users u ON u.id = m.organizer_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let invitees: Vec<String> =
        sqlx::query("SELECT email FROM meeting_invitees WHERE meeting_id = $1 ORDER BY email")
            .bind(id)
            .fetch_all(db)
            .await?
            .into_iter()
            .map(|r| r.get("email"))
            .collect();
    let organizer_id: String = row.get("organizer_id");
    let is_organizer = organizer_id == user.id;
    if !is_organizer && !invitees.contains(&user.email) {
        return Ok(None);
    }
    let starts_at: i64 = row.get("starts_at");
    let ends_at: i64 = row.get("ends_at");
    let time_zone: String = row.get("time_zone");
    let tz = zone::parse(&time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let local = zone::to_local(tz, starts_at);
    Ok(Some(MeetingDetails {
        id: row.get("id"),
        room: row.get("room"),
        title: row.get("title"),
        organizer_name: row.get("display_name"),
        is_organizer,
        date: format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        ),
        time: zone::hhmm(&local),
        duration_min: (ends_at - starts_at) / 60_000,
        when_label: zone::format_range(starts_at, ends_at, &user.time_zone, locale),
        time_zone,
        invitees,
    }))
}
