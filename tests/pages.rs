//! Server-rendered pages and plain HTTP routes, as a browser without
//! JavaScript sees them.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app, Page, TestApp};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, LOCATION, SET_COOKIE};
use std::time::{Duration, Instant};

/// What browsers send when they navigate.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// `path` as a browser navigates to it, with `browser`'s cookies.
async fn visit(app: &TestApp, browser: &reqwest::Client, path: &str) -> Page {
    app.page(browser.get(app.url(path)).header(ACCEPT, BROWSER_ACCEPT))
        .await
}

/// `path` from a browser that prefers `languages` (an `Accept-Language`).
async fn visit_in(app: &TestApp, browser: &reqwest::Client, path: &str, languages: &str) -> Page {
    app.page(
        browser
            .get(app.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header(ACCEPT_LANGUAGE, languages),
    )
    .await
}

fn lang_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("lang="))
        .map(str::to_owned)
}

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
    let page = visit(&app, &client(), "/calendar").await;
    assert_eq!(page.status, 302);
    assert_eq!(page.headers[LOCATION], "/login?next=/calendar");

    let page = visit(&app, &client(), "/calendar?week=2026-11-16").await;
    assert_eq!(page.status, 302);
    assert_eq!(
        page.headers[LOCATION],
        "/login?next=/calendar%3Fweek%3D2026-11-16"
    );
}

#[tokio::test]
async fn calendar_with_a_session_renders_the_week() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    app.create_meeting(&ann, "Quarterly planning", "").await;
    let page = visit(&app, &ann.client, "/calendar?week=2026-11-23").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Quarterly planning"), "{}", page.body);
    assert!(
        page.body.contains("09:00–09:45"),
        "shown in Ann's zone: {}",
        page.body
    );
}

#[tokio::test]
async fn unknown_room_page_is_not_found() {
    let app = spawn_app().await;
    for path in ["/m/abcdefghijklmnopqrstuv", "/m/not-a-room"] {
        let page = visit(&app, &client(), path).await;
        assert_eq!(page.status, 404, "{path}");
    }
}

#[tokio::test]
async fn existing_room_page_shows_the_meeting_to_a_guest() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Design review", "").await;
    let page = visit(&app, &client(), &format!("/m/{room}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Design review"), "{}", page.body);
}

#[tokio::test]
async fn unknown_path_is_not_found() {
    let app = spawn_app().await;
    let page = visit(&app, &client(), "/no/such/page").await;
    assert_eq!(page.status, 404);
}

#[tokio::test]
async fn login_page_speaks_russian_to_a_russian_browser() {
    let app = spawn_app().await;
    let page = visit_in(&app, &client(), "/login", "ru-RU,ru;q=0.9,en;q=0.5").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"<html lang="ru""#), "{}", page.body);
    assert!(page.body.contains("Вход"), "{}", page.body);

    let english = visit_in(&app, &client(), "/login", "en-US,en;q=0.9").await;
    assert!(english.body.contains(r#"<html lang="en""#));
    assert!(!english.body.contains("Вход"));
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
    let cookie = lang_cookie(response.headers()).expect("a lang cookie");
    assert!(cookie.starts_with("lang=ru;"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    // The cookie wins over the browser's Accept-Language.
    let page = visit_in(&app, &browser, "/login", "en").await;
    assert!(page.body.contains(r#"<html lang="ru""#));
    assert!(page.body.contains("Вход"));
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
    let page = app.page(client().get(app.url("/login"))).await;
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
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
    let page = visit_in(&app, &other, "/login", "en").await;
    assert!(page.body.contains(r#"<html lang="ru""#), "{}", page.body);
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
    let page = visit_in(&app, &other, "/login", "en").await;
    assert!(page.body.contains(r#"<html lang="ru""#));
}

#[tokio::test]
async fn a_meeting_title_is_shown_as_text_not_markup() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app
        .create_meeting(&ann, "</title><script>alert(1)</script>", "")
        .await;
    let html = visit(&app, &client(), &format!("/m/{room}")).await.body;
    assert!(
        html.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the heading shows it as text: {html}"
    );
    // Also in <title> (RCDATA): a literal `</title>` there would end it
    // and run the script.
    assert!(!html.contains("</title><script>alert(1)"), "{html}");
}

// The client on a multi-threaded runtime, like a browser's network
// thread, reads each chunk as it arrives; without TCP_NODELAY on the
// server this measured about 42 ms per page here, with it about 1 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_pages_are_not_held_back_by_nagle() {
    let app = spawn_app().await;
    let browser = client();
    // The login page streams in several writes (the header's account
    // menu resolves after the shell); each later write must not wait for
    // the client's delayed ACK.
    visit(&app, &browser, "/login").await;
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let page = visit(&app, &browser, "/login").await;
        times.push(started.elapsed());
        assert_eq!(page.status, 200);
    }
    times.sort();
    let median = times[times.len() / 2];
    assert!(
        median < Duration::from_millis(15),
        "median {median:?} of {times:?}"
    );
}
