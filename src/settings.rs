//! The settings page: one section per feature (time zones, calendar feed
//! and import, notifications, API tokens). Each feature owns its section's
//! component and server functions; this page only lays them out.

use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// `/settings`: signed-in users only; visitors go to the sign-in page.
///
/// The sections are made once, outside any reactive closure: their data
/// resources must be created the same number of times on the server
/// (where a closure may run again while the page streams) as in the
/// browser, or hydration fails. For visitors each section's own request
/// is refused while the redirect happens.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_strings();
    let auth = crate::app::use_auth();
    let visitor = move || {
        Suspend::new(async move {
            matches!(auth.user.await, Ok(None))
                .then(|| view! { <Redirect path="/login?next=%2Fsettings"/> })
        })
    };
    view! {
        <section class="page settings-page">
            <h1>{t.settings_title}</h1>
            <Transition fallback=|| ()>{visitor}</Transition>
            <div class="settings">
                // Sections, in the order users look for them.
                <crate::calendar::settings::ZoneSection/>
                <crate::calendar::sharing::FeedSection/>
                <crate::calendar::sharing::ImportSection/>
                <crate::notify::components::PushSection/>
                <crate::api::components::ApiTokensSection/>
            </div>
        </section>
    }
}
