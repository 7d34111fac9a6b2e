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
mod stats;

use crate::error::AppError;
use crate::meeting::call::{
    CallPhase, CallSignals, DeviceKind, ModeratorNotice, RemotePeer, ShownReaction, StreamHandle,
};
use crate::meeting::protocol::{
    ClientMessage, CloseReason, ErrorCode, IceServer, PeerId, ServerMessage, TrackKind,
};
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
use web_sys::{CloseEvent, MediaStreamTrack, MessageEvent, WebSocket};

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
/// Reconnect attempts before giving up (about a minute with backoff).
const MAX_ATTEMPTS: u32 = 15;
/// How long a reaction floats over a tile, ms.
const REACTION_MS: i32 = 4000;

pub(crate) struct Inner {
    pub signals: CallSignals,
    pub me: Option<PeerId>,
    pub ice_servers: Vec<IceServer>,
    pub peers: HashMap<PeerId, PeerLink>,
    socket: Option<Socket>,
    inbox: mpsc::UnboundedSender<ServerMessage>,
    /// The room, for fresh tickets when reconnecting.
    room: String,
    /// The name we joined under; `Some` once we asked to join.
    name: Option<String>,
    /// Send `join` as soon as the socket opens.
    pending_join: bool,
    /// From the last `welcome`: resumes our peer after a dropped socket.
    resume: Option<String>,
    /// Hung up on purpose, or the server ended our part.
    closed: bool,
    /// Bumped to cancel a scheduled reconnect.
    generation: u32,
    attempts: u32,
    screen: Option<ScreenShare>,
    next_reaction: u64,
    _online: Option<Listener>,
    _stats: Option<Interval>,
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

/// Our shared screen: its stream and the end-of-capture callback (the
/// browser's own "Stop sharing" bar).
struct ScreenShare {
    stream: StreamHandle,
    track: MediaStreamTrack,
    _on_ended: Closure<dyn FnMut()>,
}

impl Drop for ScreenShare {
    fn drop(&mut self) {
        self.track.set_onended(None);
        self.track.stop();
    }
}

/// A window event listener, removed when dropped.
struct Listener {
    event: &'static str,
    callback: Closure<dyn FnMut()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                self.event,
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}

/// A `setInterval` timer, cleared when dropped.
struct Interval {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(self.id);
        }
    }
}

impl Inner {
    /// Sends a message if the socket is open; drops it otherwise (it
    /// would be stale after a reconnect: state is resent on `welcome`).
    pub fn send(&self, message: &ClientMessage) {
        let Some(socket) = &self.socket else { return };
        if socket.ws.ready_state() != WebSocket::OPEN {
            return;
        }
        if let Ok(text) = serde_json::to_string(message) {
            let _ = socket.ws.send_with_str(&text);
        }
    }

    fn join_message(&self) -> Option<ClientMessage> {
        Some(ClientMessage::Join {
            name: self.name.clone()?,
            resume: self.resume.clone(),
        })
    }

    fn announce_media(&self) {
        self.send(&ClientMessage::Media {
            audio: self.signals.audio_on.get_untracked(),
            video: self.signals.video_on.get_untracked(),
            screen: self.screen.is_some(),
        });
    }

    pub(crate) fn screen_stream(&self) -> Option<(MediaStreamTrack, StreamHandle)> {
        self.screen
            .as_ref()
            .map(|s| (s.track.clone(), s.stream.clone()))
    }
}

/// Resolves after `ms` milliseconds.
pub(crate) async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A joined call. Not `Send`: it lives in the browser's one thread.
pub struct Call {
    inner: Rc<RefCell<Inner>>,
}

impl Drop for Call {
    fn drop(&mut self) {
        release(&self.inner);
        let mut state = self.inner.borrow_mut();
        state._online = None;
        state._stats = None;
    }
}

impl Call {
    /// Opens the signaling socket with `ticket`, in standby: nobody sees us
    /// until [`Call::join`]. Progress shows up in `signals`.
    pub fn connect(signals: CallSignals, ticket: JoinTicket) -> Call {
        let (inbox, queue) = mpsc::unbounded::<ServerMessage>();
        let room = ticket
            .ws_path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let inner = Rc::new(RefCell::new(Inner {
            signals,
            me: None,
            ice_servers: Vec::new(),
            peers: HashMap::new(),
            socket: None,
            inbox,
            room,
            name: None,
            pending_join: false,
            resume: None,
            closed: false,
            generation: 0,
            attempts: 0,
            screen: None,
            next_reaction: 0,
            _online: None,
            _stats: None,
        }));
        match open_socket(&inner, &ticket) {
            Ok(socket) => inner.borrow_mut().socket = Some(socket),
            Err(_) => inner.borrow_mut().closed = true,
        }
        let online = listen_online(&inner);
        let stats = stats::start(&inner);
        {
            let mut state = inner.borrow_mut();
            state._online = online;
            state._stats = stats;
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
        state.name = Some(name);
        let open = state
            .socket
            .as_ref()
            .is_some_and(|s| s.ws.ready_state() == WebSocket::OPEN);
        if open {
            if let Some(join) = state.join_message() {
                state.send(&join);
            }
        } else {
            state.pending_join = true;
        }
    }

    /// Tells the others our microphone/camera/screen state.
    pub fn announce_media(&self) {
        self.inner.borrow().announce_media();
    }

    pub fn send(&self, message: &ClientMessage) {
        self.inner.borrow().send(message);
    }

    /// Starts or stops sharing the screen.
    pub fn toggle_screen(&self) {
        if self.inner.borrow().screen.is_some() {
            stop_screen(&self.inner);
        } else {
            wasm_bindgen_futures::spawn_local(start_screen(Rc::downgrade(&self.inner)));
        }
    }

    /// Puts a new camera or microphone track on every connection.
    pub fn replace_track(&self, kind: DeviceKind, track: MediaStreamTrack) {
        let state = self.inner.borrow();
        for link in state.peers.values() {
            peer::replace_track(
                link,
                kind,
                &track,
                state.signals.local.get_untracked().as_ref(),
            );
        }
    }

    /// Ends the call: optionally says goodbye, closes the socket and every
    /// peer connection. The local camera stays open for a rejoin.
    pub fn hang_up(self, say_goodbye: bool) {
        if say_goodbye {
            self.inner.borrow().send(&ClientMessage::Leave);
        }
        // Drop does the rest.
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

fn open_socket(inner: &Rc<RefCell<Inner>>, ticket: &JoinTicket) -> Result<Socket, JsValue> {
    let ws = WebSocket::new(&socket_url(ticket)?)?;
    let on_open = {
        let weak = Rc::downgrade(inner);
        Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            let mut state = inner.borrow_mut();
            if std::mem::take(&mut state.pending_join) {
                if let Some(join) = state.join_message() {
                    state.send(&join);
                }
            }
        })
    };
    let inbox = inner.borrow().inbox.clone();
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
        socket_lost(&inner);
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

/// The socket closed without us closing it.
fn socket_lost(inner: &Rc<RefCell<Inner>>) {
    let (signals, joined) = {
        let state = inner.borrow();
        if state.closed {
            return;
        }
        (state.signals, state.name.is_some())
    };
    if !joined {
        // Lost in standby: "Join" fetches a new ticket.
        inner.borrow_mut().closed = true;
        return;
    }
    if signals.phase.get_untracked() == CallPhase::InCall {
        signals.phase.set(CallPhase::Reconnecting);
    }
    schedule_reconnect(inner);
}

/// Tries again after a growing, jittered delay (250 ms … 4 s).
fn schedule_reconnect(inner: &Rc<RefCell<Inner>>) {
    let (generation, delay, give_up) = {
        let mut state = inner.borrow_mut();
        state.attempts += 1;
        let base = 250_i32.saturating_mul(1 << state.attempts.min(5)) / 2;
        let jitter = (js_sys::Math::random() * 200.0) as i32;
        (
            state.generation,
            base.min(4000) + jitter,
            state.attempts > MAX_ATTEMPTS,
        )
    };
    if give_up {
        let signals = inner.borrow().signals;
        end_call(inner);
        signals.phase.set(CallPhase::Failed);
        return;
    }
    let weak = Rc::downgrade(inner);
    wasm_bindgen_futures::spawn_local(async move {
        sleep(delay).await;
        let Some(inner) = weak.upgrade() else { return };
        if inner.borrow().generation == generation {
            reconnect(weak).await;
        }
    });
}

/// A fresh room token, then a new socket that resumes on open.
async fn reconnect(weak: Weak<RefCell<Inner>>) {
    let Some((room, name)) = weak.upgrade().and_then(|inner| {
        let state = inner.borrow();
        (!state.closed).then(|| (state.room.clone(), state.name.clone().unwrap_or_default()))
    }) else {
        return;
    };
    let ticket = crate::meeting::join_meeting(room, name).await;
    let Some(inner) = weak.upgrade() else { return };
    if inner.borrow().closed {
        return;
    }
    match ticket {
        Ok(ticket) => {
            let old = inner.borrow_mut().socket.take();
            drop(old);
            match open_socket(&inner, &ticket) {
                Ok(socket) => {
                    let mut state = inner.borrow_mut();
                    state.socket = Some(socket);
                    state.pending_join = true;
                }
                Err(_) => schedule_reconnect(&inner),
            }
        }
        Err(AppError::Forbidden) => close_with(&inner, CloseReason::Removed),
        Err(AppError::NotFound) => {
            let signals = inner.borrow().signals;
            end_call(&inner);
            signals.phase.set(CallPhase::Failed);
        }
        // Offline, or the server restarting: later.
        Err(_) => schedule_reconnect(&inner),
    }
}

/// Back online: a dead socket is replaced now rather than after the
/// backoff, and connections that lost their path restart ICE.
fn listen_online(inner: &Rc<RefCell<Inner>>) -> Option<Listener> {
    let weak = Rc::downgrade(inner);
    let callback = Closure::<dyn FnMut()>::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let dead = {
            let state = inner.borrow();
            if state.closed || state.name.is_none() {
                return;
            }
            state
                .socket
                .as_ref()
                .is_none_or(|s| s.ws.ready_state() != WebSocket::OPEN)
        };
        if dead {
            {
                let mut state = inner.borrow_mut();
                state.generation += 1;
                state.attempts = 0;
            }
            wasm_bindgen_futures::spawn_local(reconnect(Rc::downgrade(&inner)));
        }
        peer::restart_stalled(&inner.borrow());
    });
    let window = web_sys::window()?;
    window
        .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref())
        .ok()?;
    Some(Listener {
        event: "online",
        callback,
    })
}

/// Marks the call over (a scheduled reconnect sees it and stops) and
/// closes the socket, every peer connection and the screen capture.
fn release(inner: &Rc<RefCell<Inner>>) {
    let taken = {
        let mut state = inner.borrow_mut();
        state.closed = true;
        state.generation += 1;
        (
            state.socket.take(),
            std::mem::take(&mut state.peers),
            state.screen.take(),
        )
    };
    // Dropped outside the borrow: their Drop impls close and detach.
    drop(taken);
}

/// Closes every connection of ours but keeps the local preview.
fn end_call(inner: &Rc<RefCell<Inner>>) {
    release(inner);
    let signals = inner.borrow().signals;
    signals.local_screen.set(None);
    signals.peers.set(Vec::new());
    signals.lobby.set(Vec::new());
}

fn close_with(inner: &Rc<RefCell<Inner>>, reason: CloseReason) {
    let signals = inner.borrow().signals;
    end_call(inner);
    signals.phase.set(CallPhase::Closed(reason));
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

async fn handle(inner: &Rc<RefCell<Inner>>, message: ServerMessage) -> Result<(), JsValue> {
    let signals = inner.borrow().signals;
    match message {
        ServerMessage::Welcome {
            you,
            role,
            access,
            audio_only,
            resume,
            resumed,
            peers,
            chat,
            ice_servers,
            lobby,
        } => {
            {
                let mut state = inner.borrow_mut();
                state.me = Some(you);
                state.ice_servers = ice_servers;
                state.resume = Some(resume);
                state.attempts = 0;
            }
            signals.role.set(role);
            signals.access.set(access);
            signals.lobby.set(lobby);
            signals.audio_only.set(audio_only);
            if audio_only && signals.video_on.get_untracked() {
                signals.video_on.set(false);
                media::set_enabled(
                    signals.local.get_untracked().as_ref(),
                    signals.audio_on.get_untracked(),
                    false,
                );
                signals.notice.set(Some(ErrorCode::VideoLimit));
            }
            if resumed {
                // The others kept us: keep the connections that are still
                // wanted, and let ICE find a new path where it was lost.
                let gone: Vec<PeerId> = {
                    let state = inner.borrow();
                    state
                        .peers
                        .keys()
                        .filter(|id| !peers.iter().any(|p| p.id == **id))
                        .copied()
                        .collect()
                };
                let dropped: Vec<PeerLink> = {
                    let mut state = inner.borrow_mut();
                    gone.iter()
                        .filter_map(|id| state.peers.remove(id))
                        .collect()
                };
                drop(dropped);
                signals.peers.update(|list| {
                    list.retain(|p| peers.iter().any(|info| info.id == p.id));
                    for info in &peers {
                        match list.iter_mut().find(|p| p.id == info.id) {
                            Some(known) => known.apply(info),
                            None => list.push(RemotePeer::from_info(info)),
                        }
                    }
                });
                peer::restart_stalled(&inner.borrow());
            } else {
                // We are the newcomer: we offer to everyone already here.
                // The connections start before the view changes, so
                // negotiation does not wait behind the first render.
                let old = std::mem::take(&mut inner.borrow_mut().peers);
                drop(old);
                signals.my_hand.set(None);
                signals
                    .peers
                    .set(peers.iter().map(RemotePeer::from_info).collect());
                for peer in &peers {
                    peer::create(inner, peer.id, true)?;
                }
                signals.chat.set(chat);
            }
            signals.me.set(Some(you));
            signals.phase.set(CallPhase::InCall);
            let state = inner.borrow();
            let defaults = signals.audio_on.get_untracked()
                && signals.video_on.get_untracked()
                && state.screen.is_none();
            if resumed || !defaults {
                state.announce_media();
            }
        }
        ServerMessage::Waiting => signals.phase.set(CallPhase::Waiting),
        ServerMessage::Lobby { knocks } => signals.lobby.set(knocks),
        ServerMessage::PeerJoined { peer } => {
            // Ready before their offer arrives; media is added with the answer.
            if !inner.borrow().peers.contains_key(&peer.id) {
                peer::create(inner, peer.id, false)?;
            }
            signals.peers.update(|peers| {
                if !peers.iter().any(|p| p.id == peer.id) {
                    peers.push(RemotePeer::from_info(&peer));
                }
            });
        }
        ServerMessage::PeerLeft { peer } => {
            let link = inner.borrow_mut().peers.remove(&peer);
            drop(link);
            signals.peers.update(|peers| peers.retain(|p| p.id != peer));
            signals
                .reactions
                .update(|shown| shown.retain(|r| r.from != peer));
        }
        ServerMessage::PeerUpdated { peer: info } => {
            if Some(info.id) == inner.borrow().me {
                signals.my_hand.set(info.hand);
                signals.role.set(info.role);
                if signals.audio_only.get_untracked() != info.audio_only {
                    signals.audio_only.set(info.audio_only);
                    if !info.audio_only
                        && signals.notice.get_untracked() == Some(ErrorCode::VideoLimit)
                    {
                        signals.notice.set(None);
                    }
                }
            } else {
                signals.update_peer(info.id, |peer| peer.apply(&info));
            }
        }
        ServerMessage::Offer { from, sdp } => peer::on_offer(inner, from, sdp).await?,
        ServerMessage::Answer { from, sdp } => peer::on_answer(inner, from, sdp).await?,
        ServerMessage::Candidate { from, candidate } => {
            peer::on_candidate(inner, from, candidate).await?
        }
        ServerMessage::Chat { message } => {
            signals.chat.update(|chat| {
                chat.push(message);
                if chat.len() > CHAT_KEEP {
                    chat.drain(..chat.len() - CHAT_KEEP);
                }
            });
        }
        ServerMessage::ChatDeleted { id } => {
            signals.chat.update(|chat| chat.retain(|m| m.id != id));
        }
        ServerMessage::Reaction { from, emoji } => {
            let key = {
                let mut state = inner.borrow_mut();
                state.next_reaction += 1;
                state.next_reaction
            };
            signals
                .reactions
                .update(|shown| shown.push(ShownReaction { key, from, emoji }));
            wasm_bindgen_futures::spawn_local(async move {
                sleep(REACTION_MS).await;
                let _ = signals
                    .reactions
                    .try_update(|shown| shown.retain(|r| r.key != key));
            });
        }
        ServerMessage::Access { access } => signals.access.set(access),
        ServerMessage::UnmuteRequest { by } => {
            signals
                .moderator_notice
                .set(Some(ModeratorNotice::UnmuteRequest(by)));
        }
        ServerMessage::MutedBy { by, track } => {
            match track {
                TrackKind::Audio => signals.audio_on.set(false),
                TrackKind::Video => {
                    signals.video_on.set(false);
                    if inner.borrow().screen.is_some() {
                        stop_screen(inner);
                    }
                }
            }
            media::set_enabled(
                signals.local.get_untracked().as_ref(),
                signals.audio_on.get_untracked(),
                signals.video_on.get_untracked(),
            );
            signals
                .moderator_notice
                .set(Some(ModeratorNotice::MutedBy(by, track)));
        }
        ServerMessage::Closed { reason } => close_with(inner, reason),
        ServerMessage::Error { code, message } => {
            leptos::logging::warn!("signaling error {code:?}: {message}");
            // A refused `join` leaves us on the pre-join screen.
            if signals.phase.get_untracked() == CallPhase::Joining {
                inner.borrow_mut().name = None;
                signals.phase.set(CallPhase::Lobby);
            }
            signals.notice.set(Some(code));
        }
    }
    Ok(())
}

/// Asks the browser for a screen (or window, or tab) and sends it to
/// everyone as an extra video track.
async fn start_screen(weak: Weak<RefCell<Inner>>) {
    let Ok(stream) = media::get_display_media().await else {
        // Cancelled in the browser's picker, or not allowed: nothing to do.
        return;
    };
    let Some(inner) = weak.upgrade() else {
        media::stop(Some(&StreamHandle::new(stream)));
        return;
    };
    let handle = StreamHandle::new(stream);
    let Some(track) = media::local_tracks(&handle)
        .into_iter()
        .find(|t| t.kind() == "video")
    else {
        media::stop(Some(&handle));
        return;
    };
    let on_ended = {
        let weak = weak.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                stop_screen(&inner);
            }
        })
    };
    track.set_onended(Some(on_ended.as_ref().unchecked_ref()));
    let signals = {
        let mut state = inner.borrow_mut();
        state.screen = Some(ScreenShare {
            stream: handle.clone(),
            track: track.clone(),
            _on_ended: on_ended,
        });
        // Announced before the tracks go out, so the others know the new
        // stream is a screen when it arrives.
        state.announce_media();
        state.signals
    };
    signals.local_screen.set(Some(handle.clone()));
    let mut state = inner.borrow_mut();
    for link in state.peers.values_mut() {
        peer::add_screen(link, &track, &handle);
    }
}

/// Stops sharing: the track leaves every connection and capture ends.
fn stop_screen(inner: &Rc<RefCell<Inner>>) {
    let (screen, signals) = {
        let mut state = inner.borrow_mut();
        let screen = state.screen.take();
        for link in state.peers.values_mut() {
            peer::remove_screen(link);
        }
        state.announce_media();
        (screen, state.signals)
    };
    drop(screen);
    signals.local_screen.set(None);
}
