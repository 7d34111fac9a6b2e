//! Lays out one week of meetings in a time zone: which day column each
//! meeting falls in and at which minutes, splitting meetings that cross
//! midnight.

use super::{DayColumn, WeekEvent, WeekView};
use crate::i18n::Locale;
use crate::zone::{hhmm, start_of_day_ms, to_local};
use chrono::{Datelike, Duration, NaiveDate, Timelike};
use chrono_tz::Tz;

/// A meeting to place on the grid.
pub struct Placed {
    pub id: String,
    /// RECURRENCE-ID of the occurrence, Unix ms; `None` for a single meeting.
    pub occurrence_ms: Option<i64>,
    pub room: String,
    pub title: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub is_organizer: bool,
}

/// The Monday of the week containing `date`.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// `[start, end)` of the week beginning `monday` in `tz`, Unix ms.
pub fn week_bounds_ms(tz: Tz, monday: NaiveDate) -> (i64, i64) {
    (
        start_of_day_ms(tz, monday),
        start_of_day_ms(tz, monday + Duration::days(7)),
    )
}

/// The part of one meeting that falls on one local day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index into the meetings given to [`segments`].
    pub meeting: usize,
    /// Days after the first day of the period.
    pub day: u8,
    /// Minutes after local midnight, `0..1440`.
    pub start_min: u16,
    /// Minutes after local midnight, `start_min < end_min <= 1440`.
    pub end_min: u16,
}

impl Segment {
    /// Whether the meeting covers the whole local day.
    pub fn is_all_day(&self) -> bool {
        self.start_min == 0 && self.end_min == 24 * 60
    }

    /// The segment as a block on the hour grid, `day` being its column.
    pub fn to_event(self, meeting: &Placed, tz: Tz) -> WeekEvent {
        WeekEvent {
            meeting_id: meeting.id.clone(),
            occurrence_ms: meeting.occurrence_ms,
            room: meeting.room.clone(),
            title: meeting.title.clone(),
            day: self.day,
            start_min: self.start_min,
            // Keep very short meetings visible and clickable.
            end_min: self.end_min.max(self.start_min + 15).min(24 * 60),
            time_label: format!(
                "{}–{}",
                hhmm(&to_local(tz, meeting.starts_at_ms)),
                hhmm(&to_local(tz, meeting.ends_at_ms))
            ),
            is_organizer: meeting.is_organizer,
        }
    }
}

/// Splits `meetings` into per-day segments over the `days` local days
/// from `first` in `tz` (at most 255), clipped to the period; sorted by
/// day, then start, then input order.
pub fn segments(tz: Tz, first: NaiveDate, days: i64, meetings: &[Placed]) -> Vec<Segment> {
    let days = days.clamp(0, 255);
    let period_start = start_of_day_ms(tz, first);
    let period_end = start_of_day_ms(tz, first + Duration::days(days));
    let mut out = Vec::new();
    for (index, meeting) in meetings.iter().enumerate() {
        let mut cursor = meeting.starts_at_ms.max(period_start);
        let end = meeting.ends_at_ms.min(period_end);
        while cursor < end {
            let local = to_local(tz, cursor);
            let date = local.date_naive();
            let next_midnight = start_of_day_ms(tz, date + Duration::days(1));
            let segment_end = end.min(next_midnight);
            let day = (date - first).num_days();
            if (0..days).contains(&day) {
                let end_min = if segment_end == next_midnight {
                    24 * 60
                } else {
                    let end_local = to_local(tz, segment_end);
                    end_local.hour() * 60 + end_local.minute()
                };
                let start_min = local.hour() * 60 + local.minute();
                out.push(Segment {
                    meeting: index,
                    day: day as u8,
                    start_min: start_min as u16,
                    end_min: end_min.max(start_min + 1) as u16,
                });
            }
            if segment_end <= cursor {
                break;
            }
            cursor = segment_end;
        }
    }
    out.sort_by_key(|s| (s.day, s.start_min, s.meeting));
    out
}

/// "16–22 Nov 2026", or "30 Nov – 6 Dec 2026" across months, or with
/// both years across years.
pub fn range_label(first: NaiveDate, last: NaiveDate, locale: Locale) -> String {
    let months = &locale.strings().months_short;
    if first.year() != last.year() {
        format!(
            "{} {} {} – {} {} {}",
            first.day(),
            months[first.month0() as usize],
            first.year(),
            last.day(),
            months[last.month0() as usize],
            last.year()
        )
    } else if first.month() == last.month() {
        format!(
            "{}–{} {} {}",
            first.day(),
            last.day(),
            months[last.month0() as usize],
            last.year()
        )
    } else {
        format!(
            "{} {} – {} {} {}",
            first.day(),
            months[first.month0() as usize],
            last.day(),
            months[last.month0() as usize],
            last.year()
        )
    }
}

/// Builds the week view for `monday` in `tz`; `today` marks a column.
pub fn layout(
    tz: Tz,
    monday: NaiveDate,
    today: NaiveDate,
    meetings: &[Placed],
    locale: Locale,
) -> WeekView {
    layout_at(tz, monday, today, 9, meetings, locale)
}

/// As [`layout`], with the form's suggested start hour.
pub fn layout_at(
    tz: Tz,
    monday: NaiveDate,
    today: NaiveDate,
    suggested_hour: u32,
    meetings: &[Placed],
    locale: Locale,
) -> WeekView {
    let strings = locale.strings();
    let days = (0..7)
        .map(|i| {
            let date = monday + Duration::days(i);
            DayColumn {
                date: date.format("%Y-%m-%d").to_string(),
                label: strings.day_label(i as usize, date.day(), date.month0() as usize),
                is_today: date == today,
            }
        })
        .collect();
    let mut events: Vec<WeekEvent> = segments(tz, monday, 7, meetings)
        .into_iter()
        .map(|segment| segment.to_event(&meetings[segment.meeting], tz))
        .collect();
    events.sort_by_key(|e| (e.day, e.start_min));
    let range_label = range_label(monday, monday + Duration::days(6), locale);
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    WeekView {
        week_start: iso(monday),
        prev_week: iso(monday - Duration::days(7)),
        next_week: iso(monday + Duration::days(7)),
        this_week: iso(monday_of(today)),
        range_label,
        time_zone: tz.name().to_owned(),
        days,
        events,
        today: iso(today),
        suggested_time: format!("{:02}:00", suggested_hour.min(23)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::local_to_utc_ms;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(tz: Tz, s: &str) -> i64 {
        local_to_utc_ms(
            tz,
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        )
    }

    fn meeting(tz: Tz, start: &str, minutes: i64) -> Placed {
        let starts_at_ms = at(tz, start);
        Placed {
            id: "m".into(),
            occurrence_ms: None,
            room: "r".into(),
            title: "Standup".into(),
            starts_at_ms,
            ends_at_ms: starts_at_ms + minutes * 60_000,
            is_organizer: true,
        }
    }

    #[test]
    fn meeting_lands_on_its_local_day_and_minutes() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let monday = date("2026-11-16");
        let view = layout(
            tz,
            monday,
            date("2026-11-18"),
            &[meeting(tz, "2026-11-18 09:30", 45)],
            Locale::En,
        );
        assert_eq!(view.events.len(), 1);
        let e = &view.events[0];
        assert_eq!((e.day, e.start_min, e.end_min), (2, 570, 615));
        assert_eq!(e.time_label, "09:30–10:15");
        assert!(view.days[2].is_today);
        assert_eq!(view.range_label, "16–22 Nov 2026");
        assert_eq!(view.prev_week, "2026-11-09");
    }

    #[test]
    fn the_same_instant_shows_at_local_times_in_other_zones() {
        let moscow: Tz = "Europe/Moscow".parse().unwrap();
        let new_york: Tz = "America/New_York".parse().unwrap();
        let m = meeting(moscow, "2026-11-18 09:00", 60);
        let view = layout(
            new_york,
            date("2026-11-16"),
            date("2026-11-16"),
            &[m],
            Locale::En,
        );
        // 09:00 MSK (UTC+3) = 01:00 EST (UTC-5).
        assert_eq!((view.events[0].day, view.events[0].start_min), (2, 60));
    }

    #[test]
    fn a_meeting_across_midnight_is_split_into_two_days() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let view = layout(
            tz,
            date("2026-11-16"),
            date("2026-11-16"),
            &[meeting(tz, "2026-11-17 23:00", 120)],
            Locale::Ru,
        );
        let spans: Vec<_> = view
            .events
            .iter()
            .map(|e| (e.day, e.start_min, e.end_min))
            .collect();
        assert_eq!(spans, vec![(1, 1380, 1440), (2, 0, 60)]);
    }

    #[test]
    fn meetings_outside_the_week_are_clipped_away() {
        let tz: Tz = "UTC".parse().unwrap();
        let view = layout(
            tz,
            date("2026-11-16"),
            date("2026-11-16"),
            &[meeting(tz, "2026-11-23 10:00", 30)],
            Locale::En,
        );
        assert!(view.events.is_empty());
    }

    #[test]
    fn week_across_dst_change_has_local_bounds() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // The week of 2026-10-26 starts after the clocks went back on the 25th,
        // the week of 2026-10-19 contains the change: it is 169 hours long.
        let (start, end) = week_bounds_ms(tz, date("2026-10-19"));
        assert_eq!(end - start, 169 * 3600 * 1000);
        let view = layout(
            tz,
            date("2026-10-19"),
            date("2026-10-19"),
            &[meeting(tz, "2026-10-26 09:00", 30)],
            Locale::En,
        );
        assert!(view.events.is_empty());
        let view = layout(
            tz,
            date("2026-10-26"),
            date("2026-10-26"),
            &[meeting(tz, "2026-10-26 09:00", 30)],
            Locale::En,
        );
        assert_eq!(view.events[0].start_min, 540);
    }
}
