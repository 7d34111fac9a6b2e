//! The call as the view sees it: a handful of signals, and a few commands.
//!
//! In the browser, [`CallControls`] drives [`super::rtc::Call`], which owns
//! the socket, the local media and the peer connections; on the server the
//! commands do nothing (a call only exists after hydration). The view never
//! touches web-sys itself.

use super::protocol::{ErrorCode, PeerId};
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
    InCall,
    /// The signaling socket dropped; trying again.
    Reconnecting,
    /// Left on purpose.
    Left,
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

/// Someone else in the call.
#[derive(Clone, Debug, PartialEq)]
pub struct RemotePeer {
    pub id: PeerId,
    pub name: String,
    pub audio: bool,
    pub video: bool,
    pub link: LinkState,
    pub stream: Option<StreamHandle>,
}

/// Everything the call view renders from.
#[derive(Clone, Copy)]
pub struct CallSignals {
    pub phase: RwSignal<CallPhase>,
    pub me: RwSignal<Option<PeerId>>,
    pub my_name: RwSignal<String>,
    pub local: RwSignal<Option<StreamHandle>>,
    /// Camera/microphone could not be opened.
    pub no_devices: RwSignal<bool>,
    pub audio_on: RwSignal<bool>,
    pub video_on: RwSignal<bool>,
    /// Others, in the order they were first seen.
    pub peers: RwSignal<Vec<RemotePeer>>,
    pub chat: RwSignal<Vec<ChatMessage>>,
    /// Last refusal from the signaling server, shown until the next one.
    pub notice: RwSignal<Option<ErrorCode>>,
}

impl CallSignals {
    pub fn new() -> Self {
        CallSignals {
            phase: RwSignal::new(CallPhase::Lobby),
            me: RwSignal::new(None),
            my_name: RwSignal::new(String::new()),
            local: RwSignal::new(None),
            no_devices: RwSignal::new(false),
            audio_on: RwSignal::new(true),
            video_on: RwSignal::new(true),
            peers: RwSignal::new(Vec::new()),
            chat: RwSignal::new(Vec::new()),
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

    /// Sends a chat message to everyone.
    pub fn send_chat(&self, text: String) {
        #[cfg(feature = "hydrate")]
        self.call.with_value(|call| {
            if let Some(call) = call {
                call.send_chat(text);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    }

    /// Leaves the call (the preview stays open for a rejoin).
    pub fn leave(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(Some(call)) = self.call.try_update_value(Option::take) {
            call.hang_up(true);
        }
        self.signals.phase.set(CallPhase::Left);
        self.signals.peers.set(Vec::new());
    }
}
