//! Accounts: sign up, sign in, sign out, and who is asking.
//!
//! Passwords are hashed with argon2id; a signed-in browser holds a JWT
//! (HS256) in an `HttpOnly; SameSite=Lax` cookie that names a row of
//! `sessions`, so signing out revokes it on the server too
//! ([`session`]).

pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use crate::error::{AppResult, Invalid};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A syntactically valid email address, trimmed and lower-cased, so that
/// `Ann@Example.com` and `ann@example.com` are one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321 §4.5.3.1.3 path limit).
    pub const MAX_LEN: usize = 254;

    /// Parses an address: one `@`, a non-empty local part, a domain with a
    /// dot and no empty labels, no spaces or angle brackets.
    ///
    /// # Errors
    /// [`Invalid::EmailMalformed`].
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= Self::MAX_LEN
            && email.split('@').count() == 2
            && !email.contains(|c: char| c.is_whitespace() || "<>()[],;:\"\\".contains(c))
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
            });
        if valid {
            Ok(Email(email))
        } else {
            Err(Invalid::EmailMalformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name other people see: trimmed, 1–64 characters, no control
/// characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    /// Most characters (Unicode scalar values) a name may have.
    pub const MAX_CHARS: usize = 64;

    /// # Errors
    /// [`Invalid::DisplayNameEmpty`] or [`Invalid::DisplayNameTooLong`].
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name: String = raw
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        match name.chars().count() {
            0 => Err(Invalid::DisplayNameEmpty),
            n if n > Self::MAX_CHARS => Err(Invalid::DisplayNameTooLong),
            _ => Ok(DisplayName(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password strong enough to accept: at least [`Self::MIN_CHARS`]
/// characters, not one character repeated, not a well-known password, not
/// the email itself. Never serialized, never logged.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    /// Upper bound, so hashing cost stays bounded.
    pub const MAX_CHARS: usize = 256;

    const COMMON: [&'static str; 12] = [
        "1234567890",
        "12345678910",
        "123456789a",
        "qwertyuiop",
        "password123",
        "password1234",
        "passwordpassword",
        "iloveyou123",
        "qwerty123456",
        "1q2w3e4r5t",
        "йцукенгшщз",
        "0987654321",
    ];

    /// # Errors
    /// [`Invalid::PasswordWeak`].
    pub fn parse(raw: &str, email: &Email) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        let lower = raw.to_lowercase();
        let first = raw.chars().next().unwrap_or_default();
        let one_char_repeated = raw.chars().all(|c| c == first);
        let weak = !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars)
            || one_char_repeated
            || Self::COMMON.contains(&lower.as_str())
            || lower == email.as_str()
            || email.as_str().split('@').next() == Some(lower.as_str());
        if weak {
            Err(Invalid::PasswordWeak)
        } else {
            Ok(NewPassword(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Account-wide role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(raw: &str) -> Role {
        if raw == "admin" {
            Role::Admin
        } else {
            Role::Member
        }
    }
}

/// The signed-in user as the pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// IANA zone name the calendar is shown in.
    pub time_zone: String,
}

/// Only local paths may be redirect targets, so a crafted `next` cannot
/// send someone to another site after signing in.
pub fn safe_next(next: &str) -> String {
    let next = next.trim();
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/calendar".to_owned()
    }
}

/// Creates an account and signs it in; redirects to `next` (a local path).
///
/// `time_zone` is the browser's IANA zone, used for the calendar; an
/// unknown one falls back to UTC.
///
/// # Errors
/// [`Invalid::EmailMalformed`], [`Invalid::EmailTaken`],
/// [`Invalid::PasswordWeak`], [`Invalid::DisplayNameEmpty`],
/// [`Invalid::DisplayNameTooLong`].
#[server(endpoint = "register")]
pub async fn register(
    email: String,
    display_name: String,
    password: String,
    #[server(default)] time_zone: String,
    #[server(default)] next: String,
) -> AppResult<()> {
    let email = Email::parse(&email)?;
    let display_name = DisplayName::parse(&display_name)?;
    let password = NewPassword::parse(&password, &email)?;
    // The form leaves the zone empty before hydration; the shell's script
    // has then put the browser's zone in the `tz` cookie.
    let time_zone = if time_zone.trim().is_empty() {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| session::cookie_value(&parts.headers, "tz").map(str::to_owned))
            .unwrap_or_default()
    } else {
        time_zone
    };
    let time_zone = crate::zone::parse_or_utc(&time_zone);
    let hash = password::hash(password.expose()).await?;
    let db = crate::db::use_db()?;
    let locale = crate::i18n::request_locale();
    let user_id = db::insert_user(&db, &email, &display_name, &hash, &time_zone, locale).await?;
    session::start(&db, &user_id, Role::Member).await?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// Signs in with email and password; redirects to `next` (a local path).
///
/// # Errors
/// [`AppError::WrongCredentials`] for an unknown email or a wrong password
/// (the same answer for both, after the same work).
#[server(endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] next: String,
) -> AppResult<()> {
    let db = crate::db::use_db()?;
    let found = match Email::parse(&email) {
        Ok(email) => db::find_credentials(&db, &email).await?,
        Err(_) => None,
    };
    let (user_id, role, hash) = match found {
        Some(found) => found,
        None => {
            password::burn_time(&password).await;
            return Err(AppError::WrongCredentials);
        }
    };
    if !password::verify(&password, &hash).await? {
        return Err(AppError::WrongCredentials);
    }
    session::start(&db, &user_id, role).await?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// Signs out: revokes the session row and clears the cookie; redirects to
/// the start page.
#[server(endpoint = "logout")]
pub async fn logout() -> AppResult<()> {
    let db = crate::db::use_db()?;
    session::end(&db).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The signed-in user, or `None` for a visitor.
#[server(endpoint = "current_user")]
pub async fn current_user() -> AppResult<Option<User>> {
    Ok(session::viewer())
}

/// The signed-in user, or [`AppError::Unauthorized`].
#[cfg(feature = "ssr")]
pub fn require_user() -> AppResult<User> {
    session::viewer().ok_or(AppError::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@c.d",
            "a@b@c.d",
            "a@.com",
            "<a@b.c>",
        ] {
            assert_eq!(Email::parse(bad), Err(Invalid::EmailMalformed), "{bad}");
        }
    }

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Анна  ").unwrap().as_str(), "Анна");
        assert_eq!(DisplayName::parse("   "), Err(Invalid::DisplayNameEmpty));
        assert_eq!(
            DisplayName::parse(&"я".repeat(65)),
            Err(Invalid::DisplayNameTooLong)
        );
        assert!(DisplayName::parse(&"я".repeat(64)).is_ok());
        assert_eq!(DisplayName::parse("a\u{0}b").unwrap().as_str(), "a b");
    }

    #[test]
    fn weak_passwords_are_refused() {
        let email = Email::parse("ann@example.com").unwrap();
        for weak in [
            "short",
            "aaaaaaaaaaaa",
            "Password123",
            "ann@example.com",
            "1234567890",
        ] {
            assert!(NewPassword::parse(weak, &email).is_err(), "{weak}");
        }
        assert!(NewPassword::parse("correct horse battery", &email).is_ok());
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/m/abc"), "/m/abc");
        assert_eq!(safe_next("https://evil.example"), "/calendar");
        assert_eq!(safe_next("//evil.example"), "/calendar");
        assert_eq!(safe_next(""), "/calendar");
    }
}
