//! Server-rendered pages and plain HTTP routes, as a browser without
//! JavaScript sees them.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, LOCATION, SET_COOKIE};

/// What browsers send when they navigate.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn health_is_ok() {
    let app = spawn_app().await;
    let response = client().get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn ready_when_the_database_answers() {
    let app = spawn_app().await;
    let response = client().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn calendar_without_a_session_redirects_to_login_with_next() {
    let app = spawn_app().await;
    let response = client()
        .get(app.url("/calendar"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/login?next=/calendar");

    let response = client()
        .get(app.url("/calendar?week=2026-11-16"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()[LOCATION],
        "/login?next=/calendar%3Fweek%3D2026-11-16"
    );
}

#[tokio::test]
async fn calendar_with_a_session_renders_the_week() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    app.create_meeting(&ann, "Quarterly planning", "").await;
    let response = ann
        .client
        .get(app.url("/calendar?week=2026-11-23"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Quarterly planning"), "{html}");
    assert!(html.contains("09:00–09:45"), "shown in Ann's zone: {html}");
}

#[tokio::test]
async fn unknown_room_page_is_not_found() {
    let app = spawn_app().await;
    for path in ["/m/abcdefghijklmnopqrstuv", "/m/not-a-room"] {
        let response = client()
            .get(app.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn existing_room_page_shows_the_meeting_to_a_guest() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Design review", "").await;
    let response = client()
        .get(app.url(&format!("/m/{room}")))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Design review"), "{html}");
}

#[tokio::test]
async fn unknown_path_is_not_found() {
    let app = spawn_app().await;
    let response = client()
        .get(app.url("/no/such/page"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn login_page_speaks_russian_to_a_russian_browser() {
    let app = spawn_app().await;
    let response = client()
        .get(app.url("/login"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "ru-RU,ru;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ru""#), "{html}");
    assert!(html.contains("Вход"), "{html}");

    let english = client()
        .get(app.url("/login"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains(r#"<html lang="en""#));
    assert!(!english.contains("Вход"));
}

#[tokio::test]
async fn language_switcher_sets_a_cookie_and_goes_back() {
    let app = spawn_app().await;
    let browser = client();
    let response = browser
        .get(app.url("/lang/ru?next=/login"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()[LOCATION], "/login");
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("lang="))
        .expect("a lang cookie")
        .to_owned();
    assert!(cookie.starts_with("lang=ru;"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    // The cookie wins over the browser's Accept-Language.
    let html = browser
        .get(app.url("/login"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="ru""#));
    assert!(html.contains("Вход"));
}

#[tokio::test]
async fn language_switcher_never_redirects_to_another_site() {
    let app = spawn_app().await;
    let response = client()
        .get(app.url("/lang/en?next=https://evil.example/"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()[LOCATION], "/calendar");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let response = client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn the_language_picked_while_signed_in_follows_the_account() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let response = ann
        .client
        .get(app.url("/lang/ru?next=/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/calendar");

    // Another browser, English by default, signs in as Ann.
    let other = client();
    app.result::<()>(
        &other,
        "login",
        &[("email", &ann.email), ("password", &ann.password)],
    )
    .await
    .unwrap();
    let html = other
        .get(app.url("/login"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="ru""#), "{html}");
}

#[tokio::test]
async fn an_account_keeps_the_language_it_was_created_in() {
    let app = spawn_app().await;
    let russian = client();
    let email = "olga@example.com";
    let response = russian
        .post(app.url("/api/register"))
        .header(ACCEPT_LANGUAGE, "ru")
        .form(&[
            ("email", email),
            ("display_name", "Ольга"),
            ("password", "correct horse battery"),
            ("time_zone", "Europe/Moscow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let other = client();
    app.result::<()>(
        &other,
        "login",
        &[("email", email), ("password", "correct horse battery")],
    )
    .await
    .unwrap();
    let html = other
        .get(app.url("/login"))
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="ru""#));
}

#[tokio::test]
async fn a_meeting_title_is_shown_as_text_not_markup() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app
        .create_meeting(&ann, "</title><script>alert(1)</script>", "")
        .await;
    let html = client()
        .get(app.url(&format!("/m/{room}")))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the heading shows it as text: {html}"
    );
    // Also in <title> (RCDATA): a literal `</title>` there would end it
    // and run the script.
    assert!(!html.contains("</title><script>alert(1)"), "{html}");
}
