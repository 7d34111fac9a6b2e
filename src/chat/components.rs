//! The chat panel of a call. Message text is always inserted as text
//! nodes and `<a>` elements built from [`super::segments`], never parsed
//! as HTML.

use super::{segments, ChatMessage, ChatText, Segment};
use crate::i18n::use_strings;
use crate::meeting::protocol::PeerId;
use leptos::prelude::*;

/// Someone a private message can go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub id: PeerId,
    pub name: String,
}

/// The chat beside a call: messages (public and private), a recipient
/// picker, and, for moderators, a delete button on public messages.
/// `to` is the chosen recipient (`None`: everyone); the panel shares it
/// so "Message privately" elsewhere can preselect someone.
#[component]
pub fn ChatPanel(
    messages: Signal<Vec<ChatMessage>>,
    me: Signal<Option<PeerId>>,
    recipients: Signal<Vec<Recipient>>,
    moderator: Signal<bool>,
    to: RwSignal<Option<PeerId>>,
    on_send: Callback<(String, Option<PeerId>)>,
    on_delete: Callback<String>,
) -> impl IntoView {
    let t = use_strings();
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let list = NodeRef::<leptos::html::Ol>::new();
    // Keep the newest message in view.
    Effect::new(move |_| {
        messages.track();
        if let Some(list) = list.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    // A recipient who left: back to everyone.
    Effect::new(move |_| {
        if let Some(id) = to.get() {
            if !recipients.with(|r| r.iter().any(|p| p.id == id)) {
                to.set(None);
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match ChatText::parse(&draft.get_untracked()) {
            Ok(text) => {
                on_send.run((text.as_str().to_owned(), to.get_untracked()));
                draft.set(String::new());
                problem.set(None);
            }
            Err(invalid) => problem.set(Some(t.invalid(invalid))),
        }
    };
    let name_of = move |id: PeerId| {
        recipients.with_untracked(|r| {
            r.iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <aside class="panel chat" aria-labelledby="chat-title">
            <h2 id="chat-title">{t.chat_title}</h2>
            <ol class="messages" node_ref=list aria-live="polite" data-testid="chat-messages">
                {move || messages.with(Vec::is_empty).then(|| view! { <li class="empty">{t.chat_empty}</li> })}
                <For each=move || messages.get() key=|m| m.id.clone() let:message>
                    {
                        let private = message.to.map(|recipient| {
                            if Some(recipient) == me.get_untracked() {
                                t.with_name(t.private_from, &message.from_name)
                            } else {
                                t.with_name(t.private_to, &name_of(recipient))
                            }
                        });
                        let id = message.id.clone();
                        let deletable = message.to.is_none();
                        let is_private = private.is_some();
                        view! {
                            <li class="message" class:private=is_private>
                                <span class="from">{message.from_name.clone()}</span>
                                <time class="at">{clock(message.sent_at_ms)}</time>
                                {private.map(|label| view! { <span class="private-label">{label}</span> })}
                                <p class="text">{message_text(&message.text)}</p>
                                {move || (deletable && moderator.get()).then(|| {
                                    let id = id.clone();
                                    view! {
                                        <button
                                            type="button"
                                            class="link-button delete"
                                            aria-label=t.delete_message
                                            title=t.delete_message
                                            on:click=move |_| on_delete.run(id.clone())
                                        >"×"</button>
                                    }
                                })}
                            </li>
                        }
                    }
                </For>
            </ol>
            <form class="chat-form" on:submit=submit>
                <label class="send-to">
                    <span>{t.send_to}</span>
                    <select
                        aria-label=t.send_to
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            to.set(value.parse::<u64>().ok().map(PeerId));
                        }
                        prop:value=move || to.get().map(|id| id.to_string()).unwrap_or_default()
                    >
                        <option value="">{t.everyone}</option>
                        <For each=move || recipients.get() key=|r| (r.id, r.name.clone()) let:recipient>
                            <option value=recipient.id.to_string() selected=move || to.get() == Some(recipient.id)>
                                {recipient.name.clone()}
                            </option>
                        </For>
                    </select>
                </label>
                <div class="chat-input">
                    <input
                        name="text"
                        autocomplete="off"
                        maxlength=ChatText::MAX_CHARS.to_string()
                        placeholder=t.chat_placeholder
                        aria-label=t.chat_placeholder
                        prop:value=draft
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    />
                    <button type="submit">{t.chat_send}</button>
                </div>
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            </form>
        </aside>
    }
}

/// Chat text as text nodes and safe links (`http(s)` only, opened in a
/// new tab without access to this one).
fn message_text(text: &str) -> impl IntoView {
    segments(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.into_any(),
            Segment::Link(url) => {
                let href = url.clone();
                view! { <a href=href target="_blank" rel="noopener noreferrer nofollow">{url}</a> }
            }
            .into_any(),
        })
        .collect_view()
}

/// `HH:MM` of a Unix-ms instant in the browser's zone (empty on the server,
/// where chat is never rendered).
fn clock(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ms;
        String::new()
    }
}
