//! The chat panel of a call. Message text is always inserted as text
//! nodes, never parsed as HTML.

use super::{ChatMessage, ChatText};
use crate::i18n::use_strings;
use leptos::prelude::*;

#[component]
pub fn ChatPanel(messages: Signal<Vec<ChatMessage>>, on_send: Callback<String>) -> impl IntoView {
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
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match ChatText::parse(&draft.get_untracked()) {
            Ok(text) => {
                on_send.run(text.as_str().to_owned());
                draft.set(String::new());
                problem.set(None);
            }
            Err(invalid) => problem.set(Some(t.invalid(invalid))),
        }
    };
    view! {
        <aside class="chat" aria-labelledby="chat-title">
            <h2 id="chat-title">{t.chat_title}</h2>
            <ol class="messages" node_ref=list aria-live="polite" data-testid="chat-messages">
                {move || messages.with(Vec::is_empty).then(|| view! { <li class="empty">{t.chat_empty}</li> })}
                <For each=move || messages.get() key=|m| m.id.clone() let:message>
                    <li class="message">
                        <span class="from">{message.from_name}</span>
                        <time class="at">{clock(message.sent_at_ms)}</time>
                        <p class="text">{message.text}</p>
                    </li>
                </For>
            </ol>
            <form class="chat-form" on:submit=submit>
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
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            </form>
        </aside>
    }
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
