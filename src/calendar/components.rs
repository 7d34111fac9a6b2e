//! The calendar page (a week grid and the scheduling form) and the page of
//! one meeting (details, link, edit, delete).

use super::repeat::{RepeatChoice, RepeatFields};
use super::{
    AnswerInvitation, CreateMeeting, DeleteMeeting, EditScope, MeetingDetails, PartStat,
    ScheduledMeeting, UpdateMeeting, WeekEvent, WeekView, COMMON_ZONES, DURATIONS_MIN,
};
use crate::error::AppError;
use crate::forms::{action_error, invalid_field, FieldError, FormAlert};
use crate::i18n::use_strings;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::{use_params_map, use_query_map};

/// Height of one hour on the week grid, px (the CSS uses the same).
const HOUR_PX: u32 = 48;

fn login_redirect(path: String) -> impl IntoView {
    view! { <Redirect path=format!("/login?next={}", crate::app::url_encode(&path))/> }
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let t = use_strings();
    let query = use_query_map();
    let week_param = Memo::new(move |_| query.with(|q| q.get("week")));
    let create = ServerAction::<CreateMeeting>::new();
    // Refetch the week only after a successful create, so a rejected form
    // keeps what the user typed.
    let created = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            created.update(|n| *n += 1);
        }
    });
    let week_view = Resource::new(
        move || (week_param.get(), created.get()),
        |(week, _)| super::get_week(week),
    );
    let slot = RwSignal::new(None::<(String, String)>);

    view! {
        <div class="calendar-page">
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match week_view.await {
                        Ok(week) => view! {
                            <WeekGrid week=week.clone() picked=slot/>
                            <NewMeetingForm week action=create picked=slot/>
                        }
                        .into_any(),
                        Err(AppError::Unauthorized) => login_redirect(
                            week_param
                                .get_untracked()
                                .map(|w| format!("/calendar?week={w}"))
                                .unwrap_or_else(|| "/calendar".to_owned()),
                        )
                        .into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{t.error(&error)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn WeekGrid(week: WeekView, picked: RwSignal<Option<(String, String)>>) -> impl IntoView {
    let t = use_strings();
    let empty = week.events.is_empty();
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Start the day at 08:00 rather than midnight.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            el.set_scroll_top((8 * HOUR_PX) as i32);
        }
    });
    let columns = week
        .days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            let events: Vec<WeekEvent> = week.events.iter().filter(|e| usize::from(e.day) == index).cloned().collect();
            let date = day.date.clone();
            let label_id = format!("day-{}", day.date);
            let heading_id = label_id.clone();
            view! {
                <section class="day" class:today=day.is_today aria-labelledby=label_id>
                    <h3 class="sr-only" id=heading_id>{day.label.clone()}</h3>
                    {(0..24u32)
                        .map(|hour| {
                            let date = date.clone();
                            view! {
                                <button
                                    type="button"
                                    class="slot"
                                    tabindex="-1"
                                    aria-hidden="true"
                                    on:click=move |_| picked.set(Some((date.clone(), format!("{hour:02}:00"))))
                                ></button>
                            }
                        })
                        .collect_view()}
                    <ol class="events">
                        {events.into_iter().map(|event| view! { <EventTile event/> }).collect_view()}
                    </ol>
                </section>
            }
        })
        .collect_view();
    view! {
        <section class="week" aria-labelledby="week-title">
            <div class="week-bar">
                <h1 id="week-title">{t.calendar_title} <span class="range">{week.range_label.clone()}</span></h1>
                <nav class="week-nav" aria-label=t.calendar_title>
                    <A href=format!("/calendar?week={}", week.prev_week) attr:aria-label=t.week_prev attr:class="button ghost">"‹"</A>
                    <A href=format!("/calendar?week={}", week.this_week) attr:class="button ghost">{t.today}</A>
                    <A href=format!("/calendar?week={}", week.next_week) attr:aria-label=t.week_next attr:class="button ghost">"›"</A>
                </nav>
            </div>
            <p class="muted">{t.times_shown_in} " " <strong>{week.time_zone.clone()}</strong></p>
            {empty.then(|| view! { <p class="empty" data-testid="week-empty">{t.week_empty}</p> })}
            <div class="week-scroll" node_ref=scroller>
                <div class="week-head" aria-hidden="true">
                    <span></span>
                    {week.days.iter().map(|d| view! { <span class:today=d.is_today>{d.label.clone()}</span> }).collect_view()}
                </div>
                <div class="week-body">
                    <div class="hours" aria-hidden="true">
                        {(0..24).map(|h| view! { <span>{format!("{h:02}:00")}</span> }).collect_view()}
                    </div>
                    {columns}
                </div>
            </div>
        </section>
    }
}

#[component]
fn EventTile(event: WeekEvent) -> impl IntoView {
    let top = u32::from(event.start_min) * HOUR_PX / 60;
    let height = (u32::from(event.end_min - event.start_min) * HOUR_PX / 60).max(18);
    view! {
        <li class="event" class:mine=event.is_organizer style=format!("top:{top}px;height:{height}px") data-testid="event">
            <A href=event_path(&event)>
                <span class="event-title">{event.title}</span>
                " "
                <span class="event-time">{event.time_label}</span>
            </A>
        </li>
    }
}

/// The page of a meeting, or of one occurrence of a series.
fn event_path(event: &WeekEvent) -> String {
    match event.occurrence_ms {
        Some(ms) => format!("/calendar/{}?occurrence={ms}", event.meeting_id),
        None => format!("/calendar/{}", event.meeting_id),
    }
}

/// Defaults and errors of the meeting form fields (shared by create and
/// edit).
#[component]
fn MeetingFields(
    title: String,
    date: Signal<String>,
    time: Signal<String>,
    duration_min: i64,
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
                <select id="duration_min" name="duration_min" aria-describedby="duration_min-error">
                    {DURATIONS_MIN
                        .into_iter()
                        .map(|m| view! { <option value=m.to_string() selected=m == duration_min>{format!("{m} {}", t.minutes_short)}</option> })
                        .collect_view()}
                </select>
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
            aria-invalid=invalid_field(error, "invitees")>{invitees}</textarea>
        <p class="hint" id="invitees-hint">{t.invitees_hint}</p>
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
    week: WeekView,
    action: ServerAction<CreateMeeting>,
    picked: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let t = use_strings();
    let error = action_error(action);
    let default_date = if week.days.iter().any(|d| d.date == week.today) {
        week.today.clone()
    } else {
        week.week_start.clone()
    };
    let (date, time) = {
        let suggested = week.suggested_time.clone();
        (
            Signal::derive(move || {
                picked
                    .get()
                    .map(|(d, _)| d)
                    .unwrap_or_else(|| default_date.clone())
            }),
            Signal::derive(move || {
                picked
                    .get()
                    .map(|(_, h)| h)
                    .unwrap_or_else(|| suggested.clone())
            }),
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
                    duration_min=30
                    time_zone=week.time_zone.clone()
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
        let duration_min = meeting.duration_min;
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

fn focus_by_id(id: &str) {
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
