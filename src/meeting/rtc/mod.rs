//! The browser side of a call (hydrate only).
//!
//! [`Call`] owns the signaling WebSocket (opened in standby by the
//! pre-join screen, so joining is one message), the map peer id → [`PeerLink`]
//! and every JS callback it registers; dropping it (or [`Call::hang_up`])
//! detaches and frees them all. Incoming signaling messages go through a
//! queue and are handled one at a time, in order, by one task, which keeps
//! the negotiation state of each peer simple to reason about.

mod ffi;
pub mod media;
mod peer;

use crate::meeting::call::{CallPhase, CallSignals, LinkState, RemotePeer};
use crate::meeting::protocol::{ClientMessage, IceServer, PeerId, PeerInfo, ServerMessage};
use crate::meeting::JoinTicket;
use futures::channel::mpsc;
use futures::StreamExt;
use leptos::prelude::*;
use peer::PeerLink;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

thread_local! {
    /// One DTLS certificate for every peer connection of this page, made
    /// ahead of time so that no connection waits for key generation.
    static CERTIFICATE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Generates the page's DTLS certificate (ECDSA P-256) in the background,
/// once. Call it when the pre-join screen opens.
pub fn prepare_certificate() {
    if CERTIFICATE.with(|c| c.borrow().is_some()) {
        return;
    }
    let algorithm = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&algorithm, &"name".into(), &"ECDSA".into());
    let _ = js_sys::Reflect::set(&algorithm, &"namedCurve".into(), &"P-256".into());
    let Ok(promise) = web_sys::RtcPeerConnection::generate_certificate_with_object(&algorithm)
    else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(certificate) = wasm_bindgen_futures::JsFuture::from(promise).await {
            CERTIFICATE.with(|c| *c.borrow_mut() = Some(certificate));
        }
    });
}

pub(crate) fn certificate() -> Option<JsValue> {
    CERTIFICATE.with(|c| c.borrow().clone())
}

/// Most chat messages kept on screen.
const CHAT_KEEP: usize = 500;

pub(crate) struct Inner {
    pub signals: CallSignals,
    pub me: Option<PeerId>,
    pub ice_servers: Vec<IceServer>,
    pub peers: HashMap<PeerId, PeerLink>,
    socket: Option<Socket>,
    /// Name to send with `join` as soon as the socket opens.
    pending_join: Option<String>,
    closed: bool,
}

/// The signaling socket and the callbacks it owns.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

impl Inner {
    /// Sends a message if the socket is open; drops it otherwise (the call
    /// is ending).
    pub fn send(&self, message: &ClientMessage) {
        let Some(socket) = &self.socket else { return };
        if socket.ws.ready_state() != WebSocket::OPEN {
            return;
        }
        if let Ok(text) = serde_json::to_string(message) {
            let _ = socket.ws.send_with_str(&text);
        }
    }
}

/// A joined call. Not `Send`: it lives in the browser's one thread.
pub struct Call {
    inner: Rc<RefCell<Inner>>,
}

impl Call {
    /// Opens the signaling socket with `ticket`, in standby: nobody sees us
    /// until [`Call::join`]. Progress shows up in `signals`.
    pub fn connect(signals: CallSignals, ticket: JoinTicket) -> Call {
        let inner = Rc::new(RefCell::new(Inner {
            signals,
            me: None,
            ice_servers: Vec::new(),
            peers: HashMap::new(),
            socket: None,
            pending_join: None,
            closed: false,
        }));
        let (inbox, queue) = mpsc::unbounded::<ServerMessage>();
        match open_socket(&inner, &ticket, inbox) {
            Ok(socket) => inner.borrow_mut().socket = Some(socket),
            Err(_) => inner.borrow_mut().closed = true,
        }
        wasm_bindgen_futures::spawn_local(process(Rc::downgrade(&inner), queue));
        Call { inner }
    }

    /// Whether the socket is open or opening (else a new ticket is needed).
    pub fn is_usable(&self) -> bool {
        let state = self.inner.borrow();
        !state.closed
            && state.socket.as_ref().is_some_and(|s| {
                matches!(s.ws.ready_state(), WebSocket::OPEN | WebSocket::CONNECTING)
            })
    }

    /// Enters the room under `name` (sent now, or as soon as the socket
    /// is open).
    pub fn join(&self, name: String) {
        let mut state = self.inner.borrow_mut();
        state.signals.phase.set(CallPhase::Joining);
        state.signals.my_name.set(name.clone());
        let open = state
            .socket
            .as_ref()
            .is_some_and(|s| s.ws.ready_state() == WebSocket::OPEN);
        if open {
            state.send(&ClientMessage::Join { name });
        } else {
            state.pending_join = Some(name);
        }
    }

    /// Tells the others our microphone/camera state.
    pub fn announce_media(&self) {
        let state = self.inner.borrow();
        state.send(&ClientMessage::Media {
            audio: state.signals.audio_on.get_untracked(),
            video: state.signals.video_on.get_untracked(),
        });
    }

    pub fn send_chat(&self, text: String) {
        self.inner.borrow().send(&ClientMessage::Chat { text });
    }

    /// Ends the call: optionally says goodbye, closes the socket and every
    /// peer connection. The local camera stays open for a rejoin.
    pub fn hang_up(self, say_goodbye: bool) {
        let (socket, peers) = {
            let mut state = self.inner.borrow_mut();
            state.closed = true;
            if say_goodbye {
                state.send(&ClientMessage::Leave);
            }
            (state.socket.take(), std::mem::take(&mut state.peers))
        };
        // Dropped outside the borrow: their Drop impls close and detach.
        drop(peers);
        drop(socket);
    }
}

fn socket_url(ticket: &JoinTicket) -> Result<String, JsValue> {
    let location = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .location();
    let scheme = if location.protocol()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Ok(format!(
        "{scheme}://{}{}?token={}",
        location.host()?,
        ticket.ws_path,
        ticket.token
    ))
}

fn open_socket(
    inner: &Rc<RefCell<Inner>>,
    ticket: &JoinTicket,
    inbox: mpsc::UnboundedSender<ServerMessage>,
) -> Result<Socket, JsValue> {
    let ws = WebSocket::new(&socket_url(ticket)?)?;
    let on_open = {
        let weak = Rc::downgrade(inner);
        Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            let mut state = inner.borrow_mut();
            if let Some(name) = state.pending_join.take() {
                state.send(&ClientMessage::Join { name });
            }
        })
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        match serde_json::from_str::<ServerMessage>(&text) {
            Ok(message) => {
                let _ = inbox.unbounded_send(message);
            }
            Err(error) => leptos::logging::warn!("unreadable signaling message: {error}"),
        }
    });
    let weak = Rc::downgrade(inner);
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_event: CloseEvent| {
        let Some(inner) = weak.upgrade() else { return };
        let (was_closed, signals) = {
            let mut state = inner.borrow_mut();
            let was_closed = state.closed;
            state.closed = true;
            (was_closed, state.signals)
        };
        // A socket lost in standby is replaced on the next click on
        // "Join"; one lost in the call ends it.
        if !was_closed && signals.phase.get_untracked() != CallPhase::Lobby {
            signals.phase.set(CallPhase::Failed);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Ok(Socket {
        ws,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
    })
}

/// Handles signaling messages one by one until the call is gone.
async fn process(weak: Weak<RefCell<Inner>>, mut queue: mpsc::UnboundedReceiver<ServerMessage>) {
    while let Some(message) = queue.next().await {
        let Some(inner) = weak.upgrade() else { break };
        if inner.borrow().closed {
            break;
        }
        if let Err(error) = handle(&inner, message).await {
            leptos::logging::warn!("signaling step failed: {error:?}");
        }
    }
}

fn remote_peer(info: &PeerInfo) -> RemotePeer {
    RemotePeer {
        id: info.id,
        name: info.name.clone(),
        audio: info.audio,
        video: info.video,
        link: LinkState::Connecting,
        stream: None,
    }
}

async fn handle(inner: &Rc<RefCell<Inner>>, message: ServerMessage) -> Result<(), JsValue> {
    let signals = inner.borrow().signals;
    match message {
        ServerMessage::Welcome {
            you,
            peers,
            chat,
            ice_servers,
        } => {
            {
                let mut state = inner.borrow_mut();
                state.me = Some(you);
                state.ice_servers = ice_servers;
            }
            // We are the newcomer: we offer to everyone already here. The
            // connections start before the view changes, so negotiation
            // does not wait behind the first render of the call screen.
            signals.peers.set(peers.iter().map(remote_peer).collect());
            for peer in &peers {
                peer::create(inner, peer.id, true)?;
            }
            signals.me.set(Some(you));
            signals.chat.set(chat);
            signals.phase.set(CallPhase::InCall);
            let (audio, video) = (
                signals.audio_on.get_untracked(),
                signals.video_on.get_untracked(),
            );
            if !(audio && video) {
                inner.borrow().send(&ClientMessage::Media { audio, video });
            }
        }
        ServerMessage::PeerJoined { peer } => {
            // Ready before their offer arrives; media is added with the answer.
            if !inner.borrow().peers.contains_key(&peer.id) {
                peer::create(inner, peer.id, false)?;
            }
            signals.peers.update(|peers| {
                if !peers.iter().any(|p| p.id == peer.id) {
                    peers.push(remote_peer(&peer));
                }
            });
        }
        ServerMessage::PeerLeft { peer } => {
            let link = inner.borrow_mut().peers.remove(&peer);
            drop(link);
            signals.peers.update(|peers| peers.retain(|p| p.id != peer));
        }
        ServerMessage::Offer { from, sdp } => peer::on_offer(inner, from, sdp).await?,
        ServerMessage::Answer { from, sdp } => peer::on_answer(inner, from, sdp).await?,
        ServerMessage::Candidate { from, candidate } => {
            peer::on_candidate(inner, from, candidate).await?
        }
        ServerMessage::Media { from, audio, video } => {
            signals.update_peer(from, |peer| {
                peer.audio = audio;
                peer.video = video;
            });
        }
        ServerMessage::Chat { message } => {
            signals.chat.update(|chat| {
                chat.push(message);
                if chat.len() > CHAT_KEEP {
                    chat.drain(..chat.len() - CHAT_KEEP);
                }
            });
        }
        ServerMessage::Error { code, message } => {
            leptos::logging::warn!("signaling error {code:?}: {message}");
            // A refused `join` leaves us on the pre-join screen.
            if signals.phase.get_untracked() == CallPhase::Joining {
                signals.phase.set(CallPhase::Lobby);
            }
            signals.notice.set(Some(code));
        }
    }
    Ok(())
}
