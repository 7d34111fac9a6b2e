//! The MIME shape of a mail (RFC 2045/2046), with the calendar the iMIP
//! way (RFC 6047):
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain; charset=utf-8
//! │   ├── text/html; charset=utf-8
//! │   └── text/calendar; charset=utf-8; method=REQUEST   (inline)
//! └── application/ics; name="invite.ics"                 (attachment)
//! ```
//!
//! Mail programs that understand iMIP (Gmail, Outlook, Apple Mail) show
//! the inline calendar part as an invitation; the others offer the
//! attachment. Without a calendar the mail is just the
//! `multipart/alternative`.

use super::{IcsMethod, MailError, OutgoingMail};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// The attachment's file name.
pub(super) const ICS_FILE_NAME: &str = "invite.ics";

/// Builds the message: `From`, `To`, `Subject` (RFC 2047 encoded when not
/// ASCII), `Date` (now), `Message-ID` `<{id}@{sender's domain}>`,
/// `Content-Language`, `Auto-Submitted: auto-generated` (RFC 3834, so
/// auto-responders stay quiet) and the body above.
///
/// # Errors
/// [`MailError::Invalid`] for a malformed recipient or a calendar whose
/// `METHOD` is not `method`.
pub(super) fn message(from: &Mailbox, mail: &OutgoingMail, id: &str) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .trim()
        .parse()
        .map_err(|e| MailError::Invalid(format!("recipient {:?}: {e}", mail.to)))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(mail.text.clone()))
        .singlepart(SinglePart::html(mail.html.clone()));
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&mail.subject))
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            mail.locale.code().to_owned(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    let built = match &mail.ics {
        None => builder.multipart(alternative),
        Some((ics, method)) => {
            check_method(ics, *method)?;
            let inline = SinglePart::builder()
                .content_type(content_type(&format!(
                    "text/calendar; charset=utf-8; method={}",
                    method.as_str()
                ))?)
                .body(ics.clone());
            let attachment = Attachment::new(ICS_FILE_NAME.to_owned()).body(
                ics.clone(),
                content_type(&format!("application/ics; name=\"{ICS_FILE_NAME}\""))?,
            );
            builder.multipart(
                MultiPart::mixed()
                    .multipart(alternative.singlepart(inline))
                    .singlepart(attachment),
            )
        }
    };
    built.map_err(|e| MailError::Invalid(e.to_string()))
}

fn content_type(text: &str) -> Result<ContentType, MailError> {
    ContentType::parse(text).map_err(|e| MailError::Invalid(format!("content type {text}: {e}")))
}

/// RFC 6047 §2.4: the content type's `method` must equal the calendar's
/// `METHOD` property, or clients ignore (or misread) the invitation.
fn check_method(ics: &str, method: IcsMethod) -> Result<(), MailError> {
    if !ics.trim_start().starts_with("BEGIN:VCALENDAR") {
        return Err(MailError::Invalid(
            "the calendar does not start with BEGIN:VCALENDAR".to_owned(),
        ));
    }
    let found = ics
        .lines()
        .find_map(|line| line.trim_end().strip_prefix("METHOD:"))
        .map(str::to_owned);
    match found {
        Some(found) if found.eq_ignore_ascii_case(method.as_str()) => Ok(()),
        Some(found) => Err(MailError::Invalid(format!(
            "the calendar says METHOD:{found} but the mail is a {}",
            method.as_str()
        ))),
        None => Err(MailError::Invalid(format!(
            "the calendar has no METHOD property (iMIP needs METHOD:{})",
            method.as_str()
        ))),
    }
}

/// A header value on one line: user text (a title) with a line break
/// would otherwise end the header early.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//EN\r\n\
                       METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1@convene\r\n\
                       DTSTAMP:20261120T000000Z\r\nDTSTART:20261125T060000Z\r\n\
                       SUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn mail(ics: Option<(String, IcsMethod)>) -> OutgoingMail {
        OutgoingMail {
            to: "ann@example.com".into(),
            subject: "Line one\r\nBcc: eve@example.com".into(),
            text: "hello".into(),
            html: "<p>hello</p>".into(),
            ics,
            locale: Locale::Ru,
        }
    }

    fn from() -> Mailbox {
        "Convene <no-reply@example.com>".parse().unwrap()
    }

    fn formatted(mail: &OutgoingMail) -> String {
        let message = message(&from(), mail, "row-1").unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn calendar_is_inline_alternative_and_attachment() {
        let text = formatted(&mail(Some((ICS.into(), IcsMethod::Request))));
        let mixed = text.find("multipart/mixed").unwrap();
        let alternative = text.find("multipart/alternative").unwrap();
        let inline = text
            .find("text/calendar; charset=utf-8; method=REQUEST")
            .unwrap();
        let attachment = text.find("filename=\"invite.ics\"").unwrap();
        assert!(mixed < alternative && alternative < inline && inline < attachment);
        assert!(text.contains("Message-ID: <row-1@example.com>"));
        assert!(text.contains("Auto-Submitted: auto-generated"));
        assert!(text.contains("Content-Language: ru"));
        assert!(text.contains("\r\nDate: "));
    }

    #[test]
    fn mail_without_calendar_is_only_alternative() {
        let text = formatted(&mail(None));
        assert!(text.contains("multipart/alternative"));
        assert!(!text.contains("multipart/mixed"));
        assert!(!text.contains("text/calendar"));
    }

    #[test]
    fn a_line_break_in_the_subject_cannot_add_headers() {
        let text = formatted(&mail(None));
        assert!(!text.contains("\r\nBcc:"));
        assert!(text.contains("Subject: Line one Bcc: eve@example.com"));
    }

    #[test]
    fn calendar_method_must_match_the_mail() {
        let error =
            message(&from(), &mail(Some((ICS.into(), IcsMethod::Cancel))), "x").unwrap_err();
        assert!(matches!(error, MailError::Invalid(_)));
        let no_method = ICS.replace("METHOD:REQUEST\r\n", "");
        let error =
            message(&from(), &mail(Some((no_method, IcsMethod::Request))), "x").unwrap_err();
        assert!(error.to_string().contains("no METHOD"));
    }

    #[test]
    fn malformed_recipient_is_invalid_not_temporary() {
        let mut bad = mail(None);
        bad.to = "not an address".into();
        let error = message(&from(), &bad, "x").unwrap_err();
        assert!(matches!(error, MailError::Invalid(_)));
        assert!(!error.is_temporary());
    }
}
