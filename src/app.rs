//! The HTML shell, the router and the page layout shared by every page.

use crate::auth::components::{LoginPage, SignupPage};
use crate::auth::{Login, Logout, Register, User};
use crate::calendar::components::{CalendarPage, MeetingPage};
use crate::i18n::{provide_locale, use_strings, Locale};
use crate::meeting::components::RoomPage;
use crate::notify::bell::Bell;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

/// The document around the app: `<html lang>`, head tags, hydration
/// scripts. Runs on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = initial_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // Tells the server the browser's time zone, for defaults.
                <script>
                    "try{document.cookie='tz='+Intl.DateTimeFormat().resolvedOptions().timeZone+';path=/;max-age=31536000;samesite=lax'}catch(e){}"
                </script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The locale chosen for this page: on the server from the request, in the
/// browser from `<html lang>` (which the server wrote).
fn initial_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        crate::i18n::request_locale()
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys_lang().unwrap_or_default()
    }
}

#[cfg(not(feature = "ssr"))]
fn web_sys_lang() -> Option<Locale> {
    #[cfg(feature = "hydrate")]
    {
        let lang = web_sys::window()?
            .document()?
            .document_element()?
            .get_attribute("lang")?;
        Locale::from_code(&lang)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The signed-in user, refreshed after sign-in, sign-up and sign-out.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<User>, crate::error::AppError>>,
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
}

/// The auth context provided by [`App`].
pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = initial_locale();
    provide_locale(locale);
    let login = ServerAction::<Login>::new();
    let register = ServerAction::<Register>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(
        move || {
            (
                login.version().get(),
                register.version().get(),
                logout.version().get(),
            )
        },
        |_| crate::auth::current_user(),
    );
    provide_context(AuthContext {
        user,
        login,
        register,
        logout,
    });
    crate::notify::bell::provide_unread();
    crate::calendar::mail_note::provide_mail_status();
    let t = use_strings();

    view! {
        <Stylesheet id="leptos" href="/pkg/convene.css"/>
        <Title formatter=escape_title text=t.app_name/>
        <Router>
            <a class="skip-link" href="#main">{t.skip_to_content}</a>
            <Header/>
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/signup") view=SignupPage/>
                    <Route path=path!("/calendar") view=CalendarPage ssr=SsrMode::Async/>
                    <Route path=path!("/calendar/:id") view=MeetingPage ssr=SsrMode::Async/>
                    <Route path=path!("/rsvp/:token") view=crate::calendar::rsvp::RsvpPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=crate::notify::bell::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=crate::settings::SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/m/:room") view=RoomPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// leptos_meta 0.8 writes the `<title>` text into the server-rendered page
/// unescaped, so a meeting called `</title><script>…` would run as script
/// for everyone opening its link. Escape it there; in the browser the text
/// goes to `document.title`, which is not HTML. Set once here, it applies
/// to every page's `<Title>`.
fn escape_title(text: String) -> String {
    #[cfg(feature = "ssr")]
    {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    #[cfg(not(feature = "ssr"))]
    {
        text
    }
}

#[component]
fn Header() -> impl IntoView {
    let t = use_strings();
    let auth = use_auth();
    let user_nav = move || {
        auth.user.get().map(|user| match user {
            Ok(Some(user)) => view! {
                <A href="/calendar">{t.nav_calendar}</A>
                <A href="/settings">{t.nav_settings}</A>
                <Bell/>
                <span class="who" title=t.signed_in_as>{user.display_name}</span>
                <ActionForm action=auth.logout attr:class="inline">
                    <button type="submit" class="link">{t.nav_sign_out}</button>
                </ActionForm>
            }
            .into_any(),
            _ => view! {
                <A href="/login">{t.nav_sign_in}</A>
                <A href="/signup" attr:class="button small">{t.nav_sign_up}</A>
            }
            .into_any(),
        })
    };
    view! {
        <header class="top">
            <A href="/" attr:class="brand">{t.app_name}</A>
            <nav aria-label=t.app_name>
                <Transition fallback=|| ()>{user_nav}</Transition>
                <LanguageSwitcher/>
            </nav>
        </header>
    }
}

/// Links to the same page in each language (plain links: they work
/// without JavaScript and reload the page in the new language).
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let t = use_strings();
    let current = crate::i18n::use_locale();
    let location = use_location();
    let next = move || {
        let path = location.pathname.get();
        let search = location.search.get();
        let full = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        url_encode(&full)
    };
    view! {
        <div class="lang" role="group" aria-label=t.switch_language>
            {Locale::ALL
                .into_iter()
                .map(|locale| {
                    let code = locale.code();
                    let name = locale.strings().language_name;
                    view! {
                        <a
                            href=move || format!("/lang/{code}?next={}", next())
                            hreflang=code
                            lang=code
                            rel="external"
                            aria-current=(locale == current).then_some("true")
                        >
                            {code.to_uppercase()}
                            <span class="sr-only">" " {name}</span>
                        </a>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
pub fn url_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[component]
fn HomePage() -> impl IntoView {
    let t = use_strings();
    let auth = use_auth();
    view! {
        <section class="hero">
            <h1>{t.app_name}</h1>
            <p class="tagline">{t.tagline}</p>
            <p>{t.home_lead}</p>
            <Transition fallback=|| ()>
                {move || {
                    auth.user.get().map(|user| match user {
                        Ok(Some(_)) => view! {
                            <A href="/calendar" attr:class="button">{t.home_cta_calendar}</A>
                        }
                        .into_any(),
                        _ => view! {
                            <A href="/signup" attr:class="button">{t.home_cta_sign_up}</A>
                        }
                        .into_any(),
                    })
                }}
            </Transition>
        </section>
    }
}

/// Shown for unknown paths, with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    let t = use_strings();
    view! {
        <section class="card narrow">
            <h1>{t.not_found_title}</h1>
            <p>{t.not_found_body}</p>
            <A href="/">{t.back_home}</A>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_encode_keeps_paths_readable() {
        assert_eq!(
            super::url_encode("/calendar?week=2026-11-16"),
            "/calendar%3Fweek%3D2026-11-16"
        );
        assert_eq!(super::url_encode("/m/ab_c-D"), "/m/ab_c-D");
    }
}
