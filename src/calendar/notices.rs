//! What people hear about a meeting: invitation, update and cancellation
//! mails (iTIP, RFC 5546, with the `.ics` attached) and reminders before
//! each occurrence, by mail, in-app notification and web push.
//!
//! Every one of them is a job in the durable queue ([`crate::jobs`]):
//! - mails are enqueued by [`super::db`]'s writes in the same transaction
//!   as the change, so a committed change always has its mails queued and
//!   a failed one has none;
//! - reminder jobs are enqueued per occurrence × reminder × recipient,
//!   due at the reminder time, for the next [`REMINDER_HORIZON_MS`]: on
//!   every change of the meeting, and by a scan every [`SCAN_INTERVAL`]
//!   that moves the horizon forward. The idempotency key
//!   `reminder:{meeting}:{start ms}:{minutes}:{email}` makes the second
//!   enqueue of one reminder a no-op, and the mail's outbox key, the
//!   notification's key and the push's key make each delivery happen once
//!   however often the job runs.
//!
//! Jobs read the meeting when they run, not when they were queued: a
//! reminder for an occurrence that moved, was cancelled or has ended, or
//! for someone no longer invited (or who declined), is dropped; an
//! invitation mail shows the meeting as it is when sent. Only
//! cancellations carry a snapshot, as the meeting may be gone.

use super::db::{self, SeriesRow};
use super::ics::{self, Attendee, IcsEvent, Method};
use super::{recurrence, repeat, PartStat};
use crate::auth::session::TokenKeys;
use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::jobs::{self, handler_fn, ClaimedJob, JobError, JobHandler, NewJob};
use crate::mail::templates::{CancelScope, Cancellation, Invitation, Reminder, RsvpLinks, Update};
use crate::mail::Mailer;
use crate::notify::inbox::{self, Inbox, Kind, NewNotification};
use crate::zone;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use std::sync::Arc;
use std::time::Duration;

/// Job kind of invitation, update and cancellation mails.
pub const MAIL_JOB: &str = "meeting_mail";
/// Job kind of reminders.
pub const REMINDER_JOB: &str = "meeting_reminder";
/// How far ahead of their time reminder jobs are queued, ms (one day).
pub const REMINDER_HORIZON_MS: i64 = 24 * 3600 * 1000;
/// How often the reminder scan moves the horizon forward.
pub const SCAN_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// The longest reminder, ms (see [`repeat::parse_reminders`]: four weeks).
const MAX_REMINDER_MS: i64 = 40_320 * 60_000;

/// A mail job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mail", rename_all = "snake_case")]
pub enum MeetingMail {
    /// An invitation (`update: false`) or an update, `METHOD:REQUEST`,
    /// with the meeting as it is when the job runs.
    Request {
        meeting_id: String,
        email: String,
        update: bool,
        /// For an update of one occurrence: its RECURRENCE-ID (Unix ms);
        /// the mail then names that occurrence's time.
        #[serde(default)]
        occurrence_ms: Option<i64>,
        /// The time before the change (Unix ms), when it moved.
        #[serde(default)]
        previous_start_ms: Option<i64>,
    },
    /// A cancellation, `METHOD:CANCEL`.
    Cancel {
        email: String,
        snapshot: CancelSnapshot,
    },
}

/// What a cancellation mail needs of a meeting that may be gone by the
/// time it is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelSnapshot {
    pub uid: String,
    /// The SEQUENCE the cancellation carries (one above the last sent).
    pub sequence: i64,
    pub title: String,
    pub organizer_id: String,
    pub time_zone: String,
    /// The cancelled occurrence (or the series' first), Unix ms.
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// RECURRENCE-ID of the one cancelled occurrence; `None` for the
    /// whole meeting.
    pub occurrence_ms: Option<i64>,
}

/// A reminder job's payload: remind `email` of the occurrence of
/// `meeting_id` starting at `starts_at_ms` (Unix ms), `minutes` before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderJob {
    pub meeting_id: String,
    pub starts_at_ms: i64,
    pub minutes: u32,
    pub email: String,
}

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

async fn enqueue_mail(tx: &mut Tx<'_>, key: String, mail: &MeetingMail) -> AppResult<()> {
    let payload = serde_json::to_value(mail)
        .map_err(|e| crate::error::AppError::internal("mail job payload", e))?;
    jobs::enqueue(&mut **tx, &NewJob::new(MAIL_JOB, key, payload)).await?;
    Ok(())
}

/// Queues invitations to `emails` for meeting `meeting_id` at `sequence`.
pub(super) async fn invite(
    tx: &mut Tx<'_>,
    meeting_id: &str,
    sequence: i64,
    emails: &[String],
) -> AppResult<()> {
    for email in emails {
        let mail = MeetingMail::Request {
            meeting_id: meeting_id.to_owned(),
            email: email.clone(),
            update: false,
            occurrence_ms: None,
            previous_start_ms: None,
        };
        let key = format!("mail:invitation:{meeting_id}:{sequence}:{email}");
        enqueue_mail(tx, key, &mail).await?;
    }
    Ok(())
}

/// Queues update mails to `emails`: the series changed (`occurrence_ms`
/// `None`) or one occurrence did.
pub(super) async fn announce_update(
    tx: &mut Tx<'_>,
    meeting_id: &str,
    sequence: i64,
    emails: &[String],
    occurrence_ms: Option<i64>,
    previous_start_ms: Option<i64>,
) -> AppResult<()> {
    for email in emails {
        let mail = MeetingMail::Request {
            meeting_id: meeting_id.to_owned(),
            email: email.clone(),
            update: true,
            occurrence_ms,
            previous_start_ms,
        };
        let key = format!("mail:update:{meeting_id}:{sequence}:{email}");
        enqueue_mail(tx, key, &mail).await?;
    }
    Ok(())
}

/// Queues cancellation mails to `emails`.
pub(super) async fn cancel(
    tx: &mut Tx<'_>,
    snapshot: &CancelSnapshot,
    emails: &[String],
) -> AppResult<()> {
    let what = snapshot
        .occurrence_ms
        .map_or_else(|| "all".to_owned(), |at| at.to_string());
    for email in emails {
        let mail = MeetingMail::Cancel {
            email: email.clone(),
            snapshot: snapshot.clone(),
        };
        let key = format!(
            "mail:cancel:{}:{}:{what}:{email}",
            snapshot.uid, snapshot.sequence
        );
        enqueue_mail(tx, key, &mail).await?;
    }
    Ok(())
}

/// The snapshot of `row` for a cancellation of the occurrence
/// `occurrence` (or of the whole meeting).
pub(super) fn snapshot(
    row: &SeriesRow,
    occurrence: Option<&recurrence::Occurrence>,
) -> CancelSnapshot {
    let (starts_at_ms, ends_at_ms) = occurrence.map_or((row.starts_at_ms, row.ends_at_ms), |o| {
        (o.starts_at_ms, o.ends_at_ms)
    });
    CancelSnapshot {
        uid: row.ical_uid.clone(),
        sequence: row.sequence + 1,
        title: occurrence
            .and_then(|o| o.title.clone())
            .unwrap_or_else(|| row.title.clone()),
        organizer_id: row.organizer_id.clone(),
        time_zone: row.time_zone.clone(),
        starts_at_ms,
        ends_at_ms,
        occurrence_ms: occurrence.map(|o| o.recurrence_id_ms),
    }
}

/// Queues the reminders of `row`'s occurrences whose reminder time falls
/// before `now_ms + REMINDER_HORIZON_MS` and that have not started: one
/// job per occurrence × reminder × recipient (the organizer and every
/// invitee who has not declined), due at the reminder time (or at once
/// when that has passed). Already queued ones are left alone.
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub(super) async fn schedule_reminders(
    conn: &mut sqlx::AnyConnection,
    row: &SeriesRow,
    now_ms: i64,
) -> AppResult<()> {
    let minutes = db::reminders(&mut *conn, &row.id).await?;
    let Some(&longest) = minutes.last() else {
        return Ok(());
    };
    let recipients: Vec<String> = sqlx::query(
        "SELECT email FROM users WHERE id = $1 \
         UNION SELECT email FROM meeting_invitees WHERE meeting_id = $2 AND partstat <> $3",
    )
    .bind(&row.organizer_id)
    .bind(&row.id)
    .bind(PartStat::Declined.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.get("email"))
    .collect();
    let horizon = now_ms + REMINDER_HORIZON_MS;
    let until = horizon + i64::from(longest) * 60_000;
    for occurrence in recurrence::expand(&row.series(), now_ms, until) {
        if occurrence.starts_at_ms <= now_ms {
            continue;
        }
        for &m in &minutes {
            let due = occurrence.starts_at_ms - i64::from(m) * 60_000;
            if due >= horizon {
                continue;
            }
            for email in &recipients {
                let job = ReminderJob {
                    meeting_id: row.id.clone(),
                    starts_at_ms: occurrence.starts_at_ms,
                    minutes: m,
                    email: email.clone(),
                };
                let key = format!(
                    "reminder:{}:{}:{m}:{email}",
                    row.id, occurrence.starts_at_ms
                );
                let payload = serde_json::to_value(&job)
                    .map_err(|e| crate::error::AppError::internal("reminder payload", e))?;
                let new = NewJob::new(REMINDER_JOB, key, payload).run_at(due.max(now_ms));
                jobs::enqueue(&mut *conn, &new).await?;
            }
        }
    }
    Ok(())
}

/// Queues the reminders of every meeting with reminders in the next
/// [`REMINDER_HORIZON_MS`] (see [`schedule_reminders`]).
///
/// # Errors
/// [`crate::error::AppError::Internal`] on database failure.
pub async fn scan_reminders(db: &Db, now_ms: i64) -> AppResult<()> {
    let rows =
        db::series_with_reminders(db, now_ms, now_ms + REMINDER_HORIZON_MS + MAX_REMINDER_MS)
            .await?;
    let mut conn = db.acquire().await?;
    for row in &rows {
        schedule_reminders(&mut conn, row, now_ms).await?;
    }
    Ok(())
}

/// Runs [`scan_reminders`] now and every [`SCAN_INTERVAL`] until the task
/// is aborted.
pub fn spawn_reminder_scan(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SCAN_INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = scan_reminders(&db, now_ms()).await {
                tracing::warn!(%error, "reminder scan failed; the next one retries");
            }
        }
    })
}

/// What the mail and reminder jobs need.
#[derive(Clone)]
pub struct NoticeContext {
    pub db: Db,
    pub mailer: Mailer,
    pub keys: TokenKeys,
    pub inbox: Inbox,
    /// Absolute origin for links in mails (`https://meet.example.com`).
    pub origin: String,
}

/// The job handlers of this module: [`MAIL_JOB`] and [`REMINDER_JOB`].
pub fn handlers(context: NoticeContext) -> Vec<Arc<dyn JobHandler>> {
    let mail = {
        let context = context.clone();
        handler_fn(MAIL_JOB, move |job| {
            let context = context.clone();
            async move { run_mail(&context, &job).await }
        })
    };
    let reminder = handler_fn(REMINDER_JOB, move |job| {
        let context = context.clone();
        async move { run_reminder(&context, &job).await }
    });
    vec![mail, reminder]
}

/// A person a mail goes to, as far as Convene knows them: a member's
/// account, or nothing but the address.
#[derive(Default)]
struct Recipient {
    user_id: Option<String>,
    email: Option<String>,
    name: Option<String>,
    locale: Option<Locale>,
    time_zone: Option<String>,
}

/// How a [`Recipient`] is looked up.
#[derive(Clone, Copy)]
enum Who<'a> {
    UserId(&'a str),
    Email(&'a str),
}

async fn person(db: &Db, who: Who<'_>) -> Result<Recipient, JobError> {
    let (sql, value) = match who {
        Who::UserId(id) => (
            "SELECT id, email, display_name, locale, time_zone FROM users WHERE id = $1",
            id,
        ),
        Who::Email(email) => (
            "SELECT id, email, display_name, locale, time_zone FROM users WHERE email = $1",
            email,
        ),
    };
    let row = sqlx::query(sql).bind(value).fetch_optional(db).await?;
    Ok(row.map_or_else(Recipient::default, |r| Recipient {
        user_id: Some(r.get("id")),
        email: Some(r.get("email")),
        name: Some(r.get("display_name")),
        locale: r
            .get::<Option<String>, _>("locale")
            .and_then(|l| Locale::from_code(&l)),
        time_zone: Some(r.get("time_zone")),
    }))
}

/// The language and zone of `who`'s mail: their own as a member, else
/// the organizer's language and the meeting's zone.
fn reading(who: &Recipient, organizer: &Recipient, meeting_zone: &str) -> (Locale, String) {
    let locale = who.locale.or(organizer.locale).unwrap_or_default();
    let zone = who
        .time_zone
        .clone()
        .filter(|z| zone::parse(z).is_some())
        .unwrap_or_else(|| meeting_zone.to_owned());
    (locale, zone)
}

/// The occurrence a mail about the series names: the next one that has
/// not ended, else the first.
fn next_occurrence(row: &SeriesRow, now: i64) -> (i64, i64) {
    let series = row.series();
    recurrence::expand(&series, now, now + 400 * 24 * 3600 * 1000)
        .into_iter()
        .find(|o| o.ends_at_ms > now)
        .map_or((row.starts_at_ms, row.ends_at_ms), |o| {
            (o.starts_at_ms, o.ends_at_ms)
        })
}

fn rsvp(context: &NoticeContext, meeting_id: &str, email: &str) -> Result<RsvpLinks, JobError> {
    let token = super::rsvp::rsvp_token(&context.keys, meeting_id, email, now_ms())?;
    let [accept, tentative, decline] =
        super::rsvp::rsvp_links(&context.origin, &token).map(|(_, link)| link);
    Ok(RsvpLinks {
        accept,
        tentative,
        decline,
    })
}

async fn run_mail(context: &NoticeContext, job: &ClaimedJob) -> Result<(), JobError> {
    let key = &job.idempotency_key;
    match job.payload_as::<MeetingMail>()? {
        MeetingMail::Request {
            meeting_id,
            email,
            update,
            occurrence_ms,
            previous_start_ms,
        } => {
            let Some(row) = db::series(&context.db, &meeting_id).await? else {
                // Deleted since: its cancellation says so.
                return Ok(());
            };
            let attendees = db::attendees(&context.db, &meeting_id).await?;
            if !attendees.iter().any(|a| a.email == email) {
                return Ok(());
            }
            let organizer = person(&context.db, Who::UserId(&row.organizer_id)).await?;
            let who = person(&context.db, Who::Email(&email)).await?;
            let (locale, zone_name) = reading(&who, &organizer, &row.time_zone);
            let now = now_ms();
            let (start, end) =
                match occurrence_ms.and_then(|at| recurrence::occurrence_at(&row.series(), at)) {
                    Some(o) => (o.starts_at_ms, o.ends_at_ms),
                    None => next_occurrence(&row, now),
                };
            let mut when_label = zone::format_range(start, end, &zone_name, locale);
            if let (Some(rule), None) = (&row.rule, occurrence_ms) {
                when_label.push_str(" · ");
                when_label.push_str(&repeat::describe(rule, row.tz(), locale));
            }
            let event = super::feed::ics_event(&context.db, &row, &context.origin).await?;
            let ics = ics::calendar(&[event], Some(Method::Request), &row.title);
            let organizer_name = organizer.name.clone().unwrap_or_default();
            let room_url = format!("{}/m/{}", context.origin, row.room);
            let rsvp = Some(rsvp(context, &meeting_id, &email)?);
            let mail = if update {
                Update {
                    locale,
                    to: email.clone(),
                    organizer_name: organizer_name.clone(),
                    title: row.title.clone(),
                    when_label,
                    previous_when_label: previous_start_ms
                        .filter(|&p| p != start)
                        .map(|p| zone::format_range(p, p + (end - start), &zone_name, locale)),
                    time_zone: zone_name,
                    room_url,
                    rsvp,
                    description: row.description.clone(),
                    ics: Some(ics),
                }
                .render()
            } else {
                Invitation {
                    locale,
                    to: email.clone(),
                    organizer_name: organizer_name.clone(),
                    title: row.title.clone(),
                    when_label,
                    time_zone: zone_name,
                    room_url,
                    rsvp,
                    description: row.description.clone(),
                    ics: Some(ics),
                }
                .render()
            };
            context.mailer.send_once(&context.db, key, &mail).await?;
            if let (false, Some(user_id)) = (update, &who.user_id) {
                let t = locale.strings();
                let note = NewNotification {
                    kind: Kind::Invitation,
                    title: format!("{}: {}", t.notice_invited, row.title),
                    body: format!(
                        "{organizer_name} · {}",
                        zone::format_range(start, end, &row.time_zone, locale)
                    ),
                    url: Some(format!("/calendar/{meeting_id}")),
                };
                let tag = format!("invitation:{meeting_id}");
                inbox::deliver(&context.db, &context.inbox, user_id, &note, key, &tag).await?;
            }
            Ok(())
        }
        MeetingMail::Cancel { email, snapshot } => {
            let organizer = person(&context.db, Who::UserId(&snapshot.organizer_id)).await?;
            let who = person(&context.db, Who::Email(&email)).await?;
            let (locale, zone_name) = reading(&who, &organizer, &snapshot.time_zone);
            let tz = zone::parse(&snapshot.time_zone).unwrap_or(chrono_tz::Tz::UTC);
            let event = IcsEvent {
                uid: snapshot.uid.clone(),
                sequence: u32::try_from(snapshot.sequence).unwrap_or(0),
                stamp_ms: now_ms(),
                title: snapshot.title.clone(),
                description: String::new(),
                url: None,
                organizer: organizer.name.clone().zip(organizer.email.clone()),
                attendees: vec![Attendee {
                    email: email.clone(),
                    name: who.name.clone(),
                    partstat: PartStat::NeedsAction,
                }],
                tz,
                start_local: zone::to_local(tz, snapshot.starts_at_ms).naive_local(),
                duration_ms: snapshot.ends_at_ms - snapshot.starts_at_ms,
                rule: None,
                exdates: Vec::new(),
                overrides: Vec::new(),
                reminders_min: Vec::new(),
                cancelled: true,
            };
            let (ics, scope) = match snapshot.occurrence_ms {
                Some(at) => (ics::cancel_occurrence(&event, at), CancelScope::Occurrence),
                None => (
                    ics::calendar(&[event], Some(Method::Cancel), &snapshot.title),
                    CancelScope::Series,
                ),
            };
            let mail = Cancellation {
                locale,
                to: email.clone(),
                organizer_name: organizer.name.unwrap_or_default(),
                title: snapshot.title.clone(),
                scope,
                when_label: zone::format_range(
                    snapshot.starts_at_ms,
                    snapshot.ends_at_ms,
                    &zone_name,
                    locale,
                ),
                time_zone: zone_name,
                ics: Some(ics),
            }
            .render();
            context.mailer.send_once(&context.db, key, &mail).await?;
            Ok(())
        }
    }
}

async fn run_reminder(context: &NoticeContext, job: &ClaimedJob) -> Result<(), JobError> {
    let key = &job.idempotency_key;
    let reminder = job.payload_as::<ReminderJob>()?;
    let Some(row) = db::series(&context.db, &reminder.meeting_id).await? else {
        return Ok(());
    };
    // The reminder must still be asked for: jobs queued before the
    // organizer changed or removed it stay in the queue.
    if !db::reminders(&context.db, &row.id)
        .await?
        .contains(&reminder.minutes)
    {
        tracing::info!(key, "reminder no longer set on the meeting: dropped");
        return Ok(());
    }
    let now = now_ms();
    // The occurrence must still start then: moved or cancelled ones have
    // jobs of their own (or none).
    let Some(occurrence) = recurrence::expand(
        &row.series(),
        reminder.starts_at_ms,
        reminder.starts_at_ms + 1,
    )
    .into_iter()
    .find(|o| o.starts_at_ms == reminder.starts_at_ms) else {
        return Ok(());
    };
    if occurrence.ends_at_ms <= now {
        tracing::info!(key, "reminder for a meeting that has ended: dropped");
        return Ok(());
    }
    let organizer = person(&context.db, Who::UserId(&row.organizer_id)).await?;
    let who = person(&context.db, Who::Email(&reminder.email)).await?;
    let is_organizer = who.user_id.as_deref() == Some(row.organizer_id.as_str());
    if !is_organizer {
        let invited = db::attendees(&context.db, &row.id)
            .await?
            .into_iter()
            .any(|a| a.email == reminder.email && a.partstat != PartStat::Declined);
        if !invited {
            return Ok(());
        }
    }
    let (locale, zone_name) = reading(&who, &organizer, &row.time_zone);
    let title = occurrence
        .title
        .clone()
        .unwrap_or_else(|| row.title.clone());
    let when_label = zone::format_range(
        occurrence.starts_at_ms,
        occurrence.ends_at_ms,
        &zone_name,
        locale,
    );
    let room_url = format!("{}/m/{}", context.origin, row.room);
    let mail = Reminder {
        locale,
        to: reminder.email.clone(),
        title: title.clone(),
        minutes_before: reminder.minutes,
        when_label: when_label.clone(),
        time_zone: zone_name,
        room_url,
    }
    .render();
    // In-app and push first: both are idempotent by key, and neither
    // should wait on (or be lost with) a mail server that is down.
    if let Some(user_id) = &who.user_id {
        let t = locale.strings();
        let note = NewNotification {
            kind: Kind::Reminder,
            title: format!("{}: {title}", t.notice_starts_soon),
            body: when_label,
            url: Some(format!("/m/{}", row.room)),
        };
        let tag = format!("reminder:{}:{}", row.id, occurrence.starts_at_ms);
        inbox::deliver(&context.db, &context.inbox, user_id, &note, key, &tag).await?;
    }
    context.mailer.send_once(&context.db, key, &mail).await?;
    Ok(())
}
