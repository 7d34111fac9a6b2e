//! Chat beside a meeting: messages are persisted, the last
//! [`HISTORY_LEN`] are replayed to whoever joins, and they are always
//! rendered as text, never as HTML.

pub mod components;
#[cfg(feature = "ssr")]
pub mod db;

use crate::error::Invalid;
use serde::{Deserialize, Serialize};

/// How many past messages a joining participant receives.
pub const HISTORY_LEN: usize = 100;

/// One chat message as participants see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    pub from_name: String,
    /// The sender's peer id while they are in the call (live messages
    /// only; `None` in replayed history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<crate::meeting::protocol::PeerId>,
    /// Set for a private message: the one peer it was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<crate::meeting::protocol::PeerId>,
    pub text: String,
    /// When the server accepted it, Unix ms (UTC).
    pub sent_at_ms: i64,
}

/// Validated chat text: trimmed, 1–[`ChatText::MAX_CHARS`] characters,
/// control characters other than newline and tab removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatText(String);

impl ChatText {
    pub const MAX_CHARS: usize = 2000;

    /// # Errors
    /// [`Invalid::ChatEmpty`] or [`Invalid::ChatTooLong`].
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        match text.chars().count() {
            0 => Err(Invalid::ChatEmpty),
            n if n > Self::MAX_CHARS => Err(Invalid::ChatTooLong),
            _ => Ok(ChatText(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A piece of chat text: plain text, or a web address shown as a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// An `http://` or `https://` URL, exactly as typed.
    Link(String),
}

/// Splits chat text into text and links. Only `http(s)://` addresses
/// become links (never `javascript:` or `data:`); trailing punctuation
/// that usually ends a sentence stays text. The pieces are rendered as
/// text nodes and `<a rel="noopener noreferrer">`, never as HTML.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        plain.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let mut url = &tail[..end];
        while let Some(last) = url.chars().last() {
            let unbalanced_paren =
                last == ')' && url.matches('(').count() < url.matches(')').count();
            if matches!(
                last,
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | ']' | '>'
            ) || unbalanced_paren
            {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        let scheme_only = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .is_empty();
        if scheme_only {
            plain.push_str(url);
        } else {
            if !plain.is_empty() {
                out.push(Segment::Text(std::mem::take(&mut plain)));
            }
            out.push(Segment::Link(url.to_owned()));
        }
        rest = &tail[url.len()..];
        if url.is_empty() {
            // Cannot happen (a scheme was found), but never loop forever.
            plain.push_str(rest);
            rest = "";
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Segment::Text(plain));
    }
    out
}

/// Byte offset of the next `http://` or `https://` (any case).
fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Segment {
        Segment::Text(s.into())
    }

    fn link(s: &str) -> Segment {
        Segment::Link(s.into())
    }

    #[test]
    fn web_addresses_become_links_and_nothing_else_does() {
        assert_eq!(segments("no links here"), vec![text("no links here")]);
        assert_eq!(
            segments("see https://example.com/a?b=1, then http://x.org."),
            vec![
                text("see "),
                link("https://example.com/a?b=1"),
                text(", then "),
                link("http://x.org"),
                text("."),
            ]
        );
        assert_eq!(
            segments("javascript:alert(1) data:text/html,<b>x</b>"),
            vec![text("javascript:alert(1) data:text/html,<b>x</b>")]
        );
        assert_eq!(
            segments("(https://en.wikipedia.org/wiki/Rust_(language))"),
            vec![
                text("("),
                link("https://en.wikipedia.org/wiki/Rust_(language)"),
                text(")"),
            ]
        );
        assert_eq!(segments("https:// alone"), vec![text("https:// alone")]);
        assert_eq!(
            segments("HTTPS://EXAMPLE.COM<script>"),
            vec![link("HTTPS://EXAMPLE.COM<script"), text(">")]
        );
        assert_eq!(
            segments("ссылка: https://пример.рф"),
            vec![text("ссылка: "), link("https://пример.рф")]
        );
    }

    #[test]
    fn chat_text_is_trimmed_and_bounded() {
        assert_eq!(ChatText::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(ChatText::parse(" \u{7} "), Err(Invalid::ChatEmpty));
        assert_eq!(
            ChatText::parse(&"x".repeat(2001)),
            Err(Invalid::ChatTooLong)
        );
        assert_eq!(ChatText::parse("a\u{1b}[31mb").unwrap().as_str(), "a[31mb");
        assert_eq!(
            ChatText::parse("line 1\nline 2").unwrap().as_str(),
            "line 1\nline 2"
        );
    }
}
