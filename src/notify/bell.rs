//! The header's bell (unread count, live) and the notifications page.

use super::{list_notifications, unread_notifications};
use super::{MarkNotificationsRead, NotificationView};
use crate::error::AppResult;
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

/// The unread count shared by the bell and the list page, so marking
/// read on the page updates the header at once: the count the page was
/// rendered with, and the live one once known.
#[derive(Clone, Copy)]
struct Unread {
    initial: Resource<AppResult<i64>>,
    live: RwSignal<Option<i64>>,
}

fn unread() -> Unread {
    expect_context::<Unread>()
}

/// Provides the shared unread count; call once above the header and the
/// pages (the app does). The resource is made here, once: the header's
/// parts re-run on the server while the page streams, and a resource made
/// there would be made again each time (and then not match the
/// browser's when it hydrates).
pub fn provide_unread() {
    provide_context(Unread {
        initial: Resource::new(|| (), |()| unread_notifications()),
        live: RwSignal::new(None),
    });
}

/// A link to `/notifications` with the unread count, kept live over
/// server-sent events while the page is open. For signed-in users.
#[component]
pub fn Bell() -> impl IntoView {
    let t = use_strings();
    let Unread { initial, live } = unread();
    #[cfg(feature = "hydrate")]
    live_count(live);
    let count = move || {
        live.get()
            .or_else(|| initial.get().and_then(Result::ok))
            .unwrap_or(0)
    };
    let label = move || {
        let n = count();
        if n == 0 {
            t.notifications_title.to_owned()
        } else {
            format!(
                "{} ({} {})",
                t.notifications_title, n, t.notifications_unread
            )
        }
    };
    view! {
        <A href="/notifications" attr:class="bell" attr:aria-label=label attr:title=label>
            <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
                <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/>
            </svg>
            // No Transition of its own: the bell is drawn inside the
            // header's, which re-runs this part on the server while it
            // waits for the user and the count. A boundary made in each run
            // would take a hydration id each time, and the browser, which
            // draws it once, would then look for the page's data under the
            // wrong ids. Read here, the count is awaited by the header's.
            {move || {
                let n = count();
                (n > 0).then(|| view! {
                    <span class="badge" data-testid="unread-count">{if n > 99 { "99+".to_owned() } else { n.to_string() }}</span>
                })
            }}
        </A>
    }
}

/// Follows `GET /events/notifications` and writes each `unread` event's
/// count into `live`. The `EventSource` reconnects by itself; it and its
/// listener are released when the bell goes away.
#[cfg(feature = "hydrate")]
fn live_count(live: RwSignal<Option<i64>>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast as _;

    struct Listening {
        source: web_sys::EventSource,
        _on_unread: Closure<dyn FnMut(web_sys::MessageEvent)>,
    }

    let listening = StoredValue::new_local(None::<Listening>);
    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new("/events/notifications") else {
            return;
        };
        let on_unread = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(n) = event.data().as_string().and_then(|s| s.parse().ok()) {
                    live.set(Some(n));
                }
            },
        );
        if source
            .add_event_listener_with_callback("unread", on_unread.as_ref().unchecked_ref())
            .is_err()
        {
            source.close();
            return;
        }
        listening.set_value(Some(Listening {
            source,
            _on_unread: on_unread,
        }));
    });
    on_cleanup(move || {
        if let Some(Some(listening)) = listening.try_update_value(Option::take) {
            listening.source.close();
        }
    });
}

/// `/notifications`: the newest notifications, unread ones marked, with
/// "mark read" per item and for all.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let t = use_strings();
    let live = unread().live;
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let data = Resource::new(move || mark.version().get(), |_| list_notifications());
    Effect::new(move |_| {
        if let Some(Ok((_, unread))) = data.get() {
            live.set(Some(unread));
        }
    });
    let body = move || {
        Suspend::new(async move {
            match data.await {
                Ok((items, unread)) => {
                    let mark_all = (unread > 0).then(|| {
                        view! {
                            <ActionForm action=mark attr:class="inline">
                                <input type="hidden" name="id" value=""/>
                                <button type="submit" class="button ghost small">{t.notifications_mark_all}</button>
                            </ActionForm>
                        }
                    });
                    let list = if items.is_empty() {
                        view! { <p class="empty" data-testid="notifications-empty">{t.notifications_empty}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="notifications" aria-label=t.notifications_title>
                                {items.into_iter().map(|item| view! { <NotificationItem item mark/> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    };
                    view! {
                        <div class="toolbar">
                            <p class="muted" role="status">{format!("{} {}", unread, t.notifications_unread)}</p>
                            {mark_all}
                        </div>
                        {list}
                    }
                    .into_any()
                }
                Err(crate::error::AppError::Unauthorized) => {
                    view! { <Redirect path="/login?next=%2Fnotifications"/> }.into_any()
                }
                Err(error) => {
                    view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any()
                }
            }
        })
    };
    view! {
        <section class="page notifications-page">
            <h1>{t.notifications_title}</h1>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {body}
            </Transition>
        </section>
    }
}

#[component]
fn NotificationItem(
    item: NotificationView,
    mark: ServerAction<MarkNotificationsRead>,
) -> impl IntoView {
    let t = use_strings();
    let title = match item.url.clone() {
        Some(url) => view! { <A href=url>{item.title.clone()}</A> }.into_any(),
        None => view! { <span>{item.title.clone()}</span> }.into_any(),
    };
    let read_button = (!item.read).then(|| {
        let id = item.id.clone();
        view! {
            <ActionForm action=mark attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="link">{t.notifications_mark_read}</button>
            </ActionForm>
        }
    });
    view! {
        <li class:unread=!item.read data-kind=item.kind.clone() data-testid="notification">
            <p class="notification-title">
                {(!item.read).then(|| view! { <span class="sr-only">{t.notifications_new}</span> })}
                {title}
            </p>
            {(!item.body.is_empty()).then(|| view! { <p class="muted">{item.body.clone()}</p> })}
            <p class="meta">
                <time datetime=item.created_at_iso.clone()>{item.when_label.clone()}</time>
                {read_button}
            </p>
        </li>
    }
}
