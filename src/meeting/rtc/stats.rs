//! What `getStats()` tells about each connection (W3C webrtc-stats): who
//! is speaking, from the audio energy received over the last interval
//! (`totalAudioEnergy` / `totalSamplesDuration` of `inbound-rtp`, so a
//! short syllable between two readings still counts), our own level the
//! same way from `media-source`, and a quality grade from round-trip time
//! and packet loss.

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
use web_sys::RtcPeerConnection;

/// How often the stats are read, ms.
const TICK_MS: i32 = 300;
/// Quality is graded every this many ticks (about 2 s).
const QUALITY_EVERY: u32 = 7;
/// RMS audio level (0–1) over an interval above which someone counts as
/// speaking.
const SPEAKING: f64 = 0.02;

/// Running totals seen at the previous reading, per connection.
#[derive(Clone, Copy, Default)]
struct Totals {
    /// Received audio: total energy and seconds of samples.
    energy: f64,
    seconds: f64,
    packets_lost: f64,
    packets_received: f64,
}

/// Per peer (and ours, key `None`): the totals at the previous tick and
/// at the previous grading.
type History = Rc<RefCell<HashMap<Option<PeerId>, (Totals, Totals)>>>;

/// Starts the periodic readings; they stop when the returned timer drops.
pub(super) fn start(inner: &Rc<RefCell<Inner>>) -> Option<Interval> {
    let weak = Rc::downgrade(inner);
    let tick = Cell::new(0_u32);
    let history: History = Rc::default();
    let callback = Closure::<dyn FnMut()>::new(move || {
        let n = tick.get().wrapping_add(1);
        tick.set(n);
        read(&weak, n.is_multiple_of(QUALITY_EVERY), &history);
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

/// One `getStats()` per connection: speaking every tick, quality on
/// `grade` ticks; our own level from the first connection.
fn read(weak: &Weak<RefCell<Inner>>, grade: bool, history: &History) {
    let Some(inner) = weak.upgrade() else { return };
    let state = inner.borrow();
    let signals = state.signals;
    for (index, (id, link)) in state.peers.iter().enumerate() {
        let (id, pc, history) = (*id, link.pc.clone(), history.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let Some(entries) = entries(&pc).await else {
                return;
            };
            let now = totals(&entries, "inbound-rtp");
            let (last_tick, last_grade) = {
                let mut history = history.borrow_mut();
                let seen = history.entry(Some(id)).or_default();
                let before = *seen;
                *seen = (now, if grade { now } else { before.1 });
                before
            };
            let speaking = rms(last_tick, now) > SPEAKING;
            let quality = grade.then(|| quality(&entries, last_grade, now));
            let changed = signals.peers.with_untracked(|peers| {
                peers.iter().any(|p| {
                    p.id == id
                        && (p.speaking != speaking || quality.is_some_and(|q| q != p.quality))
                })
            });
            if changed {
                signals.update_peer(id, |peer| {
                    peer.speaking = speaking;
                    if let Some(quality) = quality {
                        peer.quality = quality;
                    }
                });
            }
            if index == 0 {
                let mine = totals(&entries, "media-source");
                let before = history
                    .borrow_mut()
                    .insert(None, (mine, mine))
                    .unwrap_or_default();
                let speaking = rms(before.0, mine) > SPEAKING && signals.audio_on.get_untracked();
                if signals.me_speaking.get_untracked() != speaking {
                    let _ = signals.me_speaking.try_set(speaking);
                }
            }
        });
    }
}

/// Audio energy and packet counters of the stats of `kind`.
fn totals(entries: &[JsValue], kind: &str) -> Totals {
    entries
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some(kind))
        .fold(Totals::default(), |sum, e| {
            let audio = text(e, "kind").as_deref() == Some("audio");
            Totals {
                energy: sum.energy
                    + audio
                        .then(|| number(e, "totalAudioEnergy"))
                        .flatten()
                        .unwrap_or(0.0),
                seconds: sum.seconds
                    + audio
                        .then(|| number(e, "totalSamplesDuration"))
                        .flatten()
                        .unwrap_or(0.0),
                packets_lost: sum.packets_lost + number(e, "packetsLost").unwrap_or(0.0).max(0.0),
                packets_received: sum.packets_received
                    + number(e, "packetsReceived").unwrap_or(0.0),
            }
        })
}

/// Root-mean-square audio level between two readings (0 when no audio
/// came in, or the counters restarted).
fn rms(before: Totals, now: Totals) -> f64 {
    let seconds = now.seconds - before.seconds;
    let energy = now.energy - before.energy;
    if seconds > 0.0 && energy >= 0.0 {
        (energy / seconds).sqrt()
    } else {
        0.0
    }
}

/// Grades the connection from the selected candidate pair's round-trip
/// time and the packet loss between two readings.
fn quality(entries: &[JsValue], before: Totals, now: Totals) -> Quality {
    let rtt = entries
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("candidate-pair"))
        .filter(|e| text(e, "state").as_deref() == Some("succeeded"))
        .filter_map(|e| number(e, "currentRoundTripTime"))
        .reduce(f64::min);
    let Some(rtt) = rtt else {
        return Quality::Unknown;
    };
    let lost = now.packets_lost - before.packets_lost;
    let received = now.packets_received - before.packets_received;
    let loss = if lost > 0.0 && lost + received > 0.0 {
        lost / (lost + received)
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
