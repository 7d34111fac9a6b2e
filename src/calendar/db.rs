//! SQL of the calendar feature: series (a meeting row with an optional
//! RRULE), their EXDATEs and RECURRENCE-ID overrides, attendees and
//! reminders. Candidates for a time range are found by SQL
//! (`starts_at`/`last_ends_at`), then expanded in Rust.

use super::notices;
use super::recurrence::{self, Override, Rule, Series};
use super::repeat::{describe, RepeatFields};
use super::week::Placed;
use super::{AttendeeView, EditScope, MeetingDetails, MeetingDraft, PartStat, ScheduledMeeting};
use crate::auth::User;
use crate::db::{new_id, now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::meeting::RoomId;
use crate::zone;
use chrono::Datelike as _;
use chrono_tz::Tz;
use sqlx::Row;
use std::collections::HashMap;

/// A meeting row with its exceptions: everything needed to expand it.
#[derive(Clone, Debug)]
pub struct SeriesRow {
    pub id: String,
    pub room: String,
    pub title: String,
    pub description: String,
    pub organizer_id: String,
    /// First occurrence, Unix ms.
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub time_zone: String,
    /// `None` for a single meeting; also when the stored rule no longer
    /// parses (logged), so one bad row never hides a calendar.
    pub rule: Option<Rule>,
    pub exdates: Vec<i64>,
    pub overrides: Vec<Override>,
    pub ical_uid: String,
    pub sequence: i64,
}

impl SeriesRow {
    pub fn tz(&self) -> Tz {
        zone::parse(&self.time_zone).unwrap_or(Tz::UTC)
    }

    /// The series for [`recurrence::expand`].
    pub fn series(&self) -> Series<'_> {
        let tz = self.tz();
        Series {
            tz,
            start_local: zone::to_local(tz, self.starts_at_ms).naive_local(),
            duration_ms: self.ends_at_ms - self.starts_at_ms,
            rule: self.rule.as_ref(),
            exdates: &self.exdates,
            overrides: &self.overrides,
        }
    }
}

const SERIES_COLUMNS: &str = "m.id, m.room, m.title, m.description, m.organizer_id, m.starts_at, \
     m.ends_at, m.time_zone, m.rrule, m.ical_uid, m.sequence";

fn series_from_row(row: &sqlx::any::AnyRow) -> SeriesRow {
    let id: String = row.get("id");
    let rule = row
        .get::<Option<String>, _>("rrule")
        .and_then(|raw| match Rule::parse(&raw) {
            Ok(rule) => Some(rule),
            Err(problem) => {
                tracing::warn!(meeting = %id, ?problem, "stored RRULE does not parse; shown once");
                None
            }
        });
    SeriesRow {
        room: row.get("room"),
        title: row.get("title"),
        description: row.get("description"),
        organizer_id: row.get("organizer_id"),
        starts_at_ms: row.get("starts_at"),
        ends_at_ms: row.get("ends_at"),
        time_zone: row.get("time_zone"),
        rule,
        exdates: Vec::new(),
        overrides: Vec::new(),
        ical_uid: row.get("ical_uid"),
        sequence: row.get::<i64, _>("sequence"),
        id,
    }
}

/// `$first, $first+1, ...` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fills in the EXDATEs and overrides of `rows`, two queries in all.
async fn load_exceptions(conn: &mut sqlx::AnyConnection, rows: &mut [SeriesRow]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let list = placeholders(1, rows.len());
    let sql = format!(
        "SELECT meeting_id, original_start_ms FROM meeting_exdates WHERE meeting_id IN ({list})"
    );
    let mut query = sqlx::query(&sql);
    for row in rows.iter() {
        query = query.bind(row.id.clone());
    }
    for r in query.fetch_all(&mut *conn).await? {
        if let Some(i) = index.get(&r.get::<String, _>("meeting_id")) {
            rows[*i].exdates.push(r.get("original_start_ms"));
        }
    }
    let sql = format!(
        "SELECT meeting_id, original_start_ms, starts_at, ends_at, title FROM meeting_overrides \
         WHERE meeting_id IN ({list})"
    );
    let mut query = sqlx::query(&sql);
    for row in rows.iter() {
        query = query.bind(row.id.clone());
    }
    for r in query.fetch_all(&mut *conn).await? {
        if let Some(i) = index.get(&r.get::<String, _>("meeting_id")) {
            rows[*i].overrides.push(Override {
                recurrence_id_ms: r.get("original_start_ms"),
                starts_at_ms: r.get("starts_at"),
                ends_at_ms: r.get("ends_at"),
                title: r.get("title"),
            });
        }
    }
    Ok(())
}

/// One series by id, with its exceptions.
pub async fn series(db: &Db, id: &str) -> AppResult<Option<SeriesRow>> {
    series_on(&mut *db.acquire().await?, id).await
}

/// [`series`] on one connection (or inside a transaction).
async fn series_on(conn: &mut sqlx::AnyConnection, id: &str) -> AppResult<Option<SeriesRow>> {
    let sql = format!("SELECT {SERIES_COLUMNS} FROM meetings m WHERE m.id = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut rows = vec![series_from_row(&row)];
    load_exceptions(conn, &mut rows).await?;
    Ok(rows.pop())
}

/// Series that may have occurrences in `[from, to)` (Unix ms) among
/// those `user` organizes or is invited to (`only_accepted`: only
/// invitations the user accepted, as for conflicts).
async fn candidates(
    db: &Db,
    user: &User,
    from: i64,
    to: i64,
    only_accepted: bool,
) -> AppResult<Vec<SeriesRow>> {
    let invited = if only_accepted {
        "SELECT meeting_id FROM meeting_invitees WHERE email = $4 AND partstat = 'accepted'"
    } else {
        "SELECT meeting_id FROM meeting_invitees WHERE email = $4"
    };
    let sql = format!(
        "SELECT {SERIES_COLUMNS} FROM meetings m \
         WHERE (m.organizer_id = $3 OR m.id IN ({invited})) \
           AND ((m.starts_at < $1 AND (m.last_ends_at IS NULL OR m.last_ends_at > $2)) \
                OR m.id IN (SELECT meeting_id FROM meeting_overrides WHERE starts_at < $1 AND ends_at > $2)) \
         ORDER BY m.starts_at, m.id"
    );
    let rows = sqlx::query(&sql)
        .bind(to)
        .bind(from)
        .bind(&user.id)
        .bind(&user.email)
        .fetch_all(db)
        .await?;
    let mut rows: Vec<SeriesRow> = rows.iter().map(series_from_row).collect();
    load_exceptions(&mut *db.acquire().await?, &mut rows).await?;
    Ok(rows)
}

/// Every series a feed shows: those `user_id` organizes or `email` is
/// invited to (declined invitations left out) that end after `since_ms`
/// or never end, with their exceptions, in three queries.
pub async fn feed_series(
    db: &Db,
    user_id: &str,
    email: &str,
    since_ms: i64,
) -> AppResult<Vec<SeriesRow>> {
    let sql = format!(
        "SELECT {SERIES_COLUMNS} FROM meetings m \
         WHERE (m.last_ends_at IS NULL OR m.last_ends_at > $1) \
           AND (m.organizer_id = $2 OR m.id IN \
                (SELECT meeting_id FROM meeting_invitees WHERE email = $3 AND partstat <> 'declined')) \
         ORDER BY m.starts_at, m.id"
    );
    let rows = sqlx::query(&sql)
        .bind(since_ms)
        .bind(user_id)
        .bind(email)
        .fetch_all(db)
        .await?;
    let mut rows: Vec<SeriesRow> = rows.iter().map(series_from_row).collect();
    load_exceptions(&mut *db.acquire().await?, &mut rows).await?;
    Ok(rows)
}

/// Every series with reminders that may have an occurrence starting in
/// `[from, to)` (Unix ms), with its exceptions: three queries in all.
pub async fn series_with_reminders(db: &Db, from: i64, to: i64) -> AppResult<Vec<SeriesRow>> {
    let sql = format!(
        "SELECT {SERIES_COLUMNS} FROM meetings m \
         WHERE m.starts_at < $1 AND (m.last_ends_at IS NULL OR m.last_ends_at > $2) \
           AND EXISTS (SELECT 1 FROM meeting_reminders r WHERE r.meeting_id = m.id) \
         ORDER BY m.starts_at, m.id"
    );
    let rows = sqlx::query(&sql).bind(to).bind(from).fetch_all(db).await?;
    let mut rows: Vec<SeriesRow> = rows.iter().map(series_from_row).collect();
    load_exceptions(&mut *db.acquire().await?, &mut rows).await?;
    Ok(rows)
}

/// Occurrences of the meetings the user organizes or is invited to that
/// overlap `[from, to)` (Unix ms), series expanded in their own zones.
pub async fn occurrences_between(
    db: &Db,
    user: &User,
    from: i64,
    to: i64,
) -> AppResult<Vec<Placed>> {
    let rows = candidates(db, user, from, to, false).await?;
    let mut placed = Vec::new();
    for row in &rows {
        let recurring = row.rule.is_some();
        for occurrence in recurrence::expand(&row.series(), from, to) {
            placed.push(Placed {
                id: row.id.clone(),
                occurrence_ms: recurring.then_some(occurrence.recurrence_id_ms),
                room: row.room.clone(),
                title: occurrence.title.unwrap_or_else(|| row.title.clone()),
                starts_at_ms: occurrence.starts_at_ms,
                ends_at_ms: occurrence.ends_at_ms,
                is_organizer: row.organizer_id == user.id,
            });
        }
    }
    placed.sort_by(|a, b| (a.starts_at_ms, &a.id).cmp(&(b.starts_at_ms, &b.id)));
    Ok(placed)
}

/// When `user` is busy in `[from, to)` (Unix ms): the occurrences of the
/// meetings they organize or accepted, clipped to the window, merged
/// where they touch or overlap, in order. No titles: this is what other
/// members may see.
pub async fn busy_between(db: &Db, user: &User, from: i64, to: i64) -> AppResult<Vec<(i64, i64)>> {
    let rows = candidates(db, user, from, to, true).await?;
    let mut spans: Vec<(i64, i64)> = rows
        .iter()
        .flat_map(|row| recurrence::expand(&row.series(), from, to))
        .map(|o| (o.starts_at_ms.max(from), o.ends_at_ms.min(to)))
        .filter(|(start, end)| start < end)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    Ok(merged)
}

/// Inserts a meeting (or series) with a fresh room, its invitees and
/// reminders, in one transaction.
pub async fn insert_meeting(
    db: &Db,
    organizer_id: &str,
    draft: &MeetingDraft,
) -> AppResult<ScheduledMeeting> {
    let mut tx = db.begin().await?;
    let scheduled = insert_series(&mut tx, organizer_id, draft, None).await?;
    tx.commit().await?;
    Ok(scheduled)
}

async fn insert_series(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    organizer_id: &str,
    draft: &MeetingDraft,
    uid: Option<&str>,
) -> AppResult<ScheduledMeeting> {
    let id = new_id();
    let room = RoomId::generate();
    let now = now_ms();
    let uid = uid.map_or_else(|| format!("{id}@convene"), str::to_owned);
    sqlx::query(
        "INSERT INTO meetings (id, room, organizer_id, title, description, starts_at, ends_at, time_zone, \
                               rrule, last_ends_at, ical_uid, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&id)
    .bind(room.as_str())
    .bind(organizer_id)
    .bind(draft.title.as_str())
    .bind(&draft.description)
    .bind(draft.starts_at_ms)
    .bind(draft.ends_at_ms)
    .bind(draft.time_zone.name())
    .bind(draft.rule.as_ref().map(Rule::to_rrule))
    .bind(recurrence::last_end_ms(&draft.series()))
    .bind(&uid)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let (invited, _) = sync_invitees(tx, &id, &draft.invitees).await?;
    replace_reminders(tx, &id, &draft.reminders).await?;
    notices::invite(tx, &id, 0, &invited).await?;
    reschedule_reminders(tx, &id).await?;
    Ok(ScheduledMeeting {
        id,
        room: room.as_str().to_owned(),
        conflicts: Vec::new(),
    })
}

/// Queues the reminders of meeting `id` as it now is (inside the
/// transaction that changed it).
async fn reschedule_reminders(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> AppResult<()> {
    if let Some(row) = series_on(tx, id).await? {
        notices::schedule_reminders(tx, &row, now_ms()).await?;
    }
    Ok(())
}

/// The addresses invited to meeting `id`.
async fn invitee_emails(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> AppResult<Vec<String>> {
    Ok(
        sqlx::query("SELECT email FROM meeting_invitees WHERE meeting_id = $1 ORDER BY email")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.get("email"))
            .collect(),
    )
}

/// Makes the invitee list `invitees`, keeping the answers of those who
/// stay invited. Answers (the newly invited, the no longer invited).
async fn sync_invitees(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    meeting_id: &str,
    invitees: &[crate::auth::Email],
) -> AppResult<(Vec<String>, Vec<String>)> {
    let existing: Vec<String> =
        sqlx::query("SELECT email FROM meeting_invitees WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.get("email"))
            .collect();
    let removed: Vec<String> = existing
        .iter()
        .filter(|e| !invitees.iter().any(|i| i.as_str() == e.as_str()))
        .cloned()
        .collect();
    let added: Vec<String> = invitees
        .iter()
        .filter(|i| !existing.iter().any(|e| e == i.as_str()))
        .map(|i| i.as_str().to_owned())
        .collect();
    for gone in &removed {
        sqlx::query("DELETE FROM meeting_invitees WHERE meeting_id = $1 AND email = $2")
            .bind(meeting_id)
            .bind(gone)
            .execute(&mut **tx)
            .await?;
    }
    for email in &added {
        sqlx::query("INSERT INTO meeting_invitees (meeting_id, email) VALUES ($1, $2)")
            .bind(meeting_id)
            .bind(email)
            .execute(&mut **tx)
            .await?;
    }
    Ok((added, removed))
}

async fn replace_reminders(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    meeting_id: &str,
    minutes: &[u32],
) -> AppResult<()> {
    sqlx::query("DELETE FROM meeting_reminders WHERE meeting_id = $1")
        .bind(meeting_id)
        .execute(&mut **tx)
        .await?;
    for m in minutes {
        sqlx::query("INSERT INTO meeting_reminders (meeting_id, minutes_before) VALUES ($1, $2)")
            .bind(meeting_id)
            .bind(i64::from(*m))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces the series-level fields; exceptions are dropped when the
/// start, zone or rule changed (their RECURRENCE-IDs would no longer
/// match an occurrence).
async fn update_series(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    current: &SeriesRow,
    draft: &MeetingDraft,
) -> AppResult<()> {
    let rrule = draft.rule.as_ref().map(Rule::to_rrule);
    let reshaped = current.starts_at_ms != draft.starts_at_ms
        || current.time_zone != draft.time_zone.name()
        || current.rule.as_ref().map(Rule::to_rrule) != rrule;
    let (exdates, overrides) = if reshaped {
        for table in ["meeting_exdates", "meeting_overrides"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE meeting_id = $1"))
                .bind(&current.id)
                .execute(&mut **tx)
                .await?;
        }
        (Vec::new(), Vec::new())
    } else {
        (current.exdates.clone(), current.overrides.clone())
    };
    let series = Series {
        exdates: &exdates,
        overrides: &overrides,
        ..draft.series()
    };
    sqlx::query(
        "UPDATE meetings SET title = $1, description = $2, starts_at = $3, ends_at = $4, time_zone = $5, \
                             rrule = $6, last_ends_at = $7, updated_at = $8, sequence = sequence + 1 \
         WHERE id = $9",
    )
    .bind(draft.title.as_str())
    .bind(&draft.description)
    .bind(draft.starts_at_ms)
    .bind(draft.ends_at_ms)
    .bind(draft.time_zone.name())
    .bind(rrule)
    .bind(recurrence::last_end_ms(&series))
    .bind(now_ms())
    .bind(&current.id)
    .execute(&mut **tx)
    .await?;
    let (added, removed) = sync_invitees(tx, &current.id, &draft.invitees).await?;
    replace_reminders(tx, &current.id, &draft.reminders).await?;
    let sequence = current.sequence + 1;
    notices::invite(tx, &current.id, sequence, &added).await?;
    let visible = reshaped
        || current.title != draft.title.as_str()
        || current.description != draft.description
        || current.ends_at_ms - current.starts_at_ms != draft.ends_at_ms - draft.starts_at_ms;
    if visible {
        let kept: Vec<String> = invitee_emails(tx, &current.id)
            .await?
            .into_iter()
            .filter(|e| !added.contains(e))
            .collect();
        let previous = (current.starts_at_ms != draft.starts_at_ms).then_some(current.starts_at_ms);
        notices::announce_update(tx, &current.id, sequence, &kept, None, previous).await?;
    }
    notices::cancel(tx, &notices::snapshot(current, None), &removed).await?;
    reschedule_reminders(tx, &current.id).await?;
    Ok(())
}

/// Recomputes `last_ends_at` and bumps SEQUENCE after exceptions changed.
async fn touch(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: &str) -> AppResult<()> {
    let current = series_on(tx, id).await?.ok_or(AppError::NotFound)?;
    sqlx::query(
        "UPDATE meetings SET last_ends_at = $1, updated_at = $2, sequence = sequence + 1 WHERE id = $3",
    )
    .bind(recurrence::last_end_ms(&current.series()))
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends `current` before the occurrence `at` (for "this and following"),
/// dropping its exceptions from `at` on. `false` when `at` is the first
/// occurrence, so nothing of the series would remain.
async fn end_series_before(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    current: &SeriesRow,
    rule: &Rule,
    at: i64,
) -> AppResult<bool> {
    if at <= current.starts_at_ms {
        return Ok(false);
    }
    let ended = rule.ending_before(at);
    for table in ["meeting_exdates", "meeting_overrides"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE meeting_id = $1 AND original_start_ms >= $2"
        ))
        .bind(&current.id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE meetings SET rrule = $1 WHERE id = $2")
        .bind(ended.to_rrule())
        .bind(&current.id)
        .execute(&mut **tx)
        .await?;
    touch(tx, &current.id).await?;
    Ok(true)
}

/// How many occurrences of `series` start before `at` (for COUNT when a
/// series is split).
fn occurrences_before(row: &SeriesRow, at: i64) -> u32 {
    let without_exceptions = Series {
        exdates: &[],
        overrides: &[],
        ..row.series()
    };
    recurrence::expand(&without_exceptions, row.starts_at_ms, at)
        .iter()
        .filter(|o| o.recurrence_id_ms < at)
        .count() as u32
}

/// Applies an edit to a meeting: the whole series, one occurrence (an
/// override), or this and the following ones (the series is split: the
/// old one ends before the occurrence, a new one starts with the edit).
/// Answers with the meeting that now holds the edited occurrence.
///
/// # Errors
/// [`AppError::NotFound`] for a missing meeting, or an occurrence the
/// series does not have.
pub async fn update_meeting(
    db: &Db,
    id: &str,
    scope: EditScope,
    occurrence: Option<i64>,
    draft: &MeetingDraft,
) -> AppResult<ScheduledMeeting> {
    let current = series(db, id).await?.ok_or(AppError::NotFound)?;
    let same = ScheduledMeeting {
        id: current.id.clone(),
        room: current.room.clone(),
        conflicts: Vec::new(),
    };
    let target = match (scope, &current.rule, occurrence) {
        (EditScope::All, _, _) | (_, None, _) => None,
        (_, Some(_), None) => return Err(AppError::NotFound),
        (_, Some(_), Some(at)) => {
            Some(recurrence::occurrence_at(&current.series(), at).ok_or(AppError::NotFound)?)
        }
    };
    let mut tx = db.begin().await?;
    let answer = match (scope, target, &current.rule) {
        (EditScope::This, Some(occurrence), _) => {
            let title =
                (draft.title.as_str() != current.title).then(|| draft.title.as_str().to_owned());
            sqlx::query(
                "INSERT INTO meeting_overrides (meeting_id, original_start_ms, starts_at, ends_at, title) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (meeting_id, original_start_ms) \
                 DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, title = excluded.title",
            )
            .bind(id)
            .bind(occurrence.recurrence_id_ms)
            .bind(draft.starts_at_ms)
            .bind(draft.ends_at_ms)
            .bind(title)
            .execute(&mut *tx)
            .await?;
            touch(&mut tx, id).await?;
            let emails = invitee_emails(&mut tx, id).await?;
            notices::announce_update(
                &mut tx,
                id,
                current.sequence + 1,
                &emails,
                Some(occurrence.recurrence_id_ms),
                Some(occurrence.starts_at_ms),
            )
            .await?;
            reschedule_reminders(&mut tx, id).await?;
            same
        }
        (EditScope::Following, Some(occurrence), Some(rule)) => {
            let at = occurrence.recurrence_id_ms;
            if end_series_before(&mut tx, &current, rule, at).await? {
                let emails = invitee_emails(&mut tx, id).await?;
                notices::announce_update(&mut tx, id, current.sequence + 1, &emails, None, None)
                    .await?;
                let mut rest = draft.clone();
                // A count covers the whole series: what is left of it.
                if let (Some(recurrence::RuleEnd::Count(old)), Some(new_rule)) =
                    (current.rule.as_ref().map(|r| r.end), rest.rule.as_mut())
                {
                    if new_rule.end == recurrence::RuleEnd::Count(old) {
                        let before = occurrences_before(&current, at);
                        new_rule.end =
                            recurrence::RuleEnd::Count(old.saturating_sub(before).max(1));
                    }
                }
                insert_series(&mut tx, &current.organizer_id, &rest, None).await?
            } else {
                update_series(&mut tx, &current, draft).await?;
                same
            }
        }
        _ => {
            update_series(&mut tx, &current, draft).await?;
            same
        }
    };
    tx.commit().await?;
    Ok(answer)
}

/// Deletes a meeting, one occurrence of a series (an EXDATE), or this and
/// the following occurrences; attendees and chat go with a deleted
/// meeting (foreign keys cascade).
///
/// # Errors
/// [`AppError::NotFound`] for a missing meeting or occurrence.
pub async fn delete_meeting(
    db: &Db,
    id: &str,
    scope: EditScope,
    occurrence: Option<i64>,
) -> AppResult<()> {
    let current = series(db, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    let emails = invitee_emails(&mut tx, id).await?;
    let whole = match (scope, &current.rule, occurrence) {
        (EditScope::All, _, _) | (_, None, _) => true,
        (_, Some(_), None) => return Err(AppError::NotFound),
        (scope, Some(rule), Some(at)) => {
            let occurrence =
                recurrence::occurrence_at(&current.series(), at).ok_or(AppError::NotFound)?;
            let at = occurrence.recurrence_id_ms;
            if scope == EditScope::This {
                sqlx::query(
                    "INSERT INTO meeting_exdates (meeting_id, original_start_ms) VALUES ($1, $2) \
                     ON CONFLICT (meeting_id, original_start_ms) DO NOTHING",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM meeting_overrides WHERE meeting_id = $1 AND original_start_ms = $2",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                touch(&mut tx, id).await?;
                notices::cancel(
                    &mut tx,
                    &notices::snapshot(&current, Some(&occurrence)),
                    &emails,
                )
                .await?;
                false
            } else if end_series_before(&mut tx, &current, rule, at).await? {
                notices::announce_update(&mut tx, id, current.sequence + 1, &emails, None, None)
                    .await?;
                false
            } else {
                true
            }
        }
    };
    if whole {
        notices::cancel(&mut tx, &notices::snapshot(&current, None), &emails).await?;
        sqlx::query("DELETE FROM meetings WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
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

/// Records `email`'s answer to meeting `id`; `false` when not invited.
pub async fn set_answer(db: &Db, id: &str, email: &str, answer: PartStat) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE meeting_invitees SET partstat = $1, responded_at = $2 WHERE meeting_id = $3 AND email = $4",
    )
    .bind(answer.as_str())
    .bind(now_ms())
    .bind(id)
    .bind(email)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Attendees of a meeting with their answers and, for members, names.
pub async fn attendees(db: &Db, id: &str) -> AppResult<Vec<AttendeeView>> {
    let rows = sqlx::query(
        "SELECT i.email, i.partstat, u.display_name FROM meeting_invitees i \
         LEFT JOIN users u ON u.email = i.email WHERE i.meeting_id = $1 ORDER BY i.email",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| AttendeeView {
            email: r.get("email"),
            name: r.get("display_name"),
            partstat: PartStat::parse(&r.get::<String, _>("partstat")).unwrap_or_default(),
        })
        .collect())
}

/// Reminder minutes of a meeting, ascending.
pub async fn reminders<'e, E>(executor: E, id: &str) -> AppResult<Vec<u32>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT minutes_before FROM meeting_reminders WHERE meeting_id = $1 ORDER BY minutes_before",
    )
    .bind(id)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.get::<i64, _>("minutes_before")
                .clamp(0, i64::from(u32::MAX)) as u32
        })
        .collect())
}

/// A meeting's details (of one occurrence when `occurrence` is given) if
/// `user` organizes it or is invited.
pub async fn details(
    db: &Db,
    user: &User,
    id: &str,
    occurrence: Option<i64>,
    locale: Locale,
) -> AppResult<Option<MeetingDetails>> {
    let Some(row) = series(db, id).await? else {
        return Ok(None);
    };
    let attendees = attendees(db, id).await?;
    let is_organizer = row.organizer_id == user.id;
    let my_answer = attendees
        .iter()
        .find(|a| a.email == user.email)
        .map(|a| a.partstat);
    if !is_organizer && my_answer.is_none() {
        return Ok(None);
    }
    let organizer_name: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
        .bind(&row.organizer_id)
        .fetch_optional(db)
        .await?
        .map(|r| r.get("display_name"))
        .unwrap_or_default();
    let tz = row.tz();
    let shown = match (occurrence, &row.rule) {
        (Some(at), Some(_)) => Some(recurrence::occurrence_at(&row.series(), at)),
        _ => None,
    };
    let (starts_at, ends_at, title, occurrence_ms) = match shown {
        Some(None) => return Ok(None),
        Some(Some(o)) => (
            o.starts_at_ms,
            o.ends_at_ms,
            o.title.unwrap_or_else(|| row.title.clone()),
            Some(o.recurrence_id_ms),
        ),
        None => (row.starts_at_ms, row.ends_at_ms, row.title.clone(), None),
    };
    let local = zone::to_local(tz, starts_at);
    let start_local = zone::to_local(tz, row.starts_at_ms).naive_local();
    let reminders = reminders(db, id).await?;
    Ok(Some(MeetingDetails {
        id: row.id.clone(),
        room: row.room.clone(),
        title,
        description: row.description.clone(),
        organizer_name,
        is_organizer,
        occurrence_ms,
        date: format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        ),
        time: zone::hhmm(&local),
        duration_min: (ends_at - starts_at) / 60_000,
        when_label: zone::format_range(starts_at, ends_at, &user.time_zone, locale),
        repeat_label: row.rule.as_ref().map(|r| describe(r, tz, locale)),
        repeat: RepeatFields::from_rule(row.rule.as_ref(), start_local, tz),
        reminders: reminders
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        time_zone: row.time_zone.clone(),
        attendees,
        my_answer,
    }))
}

/// Accepted (or organized) meetings of the organizer and of member
/// attendees that overlap the first occurrences of `draft` (up to a year
/// ahead), other than meeting `own_id`: "Title — Name, when" for each.
pub async fn conflicts(
    db: &Db,
    organizer: &User,
    own_id: &str,
    draft: &MeetingDraft,
    locale: Locale,
) -> AppResult<Vec<String>> {
    const HORIZON_MS: i64 = 366 * 24 * 3600 * 1000;
    const MOST: usize = 5;
    let mine: Vec<(i64, i64)> = recurrence::expand(
        &draft.series(),
        draft.starts_at_ms,
        draft.starts_at_ms + HORIZON_MS,
    )
    .iter()
    .map(|o| (o.starts_at_ms, o.ends_at_ms))
    .collect();
    let Some((&(first, _), &(_, last))) = mine.first().zip(mine.last()) else {
        return Ok(Vec::new());
    };
    let mut people = vec![organizer.clone()];
    for email in &draft.invitees {
        if let Some(user) = crate::auth::db::user_by_email(db, email.as_str()).await? {
            if user.id != organizer.id {
                people.push(user);
            }
        }
    }
    let mut found = Vec::new();
    for person in &people {
        for row in candidates(db, person, first, last, true).await? {
            if row.id == own_id {
                continue;
            }
            for other in recurrence::expand(&row.series(), first, last) {
                let overlaps = mine
                    .iter()
                    .any(|(s, e)| *s < other.ends_at_ms && other.starts_at_ms < *e);
                if overlaps {
                    found.push(format!(
                        "{} — {}, {}",
                        other.title.unwrap_or_else(|| row.title.clone()),
                        person.display_name,
                        zone::format_range(
                            other.starts_at_ms,
                            other.ends_at_ms,
                            &organizer.time_zone,
                            locale
                        )
                    ));
                    break;
                }
            }
            if found.len() >= MOST {
                return Ok(found);
            }
        }
    }
    Ok(found)
}

/// What [`import_event`] did with one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Imported {
    /// A new meeting (or series) was made.
    Created,
    /// The organizer already has a meeting with this UID: left alone.
    AlreadyThere,
}

/// Makes a meeting organized by `organizer_id` from an imported VEVENT
/// (with its RRULE, EXDATEs and overrides, and VALARMs as reminders). Its
/// attendees are not invited: importing a calendar mails nobody. A UID the
/// organizer already has is left alone, so importing a file twice adds
/// nothing.
///
/// # Errors
/// [`AppError::Internal`] on database failure.
pub async fn import_event(
    db: &Db,
    organizer_id: &str,
    event: &super::ics::IcsEvent,
) -> AppResult<Imported> {
    let mut tx = db.begin().await?;
    let exists = sqlx::query("SELECT id FROM meetings WHERE organizer_id = $1 AND ical_uid = $2")
        .bind(organizer_id)
        .bind(&event.uid)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if exists {
        return Ok(Imported::AlreadyThere);
    }
    let title: String = event
        .title
        .trim()
        .chars()
        .take(super::MeetingTitle::MAX_CHARS)
        .collect();
    let title = super::MeetingTitle::parse(if title.is_empty() { "—" } else { &title })?;
    let starts_at_ms = zone::local_to_utc_ms(event.tz, event.start_local);
    let mut reminders = event.reminders_min.clone();
    reminders.retain(|m| *m <= 40_320);
    reminders.sort_unstable();
    reminders.dedup();
    reminders.truncate(5);
    let draft = MeetingDraft {
        title,
        description: event
            .description
            .chars()
            .take(MeetingDraft::MAX_DESCRIPTION_CHARS)
            .collect(),
        start_local: event.start_local,
        starts_at_ms,
        ends_at_ms: starts_at_ms + event.duration_ms.max(60_000),
        time_zone: event.tz,
        invitees: Vec::new(),
        rule: event.rule.clone(),
        reminders,
    };
    let scheduled = insert_series(&mut tx, organizer_id, &draft, Some(&event.uid)).await?;
    for exdate in &event.exdates {
        sqlx::query(
            "INSERT INTO meeting_exdates (meeting_id, original_start_ms) VALUES ($1, $2) \
             ON CONFLICT (meeting_id, original_start_ms) DO NOTHING",
        )
        .bind(&scheduled.id)
        .bind(exdate)
        .execute(&mut *tx)
        .await?;
    }
    for over in &event.overrides {
        sqlx::query(
            "INSERT INTO meeting_overrides (meeting_id, original_start_ms, starts_at, ends_at, title) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (meeting_id, original_start_ms) DO NOTHING",
        )
        .bind(&scheduled.id)
        .bind(over.recurrence_id_ms)
        .bind(over.starts_at_ms)
        .bind(over.ends_at_ms)
        .bind(over.title.as_deref())
        .execute(&mut *tx)
        .await?;
    }
    if !event.exdates.is_empty() || !event.overrides.is_empty() {
        let row = series_on(&mut tx, &scheduled.id)
            .await?
            .ok_or(AppError::NotFound)?;
        sqlx::query("UPDATE meetings SET last_ends_at = $1 WHERE id = $2")
            .bind(recurrence::last_end_ms(&row.series()))
            .bind(&scheduled.id)
            .execute(&mut *tx)
            .await?;
        reschedule_reminders(&mut tx, &scheduled.id).await?;
    }
    tx.commit().await?;
    Ok(Imported::Created)
}
