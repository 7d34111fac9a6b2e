//! The JSON API under `/api/v1`, over HTTP against a real server: tokens
//! made in settings (server functions), every endpoint, scope of a token
//! (one user's token never reaches another's meetings), and JSON errors
//! for bad input.

#![cfg(feature = "ssr")]

mod common;

use common::{spawn_app, TestApp, TestUser};
use convene::api::NewApiToken;
use convene::error::AppError;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// An integration's HTTP client: a bearer token, no cookies.
struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// A status and a JSON body (`Null` when there is none).
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("API request");
        answer(response).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.put(self.url(path)).json(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(self.http.delete(self.url(path))).await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("response body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status} answer is not JSON: {text:?}: {e}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// Makes a token in settings for `user`, as the settings page does.
async fn make_token(app: &TestApp, user: &TestUser, name: &str) -> NewApiToken {
    app.result(&user.client, "create_api_token", &[("name", name)])
        .await
        .expect("create_api_token")
}

async fn api_for(app: &TestApp, user: &TestUser) -> Api {
    let made = make_token(app, user, "tests").await;
    Api {
        base: app.base.clone(),
        token: made.secret,
        http: reqwest::Client::new(),
    }
}

/// Asserts a JSON error with `status` and `code`; returns its body.
fn expect_error(answer: &Answer, status: StatusCode, code: &str) -> Value {
    assert_eq!(answer.status, status, "body: {}", answer.body);
    assert_eq!(answer.body["code"], code, "body: {}", answer.body);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error has a message: {}",
        answer.body
    );
    answer.body.clone()
}

/// A weekly series of four, Wednesdays 15:00–15:45 in Tokyo (06:00 UTC)
/// from 2026-11-25, inviting `attendees`.
fn weekly(title: &str, attendees: &[&str]) -> Value {
    json!({
        "title": title,
        "description": "Agenda in the doc",
        "start": "2026-11-25T15:00",
        "duration_min": 45,
        "time_zone": "Asia/Tokyo",
        "attendees": attendees,
        "reminders": [10, 60],
        "rrule": "FREQ=WEEKLY;COUNT=4",
    })
}

const RANGE: &str = "/events?from=2026-11-20T00:00:00Z&to=2026-12-31T00:00:00Z";

/// `(event_id, occurrence, starts_at, title)` of a listing.
fn listed(answer: &Answer) -> Vec<(String, Option<String>, String, String)> {
    assert_eq!(answer.status, StatusCode::OK, "body: {}", answer.body);
    answer.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["event_id"].as_str().unwrap().to_owned(),
                e["occurrence"].as_str().map(str::to_owned),
                e["starts_at"].as_str().unwrap().to_owned(),
                e["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn token_secret_is_shown_once_and_its_use_is_recorded() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let made = make_token(&app, &ann, "  Zapier \u{7}").await;
    assert!(made.secret.starts_with("cvn_"), "{}", made.secret);
    assert_eq!(made.secret.len(), 4 + 43);
    assert_eq!(made.token.name, "Zapier");
    assert_eq!(made.token.last_used, None);

    let listed: Vec<Value> = app
        .result(&ann.client, "list_api_tokens", &[])
        .await
        .expect("list_api_tokens");
    assert_eq!(listed.len(), 1);
    assert!(
        !listed[0].to_string().contains(&made.secret),
        "the list never carries the secret"
    );
    assert_eq!(listed[0]["last_used"], Value::Null);

    let api = Api {
        base: app.base.clone(),
        token: made.secret.clone(),
        http: reqwest::Client::new(),
    };
    assert_eq!(api.get(RANGE).await.status, StatusCode::OK);
    let listed: Vec<Value> = app
        .result(&ann.client, "list_api_tokens", &[])
        .await
        .expect("list_api_tokens");
    assert!(listed[0]["last_used"].is_string(), "{listed:?}");

    // Only its hash is stored.
    let db = app.db().await;
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, convene::secret::sha256_hex(&made.secret));
}

#[tokio::test]
async fn requests_without_a_valid_token_get_a_json_401() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let http = reqwest::Client::new();
    let url = app.url("/api/v1/events?from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z");

    let none = answer(http.get(&url).send().await.unwrap()).await;
    expect_error(&none, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(none.headers[reqwest::header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));

    for bad in ["cvn_not-a-token", "not-even-prefixed", ""] {
        let refused = answer(http.get(&url).bearer_auth(bad).send().await.unwrap()).await;
        expect_error(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let basic = answer(
        http.get(&url)
            .basic_auth("ann", Some("pw"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_error(&basic, StatusCode::UNAUTHORIZED, "unauthorized");

    // A signed-in browser's session cookie is not an API credential.
    let cookie = answer(ann.client.get(&url).send().await.unwrap()).await;
    expect_error(&cookie, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn revoked_token_is_refused_and_only_its_owner_can_revoke_it() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let made = make_token(&app, &ann, "script").await;
    let api = Api {
        base: app.base.clone(),
        token: made.secret.clone(),
        http: reqwest::Client::new(),
    };
    assert_eq!(api.get(RANGE).await.status, StatusCode::OK);

    let by_bob = app
        .result::<()>(&bob.client, "revoke_api_token", &[("id", &made.token.id)])
        .await;
    assert_eq!(by_bob, Err(AppError::NotFound));
    assert_eq!(api.get(RANGE).await.status, StatusCode::OK);

    app.result::<()>(&ann.client, "revoke_api_token", &[("id", &made.token.id)])
        .await
        .expect("revoke_api_token");
    expect_error(
        &api.get(RANGE).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let listed: Vec<Value> = app
        .result(&ann.client, "list_api_tokens", &[])
        .await
        .unwrap();
    assert!(listed.is_empty(), "revoked tokens leave the list");
    let again = app
        .result::<()>(&ann.client, "revoke_api_token", &[("id", &made.token.id)])
        .await;
    assert_eq!(again, Err(AppError::NotFound));
}

#[tokio::test]
async fn token_server_functions_need_a_signed_in_user() {
    let app = spawn_app().await;
    let visitor = common::client();
    let called = app
        .call::<Value>(&visitor, "create_api_token", &[("name", "x")])
        .await;
    assert_eq!(called.status, StatusCode::UNAUTHORIZED);
    assert_eq!(called.result.unwrap_err(), AppError::Unauthorized);
    let listed = app.call::<Value>(&visitor, "list_api_tokens", &[]).await;
    assert_eq!(listed.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn weekly_event_with_attendee_is_created_read_and_listed() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let bob = app.register("Bob", "UTC").await;
    let api = api_for(&app, &ann).await;

    let created = api
        .post(
            "/events",
            &weekly("Sync", &[&bob.email, "guest@outside.example"]),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let event = created.body;
    let id = event["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.headers[reqwest::header::LOCATION],
        format!("/api/v1/events/{id}").as_str()
    );
    assert_eq!(event["title"], "Sync");
    assert_eq!(event["description"], "Agenda in the doc");
    assert_eq!(event["start"], "2026-11-25T15:00");
    assert_eq!(event["time_zone"], "Asia/Tokyo");
    assert_eq!(event["duration_min"], 45);
    assert_eq!(event["starts_at"], "2026-11-25T06:00:00Z");
    assert_eq!(event["ends_at"], "2026-11-25T06:45:00Z");
    assert_eq!(event["rrule"], "FREQ=WEEKLY;COUNT=4");
    assert_eq!(event["occurrence"], Value::Null);
    assert_eq!(event["is_organizer"], true);
    assert_eq!(event["organizer"]["email"], ann.email.as_str());
    assert_eq!(event["organizer"]["name"], "Ann");
    assert_eq!(event["reminders"], json!([10, 60]));
    assert_eq!(event["my_status"], Value::Null);
    let room = event["room"].as_str().unwrap();
    assert!(event["join_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/m/{room}")));
    let attendees = event["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 2);
    let bob_row = attendees
        .iter()
        .find(|a| a["email"] == bob.email.as_str())
        .expect("Bob is invited");
    assert_eq!(bob_row["name"], "Bob");
    assert_eq!(bob_row["status"], "needs_action");
    let outside = attendees
        .iter()
        .find(|a| a["email"] == "guest@outside.example")
        .expect("the outside address is invited");
    assert_eq!(outside["name"], Value::Null);

    let read = api.get(&format!("/events/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["id"], id.as_str());

    let occurrences = listed(&api.get(RANGE).await);
    let starts: Vec<&str> = occurrences.iter().map(|o| o.2.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-11-25T06:00:00Z",
            "2026-12-02T06:00:00Z",
            "2026-12-09T06:00:00Z",
            "2026-12-16T06:00:00Z"
        ]
    );
    assert!(occurrences
        .iter()
        .all(|o| o.0 == id && o.1.as_deref() == Some(o.2.as_str())));

    let second = api
        .get(&format!("/events/{id}?occurrence=2026-12-02T06:00:00Z"))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["occurrence"], "2026-12-02T06:00:00Z");
    assert_eq!(second.body["start"], "2026-12-02T15:00");
    let missing = api
        .get(&format!("/events/{id}?occurrence=2026-12-03T06:00:00Z"))
        .await;
    expect_error(&missing, StatusCode::NOT_FOUND, "not_found");

    // Bob sees it as an attendee, through his own token.
    let bob_api = api_for(&app, &bob).await;
    assert_eq!(listed(&bob_api.get(RANGE).await).len(), 4);
    let as_bob = bob_api.get(&format!("/events/{id}")).await;
    assert_eq!(as_bob.body["is_organizer"], false);
    assert_eq!(as_bob.body["my_status"], "needs_action");

    // The time zone defaults to the owner's.
    let single = api
        .post(
            "/events",
            &json!({"title": "Lunch", "start": "2026-11-26T13:00", "duration_min": 60}),
        )
        .await;
    assert_eq!(single.status, StatusCode::CREATED, "{}", single.body);
    assert_eq!(single.body["time_zone"], "Europe/Moscow");
    assert_eq!(single.body["starts_at"], "2026-11-26T10:00:00Z");
    assert_eq!(single.body["rrule"], Value::Null);
    assert_eq!(single.body["reminders"], json!([]));
}

#[tokio::test]
async fn edits_apply_to_this_following_or_all_occurrences() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let api = api_for(&app, &ann).await;
    let id = api.post("/events", &weekly("Sync", &[])).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // This: the second occurrence moves two hours later and is renamed.
    let mut moved = weekly("Moved", &[]);
    moved["start"] = json!("2026-12-02T17:00");
    let this = api
        .put(
            &format!("/events/{id}?scope=this&occurrence=2026-12-02T06:00:00Z"),
            &moved,
        )
        .await;
    assert_eq!(this.status, StatusCode::OK, "{}", this.body);
    assert_eq!(this.body["id"], id.as_str());
    assert_eq!(this.body["occurrence"], "2026-12-02T06:00:00Z");
    assert_eq!(this.body["starts_at"], "2026-12-02T08:00:00Z");
    assert_eq!(this.body["title"], "Moved");
    let occurrences = listed(&api.get(RANGE).await);
    assert_eq!(occurrences.len(), 4);
    assert_eq!(
        occurrences[1],
        (
            id.clone(),
            Some("2026-12-02T06:00:00Z".to_owned()),
            "2026-12-02T08:00:00Z".to_owned(),
            "Moved".to_owned()
        )
    );
    assert_eq!(occurrences[0].3, "Sync");

    // Following: from the third occurrence on, 10:00 Tokyo; the series
    // is split in two.
    let mut later = weekly("Sync v2", &[]);
    later["start"] = json!("2026-12-09T10:00");
    let following = api
        .put(
            &format!("/events/{id}?scope=following&occurrence=2026-12-09T06:00:00Z"),
            &later,
        )
        .await;
    assert_eq!(following.status, StatusCode::OK, "{}", following.body);
    let new_id = following.body["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);
    let occurrences = listed(&api.get(RANGE).await);
    let summary: Vec<(&str, &str)> = occurrences
        .iter()
        .map(|o| (if o.0 == id { "old" } else { "new" }, o.2.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("old", "2026-11-25T06:00:00Z"),
            ("old", "2026-12-02T08:00:00Z"),
            ("new", "2026-12-09T01:00:00Z"),
            ("new", "2026-12-16T01:00:00Z"),
        ]
    );

    // All: the whole (old) series changes.
    let all = api
        .put(&format!("/events/{id}?scope=all"), &weekly("Renamed", &[]))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["title"], "Renamed");
    assert_eq!(all.body["occurrence"], Value::Null);

    // Scope this without an occurrence, or an unknown scope: 400.
    let no_occurrence = api
        .put(&format!("/events/{id}?scope=this"), &weekly("x", &[]))
        .await;
    assert_eq!(
        expect_error(&no_occurrence, StatusCode::BAD_REQUEST, "invalid_input")["field"],
        "occurrence"
    );
    let bad_scope = api
        .put(&format!("/events/{id}?scope=some"), &weekly("x", &[]))
        .await;
    assert_eq!(
        expect_error(&bad_scope, StatusCode::BAD_REQUEST, "invalid_input")["field"],
        "scope"
    );
    let no_such_occurrence = api
        .put(
            &format!("/events/{id}?scope=this&occurrence=2026-12-03T06:00:00Z"),
            &weekly("x", &[]),
        )
        .await;
    expect_error(&no_such_occurrence, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn deletes_apply_to_one_occurrence_or_the_whole_series() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let api = api_for(&app, &ann).await;
    let id = api.post("/events", &weekly("Sync", &[])).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let one = api
        .delete(&format!(
            "/events/{id}?scope=this&occurrence=2026-12-02T06:00:00Z"
        ))
        .await;
    assert_eq!(one.status, StatusCode::NO_CONTENT, "{}", one.body);
    let starts: Vec<String> = listed(&api.get(RANGE).await)
        .into_iter()
        .map(|o| o.2)
        .collect();
    assert_eq!(
        starts,
        [
            "2026-11-25T06:00:00Z",
            "2026-12-09T06:00:00Z",
            "2026-12-16T06:00:00Z"
        ]
    );
    let gone = api
        .get(&format!("/events/{id}?occurrence=2026-12-02T06:00:00Z"))
        .await;
    expect_error(&gone, StatusCode::NOT_FOUND, "not_found");

    let following = api
        .delete(&format!(
            "/events/{id}?scope=following&occurrence=2026-12-16T06:00:00Z"
        ))
        .await;
    assert_eq!(following.status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&api.get(RANGE).await).len(), 2);

    let all = api.delete(&format!("/events/{id}")).await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    expect_error(
        &api.get(&format!("/events/{id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert!(listed(&api.get(RANGE).await).is_empty());
    expect_error(
        &api.delete(&format!("/events/{id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn attendee_answers_with_their_token_but_cannot_edit() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let ann_api = api_for(&app, &ann).await;
    let bob_api = api_for(&app, &bob).await;
    let id = ann_api
        .post("/events", &weekly("Sync", &[&bob.email]))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let answered = bob_api
        .post(
            &format!("/events/{id}/rsvp"),
            &json!({"status": "tentative"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(
        answered.body,
        json!({"event_id": id.as_str(), "status": "tentative"})
    );
    let answered = bob_api
        .post(
            &format!("/events/{id}/rsvp"),
            &json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(answered.body["status"], "accepted");
    let seen = ann_api.get(&format!("/events/{id}")).await;
    assert_eq!(seen.body["attendees"][0]["status"], "accepted");
    assert_eq!(
        bob_api.get(&format!("/events/{id}")).await.body["my_status"],
        "accepted"
    );

    // The organizer is not an attendee of their own meeting.
    expect_error(
        &ann_api
            .post(
                &format!("/events/{id}/rsvp"),
                &json!({"status": "declined"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let bad = bob_api
        .post(&format!("/events/{id}/rsvp"), &json!({"status": "maybe"}))
        .await;
    expect_error(&bad, StatusCode::BAD_REQUEST, "invalid_json");

    // Visible, but only the organizer may change it.
    expect_error(
        &bob_api
            .put(&format!("/events/{id}"), &weekly("Mine now", &[]))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    expect_error(
        &bob_api.delete(&format!("/events/{id}")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(
        ann_api.get(&format!("/events/{id}")).await.body["title"],
        "Sync"
    );
}

#[tokio::test]
async fn one_users_token_never_reaches_another_users_events() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let eve = app.register("Eve", "UTC").await;
    let ann_api = api_for(&app, &ann).await;
    let eve_api = api_for(&app, &eve).await;
    let id = ann_api.post("/events", &weekly("Private", &[])).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    assert!(listed(&eve_api.get(RANGE).await).is_empty());
    for answer in [
        eve_api.get(&format!("/events/{id}")).await,
        eve_api
            .get(&format!("/events/{id}?occurrence=2026-11-25T06:00:00Z"))
            .await,
        eve_api
            .put(&format!("/events/{id}"), &weekly("Hijacked", &[]))
            .await,
        eve_api
            .put(
                &format!("/events/{id}?scope=this&occurrence=2026-11-25T06:00:00Z"),
                &weekly("Hijacked", &[]),
            )
            .await,
        eve_api.delete(&format!("/events/{id}")).await,
        eve_api
            .post(
                &format!("/events/{id}/rsvp"),
                &json!({"status": "accepted"}),
            )
            .await,
    ] {
        expect_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    let still = ann_api.get(&format!("/events/{id}")).await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.body["title"], "Private");
    assert_eq!(listed(&ann_api.get(RANGE).await).len(), 4);
}

#[tokio::test]
async fn bad_input_gets_a_json_error_naming_the_field() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let api = api_for(&app, &ann).await;
    let http = reqwest::Client::new();

    // Not JSON, or not the expected shape.
    let garbage = answer(
        http.post(api.url("/events"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_error(&garbage, StatusCode::BAD_REQUEST, "invalid_json");
    let missing = api.post("/events", &json!({"title": "x"})).await;
    let body = expect_error(&missing, StatusCode::BAD_REQUEST, "invalid_json");
    assert!(
        body["message"].as_str().unwrap().contains("start"),
        "{body}"
    );
    let wrong_type = api
        .post(
            "/events",
            &json!({"title": "x", "start": "2026-11-25T15:00", "duration_min": "long"}),
        )
        .await;
    expect_error(&wrong_type, StatusCode::BAD_REQUEST, "invalid_json");
    let plain = answer(
        http.post(api.url("/events"))
            .bearer_auth(&api.token)
            .header("content-type", "text/plain")
            .body("hello")
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_error(
        &plain,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // Valid JSON, invalid values: the field is named.
    let base = weekly("Sync", &[]);
    for (field, value, expected) in [
        ("title", json!(""), "title"),
        ("title", json!("x".repeat(201)), "title"),
        ("start", json!("25.11.2026 15:00"), "start"),
        ("start", json!("2026-02-30T15:00"), "start"),
        ("duration_min", json!(0), "duration_min"),
        ("duration_min", json!(100000), "duration_min"),
        ("time_zone", json!("Moon/Base"), "time_zone"),
        ("attendees", json!(["not-an-email"]), "attendees"),
        ("attendees", json!(["a@b.co, c@d.co"]), "attendees"),
        ("reminders", json!([-5]), "reminders"),
        ("reminders", json!([1, 2, 3, 4, 5, 6]), "reminders"),
        ("rrule", json!("FREQ=SOMETIMES"), "rrule"),
        ("description", json!("x".repeat(5001)), "description"),
        ("description", json!("nul\u{0}byte"), "description"),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let refused = api.post("/events", &body).await;
        let error = expect_error(&refused, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(error["field"], expected, "{field}: {error}");
    }

    // Bad query parameters.
    for (query, field) in [
        ("", "from"),
        ("?from=2026-11-20T00:00:00Z", "to"),
        ("?from=yesterday&to=2026-11-27T00:00:00Z", "from"),
        ("?from=2026-11-27T00:00:00Z&to=2026-11-20T00:00:00Z", "to"),
        ("?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z", "to"),
    ] {
        let refused = api.get(&format!("/events{query}")).await;
        let error = expect_error(&refused, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(error["field"], field, "{query}: {error}");
    }
    let id = api.post("/events", &base).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad_occurrence = api.get(&format!("/events/{id}?occurrence=soon")).await;
    assert_eq!(
        expect_error(&bad_occurrence, StatusCode::BAD_REQUEST, "invalid_input")["field"],
        "occurrence"
    );

    // Unknown ids, paths and methods.
    for path in ["/events/nope", "/events/%00", "/events/a%2Fb"] {
        expect_error(&api.get(path).await, StatusCode::NOT_FOUND, "not_found");
    }
    expect_error(
        &api.get("/nothing").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let patch = answer(
        http.patch(api.url("/events"))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_error(&patch, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn feed_url_is_made_when_missing_and_renewed_on_request() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let api = api_for(&app, &ann).await;
    api.post("/events", &weekly("Sync", &[])).await;

    let first = api.get("/feed").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["active"], true);
    let url = first.body["url"].as_str().expect("a new URL").to_owned();
    assert!(url.contains("/ics/feed/"), "{url}");
    let path = &url[url.find("/ics/feed/").unwrap()..];
    let http = reqwest::Client::new();
    let feed = http.get(app.url(path)).send().await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(feed.text().await.unwrap().contains("SUMMARY:Sync"));

    let again = api.get("/feed").await;
    assert_eq!(again.body, json!({"active": true, "url": null}));

    let renewed = api.post("/feed", &Value::Null).await;
    assert_eq!(renewed.status, StatusCode::CREATED);
    let new_url = renewed.body["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    let old = http.get(app.url(path)).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn openapi_description_is_3_1_with_a_bearer_scheme() {
    let app = spawn_app().await;
    let spec = answer(reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap()).await;
    assert_eq!(spec.status, StatusCode::OK);
    let spec = spec.body;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let scheme = &spec["components"]["securitySchemes"]["bearer_token"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(spec["security"][0]["bearer_token"], json!([]));
    for path in [
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/rsvp",
        "/api/v1/feed",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is described");
    }
    for schema in ["Event", "EventInput", "EventList", "ErrorBody", "Feed"] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema} is described"
        );
    }
}

#[tokio::test]
async fn server_functions_under_api_keep_their_statuses() {
    let app = spawn_app().await;
    let visitor = common::client();
    let week = app.call::<Value>(&visitor, "get_week", &[]).await;
    assert_eq!(week.status, StatusCode::UNAUTHORIZED);
    assert_eq!(week.result.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn settings_page_offers_api_tokens_in_both_languages() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    make_token(&app, &ann, "Deploy script").await;
    for (language, title, label) in [
        ("en", "API tokens", "Token name"),
        ("ru", "API-токены", "Название токена"),
    ] {
        // The switcher's cookie, beside the session's.
        let base = app.base.parse().unwrap();
        ann.jar.add_cookie_str(&format!("lang={language}"), &base);
        let page = app.page(ann.client.get(app.url("/settings"))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(title), "{language}: {}", page.body);
        assert!(page.body.contains(label), "{language}");
        assert!(page.body.contains(r#"for="api-token-name""#));
        assert!(page.body.contains("Deploy script"), "{language}");
    }
}
