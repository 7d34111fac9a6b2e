//! Meeting rooms: the page at `/m/{room}`, the signaling hub that relays
//! SDP and ICE between browsers, and the browser side that holds the
//! peer connections.
//!
//! Media never touches the server: browsers form a full mesh, one
//! `RTCPeerConnection` per remote participant, negotiated with the
//! perfect-negotiation pattern (W3C WebRTC §10.7) over the hub.

pub mod call;
pub mod components;
pub mod protocol;
#[cfg(feature = "hydrate")]
pub mod rtc;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod hub;
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
    /// Most participants sending video in one full-mesh room.
    pub mesh_limit: usize,
    /// STUN/TURN URLs handed to browsers (`stun:host:port`, ...).
    pub stun_urls: Vec<String>,
    /// How often the hub pings each socket, ms.
    pub ping_interval_ms: u64,
    /// A socket silent for this long is dropped and its peer removed, ms.
    pub peer_timeout_ms: u64,
    /// Lifetime of a room token, ms (it is used once, right away).
    pub room_token_ttl_ms: i64,
    /// Messages queued for one slow peer before it is disconnected.
    pub peer_queue: usize,
}

impl Default for MeetingSettings {
    fn default() -> Self {
        MeetingSettings {
            mesh_limit: 6,
            stun_urls: Vec::new(),
            ping_interval_ms: 1500,
            peer_timeout_ms: 4500,
            room_token_ttl_ms: 120_000,
            peer_queue: 256,
        }
    }
}

impl MeetingSettings {
    /// The ICE servers browsers are told to use.
    pub fn ice_servers(&self) -> Vec<protocol::IceServer> {
        if self.stun_urls.is_empty() {
            return Vec::new();
        }
        vec![protocol::IceServer {
            urls: self.stun_urls.clone(),
            username: None,
            credential: None,
        }]
    }
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
        None => token::Identity::guest(),
    };
    let token = token::mint(&keys, &room, &identity, &name, settings.room_token_ttl_ms)?;
    Ok(JoinTicket {
        token,
        ws_path: format!("/ws/meeting/{}", room.as_str()),
        name,
    })
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
    fn generated_room_ids_parse_and_differ() {
        let a = RoomId::generate();
        let b = RoomId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert_eq!(RoomId::parse(a.as_str()), Some(a));
    }
}
