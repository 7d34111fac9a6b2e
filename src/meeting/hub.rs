//! The signaling hub: who is in which room, who waits in its lobby, and
//! relaying messages between them. It never sees media.
//!
//! Each connection has one bounded queue ([`MeetingSettings::peer_queue`]
//! messages). Messages are serialized once and the same bytes are queued
//! for every recipient. A peer whose queue is full is not reading: it is
//! evicted (its socket closes, the others get `peer_left`) rather than
//! letting memory grow or stalling the room.
//!
//! A peer whose socket drops without `leave` is not gone at once: it is
//! marked `reconnecting` and its queue is kept for
//! [`MeetingSettings::resume_grace_ms`], so a client that reconnects with
//! its resume token comes back as the same peer and the others keep their
//! peer connections. What each message does, moderation included, lives in
//! [`super::actions`].

use super::protocol::{
    CloseReason, Knock, PeerId, PeerInfo, RoomAccess, RoomRole, ServerMessage, TrackKind,
};
use super::token::{Admission, Identity};
use super::MeetingSettings;
use crate::chat::{self, ChatMessage, HISTORY_LEN};
use crate::db::Db;
use crate::error::AppResult;
use axum::extract::ws::Utf8Bytes;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

/// Chat inserts in flight at once on SQLite. Two, not one: the insert
/// that fills the write-ahead log also checkpoints it (two `fsync`s, a few
/// ms on a slow disk), which does not block other writers; the second
/// place lets them go on meanwhile. More than two would only find the
/// database locked.
const SQLITE_CHAT_WRITERS: usize = 2;

/// Cheap handle to the process-wide hub.
#[derive(Clone)]
pub struct HubHandle(pub(super) Arc<Hub>);

pub(super) struct Hub {
    pub(super) db: Db,
    pub(super) settings: MeetingSettings,
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    /// Peer ids and connection epochs come from one counter: both only
    /// need to be unique within the process.
    next_id: AtomicU64,
    /// On SQLite, at most [`SQLITE_CHAT_WRITERS`] chat inserts run at
    /// once; the others wait here, in order. SQLite has one writer at a
    /// time, and a connection that finds the database locked sleeps in
    /// its busy handler (1, 2, 5 … 100 ms) before it tries again: with
    /// many sockets chatting at once the inserts crawl, the pool runs dry
    /// for seconds, and each sender's signaling waits behind its insert.
    /// `None` on PostgreSQL, which takes concurrent inserts.
    pub(super) chat_writes: Option<tokio::sync::Semaphore>,
}

/// One meeting's live participants and lobby.
pub struct Room {
    pub(super) key: String,
    pub(super) meeting_id: String,
    pub(super) state: Mutex<RoomState>,
}

pub(super) struct RoomState {
    pub(super) access: RoomAccess,
    /// In join order (ids only grow), which is the order of promotion to
    /// video when a place frees up under the mesh limit.
    pub(super) peers: BTreeMap<PeerId, PeerSlot>,
    pub(super) lobby: BTreeMap<PeerId, Knocker>,
    /// Subjects made co-host in this room; they stay co-host on rejoin.
    pub(super) cohosts: HashSet<String>,
    /// The last [`HISTORY_LEN`] public chat messages, oldest first.
    pub(super) recent_chat: VecDeque<ChatMessage>,
    pub(super) next_hand: u64,
}

pub(super) struct PeerSlot {
    pub(super) info: PeerInfo,
    pub(super) subject: String,
    pub(super) tx: mpsc::Sender<Utf8Bytes>,
    resume: String,
    epoch: u64,
    /// While the socket is gone: the queue, waiting for a resume.
    parked: Option<mpsc::Receiver<Utf8Bytes>>,
}

pub(super) struct Knocker {
    pub(super) name: String,
    pub(super) identity: Identity,
    pub(super) tx: mpsc::Sender<Utf8Bytes>,
    pub(super) epoch: u64,
}

/// A connection's place in a room (or its lobby), held by its task.
pub struct Membership {
    pub room: Arc<Room>,
    pub peer: PeerId,
    /// Messages for this peer, already serialized. It ends (`None`) when
    /// the hub is done with this connection: removed, denied, ended,
    /// evicted, or replaced by a resume.
    pub outbox: mpsc::Receiver<Utf8Bytes>,
    pub user_id: Option<String>,
    epoch: u64,
}

/// Why `join` did not put the connection in the room or its lobby.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefused {
    /// A moderator removed this participant from this meeting.
    Removed,
    /// The database could not be read.
    Internal,
}

/// Serializes a message once, for any number of recipients.
pub fn encode(message: &ServerMessage) -> Utf8Bytes {
    match serde_json::to_string(message) {
        Ok(text) => Utf8Bytes::from(text),
        // Every variant is plain data; this cannot fail, but never panic here.
        Err(_) => {
            Utf8Bytes::from_static(r#"{"type":"error","code":"internal","message":"encoding"}"#)
        }
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep going.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn resume_token() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl HubHandle {
    pub fn new(db: Db, settings: MeetingSettings) -> Self {
        let sqlite = db
            .connect_options()
            .database_url
            .scheme()
            .starts_with("sqlite");
        HubHandle(Arc::new(Hub {
            db,
            settings,
            rooms: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            chat_writes: sqlite.then(|| tokio::sync::Semaphore::new(SQLITE_CHAT_WRITERS)),
        }))
    }

    pub fn settings(&self) -> &MeetingSettings {
        &self.0.settings
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    fn next_id(&self) -> u64 {
        self.0.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The live room of `room_key`, creating it (with its recent chat
    /// from the database) when nobody is there.
    async fn room(&self, room_key: &str, meeting_id: &str) -> AppResult<Arc<Room>> {
        if let Some(room) = lock(&self.0.rooms).get(room_key) {
            return Ok(room.clone());
        }
        let history = chat::db::recent_messages(&self.0.db, meeting_id).await?;
        let mut rooms = lock(&self.0.rooms);
        // Another join may have created it while the history loaded.
        let room = rooms.entry(room_key.to_owned()).or_insert_with(|| {
            Arc::new(Room {
                key: room_key.to_owned(),
                meeting_id: meeting_id.to_owned(),
                state: Mutex::new(RoomState {
                    access: RoomAccess::default(),
                    peers: BTreeMap::new(),
                    lobby: BTreeMap::new(),
                    cohosts: HashSet::new(),
                    recent_chat: history.into(),
                    next_hand: 1,
                }),
            })
        });
        Ok(room.clone())
    }

    /// Takes a connection into the room of `meeting_id`, or into its lobby
    /// when the room's access asks it to knock (it then gets `waiting`,
    /// and the moderators an updated `lobby`). With a valid `resume`
    /// token from the same participant, the peer they were comes back
    /// (`welcome` with `resumed: true`) and its queued messages follow.
    ///
    /// # Errors
    /// [`JoinRefused::Removed`] for a participant removed from this
    /// meeting; [`JoinRefused::Internal`] when the database cannot be read.
    pub async fn join(
        &self,
        room_key: &str,
        meeting_id: &str,
        admission: Admission,
        resume: Option<&str>,
    ) -> Result<Membership, JoinRefused> {
        let subject = admission.identity.subject().to_owned();
        match super::db::is_removed(&self.0.db, meeting_id, &subject).await {
            Ok(false) => {}
            Ok(true) => return Err(JoinRefused::Removed),
            Err(_) => return Err(JoinRefused::Internal),
        }
        loop {
            let room = self
                .room(room_key, meeting_id)
                .await
                .map_err(|_| JoinRefused::Internal)?;
            // Locks are always taken hub map first, then room state. A
            // room forgotten (emptied or ended) between lookup and lock is
            // no longer reachable: look again.
            let mut state = {
                let rooms = lock(&self.0.rooms);
                if !rooms.get(&room.key).is_some_and(|c| Arc::ptr_eq(c, &room)) {
                    continue;
                }
                lock(&room.state)
            };
            let epoch = self.next_id();
            if let Some(token) = resume {
                if let Some(outbox) = self.resume(&room, &mut state, token, &subject, epoch) {
                    let peer = outbox.0;
                    drop(state);
                    tracing::debug!(room = %room.key, %peer, "peer resumed");
                    return Ok(Membership {
                        room,
                        peer,
                        outbox: outbox.1,
                        user_id: admission.identity.user_id,
                        epoch,
                    });
                }
            }
            let peer = PeerId(self.next_id());
            let (tx, outbox) = mpsc::channel(self.0.settings.peer_queue);
            let role = if state.cohosts.contains(&subject) {
                RoomRole::CoHost
            } else {
                admission.identity.role
            };
            let knocks = match state.access {
                RoomAccess::Open => false,
                RoomAccess::AskToJoin => admission.identity.user_id.is_none() && !role.moderates(),
                RoomAccess::Locked => !role.moderates(),
            };
            let mut identity = admission.identity.clone();
            identity.role = role;
            // Nobody connected can let them in (a host whose socket
            // dropped is parked): tell the organizer, wherever they are
            // (in-app and push).
            let call_organizer = knocks
                && !state
                    .peers
                    .values()
                    .any(|p| p.info.role.moderates() && p.parked.is_none());
            if knocks {
                let _ = tx.try_send(encode(&ServerMessage::Waiting));
                state.lobby.insert(
                    peer,
                    Knocker {
                        name: admission.name.clone(),
                        identity,
                        tx,
                        epoch,
                    },
                );
                state.announce_lobby();
                tracing::debug!(room = %room.key, %peer, "knocking");
            } else {
                state.enter(peer, &admission.name, identity, tx, epoch, &self.0.settings);
                tracing::debug!(room = %room.key, %peer, "peer joined");
            }
            drop(state);
            if call_organizer {
                tokio::spawn(super::db::notify_knock(
                    self.0.db.clone(),
                    meeting_id.to_owned(),
                    admission.name.clone(),
                ));
            }
            return Ok(Membership {
                room,
                peer,
                outbox,
                user_id: admission.identity.user_id,
                epoch,
            });
        }
    }

    /// Hands a reconnecting participant their peer back. The old
    /// connection, if still open, is told it was replaced and ends.
    fn resume(
        &self,
        room: &Arc<Room>,
        state: &mut RoomState,
        token: &str,
        subject: &str,
        epoch: u64,
    ) -> Option<(PeerId, mpsc::Receiver<Utf8Bytes>)> {
        let peer = state
            .peers
            .iter()
            .find(|(_, slot)| slot.resume == token && slot.subject == subject)
            .map(|(id, _)| *id)?;
        let slot = state.peers.get_mut(&peer)?;
        slot.epoch = epoch;
        slot.info.reconnecting = false;
        let parked = slot.parked.take();
        // A fresh queue, so that the welcome goes first and what was
        // queued while away follows it. One place more than usual: a
        // parked queue may be full (one message more evicts the peer),
        // and the welcome must fit in front of all of it.
        let (tx, outbox) = mpsc::channel(self.0.settings.peer_queue + 1);
        let old = std::mem::replace(&mut slot.tx, tx);
        let welcome = state.welcome(peer, true, &self.0.settings);
        let slot = state.peers.get_mut(&peer)?;
        let _ = slot.tx.try_send(welcome);
        match parked {
            Some(mut parked) => {
                while let Ok(bytes) = parked.try_recv() {
                    let _ = slot.tx.try_send(bytes);
                }
            }
            // The old connection is still open: it ends.
            None => {
                let _ = old.try_send(encode(&ServerMessage::Closed {
                    reason: CloseReason::Replaced,
                }));
            }
        }
        state.broadcast_update(peer);
        tracing::debug!(room = %room.key, %peer, "resume accepted");
        Some((peer, outbox))
    }

    /// Leaving on purpose (`leave`, or the browser closed the socket):
    /// the others get `peer_left` at once; a knocker leaves the lobby.
    pub fn leave(&self, membership: &Membership) {
        self.remove_connection(&membership.room, membership.peer, membership.epoch);
    }

    fn remove_connection(&self, room: &Arc<Room>, peer: PeerId, epoch: u64) {
        {
            let mut state = lock(&room.state);
            if state.lobby.get(&peer).map(|k| k.epoch) == Some(epoch) {
                state.lobby.remove(&peer);
                state.announce_lobby();
            } else if state.peers.get(&peer).map(|s| s.epoch) == Some(epoch) {
                state.depart(vec![peer]);
                tracing::debug!(room = %room.key, %peer, "peer left");
            }
        }
        self.forget_if_empty(room);
    }

    /// The socket dropped without `leave`: keep the peer as
    /// `reconnecting` for the grace window, with its queue, then remove
    /// it unless it resumed. Knockers just leave the lobby.
    pub fn suspend(&self, membership: Membership) {
        let grace = self.0.settings.resume_grace_ms;
        let Membership {
            room,
            peer,
            outbox,
            epoch,
            ..
        } = membership;
        let suspended = {
            let mut state = lock(&room.state);
            match state.peers.get_mut(&peer) {
                Some(slot) if slot.epoch == epoch && grace > 0 => {
                    slot.info.reconnecting = true;
                    slot.parked = Some(outbox);
                    // The others only: the peer itself would find this
                    // stale news about itself in its queue on resuming.
                    let update = encode(&ServerMessage::PeerUpdated {
                        peer: slot.info.clone(),
                    });
                    state.broadcast(Some(peer), &update);
                    true
                }
                _ => false,
            }
        };
        if !suspended {
            self.remove_connection(&room, peer, epoch);
            return;
        }
        tracing::debug!(room = %room.key, %peer, "peer reconnecting");
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(grace)).await;
            let expired = {
                let mut state = lock(&room.state);
                let still_away = state
                    .peers
                    .get(&peer)
                    .is_some_and(|slot| slot.epoch == epoch && slot.parked.is_some());
                if still_away {
                    state.depart(vec![peer]);
                }
                still_away
            };
            if expired {
                tracing::debug!(room = %room.key, %peer, "resume window expired");
                hub.forget_if_empty(&room);
            }
        });
    }

    /// Relays a message to one peer of the same room.
    ///
    /// # Errors
    /// [`ErrorCode::NotJoined`](super::protocol::ErrorCode::NotJoined) when
    /// the sender is not in the room (it waits in the lobby);
    /// [`ErrorCode::UnknownPeer`](super::protocol::ErrorCode::UnknownPeer)
    /// when `to` is not in this room;
    /// [`ErrorCode::VideoLimit`](super::protocol::ErrorCode::VideoLimit)
    /// when an audio-only sender's SDP sends video.
    pub fn relay(
        &self,
        membership: &Membership,
        to: PeerId,
        message: &ServerMessage,
    ) -> Result<(), super::protocol::ErrorCode> {
        use super::protocol::ErrorCode;
        let bytes = encode(message);
        let mut state = lock(&membership.room.state);
        let sender = state
            .peers
            .get(&membership.peer)
            .ok_or(ErrorCode::NotJoined)?;
        if sender.info.audio_only {
            if let ServerMessage::Offer { sdp, .. } | ServerMessage::Answer { sdp, .. } = message {
                if super::protocol::sdp_sends_video(sdp) {
                    return Err(ErrorCode::VideoLimit);
                }
            }
        }
        let slot = state.peers.get(&to).ok_or(ErrorCode::UnknownPeer)?;
        if let Err(mpsc::error::TrySendError::Full(_)) = slot.tx.try_send(bytes) {
            tracing::warn!(room = %membership.room.key, peer = %to, "evicting a peer whose queue is full");
            state.depart(vec![to]);
        }
        Ok(())
    }

    /// Forgets a room that has nobody in it nor in its lobby.
    pub(super) fn forget_if_empty(&self, room: &Arc<Room>) {
        let mut rooms = lock(&self.0.rooms);
        // Checked under the hub lock so a concurrent join cannot slip in
        // between the check and the removal.
        let empty = {
            let state = lock(&room.state);
            state.peers.is_empty() && state.lobby.is_empty()
        };
        if empty && rooms.get(&room.key).is_some_and(|c| Arc::ptr_eq(c, room)) {
            rooms.remove(&room.key);
        }
    }

    /// Ends the meeting for everyone when `by` moderates: every
    /// connection gets `closed: ended`, and the room is forgotten in the
    /// same step, so nobody can join the ended room in between (a later
    /// join opens a fresh one).
    ///
    /// # Errors
    /// `NotJoined` / `Forbidden` as for any moderator action.
    pub(super) fn end(&self, membership: &Membership) -> Result<(), super::protocol::ErrorCode> {
        let room = &membership.room;
        let mut rooms = lock(&self.0.rooms);
        let mut state = lock(&room.state);
        state.moderator_role(membership.peer)?;
        state.close_all(CloseReason::Ended);
        if rooms.get(&room.key).is_some_and(|c| Arc::ptr_eq(c, room)) {
            rooms.remove(&room.key);
        }
        Ok(())
    }

    /// Number of live rooms (for metrics and tests).
    pub fn room_count(&self) -> usize {
        lock(&self.0.rooms).len()
    }
}

impl RoomState {
    /// The role of `peer` when it may moderate.
    ///
    /// # Errors
    /// `NotJoined` when it is not in the room (e.g. in the lobby),
    /// `Forbidden` when it is a plain participant.
    pub(super) fn moderator_role(
        &self,
        peer: PeerId,
    ) -> Result<RoomRole, super::protocol::ErrorCode> {
        use super::protocol::ErrorCode;
        let role = self.peers.get(&peer).ok_or(ErrorCode::NotJoined)?.info.role;
        if role.moderates() {
            Ok(role)
        } else {
            Err(ErrorCode::Forbidden)
        }
    }

    /// Puts a connection in the room: `welcome` to it, `peer_joined` to
    /// the others. Above the mesh limit it joins audio-only.
    pub(super) fn enter(
        &mut self,
        peer: PeerId,
        name: &str,
        identity: Identity,
        tx: mpsc::Sender<Utf8Bytes>,
        epoch: u64,
        settings: &MeetingSettings,
    ) {
        let with_video = self.peers.values().filter(|p| !p.info.audio_only).count();
        let audio_only = with_video >= settings.mesh_limit;
        let info = PeerInfo {
            id: peer,
            name: name.to_owned(),
            role: identity.role,
            audio: true,
            video: !audio_only,
            screen: false,
            hand: None,
            audio_only,
            reconnecting: false,
        };
        let joined = encode(&ServerMessage::PeerJoined { peer: info.clone() });
        let full = self.fan_out(None, &joined);
        self.peers.insert(
            peer,
            PeerSlot {
                info,
                subject: identity.subject().to_owned(),
                tx,
                resume: resume_token(),
                epoch,
                parked: None,
            },
        );
        let welcome = self.welcome(peer, false, settings);
        if let Some(slot) = self.peers.get(&peer) {
            // The queue is new and empty: this cannot be full.
            let _ = slot.tx.try_send(welcome);
        }
        self.depart(full);
    }

    /// The `welcome` for `peer`, who is in `peers`.
    fn welcome(&self, peer: PeerId, resumed: bool, settings: &MeetingSettings) -> Utf8Bytes {
        let Some(slot) = self.peers.get(&peer) else {
            return encode(&ServerMessage::Closed {
                reason: CloseReason::Replaced,
            });
        };
        let role = slot.info.role;
        encode(&ServerMessage::Welcome {
            you: peer,
            role,
            access: self.access,
            audio_only: slot.info.audio_only,
            resume: slot.resume.clone(),
            resumed,
            peers: self
                .peers
                .values()
                .filter(|other| other.info.id != peer)
                .map(|other| other.info.clone())
                .collect(),
            chat: self.recent_chat.iter().cloned().collect(),
            ice_servers: settings.ice_servers(slot.subject.as_str()),
            lobby: if role.moderates() {
                self.knocks()
            } else {
                Vec::new()
            },
        })
    }

    pub(super) fn knocks(&self) -> Vec<Knock> {
        self.lobby
            .iter()
            .map(|(id, knocker)| Knock {
                id: *id,
                name: knocker.name.clone(),
                member: knocker.identity.user_id.is_some(),
            })
            .collect()
    }

    /// Sends the lobby list to every moderator in the room.
    pub(super) fn announce_lobby(&mut self) {
        let bytes = encode(&ServerMessage::Lobby {
            knocks: self.knocks(),
        });
        let full = self.fan_out_to(&bytes, |slot| slot.info.role.moderates());
        self.depart(full);
    }

    /// Queues `bytes` for one peer; evicts it when its queue is full.
    pub(super) fn send_to(&mut self, peer: PeerId, bytes: Utf8Bytes) {
        let full = self.peers.get(&peer).is_some_and(|slot| {
            matches!(
                slot.tx.try_send(bytes),
                Err(mpsc::error::TrySendError::Full(_))
            )
        });
        if full {
            self.depart(vec![peer]);
        }
    }

    /// Queues `bytes` for everyone in the room but `except`; evicts those
    /// whose queue is full.
    pub(super) fn broadcast(&mut self, except: Option<PeerId>, bytes: &Utf8Bytes) {
        let full = self.fan_out(except, bytes);
        self.depart(full);
    }

    /// Tells everyone (the peer included) a peer's current state.
    pub(super) fn broadcast_update(&mut self, peer: PeerId) {
        if let Some(slot) = self.peers.get(&peer) {
            let bytes = encode(&ServerMessage::PeerUpdated {
                peer: slot.info.clone(),
            });
            self.broadcast(None, &bytes);
        }
    }

    /// Sets a peer's media state as a moderator forced it.
    pub(super) fn force_off(&mut self, peer: PeerId, track: TrackKind) {
        if let Some(slot) = self.peers.get_mut(&peer) {
            match track {
                TrackKind::Audio => slot.info.audio = false,
                TrackKind::Video => {
                    slot.info.video = false;
                    slot.info.screen = false;
                }
            }
        }
    }

    /// Queues `bytes` for every peer but `except`; returns those whose
    /// queue was full (still in `peers`).
    fn fan_out(&self, except: Option<PeerId>, bytes: &Utf8Bytes) -> Vec<PeerId> {
        self.fan_out_to(bytes, |slot| Some(slot.info.id) != except)
    }

    /// Queues `bytes` for the peers `wanted` picks; returns those whose
    /// queue was full (still in `peers`).
    fn fan_out_to(&self, bytes: &Utf8Bytes, wanted: impl Fn(&PeerSlot) -> bool) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|(_, slot)| wanted(slot))
            .filter(|(_, slot)| {
                matches!(
                    slot.tx.try_send(bytes.clone()),
                    Err(mpsc::error::TrySendError::Full(_))
                )
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Removes peers and tells the others (`peer_left`); evicts, in turn,
    /// anyone too slow to take that news. A freed video place goes to
    /// the earliest audio-only peer.
    pub(super) fn depart(&mut self, mut gone: Vec<PeerId>) {
        while let Some(peer) = gone.pop() {
            let Some(slot) = self.peers.remove(&peer) else {
                continue;
            };
            let bytes = encode(&ServerMessage::PeerLeft { peer });
            gone.extend(self.fan_out(None, &bytes));
            if slot.info.audio_only {
                continue;
            }
            let promoted = self
                .peers
                .values_mut()
                .find(|p| p.info.audio_only)
                .map(|p| {
                    p.info.audio_only = false;
                    encode(&ServerMessage::PeerUpdated {
                        peer: p.info.clone(),
                    })
                });
            if let Some(bytes) = promoted {
                gone.extend(self.fan_out(None, &bytes));
            }
        }
    }

    /// Closes every connection (peers, parked queues, lobby) with `reason`.
    pub(super) fn close_all(&mut self, reason: CloseReason) {
        let bytes = encode(&ServerMessage::Closed { reason });
        for slot in std::mem::take(&mut self.peers).into_values() {
            let _ = slot.tx.try_send(bytes.clone());
        }
        for knocker in std::mem::take(&mut self.lobby).into_values() {
            let _ = knocker.tx.try_send(bytes.clone());
        }
    }

    /// Adds a recently sent public chat message to the replay buffer.
    pub(super) fn remember_chat(&mut self, message: ChatMessage) {
        if self.recent_chat.len() >= HISTORY_LEN {
            self.recent_chat.pop_front();
        }
        self.recent_chat.push_back(message);
    }
}
