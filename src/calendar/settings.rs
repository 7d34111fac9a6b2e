//! The time zone part of the settings page: the zone the calendar is shown
//! in (`users.time_zone`) and an optional second zone
//! (`users.second_time_zone`), shown as a second hour column in the week
//! and day views. Zones are IANA names, checked against chrono-tz.

use crate::error::AppResult;
use crate::forms::{action_error, invalid_field, FieldError, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The caller's zones as the settings form shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSettings {
    /// IANA name of the calendar's zone.
    pub time_zone: String,
    /// IANA name of the second zone; empty for none.
    pub second_time_zone: String,
    /// The zone this browser reported (the `tz` cookie); empty if unknown.
    pub browser_zone: String,
}

/// The zones a calendar is shown in, parsed.
#[cfg(feature = "ssr")]
pub struct Zones {
    pub primary: chrono_tz::Tz,
    pub second: Option<chrono_tz::Tz>,
}

/// The browser's zone from the `tz` cookie the page shell sets.
#[cfg(feature = "ssr")]
fn browser_zone() -> Option<chrono_tz::Tz> {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            crate::auth::session::cookie_value(&parts.headers, "tz").map(str::to_owned)
        })
        .and_then(|raw| crate::zone::parse(&raw))
}

/// `user`'s zones: the account's zone, or the browser's when the account
/// has none that chrono-tz knows (then UTC), and the second zone if set
/// and known.
///
/// # Errors
/// [`crate::error::AppError::Internal`] when the database fails.
#[cfg(feature = "ssr")]
pub async fn zones_of(db: &crate::db::Db, user: &crate::auth::User) -> AppResult<Zones> {
    let second = ssr::second_zone(db, &user.id).await?;
    Ok(Zones {
        primary: crate::zone::parse(&user.time_zone)
            .or_else(browser_zone)
            .unwrap_or(chrono_tz::Tz::UTC),
        second: second.as_deref().and_then(crate::zone::parse),
    })
}

/// The caller's zones.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "get_zones")]
pub async fn get_zones() -> AppResult<ZoneSettings> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let zones = zones_of(&db, &user).await?;
    Ok(ZoneSettings {
        time_zone: zones.primary.name().to_owned(),
        second_time_zone: zones
            .second
            .map(|z| z.name().to_owned())
            .unwrap_or_default(),
        browser_zone: browser_zone()
            .map(|z| z.name().to_owned())
            .unwrap_or_default(),
    })
}

/// Saves the caller's zones. An empty `time_zone` means this browser's
/// zone (`browser_zone`, filled in by the page, else the `tz` cookie,
/// else UTC); an empty `second_time_zone` removes the second zone. Names
/// are stored in chrono-tz's spelling.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`];
/// [`crate::error::Invalid::TimeZoneUnknown`] or
/// [`crate::error::Invalid::SecondTimeZoneUnknown`] for a name that is not
/// an IANA zone.
#[server(endpoint = "save_zones")]
pub async fn save_zones(
    #[server(default)] time_zone: String,
    #[server(default)] second_time_zone: String,
    #[server(default)] browser_zone: String,
) -> AppResult<ZoneSettings> {
    use crate::error::Invalid;
    let user = crate::auth::require_user()?;
    let primary = if time_zone.trim().is_empty() {
        crate::zone::parse(&browser_zone)
            .or_else(self::browser_zone)
            .unwrap_or(chrono_tz::Tz::UTC)
    } else {
        crate::zone::parse(&time_zone).ok_or(Invalid::TimeZoneUnknown)?
    };
    let second = if second_time_zone.trim().is_empty() {
        None
    } else {
        Some(crate::zone::parse(&second_time_zone).ok_or(Invalid::SecondTimeZoneUnknown)?)
    };
    let db = crate::db::use_db()?;
    ssr::save(&db, &user.id, primary.name(), second.map(|z| z.name())).await?;
    Ok(ZoneSettings {
        time_zone: primary.name().to_owned(),
        second_time_zone: second.map(|z| z.name().to_owned()).unwrap_or_default(),
        browser_zone: self::browser_zone()
            .map(|z| z.name().to_owned())
            .unwrap_or_default(),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::db::Db;
    use crate::error::AppResult;
    use sqlx::Row;

    pub async fn second_zone(db: &Db, user_id: &str) -> AppResult<Option<String>> {
        let row = sqlx::query("SELECT second_time_zone FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>("second_time_zone")))
    }

    pub async fn save(
        db: &Db,
        user_id: &str,
        time_zone: &str,
        second: Option<&str>,
    ) -> AppResult<()> {
        sqlx::query("UPDATE users SET time_zone = $1, second_time_zone = $2 WHERE id = $3")
            .bind(time_zone)
            .bind(second)
            .bind(user_id)
            .execute(db)
            .await?;
        Ok(())
    }
}

/// "Time zones" on the settings page. Without JavaScript it is a plain
/// form; with it, a button fills in this browser's zone.
#[component]
pub fn ZoneSection() -> impl IntoView {
    let t = use_strings();
    let save = ServerAction::<SaveZones>::new();
    let current = Resource::new(move || save.version().get(), |_| get_zones());
    let error = action_error(save);
    view! {
        <section class="card zones" aria-labelledby="zones-title">
            <h2 id="zones-title">{t.cal_zones_title}</h2>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(zones) => view! { <ZoneForm zones save error/> }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{t.error(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ZoneForm(
    zones: ZoneSettings,
    save: ServerAction<SaveZones>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let t = use_strings();
    let zone = RwSignal::new(zones.time_zone.clone());
    // The browser's own idea of its zone, once hydrated (the cookie may
    // be older than a move to another zone).
    let browser = RwSignal::new(zones.browser_zone.clone());
    Effect::new(move |_| {
        let own = crate::auth::components::browser_time_zone();
        if !own.is_empty() {
            browser.set(own);
        }
    });
    let saved = move || {
        matches!(save.value().get(), Some(Ok(_))).then(|| {
            view! { <p class="alert success" role="status">{t.cal_zones_saved}</p> }
        })
    };
    view! {
        {saved}
        <ActionForm action=save>
            <FormAlert error/>
            <input type="hidden" name="browser_zone" prop:value=browser value=zones.browser_zone.clone()/>
            <label for="time_zone">{t.cal_zone_label}</label>
            <input id="time_zone" name="time_zone" list="zone-names" autocomplete="off" spellcheck="false"
                value=zones.time_zone.clone() prop:value=zone
                on:input=move |ev| zone.set(event_target_value(&ev))
                aria-describedby="time_zone-hint time_zone-error" aria-invalid=invalid_field(error, "time_zone")/>
            <p class="hint" id="time_zone-hint">
                {move || t.with_name(t.cal_zone_hint, &browser.get())}
            </p>
            <FieldError error field="time_zone"/>
            <button type="button" class="ghost small" on:click=move |_| zone.set(browser.get_untracked())>
                {t.cal_use_browser_zone}
            </button>
            <label for="second_time_zone">{t.cal_second_zone_label}</label>
            <input id="second_time_zone" name="second_time_zone" list="zone-names" autocomplete="off"
                spellcheck="false" value=zones.second_time_zone.clone()
                aria-describedby="second_time_zone-hint second_time_zone-error"
                aria-invalid=invalid_field(error, "second_time_zone")/>
            <p class="hint" id="second_time_zone-hint">{t.cal_second_zone_hint}</p>
            <FieldError error field="second_time_zone"/>
            <datalist id="zone-names">
                {super::COMMON_ZONES.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
            </datalist>
            <button type="submit" disabled=move || save.pending().get()>{t.cal_zones_save}</button>
        </ActionForm>
    }
}
