//! iCalendar (RFC 5545) out and in: VCALENDAR documents for downloads,
//! private feeds and invitation mails (RFC 5546 METHOD:REQUEST / CANCEL),
//! and the import of `.ics` files.
//!
//! Writing uses a small writer of its own rather than the `icalendar`
//! crate's builder: Convene needs exact control over parameter quoting,
//! TEXT escaping (§3.3.11), folding at 75 octets on UTF-8 boundaries
//! (§3.1), CRLF endings and one VTIMEZONE per TZID (§3.6.5). Reading uses
//! the `icalendar` crate's parser for the content-line grammar and does the
//! interpretation (times, zones, recurrence) here.
//!
//! Instants are Unix milliseconds (UTC); wall-clock times are
//! `NaiveDateTime` in the event's IANA zone.

use super::recurrence::{self, Override, Rule, RuleEnd, Series};
use crate::error::Invalid;
use crate::zone;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::parser::{Component, Property};
use std::collections::BTreeMap;

pub use super::PartStat;

/// ATTENDEE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub email: String,
    pub name: Option<String>,
    pub partstat: PartStat,
}

/// One series (or single meeting) as a VEVENT, plus one VEVENT per override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcsEvent {
    /// UID, stable across updates.
    pub uid: String,
    /// SEQUENCE: bumped on every change that attendees must see.
    pub sequence: u32,
    /// DTSTAMP, Unix ms.
    pub stamp_ms: i64,
    pub title: String,
    pub description: String,
    /// URL of the meeting room, also put in LOCATION.
    pub url: Option<String>,
    /// ORGANIZER: (name, email).
    pub organizer: Option<(String, String)>,
    pub attendees: Vec<Attendee>,
    pub tz: Tz,
    /// DTSTART as local time in `tz`.
    pub start_local: NaiveDateTime,
    pub duration_ms: i64,
    pub rule: Option<Rule>,
    /// EXDATE instants, Unix ms.
    pub exdates: Vec<i64>,
    pub overrides: Vec<Override>,
    /// Minutes before the start for VALARMs.
    pub reminders_min: Vec<u32>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
}

/// METHOD (RFC 5546): absent for downloads and feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Publish,
    Request,
    Cancel,
}

impl Method {
    /// The METHOD property value (RFC 5546 §1.4).
    pub fn as_ical(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// What [`parse`] read from a file: the events Convene can represent, and
/// the VEVENTs it had to leave out, each with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Series and single meetings in file order; overrides (RECURRENCE-ID
    /// VEVENTs) are attached to their series.
    pub events: Vec<IcsEvent>,
    pub skipped: Vec<Skipped>,
}

/// A VEVENT that [`parse`] left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Its UID, empty when it had none.
    pub uid: String,
    /// Its SUMMARY, empty when it had none.
    pub title: String,
    /// [`Invalid::RepeatInvalid`] (an RRULE Convene cannot expand, RDATE,
    /// several RRULEs, BYSETPOS beyond the nth weekday), or another
    /// error of [`Rule::parse_in`] / [`Rule::validate_from`] for the RRULE;
    /// [`Invalid::TimeZoneUnknown`] (a TZID that maps to no IANA zone);
    /// [`Invalid::DateMalformed`] (DTSTART missing or unreadable);
    /// [`Invalid::DurationOutOfRange`] (longer than a year).
    pub reason: Invalid,
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

const PRODID: &str = "-//Convene//Convene//EN";
/// RFC 5545 §3.1: content lines SHOULD NOT exceed 75 octets, CRLF excluded.
const LINE_OCTETS: usize = 75;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const YEAR_MS: i64 = 366 * DAY_MS;
/// How far past the later of its start and DTSTAMP an endless series'
/// VTIMEZONE reaches.
const ENDLESS_HORIZON_MS: i64 = 5 * YEAR_MS;
/// The furthest any VTIMEZONE reaches past the later of the event's start
/// and DTSTAMP.
const MAX_HORIZON_MS: i64 = 30 * YEAR_MS;

/// A complete VCALENDAR (RFC 5545 §3.4) with CRLF line endings, folded at
/// 75 octets: PRODID `-//Convene//Convene//EN`, VERSION 2.0, CALSCALE
/// GREGORIAN, METHOD when given (RFC 5546), X-WR-CALNAME = `name` when not
/// empty, one VTIMEZONE per zone used in a TZID (§3.6.5), then per event a
/// VEVENT for the series and one per override (same UID, RECURRENCE-ID).
///
/// Times are written as local times with `TZID=<IANA name>`; events in UTC
/// are written with `Z`. An instant that has no unambiguous local time (an
/// override or end inside an autumn fold) is written in UTC instead, so
/// every reader gets the same instant. With [`Method::Cancel`] every VEVENT
/// says STATUS:CANCELLED.
pub fn calendar(events: &[IcsEvent], method: Option<Method>, name: &str) -> String {
    let mut body = Doc::default();
    for event in events {
        write_event(&mut body, event, method);
    }
    wrap(&body, method, name)
}

/// A `METHOD:CANCEL` calendar (RFC 5546 §3.2.5) for one occurrence of
/// `event`'s series: a single VEVENT with the series' UID, the
/// occurrence's RECURRENCE-ID (its original start, Unix ms) and
/// STATUS:CANCELLED. `event.sequence` should be the series' new SEQUENCE.
pub fn cancel_occurrence(event: &IcsEvent, recurrence_id_ms: i64) -> String {
    let tz = event.tz;
    let mut body = Doc::default();
    body.prop("BEGIN", &[], "VEVENT");
    write_identity(&mut body, event);
    body.time("RECURRENCE-ID", instant_value(tz, recurrence_id_ms));
    body.time("DTSTART", instant_value(tz, recurrence_id_ms));
    body.time(
        "DTEND",
        instant_value(tz, recurrence_id_ms.saturating_add(event.duration_ms)),
    );
    write_details(&mut body, event, &event.title, true);
    body.prop("END", &[], "VEVENT");
    wrap(&body, Some(Method::Cancel), &event.title)
}

/// The VCALENDAR around `body`'s VEVENTs, with the VTIMEZONEs they use.
fn wrap(body: &Doc, method: Option<Method>, name: &str) -> String {
    let mut doc = Doc::default();
    doc.prop("BEGIN", &[], "VCALENDAR");
    doc.prop("PRODID", &[], PRODID);
    doc.prop("VERSION", &[], "2.0");
    doc.prop("CALSCALE", &[], "GREGORIAN");
    if let Some(method) = method {
        doc.prop("METHOD", &[], method.as_ical());
    }
    if !name.trim().is_empty() {
        doc.prop("X-WR-CALNAME", &[], &escape_text(name));
    }
    for span in body.zones.values() {
        write_vtimezone(&mut doc, span);
    }
    doc.out.push_str(&body.out);
    doc.prop("END", &[], "VCALENDAR");
    doc.out
}

/// The document being written, and the zones (with the instants they must
/// cover) that its TZID parameters refer to.
#[derive(Default)]
struct Doc {
    out: String,
    zones: BTreeMap<&'static str, ZoneSpan>,
}

/// A zone and the instants (Unix ms) its VTIMEZONE must cover.
#[derive(Clone, Copy)]
struct ZoneSpan {
    tz: Tz,
    from_ms: i64,
    to_ms: i64,
}

/// A DATE-TIME value as written: local time with TZID, or UTC.
#[derive(Clone, Copy)]
enum TimeValue {
    Local(Tz, NaiveDateTime),
    Utc(i64),
}

impl Doc {
    /// Writes one content line, folded (§3.1): at most 75 octets per line,
    /// continuation lines start with a space, and a fold never splits a
    /// UTF-8 sequence.
    fn line(&mut self, line: &str) {
        let mut rest = line;
        let mut limit = LINE_OCTETS;
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&rest[..cut]);
            self.out.push_str("\r\n ");
            rest = &rest[cut..];
            // The leading space counts towards the 75 octets.
            limit = LINE_OCTETS - 1;
        }
        self.out.push_str(rest);
        self.out.push_str("\r\n");
    }

    /// `NAME;K=V;K=V:value`; parameter values and the value must already
    /// be quoted or escaped as their type requires.
    fn prop(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::with_capacity(name.len() + value.len() + 16);
        line.push_str(name);
        for (key, val) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(val);
        }
        line.push(':');
        line.push_str(value);
        self.line(&line);
    }

    fn time(&mut self, name: &str, value: TimeValue) {
        match value {
            TimeValue::Local(tz, local) => {
                self.cover(tz, zone::local_to_utc_ms(tz, local));
                self.prop(name, &[("TZID", tz.name())], &fmt_local(local));
            }
            TimeValue::Utc(ms) => self.prop(name, &[], &fmt_utc(ms)),
        }
    }

    /// Records that `tz`'s VTIMEZONE must cover the instant `ms`.
    fn cover(&mut self, tz: Tz, ms: i64) {
        let span = self.zones.entry(tz.name()).or_insert(ZoneSpan {
            tz,
            from_ms: ms,
            to_ms: ms,
        });
        span.from_ms = span.from_ms.min(ms);
        span.to_ms = span.to_ms.max(ms);
    }
}

fn write_event(doc: &mut Doc, event: &IcsEvent, method: Option<Method>) {
    let tz = event.tz;
    let start_ms = zone::local_to_utc_ms(tz, event.start_local);
    let start = if is_utc(tz) {
        TimeValue::Utc(start_ms)
    } else {
        TimeValue::Local(tz, event.start_local)
    };
    let cancelled = event.cancelled || method == Some(Method::Cancel);

    doc.prop("BEGIN", &[], "VEVENT");
    write_identity(doc, event);
    doc.time("DTSTART", start);
    doc.time(
        "DTEND",
        instant_value(tz, start_ms.saturating_add(event.duration_ms)),
    );
    if let Some(rule) = &event.rule {
        doc.prop("RRULE", &[], &rule.to_rrule());
    }
    for &exdate in &event.exdates {
        doc.time("EXDATE", instant_value(tz, exdate));
    }
    write_details(doc, event, &event.title, cancelled);
    doc.prop("END", &[], "VEVENT");

    if !is_utc(tz) {
        doc.cover(tz, horizon_ms(event, start_ms));
    }

    for over in &event.overrides {
        doc.prop("BEGIN", &[], "VEVENT");
        write_identity(doc, event);
        doc.time("RECURRENCE-ID", instant_value(tz, over.recurrence_id_ms));
        doc.time("DTSTART", instant_value(tz, over.starts_at_ms));
        doc.time("DTEND", instant_value(tz, over.ends_at_ms));
        let title = over.title.as_deref().unwrap_or(&event.title);
        write_details(doc, event, title, cancelled);
        doc.prop("END", &[], "VEVENT");
    }
}

fn write_identity(doc: &mut Doc, event: &IcsEvent) {
    doc.prop("UID", &[], &escape_text(&event.uid));
    doc.prop("DTSTAMP", &[], &fmt_utc(event.stamp_ms));
    doc.prop("SEQUENCE", &[], &event.sequence.to_string());
}

fn write_details(doc: &mut Doc, event: &IcsEvent, title: &str, cancelled: bool) {
    doc.prop("SUMMARY", &[], &escape_text(title));
    if !event.description.is_empty() {
        doc.prop("DESCRIPTION", &[], &escape_text(&event.description));
    }
    if let Some(url) = &event.url {
        doc.prop("URL", &[], &strip_controls(url));
        doc.prop("LOCATION", &[], &escape_text(url));
    }
    if let Some((name, email)) = &event.organizer {
        let cn = quote_param(name);
        let params: &[(&str, &str)] = if name.trim().is_empty() {
            &[]
        } else {
            &[("CN", &cn)]
        };
        doc.prop("ORGANIZER", params, &mailto(email));
    }
    for attendee in &event.attendees {
        let cn = attendee.name.as_deref().map(quote_param);
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(4);
        if let Some(cn) = &cn {
            params.push(("CN", cn));
        }
        params.push(("ROLE", "REQ-PARTICIPANT"));
        params.push(("PARTSTAT", attendee.partstat.as_ical()));
        params.push(("RSVP", "TRUE"));
        doc.prop("ATTENDEE", &params, &mailto(&attendee.email));
    }
    doc.prop(
        "STATUS",
        &[],
        if cancelled { "CANCELLED" } else { "CONFIRMED" },
    );
    // §3.6.6: a DISPLAY alarm must carry a DESCRIPTION.
    let alarm_text = if title.trim().is_empty() {
        "Reminder".to_owned()
    } else {
        escape_text(title)
    };
    for minutes in &event.reminders_min {
        doc.prop("BEGIN", &[], "VALARM");
        doc.prop("ACTION", &[], "DISPLAY");
        doc.prop("DESCRIPTION", &[], &alarm_text);
        doc.prop("TRIGGER", &[], &format!("-PT{minutes}M"));
        doc.prop("END", &[], "VALARM");
    }
}

/// The last instant (Unix ms) the event's VTIMEZONE should cover: the end
/// of its last occurrence, at most 30 years past the later of start and
/// DTSTAMP; for endless series five years past that.
fn horizon_ms(event: &IcsEvent, start_ms: i64) -> i64 {
    let mut end = start_ms.saturating_add(event.duration_ms);
    for over in &event.overrides {
        end = end.max(over.ends_at_ms);
    }
    let Some(rule) = &event.rule else {
        return end;
    };
    let now_or_start = start_ms.max(event.stamp_ms);
    let last = match rule.end {
        RuleEnd::Never => now_or_start.saturating_add(ENDLESS_HORIZON_MS),
        RuleEnd::Until(until) => until.saturating_add(event.duration_ms),
        RuleEnd::Count(_) => {
            let series = Series {
                tz: event.tz,
                start_local: event.start_local,
                duration_ms: event.duration_ms,
                rule: Some(rule),
                exdates: &event.exdates,
                overrides: &event.overrides,
            };
            recurrence::last_end_ms(&series).unwrap_or(end)
        }
    };
    end.max(last.min(now_or_start.saturating_add(MAX_HORIZON_MS)))
}

/// How an instant is written in an event in `tz`: its local time with TZID
/// when that local time means exactly this instant, else UTC.
fn instant_value(tz: Tz, ms: i64) -> TimeValue {
    let ms = ms.div_euclid(1000).saturating_mul(1000);
    if is_utc(tz) {
        return TimeValue::Utc(ms);
    }
    let local = zone::to_local(tz, ms).naive_local();
    if zone::local_to_utc_ms(tz, local) == ms {
        TimeValue::Local(tz, local)
    } else {
        TimeValue::Utc(ms)
    }
}

fn is_utc(tz: Tz) -> bool {
    matches!(
        tz.name(),
        "UTC" | "Etc/UTC" | "Etc/Universal" | "Etc/Zulu" | "Universal" | "Zulu" | "Etc/UCT" | "UCT"
    )
}

/// `YYYYMMDDTHHMMSS` (§3.3.5 form 2/3 without the `Z`).
fn fmt_local(local: NaiveDateTime) -> String {
    local.format("%Y%m%dT%H%M%S").to_string()
}

/// `YYYYMMDDTHHMMSSZ` (§3.3.5 form 2, UTC).
fn fmt_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// Escapes a TEXT value (§3.3.11): backslash, semicolon, comma and line
/// breaks; other control characters (not allowed in TEXT) are dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`escape_text`] (§3.3.11); also accepts `\N` for a newline
/// and keeps unknown escapes as they are.
pub fn unescape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ';' | ',' | ':')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A parameter value in double quotes (§3.2: quoted values may hold `:`,
/// `;` and `,`); DQUOTE and control characters cannot appear and are
/// dropped.
fn quote_param(value: &str) -> String {
    let inner: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{inner}\"")
}

fn strip_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

fn mailto(email: &str) -> String {
    format!("mailto:{}", strip_controls(email.trim()))
}

// ---------------------------------------------------------------------------
// VTIMEZONE
// ---------------------------------------------------------------------------

/// The offset state of a zone at an instant: total UTC offset (seconds),
/// whether it is daylight time, and its abbreviation.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OffsetState {
    offset_s: i32,
    dst: bool,
    name: Option<String>,
}

fn offset_state(tz: Tz, at_s: i64) -> OffsetState {
    let utc = DateTime::from_timestamp(at_s, 0)
        .unwrap_or_default()
        .naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc);
    OffsetState {
        offset_s: offset.fix().local_minus_utc(),
        dst: offset.dst_offset().num_seconds() != 0,
        name: offset.abbreviation().map(str::to_owned),
    }
}

/// One STANDARD or DAYLIGHT onset: the new state from `at_s` (Unix
/// seconds) on, and the offset before it.
#[derive(Clone, Debug)]
struct Onset {
    at_s: i64,
    from_s: i32,
    to: OffsetState,
}

impl Onset {
    /// DTSTART of the onset: local time in the offset before it (§3.6.5).
    fn local(&self) -> NaiveDateTime {
        DateTime::from_timestamp(self.at_s + i64::from(self.from_s), 0)
            .unwrap_or_default()
            .naive_utc()
    }
}

/// Every change of offset, daylight flag or abbreviation in `[from_s,
/// to_s)`, found by sampling every six hours and bisecting to the second.
/// chrono-tz does not expose its transition table; zones do not change
/// twice within six hours.
fn transitions(tz: Tz, from_s: i64, to_s: i64) -> Vec<Onset> {
    const STEP_S: i64 = 6 * 3600;
    let mut out = Vec::new();
    let mut at = from_s;
    let mut state = offset_state(tz, at);
    while at < to_s {
        let next = (at + STEP_S).min(to_s);
        if offset_state(tz, next) == state {
            at = next;
            continue;
        }
        let (mut lo, mut hi) = (at, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset_state(tz, mid) == state {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let to = offset_state(tz, hi);
        out.push(Onset {
            at_s: hi,
            from_s: state.offset_s,
            to: to.clone(),
        });
        state = to;
        at = hi;
    }
    out
}

/// Consecutive yearly onsets that follow one rule (same month, weekday,
/// time and offsets; the same nth weekday, or always the last).
struct Run {
    onsets: Vec<Onset>,
    nth: Option<u32>,
    last: bool,
}

fn week_position(date: NaiveDate) -> (u32, bool) {
    let nth = (date.day() - 1) / 7 + 1;
    let last = date
        .checked_add_signed(Duration::days(7))
        .is_none_or(|later| later.month() != date.month());
    (nth, last)
}

impl Run {
    fn start(onset: Onset) -> Run {
        let (nth, last) = week_position(onset.local().date());
        Run {
            onsets: vec![onset],
            nth: Some(nth),
            last,
        }
    }

    /// Adds `onset` when it is the next year's onset under the same rule.
    fn extend(&mut self, onset: &Onset) -> bool {
        let Some(prev) = self.onsets.last() else {
            return false;
        };
        let (a, b) = (prev.local(), onset.local());
        let same_shape = b.year() == a.year() + 1
            && b.month() == a.month()
            && b.weekday() == a.weekday()
            && b.time() == a.time()
            && prev.from_s == onset.from_s
            && prev.to == onset.to;
        if !same_shape {
            return false;
        }
        let (nth, last) = week_position(b.date());
        let nth = self.nth.filter(|n| *n == nth);
        let last = self.last && last;
        if nth.is_none() && !last {
            return false;
        }
        self.nth = nth;
        self.last = last;
        self.onsets.push(onset.clone());
        true
    }
}

/// One VTIMEZONE for `span.tz` covering the years of `span` and one more
/// (years 1900–2260, at most 60 of them). Onsets come from chrono-tz's
/// data; onsets that repeat yearly under one rule become one
/// STANDARD/DAYLIGHT with `RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..` (the
/// rules still in force at the end left open-ended, so readers that rely
/// on the VTIMEZONE alone keep going past the covered years), the rest one
/// sub-component each. The first sub-component is the onset in effect at
/// the start of the covered years (or, for zones without changes, that
/// offset from the start with TZOFFSETFROM = TZOFFSETTO).
fn write_vtimezone(doc: &mut Doc, span: &ZoneSpan) {
    const MAX_YEARS: i32 = 60;
    let tz = span.tz;
    let year_of = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .year()
    };
    let first_year = year_of(span.from_ms).clamp(1900, 2200);
    // The extra year gives every rule in force at least two onsets, so it
    // is written as a yearly rule.
    let end_year = (year_of(span.to_ms) + 2).clamp(first_year + 2, first_year + MAX_YEARS);
    let jan_first = |year: i32| {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp())
            .unwrap_or_default()
    };
    // A day either side: local times near New Year lie in the other UTC year.
    let from_s = jan_first(first_year) - 86_400;
    let to_s = jan_first(end_year) + 86_400;

    let found = transitions(tz, from_s - 366 * 86_400, to_s);
    let before = found.iter().rposition(|o| o.at_s < from_s);
    let mut onsets: Vec<Onset> = Vec::new();
    match before {
        Some(i) => onsets.extend(found[i..].iter().cloned()),
        None => {
            let state = offset_state(tz, from_s);
            onsets.push(Onset {
                at_s: from_s,
                from_s: state.offset_s,
                to: state,
            });
            onsets.extend(found.iter().filter(|o| o.at_s >= from_s).cloned());
        }
    }

    let mut runs: Vec<Run> = Vec::new();
    for onset in onsets {
        let extended = runs.iter_mut().any(|run| run.extend(&onset));
        if !extended {
            runs.push(Run::start(onset));
        }
    }
    runs.sort_by_key(|run| run.onsets.first().map(|o| o.at_s).unwrap_or_default());

    doc.prop("BEGIN", &[], "VTIMEZONE");
    doc.prop("TZID", &[], tz.name());
    doc.prop("X-LIC-LOCATION", &[], tz.name());
    for run in &runs {
        let (Some(first), Some(last)) = (run.onsets.first(), run.onsets.last()) else {
            continue;
        };
        let kind = if first.to.dst { "DAYLIGHT" } else { "STANDARD" };
        doc.prop("BEGIN", &[], kind);
        doc.prop("DTSTART", &[], &fmt_local(first.local()));
        doc.prop("TZOFFSETFROM", &[], &fmt_offset(first.from_s));
        doc.prop("TZOFFSETTO", &[], &fmt_offset(first.to.offset_s));
        if let Some(name) = &first.to.name {
            doc.prop("TZNAME", &[], &escape_text(name));
        }
        if run.onsets.len() > 1 {
            let local = first.local();
            let position = if run.last {
                "-1".to_owned()
            } else {
                run.nth.unwrap_or(1).to_string()
            };
            let mut rule = format!(
                "FREQ=YEARLY;BYMONTH={};BYDAY={position}{}",
                local.month(),
                weekday_code(local.weekday())
            );
            // The rule still in force at the end keeps going; older ones stop.
            if last.local().year() < end_year - 1 {
                rule.push_str(";UNTIL=");
                rule.push_str(&fmt_utc(last.at_s.saturating_mul(1000)));
            }
            doc.prop("RRULE", &[], &rule);
        }
        doc.prop("END", &[], kind);
    }
    doc.prop("END", &[], "VTIMEZONE");
}

/// UTC-OFFSET (§3.3.14): `+HHMM`, or `+HHMMSS` when seconds are not zero.
fn fmt_offset(offset_s: i32) -> String {
    let sign = if offset_s < 0 { '-' } else { '+' };
    let abs = offset_s.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Deepest component nesting accepted (VCALENDAR > VEVENT > VALARM is 3);
/// deeper input is rejected before the recursive parser sees it.
const MAX_NESTING: usize = 8;
/// Longest event accepted.
const MAX_DURATION_MS: i64 = YEAR_MS;

/// Reads an `.ics` file (RFC 5545) into Convene's events.
///
/// - DTSTART with TZID (IANA names, also quoted or with a vendor prefix
///   such as `/Europe/Berlin`; Windows names such as `Russian Standard
///   Time`; otherwise the IANA zone whose offsets match the file's
///   VTIMEZONE for that TZID), in UTC (`Z`: a single meeting is placed in
///   `default_tz`, a series stays in UTC so it expands as written),
///   floating (read in `default_tz`), or a DATE (an all-day meeting: 00:00
///   in `default_tz`, 24 h per day).
/// - DTEND or DURATION (§3.3.6); default 1 h, all-day 24 h.
/// - RRULE via [`Rule::parse_in`] in the event's zone (which also reads
///   Outlook's `BYDAY=TU;BYSETPOS=2` and a DATE or floating UNTIL); a
///   second RRULE or an RDATE cannot be represented. EXDATE lines (several, comma
///   lists; TZID, `Z`, floating or DATE). RECURRENCE-ID VEVENTs become
///   [`Override`]s of the series with the same UID, or, cancelled, EXDATEs;
///   one without its series becomes a single meeting (a second one with the
///   same UID gets `-<RECURRENCE-ID ms>` appended to its UID).
/// - SUMMARY, DESCRIPTION, URL (else LOCATION when it is a web address),
///   ORGANIZER, ATTENDEE with PARTSTAT, VALARM TRIGGERs before the start
///   (minutes, 0–40320), STATUS:CANCELLED, METHOD:CANCEL.
/// - A VEVENT without UID gets one derived from its DTSTART and SUMMARY,
///   so importing the same file twice yields the same UID.
///
/// VEVENTs Convene cannot represent are left out and listed in
/// [`Import::skipped`]. Never panics, whatever the input.
///
/// # Errors
/// [`Invalid::IcsUnreadable`] when the text is not an iCalendar VCALENDAR;
/// [`Invalid::IcsNoEvents`] when no VEVENT could be imported.
pub fn parse(text: &str, default_tz: Tz) -> Result<Import, Invalid> {
    let normalized = normalize_line_endings(text);
    let first_line = normalized
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let unfolded = icalendar::parser::unfold(&normalized);
    if !first_line.eq_ignore_ascii_case("BEGIN:VCALENDAR") || nesting(&unfolded) > MAX_NESTING {
        return Err(Invalid::IcsUnreadable);
    }
    let roots = icalendar::parser::read_calendar_simple(unfolded.trim())
        .map_err(|_| Invalid::IcsUnreadable)?;
    let root = roots
        .iter()
        .find(|c| c.name.as_str().eq_ignore_ascii_case("VCALENDAR"))
        .ok_or(Invalid::IcsUnreadable)?;

    let reader = Reader {
        default_tz,
        zones: root
            .components
            .iter()
            .filter(|c| is(c, "VTIMEZONE"))
            .map(VTimezone::read)
            .collect(),
        cancel_all: props(root, "METHOD")
            .any(|p| text_value(p).trim().eq_ignore_ascii_case("CANCEL")),
    };
    let vevents: Vec<&Component> = root.components.iter().filter(|c| is(c, "VEVENT")).collect();
    if vevents.is_empty() {
        return Err(Invalid::IcsNoEvents);
    }

    let mut events: Vec<IcsEvent> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut skipped_uids: Vec<String> = Vec::new();
    let mut instances: Vec<&Component> = Vec::new();
    for vevent in vevents {
        if prop(vevent, "RECURRENCE-ID").is_some() {
            instances.push(vevent);
            continue;
        }
        match reader.series(vevent) {
            Ok(event) => match events.iter_mut().find(|e| e.uid == event.uid) {
                // Two versions of one event: the later SEQUENCE wins.
                Some(existing) if existing.sequence < event.sequence => *existing = event,
                Some(_) => {}
                None => events.push(event),
            },
            Err(reason) => {
                let item = skipped_item(vevent, reason);
                skipped_uids.push(item.uid.clone());
                skipped.push(item);
            }
        }
    }

    let mut orphans: Vec<IcsEvent> = Vec::new();
    for vevent in instances {
        let uid = prop(vevent, "UID").map(text_value).unwrap_or_default();
        let uid = uid.trim();
        if let Some(master) = events.iter_mut().find(|e| !uid.is_empty() && e.uid == uid) {
            if let Err(reason) = reader.attach(master, vevent) {
                skipped.push(skipped_item(vevent, reason));
            }
        } else if skipped_uids.iter().any(|s| !uid.is_empty() && s == uid) {
            // Its series was already reported as skipped.
        } else {
            match reader.series(vevent) {
                Ok(mut event) => {
                    event.rule = None;
                    if orphans.iter().any(|o| o.uid == event.uid) {
                        let rid = reader
                            .recurrence_id(vevent, event.tz, event.start_local.time())
                            .unwrap_or_default();
                        event.uid = format!("{}-{rid}", event.uid);
                    }
                    orphans.push(event);
                }
                Err(reason) => skipped.push(skipped_item(vevent, reason)),
            }
        }
    }
    events.extend(orphans);

    if events.is_empty() {
        return Err(Invalid::IcsNoEvents);
    }
    Ok(Import { events, skipped })
}

fn skipped_item(vevent: &Component, reason: Invalid) -> Skipped {
    Skipped {
        uid: prop(vevent, "UID").map(text_value).unwrap_or_default(),
        title: prop(vevent, "SUMMARY").map(text_value).unwrap_or_default(),
        reason,
    }
}

/// CRLF and lone CR become LF; a byte-order mark is dropped. The parser
/// then sees one kind of line ending, and unfolding (§3.1) is uniform.
fn normalize_line_endings(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}

/// The deepest BEGIN/END nesting in the text.
fn nesting(text: &str) -> usize {
    let mut depth: usize = 0;
    let mut deepest = 0;
    for line in text.lines() {
        let line = line.trim_start();
        let head = line.get(..6).unwrap_or(line);
        if head.eq_ignore_ascii_case("BEGIN:") {
            depth += 1;
            deepest = deepest.max(depth);
        } else if line
            .get(..4)
            .is_some_and(|h| h.eq_ignore_ascii_case("END:"))
        {
            depth = depth.saturating_sub(1);
        }
    }
    deepest
}

fn is(component: &Component, name: &str) -> bool {
    component.name.as_str().eq_ignore_ascii_case(name)
}

fn props<'c, 'a>(
    component: &'c Component<'a>,
    name: &'c str,
) -> impl Iterator<Item = &'c Property<'a>> + 'c {
    component
        .properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn prop<'c, 'a>(component: &'c Component<'a>, name: &'c str) -> Option<&'c Property<'a>> {
    props(component, name).next()
}

fn param<'p>(property: &'p Property, key: &str) -> Option<&'p str> {
    property
        .params
        .iter()
        .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|p| p.val.as_ref())
        .map(|v| v.as_str().trim().trim_matches('"'))
}

/// A TEXT value, unescaped (§3.3.11). The parser unescapes values of
/// upper-case TEXT properties itself (by name, or by an upper-case
/// `VALUE=` parameter); the rest is unescaped here.
fn text_value(property: &Property) -> String {
    const VALUE_TYPES: [&str; 14] = [
        "BINARY",
        "BOOLEAN",
        "CAL-ADDRESS",
        "DATE",
        "DATE-TIME",
        "DURATION",
        "FLOAT",
        "INTEGER",
        "PERIOD",
        "RECUR",
        "TEXT",
        "TIME",
        "URI",
        "UTC-OFFSET",
    ];
    let declared = property
        .params
        .iter()
        .find(|p| p.key.as_str() == "VALUE")
        .and_then(|p| p.val.as_ref())
        .map(|v| v.as_str())
        .filter(|v| VALUE_TYPES.contains(v));
    let value = property.val.as_str();
    let done_by_parser = match declared {
        Some(declared) => declared == "TEXT",
        None => !property.name.as_str().chars().any(char::is_lowercase),
    };
    if done_by_parser {
        value.to_owned()
    } else {
        unescape_text(value)
    }
}

/// A DATE or DATE-TIME value (§3.3.4, §3.3.5) before zone resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stamp {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
    Date(NaiveDate),
}

fn parse_stamp(value: &str) -> Option<Stamp> {
    let value = value.trim();
    if !value.is_ascii() {
        return None;
    }
    let number = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let date_part = value.get(..8)?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(date_part.get(..4)?)?).ok()?,
        number(date_part.get(4..6)?)?,
        number(date_part.get(6..8)?)?,
    )?;
    let rest = value.get(8..)?;
    if rest.is_empty() {
        return Some(Stamp::Date(date));
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let (clock, utc) = match rest.strip_suffix(['Z', 'z']) {
        Some(clock) => (clock, true),
        None => (rest, false),
    };
    let time = match clock.len() {
        6 => NaiveTime::from_hms_opt(
            number(clock.get(..2)?)?,
            number(clock.get(2..4)?)?,
            number(clock.get(4..6)?)?.min(59),
        )?,
        4 => NaiveTime::from_hms_opt(number(clock.get(..2)?)?, number(clock.get(2..4)?)?, 0)?,
        _ => return None,
    };
    let at = date.and_time(time);
    Some(if utc {
        Stamp::Utc(at)
    } else {
        Stamp::Local(at)
    })
}

/// A DATE-TIME or DATE with its zone resolved as far as the property
/// allows; floating times and dates are placed by the caller.
#[derive(Clone, Copy, Debug)]
enum When {
    Instant(i64),
    Zoned(Tz, NaiveDateTime),
    Floating(NaiveDateTime),
    Date(NaiveDate),
}

impl When {
    /// The instant, reading floating times in `tz` and dates at
    /// `time_of_day` in `tz`.
    fn instant(self, tz: Tz, time_of_day: NaiveTime) -> i64 {
        match self {
            When::Instant(ms) => ms,
            When::Zoned(zone_tz, local) => zone::local_to_utc_ms(zone_tz, local),
            When::Floating(local) => zone::local_to_utc_ms(tz, local),
            When::Date(date) => zone::local_to_utc_ms(tz, date.and_time(time_of_day)),
        }
    }

    fn date(self) -> Option<NaiveDate> {
        match self {
            When::Zoned(_, local) | When::Floating(local) => Some(local.date()),
            When::Date(date) => Some(date),
            When::Instant(ms) => DateTime::from_timestamp_millis(ms).map(|t| t.date_naive()),
        }
    }
}

/// A VTIMEZONE of the file, as far as zone matching needs it.
struct VTimezone {
    tzid: String,
    /// X-LIC-LOCATION (Mozilla, Apple): often the IANA name.
    location: Option<String>,
    observances: Vec<Observance>,
}

/// A STANDARD or DAYLIGHT sub-component.
struct Observance {
    dst: bool,
    start: NaiveDateTime,
    offset_to_s: i32,
    /// Whether it repeats without an end (RRULE without UNTIL or COUNT).
    open_ended: bool,
}

impl VTimezone {
    fn read(component: &Component) -> VTimezone {
        let observances = component
            .components
            .iter()
            .filter_map(|sub| {
                let dst = if is(sub, "DAYLIGHT") {
                    true
                } else if is(sub, "STANDARD") {
                    false
                } else {
                    return None;
                };
                let start = match prop(sub, "DTSTART").and_then(|p| parse_stamp(&text_value(p)))? {
                    Stamp::Utc(t) | Stamp::Local(t) => t,
                    Stamp::Date(d) => d.and_time(NaiveTime::MIN),
                };
                let offset_to_s = parse_offset(&text_value(prop(sub, "TZOFFSETTO")?))?;
                let open_ended = prop(sub, "RRULE").is_some_and(|p| {
                    let rule = text_value(p).to_ascii_uppercase();
                    !rule.contains("UNTIL=") && !rule.contains("COUNT=")
                });
                Some(Observance {
                    dst,
                    start,
                    offset_to_s,
                    open_ended,
                })
            })
            .collect();
        VTimezone {
            tzid: prop(component, "TZID")
                .map(|p| text_value(p).trim().to_owned())
                .unwrap_or_default(),
            location: prop(component, "X-LIC-LOCATION").map(|p| text_value(p).trim().to_owned()),
            observances,
        }
    }

    /// The set of offsets (seconds) this VTIMEZONE uses around `date`:
    /// its standard offset, plus its daylight offset when daylight time is
    /// still observed then.
    fn offsets_at(&self, date: NaiveDate) -> Vec<i32> {
        let at = date.and_time(NaiveTime::MIN);
        let current = |dst: bool| -> Option<&Observance> {
            let kind = self.observances.iter().filter(|o| o.dst == dst);
            kind.clone()
                .filter(|o| o.start <= at)
                .max_by_key(|o| o.start)
                .or_else(|| kind.min_by_key(|o| o.start))
        };
        let mut offsets = Vec::new();
        let standard = current(false);
        if let Some(standard) = standard {
            offsets.push(standard.offset_to_s);
        }
        if let Some(daylight) = current(true) {
            let in_force = daylight.open_ended
                || (at - daylight.start) < Duration::days(366)
                || standard.is_none_or(|s| daylight.start > s.start && !s.open_ended);
            if in_force {
                offsets.push(daylight.offset_to_s);
            }
        }
        offsets.sort_unstable();
        offsets.dedup();
        offsets
    }

    /// Whether `tz` has the same offsets as this VTIMEZONE in `date`'s year.
    fn matches(&self, tz: Tz, date: NaiveDate) -> bool {
        let expected = self.offsets_at(date);
        !expected.is_empty() && zone_offsets(tz, date.year()) == expected
    }
}

/// The distinct UTC offsets (seconds) `tz` uses in mid-January and
/// mid-July of `year`.
fn zone_offsets(tz: Tz, year: i32) -> Vec<i32> {
    let mut offsets: Vec<i32> = [1, 7]
        .iter()
        .filter_map(|month| NaiveDate::from_ymd_opt(year, *month, 15))
        .filter_map(|d| d.and_hms_opt(12, 0, 0))
        .map(|t| tz.offset_from_utc_datetime(&t).fix().local_minus_utc())
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets
}

/// UTC-OFFSET (§3.3.14): `+HHMM` or `+HHMMSS`, in seconds.
fn parse_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, value.get(1..)?),
        b'-' => (-1, value.get(1..)?),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |range: std::ops::Range<usize>| -> Option<i32> { digits.get(range)?.parse().ok() };
    let seconds = if digits.len() == 6 { part(4..6)? } else { 0 };
    Some(sign * (part(0..2)? * 3600 + part(2..4)? * 60 + seconds))
}

/// Common Windows zone names (as Outlook and Exchange write them in
/// TZID) and the IANA zone each stands for (CLDR `windowsZones`, territory
/// 001).
const WINDOWS_ZONES: [(&str, &str); 64] = [
    ("Russian Standard Time", "Europe/Moscow"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("UTC", "UTC"),
    ("Central Asia Standard Time", "Asia/Bishkek"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
];

/// An IANA zone by name: exact, case-insensitive, or the longest
/// `/`-separated tail that is one (`/Europe/Berlin`,
/// `/mozilla.org/20050126_1/Europe/Berlin`).
fn iana_zone(name: &str) -> Option<Tz> {
    let name = name.trim().trim_matches('"').trim();
    let lookup = |candidate: &str| -> Option<Tz> {
        if candidate.is_empty() {
            return None;
        }
        candidate.parse::<Tz>().ok().or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .find(|tz| tz.name().eq_ignore_ascii_case(candidate))
                .copied()
        })
    };
    std::iter::once(name)
        .chain(
            name.match_indices('/')
                .filter_map(|(i, _)| name.get(i + 1..)),
        )
        .find_map(lookup)
}

fn windows_zone(name: &str) -> Option<Tz> {
    let name = name.trim().trim_matches('"').trim();
    WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
        .and_then(|(_, iana)| iana.parse::<Tz>().ok())
}

/// Zones tried, in this order, against a VTIMEZONE whose TZID is neither
/// IANA nor a known Windows name: the zones the scheduling form offers,
/// then those of the Windows table.
fn candidate_zones() -> impl Iterator<Item = Tz> {
    super::COMMON_ZONES
        .iter()
        .chain(WINDOWS_ZONES.iter().map(|(_, iana)| iana))
        .filter_map(|name| name.parse::<Tz>().ok())
}

/// Interprets one file's VEVENTs.
struct Reader {
    default_tz: Tz,
    zones: Vec<VTimezone>,
    cancel_all: bool,
}

impl Reader {
    /// The IANA zone a TZID stands for, judged at `date` (see [`parse`]).
    fn resolve_tz(&self, tzid: &str, date: NaiveDate) -> Option<Tz> {
        if let Some(tz) = iana_zone(tzid) {
            return Some(tz);
        }
        let tzid = tzid.trim().trim_matches('"').trim();
        let vtimezone = self.zones.iter().find(|z| z.tzid == tzid);
        let windows = windows_zone(tzid);
        let Some(vtimezone) = vtimezone else {
            return windows;
        };
        // The file's own definition wins over a name that now means
        // something else (zones change their offsets).
        if let Some(tz) = windows.filter(|tz| vtimezone.matches(*tz, date)) {
            return Some(tz);
        }
        if let Some(tz) = vtimezone
            .location
            .as_deref()
            .and_then(iana_zone)
            .filter(|tz| vtimezone.matches(*tz, date))
        {
            return Some(tz);
        }
        candidate_zones()
            .find(|tz| vtimezone.matches(*tz, date))
            .or(windows)
    }

    /// The values of a DATE / DATE-TIME property (comma lists allowed).
    fn whens(&self, property: &Property, near: Option<NaiveDate>) -> Result<Vec<When>, Invalid> {
        let tzid = param(property, "TZID");
        let mut out = Vec::new();
        for item in property.val.as_str().split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let stamp = parse_stamp(item).ok_or(Invalid::DateMalformed)?;
            out.push(match stamp {
                Stamp::Utc(t) => When::Instant(t.and_utc().timestamp_millis()),
                Stamp::Date(d) => When::Date(d),
                Stamp::Local(t) => match tzid {
                    Some(tzid) => When::Zoned(
                        self.resolve_tz(tzid, near.unwrap_or(t.date()))
                            .ok_or(Invalid::TimeZoneUnknown)?,
                        t,
                    ),
                    None => When::Floating(t),
                },
            });
        }
        Ok(out)
    }

    fn when(&self, property: &Property, near: Option<NaiveDate>) -> Result<When, Invalid> {
        self.whens(property, near)?
            .into_iter()
            .next()
            .ok_or(Invalid::DateMalformed)
    }

    /// A VEVENT without RECURRENCE-ID (or an instance without its series)
    /// as an event.
    fn series(&self, vevent: &Component) -> Result<IcsEvent, Invalid> {
        let title = prop(vevent, "SUMMARY").map(text_value).unwrap_or_default();
        let dtstart = prop(vevent, "DTSTART").ok_or(Invalid::DateMalformed)?;
        let start = self.when(dtstart, None)?;
        let has_rule = prop(vevent, "RRULE").is_some();
        let (tz, start_local) = match start {
            When::Zoned(tz, local) => (tz, local),
            When::Floating(local) => (self.default_tz, local),
            When::Date(date) => (self.default_tz, date.and_time(NaiveTime::MIN)),
            When::Instant(ms) if has_rule => (Tz::UTC, utc_naive(ms)),
            When::Instant(ms) => {
                let local = zone::to_local(self.default_tz, ms).naive_local();
                if zone::local_to_utc_ms(self.default_tz, local) == ms {
                    (self.default_tz, local)
                } else {
                    (Tz::UTC, utc_naive(ms))
                }
            }
        };
        let start_ms = zone::local_to_utc_ms(tz, start_local);
        let duration_ms = self.duration(vevent, start, tz, start_ms, None)?;

        let rule = self.rule(vevent, tz, start_local)?;
        let mut exdates = Vec::new();
        for property in props(vevent, "EXDATE") {
            for when in self.whens(property, Some(start_local.date()))? {
                exdates.push(when.instant(tz, start_local.time()));
            }
        }
        exdates.sort_unstable();
        exdates.dedup();

        let uid = prop(vevent, "UID")
            .map(|p| text_value(p).trim().to_owned())
            .filter(|uid| !uid.is_empty())
            .unwrap_or_else(|| derived_uid(dtstart.val.as_str(), &title));
        let reminders_min = reminders(vevent, start_ms, duration_ms);
        Ok(IcsEvent {
            uid,
            sequence: prop(vevent, "SEQUENCE")
                .and_then(|p| p.val.as_str().trim().parse().ok())
                .unwrap_or(0),
            stamp_ms: prop(vevent, "DTSTAMP")
                .and_then(|p| self.when(p, None).ok())
                .map(|w| w.instant(Tz::UTC, NaiveTime::MIN))
                .unwrap_or(0),
            title,
            description: prop(vevent, "DESCRIPTION")
                .map(text_value)
                .unwrap_or_default(),
            url: url(vevent),
            organizer: prop(vevent, "ORGANIZER").and_then(|p| {
                let email = address(p)?;
                Some((param(p, "CN").unwrap_or_default().to_owned(), email))
            }),
            attendees: attendees(vevent),
            tz,
            start_local,
            duration_ms,
            rule,
            exdates,
            overrides: Vec::new(),
            reminders_min,
            cancelled: self.cancel_all || is_cancelled(vevent),
        })
    }

    /// DTEND − DTSTART or DURATION, ms; 1 h by default, 24 h per day for
    /// all-day events. `fallback` replaces the default (an instance falls
    /// back to its series' length).
    fn duration(
        &self,
        vevent: &Component,
        start: When,
        tz: Tz,
        start_ms: i64,
        fallback: Option<i64>,
    ) -> Result<i64, Invalid> {
        let all_day = matches!(start, When::Date(_));
        let default = fallback.unwrap_or(if all_day { DAY_MS } else { HOUR_MS });
        let from_end = prop(vevent, "DTEND")
            .and_then(|p| self.when(p, start.date()).ok())
            .map(|end| match (start, end) {
                (When::Date(from), When::Date(to)) => (to - from).num_days().saturating_mul(DAY_MS),
                (_, end) => end.instant(tz, NaiveTime::MIN).saturating_sub(start_ms),
            });
        let from_duration = || {
            prop(vevent, "DURATION")
                .and_then(|p| parse_duration_s(p.val.as_str()))
                .map(|s| s.saturating_mul(1000))
        };
        let duration = from_end.or_else(from_duration).unwrap_or(default);
        if duration <= 0 {
            return Ok(default);
        }
        if duration > MAX_DURATION_MS {
            return Err(Invalid::DurationOutOfRange);
        }
        Ok(duration)
    }

    /// The VEVENT's RRULE as a [`Rule`]; `None` without one.
    fn rule(
        &self,
        vevent: &Component,
        tz: Tz,
        start_local: NaiveDateTime,
    ) -> Result<Option<Rule>, Invalid> {
        // Extra dates (with or without a rule) or a second rule are beyond
        // what a Convene series holds; dropping them would lose meetings.
        if prop(vevent, "RDATE").is_some() {
            return Err(Invalid::RepeatInvalid);
        }
        let mut rules = props(vevent, "RRULE");
        let Some(raw) = rules.next() else {
            return Ok(None);
        };
        if rules.next().is_some() {
            return Err(Invalid::RepeatInvalid);
        }
        let rule = Rule::parse_in(raw.val.as_str(), tz)?;
        rule.validate_from(tz, start_local)?;
        Ok(Some(rule))
    }

    /// The instant (ms) of an instance's RECURRENCE-ID, reading floating
    /// times in the series' zone and dates at the series' start time.
    fn recurrence_id(&self, vevent: &Component, tz: Tz, time_of_day: NaiveTime) -> Option<i64> {
        let property = prop(vevent, "RECURRENCE-ID")?;
        let when = self.when(property, None).ok()?;
        Some(when.instant(tz, time_of_day))
    }

    /// Applies a RECURRENCE-ID VEVENT to its series: a cancelled instance
    /// becomes an EXDATE, any other an [`Override`] (replacing an earlier
    /// one for the same occurrence).
    fn attach(&self, master: &mut IcsEvent, vevent: &Component) -> Result<(), Invalid> {
        let tz = master.tz;
        let rid = self
            .recurrence_id(vevent, tz, master.start_local.time())
            .ok_or(Invalid::DateMalformed)?;
        if is_cancelled(vevent) {
            if let Err(at) = master.exdates.binary_search(&rid) {
                master.exdates.insert(at, rid);
            }
            master.overrides.retain(|o| o.recurrence_id_ms != rid);
            return Ok(());
        }
        let (starts_at_ms, start) = match prop(vevent, "DTSTART") {
            Some(p) => {
                let start = self.when(p, None)?;
                let time = if matches!(start, When::Date(_)) {
                    NaiveTime::MIN
                } else {
                    master.start_local.time()
                };
                (start.instant(tz, time), start)
            }
            None => (rid, When::Instant(rid)),
        };
        let duration = self.duration(vevent, start, tz, starts_at_ms, Some(master.duration_ms))?;
        let title = prop(vevent, "SUMMARY")
            .map(text_value)
            .filter(|t| !t.is_empty() && *t != master.title);
        master.overrides.retain(|o| o.recurrence_id_ms != rid);
        master.overrides.push(Override {
            recurrence_id_ms: rid,
            starts_at_ms,
            ends_at_ms: starts_at_ms.saturating_add(duration),
            title,
        });
        master.overrides.sort_by_key(|o| o.recurrence_id_ms);
        Ok(())
    }
}

fn utc_naive(ms: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc()
}

fn is_cancelled(vevent: &Component) -> bool {
    prop(vevent, "STATUS").is_some_and(|p| text_value(p).trim().eq_ignore_ascii_case("CANCELLED"))
}

/// A stable UID for a VEVENT that has none: the same file gives the same
/// UID on every import.
fn derived_uid(dtstart: &str, title: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(format!("{dtstart}\n{title}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}@import.convene")
}

fn url(vevent: &Component) -> Option<String> {
    let web = |s: &str| {
        let lower = s.to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://")
    };
    prop(vevent, "URL")
        .map(|p| p.val.as_str().trim().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| {
            prop(vevent, "LOCATION")
                .map(|p| text_value(p).trim().to_owned())
                .filter(|l| web(l))
        })
}

/// The email of an ORGANIZER or ATTENDEE: its `mailto:` address, else its
/// EMAIL parameter (Apple writes `urn:uuid:` addresses with one).
fn address(property: &Property) -> Option<String> {
    let value = property.val.as_str().trim();
    let mailto = value
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
        .and_then(|_| value.get(7..));
    let email = match mailto {
        Some(email) => email.trim().to_owned(),
        None => match param(property, "EMAIL") {
            Some(email) => email.to_owned(),
            None if value.contains('@') && !value.contains(':') => value.to_owned(),
            None => return None,
        },
    };
    (!email.is_empty()).then_some(email)
}

fn attendees(vevent: &Component) -> Vec<Attendee> {
    let mut out: Vec<Attendee> = Vec::new();
    for property in props(vevent, "ATTENDEE") {
        let Some(email) = address(property) else {
            continue;
        };
        if out.iter().any(|a| a.email.eq_ignore_ascii_case(&email)) {
            continue;
        }
        // Google repeats the address as CN when it knows no name.
        let name = param(property, "CN")
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&email))
            .map(str::to_owned);
        out.push(Attendee {
            email,
            name,
            partstat: param(property, "PARTSTAT")
                .map(PartStat::from_ical)
                .unwrap_or(PartStat::NeedsAction),
        });
    }
    out
}

/// VALARM triggers as minutes before the start (§3.8.6.3): relative to
/// the start or (RELATED=END) the end, or absolute; alarms after the
/// start, ACTION:NONE and values beyond four weeks are left out.
fn reminders(vevent: &Component, start_ms: i64, duration_ms: i64) -> Vec<u32> {
    const MAX_MIN: i64 = 40_320;
    let mut out: Vec<u32> = Vec::new();
    for alarm in vevent.components.iter().filter(|c| is(c, "VALARM")) {
        if prop(alarm, "ACTION").is_some_and(|p| text_value(p).trim().eq_ignore_ascii_case("NONE"))
        {
            continue;
        }
        let Some(trigger) = prop(alarm, "TRIGGER") else {
            continue;
        };
        let value = trigger.val.as_str();
        let before_ms = match parse_duration_s(value) {
            Some(seconds) => {
                let related_end =
                    param(trigger, "RELATED").is_some_and(|r| r.eq_ignore_ascii_case("END"));
                let offset = seconds.saturating_mul(1000);
                let offset = if related_end {
                    offset.saturating_add(duration_ms)
                } else {
                    offset
                };
                offset.saturating_neg()
            }
            None => match parse_stamp(value) {
                Some(Stamp::Utc(at)) => start_ms.saturating_sub(at.and_utc().timestamp_millis()),
                _ => continue,
            },
        };
        if before_ms < 0 {
            continue;
        }
        let minutes = before_ms / 60_000;
        if minutes > MAX_MIN {
            continue;
        }
        if let Ok(minutes) = u32::try_from(minutes) {
            if !out.contains(&minutes) {
                out.push(minutes);
            }
        }
    }
    out
}

/// A DURATION value (§3.3.6) in seconds: `[+|-]P[nW][nD][T[nH][nM][nS]]`,
/// also the redundant forms Google writes (`-P0DT0H30M0S`).
fn parse_duration_s(value: &str) -> Option<i64> {
    let value = value.trim().to_ascii_uppercase();
    let (negative, rest) = match value.as_bytes().first()? {
        b'-' => (true, value.get(1..)?),
        b'+' => (false, value.get(1..)?),
        _ => (false, value.as_str()),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(
                number
                    .unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(i64::from(digit))?,
            );
            continue;
        }
        let unit: i64 = match (c, in_time) {
            ('T', false) if number.is_none() => {
                in_time = true;
                continue;
            }
            ('W', false) => 7 * 86_400,
            ('D', false) => 86_400,
            ('H', true) => 3_600,
            ('M', true) => 60,
            ('S', true) => 1,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
        any = true;
    }
    if number.is_some() || !any {
        return None;
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn at(zone: &str, s: &str) -> i64 {
        zone::local_to_utc_ms(tz(zone), local(s))
    }

    fn rule(value: &str) -> Rule {
        Rule::parse(value).unwrap()
    }

    fn single_moscow() -> IcsEvent {
        IcsEvent {
            uid: "single-1@convene".into(),
            sequence: 0,
            stamp_ms: at("UTC", "2026-11-01 08:00"),
            title: "Собеседование".into(),
            description: String::new(),
            url: Some("https://convene.example/m/k3y".into()),
            organizer: Some(("Анна Смирнова".into(), "anna@example.com".into())),
            attendees: vec![Attendee {
                email: "ivan@example.com".into(),
                name: None,
                partstat: PartStat::NeedsAction,
            }],
            tz: tz("Europe/Moscow"),
            start_local: local("2026-11-23 09:00"),
            duration_ms: 30 * 60_000,
            rule: None,
            exdates: vec![],
            overrides: vec![],
            reminders_min: vec![10],
            cancelled: false,
        }
    }

    /// Crosses the change to summer time on 2026-03-29.
    fn weekly_berlin() -> IcsEvent {
        IcsEvent {
            uid: "weekly-7@convene".into(),
            sequence: 3,
            stamp_ms: at("UTC", "2026-02-20 12:34"),
            title: "Standup, team A; daily".into(),
            description: "Agenda: blockers, plans; notes\\ links\nSecond line".into(),
            url: Some("https://convene.example/m/r00m".into()),
            organizer: Some(("Maria Müller".into(), "maria@example.org".into())),
            attendees: vec![
                Attendee {
                    email: "oleg@example.org".into(),
                    name: Some("Олег, QA".into()),
                    partstat: PartStat::Accepted,
                },
                Attendee {
                    email: "kim@example.org".into(),
                    name: Some("Kim".into()),
                    partstat: PartStat::Tentative,
                },
                Attendee {
                    email: "lee@example.org".into(),
                    name: None,
                    partstat: PartStat::Declined,
                },
            ],
            tz: tz("Europe/Berlin"),
            start_local: local("2026-03-02 09:00"),
            duration_ms: 60 * 60_000,
            rule: Some(rule("FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260430T215959Z")),
            exdates: vec![at("Europe/Berlin", "2026-03-11 09:00")],
            overrides: vec![Override {
                recurrence_id_ms: at("Europe/Berlin", "2026-03-30 09:00"),
                starts_at_ms: at("Europe/Berlin", "2026-03-30 11:00"),
                ends_at_ms: at("Europe/Berlin", "2026-03-30 12:30"),
                title: Some("Перенесено: ретро".into()),
            }],
            reminders_min: vec![10, 60],
            cancelled: false,
        }
    }

    fn monthly_second_tuesday() -> IcsEvent {
        IcsEvent {
            uid: "monthly-2@convene".into(),
            sequence: 1,
            stamp_ms: at("UTC", "2026-01-05 10:00"),
            title: "Обзор месяца".into(),
            description: "Итоги".into(),
            url: None,
            organizer: None,
            attendees: vec![],
            tz: tz("America/New_York"),
            start_local: local("2026-01-13 16:00"),
            duration_ms: 45 * 60_000,
            rule: Some(rule("FREQ=MONTHLY;BYDAY=2TU;COUNT=12")),
            exdates: vec![],
            overrides: vec![],
            reminders_min: vec![],
            cancelled: false,
        }
    }

    fn import(text: &str) -> Import {
        parse(text, tz("Europe/Berlin")).unwrap()
    }

    fn round_trip(event: &IcsEvent) -> IcsEvent {
        let text = calendar(std::slice::from_ref(event), None, "Convene");
        let mut imported = import(&text);
        assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
        assert_eq!(imported.events.len(), 1);
        imported.events.remove(0)
    }

    /// Unfolds (§3.1) the way any reader does, for assertions on lines.
    fn unfolded_lines(text: &str) -> Vec<String> {
        text.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn output_has_crlf_endings_and_lines_of_at_most_75_octets() {
        let mut long = weekly_berlin();
        long.title =
            "Еженедельная планёрка отдела разработки платформы видеовстреч и календаря".into();
        let text = calendar(
            &[single_moscow(), long, monthly_second_tuesday()],
            Some(Method::Request),
            "Календарь",
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let body = text.strip_suffix("\r\n").unwrap();
        for line in body.split("\r\n") {
            assert!(
                !line.contains('\n') && !line.contains('\r'),
                "bare LF/CR: {line:?}"
            );
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // The long Russian title had to be folded.
        assert!(text.contains("\r\n "));
    }

    #[test]
    fn folded_russian_title_unfolds_to_the_same_text() {
        let mut event = single_moscow();
        // Two-byte letters make every fold point a candidate for a split.
        event.title =
            "Обсуждение квартального плана: бюджет, найм, инфраструктура и сроки запуска".into();
        event.description = "Длинное описание ".repeat(20);
        let text = calendar(std::slice::from_ref(&event), None, "");
        let summary = text.find("SUMMARY:").unwrap();
        assert!(text[summary..]
            .split("\r\n")
            .nth(1)
            .unwrap()
            .starts_with(' '));
        let back = round_trip(&event);
        assert_eq!(back.title, event.title);
        assert_eq!(back.description, event.description);
    }

    #[test]
    fn text_escaping_round_trips() {
        for original in [
            "plain",
            "a, b; c\\d",
            "line one\nline two",
            "trailing backslash\\",
            r"literal \n is not a newline",
            "ёжик; «кавычки», \\ и\nперенос",
        ] {
            assert_eq!(unescape_text(&escape_text(original)), original);
        }
        assert_eq!(escape_text("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut event = single_moscow();
        event.title = "Q3, planning; \\ review".into();
        event.description = "Line 1\nLine 2, with; specials \\n".into();
        let back = round_trip(&event);
        assert_eq!(back.title, event.title);
        assert_eq!(back.description, event.description);
    }

    #[test]
    fn single_meeting_round_trips() {
        let event = single_moscow();
        assert_eq!(round_trip(&event), event);
    }

    #[test]
    fn weekly_series_with_exdate_and_override_round_trips() {
        let event = weekly_berlin();
        assert_eq!(round_trip(&event), event);
    }

    #[test]
    fn monthly_nth_weekday_round_trips() {
        let event = monthly_second_tuesday();
        assert_eq!(round_trip(&event), event);
    }

    #[test]
    fn series_in_utc_round_trips_with_z_times() {
        let mut event = monthly_second_tuesday();
        event.tz = Tz::UTC;
        let text = calendar(std::slice::from_ref(&event), None, "");
        assert!(text.contains("DTSTART:20260113T160000Z\r\n"));
        assert!(!text.contains("VTIMEZONE"));
        assert_eq!(round_trip(&event), event);
    }

    #[test]
    fn document_has_the_calendar_and_event_properties() {
        let text = calendar(&[weekly_berlin()], Some(Method::Request), "Team; A");
        let lines = unfolded_lines(&text);
        let has = |l: &str| lines.iter().any(|x| x == l);
        for expected in [
            "BEGIN:VCALENDAR",
            "PRODID:-//Convene//Convene//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:REQUEST",
            "X-WR-CALNAME:Team\\; A",
            "UID:weekly-7@convene",
            "DTSTAMP:20260220T123400Z",
            "SEQUENCE:3",
            "DTSTART;TZID=Europe/Berlin:20260302T090000",
            "DTEND;TZID=Europe/Berlin:20260302T100000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260430T215959Z",
            "EXDATE;TZID=Europe/Berlin:20260311T090000",
            "RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000",
            "DTSTART;TZID=Europe/Berlin:20260330T110000",
            "SUMMARY:Standup\\, team A\\; daily",
            "SUMMARY:Перенесено: ретро",
            "URL:https://convene.example/m/r00m",
            "LOCATION:https://convene.example/m/r00m",
            "ORGANIZER;CN=\"Maria Müller\":mailto:maria@example.org",
            "ATTENDEE;CN=\"Олег, QA\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:oleg@example.org",
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;RSVP=TRUE:mailto:lee@example.org",
            "STATUS:CONFIRMED",
            "ACTION:DISPLAY",
            "TRIGGER:-PT10M",
            "TRIGGER:-PT60M",
            "END:VCALENDAR",
        ] {
            assert!(has(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn cancel_method_marks_every_vevent_cancelled() {
        let text = calendar(&[weekly_berlin()], Some(Method::Cancel), "");
        let lines = unfolded_lines(&text);
        let statuses: Vec<&String> = lines.iter().filter(|l| l.starts_with("STATUS:")).collect();
        // The series and its override.
        assert_eq!(statuses.len(), 2);
        assert!(statuses.iter().all(|s| *s == "STATUS:CANCELLED"));
        assert!(lines.iter().any(|l| l == "METHOD:CANCEL"));
        assert!(import(&text).events[0].cancelled);
    }

    #[test]
    fn every_tzid_has_one_vtimezone() {
        let text = calendar(
            &[
                single_moscow(),
                weekly_berlin(),
                monthly_second_tuesday(),
                weekly_berlin(),
            ],
            None,
            "",
        );
        let lines = unfolded_lines(&text);
        for zone_name in ["Europe/Moscow", "Europe/Berlin", "America/New_York"] {
            let definitions = lines
                .iter()
                .filter(|l| **l == format!("TZID:{zone_name}"))
                .count();
            assert_eq!(definitions, 1, "{zone_name}");
        }
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VTIMEZONE").count(), 3);
    }

    #[test]
    fn vtimezone_follows_the_zone_rules() {
        let text = calendar(&[weekly_berlin()], None, "");
        let lines = unfolded_lines(&text);
        let start = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
        let end = lines.iter().position(|l| l == "END:VTIMEZONE").unwrap();
        let vtimezone = &lines[start..=end];
        // Summer time starts at 02:00 CET on the last Sunday of March
        // 2026, winter time at 03:00 CEST on the last Sunday of October.
        for expected in [
            "BEGIN:DAYLIGHT",
            "DTSTART:20260329T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "BEGIN:STANDARD",
            "DTSTART:20251026T030000",
            "TZNAME:CET",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        ] {
            assert!(
                vtimezone.iter().any(|l| l == expected),
                "{expected}: {vtimezone:?}"
            );
        }
        // Moscow has kept +03 since 2014: one STANDARD, no DAYLIGHT.
        let text = calendar(&[single_moscow()], None, "");
        assert!(text.contains("TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"));
        assert!(!text.contains("DAYLIGHT"));
    }

    #[test]
    fn vtimezone_covers_a_change_of_the_zone_itself() {
        // Almaty moved from +06 to +05 on 2024-03-01.
        let mut event = monthly_second_tuesday();
        event.tz = tz("Asia/Almaty");
        event.start_local = local("2023-05-20 10:00");
        event.rule = Some(rule("FREQ=YEARLY;COUNT=4"));
        let text = calendar(std::slice::from_ref(&event), None, "");
        assert!(text.contains("TZOFFSETFROM:+0600\r\nTZOFFSETTO:+0500\r\n"));
        let file_zone = VTimezone::read(
            parse_root(&text)
                .components
                .iter()
                .find(|c| is(c, "VTIMEZONE"))
                .unwrap(),
        );
        assert_eq!(
            file_zone.offsets_at(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()),
            vec![5 * 3600]
        );
    }

    #[test]
    fn vtimezone_rules_that_ended_carry_until() {
        // Moscow kept summer time until 2010, then +04 all year from 2011
        // and +03 from October 2014.
        let mut event = single_moscow();
        event.start_local = local("2010-05-20 10:00");
        event.rule = Some(rule("FREQ=YEARLY;COUNT=5"));
        let text = calendar(std::slice::from_ref(&event), None, "");
        let lines = unfolded_lines(&text);
        assert!(
            lines
                .iter()
                .any(|l| l == "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20101030T230000Z"),
            "{text}"
        );
        assert!(text.contains("TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0400\r\nTZNAME:MSK\r\n"));
        assert!(text.contains("TZOFFSETFROM:+0400\r\nTZOFFSETTO:+0300\r\nTZNAME:MSK\r\n"));
    }

    /// The parsed VCALENDAR of a document, for looking at its parts.
    fn parse_root(text: &str) -> Component<'static> {
        let unfolded = icalendar::parser::unfold(&normalize_line_endings(text));
        let leaked: &'static str = Box::leak(unfolded.into_boxed_str());
        icalendar::parser::read_calendar_simple(leaked.trim())
            .unwrap()
            .remove(0)
    }

    const GOOGLE: &str = "BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:PUBLISH\r
X-WR-CALNAME:Работа\r
X-WR-TIMEZONE:Europe/Moscow\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Moscow:20261102T100000\r
DTEND;TZID=Europe/Moscow:20261102T103000\r
RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=MO,WE\r
EXDATE;TZID=Europe/Moscow:20261104T100000\r
EXDATE;TZID=Europe/Moscow:20261116T100000,20261118T100000\r
DTSTAMP:20261020T120000Z\r
ORGANIZER;CN=Анна Смирнова:mailto:anna@example.com\r
UID:5f3c2a1b9d7e@google.com\r
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Анна \r
 Смирнова;X-NUM-GUESTS=0:mailto:anna@example.com\r
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=iv\r
 an@example.com;X-NUM-GUESTS=0:mailto:ivan@example.com\r
X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij\r
CREATED:20261020T115900Z\r
DESCRIPTION:Повестка: статус\\, риски\\; планы\\nВторая строка\r
LAST-MODIFIED:20261020T120000Z\r
LOCATION:\r
SEQUENCE:0\r
STATUS:CONFIRMED\r
SUMMARY:Планёрка\r
TRANSP:OPAQUE\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:This is an event reminder\r
TRIGGER:-P0DT0H15M0S\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Moscow:20261111T120000\r
DTEND;TZID=Europe/Moscow:20261111T123000\r
DTSTAMP:20261020T120000Z\r
UID:5f3c2a1b9d7e@google.com\r
RECURRENCE-ID;TZID=Europe/Moscow:20261111T100000\r
SUMMARY:Планёрка (перенесена)\r
SEQUENCE:1\r
STATUS:CONFIRMED\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Moscow:20261125T100000\r
DTEND;TZID=Europe/Moscow:20261125T103000\r
DTSTAMP:20261020T120000Z\r
UID:5f3c2a1b9d7e@google.com\r
RECURRENCE-ID;TZID=Europe/Moscow:20261125T100000\r
SUMMARY:Планёрка\r
STATUS:CANCELLED\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20261225\r
DTEND;VALUE=DATE:20261226\r
DTSTAMP:20261020T120000Z\r
UID:holiday-1@google.com\r
SUMMARY:Выходной\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20261120T090000Z\r
DTEND:20261120T100000Z\r
DTSTAMP:20261020T120000Z\r
UID:utc-single@google.com\r
SUMMARY:UTC single\r
END:VEVENT\r
END:VCALENDAR\r
";

    #[test]
    fn google_export_imports_series_exdates_instances_and_all_day() {
        let imported = import(GOOGLE);
        assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
        let [series, holiday, utc] = imported.events.as_slice() else {
            panic!("{:?}", imported.events);
        };
        let moscow = "Europe/Moscow";
        assert_eq!(series.uid, "5f3c2a1b9d7e@google.com");
        assert_eq!(series.tz, tz(moscow));
        assert_eq!(series.start_local, local("2026-11-02 10:00"));
        assert_eq!(series.duration_ms, 30 * 60_000);
        assert_eq!(series.rule, Some(rule("FREQ=WEEKLY;BYDAY=MO,WE")));
        // Three EXDATEs, plus the cancelled instance of 25 November.
        assert_eq!(
            series.exdates,
            vec![
                at(moscow, "2026-11-04 10:00"),
                at(moscow, "2026-11-16 10:00"),
                at(moscow, "2026-11-18 10:00"),
                at(moscow, "2026-11-25 10:00"),
            ]
        );
        assert_eq!(
            series.overrides,
            vec![Override {
                recurrence_id_ms: at(moscow, "2026-11-11 10:00"),
                starts_at_ms: at(moscow, "2026-11-11 12:00"),
                ends_at_ms: at(moscow, "2026-11-11 12:30"),
                title: Some("Планёрка (перенесена)".into()),
            }]
        );
        assert_eq!(series.title, "Планёрка");
        assert_eq!(
            series.description,
            "Повестка: статус, риски; планы\nВторая строка"
        );
        assert_eq!(
            series.organizer,
            Some(("Анна Смирнова".into(), "anna@example.com".into()))
        );
        assert_eq!(
            series.attendees,
            vec![
                Attendee {
                    email: "anna@example.com".into(),
                    name: Some("Анна Смирнова".into()),
                    partstat: PartStat::Accepted,
                },
                Attendee {
                    email: "ivan@example.com".into(),
                    name: None,
                    partstat: PartStat::NeedsAction,
                },
            ]
        );
        assert_eq!(series.reminders_min, vec![15]);
        assert_eq!(series.url, None);
        assert_eq!(series.stamp_ms, at("UTC", "2026-10-20 12:00"));

        // All-day: midnight to midnight in the importer's zone.
        assert_eq!(holiday.tz, tz("Europe/Berlin"));
        assert_eq!(holiday.start_local, local("2026-12-25 00:00"));
        assert_eq!(holiday.duration_ms, 24 * 3_600_000);
        // A single meeting given in UTC is shown in the importer's zone.
        assert_eq!(utc.tz, tz("Europe/Berlin"));
        assert_eq!(utc.start_local, local("2026-11-20 10:00"));
        assert_eq!(utc.duration_ms, 3_600_000);
    }

    const OUTLOOK: &str = "BEGIN:VCALENDAR\r
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r
VERSION:2.0\r
METHOD:REQUEST\r
X-MS-OLK-FORCEINSPECTOROPEN:TRUE\r
BEGIN:VTIMEZONE\r
TZID:Russian Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T000000\r
TZOFFSETFROM:+0300\r
TZOFFSETTO:+0300\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16011028T030000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010325T020000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VTIMEZONE\r
TZID:Central Asia Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T000000\r
TZOFFSETFROM:+0600\r
TZOFFSETTO:+0600\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VTIMEZONE\r
TZID:Customized Time Zone\r
BEGIN:STANDARD\r
DTSTART:16010101T000000\r
TZOFFSETFROM:+0300\r
TZOFFSETTO:+0300\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
CLASS:PUBLIC\r
CREATED:20261101T075500Z\r
DESCRIPTION:Обсудим итоги месяца.\\n\r
DTEND;TZID=\"Russian Standard Time\":20261110T110000\r
DTSTAMP:20261101T080000Z\r
DTSTART;TZID=\"Russian Standard Time\":20261110T100000\r
LAST-MODIFIED:20261101T080000Z\r
LOCATION:Переговорная 3\r
ORGANIZER;CN=\"Petrov, Ivan\":mailto:ivan.petrov@corp.example\r
ATTENDEE;CN=\"Sidorova, Olga\";RSVP=TRUE;PARTSTAT=TENTATIVE;ROLE=REQ-PARTICIP\r
 ANT:mailto:olga@corp.example\r
PRIORITY:5\r
RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=TU;BYSETPOS=2;WKST=SU\r
SEQUENCE:2\r
SUMMARY;LANGUAGE=ru-RU:Ежемесячный обзор\r
TRANSP:OPAQUE\r
UID:040000008200E00074C5B7101A82E00800000000B0B1E1A7C7D9DA010000000000000000\r
 10000000F1C3\r
X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r
BEGIN:VALARM\r
TRIGGER:-PT15M\r
ACTION:DISPLAY\r
DESCRIPTION:Reminder\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=W. Europe Standard Time:20260715T140000\r
DTEND;TZID=W. Europe Standard Time:20260715T150000\r
DTSTAMP:20260701T080000Z\r
UID:outlook-berlin-1\r
SUMMARY:Sync Berlin\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Central Asia Standard Time:20261105T090000\r
DTEND;TZID=Central Asia Standard Time:20261105T100000\r
DTSTAMP:20261101T080000Z\r
UID:outlook-bishkek-1\r
SUMMARY:Bishkek call\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;TZID=Customized Time Zone:20261201T090000\r
DURATION:PT2H\r
DTSTAMP:20261101T080000Z\r
UID:outlook-custom-1\r
SUMMARY:Custom zone\r
END:VEVENT\r
END:VCALENDAR\r
";

    #[test]
    fn outlook_invitation_with_windows_zones_and_bysetpos_imports() {
        let imported = import(OUTLOOK);
        assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
        let [review, berlin, bishkek, custom] = imported.events.as_slice() else {
            panic!("{:?}", imported.events);
        };
        assert_eq!(review.tz, tz("Europe/Moscow"));
        assert_eq!(review.start_local, local("2026-11-10 10:00"));
        assert_eq!(review.duration_ms, 3_600_000);
        assert_eq!(review.rule, Some(rule("FREQ=MONTHLY;BYDAY=2TU;COUNT=6")));
        assert_eq!(review.sequence, 2);
        assert_eq!(
            review.uid,
            "040000008200E00074C5B7101A82E00800000000B0B1E1A7C7D9DA01000000000000000010000000F1C3"
        );
        assert_eq!(
            review.organizer,
            Some(("Petrov, Ivan".into(), "ivan.petrov@corp.example".into()))
        );
        assert_eq!(review.attendees[0].name.as_deref(), Some("Sidorova, Olga"));
        assert_eq!(review.attendees[0].partstat, PartStat::Tentative);
        assert_eq!(review.reminders_min, vec![15]);
        assert_eq!(review.description, "Обсудим итоги месяца.\n");
        // A room name is no web address.
        assert_eq!(review.url, None);

        assert_eq!(berlin.tz, tz("Europe/Berlin"));
        assert_eq!(berlin.start_local, local("2026-07-15 14:00"));
        // "Central Asia Standard Time" is +06 all year (Kazakhstan left it
        // for +05 in 2024), as its VTIMEZONE says.
        assert_eq!(
            zone::local_to_utc_ms(bishkek.tz, bishkek.start_local),
            at("UTC", "2026-11-05 03:00")
        );
        // Matched by the offsets of its VTIMEZONE alone.
        assert_eq!(custom.tz, tz("Europe/Moscow"));
        assert_eq!(custom.duration_ms, 2 * 3_600_000);
    }

    const APPLE: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Apple Inc.//macOS 15.1//EN\r
CALSCALE:GREGORIAN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
DTSTART:19810329T020000\r
TZNAME:CEST\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
DTSTART:19961027T030000\r
TZNAME:CET\r
TZOFFSETTO:+0100\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
CREATED:20260110T101500Z\r
UID:7E1C2D3A-5B6F-4A8B-9C0D-1E2F3A4B5C6D\r
DTEND;TZID=Europe/Berlin:20260320T113000\r
RRULE:FREQ=YEARLY;UNTIL=20290319T225959Z\r
TRANSP:OPAQUE\r
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r
SUMMARY:Годовой отчёт\r
LAST-MODIFIED:20260110T101600Z\r
DTSTAMP:20260110T101600Z\r
DTSTART;TZID=Europe/Berlin:20260320T100000\r
SEQUENCE:0\r
ORGANIZER;CN=\"Maria Müller\";EMAIL=\"maria@example.org\":mailto:maria@examp\r
 le.org\r
ATTENDEE;CN=\"Maria Müller\";CUTYPE=INDIVIDUAL;EMAIL=\"maria@example.org\";PA\r
 RTSTAT=ACCEPTED;ROLE=CHAIR:mailto:maria@example.org\r
ATTENDEE;CN=\"Oleg\";CUTYPE=INDIVIDUAL;EMAIL=\"oleg@example.org\";PARTSTAT=DE\r
 CLINED:urn:uuid:00000000-0000-0000-0000-000000000001\r
URL;VALUE=URI:https://convene.example/m/abc\r
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=Alexanderplatz 1\\\\n10178 Be\r
 rlin;X-APPLE-RADIUS=70;X-TITLE=\"Büro\":geo:52.52,13.41\r
BEGIN:VALARM\r
X-WR-ALARMUID:A1B2C3D4-0000-0000-0000-000000000001\r
UID:A1B2C3D4-0000-0000-0000-000000000001\r
TRIGGER:-PT30M\r
ACTION:DISPLAY\r
DESCRIPTION:Reminder\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:NONE\r
TRIGGER;VALUE=DATE-TIME:19760401T005545Z\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:AUDIO\r
TRIGGER;RELATED=END:-PT2H\r
END:VALARM\r
END:VEVENT\r
END:VCALENDAR\r
";

    #[test]
    fn apple_export_imports_attendees_alarms_and_url() {
        let imported = import(APPLE);
        assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
        let [event] = imported.events.as_slice() else {
            panic!("{:?}", imported.events);
        };
        assert_eq!(event.tz, tz("Europe/Berlin"));
        assert_eq!(event.start_local, local("2026-03-20 10:00"));
        assert_eq!(event.duration_ms, 90 * 60_000);
        assert_eq!(event.rule, Some(rule("FREQ=YEARLY;UNTIL=20290319T225959Z")));
        assert_eq!(event.url.as_deref(), Some("https://convene.example/m/abc"));
        assert_eq!(
            event.organizer,
            Some(("Maria Müller".into(), "maria@example.org".into()))
        );
        // The urn:uuid attendee is known by its EMAIL parameter.
        assert_eq!(event.attendees.len(), 2);
        assert_eq!(event.attendees[1].email, "oleg@example.org");
        assert_eq!(event.attendees[1].partstat, PartStat::Declined);
        // 30 min before the start; 2 h before the end of a 1.5 h meeting
        // is 30 min before the start too; the ACTION:NONE alarm is left out.
        assert_eq!(event.reminders_min, vec![30]);
    }

    #[test]
    fn tzid_forms_other_producers_write_are_resolved() {
        let doc = |tzid: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n\
                 DTSTART;TZID={tzid}:20260601T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
        };
        for (tzid, expected) in [
            ("\"/Europe/Berlin\"", "Europe/Berlin"),
            (
                "/mozilla.org/20050126_1/America/New_York",
                "America/New_York",
            ),
            ("europe/moscow", "Europe/Moscow"),
            ("\"Eastern Standard Time\"", "America/New_York"),
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("GMT Standard Time", "Europe/London"),
        ] {
            let imported = import(&doc(tzid));
            assert_eq!(imported.events[0].tz, tz(expected), "{tzid}");
        }
    }

    #[test]
    fn floating_times_are_read_in_the_default_zone() {
        let text = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:f\n\
                    DTSTART:20260601T090000\nDURATION:PT45M\nEND:VEVENT\nEND:VCALENDAR\n";
        let event = &parse(text, tz("Asia/Tokyo")).unwrap().events[0];
        assert_eq!(event.tz, tz("Asia/Tokyo"));
        assert_eq!(event.start_local, local("2026-06-01 09:00"));
        assert_eq!(event.duration_ms, 45 * 60_000);
    }

    #[test]
    fn instance_without_its_series_becomes_a_single_meeting() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:lonely\r\n\
                    RECURRENCE-ID;TZID=Europe/Berlin:20260601T090000\r\n\
                    DTSTART;TZID=Europe/Berlin:20260601T100000\r\n\
                    DTEND;TZID=Europe/Berlin:20260601T110000\r\nSUMMARY:Moved\r\n\
                    END:VEVENT\r\nEND:VCALENDAR\r\n";
        let event = &import(text).events[0];
        assert_eq!(event.uid, "lonely");
        assert_eq!(event.rule, None);
        assert_eq!(event.start_local, local("2026-06-01 10:00"));
        assert_eq!(event.title, "Moved");
    }

    #[test]
    fn vevent_without_uid_gets_the_same_uid_on_every_import() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n\
                    DTSTART:20260601T090000Z\r\nSUMMARY:No id\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let first = import(text).events[0].uid.clone();
        assert!(first.ends_with("@import.convene"));
        assert_eq!(import(text).events[0].uid, first);
    }

    #[test]
    fn unrepresentable_events_are_skipped_and_reported() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
            BEGIN:VEVENT\r\nUID:hourly\r\nSUMMARY:Every hour\r\n\
            DTSTART:20260601T090000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:last-workday\r\nDTSTART:20260601T090000Z\r\n\
            RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:mars\r\nDTSTART;TZID=Mars/Olympus:20260601T090000\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:no-start\r\nSUMMARY:Someday\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:fine\r\nDTSTART:20260601T090000Z\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let imported = import(text);
        assert_eq!(imported.events.len(), 1);
        assert_eq!(imported.events[0].uid, "fine");
        let reasons: Vec<(&str, Invalid)> = imported
            .skipped
            .iter()
            .map(|s| (s.uid.as_str(), s.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("hourly", Invalid::RepeatInvalid),
                ("last-workday", Invalid::RepeatInvalid),
                ("mars", Invalid::TimeZoneUnknown),
                ("no-start", Invalid::DateMalformed),
            ]
        );
        assert_eq!(imported.skipped[0].title, "Every hour");
    }

    #[test]
    fn text_that_is_not_a_calendar_is_unreadable() {
        for text in [
            "",
            "hello",
            "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
            "<html><body>BEGIN:VCALENDAR</body></html>",
        ] {
            assert_eq!(
                parse(text, Tz::UTC),
                Err(Invalid::IcsUnreadable),
                "{text:?}"
            );
        }
    }

    #[test]
    fn calendar_without_usable_events_has_no_events() {
        let empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n";
        assert_eq!(parse(empty, Tz::UTC), Err(Invalid::IcsNoEvents));
        let todo_only = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t\r\n\
                         END:VTODO\r\nEND:VCALENDAR\r\n";
        assert_eq!(parse(todo_only, Tz::UTC), Err(Invalid::IcsNoEvents));
        let all_skipped = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:t\r\n\
                           END:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(parse(all_skipped, Tz::UTC), Err(Invalid::IcsNoEvents));
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursing() {
        let depth = 100_000;
        let text = format!(
            "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
            "BEGIN:X\r\n".repeat(depth),
            "END:X\r\n".repeat(depth)
        );
        assert_eq!(parse(&text, Tz::UTC), Err(Invalid::IcsUnreadable));
    }

    #[test]
    fn durations_read_rfc_and_google_forms() {
        assert_eq!(parse_duration_s("PT1H30M"), Some(5400));
        assert_eq!(parse_duration_s("-P0DT0H15M0S"), Some(-900));
        assert_eq!(parse_duration_s("P1W"), Some(7 * 86_400));
        assert_eq!(parse_duration_s("+P1DT2H"), Some(93_600));
        assert_eq!(parse_duration_s("P"), None);
        assert_eq!(parse_duration_s("PT5"), None);
        assert_eq!(parse_duration_s("P1H"), None);
        assert_eq!(parse_duration_s("P99999999999999999999D"), None);
    }

    /// Valid documents that the mutation test breaks in small ways.
    fn seeds() -> Vec<String> {
        vec![
            calendar(
                &[weekly_berlin(), single_moscow(), monthly_second_tuesday()],
                Some(Method::Request),
                "Команда",
            ),
            GOOGLE.to_owned(),
            OUTLOOK.to_owned(),
            APPLE.to_owned(),
        ]
    }

    #[derive(Clone, Debug)]
    enum Mutation {
        Delete(usize, usize),
        Insert(usize, String),
        DuplicateLine(usize),
        DropLine(usize),
        Truncate(usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let noise = prop_oneof![
            Just(":".to_owned()),
            Just(";".to_owned()),
            Just("\r\n".to_owned()),
            Just("\r\n ".to_owned()),
            Just("BEGIN:VEVENT\r\n".to_owned()),
            Just("END:VEVENT\r\n".to_owned()),
            Just("RRULE:FREQ=YEARLY;BYDAY=-53MO;COUNT=0\r\n".to_owned()),
            Just("EXDATE;TZID=Nowhere:99999999T999999,\r\n".to_owned()),
            Just("TRIGGER:-P99999999999W\r\n".to_owned()),
            Just("DTSTART;VALUE=DATE:00000000\r\n".to_owned()),
            Just("DURATION:P999999999D\r\n".to_owned()),
            Just("\"".to_owned()),
            ".{0,12}",
        ];
        prop_oneof![
            (any::<usize>(), 0usize..40).prop_map(|(at, len)| Mutation::Delete(at, len)),
            (any::<usize>(), noise).prop_map(|(at, s)| Mutation::Insert(at, s)),
            any::<usize>().prop_map(Mutation::DuplicateLine),
            any::<usize>().prop_map(Mutation::DropLine),
            any::<usize>().prop_map(Mutation::Truncate),
        ]
    }

    fn apply(text: &str, mutation: &Mutation) -> String {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len().max(1);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let m = lines.len().max(1);
        match mutation {
            Mutation::Delete(at, len) => {
                let from = at % n;
                let to = (from + len).min(chars.len());
                chars[..from.min(chars.len())]
                    .iter()
                    .chain(chars[to..].iter())
                    .collect()
            }
            Mutation::Insert(at, s) => {
                let at = (at % n).min(chars.len());
                let mut out: String = chars[..at].iter().collect();
                out.push_str(s);
                out.extend(chars[at..].iter());
                out
            }
            Mutation::DuplicateLine(i) => {
                let i = i % m;
                let mut out = lines.clone();
                if let Some(line) = lines.get(i) {
                    out.insert(i, line);
                }
                out.concat()
            }
            Mutation::DropLine(i) => {
                let mut out = lines.clone();
                if i % m < out.len() {
                    out.remove(i % m);
                }
                out.concat()
            }
            Mutation::Truncate(at) => chars[..(at % n).min(chars.len())].iter().collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        // Whatever the text, parse answers with Ok or Err; it never panics.
        #[test]
        fn parse_never_panics_on_arbitrary_text(text in "(?s).{0,400}") {
            let _ = parse(&text, Tz::UTC);
            let _ = parse(&format!("BEGIN:VCALENDAR\r\n{text}\r\nEND:VCALENDAR\r\n"), Tz::UTC);
        }

        // Damaged real-world documents are read or rejected, never panic;
        // whatever is read can be written again.
        #[test]
        fn parse_never_panics_on_mutated_documents(
            seed in 0usize..4,
            mutations in proptest::collection::vec(mutation(), 1..6),
        ) {
            let mut text = seeds().swap_remove(seed);
            for m in &mutations {
                text = apply(&text, m);
            }
            if let Ok(imported) = parse(&text, tz("Europe/Berlin")) {
                let again = calendar(&imported.events, None, "");
                prop_assert!(parse(&again, tz("Europe/Berlin")).is_ok());
            }
        }
    }
}
