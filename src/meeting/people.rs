//! The participants panel: everyone with their role and state, raised
//! hands in order, and for hosts and co-hosts the moderation actions and
//! who may join. The server checks every action again; the buttons only
//! show what the viewer's role allows.

use super::call::{CallControls, RemotePeer};
use super::icons::{icon, Icon};
use super::protocol::{ClientMessage, PeerId, RoomAccess, RoomRole, TrackKind};
use super::stage::Confirm;
use crate::i18n::{use_strings, Strings};
use leptos::prelude::*;

fn role_label(t: &'static Strings, role: RoomRole) -> Option<&'static str> {
    match role {
        RoomRole::Host => Some(t.role_host),
        RoomRole::CoHost => Some(t.role_cohost),
        RoomRole::Participant => None,
    }
}

#[component]
pub fn PeoplePanel(
    controls: CallControls,
    confirm: RwSignal<Option<Confirm>>,
    message_privately: Callback<PeerId>,
) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let my_role = Memo::new(move |_| signals.role.get());
    let moderator = move || my_role.get().moderates();
    let hands = Memo::new(move |_| {
        let mut raised: Vec<(u64, String)> = signals.peers.with(|peers| {
            peers
                .iter()
                .filter_map(|p| p.hand.map(|h| (h, p.name.clone())))
                .collect()
        });
        if let Some(mine) = signals.my_hand.get() {
            raised.push((mine, format!("{} ({})", signals.my_name.get(), t.you)));
        }
        raised.sort();
        raised
    });
    let access_value = move || match signals.access.get() {
        RoomAccess::Open => "open",
        RoomAccess::AskToJoin => "ask_to_join",
        RoomAccess::Locked => "locked",
    };
    let set_access = move |ev: leptos::ev::Event| {
        let access = match event_target_value(&ev).as_str() {
            "ask_to_join" => RoomAccess::AskToJoin,
            "locked" => RoomAccess::Locked,
            _ => RoomAccess::Open,
        };
        controls.send(ClientMessage::SetAccess { access });
    };
    view! {
        <aside class="panel people" aria-labelledby="people-title">
            <h2 id="people-title">{t.participants} " (" {move || signals.peers.with(Vec::len) + 1} ")"</h2>
            <Show when=moderator>
                <label for="room-access">{t.who_can_join}</label>
                <select id="room-access" on:change=set_access prop:value=access_value>
                    <option value="open" selected=move || access_value() == "open">{t.access_open}</option>
                    <option value="ask_to_join" selected=move || access_value() == "ask_to_join">{t.access_ask}</option>
                    <option value="locked" selected=move || access_value() == "locked">{t.access_locked}</option>
                </select>
            </Show>
            <Show when=move || !hands.with(Vec::is_empty)>
                <h3>{t.raised_hands}</h3>
                <ol class="hands" aria-label=t.raised_hands>
                    <For each=move || hands.get() key=|(order, _)| *order let:hand>
                        <li>"✋ " {hand.1}</li>
                    </For>
                </ol>
            </Show>
            <ul class="people-list">
                <li class="person" data-peer-name=move || signals.my_name.get()>
                    <span class="name">{move || signals.my_name.get()} " (" {t.you} ")"</span>
                    {move || role_label(t, my_role.get()).map(|r| view! { <span class="tag">{r}</span> })}
                    {move || (!signals.audio_on.get()).then(|| view! { <span class="muted-badge" role="img" aria-label=t.muted>{icon(Icon::MicOff)}</span> })}
                </li>
                <For each=move || signals.peers.with(|p| p.iter().map(|p| p.id).collect::<Vec<_>>()) key=|id| *id let:id>
                    <Person controls id my_role confirm message_privately/>
                </For>
            </ul>
            <Show when=moderator>
                <button type="button" class="danger end-all" on:click=move |_| confirm.set(Some(Confirm::EndForAll))>
                    {t.end_for_all}
                </button>
            </Show>
        </aside>
    }
}

#[component]
fn Person(
    controls: CallControls,
    id: PeerId,
    my_role: Memo<RoomRole>,
    confirm: RwSignal<Option<Confirm>>,
    message_privately: Callback<PeerId>,
) -> impl IntoView {
    let t = use_strings();
    let signals = controls.signals;
    let peer = Memo::new(move |_| {
        signals
            .peers
            .with(|peers| peers.iter().find(|p| p.id == id).cloned())
    });
    // What the viewer may do to this person (the server checks again).
    let may_moderate = move || {
        let mine = my_role.get();
        mine.moderates()
            && peer
                .get()
                .is_some_and(|p| p.role != RoomRole::Host || mine == RoomRole::Host)
    };
    let is_host = move || my_role.get() == RoomRole::Host;
    move || {
        peer.get().map(|p: RemotePeer| {
            let name = p.name.clone();
            let label = |template: &str| t.with_name(template, &name);
            let (mute, ask_unmute, camera_off, lower_hand, remove, write) = (
                label(t.mute_someone),
                label(t.ask_unmute),
                label(t.stop_someones_video),
                label(t.lower_someones_hand),
                label(t.remove_participant),
                label(t.message_privately),
            );
            let promote = p.role != RoomRole::CoHost;
            let promote_label = label(if promote { t.make_cohost } else { t.remove_cohost });
            let to_confirm = Confirm::Remove(id, name.clone());
            let actions = may_moderate().then(|| {
                view! {
                    <div class="person-actions">
                        {if p.audio {
                            view! {
                                <button type="button" class="small" on:click=move |_| controls.send(ClientMessage::Mute { peer: id, track: TrackKind::Audio })>
                                    {mute}
                                </button>
                            }.into_any()
                        } else {
                            view! {
                                <button type="button" class="small" on:click=move |_| controls.send(ClientMessage::AskUnmute { peer: id })>
                                    {ask_unmute}
                                </button>
                            }.into_any()
                        }}
                        {p.video.then(|| view! {
                            <button type="button" class="small" on:click=move |_| controls.send(ClientMessage::Mute { peer: id, track: TrackKind::Video })>
                                {camera_off}
                            </button>
                        })}
                        {p.hand.is_some().then(|| view! {
                            <button type="button" class="small" on:click=move |_| controls.send(ClientMessage::LowerHand { peer: id })>
                                {lower_hand}
                            </button>
                        })}
                        {(is_host() && p.role != RoomRole::Host).then(|| view! {
                            <button
                                type="button"
                                class="small"
                                on:click=move |_| controls.send(ClientMessage::SetRole {
                                    peer: id,
                                    role: if promote { RoomRole::CoHost } else { RoomRole::Participant },
                                })
                            >
                                {promote_label}
                            </button>
                        })}
                        <button type="button" class="small danger" on:click=move |_| confirm.set(Some(to_confirm.clone()))>
                            {remove}
                        </button>
                    </div>
                }
            });
            view! {
                <li class="person" data-peer-name=name.clone()>
                    <span class="name">{name.clone()}</span>
                    {role_label(t, p.role).map(|r| view! { <span class="tag">{r}</span> })}
                    {p.audio_only.then(|| view! { <span class="tag">{t.audio_only_short}</span> })}
                    {p.hand.map(|_| view! { <span role="img" aria-label=t.hand_raised>"✋"</span> })}
                    {(!p.audio).then(|| view! { <span class="muted-badge" role="img" aria-label=t.muted>{icon(Icon::MicOff)}</span> })}
                    {p.reconnecting.then(|| view! { <span class="link-badge">{t.reconnecting}</span> })}
                    <button type="button" class="small secondary" on:click=move |_| message_privately.run(id)>
                        {write}
                    </button>
                    {actions}
                </li>
            }
        })
    }
}
