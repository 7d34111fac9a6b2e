//! Errors of the HTTP API: always JSON, `{"code": "...", "message":
//! "...", "field": "..."}`, with a stable snake_case `code` and the HTTP
//! status that fits (RFC 9110 §15). Extractor rejections (a body that is
//! not JSON, a bad query string) are turned into the same shape, so a
//! client never has to parse axum's plain-text answers.

use crate::error::{AppError, Invalid};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What went wrong, as clients branch on it. Serialized in snake_case;
/// the set only grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a field's value is not acceptable; `field` names it.
    InvalidInput,
    /// 400: the body is not JSON or does not have the expected shape.
    InvalidJson,
    /// 401: no `Authorization: Bearer` token, or an unknown or revoked one.
    Unauthorized,
    /// 403: visible to the caller, but only its organizer may do this.
    Forbidden,
    /// 404: no such thing, or not visible to the caller.
    NotFound,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 500: something broke on the server; details are in its log only.
    Internal,
}

/// The body of every error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// An English sentence for people reading logs; not for branching.
    pub message: String,
    /// The request field (JSON member or query parameter) at fault, for
    /// `invalid_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answer: a status and an [`ErrorBody`].
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    /// 400 `invalid_input` about `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message);
        error.body.field = Some(field.to_owned());
        error
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid API token is required: Authorization: Bearer cvn_...",
        )
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found")
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "this method is not allowed on this path",
        )
    }

    /// 500 `internal`; the cause has been logged where it happened.
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error",
        )
    }

    /// The error for a rejected value of the API's `field` (the
    /// validation is shared with the meeting form, whose field names
    /// differ).
    pub fn from_invalid(problem: Invalid, field: &str) -> Self {
        ApiError::invalid(field, format!("{field}: {}", invalid_message(problem)))
    }
}

/// What is wrong, in English, for an [`Invalid`].
fn invalid_message(problem: Invalid) -> &'static str {
    match problem {
        Invalid::EmailMalformed | Invalid::InviteeMalformed => "not a valid email address",
        Invalid::EmailTaken => "already in use",
        Invalid::PasswordWeak => "too weak",
        Invalid::DisplayNameEmpty | Invalid::TitleEmpty | Invalid::ChatEmpty => "must not be empty",
        Invalid::DisplayNameTooLong
        | Invalid::TitleTooLong
        | Invalid::ChatTooLong
        | Invalid::DescriptionTooLong => "too long",
        Invalid::DateMalformed | Invalid::TimeMalformed => {
            "must be a local date and time, YYYY-MM-DDTHH:MM"
        }
        Invalid::DurationOutOfRange => "must be 5 to 1440 minutes",
        Invalid::TimeZoneUnknown => "not an IANA time zone name",
        Invalid::TooManyInvitees => "too many attendees (at most 100)",
        Invalid::RepeatInvalid => "not an RRULE Convene can expand (RFC 5545)",
        Invalid::RepeatCountOutOfRange => "COUNT must be 1 to 1000",
        Invalid::RepeatUntilInvalid => "UNTIL is unreadable or before the start",
        Invalid::RemindersInvalid => "at most 5 reminders of 0 to 40320 minutes",
        Invalid::IcsUnreadable | Invalid::IcsNoEvents => "not a usable iCalendar file",
        // Problems of other features' forms never come from this API.
        _ => "invalid value",
    }
}

/// The API's name for the field a shared validation error belongs to.
pub fn api_field(problem: Invalid) -> &'static str {
    match problem {
        Invalid::DateMalformed | Invalid::TimeMalformed => "start",
        Invalid::InviteeMalformed | Invalid::TooManyInvitees => "attendees",
        Invalid::RepeatInvalid | Invalid::RepeatCountOutOfRange | Invalid::RepeatUntilInvalid => {
            "rrule"
        }
        other => other.field(),
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(problem) => ApiError::from_invalid(problem, api_field(problem)),
            AppError::WrongCredentials | AppError::Unauthorized => ApiError::unauthorized(),
            AppError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "only the organizer may do this",
            ),
            AppError::NotFound => ApiError::not_found(),
            AppError::Transport(message) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, message)
            }
            // Already logged by `AppError::internal`.
            AppError::Internal => ApiError::internal(),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "the body must be JSON (Content-Type: application/json)",
            ),
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "the body is too large",
                )
            }
            // serde's message names the member and position, never
            // anything of the server.
            other => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                other.body_text(),
            ),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let message = rejection.body_text();
        // "Failed to deserialize query string: missing field `from`".
        let field = message
            .split('`')
            .nth(1)
            .filter(|f| !f.is_empty())
            .unwrap_or("query")
            .to_owned();
        ApiError::invalid(&field, message)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid("path", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"convene\""),
            );
        }
        response
    }
}

/// A JSON body whose rejection is an [`ApiError`]; also a JSON answer.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Answers paths under `/api/v1` that do not exist.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Answers methods a path of `/api/v1` does not have.
pub async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
