//! Recurring meetings through the server functions: series expanded into
//! weeks in the series' zone, edits of one occurrence, this and
//! following, or all; deletes; attendees' answers (signed in and by the
//! invitation's signed link); conflict warnings.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app, spawn_app_with, TestApp, TestUser};
use convene::calendar::rsvp::RsvpView;
use convene::calendar::{MeetingDetails, PartStat, ScheduledMeeting, WeekEvent, WeekView};
use convene::error::{AppError, Invalid};

async fn week(app: &TestApp, user: &TestUser, week: &str) -> Vec<WeekEvent> {
    let view: WeekView = app
        .result(&user.client, "get_week", &[("week", week)])
        .await
        .expect("get_week");
    view.events
}

/// Day column and start minute of each event of a week.
async fn slots(app: &TestApp, user: &TestUser, monday: &str) -> Vec<(u8, u16, String)> {
    week(app, user, monday)
        .await
        .into_iter()
        .map(|e| (e.day, e.start_min, e.title))
        .collect()
}

fn series_form<'a>(
    title: &'a str,
    date: &'a str,
    time: &'a str,
    zone: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", title),
        ("date", date),
        ("time", time),
        ("duration_min", "30"),
        ("time_zone", zone),
        ("repeat", "weekly"),
    ];
    form.extend_from_slice(extra);
    form
}

async fn create(app: &TestApp, user: &TestUser, form: &[(&str, &str)]) -> ScheduledMeeting {
    app.result(&user.client, "create_meeting", form)
        .await
        .expect("create_meeting")
}

#[tokio::test]
async fn a_weekly_meeting_stays_at_nine_in_berlin_across_the_clock_change() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Berlin").await;
    // Mondays from 19 Oct 2026, four times; the clocks go back on 25 Oct.
    let form = series_form(
        "Planning",
        "2026-10-19",
        "09:00",
        "Europe/Berlin",
        &[("repeat_count", "4")],
    );
    let created = create(&app, &ann, &form).await;
    for monday in ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"] {
        let events = week(&app, &ann, monday).await;
        assert_eq!(events.len(), 1, "week of {monday}");
        assert_eq!((events[0].day, events[0].start_min), (0, 9 * 60));
        assert_eq!(events[0].meeting_id, created.id);
        assert!(events[0].occurrence_ms.is_some());
    }
    assert!(week(&app, &ann, "2026-11-16").await.is_empty(), "COUNT=4");
    assert!(week(&app, &ann, "2026-10-12").await.is_empty());

    // Seen from New York, whose clocks change a week later, the meeting
    // moves by an hour for that one week: it is 09:00 in Berlin.
    let bob = app.register("Bob", "America/New_York").await;
    let mut invite = form.clone();
    invite.push(("invitees", &bob.email));
    create(&app, &ann, &invite).await;
    assert_eq!(slots(&app, &bob, "2026-10-19").await[0].1, 3 * 60);
    assert_eq!(slots(&app, &bob, "2026-10-26").await[0].1, 4 * 60);
    assert_eq!(slots(&app, &bob, "2026-11-02").await[0].1, 3 * 60);
}

#[tokio::test]
async fn weekly_on_chosen_days_with_an_interval_and_an_end_date() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let form = series_form(
        "Gym",
        "2026-11-23",
        "07:00",
        "UTC",
        &[
            ("repeat_on[mo]", "on"),
            ("repeat_on[fr]", "on"),
            ("repeat_interval", "2"),
            ("repeat_until", "2026-12-11"),
        ],
    );
    create(&app, &ann, &form).await;
    let days = |v: Vec<(u8, u16, String)>| v.into_iter().map(|(d, _, _)| d).collect::<Vec<_>>();
    assert_eq!(days(slots(&app, &ann, "2026-11-23").await), vec![0, 4]);
    assert_eq!(
        days(slots(&app, &ann, "2026-11-30").await),
        Vec::<u8>::new()
    );
    assert_eq!(days(slots(&app, &ann, "2026-12-07").await), vec![0, 4]);
    assert_eq!(
        days(slots(&app, &ann, "2026-12-21").await),
        Vec::<u8>::new()
    );
    let details: MeetingDetails = app
        .result(
            &ann.client,
            "get_meeting",
            &[("id", &week(&app, &ann, "2026-11-23").await[0].meeting_id)],
        )
        .await
        .unwrap();
    assert_eq!(details.repeat.repeat, "weekly");
    assert_eq!(details.repeat.repeat_until, "2026-12-11");
    assert!(details.repeat_label.is_some());
}

/// Ann's weekly Monday 10:00 UTC series from 23 Nov 2026, and the
/// original start (Unix ms) of its occurrence in the week of `monday`.
async fn monday_series(app: &TestApp, ann: &TestUser) -> String {
    create(
        app,
        ann,
        &series_form("Standup", "2026-11-23", "10:00", "UTC", &[]),
    )
    .await
    .id
}

async fn occurrence(app: &TestApp, user: &TestUser, monday: &str) -> String {
    week(app, user, monday).await[0]
        .occurrence_ms
        .expect("a series occurrence")
        .to_string()
}

fn edit<'a>(
    id: &'a str,
    scope: &'a str,
    occurrence: &'a str,
    title: &'a str,
    date: &'a str,
    time: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("scope", scope),
        ("occurrence", occurrence),
        ("title", title),
        ("date", date),
        ("time", time),
        ("duration_min", "30"),
        ("time_zone", "UTC"),
        ("repeat", "weekly"),
    ]
}

#[tokio::test]
async fn editing_one_occurrence_moves_only_that_one() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let id = monday_series(&app, &ann).await;
    let second = occurrence(&app, &ann, "2026-11-30").await;
    let moved: ScheduledMeeting = app
        .result(
            &ann.client,
            "update_meeting",
            &edit(
                &id,
                "this",
                &second,
                "Standup (moved)",
                "2026-12-01",
                "14:00",
            ),
        )
        .await
        .unwrap();
    assert_eq!(moved.id, id, "an override stays in the series");
    assert_eq!(
        slots(&app, &ann, "2026-11-30").await,
        vec![(1, 14 * 60, "Standup (moved)".to_owned())]
    );
    for monday in ["2026-11-23", "2026-12-07"] {
        assert_eq!(
            slots(&app, &ann, monday).await,
            vec![(0, 10 * 60, "Standup".to_owned())]
        );
    }
    // The moved occurrence keeps its identity (RECURRENCE-ID).
    let page: MeetingDetails = app
        .result(
            &ann.client,
            "get_meeting",
            &[("id", &id), ("occurrence", &second)],
        )
        .await
        .unwrap();
    assert_eq!(page.title, "Standup (moved)");
    assert_eq!(
        (page.date.as_str(), page.time.as_str()),
        ("2026-12-01", "14:00")
    );
}

#[tokio::test]
async fn editing_this_and_following_splits_the_series() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let id = monday_series(&app, &ann).await;
    let third = occurrence(&app, &ann, "2026-12-07").await;
    let split: ScheduledMeeting = app
        .result(
            &ann.client,
            "update_meeting",
            &edit(&id, "following", &third, "Standup", "2026-12-07", "16:00"),
        )
        .await
        .unwrap();
    assert_ne!(split.id, id, "the following ones are a new series");
    assert_eq!(week(&app, &ann, "2026-11-30").await[0].meeting_id, id);
    assert_eq!(week(&app, &ann, "2026-11-30").await[0].start_min, 600);
    for monday in ["2026-12-07", "2026-12-14", "2027-03-01"] {
        let events = week(&app, &ann, monday).await;
        assert_eq!(events.len(), 1, "week of {monday}");
        assert_eq!(events[0].meeting_id, split.id);
        assert_eq!(events[0].start_min, 16 * 60);
    }
}

#[tokio::test]
async fn editing_all_changes_every_occurrence() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let id = monday_series(&app, &ann).await;
    let second = occurrence(&app, &ann, "2026-11-30").await;
    let mut form = edit(&id, "all", &second, "Daily sync", "2026-11-23", "09:30");
    form.retain(|(k, _)| *k != "repeat");
    form.push(("repeat", "weekdays"));
    app.result::<ScheduledMeeting>(&ann.client, "update_meeting", &form)
        .await
        .unwrap();
    let events = slots(&app, &ann, "2026-12-07").await;
    assert_eq!(events.len(), 5, "Monday to Friday");
    assert!(events
        .iter()
        .all(|(_, m, t)| *m == 570 && t == "Daily sync"));
}

#[tokio::test]
async fn deleting_one_occurrence_then_the_following_ones() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let id = monday_series(&app, &ann).await;
    let second = occurrence(&app, &ann, "2026-11-30").await;
    app.result::<()>(
        &ann.client,
        "delete_meeting",
        &[("id", &id), ("scope", "this"), ("occurrence", &second)],
    )
    .await
    .unwrap();
    assert!(week(&app, &ann, "2026-11-30").await.is_empty());
    assert_eq!(week(&app, &ann, "2026-12-07").await.len(), 1);

    let fourth = occurrence(&app, &ann, "2026-12-14").await;
    app.result::<()>(
        &ann.client,
        "delete_meeting",
        &[("id", &id), ("scope", "following"), ("occurrence", &fourth)],
    )
    .await
    .unwrap();
    assert_eq!(week(&app, &ann, "2026-12-07").await.len(), 1);
    assert!(week(&app, &ann, "2026-12-14").await.is_empty());
    assert!(week(&app, &ann, "2027-01-04").await.is_empty());
    assert_eq!(week(&app, &ann, "2026-11-23").await.len(), 1);

    // An occurrence the series never had is not found.
    let missing = app
        .result::<()>(
            &ann.client,
            "delete_meeting",
            &[("id", &id), ("scope", "this"), ("occurrence", "12345")],
        )
        .await;
    assert_eq!(missing, Err(AppError::NotFound));
}

#[tokio::test]
async fn wrong_repeat_fields_are_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let cases: [(&str, &str, Invalid); 4] = [
        ("repeat", "hourly", Invalid::RepeatInvalid),
        ("repeat_count", "0", Invalid::RepeatCountOutOfRange),
        ("repeat_until", "2026-01-01", Invalid::RepeatUntilInvalid),
        ("reminders", "soon", Invalid::RemindersInvalid),
    ];
    for (field, value, expected) in cases {
        let mut form = series_form("Bad", "2026-11-23", "10:00", "UTC", &[]);
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let result = app
            .result::<ScheduledMeeting>(&ann.client, "create_meeting", &form)
            .await;
        assert_eq!(result, Err(AppError::Invalid(expected)), "{field}={value}");
    }
    let mut custom = series_form(
        "Bad",
        "2026-11-23",
        "10:00",
        "UTC",
        &[("rrule", "FREQ=SECONDLY")],
    );
    custom.retain(|(k, _)| *k != "repeat");
    custom.push(("repeat", "custom"));
    assert_eq!(
        app.result::<ScheduledMeeting>(&ann.client, "create_meeting", &custom)
            .await,
        Err(AppError::Invalid(Invalid::RepeatInvalid))
    );
    assert!(week(&app, &ann, "2026-11-23").await.is_empty());
}

#[tokio::test]
async fn an_attendees_answer_reaches_the_organizer() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let id = create(
        &app,
        &ann,
        &series_form(
            "Review",
            "2026-11-23",
            "10:00",
            "UTC",
            &[("invitees", &bob.email)],
        ),
    )
    .await
    .id;
    let before: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(before.attendees[0].partstat, PartStat::NeedsAction);
    assert_eq!(before.attendees[0].name.as_deref(), Some("Bob"));

    let answered: PartStat = app
        .result(
            &bob.client,
            "answer_invitation",
            &[("id", &id), ("answer", "accepted")],
        )
        .await
        .unwrap();
    assert_eq!(answered, PartStat::Accepted);
    let after: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(after.attendees[0].partstat, PartStat::Accepted);
    let bobs: MeetingDetails = app
        .result(&bob.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(bobs.my_answer, Some(PartStat::Accepted));

    // Someone not invited cannot answer.
    let cat = app.register("Cat", "UTC").await;
    assert_eq!(
        app.result::<PartStat>(
            &cat.client,
            "answer_invitation",
            &[("id", &id), ("answer", "accepted")]
        )
        .await,
        Err(AppError::NotFound)
    );
}

#[tokio::test]
async fn an_invitation_link_answers_without_signing_in() {
    let mut auth = None;
    let app = spawn_app_with(|config| auth = Some(config.auth.clone())).await;
    let keys = convene::auth::session::TokenKeys::new(auth.expect("auth settings"));
    let ann = app.register("Ann", "UTC").await;
    let (id, _) = app
        .create_meeting(&ann, "Offsite", "guest@outside.example")
        .await;
    let now = chrono::Utc::now().timestamp_millis();
    let token =
        convene::calendar::rsvp::rsvp_token(&keys, &id, "guest@outside.example", now).unwrap();

    let stranger = client();
    let answered: RsvpView = app
        .result(
            &stranger,
            "answer_by_link",
            &[("token", &token), ("answer", "tentative")],
        )
        .await
        .unwrap();
    assert_eq!(answered.answer, PartStat::Tentative);
    assert_eq!(answered.title, "Offsite");
    let details: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(details.attendees[0].partstat, PartStat::Tentative);

    // The page the email's link opens applies the answer and says so.
    let page = app
        .page(stranger.get(format!("{}/rsvp/{token}?answer=declined", app.base)))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Offsite"), "{}", page.body);
    assert!(page.body.contains("data-testid=\"rsvp-status\""));
    let details: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(details.attendees[0].partstat, PartStat::Declined);

    // Forged, expired, or for someone else's meeting: refused.
    let expired = convene::calendar::rsvp::rsvp_token(
        &keys,
        &id,
        "guest@outside.example",
        now - convene::calendar::rsvp::RSVP_LINK_TTL_MS - 60_000,
    )
    .unwrap();
    let forged = format!("{}x", &token[..token.len() - 1]);
    let uninvited =
        convene::calendar::rsvp::rsvp_token(&keys, &id, "nobody@outside.example", now).unwrap();
    for bad in [expired, forged, uninvited] {
        assert_eq!(
            app.result::<RsvpView>(
                &stranger,
                "answer_by_link",
                &[("token", &bad), ("answer", "accepted")]
            )
            .await,
            Err(AppError::NotFound)
        );
    }
    let details: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(details.attendees[0].partstat, PartStat::Declined);
}

#[tokio::test]
async fn overlapping_an_attendees_accepted_meeting_is_named_in_a_warning() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let cat = app.register("Cat", "UTC").await;
    // Cat's weekly 1:1 with Bob on Mondays 10:00, which Bob accepted.
    let one_on_one = create(
        &app,
        &cat,
        &series_form(
            "1:1 Cat/Bob",
            "2026-11-02",
            "10:00",
            "UTC",
            &[("invitees", &bob.email)],
        ),
    )
    .await;
    app.result::<PartStat>(
        &bob.client,
        "answer_invitation",
        &[("id", &one_on_one.id), ("answer", "accepted")],
    )
    .await
    .unwrap();
    let mut single = vec![
        ("title", "Budget"),
        ("date", "2026-11-30"),
        ("time", "10:15"),
        ("duration_min", "30"),
        ("time_zone", "UTC"),
    ];
    single.push(("invitees", &bob.email));
    let clash: ScheduledMeeting = app
        .result(&ann.client, "create_meeting", &single)
        .await
        .unwrap();
    assert_eq!(clash.conflicts.len(), 1, "{:?}", clash.conflicts);
    assert!(clash.conflicts[0].contains("1:1 Cat/Bob"));
    assert!(clash.conflicts[0].contains("Bob"));

    // An hour later there is nothing to warn about.
    single[2] = ("time", "11:00");
    let free: ScheduledMeeting = app
        .result(&ann.client, "create_meeting", &single)
        .await
        .unwrap();
    assert!(free.conflicts.is_empty(), "{:?}", free.conflicts);
}
