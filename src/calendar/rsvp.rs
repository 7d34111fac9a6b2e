//! Answering an invitation from the email, without signing in: each
//! invitation carries links with a signed, expiring token (a JWT, HS256,
//! audience `rsvp`) naming the meeting and the invited address.

use super::PartStat;
use crate::error::{AppError, AppResult};
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// What the answer page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RsvpView {
    pub title: String,
    /// Start and end in the meeting's zone, localized.
    pub when_label: String,
    pub organizer_name: String,
    /// The invited address the link is for.
    pub email: String,
    /// The answer on record (after applying the one in the link).
    pub answer: PartStat,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::auth::session::TokenKeys;
    use serde::{Deserialize, Serialize};

    const AUDIENCE: &str = "rsvp";
    /// How long an invitation's links work, ms (60 days; every update mail
    /// brings fresh ones).
    pub const RSVP_LINK_TTL_MS: i64 = 60 * 24 * 3600 * 1000;

    #[derive(Serialize, Deserialize)]
    pub(super) struct RsvpClaims {
        /// The invited address.
        pub sub: String,
        /// Meeting id.
        pub m: String,
        pub aud: String,
        /// Expiry, seconds since the Unix epoch.
        pub exp: i64,
    }

    /// A token for `email`'s answers to meeting `meeting_id`, valid for
    /// [`RSVP_LINK_TTL_MS`] from `now_ms`.
    ///
    /// # Errors
    /// [`crate::error::AppError::Internal`] if signing fails.
    pub fn rsvp_token(
        keys: &TokenKeys,
        meeting_id: &str,
        email: &str,
        now_ms: i64,
    ) -> crate::error::AppResult<String> {
        keys.sign(&RsvpClaims {
            sub: email.to_owned(),
            m: meeting_id.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: (now_ms + RSVP_LINK_TTL_MS) / 1000,
        })
    }

    /// The meeting id and address of a valid, unexpired token.
    pub fn verify_rsvp_token(keys: &TokenKeys, token: &str) -> Option<(String, String)> {
        keys.verify::<RsvpClaims>(token, AUDIENCE, true)
            .map(|claims| (claims.m, claims.sub))
    }

    /// The three links of an invitation (`accept`, `tentative`,
    /// `decline`), under `origin` (`https://meet.example.com`).
    pub fn rsvp_links(origin: &str, token: &str) -> [(super::PartStat, String); 3] {
        super::PartStat::ANSWERS.map(|answer| {
            (
                answer,
                format!("{origin}/rsvp/{token}?answer={}", answer.as_str()),
            )
        })
    }
}

/// Applies the answer in an invitation link (when `answer` is given) and
/// shows the meeting. No sign-in: the token is the proof.
///
/// # Errors
/// [`AppError::NotFound`] for a token that is invalid or expired, or an
/// invitation that no longer exists; `answer` other than accepted,
/// tentative or declined is ignored.
#[server(endpoint = "answer_by_link")]
pub async fn answer_by_link(
    token: String,
    #[server(default)] answer: Option<String>,
) -> AppResult<RsvpView> {
    let keys = use_context::<crate::auth::session::TokenKeys>()
        .ok_or_else(|| AppError::internal("context", "TokenKeys not provided"))?;
    let (meeting_id, email) = verify_rsvp_token(&keys, &token).ok_or(AppError::NotFound)?;
    let db = crate::db::use_db()?;
    if let Some(answer) = answer
        .as_deref()
        .and_then(PartStat::parse)
        .filter(|a| *a != PartStat::NeedsAction)
    {
        if !super::db::set_answer(&db, &meeting_id, &email, answer).await? {
            return Err(AppError::NotFound);
        }
    }
    let series = super::db::series(&db, &meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = super::db::attendees(&db, &meeting_id)
        .await?
        .into_iter()
        .find(|a| a.email == email)
        .ok_or(AppError::NotFound)?;
    let organizer = sqlx::query("SELECT display_name FROM users WHERE id = $1")
        .bind(&series.organizer_id)
        .fetch_optional(&db)
        .await?
        .map(|r| sqlx::Row::get::<String, _>(&r, "display_name"))
        .unwrap_or_default();
    let locale = crate::i18n::request_locale();
    let mut when_label = crate::zone::format_range(
        series.starts_at_ms,
        series.ends_at_ms,
        &series.time_zone,
        locale,
    );
    if let Some(rule) = &series.rule {
        when_label.push_str(" · ");
        when_label.push_str(&super::repeat::describe(rule, series.tz(), locale));
    }
    Ok(RsvpView {
        title: series.title,
        when_label,
        organizer_name: organizer,
        email,
        answer: current.partstat,
    })
}

/// `/rsvp/:token?answer=accepted`: the page an invitation's links open.
#[component]
pub fn RsvpPage() -> impl IntoView {
    let t = use_strings();
    let params = use_params_map();
    let query = use_query_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let answer = Memo::new(move |_| query.with(|q| q.get("answer")));
    let view_data = Resource::new(
        move || (token.get(), answer.get()),
        |(token, answer)| answer_by_link(token, answer),
    );
    view! {
        <article class="rsvp-page card" aria-labelledby="rsvp-page-title">
            <h1 id="rsvp-page-title">{t.rsvp_title}</h1>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(rsvp) => {
                            let token = token.get_untracked();
                            let choices = PartStat::ANSWERS
                                .into_iter()
                                .map(|a| {
                                    let text = super::components::answer_choice(t, a);
                                    let current = a == rsvp.answer;
                                    view! {
                                        <A href=format!("/rsvp/{token}?answer={}", a.as_str())
                                            attr:class=if current { "button" } else { "button ghost" }
                                            attr:aria-current=current.then_some("true")>
                                            {text}
                                        </A>
                                    }
                                })
                                .collect_view();
                            let status = match rsvp.answer {
                                PartStat::NeedsAction => None,
                                _ => Some(view! { <p class="alert success" role="status" data-testid="rsvp-status">{t.rsvp_saved} " " {super::components::answer_label(t, rsvp.answer)}</p> }),
                            };
                            view! {
                                <h2>{rsvp.title}</h2>
                                <p data-testid="rsvp-when">{rsvp.when_label}</p>
                                <p class="muted">{rsvp.organizer_name} " → " {rsvp.email}</p>
                                {status}
                                <p>{t.rsvp_question}</p>
                                <nav class="rsvp-buttons" aria-label=t.rsvp_question>{choices}</nav>
                            }
                            .into_any()
                        }
                        Err(AppError::NotFound) => view! {
                            <p class="alert error" role="alert" data-testid="rsvp-invalid">{t.rsvp_link_invalid}</p>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </article>
    }
}
