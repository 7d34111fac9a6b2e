//! Per-request context that pages need: the locale.

use crate::auth::session::{cookie_value, Viewer};
use crate::db::Db;
use crate::i18n::{Locale, LANG_COOKIE};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Middleware: picks the request's [`Locale`] — the `lang` cookie, then the
/// account's setting, then `Accept-Language`, then English — and leaves it
/// in the request's extensions.
pub async fn resolve_locale(mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let locale = cookie_value(headers, LANG_COOKIE)
        .and_then(Locale::from_code)
        .or_else(|| request.extensions().get::<Viewer>().and_then(|v| v.locale))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default();
    request.extensions_mut().insert(locale);
    next.run(request).await
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: remembers the language in a cookie (and
/// on the account when signed in) and goes back to `next`. A plain link, so
/// it works without JavaScript.
pub async fn switch_language(
    State(db): State<Db>,
    Path(code): Path<String>,
    Query(query): Query<NextQuery>,
    request: Request,
) -> Response {
    let next = crate::auth::safe_next(query.next.as_deref().unwrap_or("/"));
    let Some(locale) = Locale::from_code(&code) else {
        return Redirect::to(&next).into_response();
    };
    if let Some(viewer) = request.extensions().get::<Viewer>() {
        if let Err(error) = crate::auth::db::set_user_locale(&db, &viewer.user.id, locale).await {
            tracing::warn!(?error, "could not save the account language");
        }
    }
    let mut response = Redirect::to(&next).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.code()
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
