//! What each message from a connection does in its room: signaling relay,
//! media state, chat, hands and reactions, and the moderators' actions.
//!
//! Every moderator action is checked here, on the server, against the
//! sender's role as the hub knows it: a participant who sends `remove`
//! gets [`ErrorCode::Forbidden`] and nothing changes. Co-hosts moderate
//! like the host but cannot act on the host nor change roles.

use super::hub::{encode, lock, HubHandle, Membership, RoomState};
use super::protocol::{
    ClientMessage, CloseReason, ErrorCode, PeerId, RoomAccess, RoomRole, ServerMessage, REACTIONS,
};
use crate::chat::{self, ChatMessage, ChatText};

/// What the connection should do after a message was handled.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    /// The client said `leave`.
    Leave,
}

impl HubHandle {
    /// Carries out one message from a connection that has sent `join`.
    ///
    /// # Errors
    /// The [`ErrorCode`] to send back; nothing changed in the room.
    pub async fn handle(
        &self,
        membership: &Membership,
        message: ClientMessage,
    ) -> Result<Outcome, ErrorCode> {
        let from = membership.peer;
        match message {
            ClientMessage::Offer { to, sdp } => {
                self.relay(membership, to, &ServerMessage::Offer { from, sdp })?
            }
            ClientMessage::Answer { to, sdp } => {
                self.relay(membership, to, &ServerMessage::Answer { from, sdp })?
            }
            ClientMessage::Candidate { to, candidate } => self.relay(
                membership,
                to,
                &ServerMessage::Candidate { from, candidate },
            )?,
            ClientMessage::Media {
                audio,
                video,
                screen,
            } => self.with_member(membership, |state| {
                let slot = state.peers.get_mut(&from).ok_or(ErrorCode::NotJoined)?;
                if slot.info.audio_only && (video || screen) {
                    return Err(ErrorCode::VideoLimit);
                }
                slot.info.audio = audio;
                slot.info.video = video;
                slot.info.screen = screen;
                state.broadcast_update(from);
                Ok(())
            })?,
            ClientMessage::Chat { text, to } => self.chat(membership, &text, to).await?,
            ClientMessage::Hand { raised } => self.with_member(membership, |state| {
                let next = state.next_hand;
                let slot = state.peers.get_mut(&from).ok_or(ErrorCode::NotJoined)?;
                match (raised, slot.info.hand) {
                    (true, None) => {
                        slot.info.hand = Some(next);
                        state.next_hand += 1;
                    }
                    (false, Some(_)) => slot.info.hand = None,
                    // Already so: nothing to tell anyone.
                    _ => return Ok(()),
                }
                state.broadcast_update(from);
                Ok(())
            })?,
            ClientMessage::React { emoji } => {
                if !REACTIONS.contains(&emoji.as_str()) {
                    return Err(ErrorCode::InvalidReaction);
                }
                self.with_member(membership, |state| {
                    state.broadcast(None, &encode(&ServerMessage::Reaction { from, emoji }));
                    Ok(())
                })?
            }
            ClientMessage::DeleteChat { id } => self.delete_chat(membership, &id).await?,
            ClientMessage::SetAccess { access } => self.moderate(membership, |state, _| {
                state.access = access;
                state.broadcast(None, &encode(&ServerMessage::Access { access }));
                if access == RoomAccess::Open {
                    // Nobody needs to knock any more: let the waiting in.
                    let waiting: Vec<PeerId> = state.lobby.keys().copied().collect();
                    admit(state, &waiting, self)?;
                }
                Ok(())
            })?,
            ClientMessage::Admit { peer } => {
                self.moderate(membership, |state, _| admit(state, &[peer], self))?
            }
            ClientMessage::AdmitAll => self.moderate(membership, |state, _| {
                let waiting: Vec<PeerId> = state.lobby.keys().copied().collect();
                admit(state, &waiting, self)
            })?,
            ClientMessage::Deny { peer } => {
                self.moderate(membership, |state, _| deny(state, &[peer]))?
            }
            ClientMessage::DenyAll => self.moderate(membership, |state, _| {
                let waiting: Vec<PeerId> = state.lobby.keys().copied().collect();
                deny(state, &waiting)
            })?,
            ClientMessage::AskUnmute { peer } => self.moderate(membership, |state, role| {
                target(state, role, from, peer)?;
                state.send_to(peer, encode(&ServerMessage::UnmuteRequest { by: from }));
                Ok(())
            })?,
            ClientMessage::Mute { peer, track } => self.moderate(membership, |state, role| {
                target(state, role, from, peer)?;
                state.force_off(peer, track);
                state.send_to(peer, encode(&ServerMessage::MutedBy { by: from, track }));
                state.broadcast_update(peer);
                Ok(())
            })?,
            ClientMessage::LowerHand { peer } => self.moderate(membership, |state, role| {
                target(state, role, from, peer)?;
                let slot = state.peers.get_mut(&peer).ok_or(ErrorCode::UnknownPeer)?;
                if slot.info.hand.take().is_some() {
                    state.broadcast_update(peer);
                }
                Ok(())
            })?,
            ClientMessage::Remove { peer } => self.remove(membership, peer).await?,
            ClientMessage::SetRole { peer, role } => self.moderate(membership, |state, own| {
                if own != RoomRole::Host || role == RoomRole::Host {
                    return Err(ErrorCode::Forbidden);
                }
                target(state, own, from, peer)?;
                let slot = state.peers.get_mut(&peer).ok_or(ErrorCode::UnknownPeer)?;
                slot.info.role = role;
                let subject = slot.subject.clone();
                if role == RoomRole::CoHost {
                    state.cohosts.insert(subject);
                    let knocks = encode(&ServerMessage::Lobby {
                        knocks: state.knocks(),
                    });
                    state.send_to(peer, knocks);
                } else {
                    state.cohosts.remove(&subject);
                }
                state.broadcast_update(peer);
                Ok(())
            })?,
            ClientMessage::EndMeeting => {
                self.end(membership)?;
                tracing::info!(room = %membership.room.key, by = %from, "meeting ended for all");
            }
            ClientMessage::Leave => return Ok(Outcome::Leave),
            ClientMessage::Join { .. } => return Err(ErrorCode::AlreadyJoined),
        }
        Ok(Outcome::Continue)
    }

    /// Runs `act` on the room state when the sender is in the room (not
    /// in its lobby).
    fn with_member(
        &self,
        membership: &Membership,
        act: impl FnOnce(&mut RoomState) -> Result<(), ErrorCode>,
    ) -> Result<(), ErrorCode> {
        let mut state = lock(&membership.room.state);
        if !state.peers.contains_key(&membership.peer) {
            return Err(ErrorCode::NotJoined);
        }
        act(&mut state)
    }

    /// Runs `act` when the sender is a moderator in the room, with their role.
    fn moderate(
        &self,
        membership: &Membership,
        act: impl FnOnce(&mut RoomState, RoomRole) -> Result<(), ErrorCode>,
    ) -> Result<(), ErrorCode> {
        let mut state = lock(&membership.room.state);
        let role = state.moderator_role(membership.peer)?;
        act(&mut state, role)
    }

    /// A public message is stored, remembered for replay and sent to
    /// everyone; a private one (`to`) goes to that peer and back to the
    /// sender only, and is not stored.
    async fn chat(
        &self,
        membership: &Membership,
        text: &str,
        to: Option<PeerId>,
    ) -> Result<(), ErrorCode> {
        let text = ChatText::parse(text).map_err(|_| ErrorCode::InvalidChat)?;
        let from = membership.peer;
        let name = {
            let state = lock(&membership.room.state);
            let slot = state.peers.get(&from).ok_or(ErrorCode::NotJoined)?;
            if let Some(to) = to {
                if to == from || !state.peers.contains_key(&to) {
                    return Err(ErrorCode::UnknownPeer);
                }
            }
            slot.info.name.clone()
        };
        let message = match to {
            Some(_) => ChatMessage {
                id: crate::db::new_id(),
                from_name: name,
                from: Some(from),
                to,
                text: text.as_str().to_owned(),
                sent_at_ms: crate::db::now_ms(),
            },
            None => {
                // SQLite: wait for a writer's place (see `Hub::chat_writes`).
                let _turn = match &self.0.chat_writes {
                    Some(writes) => writes.acquire().await.ok(),
                    None => None,
                };
                let mut stored = chat::db::insert_message(
                    &self.0.db,
                    &membership.room.meeting_id,
                    membership.user_id.as_deref(),
                    &name,
                    &text,
                )
                .await
                .map_err(|_| ErrorCode::Internal)?;
                stored.from = Some(from);
                stored
            }
        };
        let mut state = lock(&membership.room.state);
        let bytes = encode(&ServerMessage::Chat {
            message: message.clone(),
        });
        match to {
            Some(to) => {
                state.send_to(to, bytes.clone());
                state.send_to(from, bytes);
            }
            None => {
                state.remember_chat(ChatMessage {
                    from: None,
                    ..message
                });
                state.broadcast(None, &bytes);
            }
        }
        Ok(())
    }

    /// Moderators: deletes a public message for everyone (kept in the
    /// database as deleted, never replayed).
    async fn delete_chat(&self, membership: &Membership, id: &str) -> Result<(), ErrorCode> {
        self.moderate(membership, |_, _| Ok(()))?;
        let deleted = chat::db::delete_message(&self.0.db, &membership.room.meeting_id, id)
            .await
            .map_err(|_| ErrorCode::Internal)?;
        if !deleted {
            return Err(ErrorCode::NotFound);
        }
        let mut state = lock(&membership.room.state);
        state.recent_chat.retain(|m| m.id != id);
        state.broadcast(
            None,
            &encode(&ServerMessage::ChatDeleted { id: id.to_owned() }),
        );
        Ok(())
    }

    /// Moderators: removes a participant, who is told so and cannot
    /// rejoin this meeting (recorded before they are let go).
    async fn remove(&self, membership: &Membership, peer: PeerId) -> Result<(), ErrorCode> {
        let subject = {
            let state = lock(&membership.room.state);
            let role = state.moderator_role(membership.peer)?;
            target(&state, role, membership.peer, peer)?;
            state
                .peers
                .get(&peer)
                .map(|slot| slot.subject.clone())
                .ok_or(ErrorCode::UnknownPeer)?
        };
        super::db::record_removal(&self.0.db, &membership.room.meeting_id, &subject)
            .await
            .map_err(|_| ErrorCode::Internal)?;
        {
            let mut state = lock(&membership.room.state);
            if let Some(slot) = state.peers.get(&peer) {
                let _ = slot.tx.try_send(encode(&ServerMessage::Closed {
                    reason: CloseReason::Removed,
                }));
            }
            state.cohosts.remove(&subject);
            state.depart(vec![peer]);
        }
        tracing::info!(room = %membership.room.key, by = %membership.peer, %peer, "participant removed");
        self.forget_if_empty(&membership.room);
        Ok(())
    }
}

/// Checks that a moderator with `role` may act on `peer`: someone else,
/// in the room, and not the host unless the actor is the host.
fn target(state: &RoomState, role: RoomRole, actor: PeerId, peer: PeerId) -> Result<(), ErrorCode> {
    if peer == actor {
        return Err(ErrorCode::Forbidden);
    }
    let slot = state.peers.get(&peer).ok_or(ErrorCode::UnknownPeer)?;
    if slot.info.role == RoomRole::Host && role != RoomRole::Host {
        return Err(ErrorCode::Forbidden);
    }
    Ok(())
}

/// Moves knockers from the lobby into the room.
fn admit(state: &mut RoomState, peers: &[PeerId], hub: &HubHandle) -> Result<(), ErrorCode> {
    if peers.len() == 1 && !state.lobby.contains_key(&peers[0]) {
        return Err(ErrorCode::NotFound);
    }
    for peer in peers {
        if let Some(knocker) = state.lobby.remove(peer) {
            let epoch = knocker.epoch;
            state.enter(
                *peer,
                &knocker.name,
                knocker.identity,
                knocker.tx,
                epoch,
                hub.settings(),
            );
        }
    }
    state.announce_lobby();
    Ok(())
}

/// Turns knockers away: they get `closed: denied` and their socket closes.
fn deny(state: &mut RoomState, peers: &[PeerId]) -> Result<(), ErrorCode> {
    if peers.len() == 1 && !state.lobby.contains_key(&peers[0]) {
        return Err(ErrorCode::NotFound);
    }
    let denied = encode(&ServerMessage::Closed {
        reason: CloseReason::Denied,
    });
    for peer in peers {
        if let Some(knocker) = state.lobby.remove(peer) {
            let _ = knocker.tx.try_send(denied.clone());
        }
    }
    state.announce_lobby();
    Ok(())
}
