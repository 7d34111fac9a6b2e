//! iCalendar over HTTP: a meeting's `.ics` for its organizer and
//! attendees only, and the private feed URL (made, read by an anonymous
//! client as calendar apps do, parsed by an independent implementation
//! that finds the same occurrences as the week view, revoked).

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app, TestApp, TestUser};
use convene::calendar::feed::FeedStatus;
use convene::calendar::{ScheduledMeeting, WeekView};
use std::process::Command;

async fn weekly(app: &TestApp, user: &TestUser, title: &str, invitees: &str) -> ScheduledMeeting {
    app.result(
        &user.client,
        "create_meeting",
        &[
            ("title", title),
            ("date", "2026-10-19"),
            ("time", "09:00"),
            ("duration_min", "30"),
            ("time_zone", "Europe/Berlin"),
            ("repeat", "weekly"),
            ("repeat_count", "6"),
            ("invitees", invitees),
        ],
    )
    .await
    .expect("create_meeting")
}

#[tokio::test]
async fn a_meetings_ics_is_for_its_organizer_and_attendees_only() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Berlin").await;
    let bob = app.register("Bob", "UTC").await;
    let cat = app.register("Cat", "UTC").await;
    let meeting = weekly(&app, &ann, "Planning; Q&A, \"big\"", &bob.email).await;
    let url = format!("{}/ics/meetings/{}.ics", app.base, meeting.id);

    for user in [&ann, &bob] {
        let response = user.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let body = response.text().await.unwrap();
        assert!(
            body.contains(&format!("UID:{}@convene", meeting.id)),
            "{body}"
        );
        assert!(
            body.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"),
            "{body}"
        );
        assert!(
            body.contains("DTSTART;TZID=Europe/Berlin:20261019T090000"),
            "{body}"
        );
        assert!(
            body.contains("SUMMARY:Planning\\; Q&A\\, \"big\""),
            "{body}"
        );
        assert!(body.contains("BEGIN:VTIMEZONE"));
        let unfolded = body.replace("\r\n ", "");
        assert!(
            unfolded.contains(&format!("mailto:{}", bob.email)),
            "{body}"
        );
        assert!(unfolded.contains("PARTSTAT=NEEDS-ACTION"), "{body}");
    }
    let stranger = cat.client.get(&url).send().await.unwrap();
    assert_eq!(stranger.status(), 404);
    let anonymous = client().get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_private_feed_is_readable_by_its_url_until_revoked() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Berlin").await;
    let bob = app.register("Bob", "UTC").await;
    weekly(&app, &ann, "Planning", "").await;
    // Bob's meeting with Ann invited is in Ann's feed too.
    weekly(&app, &bob, "Bob's review", &ann.email).await;

    let before: FeedStatus = app.result(&ann.client, "get_feed", &[]).await.unwrap();
    assert!(!before.active);
    let made: FeedStatus = app.result(&ann.client, "create_feed", &[]).await.unwrap();
    assert!(made.active);
    let path = made.new_url.expect("the new URL, shown once");
    assert!(
        path.starts_with("/ics/feed/") && path.ends_with(".ics"),
        "{path}"
    );
    let again: FeedStatus = app.result(&ann.client, "get_feed", &[]).await.unwrap();
    assert_eq!(again.new_url, None, "the secret is not shown twice");

    // A calendar app has no cookies.
    let response = client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("SUMMARY:Planning"));
    assert!(body.contains("SUMMARY:Bob's review"));

    // An independent implementation reads the same occurrences as the
    // week view shows.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, &body).unwrap();
    let output = Command::new("python3")
        .arg("tests/interop/ics_occurrences.py")
        .arg(&file)
        .arg("2026-10-19T00:00:00Z")
        .arg("2026-11-02T00:00:00Z")
        .output()
        .expect("python3 runs (scripts/install --test installs the test tools)");
    assert!(
        output.status.success(),
        "ics_occurrences.py failed (run scripts/install --test if packages are missing): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let mut ours = Vec::new();
    for monday in ["2026-10-19", "2026-10-26"] {
        let week: WeekView = app
            .result(&ann.client, "get_week", &[("week", monday)])
            .await
            .unwrap();
        for event in week.events {
            ours.push((event.title, event.day, event.start_min));
        }
    }
    assert_eq!(lines.len(), ours.len(), "{lines:?} vs {ours:?}");
    // 09:00 Berlin: 07:00 UTC in summer time, 08:00 UTC after 25 October.
    assert!(
        lines.iter().any(|l| l.starts_with("2026-10-19T07:00:00Z")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("2026-10-26T08:00:00Z")),
        "{lines:?}"
    );
    assert!(ours
        .iter()
        .all(|(_, day, start)| *day == 0 && *start == 9 * 60));

    let revoked: FeedStatus = app.result(&ann.client, "revoke_feed", &[]).await.unwrap();
    assert!(!revoked.active);
    let gone = client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let unknown = client()
        .get(format!("{}/ics/feed/not-a-token.ics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
