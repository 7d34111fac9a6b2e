//! Sign-in and sign-up pages. Both are plain forms posting to server
//! functions, so they work before (and without) hydration.

use crate::app::use_auth;
use crate::forms::{action_error, invalid_field, FieldError, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn next_param() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("next").unwrap_or_default()))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_strings();
    let action = use_auth().login;
    let error = action_error(action);
    let next = next_param();
    view! {
        <section class="card narrow">
            <h1>{t.sign_in_title}</h1>
            <ActionForm action=action>
                <FormAlert error/>
                <input type="hidden" name="next" value=next/>
                <label for="email">{t.email}</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    required
                    aria-describedby="email-error"
                    aria-invalid=invalid_field(error, "email")
                />
                <FieldError error field="email"/>
                <label for="password">{t.password}</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    aria-describedby="password-error"
                    aria-invalid=invalid_field(error, "password")
                />
                <FieldError error field="password"/>
                <button type="submit" disabled=move || action.pending().get()>
                    {t.sign_in_button}
                </button>
            </ActionForm>
            <p>
                {t.no_account} " "
                <A href=move || with_next("/signup", &next.get())>{t.nav_sign_up}</A>
            </p>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let t = use_strings();
    let action = use_auth().register;
    let error = action_error(action);
    let next = next_param();
    // The browser's zone, once hydrated; before that the server reads the
    // `tz` cookie.
    let time_zone = RwSignal::new(String::new());
    Effect::new(move |_| time_zone.set(browser_time_zone()));
    view! {
        <section class="card narrow">
            <h1>{t.sign_up_title}</h1>
            <ActionForm action=action>
                <FormAlert error/>
                <input type="hidden" name="next" value=next/>
                <input type="hidden" name="time_zone" prop:value=time_zone/>
                <label for="display_name">{t.display_name}</label>
                <input
                    id="display_name"
                    name="display_name"
                    autocomplete="name"
                    required
                    maxlength="64"
                    aria-describedby="display_name-error"
                    aria-invalid=invalid_field(error, "display_name")
                />
                <FieldError error field="display_name"/>
                <label for="email">{t.email}</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    required
                    aria-describedby="email-error"
                    aria-invalid=invalid_field(error, "email")
                />
                <FieldError error field="email"/>
                <label for="password">{t.password}</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    required
                    aria-describedby="password-hint password-error"
                    aria-invalid=invalid_field(error, "password")
                />
                <p class="hint" id="password-hint">{t.password_hint}</p>
                <FieldError error field="password"/>
                <button type="submit" disabled=move || action.pending().get()>
                    {t.sign_up_button}
                </button>
            </ActionForm>
            <p>
                {t.have_account} " "
                <A href=move || with_next("/login", &next.get())>{t.nav_sign_in}</A>
            </p>
        </section>
    }
}

fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?next={}", crate::app::url_encode(next))
    }
}

/// The browser's IANA time zone (`Intl.DateTimeFormat`), empty on the
/// server.
pub fn browser_time_zone() -> String {
    #[cfg(feature = "hydrate")]
    {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}
