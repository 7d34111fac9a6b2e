//! `GET /ws/meeting/{room}`: the signaling socket.
//!
//! Admission is checked before the upgrade: a room token (`?token=`, from
//! [`super::join_meeting`]) for that room, or a session cookie. The socket
//! then waits in standby — the pre-join screen opens it ahead of time —
//! until the client sends `join`; only then is the peer in the room. One
//! task per connection reads the socket, writes the peer's queue, and
//! pings; a socket silent for [`MeetingSettings::peer_timeout_ms`] is
//! closed.

use super::hub::{encode, HubHandle, Membership};
use super::protocol::{ClientMessage, ErrorCode, ServerMessage, MAX_MESSAGE_BYTES};
use super::token::{self, Admission, Identity};
use super::{db, MeetingSettings, RoomId};
use crate::auth::session::{TokenKeys, Viewer};
use crate::auth::DisplayName;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use std::time::Duration;
use tokio::time::{interval, Instant, MissedTickBehavior};

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// Upgrade handler. Answers 404 for an unknown room and 401 without a valid
/// admission, before any WebSocket is opened.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    Query(query): Query<WsQuery>,
    State(hub): State<HubHandle>,
    State(keys): State<TokenKeys>,
    viewer: Option<Extension<Viewer>>,
) -> Response {
    let Some(room) = RoomId::parse(&room) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let meeting = match db::find_by_room(hub.db(), &room).await {
        Ok(Some(meeting)) => meeting,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let admission = match (query.token.as_deref(), viewer) {
        (Some(token), _) => token::verify(&keys, token, &room),
        (None, Some(Extension(viewer))) => Some(Admission {
            identity: if viewer.user.id == meeting.organizer_id {
                Identity::host(&viewer.user.id)
            } else {
                Identity::member(&viewer.user.id)
            },
            name: viewer.user.display_name,
        }),
        (None, None) => None,
    };
    let Some(admission) = admission else {
        return (
            StatusCode::UNAUTHORIZED,
            "a valid room token or session is required",
        )
            .into_response();
    };
    // The transport limit sits above the protocol limit, so an oversize
    // message gets an `error` reply instead of a dropped connection; only
    // absurd frames (4× the limit) close the socket.
    ws.max_message_size(MAX_MESSAGE_BYTES * 4)
        .max_frame_size(MAX_MESSAGE_BYTES * 4)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| serve(socket, hub, room, meeting.id, admission))
}

/// One signaling connection: in standby until the client sends `join`,
/// then in the room until it leaves, or its socket closes or times out.
async fn serve(
    mut socket: WebSocket,
    hub: HubHandle,
    room: RoomId,
    meeting_id: String,
    admission: Admission,
) {
    let settings: MeetingSettings = hub.settings().clone();
    let timeout = Duration::from_millis(settings.peer_timeout_ms);
    let mut ping = interval(Duration::from_millis(settings.ping_interval_ms));
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut membership: Option<Membership> = None;
    loop {
        // Queued messages go out before the next incoming one is read, so
        // a client never hears of a consequence before its cause (e.g.
        // `unknown_peer` for someone whose `peer_left` is still queued).
        tokio::select! {
            biased;
            outgoing = next_outgoing(&mut membership) => {
                // `None`: the hub evicted this peer.
                let Some(bytes) = outgoing else { break };
                if socket.send(Message::Text(bytes)).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                let flow = match message {
                    Message::Text(text) => match &membership {
                        Some(membership) => handle_text(&hub, membership, text.as_str()).await,
                        None => match enter(&hub, &room, &meeting_id, &admission, text.as_str()).await {
                            Ok(joined) => {
                                membership = Some(joined);
                                Flow::Continue
                            }
                            Err(flow) => flow,
                        },
                    },
                    Message::Binary(_) => {
                        Flow::Reply(error(ErrorCode::Malformed, "binary frames are not part of the protocol"))
                    }
                    Message::Ping(_) | Message::Pong(_) => Flow::Continue,
                    Message::Close(_) => Flow::Leave,
                };
                match flow {
                    Flow::Continue => {}
                    Flow::Reply(reply) => {
                        // Same rule for replies: what was queued first goes first.
                        if flush(&mut socket, &mut membership).await.is_err()
                            || socket.send(Message::Text(encode(&reply))).await.is_err()
                        {
                            break;
                        }
                    }
                    Flow::Leave => break,
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > timeout {
                    tracing::debug!(room = %room.as_str(), "signaling socket timed out");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    if let Some(membership) = membership {
        hub.leave(&membership.room, membership.peer);
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Sends everything already queued for this peer.
async fn flush(
    socket: &mut WebSocket,
    membership: &mut Option<Membership>,
) -> Result<(), axum::Error> {
    if let Some(membership) = membership {
        while let Ok(bytes) = membership.outbox.try_recv() {
            socket.send(Message::Text(bytes)).await?;
        }
    }
    Ok(())
}

/// The next message queued for this peer; never resolves in standby.
async fn next_outgoing(
    membership: &mut Option<Membership>,
) -> Option<axum::extract::ws::Utf8Bytes> {
    match membership {
        Some(membership) => membership.outbox.recv().await,
        None => std::future::pending().await,
    }
}

/// Standby: the only message that counts is `join`, which enters the room
/// under the name it carries (or the name in the room token).
async fn enter(
    hub: &HubHandle,
    room: &RoomId,
    meeting_id: &str,
    admission: &Admission,
    text: &str,
) -> Result<Membership, Flow> {
    let name = match parse(text).map_err(Flow::Reply)? {
        ClientMessage::Join { name } => name,
        ClientMessage::Leave => return Err(Flow::Leave),
        _ => {
            return Err(Flow::Reply(error(
                ErrorCode::NotJoined,
                describe(ErrorCode::NotJoined),
            )))
        }
    };
    let name = match DisplayName::parse(&name) {
        Ok(name) => name.into_inner(),
        Err(_) if !admission.name.is_empty() => admission.name.clone(),
        Err(_) => {
            return Err(Flow::Reply(error(
                ErrorCode::NameRequired,
                describe(ErrorCode::NameRequired),
            )))
        }
    };
    let admission = Admission {
        identity: admission.identity.clone(),
        name,
    };
    hub.join(room.as_str(), meeting_id, admission)
        .await
        .map_err(|_| Flow::Reply(error(ErrorCode::Internal, "cannot join the room right now")))
}

enum Flow {
    Continue,
    Reply(ServerMessage),
    Leave,
}

fn error(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.to_owned(),
    }
}

fn parse(text: &str) -> Result<ClientMessage, ServerMessage> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(error(ErrorCode::TooLarge, "message larger than 64 KiB"));
    }
    serde_json::from_str::<ClientMessage>(text)
        .map_err(|e| error(ErrorCode::Malformed, &format!("unreadable message: {e}")))
}

async fn handle_text(hub: &HubHandle, membership: &Membership, text: &str) -> Flow {
    let message = match parse(text) {
        Ok(message) => message,
        Err(reply) => return Flow::Reply(reply),
    };
    let from = membership.peer;
    let room = &membership.room;
    let relayed = match message {
        ClientMessage::Offer { to, sdp } => {
            hub.relay(room, to, &ServerMessage::Offer { from, sdp })
        }
        ClientMessage::Answer { to, sdp } => {
            hub.relay(room, to, &ServerMessage::Answer { from, sdp })
        }
        ClientMessage::Candidate { to, candidate } => {
            hub.relay(room, to, &ServerMessage::Candidate { from, candidate })
        }
        ClientMessage::Media { audio, video } => {
            hub.set_media(room, from, audio, video);
            Ok(())
        }
        ClientMessage::Chat { text } => hub.chat(membership, &text).await,
        ClientMessage::Leave => return Flow::Leave,
        ClientMessage::Join { .. } => Err(ErrorCode::AlreadyJoined),
    };
    match relayed {
        Ok(()) => Flow::Continue,
        Err(code) => Flow::Reply(error(code, describe(code))),
    }
}

fn describe(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Malformed => "unreadable message",
        ErrorCode::TooLarge => "message too large",
        ErrorCode::UnknownPeer => "that peer is not in this room",
        ErrorCode::InvalidChat => "chat text must be 1 to 2000 characters",
        ErrorCode::RateLimited => "too many messages; slow down",
        ErrorCode::Internal => "the server could not do that right now",
        ErrorCode::NotJoined => "send join first",
        ErrorCode::AlreadyJoined => "already in the room",
        ErrorCode::NameRequired => "a display name (1 to 64 characters) is required",
    }
}
