//! `/api/v1/events`: the token owner's meetings — listed by time range
//! with series expanded, read, scheduled, changed and deleted (a series
//! for one occurrence, this and following, or all), and answered.
//!
//! Instants are RFC 3339 date-times in UTC (`2026-11-25T06:00:00Z`); a
//! meeting's start is its wall-clock time in its own IANA zone
//! (`2026-11-25T15:00` in `Asia/Tokyo`), so a weekly 09:00 stays 09:00
//! across DST. An occurrence of a series is named by its original start
//! (RFC 5545 RECURRENCE-ID), which listing reports as `occurrence`.
//!
//! Validation is the meeting form's ([`MeetingDraft::parse`]) and storing
//! goes through the same functions as the form's server functions.

use super::errors::{api_field, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use super::tokens::ApiUser;
use crate::auth::User;
use crate::calendar::feed::PublicOrigin;
use crate::calendar::recurrence;
use crate::calendar::repeat::{RepeatChoice, RepeatFields};
use crate::calendar::{self, db as cal_db, EditScope, MeetingDraft, MeetingForm, PartStat};
use crate::db::Db;
use crate::error::Invalid;
use crate::i18n::Locale;
use crate::zone;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

/// Longest range one listing may cover, ms (a year and a day).
pub const MAX_RANGE_MS: i64 = 366 * 24 * 3600 * 1000;

/// The time range of a listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Start of the range, RFC 3339 (`2026-11-23T00:00:00Z`).
    #[param(format = DateTime, example = "2026-11-23T00:00:00Z")]
    pub from: String,
    /// End of the range (exclusive), RFC 3339; after `from`, at most 366
    /// days later.
    #[param(format = DateTime, example = "2026-11-30T00:00:00Z")]
    pub to: String,
}

/// Which occurrence of a series to show.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccurrenceQuery {
    /// An occurrence's original start, RFC 3339, as listed in
    /// `occurrence`; ignored for a single meeting.
    #[param(format = DateTime)]
    pub occurrence: Option<String>,
}

/// Which occurrences of a series a change or deletion applies to.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The one occurrence named by `occurrence`.
    This,
    /// That occurrence and the later ones (the series is split).
    Following,
    /// The whole series (default).
    All,
}

/// Scope of a change or deletion.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// `this`, `following` or `all` (default). `this` and `following`
    /// need `occurrence`.
    #[param(value_type = Option<Scope>)]
    pub scope: Option<String>,
    /// The occurrence's original start, RFC 3339, as listed in
    /// `occurrence`.
    #[param(format = DateTime)]
    pub occurrence: Option<String>,
}

/// A meeting to schedule, or the new state of one.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct EventInput {
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, example = "Weekly sync")]
    pub title: String,
    /// Up to 5000 characters.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    /// Local start in `time_zone`, `YYYY-MM-DDTHH:MM` (seconds allowed).
    #[schema(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
        example = "2026-11-25T15:00"
    )]
    pub start: String,
    /// Minutes, 5–1440.
    #[schema(minimum = 5, maximum = 1440, example = 45)]
    pub duration_min: i64,
    /// IANA zone name; the token owner's zone when left out.
    #[serde(default)]
    #[schema(example = "Asia/Tokyo")]
    pub time_zone: Option<String>,
    /// Invited addresses, members or not; at most 100.
    #[serde(default)]
    #[schema(max_items = 100, example = json!(["bob@example.com"]))]
    pub attendees: Vec<String>,
    /// Minutes before each occurrence, at most 5 values of 0–40320.
    #[serde(default)]
    #[schema(max_items = 5, example = json!([10]))]
    pub reminders: Vec<i64>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO`), expanded in
    /// `time_zone`; null or left out for a single meeting.
    #[serde(default)]
    #[schema(example = "FREQ=WEEKLY;BYDAY=WE;COUNT=10")]
    pub rrule: Option<String>,
}

/// An attendee's answer (RFC 5545 PARTSTAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeStatus {
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
}

impl From<PartStat> for AttendeeStatus {
    fn from(value: PartStat) -> Self {
        match value {
            PartStat::NeedsAction => AttendeeStatus::NeedsAction,
            PartStat::Accepted => AttendeeStatus::Accepted,
            PartStat::Tentative => AttendeeStatus::Tentative,
            PartStat::Declined => AttendeeStatus::Declined,
        }
    }
}

/// The answers an attendee can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RsvpStatus {
    Accepted,
    Tentative,
    Declined,
}

impl From<RsvpStatus> for PartStat {
    fn from(value: RsvpStatus) -> Self {
        match value {
            RsvpStatus::Accepted => PartStat::Accepted,
            RsvpStatus::Tentative => PartStat::Tentative,
            RsvpStatus::Declined => PartStat::Declined,
        }
    }
}

/// An answer to an invitation (for the whole series).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct RsvpInput {
    pub status: RsvpStatus,
}

/// The answer on record.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RsvpAnswer {
    pub event_id: String,
    pub status: AttendeeStatus,
}

/// Someone invited to a meeting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Attendee {
    pub email: String,
    /// The account's display name when the address belongs to a member.
    pub name: Option<String>,
    pub status: AttendeeStatus,
}

/// A meeting's organizer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Organizer {
    pub email: String,
    pub name: String,
}

/// A meeting, or one occurrence of a series.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Event {
    pub id: String,
    /// The meeting room's id.
    pub room: String,
    /// The link that joins the meeting (a path when the server has no
    /// public URL configured).
    pub join_url: String,
    pub title: String,
    pub description: String,
    /// Local start in `time_zone`, `YYYY-MM-DDTHH:MM`: of the occurrence
    /// when one was asked for, else of the first occurrence.
    pub start: String,
    pub time_zone: String,
    pub duration_min: i64,
    /// The same start as an instant, RFC 3339 UTC.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// End, RFC 3339 UTC.
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// The series' RRULE value; null for a single meeting.
    pub rrule: Option<String>,
    /// The occurrence shown (its original start, RFC 3339 UTC); null for
    /// a single meeting or a series as a whole.
    #[schema(format = DateTime)]
    pub occurrence: Option<String>,
    pub organizer: Organizer,
    /// Whether the token's owner organizes it (and so may change it).
    pub is_organizer: bool,
    pub attendees: Vec<Attendee>,
    /// The token owner's own answer when invited.
    pub my_status: Option<AttendeeStatus>,
    /// Minutes before each occurrence that reminders go out, ascending.
    pub reminders: Vec<u32>,
    /// After a create or update only: accepted meetings of the organizer
    /// or of member attendees that overlap the new times, one sentence
    /// each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
}

/// One occurrence in a listing.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventOccurrence {
    pub event_id: String,
    /// The original start (RECURRENCE-ID), RFC 3339 UTC, to name this
    /// occurrence when reading, changing or deleting it; null for a single
    /// meeting.
    #[schema(format = DateTime)]
    pub occurrence: Option<String>,
    pub title: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub room: String,
    pub join_url: String,
    pub is_organizer: bool,
}

/// Occurrences in a range, by start.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventOccurrence>,
}

/// Unix ms as RFC 3339 UTC (`2026-11-25T06:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Reads an RFC 3339 date-time into Unix ms; the error names `field`.
fn parse_instant(raw: &str, field: &str) -> ApiResult<i64> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::invalid(
                field,
                format!("{field}: must be an RFC 3339 date-time, e.g. 2026-11-23T00:00:00Z"),
            )
        })
}

fn parse_occurrence(raw: Option<&str>) -> ApiResult<Option<i64>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => parse_instant(raw, "occurrence").map(Some),
    }
}

/// Ids are UUIDs; anything else names nothing, and must not reach SQL
/// (PostgreSQL refuses text with NUL).
fn check_id(id: &str) -> ApiResult<()> {
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if plausible {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

fn join_url(origin: &PublicOrigin, room: &str) -> String {
    format!("{}/m/{room}", origin.0.as_deref().unwrap_or_default())
}

fn local_start(tz: chrono_tz::Tz, ms: i64) -> String {
    let local = zone::to_local(tz, ms).naive_local();
    if local.second() == 0 {
        local.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        local.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

impl EventInput {
    /// The meeting these fields describe, checked as the meeting form
    /// checks its fields.
    fn to_draft(&self, owner: &User) -> ApiResult<MeetingDraft> {
        let strings = [
            ("title", self.title.as_str()),
            ("description", self.description.as_str()),
            ("start", self.start.as_str()),
            ("time_zone", self.time_zone.as_deref().unwrap_or_default()),
            ("rrule", self.rrule.as_deref().unwrap_or_default()),
        ]
        .into_iter()
        .chain(self.attendees.iter().map(|a| ("attendees", a.as_str())));
        for (field, value) in strings {
            // Text with NUL cannot be stored in PostgreSQL, and is never
            // meant.
            if value.contains('\0') {
                return Err(ApiError::invalid(
                    field,
                    format!("{field}: must not contain NUL"),
                ));
            }
        }
        let start = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(self.start.trim(), f).ok())
            .ok_or_else(|| ApiError::from_invalid(Invalid::DateMalformed, "start"))?;
        for address in &self.attendees {
            // One address per element: the form's separators are not
            // allowed inside one.
            crate::auth::Email::parse(address)
                .map_err(|_| ApiError::from_invalid(Invalid::InviteeMalformed, "attendees"))?;
        }
        let form = MeetingForm {
            title: self.title.clone(),
            date: start.format("%Y-%m-%d").to_string(),
            time: start.format("%H:%M:%S").to_string(),
            duration_min: self.duration_min.to_string(),
            time_zone: self
                .time_zone
                .clone()
                .unwrap_or_else(|| owner.time_zone.clone()),
            invitees: self.attendees.join(", "),
            description: self.description.clone(),
            reminders: self
                .reminders
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        };
        let repeat = match self.rrule.as_deref().map(str::trim) {
            None | Some("") => RepeatFields::default(),
            Some(rrule) => RepeatFields {
                repeat: RepeatChoice::Custom.value().to_owned(),
                rrule: rrule.to_owned(),
                ..RepeatFields::default()
            },
        };
        MeetingDraft::parse(&form, &repeat)
            .map_err(|problem| ApiError::from_invalid(problem, api_field(problem)))
    }
}

/// A meeting (one occurrence of it when `occurrence` is given and it is a
/// series) if `user` organizes it or is invited; `None` otherwise, as for
/// one that does not exist.
async fn load_event(
    db: &Db,
    origin: &PublicOrigin,
    user: &User,
    id: &str,
    occurrence: Option<i64>,
) -> ApiResult<Option<Event>> {
    let Some(row) = cal_db::series(db, id).await? else {
        return Ok(None);
    };
    let attendees = cal_db::attendees(db, id).await?;
    let is_organizer = row.organizer_id == user.id;
    let my_status = attendees
        .iter()
        .find(|a| a.email == user.email)
        .map(|a| a.partstat.into());
    if !is_organizer && my_status.is_none() {
        return Ok(None);
    }
    let (starts_at, ends_at, title, occurrence) = match (occurrence, &row.rule) {
        (Some(at), Some(_)) => match recurrence::occurrence_at(&row.series(), at) {
            None => return Ok(None),
            Some(o) => (
                o.starts_at_ms,
                o.ends_at_ms,
                o.title.unwrap_or_else(|| row.title.clone()),
                Some(o.recurrence_id_ms),
            ),
        },
        _ => (row.starts_at_ms, row.ends_at_ms, row.title.clone(), None),
    };
    let organizer = sqlx::query("SELECT display_name, email FROM users WHERE id = $1")
        .bind(&row.organizer_id)
        .fetch_optional(db)
        .await?
        .map(|r| Organizer {
            email: r.get("email"),
            name: r.get("display_name"),
        })
        .unwrap_or(Organizer {
            email: String::new(),
            name: String::new(),
        });
    Ok(Some(Event {
        id: row.id.clone(),
        join_url: join_url(origin, &row.room),
        room: row.room.clone(),
        title,
        description: row.description.clone(),
        start: local_start(row.tz(), starts_at),
        time_zone: row.time_zone.clone(),
        duration_min: (ends_at - starts_at) / 60_000,
        starts_at: rfc3339(starts_at),
        ends_at: rfc3339(ends_at),
        rrule: row.rule.as_ref().map(recurrence::Rule::to_rrule),
        occurrence: occurrence.map(rfc3339),
        organizer,
        is_organizer,
        attendees: attendees
            .into_iter()
            .map(|a| Attendee {
                email: a.email,
                name: a.name,
                status: a.partstat.into(),
            })
            .collect(),
        my_status,
        reminders: cal_db::reminders(db, id).await?,
        conflicts: Vec::new(),
    }))
}

/// Only the organizer may change a meeting: 403 for attendees, 404 for
/// everyone else (who must not learn that it exists).
async fn authorize_organizer(db: &Db, user: &User, id: &str) -> ApiResult<()> {
    match cal_db::organizer_of(db, id).await? {
        None => Err(ApiError::not_found()),
        Some(organizer) if organizer == user.id => Ok(()),
        Some(_) => {
            let invited = cal_db::attendees(db, id)
                .await?
                .iter()
                .any(|a| a.email == user.email);
            if invited {
                Err(crate::error::AppError::Forbidden.into())
            } else {
                Err(ApiError::not_found())
            }
        }
    }
}

fn parse_scope(query: &ScopeQuery) -> ApiResult<(EditScope, Option<i64>)> {
    let scope = EditScope::parse(query.scope.as_deref().unwrap_or_default())
        .ok_or_else(|| ApiError::invalid("scope", "scope: must be one of this, following, all"))?;
    let occurrence = parse_occurrence(query.occurrence.as_deref())?;
    if scope != EditScope::All && occurrence.is_none() {
        return Err(ApiError::invalid(
            "occurrence",
            "occurrence: required for scope this and following",
        ));
    }
    Ok((scope, occurrence))
}

/// Lists the occurrences of the token owner's meetings (organized or
/// invited to) that overlap a range, series expanded in their own zones.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(RangeQuery),
    responses(
        (status = 200, description = "Occurrences overlapping the range, by start", body = EventList),
        (status = 400, description = "`from` or `to` missing or invalid (`field` names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn list_events(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    ApiUser(user): ApiUser,
    ApiQuery(range): ApiQuery<RangeQuery>,
) -> ApiResult<ApiJson<EventList>> {
    let from = parse_instant(&range.from, "from")?;
    let to = parse_instant(&range.to, "to")?;
    if to <= from {
        return Err(ApiError::invalid("to", "to: must be after from"));
    }
    if to - from > MAX_RANGE_MS {
        return Err(ApiError::invalid(
            "to",
            "to: the range may cover at most 366 days",
        ));
    }
    let placed = cal_db::occurrences_between(&db, &user, from, to).await?;
    Ok(ApiJson(EventList {
        events: placed
            .into_iter()
            .map(|p| EventOccurrence {
                join_url: join_url(&origin, &p.room),
                event_id: p.id,
                occurrence: p.occurrence_ms.map(rfc3339),
                title: p.title,
                starts_at: rfc3339(p.starts_at_ms),
                ends_at: rfc3339(p.ends_at_ms),
                room: p.room,
                is_organizer: p.is_organizer,
            })
            .collect(),
    }))
}

/// Reads a meeting, or one occurrence of a series.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "The meeting's id"), OccurrenceQuery),
    responses(
        (status = 200, description = "The meeting", body = Event),
        (status = 400, description = "`occurrence` is not a date-time", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such meeting or occurrence, or the token's owner neither organizes nor attends it", body = ErrorBody),
    )
)]
pub async fn get_event(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<OccurrenceQuery>,
) -> ApiResult<ApiJson<Event>> {
    check_id(&id)?;
    let occurrence = parse_occurrence(query.occurrence.as_deref())?;
    load_event(&db, &origin, &user, &id, occurrence)
        .await?
        .map(ApiJson)
        .ok_or_else(ApiError::not_found)
}

/// Schedules a meeting or series organized by the token's owner.
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    request_body = EventInput,
    responses(
        (status = 201, description = "Scheduled; `Location` names it", body = Event),
        (status = 400, description = "A field is invalid (`field` names it) or the body is not the expected JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    )
)]
pub async fn create_event(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    locale: Option<Extension<Locale>>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<Response> {
    let draft = input.to_draft(&user)?;
    let locale = locale.map(|l| l.0).unwrap_or_default();
    let scheduled = calendar::schedule_meeting(&db, &user, &draft, locale).await?;
    let mut event = load_event(&db, &origin, &user, &scheduled.id, None)
        .await?
        .ok_or_else(ApiError::not_found)?;
    event.conflicts = scheduled.conflicts;
    let location = format!("/api/v1/events/{}", event.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        ApiJson(event),
    )
        .into_response())
}

/// Changes a meeting; only its organizer may. For a series, `scope`
/// says which occurrences. With `this` only the occurrence's times and
/// title change; with `following` the series is split and the answer is
/// the new series.
#[utoipa::path(
    put,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "The meeting's id"), ScopeQuery),
    request_body = EventInput,
    responses(
        (status = 200, description = "The meeting that now holds the changed occurrence(s)", body = Event),
        (status = 400, description = "A field or parameter is invalid (`field` names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner attends but does not organize it", body = ErrorBody),
        (status = 404, description = "No such meeting or occurrence, or not visible to the token's owner", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    )
)]
pub async fn update_event(
    State(db): State<Db>,
    State(origin): State<PublicOrigin>,
    locale: Option<Extension<Locale>>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ScopeQuery>,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<ApiJson<Event>> {
    check_id(&id)?;
    authorize_organizer(&db, &user, &id).await?;
    let (scope, occurrence) = parse_scope(&query)?;
    let draft = input.to_draft(&user)?;
    let locale = locale.map(|l| l.0).unwrap_or_default();
    let scheduled =
        calendar::reschedule_meeting(&db, &user, &id, scope, occurrence, &draft, locale).await?;
    let shown = (scope == EditScope::This).then_some(occurrence).flatten();
    let mut event = load_event(&db, &origin, &user, &scheduled.id, shown)
        .await?
        .ok_or_else(ApiError::not_found)?;
    event.conflicts = scheduled.conflicts;
    Ok(ApiJson(event))
}

/// Deletes a meeting, or for a series one occurrence (`this`) or this
/// and the following ones; only its organizer may.
#[utoipa::path(
    delete,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "The meeting's id"), ScopeQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`scope` or `occurrence` is invalid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner attends but does not organize it", body = ErrorBody),
        (status = 404, description = "No such meeting or occurrence, or not visible to the token's owner", body = ErrorBody),
    )
)]
pub async fn delete_event(
    State(db): State<Db>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ScopeQuery>,
) -> ApiResult<StatusCode> {
    check_id(&id)?;
    authorize_organizer(&db, &user, &id).await?;
    let (scope, occurrence) = parse_scope(&query)?;
    calendar::cancel_meeting(&db, &id, scope, occurrence).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Answers an invitation for the token's owner (for the whole series).
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/rsvp",
    tag = "events",
    params(("id" = String, Path, description = "The meeting's id")),
    request_body = RsvpInput,
    responses(
        (status = 200, description = "The answer on record", body = RsvpAnswer),
        (status = 400, description = "The body is not the expected JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such meeting, or the token's owner is not invited", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    )
)]
pub async fn answer_event(
    State(db): State<Db>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RsvpInput>,
) -> ApiResult<ApiJson<RsvpAnswer>> {
    check_id(&id)?;
    if cal_db::set_answer(&db, &id, &user.email, input.status.into()).await? {
        Ok(ApiJson(RsvpAnswer {
            event_id: id,
            status: PartStat::from(input.status).into(),
        }))
    } else {
        Err(ApiError::not_found())
    }
}
