//! Test harness: a real Convene server on `127.0.0.1:0` with its own data
//! folder and its own database, and HTTP/WebSocket clients that talk to it
//! the way browsers do.
//!
//! SQLite by default. With `TEST_DATABASE_URL=postgres://...` every server
//! gets a fresh PostgreSQL database (`convene_test_<random hex>`), dropped
//! again when the [`TestApp`] goes away.

#![allow(dead_code)] // Each test binary uses a different part of it.

pub mod smtp;

use convene::error::AppError;
use convene::meeting::protocol::{ClientMessage, ServerMessage};
use convene::server::config::Config;
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message that should arrive.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A running server, stopped (and its PostgreSQL database dropped) on drop.
pub struct TestApp {
    pub addr: SocketAddr,
    /// What it was started with (for [`TestApp::restart_after`]).
    config: Config,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The database the server uses (SQLite file or PostgreSQL).
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    postgres: Option<PostgresDb>,
    // Dropped last: the SQLite file lives here.
    _dir: TempDir,
}

/// A PostgreSQL database made for one test, dropped with this value.
struct PostgresDb {
    admin_url: String,
    name: String,
}

impl PostgresDb {
    /// `convene_<prefix>_<random hex>` on the server of `admin_url`.
    async fn create(admin_url: &str, prefix: &str) -> PostgresDb {
        let name = format!("convene_{prefix}_{}", random_hex());
        create_postgres_database(admin_url, &name).await;
        PostgresDb {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop is synchronous and may run inside the test's runtime: do
        // the async clean-up on a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("clean-up runtime");
            runtime.block_on(async {
                use sqlx::Connection as _;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A database for tests that use the library without a server: an SQLite
/// file in a temporary folder, or a fresh PostgreSQL database when
/// `TEST_DATABASE_URL` is set (dropped with this value).
pub struct TestDatabase {
    pub url: String,
    _postgres: Option<PostgresDb>,
    _dir: TempDir,
}

impl TestDatabase {
    pub async fn new(prefix: &str) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (url, postgres) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                let db = PostgresDb::create(&admin_url, prefix).await;
                (db.url(), Some(db))
            }
            _ => (
                format!("sqlite://{}/{prefix}.db", dir.path().display()),
                None,
            ),
        };
        TestDatabase {
            url,
            _postgres: postgres,
            _dir: dir,
        }
    }
}

/// The runtime every test server runs on: multi-threaded like the
/// binary's `#[tokio::main]`, and outliving the tests' own runtimes (each
/// `#[tokio::test]` has one, which only carries that test's clients).
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-server")
            .enable_all()
            .build()
            .expect("the servers' runtime")
    })
}

/// Keeps server start-ups and page renders apart.
///
/// `server::start` lists the app's routes with Leptos's
/// `generate_route_list`, which sets a process-wide flag
/// (`leptos_server::SuppressResourceLoad`) that makes every `Resource`
/// created meanwhile, in any server of the process, wait forever: a page
/// rendered by another test at that moment never answers. A deployment
/// starts one server before serving, so only tests meet this. Start-ups
/// take the gate exclusively; [`TestApp::page`] shares it.
fn start_gate() -> &'static tokio::sync::RwLock<()> {
    static GATE: std::sync::OnceLock<tokio::sync::RwLock<()>> = std::sync::OnceLock::new();
    GATE.get_or_init(|| tokio::sync::RwLock::new(()))
}

/// Starts a server with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `adjust` has changed the test configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    // `RUST_LOG=convene=debug cargo test ...` shows the servers' logs.
    if std::env::var_os("RUST_LOG").is_some() {
        convene::server::telemetry::init();
    }
    let dir = tempfile::tempdir().expect("temporary data folder");
    let (database_url, postgres) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => {
            let db = PostgresDb::create(&admin_url, "test").await;
            (Some(db.url()), Some(db))
        }
        _ => (None, None),
    };
    let mut config = Config::for_tests(dir.path(), database_url);
    adjust(&mut config);
    let database_url = config.database_url.clone();
    let running = start_server(config.clone()).await;
    TestApp {
        config,
        addr: running.addr,
        base: format!("http://{}", running.addr),
        database_url,
        shutdown: Some(running.shutdown),
        task: Some(running.task),
        postgres,
        _dir: dir,
    }
}

async fn start_server(config: Config) -> convene::server::Running {
    let _starting = start_gate().write().await;
    server_runtime()
        .spawn(convene::server::start(config))
        .await
        .expect("the start-up task")
        .expect("the server starts")
}

impl TestApp {
    /// Stops the server (gracefully, as a deploy would), waits `pause`
    /// with no server running, then starts a new one on the same database
    /// and data folder, on a new port.
    pub async fn restart_after(mut self, pause: Duration) -> TestApp {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
        }
        tokio::time::sleep(pause).await;
        let running = start_server(self.config.clone()).await;
        self.addr = running.addr;
        self.base = format!("http://{}", running.addr);
        self.shutdown = Some(running.shutdown);
        self.task = Some(running.task);
        self
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Graceful shutdown waits for open WebSockets; do not wait for it.
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // The PostgreSQL database (if any) is dropped with `postgres`.
    }
}

async fn create_postgres_database(admin_url: &str, name: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL={admin_url} is not reachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create the test database");
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// 16 random hex digits (no extra dependency: std's per-process random
/// hash keys, a counter and the clock).
pub fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("{:016x}", hasher.finish())
}

/// A browser-like HTTP client: keeps cookies, never follows redirects (so
/// tests can see them).
pub fn client() -> reqwest::Client {
    client_with_jar().0
}

/// [`client`], with its cookie jar for tests that read or replay cookies.
pub fn client_with_jar() -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    (client, jar)
}

/// A page as the browser received it.
pub struct Page {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    /// The HTML.
    pub body: String,
}

/// The outcome of a server function call, decoded.
pub struct Called<T> {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub result: Result<T, AppError>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a form to the server function at `/api/{endpoint}`, as the
    /// hydrated app does, and decodes the JSON answer: the value on 2xx,
    /// an [`AppError`] otherwise.
    pub async fn call<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Called<T> {
        let response = client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("response body");
        let result = if status.is_success() {
            Ok(serde_json::from_str::<T>(&body).unwrap_or_else(|e| {
                panic!("/api/{endpoint} answered {status} with unexpected JSON {body:?}: {e}")
            }))
        } else {
            Err(serde_json::from_str::<AppError>(&body).unwrap_or_else(|e| {
                panic!("/api/{endpoint} answered {status} with a body that is not an AppError {body:?}: {e}")
            }))
        };
        Called {
            status,
            headers,
            result,
        }
    }

    /// Like [`TestApp::call`], returning only the decoded result.
    pub async fn result<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<T, AppError> {
        self.call(client, endpoint, form).await.result
    }

    /// Sends a request for a server-rendered page and reads all of it.
    /// Every page GET goes through here (see [`start_gate`]).
    pub async fn page(&self, request: reqwest::RequestBuilder) -> Page {
        let _rendering = start_gate().read().await;
        let response = request.send().await.expect("page request");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("page body");
        Page {
            status,
            headers,
            body,
        }
    }

    /// Registers a fresh account (unique email) and returns it signed in.
    pub async fn register(&self, name: &str, time_zone: &str) -> TestUser {
        let (client, jar) = client_with_jar();
        let user = TestUser {
            client,
            jar,
            email: format!("{}-{}@example.com", name.to_lowercase(), random_hex()),
            password: "correct horse battery staple".to_owned(),
            name: name.to_owned(),
        };
        self.result::<()>(
            &user.client,
            "register",
            &[
                ("email", &user.email),
                ("display_name", &user.name),
                ("password", &user.password),
                ("time_zone", time_zone),
                ("next", "/calendar"),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("register {}: {e:?}", user.email));
        user
    }

    /// Schedules a meeting as `user`; returns `(id, room)`.
    pub async fn create_meeting(
        &self,
        user: &TestUser,
        title: &str,
        invitees: &str,
    ) -> (String, String) {
        let meeting: convene::calendar::ScheduledMeeting = self
            .result(&user.client, "create_meeting", &tokyo_form(title, invitees))
            .await
            .expect("create_meeting");
        (meeting.id, meeting.room)
    }

    /// A room token for `room`: as `client`'s account, or as a guest
    /// called `display_name`.
    pub async fn join(&self, client: &reqwest::Client, room: &str, display_name: &str) -> String {
        let ticket: convene::meeting::JoinTicket = self
            .result(
                client,
                "join_meeting",
                &[("room", room), ("display_name", display_name)],
            )
            .await
            .expect("join_meeting");
        ticket.token
    }

    /// `ws://.../ws/meeting/{room}` with an optional `?token=`.
    pub fn ws_url(&self, room: &str, token: Option<&str>) -> String {
        match token {
            Some(token) => format!("ws://{}/ws/meeting/{room}?token={token}", self.addr),
            None => format!("ws://{}/ws/meeting/{room}", self.addr),
        }
    }

    /// Joins `room` as a guest and opens its signaling socket.
    pub async fn connect_guest(&self, room: &str, name: &str) -> WsClient {
        self.connect_as(&client(), room, name).await
    }

    /// Opens `room`'s signaling socket with a fresh room token for
    /// `browser`: its account if signed in, else a guest called `name`
    /// (known again by the guest cookie in that browser's jar).
    pub async fn connect_as(&self, browser: &reqwest::Client, room: &str, name: &str) -> WsClient {
        let token = self.join(browser, room, name).await;
        WsClient::connect(&self.ws_url(room, Some(&token))).await
    }

    /// Opens `room`'s signaling socket as a signed-in member, with the
    /// room token `join_meeting` gives them (under their account name).
    pub async fn connect_member(&self, user: &TestUser, room: &str) -> WsClient {
        self.connect_as(&user.client, room, "").await
    }

    /// Opens `room`'s signaling socket with `user`'s session cookie alone
    /// (no room token).
    pub async fn connect_with_session(&self, user: &TestUser, room: &str) -> WsClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let mut request = self
            .ws_url(room, None)
            .into_client_request()
            .expect("WebSocket request");
        request.headers_mut().insert(
            "cookie",
            user.cookie_header(self).parse().expect("cookie header"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .unwrap_or_else(|e| panic!("WebSocket upgrade with a session cookie: {e}"));
        WsClient { stream }
    }

    /// A connection pool on the server's database, for checking what it
    /// stored.
    pub async fn db(&self) -> convene::db::Db {
        convene::db::connect(&self.database_url)
            .await
            .expect("the test database")
    }
}

impl TestUser {
    /// The `Cookie` header this user's browser sends to `app`.
    pub fn cookie_header(&self, app: &TestApp) -> String {
        use reqwest::cookie::CookieStore as _;
        let url = app.base.parse().expect("base URL");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A signed-in account and its browser.
pub struct TestUser {
    pub client: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub email: String,
    pub password: String,
    pub name: String,
}

/// A signaling client: a real WebSocket.
pub struct WsClient {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Opens the socket; panics if the upgrade is refused.
    pub async fn connect(url: &str) -> WsClient {
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("WebSocket upgrade of {url}: {e}"));
        WsClient { stream }
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        let text = serde_json::to_string(message).expect("encode");
        self.send_raw(&text).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("send on the signaling socket");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.stream
            .send(Message::Binary(bytes.into()))
            .await
            .expect("send on the signaling socket");
    }

    /// The next protocol message (control frames are skipped; reading
    /// also answers the server's pings). Panics after [`PATIENCE`].
    pub async fn recv(&mut self) -> ServerMessage {
        self.recv_within(PATIENCE)
            .await
            .unwrap_or_else(|| panic!("no message within {PATIENCE:?}"))
    }

    /// The next protocol message, or `None` when nothing came within
    /// `wait` or the socket closed.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<ServerMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(text.as_str()).unwrap_or_else(|e| {
                        panic!("server sent something that is not a ServerMessage: {text}: {e}")
                    }))
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Leaves standby: sends `join` (under the token's name) and returns
    /// the `welcome` that answers it.
    pub async fn welcome(&mut self) -> Welcome {
        self.join_with(None).await;
        self.expect_welcome().await
    }

    /// Sends `join` (under the token's name), resuming `resume` if given.
    pub async fn join_with(&mut self, resume: Option<String>) {
        self.send(&ClientMessage::Join {
            name: String::new(),
            resume,
        })
        .await;
    }

    /// The next message, which must be a `welcome`.
    pub async fn expect_welcome(&mut self) -> Welcome {
        match self.recv().await {
            ServerMessage::Welcome {
                you,
                role,
                access,
                audio_only,
                resume,
                resumed,
                peers,
                chat,
                ice_servers,
                lobby,
            } => Welcome {
                you,
                role,
                access,
                audio_only,
                resume,
                resumed,
                peers,
                chat,
                ice_servers,
                lobby,
            },
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    /// The next message, which must be `peer_joined`; returns the peer.
    pub async fn peer_joined(&mut self) -> convene::meeting::protocol::PeerInfo {
        match self.recv().await {
            ServerMessage::PeerJoined { peer } => peer,
            other => panic!("expected peer_joined, got {other:?}"),
        }
    }

    /// The next message, which must be `peer_updated`; returns the peer.
    pub async fn peer_updated(&mut self) -> convene::meeting::protocol::PeerInfo {
        match self.recv().await {
            ServerMessage::PeerUpdated { peer } => peer,
            other => panic!("expected peer_updated, got {other:?}"),
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Drops the connection the way a lost network does: the TCP stream
    /// goes away without a WebSocket close frame.
    pub fn drop_abruptly(self) {
        drop(self.stream);
    }

    /// Sends every text as fast as possible, ignoring failures (the
    /// server may cut the connection part way).
    pub async fn flood(&mut self, texts: impl IntoIterator<Item = String>) {
        for text in texts {
            if self.stream.feed(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        let _ = self.stream.flush().await;
    }

    /// The next message must be `closed` with `reason`, and then the
    /// server must close the socket.
    pub async fn expect_closed(&mut self, reason: convene::meeting::protocol::CloseReason) {
        assert_eq!(self.recv().await, ServerMessage::Closed { reason });
        self.expect_end().await;
    }

    /// The server closes the socket with nothing more said.
    pub async fn expect_end(&mut self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => panic!("the server did not close the socket within {PATIENCE:?}"),
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return,
                Ok(Some(Ok(Message::Text(text)))) => {
                    panic!("expected the socket to close, got {text}")
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}

/// The parts of a `welcome` tests look at.
#[derive(Debug)]
pub struct Welcome {
    pub you: convene::meeting::protocol::PeerId,
    pub role: convene::meeting::protocol::RoomRole,
    pub access: convene::meeting::protocol::RoomAccess,
    pub audio_only: bool,
    pub resume: String,
    pub resumed: bool,
    pub peers: Vec<convene::meeting::protocol::PeerInfo>,
    pub chat: Vec<convene::chat::ChatMessage>,
    pub ice_servers: Vec<convene::meeting::protocol::IceServer>,
    pub lobby: Vec<convene::meeting::protocol::Knock>,
}

/// The form of a meeting on Wednesday 2026-11-25, 15:00–15:45 in Tokyo
/// (06:00 UTC), with `invitees`.
pub fn tokyo_form<'a>(title: &'a str, invitees: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("date", "2026-11-25"),
        ("time", "15:00"),
        ("duration_min", "45"),
        ("time_zone", "Asia/Tokyo"),
        ("invitees", invitees),
    ]
}

/// A server (default settings) with one meeting organized by Ann; returns
/// the room.
pub async fn app_with_room() -> (TestApp, String) {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    (app, room)
}

/// Asserts that `message` is the error `expected`.
pub fn expect_error(message: ServerMessage, expected: convene::meeting::protocol::ErrorCode) {
    match message {
        ServerMessage::Error { code, .. } => assert_eq!(code, expected),
        other => panic!("expected error {expected:?}, got {other:?}"),
    }
}
