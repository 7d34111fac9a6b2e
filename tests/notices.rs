//! What attendees hear about a meeting, end to end through the job queue:
//! invitation, update and cancellation mails received by a real SMTP
//! server (`tests/common/smtp.rs`), reminders that survive a restart and
//! arrive exactly once, and in-app notifications with their live count.
//!
//! Needs `python3` with `aiosmtpd` (`scripts/install --test`). Runs on
//! SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use common::smtp::Sink;
use common::{spawn_app_with, TestApp, TestUser};
use convene::calendar::ScheduledMeeting;
use convene::mail::{MailSettings, SmtpSettings, SmtpUrl};
use convene::meeting::protocol::{ClientMessage, RoomAccess, ServerMessage};
use convene::notify::NotificationView;
use serde_json::Value;
use sqlx::Row as _;
use std::time::Duration;

/// A server that mails through `sink`.
async fn app_mailing_to(sink: &Sink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |config| {
        config.mail = MailSettings {
            smtp: Some(SmtpSettings {
                url: SmtpUrl::parse(&url).expect("a valid SMTP URL"),
                from: "Convene <no-reply@example.com>"
                    .parse()
                    .expect("a valid sender"),
            }),
        };
    })
    .await
}

/// Makes `user`'s account speak Russian (as the language switcher does).
async fn speak_russian(app: &TestApp, user: &TestUser) {
    let response = user
        .client
        .get(app.url("/lang/ru?next=/"))
        .send()
        .await
        .expect("switch language");
    assert!(response.status().is_success() || response.status().is_redirection());
}

fn str_of<'a>(summary: &'a Value, key: &str) -> &'a str {
    summary[key].as_str().unwrap_or_default()
}

/// The messages to `to` among `received`.
fn to<'a>(received: &'a [Value], to: &str) -> Vec<&'a Value> {
    received.iter().filter(|m| str_of(m, "to") == to).collect()
}

/// Waits until `sink` has `n` messages, then a little longer to see that
/// no more arrive.
async fn exactly(sink: &Sink, n: usize) -> Vec<Value> {
    let received = sink.received(n).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let settled = sink.received_now();
    assert_eq!(
        settled.len(),
        received.len(),
        "more mail than expected: {:#?}",
        settled
            .iter()
            .map(|m| str_of(m, "subject"))
            .collect::<Vec<_>>()
    );
    settled
}

fn form<'a>(
    title: &'a str,
    date: &'a str,
    time: &'a str,
    invitees: &'a str,
    reminders: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("date", date),
        ("time", time),
        ("duration_min", "30"),
        ("time_zone", "UTC"),
        ("invitees", invitees),
        ("reminders", reminders),
    ]
}

#[tokio::test]
async fn invitations_updates_and_cancellations_reach_attendees_in_their_language() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "Europe/Berlin").await;
    let boris = app.register("Boris", "Europe/Moscow").await;
    speak_russian(&app, &boris).await;
    let guest = "guest@example.org";
    let invitees = format!("{}, {guest}", boris.email);

    let meeting: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Planning", "2030-03-04", "09:00", &invitees, "10"),
        )
        .await
        .expect("create_meeting");

    // Invitations: Russian for Boris (a member who speaks Russian, in his
    // zone), English for the guest (the organizer's language, the
    // meeting's zone); both with METHOD:REQUEST and answer links.
    let received = exactly(&sink, 2).await;
    let to_boris = to(&received, &boris.email);
    assert_eq!(to_boris.len(), 1);
    let invitation = to_boris[0];
    assert!(
        str_of(invitation, "subject").starts_with("Приглашение: Planning"),
        "{}",
        str_of(invitation, "subject")
    );
    assert!(
        str_of(invitation, "text").contains("12:00"),
        "09:00 UTC is 12:00 in Moscow: {}",
        str_of(invitation, "text")
    );
    assert_eq!(str_of(invitation, "calendar_method"), "REQUEST");
    let calendar = str_of(invitation, "calendar");
    assert!(calendar.contains("SEQUENCE:0"), "{calendar}");
    assert!(
        calendar.contains("ATTENDEE") && calendar.contains(&boris.email),
        "{calendar}"
    );
    let to_guest = to(&received, guest);
    assert_eq!(to_guest.len(), 1);
    let guest_mail = to_guest[0];
    assert!(str_of(guest_mail, "subject").starts_with("Invitation: Planning"));
    assert!(str_of(guest_mail, "text").contains("09:00"));

    // The guest's "Yes" link works without signing in, and Ann sees it.
    let text = str_of(guest_mail, "text");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/rsvp/") && w.ends_with("answer=accepted"))
        .unwrap_or_else(|| panic!("an accept link in {text}"));
    assert!(
        link.starts_with(&app.base),
        "links are absolute: {link} under {}",
        app.base
    );
    let page = app.page(common::client().get(link)).await;
    assert_eq!(page.status, 200);
    let details: convene::calendar::MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &meeting.id)])
        .await
        .expect("get_meeting");
    let answer = details
        .attendees
        .iter()
        .find(|a| a.email == guest)
        .expect("the guest is listed");
    assert_eq!(answer.partstat, convene::calendar::PartStat::Accepted);

    // Boris also sees the invitation in the app.
    let (notes, unread): (Vec<NotificationView>, i64) = app
        .result(&boris.client, "list_notifications", &[])
        .await
        .expect("list_notifications");
    assert_eq!(unread, 1);
    assert_eq!(notes[0].kind, "invitation");
    assert!(notes[0].title.contains("Planning"), "{}", notes[0].title);

    // Moving it: an update to each, SEQUENCE 1, naming the old time.
    let mut moved = form("Planning", "2030-03-04", "10:00", &invitees, "10");
    moved.push(("id", &meeting.id));
    moved.push(("scope", "all"));
    let _: ScheduledMeeting = app
        .result(&ann.client, "update_meeting", &moved)
        .await
        .expect("update_meeting");
    let received = exactly(&sink, 4).await;
    let updates: Vec<&Value> = received[2..].iter().collect();
    let update_ru = updates
        .iter()
        .find(|m| str_of(m, "to") == boris.email)
        .expect("an update for Boris");
    assert!(
        str_of(update_ru, "subject").starts_with("Изменение: Planning"),
        "{}",
        str_of(update_ru, "subject")
    );
    let update_en = updates
        .iter()
        .find(|m| str_of(m, "to") == guest)
        .expect("an update for the guest");
    assert!(str_of(update_en, "subject").starts_with("Updated: Planning"));
    let text = str_of(update_en, "text");
    assert!(text.contains("10:00") && text.contains("09:00"), "{text}");
    assert!(str_of(update_en, "calendar").contains("SEQUENCE:1"));

    // Deleting it: a cancellation to each, METHOD:CANCEL.
    let _: () = app
        .result(
            &ann.client,
            "delete_meeting",
            &[("id", &meeting.id), ("scope", "all")],
        )
        .await
        .expect("delete_meeting");
    let received = exactly(&sink, 6).await;
    for mail in &received[4..] {
        assert_eq!(str_of(mail, "calendar_method"), "CANCEL", "{mail}");
        let calendar = str_of(mail, "calendar");
        assert!(calendar.contains("STATUS:CANCELLED"), "{calendar}");
        assert!(calendar.contains("SEQUENCE:2"), "{calendar}");
    }
    let cancel_en = to(&received[4..], guest);
    assert!(str_of(cancel_en[0], "subject").starts_with("Cancelled: Planning"));
}

#[tokio::test]
async fn cancelling_one_occurrence_names_it_with_its_recurrence_id() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "UTC").await;
    let guest = "weekly@example.org";
    let mut weekly = form("Weekly", "2030-03-04", "09:00", guest, "");
    weekly.push(("repeat", "weekly"));
    let meeting: ScheduledMeeting = app
        .result(&ann.client, "create_meeting", &weekly)
        .await
        .expect("create_meeting");
    exactly(&sink, 1).await;

    // 2030-03-11 09:00 UTC, the second occurrence.
    let second = "1899450000000";
    let _: () = app
        .result(
            &ann.client,
            "delete_meeting",
            &[
                ("id", &meeting.id),
                ("scope", "this"),
                ("occurrence", second),
            ],
        )
        .await
        .expect("delete one occurrence");
    let received = exactly(&sink, 2).await;
    let cancel = &received[1];
    assert_eq!(str_of(cancel, "calendar_method"), "CANCEL");
    let calendar = str_of(cancel, "calendar");
    assert!(
        calendar.contains("RECURRENCE-ID:20300311T090000Z"),
        "{calendar}"
    );
    assert!(!calendar.contains("RRULE"), "{calendar}");
    assert!(str_of(cancel, "subject").contains("Weekly"));
}

/// Reminder mails in the outbox: recipient and when sent (Unix ms).
async fn reminder_mails(app: &TestApp) -> Vec<(String, Option<i64>)> {
    let db = convene::db::connect(&app.database_url)
        .await
        .expect("open the database");
    sqlx::query(
        "SELECT to_addr, sent_at FROM mail_outbox WHERE idempotency_key LIKE 'reminder:%' ORDER BY to_addr",
    )
    .fetch_all(&db)
    .await
    .expect("outbox")
    .iter()
    .map(|r| (r.get("to_addr"), r.get("sent_at")))
    .collect()
}

/// Date and time (UTC, with seconds) `seconds` from now, for the form.
fn soon(seconds: i64) -> (String, String) {
    let start = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    (
        start.format("%Y-%m-%d").to_string(),
        start.format("%H:%M:%S").to_string(),
    )
}

#[tokio::test]
async fn reminders_due_while_the_server_was_down_arrive_once_after_it_starts() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "UTC").await;
    let boris = app.register("Boris", "UTC").await;

    // Starts in 70 s with a 1-minute reminder: due in 10 s.
    let (date, time) = soon(70);
    let meeting: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Retro", &date, &time, &boris.email, "1"),
        )
        .await
        .expect("create_meeting");
    // The invitation goes out at once; the reminder is not due yet.
    exactly(&sink, 1).await;
    assert!(reminder_mails(&app).await.is_empty());

    // Down across the reminder time (a deploy at the wrong moment).
    let app = app.restart_after(Duration::from_secs(12)).await;
    let restarted_at = convene::db::now_ms();

    // After the start both reminders arrive: the organizer's and Boris's.
    let received = exactly(&sink, 3).await;
    let reminders: Vec<&Value> = received
        .iter()
        .filter(|m| {
            str_of(m, "subject").contains("Retro")
                && !str_of(m, "subject").starts_with("Invitation")
        })
        .collect();
    assert_eq!(reminders.len(), 2, "{received:#?}");
    let mut recipients: Vec<&str> = reminders.iter().map(|m| str_of(m, "to")).collect();
    recipients.sort_unstable();
    let mut expected = vec![ann.email.as_str(), boris.email.as_str()];
    expected.sort_unstable();
    assert_eq!(recipients, expected);
    assert!(
        str_of(reminders[0], "text").contains(&format!("/m/{}", meeting.room)),
        "the reminder links the room"
    );

    // Sent by the new server: the old one stopped before they were due.
    let sent: Vec<i64> = reminder_mails(&app)
        .await
        .into_iter()
        .filter_map(|(_, at)| at)
        .collect();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|&at| at >= restarted_at - 1000),
        "sent at {sent:?}, restarted at {restarted_at}"
    );

    // In the app too, once.
    let (notes, _): (Vec<NotificationView>, i64) = app
        .result(&boris.client, "list_notifications", &[])
        .await
        .expect("list_notifications");
    assert_eq!(notes.iter().filter(|n| n.kind == "reminder").count(), 1);

    // Another restart sends nothing again.
    let app = app.restart_after(Duration::from_millis(200)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.received_now().len(), 3);
    let rows = reminder_mails(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|(_, sent)| sent.is_some()));
}

#[tokio::test]
async fn a_declined_or_removed_attendee_gets_no_reminder() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "UTC").await;
    let boris = app.register("Boris", "UTC").await;
    let (date, time) = soon(62);
    let meeting: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Review", &date, &time, &boris.email, "1"),
        )
        .await
        .expect("create_meeting");
    let _: convene::calendar::PartStat = app
        .result(
            &boris.client,
            "answer_invitation",
            &[("id", &meeting.id), ("answer", "declined")],
        )
        .await
        .expect("decline");
    // Invitation to Boris, then the organizer's reminder only.
    let received = exactly(&sink, 2).await;
    let reminder = &received[1];
    assert_eq!(str_of(reminder, "to"), ann.email);
}

#[tokio::test]
async fn a_reminder_the_organizer_changed_is_not_sent() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "UTC").await;
    // Starts in 125 s with a 2-minute reminder: due in 5 s.
    let (date, time) = soon(125);
    let meeting: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Demo", &date, &time, "", "2"),
        )
        .await
        .expect("create_meeting");
    // Changed to 1 minute before: due in about 65 s, no longer in 5 s.
    let mut changed = form("Demo", &date, &time, "", "1");
    changed.push(("id", &meeting.id));
    changed.push(("scope", "all"));
    let _: ScheduledMeeting = app
        .result(&ann.client, "update_meeting", &changed)
        .await
        .expect("update_meeting");
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(sink.received_now().is_empty(), "{:#?}", sink.received_now());
    assert!(reminder_mails(&app).await.is_empty());
}

#[tokio::test]
async fn the_bell_count_is_live_over_server_sent_events() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let ann = app.register("Ann", "UTC").await;
    let boris = app.register("Boris", "UTC").await;

    let visitor = common::client()
        .get(app.url("/events/notifications"))
        .send()
        .await
        .expect("request");
    assert_eq!(visitor.status(), 401);

    let response = boris
        .client
        .get(app.url("/events/notifications"))
        .send()
        .await
        .expect("open the event stream");
    assert_eq!(response.status(), 200);
    assert!(response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
    let mut events = EventStream {
        response,
        buffer: String::new(),
    };
    assert_eq!(events.next_count().await, 0);

    let _: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Sync", "2030-05-06", "09:00", &boris.email, ""),
        )
        .await
        .expect("create_meeting");
    assert_eq!(events.next_count().await, 1);

    let (notes, unread): (Vec<NotificationView>, i64) = app
        .result(&boris.client, "list_notifications", &[])
        .await
        .expect("list_notifications");
    assert_eq!(unread, 1);
    let changed: u64 = app
        .result(
            &boris.client,
            "mark_notifications_read",
            &[("id", &notes[0].id)],
        )
        .await
        .expect("mark read");
    assert_eq!(changed, 1);
    assert_eq!(events.next_count().await, 0);

    // Ann cannot mark Boris's notifications.
    let changed: u64 = app
        .result(
            &ann.client,
            "mark_notifications_read",
            &[("id", &notes[0].id)],
        )
        .await
        .expect("mark read");
    assert_eq!(changed, 0);
}

/// A `text/event-stream` response read event by event.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The data of the next `unread` event, as a count.
    async fn next_count(&mut self) -> i64 {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let is_unread = event.lines().any(|l| l.trim_end() == "event: unread");
                if let Some(data) = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .filter(|_| is_unread)
                {
                    return data.trim().parse().expect("a count");
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .expect("the stream is readable")
                .expect("the stream is open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn a_knock_with_no_host_connected_reaches_the_organizer_in_app_and_as_push() {
    let app = common::spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    speak_russian(&app, &ann).await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    ann_ws.recv().await;

    // While Ann is there, she sees the knock in the lobby: no notice.
    let mut al = app.connect_guest(&room, "Al").await;
    al.join_with(None).await;
    assert_eq!(al.recv().await, ServerMessage::Waiting);
    // Her connection drops (tab closed); then someone else knocks.
    ann_ws.drop_abruptly();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut bea = app.connect_guest(&room, "Bea").await;
    bea.join_with(None).await;
    assert_eq!(bea.recv().await, ServerMessage::Waiting);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let knocks = loop {
        let (notes, _): (Vec<NotificationView>, i64) = app
            .result(&ann.client, "list_notifications", &[])
            .await
            .expect("list_notifications");
        let knocks: Vec<NotificationView> =
            notes.into_iter().filter(|n| n.kind == "knock").collect();
        if !knocks.is_empty() || tokio::time::Instant::now() > deadline {
            break knocks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        knocks.len(),
        1,
        "only Bea's knock, when nobody could see it"
    );
    assert_eq!(knocks[0].title, "Bea просит впустить на вашу встречу");
    assert_eq!(knocks[0].body, "Standup");
    assert_eq!(
        knocks[0].url.as_deref(),
        Some(format!("/m/{room}").as_str())
    );

    // The same words go out as a web push job.
    let db = convene::db::connect(&app.database_url)
        .await
        .expect("open the database");
    let pushes = sqlx::query("SELECT payload FROM jobs WHERE idempotency_key LIKE 'push:knock:%'")
        .fetch_all(&db)
        .await
        .expect("jobs");
    assert_eq!(pushes.len(), 1);
    let payload: Value =
        serde_json::from_str(&pushes[0].get::<String, _>("payload")).expect("JSON payload");
    assert_eq!(payload["title"], "Bea просит впустить на вашу встречу");
    drop((al, bea));
}

#[tokio::test]
async fn the_periodic_scan_queues_reminders_that_are_missing_and_only_those() {
    let app = common::spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let boris = app.register("Boris", "UTC").await;
    let (date, time) = soon(3600);
    let _: ScheduledMeeting = app
        .result(
            &ann.client,
            "create_meeting",
            &form("Planning", &date, &time, &boris.email, "10, 30"),
        )
        .await
        .expect("create_meeting");
    let db = convene::db::connect(&app.database_url)
        .await
        .expect("open the database");
    let reminder_jobs = || async {
        sqlx::query("SELECT idempotency_key FROM jobs WHERE kind = 'meeting_reminder' ORDER BY idempotency_key")
            .fetch_all(&db)
            .await
            .expect("jobs")
            .iter()
            .map(|r| r.get::<String, _>("idempotency_key"))
            .collect::<Vec<_>>()
    };
    // Two reminders × two people.
    let queued = reminder_jobs().await;
    assert_eq!(queued.len(), 4, "{queued:?}");

    // Lost (say, queued by a server that crashed before committing): the
    // scan puts them back, with the same keys.
    sqlx::query("DELETE FROM jobs WHERE kind = 'meeting_reminder'")
        .execute(&db)
        .await
        .expect("delete");
    convene::calendar::notices::scan_reminders(&db, convene::db::now_ms())
        .await
        .expect("scan");
    assert_eq!(reminder_jobs().await, queued);
    // A second scan adds nothing.
    convene::calendar::notices::scan_reminders(&db, convene::db::now_ms())
        .await
        .expect("scan");
    assert_eq!(reminder_jobs().await, queued);
}
