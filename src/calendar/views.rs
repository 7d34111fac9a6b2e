//! The calendar page's four views (month, week, day, agenda): what the
//! server sends for each, the server function that lays them out in the
//! viewer's time zone, and the arithmetic the browser does on the grid
//! (drag snapping, the current-time line, moving a local date and time).

use super::WeekEvent;
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Height of one hour on the week and day grids, px (`--hour` in the CSS).
pub const HOUR_PX: u32 = 48;

/// What the grid snaps starts, ends and moves to, minutes.
pub const SNAP_MIN: i32 = 15;

/// How many days the agenda lists from its first day.
pub const AGENDA_DAYS: i64 = 30;

/// Most meetings a month cell lists before "+N more".
pub const MONTH_CELL_EVENTS: usize = 3;

/// One of the calendar's views, as the `view` query parameter names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Month,
    #[default]
    Week,
    Day,
    Agenda,
}

impl ViewKind {
    /// In the order the view switcher shows them.
    pub const ALL: [ViewKind; 4] = [
        ViewKind::Month,
        ViewKind::Week,
        ViewKind::Day,
        ViewKind::Agenda,
    ];

    /// Reads the `view` query parameter (`month`, `week`, `day`, `agenda`).
    pub fn parse(raw: &str) -> Option<ViewKind> {
        match raw.trim() {
            "month" => Some(ViewKind::Month),
            "week" => Some(ViewKind::Week),
            "day" => Some(ViewKind::Day),
            "agenda" => Some(ViewKind::Agenda),
            _ => None,
        }
    }

    /// The `view` query parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewKind::Month => "month",
            ViewKind::Week => "week",
            ViewKind::Day => "day",
            ViewKind::Agenda => "agenda",
        }
    }

    /// The key that switches to this view (`m`, `w`, `d`, `a`).
    pub fn key(self) -> &'static str {
        &self.as_str()[..1]
    }

    /// Whether meetings sit on an hour grid (and can be dragged there).
    pub fn is_grid(self) -> bool {
        matches!(self, ViewKind::Week | ViewKind::Day)
    }
}

/// `/calendar?view=…&date=…`: the page of `view` around `date`
/// (`YYYY-MM-DD`).
pub fn calendar_href(view: ViewKind, date: &str) -> String {
    format!("/calendar?view={}&date={date}", view.as_str())
}

/// The page of a meeting, or of one occurrence of a series.
pub fn meeting_href(meeting_id: &str, occurrence_ms: Option<i64>) -> String {
    match occurrence_ms {
        Some(ms) => format!("/calendar/{meeting_id}?occurrence={ms}"),
        None => format!("/calendar/{meeting_id}"),
    }
}

/// A meeting as a month cell or the agenda lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEvent {
    pub meeting_id: String,
    /// RECURRENCE-ID of the occurrence, Unix ms; `None` for a single
    /// meeting.
    pub occurrence_ms: Option<i64>,
    pub title: String,
    /// "09:30–10:15" (agenda) or "09:30" (month), local; the localized
    /// "all day" for a day the meeting covers entirely.
    pub time_label: String,
    pub is_organizer: bool,
}

/// One day of the month grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCell {
    /// `YYYY-MM-DD`, local.
    pub date: String,
    /// Day of the month, 1–31.
    pub day: u32,
    /// "Sat 21 Nov", localized, for screen readers.
    pub label: String,
    /// Whether the day belongs to the month shown (not a neighbour's
    /// leading or trailing day).
    pub in_month: bool,
    pub is_today: bool,
    /// The first [`MONTH_CELL_EVENTS`] meetings of the day, by start.
    pub events: Vec<ListedEvent>,
    /// How many more the day has.
    pub more: usize,
}

/// One day of the agenda (only days with meetings are listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaDay {
    /// `YYYY-MM-DD`, local.
    pub date: String,
    /// "Sat 21 Nov 2026", localized.
    pub label: String,
    pub is_today: bool,
    pub events: Vec<ListedEvent>,
}

/// What a view shows under its toolbar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ViewBody {
    /// Week (7 columns) or day (1 column) on an hour grid.
    Grid {
        days: Vec<super::DayColumn>,
        /// `day` is the column index.
        events: Vec<WeekEvent>,
        /// The second zone's time at each of the first day's hours
        /// (`HH:MM`, 24 entries), or empty without a second zone.
        second_hours: Vec<String>,
    },
    /// Whole weeks, Monday first, covering the month.
    Month { weeks: Vec<Vec<MonthCell>> },
    /// [`AGENDA_DAYS`] days from the date, days without meetings left out.
    Agenda { days: Vec<AgendaDay> },
}

/// One view of the signed-in user's calendar, laid out in their zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarView {
    pub kind: ViewKind,
    /// The date the view was asked for, `YYYY-MM-DD` (kept when switching
    /// views).
    pub date: String,
    /// A date in the previous and the next period, `YYYY-MM-DD`.
    pub prev: String,
    pub next: String,
    /// Today in the viewer's zone, `YYYY-MM-DD`.
    pub today: String,
    /// "November 2026", "16–22 Nov 2026", "Sat 21 Nov 2026", localized.
    pub range_label: String,
    /// IANA name of the zone the view is shown in.
    pub time_zone: String,
    /// IANA name of the second zone, if the user set one.
    pub second_zone: Option<String>,
    /// Minutes after local midnight now (for the current-time line).
    pub now_min: u16,
    /// The next full hour, `HH:MM`, as the form's default start.
    pub suggested_time: String,
    /// The form's default date: today when the view shows it, else the
    /// view's first day.
    pub form_date: String,
    /// Whether no meeting falls in the period.
    pub is_empty: bool,
    pub body: ViewBody,
}

/// One view of the caller's calendar: `view` is `month`, `week` (the
/// default), `day` or `agenda`; `date` (`YYYY-MM-DD`, default today) is a
/// day in the period. `week` is the older name of `date`, kept so
/// `/calendar?week=…` links keep working. Meetings are shown in the
/// account's zone (`users.time_zone`; the browser's zone, from the `tz`
/// cookie, when that is not a known zone), series expanded.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "get_calendar")]
pub async fn get_calendar(
    #[server(default)] view: Option<String>,
    #[server(default)] date: Option<String>,
    #[server(default)] week: Option<String>,
) -> AppResult<CalendarView> {
    let user = crate::auth::require_user()?;
    let db = crate::db::use_db()?;
    let kind = view
        .as_deref()
        .and_then(ViewKind::parse)
        .unwrap_or_default();
    let zones = super::settings::zones_of(&db, &user).await?;
    let tz = zones.primary;
    let now = crate::zone::to_local(tz, crate::db::now_ms());
    let today = now.date_naive();
    let anchor = date
        .or(week)
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or(today);
    let (first, days) = super::layout::period(kind, anchor);
    let from = crate::zone::start_of_day_ms(tz, first);
    let to = crate::zone::start_of_day_ms(tz, first + chrono::Duration::days(days));
    let meetings = super::db::occurrences_between(&db, &user, from, to).await?;
    let locale = crate::i18n::request_locale();
    Ok(super::layout::view(
        &super::layout::Request {
            tz,
            second: zones.second,
            kind,
            anchor,
            now,
        },
        &meetings,
        locale,
    ))
}

/// Rounds `minutes` to the nearest multiple of [`SNAP_MIN`].
pub fn snap(minutes: i32) -> i32 {
    (f64::from(minutes) / f64::from(SNAP_MIN)).round() as i32 * SNAP_MIN
}

/// Grid pixels as minutes (unsnapped).
pub fn px_to_min(px: f64) -> i32 {
    (px * 60.0 / f64::from(HOUR_PX)).round() as i32
}

/// Where a meeting's block would land while being dragged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Column index.
    pub day: u8,
    /// Minutes after midnight, `0..1440`.
    pub start_min: u16,
    /// Minutes after midnight, `start_min < end_min <= 1440`.
    pub end_min: u16,
}

impl Placement {
    /// How far the start moved, minutes (days count 1440 each).
    pub fn start_shift_from(&self, before: &Placement) -> i64 {
        (i64::from(self.day) - i64::from(before.day)) * 1440 + i64::from(self.start_min)
            - i64::from(before.start_min)
    }

    /// How much longer it became, minutes (negative: shorter).
    pub fn growth_from(&self, before: &Placement) -> i64 {
        (i64::from(self.end_min) - i64::from(self.start_min))
            - (i64::from(before.end_min) - i64::from(before.start_min))
    }
}

/// The block moved by `dx_px` × `dy_px` on a grid of `columns` columns
/// each `column_px` wide: the start snaps to [`SNAP_MIN`], the length is
/// kept, and the block stays within its day and the grid.
pub fn moved(block: Placement, columns: u8, column_px: f64, dx_px: f64, dy_px: f64) -> Placement {
    let length = i32::from(block.end_min) - i32::from(block.start_min);
    let start = snap(i32::from(block.start_min) + px_to_min(dy_px)).clamp(0, 1440 - length);
    let shift = if column_px > 0.0 {
        (dx_px / column_px).round() as i32
    } else {
        0
    };
    let day = (i32::from(block.day) + shift).clamp(0, i32::from(columns.max(1)) - 1);
    Placement {
        day: day as u8,
        start_min: start as u16,
        end_min: (start + length) as u16,
    }
}

/// The block with its end dragged by `dy_px`: the end snaps to
/// [`SNAP_MIN`], at least one step after the start, at most midnight.
pub fn resized(block: Placement, dy_px: f64) -> Placement {
    let start = i32::from(block.start_min);
    let end = snap(i32::from(block.end_min) + px_to_min(dy_px)).clamp(start + SNAP_MIN, 1440);
    Placement {
        end_min: end as u16,
        ..block
    }
}

/// A new meeting's start and length from a press at `from_px` and a
/// release at `to_px` (pixels from the top of a day column). The earlier
/// point rounds down and the later up to [`SNAP_MIN`]; a click (no
/// drag) gives half an hour from the half hour it fell in.
pub fn selection(from_px: f64, to_px: f64) -> (u16, u16) {
    let (low, high) = if from_px <= to_px {
        (from_px, to_px)
    } else {
        (to_px, from_px)
    };
    let low_min = px_to_min(low.max(0.0));
    let high_min = px_to_min(high.max(0.0));
    if high_min - low_min < SNAP_MIN / 2 {
        let start = (low_min / 30 * 30).clamp(0, 1410);
        return (start as u16, 30);
    }
    let start = (low_min / SNAP_MIN * SNAP_MIN).clamp(0, 1440 - SNAP_MIN);
    let end = ((high_min + SNAP_MIN - 1) / SNAP_MIN * SNAP_MIN).clamp(start + SNAP_MIN, 1440);
    (start as u16, (end - start) as u16)
}

/// Pixels from the top of the grid of `minutes` after midnight.
pub fn minute_to_px(minutes: u32) -> u32 {
    minutes * HOUR_PX / 60
}

/// The current-time line's offset from the grid's top, px: `now_min` as
/// the server saw it plus the minutes the page has been open, or `None`
/// once that passes midnight (the page shows a day that is over).
pub fn now_line_px(now_min: u16, open_for_ms: f64) -> Option<u32> {
    let minutes = u32::from(now_min) + (open_for_ms.max(0.0) / 60_000.0) as u32;
    (minutes < 1440).then(|| minute_to_px(minutes))
}

/// `HH:MM` of minutes after midnight.
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`), so the browser can do date arithmetic without a
/// date library.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A wall-clock date (`YYYY-MM-DD`) and time (`HH:MM`) moved by
/// `minutes` (may be negative), as the meeting form wants them. A drag
/// moves a meeting by whole snapped minutes, so its local start in the
/// meeting's own zone moves by the same amount (except across a DST
/// change that the viewer's zone does not share).
///
/// `None` when `date` or `time` is malformed.
pub fn shift_local(date: &str, time: &str, minutes: i64) -> Option<(String, String)> {
    let mut d = date.trim().splitn(3, '-');
    let (y, m, day) = (
        d.next()?.parse::<i64>().ok()?,
        d.next()?.parse::<i64>().ok()?,
        d.next()?.parse::<i64>().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.trim().splitn(3, ':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    if !(0..24).contains(&h) || !(0..60).contains(&min) {
        return None;
    }
    let total = days_from_civil(y, m, day) * 1440 + h * 60 + min + minutes;
    let (y, m, day) = civil_from_days(total.div_euclid(1440));
    let in_day = total.rem_euclid(1440);
    Some((
        format!("{y:04}-{m:02}-{day:02}"),
        format!("{:02}:{:02}", in_day / 60, in_day % 60),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(day: u8, start: u16, end: u16) -> Placement {
        Placement {
            day,
            start_min: start,
            end_min: end,
        }
    }

    #[test]
    fn views_round_trip_through_the_query() {
        for kind in ViewKind::ALL {
            assert_eq!(ViewKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ViewKind::parse("year"), None);
        assert_eq!(ViewKind::Agenda.key(), "a");
        assert_eq!(
            calendar_href(ViewKind::Month, "2026-11-21"),
            "/calendar?view=month&date=2026-11-21"
        );
    }

    #[test]
    fn drags_snap_to_a_quarter_hour() {
        assert_eq!(snap(7), 0);
        assert_eq!(snap(8), 15);
        assert_eq!(snap(-8), -15);
        // 48 px per hour: 20 px is 25 min, which snaps to 30.
        let moved = moved(block(2, 540, 600), 7, 100.0, 0.0, 20.0);
        assert_eq!(moved, block(2, 570, 630));
        assert_eq!(moved.start_shift_from(&block(2, 540, 600)), 30);
    }

    #[test]
    fn a_move_sideways_changes_the_day_and_stays_on_the_grid() {
        assert_eq!(
            moved(block(2, 540, 600), 7, 100.0, 160.0, 0.0),
            block(4, 540, 600)
        );
        assert_eq!(
            moved(block(5, 540, 600), 7, 100.0, 900.0, 0.0),
            block(6, 540, 600)
        );
        // Not past midnight, not before it.
        assert_eq!(
            moved(block(0, 1380, 1440), 7, 100.0, 0.0, 200.0),
            block(0, 1380, 1440)
        );
        assert_eq!(
            moved(block(0, 30, 90), 1, 100.0, -300.0, -200.0),
            block(0, 0, 60)
        );
        let later = moved(block(1, 600, 660), 7, 100.0, 100.0, -48.0);
        assert_eq!(later.start_shift_from(&block(1, 600, 660)), 1440 - 60);
    }

    #[test]
    fn a_resize_keeps_at_least_a_quarter_hour() {
        assert_eq!(resized(block(0, 540, 600), 24.0), block(0, 540, 630));
        assert_eq!(resized(block(0, 540, 600), -200.0), block(0, 540, 555));
        assert_eq!(resized(block(0, 1380, 1440), 100.0), block(0, 1380, 1440));
        assert_eq!(
            resized(block(0, 540, 600), 24.0).growth_from(&block(0, 540, 600)),
            30
        );
    }

    #[test]
    fn a_selection_becomes_a_start_and_a_length() {
        // 9:00 is 432 px; a click gives the half hour it fell in.
        assert_eq!(selection(440.0, 440.0), (540, 30));
        assert_eq!(selection(460.0, 461.0), (570, 30));
        // A drag from 9:05 down to 10:20: 9:00 for 1 h 30 min.
        assert_eq!(selection(436.0, 496.0), (540, 90));
        // Upwards is the same.
        assert_eq!(selection(496.0, 436.0), (540, 90));
        // Clipped at midnight.
        assert_eq!(selection(1140.0, 2000.0), (1425, 15));
    }

    #[test]
    fn the_time_line_follows_the_clock_until_midnight() {
        assert_eq!(now_line_px(600, 0.0), Some(480));
        assert_eq!(now_line_px(600, 30.0 * 60_000.0), Some(504));
        assert_eq!(now_line_px(1439, 60_000.0), None);
        assert_eq!(minute_to_px(90), 72);
    }

    #[test]
    fn local_times_shift_across_days_months_and_years() {
        let s = |d: &str, t: &str, m| shift_local(d, t, m).unwrap();
        assert_eq!(
            s("2026-11-23", "10:00", 300),
            ("2026-11-23".into(), "15:00".into())
        );
        assert_eq!(
            s("2026-11-30", "23:30", 45),
            ("2026-12-01".into(), "00:15".into())
        );
        assert_eq!(
            s("2027-01-01", "00:00", -15),
            ("2026-12-31".into(), "23:45".into())
        );
        assert_eq!(
            s("2028-02-28", "12:00", 1440),
            ("2028-02-29".into(), "12:00".into())
        );
        assert_eq!(
            s("2026-11-23", "10:00", -3 * 1440),
            ("2026-11-20".into(), "10:00".into())
        );
        assert_eq!(shift_local("23.11.2026", "10:00", 0), None);
        assert_eq!(shift_local("2026-11-23", "25:00", 0), None);
    }

    #[test]
    fn hhmm_pads() {
        assert_eq!(hhmm(545), "09:05");
    }
}
