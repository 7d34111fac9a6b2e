//! Form feedback shared by every feature: the message under a field, and
//! the alert at the top of a form. Both read a server action's last result
//! and speak the page's language.

use crate::error::AppError;
use crate::i18n::use_strings;
use leptos::prelude::*;

/// The last error of an action, if any (`None` while pending or after
/// success).
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<I>: Copy,
{
    Signal::derive(move || action.value().get().and_then(|result| result.err()))
}

/// The message for `field` when `error` is about it. Its id
/// (`{field}-error`) is what the input's `aria-describedby` names.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let t = use_strings();
    let message = move || match error.get() {
        Some(AppError::Invalid(problem)) if problem.field() == field => Some(t.invalid(problem)),
        _ => None,
    };
    view! {
        <p class="field-error" id=format!("{field}-error") role="alert" aria-live="polite">
            {message}
        </p>
    }
}

/// An alert for errors that belong to no single field.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let t = use_strings();
    move || match error.get() {
        Some(AppError::Invalid(_)) | None => None,
        Some(other) => Some(view! {
            <p class="alert error" role="alert">{t.error(&other)}</p>
        }),
    }
}

/// Whether `error` is about `field` (for `aria-invalid`).
pub fn invalid_field(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> {
    move || match error.get() {
        Some(AppError::Invalid(problem)) if problem.field() == field => Some("true"),
        _ => None,
    }
}
