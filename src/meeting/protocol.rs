//! Signaling wire format, shared by the hub and the browser.
//!
//! One JSON object per WebSocket text frame, tagged by `type`
//! (`snake_case`). [`ClientMessage`] goes browser → server,
//! [`ServerMessage`] server → browser. The server never trusts a sender
//! field from the browser: it fills in `from` itself. SDP is carried as
//! opaque text (RFC 8866 via JSEP, RFC 9429); ICE candidates are trickled
//! one by one as they are gathered (RFC 8838).

use crate::chat::ChatMessage;
use serde::{Deserialize, Serialize};

/// A participant's id within one room, assigned by the server on join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerId(pub u64);

impl std::fmt::Display for PeerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A participant's role in a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    Host,
    Participant,
}

/// Who is in the room, as the others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub id: PeerId,
    pub name: String,
    pub role: RoomRole,
    /// Microphone on.
    pub audio: bool,
    /// Camera on.
    pub video: bool,
}

/// One ICE candidate, as `RTCIceCandidateInit` (W3C WebRTC §4.8.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
}

/// One entry of `RTCConfiguration.iceServers` (W3C WebRTC §4.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Browser → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Enter the room (the socket waits in standby until this). `name`
    /// may be empty for members, who then appear under their account name.
    Join {
        #[serde(default)]
        name: String,
    },
    /// An SDP offer for peer `to`.
    Offer { to: PeerId, sdp: String },
    /// An SDP answer for peer `to`.
    Answer { to: PeerId, sdp: String },
    /// A trickled ICE candidate for peer `to`; `None` marks end of candidates.
    Candidate {
        to: PeerId,
        candidate: Option<IceCandidate>,
    },
    /// Microphone/camera state changed.
    Media { audio: bool, video: bool },
    /// A chat message for everyone in the room.
    Chat { text: String },
    /// Leaving on purpose (the socket closes next).
    Leave,
}

/// Why the server refused a message; the connection stays open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not a known message shape.
    Malformed,
    /// Larger than [`MAX_MESSAGE_BYTES`].
    TooLarge,
    /// The addressed peer is not in this room.
    UnknownPeer,
    /// The chat text is empty or too long.
    InvalidChat,
    /// Too many messages too fast.
    RateLimited,
    /// The server could not do it (e.g. the database is down).
    Internal,
    /// Anything but `join` (or `leave`) before joining.
    NotJoined,
    /// `join` a second time.
    AlreadyJoined,
    /// `join` without a usable name, from a guest.
    NameRequired,
}

/// Server → browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to `join`: your id, who is already here (they expect
    /// your offers), the recent chat, and the ICE servers to use.
    Welcome {
        you: PeerId,
        peers: Vec<PeerInfo>,
        chat: Vec<ChatMessage>,
        ice_servers: Vec<IceServer>,
    },
    /// Someone joined; they will send you an offer.
    PeerJoined {
        peer: PeerInfo,
    },
    /// Someone left or their connection timed out.
    PeerLeft {
        peer: PeerId,
    },
    Offer {
        from: PeerId,
        sdp: String,
    },
    Answer {
        from: PeerId,
        sdp: String,
    },
    Candidate {
        from: PeerId,
        candidate: Option<IceCandidate>,
    },
    Media {
        from: PeerId,
        audio: bool,
        video: bool,
    },
    Chat {
        message: ChatMessage,
    },
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// Largest text frame the hub accepts, bytes. SDP with many codecs stays
/// far below it.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_client(message: ClientMessage) {
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(
            serde_json::from_str::<ClientMessage>(&json).unwrap(),
            message
        );
    }

    fn round_trip_server(message: ServerMessage) {
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&json).unwrap(),
            message
        );
    }

    #[test]
    fn client_messages_round_trip() {
        round_trip_client(ClientMessage::Offer {
            to: PeerId(3),
            sdp: "v=0\r\n".into(),
        });
        round_trip_client(ClientMessage::Answer {
            to: PeerId(4),
            sdp: "v=0".into(),
        });
        round_trip_client(ClientMessage::Candidate {
            to: PeerId(5),
            candidate: Some(IceCandidate {
                candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            }),
        });
        round_trip_client(ClientMessage::Candidate {
            to: PeerId(5),
            candidate: None,
        });
        round_trip_client(ClientMessage::Media {
            audio: false,
            video: true,
        });
        round_trip_client(ClientMessage::Chat {
            text: "привет <b>".into(),
        });
        round_trip_client(ClientMessage::Leave);
        round_trip_client(ClientMessage::Join {
            name: "Анна".into(),
        });
        assert_eq!(
            serde_json::from_str::<ClientMessage>(r#"{"type":"join"}"#).unwrap(),
            ClientMessage::Join {
                name: String::new()
            }
        );
    }

    #[test]
    fn server_messages_round_trip() {
        let peer = PeerInfo {
            id: PeerId(1),
            name: "Анна".into(),
            role: RoomRole::Host,
            audio: true,
            video: false,
        };
        round_trip_server(ServerMessage::Welcome {
            you: PeerId(2),
            peers: vec![peer.clone()],
            chat: vec![ChatMessage {
                id: "m1".into(),
                from_name: "Анна".into(),
                text: "hi".into(),
                sent_at_ms: 1_700_000_000_000,
            }],
            ice_servers: vec![IceServer {
                urls: vec!["stun:127.0.0.1:3478".into()],
                username: None,
                credential: None,
            }],
        });
        round_trip_server(ServerMessage::PeerJoined { peer });
        round_trip_server(ServerMessage::PeerLeft { peer: PeerId(1) });
        round_trip_server(ServerMessage::Error {
            code: ErrorCode::UnknownPeer,
            message: "no such peer".into(),
        });
    }

    #[test]
    fn wire_format_is_tagged_snake_case() {
        let json = serde_json::to_value(ClientMessage::Offer {
            to: PeerId(7),
            sdp: "x".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "offer", "to": 7, "sdp": "x"})
        );
        let parsed: ClientMessage =
            serde_json::from_str(r#"{"type":"candidate","to":1,"candidate":{"candidate":"c","sdp_mid":"0","sdp_m_line_index":0}}"#)
                .unwrap();
        assert!(matches!(
            parsed,
            ClientMessage::Candidate {
                to: PeerId(1),
                candidate: Some(_)
            }
        ));
    }

    #[test]
    fn unknown_or_mistyped_messages_are_rejected() {
        for bad in [
            r#"{"type":"nuke"}"#,
            r#"{"type":"offer","to":"x","sdp":1}"#,
            "[]",
            "not json",
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }
}
