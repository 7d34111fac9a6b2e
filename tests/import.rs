//! Importing an `.ics` file from the settings page (`import_ics`): series
//! with their exceptions become meetings of the importer, a second import
//! of the same file adds nothing, and unreadable input gets a clear error.
//! Runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use common::spawn_app;
use convene::calendar::sharing::ImportSummary;
use convene::error::{AppError, Invalid};
use sqlx::Row as _;

/// As Google Calendar exports it: a weekly series in Berlin with one
/// cancelled and one moved occurrence, a reminder, an attendee; a single
/// event in UTC; and one event Convene cannot expand (RDATE).
const GOOGLE: &str = "BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:PUBLISH\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Berlin:20301104T090000\r
DTEND;TZID=Europe/Berlin:20301104T093000\r
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6\r
EXDATE;TZID=Europe/Berlin:20301111T090000\r
UID:standup-series@google.com\r
SUMMARY:Standup\r
DESCRIPTION:Daily news\\, briefly\r
ATTENDEE;CN=Someone;PARTSTAT=ACCEPTED:mailto:someone@example.org\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT15M\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Berlin:20301118T110000\r
DTEND;TZID=Europe/Berlin:20301118T113000\r
RECURRENCE-ID;TZID=Europe/Berlin:20301118T090000\r
UID:standup-series@google.com\r
SUMMARY:Standup (late)\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20301201T120000Z\r
DTEND:20301201T130000Z\r
UID:lunch@google.com\r
SUMMARY:Lunch\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20301202T120000Z\r
DTEND:20301202T130000Z\r
RDATE:20301203T120000Z\r
UID:odd@google.com\r
SUMMARY:Odd one\r
END:VEVENT\r
END:VCALENDAR\r
";

#[tokio::test]
async fn a_google_export_becomes_meetings_once_and_mails_nobody() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Berlin").await;

    let summary: ImportSummary = app
        .result(&ann.client, "import_ics", &[("ics", GOOGLE)])
        .await
        .expect("import_ics");
    assert_eq!(summary.imported, 2, "{summary:?}");
    assert_eq!(summary.already, 0);
    assert_eq!(summary.skipped.len(), 1, "{summary:?}");
    assert_eq!(summary.skipped[0].0, "Odd one");
    assert!(!summary.skipped[0].1.is_empty(), "the reason is given");

    let db = convene::db::connect(&app.database_url)
        .await
        .expect("open the database");
    let series = sqlx::query(
        "SELECT id, title, description, time_zone, rrule FROM meetings WHERE ical_uid = $1",
    )
    .bind("standup-series@google.com")
    .fetch_one(&db)
    .await
    .expect("the series");
    let id: String = series.get("id");
    assert_eq!(series.get::<String, _>("title"), "Standup");
    assert_eq!(
        series.get::<String, _>("description"),
        "Daily news, briefly"
    );
    assert_eq!(series.get::<String, _>("time_zone"), "Europe/Berlin");
    assert_eq!(
        series.get::<Option<String>, _>("rrule").as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO;COUNT=6")
    );
    let exdates: Vec<i64> =
        sqlx::query("SELECT original_start_ms FROM meeting_exdates WHERE meeting_id = $1")
            .bind(&id)
            .fetch_all(&db)
            .await
            .expect("exdates")
            .iter()
            .map(|r| r.get("original_start_ms"))
            .collect();
    // 2030-11-11 09:00 in Berlin (CET, +01:00).
    assert_eq!(exdates, vec![1_920_614_400_000]);
    let moved = sqlx::query(
        "SELECT original_start_ms, starts_at, title FROM meeting_overrides WHERE meeting_id = $1",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .expect("the moved occurrence");
    assert_eq!(moved.get::<i64, _>("original_start_ms"), 1_921_219_200_000);
    assert_eq!(moved.get::<i64, _>("starts_at"), 1_921_226_400_000);
    assert_eq!(
        moved.get::<Option<String>, _>("title").as_deref(),
        Some("Standup (late)")
    );
    let reminders: Vec<i64> =
        sqlx::query("SELECT minutes_before FROM meeting_reminders WHERE meeting_id = $1")
            .bind(&id)
            .fetch_all(&db)
            .await
            .expect("reminders")
            .iter()
            .map(|r| r.get("minutes_before"))
            .collect();
    assert_eq!(reminders, vec![15]);
    // Attendees of someone else's calendar are not invited (no mail).
    let invitees = sqlx::query("SELECT email FROM meeting_invitees WHERE meeting_id = $1")
        .bind(&id)
        .fetch_all(&db)
        .await
        .expect("invitees");
    assert!(invitees.is_empty());
    let mails = sqlx::query("SELECT id FROM mail_outbox")
        .fetch_all(&db)
        .await
        .expect("outbox");
    assert!(mails.is_empty());

    // The same file again adds nothing.
    let again: ImportSummary = app
        .result(&ann.client, "import_ics", &[("ics", GOOGLE)])
        .await
        .expect("import_ics again");
    assert_eq!((again.imported, again.already), (0, 2));
    let count = sqlx::query("SELECT COUNT(*) AS n FROM meetings")
        .fetch_one(&db)
        .await
        .expect("count")
        .get::<i64, _>("n");
    assert_eq!(count, 2);
}

#[tokio::test]
async fn unreadable_files_and_visitors_get_clear_errors() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let not_ics = app
        .result::<ImportSummary>(&ann.client, "import_ics", &[("ics", "hello, world")])
        .await;
    assert_eq!(not_ics, Err(AppError::Invalid(Invalid::IcsUnreadable)));
    let empty = app
        .result::<ImportSummary>(
            &ann.client,
            "import_ics",
            &[("ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")],
        )
        .await;
    assert_eq!(empty, Err(AppError::Invalid(Invalid::IcsNoEvents)));
    let visitor = app
        .result::<ImportSummary>(&common::client(), "import_ics", &[("ics", GOOGLE)])
        .await;
    assert_eq!(visitor, Err(AppError::Unauthorized));
}
