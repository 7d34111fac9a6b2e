//! Time zones (IANA names, via chrono-tz) and local ↔ UTC conversion.
//! Instants are Unix milliseconds (UTC) everywhere else in Convene.

use crate::i18n::Locale;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Parses an IANA zone name (`Europe/Moscow`).
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone's canonical name if known, else `UTC`.
pub fn parse_or_utc(name: &str) -> String {
    parse(name)
        .map(|tz| tz.name().to_owned())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The instant of a local wall-clock time in `tz`, Unix ms. A time that
/// falls into a spring-forward gap moves forward by the gap (02:30 → 03:30);
/// an ambiguous autumn time takes its first occurrence.
pub fn local_to_utc_ms(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
        LocalResult::None => {
            // Gaps are at most a few hours; step until out of it.
            (1..=4)
                .find_map(|h| {
                    tz.from_local_datetime(&(local + Duration::hours(h)))
                        .earliest()
                })
                .map(|t| t.timestamp_millis())
                .unwrap_or_else(|| Utc.from_utc_datetime(&local).timestamp_millis())
        }
    }
}

/// Local midnight of `date` in `tz`, Unix ms.
pub fn start_of_day_ms(tz: Tz, date: NaiveDate) -> i64 {
    local_to_utc_ms(tz, date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// An instant in `tz`.
pub fn to_local(tz: Tz, ms: i64) -> DateTime<Tz> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&tz)
}

/// `HH:MM`, 24-hour.
pub fn hhmm(t: &DateTime<Tz>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "Mon 23 Nov 2026, 09:00–09:30 (Europe/Moscow)", in `zone` and `locale`.
pub fn format_range(start_ms: i64, end_ms: i64, zone: &str, locale: Locale) -> String {
    let tz = parse(zone).unwrap_or(Tz::UTC);
    let start = to_local(tz, start_ms);
    let end = to_local(tz, end_ms);
    let strings = locale.strings();
    let day = strings.day_label(
        start.weekday().num_days_from_monday() as usize,
        start.day(),
        start.month0() as usize,
    );
    let end_label = if end.date_naive() == start.date_naive() {
        hhmm(&end)
    } else {
        format!(
            "{}, {}",
            strings.day_label(
                end.weekday().num_days_from_monday() as usize,
                end.day(),
                end.month0() as usize
            ),
            hhmm(&end)
        )
    };
    format!(
        "{day} {}, {}–{} ({})",
        start.year(),
        hhmm(&start),
        end_label,
        tz.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn nine_in_berlin_is_utc_eight_in_winter_and_seven_in_summer() {
        let tz = parse("Europe/Berlin").unwrap();
        let winter = local_to_utc_ms(tz, local("2026-01-15 09:00"));
        let summer = local_to_utc_ms(tz, local("2026-07-15 09:00"));
        assert_eq!(to_local(Tz::UTC, winter).hour(), 8);
        assert_eq!(to_local(Tz::UTC, summer).hour(), 7);
    }

    #[test]
    fn spring_forward_gap_moves_forward() {
        let tz = parse("Europe/Berlin").unwrap();
        // 2026-03-29 02:30 does not exist in Berlin.
        let ms = local_to_utc_ms(tz, local("2026-03-29 02:30"));
        assert_eq!(hhmm(&to_local(tz, ms)), "03:30");
    }

    #[test]
    fn unknown_zone_falls_back_to_utc() {
        assert_eq!(parse_or_utc("Mars/Olympus"), "UTC");
        assert_eq!(parse_or_utc("Europe/Moscow"), "Europe/Moscow");
    }

    #[test]
    fn range_is_formatted_per_locale() {
        let tz = parse("Europe/Moscow").unwrap();
        let start = local_to_utc_ms(tz, local("2026-11-23 09:00"));
        let end = start + 30 * 60_000;
        assert_eq!(
            format_range(start, end, "Europe/Moscow", Locale::En),
            "Mon 23 Nov 2026, 09:00–09:30 (Europe/Moscow)"
        );
        assert_eq!(
            format_range(start, end, "Europe/Moscow", Locale::Ru),
            "Пн 23 ноя 2026, 09:00–09:30 (Europe/Moscow)"
        );
    }
}
