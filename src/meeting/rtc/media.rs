//! Camera and microphone: opening them, muting, showing a stream in a
//! `<video>`, and stopping them.

use crate::meeting::call::{CallSignals, Device, DeviceKind, StreamHandle};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DisplayMediaStreamConstraints, HtmlVideoElement, MediaDeviceInfo, MediaDeviceKind, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

fn media_devices() -> Result<web_sys::MediaDevices, JsValue> {
    web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .navigator()
        .media_devices()
}

/// `{deviceId: {exact: id}}`, merged into `constraints`.
fn with_device(constraints: &js_sys::Object, id: &str) -> js_sys::Object {
    let exact = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&exact, &"exact".into(), &id.into());
    let _ = js_sys::Reflect::set(constraints, &"deviceId".into(), &exact);
    constraints.clone()
}

async fn get_user_media(audio: bool, video: bool) -> Result<MediaStream, JsValue> {
    get_user_media_on(audio, video, None).await
}

/// Camera and/or microphone, optionally one exact device (of the one
/// kind asked for).
async fn get_user_media_on(
    audio: bool,
    video: bool,
    device: Option<&str>,
) -> Result<MediaStream, JsValue> {
    let devices = media_devices()?;
    let constraints = MediaStreamConstraints::new();
    match (audio, device) {
        (true, Some(id)) => constraints.set_audio(&with_device(&js_sys::Object::new(), id)),
        _ => constraints.set_audio(&JsValue::from_bool(audio)),
    }
    if video {
        let video = js_sys::Object::new();
        if let Some(id) = device {
            with_device(&video, id);
        }
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

/// Asks the browser for a screen, window or tab to share (video only).
pub(crate) async fn get_display_media() -> Result<MediaStream, JsValue> {
    let constraints = DisplayMediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    constraints.set_audio(&JsValue::FALSE);
    JsFuture::from(media_devices()?.get_display_media_with_constraints(&constraints)?)
        .await?
        .dyn_into::<MediaStream>()
}

/// Lists cameras, microphones and speakers into `signals.devices`.
pub fn refresh_devices(signals: CallSignals) {
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(promise) = media_devices().and_then(|d| d.enumerate_devices()) else {
            return;
        };
        let Ok(list) = JsFuture::from(promise).await else {
            return;
        };
        let mut devices = Vec::new();
        for info in js_sys::Array::from(&list).iter() {
            let Ok(info) = info.dyn_into::<MediaDeviceInfo>() else {
                continue;
            };
            let kind = match info.kind() {
                MediaDeviceKind::Videoinput => DeviceKind::Camera,
                MediaDeviceKind::Audioinput => DeviceKind::Microphone,
                MediaDeviceKind::Audiooutput => DeviceKind::Speaker,
                _ => continue,
            };
            let number = devices.iter().filter(|d: &&Device| d.kind == kind).count() + 1;
            let label = match info.label() {
                label if label.is_empty() => format!("{number}"),
                label => label,
            };
            devices.push(Device {
                kind,
                id: info.device_id(),
                label,
            });
        }
        let _ = signals.devices.try_set(devices);
    });
}

/// Switches to another camera or microphone: opens it, swaps the track
/// in the local stream (the preview follows), and hands the new track to
/// `on_track` for the peer connections. A speaker choice is only
/// recorded; the tiles apply it.
pub fn select_device(
    signals: CallSignals,
    kind: DeviceKind,
    id: String,
    on_track: impl Fn(DeviceKind, MediaStreamTrack) + 'static,
) {
    let (audio, video, chosen) = match kind {
        DeviceKind::Speaker => {
            signals.speaker_id.set(Some(id));
            return;
        }
        DeviceKind::Camera => (false, true, signals.camera_id),
        DeviceKind::Microphone => (true, false, signals.microphone_id),
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(stream) = get_user_media_on(audio, video, Some(&id)).await else {
            signals
                .no_devices
                .set(signals.local.get_untracked().is_none());
            return;
        };
        let wanted = if video { "video" } else { "audio" };
        let Some(track) = tracks(&stream).find(|t| t.kind() == wanted) else {
            return;
        };
        track.set_enabled(if video {
            signals.video_on.get_untracked()
        } else {
            signals.audio_on.get_untracked()
        });
        match signals.local.get_untracked() {
            Some(local) => {
                for old in tracks(local.stream()).filter(|t| t.kind() == wanted) {
                    local.stream().remove_track(&old);
                    old.stop();
                }
                local.stream().add_track(&track);
            }
            None => {
                signals.no_devices.set(false);
                signals.local.set(Some(StreamHandle::new(stream)));
            }
        }
        chosen.set(Some(id));
        on_track(kind, track);
    });
}

/// Plays a remote tile's sound on the chosen speaker
/// (`HTMLMediaElement.setSinkId`, where the browser has it).
pub fn set_speaker(video: &HtmlVideoElement, speaker: Option<&str>) {
    let Some(id) = speaker else { return };
    if let Ok(set_sink) = js_sys::Reflect::get(video, &"setSinkId".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = set_sink.call1(video, &JsValue::from_str(id));
    }
}
