//! Property-based checks of `/api/v1` against its own OpenAPI description:
//! schemathesis generates valid and invalid requests for every operation
//! from `/api/v1/openapi.json` and fails when the server answers with a
//! 5xx or with a response the description does not allow.
//!
//! Needs the `schemathesis` command (4.x) that `scripts/install --test`
//! installs; fails when it is missing.

#![cfg(feature = "ssr")]

mod common;

use std::process::Command;

const INSTALL_HINT: &str =
    "run `scripts/install --test` (it installs the Python package schemathesis==4.32.5)";

/// Test cases per operation and phase: enough to reach the edge cases,
/// few enough that the run stays around a minute.
const MAX_EXAMPLES: &str = "100";

#[tokio::test]
async fn api_answers_generated_requests_without_5xx_and_as_described() {
    let app = common::spawn_app().await;
    let ann = app.register("Ann", "Europe/Moscow").await;
    let bob = app.register("Bob", "UTC").await;
    let made: convene::api::NewApiToken = app
        .result(&ann.client, "create_api_token", &[("name", "schemathesis")])
        .await
        .expect("create_api_token");
    // An invitation from Bob for the run to answer: schemathesis cannot
    // invent an id that names one, so the configuration supplies it.
    let bob_token: convene::api::NewApiToken = app
        .result(&bob.client, "create_api_token", &[("name", "setup")])
        .await
        .expect("create_api_token");
    let created = reqwest::Client::new()
        .post(app.url("/api/v1/events"))
        .bearer_auth(&bob_token.secret)
        .json(&serde_json::json!({
            "title": "Sync",
            "start": "2026-11-25T15:00",
            "duration_min": 45,
            "time_zone": "Asia/Tokyo",
            "attendees": [ann.email],
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
        }))
        .send()
        .await
        .expect("create an event");
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let invitation: serde_json::Value = created.json().await.expect("the event");
    let invitation_id = invitation["id"].as_str().expect("its id").to_owned();

    let schema = app.url("/api/v1/openapi.json");
    let report = tempfile::tempdir().expect("report folder");
    let config = report.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[[operations]]\ninclude-path = \"/api/v1/events/{{id}}/rsvp\"\n\
             parameters = {{ \"path.id\" = \"{invitation_id}\" }}\n"
        ),
    )
    .expect("schemathesis.toml");
    let run = tokio::task::spawn_blocking({
        let base = app.base.clone();
        let token = made.secret.clone();
        let report = report.path().to_owned();
        move || {
            Command::new("schemathesis")
                .arg("--config-file")
                .arg(&config)
                .args(["run", &schema, "--url", &base])
                .args(["--header", &format!("Authorization: Bearer {token}")])
                .args([
                    "--checks",
                    "not_a_server_error,response_schema_conformance",
                    "--phases",
                    "examples,coverage,fuzzing,stateful",
                    "--max-examples",
                    MAX_EXAMPLES,
                    // One worker: with several, CPython 3.11 before 3.11.9
                    // can fail inside hypothesis (`ast.parse` is not
                    // thread-safe there), which is not the API's fault.
                    "--workers",
                    "1",
                    "--request-timeout",
                    "10",
                    "--no-shrink",
                    "--report-dir",
                ])
                .arg(&report)
                .env("NO_COLOR", "1")
                .current_dir(&report)
                .output()
        }
    })
    .await
    .expect("the schemathesis task");
    let output = run.unwrap_or_else(|e| panic!("cannot run schemathesis: {e}; {INSTALL_HINT}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems (exit {:?}):\n{stdout}\n{stderr}",
        output.status.code()
    );
    println!("{stdout}");
    // A run that tested nothing would also exit 0.
    assert!(
        stdout.contains("passed") && !stdout.contains("No operations"),
        "schemathesis did not test the API:\n{stdout}\n{stderr}"
    );
}
