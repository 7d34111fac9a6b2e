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

#[cfg(test)]
mod tests {
    use super::*;

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
