//! `GET /ws/meeting/{room}`: the signaling socket.
//!
//! Admission is checked before the upgrade: a room token (`?token=`, from
//! [`super::join_meeting`]) for that room, or a session cookie. The socket
//! then waits in standby — the pre-join screen opens it ahead of time —
//! until the client sends `join`; only then is the peer in the room. One
//! task per connection reads the socket, writes the peer's queue, and
//! pings; a socket silent for [`MeetingSettings::peer_timeout_ms`] is
//! closed.

use super::actions::Outcome;
use super::hub::{encode, HubHandle, JoinRefused, Membership};
use super::limit::{TokenBucket, Verdict};
use super::protocol::{
    ClientMessage, CloseReason, ErrorCode, ServerMessage, MAX_MESSAGE_BYTES, RESUMING_CLOSE_CODE,
};
use super::token::{self, Admission, Identity};
use super::{db, MeetingSettings, RoomId};
use crate::auth::session::{TokenKeys, Viewer};
use crate::auth::DisplayName;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::SinkExt as _;
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

/// How a connection ended, which decides what the others see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exit {
    /// `leave`, a close frame, or disconnected for flooding: gone at once.
    Left,
    /// The socket broke or went silent: `reconnecting`, then gone unless
    /// it resumes within the grace window.
    Lost,
    /// The hub ended it (removed, denied, ended, evicted, replaced).
    Ended,
}

/// One signaling connection: in standby until the client sends `join`,
/// then in the room (or its lobby) until it leaves, its socket closes or
/// goes silent, or the hub lets it go.
async fn serve(
    mut socket: WebSocket,
    hub: HubHandle,
    room: RoomId,
    meeting_id: String,
    admission: Admission,
) {
    let settings: &MeetingSettings = hub.settings();
    let timeout = Duration::from_millis(settings.peer_timeout_ms);
    let mut ping = interval(Duration::from_millis(settings.ping_interval_ms));
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // Re-armed lazily: when it fires, it either finds the socket silent
    // for `timeout` or moves to `last_heard + timeout` (no timer work per
    // message).
    let silence = tokio::time::sleep_until(last_heard + timeout);
    tokio::pin!(silence);
    let mut limits = Limits {
        all: TokenBucket::new(settings.rate_per_s, settings.rate_burst),
        chat: TokenBucket::new(settings.chat_per_s, settings.chat_burst),
    };
    let mut membership: Option<Membership> = None;
    let exit = loop {
        // Queued messages go out before the next incoming one is read, so
        // a client never hears of a consequence before its cause (e.g.
        // `unknown_peer` for someone whose `peer_left` is still queued).
        tokio::select! {
            biased;
            outgoing = next_outgoing(&mut membership) => {
                let Some(bytes) = outgoing else { break Exit::Ended };
                // Whatever else is queued by now goes out with it: frames
                // are buffered and written together, one system call per
                // burst instead of one per message (most of the relay's
                // cost under load).
                if socket.feed(Message::Text(bytes)).await.is_err()
                    || flush(&mut socket, &mut membership).await.is_err()
                {
                    break broken(&mut socket).await;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break Exit::Lost };
                last_heard = Instant::now();
                let text = match message {
                    Message::Text(text) => Some(text),
                    Message::Binary(_) => None,
                    Message::Ping(_) | Message::Pong(_) => continue,
                    Message::Close(frame) => break farewell(frame.as_ref()),
                };
                let flow = match limits.all.take(last_heard.into_std()) {
                    Verdict::Allow => match (&text, &membership) {
                        (None, _) => Flow::Reply(error(
                            ErrorCode::Malformed,
                            "binary frames are not part of the protocol",
                        )),
                        (Some(text), Some(joined)) => {
                            handle_text(&hub, joined, text.as_str(), &mut limits.chat).await
                        }
                        (Some(text), None) => {
                            match enter(&hub, &room, &meeting_id, &admission, text.as_str()).await {
                                Ok(joined) => {
                                    membership = Some(joined);
                                    Flow::Continue
                                }
                                Err(flow) => flow,
                            }
                        }
                    },
                    verdict => limited(verdict),
                };
                match flow {
                    Flow::Continue => {}
                    Flow::Reply(reply) => {
                        // Same rule for replies: what was queued first goes first.
                        if flush(&mut socket, &mut membership).await.is_err()
                            || socket.send(Message::Text(encode(&reply))).await.is_err()
                        {
                            break broken(&mut socket).await;
                        }
                    }
                    Flow::Close(reason) => {
                        let _ = flush(&mut socket, &mut membership).await;
                        let _ = socket
                            .send(Message::Text(encode(&ServerMessage::Closed { reason })))
                            .await;
                        break Exit::Left;
                    }
                    Flow::Leave => break Exit::Left,
                }
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break broken(&mut socket).await;
                }
            }
            () = &mut silence => {
                if last_heard.elapsed() >= timeout {
                    tracing::debug!(room = %room.as_str(), "signaling socket timed out");
                    break Exit::Lost;
                }
                silence.as_mut().reset(last_heard + timeout);
            }
        }
    };
    let unsent = match (exit, membership) {
        (Exit::Left, Some(membership)) => {
            hub.leave(&membership);
            None
        }
        (Exit::Lost, Some(membership)) => {
            hub.suspend(membership);
            None
        }
        (Exit::Ended, Some(membership)) => Some(membership.outbox),
        (_, None) => None,
    };
    // The closing handshake (RFC 6455 §7.1.1): after our close frame,
    // read (and drop) what the client still sends until its own close
    // frame. Closing with unread data resets the connection, and the
    // client may never read what was said last (e.g. `closed` to a
    // flooding client that is still writing). Bounded, for clients that
    // never answer or never read.
    let closing = async {
        // Whatever the hub queued last (e.g. `closed`) goes out first.
        if let Some(mut outbox) = unsent {
            while let Ok(bytes) = outbox.try_recv() {
                if socket.send(Message::Text(bytes)).await.is_err() {
                    return;
                }
            }
        }
        if socket.send(Message::Close(None)).await.is_ok() {
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_WAIT, closing).await;
}

/// How long a closing connection waits for the client's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Sending failed: the connection is broken. A client that said goodbye
/// (a close frame) and dropped the connection at once, with our messages
/// unread, resets it; its close frame may still be waiting to be read,
/// and then it left on purpose rather than lost its network.
async fn broken(socket: &mut WebSocket) -> Exit {
    let last_words = tokio::time::timeout(Duration::from_millis(50), async {
        loop {
            match socket.recv().await {
                Some(Ok(Message::Close(frame))) => return farewell(frame.as_ref()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Exit::Lost,
            }
        }
    });
    last_words.await.unwrap_or(Exit::Lost)
}

/// What a client's close frame means: code 4000, it noticed its network
/// go and will resume; anything else is a goodbye.
fn farewell(frame: Option<&CloseFrame>) -> Exit {
    match frame {
        Some(frame) if frame.code == RESUMING_CLOSE_CODE => Exit::Lost,
        _ => Exit::Left,
    }
}

/// The two budgets of one connection.
struct Limits {
    /// Every message.
    all: TokenBucket,
    /// Chat messages (each one is stored).
    chat: TokenBucket,
}

/// What a rate-limit verdict other than `Allow` means for the connection.
fn limited(verdict: Verdict) -> Flow {
    match verdict {
        Verdict::Allow => Flow::Continue,
        Verdict::Drop { first: true } => Flow::Reply(error(
            ErrorCode::RateLimited,
            describe(ErrorCode::RateLimited),
        )),
        Verdict::Drop { first: false } => Flow::Continue,
        Verdict::Disconnect => {
            tracing::warn!("disconnecting a flooding signaling client");
            Flow::Close(CloseReason::RateLimited)
        }
    }
}

/// Sends everything already queued for this peer (and anything fed
/// before), flushing once at the end.
async fn flush(
    socket: &mut WebSocket,
    membership: &mut Option<Membership>,
) -> Result<(), axum::Error> {
    if let Some(membership) = membership {
        while let Ok(bytes) = membership.outbox.try_recv() {
            socket.feed(Message::Text(bytes)).await?;
        }
    }
    socket.flush().await
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
/// (or its lobby) under the name it carries (or the name in the room
/// token), resuming an earlier peer when it carries a valid resume token.
async fn enter(
    hub: &HubHandle,
    room: &RoomId,
    meeting_id: &str,
    admission: &Admission,
    text: &str,
) -> Result<Membership, Flow> {
    let (name, resume) = match parse(text).map_err(|reply| Flow::Reply(*reply))? {
        ClientMessage::Join { name, resume } => (name, resume),
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
    hub.join(room.as_str(), meeting_id, admission, resume.as_deref())
        .await
        .map_err(|refused| match refused {
            JoinRefused::Removed => Flow::Close(CloseReason::Removed),
            JoinRefused::Internal => {
                Flow::Reply(error(ErrorCode::Internal, "cannot join the room right now"))
            }
        })
}

enum Flow {
    Continue,
    Reply(ServerMessage),
    /// Tell the client why, then close.
    Close(CloseReason),
    Leave,
}

fn error(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.to_owned(),
    }
}

/// Reads one client message; the error is the reply to send.
fn parse(text: &str) -> Result<ClientMessage, Box<ServerMessage>> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(Box::new(error(
            ErrorCode::TooLarge,
            "message larger than 64 KiB",
        )));
    }
    serde_json::from_str::<ClientMessage>(text).map_err(|e| {
        Box::new(error(
            ErrorCode::Malformed,
            &format!("unreadable message: {e}"),
        ))
    })
}

async fn handle_text(
    hub: &HubHandle,
    membership: &Membership,
    text: &str,
    chat_budget: &mut TokenBucket,
) -> Flow {
    let message = match parse(text) {
        Ok(message) => message,
        Err(reply) => return Flow::Reply(*reply),
    };
    if matches!(message, ClientMessage::Chat { .. }) {
        match chat_budget.take(std::time::Instant::now()) {
            Verdict::Allow => {}
            verdict => return limited(verdict),
        }
    }
    match hub.handle(membership, message).await {
        Ok(Outcome::Continue) => Flow::Continue,
        Ok(Outcome::Leave) => Flow::Leave,
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
        ErrorCode::NotJoined => "not in the room (send join first, or wait to be admitted)",
        ErrorCode::AlreadyJoined => "already in the room",
        ErrorCode::NameRequired => "a display name (1 to 64 characters) is required",
        ErrorCode::Forbidden => "only the host or a co-host may do that, and not to the host",
        ErrorCode::VideoLimit => "the room is at its video limit: you are audio-only",
        ErrorCode::InvalidReaction => "that reaction is not one of the offered emoji",
        ErrorCode::NotFound => "no such message or waiting participant",
    }
}
