//! The meeting form's "Repeat" fields, and how they map to an RFC 5545
//! RRULE ([`super::recurrence::Rule`]) and back.
//!
//! The form offers what people pick in other calendars (daily, every
//! weekday, weekly on chosen days, monthly on the same date or the same
//! nth weekday, yearly), an interval, and an end (a count or a date). Any
//! other rule (from an imported file) shows as "custom" with its RRULE
//! text, which can be edited as such.

use serde::{Deserialize, Serialize};

/// What the "Repeat" select offers (its `value`s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatChoice {
    #[default]
    Never,
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// Weekly on the chosen days (the start's weekday by default).
    Weekly,
    /// Monthly on the start's day of the month.
    MonthlyDay,
    /// Monthly on the start's nth weekday (the last one for a 5th).
    MonthlyNth,
    Yearly,
    /// Any other RRULE, typed as text.
    Custom,
}

impl RepeatChoice {
    /// Every choice, in the order the select shows them.
    pub const ALL: [RepeatChoice; 8] = [
        RepeatChoice::Never,
        RepeatChoice::Daily,
        RepeatChoice::Weekdays,
        RepeatChoice::Weekly,
        RepeatChoice::MonthlyDay,
        RepeatChoice::MonthlyNth,
        RepeatChoice::Yearly,
        RepeatChoice::Custom,
    ];

    /// The form value (`weekly`).
    pub fn value(self) -> &'static str {
        match self {
            RepeatChoice::Never => "",
            RepeatChoice::Daily => "daily",
            RepeatChoice::Weekdays => "weekdays",
            RepeatChoice::Weekly => "weekly",
            RepeatChoice::MonthlyDay => "monthly_day",
            RepeatChoice::MonthlyNth => "monthly_nth",
            RepeatChoice::Yearly => "yearly",
            RepeatChoice::Custom => "custom",
        }
    }

    /// Reads a form value; unknown values are `None`.
    pub fn from_value(value: &str) -> Option<RepeatChoice> {
        RepeatChoice::ALL
            .into_iter()
            .find(|c| c.value() == value.trim())
    }
}

/// The weekday checkboxes of a weekly rule (`repeat_on[mo]=on` ...);
/// a field is `Some` when its box is ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatDays {
    #[serde(default)]
    pub mo: Option<String>,
    #[serde(default)]
    pub tu: Option<String>,
    #[serde(default)]
    pub we: Option<String>,
    #[serde(default)]
    pub th: Option<String>,
    #[serde(default)]
    pub fr: Option<String>,
    #[serde(default)]
    pub sa: Option<String>,
    #[serde(default)]
    pub su: Option<String>,
}

impl RepeatDays {
    /// Ticked days, Monday = 0.
    pub fn ticked(&self) -> Vec<u8> {
        [
            &self.mo, &self.tu, &self.we, &self.th, &self.fr, &self.sa, &self.su,
        ]
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.is_some())
        .map(|(i, _)| i as u8)
        .collect()
    }

    /// Days ticked from a list of indexes (Monday = 0).
    pub fn from_indexes(days: &[u8]) -> RepeatDays {
        let on = |i: u8| days.contains(&i).then(|| "on".to_owned());
        RepeatDays {
            mo: on(0),
            tu: on(1),
            we: on(2),
            th: on(3),
            fr: on(4),
            sa: on(5),
            su: on(6),
        }
    }
}

/// The repeat fields as the form sends them (all text, all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepeatFields {
    /// A [`RepeatChoice::value`].
    #[serde(default)]
    pub repeat: String,
    /// Every N days/weeks/months/years; empty = 1.
    #[serde(default)]
    pub repeat_interval: String,
    #[serde(default)]
    pub repeat_on: RepeatDays,
    /// Number of occurrences; empty = no count.
    #[serde(default)]
    pub repeat_count: String,
    /// Last day, `YYYY-MM-DD` in the meeting's zone; empty = no end date.
    #[serde(default)]
    pub repeat_until: String,
    /// The RRULE value for [`RepeatChoice::Custom`].
    #[serde(default)]
    pub rrule: String,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::calendar::recurrence::{Frequency, Rule, RuleEnd, WeekdayNum};
    use crate::error::Invalid;
    use crate::i18n::Locale;
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
    use chrono_tz::Tz;

    const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn every(weekday: Weekday) -> WeekdayNum {
        WeekdayNum { nth: None, weekday }
    }

    /// The nth weekday of the month `date` is (1–4), or -1 for a 5th
    /// (which not every month has: "last" is what people mean).
    fn nth_of_month(date: NaiveDate) -> i8 {
        match (date.day() - 1) / 7 + 1 {
            5 => -1,
            n => n as i8,
        }
    }

    impl RepeatFields {
        /// The rule these fields describe for a series starting at
        /// `start` (local, in `tz`); `None` for a single meeting.
        ///
        /// # Errors
        /// [`Invalid::RepeatInvalid`] for an unknown choice, a bad
        /// interval or custom RRULE, or both a count and an end date;
        /// [`Invalid::RepeatCountOutOfRange`];
        /// [`Invalid::RepeatUntilInvalid`] for an unreadable end date or
        /// one before the start.
        pub fn to_rule(&self, start: NaiveDateTime, tz: Tz) -> Result<Option<Rule>, Invalid> {
            let choice = RepeatChoice::from_value(&self.repeat).ok_or(Invalid::RepeatInvalid)?;
            if choice == RepeatChoice::Never {
                return Ok(None);
            }
            if choice == RepeatChoice::Custom {
                let rule = Rule::parse(&self.rrule)?;
                if let RuleEnd::Until(until) = rule.end {
                    if until < crate::zone::local_to_utc_ms(tz, start) {
                        return Err(Invalid::RepeatUntilInvalid);
                    }
                }
                return Ok(Some(rule));
            }
            let interval = match self.repeat_interval.trim() {
                "" => 1,
                raw => raw
                    .parse::<u16>()
                    .ok()
                    .filter(|n| (1..=999).contains(n))
                    .ok_or(Invalid::RepeatInvalid)?,
            };
            let date = start.date();
            let (freq, by_day, by_month_day) = match choice {
                RepeatChoice::Daily => (Frequency::Daily, vec![], vec![]),
                RepeatChoice::Weekdays => (
                    Frequency::Weekly,
                    WEEK[..5].iter().map(|d| every(*d)).collect(),
                    vec![],
                ),
                RepeatChoice::Weekly => {
                    let mut days: Vec<WeekdayNum> = self
                        .repeat_on
                        .ticked()
                        .into_iter()
                        .map(|i| every(WEEK[usize::from(i)]))
                        .collect();
                    if days.is_empty() {
                        days.push(every(date.weekday()));
                    }
                    (Frequency::Weekly, days, vec![])
                }
                RepeatChoice::MonthlyDay => (Frequency::Monthly, vec![], vec![date.day() as i8]),
                RepeatChoice::MonthlyNth => (
                    Frequency::Monthly,
                    vec![WeekdayNum {
                        nth: Some(nth_of_month(date)),
                        weekday: date.weekday(),
                    }],
                    vec![],
                ),
                RepeatChoice::Yearly => (Frequency::Yearly, vec![], vec![]),
                RepeatChoice::Never | RepeatChoice::Custom => return Err(Invalid::RepeatInvalid),
            };
            let end = match (self.repeat_count.trim(), self.repeat_until.trim()) {
                ("", "") => RuleEnd::Never,
                (count, "") => RuleEnd::Count(
                    count
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=1000).contains(n))
                        .ok_or(Invalid::RepeatCountOutOfRange)?,
                ),
                ("", until) => {
                    let day = NaiveDate::parse_from_str(until, "%Y-%m-%d")
                        .map_err(|_| Invalid::RepeatUntilInvalid)?;
                    if day < date {
                        return Err(Invalid::RepeatUntilInvalid);
                    }
                    // Through the end of that day, in the meeting's zone.
                    let next = day.succ_opt().ok_or(Invalid::RepeatUntilInvalid)?;
                    RuleEnd::Until(crate::zone::start_of_day_ms(tz, next) - 1000)
                }
                _ => return Err(Invalid::RepeatInvalid),
            };
            Ok(Some(Rule {
                freq,
                interval,
                by_day,
                by_month_day,
                by_month: vec![],
                end,
            }))
        }

        /// The fields that show `rule` (of a series starting at `start` in
        /// `tz`) in the form: a preset when it is one, else custom.
        pub fn from_rule(rule: Option<&Rule>, start: NaiveDateTime, tz: Tz) -> RepeatFields {
            let Some(rule) = rule else {
                return RepeatFields::default();
            };
            let date = start.date();
            let plain_days: Option<Vec<u8>> = rule
                .by_day
                .iter()
                .map(|d| {
                    d.nth
                        .is_none()
                        .then(|| d.weekday.num_days_from_monday() as u8)
                })
                .collect();
            let choice = match (rule.freq, rule.by_month.is_empty()) {
                (_, false) => RepeatChoice::Custom,
                (Frequency::Daily, true)
                    if rule.by_day.is_empty() && rule.by_month_day.is_empty() =>
                {
                    RepeatChoice::Daily
                }
                (Frequency::Weekly, true) if rule.by_month_day.is_empty() => {
                    match plain_days.as_deref() {
                        Some([0, 1, 2, 3, 4]) if rule.interval == 1 => RepeatChoice::Weekdays,
                        Some(days) if !days.is_empty() || rule.by_day.is_empty() => {
                            RepeatChoice::Weekly
                        }
                        _ => RepeatChoice::Custom,
                    }
                }
                (Frequency::Monthly, true)
                    if rule.by_day.is_empty() && rule.by_month_day == [date.day() as i8] =>
                {
                    RepeatChoice::MonthlyDay
                }
                (Frequency::Monthly, true)
                    if rule.by_month_day.is_empty()
                        && rule.by_day
                            == [WeekdayNum {
                                nth: Some(nth_of_month(date)),
                                weekday: date.weekday(),
                            }] =>
                {
                    RepeatChoice::MonthlyNth
                }
                (Frequency::Yearly, true)
                    if rule.by_day.is_empty() && rule.by_month_day.is_empty() =>
                {
                    RepeatChoice::Yearly
                }
                _ => RepeatChoice::Custom,
            };
            let mut fields = RepeatFields {
                repeat: choice.value().to_owned(),
                rrule: rule.to_rrule(),
                ..RepeatFields::default()
            };
            if choice == RepeatChoice::Custom {
                return fields;
            }
            if rule.interval != 1 {
                fields.repeat_interval = rule.interval.to_string();
            }
            if choice == RepeatChoice::Weekly {
                let days = plain_days.unwrap_or_default();
                let start_day = [date.weekday().num_days_from_monday() as u8];
                fields.repeat_on =
                    RepeatDays::from_indexes(if days.is_empty() { &start_day } else { &days });
            }
            match rule.end {
                RuleEnd::Never => {}
                RuleEnd::Count(n) => fields.repeat_count = n.to_string(),
                RuleEnd::Until(ms) => {
                    fields.repeat_until = crate::zone::to_local(tz, ms)
                        .date_naive()
                        .format("%Y-%m-%d")
                        .to_string()
                }
            }
            fields
        }
    }

    /// "Weekly on Mon, Wed · 10 times", in `locale`; `None` for a single
    /// meeting.
    pub fn describe(rule: &Rule, tz: Tz, locale: Locale) -> String {
        let t = locale.strings();
        let unit = match rule.freq {
            Frequency::Daily => t.repeat_every_days,
            Frequency::Weekly => t.repeat_every_weeks,
            Frequency::Monthly => t.repeat_every_months,
            Frequency::Yearly => t.repeat_every_years,
        };
        let mut text = if rule.interval == 1 {
            match rule.freq {
                Frequency::Daily => t.repeat_daily.to_owned(),
                Frequency::Weekly => t.repeat_weekly.to_owned(),
                Frequency::Monthly => t.repeat_monthly.to_owned(),
                Frequency::Yearly => t.repeat_yearly.to_owned(),
            }
        } else {
            t.with_count(unit, usize::from(rule.interval))
        };
        if !rule.by_day.is_empty() {
            let days: Vec<String> = rule
                .by_day
                .iter()
                .map(|d| {
                    let name = t.weekdays_short[d.weekday.num_days_from_monday() as usize];
                    match d.nth {
                        None => name.to_owned(),
                        Some(-1) => format!("{} {name}", t.repeat_last),
                        Some(n) => format!("{n}. {name}"),
                    }
                })
                .collect();
            text.push_str(&format!(" · {}", days.join(", ")));
        }
        if !rule.by_month_day.is_empty() {
            let days: Vec<String> = rule.by_month_day.iter().map(|d| d.to_string()).collect();
            text.push_str(&format!(" · {}", days.join(", ")));
        }
        match rule.end {
            RuleEnd::Never => {}
            RuleEnd::Count(n) => {
                text.push_str(" · ");
                text.push_str(&t.with_count(t.repeat_times, n as usize));
            }
            RuleEnd::Until(ms) => {
                let day = crate::zone::to_local(tz, ms).date_naive();
                text.push_str(" · ");
                text.push_str(
                    &t.with_name(t.repeat_until_label, &day.format("%Y-%m-%d").to_string()),
                );
            }
        }
        text
    }

    /// Parses the reminders field: minutes before the start, separated by
    /// commas or spaces (`10, 60`); empty = none. At most 5, each at most
    /// four weeks (40,320 min); sorted, without repeats.
    ///
    /// # Errors
    /// [`Invalid::RemindersInvalid`].
    pub fn parse_reminders(raw: &str) -> Result<Vec<u32>, Invalid> {
        let mut minutes = Vec::new();
        for part in raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let m: u32 = part.parse().map_err(|_| Invalid::RemindersInvalid)?;
            if m > 40_320 {
                return Err(Invalid::RemindersInvalid);
            }
            if !minutes.contains(&m) {
                minutes.push(m);
            }
        }
        if minutes.len() > 5 {
            return Err(Invalid::RemindersInvalid);
        }
        minutes.sort_unstable();
        Ok(minutes)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::calendar::recurrence::{Frequency, RuleEnd};
    use crate::error::Invalid;
    use chrono::NaiveDateTime;
    use chrono_tz::Tz;

    fn start(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn fields(repeat: &str) -> RepeatFields {
        RepeatFields {
            repeat: repeat.into(),
            ..RepeatFields::default()
        }
    }

    #[test]
    fn presets_become_rules_and_come_back() {
        let tz = Tz::Europe__Moscow;
        // Tuesday 2026-11-24 is the 4th Tuesday of the month.
        let at = start("2026-11-24 09:00");
        for choice in RepeatChoice::ALL {
            if matches!(choice, RepeatChoice::Never | RepeatChoice::Custom) {
                continue;
            }
            let form = fields(choice.value());
            let rule = form.to_rule(at, tz).unwrap().unwrap();
            let back = RepeatFields::from_rule(Some(&rule), at, tz);
            assert_eq!(
                back.repeat,
                choice.value(),
                "{choice:?} → {}",
                rule.to_rrule()
            );
        }
        let nth = fields("monthly_nth").to_rule(at, tz).unwrap().unwrap();
        assert_eq!(nth.to_rrule(), "FREQ=MONTHLY;BYDAY=4TU");
        let weekly = fields("weekly").to_rule(at, tz).unwrap().unwrap();
        assert_eq!(weekly.to_rrule(), "FREQ=WEEKLY;BYDAY=TU");
    }

    #[test]
    fn weekly_days_interval_and_count_are_kept() {
        let form = RepeatFields {
            repeat: "weekly".into(),
            repeat_interval: "2".into(),
            repeat_on: RepeatDays::from_indexes(&[0, 2, 4]),
            repeat_count: "10".into(),
            ..RepeatFields::default()
        };
        let rule = form
            .to_rule(start("2026-11-23 09:00"), Tz::UTC)
            .unwrap()
            .unwrap();
        assert_eq!(rule.freq, Frequency::Weekly);
        assert_eq!(
            rule.to_rrule(),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=10"
        );
        let back = RepeatFields::from_rule(Some(&rule), start("2026-11-23 09:00"), Tz::UTC);
        assert_eq!(back.repeat_on, form.repeat_on);
        assert_eq!(
            (back.repeat_interval.as_str(), back.repeat_count.as_str()),
            ("2", "10")
        );
    }

    #[test]
    fn until_is_the_end_of_that_local_day() {
        let tz = Tz::Europe__Berlin;
        let form = RepeatFields {
            repeat: "daily".into(),
            repeat_until: "2026-12-31".into(),
            ..RepeatFields::default()
        };
        let rule = form
            .to_rule(start("2026-11-23 09:00"), tz)
            .unwrap()
            .unwrap();
        let RuleEnd::Until(ms) = rule.end else {
            panic!("no UNTIL: {rule:?}")
        };
        let local = crate::zone::to_local(tz, ms);
        assert_eq!(
            local.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2026-12-31 23:59:59"
        );
        let back = RepeatFields::from_rule(Some(&rule), start("2026-11-23 09:00"), tz);
        assert_eq!(back.repeat_until, "2026-12-31");
    }

    #[test]
    fn wrong_repeat_fields_name_the_problem() {
        let at = start("2026-11-23 09:00");
        let err = |f: RepeatFields| f.to_rule(at, Tz::UTC).unwrap_err();
        assert_eq!(err(fields("hourly")), Invalid::RepeatInvalid);
        assert_eq!(
            err(RepeatFields {
                repeat_interval: "0".into(),
                ..fields("daily")
            }),
            Invalid::RepeatInvalid
        );
        assert_eq!(
            err(RepeatFields {
                repeat_count: "1001".into(),
                ..fields("daily")
            }),
            Invalid::RepeatCountOutOfRange
        );
        assert_eq!(
            err(RepeatFields {
                repeat_until: "2026-11-01".into(),
                ..fields("daily")
            }),
            Invalid::RepeatUntilInvalid
        );
        assert_eq!(
            err(RepeatFields {
                repeat_until: "31.12.2026".into(),
                ..fields("daily")
            }),
            Invalid::RepeatUntilInvalid
        );
        assert_eq!(
            err(RepeatFields {
                repeat_count: "3".into(),
                repeat_until: "2026-12-31".into(),
                ..fields("daily")
            }),
            Invalid::RepeatInvalid
        );
        assert_eq!(
            err(RepeatFields {
                rrule: "FREQ=SECONDLY".into(),
                ..fields("custom")
            }),
            Invalid::RepeatInvalid
        );
        assert_eq!(fields("").to_rule(at, Tz::UTC), Ok(None));
    }

    #[test]
    fn reminders_are_minutes_lists() {
        assert_eq!(parse_reminders("60, 10 10"), Ok(vec![10, 60]));
        assert_eq!(parse_reminders(""), Ok(vec![]));
        assert_eq!(parse_reminders("ten"), Err(Invalid::RemindersInvalid));
        assert_eq!(parse_reminders("50000"), Err(Invalid::RemindersInvalid));
        assert_eq!(
            parse_reminders("1 2 3 4 5 6"),
            Err(Invalid::RemindersInvalid)
        );
    }
}
