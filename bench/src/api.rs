//! The server functions a benchmark needs, called as the hydrated app
//! calls them: a form `POST /api/{endpoint}` answered with JSON.

use std::time::Duration;

/// A failed set-up call: which endpoint, and what the server said.
#[derive(Debug)]
pub struct ApiError(pub String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApiError {}

/// A server at `base` (`http://host:port`), with one browser-like client
/// that keeps the organizer's session cookie and one without cookies for
/// guests (each guest then gets a guest id of its own, as separate
/// browsers would).
pub struct Api {
    base: String,
    organizer: reqwest::Client,
    guests: reqwest::Client,
}

impl Api {
    /// # Errors
    /// When the HTTP clients cannot be built (no TLS is needed: `http://`).
    pub fn new(base: &str) -> Result<Api, ApiError> {
        let build = |cookies: bool| {
            reqwest::Client::builder()
                .cookie_store(cookies)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| ApiError(format!("HTTP client: {e}")))
        };
        Ok(Api {
            base: base.trim_end_matches('/').to_owned(),
            organizer: build(true)?,
            guests: build(false)?,
        })
    }

    /// `ws://host:port` for the same server.
    pub fn ws_base(&self) -> String {
        self.base.replacen("http://", "ws://", 1)
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value, ApiError> {
        let url = format!("{}/api/{endpoint}", self.base);
        let response = client
            .post(&url)
            .form(form)
            .send()
            .await
            .map_err(|e| ApiError(format!("POST {url}: {e}")))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| ApiError(format!("POST {url}: reading the answer: {e}")))?;
        if !status.is_success() {
            return Err(ApiError(format!("POST {url}: {status}: {body}")));
        }
        serde_json::from_str(&body)
            .map_err(|e| ApiError(format!("POST {url}: not JSON ({e}): {body}")))
    }

    /// Creates an account and signs the organizer client in with it.
    ///
    /// # Errors
    /// When the server refuses or cannot be reached.
    pub async fn register_organizer(&self, name: &str) -> Result<(), ApiError> {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let email = format!("bench-{nonce}@example.com");
        self.call(
            &self.organizer,
            "register",
            &[
                ("email", &email),
                ("display_name", name),
                ("password", "load generator password 0123456789"),
                ("time_zone", "UTC"),
                ("next", "/calendar"),
            ],
        )
        .await
        .map(drop)
    }

    /// Schedules a meeting as the organizer; returns its room id.
    ///
    /// # Errors
    /// When the server refuses (e.g. not signed in) or cannot be reached.
    pub async fn create_meeting(&self, title: &str) -> Result<String, ApiError> {
        let meeting = self
            .call(
                &self.organizer,
                "create_meeting",
                &[
                    ("title", title),
                    ("date", "2030-01-15"),
                    ("time", "10:00"),
                    ("duration_min", "60"),
                    ("time_zone", "UTC"),
                    ("invitees", ""),
                ],
            )
            .await?;
        meeting["room"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ApiError(format!("create_meeting: no room in {meeting}")))
    }

    /// A guest's room token for `room` under `name`.
    ///
    /// # Errors
    /// When the server refuses or cannot be reached.
    pub async fn join_ticket(&self, room: &str, name: &str) -> Result<String, ApiError> {
        let ticket = self
            .call(
                &self.guests,
                "join_meeting",
                &[("room", room), ("display_name", name)],
            )
            .await?;
        ticket["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ApiError(format!("join_meeting: no token in {ticket}")))
    }
}
