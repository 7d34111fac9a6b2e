//! Camera and microphone: opening them, muting, showing a stream in a
//! `<video>`, and stopping them.

use crate::meeting::call::{CallSignals, StreamHandle};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};

async fn get_user_media(audio: bool, video: bool) -> Result<MediaStream, JsValue> {
    let devices = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .navigator()
        .media_devices()?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::from_bool(audio));
    if video {
        let video = js_sys::Object::new();
        let ideal = |value: u32| {
            let o = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&o, &"ideal".into(), &value.into());
            o
        };
        let _ = js_sys::Reflect::set(&video, &"width".into(), &ideal(640));
        let _ = js_sys::Reflect::set(&video, &"height".into(), &ideal(360));
        constraints.set_video(&video);
    } else {
        constraints.set_video(&JsValue::FALSE);
    }
    JsFuture::from(devices.get_user_media_with_constraints(&constraints)?)
        .await?
        .dyn_into::<MediaStream>()
}

/// Opens camera and microphone (falling back to either one) and publishes
/// the stream as `signals.local`; sets `signals.no_devices` when neither
/// can be opened.
pub fn open_preview(signals: CallSignals) {
    wasm_bindgen_futures::spawn_local(async move {
        let stream = match get_user_media(true, true).await {
            Ok(stream) => Some(stream),
            Err(_) => match get_user_media(true, false).await {
                Ok(stream) => Some(stream),
                Err(_) => get_user_media(false, true).await.ok(),
            },
        };
        match stream {
            Some(stream) => {
                let handle = StreamHandle::new(stream);
                set_enabled(
                    Some(&handle),
                    signals.audio_on.get_untracked(),
                    signals.video_on.get_untracked(),
                );
                // Still on the page? (the component may be gone already)
                if signals.local.try_set(Some(handle.clone())).is_some() {
                    stop(Some(&handle));
                }
            }
            None => {
                let _ = signals.no_devices.try_set(true);
            }
        }
    });
}

fn tracks(stream: &MediaStream) -> impl Iterator<Item = MediaStreamTrack> {
    stream
        .get_tracks()
        .iter()
        .filter_map(|t| t.dyn_into::<MediaStreamTrack>().ok())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Enables or disables the local tracks (a disabled track sends silence or
/// black frames; nothing is renegotiated).
pub fn set_enabled(local: Option<&StreamHandle>, audio: bool, video: bool) {
    let Some(local) = local else { return };
    for track in tracks(local.stream()) {
        track.set_enabled(if track.kind() == "audio" {
            audio
        } else {
            video
        });
    }
}

/// Stops every track (releases the camera light).
pub fn stop(local: Option<&StreamHandle>) {
    if let Some(local) = local {
        for track in tracks(local.stream()) {
            track.stop();
        }
    }
}

/// The tracks of a stream, for adding to a peer connection.
pub(crate) fn local_tracks(local: &StreamHandle) -> Vec<MediaStreamTrack> {
    tracks(local.stream()).collect()
}

/// Shows `stream` in `video` (no-op when it already does).
pub fn attach(video: &HtmlVideoElement, stream: Option<&StreamHandle>) {
    let current = video.src_object();
    match stream {
        Some(stream) => {
            let same = current.as_ref().is_some_and(|c| c.id() == stream.id);
            if !same {
                video.set_src_object(Some(stream.stream()));
                let _ = video.play();
            }
        }
        None => {
            if current.is_some() {
                video.set_src_object(None);
            }
        }
    }
}
