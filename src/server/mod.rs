//! The composition root (ssr only): opens the database, builds each
//! feature's state once, provides it to pages and server functions as
//! separate context values, and serves HTTP and WebSocket routes.

pub mod config;
pub mod context;
pub mod telemetry;

use crate::app::{shell, App};
use crate::auth::session::{authenticate, AuthLayerState, TokenKeys};
use crate::db::Db;
use crate::jobs::{JobHandler, Jobs, Worker, WorkerOptions};
use crate::meeting::hub::HubHandle;
use crate::meeting::MeetingSettings;
use anyhow::Context as _;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use config::Config;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

/// State shared by the axum handlers that live outside Leptos.
#[derive(Clone, axum::extract::FromRef)]
pub struct ServerState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub keys: TokenKeys,
    pub hub: HubHandle,
    pub meeting: MeetingSettings,
    pub mailer: crate::mail::Mailer,
    pub jobs: Jobs,
    pub origin: crate::calendar::feed::PublicOrigin,
    pub inbox: crate::notify::inbox::Inbox,
    pub push: crate::notify::push::Push,
}

/// A server that is listening.
pub struct Running {
    /// The bound address (useful when the configured port was 0).
    pub addr: SocketAddr,
    /// Resolves when the server has stopped.
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Sending on this stops the server gracefully.
    pub shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Serves until SIGINT/SIGTERM, then drains connections.
///
/// # Errors
/// Start-up failures (database, migrations, bind) and server errors.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let running = start(config).await?;
    tracing::info!("listening on http://{}", running.addr);
    let shutdown = running.shutdown;
    let mut task = running.task;
    tokio::select! {
        result = &mut task => return result.context("server task")?,
        () = shutdown_signal() => {}
    }
    tracing::info!("shutting down");
    let _ = shutdown.send(());
    task.await.context("server task")?
}

/// Opens the database, runs migrations, binds `config.site_addr` and serves
/// in a background task.
///
/// # Errors
/// When the database cannot be opened or migrated, or the address is taken.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let db = crate::db::connect(&config.database_url).await?;
    let keys = TokenKeys::new(config.auth.clone());
    let hub = HubHandle::new(db.clone(), config.meeting.clone());
    let leptos_options = LeptosOptions::builder()
        .output_name(config.output_name.as_str())
        .site_root(config.site_root.as_str())
        .site_pkg_dir(config.site_pkg_dir.as_str())
        .site_addr(config.site_addr)
        .env(Env::PROD)
        .build();
    let state = ServerState {
        leptos_options,
        db: db.clone(),
        keys: keys.clone(),
        hub,
        meeting: config.meeting.clone(),
        mailer: crate::mail::Mailer::new(&config.mail, db.clone())?,
        jobs: Jobs::new(db.clone()),
        origin: crate::calendar::feed::PublicOrigin(config.public_url.clone()),
        inbox: crate::notify::inbox::Inbox::default(),
        push: crate::notify::push::Push::start(db.clone(), config.push.clone()).await?,
    };
    let jobs = state.jobs.clone();
    let state_for_jobs = state.clone();
    state.mailer.spawn_connection_check();
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (LEPTOS_SITE_ADDR / PORT): is another server running there?",
                config.site_addr
            )
        })?;
    let addr = listener.local_addr().context("local address")?;
    // Pages stream in several writes; with Nagle's algorithm each later
    // write waits for the client's delayed ACK (tens of ms per page).
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    let worker = Worker::spawn(
        &jobs,
        job_handlers(&state_for_jobs, addr),
        WorkerOptions::default(),
    );
    let reminder_scan = crate::calendar::notices::spawn_reminder_scan(db.clone());
    let (shutdown, on_shutdown) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = on_shutdown.await;
        })
        .await
        .context("HTTP server");
        // Running jobs get the worker's grace period; the rest run again
        // when their lease expires.
        reminder_scan.abort();
        worker.shutdown().await;
        served
    });
    Ok(Running {
        addr,
        task,
        shutdown,
    })
}

/// The background job handlers: each feature's kinds (reminders, mail,
/// push) are registered here. Jobs of a kind with no handler fail.
fn job_handlers(state: &ServerState, addr: SocketAddr) -> Vec<std::sync::Arc<dyn JobHandler>> {
    let mut handlers = Vec::new();
    handlers.push(crate::notify::inbox::handler(
        state.db.clone(),
        state.inbox.clone(),
    ));
    handlers.extend(crate::calendar::notices::handlers(
        crate::calendar::notices::NoticeContext {
            db: state.db.clone(),
            mailer: state.mailer.clone(),
            keys: state.keys.clone(),
            inbox: state.inbox.clone(),
            origin: state.origin.absolute(addr),
        },
    ));
    handlers.push(crate::notify::push::push_handler(state.push.clone()));
    handlers
}

fn router(state: ServerState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.db.clone());
            provide_context(state.keys.clone());
            provide_context(state.hub.clone());
            provide_context(state.meeting.clone());
            provide_context(state.mailer.clone());
            provide_context(state.jobs.clone());
            provide_context(state.origin.clone());
            provide_context(state.inbox.clone());
            provide_context(state.push.clone());
        }
    };
    let auth_state = AuthLayerState {
        db: state.db.clone(),
        keys: state.keys.clone(),
    };
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/lang/{code}", get(context::switch_language))
        .route("/ws/meeting/{room}", get(crate::meeting::ws::upgrade))
        .route("/ics/meetings/{file}", get(crate::calendar::feed::download))
        .route("/ics/feed/{file}", get(crate::calendar::feed::feed))
        .nest("/api/v1", crate::api::router())
        .route("/events/notifications", get(crate::notify::inbox::stream))
        .leptos_routes_with_context(&state, routes, context, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(shell))
        .layer(axum::middleware::from_fn(redirect_status))
        .layer(axum::middleware::from_fn(api_error_status))
        .layer(axum::middleware::from_fn(context::resolve_locale))
        .layer(axum::middleware::from_fn_with_state(
            auth_state,
            authenticate,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// A page that rendered `<Redirect>` (e.g. the calendar for a visitor)
/// comes back from leptos_axum with a `Location` header but status 200;
/// make it a real 302 so browsers without JavaScript follow it too.
async fn redirect_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_page = request.method() == axum::http::Method::GET;
    let mut response = next.run(request).await;
    if is_page
        && response.status() == StatusCode::OK
        && response.headers().contains_key(header::LOCATION)
    {
        *response.status_mut() = StatusCode::FOUND;
    }
    response
}

/// Server functions answer every error with 500; give an [`AppError`] its
/// own status (400 invalid input, 401, 403, 404) so clients and logs can
/// tell a typo from an outage. The body is unchanged.
///
/// [`AppError`]: crate::error::AppError
async fn api_error_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // `/api/v1` sets its own statuses and JSON bodies.
    let path = request.uri().path();
    let is_api = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few dozen bytes; anything larger is not ours.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// `GET /ready`: 200 when the database answers, 503 otherwise.
async fn ready(axum::extract::State(db): axum::extract::State<Db>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&db).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
