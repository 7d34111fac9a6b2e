//! Free/busy for members (`free_busy`): busy spans of the meetings a
//! member organizes or accepted, in the asker's zone, without titles;
//! outside addresses are unknown. Runs on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set.

mod common;

use common::{spawn_app, TestApp, TestUser};
use convene::calendar::free_busy::Availability;
use convene::calendar::ScheduledMeeting;
use convene::error::{AppError, Invalid};

async fn schedule(
    app: &TestApp,
    who: &TestUser,
    title: &str,
    time: &str,
    minutes: &str,
    invitees: &str,
) -> String {
    let meeting: ScheduledMeeting = app
        .result(
            &who.client,
            "create_meeting",
            &[
                ("title", title),
                ("date", "2030-06-03"),
                ("time", time),
                ("duration_min", minutes),
                ("time_zone", "UTC"),
                ("invitees", invitees),
            ],
        )
        .await
        .expect("create_meeting");
    meeting.id
}

async fn answer(app: &TestApp, who: &TestUser, id: &str, answer: &str) {
    let _: convene::calendar::PartStat = app
        .result(
            &who.client,
            "answer_invitation",
            &[("id", id), ("answer", answer)],
        )
        .await
        .expect("answer_invitation");
}

#[tokio::test]
async fn members_busy_times_show_in_the_askers_zone_without_titles() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let boris = app.register("Boris", "UTC").await;
    let carol = app.register("Carol", "Europe/Moscow").await;

    schedule(&app, &ann, "Secret plans", "09:00", "30", "").await;
    schedule(&app, &ann, "Overlapping", "09:15", "30", "").await;
    let accepted = schedule(&app, &ann, "Review", "14:00", "60", &boris.email).await;
    answer(&app, &boris, &accepted, "accepted").await;
    let declined = schedule(&app, &ann, "Optional", "16:00", "60", &boris.email).await;
    answer(&app, &boris, &declined, "declined").await;
    // Not answered yet: not busy.
    schedule(&app, &ann, "Maybe", "18:00", "30", &boris.email).await;

    let emails = format!("{}, {}; outside@example.org", ann.email, boris.email);
    let days: Vec<Availability> = app
        .result(
            &carol.client,
            "free_busy",
            &[("date", "2030-06-03"), ("emails", &emails)],
        )
        .await
        .expect("free_busy");
    assert_eq!(days.len(), 3);
    // Carol reads Moscow time (UTC+3); Ann's two meetings merge.
    assert_eq!(days[0].name.as_deref(), Some("Ann"));
    assert_eq!(
        days[0].busy,
        vec!["12:00–12:45", "17:00–18:00", "19:00–20:00", "21:00–21:30"]
    );
    assert_eq!(days[1].name.as_deref(), Some("Boris"));
    assert_eq!(days[1].busy, vec!["17:00–18:00"]);
    assert_eq!(days[2].name, None);
    assert!(days[2].busy.is_empty());
    let text = format!("{days:?}");
    assert!(!text.contains("Secret"), "titles stay private: {text}");

    let free: Vec<Availability> = app
        .result(
            &carol.client,
            "free_busy",
            &[("date", "2030-06-04"), ("emails", &boris.email)],
        )
        .await
        .expect("free_busy");
    assert!(free[0].busy.is_empty());

    let bad_date = app
        .result::<Vec<Availability>>(
            &carol.client,
            "free_busy",
            &[("date", "4 June"), ("emails", "")],
        )
        .await;
    assert_eq!(bad_date, Err(AppError::Invalid(Invalid::DateMalformed)));
    let bad_email = app
        .result::<Vec<Availability>>(
            &carol.client,
            "free_busy",
            &[("date", "2030-06-04"), ("emails", "not-mail")],
        )
        .await;
    assert_eq!(bad_email, Err(AppError::Invalid(Invalid::InviteeMalformed)));
    let visitor = app
        .result::<Vec<Availability>>(
            &common::client(),
            "free_busy",
            &[("date", "2030-06-04"), ("emails", "")],
        )
        .await;
    assert_eq!(visitor, Err(AppError::Unauthorized));
}
