//! Free/busy for members: when the people being invited are already
//! taken on the meeting's day, shown beside the invitees field. Only the
//! busy times of member accounts are shown, never titles; outside
//! addresses are marked unknown.

use crate::error::AppResult;
use crate::i18n::use_strings;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One invitee's day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub email: String,
    /// The member's name; `None` for an address with no account (their
    /// availability is unknown).
    pub name: Option<String>,
    /// Busy spans that day as `HH:MM–HH:MM` in the asker's zone, in order;
    /// empty when free all day.
    pub busy: Vec<String>,
}

/// The busy times on `date` (`YYYY-MM-DD`, a day in the caller's zone) of
/// each address in `emails` (separated by commas, semicolons or spaces;
/// at most 100): meetings a member organizes or accepted.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors;
/// [`crate::error::Invalid::DateMalformed`],
/// [`crate::error::Invalid::InviteeMalformed`],
/// [`crate::error::Invalid::TooManyInvitees`].
#[server(endpoint = "free_busy")]
pub async fn free_busy(date: String, emails: String) -> AppResult<Vec<Availability>> {
    use crate::error::Invalid;
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::DateMalformed)?;
    let tz = crate::zone::parse(&user.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let from = crate::zone::start_of_day_ms(tz, day);
    let to = crate::zone::start_of_day_ms(tz, day.succ_opt().unwrap_or(day));
    let addresses = super::MeetingDraft::parse_invitees(&emails)?;
    let mut answer = Vec::with_capacity(addresses.len());
    for email in addresses {
        let Some(member) = crate::auth::db::user_by_email(&db, email.as_str()).await? else {
            answer.push(Availability {
                email: email.as_str().to_owned(),
                name: None,
                busy: Vec::new(),
            });
            continue;
        };
        let busy = super::db::busy_between(&db, &member, from, to)
            .await?
            .into_iter()
            .map(|(start, end)| {
                let start = crate::zone::to_local(tz, start);
                let end_label = if end >= to {
                    "24:00".to_owned()
                } else {
                    crate::zone::hhmm(&crate::zone::to_local(tz, end))
                };
                format!("{}–{end_label}", crate::zone::hhmm(&start))
            })
            .collect();
        answer.push(Availability {
            email: email.as_str().to_owned(),
            name: Some(member.display_name),
            busy,
        });
    }
    Ok(answer)
}

/// "Check availability": the invitees' busy times on `date`, on demand
/// (the invitees are read from `invitees`, kept by the form).
#[component]
pub fn FreeBusy(date: Signal<String>, invitees: RwSignal<String>) -> impl IntoView {
    let t = use_strings();
    let check =
        Action::new(|(date, emails): &(String, String)| free_busy(date.clone(), emails.clone()));
    let result = move || {
        check.value().get().map(|result| match result {
            Ok(people) if people.is_empty() => {
                view! { <p class="hint">{t.free_busy_nobody}</p> }.into_any()
            }
            Ok(people) => view! {
                <ul class="free-busy" data-testid="free-busy">
                    {people
                        .into_iter()
                        .map(|p| {
                            let who = p.name.clone().unwrap_or_else(|| p.email.clone());
                            let state = match (&p.name, p.busy.is_empty()) {
                                (None, _) => t.free_busy_unknown.to_owned(),
                                (Some(_), true) => t.free_busy_free.to_owned(),
                                (Some(_), false) => format!("{} {}", t.free_busy_busy, p.busy.join(", ")),
                            };
                            view! { <li><strong>{who}</strong> " — " {state}</li> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
        })
    };
    view! {
        <div class="free-busy-check" aria-live="polite">
            <button type="button" class="button ghost small"
                disabled=move || check.pending().get()
                on:click=move |_| { check.dispatch((date.get_untracked(), invitees.get_untracked())); }>
                {t.free_busy_check}
            </button>
            {result}
        </div>
    }
}
