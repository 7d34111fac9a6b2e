//! What `getStats()` and the receivers tell about each connection: who is
//! speaking (audio level of the newest packets, RFC 6464 as exposed by
//! `getSynchronizationSources()`), our own level (`media-source` stats),
//! and a quality grade from round-trip time and packet loss (W3C
//! webrtc-stats).

use super::{Inner, Interval};
use crate::meeting::call::Quality;
use crate::meeting::protocol::PeerId;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcPeerConnection, RtcRtpReceiver};

/// How often levels are read, ms.
const TICK_MS: i32 = 300;
/// Quality is graded every this many ticks (about 2 s).
const QUALITY_EVERY: u32 = 7;
/// Audio level (0–1, linear) above which someone counts as speaking.
const SPEAKING: f64 = 0.03;

/// Packet counters seen at the previous grading, per peer.
type Counters = Rc<RefCell<HashMap<PeerId, (f64, f64)>>>;

/// Starts the periodic readings; they stop when the returned timer drops.
pub(super) fn start(inner: &Rc<RefCell<Inner>>) -> Option<Interval> {
    let weak = Rc::downgrade(inner);
    let tick = Cell::new(0_u32);
    let counters: Counters = Rc::default();
    let callback = Closure::<dyn FnMut()>::new(move || {
        let n = tick.get().wrapping_add(1);
        tick.set(n);
        read(&weak, n.is_multiple_of(QUALITY_EVERY), &counters);
    });
    let id = web_sys::window()?
        .set_interval_with_callback_and_timeout_and_arguments_0(
            callback.as_ref().unchecked_ref(),
            TICK_MS,
        )
        .ok()?;
    Some(Interval {
        id,
        _callback: callback,
    })
}

fn read(weak: &Weak<RefCell<Inner>>, grade: bool, counters: &Counters) {
    let Some(inner) = weak.upgrade() else { return };
    let state = inner.borrow();
    let signals = state.signals;
    if state.peers.is_empty() {
        return;
    }
    let levels: Vec<(PeerId, bool)> = state
        .peers
        .iter()
        .map(|(id, link)| (*id, remote_level(&link.pc) > SPEAKING))
        .collect();
    let changed = signals.peers.with_untracked(|peers| {
        peers.iter().any(|p| {
            levels
                .iter()
                .any(|(id, speaking)| *id == p.id && *speaking != p.speaking)
        })
    });
    if changed {
        signals.peers.update(|peers| {
            for peer in peers.iter_mut() {
                if let Some((_, speaking)) = levels.iter().find(|(id, _)| *id == peer.id) {
                    peer.speaking = *speaking;
                }
            }
        });
    }
    if let Some(link) = state.peers.values().next() {
        let pc = link.pc.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let level = local_level(&pc).await;
            let speaking = level > SPEAKING && signals.audio_on.get_untracked();
            if signals.me_speaking.get_untracked() != speaking {
                let _ = signals.me_speaking.try_set(speaking);
            }
        });
    }
    if grade {
        for (id, link) in &state.peers {
            let (id, pc, counters) = (*id, link.pc.clone(), counters.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let quality = grade_quality(&pc, id, &counters).await;
                let current = signals
                    .peers
                    .with_untracked(|peers| peers.iter().find(|p| p.id == id).map(|p| p.quality));
                if current.is_some_and(|q| q != quality) {
                    signals.update_peer(id, |peer| peer.quality = quality);
                }
            });
        }
    }
}

/// Loudest audio level among the newest packets from this connection.
fn remote_level(pc: &RtcPeerConnection) -> f64 {
    let mut loudest = 0.0_f64;
    for receiver in pc.get_receivers().iter() {
        let Ok(receiver) = receiver.dyn_into::<RtcRtpReceiver>() else {
            continue;
        };
        if receiver.track().kind() != "audio" {
            continue;
        }
        let Ok(sources) = js_sys::Reflect::get(&receiver, &"getSynchronizationSources".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
            .and_then(|f| f.call0(&receiver))
        else {
            continue;
        };
        for source in js_sys::Array::from(&sources).iter() {
            if let Some(level) = number(&source, "audioLevel") {
                loudest = loudest.max(level);
            }
        }
    }
    loudest
}

/// Our microphone's level, from the `media-source` stats.
async fn local_level(pc: &RtcPeerConnection) -> f64 {
    let Some(entries) = entries(pc).await else {
        return 0.0;
    };
    entries
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("media-source"))
        .filter(|e| text(e, "kind").as_deref() == Some("audio"))
        .filter_map(|e| number(e, "audioLevel"))
        .fold(0.0, f64::max)
}

/// Grades the connection from the selected candidate pair's round-trip
/// time and the packet loss since the last grading.
async fn grade_quality(pc: &RtcPeerConnection, id: PeerId, counters: &Counters) -> Quality {
    let Some(entries) = entries(pc).await else {
        return Quality::Unknown;
    };
    let rtt = entries
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("candidate-pair"))
        .filter(|e| text(e, "state").as_deref() == Some("succeeded"))
        .filter_map(|e| number(e, "currentRoundTripTime"))
        .fold(None, |best: Option<f64>, rtt| {
            Some(best.map_or(rtt, |b| b.min(rtt)))
        });
    let Some(rtt) = rtt else {
        return Quality::Unknown;
    };
    let (lost, received) = entries
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("inbound-rtp"))
        .fold((0.0, 0.0), |(lost, received), e| {
            (
                lost + number(e, "packetsLost").unwrap_or(0.0).max(0.0),
                received + number(e, "packetsReceived").unwrap_or(0.0),
            )
        });
    let (before_lost, before_received) = counters
        .borrow_mut()
        .insert(id, (lost, received))
        .unwrap_or((0.0, 0.0));
    let (d_lost, d_received) = (lost - before_lost, received - before_received);
    let loss = if d_lost + d_received > 0.0 {
        d_lost / (d_lost + d_received)
    } else {
        0.0
    };
    grade(rtt, loss)
}

/// The grade for a round-trip time (s) and a loss fraction (0–1).
pub(crate) fn grade(rtt_s: f64, loss: f64) -> Quality {
    if rtt_s < 0.3 && loss < 0.02 {
        Quality::Good
    } else if rtt_s < 0.6 && loss < 0.08 {
        Quality::Fair
    } else {
        Quality::Poor
    }
}

async fn entries(pc: &RtcPeerConnection) -> Option<Vec<JsValue>> {
    let report = JsFuture::from(pc.get_stats()).await.ok()?;
    let values = js_sys::Reflect::get(&report, &"values".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&report)
        .ok()?;
    Some(
        js_sys::try_iter(&values)
            .ok()??
            .filter_map(Result::ok)
            .collect(),
    )
}

fn number(object: &JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(object, &key.into()).ok()?.as_f64()
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(object, &key.into()).ok()?.as_string()
}
