//! Signaling wire format, shared by the hub and the browser.
//!
//! One JSON object per WebSocket text frame, tagged by `type`
//! (`snake_case`). [`ClientMessage`] goes browser → server,
//! [`ServerMessage`] server → browser. The server never trusts a sender
//! field from the browser: it fills in `from` itself. SDP is carried as
//! opaque text (RFC 8866 via JSEP, RFC 9429); ICE candidates are trickled
//! one by one as they are gathered (RFC 8838).
//!
//! Moderation (lobby, lock, mute, remove, end) is decided by the hub from
//! the sender's [`RoomRole`]; a participant sending a host message gets
//! [`ErrorCode::Forbidden`] and nothing happens.

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

/// A participant's role in a room. The meeting's organizer is `Host`; the
/// host may make others `CoHost`, who moderate like the host but cannot
/// act on the host nor change roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    Host,
    CoHost,
    Participant,
}

impl RoomRole {
    /// May admit, mute, remove, lock and end.
    pub fn moderates(self) -> bool {
        matches!(self, RoomRole::Host | RoomRole::CoHost)
    }
}

/// Who may enter without knocking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomAccess {
    /// Anyone with the link.
    #[default]
    Open,
    /// Members (signed-in accounts) enter; guests knock.
    AskToJoin,
    /// Everyone but the host and co-hosts knocks.
    Locked,
}

/// Which of a participant's tracks a moderator turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Video,
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
    /// Sharing a screen (sent as an extra video track).
    #[serde(default)]
    pub screen: bool,
    /// Hand raised: its place in the order hands went up (smaller first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand: Option<u64>,
    /// Joined above the mesh limit: may receive but not send video.
    #[serde(default)]
    pub audio_only: bool,
    /// Their signaling socket dropped; they have a grace window to resume.
    #[serde(default)]
    pub reconnecting: bool,
}

/// Someone waiting in the lobby, as moderators see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Knock {
    pub id: PeerId,
    pub name: String,
    /// Signed in (a member) rather than a guest.
    pub member: bool,
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

/// One entry of `RTCConfiguration.iceServers` (W3C WebRTC §4.2.2). TURN
/// entries carry time-limited credentials (TURN REST scheme).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The emoji a reaction may carry; anything else is refused.
pub const REACTIONS: [&str; 6] = ["👍", "👏", "❤️", "😂", "😮", "🎉"];

/// Browser → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Enter the room (the socket waits in standby until this). `name`
    /// may be empty for members, who then appear under their account name.
    /// `resume` is the token from a previous `welcome`: within the grace
    /// window the same peer comes back instead of a new one.
    Join {
        #[serde(default)]
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
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
    /// Microphone, camera and screen-share state changed.
    Media {
        audio: bool,
        video: bool,
        #[serde(default)]
        screen: bool,
    },
    /// A chat message for everyone, or privately for peer `to`.
    Chat {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<PeerId>,
    },
    /// Raise or lower one's own hand.
    Hand { raised: bool },
    /// A short-lived emoji reaction, one of [`REACTIONS`].
    React { emoji: String },
    /// Moderators: delete a chat message for everyone.
    DeleteChat { id: String },
    /// Moderators: who may enter without knocking.
    SetAccess { access: RoomAccess },
    /// Moderators: let someone in from the lobby.
    Admit { peer: PeerId },
    /// Moderators: let everyone in the lobby in.
    AdmitAll,
    /// Moderators: turn someone away from the lobby.
    Deny { peer: PeerId },
    /// Moderators: turn everyone in the lobby away.
    DenyAll,
    /// Moderators: ask someone to turn their microphone on.
    AskUnmute { peer: PeerId },
    /// Moderators: turn someone's microphone or camera off.
    Mute { peer: PeerId, track: TrackKind },
    /// Moderators: lower someone's hand.
    LowerHand { peer: PeerId },
    /// Moderators: remove someone; they cannot rejoin this meeting.
    Remove { peer: PeerId },
    /// Host only: make someone a co-host or a participant again.
    SetRole { peer: PeerId, role: RoomRole },
    /// Moderators: end the meeting for everyone.
    EndMeeting,
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
    /// Too many messages too fast; they are dropped, and a client that
    /// keeps on is disconnected.
    RateLimited,
    /// The server could not do it (e.g. the database is down).
    Internal,
    /// Anything but `join` (or `leave`) before joining, or while waiting
    /// in the lobby.
    NotJoined,
    /// `join` a second time.
    AlreadyJoined,
    /// `join` without a usable name, from a guest.
    NameRequired,
    /// A moderator's message from someone who is not one, or aimed at
    /// someone it may not touch (the host, oneself).
    Forbidden,
    /// An audio-only participant (above the mesh limit) tried to send video.
    VideoLimit,
    /// A reaction outside [`REACTIONS`].
    InvalidReaction,
    /// No such chat message, or no such person in the lobby.
    NotFound,
}

/// Why the server is closing this connection (sent last, then the socket
/// closes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// A moderator removed you; you cannot rejoin this meeting.
    Removed,
    /// A moderator ended the meeting for everyone.
    Ended,
    /// A moderator turned you away from the lobby.
    Denied,
    /// Too many messages; you were disconnected.
    RateLimited,
    /// The same participant resumed on another connection.
    Replaced,
}

/// Server → browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to `join` (or to admission from the lobby): your id and
    /// role, who is already here (they expect your offers), the recent
    /// chat, the ICE servers to use, and the token that resumes this
    /// peer after a dropped socket. `resumed` is true when that happened:
    /// the others kept you, so keep your peer connections.
    Welcome {
        you: PeerId,
        role: RoomRole,
        access: RoomAccess,
        /// Above the mesh limit: send no video.
        audio_only: bool,
        resume: String,
        resumed: bool,
        peers: Vec<PeerInfo>,
        chat: Vec<ChatMessage>,
        ice_servers: Vec<IceServer>,
        /// Who is knocking (moderators only; empty for others).
        lobby: Vec<Knock>,
    },
    /// You are in the lobby: a moderator must admit you.
    Waiting,
    /// Moderators: who is knocking now (the whole list, after each change).
    Lobby {
        knocks: Vec<Knock>,
    },
    /// Someone joined; they will send you an offer.
    PeerJoined {
        peer: PeerInfo,
    },
    /// Someone left or their connection timed out.
    PeerLeft {
        peer: PeerId,
    },
    /// Someone's state changed (media, hand, role, audio-only,
    /// reconnecting); this may be about you.
    PeerUpdated {
        peer: PeerInfo,
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
    /// A chat message; `private` ones went to one person only.
    Chat {
        message: ChatMessage,
    },
    /// A moderator deleted a chat message.
    ChatDeleted {
        id: String,
    },
    /// An emoji reaction from `from`.
    Reaction {
        from: PeerId,
        emoji: String,
    },
    /// The room's access changed (lock / ask to join / open).
    Access {
        access: RoomAccess,
    },
    /// A moderator asks you to turn your microphone on.
    UnmuteRequest {
        by: PeerId,
    },
    /// A moderator turned your microphone or camera off (the others
    /// already see it off).
    MutedBy {
        by: PeerId,
        track: TrackKind,
    },
    /// The connection is over, and why.
    Closed {
        reason: CloseReason,
    },
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// WebSocket close code a client sends when it drops a socket it is about
/// to replace (e.g. after its network changed): the hub keeps its peer for
/// the resume instead of telling the others it left.
pub const RESUMING_CLOSE_CODE: u16 = 4000;

/// Largest text frame the hub accepts, bytes. SDP with many codecs stays
/// far below it.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Whether an SDP offer or answer sends video: an `m=video` section with a
/// non-zero port whose direction is `sendrecv` (the default) or `sendonly`
/// (RFC 8866 §6.7, RFC 3264 §6). Used to hold audio-only participants to
/// the mesh limit.
pub fn sdp_sends_video(sdp: &str) -> bool {
    let mut in_video = false;
    let mut sends = false;
    for line in sdp.lines() {
        let line = line.trim_end();
        if let Some(media) = line.strip_prefix("m=") {
            if in_video && sends {
                return true;
            }
            let mut fields = media.split_whitespace();
            in_video = fields.next() == Some("video") && fields.next() != Some("0");
            sends = true;
        } else if in_video {
            match line {
                "a=recvonly" | "a=inactive" => sends = false,
                "a=sendrecv" | "a=sendonly" => sends = true,
                _ => {}
            }
        }
    }
    in_video && sends
}

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
            screen: true,
        });
        round_trip_client(ClientMessage::Chat {
            text: "привет <b>".into(),
            to: None,
        });
        round_trip_client(ClientMessage::Chat {
            text: "psst".into(),
            to: Some(PeerId(9)),
        });
        round_trip_client(ClientMessage::Leave);
        round_trip_client(ClientMessage::Join {
            name: "Анна".into(),
            resume: Some("r".into()),
        });
        round_trip_client(ClientMessage::Mute {
            peer: PeerId(2),
            track: TrackKind::Video,
        });
        round_trip_client(ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        });
        round_trip_client(ClientMessage::SetRole {
            peer: PeerId(2),
            role: RoomRole::CoHost,
        });
        round_trip_client(ClientMessage::AdmitAll);
        assert_eq!(
            serde_json::from_str::<ClientMessage>(r#"{"type":"join"}"#).unwrap(),
            ClientMessage::Join {
                name: String::new(),
                resume: None,
            }
        );
        // Older clients send media without `screen`.
        assert_eq!(
            serde_json::from_str::<ClientMessage>(r#"{"type":"media","audio":true,"video":false}"#)
                .unwrap(),
            ClientMessage::Media {
                audio: true,
                video: false,
                screen: false
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
            screen: false,
            hand: Some(3),
            audio_only: false,
            reconnecting: true,
        };
        round_trip_server(ServerMessage::Welcome {
            you: PeerId(2),
            role: RoomRole::Participant,
            access: RoomAccess::Locked,
            audio_only: true,
            resume: "token".into(),
            resumed: false,
            peers: vec![peer.clone()],
            chat: vec![ChatMessage {
                id: "m1".into(),
                from_name: "Анна".into(),
                from: None,
                to: None,
                text: "hi".into(),
                sent_at_ms: 1_700_000_000_000,
            }],
            ice_servers: vec![IceServer {
                urls: vec!["stun:127.0.0.1:3478".into()],
                username: None,
                credential: None,
            }],
            lobby: vec![Knock {
                id: PeerId(7),
                name: "Guest".into(),
                member: false,
            }],
        });
        round_trip_server(ServerMessage::PeerJoined { peer: peer.clone() });
        round_trip_server(ServerMessage::PeerUpdated { peer });
        round_trip_server(ServerMessage::PeerLeft { peer: PeerId(1) });
        round_trip_server(ServerMessage::Closed {
            reason: CloseReason::Removed,
        });
        round_trip_server(ServerMessage::MutedBy {
            by: PeerId(1),
            track: TrackKind::Audio,
        });
        round_trip_server(ServerMessage::Waiting);
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
        assert_eq!(
            serde_json::to_value(ClientMessage::EndMeeting).unwrap(),
            serde_json::json!({"type": "end_meeting"})
        );
        assert_eq!(
            serde_json::to_value(ServerMessage::Closed {
                reason: CloseReason::RateLimited
            })
            .unwrap(),
            serde_json::json!({"type": "closed", "reason": "rate_limited"})
        );
    }

    #[test]
    fn unknown_or_mistyped_messages_are_rejected() {
        for bad in [
            r#"{"type":"nuke"}"#,
            r#"{"type":"offer","to":"x","sdp":1}"#,
            r#"{"type":"set_role","peer":1,"role":"emperor"}"#,
            r#"{"type":"mute","peer":1}"#,
            "[]",
            "not json",
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }

    const AUDIO: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n";

    #[test]
    fn sdp_video_direction_is_read_per_section() {
        assert!(!sdp_sends_video(AUDIO));
        let sendrecv =
            format!("{AUDIO}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendrecv\r\n");
        assert!(sdp_sends_video(&sendrecv));
        let default_direction = format!("{AUDIO}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n");
        assert!(sdp_sends_video(&default_direction));
        let recvonly =
            format!("{AUDIO}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n");
        assert!(!sdp_sends_video(&recvonly));
        let rejected = format!("{AUDIO}m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n");
        assert!(!sdp_sends_video(&rejected));
        let second_sends = format!(
            "{recvonly}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=sendonly\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
        );
        assert!(sdp_sends_video(&second_sends));
    }
}
