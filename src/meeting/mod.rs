//! Meeting rooms: the page at `/m/{room}`, the signaling hub that relays
//! SDP and ICE between browsers, and the browser side that holds the
//! peer connections.
//!
//! Media never touches the server: browsers form a full mesh, one
//! `RTCPeerConnection` per remote participant, negotiated with the
//! perfect-negotiation pattern (W3C WebRTC §10.7) over the hub.

#[cfg(feature = "ssr")]
pub mod actions;
pub mod call;
pub mod components;
mod icons;
mod people;
pub mod protocol;
#[cfg(feature = "hydrate")]
pub mod rtc;
mod stage;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod limit;
#[cfg(feature = "ssr")]
pub mod token;
#[cfg(feature = "ssr")]
pub mod ws;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the meeting feature needs from configuration.
#[derive(Clone, Debug)]
pub struct MeetingSettings {
    /// Most participants sending video in one full-mesh room; later
    /// joiners are audio-only until a place frees up.
    pub mesh_limit: usize,
    /// STUN URLs handed to browsers (`stun:host:port`, ...).
    pub stun_urls: Vec<String>,
    /// TURN URLs (`turn:host:3478?transport=udp`, `turns:...`), handed out
    /// with time-limited credentials when `turn_secret` is set.
    pub turn_urls: Vec<String>,
    /// Shared secret of the TURN server (coturn `static-auth-secret`).
    pub turn_secret: Option<String>,
    /// Lifetime of TURN credentials, seconds.
    pub turn_ttl_s: i64,
    /// How often the hub pings each socket, ms.
    pub ping_interval_ms: u64,
    /// A socket silent for this long is dropped, ms.
    pub peer_timeout_ms: u64,
    /// How long a peer whose socket dropped may resume before the others
    /// are told it left, ms. Silent machine → removed after
    /// `peer_timeout_ms + resume_grace_ms`.
    pub resume_grace_ms: u64,
    /// Lifetime of a room token, ms (it is used once, right away).
    pub room_token_ttl_ms: i64,
    /// Messages queued for one slow peer before it is disconnected.
    pub peer_queue: usize,
    /// Signaling messages one connection may send per second, sustained.
    pub rate_per_s: u32,
    /// ... and in a burst.
    pub rate_burst: u32,
    /// Chat messages one connection may send per second, sustained
    /// (each is a database write).
    pub chat_per_s: u32,
    /// ... and in a burst.
    pub chat_burst: u32,
}

impl Default for MeetingSettings {
    fn default() -> Self {
        MeetingSettings {
            mesh_limit: 6,
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
            turn_ttl_s: 12 * 3600,
            ping_interval_ms: 1000,
            peer_timeout_ms: 2500,
            resume_grace_ms: 2000,
            room_token_ttl_ms: 120_000,
            peer_queue: 256,
            rate_per_s: 200,
            rate_burst: 400,
            chat_per_s: 5,
            chat_burst: 20,
        }
    }
}

impl MeetingSettings {
    /// The ICE servers one participant (`subject`) is told to use: the
    /// STUN URLs, and the TURN URLs with credentials by the TURN REST
    /// scheme that coturn's `use-auth-secret` checks: username
    /// `<expiry unix s>:<user>`, credential
    /// `base64(HMAC-SHA1(secret, username))`.
    #[cfg(feature = "ssr")]
    pub fn ice_servers(&self, subject: &str) -> Vec<protocol::IceServer> {
        let mut servers = Vec::new();
        if !self.stun_urls.is_empty() {
            servers.push(protocol::IceServer {
                urls: self.stun_urls.clone(),
                username: None,
                credential: None,
            });
        }
        if let (false, Some(secret)) = (self.turn_urls.is_empty(), &self.turn_secret) {
            let expiry = crate::db::now_ms() / 1000 + self.turn_ttl_s;
            // coturn splits the username at its first ':'.
            let username = format!("{expiry}:{}", subject.replace(':', "-"));
            servers.push(protocol::IceServer {
                urls: self.turn_urls.clone(),
                credential: Some(turn_credential(secret, &username)),
                username: Some(username),
            });
        }
        servers
    }
}

/// `base64(HMAC-SHA1(secret, username))`, the TURN REST credential
/// (draft-uberti-behave-turn-rest-00 §2.2, as coturn implements it).
#[cfg(feature = "ssr")]
pub fn turn_credential(secret: &str, username: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The unguessable part of a meeting link (`/m/{room}`): 22 characters of
/// base64url, 128 random bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoomId(String);

impl RoomId {
    /// Accepts what [`RoomId::generate`] makes (and nothing that could
    /// smuggle path or query syntax).
    pub fn parse(raw: &str) -> Option<RoomId> {
        let ok = (16..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| RoomId(raw.to_owned()))
    }

    /// A fresh random room id.
    #[cfg(feature = "ssr")]
    pub fn generate() -> RoomId {
        use base64::Engine as _;
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        RoomId(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the room page shows before joining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingInfo {
    pub room: String,
    pub title: String,
    pub organizer_name: String,
    /// Start, Unix ms (UTC).
    pub starts_at_ms: i64,
    /// Start as text in the viewer's zone and language.
    pub when_label: String,
    /// The signed-in viewer's display name; `None` for guests.
    pub viewer_name: Option<String>,
}

/// What the browser needs to open the signaling socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinTicket {
    /// Room token (JWT), passed as `?token=` on the WebSocket URL.
    pub token: String,
    /// Path of the signaling socket, `/ws/meeting/{room}`.
    pub ws_path: String,
    /// The name the others will see.
    pub name: String,
}

/// The meeting behind a room link.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown or malformed room.
#[server(endpoint = "get_room")]
pub async fn get_room(room: String) -> AppResult<MeetingInfo> {
    let room = RoomId::parse(&room).ok_or(AppError::NotFound)?;
    let db = crate::db::use_db()?;
    let meeting = db::find_by_room(&db, &room)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = crate::auth::session::viewer();
    let zone = viewer
        .as_ref()
        .map(|u| u.time_zone.clone())
        .unwrap_or_else(|| meeting.time_zone.clone());
    let locale = crate::i18n::request_locale();
    Ok(MeetingInfo {
        room: room.as_str().to_owned(),
        title: meeting.title,
        organizer_name: meeting.organizer_name,
        starts_at_ms: meeting.starts_at_ms,
        when_label: crate::zone::format_range(
            meeting.starts_at_ms,
            meeting.ends_at_ms,
            &zone,
            locale,
        ),
        viewer_name: viewer.map(|u| u.display_name),
    })
}

/// Issues a room token for the caller: members join under their account
/// (host if they organized the meeting), guests under the name they typed.
/// The name may be empty (then it comes with the socket's `join`).
///
/// # Errors
/// [`AppError::NotFound`] for an unknown room;
/// [`crate::error::Invalid::DisplayNameTooLong`] for a name that is there
/// but too long.
#[server(endpoint = "join_meeting")]
pub async fn join_meeting(
    room: String,
    #[server(default)] display_name: String,
) -> AppResult<JoinTicket> {
    use crate::auth::DisplayName;
    let room = RoomId::parse(&room).ok_or(AppError::NotFound)?;
    let db = crate::db::use_db()?;
    let meeting = db::find_by_room(&db, &room)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = crate::auth::session::viewer();
    // A guest may leave the name empty here and give it with `join` on
    // the socket (the pre-join screen fetches its ticket before the name
    // is typed); a name that is there must be valid.
    let name = match (&viewer, display_name.trim().is_empty()) {
        (Some(user), true) => user.display_name.clone(),
        (None, true) => String::new(),
        (_, false) => DisplayName::parse(&display_name)?.into_inner(),
    };
    let keys = use_context::<crate::auth::session::TokenKeys>()
        .ok_or_else(|| AppError::internal("context", "TokenKeys not provided"))?;
    let settings = use_context::<MeetingSettings>().unwrap_or_default();
    let identity = match &viewer {
        Some(user) if user.id == meeting.organizer_id => token::Identity::host(&user.id),
        Some(user) => token::Identity::member(&user.id),
        None => token::Identity::guest(&guest_id()?),
    };
    if db::is_removed(&db, &meeting.id, identity.subject()).await? {
        return Err(AppError::Forbidden);
    }
    let token = token::mint(&keys, &room, &identity, &name, settings.room_token_ttl_ms)?;
    Ok(JoinTicket {
        token,
        ws_path: format!("/ws/meeting/{}", room.as_str()),
        name,
    })
}

/// Name of the cookie that keeps a guest's random id, so the hub knows
/// the same browser again (a removal holds for it).
#[cfg(feature = "ssr")]
const GUEST_COOKIE: &str = "convene_guest";

/// The guest id from the guest cookie, or a new one with the cookie set
/// (a year, `HttpOnly; SameSite=Lax`).
#[cfg(feature = "ssr")]
fn guest_id() -> AppResult<String> {
    let existing = use_context::<http::request::Parts>().and_then(|parts| {
        crate::auth::session::cookie_value(&parts.headers, GUEST_COOKIE)
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_owned)
    });
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = crate::db::new_id().replace('-', "");
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = http::HeaderValue::from_str(&format!(
            "{GUEST_COOKIE}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
        ))
        .map_err(|e| AppError::internal("guest cookie", e))?;
        response.append_header(http::header::SET_COOKIE, cookie);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_are_checked() {
        assert!(RoomId::parse("abcdefghijklmnopqrstuv").is_some());
        assert!(RoomId::parse("short").is_none());
        assert!(RoomId::parse("abcdefghijklmnop/../x").is_none());
        assert!(RoomId::parse("abcdefghijklmnop?x=1").is_none());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn turn_credentials_follow_the_rest_scheme() {
        // Known answer: HMAC-SHA1("secret", "1700000000:user-1"), base64.
        assert_eq!(
            turn_credential("secret", "1700000000:user-1"),
            "4Mf1qnpiiPUvXdzLsfEdbClBIEQ="
        );
        let settings = MeetingSettings {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
            turn_secret: Some("secret".into()),
            ..MeetingSettings::default()
        };
        let servers = settings.ice_servers("user:abc");
        assert_eq!(servers.len(), 2);
        let turn = &servers[1];
        let username = turn.username.clone().unwrap();
        let (expiry, user) = username.split_once(':').unwrap();
        assert_eq!(user, "user-abc");
        let expiry: i64 = expiry.parse().unwrap();
        let now = crate::db::now_ms() / 1000;
        assert!((now + settings.turn_ttl_s - expiry).abs() < 5);
        assert_eq!(
            turn.credential.as_deref(),
            Some(turn_credential("secret", &username).as_str())
        );
        let no_turn = MeetingSettings::default().ice_servers("user:abc");
        assert!(no_turn.is_empty());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn generated_room_ids_parse_and_differ() {
        let a = RoomId::generate();
        let b = RoomId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert_eq!(RoomId::parse(a.as_str()), Some(a));
    }
}
