//! Convene's iCalendar output, read by independent implementations
//! (Python's `icalendar` and `recurring-ical-events`, run by
//! `tests/interop/ics_occurrences.py`), must give exactly the occurrences
//! Convene's own expansion gives: same UTC starts and ends, same titles.
//! The script also checks the file against RFC 5545 rules (CRLF, 75-octet
//! lines, a VTIMEZONE for every TZID that agrees with the IANA zone, UID
//! and DTSTAMP).
//!
//! No server is involved; the test needs `python3` with the packages that
//! `scripts/install --test` installs, and fails when they are missing.

#![cfg(feature = "ssr")]

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use convene::calendar::ics::{self, Attendee, IcsEvent, Method, PartStat};
use convene::calendar::recurrence::{self, Override, Rule, Series};
use convene::zone;
use std::path::Path;
use std::process::{Command, Output};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/interop/ics_occurrences.py"
);
const INSTALL_HINT: &str = "run `scripts/install --test` (it installs python3 packages \
                            icalendar==7.3.0 and recurring-ical-events==3.8.2)";

fn tz(name: &str) -> Tz {
    name.parse().unwrap()
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn at(zone_name: &str, s: &str) -> i64 {
    zone::local_to_utc_ms(tz(zone_name), local(s))
}

fn iso(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn event(uid: &str, zone_name: &str, start: &str, minutes: i64, rule: Option<&str>) -> IcsEvent {
    IcsEvent {
        uid: uid.to_owned(),
        sequence: 0,
        stamp_ms: at("UTC", "2026-01-01 00:00"),
        title: uid.to_owned(),
        description: String::new(),
        url: Some(format!("https://convene.example/m/{uid}")),
        organizer: Some(("Организатор".into(), "host@example.org".into())),
        attendees: vec![Attendee {
            email: "guest@example.org".into(),
            name: Some("Guest, Example".into()),
            partstat: PartStat::NeedsAction,
        }],
        tz: tz(zone_name),
        start_local: local(start),
        duration_ms: minutes * 60_000,
        rule: rule.map(|r| Rule::parse(r).unwrap()),
        exdates: vec![],
        overrides: vec![],
        reminders_min: vec![10],
        cancelled: false,
    }
}

/// Mondays, Wednesdays and Fridays at 09:00 Berlin time through the
/// change to summer time on 2026-03-29, one removed, one moved and renamed.
fn berlin_weekly() -> IcsEvent {
    let mut e = event(
        "berlin-weekly",
        "Europe/Berlin",
        "2026-03-02 09:00",
        60,
        Some("FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260430T215959Z"),
    );
    e.title = "Standup, team A; daily \\ sync".into();
    e.exdates = vec![at("Europe/Berlin", "2026-03-11 09:00")];
    e.overrides = vec![
        Override {
            recurrence_id_ms: at("Europe/Berlin", "2026-03-30 09:00"),
            starts_at_ms: at("Europe/Berlin", "2026-03-30 11:00"),
            ends_at_ms: at("Europe/Berlin", "2026-03-30 12:30"),
            title: Some("Перенесено: ретро".into()),
        },
        Override {
            recurrence_id_ms: at("Europe/Berlin", "2026-03-27 09:00"),
            starts_at_ms: at("Europe/Berlin", "2026-03-28 10:00"),
            ends_at_ms: at("Europe/Berlin", "2026-03-28 11:00"),
            title: None,
        },
    ];
    e
}

/// Every day at 08:30 New York time, 20 times, across 2026-03-08.
fn new_york_daily() -> IcsEvent {
    event(
        "ny-daily",
        "America/New_York",
        "2026-03-01 08:30",
        30,
        Some("FREQ=DAILY;COUNT=20"),
    )
}

/// The last Friday of every month at 18:00 Moscow time, without end.
fn moscow_last_friday() -> IcsEvent {
    event(
        "moscow-monthly",
        "Europe/Moscow",
        "2026-01-30 18:00",
        90,
        Some("FREQ=MONTHLY;BYDAY=-1FR"),
    )
}

/// Every 20 May at 10:00 Almaty time, across Kazakhstan's move from +06
/// to +05 on 2024-03-01.
fn almaty_yearly() -> IcsEvent {
    event(
        "almaty-yearly",
        "Asia/Almaty",
        "2023-05-20 10:00",
        120,
        Some("FREQ=YEARLY;COUNT=6"),
    )
}

/// Every 20 May at 10:00 Moscow time from 2010: summer time until 2010,
/// +04 all year from 2011, +03 from October 2014.
fn moscow_yearly_through_zone_changes() -> IcsEvent {
    event(
        "moscow-yearly",
        "Europe/Moscow",
        "2010-05-20 10:00",
        60,
        Some("FREQ=YEARLY;COUNT=8"),
    )
}

/// One meeting with a long Russian title (folded lines).
fn moscow_single() -> IcsEvent {
    let mut e = event(
        "moscow-single",
        "Europe/Moscow",
        "2026-11-23 09:00",
        30,
        None,
    );
    e.title = "Еженедельная планёрка отдела разработки: итоги, риски, планы на квартал".into();
    e
}

/// Fails the test (never skips it) when Python or its packages are missing.
fn require_python() {
    let probe = Command::new("python3")
        .args(["-c", "import icalendar, recurring_ical_events"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "python3 cannot import icalendar / recurring_ical_events ({}); {INSTALL_HINT}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(error) => panic!("python3 is not available ({error}); {INSTALL_HINT}"),
    }
}

fn run_script(path: &Path, from: &str, to: &str) -> Output {
    require_python();
    Command::new("python3")
        .arg(SCRIPT)
        .arg(path)
        .arg(from)
        .arg(to)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}; {INSTALL_HINT}"))
}

/// What the Python implementations read from `text` in `[from, to)`.
fn python_occurrences(text: &str, from: &str, to: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("convene.ics");
    std::fs::write(&path, text).unwrap();
    let out = run_script(&path, from, to);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        panic!("{stderr}; {INSTALL_HINT}");
    }
    assert!(
        out.status.success(),
        "ics_occurrences.py rejected the file: {stderr}\n{text}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What Convene's own expansion gives, in the script's line format.
fn convene_occurrences(events: &[IcsEvent], from_ms: i64, to_ms: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for e in events {
        let series = Series {
            tz: e.tz,
            start_local: e.start_local,
            duration_ms: e.duration_ms,
            rule: e.rule.as_ref(),
            exdates: &e.exdates,
            overrides: &e.overrides,
        };
        for o in recurrence::expand(&series, from_ms, to_ms) {
            let title = o.title.as_deref().unwrap_or(&e.title);
            lines.push(format!(
                "{} {} {title}",
                iso(o.starts_at_ms),
                iso(o.ends_at_ms)
            ));
        }
    }
    lines.sort();
    lines
}

/// Writes `events`, has Python read them in the window (UTC, `YYYY-MM-DD
/// HH:MM`), and compares with Convene's expansion.
fn assert_same_occurrences(events: &[IcsEvent], method: Option<Method>, from: &str, to: &str) {
    let (from_ms, to_ms) = (at("UTC", from), at("UTC", to));
    let text = ics::calendar(events, method, "Interop");
    let theirs = python_occurrences(&text, &iso(from_ms), &iso(to_ms));
    let ours = convene_occurrences(events, from_ms, to_ms);
    assert!(!ours.is_empty(), "the window holds no occurrence");
    assert_eq!(
        theirs, ours,
        "Python (left) and Convene (right) disagree on\n{text}"
    );
}

#[test]
fn weekly_berlin_series_across_dst_with_exdate_and_overrides_agrees() {
    let series = berlin_weekly();
    assert_same_occurrences(
        std::slice::from_ref(&series),
        None,
        "2026-02-01 00:00",
        "2026-06-01 00:00",
    );
    // The moved occurrence keeps 11:00 local in summer time (09:00 UTC).
    let ours = convene_occurrences(
        std::slice::from_ref(&series),
        at("UTC", "2026-03-30 00:00"),
        at("UTC", "2026-03-31 00:00"),
    );
    assert_eq!(
        ours,
        vec!["2026-03-30T09:00:00Z 2026-03-30T10:30:00Z Перенесено: ретро"]
    );
}

#[test]
fn daily_new_york_series_with_count_across_dst_agrees() {
    assert_same_occurrences(
        &[new_york_daily()],
        None,
        "2026-02-25 00:00",
        "2026-04-01 00:00",
    );
}

#[test]
fn monthly_last_friday_in_moscow_agrees() {
    assert_same_occurrences(
        &[moscow_last_friday()],
        None,
        "2026-01-01 00:00",
        "2027-07-01 00:00",
    );
}

#[test]
fn yearly_almaty_series_across_the_zone_change_agrees() {
    assert_same_occurrences(
        &[almaty_yearly()],
        None,
        "2023-01-01 00:00",
        "2030-01-01 00:00",
    );
}

#[test]
fn yearly_moscow_series_through_the_2011_and_2014_changes_agrees() {
    assert_same_occurrences(
        &[moscow_yearly_through_zone_changes()],
        None,
        "2009-01-01 00:00",
        "2019-01-01 00:00",
    );
}

#[test]
fn single_meeting_with_folded_russian_title_agrees() {
    assert_same_occurrences(
        &[moscow_single()],
        Some(Method::Request),
        "2026-11-01 00:00",
        "2026-12-01 00:00",
    );
}

#[test]
fn all_series_in_one_feed_agree() {
    assert_same_occurrences(
        &[
            berlin_weekly(),
            new_york_daily(),
            moscow_last_friday(),
            almaty_yearly(),
            moscow_single(),
        ],
        Some(Method::Publish),
        "2023-01-01 00:00",
        "2027-01-01 00:00",
    );
}

#[test]
fn script_rejects_files_that_break_the_rfc() {
    let good = ics::calendar(&[moscow_single()], None, "");
    let without_vtimezone = {
        let begin = good.find("BEGIN:VTIMEZONE").unwrap();
        let end = good.find("END:VTIMEZONE\r\n").unwrap() + "END:VTIMEZONE\r\n".len();
        format!("{}{}", &good[..begin], &good[end..])
    };
    let bare_lf = good.replace("\r\n", "\n");
    let long_line = good.replace(
        "SEQUENCE:0\r\n",
        &format!("SEQUENCE:0\r\nX-LONG:{}\r\n", "x".repeat(80)),
    );
    let no_dtstamp = good
        .lines()
        .filter(|l| !l.starts_with("DTSTAMP"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace('\n', "\r\n");
    for (what, text) in [
        ("a TZID without VTIMEZONE", without_vtimezone),
        ("LF line endings", bare_lf),
        ("a line over 75 octets", long_line),
        ("a VEVENT without DTSTAMP", no_dtstamp),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.ics");
        std::fs::write(&path, &text).unwrap();
        let out = run_script(&path, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what} was accepted: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
