//! Accounts over HTTP: sign up, sign in, sign out, and the session cookie.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app};
use convene::auth::User;
use convene::error::{AppError, Invalid};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const PASSWORD: &str = "correct horse battery";

fn register_form<'a>(email: &'a str, name: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("email", email),
        ("display_name", name),
        ("password", password),
        ("time_zone", "Europe/Moscow"),
        ("next", "/calendar"),
    ]
}

/// The value of the session cookie set by a response, if any.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("convene_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn register_then_current_user_is_that_user() {
    let app = spawn_app().await;
    let browser = client();
    let called = app
        .call::<()>(
            &browser,
            "register",
            &register_form(" Ann@Example.com ", "  Анна  ", PASSWORD),
        )
        .await;
    assert_eq!(called.result, Ok(()));
    assert_eq!(called.status, 200);
    // Called like the hydrated app does (no `Accept: text/html`), the
    // redirect is announced in headers for the client to follow.
    assert_eq!(called.headers[LOCATION], "/calendar");
    assert!(called.headers.contains_key("serverfnredirect"));

    let cookie = session_cookie(&called.headers).expect("a session cookie is set");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(
        !cookie.contains("; Secure"),
        "plain http in tests: {cookie}"
    );

    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    let user = user.expect("signed in after registering");
    assert_eq!(user.email, "ann@example.com");
    assert_eq!(user.display_name, "Анна");
    assert_eq!(user.time_zone, "Europe/Moscow");
    assert_eq!(user.role, convene::auth::Role::Member);
}

#[tokio::test]
async fn visitor_has_no_current_user() {
    let app = spawn_app().await;
    let user: Option<User> = app.result(&client(), "current_user", &[]).await.unwrap();
    assert_eq!(user, None);
}

#[tokio::test]
async fn unknown_time_zone_at_registration_falls_back_to_utc() {
    let app = spawn_app().await;
    let browser = client();
    let mut form = register_form("zone@example.com", "Zed", PASSWORD);
    form[3] = ("time_zone", "Mars/Olympus_Mons");
    app.result::<()>(&browser, "register", &form).await.unwrap();
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user.unwrap().time_zone, "UTC");
}

#[tokio::test]
async fn logout_signs_out_and_revokes_the_session() {
    let app = spawn_app().await;
    let browser = client();
    let called = app
        .call::<()>(
            &browser,
            "register",
            &register_form("bob@example.com", "Bob", PASSWORD),
        )
        .await;
    assert_eq!(called.result, Ok(()));
    let set_cookie = session_cookie(&called.headers).unwrap();
    let pair = set_cookie.split(';').next().unwrap().to_owned();

    // The cookie alone is the session: another client that replays it is
    // Bob too.
    let replay = || async {
        let response = reqwest::Client::new()
            .post(app.url("/api/current_user"))
            .header(COOKIE, &pair)
            .send()
            .await
            .unwrap();
        let cleared = session_cookie(response.headers());
        let user: Option<User> = response.json().await.unwrap();
        (user, cleared)
    };
    let (user, _) = replay().await;
    assert_eq!(user.map(|u| u.email).as_deref(), Some("bob@example.com"));

    let called = app.call::<()>(&browser, "logout", &[]).await;
    assert_eq!(called.result, Ok(()));
    assert_eq!(called.headers[LOCATION], "/");
    let cleared = session_cookie(&called.headers).expect("logout clears the cookie");
    assert!(cleared.starts_with("convene_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user, None, "the browser is signed out");

    // The old token is still correctly signed and unexpired; only the
    // revoked session row stops it.
    let (user, cleared) = replay().await;
    assert_eq!(
        user, None,
        "a replayed cookie of a revoked session is refused"
    );
    let cleared = cleared.expect("the server clears a dead session cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn login_with_the_right_password_signs_in_and_goes_to_next() {
    let app = spawn_app().await;
    app.result::<()>(
        &client(),
        "register",
        &register_form("cat@example.com", "Cat", PASSWORD),
    )
    .await
    .unwrap();

    let browser = client();
    let called = app
        .call::<()>(
            &browser,
            "login",
            &[
                ("email", "CAT@example.com"),
                ("password", PASSWORD),
                ("next", "/m/abcdefghijklmnopqrstuv"),
            ],
        )
        .await;
    assert_eq!(called.result, Ok(()));
    assert_eq!(called.headers[LOCATION], "/m/abcdefghijklmnopqrstuv");
    assert!(session_cookie(&called.headers).is_some());
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user.unwrap().email, "cat@example.com");
}

#[tokio::test]
async fn login_never_redirects_to_another_site() {
    let app = spawn_app().await;
    app.result::<()>(
        &client(),
        "register",
        &register_form("dan@example.com", "Dan", PASSWORD),
    )
    .await
    .unwrap();
    for next in ["https://evil.example/", "//evil.example/x", ""] {
        let called = app
            .call::<()>(
                &client(),
                "login",
                &[
                    ("email", "dan@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(called.result, Ok(()));
        assert_eq!(called.headers[LOCATION], "/calendar", "next={next:?}");
    }
}

#[tokio::test]
async fn login_with_a_wrong_password_is_wrong_credentials() {
    let app = spawn_app().await;
    app.result::<()>(
        &client(),
        "register",
        &register_form("eve@example.com", "Eve", PASSWORD),
    )
    .await
    .unwrap();
    let browser = client();
    let called = app
        .call::<()>(
            &browser,
            "login",
            &[
                ("email", "eve@example.com"),
                ("password", "correct horse battery!"),
            ],
        )
        .await;
    assert_eq!(called.result, Err(AppError::WrongCredentials));
    assert_eq!(called.status, 401);
    assert!(session_cookie(&called.headers).is_none());
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user, None);
}

#[tokio::test]
async fn login_with_an_unknown_email_is_wrong_credentials() {
    let app = spawn_app().await;
    for email in ["nobody@example.com", "not an email"] {
        let called = app
            .call::<()>(
                &client(),
                "login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(called.result, Err(AppError::WrongCredentials), "{email}");
        assert_eq!(called.status, 401);
    }
}

#[tokio::test]
async fn registering_a_taken_email_in_other_case_is_email_taken() {
    let app = spawn_app().await;
    app.result::<()>(
        &client(),
        "register",
        &register_form("fay@example.com", "Fay", PASSWORD),
    )
    .await
    .unwrap();
    let browser = client();
    let called = app
        .call::<()>(
            &browser,
            "register",
            &register_form("FAY@Example.COM", "Other Fay", "another long password"),
        )
        .await;
    assert_eq!(called.result, Err(AppError::Invalid(Invalid::EmailTaken)));
    assert_eq!(called.status, 400);
    assert!(session_cookie(&called.headers).is_none());

    // The first account keeps its password.
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user, None);
    app.result::<()>(
        &browser,
        "login",
        &[("email", "fay@example.com"), ("password", PASSWORD)],
    )
    .await
    .unwrap();
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user.unwrap().display_name, "Fay");
}

#[tokio::test]
async fn weak_passwords_are_refused() {
    let app = spawn_app().await;
    for weak in [
        "short",
        "aaaaaaaaaaaa",
        "Password123",
        "gus@example.com",
        "gus",
    ] {
        let called = app
            .call::<()>(
                &client(),
                "register",
                &register_form("gus@example.com", "Gus", weak),
            )
            .await;
        assert_eq!(
            called.result,
            Err(AppError::Invalid(Invalid::PasswordWeak)),
            "{weak}"
        );
    }
    // Nothing was stored: the email is still free.
    app.result::<()>(
        &client(),
        "register",
        &register_form("gus@example.com", "Gus", PASSWORD),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn malformed_emails_are_refused() {
    let app = spawn_app().await;
    for bad in [
        "",
        "hal",
        "hal@",
        "@example.com",
        "hal@example",
        "h al@example.com",
    ] {
        let called = app
            .call::<()>(&client(), "register", &register_form(bad, "Hal", PASSWORD))
            .await;
        assert_eq!(
            called.result,
            Err(AppError::Invalid(Invalid::EmailMalformed)),
            "{bad:?}"
        );
        assert_eq!(Invalid::EmailMalformed.field(), "email");
    }
}

#[tokio::test]
async fn empty_display_name_is_refused() {
    let app = spawn_app().await;
    let called = app
        .call::<()>(
            &client(),
            "register",
            &register_form("ivy@example.com", "   ", PASSWORD),
        )
        .await;
    assert_eq!(
        called.result,
        Err(AppError::Invalid(Invalid::DisplayNameEmpty))
    );
}

/// Without JavaScript the form posts straight to the server function, as
/// a browser does (`Accept: text/html`, a `Referer`); the answer is a
/// redirect either way.
async fn post_form_without_js(
    app: &common::TestApp,
    browser: &reqwest::Client,
    endpoint: &str,
    from_page: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(&format!("/api/{endpoint}")))
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .header(reqwest::header::REFERER, app.url(from_page))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn register_form_without_javascript_redirects_to_next_signed_in() {
    let app = spawn_app().await;
    let browser = client();
    let response = post_form_without_js(
        &app,
        &browser,
        "register",
        "/signup?next=/calendar",
        &register_form("jan@example.com", "Jan", PASSWORD),
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/calendar");
    assert!(session_cookie(response.headers()).is_some());
    let user: Option<User> = app.result(&browser, "current_user", &[]).await.unwrap();
    assert_eq!(user.unwrap().email, "jan@example.com");
}

#[tokio::test]
async fn failed_login_form_without_javascript_goes_back_with_the_error() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let response = post_form_without_js(
        &app,
        &client(),
        "login",
        "/login",
        &[("email", "kim@example.com"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert!(session_cookie(response.headers()).is_none());
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&app.url("/login?")),
        "back to the form: {location}"
    );
    // The error rides along in the URL for the page to show.
    let encoded = location
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("__err="))
        .expect("an __err parameter")
        .replace("%3D", "=");
    let json = base64::engine::general_purpose::URL_SAFE
        .decode(&encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(&encoded))
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<AppError>(&json).unwrap(),
        AppError::WrongCredentials
    );
}

#[tokio::test]
async fn an_expired_session_token_is_renewed_while_the_session_lives() {
    let app = common::spawn_app_with(|config| config.auth.token_ttl_ms = 1000).await;
    let ann = app.register("Ann", "UTC").await;
    let first = ann.cookie_header(&app);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let called = app
        .call::<Option<User>>(&ann.client, "current_user", &[])
        .await;
    assert_eq!(called.result.unwrap().unwrap().email, ann.email);
    let renewed = session_cookie(&called.headers).expect("a renewed cookie");
    assert!(renewed.contains("HttpOnly"), "{renewed}");
    assert_ne!(
        ann.cookie_header(&app),
        first,
        "the browser holds a new token"
    );
}

#[tokio::test]
async fn an_expired_session_is_refused_even_with_its_cookie() {
    let app = common::spawn_app_with(|config| config.auth.session_ttl_ms = 1000).await;
    let ann = app.register("Ann", "UTC").await;
    let cookie = ann.cookie_header(&app);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Replayed by hand: the jar itself would have dropped the cookie.
    let user: Option<User> = reqwest::Client::new()
        .post(app.url("/api/current_user"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user, None);
}

#[tokio::test]
async fn a_forged_session_cookie_is_ignored() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let cookie = ann.cookie_header(&app);
    // Same claims, signature of another key.
    let (head, _) = cookie.rsplit_once('.').unwrap();
    let forged = format!("{head}.c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5LXh4eHh4eHh4eA");
    let response = reqwest::Client::new()
        .post(app.url("/api/current_user"))
        .header(COOKIE, forged)
        .send()
        .await
        .unwrap();
    assert!(session_cookie(response.headers()).is_some_and(|c| c.contains("Max-Age=0")));
    let user: Option<User> = response.json().await.unwrap();
    assert_eq!(user, None);
}
