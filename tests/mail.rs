//! Mail against a real SMTP server: `tests/interop/smtp_sink.py` (Python's
//! aiosmtpd) receives what the [`Mailer`] sends, and Python's own MIME
//! parser (the `email` package) reads it back into a JSON summary, so the
//! message structure is checked by an implementation independent of the
//! one that wrote it.
//!
//! Needs `python3` with `aiosmtpd` (`scripts/install --test`). Runs on
//! SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use common::smtp::Sink;
use common::{spawn_app, TestApp};
use convene::db::Db;
use convene::i18n::Locale;
use convene::mail::templates::{Invitation, RsvpLinks};
use convene::mail::{MailError, MailSettings, Mailer, OutgoingMail, SmtpSettings, SmtpUrl};
use serde_json::Value;
use sqlx::Row as _;

const SENDER: &str = "Convene <no-reply@example.com>";

/// A calendar as the calendar feature attaches it (RFC 5545, CRLF lines,
/// `METHOD:REQUEST`); `{title}` is replaced per test.
const SAMPLE_ICS: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Convene//Convene//EN\r\n\
METHOD:REQUEST\r\n\
BEGIN:VEVENT\r\n\
UID:standup-1@convene\r\n\
SEQUENCE:0\r\n\
DTSTAMP:20261120T090000Z\r\n\
DTSTART:20261125T060000Z\r\n\
DTEND:20261125T064500Z\r\n\
SUMMARY:{title}\r\n\
ORGANIZER;CN=Bob:mailto:bob@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@example.com\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

/// A server (for its fresh database) and a pool on that database.
async fn database() -> (TestApp, Db) {
    let app = spawn_app().await;
    let db = convene::db::connect(&app.database_url)
        .await
        .expect("open the test database");
    (app, db)
}

/// A mailer that submits to `url` as `SENDER`.
fn mailer_at(url: &str, db: &Db) -> Mailer {
    let settings = MailSettings {
        smtp: Some(SmtpSettings {
            url: SmtpUrl::parse(url).expect("a valid SMTP URL"),
            from: SENDER.parse().expect("a valid sender"),
        }),
    };
    Mailer::new(&settings, db.clone()).expect("the mailer")
}

fn invitation(locale: Locale, to: &str, title: &str, when_label: &str) -> OutgoingMail {
    Invitation {
        locale,
        to: to.to_owned(),
        organizer_name: "Bob".to_owned(),
        title: title.to_owned(),
        when_label: when_label.to_owned(),
        time_zone: "Asia/Tokyo".to_owned(),
        room_url: "https://meet.example.com/m/standup".to_owned(),
        rsvp: Some(RsvpLinks {
            accept: "https://meet.example.com/rsvp/t1?answer=accepted".to_owned(),
            tentative: "https://meet.example.com/rsvp/t1?answer=tentative".to_owned(),
            decline: "https://meet.example.com/rsvp/t1?answer=declined".to_owned(),
        }),
        description: "Agenda:\n1. News & <questions>".to_owned(),
        ics: Some(SAMPLE_ICS.replace("{title}", title)),
    }
    .render()
}

/// `sent_at` and `last_error` of the outbox row with `key`.
async fn outbox_state(db: &Db, key: &str) -> (Option<i64>, Option<String>) {
    let row = sqlx::query("SELECT sent_at, last_error FROM mail_outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(db)
        .await
        .expect("the outbox row");
    (row.get("sent_at"), row.get("last_error"))
}

fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn str_of<'a>(summary: &'a Value, key: &str) -> &'a str {
    summary[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {summary}"))
}

/// The checks every invitation must pass, whatever its language: the MIME
/// tree of RFC 6047, headers, the calendar inline and attached.
fn assert_imip_invitation(summary: &Value, ics: &str) {
    let types: Vec<&str> = summary["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["content_type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/ics",
        ]
    );
    let parts = summary["parts"].as_array().expect("parts");
    assert_eq!(parts[2]["params"]["charset"], "utf-8");
    assert_eq!(parts[3]["params"]["charset"], "utf-8");
    assert_eq!(parts[4]["params"]["charset"], "utf-8");
    assert_eq!(parts[4]["params"]["method"], "REQUEST");
    assert!(parts[4]["disposition"].is_null(), "inline: {}", parts[4]);
    assert_eq!(parts[5]["disposition"], "attachment");

    assert_eq!(str_of(summary, "calendar_method"), "REQUEST");
    assert_eq!(unix_lines(str_of(summary, "calendar")), unix_lines(ics));
    let attachments = summary["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0]["filename"], "invite.ics");
    assert_eq!(attachments[0]["content_type"], "application/ics");
    assert_eq!(
        unix_lines(attachments[0]["content"].as_str().unwrap_or_default()),
        unix_lines(ics)
    );

    assert_eq!(str_of(summary, "from"), SENDER);
    assert_eq!(str_of(summary, "mail_from"), "no-reply@example.com");
    assert_eq!(str_of(summary, "mime_version"), "1.0");
    assert_eq!(str_of(summary, "auto_submitted"), "auto-generated");
    let message_id = str_of(summary, "message_id");
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@example.com>"),
        "{message_id}"
    );
    assert!(!str_of(summary, "date").is_empty());
    assert_eq!(summary["defects"], serde_json::json!([]));
    // RFC 5322 §2.1.1: at most 998 characters per line; RFC 2045: non-ASCII
    // only inside an encoding.
    assert!(summary["max_line_length"].as_u64().unwrap_or(u64::MAX) <= 998);
    assert_eq!(summary["ascii_only"], true);
}

#[tokio::test]
async fn english_invitation_arrives_as_imip_with_escaped_html_and_the_calendar() {
    let (_app, db) = database().await;
    let sink = Sink::start().await;
    let mailer = mailer_at(&sink.url(), &db);
    assert!(mailer.is_enabled());
    let title = "<b>Q&A</b>";
    let mail = invitation(
        Locale::En,
        "ann@example.com",
        title,
        "Wed 25 Nov 2026, 15:00–15:45",
    );

    mailer
        .send_once(&db, "invite-en", &mail)
        .await
        .expect("sent");

    let received = sink.received(1).await;
    let summary = &received[0];
    assert_imip_invitation(summary, &SAMPLE_ICS.replace("{title}", title));
    assert_eq!(
        str_of(summary, "subject"),
        "Invitation: <b>Q&A</b> (Wed 25 Nov 2026, 15:00–15:45)"
    );
    assert_eq!(str_of(summary, "to"), "ann@example.com");
    assert_eq!(summary["rcpt_tos"], serde_json::json!(["ann@example.com"]));
    assert_eq!(str_of(summary, "content_language"), "en");

    let text = str_of(summary, "text");
    assert!(text.contains("Bob invites you to a meeting"), "{text}");
    assert!(
        text.contains("<b>Q&A</b>"),
        "plain text keeps the title as typed"
    );
    assert!(text.contains("When: Wed 25 Nov 2026, 15:00–15:45 (Asia/Tokyo)"));
    assert!(text.contains("Join the meeting: https://meet.example.com/m/standup"));
    assert!(text.contains("Yes: https://meet.example.com/rsvp/t1?answer=accepted"));

    let html = str_of(summary, "html");
    assert!(html.contains("&lt;b&gt;Q&amp;A&lt;/b&gt;"), "{html}");
    assert!(
        !html.contains("<b>"),
        "the title must not become markup: {html}"
    );
    assert!(html.contains("News &amp; &lt;questions&gt;"));
    assert!(html.contains("href=\"https://meet.example.com/rsvp/t1?answer=declined\""));
    assert!(html.contains("<html lang=\"en\">"));

    let (sent_at, last_error) = outbox_state(&db, "invite-en").await;
    assert!(sent_at.is_some(), "sending marks the outbox row sent");
    assert_eq!(last_error, None);
}

#[tokio::test]
async fn russian_invitation_has_a_russian_subject_and_body() {
    let (_app, db) = database().await;
    let sink = Sink::start().await;
    let mailer = mailer_at(&sink.url(), &db);
    let title = "Планёрка";
    let mail = invitation(
        Locale::Ru,
        "Анна <anna@example.com>",
        title,
        "ср 25 нояб. 2026, 15:00–15:45",
    );

    mailer.send(&mail).await.expect("sent");

    let received = sink.received(1).await;
    let summary = &received[0];
    assert_imip_invitation(summary, &SAMPLE_ICS.replace("{title}", title));
    assert_eq!(
        str_of(summary, "subject"),
        "Приглашение: Планёрка (ср 25 нояб. 2026, 15:00–15:45)"
    );
    assert_eq!(str_of(summary, "to"), "Анна <anna@example.com>");
    assert_eq!(str_of(summary, "content_language"), "ru");
    let text = str_of(summary, "text");
    assert!(text.contains("Bob приглашает вас на встречу"), "{text}");
    assert!(text.contains("Когда: ср 25 нояб. 2026, 15:00–15:45 (Asia/Tokyo)"));
    assert!(text.contains("Вы придёте?"));
    let html = str_of(summary, "html");
    assert!(html.contains("Присоединиться к встрече"), "{html}");
    assert!(html.contains("<html lang=\"ru\">"));
    assert!(str_of(summary, "calendar").contains("SUMMARY:Планёрка"));
}

#[tokio::test]
async fn without_smtp_mail_is_kept_unsent_in_the_outbox() {
    let (_app, db) = database().await;
    let mailer = Mailer::new(&MailSettings::default(), db.clone()).expect("the mailer");
    assert!(
        !mailer.is_enabled(),
        "the UI must be able to say mail is off"
    );
    let mail = invitation(
        Locale::En,
        "ann@example.com",
        "Standup",
        "Wed 25 Nov 2026, 15:00–15:45",
    );

    mailer
        .send_once(&db, "invite-off", &mail)
        .await
        .expect("no SMTP is not an error");

    let row = sqlx::query(
        "SELECT to_addr, subject, body_text, body_html, ics, ics_method, locale, created_at, \
                sent_at, last_error \
         FROM mail_outbox WHERE idempotency_key = $1",
    )
    .bind("invite-off")
    .fetch_one(&db)
    .await
    .expect("the mail is in the outbox");
    assert_eq!(row.get::<String, _>("to_addr"), "ann@example.com");
    assert_eq!(row.get::<String, _>("subject"), mail.subject);
    assert_eq!(row.get::<String, _>("body_text"), mail.text);
    assert_eq!(row.get::<String, _>("body_html"), mail.html);
    assert_eq!(
        row.get::<Option<String>, _>("ics").as_deref(),
        mail.ics.as_ref().map(|(ics, _)| ics.as_str())
    );
    assert_eq!(
        row.get::<Option<String>, _>("ics_method").as_deref(),
        Some("REQUEST")
    );
    assert_eq!(row.get::<String, _>("locale"), "en");
    assert!(row.get::<i64, _>("created_at") > 0);
    assert_eq!(row.get::<Option<i64>, _>("sent_at"), None);
    assert_eq!(row.get::<Option<String>, _>("last_error"), None);
}

#[tokio::test]
async fn unreachable_smtp_server_is_a_temporary_error_and_a_retry_sends_once() {
    let (_app, db) = database().await;
    // A port nobody listens on: bind it, then let it go.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let down = mailer_at(&format!("smtp://127.0.0.1:{closed_port}?tls=none"), &db);
    let mail = invitation(
        Locale::En,
        "ann@example.com",
        "Standup",
        "Wed 25 Nov 2026, 15:00–15:45",
    );

    let error = down
        .send_once(&db, "invite-retry", &mail)
        .await
        .expect_err("connection refused");
    assert!(
        matches!(error, MailError::Temporary { code: None, .. }),
        "{error:?}"
    );
    assert!(error.is_temporary());
    assert!(matches!(
        convene::jobs::JobError::from(error),
        convene::jobs::JobError::Retry(_)
    ));
    let (sent_at, last_error) = outbox_state(&db, "invite-retry").await;
    assert_eq!(sent_at, None);
    assert!(last_error.is_some_and(|e| e.contains("temporary")));

    // The job runs again once the server is back.
    let sink = Sink::start().await;
    let up = mailer_at(&sink.url(), &db);
    up.send_once(&db, "invite-retry", &mail)
        .await
        .expect("sent on retry");
    assert_eq!(sink.received(1).await.len(), 1);
    let (sent_at, last_error) = outbox_state(&db, "invite-retry").await;
    assert!(sent_at.is_some());
    assert_eq!(last_error, None, "success clears the last error");
}

#[tokio::test]
async fn send_once_with_the_same_key_sends_one_mail() {
    let (_app, db) = database().await;
    let sink = Sink::start().await;
    let mailer = mailer_at(&sink.url(), &db);
    let mail = invitation(
        Locale::En,
        "ann@example.com",
        "Standup",
        "Wed 25 Nov 2026, 15:00–15:45",
    );

    mailer
        .send_once(&db, "invite-once", &mail)
        .await
        .expect("first");
    mailer
        .send_once(&db, "invite-once", &mail)
        .await
        .expect("second");

    // The sink stores a message before it answers 250, so everything sent
    // is on disk by now.
    assert_eq!(sink.received_now().len(), 1);
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key = $1")
            .bind("invite-once")
            .fetch_one(&db)
            .await
            .expect("count");
    assert_eq!(count, 1);

    // A different key is a different mail.
    mailer
        .send_once(&db, "invite-twice", &mail)
        .await
        .expect("other key");
    assert_eq!(sink.received(2).await.len(), 2);
}

#[tokio::test]
async fn smtp_4xx_reply_is_temporary_and_5xx_is_permanent() {
    let (_app, db) = database().await;
    let sink = Sink::start().await;
    let mailer = mailer_at(&sink.url(), &db);
    let to = |address: &str| {
        invitation(
            Locale::En,
            address,
            "Standup",
            "Wed 25 Nov 2026, 15:00–15:45",
        )
    };

    let busy = mailer
        .send_once(&db, "to-busy", &to("fail-4xx@example.com"))
        .await
        .expect_err("451");
    assert!(
        matches!(
            busy,
            MailError::Temporary {
                code: Some(451),
                ..
            }
        ),
        "{busy:?}"
    );
    assert!(busy.is_temporary());

    let unknown = mailer
        .send_once(&db, "to-unknown", &to("fail-5xx@example.com"))
        .await
        .expect_err("550");
    assert!(
        matches!(
            unknown,
            MailError::Permanent {
                code: Some(550),
                ..
            }
        ),
        "{unknown:?}"
    );
    assert!(!unknown.is_temporary());
    assert!(matches!(
        convene::jobs::JobError::from(unknown),
        convene::jobs::JobError::Permanent(_)
    ));
    let (sent_at, last_error) = outbox_state(&db, "to-unknown").await;
    assert_eq!(sent_at, None);
    assert!(last_error.is_some_and(|e| e.contains("550")));

    // The refusals did not spoil the pooled connection for the next mail.
    mailer
        .send_once(&db, "to-ann", &to("ann@example.com"))
        .await
        .expect("sent");
    assert_eq!(sink.received(1).await.len(), 1);
}
