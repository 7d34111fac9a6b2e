//! The calendar page (month, week, day and agenda views, and the
//! scheduling form) and the page of one meeting (details, link, edit,
//! delete).

use super::free_busy::FreeBusy;
use super::grid::{GridSignals, MoveNotice, Pick, TimeGrid};
use super::lists::{AgendaList, MonthGrid};
use super::mail_note::MailOffNote;
use super::repeat::{RepeatChoice, RepeatFields};
use super::views::{calendar_href, CalendarView, ViewBody, ViewKind};
use super::{
    AnswerInvitation, CreateMeeting, DeleteMeeting, EditScope, MeetingDetails, PartStat,
    ScheduledMeeting, UpdateMeeting, COMMON_ZONES, DURATIONS_MIN,
};
use crate::error::AppError;
use crate::forms::{action_error, invalid_field, FieldError, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

/// Below this viewport width (px) the agenda is the default view (the
/// CSS switches the layout at the same width).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const NARROW_PX: f64 = 640.0;

fn login_redirect(path: String) -> impl IntoView {
    view! { <Redirect path=format!("/login?next={}", crate::app::url_encode(&path))/> }
}

/// Browser-only helpers for the page; no-ops on the server, where they
/// are never called.
mod browser {
    /// Whether the viewport is phone-sized.
    #[cfg(feature = "hydrate")]
    pub fn is_narrow() -> bool {
        web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w < super::NARROW_PX)
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn is_narrow() -> bool {
        false
    }

    /// Whether a key press belongs to a form control (or editable text),
    /// so the calendar's shortcuts must leave it alone.
    #[cfg(feature = "hydrate")]
    pub fn is_typing(ev: &leptos::ev::KeyboardEvent) -> bool {
        use wasm_bindgen::JsCast;
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return false;
        };
        matches!(
            el.tag_name().to_ascii_lowercase().as_str(),
            "input" | "textarea" | "select"
        ) || el.is_content_editable()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn is_typing(_ev: &leptos::ev::KeyboardEvent) -> bool {
        true
    }
}

/// Where a shortcut key leads from `view`, if anywhere.
fn shortcut_target(key: &str, view: &CalendarView) -> Option<String> {
    let kind = view.kind;
    Some(match key {
        "ArrowLeft" | "PageUp" | "k" => calendar_href(kind, &view.prev),
        "ArrowRight" | "PageDown" | "j" => calendar_href(kind, &view.next),
        "t" => calendar_href(kind, &view.today),
        "m" => calendar_href(ViewKind::Month, &view.date),
        "w" => calendar_href(ViewKind::Week, &view.date),
        "d" => calendar_href(ViewKind::Day, &view.date),
        "a" => calendar_href(ViewKind::Agenda, &view.date),
        _ => return None,
    })
}

/// `/calendar`: one view of the user's meetings (`?view=month|week|day|
/// agenda&date=YYYY-MM-DD`; the older `?week=` still works) and the form
/// to schedule one.
#[component]
pub fn CalendarPage() -> impl IntoView {
    let t = use_strings();
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(|q| (q.get("view"), q.get("date"), q.get("week"))));
    let create = ServerAction::<CreateMeeting>::new();
    let signals = GridSignals::new();
    // Refetch the view only after a successful create, so a rejected form
    // keeps what the user typed.
    let created = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            created.update(|n| *n += 1);
        }
    });
    let calendar = Resource::new(
        move || (params.get(), created.get(), signals.changed.get()),
        |((view, date, week), _, _)| super::views::get_calendar(view, date, week),
    );
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    // Phones get the agenda unless a view was asked for: the server cannot
    // know the width, so the switch happens once hydrated.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            let (view, date, week) = params.get_untracked();
            if view.is_none() && browser::is_narrow() {
                let href = match date.or(week) {
                    Some(date) => calendar_href(ViewKind::Agenda, &date),
                    None => "/calendar?view=agenda".to_owned(),
                };
                navigate(
                    &href,
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
        });
    }
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key()
            || ev.meta_key()
            || ev.alt_key()
            || ev.default_prevented()
            || browser::is_typing(&ev)
        {
            return;
        }
        let target = calendar.with_untracked(|view| match view {
            Some(Ok(view)) => shortcut_target(&ev.key(), view),
            _ => None,
        });
        if let Some(href) = target {
            ev.prevent_default();
            navigate(&href, Default::default());
        }
    });
    on_cleanup(move || keys.remove());
    // Said by screen readers after each change of period or view (not on
    // the first load: the page heading says it then).
    let announcement = RwSignal::new(String::new());
    Effect::new(move |first: Option<()>| {
        let text = calendar.with(|view| match view {
            Some(Ok(view)) => Some(format!("{} {}", view_name(t, view.kind), view.range_label)),
            _ => None,
        });
        if let (Some(_), Some(text)) = (first, text) {
            announcement.set(text);
        }
    });
    let notice = move || {
        signals.notice.get().map(|notice| match notice {
            MoveNotice::Saving => view! {
                <p class="alert" role="status" aria-busy="true">{t.cal_moving}</p>
            }
            .into_any(),
            MoveNotice::Moved(conflicts) => view! {
                <p class="alert success" role="status" data-testid="moved">{t.cal_moved}</p>
                <ConflictWarning conflicts/>
            }
            .into_any(),
            MoveNotice::Failed(error) => view! {
                <p class="alert error" role="alert">{t.with_name(t.cal_move_failed, t.error(&error))}</p>
            }
            .into_any(),
        })
    };

    view! {
        <div class="calendar-page" class:pending=move || pending.get() aria-busy=move || pending.get().to_string()>
            <p class="sr-only" role="status" aria-live="polite">{move || announcement.get()}</p>
            <Transition
                fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }
                set_pending=pending.write_only()
            >
                {move || Suspend::new(async move {
                    match calendar.await {
                        Ok(view) => {
                            let form = FormDefaults {
                                time_zone: view.time_zone.clone(),
                                date: view.form_date.clone(),
                                time: view.suggested_time.clone(),
                            };
                            view! {
                                <div class="calendar-main">
                                    {notice}
                                    <p class="loading view-loading" class:hidden=move || !pending.get()>{t.cal_loading_view}</p>
                                    <CalendarBody view signals/>
                                </div>
                                <NewMeetingForm defaults=form action=create picked=signals.picked/>
                            }
                            .into_any()
                        }
                        Err(AppError::Unauthorized) => {
                            let (view, date, week) = params.get_untracked();
                            let mut path = "/calendar".to_owned();
                            let pairs = [("view", view), ("date", date), ("week", week)];
                            for (i, (key, value)) in pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v))).enumerate() {
                                path.push(if i == 0 { '?' } else { '&' });
                                path.push_str(&format!("{key}={value}"));
                            }
                            login_redirect(path).into_any()
                        }
                        Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A view's name as the view switcher shows it.
fn view_name(t: &'static crate::i18n::Strings, kind: ViewKind) -> &'static str {
    match kind {
        ViewKind::Month => t.cal_view_month,
        ViewKind::Week => t.cal_view_week,
        ViewKind::Day => t.cal_view_day,
        ViewKind::Agenda => t.cal_view_agenda,
    }
}

/// The toolbar (period, previous / today / next, the views, a date to go
/// to) and the view itself. Server-rendered links throughout, so every
/// view works without JavaScript.
#[component]
pub fn CalendarBody(view: CalendarView, signals: GridSignals) -> impl IntoView {
    let t = use_strings();
    let kind = view.kind;
    let (prev_label, next_label) = match kind {
        ViewKind::Month => (t.cal_prev_month, t.cal_next_month),
        ViewKind::Week => (t.week_prev, t.week_next),
        ViewKind::Day => (t.cal_prev_day, t.cal_next_day),
        ViewKind::Agenda => (t.cal_prev_agenda, t.cal_next_agenda),
    };
    let switcher = ViewKind::ALL
        .into_iter()
        .map(|k| {
            view! {
                <a href=calendar_href(k, &view.date) class="button ghost small"
                    aria-current=(k == kind).then_some("page") aria-keyshortcuts=k.key()>
                    {view_name(t, k)}
                </a>
            }
        })
        .collect_view();
    let jump_input = NodeRef::<leptos::html::Input>::new();
    // Event handlers run outside the component's owner; the router is
    // found through it.
    let owner = Owner::current();
    let empty = match kind {
        ViewKind::Week => Some((t.week_empty, "week-empty")),
        ViewKind::Day => Some((t.cal_day_empty, "day-empty")),
        ViewKind::Month => Some((t.cal_month_empty, "month-empty")),
        // The agenda has its own, with a way to schedule.
        ViewKind::Agenda => None,
    }
    .filter(|_| view.is_empty)
    .map(|(text, id)| view! { <p class="empty" data-testid=id>{text}</p> });
    let body = match view.body {
        ViewBody::Grid {
            days,
            events,
            second_hours,
        } => view! {
            <TimeGrid days events second_hours second_zone=view.second_zone.clone()
                time_zone=view.time_zone.clone() now_min=view.now_min signals/>
        }
        .into_any(),
        ViewBody::Month { weeks } => view! { <MonthGrid weeks/> }.into_any(),
        ViewBody::Agenda { days } => view! { <AgendaList days/> }.into_any(),
    };
    let second = view
        .second_zone
        .clone()
        .filter(|_| kind.is_grid())
        .map(|zone| {
            view! { " · " {t.cal_second_zone_short} " " <strong>{zone}</strong> }
        });
    view! {
        <section class="calendar" aria-labelledby="calendar-title" data-view=kind.as_str()
            data-date=view.date.clone()
            data-testid="calendar">
            <div class="cal-bar">
                <h1 id="calendar-title">{t.calendar_title} <span class="range">{view.range_label.clone()}</span></h1>
                <nav class="cal-nav" aria-label=t.cal_nav_label>
                    <a href=calendar_href(kind, &view.prev) aria-label=prev_label class="button ghost"
                        aria-keyshortcuts="ArrowLeft PageUp k">"‹"</a>
                    <a href=calendar_href(kind, &view.today) class="button ghost" aria-keyshortcuts="t">{t.today}</a>
                    <a href=calendar_href(kind, &view.next) aria-label=next_label class="button ghost"
                        aria-keyshortcuts="ArrowRight PageDown j">"›"</a>
                </nav>
                <nav class="cal-views" aria-label=t.cal_views_label>{switcher}</nav>
                <form class="jump" method="get" action="/calendar"
                    on:submit=move |ev| {
                        // With JavaScript, stay in the app rather than reload.
                        if let Some(input) = jump_input.get() {
                            let date = input.value();
                            if !date.is_empty() {
                                if let Some(owner) = &owner {
                                    ev.prevent_default();
                                    owner.with(|| use_navigate()(&calendar_href(kind, &date), Default::default()));
                                }
                            }
                        }
                    }>
                    <input type="hidden" name="view" value=kind.as_str()/>
                    <label for="jump-to">{t.cal_jump_label}</label>
                    <input id="jump-to" name="date" type="date" required value=view.date.clone() node_ref=jump_input/>
                    <button type="submit" class="ghost small">{t.cal_jump_button}</button>
                </form>
            </div>
            <p class="muted zones-line">
                {t.times_shown_in} " " <strong>{view.time_zone.clone()}</strong> {second}
            </p>
            {empty}
            {body}
            <details class="keys">
                <summary>{t.cal_keys_title}</summary>
                <p>{t.cal_keys_help}</p>
                <p>{t.cal_drag_help}</p>
            </details>
        </section>
    }
}

/// What the new meeting form starts with.
#[derive(Clone, Debug)]
struct FormDefaults {
    time_zone: String,
    /// `YYYY-MM-DD`.
    date: String,
    /// `HH:MM`.
    time: String,
}

/// Defaults and errors of the meeting form fields (shared by create and
/// edit).
#[component]
fn MeetingFields(
    title: String,
    date: Signal<String>,
    time: Signal<String>,
    /// Minutes; an odd length (from a drag, or an imported meeting) is
    /// offered next to the usual ones.
    duration_min: Signal<i64>,
    time_zone: String,
    invitees: String,
    description: String,
    reminders: String,
    repeat: RepeatFields,
    /// Whether the repeat fields apply (not when editing one occurrence).
    #[prop(optional)]
    without_repeat: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let t = use_strings();
    let invitees_now = RwSignal::new(invitees.clone());
    view! {
        <label for="title">{t.meeting_title}</label>
        <input id="title" name="title" required maxlength="200" value=title
            aria-describedby="title-error" aria-invalid=invalid_field(error, "title")/>
        <FieldError error field="title"/>
        <div class="row">
            <div>
                <label for="date">{t.date}</label>
                <input id="date" name="date" type="date" required value=date.get_untracked() prop:value=date
                    aria-describedby="date-error" aria-invalid=invalid_field(error, "date")/>
                <FieldError error field="date"/>
            </div>
            <div>
                <label for="time">{t.start_time}</label>
                <input id="time" name="time" type="time" required value=time.get_untracked() prop:value=time
                    aria-describedby="time-error" aria-invalid=invalid_field(error, "time")/>
                <FieldError error field="time"/>
            </div>
            <div>
                <label for="duration_min">{t.duration}</label>
                // Drawn again when a picked slot changes the length, so the
                // right option is selected whatever the browser kept.
                {move || {
                    let current = duration_min.get();
                    let mut options = DURATIONS_MIN.to_vec();
                    if !options.contains(&current) {
                        options.push(current);
                        options.sort_unstable();
                    }
                    view! {
                        <select id="duration_min" name="duration_min" aria-describedby="duration_min-error">
                            {options
                                .into_iter()
                                .map(|m| view! { <option value=m.to_string() selected=m == current>{format!("{m} {}", t.minutes_short)}</option> })
                                .collect_view()}
                        </select>
                    }
                }}
                <FieldError error field="duration_min"/>
            </div>
        </div>
        <label for="time_zone">{t.time_zone}</label>
        <input id="time_zone" name="time_zone" list="zones" required value=time_zone autocomplete="off"
            aria-describedby="time_zone-error" aria-invalid=invalid_field(error, "time_zone")/>
        <datalist id="zones">
            {COMMON_ZONES.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
        </datalist>
        <FieldError error field="time_zone"/>
        <label for="invitees">{t.invitees}</label>
        <textarea id="invitees" name="invitees" rows="2" aria-describedby="invitees-hint invitees-error"
            aria-invalid=invalid_field(error, "invitees")
            on:input=move |ev| invitees_now.set(event_target_value(&ev))>{invitees}</textarea>
        <p class="hint" id="invitees-hint">{t.invitees_hint}</p>
        <MailOffNote/>
        <FreeBusy date invitees=invitees_now/>
        <FieldError error field="invitees"/>
        {(!without_repeat).then(|| view! { <RepeatSection repeat error/> })}
        <label for="reminders">{t.reminders_label}</label>
        <input id="reminders" name="reminders" value=reminders inputmode="numeric" autocomplete="off"
            aria-describedby="reminders-hint reminders-error" aria-invalid=invalid_field(error, "reminders")/>
        <p class="hint" id="reminders-hint">{t.reminders_hint}</p>
        <FieldError error field="reminders"/>
        <label for="description">{t.description_label}</label>
        <textarea id="description" name="description" rows="3" maxlength="5000"
            aria-describedby="description-error" aria-invalid=invalid_field(error, "description")>{description}</textarea>
        <FieldError error field="description"/>
    }
}

/// The "Repeat" part of the meeting form. Without JavaScript every field
/// shows; with it, only those the chosen kind of repeat uses.
#[component]
fn RepeatSection(repeat: RepeatFields, error: Signal<Option<AppError>>) -> impl IntoView {
    let t = use_strings();
    let initial = RepeatChoice::from_value(&repeat.repeat).unwrap_or_default();
    let choice = RwSignal::new(initial);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let shows = move |wanted: &'static [RepeatChoice]| {
        move || !hydrated.get() || wanted.contains(&choice.get())
    };
    let label = move |c: RepeatChoice| match c {
        RepeatChoice::Never => t.repeat_never,
        RepeatChoice::Daily => t.repeat_choice_daily,
        RepeatChoice::Weekdays => t.repeat_choice_weekdays,
        RepeatChoice::Weekly => t.repeat_choice_weekly,
        RepeatChoice::MonthlyDay => t.repeat_choice_monthly_day,
        RepeatChoice::MonthlyNth => t.repeat_choice_monthly_nth,
        RepeatChoice::Yearly => t.repeat_choice_yearly,
        RepeatChoice::Custom => t.repeat_choice_custom,
    };
    const PRESETS: &[RepeatChoice] = &[
        RepeatChoice::Daily,
        RepeatChoice::Weekdays,
        RepeatChoice::Weekly,
        RepeatChoice::MonthlyDay,
        RepeatChoice::MonthlyNth,
        RepeatChoice::Yearly,
    ];
    const INTERVAL: &[RepeatChoice] = &[
        RepeatChoice::Daily,
        RepeatChoice::Weekly,
        RepeatChoice::MonthlyDay,
        RepeatChoice::MonthlyNth,
        RepeatChoice::Yearly,
    ];
    let days = repeat.repeat_on.ticked();
    let day_names = ["mo", "tu", "we", "th", "fr", "sa", "su"];
    view! {
        <label for="repeat">{t.repeat_label}</label>
        <select id="repeat" name="repeat" aria-describedby="repeat-error"
            aria-invalid=invalid_field(error, "repeat")
            on:change=move |ev| {
                if let Some(c) = RepeatChoice::from_value(&event_target_value(&ev)) {
                    choice.set(c);
                }
            }>
            {RepeatChoice::ALL
                .into_iter()
                .map(|c| view! { <option value=c.value() selected=c == initial>{label(c)}</option> })
                .collect_view()}
        </select>
        <FieldError error field="repeat"/>
        <div class="repeat-details" data-testid="repeat-details">
            <div class="field" class:hidden=move || !shows(INTERVAL)()>
                <label for="repeat_interval">{t.repeat_interval_label}</label>
                <input id="repeat_interval" name="repeat_interval" type="number" min="1" max="999"
                    value=repeat.repeat_interval.clone() placeholder="1"/>
            </div>
            <fieldset class="weekdays" class:hidden=move || !shows(&[RepeatChoice::Weekly])()>
                <legend>{t.repeat_on_label}</legend>
                {day_names
                    .into_iter()
                    .enumerate()
                    .map(|(i, key)| {
                        let id = format!("repeat_on_{key}");
                        view! {
                            <label class="day-toggle" for=id.clone()>
                                <input type="checkbox" id=id.clone() name=format!("repeat_on[{key}]")
                                    checked=days.contains(&(i as u8))/>
                                {t.weekdays_short[i]}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="row" class:hidden=move || !shows(PRESETS)()>
                <div>
                    <label for="repeat_count">{t.repeat_count_label}</label>
                    <input id="repeat_count" name="repeat_count" type="number" min="1" max="1000"
                        value=repeat.repeat_count.clone() aria-describedby="repeat-end-hint repeat_count-error"
                        aria-invalid=invalid_field(error, "repeat_count")/>
                    <FieldError error field="repeat_count"/>
                </div>
                <div>
                    <label for="repeat_until">{t.repeat_until_field}</label>
                    <input id="repeat_until" name="repeat_until" type="date"
                        value=repeat.repeat_until.clone() aria-describedby="repeat-end-hint repeat_until-error"
                        aria-invalid=invalid_field(error, "repeat_until")/>
                    <FieldError error field="repeat_until"/>
                </div>
                <p class="hint" id="repeat-end-hint">{t.repeat_end_hint}</p>
            </div>
            <div class="field" class:hidden=move || !shows(&[RepeatChoice::Custom])()>
                <label for="rrule">{t.rrule_label}</label>
                <input id="rrule" name="rrule" value=repeat.rrule.clone() autocomplete="off" spellcheck="false"
                    placeholder="FREQ=WEEKLY;BYDAY=MO,WE" aria-describedby="rrule-error"/>
            </div>
        </div>
    }
}

/// After a save: which accepted meetings the new times overlap.
#[component]
fn ConflictWarning(conflicts: Vec<String>) -> impl IntoView {
    let t = use_strings();
    (!conflicts.is_empty()).then(|| {
        view! {
            <div class="alert warning" role="status" data-testid="conflicts">
                <p>{t.with_name(t.conflict_warning, &conflicts.join("; "))}</p>
            </div>
        }
    })
}

#[component]
fn NewMeetingForm(
    defaults: FormDefaults,
    action: ServerAction<CreateMeeting>,
    picked: RwSignal<Option<Pick>>,
) -> impl IntoView {
    let t = use_strings();
    let error = action_error(action);
    let (date, time, duration) = {
        let FormDefaults { date, time, .. } = defaults.clone();
        (
            Signal::derive(move || picked.get().map(|p| p.date).unwrap_or_else(|| date.clone())),
            Signal::derive(move || picked.get().map(|p| p.time).unwrap_or_else(|| time.clone())),
            Signal::derive(move || picked.with(|p| p.as_ref().map_or(30, |p| p.duration_min))),
        )
    };
    // After a click on an empty slot, the title is what to type next.
    Effect::new(move |_| {
        if picked.get().is_some() {
            focus_by_id("title");
        }
    });
    let created = move || {
        action
            .value()
            .get()
            .and_then(|r| r.ok())
            .map(|meeting: ScheduledMeeting| {
                view! {
                    <p class="alert success" role="status">
                        {t.meeting_created} " "
                        <A href=format!("/calendar/{}", meeting.id)>{t.meeting_link}</A>
                    </p>
                    <ConflictWarning conflicts=meeting.conflicts/>
                }
            })
    };
    view! {
        <section class="card new-meeting" aria-labelledby="new-meeting-title">
            <h2 id="new-meeting-title">{t.new_meeting}</h2>
            {created}
            <ActionForm action=action>
                <FormAlert error/>
                <MeetingFields
                    title=String::new()
                    date
                    time
                    duration_min=duration
                    time_zone=defaults.time_zone.clone()
                    invitees=String::new()
                    description=String::new()
                    reminders="10".to_owned()
                    repeat=RepeatFields::default()
                    error
                />
                <button type="submit" disabled=move || action.pending().get()>{t.create_button}</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn MeetingPage() -> impl IntoView {
    let t = use_strings();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let occurrence = Memo::new(move |_| query.with(|q| q.get("occurrence")));
    let update = ServerAction::<UpdateMeeting>::new();
    let delete = ServerAction::<DeleteMeeting>::new();
    let answer = ServerAction::<AnswerInvitation>::new();
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = answer.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let details = Resource::new(
        move || (id.get(), occurrence.get(), saved.get()),
        |(id, occurrence, _)| super::get_meeting(id, occurrence),
    );
    view! {
        <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(meeting) => view! { <MeetingDetailsView meeting update delete answer/> }.into_any(),
                    Err(AppError::Unauthorized) => login_redirect(format!("/calendar/{}", id.get_untracked())).into_any(),
                    Err(AppError::NotFound) => view! { <crate::app::NotFound/> }.into_any(),
                    Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// An answer as the attendee list shows it.
pub(super) fn answer_label(t: &'static crate::i18n::Strings, answer: PartStat) -> &'static str {
    match answer {
        PartStat::NeedsAction => t.partstat_needs_action,
        PartStat::Accepted => t.partstat_accepted,
        PartStat::Tentative => t.partstat_tentative,
        PartStat::Declined => t.partstat_declined,
    }
}

/// An answer as its button says it ("Yes", "Maybe", "No").
pub(super) fn answer_choice(t: &'static crate::i18n::Strings, answer: PartStat) -> &'static str {
    match answer {
        PartStat::Accepted => t.rsvp_yes,
        PartStat::Tentative => t.rsvp_maybe,
        PartStat::Declined | PartStat::NeedsAction => t.rsvp_no,
    }
}

/// Yes / maybe / no for an invited member.
#[component]
fn AnswerButtons(
    id: String,
    current: PartStat,
    answer: ServerAction<AnswerInvitation>,
) -> impl IntoView {
    let t = use_strings();
    let error = action_error(answer);
    let saved = move || {
        matches!(answer.value().get(), Some(Ok(_))).then(|| {
            view! {
                <p class="alert success" role="status">{t.rsvp_saved}</p>
            }
        })
    };
    view! {
        <section class="card rsvp" aria-labelledby="rsvp-title">
            <h2 id="rsvp-title">{t.rsvp_question}</h2>
            {saved}
            <FormAlert error/>
            <ActionForm action=answer attr:class="rsvp-buttons">
                <input type="hidden" name="id" value=id/>
                {PartStat::ANSWERS
                    .into_iter()
                    .map(|a| {
                        let text = answer_choice(t, a);
                        view! {
                            <button type="submit" name="answer" value=a.as_str()
                                class:ghost=a != current aria-pressed=(a == current).to_string()>
                                {text}
                            </button>
                        }
                    })
                    .collect_view()}
            </ActionForm>
        </section>
    }
}

/// "This meeting / this and following / all" for an occurrence of a series.
#[component]
fn ScopeChoice(name_prefix: &'static str) -> impl IntoView {
    let t = use_strings();
    let options = [
        (EditScope::This, t.scope_this),
        (EditScope::Following, t.scope_following),
        (EditScope::All, t.scope_all),
    ];
    view! {
        <fieldset class="scope">
            <legend>{t.scope_label}</legend>
            {options
                .into_iter()
                .map(|(scope, text)| {
                    let id = format!("{name_prefix}-scope-{}", scope.as_str());
                    view! {
                        <label for=id.clone()>
                            <input type="radio" id=id.clone() name="scope" value=scope.as_str()
                                checked=scope == EditScope::This/>
                            {text}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

#[component]
fn MeetingDetailsView(
    meeting: MeetingDetails,
    update: ServerAction<UpdateMeeting>,
    delete: ServerAction<DeleteMeeting>,
    answer: ServerAction<AnswerInvitation>,
) -> impl IntoView {
    let t = use_strings();
    let error = action_error(update);
    let delete_error = action_error(delete);
    let room_path = format!("/m/{}", meeting.room);
    let copied = RwSignal::new(false);
    let copy = {
        let room_path = room_path.clone();
        move |_| {
            copy_to_clipboard(&room_path);
            copied.set(true);
        }
    };
    let this_id = meeting.id.clone();
    let saved = move || {
        update
            .value()
            .get()
            .and_then(|r| r.ok())
            .map(|done: ScheduledMeeting| {
                // "This and following" made a new series: link to it.
                let moved = (done.id != this_id).then(|| {
                    view! { " " <A href=format!("/calendar/{}", done.id)>{t.meeting_link}</A> }
                });
                view! {
                    <p class="alert success" role="status">{t.meeting_saved} {moved}</p>
                    <ConflictWarning conflicts=done.conflicts/>
                }
            })
    };
    let occurrence = meeting
        .occurrence_ms
        .map(|ms| ms.to_string())
        .unwrap_or_default();
    let is_occurrence = meeting.occurrence_ms.is_some();
    let edit = if meeting.is_organizer {
        let title = meeting.title.clone();
        let description = meeting.description.clone();
        let reminders = meeting.reminders.clone();
        let repeat = meeting.repeat.clone();
        let time_zone = meeting.time_zone.clone();
        let duration_min = Signal::stored(meeting.duration_min);
        let date = Signal::stored(meeting.date.clone());
        let time = Signal::stored(meeting.time.clone());
        let id_for_update = meeting.id.clone();
        let id_for_delete = meeting.id.clone();
        let occurrence_for_delete = occurrence.clone();
        let invitees = meeting.invitees();
        Some(view! {
            <section class="card" aria-labelledby="edit-title">
                <h2 id="edit-title">{t.edit_meeting}</h2>
                {saved}
                <ActionForm action=update>
                    <FormAlert error/>
                    <input type="hidden" name="id" value=id_for_update/>
                    <input type="hidden" name="occurrence" value=occurrence/>
                    {is_occurrence.then(|| view! { <ScopeChoice name_prefix="edit"/> })}
                    <MeetingFields
                        title
                        date
                        time
                        duration_min
                        time_zone
                        invitees
                        description
                        reminders
                        repeat
                        error
                    />
                    <button type="submit" disabled=move || update.pending().get()>{t.save_button}</button>
                </ActionForm>
                <details class="danger-zone">
                    <summary>{t.delete_button}</summary>
                    <p>{t.delete_confirm}</p>
                    <ActionForm action=delete>
                        <FormAlert error=delete_error/>
                        <input type="hidden" name="id" value=id_for_delete/>
                        <input type="hidden" name="occurrence" value=occurrence_for_delete/>
                        {is_occurrence.then(|| view! { <ScopeChoice name_prefix="delete"/> })}
                        <button type="submit" class="danger">{t.delete_button}</button>
                    </ActionForm>
                </details>
            </section>
        })
    } else {
        None
    };
    let rsvp = meeting
        .my_answer
        .map(|current| view! { <AnswerButtons id=meeting.id.clone() current answer/> });
    let attendees = (!meeting.attendees.is_empty()).then(|| {
        let rows = meeting
            .attendees
            .iter()
            .map(|a| {
                let who = a.name.clone().map_or_else(|| a.email.clone(), |n| format!("{n} <{}>", a.email));
                view! {
                    <li data-testid="attendee">
                        <span class="who">{who}</span> " "
                        <span class=format!("partstat {}", a.partstat.as_str())>{answer_label(t, a.partstat)}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <dt>{t.attendees_label}</dt>
            <dd><ul class="attendees">{rows}</ul></dd>
        }
    });
    let repeat_label = meeting.repeat_label.clone().map(|label| {
        view! {
            <dt>{t.repeats_label}</dt>
            <dd data-testid="meeting-repeat">{label}</dd>
        }
    });
    let description = (!meeting.description.is_empty()).then(|| {
        view! { <p class="description">{meeting.description.clone()}</p> }
    });
    view! {
        <article class="meeting-page">
            <A href="/calendar" attr:class="back">{"← "}{t.back_to_calendar}</A>
            <h1>{meeting.title.clone()}</h1>
            {is_occurrence.then(|| view! { <p class="muted">{t.occurrence_of_series}</p> })}
            {description}
            <dl class="facts">
                <dt>{t.when}</dt>
                <dd data-testid="meeting-when">{meeting.when_label.clone()}</dd>
                {repeat_label}
                <dt>{t.organizer}</dt>
                <dd>{meeting.organizer_name.clone()}</dd>
                {attendees}
                <dt>{t.meeting_link}</dt>
                <dd>
                    <a href=room_path.clone() data-testid="meeting-link">{room_path.clone()}</a>
                    " "
                    <button type="button" class="button ghost small" on:click=copy>
                        {move || if copied.get() { t.link_copied } else { t.copy_link }}
                    </button>
                </dd>
            </dl>
            <a class="button" href=room_path rel="external">{t.join_meeting}</a>
            " "
            <a class="button ghost" href=format!("/ics/meetings/{}.ics", meeting.id) rel="external">{t.download_ics}</a>
            {rsvp}
            {edit}
        </article>
    }
}

/// Moves the keyboard focus to the element with `id` (browser only).
pub(super) fn focus_by_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

fn copy_to_clipboard(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(window) = web_sys::window() {
            let origin = window.location().origin().unwrap_or_default();
            let clipboard = window.navigator().clipboard();
            let _ = clipboard.write_text(&format!("{origin}{path}"));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// `scripts/bench calendar`: how long the server takes to lay out and
/// render the week view with 200 meetings (no database, no HTTP).
#[cfg(all(test, feature = "ssr"))]
mod render_bench {
    use super::*;
    use crate::calendar::layout::{view as layout_view, Request};
    use crate::calendar::week::Placed;
    use crate::i18n::{provide_locale, Locale};
    use chrono::TimeZone;
    use leptos::tachys::view::RenderHtml;
    use std::time::Instant;

    const EVENTS: usize = 200;

    fn week_with_events(locale: Locale) -> CalendarView {
        let tz: chrono_tz::Tz = "Europe/Moscow".parse().unwrap();
        let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        let meetings: Vec<Placed> = (0..EVENTS)
            .map(|i| {
                let day = (i % 7) as i64;
                let slot = (i / 7) as u32; // 0..29: every half hour from 07:00
                let start = (monday + chrono::Duration::days(day))
                    .and_hms_opt(7 + slot / 2, 30 * (slot % 2), 0)
                    .unwrap();
                let starts_at_ms = crate::zone::local_to_utc_ms(tz, start);
                Placed {
                    id: format!("meeting-{i}"),
                    occurrence_ms: (i % 3 == 0).then_some(starts_at_ms),
                    room: format!("room-{i}"),
                    title: format!("Meeting number {i} with a longer title"),
                    starts_at_ms,
                    ends_at_ms: starts_at_ms + 25 * 60_000,
                    is_organizer: i % 2 == 0,
                }
            })
            .collect();
        let now = tz.with_ymd_and_hms(2026, 11, 18, 10, 20, 0).unwrap();
        layout_view(
            &Request {
                tz,
                second: Some(chrono_tz::Tz::UTC),
                kind: ViewKind::Week,
                anchor: monday,
                now,
            },
            &meetings,
            locale,
        )
    }

    fn render_once() -> (usize, usize) {
        let owner = Owner::new();
        owner.with(|| {
            provide_locale(Locale::En);
            let view = week_with_events(Locale::En);
            let ViewBody::Grid { events, .. } = &view.body else {
                panic!("not a grid")
            };
            let count = events.len();
            let signals = GridSignals::new();
            let html = view! { <CalendarBody view signals/> }.to_html();
            (count, html.len())
        })
    }

    #[test]
    fn the_week_view_renders_every_event_as_a_link() {
        let owner = Owner::new();
        owner.with(|| {
            provide_locale(Locale::En);
            let view = week_with_events(Locale::En);
            let signals = GridSignals::new();
            let html = view! { <CalendarBody view signals/> }.to_html();
            assert_eq!(html.matches("data-testid=\"event\"").count(), EVENTS);
            assert!(html.contains(
                "aria-label=\"Meeting number 7 with a longer title, Mon 16 Nov, 07:30–07:55\""
            ));
            assert!(html.contains("aria-label=\"Next week\""));
            assert!(html.contains("data-testid=\"now-line\""));
        });
    }

    /// Prints `week_render_ms=N events=200` (the median of 200 renders).
    #[test]
    #[ignore = "benchmark: run by scripts/bench calendar"]
    fn week_render_benchmark() {
        for _ in 0..30 {
            render_once();
        }
        let mut samples = Vec::new();
        let mut bytes = 0;
        let mut events = 0;
        for _ in 0..200 {
            let started = Instant::now();
            let (count, len) = render_once();
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            bytes = len;
            events = count;
        }
        samples.sort_by(f64::total_cmp);
        let median = samples[samples.len() / 2];
        let p90 = samples[samples.len() * 9 / 10];
        println!("html_bytes={bytes} p90_ms={p90:.3}");
        println!("week_render_ms={median:.3} events={events}");
    }
}
