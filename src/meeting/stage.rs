//! The call screen: video tiles (a shared screen shown large), the
//! toolbar, status banners, the lobby banner for moderators, and the
//! side panels (chat, participants, devices).

use super::call::{
    CallControls, CallPhase, CallSignals, DeviceKind, LinkState, ModeratorNotice, Quality,
    StreamHandle,
};
use super::icons::{icon, Icon};
use super::people::PeoplePanel;
use super::protocol::{ClientMessage, PeerId, TrackKind, REACTIONS};
use crate::chat::components::{ChatPanel, Recipient};
use crate::i18n::use_strings;
use leptos::prelude::*;

/// Which side panel is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Chat,
    People,
    Devices,
}

/// An action that asks "are you sure?" first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    Remove(PeerId, String),
    EndForAll,
}

#[component]
pub fn CallStage(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let panel = RwSignal::new(None::<Panel>);
    let confirm = RwSignal::new(None::<Confirm>);
    let dm_to = RwSignal::new(None::<PeerId>);
    let ids = Memo::new(move |_| {
        signals
            .peers
            .with(|peers| peers.iter().map(|p| p.id).collect::<Vec<_>>())
    });
    let presenters = Memo::new(move |_| {
        signals.peers.with(|peers| {
            peers
                .iter()
                .filter(|p| p.screen_stream.is_some())
                .map(|p| p.id)
                .collect::<Vec<_>>()
        })
    });
    let presenting =
        move || !presenters.with(Vec::is_empty) || signals.local_screen.with(Option::is_some);
    let count = move || ids.with(Vec::len) + 1;
    let moderator = Memo::new(move |_| signals.role.get().moderates());
    // Unread: messages from others since the chat panel was last open.
    let seen_at = RwSignal::new(0_i64);
    Effect::new(move |_| {
        if panel.get() == Some(Panel::Chat) {
            let newest = signals
                .chat
                .with(|chat| chat.last().map(|m| m.sent_at_ms).unwrap_or(0));
            seen_at.set(newest);
        }
    });
    let unread = Memo::new(move |_| {
        if panel.get() == Some(Panel::Chat) {
            return 0;
        }
        let me = signals.me.get();
        let seen = seen_at.get();
        signals.chat.with(|chat| {
            chat.iter()
                .filter(|m| m.sent_at_ms > seen && (m.from.is_none() || m.from != me))
                .count()
        })
    });
    let toggle = move |which: Panel| {
        panel.update(|open| {
            *open = if *open == Some(which) {
                None
            } else {
                Some(which)
            }
        });
    };
    let recipients = Signal::derive(move || {
        signals.peers.with(|peers| {
            peers
                .iter()
                .map(|p| Recipient {
                    id: p.id,
                    name: p.name.clone(),
                })
                .collect::<Vec<_>>()
        })
    });
    let message_privately = Callback::new(move |id: PeerId| {
        dm_to.set(Some(id));
        panel.set(Some(Panel::Chat));
    });
    let local = Signal::derive(move || signals.local.get());
    let hands_up = move || {
        signals
            .peers
            .with(|p| p.iter().filter(|p| p.hand.is_some()).count())
    };
    view! {
        <section
            class="stage"
            class:with-panel=move || panel.get().is_some()
            class:presenting=presenting
            aria-label=t.call_label
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    if confirm.get_untracked().is_some() {
                        confirm.set(None);
                    } else if panel.get_untracked().is_some() {
                        panel.set(None);
                    }
                }
            }
        >
            <StatusBanners controls/>
            <LobbyBanner controls/>
            <div class="tiles" data-count=count>
                {move || signals.local_screen.get().map(|screen| view! {
                    <ScreenTile stream=screen label=t.your_screen.to_owned() local=true/>
                })}
                <For each=move || presenters.get() key=|id| *id let:id>
                    <RemoteScreen signals id/>
                </For>
                <VideoTile
                    stream=local
                    name=Signal::derive(move || format!("{} ({})", signals.my_name.get(), t.you))
                    audio=Signal::derive(move || signals.audio_on.get())
                    video=Signal::derive(move || signals.video_on.get())
                    link=Signal::stored(LinkState::Connected)
                    quality=Signal::stored(Quality::Good)
                    speaking=Signal::derive(move || signals.me_speaking.get())
                    hand=Signal::derive(move || signals.my_hand.get())
                    reconnecting=Signal::derive(move || signals.phase.get() == CallPhase::Reconnecting)
                    peer=None
                    signals
                />
                <For each=move || ids.get() key=|id| *id let:id>
                    <RemoteTile signals id/>
                </For>
            </div>
            {move || (ids.with(Vec::is_empty)).then(|| view! { <p class="alone" role="status">{t.alone_in_call}</p> })}
            <div class="controls" role="toolbar" aria-label=t.call_label>
                <super::components::MediaToggles controls/>
                <button
                    type="button"
                    class="toggle"
                    class:active=move || signals.local_screen.with(Option::is_some)
                    aria-pressed=move || signals.local_screen.with(Option::is_some).to_string()
                    aria-label=move || if signals.local_screen.with(Option::is_some) { t.stop_sharing } else { t.share_screen }
                    title=move || if signals.audio_only.get() { t.signal_video_limit } else if signals.local_screen.with(Option::is_some) { t.stop_sharing } else { t.share_screen }
                    disabled=move || signals.audio_only.get()
                    on:click=move |_| controls.toggle_screen()
                >
                    {icon(Icon::Screen)}
                </button>
                <button
                    type="button"
                    class="toggle"
                    class:active=move || signals.my_hand.get().is_some()
                    aria-pressed=move || signals.my_hand.get().is_some().to_string()
                    aria-label=move || if signals.my_hand.get().is_some() { t.lower_hand } else { t.raise_hand }
                    title=move || if signals.my_hand.get().is_some() { t.lower_hand } else { t.raise_hand }
                    on:click=move |_| controls.toggle_hand()
                >
                    {icon(Icon::Hand)}
                </button>
                <ReactionMenu controls/>
                <button
                    type="button"
                    class="toggle"
                    aria-expanded=move || (panel.get() == Some(Panel::People)).to_string()
                    aria-label=t.participants
                    title=t.participants
                    on:click=move |_| toggle(Panel::People)
                >
                    {icon(Icon::People)}
                    <span class="count" aria-hidden="true">{count}</span>
                    {move || (moderator.get() && hands_up() > 0).then(|| view! {
                        <span class="badge hand-badge" aria-label=t.raised_hands>{hands_up}</span>
                    })}
                </button>
                <button
                    type="button"
                    class="toggle"
                    aria-expanded=move || (panel.get() == Some(Panel::Chat)).to_string()
                    aria-label=move || match unread.get() {
                        0 => t.chat_toggle.to_owned(),
                        n => format!("{}, {}", t.chat_toggle, t.with_count(t.unread, n)),
                    }
                    title=t.chat_toggle
                    on:click=move |_| toggle(Panel::Chat)
                >
                    {icon(Icon::Chat)}
                    {move || (unread.get() > 0).then(|| view! {
                        <span class="badge" data-testid="unread-badge" aria-label=move || t.with_count(t.unread, unread.get())>
                            {move || unread.get()}
                        </span>
                    })}
                </button>
                <button
                    type="button"
                    class="toggle"
                    aria-expanded=move || (panel.get() == Some(Panel::Devices)).to_string()
                    aria-label=t.devices
                    title=t.devices
                    on:click=move |_| {
                        controls.refresh_devices();
                        toggle(Panel::Devices);
                    }
                >
                    {icon(Icon::Settings)}
                </button>
                <button type="button" class="leave danger" on:click=move |_| controls.leave()>
                    {t.leave}
                </button>
            </div>
            {move || match panel.get() {
                Some(Panel::Chat) => view! {
                    <ChatPanel
                        messages=Signal::derive(move || signals.chat.get())
                        me=Signal::derive(move || signals.me.get())
                        recipients
                        moderator=Signal::derive(move || moderator.get())
                        to=dm_to
                        on_send=Callback::new(move |(text, to): (String, Option<PeerId>)| controls.send_chat(text, to))
                        on_delete=Callback::new(move |id: String| controls.send(ClientMessage::DeleteChat { id }))
                    />
                }.into_any(),
                Some(Panel::People) => view! {
                    <PeoplePanel controls confirm message_privately/>
                }.into_any(),
                Some(Panel::Devices) => view! { <DevicesPanel controls/> }.into_any(),
                None => ().into_any(),
            }}
            {move || confirm.get().map(|what| view! { <ConfirmDialog controls what confirm/> })}
        </section>
    }
}

/// Reconnecting, audio-only, refusals, and what a moderator did to us.
#[component]
fn StatusBanners(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    view! {
        <div class="banners">
            {move || (signals.phase.get() == CallPhase::Reconnecting).then(|| view! {
                <p class="alert" role="status" data-testid="reconnecting">{t.reconnecting}</p>
            })}
            {move || signals.notice.get().map(|code| view! {
                <p class="alert error notice" role="alert">
                    {t.signaling_error(code)}
                    " "
                    <button type="button" class="link-button" on:click=move |_| signals.notice.set(None)>{t.dismiss}</button>
                </p>
            })}
            {move || signals.moderator_notice.get().map(|notice| {
                let (text, unmute) = match notice {
                    ModeratorNotice::MutedBy(_, TrackKind::Audio) => (t.muted_you, false),
                    ModeratorNotice::MutedBy(_, TrackKind::Video) => (t.video_off_you, false),
                    ModeratorNotice::UnmuteRequest(_) => (t.unmute_request, true),
                };
                view! {
                    <p class="alert" role="alert">
                        {text}
                        " "
                        {unmute.then(|| view! {
                            <button type="button" on:click=move |_| {
                                if !signals.audio_on.get_untracked() {
                                    controls.toggle_audio();
                                }
                                signals.moderator_notice.set(None);
                            }>{t.unmute}</button>
                        })}
                        " "
                        <button type="button" class="link-button" on:click=move |_| signals.moderator_notice.set(None)>{t.dismiss}</button>
                    </p>
                }
            })}
        </div>
    }
}

/// For hosts and co-hosts: who is knocking, with admit and deny.
#[component]
fn LobbyBanner(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let visible = move || signals.role.get().moderates() && !signals.lobby.with(Vec::is_empty);
    view! {
        <Show when=visible>
            <section class="lobby-banner" aria-labelledby="lobby-title">
                <h2 id="lobby-title">{t.lobby_title} " (" {move || signals.lobby.with(Vec::len)} ")"</h2>
                <ul>
                    <For each=move || signals.lobby.get() key=|k| k.id let:knock>
                        <li data-knock-name=knock.name.clone()>
                            <span role="status">{t.with_name(t.knocking, &knock.name)}</span>
                            {(!knock.member).then(|| view! { <span class="tag">{t.guest}</span> })}
                            <button type="button" on:click=move |_| controls.send(ClientMessage::Admit { peer: knock.id })>
                                {t.with_name(t.admit, &knock.name)}
                            </button>
                            <button type="button" class="secondary" on:click=move |_| controls.send(ClientMessage::Deny { peer: knock.id })>
                                {t.with_name(t.deny, &knock.name)}
                            </button>
                        </li>
                    </For>
                </ul>
                {move || (signals.lobby.with(Vec::len) > 1).then(|| view! {
                    <button type="button" on:click=move |_| controls.send(ClientMessage::AdmitAll)>{t.admit_all}</button>
                })}
            </section>
        </Show>
    }
}

#[component]
fn ReactionMenu(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let open = RwSignal::new(false);
    view! {
        <div class="menu-anchor">
            <button
                type="button"
                class="toggle"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-label=t.reactions
                title=t.reactions
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {icon(Icon::Smile)}
            </button>
            <Show when=move || open.get()>
                <div class="reaction-menu" role="group" aria-label=t.reactions>
                    {REACTIONS.iter().map(|emoji| {
                        let emoji = *emoji;
                        view! {
                            <button
                                type="button"
                                aria-label=format!("{} {emoji}", t.react)
                                on:click=move |_| {
                                    controls.send(ClientMessage::React { emoji: emoji.to_owned() });
                                    open.set(false);
                                }
                            >{emoji}</button>
                        }
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
}

#[component]
fn DevicesPanel(controls: CallControls) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let picker = move |kind: DeviceKind, label: &'static str, chosen: RwSignal<Option<String>>| {
        let id = format!("device-{kind:?}").to_lowercase();
        view! {
            <label for=id.clone()>{label}</label>
            <select
                id=id
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if !value.is_empty() {
                        controls.select_device(kind, value);
                    }
                }
            >
                <option value="" selected=move || chosen.get().is_none()>{t.default_device}</option>
                {move || signals.devices.get().into_iter().filter(|d| d.kind == kind).map(|device| {
                    let selected = chosen.get().as_deref() == Some(device.id.as_str());
                    view! { <option value=device.id.clone() selected=selected>{device.label.clone()}</option> }
                }).collect_view()}
            </select>
        }
    };
    view! {
        <aside class="panel devices" aria-labelledby="devices-title">
            <h2 id="devices-title">{t.devices}</h2>
            <div class="device-pickers">
                {picker(DeviceKind::Camera, t.camera, signals.camera_id)}
                {picker(DeviceKind::Microphone, t.microphone, signals.microphone_id)}
                {picker(DeviceKind::Speaker, t.speaker, signals.speaker_id)}
            </div>
        </aside>
    }
}

#[component]
fn ConfirmDialog(
    controls: CallControls,
    what: Confirm,
    confirm: RwSignal<Option<Confirm>>,
) -> impl IntoView {
    let t = use_strings();
    let (question, button) = match &what {
        Confirm::Remove(_, name) => (t.with_name(t.confirm_remove, name), t.remove),
        Confirm::EndForAll => (t.confirm_end.to_owned(), t.end_confirm_button),
    };
    let yes = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = yes.get() {
            let _ = button.focus();
        }
    });
    let act = move |_| {
        match &what {
            Confirm::Remove(peer, _) => controls.send(ClientMessage::Remove { peer: *peer }),
            Confirm::EndForAll => controls.send(ClientMessage::EndMeeting),
        }
        confirm.set(None);
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog card" role="alertdialog" aria-modal="true" aria-labelledby="confirm-text">
                <p id="confirm-text">{question}</p>
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| confirm.set(None)>{t.cancel}</button>
                    <button type="button" class="danger" node_ref=yes on:click=act>{button}</button>
                </div>
            </div>
        </div>
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
            quality=Signal::derive(move || peer.get().map(|p| p.quality).unwrap_or_default())
            speaking=Signal::derive(move || peer.get().is_some_and(|p| p.speaking && p.audio))
            hand=Signal::derive(move || peer.get().and_then(|p| p.hand))
            reconnecting=Signal::derive(move || peer.get().is_some_and(|p| p.reconnecting))
            peer=Some(id)
            signals
        />
    }
}

#[component]
fn RemoteScreen(signals: CallSignals, id: PeerId) -> impl IntoView {
    let t = use_strings();
    let stream = Memo::new(move |_| {
        signals.peers.with(|peers| {
            peers
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.screen_stream.clone())
        })
    });
    let label = t.with_name(t.screen_of, &signals.name_of(id));
    move || {
        stream
            .get()
            .map(|stream| view! { <ScreenTile stream label=label.clone() local=false/> })
    }
}

/// A shared screen, shown large.
#[component]
fn ScreenTile(stream: StreamHandle, label: String, local: bool) -> impl IntoView {
    let element = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    Effect::new({
        let stream = stream.clone();
        move |_| {
            if let Some(el) = element.get() {
                super::rtc::media::attach(&el, Some(&stream));
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = &stream;
    let aria = label.clone();
    view! {
        <figure class="tile screen" class:local=local data-testid="screen-tile" aria-label=aria>
            <video node_ref=element autoplay playsinline muted prop:muted=true data-testid="screen-video"></video>
            <figcaption><span class="name">{label}</span></figcaption>
        </figure>
    }
}

/// One participant's video with their name and state. `peer: None` is
/// the local preview (muted, mirrored).
#[component]
pub fn VideoTile(
    stream: Signal<Option<StreamHandle>>,
    name: Signal<String>,
    audio: Signal<bool>,
    video: Signal<bool>,
    link: Signal<LinkState>,
    quality: Signal<Quality>,
    speaking: Signal<bool>,
    hand: Signal<Option<u64>>,
    reconnecting: Signal<bool>,
    peer: Option<PeerId>,
    signals: CallSignals,
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
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let speaker = signals.speaker_id.get();
        if let (Some(el), Some(_)) = (element.get(), peer) {
            super::rtc::media::set_speaker(&el, speaker.as_deref());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = stream;
    let is_local = peer.is_none();
    let me = move || signals.me.get();
    let reactions = Memo::new(move |_| {
        let from = peer.or_else(me);
        signals.reactions.with(|shown| {
            shown
                .iter()
                .filter(|r| Some(r.from) == from)
                .map(|r| (r.key, r.emoji.clone()))
                .collect::<Vec<_>>()
        })
    });
    let initial = move || {
        name.with(|n| {
            n.chars()
                .next()
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default()
        })
    };
    let quality_label = move || match quality.get() {
        Quality::Good => t.quality_good,
        Quality::Fair => t.quality_fair,
        Quality::Poor => t.quality_poor,
        Quality::Unknown => t.quality_unknown,
    };
    view! {
        <figure
            class="tile"
            class:local=is_local
            class:camera-off=move || !video.get()
            class:speaking=move || speaking.get()
            data-testid=if is_local { "local-tile" } else { "remote-tile" }
            data-peer=peer.map(|p| p.to_string())
            data-peer-name=move || name.get()
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
            <ul class="floating-reactions" aria-hidden="true">
                <For each=move || reactions.get() key=|(key, _)| *key let:reaction>
                    <li>{reaction.1}</li>
                </For>
            </ul>
            {move || hand.get().map(|_| view! { <span class="hand-badge" role="img" aria-label=t.hand_raised>"✋"</span> })}
            <figcaption>
                <span class="name">{move || name.get()}</span>
                {move || speaking.get().then(|| view! { <span class="visually-hidden">{t.speaking}</span> })}
                {move || (!audio.get()).then(|| view! { <span class="muted-badge" title=t.muted role="img" aria-label=t.muted>{icon(Icon::MicOff)}</span> })}
                {(!is_local).then(|| view! {
                    <span class=move || format!("quality {:?}", quality.get()).to_lowercase() role="img" aria-label=quality_label title=quality_label>
                        <i></i><i></i><i></i>
                    </span>
                })}
                {move || if reconnecting.get() {
                    Some(view! { <span class="link-badge">{t.reconnecting}</span> })
                } else if !is_local && link.get() != LinkState::Connected {
                    Some(view! { <span class="link-badge">{t.connecting}</span> })
                } else {
                    None
                }}
            </figcaption>
        </figure>
    }
}
