//! Convene: self-hosted meetings — a calendar to schedule them, browser video
//! calls to hold them, chat beside them.
//!
//! One crate, two targets: with `ssr` it is the axum server (see [`server`]),
//! with `hydrate` it is the WASM bundle that hydrates the server-rendered
//! pages. Modules are split by feature; imports run downwards only:
//! `server` → `app` → features (`meeting` → `chat`, `auth`) → shared ground
//! (`error`, `i18n`, `db`, `zone`).

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod auth;
pub mod calendar;
pub mod chat;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod meeting;
pub mod notify;
pub mod settings;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod zone;

/// Browser entry point: hydrates the server-rendered `<body>`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
