//! The settings section for web push: whether this browser gets
//! notifications while Convene is closed, and the buttons to change that.
//!
//! The server renders the section as "checking"; once hydrated, the
//! browser part (Service Worker and Push APIs through `web-sys`) finds out
//! what this browser can do and whether it is subscribed.

use crate::i18n::use_strings;
use leptos::prelude::*;

/// Where web push stands in this browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushState {
    /// Not known yet (server render, or the browser is still being asked).
    Checking,
    /// No Service Worker, Push API or Notification API, or not a secure
    /// context (push needs HTTPS, or localhost).
    Unsupported,
    /// The user blocked notifications for this site.
    Denied,
    /// Supported, not subscribed.
    Off,
    /// Subscribed, and the server has the subscription.
    On,
}

/// The "Push notifications" section of the settings page: the state of
/// this browser, a button to turn push on (asks for permission, registers
/// `/sw.js`, subscribes with the server's VAPID key and stores the
/// subscription) or off, and one to send a test notification.
#[component]
pub fn PushSection() -> impl IntoView {
    let t = use_strings();
    let state = RwSignal::new(PushState::Checking);
    let busy = RwSignal::new(false);
    // What the last action did, read out by screen readers.
    let notice = RwSignal::new(None::<&'static str>);

    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(browser::check(state));
    });

    // Each button starts one action at a time; `act` does the shared part.
    let turn_on = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        act(busy, notice, async move {
            match browser::turn_on().await {
                Ok(next) => state.set(next),
                Err(()) => notice.set(Some(t.push_failed)),
            }
        });
    };
    let turn_off = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        act(busy, notice, async move {
            match browser::turn_off().await {
                Ok(()) => state.set(PushState::Off),
                Err(()) => notice.set(Some(t.push_failed)),
            }
        });
    };
    let send_test = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        act(busy, notice, async move {
            let said = match super::push::send_test_push().await {
                Ok(0) => t.push_test_none,
                Ok(_) => t.push_test_sent,
                Err(error) => t.error(&error),
            };
            notice.set(Some(said));
        });
    };

    let status = move || match state.get() {
        PushState::Checking => t.push_checking,
        PushState::Unsupported => t.push_unsupported,
        PushState::Denied => t.push_denied,
        PushState::Off => t.push_status_off,
        PushState::On => t.push_status_on,
    };
    let label = move |idle: &'static str| move || if busy.get() { t.push_working } else { idle };
    let actions = move || match state.get() {
        PushState::Off => view! {
            <button type="button" class="primary" on:click=turn_on
                disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                {label(t.push_turn_on)}
            </button>
        }
        .into_any(),
        PushState::On => view! {
            <button type="button" on:click=send_test
                disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                {label(t.push_send_test)}
            </button>
            <button type="button" on:click=turn_off
                disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                {label(t.push_turn_off)}
            </button>
        }
        .into_any(),
        _ => ().into_any(),
    };

    view! {
        <section class="settings-section push-section" aria-labelledby="push-heading"
            data-testid="push-section">
            <h2 id="push-heading">{t.push_heading}</h2>
            <p class="hint">{t.push_intro}</p>
            <p class="push-status" role="status" data-state=move || format!("{:?}", state.get())>
                {status}
            </p>
            <div class="push-actions">{actions}</div>
            <p class="push-notice" role="status" aria-live="polite">
                {move || notice.get().unwrap_or_default()}
            </p>
        </section>
    }
}

/// Runs one of the section's actions, unless one is still running:
/// marks the section busy and clears the last notice while `work` runs.
#[cfg(feature = "hydrate")]
fn act(
    busy: RwSignal<bool>,
    notice: RwSignal<Option<&'static str>>,
    work: impl std::future::Future<Output = ()> + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    notice.set(None);
    leptos::task::spawn_local(async move {
        work.await;
        busy.set(false);
    });
}

/// The browser's Service Worker, Push and Notification APIs.
#[cfg(feature = "hydrate")]
mod browser {
    use super::PushState;
    use crate::notify::push::{
        base64url_decode, base64url_encode, push_public_key, subscribe_push, unsubscribe_push,
    };
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Notification, NotificationPermission, PushEncryptionKeyName, PushSubscription,
        PushSubscriptionOptionsInit, ServiceWorkerContainer, ServiceWorkerRegistration,
    };

    /// The worker that shows pushes (served from `public/`; its scope is
    /// the whole site).
    const WORKER_URL: &str = "/sw.js";

    /// Whether this page may use web push at all. Checked by property
    /// rather than by calling, since calling a missing API would throw.
    fn supported() -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let has = |target: &JsValue, name: &str| {
            js_sys::Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
        };
        window.is_secure_context()
            && has(&window, "PushManager")
            && has(&window, "Notification")
            && has(&window.navigator(), "serviceWorker")
    }

    fn container() -> Result<ServiceWorkerContainer, JsValue> {
        Ok(web_sys::window()
            .ok_or_else(|| JsValue::from_str("no window"))?
            .navigator()
            .service_worker())
    }

    /// The value of a promise that resolves to `T`, or `None` for
    /// `undefined`/`null`.
    async fn resolve<T: wasm_bindgen::JsCast>(
        promise: js_sys::Promise,
    ) -> Result<Option<T>, JsValue> {
        let value = JsFuture::from(promise).await?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        value.dyn_into::<T>().map(Some)
    }

    /// This browser's current subscription, without registering anything.
    async fn existing() -> Result<Option<PushSubscription>, JsValue> {
        let Some(registration) =
            resolve::<ServiceWorkerRegistration>(container()?.get_registration()).await?
        else {
            return Ok(None);
        };
        resolve::<PushSubscription>(registration.push_manager()?.get_subscription()?).await
    }

    fn key(subscription: &PushSubscription, name: PushEncryptionKeyName) -> Option<String> {
        let buffer = subscription.get_key(name).ok()??;
        Some(base64url_encode(&js_sys::Uint8Array::new(&buffer).to_vec()))
    }

    /// Hands `subscription` to the server.
    async fn store(subscription: &PushSubscription) -> Result<(), ()> {
        let p256dh = key(subscription, PushEncryptionKeyName::P256dh).ok_or(())?;
        let auth = key(subscription, PushEncryptionKeyName::Auth).ok_or(())?;
        subscribe_push(subscription.endpoint(), p256dh, auth)
            .await
            .map_err(|error| leptos::logging::warn!("subscribe_push: {error}"))
    }

    /// Sets `state` from what this browser can do and has.
    pub async fn check(state: RwSignal<PushState>) {
        if !supported() {
            state.set(PushState::Unsupported);
            return;
        }
        if Notification::permission() == NotificationPermission::Denied {
            state.set(PushState::Denied);
            return;
        }
        match existing().await {
            Ok(Some(subscription))
                if Notification::permission() == NotificationPermission::Granted =>
            {
                // Telling the server again is harmless and heals a
                // subscription it dropped or that another account held.
                let stored = store(&subscription).await;
                state.set(if stored.is_ok() {
                    PushState::On
                } else {
                    PushState::Off
                });
            }
            Ok(_) => state.set(PushState::Off),
            Err(error) => {
                leptos::logging::warn!("push state: {error:?}");
                state.set(PushState::Off);
            }
        }
    }

    /// Asks for permission, subscribes and stores the subscription;
    /// answers the new state, or `Err` when something failed.
    pub async fn turn_on() -> Result<PushState, ()> {
        let log = |error: JsValue| leptos::logging::warn!("push: {error:?}");
        let answer = JsFuture::from(Notification::request_permission().map_err(log)?)
            .await
            .map_err(log)?;
        match answer.as_string().as_deref() {
            Some("granted") => {}
            Some("denied") => return Ok(PushState::Denied),
            _ => return Ok(PushState::Off),
        }
        let public_key = push_public_key()
            .await
            .map_err(|error| leptos::logging::warn!("push_public_key: {error}"))?;
        let mut public_key = base64url_decode(&public_key).ok_or(())?;
        let container = container().map_err(log)?;
        JsFuture::from(container.register(WORKER_URL))
            .await
            .map_err(log)?;
        // Subscribing needs an active worker; `ready` waits for it.
        let registration = resolve::<ServiceWorkerRegistration>(container.ready().map_err(log)?)
            .await
            .map_err(log)?
            .ok_or(())?;
        let manager = registration.push_manager().map_err(log)?;
        if let Some(old) = resolve::<PushSubscription>(manager.get_subscription().map_err(log)?)
            .await
            .map_err(log)?
        {
            let same_key = old
                .options()
                .application_server_key()
                .ok()
                .flatten()
                .is_some_and(|key| js_sys::Uint8Array::new(&key).to_vec() == public_key);
            if same_key {
                store(&old).await?;
                return Ok(PushState::On);
            }
            // Made with another server key (the database was replaced):
            // the push service would refuse our pushes to it.
            JsFuture::from(old.unsubscribe().map_err(log)?)
                .await
                .map_err(log)?;
        }
        let options = PushSubscriptionOptionsInit::new();
        options.set_user_visible_only(true);
        options.set_application_server_key_opt_u8_slice(Some(&mut public_key));
        let subscription =
            resolve::<PushSubscription>(manager.subscribe_with_options(&options).map_err(log)?)
                .await
                .map_err(log)?
                .ok_or(())?;
        store(&subscription).await?;
        Ok(PushState::On)
    }

    /// Unsubscribes this browser and tells the server to forget it.
    pub async fn turn_off() -> Result<(), ()> {
        let log = |error: JsValue| leptos::logging::warn!("push: {error:?}");
        let Some(subscription) = existing().await.map_err(log)? else {
            return Ok(());
        };
        let endpoint = subscription.endpoint();
        JsFuture::from(subscription.unsubscribe().map_err(log)?)
            .await
            .map_err(log)?;
        unsubscribe_push(endpoint)
            .await
            .map_err(|error| leptos::logging::warn!("unsubscribe_push: {error}"))
    }
}
