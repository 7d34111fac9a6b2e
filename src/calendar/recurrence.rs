//! Recurrence (RFC 5545 §3.3.10 RRULE, §3.8.5.1 EXDATE, §3.8.4.4
//! RECURRENCE-ID): the rule as a domain type, and its expansion into
//! occurrences in the series' own IANA zone, so a meeting at 09:00 in
//! Moscow or Berlin stays at 09:00 local across daylight-saving changes.
//!
//! Instants are Unix milliseconds (UTC); wall-clock times are
//! `NaiveDateTime` in the series' zone.
//!
//! Expansion runs in two steps. The `rrule` crate walks the rule over
//! floating wall-clock time (it is given DTSTART as a zone-less local time,
//! so no offset can shift, drop or double a date); each wall-clock start
//! is then placed in the series' zone with [`zone::local_to_utc_ms`], the
//! same conversion a single meeting gets: a time in a spring-forward gap
//! moves forward by the gap, an ambiguous autumn time takes its first
//! instant. (Handing `rrule` the zone itself would drop an occurrence
//! whose time and whose local midnight both fall in a gap, as in Havana,
//! where clocks jump at 00:00.)
//!
//! DTSTART counts as an occurrence only when the rule produces it, as in
//! the `rrule` crate and python-dateutil; RFC 5545 §3.8.5.3 leaves a
//! DTSTART out of step with its rule undefined, and Convene's form always
//! writes rules in step with the start.

use crate::error::Invalid;
use crate::zone;
use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use std::fmt;

/// Most occurrences one call of [`expand`] returns.
pub const MAX_OCCURRENCES: usize = 5000;

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, Unix ms: the years an
/// RFC 5545 DATE-TIME can write (four digits).
const EARLIEST_MS: i64 = -62_135_596_800_000;
const LATEST_MS: i64 = 253_402_300_799_000;

const DAY_MS: i64 = 86_400_000;

/// Rule steps allowed beyond the results asked for: COUNT rules are walked
/// from DTSTART (at most 1000 steps) and other rules from the start of the
/// period before the window (at most one period, ≤ 366 steps, since every
/// supported rule yields at most one start per day).
const STEP_SLACK: usize = 2_000;

/// FREQ (RFC 5545 §3.3.10). Sub-daily frequencies are not offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    /// The RRULE value: `DAILY`, `WEEKLY`, `MONTHLY`, `YEARLY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
            Frequency::Yearly => "YEARLY",
        }
    }

    fn from_rrule(value: &str) -> Option<Frequency> {
        match value {
            "DAILY" => Some(Frequency::Daily),
            "WEEKLY" => Some(Frequency::Weekly),
            "MONTHLY" => Some(Frequency::Monthly),
            "YEARLY" => Some(Frequency::Yearly),
            _ => None,
        }
    }
}

/// One BYDAY entry: a weekday, optionally the nth of the month or year
/// (`2TU` = second Tuesday, `-1FR` = last Friday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WeekdayNum {
    /// `None` for every such weekday; else, in a valid [`Rule`], 1..=5 or
    /// -4..=-1 (monthly, and yearly with BYMONTH: nth of the month; -5 is
    /// beyond what the expansion supports) or ±1..=53 but not -53 (yearly
    /// without BYMONTH: nth of the year).
    pub nth: Option<i8>,
    pub weekday: Weekday,
}

impl WeekdayNum {
    /// Every `weekday` of the period (`MO`).
    pub fn every(weekday: Weekday) -> WeekdayNum {
        WeekdayNum { nth: None, weekday }
    }

    /// The `nth` `weekday` of the month or year, negative from its end
    /// (`-1FR`).
    pub fn nth(nth: i8, weekday: Weekday) -> WeekdayNum {
        WeekdayNum {
            nth: Some(nth),
            weekday,
        }
    }

    /// Canonical order: by weekday from Monday, then every-before-nth, then nth.
    fn sort_key(&self) -> (u32, Option<i8>) {
        (self.weekday.num_days_from_monday(), self.nth)
    }
}

impl fmt::Display for WeekdayNum {
    /// The BYDAY item: `MO`, `2TU`, `-1FR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.nth {
            write!(f, "{n}")?;
        }
        f.write_str(weekday_code(self.weekday))
    }
}

/// How a series ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleEnd {
    Never,
    /// COUNT: this many occurrences in all (1–1000), EXDATEs included.
    Count(u32),
    /// UNTIL: the last occurrence starts at or before this instant (Unix
    /// ms; RRULE text keeps whole seconds).
    Until(i64),
}

/// A parsed RRULE value, valid by construction (see [`Rule::parse`]).
///
/// Lists are kept sorted and without repeats (BYDAY by weekday from
/// Monday), so equal rules compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub freq: Frequency,
    /// INTERVAL, 1–999.
    pub interval: u16,
    /// BYDAY; empty = not given.
    pub by_day: Vec<WeekdayNum>,
    /// BYMONTHDAY, ±1..=31; empty = not given.
    pub by_month_day: Vec<i8>,
    /// BYMONTH, 1..=12; empty = not given.
    pub by_month: Vec<u8>,
    pub end: RuleEnd,
}

/// A single occurrence moved or renamed (a VEVENT with RECURRENCE-ID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The occurrence's original start (its RECURRENCE-ID), Unix ms.
    pub recurrence_id_ms: i64,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// A title for this occurrence only.
    pub title: Option<String>,
}

/// Everything needed to expand a series.
#[derive(Clone, Debug)]
pub struct Series<'a> {
    pub tz: Tz,
    /// DTSTART as local wall-clock time in `tz`.
    pub start_local: NaiveDateTime,
    /// Length of each occurrence, ms (> 0).
    pub duration_ms: i64,
    /// `None`: a single meeting.
    pub rule: Option<&'a Rule>,
    /// Original starts (Unix ms) of removed occurrences.
    pub exdates: &'a [i64],
    /// At most one per RECURRENCE-ID; of repeats, the first counts.
    pub overrides: &'a [Override],
}

/// One occurrence of a series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Original start (RECURRENCE-ID), Unix ms: identifies the occurrence
    /// even when it was moved.
    pub recurrence_id_ms: i64,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// Set when an override renamed this occurrence.
    pub title: Option<String>,
    /// Whether an override moved or renamed it.
    pub overridden: bool,
}

/// RRULE keys Convene reads; any other key makes the rule invalid.
const KNOWN_KEYS: [&str; 9] = [
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
];

impl Rule {
    /// Largest INTERVAL.
    pub const MAX_INTERVAL: u16 = 999;
    /// Largest COUNT.
    pub const MAX_COUNT: u32 = 1000;

    /// Every day/week/month/year (INTERVAL 1), no BY parts, no end. The
    /// day, weekday or date comes from the series' DTSTART (RFC 5545
    /// §3.3.10 defaults).
    pub fn new(freq: Frequency) -> Rule {
        Rule {
            freq,
            interval: 1,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            end: RuleEnd::Never,
        }
    }

    /// The rule every `interval` periods (1–999).
    ///
    /// # Errors
    /// [`Invalid::RepeatInvalid`].
    pub fn with_interval(mut self, interval: u16) -> Result<Rule, Invalid> {
        self.interval = interval;
        self.validate()?;
        Ok(self)
    }

    /// The rule on these BYDAY entries (sorted, repeats dropped).
    ///
    /// # Errors
    /// [`Invalid::RepeatInvalid`], e.g. for an nth entry in a daily or
    /// weekly rule.
    pub fn with_by_day(mut self, by_day: Vec<WeekdayNum>) -> Result<Rule, Invalid> {
        self.by_day = by_day;
        self.normalize();
        self.validate()?;
        Ok(self)
    }

    /// The rule on these days of the month (±1..=31; sorted, repeats
    /// dropped).
    ///
    /// # Errors
    /// [`Invalid::RepeatInvalid`], also for a weekly rule (RFC 5545 forbids
    /// BYMONTHDAY there) and for days no chosen month has.
    pub fn with_by_month_day(mut self, by_month_day: Vec<i8>) -> Result<Rule, Invalid> {
        self.by_month_day = by_month_day;
        self.normalize();
        self.validate()?;
        Ok(self)
    }

    /// The rule in these months (1..=12; sorted, repeats dropped).
    ///
    /// # Errors
    /// [`Invalid::RepeatInvalid`].
    pub fn with_by_month(mut self, by_month: Vec<u8>) -> Result<Rule, Invalid> {
        self.by_month = by_month;
        self.normalize();
        self.validate()?;
        Ok(self)
    }

    /// The rule ending as `end` says.
    ///
    /// # Errors
    /// [`Invalid::RepeatCountOutOfRange`] for a count outside 1–1000,
    /// [`Invalid::RepeatUntilInvalid`] for an instant outside years
    /// 0001–9999.
    pub fn with_end(mut self, end: RuleEnd) -> Result<Rule, Invalid> {
        self.end = end;
        self.validate()?;
        Ok(self)
    }

    /// Whether the fields make a rule Convene can expand (the checks of
    /// [`Rule::parse`]; lists may be in any order here).
    ///
    /// # Errors
    /// [`Invalid::RepeatInvalid`] for INTERVAL or a BY part out of range,
    /// an nth BYDAY outside monthly/yearly rules, BYMONTHDAY in a weekly
    /// rule, or BYMONTH/BYMONTHDAY that no date satisfies;
    /// [`Invalid::RepeatCountOutOfRange`]; [`Invalid::RepeatUntilInvalid`].
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=Self::MAX_INTERVAL).contains(&self.interval) {
            return Err(Invalid::RepeatInvalid);
        }
        if self.by_month.iter().any(|m| !(1..=12).contains(m)) {
            return Err(Invalid::RepeatInvalid);
        }
        if self
            .by_month_day
            .iter()
            .any(|d| *d == 0 || !(-31..=31).contains(d))
        {
            return Err(Invalid::RepeatInvalid);
        }
        if self.freq == Frequency::Weekly && !self.by_month_day.is_empty() {
            return Err(Invalid::RepeatInvalid);
        }
        if !self.by_month_day.is_empty() {
            let months: Vec<u8> = if self.by_month.is_empty() {
                (1..=12).collect()
            } else {
                self.by_month.clone()
            };
            let possible = self.by_month_day.iter().any(|d| {
                months
                    .iter()
                    .any(|m| d.unsigned_abs() <= longest_month_days(*m))
            });
            if !possible {
                return Err(Invalid::RepeatInvalid);
            }
        }
        for day in &self.by_day {
            if let Some(n) = day.nth {
                if !self.nth_allowed(n) {
                    return Err(Invalid::RepeatInvalid);
                }
            }
        }
        match self.end {
            RuleEnd::Never => {}
            RuleEnd::Count(n) => {
                if !(1..=Self::MAX_COUNT).contains(&n) {
                    return Err(Invalid::RepeatCountOutOfRange);
                }
            }
            RuleEnd::Until(ms) => {
                if !(EARLIEST_MS..=LATEST_MS + 999).contains(&ms) {
                    return Err(Invalid::RepeatUntilInvalid);
                }
            }
        }
        Ok(())
    }

    /// [`Rule::validate`], and that UNTIL is not before DTSTART (the series'
    /// `start_local` in `tz`).
    ///
    /// # Errors
    /// As [`Rule::validate`]; [`Invalid::RepeatUntilInvalid`] for an UNTIL
    /// before the start.
    pub fn validate_from(&self, tz: Tz, start_local: NaiveDateTime) -> Result<(), Invalid> {
        self.validate()?;
        match self.end {
            RuleEnd::Until(until) if until < zone::local_to_utc_ms(tz, start_local) => {
                Err(Invalid::RepeatUntilInvalid)
            }
            _ => Ok(()),
        }
    }

    /// Which nth prefixes BYDAY may carry in this rule (RFC 5545 §3.3.10:
    /// only in MONTHLY and YEARLY rules), within what `rrule` expands.
    fn nth_allowed(&self, n: i8) -> bool {
        match self.freq {
            Frequency::Daily | Frequency::Weekly => false,
            Frequency::Monthly => (-4..=5).contains(&n) && n != 0,
            Frequency::Yearly if !self.by_month.is_empty() => (-4..=5).contains(&n) && n != 0,
            Frequency::Yearly => (-52..=53).contains(&n) && n != 0,
        }
    }

    fn normalize(&mut self) {
        self.by_day.sort_by_key(WeekdayNum::sort_key);
        self.by_day.dedup();
        self.by_month_day.sort_unstable();
        self.by_month_day.dedup();
        self.by_month.sort_unstable();
        self.by_month.dedup();
    }

    /// Parses an RRULE value (RFC 5545 §3.3.10), with or without a leading
    /// `RRULE:`; keys and values in any case, keys in any order. A floating
    /// UNTIL (`YYYYMMDDTHHMMSS`, no `Z`) is read as UTC and a DATE UNTIL
    /// (`YYYYMMDD`) as the end of that day in UTC; [`Rule::parse_in`] reads
    /// both in the series' zone instead.
    ///
    /// Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL (1–999),
    /// COUNT (1–1000) or UNTIL, BYDAY (`MO`…`SU`, with ±n in monthly and
    /// yearly rules), BYMONTHDAY (±1..=31), BYMONTH (1..=12), WKST, and
    /// BYSETPOS=n with one plain BYDAY, as Outlook writes "the nth weekday"
    /// (`BYDAY=TU;BYSETPOS=2` is read as `BYDAY=2TU`).
    ///
    /// WKST is read and dropped: Convene's weeks start on Monday. It
    /// changes dates only in a WEEKLY rule with INTERVAL > 1 whose BYDAY
    /// days lie on both sides of the WKST day; such a rule is rejected
    /// rather than moved.
    ///
    /// # Errors
    /// [`Invalid::RepeatCountOutOfRange`] for a COUNT outside 1–1000;
    /// [`Invalid::RepeatUntilInvalid`] for an UNTIL that is not a DATE or
    /// DATE-TIME in years 0001–9999; [`Invalid::RepeatInvalid`] for
    /// anything else Convene does not expand: no FREQ, sub-daily FREQ,
    /// other keys (BYHOUR, BYWEEKNO, BYYEARDAY…), repeated keys, values out
    /// of range, COUNT with UNTIL, other uses of BYSETPOS.
    pub fn parse(value: &str) -> Result<Rule, Invalid> {
        Rule::parse_in(value, Tz::UTC)
    }

    /// [`Rule::parse`], reading a floating or DATE UNTIL in `tz` (the
    /// series' zone): `UNTIL=20261231` ends at 2026-12-31 23:59:59 local.
    ///
    /// # Errors
    /// As [`Rule::parse`].
    pub fn parse_in(value: &str, tz: Tz) -> Result<Rule, Invalid> {
        let upper = value.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("RRULE:").unwrap_or(&upper);
        let mut parts: Vec<(&str, &str)> = Vec::new();
        for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or(Invalid::RepeatInvalid)?;
            let (key, value) = (key.trim(), value.trim());
            if !KNOWN_KEYS.contains(&key) || parts.iter().any(|(seen, _)| *seen == key) {
                return Err(Invalid::RepeatInvalid);
            }
            parts.push((key, value));
        }
        let get = |key: &str| parts.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let freq = get("FREQ")
            .and_then(Frequency::from_rrule)
            .ok_or(Invalid::RepeatInvalid)?;
        if get("COUNT").is_some() && get("UNTIL").is_some() {
            return Err(Invalid::RepeatInvalid);
        }
        let interval = match get("INTERVAL") {
            None => 1,
            Some(v) => v.parse::<u16>().map_err(|_| Invalid::RepeatInvalid)?,
        };
        let by_month = match get("BYMONTH") {
            None => Vec::new(),
            Some(v) => parse_list(v, |s| s.parse::<u8>().ok())?,
        };
        let by_month_day = match get("BYMONTHDAY") {
            None => Vec::new(),
            Some(v) => parse_list(v, |s| s.parse::<i8>().ok())?,
        };
        let mut by_day = match get("BYDAY") {
            None => Vec::new(),
            Some(v) => parse_list(v, parse_weekday_num)?,
        };
        let week_start = match get("WKST") {
            None => Weekday::Mon,
            Some(v) => parse_weekday(v).ok_or(Invalid::RepeatInvalid)?,
        };
        if let Some(v) = get("BYSETPOS") {
            let pos: i8 = v.parse().map_err(|_| Invalid::RepeatInvalid)?;
            let mut months = by_month.clone();
            months.sort_unstable();
            months.dedup();
            let single_month = freq == Frequency::Monthly || months.len() <= 1;
            // Only here is "the nth of the set" the same dates as "the nth
            // weekday": with several months in a yearly rule the set spans
            // them all.
            match by_day.as_slice() {
                [WeekdayNum { nth: None, weekday }]
                    if by_month_day.is_empty()
                        && single_month
                        && matches!(freq, Frequency::Monthly | Frequency::Yearly) =>
                {
                    by_day = vec![WeekdayNum::nth(pos, *weekday)];
                }
                _ => return Err(Invalid::RepeatInvalid),
            }
        }
        let end = match (get("COUNT"), get("UNTIL")) {
            (Some(v), _) => RuleEnd::Count(parse_count(v)?),
            (_, Some(v)) => RuleEnd::Until(parse_until(v, tz)?),
            (None, None) => RuleEnd::Never,
        };
        let mut rule = Rule {
            freq,
            interval,
            by_day,
            by_month_day,
            by_month,
            end,
        };
        rule.normalize();
        rule.validate()?;
        if freq == Frequency::Weekly && interval > 1 && week_start != Weekday::Mon {
            let split = week_start.num_days_from_monday();
            let before = rule
                .by_day
                .iter()
                .any(|d| d.weekday.num_days_from_monday() < split);
            let after = rule
                .by_day
                .iter()
                .any(|d| d.weekday.num_days_from_monday() >= split);
            if before && after {
                return Err(Invalid::RepeatInvalid);
            }
        }
        Ok(rule)
    }

    /// The canonical RRULE value, without the `RRULE:` prefix: keys FREQ,
    /// INTERVAL (left out when 1), BYMONTH, BYMONTHDAY, BYDAY, then COUNT
    /// or UNTIL (always UTC, `YYYYMMDDTHHMMSSZ`, whole seconds rounded
    /// down). `Rule::parse(&r.to_rrule()) == Ok(r)` for every valid `r`.
    pub fn to_rrule(&self) -> String {
        fn join<T: ToString>(items: &[T]) -> String {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
        let mut out = format!("FREQ={}", self.freq.as_str());
        if self.interval != 1 {
            out.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if !self.by_month.is_empty() {
            out.push_str(&format!(";BYMONTH={}", join(&self.by_month)));
        }
        if !self.by_month_day.is_empty() {
            out.push_str(&format!(";BYMONTHDAY={}", join(&self.by_month_day)));
        }
        if !self.by_day.is_empty() {
            out.push_str(&format!(";BYDAY={}", join(&self.by_day)));
        }
        match self.end {
            RuleEnd::Never => {}
            RuleEnd::Count(n) => out.push_str(&format!(";COUNT={n}")),
            RuleEnd::Until(ms) => out.push_str(&format!(";UNTIL={}", format_utc(ms))),
        }
        out
    }

    /// The same rule ended so that its last occurrence is the one before
    /// `recurrence_id_ms` (Unix ms): UNTIL one second before it (rounded
    /// down to a whole second), replacing COUNT or an earlier UNTIL. Used
    /// to split a series for "this and following"; the following part
    /// starts anew at `recurrence_id_ms`.
    pub fn ending_before(&self, recurrence_id_ms: i64) -> Rule {
        let until = recurrence_id_ms
            .saturating_sub(1000)
            .div_euclid(1000)
            .saturating_mul(1000);
        Rule {
            end: RuleEnd::Until(until),
            ..self.clone()
        }
    }
}

impl fmt::Display for Rule {
    /// [`Rule::to_rrule`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rrule())
    }
}

/// The occurrences of `series` that overlap `[from_ms, to_ms)` (Unix ms),
/// sorted by start, then by recurrence id; at most [`MAX_OCCURRENCES`]
/// (the earliest ones).
///
/// An occurrence starts at its rule's wall-clock time in `series.tz` and
/// lasts `series.duration_ms`. Occurrences whose original start is in
/// `series.exdates` are left out (RFC 5545 §3.8.5.1; COUNT still counts
/// them). An override (§3.8.4.4) replaces its occurrence's start, end and
/// title: it is listed when its new time overlaps the window, wherever the
/// original was. Overrides whose recurrence id is not an occurrence are
/// ignored.
///
/// The work is bounded by the window, not by the series' age: the rule is
/// walked from the start of the period just before the window.
pub fn expand(series: &Series<'_>, from_ms: i64, to_ms: i64) -> Vec<Occurrence> {
    let mut out = Vec::new();
    if from_ms >= to_ms {
        return out;
    }
    let reach = series.duration_ms.max(0);
    // Originals starting from here on may still be running at `from_ms`.
    let earliest_start = if reach > 0 {
        from_ms.saturating_sub(reach - 1)
    } else {
        from_ms
    };
    let cap = MAX_OCCURRENCES + series.exdates.len() + series.overrides.len();
    let originals = match series.rule {
        None => {
            let start = single_start_ms(series);
            if (earliest_start..to_ms).contains(&start) {
                vec![start]
            } else {
                Vec::new()
            }
        }
        Some(rule) => rule_starts(series, rule, earliest_start, to_ms, cap),
    };
    for start in originals {
        if series.exdates.contains(&start) || override_for(series, start).is_some() {
            continue;
        }
        out.push(plain_occurrence(series, start));
    }
    for (i, ov) in series.overrides.iter().enumerate() {
        let repeated = series.overrides[..i]
            .iter()
            .any(|o| o.recurrence_id_ms == ov.recurrence_id_ms);
        if repeated || !overlaps(ov.starts_at_ms, ov.ends_at_ms, from_ms, to_ms) {
            continue;
        }
        if series.exdates.contains(&ov.recurrence_id_ms)
            || !is_original(series, ov.recurrence_id_ms)
        {
            continue;
        }
        out.push(overridden_occurrence(ov));
    }
    out.sort_by_key(|o| (o.starts_at_ms, o.recurrence_id_ms));
    out.truncate(MAX_OCCURRENCES);
    out
}

/// The end (Unix ms) of the series' last occurrence, overrides included
/// (one moved past the last original start counts); `None` when the rule
/// has neither COUNT nor UNTIL (RFC 5545 §3.3.10). A single meeting ends at
/// its own end. A series with no occurrence left reports the end its
/// DTSTART would have.
pub fn last_end_ms(series: &Series<'_>) -> Option<i64> {
    let first_start = single_start_ms(series);
    let fallback = first_start.saturating_add(series.duration_ms);
    let Some(rule) = series.rule else {
        return Some(
            occurrence_at(series, first_start)
                .map(|o| o.ends_at_ms)
                .unwrap_or(fallback),
        );
    };
    let plain =
        |start: &i64| !series.exdates.contains(start) && override_for(series, *start).is_none();
    let last_plain_start = match rule.end {
        RuleEnd::Never => return None,
        RuleEnd::Count(n) => rule_starts(
            series,
            rule,
            first_start.saturating_sub(DAY_MS),
            LATEST_MS,
            n as usize,
        )
        .into_iter()
        .rev()
        .find(plain),
        RuleEnd::Until(until) => last_start_through(
            series,
            rule,
            until,
            first_start.saturating_sub(DAY_MS),
            plain,
        ),
    };
    let last_plain_end = last_plain_start.map(|s| s.saturating_add(series.duration_ms));
    let last_override_end = series
        .overrides
        .iter()
        .enumerate()
        .filter(|(i, ov)| {
            !series.overrides[..*i]
                .iter()
                .any(|o| o.recurrence_id_ms == ov.recurrence_id_ms)
        })
        .filter(|(_, ov)| {
            !series.exdates.contains(&ov.recurrence_id_ms)
                && is_original(series, ov.recurrence_id_ms)
        })
        .map(|(_, ov)| ov.ends_at_ms)
        .max();
    Some(last_plain_end.max(last_override_end).unwrap_or(fallback))
}

/// The occurrence whose original start (RECURRENCE-ID) is
/// `recurrence_id_ms` (Unix ms), with its override applied; `None` when the
/// series has no such occurrence or an EXDATE removed it.
pub fn occurrence_at(series: &Series<'_>, recurrence_id_ms: i64) -> Option<Occurrence> {
    if series.exdates.contains(&recurrence_id_ms) || !is_original(series, recurrence_id_ms) {
        return None;
    }
    Some(match override_for(series, recurrence_id_ms) {
        Some(ov) => overridden_occurrence(ov),
        None => plain_occurrence(series, recurrence_id_ms),
    })
}

fn single_start_ms(series: &Series<'_>) -> i64 {
    zone::local_to_utc_ms(series.tz, series.start_local)
}

fn override_for<'a>(series: &Series<'a>, recurrence_id_ms: i64) -> Option<&'a Override> {
    series
        .overrides
        .iter()
        .find(|o| o.recurrence_id_ms == recurrence_id_ms)
}

fn plain_occurrence(series: &Series<'_>, start: i64) -> Occurrence {
    Occurrence {
        recurrence_id_ms: start,
        starts_at_ms: start,
        ends_at_ms: start.saturating_add(series.duration_ms),
        title: None,
        overridden: false,
    }
}

fn overridden_occurrence(ov: &Override) -> Occurrence {
    Occurrence {
        recurrence_id_ms: ov.recurrence_id_ms,
        starts_at_ms: ov.starts_at_ms,
        ends_at_ms: ov.ends_at_ms,
        title: ov.title.clone(),
        overridden: true,
    }
}

/// Whether `[start, end)` meets `[from, to)`; an instant (`end <= start`)
/// meets it when it lies inside.
fn overlaps(start: i64, end: i64, from: i64, to: i64) -> bool {
    start < to && (end > from || start >= from)
}

/// Whether the rule (or the single meeting) has an occurrence originally
/// starting at `ms`, EXDATEs aside.
fn is_original(series: &Series<'_>, ms: i64) -> bool {
    match series.rule {
        None => ms == single_start_ms(series),
        Some(rule) => !rule_starts(series, rule, ms, ms.saturating_add(1), 1).is_empty(),
    }
}

/// The latest original start at or before `until` (and after `floor`)
/// that `keep` accepts, searching back in windows that double in length so
/// a sparse rule costs a few walks, not one per period.
fn last_start_through(
    series: &Series<'_>,
    rule: &Rule,
    until: i64,
    floor: i64,
    keep: impl Fn(&i64) -> bool,
) -> Option<i64> {
    // One window's walk is bounded by its length (at most one start per
    // day); this only guards the arithmetic of a window over millennia.
    const WINDOW_CAP: usize = 4_000_000;
    let mut hi = until.min(LATEST_MS).saturating_add(1);
    let mut span = 40 * DAY_MS;
    while hi > floor {
        let lo = hi.saturating_sub(span).max(floor);
        let found = rule_starts(series, rule, lo, hi, WINDOW_CAP)
            .into_iter()
            .rev()
            .find(|s| keep(s));
        if found.is_some() {
            return found;
        }
        hi = lo;
        span = span.saturating_mul(2);
    }
    None
}

/// The rule's original starts (Unix ms) in `[lo_ms, hi_ms)`, ascending, at
/// most `cap` (the earliest).
fn rule_starts(series: &Series<'_>, rule: &Rule, lo_ms: i64, hi_ms: i64, cap: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let lo_ms = lo_ms.max(EARLIEST_MS);
    let hi_ms = hi_ms.min(LATEST_MS.saturating_add(1));
    if lo_ms >= hi_ms || cap == 0 {
        return out;
    }
    let until = match rule.end {
        RuleEnd::Until(until) => Some(until),
        _ => None,
    };
    if until.is_some_and(|u| u < lo_ms) {
        return out;
    }
    let count = match rule.end {
        RuleEnd::Count(n) => Some(n as usize),
        _ => None,
    };
    let tz = series.tz;
    let start = series.start_local;
    // Wall-clock bounds with room for any offset change: a start in the
    // window lies within a day of the window's local ends.
    let margin = chrono::TimeDelta::days(2);
    let lo_local = zone::to_local(tz, lo_ms).naive_local();
    let lo_local = lo_local.checked_sub_signed(margin).unwrap_or(lo_local);
    let hi_local = zone::to_local(tz, hi_ms).naive_local();
    let hi_local = hi_local.checked_add_signed(margin).unwrap_or(hi_local);
    // COUNT has to be counted from DTSTART; it is at most 1000 steps.
    let anchor = if count.is_some() {
        start
    } else {
        period_start_before(rule, start, lo_local)
    };
    let Some(set) = rrule_set(rule, start, anchor) else {
        return out;
    };
    let steps = cap.saturating_add(STEP_SLACK);
    for (i, wall) in (&set).into_iter().enumerate() {
        if i >= steps || count.is_some_and(|c| i >= c) {
            break;
        }
        let wall = wall.naive_local();
        if wall > hi_local {
            break;
        }
        let ms = zone::local_to_utc_ms(tz, wall);
        if until.is_some_and(|u| ms > u) {
            break;
        }
        if ms < lo_ms || ms >= hi_ms {
            continue;
        }
        out.push(ms);
        if out.len() >= cap {
            break;
        }
    }
    out
}

/// The latest start of one of the rule's periods (INTERVAL days, weeks
/// from Monday, months, years, counted from DTSTART's) that is at or
/// before `target`, at DTSTART's time of day; DTSTART itself when that
/// period is DTSTART's own. Walking the rule from there yields the same
/// dates as from DTSTART, once the defaults DTSTART implies are spelled
/// out (see [`rrule_set`]).
fn period_start_before(rule: &Rule, start: NaiveDateTime, target: NaiveDateTime) -> NaiveDateTime {
    if target <= start {
        return start;
    }
    let interval = i64::from(rule.interval.max(1));
    let (from, to) = (start.date(), target.date());
    let period: Option<NaiveDate> = match rule.freq {
        Frequency::Daily => {
            let k = (to - from).num_days() / interval * interval;
            u64::try_from(k)
                .ok()
                .filter(|k| *k > 0)
                .and_then(|k| from.checked_add_days(Days::new(k)))
        }
        Frequency::Weekly => {
            let monday = |d: NaiveDate| {
                d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
            };
            monday(from).zip(monday(to)).and_then(|(m0, m1)| {
                let k = (m1 - m0).num_days() / 7 / interval * interval;
                u64::try_from(k)
                    .ok()
                    .filter(|k| *k > 0)
                    .and_then(|k| m0.checked_add_days(Days::new(k * 7)))
            })
        }
        Frequency::Monthly => {
            let months = i64::from(to.year() - from.year()) * 12 + i64::from(to.month0())
                - i64::from(from.month0());
            let k = months / interval * interval;
            u32::try_from(k)
                .ok()
                .filter(|k| *k > 0)
                .and_then(|k| from.with_day(1)?.checked_add_months(Months::new(k)))
        }
        Frequency::Yearly => {
            let k = i64::from(to.year() - from.year()) / interval * interval;
            i32::try_from(k)
                .ok()
                .filter(|k| *k > 0)
                .and_then(|k| NaiveDate::from_ymd_opt(from.year() + k, 1, 1))
        }
    };
    period.map_or(start, |d| d.and_time(start.time()))
}

/// The `rrule` set walking `rule` over floating wall-clock time from
/// `anchor`, with the BY parts DTSTART (`start`) implies written out (RFC
/// 5545 §3.3.10: the weekday, day or date of DTSTART) so that a later
/// anchor keeps them. `None` for a rule `rrule` refuses, which a rule that
/// passed [`Rule::validate`] is not.
fn rrule_set(rule: &Rule, start: NaiveDateTime, anchor: NaiveDateTime) -> Option<rrule::RRuleSet> {
    let mut by_day = rule.by_day.clone();
    let mut by_month_day = rule.by_month_day.clone();
    let mut by_month = rule.by_month.clone();
    let implied = by_day.is_empty() && by_month_day.is_empty();
    match rule.freq {
        Frequency::Daily => {}
        Frequency::Weekly => {
            if by_day.is_empty() {
                by_day.push(WeekdayNum::every(start.weekday()));
            }
        }
        Frequency::Monthly => {
            if implied {
                by_month_day.push(i8::try_from(start.day()).ok()?);
            }
        }
        Frequency::Yearly => {
            if implied {
                by_month_day.push(i8::try_from(start.day()).ok()?);
                if by_month.is_empty() {
                    by_month.push(u8::try_from(start.month()).ok()?);
                }
            }
        }
    }
    let freq = match rule.freq {
        Frequency::Daily => rrule::Frequency::Daily,
        Frequency::Weekly => rrule::Frequency::Weekly,
        Frequency::Monthly => rrule::Frequency::Monthly,
        Frequency::Yearly => rrule::Frequency::Yearly,
    };
    let months: Option<Vec<chrono::Month>> = by_month
        .iter()
        .map(|m| chrono::Month::try_from(*m).ok())
        .collect();
    let mut r = rrule::RRule::new(freq)
        .interval(rule.interval)
        .week_start(Weekday::Mon);
    if !by_day.is_empty() {
        r = r.by_weekday(
            by_day
                .iter()
                .map(|d| match d.nth {
                    None => rrule::NWeekday::Every(d.weekday),
                    Some(n) => rrule::NWeekday::Nth(i16::from(n), d.weekday),
                })
                .collect(),
        );
    }
    if !by_month_day.is_empty() {
        r = r.by_month_day(by_month_day);
    }
    if !by_month.is_empty() {
        r = r.by_month(&months?);
    }
    // Floating time: the zone is applied per occurrence afterwards.
    let dt_start = rrule::Tz::UTC.from_utc_datetime(&anchor);
    match r.build(dt_start) {
        // `limit` makes `rrule` give up on a rule that stops matching
        // instead of searching forever.
        Ok(set) => Some(set.limit()),
        Err(err) => {
            tracing::warn!(rule = %rule, %err, "recurrence rule not expandable");
            None
        }
    }
}

fn longest_month_days(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const WEEKDAY_CODES: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn weekday_code(weekday: Weekday) -> &'static str {
    WEEKDAY_CODES
        .iter()
        .find(|(_, d)| *d == weekday)
        .map_or("MO", |(code, _)| code)
}

fn parse_weekday(code: &str) -> Option<Weekday> {
    WEEKDAY_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, d)| *d)
}

/// `MO`, `+2TU`, `-1FR`.
fn parse_weekday_num(item: &str) -> Option<WeekdayNum> {
    if !item.is_ascii() || item.len() < 2 {
        return None;
    }
    let (prefix, code) = item.split_at(item.len() - 2);
    let weekday = parse_weekday(code)?;
    if prefix.is_empty() {
        return Some(WeekdayNum::every(weekday));
    }
    let digits = prefix.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i8 = prefix.parse().ok()?;
    (n != 0).then_some(WeekdayNum::nth(n, weekday))
}

/// A comma-separated list, every item read by `item`; empty items and
/// empty lists are invalid.
fn parse_list<T>(value: &str, item: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, Invalid> {
    value
        .split(',')
        .map(|s| item(s.trim()).ok_or(Invalid::RepeatInvalid))
        .collect()
}

/// COUNT: a number outside 1–1000 is out of range; not a number is invalid.
fn parse_count(value: &str) -> Result<u32, Invalid> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::RepeatInvalid);
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=Rule::MAX_COUNT).contains(n))
        .ok_or(Invalid::RepeatCountOutOfRange)
}

/// UNTIL as DATE (`YYYYMMDD`: through the end of that day in `tz`),
/// DATE-TIME in UTC (`YYYYMMDDTHHMMSSZ`) or floating DATE-TIME
/// (`YYYYMMDDTHHMMSS`, local in `tz`); Unix ms.
fn parse_until(value: &str, tz: Tz) -> Result<i64, Invalid> {
    let bad = Invalid::RepeatUntilInvalid;
    let b = value.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<u32, Invalid> {
        let part = b.get(range).ok_or(bad)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(bad);
        }
        Ok(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(num(0..4)?).map_err(|_| bad)?;
    let date = NaiveDate::from_ymd_opt(year, num(4..6)?, num(6..8)?).ok_or(bad)?;
    let ms = match b.len() {
        8 => {
            let next = date.succ_opt().ok_or(bad)?;
            zone::start_of_day_ms(tz, next) - 1000
        }
        15 | 16 if b[8] == b'T' => {
            let time =
                NaiveTime::from_hms_opt(num(9..11)?, num(11..13)?, num(13..15)?).ok_or(bad)?;
            let local = date.and_time(time);
            match b.get(15) {
                None => zone::local_to_utc_ms(tz, local),
                Some(b'Z') => local.and_utc().timestamp_millis(),
                Some(_) => return Err(bad),
            }
        }
        _ => return Err(bad),
    };
    if (EARLIEST_MS..=LATEST_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(bad)
    }
}

/// `YYYYMMDDTHHMMSSZ`, whole seconds rounded down, clamped to years
/// 0001–9999.
fn format_utc(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms.clamp(EARLIEST_MS, LATEST_MS)) {
        Some(t) => t.format("%Y%m%dT%H%M%SZ").to_string(),
        None => "99991231T235959Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// A UTC wall-clock time as Unix ms.
    fn utc(s: &str) -> i64 {
        local(s).and_utc().timestamp_millis()
    }

    fn rule(s: &str) -> Rule {
        Rule::parse(s).unwrap()
    }

    fn series<'a>(tz: Tz, start: &str, rule: Option<&'a Rule>) -> Series<'a> {
        Series {
            tz,
            start_local: local(start),
            duration_ms: 30 * MIN,
            rule,
            exdates: &[],
            overrides: &[],
        }
    }

    fn fmt(tz: Tz, ms: i64) -> String {
        zone::to_local(tz, ms).format("%Y-%m-%d %H:%M").to_string()
    }

    /// Starts in the series' zone, for a window given in that zone.
    fn local_starts(s: &Series<'_>, from: &str, to: &str) -> Vec<String> {
        let from = zone::local_to_utc_ms(s.tz, local(from));
        let to = zone::local_to_utc_ms(s.tz, local(to));
        expand(s, from, to)
            .iter()
            .map(|o| fmt(s.tz, o.starts_at_ms))
            .collect()
    }

    /// Starts in UTC, for a window given in the series' zone.
    fn utc_starts(s: &Series<'_>, from: &str, to: &str) -> Vec<String> {
        let from = zone::local_to_utc_ms(s.tz, local(from));
        let to = zone::local_to_utc_ms(s.tz, local(to));
        expand(s, from, to)
            .iter()
            .map(|o| fmt(Tz::UTC, o.starts_at_ms))
            .collect()
    }

    // ---- parsing and formatting ----

    #[test]
    fn parses_with_or_without_prefix_in_any_case_and_order() {
        let expected = Rule {
            freq: Frequency::Weekly,
            interval: 2,
            by_day: vec![
                WeekdayNum::every(Weekday::Mon),
                WeekdayNum::every(Weekday::Wed),
            ],
            by_month_day: vec![],
            by_month: vec![],
            end: RuleEnd::Count(10),
        };
        for text in [
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
            "rrule:count=10;byday=we,mo;interval=2;freq=weekly",
            " FREQ=WEEKLY; INTERVAL=2 ;BYDAY=MO,WE;COUNT=10; ",
        ] {
            assert_eq!(Rule::parse(text), Ok(expected.clone()), "{text}");
        }
    }

    #[test]
    fn formats_canonically_in_key_order() {
        let r = rule("COUNT=10;BYDAY=-1FR,MO;BYMONTHDAY=1,-1;BYMONTH=6,1;INTERVAL=3;FREQ=MONTHLY");
        assert_eq!(
            r.to_rrule(),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTH=1,6;BYMONTHDAY=-1,1;BYDAY=MO,-1FR;COUNT=10"
        );
        assert_eq!(rule("FREQ=DAILY;INTERVAL=1").to_rrule(), "FREQ=DAILY");
        assert_eq!(
            rule("FREQ=YEARLY;BYMONTH=11;BYDAY=+4TH;UNTIL=20301231").to_rrule(),
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;UNTIL=20301231T235959Z"
        );
    }

    #[test]
    fn display_is_the_rrule_value() {
        let r = rule("FREQ=WEEKLY;BYDAY=FR,MO;UNTIL=20261231T090000Z");
        assert_eq!(r.to_string(), r.to_rrule());
        assert_eq!(
            r.to_string(),
            "FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20261231T090000Z"
        );
    }

    #[test]
    fn until_date_means_the_end_of_that_day() {
        let r = rule("FREQ=DAILY;UNTIL=20261231");
        assert_eq!(r.end, RuleEnd::Until(utc("2026-12-31 23:59") + 59_000));
        let berlin = Rule::parse_in("FREQ=DAILY;UNTIL=20261231", Tz::Europe__Berlin).unwrap();
        assert_eq!(berlin.end, RuleEnd::Until(utc("2026-12-31 22:59") + 59_000));
    }

    #[test]
    fn floating_until_is_utc_unless_a_zone_is_given() {
        let floating = "FREQ=DAILY;UNTIL=20261231T090000";
        assert_eq!(rule(floating).end, RuleEnd::Until(utc("2026-12-31 09:00")));
        let moscow = Rule::parse_in(floating, Tz::Europe__Moscow).unwrap();
        assert_eq!(moscow.end, RuleEnd::Until(utc("2026-12-31 06:00")));
        let z = "FREQ=DAILY;UNTIL=20261231T090000Z";
        assert_eq!(
            Rule::parse_in(z, Tz::Europe__Moscow).unwrap().end,
            RuleEnd::Until(utc("2026-12-31 09:00"))
        );
    }

    #[test]
    fn outlook_bysetpos_becomes_the_nth_weekday() {
        assert_eq!(
            rule("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"),
            rule("FREQ=MONTHLY;BYDAY=2TU")
        );
        assert_eq!(
            rule("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR;INTERVAL=1"),
            rule("FREQ=MONTHLY;BYDAY=-1FR")
        );
        assert_eq!(
            rule("FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=4"),
            rule("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH")
        );
        for other in [
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=MONTHLY;BYDAY=2TU;BYSETPOS=1",
            "FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=TU;BYSETPOS=1",
            "FREQ=MONTHLY;BYSETPOS=1",
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,2",
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=0",
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=6",
            "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=1",
            "FREQ=YEARLY;BYMONTH=3,6;BYDAY=TU;BYSETPOS=2",
        ] {
            assert_eq!(Rule::parse(other), Err(Invalid::RepeatInvalid), "{other}");
        }
    }

    #[test]
    fn wkst_is_accepted_and_rejected_only_where_it_would_move_dates() {
        let with = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=SU");
        assert_eq!(with, rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"));
        assert!(Rule::parse("FREQ=WEEKLY;BYDAY=SU,MO;WKST=SU").is_ok());
        assert!(Rule::parse("FREQ=MONTHLY;WKST=SU").is_ok());
        assert!(Rule::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=SA").is_ok());
        assert_eq!(
            Rule::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=SU"),
            Err(Invalid::RepeatInvalid)
        );
        assert_eq!(
            Rule::parse("FREQ=WEEKLY;WKST=XX"),
            Err(Invalid::RepeatInvalid)
        );
    }

    #[test]
    fn rejects_what_convene_does_not_expand() {
        for text in [
            "",
            "RRULE:",
            "FREQ",
            "INTERVAL=2",
            "FREQ=HOURLY",
            "FREQ=MINUTELY",
            "FREQ=SECONDLY",
            "FREQ=FORTNIGHTLY",
            "FREQ=DAILY;FREQ=WEEKLY",
            "FREQ=DAILY;BYHOUR=9",
            "FREQ=DAILY;BYMINUTE=0",
            "FREQ=DAILY;BYSECOND=0",
            "FREQ=YEARLY;BYWEEKNO=1",
            "FREQ=YEARLY;BYYEARDAY=1",
            "FREQ=DAILY;X-NAME=1",
            "FREQ=DAILY;COUNT=2;UNTIL=20261231",
            "FREQ=DAILY;INTERVAL=0",
            "FREQ=DAILY;INTERVAL=1000",
            "FREQ=DAILY;INTERVAL=two",
            "FREQ=WEEKLY;BYDAY=2MO",
            "FREQ=DAILY;BYDAY=-1FR",
            "FREQ=MONTHLY;BYDAY=6MO",
            "FREQ=MONTHLY;BYDAY=-5MO",
            "FREQ=MONTHLY;BYDAY=0MO",
            "FREQ=MONTHLY;BYDAY=+MO",
            "FREQ=MONTHLY;BYDAY=XX",
            "FREQ=MONTHLY;BYDAY=",
            "FREQ=MONTHLY;BYDAY=MO,",
            "FREQ=YEARLY;BYDAY=54MO",
            "FREQ=YEARLY;BYMONTH=3;BYDAY=6MO",
            "FREQ=MONTHLY;BYMONTHDAY=0",
            "FREQ=MONTHLY;BYMONTHDAY=32",
            "FREQ=MONTHLY;BYMONTHDAY=-32",
            "FREQ=WEEKLY;BYMONTHDAY=1",
            "FREQ=YEARLY;BYMONTH=13",
            "FREQ=YEARLY;BYMONTH=0",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=YEARLY;BYMONTH=4,6;BYMONTHDAY=31,-31",
            "FREQ=DAILY;COUNT=ten",
        ] {
            assert_eq!(Rule::parse(text), Err(Invalid::RepeatInvalid), "{text}");
        }
    }

    #[test]
    fn rejects_count_outside_1_to_1000() {
        for count in ["0", "1001", "-1", "99999999999999999999"] {
            let text = format!("FREQ=DAILY;COUNT={count}");
            assert_eq!(
                Rule::parse(&text),
                Err(Invalid::RepeatCountOutOfRange),
                "{text}"
            );
        }
        assert_eq!(rule("FREQ=DAILY;COUNT=1000").end, RuleEnd::Count(1000));
        assert_eq!(rule("FREQ=DAILY;COUNT=1").end, RuleEnd::Count(1));
    }

    #[test]
    fn rejects_malformed_until() {
        for until in [
            "2026",
            "20261301",
            "20260230",
            "2026-12-31",
            "20261231T250000Z",
            "20261231T0900",
            "20261231T090000+0300",
            "20261231X090000Z",
            "20261231T090000ZZ",
            "00001231",
            "tomorrow",
            "",
        ] {
            let text = format!("FREQ=DAILY;UNTIL={until}");
            assert_eq!(
                Rule::parse(&text),
                Err(Invalid::RepeatUntilInvalid),
                "{text}"
            );
        }
    }

    #[test]
    fn builders_check_like_parse() {
        let r = Rule::new(Frequency::Weekly)
            .with_interval(2)
            .and_then(|r| {
                r.with_by_day(vec![
                    WeekdayNum::every(Weekday::Fri),
                    WeekdayNum::every(Weekday::Mon),
                    WeekdayNum::every(Weekday::Fri),
                ])
            })
            .and_then(|r| r.with_end(RuleEnd::Count(10)))
            .unwrap();
        assert_eq!(r, rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=10"));
        let monthly = Rule::new(Frequency::Monthly)
            .with_by_day(vec![WeekdayNum::nth(-1, Weekday::Fri)])
            .unwrap();
        assert_eq!(monthly.to_rrule(), "FREQ=MONTHLY;BYDAY=-1FR");
        let daily = || Rule::new(Frequency::Daily);
        assert_eq!(daily().with_interval(0), Err(Invalid::RepeatInvalid));
        assert_eq!(
            daily().with_by_day(vec![WeekdayNum::nth(1, Weekday::Mon)]),
            Err(Invalid::RepeatInvalid)
        );
        assert_eq!(daily().with_by_month(vec![13]), Err(Invalid::RepeatInvalid));
        assert_eq!(
            Rule::new(Frequency::Weekly).with_by_month_day(vec![1]),
            Err(Invalid::RepeatInvalid)
        );
        assert_eq!(
            daily().with_end(RuleEnd::Count(0)),
            Err(Invalid::RepeatCountOutOfRange)
        );
        assert_eq!(
            daily().with_end(RuleEnd::Until(i64::MAX)),
            Err(Invalid::RepeatUntilInvalid)
        );
    }

    #[test]
    fn until_before_the_start_is_rejected_for_that_start() {
        let r = rule("FREQ=DAILY;UNTIL=20261122T235959Z");
        let tz = Tz::Europe__Moscow;
        assert_eq!(
            r.validate_from(tz, local("2026-11-23 09:00")),
            Err(Invalid::RepeatUntilInvalid)
        );
        assert_eq!(r.validate_from(tz, local("2026-11-22 09:00")), Ok(()));
    }

    #[test]
    fn ending_before_stops_just_before_the_split() {
        let r = rule("FREQ=DAILY;COUNT=10");
        let split = utc("2026-11-26 09:00");
        let head = r.ending_before(split);
        assert_eq!(head.end, RuleEnd::Until(split - 1000));
        assert_eq!(head.to_rrule(), "FREQ=DAILY;UNTIL=20261126T085959Z");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&head));
        assert_eq!(
            local_starts(&s, "2026-11-01 00:00", "2027-01-01 00:00"),
            ["2026-11-23 09:00", "2026-11-24 09:00", "2026-11-25 09:00"]
        );
    }

    /// Valid rules with their lists in canonical order.
    fn valid_rule() -> impl Strategy<Value = Rule> {
        let freq = prop_oneof![
            Just(Frequency::Daily),
            Just(Frequency::Weekly),
            Just(Frequency::Monthly),
            Just(Frequency::Yearly),
        ];
        let end = prop_oneof![
            Just(RuleEnd::Never),
            (1u32..=1000).prop_map(RuleEnd::Count),
            (EARLIEST_MS / 1000..=LATEST_MS / 1000).prop_map(|s| RuleEnd::Until(s * 1000)),
        ];
        (
            freq,
            prop_oneof![Just(1u16), 1u16..=999],
            prop::collection::vec(1u8..=12, 0..3),
            prop::collection::vec(prop_oneof![-31i8..=-1, 1i8..=31], 0..3),
            prop::collection::vec((prop::option::of(1i8..=53), any::<bool>(), 0usize..7), 0..4),
            end,
        )
            .prop_filter_map(
                "days that no month has",
                |(freq, interval, by_month, mut by_month_day, days, end)| {
                    let by_day = days
                        .into_iter()
                        .map(|(n, negative, day)| {
                            let nth = match freq {
                                Frequency::Daily | Frequency::Weekly => None,
                                Frequency::Yearly if by_month.is_empty() => {
                                    n.map(|n| if negative { -n.min(52) } else { n })
                                }
                                _ => n.map(|n| {
                                    if negative {
                                        -((n - 1) % 4 + 1)
                                    } else {
                                        (n - 1) % 5 + 1
                                    }
                                }),
                            };
                            WeekdayNum {
                                nth,
                                weekday: WEEKDAY_CODES[day].1,
                            }
                        })
                        .collect();
                    if freq == Frequency::Weekly {
                        by_month_day.clear();
                    }
                    let mut rule = Rule {
                        freq,
                        interval,
                        by_day,
                        by_month_day,
                        by_month,
                        end,
                    };
                    rule.normalize();
                    rule.validate().ok().map(|()| rule)
                },
            )
    }

    proptest! {
        #[test]
        fn parsing_the_formatted_rule_gives_it_back(r in valid_rule()) {
            let text = r.to_rrule();
            prop_assert_eq!(Rule::parse(&text), Ok(r.clone()));
            let loose = format!("rrule:{}", text.to_lowercase());
            prop_assert_eq!(Rule::parse(&loose), Ok(r));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn walking_from_a_later_period_gives_the_starts_walking_from_dtstart_gives(
            r in valid_rule(),
            start_day in 0i64..3650,
            start_min in 0i64..1440,
            window_day in 0i64..20_000,
            window_days in 1i64..90,
        ) {
            let r = Rule { end: RuleEnd::Never, ..r };
            let start = local("2000-01-01 00:00")
                + chrono::TimeDelta::days(start_day)
                + chrono::TimeDelta::minutes(start_min);
            let s = Series {
                tz: Tz::Europe__Berlin,
                start_local: start,
                duration_ms: 30 * MIN,
                rule: Some(&r),
                exdates: &[],
                overrides: &[],
            };
            let from = utc("2000-01-01 00:00") + window_day * DAY_MS;
            let to = from + window_days * DAY_MS;
            let first = single_start_ms(&s) - DAY_MS;
            let walked: Vec<i64> = rule_starts(&s, &r, first, to, usize::MAX - STEP_SLACK)
                .into_iter()
                .filter(|ms| *ms >= from)
                .collect();
            prop_assert_eq!(rule_starts(&s, &r, from, to, MAX_OCCURRENCES), walked);
        }
    }

    // ---- expansion: known answers ----

    #[test]
    fn daily_repeats_every_day() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-11-20 00:00", "2026-11-26 00:00"),
            ["2026-11-23 09:00", "2026-11-24 09:00", "2026-11-25 09:00"]
        );
        let every_third = rule("FREQ=DAILY;INTERVAL=3");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&every_third));
        assert_eq!(
            local_starts(&s, "2026-11-23 00:00", "2026-12-01 00:00"),
            ["2026-11-23 09:00", "2026-11-26 09:00", "2026-11-29 09:00"]
        );
    }

    #[test]
    fn every_other_week_on_monday_wednesday_friday() {
        let r = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-11-23 00:00", "2026-12-14 00:00"),
            [
                "2026-11-23 09:00",
                "2026-11-25 09:00",
                "2026-11-27 09:00",
                "2026-12-07 09:00",
                "2026-12-09 09:00",
                "2026-12-11 09:00",
            ]
        );
    }

    #[test]
    fn weekly_without_byday_keeps_the_start_weekday() {
        let r = rule("FREQ=WEEKLY");
        let s = series(Tz::UTC, "2026-11-25 18:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-11-01 00:00", "2026-12-10 00:00"),
            ["2026-11-25 18:00", "2026-12-02 18:00", "2026-12-09 18:00"]
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_short_months() {
        let r = rule("FREQ=MONTHLY;BYMONTHDAY=31");
        let s = series(Tz::UTC, "2026-01-31 09:00", Some(&r));
        let days: Vec<String> = local_starts(&s, "2026-01-01 00:00", "2027-01-01 00:00");
        assert_eq!(
            days,
            [
                "2026-01-31 09:00",
                "2026-03-31 09:00",
                "2026-05-31 09:00",
                "2026-07-31 09:00",
                "2026-08-31 09:00",
                "2026-10-31 09:00",
                "2026-12-31 09:00",
            ]
        );
        let implied = rule("FREQ=MONTHLY");
        let s = series(Tz::UTC, "2026-01-31 09:00", Some(&implied));
        assert_eq!(
            local_starts(&s, "2026-01-01 00:00", "2027-01-01 00:00"),
            days
        );
    }

    #[test]
    fn monthly_second_tuesday_and_last_friday() {
        let second_tuesday = rule("FREQ=MONTHLY;BYDAY=2TU");
        let s = series(Tz::UTC, "2026-01-13 10:00", Some(&second_tuesday));
        assert_eq!(
            local_starts(&s, "2026-01-01 00:00", "2026-04-01 00:00"),
            ["2026-01-13 10:00", "2026-02-10 10:00", "2026-03-10 10:00"]
        );
        let last_friday = rule("FREQ=MONTHLY;BYDAY=-1FR");
        let s = series(Tz::UTC, "2026-01-30 16:00", Some(&last_friday));
        assert_eq!(
            local_starts(&s, "2026-01-01 00:00", "2026-04-01 00:00"),
            ["2026-01-30 16:00", "2026-02-27 16:00", "2026-03-27 16:00"]
        );
    }

    #[test]
    fn yearly_repeats_on_the_date_and_skips_missing_leap_days() {
        let r = rule("FREQ=YEARLY");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-01-01 00:00", "2029-01-01 00:00"),
            ["2026-11-23 09:00", "2027-11-23 09:00", "2028-11-23 09:00"]
        );
        let s = series(Tz::UTC, "2024-02-29 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2024-01-01 00:00", "2033-01-01 00:00"),
            ["2024-02-29 09:00", "2028-02-29 09:00", "2032-02-29 09:00"]
        );
        let thanksgiving = rule("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH");
        let s = series(Tz::UTC, "2026-11-26 12:00", Some(&thanksgiving));
        assert_eq!(
            local_starts(&s, "2026-01-01 00:00", "2029-01-01 00:00"),
            ["2026-11-26 12:00", "2027-11-25 12:00", "2028-11-23 12:00"]
        );
    }

    #[test]
    fn count_counts_occurrences_removed_by_exdate() {
        let r = rule("FREQ=DAILY;COUNT=3");
        let exdates = [utc("2026-11-24 09:00")];
        let s = Series {
            exdates: &exdates,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(
            local_starts(&s, "2026-11-01 00:00", "2027-01-01 00:00"),
            ["2026-11-23 09:00", "2026-11-25 09:00"]
        );
    }

    #[test]
    fn until_includes_an_occurrence_starting_exactly_then() {
        let r = rule("FREQ=DAILY;UNTIL=20261125T090000Z");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-11-01 00:00", "2027-01-01 00:00"),
            ["2026-11-23 09:00", "2026-11-24 09:00", "2026-11-25 09:00"]
        );
    }

    #[test]
    fn exdates_drop_occurrences() {
        let r = rule("FREQ=WEEKLY");
        let exdates = [utc("2026-11-30 09:00")];
        let s = Series {
            exdates: &exdates,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(
            local_starts(&s, "2026-11-01 00:00", "2026-12-10 00:00"),
            ["2026-11-23 09:00", "2026-12-07 09:00"]
        );
    }

    #[test]
    fn an_occurrence_already_running_at_the_window_start_is_included() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        let got = expand(&s, utc("2026-11-24 09:29"), utc("2026-11-24 09:31"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].starts_at_ms, utc("2026-11-24 09:00"));
        assert_eq!(got[0].ends_at_ms, utc("2026-11-24 09:30"));
        assert!(expand(&s, utc("2026-11-24 09:30"), utc("2026-11-25 09:00")).is_empty());
        assert!(expand(&s, utc("2026-11-25 09:00"), utc("2026-11-24 09:00")).is_empty());
    }

    #[test]
    fn an_override_moved_into_the_window_is_listed_with_its_title() {
        let r = rule("FREQ=WEEKLY");
        let overrides = [Override {
            recurrence_id_ms: utc("2026-12-07 09:00"),
            starts_at_ms: utc("2026-11-25 15:00"),
            ends_at_ms: utc("2026-11-25 16:00"),
            title: Some("Moved".into()),
        }];
        let s = Series {
            overrides: &overrides,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        let got = expand(&s, utc("2026-11-23 00:00"), utc("2026-11-30 00:00"));
        assert_eq!(
            got,
            [
                Occurrence {
                    recurrence_id_ms: utc("2026-11-23 09:00"),
                    starts_at_ms: utc("2026-11-23 09:00"),
                    ends_at_ms: utc("2026-11-23 09:30"),
                    title: None,
                    overridden: false,
                },
                Occurrence {
                    recurrence_id_ms: utc("2026-12-07 09:00"),
                    starts_at_ms: utc("2026-11-25 15:00"),
                    ends_at_ms: utc("2026-11-25 16:00"),
                    title: Some("Moved".into()),
                    overridden: true,
                },
            ]
        );
        // Its original week no longer shows it.
        assert!(expand(&s, utc("2026-12-07 00:00"), utc("2026-12-08 00:00")).is_empty());
    }

    #[test]
    fn an_override_moved_out_of_the_window_is_left_out() {
        let r = rule("FREQ=WEEKLY");
        let overrides = [Override {
            recurrence_id_ms: utc("2026-11-23 09:00"),
            starts_at_ms: utc("2026-12-20 09:00"),
            ends_at_ms: utc("2026-12-20 09:30"),
            title: None,
        }];
        let s = Series {
            overrides: &overrides,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert!(expand(&s, utc("2026-11-23 00:00"), utc("2026-11-30 00:00")).is_empty());
        let later = expand(&s, utc("2026-12-20 00:00"), utc("2026-12-21 00:00"));
        assert_eq!(later.len(), 1);
        assert!(later[0].overridden);
        assert_eq!(later[0].recurrence_id_ms, utc("2026-11-23 09:00"));
    }

    #[test]
    fn overrides_of_no_occurrence_or_of_an_excluded_one_are_ignored() {
        let r = rule("FREQ=WEEKLY");
        let overrides = [
            Override {
                recurrence_id_ms: utc("2026-11-24 09:00"),
                starts_at_ms: utc("2026-11-24 09:00"),
                ends_at_ms: utc("2026-11-24 10:00"),
                title: None,
            },
            Override {
                recurrence_id_ms: utc("2026-11-30 09:00"),
                starts_at_ms: utc("2026-11-26 09:00"),
                ends_at_ms: utc("2026-11-26 10:00"),
                title: None,
            },
        ];
        let exdates = [utc("2026-11-30 09:00")];
        let s = Series {
            overrides: &overrides,
            exdates: &exdates,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(
            local_starts(&s, "2026-11-23 00:00", "2026-12-01 00:00"),
            ["2026-11-23 09:00"]
        );
    }

    #[test]
    fn a_single_meeting_is_its_only_occurrence() {
        let s = series(Tz::Europe__Moscow, "2026-11-23 09:00", None);
        assert_eq!(
            utc_starts(&s, "2026-11-01 00:00", "2026-12-01 00:00"),
            ["2026-11-23 06:00"]
        );
        assert!(expand(&s, utc("2026-11-24 00:00"), utc("2026-11-25 00:00")).is_empty());
        assert_eq!(last_end_ms(&s), Some(utc("2026-11-23 06:30")));
        assert!(occurrence_at(&s, utc("2026-11-23 06:00")).is_some());
        assert_eq!(occurrence_at(&s, utc("2026-11-24 06:00")), None);
    }

    // ---- expansion across zones ----

    #[test]
    fn moscow_weekly_stays_at_utc_plus_three_all_year() {
        let r = rule("FREQ=WEEKLY");
        let s = series(Tz::Europe__Moscow, "2026-01-05 09:00", Some(&r));
        let got = expand(&s, utc("2026-01-01 00:00"), utc("2027-01-01 00:00"));
        assert_eq!(got.len(), 52);
        for o in got {
            assert_eq!(fmt(Tz::UTC, o.starts_at_ms)[11..], *"06:00");
            assert_eq!(fmt(Tz::Europe__Moscow, o.starts_at_ms)[11..], *"09:00");
        }
    }

    #[test]
    fn berlin_weekly_keeps_nine_local_across_both_clock_changes() {
        let r = rule("FREQ=WEEKLY");
        let s = series(Tz::Europe__Berlin, "2026-03-22 09:00", Some(&r));
        assert_eq!(
            utc_starts(&s, "2026-03-20 00:00", "2026-04-01 00:00"),
            ["2026-03-22 08:00", "2026-03-29 07:00"]
        );
        assert_eq!(
            utc_starts(&s, "2026-10-17 00:00", "2026-11-02 00:00"),
            ["2026-10-18 07:00", "2026-10-25 08:00", "2026-11-01 08:00"]
        );
        assert_eq!(
            local_starts(&s, "2026-10-17 00:00", "2026-11-02 00:00"),
            ["2026-10-18 09:00", "2026-10-25 09:00", "2026-11-01 09:00"]
        );
    }

    #[test]
    fn new_york_weekly_keeps_nine_local_across_both_clock_changes() {
        let r = rule("FREQ=WEEKLY");
        let s = series(Tz::America__New_York, "2026-03-01 09:00", Some(&r));
        assert_eq!(
            utc_starts(&s, "2026-03-01 00:00", "2026-03-10 00:00"),
            ["2026-03-01 14:00", "2026-03-08 13:00"]
        );
        assert_eq!(
            utc_starts(&s, "2026-10-25 00:00", "2026-11-03 00:00"),
            ["2026-10-25 13:00", "2026-11-01 14:00"]
        );
        assert_eq!(
            local_starts(&s, "2026-10-25 00:00", "2026-11-03 00:00"),
            ["2026-10-25 09:00", "2026-11-01 09:00"]
        );
    }

    #[test]
    fn almaty_keeps_nine_local_when_its_offset_drops_to_plus_five() {
        // tzdata 2024a: Asia/Almaty left +06 for +05 on 2024-03-01 00:00.
        let r = rule("FREQ=WEEKLY");
        let s = series(Tz::Asia__Almaty, "2024-02-22 09:00", Some(&r));
        assert_eq!(
            utc_starts(&s, "2024-02-20 00:00", "2024-03-10 00:00"),
            ["2024-02-22 03:00", "2024-02-29 03:00", "2024-03-07 04:00"]
        );
        assert_eq!(
            local_starts(&s, "2024-02-20 00:00", "2024-03-10 00:00"),
            ["2024-02-22 09:00", "2024-02-29 09:00", "2024-03-07 09:00"]
        );
    }

    #[test]
    fn berlin_daily_at_0230_moves_to_0330_on_the_spring_forward_day_only() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::Europe__Berlin, "2026-03-27 02:30", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-03-27 00:00", "2026-03-31 00:00"),
            [
                "2026-03-27 02:30",
                "2026-03-28 02:30",
                "2026-03-29 03:30",
                "2026-03-30 02:30",
            ]
        );
    }

    #[test]
    fn an_ambiguous_autumn_time_takes_its_first_instant() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::Europe__Berlin, "2026-10-24 02:30", Some(&r));
        assert_eq!(
            utc_starts(&s, "2026-10-24 00:00", "2026-10-27 00:00"),
            ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"]
        );
    }

    #[test]
    fn a_time_in_a_gap_at_midnight_moves_forward_instead_of_vanishing() {
        // Havana springs forward at 00:00: 2026-03-08 00:30 does not exist,
        // and neither does that day's midnight.
        let r = rule("FREQ=DAILY");
        let s = series(Tz::America__Havana, "2026-03-07 00:30", Some(&r));
        assert_eq!(
            local_starts(&s, "2026-03-06 12:00", "2026-03-09 12:00"),
            ["2026-03-07 00:30", "2026-03-08 01:30", "2026-03-09 00:30"]
        );
    }

    // ---- bounded work ----

    #[test]
    fn a_week_decades_after_the_start_gives_seven_days() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::Europe__Berlin, "2000-01-01 09:00", Some(&r));
        assert_eq!(
            local_starts(&s, "2030-01-07 00:00", "2030-01-14 00:00"),
            [
                "2030-01-07 09:00",
                "2030-01-08 09:00",
                "2030-01-09 09:00",
                "2030-01-10 09:00",
                "2030-01-11 09:00",
                "2030-01-12 09:00",
                "2030-01-13 09:00",
            ]
        );
        let weekly = rule("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU");
        let s = series(Tz::UTC, "1970-01-06 09:00", Some(&weekly));
        assert_eq!(
            local_starts(&s, "9000-01-01 00:00", "9000-03-01 00:00"),
            ["9000-01-21 09:00", "9000-02-11 09:00"]
        );
    }

    #[test]
    fn results_are_capped_at_the_earliest_max_occurrences() {
        let r = rule("FREQ=DAILY");
        let s = series(Tz::UTC, "2000-01-01 09:00", Some(&r));
        let got = expand(&s, i64::MIN, i64::MAX);
        assert_eq!(got.len(), MAX_OCCURRENCES);
        assert_eq!(got[0].starts_at_ms, utc("2000-01-01 09:00"));
        assert_eq!(
            got[MAX_OCCURRENCES - 1].starts_at_ms,
            utc("2013-09-08 09:00")
        );
    }

    #[test]
    fn a_rule_that_never_matches_ends_instead_of_searching_forever() {
        // Every fourth year from 2001 is never a leap year.
        let r = rule("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;UNTIL=90000101");
        let s = series(Tz::UTC, "2001-03-01 09:00", Some(&r));
        assert!(expand(&s, utc("2001-01-01 00:00"), utc("2101-01-01 00:00")).is_empty());
        assert_eq!(last_end_ms(&s), Some(utc("2001-03-01 09:30")));
        // Fields set around the checks of `Rule::parse`.
        let impossible = Rule {
            by_month: vec![2],
            by_month_day: vec![30],
            ..Rule::new(Frequency::Yearly)
        };
        let s = series(Tz::UTC, "2001-03-01 09:00", Some(&impossible));
        assert!(expand(&s, i64::MIN, i64::MAX).is_empty());
        let zero = Rule {
            interval: 0,
            ..Rule::new(Frequency::Daily)
        };
        let s = series(Tz::UTC, "2001-03-01 09:00", Some(&zero));
        assert!(expand(&s, i64::MIN, i64::MAX).len() <= 1);
    }

    // ---- last end and single occurrences ----

    #[test]
    fn a_series_without_end_has_no_last_end() {
        let r = rule("FREQ=WEEKLY");
        assert_eq!(
            last_end_ms(&series(Tz::UTC, "2026-11-23 09:00", Some(&r))),
            None
        );
    }

    #[test]
    fn last_end_follows_count_exdates_and_overrides() {
        let r = rule("FREQ=DAILY;COUNT=3");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&r));
        assert_eq!(last_end_ms(&s), Some(utc("2026-11-25 09:30")));

        let exdates = [utc("2026-11-25 09:00")];
        let s = Series {
            exdates: &exdates,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(last_end_ms(&s), Some(utc("2026-11-24 09:30")));

        let later = [Override {
            recurrence_id_ms: utc("2026-11-23 09:00"),
            starts_at_ms: utc("2026-12-01 10:00"),
            ends_at_ms: utc("2026-12-01 11:00"),
            title: None,
        }];
        let s = Series {
            overrides: &later,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(last_end_ms(&s), Some(utc("2026-12-01 11:00")));

        let earlier = [Override {
            recurrence_id_ms: utc("2026-11-25 09:00"),
            starts_at_ms: utc("2026-11-20 10:00"),
            ends_at_ms: utc("2026-11-20 11:00"),
            title: None,
        }];
        let s = Series {
            overrides: &earlier,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        assert_eq!(last_end_ms(&s), Some(utc("2026-11-24 09:30")));
    }

    #[test]
    fn last_end_of_an_until_rule_is_found_far_from_the_until() {
        let daily = rule("FREQ=DAILY;UNTIL=20261130T235959Z");
        let s = series(Tz::Europe__Moscow, "2026-11-23 09:00", Some(&daily));
        assert_eq!(last_end_ms(&s), Some(utc("2026-11-30 06:30")));
        let yearly = rule("FREQ=YEARLY;INTERVAL=7;UNTIL=20990101T000000Z");
        let s = series(Tz::UTC, "2026-11-23 09:00", Some(&yearly));
        assert_eq!(last_end_ms(&s), Some(utc("2096-11-23 09:30")));
    }

    #[test]
    fn occurrence_at_knows_originals_exdates_and_overrides() {
        let r = rule("FREQ=WEEKLY;BYDAY=MO");
        let exdates = [utc("2026-11-30 09:00")];
        let overrides = [Override {
            recurrence_id_ms: utc("2026-12-07 09:00"),
            starts_at_ms: utc("2026-12-08 09:00"),
            ends_at_ms: utc("2026-12-08 09:30"),
            title: Some("Tuesday this time".into()),
        }];
        let s = Series {
            exdates: &exdates,
            overrides: &overrides,
            ..series(Tz::UTC, "2026-11-23 09:00", Some(&r))
        };
        let plain = occurrence_at(&s, utc("2026-11-23 09:00")).unwrap();
        assert!(!plain.overridden);
        assert_eq!(plain.ends_at_ms, utc("2026-11-23 09:30"));
        assert_eq!(occurrence_at(&s, utc("2026-11-24 09:00")), None);
        assert_eq!(occurrence_at(&s, utc("2026-11-23 09:01")), None);
        assert_eq!(occurrence_at(&s, utc("2026-11-16 09:00")), None);
        assert_eq!(occurrence_at(&s, utc("2026-11-30 09:00")), None);
        let moved = occurrence_at(&s, utc("2026-12-07 09:00")).unwrap();
        assert!(moved.overridden);
        assert_eq!(moved.starts_at_ms, utc("2026-12-08 09:00"));
        assert_eq!(moved.title.as_deref(), Some("Tuesday this time"));
        let far = occurrence_at(&s, utc("2040-01-02 09:00"));
        assert!(far.is_some(), "2040-01-02 is a Monday");
    }
}
