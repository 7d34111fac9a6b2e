//! Scheduling meetings and who may see or change them.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app, tokyo_form, TestApp, TestUser};
use convene::calendar::{MeetingDetails, ScheduledMeeting, WeekEvent, WeekView};
use convene::error::{AppError, Invalid};
use convene::meeting::MeetingInfo;
use reqwest::header::LOCATION;

async fn week(app: &TestApp, user: &TestUser, week: &str) -> WeekView {
    app.result(&user.client, "get_week", &[("week", week)])
        .await
        .expect("get_week")
}

async fn events(app: &TestApp, user: &TestUser) -> Vec<WeekEvent> {
    week(app, user, "2026-11-25").await.events
}

#[tokio::test]
async fn created_meeting_shows_in_the_organizers_week_in_their_zone() {
    let app = spawn_app().await;
    // Moscow is UTC+3 all year: 06:00 UTC is 09:00 there.
    let ann = app.register("Ann", "Europe/Moscow").await;
    let created: ScheduledMeeting = app
        .result(&ann.client, "create_meeting", &tokyo_form("Planning", ""))
        .await
        .unwrap();
    assert!(convene::meeting::RoomId::parse(&created.room).is_some());

    let view = week(&app, &ann, "2026-11-25").await;
    assert_eq!(view.week_start, "2026-11-23");
    assert_eq!(view.time_zone, "Europe/Moscow");
    assert_eq!(view.days.len(), 7);
    assert_eq!(view.days[2].date, "2026-11-25");
    assert_eq!(view.events.len(), 1);
    let event = &view.events[0];
    assert_eq!(event.meeting_id, created.id);
    assert_eq!(event.room, created.room);
    assert_eq!(event.title, "Planning");
    assert_eq!(event.day, 2, "Wednesday");
    assert_eq!((event.start_min, event.end_min), (9 * 60, 9 * 60 + 45));
    assert_eq!(event.time_label, "09:00–09:45");
    assert!(event.is_organizer);

    // Not in the weeks around it.
    assert!(week(&app, &ann, "2026-11-16").await.events.is_empty());
    assert!(week(&app, &ann, "2026-11-30").await.events.is_empty());
}

#[tokio::test]
async fn organizer_reads_meeting_details_in_the_meetings_zone() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let (id, room) = app
        .create_meeting(
            &ann,
            "  Planning  ",
            "Zoe@Example.com, bob@example.com zoe@example.com",
        )
        .await;
    let details: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(details.id, id);
    assert_eq!(details.room, room);
    assert_eq!(details.title, "Planning");
    assert_eq!(details.organizer_name, "Ann");
    assert!(details.is_organizer);
    assert_eq!(details.date, "2026-11-25");
    assert_eq!(details.time, "15:00");
    assert_eq!(details.duration_min, 45);
    assert_eq!(details.time_zone, "Asia/Tokyo");
    assert_eq!(details.invitees(), "bob@example.com, zoe@example.com");
    assert_eq!(
        details.when_label,
        "Wed 25 Nov 2026, 09:00–09:45 (Europe/Moscow)"
    );
}

#[tokio::test]
async fn a_stranger_cannot_read_change_or_delete_a_meeting() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let (id, _) = app.create_meeting(&ann, "Private", "").await;

    let read = app
        .result::<MeetingDetails>(&bob.client, "get_meeting", &[("id", &id)])
        .await;
    assert_eq!(read, Err(AppError::NotFound));

    let mut form = tokyo_form("Hijacked", "");
    form.push(("id", &id));
    let update = app
        .call::<ScheduledMeeting>(&bob.client, "update_meeting", &form)
        .await;
    assert_eq!(update.result, Err(AppError::Forbidden));
    assert_eq!(update.status, 403);

    // Authorization comes before validation: invalid fields still say
    // Forbidden, not which field is wrong.
    let mut bad = tokyo_form("", "");
    bad.push(("id", &id));
    let update = app
        .result::<ScheduledMeeting>(&bob.client, "update_meeting", &bad)
        .await;
    assert_eq!(update, Err(AppError::Forbidden));

    let delete = app
        .call::<()>(&bob.client, "delete_meeting", &[("id", &id)])
        .await;
    assert_eq!(delete.result, Err(AppError::Forbidden));
    assert!(delete.headers.get(LOCATION).is_none());

    assert!(events(&app, &bob).await.is_empty(), "not in Bob's week");
    // Unchanged and still there for Ann.
    let details: MeetingDetails = app
        .result(&ann.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert_eq!(details.title, "Private");
}

#[tokio::test]
async fn an_invitee_sees_the_meeting_but_cannot_change_it() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    // New York is UTC-5 in November: 06:00 UTC is 01:00 there.
    let bob = app.register("Bob", "America/New_York").await;
    let (id, room) = app
        .create_meeting(&ann, "Sync", &bob.email.to_uppercase())
        .await;

    let events = events(&app, &bob).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].meeting_id, id);
    assert_eq!(events[0].room, room);
    assert_eq!(events[0].day, 2);
    assert_eq!((events[0].start_min, events[0].end_min), (60, 105));
    assert!(!events[0].is_organizer);

    let details: MeetingDetails = app
        .result(&bob.client, "get_meeting", &[("id", &id)])
        .await
        .unwrap();
    assert!(!details.is_organizer);
    assert_eq!(details.organizer_name, "Ann");
    assert_eq!(details.invitees(), bob.email);
    assert_eq!(
        details.when_label,
        "Wed 25 Nov 2026, 01:00–01:45 (America/New_York)"
    );

    let mut form = tokyo_form("Renamed by Bob", "");
    form.push(("id", &id));
    assert_eq!(
        app.result::<ScheduledMeeting>(&bob.client, "update_meeting", &form)
            .await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        app.result::<()>(&bob.client, "delete_meeting", &[("id", &id)])
            .await,
        Err(AppError::Forbidden)
    );
}

#[tokio::test]
async fn organizer_updates_a_meeting_and_its_invitees() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let bob = app.register("Bob", "UTC").await;
    let cat = app.register("Cat", "UTC").await;
    let (id, room) = app.create_meeting(&ann, "Sync", &bob.email).await;
    assert_eq!(events(&app, &bob).await.len(), 1);

    // Thursday 10:30 Moscow, 90 minutes; Cat instead of Bob.
    let updated = app
        .call::<ScheduledMeeting>(
            &ann.client,
            "update_meeting",
            &[
                ("id", &id),
                ("title", "Sync (moved)"),
                ("date", "2026-11-26"),
                ("time", "10:30"),
                ("duration_min", "90"),
                ("time_zone", "Europe/Moscow"),
                ("invitees", &cat.email),
            ],
        )
        .await;
    assert_eq!(updated.result.map(|m| m.id), Ok(id.clone()));
    assert_eq!(updated.status, 200);

    let events = events(&app, &ann).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].title, "Sync (moved)");
    assert_eq!(events[0].room, room, "the link stays the same");
    assert_eq!(events[0].day, 3);
    assert_eq!((events[0].start_min, events[0].end_min), (630, 720));

    assert!(
        self::events(&app, &bob).await.is_empty(),
        "Bob is no longer invited"
    );
    assert_eq!(
        app.result::<MeetingDetails>(&bob.client, "get_meeting", &[("id", &id)])
            .await,
        Err(AppError::NotFound)
    );
    let cats = self::events(&app, &cat).await;
    assert_eq!(cats.len(), 1);
    assert_eq!((cats[0].day, cats[0].start_min), (3, 450), "07:30 UTC");
}

#[tokio::test]
async fn organizer_deletes_a_meeting() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let (id, room) = app.create_meeting(&ann, "Doomed", &bob.email).await;
    let (kept, _) = app.create_meeting(&ann, "Kept", "").await;

    let deleted = app
        .call::<()>(&ann.client, "delete_meeting", &[("id", &id)])
        .await;
    assert_eq!(deleted.result, Ok(()));
    assert_eq!(deleted.headers[LOCATION], "/calendar");

    let left: Vec<String> = events(&app, &ann)
        .await
        .into_iter()
        .map(|e| e.meeting_id)
        .collect();
    assert_eq!(left, vec![kept]);
    assert!(events(&app, &bob).await.is_empty());
    assert_eq!(
        app.result::<MeetingDetails>(&ann.client, "get_meeting", &[("id", &id)])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        app.result::<MeetingInfo>(&client(), "get_room", &[("room", &room)])
            .await,
        Err(AppError::NotFound),
        "the room link is dead"
    );
    assert_eq!(
        app.result::<()>(&ann.client, "delete_meeting", &[("id", &id)])
            .await,
        Err(AppError::NotFound)
    );
}

#[tokio::test]
async fn changing_a_meeting_that_does_not_exist_is_not_found() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let mut form = tokyo_form("Ghost", "");
    form.push(("id", "00000000-0000-0000-0000-000000000000"));
    let called = app
        .call::<ScheduledMeeting>(&ann.client, "update_meeting", &form)
        .await;
    assert_eq!(called.result, Err(AppError::NotFound));
    assert_eq!(called.status, 404);
}

#[tokio::test]
async fn invalid_fields_are_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let cases: [(&str, &str, Invalid); 9] = [
        ("title", "   ", Invalid::TitleEmpty),
        ("title", &"x".repeat(201), Invalid::TitleTooLong),
        ("date", "25.11.2026", Invalid::DateMalformed),
        ("time", "3pm", Invalid::TimeMalformed),
        ("duration_min", "0", Invalid::DurationOutOfRange),
        ("duration_min", "1441", Invalid::DurationOutOfRange),
        ("time_zone", "Moon/Base", Invalid::TimeZoneUnknown),
        (
            "invitees",
            "bob@example.com, not-an-email",
            Invalid::InviteeMalformed,
        ),
        ("duration_min", "forty", Invalid::DurationOutOfRange),
    ];
    for (field, value, expected) in cases {
        let mut form = tokyo_form("Fine", "");
        for pair in form.iter_mut() {
            if pair.0 == field {
                pair.1 = value;
            }
        }
        let called = app
            .call::<ScheduledMeeting>(&ann.client, "create_meeting", &form)
            .await;
        assert_eq!(
            called.result,
            Err(AppError::Invalid(expected)),
            "{field}={value:?}"
        );
        assert_eq!(called.status, 400);
        assert_eq!(expected.field(), field, "the error names the field");
    }
    assert!(events(&app, &ann).await.is_empty());
}

#[tokio::test]
async fn too_many_invitees_are_refused() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let invitees: Vec<String> = (0..101).map(|i| format!("p{i}@example.com")).collect();
    let invitees = invitees.join(",");
    assert_eq!(
        app.result::<ScheduledMeeting>(
            &ann.client,
            "create_meeting",
            &tokyo_form("Crowd", &invitees)
        )
        .await,
        Err(AppError::Invalid(Invalid::TooManyInvitees))
    );
}

#[tokio::test]
async fn a_visitor_is_unauthorized() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (id, _) = app.create_meeting(&ann, "Members only", "").await;
    let visitor = client();

    let created = app
        .call::<ScheduledMeeting>(&visitor, "create_meeting", &tokyo_form("Spam", ""))
        .await;
    assert_eq!(created.result, Err(AppError::Unauthorized));
    assert_eq!(created.status, 401);
    assert_eq!(
        app.result::<WeekView>(&visitor, "get_week", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        app.result::<MeetingDetails>(&visitor, "get_meeting", &[("id", &id)])
            .await,
        Err(AppError::Unauthorized)
    );
    let mut form = tokyo_form("Spam", "");
    form.push(("id", &id));
    assert_eq!(
        app.result::<ScheduledMeeting>(&visitor, "update_meeting", &form)
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        app.result::<()>(&visitor, "delete_meeting", &[("id", &id)])
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(events(&app, &ann).await.len(), 1);
}

#[tokio::test]
async fn anyone_with_the_link_sees_what_the_room_is() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let (_, room) = app.create_meeting(&ann, "Open house", "").await;

    let info: MeetingInfo = app
        .result(&client(), "get_room", &[("room", &room)])
        .await
        .unwrap();
    assert_eq!(info.room, room);
    assert_eq!(info.title, "Open house");
    assert_eq!(info.organizer_name, "Ann");
    assert_eq!(info.viewer_name, None);
    // A guest sees the time in the meeting's zone.
    assert_eq!(info.when_label, "Wed 25 Nov 2026, 15:00–15:45 (Asia/Tokyo)");

    let info: MeetingInfo = app
        .result(&ann.client, "get_room", &[("room", &room)])
        .await
        .unwrap();
    assert_eq!(info.viewer_name.as_deref(), Some("Ann"));
    assert_eq!(
        info.when_label,
        "Wed 25 Nov 2026, 09:00–09:45 (Europe/Moscow)"
    );

    for unknown in ["abcdefghijklmnopqrstuv", "../../etc/passwd"] {
        let called = app
            .call::<MeetingInfo>(&client(), "get_room", &[("room", unknown)])
            .await;
        assert_eq!(called.result, Err(AppError::NotFound), "{unknown}");
        assert_eq!(called.status, 404);
    }
}
