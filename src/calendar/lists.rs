//! The month grid and the agenda: meetings as lists of links, which work
//! the same with and without JavaScript.

use super::views::{calendar_href, meeting_href, AgendaDay, ListedEvent, MonthCell, ViewKind};
use crate::i18n::use_strings;
use leptos::prelude::*;

/// Weeks of a month, Monday first; each day links to its day view.
#[component]
pub fn MonthGrid(weeks: Vec<Vec<MonthCell>>) -> impl IntoView {
    let t = use_strings();
    let rows = weeks
        .into_iter()
        .map(|week| {
            let cells = week
                .into_iter()
                .map(|cell| {
                    let day_href = calendar_href(ViewKind::Day, &cell.date);
                    let more = (cell.more > 0).then(|| {
                        view! {
                            <a class="more" href=day_href.clone()>{t.with_count(t.cal_more, cell.more)}</a>
                        }
                    });
                    view! {
                        <td class:other-month=!cell.in_month class:today=cell.is_today data-date=cell.date.clone()>
                            <a class="day-num" href=day_href.clone() aria-label=cell.label.clone()
                                aria-current=cell.is_today.then_some("date")>
                                {cell.day}
                            </a>
                            <ul class="month-events">
                                {cell.events.into_iter().map(|e| view! { <Listed event=e/> }).collect_view()}
                            </ul>
                            {more}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="month-grid">
            <thead>
                <tr>
                    {t.weekdays_short.iter().map(|d| view! { <th scope="col">{*d}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// A meeting in a month cell or in the agenda.
#[component]
fn Listed(event: ListedEvent) -> impl IntoView {
    view! {
        <li class="listed" class:mine=event.is_organizer data-testid="event">
            <span class="event-time">{event.time_label}</span>
            " "
            <a href=meeting_href(&event.meeting_id, event.occurrence_ms)>{event.title}</a>
        </li>
    }
}

/// Days with meetings, in order; or a message and a way to schedule one.
#[component]
pub fn AgendaList(days: Vec<AgendaDay>) -> impl IntoView {
    let t = use_strings();
    if days.is_empty() {
        return view! {
            <div class="empty-state" data-testid="agenda-empty">
                <p>{t.cal_agenda_empty}</p>
                <a class="button" href="#new-meeting-title"
                    on:click=move |ev| {
                        ev.prevent_default();
                        super::components::focus_by_id("title");
                    }>
                    {t.cal_agenda_cta}
                </a>
            </div>
        }
        .into_any();
    }
    view! {
        <ol class="agenda" data-testid="agenda">
            {days
                .into_iter()
                .map(|day| {
                    let heading = format!("agenda-{}", day.date);
                    view! {
                        <li class="agenda-day" class:today=day.is_today>
                            <h2 id=heading.clone()>
                                <a href=calendar_href(ViewKind::Day, &day.date)>{day.label}</a>
                            </h2>
                            <ul aria-labelledby=heading>
                                {day.events.into_iter().map(|e| view! { <Listed event=e/> }).collect_view()}
                            </ul>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}
