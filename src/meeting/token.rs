//! Room tokens: a short-lived JWT (HS256) that admits one participant to
//! one room's signaling socket, checked before the WebSocket upgrade.

use super::protocol::RoomRole;
use super::RoomId;
use crate::auth::session::TokenKeys;
use crate::db::now_ms;
use crate::error::AppResult;
use serde::{Deserialize, Serialize};

const ROOM_AUDIENCE: &str = "room";

/// Who a room token is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Account id for members; `None` for guests.
    pub user_id: Option<String>,
    pub role: RoomRole,
    /// Stable key: `user:<id>` or `guest:<random>`.
    subject: String,
}

impl Identity {
    pub fn host(user_id: &str) -> Identity {
        Identity {
            user_id: Some(user_id.to_owned()),
            role: RoomRole::Host,
            subject: format!("user:{user_id}"),
        }
    }

    pub fn member(user_id: &str) -> Identity {
        Identity {
            user_id: Some(user_id.to_owned()),
            role: RoomRole::Participant,
            subject: format!("user:{user_id}"),
        }
    }

    /// A guest, known by the random id kept in their browser's guest
    /// cookie (so a removal holds for that browser).
    pub fn guest(guest_id: &str) -> Identity {
        Identity {
            user_id: None,
            role: RoomRole::Participant,
            subject: format!("guest:{guest_id}"),
        }
    }

    /// Stable key of this participant: `user:<id>` or `guest:<id>`.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct RoomClaims {
    sub: String,
    room: String,
    name: String,
    role: RoomRole,
    aud: String,
    /// Seconds since the Unix epoch.
    exp: i64,
    iat: i64,
}

/// A verified room token.
#[derive(Clone, Debug)]
pub struct Admission {
    pub identity: Identity,
    pub name: String,
}

/// Signs a room token valid for `ttl_ms`.
///
/// # Errors
/// [`crate::error::AppError::Internal`] if signing fails.
pub fn mint(
    keys: &TokenKeys,
    room: &RoomId,
    identity: &Identity,
    name: &str,
    ttl_ms: i64,
) -> AppResult<String> {
    let now = now_ms();
    keys.sign(&RoomClaims {
        sub: identity.subject.clone(),
        room: room.as_str().to_owned(),
        name: name.to_owned(),
        role: identity.role,
        aud: ROOM_AUDIENCE.to_owned(),
        exp: (now + ttl_ms) / 1000,
        iat: now / 1000,
    })
}

/// Verifies a room token for `room`: signature, audience, expiry, room.
pub fn verify(keys: &TokenKeys, token: &str, room: &RoomId) -> Option<Admission> {
    let claims: RoomClaims = keys.verify(token, ROOM_AUDIENCE, true)?;
    if claims.room != room.as_str() {
        return None;
    }
    let user_id = claims.sub.strip_prefix("user:").map(str::to_owned);
    Some(Admission {
        identity: Identity {
            user_id,
            role: claims.role,
            subject: claims.sub,
        },
        name: claims.name,
    })
}
