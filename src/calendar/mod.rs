//! The calendar: the user's meetings in their time zone, and scheduling,
//! editing and deleting them: single meetings and series (RFC 5545 RRULE,
//! EXDATE, RECURRENCE-ID overrides) edited for one occurrence, this and
//! following, or all. Attendees answer invitations (PARTSTAT). Each
//! meeting gets a room with an unguessable link (`/m/{room}`).

pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
pub mod feed;
pub mod free_busy;
pub mod grid;
#[cfg(feature = "ssr")]
pub mod ics;
#[cfg(feature = "ssr")]
pub mod layout;
pub mod lists;
pub mod mail_note;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod recurrence;
pub mod repeat;
pub mod rsvp;
pub mod settings;
pub mod sharing;
pub mod views;
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
    /// The occurrence's original start (RECURRENCE-ID), Unix ms; `None`
    /// for a single meeting.
    pub occurrence_ms: Option<i64>,
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

/// An attendee's answer to an invitation (RFC 5545 §3.2.12 PARTSTAT).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartStat {
    #[default]
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
}

impl PartStat {
    /// The answers an attendee can give.
    pub const ANSWERS: [PartStat; 3] =
        [PartStat::Accepted, PartStat::Tentative, PartStat::Declined];

    /// The database and form value (`needs-action`, `accepted`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PartStat::NeedsAction => "needs-action",
            PartStat::Accepted => "accepted",
            PartStat::Tentative => "tentative",
            PartStat::Declined => "declined",
        }
    }

    /// Reads [`PartStat::as_str`] values; also RFC 5545's upper-case names.
    pub fn parse(value: &str) -> Option<PartStat> {
        match value.trim().to_ascii_lowercase().as_str() {
            "needs-action" => Some(PartStat::NeedsAction),
            "accepted" => Some(PartStat::Accepted),
            "tentative" => Some(PartStat::Tentative),
            "declined" => Some(PartStat::Declined),
            _ => None,
        }
    }

    /// The PARTSTAT parameter value (`NEEDS-ACTION`, `ACCEPTED`, ...).
    pub fn as_ical(self) -> &'static str {
        match self {
            PartStat::NeedsAction => "NEEDS-ACTION",
            PartStat::Accepted => "ACCEPTED",
            PartStat::Tentative => "TENTATIVE",
            PartStat::Declined => "DECLINED",
        }
    }

    /// Reads a PARTSTAT value. Values Convene does not track (`DELEGATED`,
    /// `COMPLETED`, `IN-PROCESS`, extensions) read as
    /// [`PartStat::NeedsAction`], the RFC 5545 default.
    pub fn from_ical(value: &str) -> PartStat {
        PartStat::parse(value).unwrap_or_default()
    }
}

/// Which occurrences of a series an edit or delete applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditScope {
    /// One occurrence (a RECURRENCE-ID override, or an EXDATE).
    This,
    /// This occurrence and the later ones (the series is split).
    Following,
    /// The whole series.
    #[default]
    All,
}

impl EditScope {
    /// Reads a form value (`this`, `following`, `all`; empty = all).
    pub fn parse(value: &str) -> Option<EditScope> {
        match value.trim() {
            "this" => Some(EditScope::This),
            "following" => Some(EditScope::Following),
            "" | "all" => Some(EditScope::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EditScope::This => "this",
            EditScope::Following => "following",
            EditScope::All => "all",
        }
    }
}

/// An attendee as the meeting page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeView {
    pub email: String,
    /// The account's display name when the address belongs to a member.
    pub name: Option<String>,
    pub partstat: PartStat,
}

/// A meeting (or one occurrence of a series) as its page and edit form
/// show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    pub id: String,
    pub room: String,
    pub title: String,
    pub description: String,
    pub organizer_name: String,
    pub is_organizer: bool,
    /// The occurrence shown (its original start, Unix ms); `None` for a
    /// single meeting or the series as a whole.
    pub occurrence_ms: Option<i64>,
    /// Local start date in the meeting's zone, `YYYY-MM-DD` (of the
    /// occurrence when one is shown).
    pub date: String,
    /// Local start time in the meeting's zone, `HH:MM`.
    pub time: String,
    pub duration_min: i64,
    pub time_zone: String,
    pub attendees: Vec<AttendeeView>,
    /// The caller's own answer when they are invited.
    pub my_answer: Option<PartStat>,
    /// Start and end, in the viewer's zone and language.
    pub when_label: String,
    /// "Weekly · Mon, Wed", localized; `None` for a single meeting.
    pub repeat_label: Option<String>,
    /// The series' repeat fields, as the edit form shows them.
    pub repeat: repeat::RepeatFields,
    /// Reminder minutes, as the form shows them (`10, 60`).
    pub reminders: String,
}

impl MeetingDetails {
    /// Invitee addresses, as the form shows them.
    pub fn invitees(&self) -> String {
        self.attendees
            .iter()
            .map(|a| a.email.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What scheduling or moving a meeting answers with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledMeeting {
    pub id: String,
    pub room: String,
    /// Accepted meetings of the organizer or of member attendees that
    /// overlap the new times: "Title (who, when)", for a warning.
    pub conflicts: Vec<String>,
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

/// The text fields of the meeting form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingForm {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    /// Minutes, 5–1440.
    pub duration_min: String,
    /// IANA zone name.
    pub time_zone: String,
    /// Emails separated by commas, semicolons or whitespace.
    pub invitees: String,
    pub description: String,
    /// Minutes before the start, e.g. `10, 60`.
    pub reminders: String,
}

/// A valid meeting as typed into the form: start and end as instants
/// (computed from the local date and time in the meeting's zone).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct MeetingDraft {
    pub title: MeetingTitle,
    pub description: String,
    /// The start as wall-clock time in `time_zone` (DTSTART).
    pub start_local: chrono::NaiveDateTime,
    /// Unix ms (UTC).
    pub starts_at_ms: i64,
    /// Unix ms (UTC), after `starts_at_ms`.
    pub ends_at_ms: i64,
    /// The zone the series is expanded in (stored by its IANA name).
    pub time_zone: chrono_tz::Tz,
    pub invitees: Vec<crate::auth::Email>,
    /// `None`: a single meeting.
    pub rule: Option<recurrence::Rule>,
    /// Minutes before each occurrence, sorted.
    pub reminders: Vec<u32>,
}

#[cfg(feature = "ssr")]
impl MeetingDraft {
    /// Most invitees per meeting.
    pub const MAX_INVITEES: usize = 100;
    /// Longest description, characters.
    pub const MAX_DESCRIPTION_CHARS: usize = 5000;

    /// Parses the form's fields. `date` is `YYYY-MM-DD`, `time` is `HH:MM`,
    /// `duration_min` is 5–1440, `invitees` are emails separated by commas,
    /// semicolons or whitespace; the repeat fields as
    /// [`repeat::RepeatFields::to_rule`] reads them.
    ///
    /// # Errors
    /// The [`Invalid`] of the first field that is wrong.
    pub fn parse(form: &MeetingForm, repeat: &repeat::RepeatFields) -> Result<Self, Invalid> {
        let title = MeetingTitle::parse(&form.title)?;
        let date = chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::DateMalformed)?;
        let time = chrono::NaiveTime::parse_from_str(form.time.trim(), "%H:%M")
            .or_else(|_| chrono::NaiveTime::parse_from_str(form.time.trim(), "%H:%M:%S"))
            .map_err(|_| Invalid::TimeMalformed)?;
        let duration: i64 = form
            .duration_min
            .trim()
            .parse()
            .map_err(|_| Invalid::DurationOutOfRange)?;
        if !(5..=24 * 60).contains(&duration) {
            return Err(Invalid::DurationOutOfRange);
        }
        let tz = zone::parse(&form.time_zone).ok_or(Invalid::TimeZoneUnknown)?;
        let start_local = date.and_time(time);
        let starts_at_ms = zone::local_to_utc_ms(tz, start_local);
        let emails = Self::parse_invitees(&form.invitees)?;
        let description = form.description.trim().replace("\r\n", "\n");
        if description.chars().count() > Self::MAX_DESCRIPTION_CHARS {
            return Err(Invalid::DescriptionTooLong);
        }
        let reminders = repeat::parse_reminders(&form.reminders)?;
        let rule = repeat.to_rule(start_local, tz)?;
        Ok(MeetingDraft {
            title,
            description,
            start_local,
            starts_at_ms,
            ends_at_ms: starts_at_ms + duration * 60_000,
            time_zone: tz,
            invitees: emails,
            rule,
            reminders,
        })
    }

    /// A list of addresses separated by commas, semicolons or whitespace,
    /// without repeats, at most [`Self::MAX_INVITEES`].
    ///
    /// # Errors
    /// [`Invalid::InviteeMalformed`] for the first address that is not
    /// one; [`Invalid::TooManyInvitees`].
    pub fn parse_invitees(raw: &str) -> Result<Vec<crate::auth::Email>, Invalid> {
        let mut emails = Vec::new();
        for part in raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
            if part.trim().is_empty() {
                continue;
            }
            let email = crate::auth::Email::parse(part).map_err(|_| Invalid::InviteeMalformed)?;
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
        if emails.len() > Self::MAX_INVITEES {
            return Err(Invalid::TooManyInvitees);
        }
        Ok(emails)
    }

    /// The series these fields describe (no exceptions yet).
    pub fn series(&self) -> recurrence::Series<'_> {
        recurrence::Series {
            tz: self.time_zone,
            start_local: self.start_local,
            duration_ms: self.ends_at_ms - self.starts_at_ms,
            rule: self.rule.as_ref(),
            exdates: &[],
            overrides: &[],
        }
    }
}

/// The signed-in user's week containing `week` (`YYYY-MM-DD`; default:
/// today), in their time zone, series expanded.
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
    let meetings = db::occurrences_between(&db, &user, from, to).await?;
    let locale = crate::i18n::request_locale();
    let next_hour = chrono::Timelike::hour(&now) + 1;
    Ok(week::layout_at(
        tz, monday, today, next_hour, &meetings, locale,
    ))
}

/// Schedules a meeting (or a series) organized by the caller. The answer
/// names the caller's and member attendees' accepted meetings it overlaps.
///
/// # Errors
/// [`AppError::Unauthorized`] for visitors; the [`Invalid`] of the first
/// wrong field (see [`MeetingDraft::parse`]).
#[server(endpoint = "create_meeting")]
pub async fn create_meeting(
    #[server(flatten)] form: MeetingForm,
    #[server(flatten)] repeat: repeat::RepeatFields,
) -> AppResult<ScheduledMeeting> {
    let user = crate::auth::require_user()?;
    let draft = MeetingDraft::parse(&form, &repeat)?;
    let db = crate::db::use_db()?;
    schedule_meeting(&db, &user, &draft, crate::i18n::request_locale()).await
}

/// Changes a meeting; only its organizer may. For a series, `scope` says
/// which occurrences: `this` and `following` need `occurrence` (the
/// occurrence's original start, Unix ms).
///
/// # Errors
/// [`AppError::Unauthorized`], [`AppError::NotFound`] (also for meetings
/// the caller cannot see, or an occurrence the series does not have),
/// [`AppError::Forbidden`] for non-organizers, or the [`Invalid`] of the
/// first wrong field.
#[server(endpoint = "update_meeting")]
pub async fn update_meeting(
    id: String,
    #[server(default)] scope: String,
    #[server(default)] occurrence: String,
    #[server(flatten)] form: MeetingForm,
    #[server(flatten)] repeat: repeat::RepeatFields,
) -> AppResult<ScheduledMeeting> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    authorize_organizer(&db, &user, &id).await?;
    let scope = EditScope::parse(&scope).ok_or(AppError::NotFound)?;
    let draft = MeetingDraft::parse(&form, &repeat)?;
    let occurrence = parse_occurrence(&occurrence)?;
    let locale = crate::i18n::request_locale();
    reschedule_meeting(&db, &user, &id, scope, occurrence, &draft, locale).await
}

/// Deletes a meeting, or for a series one occurrence (`this`) or this
/// and the following ones; only its organizer may. Redirects to the
/// calendar.
///
/// # Errors
/// As [`update_meeting`].
#[server(endpoint = "delete_meeting")]
pub async fn delete_meeting(
    id: String,
    #[server(default)] scope: String,
    #[server(default)] occurrence: String,
) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    authorize_organizer(&db, &user, &id).await?;
    let scope = EditScope::parse(&scope).ok_or(AppError::NotFound)?;
    let occurrence = parse_occurrence(&occurrence)?;
    cancel_meeting(&db, &id, scope, occurrence).await?;
    leptos_axum::redirect("/calendar");
    Ok(())
}

/// A meeting's details (of one occurrence when `occurrence` is its
/// original start, Unix ms), for its organizer and invitees.
///
/// # Errors
/// [`AppError::Unauthorized`], or [`AppError::NotFound`] when it does not
/// exist, the caller is neither organizer nor invitee, or the series has
/// no such occurrence.
#[server(endpoint = "get_meeting")]
pub async fn get_meeting(
    id: String,
    #[server(default)] occurrence: Option<String>,
) -> AppResult<MeetingDetails> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let locale = crate::i18n::request_locale();
    let occurrence = parse_occurrence(occurrence.as_deref().unwrap_or_default())?;
    db::details(&db, &user, &id, occurrence, locale)
        .await?
        .ok_or(AppError::NotFound)
}

/// The signed-in attendee answers an invitation (for the whole series).
///
/// # Errors
/// [`AppError::Unauthorized`]; [`AppError::NotFound`] when the caller is
/// not invited or `answer` is not one of accepted, tentative, declined.
#[server(endpoint = "answer_invitation")]
pub async fn answer_invitation(id: String, answer: String) -> AppResult<PartStat> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let answer = PartStat::parse(&answer)
        .filter(|a| *a != PartStat::NeedsAction)
        .ok_or(AppError::NotFound)?;
    if db::set_answer(&db, &id, &user.email, answer).await? {
        Ok(answer)
    } else {
        Err(AppError::NotFound)
    }
}

/// Stores a valid meeting (or series) organized by `organizer` and names
/// the accepted meetings it overlaps. Every way of scheduling (the form's
/// [`create_meeting`], the HTTP API) goes through here, so they behave
/// alike.
///
/// # Errors
/// [`AppError::Internal`] on database failure.
#[cfg(feature = "ssr")]
pub async fn schedule_meeting(
    db: &crate::db::Db,
    organizer: &crate::auth::User,
    draft: &MeetingDraft,
    locale: crate::i18n::Locale,
) -> AppResult<ScheduledMeeting> {
    let mut scheduled = db::insert_meeting(db, &organizer.id, draft).await?;
    scheduled.conflicts = db::conflicts(db, organizer, &scheduled.id, draft, locale).await?;
    Ok(scheduled)
}

/// Applies an edit of meeting `id` for `scope` (see
/// [`db::update_meeting`]) once the caller is known to be its organizer,
/// and names the accepted meetings the result overlaps. Shared by
/// [`update_meeting`] and the HTTP API.
///
/// # Errors
/// [`AppError::NotFound`] for a missing meeting or occurrence;
/// [`AppError::Internal`] on database failure.
#[cfg(feature = "ssr")]
pub async fn reschedule_meeting(
    db: &crate::db::Db,
    organizer: &crate::auth::User,
    id: &str,
    scope: EditScope,
    occurrence: Option<i64>,
    draft: &MeetingDraft,
    locale: crate::i18n::Locale,
) -> AppResult<ScheduledMeeting> {
    let scheduled = db::update_meeting(db, id, scope, occurrence, draft).await?;
    let conflicts = db::conflicts(db, organizer, &scheduled.id, draft, locale).await?;
    Ok(ScheduledMeeting {
        conflicts,
        ..scheduled
    })
}

/// Deletes meeting `id` for `scope` (see [`db::delete_meeting`]) once
/// the caller is known to be its organizer. Shared by [`delete_meeting`]
/// and the HTTP API.
///
/// # Errors
/// [`AppError::NotFound`] for a missing meeting or occurrence;
/// [`AppError::Internal`] on database failure.
#[cfg(feature = "ssr")]
pub async fn cancel_meeting(
    db: &crate::db::Db,
    id: &str,
    scope: EditScope,
    occurrence: Option<i64>,
) -> AppResult<()> {
    db::delete_meeting(db, id, scope, occurrence).await
}

#[cfg(feature = "ssr")]
fn parse_occurrence(raw: &str) -> AppResult<Option<i64>> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw.parse().map(Some).map_err(|_| AppError::NotFound),
    }
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
        let form = |t: &str, d: &str, h: &str, m: &str, z: &str, i: &str| MeetingForm {
            title: t.into(),
            date: d.into(),
            time: h.into(),
            duration_min: m.into(),
            time_zone: z.into(),
            invitees: i.into(),
            description: String::new(),
            reminders: "10".into(),
        };
        let none = repeat::RepeatFields::default();
        let ok = MeetingDraft::parse(
            &form(
                "Sync",
                "2026-11-23",
                "09:00",
                "30",
                "Europe/Moscow",
                "a@b.co, c@d.co a@b.co",
            ),
            &none,
        )
        .unwrap();
        assert_eq!(ok.ends_at_ms - ok.starts_at_ms, 30 * 60_000);
        assert_eq!(ok.invitees.len(), 2);
        assert_eq!(ok.reminders, vec![10]);
        assert!(ok.rule.is_none());
        let err =
            |t, d, h, m, z, i| MeetingDraft::parse(&form(t, d, h, m, z, i), &none).unwrap_err();
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
        let weekly = repeat::RepeatFields {
            repeat: "weekly".into(),
            ..Default::default()
        };
        let series =
            MeetingDraft::parse(&form("x", "2026-11-23", "09:00", "30", "UTC", ""), &weekly)
                .unwrap();
        assert_eq!(
            series.rule.map(|r| r.to_rrule()).as_deref(),
            Some("FREQ=WEEKLY;BYDAY=MO")
        );
    }
}
