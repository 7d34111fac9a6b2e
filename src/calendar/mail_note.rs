//! "Mail is off": shown under the invitees field when the server has no
//! SMTP server configured, so organizers know invitations and reminders
//! are not emailed (they wait in the outbox and show in the app).

use crate::error::AppResult;
use crate::i18n::use_strings;
use leptos::prelude::*;

/// Whether the server sends mail (`CONVENE_SMTP_URL` is set).
///
/// # Errors
/// [`crate::error::AppError::Internal`] when the mailer is missing.
#[server(endpoint = "mail_enabled")]
pub async fn mail_enabled() -> AppResult<bool> {
    Ok(crate::mail::use_mailer()?.is_enabled())
}

/// Whether mail is on, asked once per page.
#[derive(Clone, Copy)]
struct MailStatus(Resource<AppResult<bool>>);

/// Provides the mail status; call once at the app's root. The resource is
/// made there because forms are drawn more than once on the server while
/// a page streams, and a resource made in each drawing would not match
/// the browser's when it hydrates.
pub fn provide_mail_status() {
    provide_context(MailStatus(Resource::new(|| (), |()| mail_enabled())));
}

/// A note that invitations are not emailed, when mail is off; nothing
/// otherwise.
#[component]
pub fn MailOffNote() -> impl IntoView {
    let t = use_strings();
    let MailStatus(enabled) = expect_context::<MailStatus>();
    // Read with `get` rather than in a Transition of its own: the note is
    // drawn inside the calendar's Transition, which awaits this read too,
    // and a boundary made there each time the server redraws would shift
    // the ids the browser finds the server's data by.
    move || {
        enabled
            .get()
            .and_then(Result::ok)
            .filter(|on| !on)
            .map(|_| view! { <p class="hint warning" role="note" data-testid="mail-off">{t.mail_off_note}</p> })
    }
}
