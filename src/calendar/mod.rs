//! The calendar: a week of the user's meetings in their time zone, and
//! scheduling, editing and deleting meetings. Each meeting gets a room
//! with an unguessable link (`/m/{room}`).

pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod week;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use crate::error::{AppResult, Invalid};
#[cfg(feature = "ssr")]
use crate::zone;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One day column of the week view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayColumn {
    /// `YYYY-MM-DD`, local.
    pub date: String,
    /// "Mon 16 Nov", localized.
    pub label: String,
    pub is_today: bool,
}

/// A meeting (or the part of it within one day) on the week grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekEvent {
    pub meeting_id: String,
    pub room: String,
    pub title: String,
    /// Column, 0 = Monday.
    pub day: u8,
    /// Minutes after local midnight, `0..1440`.
    pub start_min: u16,
    /// Minutes after local midnight, `start_min < end_min <= 1440`.
    pub end_min: u16,
    /// "09:30–10:15", local.
    pub time_label: String,
    pub is_organizer: bool,
}

/// A week of meetings, laid out on the server in the viewer's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekView {
    /// Monday, `YYYY-MM-DD`.
    pub week_start: String,
    pub prev_week: String,
    pub next_week: String,
    /// Monday of the current week.
    pub this_week: String,
    /// "16–22 Nov 2026".
    pub range_label: String,
    /// IANA name of the zone the week is shown in.
    pub time_zone: String,
    pub days: Vec<DayColumn>,
    pub events: Vec<WeekEvent>,
    /// Today, `YYYY-MM-DD`, in `time_zone`.
    pub today: String,
    /// The next full hour, `HH:MM`, as the form's default start.
    pub suggested_time: String,
}

/// A meeting as its details page and edit form show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    pub id: String,
    pub room: String,
    pub title: String,
    pub organizer_name: String,
    pub is_organizer: bool,
    /// Local start date in the meeting's zone, `YYYY-MM-DD`.
    pub date: String,
    /// Local start time in the meeting's zone, `HH:MM`.
    pub time: String,
    pub duration_min: i64,
    pub time_zone: String,
    pub invitees: Vec<String>,
    /// Start and end, in the viewer's zone and language.
    pub when_label: String,
}

/// What a new meeting answers with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledMeeting {
    pub id: String,
    pub room: String,
}

/// A meeting title: trimmed, 1–200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingTitle(String);

impl MeetingTitle {
    pub const MAX_CHARS: usize = 200;

    /// # Errors
    /// [`Invalid::TitleEmpty`] or [`Invalid::TitleTooLong`].
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let title: String = raw
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        match title.chars().count() {
            0 => Err(Invalid::TitleEmpty),
            n if n > Self::MAX_CHARS => Err(Invalid::TitleTooLong),
            _ => Ok(MeetingTitle(title)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Zones offered as suggestions by the form (any IANA name is accepted).
pub const COMMON_ZONES: [&str; 30] = [
    "UTC",
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Asia/Almaty",
    "Asia/Tashkent",
    "Asia/Tbilisi",
    "Asia/Yerevan",
    "Europe/Minsk",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Asia/Dubai",
    "Asia/Shanghai",
    "Asia/Tokyo",
];

/// Durations offered by the form, minutes.
pub const DURATIONS_MIN: [i64; 8] = [15, 30, 45, 60, 90, 120, 180, 240];

/// A valid meeting as typed into the form: start and end as instants
/// (computed from the local date and time in the meeting's zone).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct MeetingDraft {
    pub title: MeetingTitle,
    /// Unix ms (UTC).
    pub starts_at_ms: i64,
    /// Unix ms (UTC), after `starts_at_ms`.
    pub ends_at_ms: i64,
    /// IANA zone name.
    pub time_zone: String,
    pub invitees: Vec<crate::auth::Email>,
}

#[cfg(feature = "ssr")]
impl MeetingDraft {
    /// Most invitees per meeting.
    pub const MAX_INVITEES: usize = 100;

    /// Parses the form's fields. `date` is `YYYY-MM-DD`, `time` is `HH:MM`,
    /// `duration_min` is 5–1440, `invitees` are emails separated by commas,
    /// semicolons or whitespace.
    ///
    /// # Errors
    /// The [`Invalid`] of the first field that is wrong.
    pub fn parse(
        title: &str,
        date: &str,
        time: &str,
        duration_min: &str,
        time_zone: &str,
        invitees: &str,
    ) -> Result<Self, Invalid> {
        let title = MeetingTitle::parse(title)?;
        let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::DateMalformed)?;
        let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .or_else(|_| chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S"))
            .map_err(|_| Invalid::TimeMalformed)?;
        let duration: i64 = duration_min
            .trim()
            .parse()
            .map_err(|_| Invalid::DurationOutOfRange)?;
        if !(5..=24 * 60).contains(&duration) {
            return Err(Invalid::DurationOutOfRange);
        }
        let tz = zone::parse(time_zone).ok_or(Invalid::TimeZoneUnknown)?;
        let starts_at_ms = zone::local_to_utc_ms(tz, date.and_time(time));
        let mut emails = Vec::new();
        for raw in invitees.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
            if raw.trim().is_empty() {
                continue;
            }
            let email = crate::auth::Email::parse(raw).map_err(|_| Invalid::InviteeMalformed)?;
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
        if emails.len() > Self::MAX_INVITEES {
            return Err(Invalid::TooManyInvitees);
        }
        Ok(MeetingDraft {
            title,
            starts_at_ms,
            ends_at_ms: starts_at_ms + duration * 60_000,
            time_zone: tz.name().to_owned(),
            invitees: emails,
        })
    }
}

/// The signed-in user's week containing `week` (`YYYY-MM-DD`; default:
/// today), in their time zone.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors.
#[server(endpoint = "get_week")]
pub async fn get_week(#[server(default)] week: Option<String>) -> AppResult<WeekView> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let tz = zone::parse(&user.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let now = zone::to_local(tz, crate::db::now_ms());
    let today = now.date_naive();
    let anchor = week
        .as_deref()
        .and_then(|w| chrono::NaiveDate::parse_from_str(w.trim(), "%Y-%m-%d").ok())
        .unwrap_or(today);
    let monday = week::monday_of(anchor);
    let (from, to) = week::week_bounds_ms(tz, monday);
    let meetings = db::meetings_between(&db, &user, from, to).await?;
    let locale = crate::i18n::request_locale();
    let next_hour = chrono::Timelike::hour(&now) + 1;
    Ok(week::layout_at(
        tz, monday, today, next_hour, &meetings, locale,
    ))
}

/// Schedules a meeting organized by the caller.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors; the [`Invalid`] of the first
/// wrong field (see [`MeetingDraft::parse`]).
#[server(endpoint = "create_meeting")]
pub async fn create_meeting(
    title: String,
    date: String,
    time: String,
    duration_min: String,
    time_zone: String,
    #[server(default)] invitees: String,
) -> AppResult<ScheduledMeeting> {
    let user = crate::auth::require_user()?;
    let draft = MeetingDraft::parse(&title, &date, &time, &duration_min, &time_zone, &invitees)?;
    let db = crate::db::use_db()?;
    db::insert_meeting(&db, &user.id, &draft).await
}

/// Changes a meeting; only its organizer may.
///
/// # Errors
/// [`AppError::Unauthorized`], [`AppError::NotFound`] (also for meetings
/// the caller cannot see), [`AppError::Forbidden`] for non-organizers, or
/// the [`Invalid`] of the first wrong field.
#[server(endpoint = "update_meeting")]
pub async fn update_meeting(
    id: String,
    title: String,
    date: String,
    time: String,
    duration_min: String,
    time_zone: String,
    #[server(default)] invitees: String,
) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    authorize_organizer(&db, &user, &id).await?;
    let draft = MeetingDraft::parse(&title, &date, &time, &duration_min, &time_zone, &invitees)?;
    db::update_meeting(&db, &id, &draft).await
}

/// Deletes a meeting (and its chat); only its organizer may. Redirects to
/// the calendar.
///
/// # Errors
/// As [`update_meeting`].
#[server(endpoint = "delete_meeting")]
pub async fn delete_meeting(id: String) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    authorize_organizer(&db, &user, &id).await?;
    db::delete_meeting(&db, &id).await?;
    leptos_axum::redirect("/calendar");
    Ok(())
}

/// A meeting's details, for its organizer and invitees.
///
/// # Errors
/// [`AppError::Unauthorized`], or [`AppError::NotFound`] when it does not
/// exist or the caller is neither organizer nor invitee.
#[server(endpoint = "get_meeting")]
pub async fn get_meeting(id: String) -> AppResult<MeetingDetails> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let locale = crate::i18n::request_locale();
    db::details(&db, &user, &id, locale)
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(feature = "ssr")]
async fn authorize_organizer(
    db: &crate::db::Db,
    user: &crate::auth::User,
    id: &str,
) -> AppResult<()> {
    match db::organizer_of(db, id).await? {
        None => Err(AppError::NotFound),
        Some(organizer) if organizer == user.id => Ok(()),
        Some(_) => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(
            MeetingTitle::parse("  Standup ").unwrap().as_str(),
            "Standup"
        );
        assert_eq!(MeetingTitle::parse(""), Err(Invalid::TitleEmpty));
        assert_eq!(
            MeetingTitle::parse(&"x".repeat(201)),
            Err(Invalid::TitleTooLong)
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn draft_reports_the_wrong_field() {
        let ok = MeetingDraft::parse(
            "Sync",
            "2026-11-23",
            "09:00",
            "30",
            "Europe/Moscow",
            "a@b.co, c@d.co a@b.co",
        )
        .unwrap();
        assert_eq!(ok.ends_at_ms - ok.starts_at_ms, 30 * 60_000);
        assert_eq!(ok.invitees.len(), 2);
        let err = |t, d, h, m, z, i| MeetingDraft::parse(t, d, h, m, z, i).unwrap_err();
        assert_eq!(
            err("", "2026-11-23", "09:00", "30", "UTC", ""),
            Invalid::TitleEmpty
        );
        assert_eq!(
            err("x", "23.11.2026", "09:00", "30", "UTC", ""),
            Invalid::DateMalformed
        );
        assert_eq!(
            err("x", "2026-11-23", "9am", "30", "UTC", ""),
            Invalid::TimeMalformed
        );
        assert_eq!(
            err("x", "2026-11-23", "09:00", "0", "UTC", ""),
            Invalid::DurationOutOfRange
        );
        assert_eq!(
            err("x", "2026-11-23", "09:00", "30", "Moon/Base", ""),
            Invalid::TimeZoneUnknown
        );
        assert_eq!(
            err("x", "2026-11-23", "09:00", "30", "UTC", "not-an-email"),
            Invalid::InviteeMalformed
        );
    }
}
