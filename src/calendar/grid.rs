//! The hour grid of the week and day views: day columns, meeting blocks,
//! the current-time line and the optional second zone's hours. With
//! JavaScript, a press-and-drag over free time picks a slot for the new
//! meeting form, and the organizer drags a meeting to move it or its lower
//! edge to change its length (pointer events, snapped to a quarter hour);
//! the meeting's page offers the same changes as a form.

use super::views::{
    hhmm, meeting_href, minute_to_px, moved, now_line_px, resized, selection, shift_local,
    Placement, HOUR_PX,
};
use super::{DayColumn, EditScope, MeetingForm, WeekEvent};
use crate::error::{AppError, AppResult, Invalid};
use crate::i18n::use_strings;
use leptos::ev::PointerEvent;
use leptos::prelude::*;

/// A slot picked on the grid for the new meeting form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    /// `YYYY-MM-DD`, in the viewer's zone.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    pub duration_min: i64,
}

/// What the page says about the last drag of a meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveNotice {
    Saving,
    /// Saved; the accepted meetings the new time overlaps.
    Moved(Vec<String>),
    Failed(AppError),
}

/// The signals the grid shares with the page around it.
#[derive(Clone, Copy)]
pub struct GridSignals {
    /// The slot last picked, for the new meeting form.
    pub picked: RwSignal<Option<Pick>>,
    pub notice: RwSignal<Option<MoveNotice>>,
    /// Bumped after a meeting moved, so the page fetches the view again.
    pub changed: RwSignal<u32>,
}

impl GridSignals {
    /// Fresh signals, owned by the current reactive owner.
    pub fn new() -> Self {
        GridSignals {
            picked: RwSignal::new(None),
            notice: RwSignal::new(None),
            changed: RwSignal::new(0),
        }
    }
}

impl Default for GridSignals {
    fn default() -> Self {
        Self::new()
    }
}

/// How far (px) a pointer moves before a press counts as a drag.
const DRAG_THRESHOLD_PX: f64 = 4.0;

/// Browser-only pointer helpers; harmless stand-ins on the server, where
/// no pointer event ever fires.
mod pointer {
    use leptos::ev::PointerEvent;

    /// Top and width (px, viewport) of the element the handler is on.
    #[cfg(feature = "hydrate")]
    pub fn current_rect(ev: &PointerEvent) -> Option<(f64, f64)> {
        use wasm_bindgen::JsCast;
        let el = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let rect = el.get_bounding_client_rect();
        Some((rect.top(), rect.width()))
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn current_rect(_ev: &PointerEvent) -> Option<(f64, f64)> {
        None
    }

    /// Width (px) of the day column around the element the handler is on.
    #[cfg(feature = "hydrate")]
    pub fn column_width(ev: &PointerEvent) -> f64 {
        use wasm_bindgen::JsCast;
        ev.current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(".day").ok().flatten())
            .map(|day| day.get_bounding_client_rect().width())
            .unwrap_or(0.0)
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn column_width(_ev: &PointerEvent) -> f64 {
        0.0
    }

    /// Sends the pointer's further events to the element the handler is
    /// on, even when it leaves it.
    #[cfg(feature = "hydrate")]
    pub fn capture(ev: &PointerEvent) {
        use wasm_bindgen::JsCast;
        if let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn capture(_ev: &PointerEvent) {}

    /// Whether the press is on the element itself (free time), not on a
    /// meeting inside it.
    pub fn on_itself(ev: &PointerEvent) -> bool {
        ev.target().is_some() && ev.target() == ev.current_target()
    }

    /// Milliseconds since the epoch (0 on the server).
    #[cfg(feature = "hydrate")]
    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn now_ms() -> f64 {
        0.0
    }
}

/// The week or day grid.
#[component]
pub fn TimeGrid(
    days: Vec<DayColumn>,
    events: Vec<WeekEvent>,
    /// The second zone's time at each hour; empty for none.
    second_hours: Vec<String>,
    second_zone: Option<String>,
    time_zone: String,
    now_min: u16,
    signals: GridSignals,
) -> impl IntoView {
    let t = use_strings();
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Start the day at 08:00 rather than midnight.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            el.set_scroll_top((8 * HOUR_PX) as i32);
        }
    });
    // The time line moves with the clock while the page stays open.
    let opened_at = pointer::now_ms();
    let open_for = RwSignal::new(0.0f64);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || open_for.set(pointer::now_ms() - opened_at),
            std::time::Duration::from_secs(30),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = opened_at;
    let columns = days.len().clamp(1, 7) as u8;
    let has_second = !second_hours.is_empty();
    let city = |zone: &str| zone.rsplit('/').next().unwrap_or(zone).replace('_', " ");
    let head = days
        .iter()
        .map(|d| {
            let href = super::views::calendar_href(super::views::ViewKind::Day, &d.date);
            view! {
                <a class="day-head" class:today=d.is_today id=format!("day-{}", d.date) href=href>
                    {d.label.clone()}
                </a>
            }
        })
        .collect_view();
    let mut by_day: Vec<Vec<WeekEvent>> = vec![Vec::new(); usize::from(columns)];
    for event in events {
        if let Some(list) = by_day.get_mut(usize::from(event.day)) {
            list.push(event);
        }
    }
    let body = days
        .into_iter()
        .zip(by_day)
        .map(|(day, events)| {
            view! { <DayColumnView day events columns now_min open_for signals/> }
        })
        .collect_view();
    let second_column = has_second.then(|| {
        view! {
            <div class="hours second" aria-hidden="true">
                {second_hours.into_iter().map(|h| view! { <span>{h}</span> }).collect_view()}
            </div>
        }
    });
    let second_head = second_zone.as_deref().filter(|_| has_second).map(|zone| {
        view! { <span class="zone-head" title=zone.to_owned()>{city(zone)}</span> }
    });
    view! {
        <div class="grid-scroll" class:single=columns == 1 node_ref=scroller
            style=format!("--cols:{columns}") class:has-second=has_second>
            <div class="grid-head">
                <span class="zone-head" title=time_zone.clone()>{city(&time_zone)}</span>
                {second_head}
                {head}
            </div>
            <div class="grid-body">
                <div class="hours" aria-hidden="true">
                    {(0..24).map(|h| view! { <span>{format!("{h:02}:00")}</span> }).collect_view()}
                </div>
                {second_column}
                {body}
            </div>
        </div>
        <p class="sr-only">{t.cal_drag_help}</p>
    }
}

#[component]
fn DayColumnView(
    day: DayColumn,
    events: Vec<WeekEvent>,
    columns: u8,
    now_min: u16,
    open_for: RwSignal<f64>,
    signals: GridSignals,
) -> impl IntoView {
    let t = use_strings();
    // Press point and current point, px from the column's top.
    let selecting = RwSignal::new(None::<(f64, f64)>);
    let date = day.date.clone();
    let y_in = |ev: &PointerEvent| {
        pointer::current_rect(ev).map(|(top, _)| f64::from(ev.client_y()) - top)
    };
    let now_line = day.is_today.then(|| {
        let top = move || now_line_px(now_min, open_for.get());
        view! {
            <div class="now-line" aria-hidden="true" data-testid="now-line"
                class:hidden=move || top().is_none()
                style=move || format!("top:{}px", top().unwrap_or(0))>
                <span class="sr-only">{t.cal_now}</span>
            </div>
        }
    });
    let preview = move || {
        selecting.get().map(|(from, to)| {
            let (start, length) = selection(from, to);
            view! {
                <div class="selection" aria-hidden="true"
                    style=format!("top:{}px;height:{}px", minute_to_px(u32::from(start)), minute_to_px(u32::from(length)))>
                    {format!("{}–{}", hhmm(start), hhmm((start + length) % 1440))}
                </div>
            }
        })
    };
    view! {
        <section class="day" class:today=day.is_today aria-labelledby=format!("day-{}", day.date)
            data-date=day.date.clone() data-testid="day-column"
            on:pointerdown=move |ev: PointerEvent| {
                if ev.button() != 0 || !pointer::on_itself(&ev) {
                    return;
                }
                if let Some(y) = y_in(&ev) {
                    pointer::capture(&ev);
                    selecting.set(Some((y, y)));
                }
            }
            on:pointermove=move |ev: PointerEvent| {
                if let (Some((from, _)), Some(y)) = (selecting.get_untracked(), y_in(&ev)) {
                    selecting.set(Some((from, y)));
                }
            }
            on:pointerup=move |ev: PointerEvent| {
                if let Some((from, to)) = selecting.get_untracked() {
                    let to = y_in(&ev).unwrap_or(to);
                    selecting.set(None);
                    let (start, length) = selection(from, to);
                    signals.picked.set(Some(Pick {
                        date: date.clone(),
                        time: hhmm(start),
                        duration_min: i64::from(length),
                    }));
                }
            }
            on:pointercancel=move |_| selecting.set(None)
        >
            {now_line}
            {preview}
            <ol class="events">
                {events.into_iter().map(|event| view! { <EventTile event columns day_label=day.label.clone() signals/> }).collect_view()}
            </ol>
        </section>
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum DragMode {
    Move,
    Resize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Drag {
    mode: DragMode,
    x0: f64,
    y0: f64,
    column_px: f64,
    dragged: bool,
}

/// One meeting (or its part within a day) on the grid: a link to its
/// page, named with its title, day and time; for its organizer also a
/// drag handle for moving, and one at the lower edge for resizing.
#[component]
fn EventTile(
    event: WeekEvent,
    columns: u8,
    day_label: String,
    signals: GridSignals,
) -> impl IntoView {
    let t = use_strings();
    let base = Placement {
        day: event.day,
        start_min: event.start_min,
        end_min: event.end_min,
    };
    let draggable = event.is_organizer;
    // Where the block is shown while dragged (and saved), with the
    // sideways shift in px.
    let preview = RwSignal::new(None::<(Placement, f64)>);
    let drag = StoredValue::new(None::<Drag>);
    let swallow_click = StoredValue::new(false);
    let style = move || {
        let (p, shift) = preview.get().unwrap_or((base, 0.0));
        let top = minute_to_px(u32::from(p.start_min));
        let height = minute_to_px(u32::from(p.end_min - p.start_min)).max(18);
        if shift == 0.0 {
            format!("top:{top}px;height:{height}px")
        } else {
            format!("top:{top}px;height:{height}px;transform:translateX({shift}px)")
        }
    };
    let start = move |ev: PointerEvent, mode: DragMode| {
        if !draggable || ev.button() != 0 {
            return;
        }
        ev.stop_propagation();
        pointer::capture(&ev);
        drag.set_value(Some(Drag {
            mode,
            x0: f64::from(ev.client_x()),
            y0: f64::from(ev.client_y()),
            column_px: pointer::column_width(&ev),
            dragged: false,
        }));
    };
    let track = move |ev: PointerEvent| {
        let Some(mut d) = drag.get_value() else {
            return;
        };
        let (dx, dy) = (
            f64::from(ev.client_x()) - d.x0,
            f64::from(ev.client_y()) - d.y0,
        );
        if !d.dragged && dx.abs().max(dy.abs()) < DRAG_THRESHOLD_PX {
            return;
        }
        d.dragged = true;
        drag.set_value(Some(d));
        let p = match d.mode {
            DragMode::Move => moved(base, columns, d.column_px, dx, dy),
            DragMode::Resize => resized(base, dy),
        };
        let shift = (f64::from(p.day) - f64::from(base.day)) * d.column_px;
        preview.set(Some((p, shift)));
    };
    let id = event.meeting_id.clone();
    let occurrence_ms = event.occurrence_ms;
    let finish = move |_ev: PointerEvent| {
        let Some(d) = drag.get_value() else {
            return;
        };
        drag.set_value(None);
        if !d.dragged {
            return;
        }
        // The click that follows a drag must not open the meeting.
        swallow_click.set_value(true);
        let Some((p, _)) = preview.get_untracked() else {
            return;
        };
        let shift = p.start_shift_from(&base);
        let growth = p.growth_from(&base);
        if shift == 0 && growth == 0 {
            preview.set(None);
            return;
        }
        save_move(
            id.clone(),
            occurrence_ms,
            shift,
            growth,
            signals,
            move || preview.set(None),
        );
    };
    let cancel = move |_ev: PointerEvent| {
        drag.set_value(None);
        preview.set(None);
    };
    let label = t
        .cal_event_label
        // `{when}` first: a title may itself contain "{when}".
        .replace("{when}", &format!("{day_label}, {}", event.time_label))
        .replace("{name}", &event.title);
    let resize_handle = draggable.then(|| {
        view! {
            <span class="resize" aria-hidden="true"
                on:pointerdown=move |ev: PointerEvent| start(ev, DragMode::Resize)
                on:pointermove=track
                on:pointerup=finish.clone()
                on:pointercancel=cancel></span>
        }
    });
    view! {
        <li class="event" class:mine=event.is_organizer class:dragging=move || preview.get().is_some()
            style=style data-testid="event">
            <a href=meeting_href(&event.meeting_id, event.occurrence_ms) draggable="false" aria-label=label
                on:pointerdown=move |ev: PointerEvent| start(ev, DragMode::Move)
                on:pointermove=track
                on:pointerup=finish
                on:pointercancel=cancel
                on:click=move |ev| {
                    if swallow_click.get_value() {
                        swallow_click.set_value(false);
                        ev.prevent_default();
                    }
                }>
                <span class="event-title">{event.title.clone()}</span>
                " "
                <span class="event-time">{event.time_label.clone()}</span>
            </a>
            {resize_handle}
        </li>
    }
}

/// Saves a drag: the meeting (for a series, only this occurrence) starts
/// `shift_min` later and lasts `growth_min` longer. Reads the meeting as
/// its edit form would show it and sends it back with the new times, so
/// nothing else changes. `on_fail` puts the block back.
fn save_move(
    id: String,
    occurrence_ms: Option<i64>,
    shift_min: i64,
    growth_min: i64,
    signals: GridSignals,
    on_fail: impl FnOnce() + 'static,
) {
    signals.notice.set(Some(MoveNotice::Saving));
    leptos::task::spawn_local(async move {
        match move_meeting(id, occurrence_ms, shift_min, growth_min).await {
            Ok(conflicts) => {
                signals.notice.set(Some(MoveNotice::Moved(conflicts)));
                signals.changed.update(|n| *n += 1);
            }
            Err(error) => {
                on_fail();
                signals.notice.set(Some(MoveNotice::Failed(error)));
            }
        }
    });
}

async fn move_meeting(
    id: String,
    occurrence_ms: Option<i64>,
    shift_min: i64,
    growth_min: i64,
) -> AppResult<Vec<String>> {
    let occurrence = occurrence_ms.map(|ms| ms.to_string());
    let details = super::get_meeting(id.clone(), occurrence.clone()).await?;
    let (date, time) = shift_local(&details.date, &details.time, shift_min)
        .ok_or(AppError::Invalid(Invalid::DateMalformed))?;
    let invitees = details.invitees();
    let form = MeetingForm {
        title: details.title,
        date,
        time,
        duration_min: (details.duration_min + growth_min)
            .clamp(15, 24 * 60)
            .to_string(),
        time_zone: details.time_zone,
        invitees,
        description: details.description,
        reminders: details.reminders,
    };
    let scope = if occurrence.is_some() {
        EditScope::This
    } else {
        EditScope::All
    };
    let done = super::update_meeting(
        id,
        scope.as_str().to_owned(),
        occurrence.unwrap_or_default(),
        form,
        details.repeat,
    )
    .await?;
    Ok(done.conflicts)
}
