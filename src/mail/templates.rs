//! The mails Convene writes — invitation, update, cancellation, reminder —
//! in Russian and English, each as plain text and HTML.
//!
//! Input is a plain struct per mail; [`Invitation::render`] and its kin
//! return an [`OutgoingMail`]. Titles, names and descriptions are user
//! input: the HTML is assembled from fixed markup plus escaped text only
//! (see [`Html`]), so no user text ever reaches it unescaped, and links are
//! only made from `http(s)://` URLs.
//!
//! The words live in [`MailStrings`], one typed table per language side by
//! side below, so a missing translation does not compile.

use super::{IcsMethod, OutgoingMail};
use crate::i18n::Locale;

/// The three answers an attendee can give (RFC 5545 `PARTSTAT`), as links
/// that record the answer when opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsvpLinks {
    /// Records `ACCEPTED`.
    pub accept: String,
    /// Records `TENTATIVE`.
    pub tentative: String,
    /// Records `DECLINED`.
    pub decline: String,
}

/// "You are invited": sent to each attendee when a meeting is created or
/// they are added to it.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// The recipient's language.
    pub locale: Locale,
    /// The recipient (see [`OutgoingMail::to`]).
    pub to: String,
    /// Who invites (user input).
    pub organizer_name: String,
    /// The meeting's title (user input).
    pub title: String,
    /// Date and time in the recipient's zone, formatted for `locale`, e.g.
    /// `Wed 25 Nov 2026, 15:00–15:45`.
    pub when_label: String,
    /// The zone `when_label` is in (IANA name, e.g. `Asia/Tokyo`).
    pub time_zone: String,
    /// Absolute URL of the meeting room.
    pub room_url: String,
    /// Answer links; `None` when the recipient cannot answer (e.g. the
    /// organizer's own copy).
    pub rsvp: Option<RsvpLinks>,
    /// The meeting's description (user input, may be empty, may have
    /// line breaks).
    pub description: String,
    /// The `VCALENDAR` with `METHOD:REQUEST` (RFC 5546 §3.2.2), attached
    /// when given.
    pub ics: Option<String>,
}

/// "The meeting moved": sent to attendees when its time changes.
#[derive(Clone, Debug)]
pub struct Update {
    /// The recipient's language.
    pub locale: Locale,
    /// The recipient (see [`OutgoingMail::to`]).
    pub to: String,
    /// Who changed it (user input).
    pub organizer_name: String,
    /// The meeting's title (user input).
    pub title: String,
    /// The new date and time in the recipient's zone (as in
    /// [`Invitation::when_label`]).
    pub when_label: String,
    /// The old date and time in the same zone, when known.
    pub previous_when_label: Option<String>,
    /// The zone of both labels (IANA name).
    pub time_zone: String,
    /// Absolute URL of the meeting room.
    pub room_url: String,
    /// Answer links (the attendee may want to answer again).
    pub rsvp: Option<RsvpLinks>,
    /// The meeting's description (user input, may be empty).
    pub description: String,
    /// The updated `VCALENDAR` with `METHOD:REQUEST` and a higher
    /// `SEQUENCE` (RFC 5546 §3.2.2.1), attached when given.
    pub ics: Option<String>,
}

/// What a cancellation covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelScope {
    /// The meeting, with every occurrence if it repeats.
    Series,
    /// One occurrence of a repeating meeting; the others stay.
    Occurrence,
}

/// "The meeting is off": sent to attendees when a meeting or one of its
/// occurrences is cancelled.
#[derive(Clone, Debug)]
pub struct Cancellation {
    /// The recipient's language.
    pub locale: Locale,
    /// The recipient (see [`OutgoingMail::to`]).
    pub to: String,
    /// Who cancelled (user input).
    pub organizer_name: String,
    /// The meeting's title (user input).
    pub title: String,
    /// Whole series or one occurrence.
    pub scope: CancelScope,
    /// When the cancelled meeting (or occurrence) was, in the recipient's
    /// zone.
    pub when_label: String,
    /// The zone of `when_label` (IANA name).
    pub time_zone: String,
    /// The `VCALENDAR` with `METHOD:CANCEL` (RFC 5546 §3.2.5; with
    /// `RECURRENCE-ID` for one occurrence), attached when given.
    pub ics: Option<String>,
}

/// "Starts soon": sent before an occurrence, at each of its reminder
/// times.
#[derive(Clone, Debug)]
pub struct Reminder {
    /// The recipient's language.
    pub locale: Locale,
    /// The recipient (see [`OutgoingMail::to`]).
    pub to: String,
    /// The meeting's title (user input).
    pub title: String,
    /// Minutes from now to the start (0: starting now). Whole hours and
    /// days are said as such ("in 1 hour").
    pub minutes_before: u32,
    /// Date and time in the recipient's zone.
    pub when_label: String,
    /// The zone of `when_label` (IANA name).
    pub time_zone: String,
    /// Absolute URL of the meeting room.
    pub room_url: String,
}

/// Every word of every mail, per language. Templates take `{name}`
/// placeholders, filled in one pass by [`fill`] (a value is never scanned
/// for placeholders itself).
struct MailStrings {
    /// Subject; `{title}`, `{when}`.
    invitation_subject: &'static str,
    /// `{organizer}`.
    invitation_lead: &'static str,
    /// Subject; `{title}`, `{when}`.
    update_subject: &'static str,
    /// `{organizer}`.
    update_lead: &'static str,
    new_time: &'static str,
    previous_time: &'static str,
    /// Subject; `{title}`.
    cancel_series_subject: &'static str,
    /// Subject; `{title}`, `{when}`.
    cancel_occurrence_subject: &'static str,
    /// `{organizer}`.
    cancel_series_lead: &'static str,
    /// `{organizer}`.
    cancel_occurrence_lead: &'static str,
    /// Subject; `{title}`, `{duration}`.
    reminder_subject: &'static str,
    /// Subject; `{title}`.
    reminder_now_subject: &'static str,
    /// `{duration}`.
    reminder_lead: &'static str,
    reminder_now_lead: &'static str,
    when: &'static str,
    join: &'static str,
    room_link: &'static str,
    rsvp_question: &'static str,
    accept: &'static str,
    tentative: &'static str,
    decline: &'static str,
    description: &'static str,
    calendar_attached: &'static str,
    /// `{organizer}`.
    footer_organizer: &'static str,
    footer_reminder: &'static str,
    /// Forms of "minute" after a number: one, few, many.
    minutes: [&'static str; 3],
    /// Forms of "hour" after a number: one, few, many.
    hours: [&'static str; 3],
    /// Forms of "day" after a number: one, few, many.
    days: [&'static str; 3],
    /// Which form (0 one, 1 few, 2 many) goes with a number.
    plural: fn(u32) -> usize,
}

static EN: MailStrings = MailStrings {
    invitation_subject: "Invitation: {title} ({when})",
    invitation_lead: "{organizer} invites you to a meeting",
    update_subject: "Updated: {title} ({when})",
    update_lead: "{organizer} changed the time of this meeting",
    new_time: "New time",
    previous_time: "Previously",
    cancel_series_subject: "Cancelled: {title}",
    cancel_occurrence_subject: "Cancelled: {title} ({when})",
    cancel_series_lead: "{organizer} cancelled this meeting, with all of its occurrences.",
    cancel_occurrence_lead:
        "{organizer} cancelled one occurrence of this meeting. The others take place as planned.",
    reminder_subject: "{title} starts in {duration}",
    reminder_now_subject: "{title} starts now",
    reminder_lead: "Starts in {duration}",
    reminder_now_lead: "Starts now",
    when: "When",
    join: "Join the meeting",
    room_link: "Meeting link",
    rsvp_question: "Going?",
    accept: "Yes",
    tentative: "Maybe",
    decline: "No",
    description: "Description",
    calendar_attached: "The attached invite.ics updates your calendar.",
    footer_organizer: "Sent by Convene on behalf of {organizer}.",
    footer_reminder: "Sent by Convene: a reminder of a meeting you are invited to.",
    minutes: ["minute", "minutes", "minutes"],
    hours: ["hour", "hours", "hours"],
    days: ["day", "days", "days"],
    plural: english_plural,
};

static RU: MailStrings = MailStrings {
    invitation_subject: "Приглашение: {title} ({when})",
    invitation_lead: "{organizer} приглашает вас на встречу",
    update_subject: "Изменение: {title} ({when})",
    update_lead: "Время встречи изменено. Организатор: {organizer}",
    new_time: "Новое время",
    previous_time: "Было",
    cancel_series_subject: "Отмена: {title}",
    cancel_occurrence_subject: "Отмена: {title} ({when})",
    cancel_series_lead: "Встреча отменена вместе со всеми повторениями. Организатор: {organizer}.",
    cancel_occurrence_lead: "Отменено одно повторение встречи, остальные проходят как обычно. \
                             Организатор: {organizer}.",
    reminder_subject: "{title} начнётся через {duration}",
    reminder_now_subject: "{title} начинается сейчас",
    reminder_lead: "Начнётся через {duration}",
    reminder_now_lead: "Начинается сейчас",
    when: "Когда",
    join: "Присоединиться к встрече",
    room_link: "Ссылка на встречу",
    rsvp_question: "Вы придёте?",
    accept: "Да",
    tentative: "Возможно",
    decline: "Нет",
    description: "Описание",
    calendar_attached: "Приложенный файл invite.ics обновит ваш календарь.",
    footer_organizer: "Письмо отправлено Convene от имени организатора: {organizer}.",
    footer_reminder: "Напоминание Convene о встрече, на которую вас пригласили.",
    minutes: ["минуту", "минуты", "минут"],
    hours: ["час", "часа", "часов"],
    days: ["день", "дня", "дней"],
    plural: russian_plural,
};

fn strings(locale: Locale) -> &'static MailStrings {
    match locale {
        Locale::En => &EN,
        Locale::Ru => &RU,
    }
}

fn english_plural(n: u32) -> usize {
    if n == 1 {
        0
    } else {
        2
    }
}

/// 1, 21, 101 минуту; 2–4, 22–24 минуты; 0, 5–20, 25 минут.
fn russian_plural(n: u32) -> usize {
    let (last, last_two) = (n % 10, n % 100);
    if last == 1 && last_two != 11 {
        0
    } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
        1
    } else {
        2
    }
}

/// "10 minutes", "1 hour", "2 days" (whole hours and days as such).
fn duration_label(s: &MailStrings, minutes: u32) -> String {
    let (n, forms) = if minutes >= 1440 && minutes.is_multiple_of(1440) {
        (minutes / 1440, &s.days)
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, &s.hours)
    } else {
        (minutes, &s.minutes)
    };
    format!("{n} {}", forms[(s.plural)(n)])
}

/// Fills `{key}` placeholders in one pass; unknown placeholders stay as
/// they are, and values are copied verbatim (a title containing
/// `{organizer}` stays that text).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| (*value, close))
        });
        match filled {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `when (zone)`.
fn when_in_zone(when: &str, zone: &str) -> String {
    if zone.trim().is_empty() {
        when.to_owned()
    } else {
        format!("{when} ({zone})")
    }
}

/// An HTML document under construction: markup comes only from string
/// literals (`&'static str`), everything else goes through [`escape`].
struct Html(String);

impl Html {
    fn markup(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.0, text);
        self
    }

    /// Escaped text with its line breaks kept as `<br>`.
    fn lines(&mut self, text: &str) -> &mut Self {
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                self.markup("<br>");
            }
            self.text(line);
        }
        self
    }

    /// `<a href=url style=style>label</a>`, or just the label when `url`
    /// is not an `http(s)` URL (no `javascript:` links from bad data).
    fn link(&mut self, url: &str, style: &'static str, label: &str) -> &mut Self {
        if is_web_url(url) {
            self.markup("<a href=\"")
                .text(url)
                .markup("\" style=\"")
                .markup(style)
                .markup("\">")
                .text(label)
                .markup("</a>")
        } else {
            self.text(label)
        }
    }
}

/// HTML-escapes `text` (the five characters that matter in text and in
/// quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// What every mail shows, in order; rendered by [`Layout::render`] as
/// plain text and as HTML from the same data.
struct Layout<'a> {
    locale: Locale,
    subject: String,
    lead: String,
    title: &'a str,
    /// Label and value rows (e.g. "When").
    rows: Vec<(&'static str, String)>,
    room_url: Option<&'a str>,
    rsvp: Option<&'a RsvpLinks>,
    description: &'a str,
    /// A sentence under everything else, e.g. about the attachment.
    note: Option<&'static str>,
    footer: String,
}

const FONT: &str = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2937;";
const BUTTON: &str = "display:inline-block;padding:10px 18px;background-color:#2563eb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;";
const ANSWER: &str = "display:inline-block;margin:0 8px 8px 0;padding:6px 14px;border:1px solid #2563eb;color:#2563eb;text-decoration:none;border-radius:6px;";

impl Layout<'_> {
    fn render(&self, to: &str, ics: Option<(String, IcsMethod)>) -> OutgoingMail {
        let s = strings(self.locale);
        OutgoingMail {
            to: to.to_owned(),
            subject: self.subject.clone(),
            text: self.text(s),
            html: self.html(s),
            ics,
            locale: self.locale,
        }
    }

    fn text(&self, s: &MailStrings) -> String {
        let mut out = format!("{}\n\n{}\n\n", self.lead, self.title);
        for (label, value) in &self.rows {
            out.push_str(&format!("{label}: {value}\n"));
        }
        if let Some(url) = self.room_url {
            out.push_str(&format!("\n{}: {url}\n", s.join));
        }
        if let Some(rsvp) = self.rsvp {
            out.push_str(&format!(
                "\n{}\n  {}: {}\n  {}: {}\n  {}: {}\n",
                s.rsvp_question,
                s.accept,
                rsvp.accept,
                s.tentative,
                rsvp.tentative,
                s.decline,
                rsvp.decline
            ));
        }
        let description = self.description.trim();
        if !description.is_empty() {
            out.push_str(&format!("\n{}:\n{description}\n", s.description));
        }
        if let Some(note) = self.note {
            out.push_str(&format!("\n{note}\n"));
        }
        out.push_str(&format!("\n-- \n{}\n", self.footer));
        out
    }

    fn html(&self, s: &MailStrings) -> String {
        let mut h = Html(String::with_capacity(4096));
        h.markup("<!DOCTYPE html>\n<html lang=\"")
            .text(self.locale.code())
            .markup("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .markup("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .markup("<title>")
            .text(&self.subject)
            .markup("</title>\n</head>\n")
            .markup("<body style=\"margin:0;padding:0;background-color:#f3f4f6;\">\n")
            .markup("<div style=\"max-width:560px;margin:0 auto;padding:24px 16px;")
            .markup(FONT)
            .markup("\">\n")
            .markup("<div style=\"background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:24px;\">\n")
            .markup("<p style=\"margin:0 0 8px;color:#4b5563;\">")
            .text(&self.lead)
            .markup("</p>\n<h1 style=\"margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827;\">")
            .text(self.title)
            .markup("</h1>\n");
        if !self.rows.is_empty() {
            h.markup("<table role=\"presentation\" style=\"border-collapse:collapse;margin:0 0 16px;\">\n");
            for (label, value) in &self.rows {
                h.markup(
                    "<tr><td style=\"padding:2px 12px 2px 0;color:#6b7280;vertical-align:top;\">",
                )
                .text(label)
                .markup("</td><td style=\"padding:2px 0;\">")
                .text(value)
                .markup("</td></tr>\n");
            }
            h.markup("</table>\n");
        }
        if let Some(url) = self.room_url {
            h.markup("<p style=\"margin:0 0 4px;\">")
                .link(url, BUTTON, s.join)
                .markup("</p>\n<p style=\"margin:0 0 16px;font-size:13px;color:#6b7280;word-break:break-all;\">")
                .text(s.room_link)
                .markup(": ")
                .text(url)
                .markup("</p>\n");
        }
        if let Some(rsvp) = self.rsvp {
            h.markup("<p style=\"margin:16px 0 8px;font-weight:600;\">")
                .text(s.rsvp_question)
                .markup("</p>\n<p style=\"margin:0 0 8px;\">")
                .link(&rsvp.accept, ANSWER, s.accept)
                .markup(" ")
                .link(&rsvp.tentative, ANSWER, s.tentative)
                .markup(" ")
                .link(&rsvp.decline, ANSWER, s.decline)
                .markup("</p>\n");
        }
        let description = self.description.trim();
        if !description.is_empty() {
            h.markup(
                "<div style=\"margin:16px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;\">\n",
            )
            .markup("<p style=\"margin:0 0 4px;color:#6b7280;\">")
            .text(s.description)
            .markup("</p>\n<p style=\"margin:0;\">")
            .lines(description)
            .markup("</p>\n</div>\n");
        }
        if let Some(note) = self.note {
            h.markup("<p style=\"margin:16px 0 0;font-size:13px;color:#6b7280;\">")
                .text(note)
                .markup("</p>\n");
        }
        h.markup(
            "</div>\n<p style=\"margin:16px 0 0;font-size:12px;color:#6b7280;text-align:center;\">",
        )
        .text(&self.footer)
        .markup("</p>\n</div>\n</body>\n</html>\n");
        h.0
    }
}

impl Invitation {
    /// The invitation mail (subject, text, HTML; the calendar as
    /// `METHOD:REQUEST` when [`Invitation::ics`] is set).
    pub fn render(&self) -> OutgoingMail {
        let s = strings(self.locale);
        let when = when_in_zone(&self.when_label, &self.time_zone);
        Layout {
            locale: self.locale,
            subject: fill(
                s.invitation_subject,
                &[("title", &self.title), ("when", &self.when_label)],
            ),
            lead: fill(s.invitation_lead, &[("organizer", &self.organizer_name)]),
            title: &self.title,
            rows: vec![(s.when, when)],
            room_url: Some(&self.room_url),
            rsvp: self.rsvp.as_ref(),
            description: &self.description,
            note: None,
            footer: fill(s.footer_organizer, &[("organizer", &self.organizer_name)]),
        }
        .render(
            &self.to,
            self.ics.clone().map(|ics| (ics, IcsMethod::Request)),
        )
    }
}

impl Update {
    /// The update mail: the new time (and the old one when known); the
    /// calendar as `METHOD:REQUEST` when [`Update::ics`] is set.
    pub fn render(&self) -> OutgoingMail {
        let s = strings(self.locale);
        let mut rows = vec![(s.new_time, when_in_zone(&self.when_label, &self.time_zone))];
        if let Some(previous) = &self.previous_when_label {
            rows.push((s.previous_time, when_in_zone(previous, &self.time_zone)));
        }
        Layout {
            locale: self.locale,
            subject: fill(
                s.update_subject,
                &[("title", &self.title), ("when", &self.when_label)],
            ),
            lead: fill(s.update_lead, &[("organizer", &self.organizer_name)]),
            title: &self.title,
            rows,
            room_url: Some(&self.room_url),
            rsvp: self.rsvp.as_ref(),
            description: &self.description,
            note: self.ics.as_ref().map(|_| s.calendar_attached),
            footer: fill(s.footer_organizer, &[("organizer", &self.organizer_name)]),
        }
        .render(
            &self.to,
            self.ics.clone().map(|ics| (ics, IcsMethod::Request)),
        )
    }
}

impl Cancellation {
    /// The cancellation mail; the calendar as `METHOD:CANCEL` when
    /// [`Cancellation::ics`] is set.
    pub fn render(&self) -> OutgoingMail {
        let s = strings(self.locale);
        let values = [
            ("title", self.title.as_str()),
            ("when", self.when_label.as_str()),
            ("organizer", self.organizer_name.as_str()),
        ];
        let (subject, lead) = match self.scope {
            CancelScope::Series => (s.cancel_series_subject, s.cancel_series_lead),
            CancelScope::Occurrence => (s.cancel_occurrence_subject, s.cancel_occurrence_lead),
        };
        Layout {
            locale: self.locale,
            subject: fill(subject, &values),
            lead: fill(lead, &values),
            title: &self.title,
            rows: vec![(s.when, when_in_zone(&self.when_label, &self.time_zone))],
            room_url: None,
            rsvp: None,
            description: "",
            note: self.ics.as_ref().map(|_| s.calendar_attached),
            footer: fill(s.footer_organizer, &values),
        }
        .render(
            &self.to,
            self.ics.clone().map(|ics| (ics, IcsMethod::Cancel)),
        )
    }
}

impl Reminder {
    /// The reminder mail ("starts in 10 minutes", the room link); no
    /// calendar.
    pub fn render(&self) -> OutgoingMail {
        let s = strings(self.locale);
        let duration = duration_label(s, self.minutes_before);
        let values = [
            ("title", self.title.as_str()),
            ("duration", duration.as_str()),
        ];
        let (subject, lead) = if self.minutes_before == 0 {
            (s.reminder_now_subject, s.reminder_now_lead)
        } else {
            (s.reminder_subject, s.reminder_lead)
        };
        Layout {
            locale: self.locale,
            subject: fill(subject, &values),
            lead: fill(lead, &values),
            title: &self.title,
            rows: vec![(s.when, when_in_zone(&self.when_label, &self.time_zone))],
            room_url: Some(&self.room_url),
            rsvp: None,
            description: "",
            note: None,
            footer: s.footer_reminder.to_owned(),
        }
        .render(&self.to, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<b>Q&A</b> \"x\" 'y' <script>alert(1)</script>";

    fn invitation(locale: Locale) -> Invitation {
        Invitation {
            locale,
            to: "ann@example.com".into(),
            organizer_name: "Bob <bob@example.com>".into(),
            title: HOSTILE.into(),
            when_label: "Wed 25 Nov 2026, 15:00–15:45".into(),
            time_zone: "Asia/Tokyo".into(),
            room_url: "https://meet.example.com/m/abc?x=1&y=2".into(),
            rsvp: Some(RsvpLinks {
                accept: "https://meet.example.com/rsvp/t?a=accepted".into(),
                tentative: "https://meet.example.com/rsvp/t?a=tentative".into(),
                decline: "https://meet.example.com/rsvp/t?a=declined".into(),
            }),
            description: "Line 1 <i>\nLine 2 & more".into(),
            ics: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into()),
        }
    }

    /// Every `<` in the HTML must open one of the tags the layout writes;
    /// anything else means user text leaked in unescaped.
    fn assert_only_layout_tags(html: &str) {
        const TAGS: [&str; 25] = [
            "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "body",
            "/body", "div", "/div", "p", "/p", "h1", "/h1", "table", "/table", "tr", "/tr", "td",
            "/td", "a", "/a", "br",
        ];
        for piece in html.split('<').skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>')
                .collect();
            assert!(
                TAGS.contains(&name.as_str()),
                "unexpected tag <{name}> in {html}"
            );
        }
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_in_text() {
        for locale in Locale::ALL {
            let mail = invitation(locale).render();
            assert!(mail
                .html
                .contains("&lt;b&gt;Q&amp;A&lt;/b&gt; &quot;x&quot; &#39;y&#39;"));
            assert!(!mail.html.contains("<b>") && !mail.html.contains("<script>"));
            assert!(mail.html.contains("Bob &lt;bob@example.com&gt;"));
            assert!(mail.html.contains("Line 1 &lt;i&gt;<br>Line 2 &amp; more"));
            assert!(mail
                .html
                .contains("href=\"https://meet.example.com/m/abc?x=1&amp;y=2\""));
            assert_only_layout_tags(&mail.html);
            assert!(mail.text.contains(HOSTILE));
            assert!(mail.subject.contains(HOSTILE));
        }
    }

    #[test]
    fn invitation_speaks_the_recipients_language() {
        let en = invitation(Locale::En).render();
        assert!(en.subject.starts_with("Invitation: "));
        assert!(en
            .text
            .contains("Bob <bob@example.com> invites you to a meeting"));
        assert!(en
            .text
            .contains("When: Wed 25 Nov 2026, 15:00–15:45 (Asia/Tokyo)"));
        assert!(en
            .text
            .contains("Yes: https://meet.example.com/rsvp/t?a=accepted"));
        assert!(en.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert_eq!(en.locale, Locale::En);
        let ru = invitation(Locale::Ru).render();
        assert!(ru.subject.starts_with("Приглашение: "));
        assert!(ru.text.contains("приглашает вас на встречу"));
        assert!(ru
            .text
            .contains("Когда: Wed 25 Nov 2026, 15:00–15:45 (Asia/Tokyo)"));
        assert!(ru.html.contains("Присоединиться к встрече"));
        assert!(ru.html.contains("<html lang=\"ru\">"));
        assert_eq!(ru.ics.as_ref().map(|(_, m)| *m), Some(IcsMethod::Request));
    }

    #[test]
    fn links_are_made_only_from_web_urls() {
        let mut bad = invitation(Locale::En);
        bad.room_url = "javascript:alert(1)".into();
        let mail = bad.render();
        assert!(!mail.html.contains("href=\"javascript"));
        assert!(mail.html.contains("Join the meeting"));
    }

    #[test]
    fn placeholders_in_user_text_are_not_filled() {
        let mut sneaky = invitation(Locale::En);
        sneaky.organizer_name = "{title}".into();
        sneaky.title = "{organizer}".into();
        let mail = sneaky.render();
        assert!(mail.text.starts_with("{title} invites you to a meeting"));
        assert_eq!(fill("{a}{b}{", &[("a", "{b}"), ("b", "2")]), "{b}2{",);
    }

    #[test]
    fn update_shows_new_and_previous_time() {
        let mail = Update {
            locale: Locale::En,
            to: "ann@example.com".into(),
            organizer_name: "Bob".into(),
            title: "Standup".into(),
            when_label: "Thu 26 Nov 2026, 10:00–10:15".into(),
            previous_when_label: Some("Wed 25 Nov 2026, 10:00–10:15".into()),
            time_zone: "Europe/Moscow".into(),
            room_url: "https://meet.example.com/m/abc".into(),
            rsvp: None,
            description: String::new(),
            ics: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into()),
        }
        .render();
        assert_eq!(
            mail.subject,
            "Updated: Standup (Thu 26 Nov 2026, 10:00–10:15)"
        );
        assert!(mail
            .text
            .contains("New time: Thu 26 Nov 2026, 10:00–10:15 (Europe/Moscow)"));
        assert!(mail
            .text
            .contains("Previously: Wed 25 Nov 2026, 10:00–10:15 (Europe/Moscow)"));
        assert!(!mail.text.contains("Going?"));
    }

    #[test]
    fn cancellation_says_whether_the_series_or_one_occurrence_is_off() {
        let cancel = |locale, scope| {
            Cancellation {
                locale,
                to: "ann@example.com".into(),
                organizer_name: "Bob".into(),
                title: "Standup".into(),
                scope,
                when_label: "Wed 25 Nov 2026, 10:00".into(),
                time_zone: "UTC".into(),
                ics: Some("BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n".into()),
            }
            .render()
        };
        let series = cancel(Locale::En, CancelScope::Series);
        assert_eq!(series.subject, "Cancelled: Standup");
        assert!(series.text.contains("with all of its occurrences"));
        assert_eq!(
            series.ics.as_ref().map(|(_, m)| *m),
            Some(IcsMethod::Cancel)
        );
        let one = cancel(Locale::Ru, CancelScope::Occurrence);
        assert_eq!(one.subject, "Отмена: Standup (Wed 25 Nov 2026, 10:00)");
        assert!(one.text.contains("Отменено одно повторение"));
        assert!(!one.html.contains("href="));
    }

    #[test]
    fn reminder_counts_minutes_hours_and_days_in_each_language() {
        let reminder = |locale, minutes_before| {
            Reminder {
                locale,
                to: "ann@example.com".into(),
                title: "Standup".into(),
                minutes_before,
                when_label: "10:00".into(),
                time_zone: "UTC".into(),
                room_url: "https://meet.example.com/m/abc".into(),
            }
            .render()
        };
        let subject = |locale, n| reminder(locale, n).subject;
        assert_eq!(subject(Locale::En, 1), "Standup starts in 1 minute");
        assert_eq!(subject(Locale::En, 10), "Standup starts in 10 minutes");
        assert_eq!(subject(Locale::En, 60), "Standup starts in 1 hour");
        assert_eq!(subject(Locale::En, 2880), "Standup starts in 2 days");
        assert_eq!(subject(Locale::En, 0), "Standup starts now");
        assert_eq!(subject(Locale::Ru, 1), "Standup начнётся через 1 минуту");
        assert_eq!(subject(Locale::Ru, 3), "Standup начнётся через 3 минуты");
        assert_eq!(subject(Locale::Ru, 11), "Standup начнётся через 11 минут");
        assert_eq!(subject(Locale::Ru, 21), "Standup начнётся через 21 минуту");
        assert_eq!(subject(Locale::Ru, 120), "Standup начнётся через 2 часа");
        assert_eq!(subject(Locale::Ru, 1440), "Standup начнётся через 1 день");
        let mail = reminder(Locale::En, 10);
        assert!(mail
            .text
            .contains("Join the meeting: https://meet.example.com/m/abc"));
        assert!(mail.ics.is_none());
    }

    #[test]
    fn russian_plural_forms_follow_the_last_digits() {
        let forms: Vec<usize> = [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112]
            .into_iter()
            .map(russian_plural)
            .collect();
        assert_eq!(forms, [2, 0, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0, 2, 2]);
    }
}
