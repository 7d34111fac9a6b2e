//! Web push end to end: a real server, a push service on loopback that
//! checks what arrives (TTL, `aes128gcm`, a VAPID JWT signed by the stored
//! key for the right audience) and decrypts it with the browser's keys
//! (RFC 8291), and the queue's handling of 410 and 5xx answers.

mod common;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{spawn_app_with, TestApp, TestUser, PATIENCE};
use convene::error::{AppError, Invalid};
use convene::notify::push::{base64url_decode, base64url_encode, PushMessage, VapidKeys};
use rand::RngCore as _;
use sqlx::Row as _;
use std::time::Duration;
use tokio::sync::mpsc;
use web_push_native::jwt_simple::prelude::*;
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;

/// One POST the push service received.
struct Received {
    /// `ok`, `gone`, `fail` or `busy`: the path's first segment, which
    /// chooses the answer.
    kind: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A push service on `127.0.0.1:0`: `POST /{kind}/{id}` answers 201
/// (`ok`), 410 (`gone`), 500 (`fail`) or 429 with `Retry-After: 120`
/// (`busy`), and reports each request on `received`.
struct PushService {
    base: String,
    received: mpsc::UnboundedReceiver<Received>,
}

impl PushService {
    async fn start() -> PushService {
        let (tx, received) = mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route("/{kind}/{id}", axum::routing::post(answer))
            .with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the push service");
        let addr = listener.local_addr().expect("push service address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        PushService {
            base: format!("http://{addr}"),
            received,
        }
    }

    /// The next request, within [`PATIENCE`].
    async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.received.recv())
            .await
            .expect("the push service got no request in time")
            .expect("the push service stopped")
    }

    /// Asserts that nothing more arrives for `wait`.
    async fn nothing_within(&mut self, wait: Duration) {
        if let Ok(Some(extra)) = tokio::time::timeout(wait, self.received.recv()).await {
            panic!("unexpected push to /{}", extra.kind);
        }
    }
}

async fn answer(
    State(tx): State<mpsc::UnboundedSender<Received>>,
    Path((kind, _id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let status = match kind.as_str() {
        "ok" => StatusCode::CREATED,
        "gone" => StatusCode::GONE,
        "fail" => StatusCode::INTERNAL_SERVER_ERROR,
        "busy" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_REQUEST,
    };
    let _ = tx.send(Received {
        kind,
        headers,
        body: body.to_vec(),
    });
    if status == StatusCode::TOO_MANY_REQUESTS {
        return (status, [("retry-after", "120")]).into_response();
    }
    status.into_response()
}

/// The browser's side of a subscription (RFC 8291 §2): a P-256 key pair
/// and a 16-byte authentication secret.
struct Browser {
    endpoint: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(service: &PushService, kind: &str) -> Browser {
        let mut scalar = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut scalar);
        let mut auth = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut auth);
        Browser {
            endpoint: format!("{}/{kind}/{}", service.base, common::random_hex()),
            secret: p256::SecretKey::from_slice(&scalar).expect("a P-256 scalar"),
            auth,
        }
    }

    fn p256dh(&self) -> String {
        base64url_encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    /// Stores this subscription for `user` through the server function.
    async fn subscribe(&self, app: &TestApp, user: &TestUser) {
        app.result::<()>(
            &user.client,
            "subscribe_push",
            &[
                ("endpoint", &self.endpoint),
                ("p256dh", &self.p256dh()),
                ("auth", &base64url_encode(&self.auth)),
            ],
        )
        .await
        .expect("subscribe_push");
    }

    /// Decrypts a push body (RFC 8291 `aes128gcm`) as JSON.
    fn decrypt(&self, body: &[u8]) -> serde_json::Value {
        let plain = web_push_native::decrypt(
            body.to_vec(),
            &self.secret,
            &web_push_native::Auth::from(self.auth),
        )
        .expect("the push decrypts with the browser's keys");
        serde_json::from_slice(&plain).expect("the push is JSON")
    }
}

async fn app_with_push() -> TestApp {
    spawn_app_with(|config| {
        config.push.allow_insecure_endpoints = true;
        config.push.subject =
            convene::notify::push::VapidSubject::parse("mailto:ops@example.com").unwrap();
        config.push.subject_is_placeholder = false;
    })
    .await
}

async fn subscriptions(app: &TestApp) -> Vec<String> {
    let db = app.db().await;
    sqlx::query("SELECT endpoint FROM push_subscriptions ORDER BY endpoint")
        .fetch_all(&db)
        .await
        .expect("push_subscriptions")
        .iter()
        .map(|row| row.get::<String, _>("endpoint"))
        .collect()
}

/// The push job's status, attempts, due time and last error.
async fn push_job(app: &TestApp) -> (String, i32, i64, Option<String>) {
    let db = app.db().await;
    let row =
        sqlx::query("SELECT status, attempts, run_at, last_error FROM jobs WHERE kind = 'push'")
            .fetch_one(&db)
            .await
            .expect("one push job");
    (
        row.get("status"),
        row.get("attempts"),
        row.get("run_at"),
        row.get("last_error"),
    )
}

/// Waits until `check` holds for the push job.
async fn until_job(app: &TestApp, check: impl Fn(&(String, i32, i64, Option<String>)) -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let job = push_job(app).await;
        if check(&job) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the push job stayed {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn a_test_push_arrives_encrypted_and_signed_by_the_stored_vapid_key() {
    let app = app_with_push().await;
    let mut service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    let browser = Browser::new(&service, "ok");
    browser.subscribe(&app, &ann).await;

    let public_key: String = app
        .result(&ann.client, "push_public_key", &[])
        .await
        .expect("push_public_key");
    let stored: String = sqlx::query("SELECT public_key FROM vapid_keys")
        .fetch_one(&app.db().await)
        .await
        .expect("the VAPID key pair was made at start-up")
        .get("public_key");
    assert_eq!(public_key, stored);
    assert_eq!(base64url_decode(&public_key).map(|k| k.len()), Some(65));

    let browsers: i64 = app
        .result(&ann.client, "send_test_push", &[])
        .await
        .expect("send_test_push");
    assert_eq!(browsers, 1);

    let push = service.next().await;
    assert_eq!(push.kind, "ok");
    let header = |name: &str| {
        push.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_owned()
    };
    assert_eq!(header("ttl"), "3600");
    assert_eq!(header("content-encoding"), "aes128gcm");
    assert_eq!(header("content-type"), "application/octet-stream");

    // RFC 8292 §3: Authorization: vapid t=<JWT>, k=<public key>.
    let authorization = header("authorization");
    let rest = authorization
        .strip_prefix("vapid ")
        .expect("a vapid authorization");
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => token = Some(value.to_owned()),
            Some(("k", value)) => key = Some(value.to_owned()),
            _ => panic!("unexpected part {part:?}"),
        }
    }
    let (token, key) = (token.expect("t="), key.expect("k="));
    assert_eq!(key, stored, "k= is the stored public key");
    let verifier =
        ES256PublicKey::from_bytes(&base64url_decode(&stored).unwrap()).expect("a P-256 key");
    let audience = service.base.clone();
    let claims = verifier
        .verify_token::<NoCustomClaims>(
            &token,
            Some(VerificationOptions {
                allowed_audiences: Some(HashSet::from_strings(&[audience.as_str()])),
                ..Default::default()
            }),
        )
        .expect("the JWT is signed by the stored VAPID key, for the push service's origin");
    assert_eq!(claims.subject.as_deref(), Some("mailto:ops@example.com"));
    let expires = claims.expires_at.expect("exp").as_secs();
    let now = (now_ms() / 1000) as u64;
    assert!(
        expires > now && expires <= now + 24 * 3600,
        "exp within 24 h"
    );

    let message = browser.decrypt(&push.body);
    assert_eq!(
        message,
        serde_json::json!({
            "title": "Convene test notification",
            "body": "Push notifications work on this device.",
            "url": "/settings",
            "tag": "push-test",
        })
    );
    until_job(&app, |job| job.0 == "done").await;
    let db = app.db().await;
    let success: Option<i64> = sqlx::query("SELECT last_success_at FROM push_subscriptions")
        .fetch_one(&db)
        .await
        .unwrap()
        .get("last_success_at");
    assert!(success.is_some());
}

#[tokio::test]
async fn enqueue_push_reaches_every_browser_of_the_user_once() {
    let app = app_with_push().await;
    let mut service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let laptop = Browser::new(&service, "ok");
    let phone = Browser::new(&service, "ok");
    let bobs = Browser::new(&service, "ok");
    laptop.subscribe(&app, &ann).await;
    phone.subscribe(&app, &ann).await;
    bobs.subscribe(&app, &bob).await;

    let db = app.db().await;
    let ann_id: String = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(&ann.email)
        .fetch_one(&db)
        .await
        .unwrap()
        .get("id");
    let message = PushMessage {
        user_id: ann_id,
        title: "Standup in 10 minutes".to_owned(),
        body: "Join from the calendar".to_owned(),
        url: "/m/abc-defg".to_owned(),
        tag: "reminder:abc".to_owned(),
    };
    let key = format!("reminder:{}", common::random_hex());
    assert!(
        convene::notify::push::enqueue_push(&db, &key, &message, now_ms())
            .await
            .unwrap()
    );
    // The same key again is the same push.
    assert!(
        !convene::notify::push::enqueue_push(&db, &key, &message, now_ms())
            .await
            .unwrap()
    );

    let mut got = Vec::new();
    for _ in 0..2 {
        let push = service.next().await;
        let decrypted = [&laptop, &phone]
            .iter()
            .find_map(|browser| {
                web_push_native::decrypt(
                    push.body.clone(),
                    &browser.secret,
                    &web_push_native::Auth::from(browser.auth),
                )
                .ok()
                .map(|plain| (browser.endpoint.clone(), plain))
            })
            .expect("each push is for one of Ann's browsers");
        let json: serde_json::Value = serde_json::from_slice(&decrypted.1).unwrap();
        assert_eq!(json["title"], "Standup in 10 minutes");
        assert_eq!(json["body"], "Join from the calendar");
        assert_eq!(json["url"], "/m/abc-defg");
        assert_eq!(json["tag"], "reminder:abc");
        got.push(decrypted.0);
    }
    got.sort();
    let mut expected = vec![laptop.endpoint.clone(), phone.endpoint.clone()];
    expected.sort();
    assert_eq!(got, expected, "one push per browser of Ann, none for Bob");
    until_job(&app, |job| job.0 == "done").await;
    service.nothing_within(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn a_subscription_the_push_service_calls_gone_is_deleted() {
    let app = app_with_push().await;
    let mut service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    let gone = Browser::new(&service, "gone");
    gone.subscribe(&app, &ann).await;
    assert_eq!(subscriptions(&app).await, vec![gone.endpoint.clone()]);

    let _: i64 = app
        .result(&ann.client, "send_test_push", &[])
        .await
        .expect("send_test_push");
    assert_eq!(service.next().await.kind, "gone");
    until_job(&app, |job| job.0 == "done").await;
    assert!(subscriptions(&app).await.is_empty());
    let browsers: i64 = app
        .result(&ann.client, "send_test_push", &[])
        .await
        .expect("send_test_push");
    assert_eq!(browsers, 0, "nothing left to send to");
}

#[tokio::test]
async fn a_failing_push_service_is_retried_later_and_only_for_browsers_that_missed_it() {
    let app = app_with_push().await;
    let mut service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    let fine = Browser::new(&service, "ok");
    let failing = Browser::new(&service, "fail");
    fine.subscribe(&app, &ann).await;
    failing.subscribe(&app, &ann).await;

    let started = now_ms();
    let _: i64 = app
        .result(&ann.client, "send_test_push", &[])
        .await
        .expect("send_test_push");
    let mut kinds = vec![service.next().await.kind, service.next().await.kind];
    kinds.sort();
    assert_eq!(kinds, ["fail", "ok"]);
    until_job(&app, |job| job.0 == "pending" && job.1 == 1).await;
    let (_, _, run_at, last_error) = push_job(&app).await;
    assert!(
        run_at >= started + 20_000,
        "the retry waits for the backoff"
    );
    assert!(last_error.unwrap_or_default().contains("500"));
    assert_eq!(subscriptions(&app).await.len(), 2, "a 500 deletes nothing");

    // Make the retry due now: it goes to the failing browser only.
    let db = app.db().await;
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE kind = 'push'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(service.next().await.kind, "fail");
    until_job(&app, |job| job.0 == "pending" && job.1 == 2).await;
    service.nothing_within(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn a_busy_push_service_is_asked_again_after_retry_after() {
    let app = app_with_push().await;
    let mut service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    Browser::new(&service, "busy").subscribe(&app, &ann).await;
    let started = now_ms();
    let _: i64 = app
        .result(&ann.client, "send_test_push", &[])
        .await
        .expect("send_test_push");
    assert_eq!(service.next().await.kind, "busy");
    // Retry-After: 120 — and the attempt is given back.
    until_job(&app, |job| job.0 == "pending" && job.1 == 0).await;
    let (_, _, run_at, _) = push_job(&app).await;
    assert!(run_at >= started + 119_000 && run_at <= now_ms() + 121_000);
}

#[tokio::test]
async fn subscriptions_are_checked_and_belong_to_the_signed_in_user() {
    let app = spawn_app_with(|_| {}).await;
    let service = PushService::start().await;
    let ann = app.register("Ann", "UTC").await;
    let browser = Browser::new(&service, "ok");
    let auth = base64url_encode(&browser.auth);

    // Loopback http endpoints need the test-only setting.
    let refused = app
        .result::<()>(
            &ann.client,
            "subscribe_push",
            &[
                ("endpoint", &browser.endpoint),
                ("p256dh", &browser.p256dh()),
                ("auth", &auth),
            ],
        )
        .await;
    assert_eq!(refused, Err(AppError::Invalid(Invalid::PushSubscription)));
    let short_key = app
        .call::<()>(
            &ann.client,
            "subscribe_push",
            &[
                ("endpoint", "https://push.example.com/x"),
                ("p256dh", &browser.p256dh()[..20]),
                ("auth", &auth),
            ],
        )
        .await;
    assert_eq!(short_key.status, 400);
    assert_eq!(
        short_key.result,
        Err(AppError::Invalid(Invalid::PushSubscription))
    );

    let visitor = common::client();
    let anonymous = app
        .result::<()>(
            &visitor,
            "subscribe_push",
            &[
                ("endpoint", "https://push.example.com/x"),
                ("p256dh", &browser.p256dh()),
                ("auth", &auth),
            ],
        )
        .await;
    assert_eq!(anonymous, Err(AppError::Unauthorized));

    let endpoint = "https://push.example.com/wpush/v2/abc";
    for _ in 0..2 {
        app.result::<()>(
            &ann.client,
            "subscribe_push",
            &[
                ("endpoint", endpoint),
                ("p256dh", &browser.p256dh()),
                ("auth", &auth),
            ],
        )
        .await
        .expect("subscribe_push");
    }
    assert_eq!(subscriptions(&app).await, vec![endpoint.to_owned()]);

    // Someone else cannot remove Ann's browser.
    let bob = app.register("Bob", "UTC").await;
    app.result::<()>(&bob.client, "unsubscribe_push", &[("endpoint", endpoint)])
        .await
        .expect("unsubscribe_push");
    assert_eq!(subscriptions(&app).await.len(), 1);
    app.result::<()>(&ann.client, "unsubscribe_push", &[("endpoint", endpoint)])
        .await
        .expect("unsubscribe_push");
    assert!(subscriptions(&app).await.is_empty());
}

#[tokio::test]
async fn servers_starting_together_share_one_vapid_key_pair() {
    let database = common::TestDatabase::new("vapid").await;
    let db = convene::db::connect(&database.url).await.expect("database");
    let (a, b, c) = tokio::join!(
        VapidKeys::load_or_create(&db),
        VapidKeys::load_or_create(&db),
        VapidKeys::load_or_create(&db),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(b.public_key(), c.public_key());
    let again = VapidKeys::load_or_create(&db).await.unwrap();
    assert_eq!(again.public_key(), a.public_key());
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM vapid_keys")
        .fetch_one(&db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(rows, 1);
}
