//! Lays out the calendar's views (month, week, day, agenda) in a time
//! zone, on top of [`super::week::segments`]: which days a view covers,
//! its navigation, and what each day shows.

use super::views::{
    AgendaDay, CalendarView, ListedEvent, MonthCell, ViewBody, ViewKind, AGENDA_DAYS,
    MONTH_CELL_EVENTS,
};
use super::week::{monday_of, range_label, segments, Placed, Segment};
use super::DayColumn;
use crate::i18n::Locale;
use crate::zone::{hhmm, local_to_utc_ms, to_local};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike};
use chrono_tz::Tz;

/// What to lay out.
pub struct Request {
    /// The zone the view is shown in.
    pub tz: Tz,
    /// The optional second zone of the hour grid.
    pub second: Option<Tz>,
    pub kind: ViewKind,
    /// A day in the period asked for.
    pub anchor: NaiveDate,
    /// Now, in `tz`.
    pub now: DateTime<Tz>,
}

/// The first day and the number of days a view of `kind` around `anchor`
/// covers: the whole weeks (Monday first) of a month, a week, a day, or
/// [`AGENDA_DAYS`] days from `anchor`.
pub fn period(kind: ViewKind, anchor: NaiveDate) -> (NaiveDate, i64) {
    match kind {
        ViewKind::Month => {
            let first_of_month = anchor.with_day(1).unwrap_or(anchor);
            let next_month = first_of_month + Months::new(1);
            let start = monday_of(first_of_month);
            let end = monday_of(next_month - Duration::days(1)) + Duration::days(7);
            (start, (end - start).num_days())
        }
        ViewKind::Week => (monday_of(anchor), 7),
        ViewKind::Day => (anchor, 1),
        ViewKind::Agenda => (anchor, AGENDA_DAYS),
    }
}

/// A day in the period before and after the one of `anchor`.
pub fn neighbours(kind: ViewKind, anchor: NaiveDate) -> (NaiveDate, NaiveDate) {
    match kind {
        ViewKind::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            (first - Months::new(1), first + Months::new(1))
        }
        ViewKind::Week => (anchor - Duration::days(7), anchor + Duration::days(7)),
        ViewKind::Day => (anchor - Duration::days(1), anchor + Duration::days(1)),
        ViewKind::Agenda => (
            anchor - Duration::days(AGENDA_DAYS),
            anchor + Duration::days(AGENDA_DAYS),
        ),
    }
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn weekday(d: NaiveDate) -> usize {
    d.weekday().num_days_from_monday() as usize
}

/// `meetings` (sorted or not) as the view `request` asks for.
pub fn view(request: &Request, meetings: &[Placed], locale: Locale) -> CalendarView {
    let strings = locale.strings();
    let Request {
        tz,
        second,
        kind,
        anchor,
        now,
    } = *request;
    let today = now.date_naive();
    let (first, days) = period(kind, anchor);
    let last = first + Duration::days(days - 1);
    let (prev, next) = neighbours(kind, anchor);
    let parts = segments(tz, first, days, meetings);
    let listed = |segment: &Segment, with_end: bool| {
        let meeting = &meetings[segment.meeting];
        let time_label = if segment.is_all_day() {
            strings.cal_all_day.to_owned()
        } else if with_end {
            // A segment that runs to midnight ends at 00:00 of the next day.
            format!(
                "{}–{}",
                super::views::hhmm(segment.start_min),
                super::views::hhmm(segment.end_min % 1440)
            )
        } else {
            super::views::hhmm(segment.start_min)
        };
        ListedEvent {
            meeting_id: meeting.id.clone(),
            occurrence_ms: meeting.occurrence_ms,
            title: meeting.title.clone(),
            time_label,
            is_organizer: meeting.is_organizer,
        }
    };
    let (range, body) = match kind {
        ViewKind::Week | ViewKind::Day => {
            let columns = (0..days)
                .map(|i| {
                    let date = first + Duration::days(i);
                    DayColumn {
                        date: iso(date),
                        label: strings.day_label(weekday(date), date.day(), date.month0() as usize),
                        is_today: date == today,
                    }
                })
                .collect();
            let events = parts
                .iter()
                .map(|s| s.to_event(&meetings[s.meeting], tz))
                .collect();
            let second_hours = second
                .map(|zone| {
                    (0..24)
                        .map(|h| {
                            let at = first.and_hms_opt(h, 0, 0).unwrap_or_default();
                            hhmm(&to_local(zone, local_to_utc_ms(tz, at)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let range = if kind == ViewKind::Day {
                dated_label(strings, first)
            } else {
                range_label(first, last, locale)
            };
            (
                range,
                ViewBody::Grid {
                    days: columns,
                    events,
                    second_hours,
                },
            )
        }
        ViewKind::Month => {
            let month = anchor.month();
            let mut by_day: Vec<Vec<&Segment>> = vec![Vec::new(); days as usize];
            for s in &parts {
                by_day[usize::from(s.day)].push(s);
            }
            let weeks = by_day
                .chunks(7)
                .enumerate()
                .map(|(w, week)| {
                    week.iter()
                        .enumerate()
                        .map(|(d, day_parts)| {
                            let date = first + Duration::days((w * 7 + d) as i64);
                            MonthCell {
                                date: iso(date),
                                day: date.day(),
                                label: dated_label(strings, date),
                                in_month: date.month() == month,
                                is_today: date == today,
                                events: day_parts
                                    .iter()
                                    .take(MONTH_CELL_EVENTS)
                                    .map(|s| listed(s, false))
                                    .collect(),
                                more: day_parts.len().saturating_sub(MONTH_CELL_EVENTS),
                            }
                        })
                        .collect()
                })
                .collect();
            (
                format!(
                    "{} {}",
                    strings.cal_month_names[anchor.month0() as usize],
                    anchor.year()
                ),
                ViewBody::Month { weeks },
            )
        }
        ViewKind::Agenda => {
            let mut agenda: Vec<AgendaDay> = Vec::new();
            for s in &parts {
                let date = first + Duration::days(i64::from(s.day));
                let date_iso = iso(date);
                if agenda.last().map(|d| d.date != date_iso).unwrap_or(true) {
                    agenda.push(AgendaDay {
                        date: date_iso,
                        label: dated_label(strings, date),
                        is_today: date == today,
                        events: Vec::new(),
                    });
                }
                if let Some(day) = agenda.last_mut() {
                    day.events.push(listed(s, true));
                }
            }
            (
                range_label(first, last, locale),
                ViewBody::Agenda { days: agenda },
            )
        }
    };
    let in_period = (first..=last).contains(&today)
        && (kind != ViewKind::Month || today.month() == anchor.month());
    let form_date = if in_period {
        today
    } else if kind == ViewKind::Month {
        anchor.with_day(1).unwrap_or(anchor)
    } else if kind == ViewKind::Week {
        first
    } else {
        anchor
    };
    CalendarView {
        kind,
        date: iso(anchor),
        prev: iso(prev),
        next: iso(next),
        today: iso(today),
        range_label: range,
        time_zone: tz.name().to_owned(),
        second_zone: second.map(|z| z.name().to_owned()),
        now_min: (now.hour() * 60 + now.minute()) as u16,
        suggested_time: format!("{:02}:00", (now.hour() + 1).min(23)),
        form_date: iso(form_date),
        is_empty: parts.is_empty(),
        body,
    }
}

/// A day with its year, as headings and screen readers say it
/// ("Mon 16 Nov 2026", "Пн 16 нояб. 2026").
fn dated_label(strings: &crate::i18n::Strings, date: NaiveDate) -> String {
    format!(
        "{} {}",
        strings.day_label(weekday(date), date.day(), date.month0() as usize),
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(tz: Tz, s: &str) -> i64 {
        local_to_utc_ms(
            tz,
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        )
    }

    fn meeting(tz: Tz, title: &str, start: &str, minutes: i64) -> Placed {
        let starts_at_ms = at(tz, start);
        Placed {
            id: title.to_lowercase(),
            occurrence_ms: None,
            room: "r".into(),
            title: title.into(),
            starts_at_ms,
            ends_at_ms: starts_at_ms + minutes * 60_000,
            is_organizer: true,
        }
    }

    fn request(tz: Tz, kind: ViewKind, anchor: &str, now: &str) -> Request {
        Request {
            tz,
            second: None,
            kind,
            anchor: date(anchor),
            now: tz.from_utc_datetime(
                &chrono::DateTime::from_timestamp_millis(at(tz, now))
                    .unwrap()
                    .naive_utc(),
            ),
        }
    }

    #[test]
    fn a_month_grid_covers_whole_weeks_from_monday() {
        // November 2026 starts on a Sunday and ends on a Monday.
        assert_eq!(
            period(ViewKind::Month, date("2026-11-21")),
            (date("2026-10-26"), 42)
        );
        // February 2027 starts on a Monday and ends on a Sunday: 4 weeks.
        assert_eq!(
            period(ViewKind::Month, date("2027-02-10")),
            (date("2027-02-01"), 28)
        );
        assert_eq!(
            neighbours(ViewKind::Month, date("2026-01-31")),
            (date("2025-12-01"), date("2026-02-01"))
        );
    }

    #[test]
    fn a_month_cell_lists_three_meetings_and_counts_the_rest() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let meetings: Vec<Placed> = (0..5)
            .map(|i| {
                meeting(
                    tz,
                    &format!("M{i}"),
                    &format!("2026-11-18 0{}:00", 9 - i),
                    30,
                )
            })
            .chain([meeting(tz, "Other", "2026-10-30 10:00", 30)])
            .collect();
        let view = view(
            &request(tz, ViewKind::Month, "2026-11-21", "2026-11-21 12:00"),
            &meetings,
            Locale::En,
        );
        assert_eq!(view.range_label, "November 2026");
        assert_eq!(
            (view.prev.as_str(), view.next.as_str()),
            ("2026-10-01", "2026-12-01")
        );
        let ViewBody::Month { weeks } = &view.body else {
            panic!("not a month")
        };
        assert_eq!(weeks.len(), 6);
        assert!(weeks.iter().all(|w| w.len() == 7));
        let cell = weeks
            .iter()
            .flatten()
            .find(|c| c.date == "2026-11-18")
            .unwrap();
        let titles: Vec<_> = cell.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["M4", "M3", "M2"]);
        assert_eq!(cell.events[0].time_label, "05:00");
        assert_eq!(cell.more, 2);
        // A leading day of October belongs to the grid, not to the month.
        let october = &weeks[0][4];
        assert_eq!(
            (october.date.as_str(), october.in_month),
            ("2026-10-30", false)
        );
        assert_eq!(october.events.len(), 1);
        assert!(weeks
            .iter()
            .flatten()
            .any(|c| c.is_today && c.date == "2026-11-21"));
        assert_eq!(view.form_date, "2026-11-21");
    }

    #[test]
    fn a_day_view_is_one_column_with_the_second_zone_hours() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let mut req = request(tz, ViewKind::Day, "2026-11-18", "2026-11-18 10:20");
        req.second = Some("America/New_York".parse().unwrap());
        let view = view(
            &req,
            &[
                meeting(tz, "Standup", "2026-11-18 09:30", 45),
                meeting(tz, "Tomorrow", "2026-11-19 09:30", 45),
            ],
            Locale::En,
        );
        assert_eq!(view.range_label, "Wed 18 Nov 2026");
        assert_eq!(
            (view.prev.as_str(), view.next.as_str()),
            ("2026-11-17", "2026-11-19")
        );
        assert_eq!(view.now_min, 620);
        let ViewBody::Grid {
            days,
            events,
            second_hours,
        } = &view.body
        else {
            panic!("not a grid")
        };
        assert_eq!(days.len(), 1);
        assert!(days[0].is_today);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].day, events[0].start_min, events[0].end_min),
            (0, 570, 615)
        );
        // Midnight in Moscow (UTC+3) is 16:00 the day before in New York.
        assert_eq!(second_hours.len(), 24);
        assert_eq!(second_hours[0], "16:00");
        assert_eq!(second_hours[9], "01:00");
        assert_eq!(view.second_zone.as_deref(), Some("America/New_York"));
    }

    #[test]
    fn a_week_from_any_of_its_days_starts_on_monday() {
        let tz: Tz = "UTC".parse().unwrap();
        let view = view(
            &request(tz, ViewKind::Week, "2026-11-21", "2026-12-01 08:00"),
            &[meeting(tz, "Late", "2026-11-22 23:00", 120)],
            Locale::Ru,
        );
        assert_eq!(view.range_label, "16–22 ноя 2026");
        assert_eq!(view.next, "2026-11-28");
        assert_eq!(view.form_date, "2026-11-16");
        let ViewBody::Grid { events, .. } = &view.body else {
            panic!("not a grid")
        };
        // The part after midnight belongs to the next week.
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].day, events[0].start_min, events[0].end_min),
            (6, 1380, 1440)
        );
    }

    #[test]
    fn the_agenda_groups_meetings_by_day_and_skips_empty_days() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let view = view(
            &request(tz, ViewKind::Agenda, "2026-11-16", "2026-11-16 08:00"),
            &[
                meeting(tz, "B", "2026-11-18 11:00", 30),
                meeting(tz, "A", "2026-11-18 09:00", 60),
                meeting(tz, "Retreat", "2026-11-20 18:00", 36 * 60),
                meeting(tz, "Too late", "2026-12-16 09:00", 30),
            ],
            Locale::En,
        );
        let ViewBody::Agenda { days } = &view.body else {
            panic!("not an agenda")
        };
        let summary: Vec<(&str, Vec<(&str, &str)>)> = days
            .iter()
            .map(|d| {
                (
                    d.date.as_str(),
                    d.events
                        .iter()
                        .map(|e| (e.title.as_str(), e.time_label.as_str()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "2026-11-18",
                    vec![("A", "09:00–10:00"), ("B", "11:00–11:30")]
                ),
                ("2026-11-20", vec![("Retreat", "18:00–00:00")]),
                ("2026-11-21", vec![("Retreat", "all day")]),
                ("2026-11-22", vec![("Retreat", "00:00–06:00")]),
            ]
        );
        assert_eq!(days[0].label, "Wed 18 Nov 2026");
        assert_eq!(view.range_label, "16 Nov – 15 Dec 2026");
        assert!(!view.is_empty);
    }

    #[test]
    fn an_empty_agenda_says_so() {
        let tz: Tz = "UTC".parse().unwrap();
        let view = view(
            &request(tz, ViewKind::Agenda, "2026-11-16", "2026-11-16 08:00"),
            &[],
            Locale::En,
        );
        assert!(view.is_empty);
        assert_eq!(view.body, ViewBody::Agenda { days: Vec::new() });
    }
}
