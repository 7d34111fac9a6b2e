//! The calendar part of the settings page: the private feed URL that
//! other calendars subscribe to, and importing an `.ics` file.

use super::feed::{CreateFeed, FeedStatus, RevokeFeed};
use crate::error::AppResult;
use crate::forms::FormAlert;
use crate::i18n::use_strings;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The largest `.ics` text accepted, bytes (a few thousand events).
pub const MAX_ICS_BYTES: usize = 2 * 1024 * 1024;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Meetings (or series) made.
    pub imported: u32,
    /// Events whose UID the user already had: left alone.
    pub already: u32,
    /// Events left out: their SUMMARY and the reason, in the user's
    /// language.
    pub skipped: Vec<(String, String)>,
}

/// Imports the VEVENTs of an iCalendar text (RFC 5545) as meetings
/// organized by the caller: RRULE, EXDATE, RECURRENCE-ID overrides, TZID
/// (IANA or Windows names, or the file's VTIMEZONE) and VALARMs are kept;
/// attendees are not invited. Floating times are read in the caller's
/// zone.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors;
/// [`crate::error::Invalid::IcsUnreadable`] for text that is not
/// iCalendar or is over [`MAX_ICS_BYTES`];
/// [`crate::error::Invalid::IcsNoEvents`] when no VEVENT could be read.
#[server(endpoint = "import_ics")]
pub async fn import_ics(ics: String) -> AppResult<ImportSummary> {
    use super::db::Imported;
    use crate::error::Invalid;
    let user = crate::auth::require_user()?;
    if ics.len() > MAX_ICS_BYTES {
        return Err(Invalid::IcsUnreadable.into());
    }
    let db = crate::db::use_db()?;
    let tz = crate::zone::parse(&user.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let parsed = super::ics::parse(&ics, tz)?;
    let t = crate::i18n::request_locale().strings();
    let mut summary = ImportSummary::default();
    for event in &parsed.events {
        match super::db::import_event(&db, &user.id, event).await? {
            Imported::Created => summary.imported += 1,
            Imported::AlreadyThere => summary.already += 1,
        }
    }
    summary.skipped = parsed
        .skipped
        .iter()
        .map(|s| (s.title.clone(), t.invalid(s.reason).to_owned()))
        .collect();
    Ok(summary)
}

/// The feed URL: make one (shown once), make a new one (the old stops
/// working), or turn it off.
#[component]
pub fn FeedSection() -> impl IntoView {
    let t = use_strings();
    let create = ServerAction::<CreateFeed>::new();
    let revoke = ServerAction::<RevokeFeed>::new();
    let status = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| super::feed::get_feed(),
    );
    let new_url = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .and_then(|s: FeedStatus| s.new_url)
            .map(absolute)
    };
    view! {
        <section class="card settings-section" aria-labelledby="feed-heading">
            <h2 id="feed-heading">{t.feed_heading}</h2>
            <p class="muted">{t.feed_lead}</p>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => {
                            let state = if status.active { t.feed_active } else { t.feed_inactive };
                            view! {
                                <p role="status" data-testid="feed-state">{state}</p>
                                {move || new_url().map(|url| view! {
                                    <label for="feed-url">{t.feed_url_label}</label>
                                    <input id="feed-url" type="text" readonly value=url
                                        aria-describedby="feed-url-hint" data-testid="feed-url"/>
                                    <p class="hint" id="feed-url-hint">{t.feed_url_once}</p>
                                })}
                                <div class="actions">
                                    <ActionForm action=create attr:class="inline">
                                        <button type="submit" class="button small">
                                            {if status.active { t.feed_replace } else { t.feed_create }}
                                        </button>
                                    </ActionForm>
                                    {status.active.then(|| view! {
                                        <ActionForm action=revoke attr:class="inline">
                                            <button type="submit" class="button ghost small">{t.feed_revoke}</button>
                                        </ActionForm>
                                    })}
                                </div>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A feed URL as the user should copy it: absolute, also when the server
/// has no public URL configured (the browser knows its own origin).
fn absolute(url: String) -> String {
    if !url.starts_with('/') {
        return url;
    }
    #[cfg(feature = "hydrate")]
    {
        if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
            return format!("{origin}{url}");
        }
    }
    url
}

/// Import an `.ics` file: pick it (read in the browser) or paste its text.
#[component]
pub fn ImportSection() -> impl IntoView {
    let t = use_strings();
    let import = ServerAction::<ImportIcs>::new();
    let text = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    let on_file = move |event: leptos::ev::Event| read_file(event, text);
    #[cfg(not(feature = "hydrate"))]
    let on_file = move |_event: leptos::ev::Event| {};
    let result = move || {
        import.value().get().map(|result| match result {
            Ok(summary) => {
                let skipped = summary.skipped.clone();
                view! {
                    <div class="alert success" role="status" data-testid="import-result">
                        <p>{format!("{}: {}", t.import_done, summary.imported)}
                           {(summary.already > 0).then(|| format!(" · {}: {}", t.import_already, summary.already))}</p>
                        {(!skipped.is_empty()).then(|| view! {
                            <p>{t.import_skipped}</p>
                            <ul>{skipped.into_iter().map(|(title, why)| view! { <li>{title} " — " {why}</li> }).collect_view()}</ul>
                        })}
                    </div>
                }
                .into_any()
            }
            Err(error) => view! { <FormAlert error=Signal::stored(Some(error))/> }.into_any(),
        })
    };
    view! {
        <section class="card settings-section" aria-labelledby="import-heading">
            <h2 id="import-heading">{t.import_heading}</h2>
            <p class="muted">{t.import_lead}</p>
            <ActionForm action=import>
                <label for="ics-file">{t.import_file_label}</label>
                <input id="ics-file" type="file" accept=".ics,text/calendar" on:change=on_file/>
                <label for="ics-text">{t.import_text_label}</label>
                <textarea id="ics-text" name="ics" rows="4" required
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <button type="submit" class="button" disabled=move || import.pending().get()>
                    {move || if import.pending().get() { t.import_busy } else { t.import_submit }}
                </button>
            </ActionForm>
            {result}
        </section>
    }
}

/// Reads the chosen file's text into `text` (the form sends that).
#[cfg(feature = "hydrate")]
fn read_file(event: leptos::ev::Event, text: RwSignal<String>) {
    use wasm_bindgen::JsCast as _;
    let Some(file) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            if let Some(body) = value.as_string() {
                text.set(body);
            }
        }
    });
}
