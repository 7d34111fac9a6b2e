//! The signaling hub: who is in which room, and relaying messages between
//! them. It never sees media.
//!
//! Each connected peer has one bounded queue ([`MeetingSettings::peer_queue`]
//! messages). Messages are serialized once and the same bytes are queued
//! for every recipient. A peer whose queue is full is not reading: it is
//! evicted (its socket closes, the others get `peer_left`) rather than
//! letting memory grow or stalling the room.

use super::protocol::{ErrorCode, PeerId, PeerInfo, ServerMessage};
use super::token::Admission;
use super::MeetingSettings;
use crate::chat::{self, ChatText};
use crate::db::Db;
use crate::error::AppResult;
use axum::extract::ws::Utf8Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Cheap handle to the process-wide hub.
#[derive(Clone)]
pub struct HubHandle(Arc<Hub>);

struct Hub {
    db: Db,
    settings: MeetingSettings,
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    next_peer: AtomicU64,
}

/// One meeting's live participants.
pub struct Room {
    key: String,
    meeting_id: String,
    peers: Mutex<HashMap<PeerId, PeerSlot>>,
}

struct PeerSlot {
    info: PeerInfo,
    tx: mpsc::Sender<Utf8Bytes>,
}

/// A peer's place in a room, held by its connection task. Leaving the room
/// happens when this is passed to [`HubHandle::leave`].
pub struct Membership {
    pub room: Arc<Room>,
    pub peer: PeerId,
    /// Messages for this peer, already serialized.
    pub outbox: mpsc::Receiver<Utf8Bytes>,
    pub name: String,
    pub user_id: Option<String>,
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep going.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl HubHandle {
    pub fn new(db: Db, settings: MeetingSettings) -> Self {
        HubHandle(Arc::new(Hub {
            db,
            settings,
            rooms: Mutex::new(HashMap::new()),
            next_peer: AtomicU64::new(1),
        }))
    }

    pub fn settings(&self) -> &MeetingSettings {
        &self.0.settings
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    /// Adds a peer to the room of `meeting_id`: queues `welcome` for it
    /// (with the others and the recent chat) and `peer_joined` for the
    /// others.
    ///
    /// # Errors
    /// [`crate::error::AppError::Internal`] if the chat history cannot be read.
    pub async fn join(
        &self,
        room_key: &str,
        meeting_id: &str,
        admission: Admission,
    ) -> AppResult<Membership> {
        let history = chat::db::recent_messages(&self.0.db, meeting_id).await?;
        let peer = PeerId(self.0.next_peer.fetch_add(1, Ordering::Relaxed));
        let info = PeerInfo {
            id: peer,
            name: admission.name.clone(),
            role: admission.identity.role,
            audio: true,
            video: true,
        };
        let (tx, outbox) = mpsc::channel(self.0.settings.peer_queue);
        let joined = encode(&ServerMessage::PeerJoined { peer: info.clone() });
        // The hub lock is held until the peer is in the room, so a
        // concurrent last `leave` cannot forget the room in between.
        let (room, evicted) = {
            let mut rooms = lock(&self.0.rooms);
            let room = rooms
                .entry(room_key.to_owned())
                .or_insert_with(|| {
                    Arc::new(Room {
                        key: room_key.to_owned(),
                        meeting_id: meeting_id.to_owned(),
                        peers: Mutex::new(HashMap::new()),
                    })
                })
                .clone();
            let mut peers = lock(&room.peers);
            let others: Vec<PeerInfo> = peers.values().map(|slot| slot.info.clone()).collect();
            let welcome = encode(&ServerMessage::Welcome {
                you: peer,
                peers: others,
                chat: history,
                ice_servers: self.0.settings.ice_servers(),
            });
            // The queue is new and empty: this cannot be full.
            let _ = tx.try_send(welcome);
            let evicted = room.fan_out(&mut peers, None, &joined);
            peers.insert(peer, PeerSlot { info, tx });
            drop(peers);
            (room, evicted)
        };
        self.announce_departures(&room, evicted);
        tracing::debug!(room = %room.key, %peer, "peer joined");
        Ok(Membership {
            room,
            peer,
            outbox,
            name: admission.name,
            user_id: admission.identity.user_id,
        })
    }

    /// Removes a peer and tells the others; forgets the room when empty.
    pub fn leave(&self, room: &Arc<Room>, peer: PeerId) {
        let removed = lock(&room.peers).remove(&peer).is_some();
        if removed {
            self.announce_departures(room, vec![peer]);
            tracing::debug!(room = %room.key, %peer, "peer left");
        }
        self.forget_if_empty(room);
    }

    /// Relays a message to one peer of the same room.
    ///
    /// # Errors
    /// [`ErrorCode::UnknownPeer`] when `to` is not in this room.
    pub fn relay(
        &self,
        room: &Arc<Room>,
        to: PeerId,
        message: &ServerMessage,
    ) -> Result<(), ErrorCode> {
        let bytes = encode(message);
        let evicted = {
            let mut peers = lock(&room.peers);
            let slot = peers.get(&to).ok_or(ErrorCode::UnknownPeer)?;
            match slot.tx.try_send(bytes) {
                Ok(()) => None,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    peers.remove(&to);
                    Some(to)
                }
                // Its connection task has already ended; `leave` follows.
                Err(mpsc::error::TrySendError::Closed(_)) => None,
            }
        };
        if let Some(slow) = evicted {
            tracing::warn!(room = %room.key, peer = %slow, "evicting a peer whose queue is full");
            self.announce_departures(room, vec![slow]);
        }
        Ok(())
    }

    /// Sends a message to everyone in the room except `except`.
    pub fn broadcast(&self, room: &Arc<Room>, except: Option<PeerId>, message: &ServerMessage) {
        let bytes = encode(message);
        let evicted = room.fan_out(&mut lock(&room.peers), except, &bytes);
        self.announce_departures(room, evicted);
    }

    /// Records a peer's microphone/camera state and tells the others.
    pub fn set_media(&self, room: &Arc<Room>, peer: PeerId, audio: bool, video: bool) {
        if let Some(slot) = lock(&room.peers).get_mut(&peer) {
            slot.info.audio = audio;
            slot.info.video = video;
        }
        self.broadcast(
            room,
            Some(peer),
            &ServerMessage::Media {
                from: peer,
                audio,
                video,
            },
        );
    }

    /// Stores a chat message and sends it to everyone, the sender included.
    ///
    /// # Errors
    /// [`ErrorCode::InvalidChat`] for empty or too long text,
    /// [`ErrorCode::Internal`] when it cannot be stored.
    pub async fn chat(&self, membership: &Membership, text: &str) -> Result<(), ErrorCode> {
        let text = ChatText::parse(text).map_err(|_| ErrorCode::InvalidChat)?;
        let message = chat::db::insert_message(
            &self.0.db,
            &membership.room.meeting_id,
            membership.user_id.as_deref(),
            &membership.name,
            &text,
        )
        .await
        .map_err(|_| ErrorCode::Internal)?;
        self.broadcast(&membership.room, None, &ServerMessage::Chat { message });
        Ok(())
    }

    /// Tells a room that peers are gone; evicts, recursively, anyone too
    /// slow to take that news either.
    fn announce_departures(&self, room: &Arc<Room>, mut gone: Vec<PeerId>) {
        while let Some(peer) = gone.pop() {
            let bytes = encode(&ServerMessage::PeerLeft { peer });
            gone.extend(room.fan_out(&mut lock(&room.peers), None, &bytes));
        }
    }

    fn forget_if_empty(&self, room: &Arc<Room>) {
        let mut rooms = lock(&self.0.rooms);
        // Check under the hub lock so a concurrent join cannot slip in
        // between the check and the removal.
        if lock(&room.peers).is_empty() {
            if let Some(current) = rooms.get(&room.key) {
                if Arc::ptr_eq(current, room) {
                    rooms.remove(&room.key);
                }
            }
        }
    }
}

impl Room {
    /// Queues `bytes` for every peer but `except`; removes and returns the
    /// peers whose queue was full.
    fn fan_out(
        &self,
        peers: &mut HashMap<PeerId, PeerSlot>,
        except: Option<PeerId>,
        bytes: &Utf8Bytes,
    ) -> Vec<PeerId> {
        let mut full = Vec::new();
        for (id, slot) in peers.iter() {
            if Some(*id) == except {
                continue;
            }
            if let Err(mpsc::error::TrySendError::Full(_)) = slot.tx.try_send(bytes.clone()) {
                full.push(*id);
            }
        }
        for id in &full {
            peers.remove(id);
        }
        full
    }
}
