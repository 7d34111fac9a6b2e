//! One error type for everything a request can fail with.
//!
//! [`AppError`] crosses the server-function boundary as JSON with a stable
//! `code`; the browser turns the code into a localized sentence
//! ([`crate::i18n::Strings::error`]). Internal causes (database, I/O) are
//! logged on the server and reach the user only as [`AppError::Internal`].

use leptos::server_fn::{self};
use serde::{Deserialize, Serialize};
use server_fn::{codec::JsonEncoding, error::FromServerFnError, ServerFnError};

/// Something the user typed that Convene cannot accept, tied to the form
/// field it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    EmailMalformed,
    EmailTaken,
    PasswordWeak,
    DisplayNameEmpty,
    DisplayNameTooLong,
    TitleEmpty,
    TitleTooLong,
    DateMalformed,
    TimeMalformed,
    DurationOutOfRange,
    TimeZoneUnknown,
    InviteeMalformed,
    TooManyInvitees,
    ChatEmpty,
    ChatTooLong,
    /// A description over 5,000 characters.
    DescriptionTooLong,
    /// An RRULE that is unreadable or outside what Convene expands.
    RepeatInvalid,
    /// COUNT outside 1–1000.
    RepeatCountOutOfRange,
    /// UNTIL unreadable, or before the first occurrence.
    RepeatUntilInvalid,
    /// Reminder minutes not a list of 0–40320 (four weeks).
    RemindersInvalid,
    /// A file that is not iCalendar (RFC 5545).
    IcsUnreadable,
    /// An iCalendar file without a usable VEVENT.
    IcsNoEvents,
    /// The optional second time zone is not an IANA zone.
    SecondTimeZoneUnknown,
    /// A web push subscription that is not an `https://` push service
    /// with a P-256 key and a 16-byte secret (RFC 8291).
    PushSubscription,
}

impl Invalid {
    /// The form field (its `name` attribute) the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Invalid::EmailMalformed | Invalid::EmailTaken => "email",
            Invalid::PasswordWeak => "password",
            Invalid::DisplayNameEmpty | Invalid::DisplayNameTooLong => "display_name",
            Invalid::TitleEmpty | Invalid::TitleTooLong => "title",
            Invalid::DateMalformed => "date",
            Invalid::TimeMalformed => "time",
            Invalid::DurationOutOfRange => "duration_min",
            Invalid::TimeZoneUnknown => "time_zone",
            Invalid::InviteeMalformed | Invalid::TooManyInvitees => "invitees",
            Invalid::ChatEmpty | Invalid::ChatTooLong => "text",
            Invalid::DescriptionTooLong => "description",
            Invalid::RepeatInvalid => "repeat",
            Invalid::RepeatCountOutOfRange => "repeat_count",
            Invalid::RepeatUntilInvalid => "repeat_until",
            Invalid::RemindersInvalid => "reminders",
            Invalid::IcsUnreadable | Invalid::IcsNoEvents => "file",
            Invalid::SecondTimeZoneUnknown => "second_time_zone",
            Invalid::PushSubscription => "endpoint",
        }
    }
}

/// Why a request failed. Serialized as `{"code": "...", "detail": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// Input was rejected; nothing was stored.
    #[error("invalid input: {0:?}")]
    Invalid(Invalid),
    /// Email and password do not match an account.
    #[error("wrong email or password")]
    WrongCredentials,
    /// The request needs a signed-in account (HTTP 401).
    #[error("sign-in required")]
    Unauthorized,
    /// Signed in, but not allowed to do this (HTTP 403).
    #[error("not allowed")]
    Forbidden,
    /// The thing asked for does not exist, or is not visible to the caller.
    #[error("not found")]
    NotFound,
    /// Something broke on the server; the cause is in the server log.
    #[error("internal error")]
    Internal,
    /// The request did not reach the server or its answer was unreadable.
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) | AppError::Transport(_) => 400,
            AppError::WrongCredentials | AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Internal => 500,
        }
    }

    /// Logs `cause` with its context and returns [`AppError::Internal`].
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }
}

impl From<Invalid> for AppError {
    fn from(problem: Invalid) -> Self {
        AppError::Invalid(problem)
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::internal("database", error)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        AppError::Transport(value.to_string())
    }
}

/// Result of a server function.
pub type AppResult<T> = Result<T, AppError>;
