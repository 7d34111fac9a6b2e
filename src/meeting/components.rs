//! The room page at `/m/{room}`: pre-join screen, the call, and the screen
//! after leaving. Everything it shows comes from [`CallSignals`]; every
//! action goes through [`CallControls`].

use super::call::{CallControls, CallPhase, CallSignals, LinkState, StreamHandle};
use super::protocol::PeerId;
use super::{JoinMeeting, MeetingInfo};
use crate::auth::DisplayName;
use crate::chat::components::ChatPanel;
use crate::error::AppError;
use crate::error::Invalid;
use crate::forms::{action_error, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RoomPage() -> impl IntoView {
    let t = use_strings();
    let params = use_params_map();
    let room = Memo::new(move |_| params.with(|p| p.get("room").unwrap_or_default()));
    let info = Resource::new(move || room.get(), super::get_room);
    view! {
        <Suspense fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <Room info/> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::app::NotFound/> }.into_any(),
                    Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
enum Icon {
    Mic,
    MicOff,
    Camera,
    CameraOff,
    Chat,
}

/// A 24×24 line icon (inline SVG, so it needs no font); decorative — the
/// button around it carries the label.
fn icon(which: Icon) -> impl IntoView {
    let path = match which {
        Icon::Mic => "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3",
        Icon::MicOff => "M15 9.3V6a3 3 0 0 0-5.7-1.3M9 9v3a3 3 0 0 0 5.1 2.1M19 11a7 7 0 0 1-1.1 3.8M5 11a7 7 0 0 0 11.2 5.6M12 18v3M3 3l18 18",
        Icon::Camera => "M3 7h11a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H3zM16 10l5-3v10l-5-3",
        Icon::CameraOff => "M3 7h11a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H3zM16 10l5-3v10l-5-3M2 3l19 18",
        Icon::Chat => "M4 5h16v11H9l-5 4z",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"></path>
        </svg>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    PreJoin,
    Call,
    Left,
}

#[component]
fn Room(info: MeetingInfo) -> impl IntoView {
    let signals = CallSignals::new();
    let controls = CallControls::new(signals);
    // Runs once, in the browser only.
    Effect::new(move |_| controls.open_media());
    let title = info.title.clone();
    // Re-render only when the screen changes, not on every phase change
    // (the pre-join form keeps its state while joining).
    let screen = Memo::new(move |_| match signals.phase.get() {
        CallPhase::Lobby | CallPhase::Joining | CallPhase::Failed => Screen::PreJoin,
        CallPhase::InCall | CallPhase::Reconnecting => Screen::Call,
        CallPhase::Left => Screen::Left,
    });
    view! {
        <Title text=title/>
        <div class="room">
            {move || match screen.get() {
                Screen::PreJoin => view! { <PreJoin info=info.clone() controls/> }.into_any(),
                Screen::Call => view! { <CallStage controls/> }.into_any(),
                Screen::Left => view! { <LeftScreen controls/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PreJoin(info: MeetingInfo, controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    // The ticket is fetched and the socket opened (in standby) as soon as
    // the screen shows, so that "Join now" only has to send one message.
    let ticket = ServerAction::<JoinMeeting>::new();
    let error = action_error(ticket);
    let fetch_ticket = {
        let room = info.room.clone();
        move || {
            ticket.dispatch(JoinMeeting {
                room: room.clone(),
                display_name: String::new(),
            });
        }
    };
    // A click that came before the socket: the name to join with.
    let want_join = RwSignal::new(None::<String>);
    Effect::new({
        let fetch_ticket = fetch_ticket.clone();
        move |_| fetch_ticket()
    });
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = ticket.value().get() {
            ticket.value().set(None);
            controls.connect(fresh);
            if let Some(name) = want_join.try_update(Option::take).flatten() {
                controls.join(name);
            }
        }
    });
    let name = RwSignal::new(info.viewer_name.clone().unwrap_or_default());
    let name_problem = RwSignal::new(None::<Invalid>);
    let is_guest = info.viewer_name.is_none();
    let ready = move || signals.local.get().is_some() || signals.no_devices.get();
    let busy = move || ticket.pending().get() || signals.phase.get() == CallPhase::Joining;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !ready() || busy() {
            return;
        }
        let typed = name.get_untracked();
        let checked = match DisplayName::parse(&typed) {
            Ok(valid) => valid.into_inner(),
            Err(problem) if is_guest || !typed.trim().is_empty() => {
                name_problem.set(Some(problem));
                return;
            }
            // A member with an empty field joins under the account name.
            Err(_) => String::new(),
        };
        name_problem.set(None);
        if !controls.join(checked.clone()) {
            want_join.set(Some(checked));
            fetch_ticket();
        }
    };
    let local = Signal::derive(move || signals.local.get());
    view! {
        <section class="prejoin card" aria-labelledby="prejoin-title">
            <div class="preview">
                <VideoTile
                    stream=local
                    name=Signal::derive(move || name.get())
                    audio=Signal::derive(move || signals.audio_on.get())
                    video=Signal::derive(move || signals.video_on.get())
                    link=Signal::stored(LinkState::Connected)
                    peer=None
                />
                <MediaToggles controls/>
            </div>
            <div class="prejoin-form">
                <p class="eyebrow">{info.when_label.clone()}</p>
                <h1 id="prejoin-title">{info.title.clone()}</h1>
                <p class="muted">{t.organizer} ": " {info.organizer_name.clone()}</p>
                <h2>{t.prejoin_title}</h2>
                {move || signals.no_devices.get().then(|| view! { <p class="alert" role="status">{t.no_devices}</p> })}
                {move || (signals.phase.get() == CallPhase::Failed).then(|| view! {
                    <p class="alert error" role="alert">{t.call_failed}</p>
                })}
                {move || signals.notice.get().map(|code| view! {
                    <p class="alert error" role="alert">{t.signaling_error(code)}</p>
                })}
                <form on:submit=on_submit>
                    <FormAlert error/>
                    <label for="display_name">{t.your_name}</label>
                    <input
                        id="display_name"
                        name="display_name"
                        autocomplete="name"
                        maxlength="64"
                        required=info.viewer_name.is_none()
                        prop:value=name
                        value=info.viewer_name.clone().unwrap_or_default()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        aria-describedby="display_name-error"
                        aria-invalid=move || name_problem.get().map(|_| "true")
                    />
                    <p class="field-error" id="display_name-error" role="alert">
                        {move || name_problem.get().map(|p| t.invalid(p))}
                    </p>
                    <button type="submit" class="join" disabled=move || !ready() || busy()>
                        {move || if busy() { t.joining } else { t.join_button }}
                    </button>
                </form>
            </div>
        </section>
    }
}

#[component]
fn MediaToggles(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    view! {
        <button
            type="button"
            class="toggle"
            class:off=move || !signals.audio_on.get()
            aria-pressed=move || (!signals.audio_on.get()).to_string()
            aria-label=move || if signals.audio_on.get() { t.mute } else { t.unmute }
            title=move || if signals.audio_on.get() { t.mute } else { t.unmute }
            on:click=move |_| controls.toggle_audio()
        >
            {move || icon(if signals.audio_on.get() { Icon::Mic } else { Icon::MicOff })}
        </button>
        <button
            type="button"
            class="toggle"
            class:off=move || !signals.video_on.get()
            aria-pressed=move || (!signals.video_on.get()).to_string()
            aria-label=move || if signals.video_on.get() { t.stop_video } else { t.start_video }
            title=move || if signals.video_on.get() { t.stop_video } else { t.start_video }
            on:click=move |_| controls.toggle_video()
        >
            {move || icon(if signals.video_on.get() { Icon::Camera } else { Icon::CameraOff })}
        </button>
    }
}

#[component]
fn CallStage(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let chat_open = RwSignal::new(true);
    let ids = Memo::new(move |_| {
        signals
            .peers
            .with(|peers| peers.iter().map(|p| p.id).collect::<Vec<_>>())
    });
    let count = move || ids.with(Vec::len) + 1;
    let local = Signal::derive(move || signals.local.get());
    view! {
        <section class="stage" class:with-chat=move || chat_open.get() aria-label=t.call_label>
            <div class="tiles" data-count=count>
                <VideoTile
                    stream=local
                    name=Signal::derive(move || format!("{} ({})", signals.my_name.get(), t.you))
                    audio=Signal::derive(move || signals.audio_on.get())
                    video=Signal::derive(move || signals.video_on.get())
                    link=Signal::stored(LinkState::Connected)
                    peer=None
                />
                <For each=move || ids.get() key=|id| *id let:id>
                    <RemoteTile signals id/>
                </For>
            </div>
            {move || (ids.with(Vec::is_empty)).then(|| view! { <p class="alone" role="status">{t.alone_in_call}</p> })}
            {move || signals.notice.get().map(|code| view! {
                <p class="alert error notice" role="alert">{t.signaling_error(code)}</p>
            })}
            <div class="controls" role="toolbar" aria-label=t.call_label>
                <MediaToggles controls/>
                <button
                    type="button"
                    class="toggle"
                    aria-pressed=move || chat_open.get().to_string()
                    aria-label=t.chat_toggle
                    title=t.chat_toggle
                    on:click=move |_| chat_open.update(|open| *open = !*open)
                >
                    {icon(Icon::Chat)}
                </button>
                <button type="button" class="leave danger" on:click=move |_| controls.leave()>
                    {t.leave}
                </button>
            </div>
            <Show when=move || chat_open.get()>
                <ChatPanel
                    messages=Signal::derive(move || signals.chat.get())
                    on_send=Callback::new(move |text: String| controls.send_chat(text))
                />
            </Show>
        </section>
    }
}

#[component]
fn RemoteTile(signals: CallSignals, id: PeerId) -> impl IntoView {
    let peer = Memo::new(move |_| {
        signals
            .peers
            .with(|peers| peers.iter().find(|p| p.id == id).cloned())
    });
    view! {
        <VideoTile
            stream=Signal::derive(move || peer.get().and_then(|p| p.stream))
            name=Signal::derive(move || peer.get().map(|p| p.name).unwrap_or_default())
            audio=Signal::derive(move || peer.get().is_none_or(|p| p.audio))
            video=Signal::derive(move || peer.get().is_none_or(|p| p.video))
            link=Signal::derive(move || peer.get().map(|p| p.link).unwrap_or(LinkState::Connecting))
            peer=Some(id)
        />
    }
}

/// One participant's video with their name. `peer: None` is the local
/// preview (muted, mirrored).
#[component]
fn VideoTile(
    stream: Signal<Option<StreamHandle>>,
    name: Signal<String>,
    audio: Signal<bool>,
    video: Signal<bool>,
    link: Signal<LinkState>,
    peer: Option<PeerId>,
) -> impl IntoView {
    let t = use_strings();
    let element = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let stream = stream.get();
        if let Some(el) = element.get() {
            super::rtc::media::attach(&el, stream.as_ref());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = stream;
    let is_local = peer.is_none();
    let initial = move || {
        name.with(|n| {
            n.chars()
                .next()
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default()
        })
    };
    view! {
        <figure
            class="tile"
            class:local=is_local
            class:camera-off=move || !video.get()
            data-testid=if is_local { "local-tile" } else { "remote-tile" }
            data-peer=peer.map(|p| p.to_string())
            data-link=move || format!("{:?}", link.get()).to_lowercase()
        >
            <video
                node_ref=element
                autoplay
                playsinline
                muted=is_local
                prop:muted=is_local
                data-testid=if is_local { "local-video" } else { "remote-video" }
                aria-label=move || name.get()
            ></video>
            <span class="avatar" aria-hidden="true">{initial}</span>
            <figcaption>
                <span class="name">{move || name.get()}</span>
                {move || (!audio.get()).then(|| view! { <span class="muted-badge" title=t.muted role="img" aria-label=t.muted>{icon(Icon::MicOff)}</span> })}
                {move || (link.get() != LinkState::Connected).then(|| view! { <span class="link-badge">{t.connecting}</span> })}
            </figcaption>
        </figure>
    }
}

#[component]
fn LeftScreen(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    view! {
        <section class="card narrow left" aria-labelledby="left-title">
            <h1 id="left-title">{t.left_title}</h1>
            <button type="button" on:click=move |_| controls.signals.phase.set(CallPhase::Lobby)>{t.rejoin}</button>
            " "
            <a href="/calendar">{t.back_to_calendar}</a>
        </section>
    }
}
