//! The settings section for personal API tokens: the list (name, when
//! made, when last used), a form that makes one and shows its secret
//! once, and a revoke button per token.

use super::{ApiTokenView, CreateApiToken, RevokeApiToken};
use crate::forms::{action_error, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;

/// `Settings → API tokens`. For signed-in users (the settings page sees
/// to that).
#[component]
pub fn ApiTokensSection() -> impl IntoView {
    let t = use_strings();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| super::list_api_tokens(),
    );
    let create_error = action_error(create);
    let revoke_error = action_error(revoke);
    let fresh = move || match create.value().get() {
        Some(Ok(made)) => Some(view! {
            <div class="api-token-new alert success" role="status">
                <label for="api-token-secret">{t.api_token_new} " (" {made.token.name.clone()} ")"</label>
                <input
                    id="api-token-secret"
                    type="text"
                    readonly
                    class="api-token-secret"
                    value=made.secret
                    aria-describedby="api-token-once"
                    spellcheck="false"
                    autocomplete="off"
                    on:focus=select_all
                />
                <p id="api-token-once">{t.api_token_shown_once}</p>
            </div>
        }),
        _ => None,
    };
    let revoked = move || {
        matches!(revoke.value().get(), Some(Ok(()))).then(|| {
            view! { <p class="alert success" role="status">{t.api_token_revoked}</p> }
        })
    };
    view! {
        <section class="settings-section api-tokens" aria-labelledby="api-tokens-title">
            <h2 id="api-tokens-title">{t.api_tokens_title}</h2>
            <p class="muted">{t.api_tokens_intro}</p>
            <p><a href="/api/v1/openapi.json">{t.api_docs_link}</a></p>
            <ActionForm action=create attr:class="api-token-form">
                <FormAlert error=create_error/>
                <label for="api-token-name">{t.api_token_name}</label>
                <input
                    id="api-token-name"
                    name="name"
                    type="text"
                    maxlength=super::TOKEN_NAME_MAX_CHARS.to_string()
                    aria-describedby="api-token-name-hint"
                    autocomplete="off"
                />
                <p class="hint" id="api-token-name-hint">{t.api_token_name_hint}</p>
                <button type="submit" disabled=move || create.pending().get()>{t.api_token_create}</button>
            </ActionForm>
            // Each dynamic part in its own element, so the browser finds
            // exactly the nodes the server wrote when it hydrates.
            <div class="api-token-feedback">
                {fresh}
                {revoked}
                <FormAlert error=revoke_error/>
            </div>
            <div class="api-token-list-wrap">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t.api_tokens_none}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="api-token-list" aria-label=t.api_tokens_title>
                                {list.into_iter().map(|token| view! { <TokenItem token revoke/> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                    }
                })}
            </Transition>
            </div>
        </section>
    }
}

/// One token of the list, with its revoke button.
#[component]
fn TokenItem(token: ApiTokenView, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let t = use_strings();
    let revoke_label = format!("{} {}", t.api_token_revoke, token.name);
    view! {
        <li class="api-token" data-testid="api-token">
            <span class="api-token-name">{token.name.clone()}</span>
            <dl class="api-token-times">
                <dt>{t.api_token_made}</dt>
                <dd>{token.created.clone()}</dd>
                <dt>{t.api_token_last_used}</dt>
                <dd>{token.last_used.clone().unwrap_or_else(|| t.api_token_never_used.to_owned())}</dd>
            </dl>
            <ActionForm action=revoke attr:class="api-token-revoke">
                <input type="hidden" name="id" value=token.id.clone()/>
                <button type="submit" class="danger" aria-label=revoke_label>
                    {t.api_token_revoke}
                </button>
            </ActionForm>
        </li>
    }
}

/// Selects the whole secret when the field gets focus, ready to copy.
fn select_all(event: leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast as _;
        if let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}
