//! The room page at `/m/{room}`: pre-join screen, the call, and the screen
//! after leaving. Everything it shows comes from [`CallSignals`]; every
//! action goes through [`CallControls`].

use super::call::{CallControls, CallPhase, CallSignals, LinkState, Quality};
use super::icons::{icon, Icon};
use super::protocol::CloseReason;
use super::stage::{CallStage, VideoTile};
use super::{JoinMeeting, MeetingInfo};
use crate::auth::DisplayName;
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    PreJoin,
    Waiting,
    Call,
    Left,
    Closed(CloseReason),
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
        CallPhase::Waiting => Screen::Waiting,
        CallPhase::InCall | CallPhase::Reconnecting => Screen::Call,
        CallPhase::Left => Screen::Left,
        CallPhase::Closed(reason) => Screen::Closed(reason),
    });
    view! {
        <Title text=title/>
        <div class="room">
            {move || match screen.get() {
                Screen::PreJoin => view! { <PreJoin info=info.clone() controls/> }.into_any(),
                Screen::Waiting => view! { <WaitingScreen controls/> }.into_any(),
                Screen::Call => view! { <CallStage controls/> }.into_any(),
                Screen::Left => view! { <LeftScreen controls/> }.into_any(),
                Screen::Closed(reason) => view! { <ClosedScreen controls reason/> }.into_any(),
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
                    quality=Signal::stored(Quality::Good)
                    speaking=Signal::stored(false)
                    hand=Signal::stored(None)
                    reconnecting=Signal::stored(false)
                    peer=None
                    signals
                />
                <MediaToggles controls/>
            </div>
            <div class="prejoin-form">
                <p class="eyebrow">{info.when_label.clone()}</p>
                <h1 id="prejoin-title">{info.title.clone()}</h1>
                <p class="muted">{t.organizer} ": " {info.organizer_name.clone()}</p>
                <h2>{t.prejoin_title}</h2>
                {move || signals.no_devices.get().then(|| view! { <p class="alert" role="status">{t.no_devices}</p> })}
                {move || signals.audio_only.get().then(|| view! { <p class="alert" role="status">{t.signal_video_limit}</p> })}
                {move || (signals.phase.get() == CallPhase::Failed).then(|| view! {
                    <p class="alert error" role="alert">{t.call_failed}</p>
                })}
                {move || signals.notice.get().map(|code| view! {
                    <p class="alert error" role="alert">{t.signaling_error(code)}</p>
                })}
                <form on:submit=on_submit>
                    // Removed from this meeting: say so rather than a
                    // generic refusal.
                    {move || if matches!(error.get(), Some(AppError::Forbidden)) {
                        view! { <p class="alert error" role="alert">{t.closed_removed}</p> }.into_any()
                    } else {
                        view! { <FormAlert error/> }.into_any()
                    }}
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
pub(crate) fn MediaToggles(controls: CallControls) -> impl IntoView {
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

#[component]
fn WaitingScreen(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    view! {
        <section class="card narrow waiting" aria-labelledby="waiting-title">
            <div role="status">
                <h1 id="waiting-title">{t.waiting_title}</h1>
                <p class="muted">{t.waiting_body}</p>
            </div>
            <p class="spinner" aria-hidden="true"></p>
            <button type="button" class="secondary" on:click=move |_| controls.leave()>{t.leave}</button>
        </section>
    }
}

/// The server ended our part of the meeting: say why, and offer what
/// still makes sense.
#[component]
fn ClosedScreen(controls: CallControls, reason: CloseReason) -> impl IntoView {
    let t = use_strings();
    controls.reset();
    let (title, may_rejoin) = match reason {
        CloseReason::Removed => (t.closed_removed, false),
        CloseReason::Ended => (t.closed_ended, true),
        CloseReason::Denied => (t.closed_denied, true),
        CloseReason::RateLimited => (t.closed_rate_limited, true),
        CloseReason::Replaced => (t.closed_replaced, true),
    };
    view! {
        <section class="card narrow left" aria-labelledby="closed-title">
            <h1 id="closed-title">{title}</h1>
            {may_rejoin.then(|| view! {
                <button type="button" on:click=move |_| controls.signals.phase.set(CallPhase::Lobby)>{t.rejoin}</button>
                " "
            })}
            <a href="/calendar">{t.back_to_calendar}</a>
        </section>
    }
}
