//! The call as the view sees it: a handful of signals, and a few commands.
//!
//! In the browser, [`CallControls`] drives [`super::rtc::Call`], which owns
//! the socket, the local media and the peer connections; on the server the
//! commands do nothing (a call only exists after hydration). The view never
//! touches web-sys itself.

use super::protocol::{
    ClientMessage, CloseReason, ErrorCode, Knock, PeerId, PeerInfo, RoomAccess, RoomRole, TrackKind,
};
use crate::chat::ChatMessage;
use leptos::prelude::*;

/// A media stream the view can show. In the browser it wraps the
/// `MediaStream`; compared by the stream's id.
#[derive(Clone)]
pub struct StreamHandle {
    pub id: String,
    #[cfg(feature = "hydrate")]
    pub(crate) stream: send_wrapper::SendWrapper<web_sys::MediaStream>,
}

impl PartialEq for StreamHandle {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::fmt::Debug for StreamHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StreamHandle({})", self.id)
    }
}

#[cfg(feature = "hydrate")]
impl StreamHandle {
    pub(crate) fn new(stream: web_sys::MediaStream) -> Self {
        StreamHandle {
            id: stream.id(),
            stream: send_wrapper::SendWrapper::new(stream),
        }
    }

    pub(crate) fn stream(&self) -> &web_sys::MediaStream {
        &self.stream
    }
}

/// Where the call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallPhase {
    /// Pre-join screen: preview, name, devices.
    Lobby,
    /// Join requested; waiting for the room token and the socket.
    Joining,
    /// Knocked: a host or co-host must let us in.
    Waiting,
    InCall,
    /// The signaling socket dropped; reconnecting to resume the same peer.
    Reconnecting,
    /// Left on purpose.
    Left,
    /// The server ended our part: removed, denied, meeting ended...
    Closed(CloseReason),
    /// Could not join or lost the connection for good.
    Failed,
}

/// Transport state of the connection to one remote peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Connected,
    Disconnected,
    Failed,
}

/// Connection quality to one peer, from `getStats()` (round-trip time and
/// packet loss of the last few seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    #[default]
    Unknown,
    Good,
    Fair,
    Poor,
}

/// Someone else in the call.
#[derive(Clone, Debug, PartialEq)]
pub struct RemotePeer {
    pub id: PeerId,
    pub name: String,
    pub role: RoomRole,
    pub audio: bool,
    pub video: bool,
    pub screen: bool,
    /// Place in the raised-hands order.
    pub hand: Option<u64>,
    pub audio_only: bool,
    /// Their signaling socket dropped; they may come back.
    pub reconnecting: bool,
    pub link: LinkState,
    pub quality: Quality,
    pub speaking: bool,
    /// Camera and microphone.
    pub stream: Option<StreamHandle>,
    /// Their shared screen, while they share it.
    pub screen_stream: Option<StreamHandle>,
}

impl RemotePeer {
    /// A peer as the server described it, not yet connected.
    pub fn from_info(info: &PeerInfo) -> Self {
        RemotePeer {
            id: info.id,
            name: info.name.clone(),
            role: info.role,
            audio: info.audio,
            video: info.video,
            screen: info.screen,
            hand: info.hand,
            audio_only: info.audio_only,
            reconnecting: info.reconnecting,
            link: LinkState::Connecting,
            quality: Quality::Unknown,
            speaking: false,
            stream: None,
            screen_stream: None,
        }
    }

    /// Takes the server's newer description, keeping the media.
    pub fn apply(&mut self, info: &PeerInfo) {
        self.name = info.name.clone();
        self.role = info.role;
        self.audio = info.audio;
        self.video = info.video;
        self.screen = info.screen;
        self.hand = info.hand;
        self.audio_only = info.audio_only;
        self.reconnecting = info.reconnecting;
        if !info.screen {
            self.screen_stream = None;
        }
    }
}

/// A camera, microphone or speaker the browser offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub kind: DeviceKind,
    pub id: String,
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    Camera,
    Microphone,
    Speaker,
}

/// A reaction floating over someone's tile for a few seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownReaction {
    /// Unique on this page, for keyed lists.
    pub key: u64,
    pub from: PeerId,
    pub emoji: String,
}

/// Something a moderator did to us, shown until dismissed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeratorNotice {
    MutedBy(PeerId, TrackKind),
    UnmuteRequest(PeerId),
}

/// Everything the call view renders from.
#[derive(Clone, Copy)]
pub struct CallSignals {
    pub phase: RwSignal<CallPhase>,
    pub me: RwSignal<Option<PeerId>>,
    pub my_name: RwSignal<String>,
    pub role: RwSignal<RoomRole>,
    pub access: RwSignal<RoomAccess>,
    /// Above the mesh limit: no camera, no screen share.
    pub audio_only: RwSignal<bool>,
    pub local: RwSignal<Option<StreamHandle>>,
    /// Our shared screen, while sharing.
    pub local_screen: RwSignal<Option<StreamHandle>>,
    /// Camera/microphone could not be opened.
    pub no_devices: RwSignal<bool>,
    pub audio_on: RwSignal<bool>,
    pub video_on: RwSignal<bool>,
    pub my_hand: RwSignal<Option<u64>>,
    pub me_speaking: RwSignal<bool>,
    /// Others, in the order they were first seen.
    pub peers: RwSignal<Vec<RemotePeer>>,
    /// Who knocks (moderators only).
    pub lobby: RwSignal<Vec<Knock>>,
    pub chat: RwSignal<Vec<ChatMessage>>,
    pub reactions: RwSignal<Vec<ShownReaction>>,
    pub moderator_notice: RwSignal<Option<ModeratorNotice>>,
    pub devices: RwSignal<Vec<Device>>,
    /// Chosen device ids (`None`: the browser's default).
    pub camera_id: RwSignal<Option<String>>,
    pub microphone_id: RwSignal<Option<String>>,
    pub speaker_id: RwSignal<Option<String>>,
    /// Last refusal from the signaling server, shown until the next one.
    pub notice: RwSignal<Option<ErrorCode>>,
}

impl CallSignals {
    pub fn new() -> Self {
        CallSignals {
            phase: RwSignal::new(CallPhase::Lobby),
            me: RwSignal::new(None),
            my_name: RwSignal::new(String::new()),
            role: RwSignal::new(RoomRole::Participant),
            access: RwSignal::new(RoomAccess::Open),
            audio_only: RwSignal::new(false),
            local: RwSignal::new(None),
            local_screen: RwSignal::new(None),
            no_devices: RwSignal::new(false),
            audio_on: RwSignal::new(true),
            video_on: RwSignal::new(true),
            my_hand: RwSignal::new(None),
            me_speaking: RwSignal::new(false),
            peers: RwSignal::new(Vec::new()),
            lobby: RwSignal::new(Vec::new()),
            chat: RwSignal::new(Vec::new()),
            reactions: RwSignal::new(Vec::new()),
            moderator_notice: RwSignal::new(None),
            devices: RwSignal::new(Vec::new()),
            camera_id: RwSignal::new(None),
            microphone_id: RwSignal::new(None),
            speaker_id: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    /// Applies `f` to the peer `id`, if present.
    pub fn update_peer(&self, id: PeerId, f: impl FnOnce(&mut RemotePeer)) {
        self.peers.update(|peers| {
            if let Some(peer) = peers.iter_mut().find(|p| p.id == id) {
                f(peer);
            }
        });
    }

    /// The name of peer `id` (empty if unknown).
    pub fn name_of(&self, id: PeerId) -> String {
        self.peers.with_untracked(|peers| {
            peers
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        })
    }
}

impl Default for CallSignals {
    fn default() -> Self {
        Self::new()
    }
}

/// Commands from the view to the call.
#[derive(Clone, Copy)]
pub struct CallControls {
    pub signals: CallSignals,
    #[cfg(feature = "hydrate")]
    call: StoredValue<Option<super::rtc::Call>, LocalStorage>,
}

impl CallControls {
    /// Creates the controls; in the browser the call is released when the
    /// current component is cleaned up.
    pub fn new(signals: CallSignals) -> Self {
        #[cfg(feature = "hydrate")]
        {
            let call = StoredValue::new_local(None::<super::rtc::Call>);
            on_cleanup(move || {
                if let Some(Some(call)) = call.try_update_value(Option::take) {
                    call.hang_up(false);
                }
                super::rtc::media::stop(signals.local.get_untracked().as_ref());
            });
            CallControls { signals, call }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            CallControls { signals }
        }
    }

    /// Opens camera and microphone for the preview (browser only).
    pub fn open_media(&self) {
        #[cfg(feature = "hydrate")]
        {
            super::rtc::prepare_certificate();
            super::rtc::media::open_preview(self.signals);
        }
    }

    /// Opens the signaling socket with a room ticket, in standby (browser
    /// only); replaces an earlier one.
    pub fn connect(&self, ticket: super::JoinTicket) {
        #[cfg(feature = "hydrate")]
        {
            let call = super::rtc::Call::connect(self.signals, ticket);
            if let Some(Some(old)) = self.call.try_update_value(|slot| slot.replace(call)) {
                old.hang_up(false);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ticket;
    }

    /// Enters the room under `name`. `false` when there is no usable
    /// socket: fetch a ticket, [`CallControls::connect`], and try again.
    pub fn join(&self, name: String) -> bool {
        self.signals.notice.set(None);
        #[cfg(feature = "hydrate")]
        {
            self.call.with_value(|call| match call {
                Some(call) if call.is_usable() => {
                    call.join(name);
                    true
                }
                _ => false,
            })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            false
        }
    }

    pub fn toggle_audio(&self) {
        let on = !self.signals.audio_on.get_untracked();
        self.signals.audio_on.set(on);
        self.apply_media();
    }

    pub fn toggle_video(&self) {
        let on = !self.signals.video_on.get_untracked();
        self.signals.video_on.set(on);
        self.apply_media();
    }

    fn apply_media(&self) {
        #[cfg(feature = "hydrate")]
        {
            super::rtc::media::set_enabled(
                self.signals.local.get_untracked().as_ref(),
                self.signals.audio_on.get_untracked(),
                self.signals.video_on.get_untracked(),
            );
            self.call.with_value(|call| {
                if let Some(call) = call {
                    call.announce_media();
                }
            });
        }
    }

    /// Sends a chat message to everyone, or privately to `to`.
    pub fn send_chat(&self, text: String, to: Option<PeerId>) {
        self.send(ClientMessage::Chat { text, to });
    }

    /// Sends one protocol message as is (hands, reactions, moderation).
    /// The server decides whether we may; a refusal shows as a notice.
    pub fn send(&self, message: ClientMessage) {
        #[cfg(feature = "hydrate")]
        self.call.with_value(|call| {
            if let Some(call) = call {
                call.send(&message);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = message;
    }

    /// Raises our hand, or lowers it.
    pub fn toggle_hand(&self) {
        let raised = self.signals.my_hand.get_untracked().is_none();
        self.send(ClientMessage::Hand { raised });
    }

    /// Starts sharing a screen (the browser asks which), or stops.
    pub fn toggle_screen(&self) {
        #[cfg(feature = "hydrate")]
        self.call.with_value(|call| {
            if let Some(call) = call {
                call.toggle_screen();
            }
        });
    }

    /// Switches camera, microphone or speaker mid-call (no renegotiation:
    /// the new track replaces the old one on every connection).
    pub fn select_device(&self, kind: DeviceKind, id: String) {
        #[cfg(feature = "hydrate")]
        {
            let call = self.call;
            super::rtc::media::select_device(self.signals, kind, id, move |kind, track| {
                call.with_value(|call| {
                    if let Some(call) = call {
                        call.replace_track(kind, track);
                    }
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (kind, id);
    }

    /// Lists the cameras, microphones and speakers (labels appear once
    /// the page may use the camera).
    pub fn refresh_devices(&self) {
        #[cfg(feature = "hydrate")]
        super::rtc::media::refresh_devices(self.signals);
    }

    /// Leaves the call (the preview stays open for a rejoin).
    pub fn leave(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(Some(call)) = self.call.try_update_value(Option::take) {
            call.hang_up(true);
        }
        self.signals.phase.set(CallPhase::Left);
        self.reset();
    }

    /// Forgets the room's state after the call (a rejoin starts afresh).
    pub fn reset(&self) {
        let s = self.signals;
        s.peers.set(Vec::new());
        s.lobby.set(Vec::new());
        s.reactions.set(Vec::new());
        s.my_hand.set(None);
        s.moderator_notice.set(None);
        s.audio_only.set(false);
        s.role.set(RoomRole::Participant);
        #[cfg(feature = "hydrate")]
        {
            super::rtc::media::stop(s.local_screen.get_untracked().as_ref());
        }
        s.local_screen.set(None);
    }
}
