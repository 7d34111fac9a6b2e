//! Sessions: a JWT (RFC 7519, HS256) in an `HttpOnly; SameSite=Lax` cookie,
//! backed by a `sessions` row.
//!
//! The token is short-lived ([`AuthSettings::token_ttl_ms`]); the row lives
//! for [`AuthSettings::session_ttl_ms`]. [`authenticate`] runs on every
//! request: it checks the signature, then the row (so sign-out and bans take
//! effect at once), renews a token that is about to expire, and leaves the
//! result in the request's extensions for pages and server functions
//! ([`viewer`]).

use super::{db, Role, User};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{COOKIE, SET_COOKIE};
use http::HeaderValue;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "convene_session";

/// A secret that is never printed.
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// What the auth feature needs from configuration.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// HMAC key for session and room tokens (at least 32 bytes).
    pub secret: Secret,
    /// Add `Secure` to cookies (set when the public URL is https).
    pub secure_cookies: bool,
    /// Lifetime of a session row, ms.
    pub session_ttl_ms: i64,
    /// Lifetime of one session JWT, ms; renewed while the row lives.
    pub token_ttl_ms: i64,
}

/// Signing keys derived from [`AuthSettings::secret`], made once at start-up
/// and shared (cheap to clone).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
    pub settings: AuthSettings,
}

impl TokenKeys {
    pub fn new(settings: AuthSettings) -> Self {
        let secret = settings.secret.expose().as_bytes();
        TokenKeys {
            encoding: Arc::new(EncodingKey::from_secret(secret)),
            decoding: Arc::new(DecodingKey::from_secret(secret)),
            settings,
        }
    }

    /// Signs `claims` with HS256.
    ///
    /// # Errors
    /// [`AppError::Internal`] if serialization fails.
    pub fn sign<T: Serialize>(&self, claims: &T) -> AppResult<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AppError::internal("jwt encode", e))
    }

    /// Verifies signature and audience; `check_expiry` also rejects expired
    /// tokens (with no leeway).
    pub fn verify<T: for<'de> Deserialize<'de>>(
        &self,
        token: &str,
        audience: &str,
        check_expiry: bool,
    ) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.validate_exp = check_expiry;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Claims of a session token.
#[derive(Debug, Serialize, Deserialize)]
struct SessionClaims {
    /// User id.
    sub: String,
    /// Session row id.
    sid: String,
    role: Role,
    aud: String,
    /// Expiry, seconds since the Unix epoch (RFC 7519 `NumericDate`).
    exp: i64,
    iat: i64,
}

const SESSION_AUDIENCE: &str = "session";

/// The result of authentication, left in request extensions.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: User,
    pub session_id: String,
    /// Language saved on the account.
    pub locale: Option<Locale>,
}

/// The signed-in user of the current request, if any. Works in pages and
/// server functions (reads the request parts that leptos_axum provides).
pub fn viewer() -> Option<User> {
    current_viewer().map(|v| v.user)
}

/// The full [`Viewer`] of the current request, if signed in.
pub fn current_viewer() -> Option<Viewer> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned())
}

fn session_cookie(keys: &TokenKeys, token: &str, max_age_s: i64) -> AppResult<HeaderValue> {
    let secure = if keys.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .map_err(|e| AppError::internal("session cookie", e))
}

fn mint(keys: &TokenKeys, user_id: &str, session_id: &str, role: Role) -> AppResult<HeaderValue> {
    let now = now_ms();
    let claims = SessionClaims {
        sub: user_id.to_owned(),
        sid: session_id.to_owned(),
        role,
        aud: SESSION_AUDIENCE.to_owned(),
        exp: (now + keys.settings.token_ttl_ms) / 1000,
        iat: now / 1000,
    };
    let token = keys.sign(&claims)?;
    // The cookie outlives the token: an expired token with a live row is
    // renewed by `authenticate`.
    session_cookie(keys, &token, keys.settings.session_ttl_ms / 1000)
}

fn use_keys() -> AppResult<TokenKeys> {
    leptos::prelude::use_context::<TokenKeys>()
        .ok_or_else(|| AppError::internal("context", "TokenKeys not provided"))
}

/// Opens a session for `user_id`: inserts the row and sets the cookie on
/// the response of the current server function.
///
/// # Errors
/// [`AppError::Internal`] on database failure.
pub async fn start(db: &Db, user_id: &str, role: Role) -> AppResult<()> {
    let keys = use_keys()?;
    let session_id = db::insert_session(db, user_id, keys.settings.session_ttl_ms).await?;
    let cookie = mint(&keys, user_id, &session_id, role)?;
    let response = leptos::prelude::expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(SET_COOKIE, cookie);
    Ok(())
}

/// Revokes the current session (if any) and clears the cookie.
///
/// # Errors
/// [`AppError::Internal`] on database failure.
pub async fn end(db: &Db) -> AppResult<()> {
    let keys = use_keys()?;
    if let Some(viewer) = current_viewer() {
        db::revoke_session(db, &viewer.session_id).await?;
    }
    let response = leptos::prelude::expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(SET_COOKIE, session_cookie(&keys, "", 0)?);
    Ok(())
}

/// Reads one cookie from a request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// State for [`authenticate`].
#[derive(Clone)]
pub struct AuthLayerState {
    pub db: Db,
    pub keys: TokenKeys,
}

/// Axum middleware: resolves the session cookie to a [`Viewer`] in the
/// request's extensions and renews a token that expires within a quarter of
/// its lifetime. A bad, expired or revoked session makes the request
/// anonymous and clears the cookie.
pub async fn authenticate(
    State(state): State<AuthLayerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut set_cookie = None;
    if let Some(token) = cookie_value(request.headers(), SESSION_COOKIE).filter(|t| !t.is_empty()) {
        match resolve(&state, token).await {
            Ok(Some((viewer, renew))) => {
                if renew {
                    set_cookie = mint(
                        &state.keys,
                        &viewer.user.id,
                        &viewer.session_id,
                        viewer.user.role,
                    )
                    .ok();
                }
                request.extensions_mut().insert(viewer);
            }
            Ok(None) => set_cookie = session_cookie(&state.keys, "", 0).ok(),
            // A database hiccup must not sign people out: treat the request
            // as anonymous without clearing the cookie.
            Err(_) => {}
        }
    }
    let mut response = next.run(request).await;
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

async fn resolve(state: &AuthLayerState, token: &str) -> AppResult<Option<(Viewer, bool)>> {
    let Some(claims) = state
        .keys
        .verify::<SessionClaims>(token, SESSION_AUDIENCE, false)
    else {
        return Ok(None);
    };
    let Some((user, locale)) = db::find_session_user(&state.db, &claims.sid, &claims.sub).await?
    else {
        return Ok(None);
    };
    let remaining_ms = claims.exp * 1000 - now_ms();
    let renew = remaining_ms < state.keys.settings.token_ttl_ms / 4;
    Ok(Some((
        Viewer {
            user,
            session_id: claims.sid,
            locale,
        },
        renew,
    )))
}
