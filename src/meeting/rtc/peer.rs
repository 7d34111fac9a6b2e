//! One `RTCPeerConnection` per remote peer, negotiated with the
//! perfect-negotiation pattern (W3C WebRTC §10.7): either side may offer;
//! on a collision the polite side rolls back and takes the other's offer,
//! the impolite side ignores it. The newcomer makes the first offers, so
//! collisions only happen on renegotiation.
//!
//! Signaling messages are handled one at a time (see `super::Call`), so an
//! answer is never being applied while an offer is checked; the
//! `isSettingRemoteAnswerPending` flag of the pattern is not needed.

use super::{ffi, Inner};
use crate::meeting::call::{DeviceKind, LinkState, StreamHandle};
use crate::meeting::protocol::{ClientMessage, IceCandidate, IceServer, PeerId};
use leptos::prelude::GetUntracked;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcBundlePolicy, RtcConfiguration, RtcIceCandidateInit,
    RtcIceServer, RtcPeerConnection, RtcPeerConnectionIceEvent, RtcPeerConnectionState,
    RtcRtpSender, RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType,
    RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
};

/// The connection to one remote peer and the callbacks it owns.
pub(crate) struct PeerLink {
    pub pc: RtcPeerConnection,
    /// Rolls back its own offer on a collision.
    pub polite: bool,
    pub making_offer: bool,
    pub ignore_offer: bool,
    /// Local tracks (or receive-only transceivers) have been added.
    pub media_added: bool,
    /// The sender of our shared screen, while sharing.
    pub screen_sender: Option<RtcRtpSender>,
    _on_negotiation_needed: Closure<dyn FnMut()>,
    _on_ice_candidate: Closure<dyn FnMut(RtcPeerConnectionIceEvent)>,
    _on_track: Closure<dyn FnMut(RtcTrackEvent)>,
    _on_state: Closure<dyn FnMut()>,
}

impl Drop for PeerLink {
    fn drop(&mut self) {
        // Detach the callbacks before their closures are freed, then close.
        self.pc.set_onnegotiationneeded(None);
        self.pc.set_onicecandidate(None);
        self.pc.set_ontrack(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.close();
    }
}

fn rtc_configuration(ice_servers: &[IceServer]) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    // One transport for audio and video: half the ICE and DTLS work.
    config.set_bundle_policy(RtcBundlePolicy::MaxBundle);
    if let Some(certificate) = super::certificate() {
        config.set_certificates(&js_sys::Array::of1(&certificate));
    }
    let servers = js_sys::Array::new();
    for server in ice_servers {
        let entry = RtcIceServer::new();
        let urls = js_sys::Array::new();
        for url in &server.urls {
            urls.push(&JsValue::from_str(url));
        }
        entry.set_urls(&urls);
        if let Some(username) = &server.username {
            entry.set_username(username);
        }
        if let Some(credential) = &server.credential {
            entry.set_credential(credential);
        }
        servers.push(&entry);
    }
    config.set_ice_servers(&servers);
    config
}

/// Creates the connection to `remote` and registers it in `inner`.
/// `offer_now`: add media right away, which fires `negotiationneeded` and
/// makes this side send the first offer.
pub(crate) fn create(
    inner: &Rc<RefCell<Inner>>,
    remote: PeerId,
    offer_now: bool,
) -> Result<RtcPeerConnection, JsValue> {
    let (config, polite) = {
        let state = inner.borrow();
        let me = state.me.unwrap_or(PeerId(0));
        (rtc_configuration(&state.ice_servers), me > remote)
    };
    let pc = RtcPeerConnection::new_with_configuration(&config)?;
    let weak = Rc::downgrade(inner);

    let on_negotiation_needed = {
        let weak = weak.clone();
        Closure::<dyn FnMut()>::new(move || {
            wasm_bindgen_futures::spawn_local(negotiate(weak.clone(), remote));
        })
    };
    let on_ice_candidate = {
        let weak = weak.clone();
        Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
            move |event: RtcPeerConnectionIceEvent| {
                // Trickle each candidate as soon as it is gathered.
                let Some(candidate) = event.candidate() else {
                    return;
                };
                let message = ClientMessage::Candidate {
                    to: remote,
                    candidate: Some(IceCandidate {
                        candidate: candidate.candidate(),
                        sdp_mid: candidate.sdp_mid(),
                        sdp_m_line_index: candidate.sdp_m_line_index(),
                    }),
                };
                if let Some(inner) = weak.upgrade() {
                    inner.borrow().send(&message);
                }
            },
        )
    };
    let on_track = {
        let weak = weak.clone();
        Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            let Some(inner) = weak.upgrade() else { return };
            let stream = event
                .streams()
                .get(0)
                .dyn_into::<MediaStream>()
                .ok()
                .or_else(|| {
                    let stream = MediaStream::new().ok()?;
                    stream.add_track(&event.track());
                    Some(stream)
                });
            if let Some(stream) = stream {
                let handle = StreamHandle::new(stream);
                let signals = inner.borrow().signals;
                signals.update_peer(remote, |peer| {
                    let known = peer.stream.as_ref() == Some(&handle)
                        || peer.screen_stream.as_ref() == Some(&handle);
                    if known {
                        return;
                    }
                    // Camera tracks go out when the connection is made; a
                    // second stream while they announced a screen share
                    // is the screen (the announcement comes first).
                    let is_screen = peer.screen
                        && peer.screen_stream.is_none()
                        && (peer.stream.is_some() || !peer.video);
                    if is_screen {
                        peer.screen_stream = Some(handle);
                    } else {
                        peer.stream = Some(handle);
                    }
                });
            }
        })
    };
    let on_state = {
        let weak = weak.clone();
        let pc = pc.clone();
        Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            let link = match pc.connection_state() {
                RtcPeerConnectionState::Connected => LinkState::Connected,
                RtcPeerConnectionState::Disconnected => {
                    // Often transient; if the path does not come back in
                    // two seconds, look for a new one.
                    let pc = pc.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        super::sleep(2000).await;
                        if pc.connection_state() == RtcPeerConnectionState::Disconnected {
                            ffi::restart_ice(&pc);
                        }
                    });
                    LinkState::Disconnected
                }
                RtcPeerConnectionState::Failed => {
                    // A new ICE generation over the same connection.
                    ffi::restart_ice(&pc);
                    LinkState::Failed
                }
                _ => LinkState::Connecting,
            };
            let signals = inner.borrow().signals;
            signals.update_peer(remote, |peer| peer.link = link);
        })
    };
    pc.set_onnegotiationneeded(Some(on_negotiation_needed.as_ref().unchecked_ref()));
    pc.set_onicecandidate(Some(on_ice_candidate.as_ref().unchecked_ref()));
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));

    let mut link = PeerLink {
        pc: pc.clone(),
        polite,
        making_offer: false,
        ignore_offer: false,
        media_added: false,
        screen_sender: None,
        _on_negotiation_needed: on_negotiation_needed,
        _on_ice_candidate: on_ice_candidate,
        _on_track: on_track,
        _on_state: on_state,
    };
    if offer_now {
        let (local, screen) = {
            let state = inner.borrow();
            (state.signals.local.get_untracked(), state.screen_stream())
        };
        add_media(local.as_ref(), screen.as_ref(), &mut link);
    }
    inner.borrow_mut().peers.insert(remote, link);
    Ok(pc)
}

/// Adds the local tracks to the connection, or receive-only transceivers
/// when there is no camera or microphone (so media still flows in), and
/// the shared screen if there is one.
fn add_media(
    local: Option<&StreamHandle>,
    screen: Option<&(MediaStreamTrack, StreamHandle)>,
    link: &mut PeerLink,
) {
    if link.media_added {
        return;
    }
    link.media_added = true;
    if let Some((track, stream)) = screen {
        link.screen_sender = Some(link.pc.add_track_0(track, stream.stream()));
    }
    let mut kinds_sent = Vec::new();
    if let Some(local) = local {
        for track in super::media::local_tracks(local) {
            kinds_sent.push(track.kind());
            link.pc.add_track_0(&track, local.stream());
        }
    }
    for kind in ["audio", "video"] {
        if !kinds_sent.iter().any(|k| k == kind) {
            let init = RtcRtpTransceiverInit::new();
            init.set_direction(RtcRtpTransceiverDirection::Recvonly);
            link.pc.add_transceiver_with_str_and_init(kind, &init);
        }
    }
}

/// `negotiationneeded`: make an offer with the implicit
/// `setLocalDescription()` and send it.
async fn negotiate(weak: Weak<RefCell<Inner>>, remote: PeerId) {
    let Some(inner) = weak.upgrade() else { return };
    let pc = {
        let mut state = inner.borrow_mut();
        let Some(link) = state.peers.get_mut(&remote) else {
            return;
        };
        link.making_offer = true;
        link.pc.clone()
    };
    let result = JsFuture::from(ffi::set_local_description_implicit(&pc)).await;
    if result.is_ok() {
        if let Some(description) = pc.local_description() {
            inner.borrow().send(&ClientMessage::Offer {
                to: remote,
                sdp: description.sdp(),
            });
        }
    }
    let mut state = inner.borrow_mut();
    if let Some(link) = state.peers.get_mut(&remote) {
        link.making_offer = false;
    }
}

/// An offer from `remote`: create the connection if it is new, apply the
/// offer unless it collides with ours and we are impolite, then answer.
pub(crate) async fn on_offer(
    inner: &Rc<RefCell<Inner>>,
    remote: PeerId,
    sdp: String,
) -> Result<(), JsValue> {
    if !inner.borrow().peers.contains_key(&remote) {
        create(inner, remote, false)?;
    }
    let pc = {
        let mut state = inner.borrow_mut();
        let Some(link) = state.peers.get_mut(&remote) else {
            return Ok(());
        };
        let collision = link.making_offer || link.pc.signaling_state() != RtcSignalingState::Stable;
        link.ignore_offer = !link.polite && collision;
        if link.ignore_offer {
            return Ok(());
        }
        link.pc.clone()
    };
    let description = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
    description.set_sdp(&sdp);
    // On a collision this rolls our own offer back implicitly.
    JsFuture::from(pc.set_remote_description(&description)).await?;
    {
        // Added after the remote offer, the tracks reuse its transceivers
        // and go out in this very answer.
        let mut state = inner.borrow_mut();
        let local = state.signals.local.get_untracked();
        let screen = state.screen_stream();
        if let Some(link) = state.peers.get_mut(&remote) {
            add_media(local.as_ref(), screen.as_ref(), link);
        }
    }
    JsFuture::from(ffi::set_local_description_implicit(&pc)).await?;
    if let Some(answer) = pc.local_description() {
        inner.borrow().send(&ClientMessage::Answer {
            to: remote,
            sdp: answer.sdp(),
        });
    }
    Ok(())
}

/// An answer from `remote` to our offer.
pub(crate) async fn on_answer(
    inner: &Rc<RefCell<Inner>>,
    remote: PeerId,
    sdp: String,
) -> Result<(), JsValue> {
    let Some(pc) = inner.borrow().peers.get(&remote).map(|l| l.pc.clone()) else {
        return Ok(());
    };
    let description = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
    description.set_sdp(&sdp);
    JsFuture::from(pc.set_remote_description(&description)).await?;
    Ok(())
}

/// A trickled candidate from `remote`. Errors are expected (and dropped)
/// for candidates of an offer we ignored.
pub(crate) async fn on_candidate(
    inner: &Rc<RefCell<Inner>>,
    remote: PeerId,
    candidate: Option<IceCandidate>,
) -> Result<(), JsValue> {
    let Some(candidate) = candidate else {
        return Ok(());
    };
    let Some((pc, ignoring)) = inner
        .borrow()
        .peers
        .get(&remote)
        .map(|l| (l.pc.clone(), l.ignore_offer))
    else {
        return Ok(());
    };
    let init = RtcIceCandidateInit::new(&candidate.candidate);
    init.set_sdp_mid(candidate.sdp_mid.as_deref());
    init.set_sdp_m_line_index(candidate.sdp_m_line_index);
    match JsFuture::from(pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init))).await {
        Err(e) if !ignoring => Err(e),
        _ => Ok(()),
    }
}

/// Starts sending our screen on this connection (renegotiates).
pub(crate) fn add_screen(link: &mut PeerLink, track: &MediaStreamTrack, stream: &StreamHandle) {
    // Before media is added, `add_media` includes the screen itself.
    if link.media_added && link.screen_sender.is_none() {
        link.screen_sender = Some(link.pc.add_track_0(track, stream.stream()));
    }
}

/// Stops sending our screen on this connection (renegotiates).
pub(crate) fn remove_screen(link: &mut PeerLink) {
    if let Some(sender) = link.screen_sender.take() {
        link.pc.remove_track(&sender);
    }
}

/// Puts a new camera or microphone track on the connection without
/// renegotiating (`RTCRtpSender.replaceTrack`); adds it when nothing of
/// that kind was sent before.
pub(crate) fn replace_track(
    link: &PeerLink,
    kind: DeviceKind,
    track: &MediaStreamTrack,
    local: Option<&StreamHandle>,
) {
    let wanted = match kind {
        DeviceKind::Camera => "video",
        DeviceKind::Microphone => "audio",
        DeviceKind::Speaker => return,
    };
    let screen = link.screen_sender.as_ref();
    let sender = link
        .pc
        .get_senders()
        .iter()
        .filter_map(|s| s.dyn_into::<RtcRtpSender>().ok())
        .filter(|s| screen != Some(s))
        .find(|s| s.track().is_some_and(|t| t.kind() == wanted));
    match (sender, local) {
        (Some(sender), _) => {
            let _ = sender.replace_track(Some(track));
        }
        (None, Some(local)) if link.media_added => {
            link.pc.add_track_0(track, local.stream());
        }
        _ => {}
    }
}

/// Restarts ICE on every connection that lost its path (after the
/// network changed).
pub(crate) fn restart_stalled(state: &Inner) {
    for link in state.peers.values() {
        if matches!(
            link.pc.connection_state(),
            RtcPeerConnectionState::Disconnected | RtcPeerConnectionState::Failed
        ) {
            ffi::restart_ice(&link.pc);
        }
    }
}
