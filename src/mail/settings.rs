//! How to reach the SMTP server: `CONVENE_SMTP_URL` parsed once into an
//! [`SmtpUrl`], and the sender from `CONVENE_MAIL_FROM`.
//!
//! The URL scheme follows lettre's connection URLs (`smtp://`, `smtps://`,
//! `?tls=`), with one deliberate difference: a bare `smtp://` means
//! STARTTLS *required* (RFC 3207), where lettre would talk in the clear.
//! Mail submission with a password (RFC 6409, port 587) must not fall back
//! to plain text because a server forgot to offer STARTTLS, and a local
//! relay without TLS has to say so with `?tls=none`.

use lettre::message::Mailbox;
use std::fmt;

/// Mail delivery settings (read by `server::config` from the environment).
///
/// `smtp: None` means mail is off: every mail is still written to the
/// `mail_outbox` table, but nothing is sent.
#[derive(Clone, Debug, Default)]
pub struct MailSettings {
    /// The SMTP server and the sender; `None` when `CONVENE_SMTP_URL` is
    /// not set.
    pub smtp: Option<SmtpSettings>,
}

/// A configured SMTP server and the address mail comes from.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// Where to submit mail (`CONVENE_SMTP_URL`).
    pub url: SmtpUrl,
    /// The `From:` of every mail and the envelope sender (RFC 5321
    /// `MAIL FROM`), e.g. `Convene <no-reply@example.com>`
    /// (`CONVENE_MAIL_FROM`).
    pub from: Mailbox,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte (RFC 8314 implicit TLS);
    /// default port 465.
    Tls,
    /// `smtp://` (or `?tls=required`): a plain connection upgraded with
    /// STARTTLS (RFC 3207), refusing to go on without it; default port 587.
    StartTls,
    /// `smtp://...?tls=opportunistic`: STARTTLS when the server offers it,
    /// plain text otherwise; default port 587.
    Opportunistic,
    /// `smtp://...?tls=none`: never encrypted. Only for a relay on the same
    /// machine or a private network; default port 25.
    None,
}

/// A parsed `CONVENE_SMTP_URL`:
/// `smtp[s]://[user[:password]@]host[:port][/][?tls=required|opportunistic|none]`.
///
/// User name and password are percent-decoded (`%40` for `@`). `Debug`
/// never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<(String, String)>,
}

/// Why a `CONVENE_SMTP_URL` value was rejected; `Display` explains the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    /// Written like a web address (`https://...`).
    #[error(
        "starts with {0}://, but SMTP is not HTTP: write \
         smtp://user:password@smtp.example.com:587 (STARTTLS) or \
         smtps://user:password@smtp.example.com:465 (TLS)"
    )]
    WebScheme(String),
    /// No `scheme://` at all (`smtp.example.com:587`).
    #[error(
        "has no scheme: write smtp://user:password@{0} (STARTTLS, usually port 587) \
         or smtps://user:password@{0} (TLS, usually port 465)"
    )]
    NoScheme(String),
    /// A scheme other than `smtp` or `smtps`.
    #[error(
        "has the scheme {0}://, which is not SMTP: use smtp:// (STARTTLS, port 587) \
         or smtps:// (TLS, port 465)"
    )]
    UnknownScheme(String),
    /// Nothing between `://` (or `@`) and the port.
    #[error("has no host name: write smtp://user:password@smtp.example.com:587")]
    NoHost,
    /// The port is not a number from 1 to 65535.
    #[error("has the port {0:?}, which is not a number from 1 to 65535")]
    BadPort(String),
    /// A path after the host (`smtp://host:587/mail`).
    #[error(
        "has a path ({0:?}) after the host: an SMTP URL ends at host:port \
         (options go after ?, e.g. ?tls=none)"
    )]
    Path(String),
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    #[error("has a user name or password that is not valid percent-encoding: write % as %25")]
    BadPercentEncoding,
    /// `?tls=` with an unknown value, or with `smtps://`.
    #[error(
        "has tls={0:?}: use ?tls=required (the default for smtp://), ?tls=opportunistic \
         or ?tls=none (plain text, local relays only); smtps:// takes no tls option"
    )]
    BadTls(String),
    /// A query parameter other than `tls`.
    #[error("has the unknown option {0:?}: the only option is ?tls=required|opportunistic|none")]
    UnknownOption(String),
}

impl SmtpUrl {
    /// Parses a connection URL (see the type's documentation).
    ///
    /// # Errors
    /// [`SmtpUrlError`] naming the mistake and its fix; the message never
    /// contains the password.
    pub fn parse(url: &str) -> Result<SmtpUrl, SmtpUrlError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            // `host:port` alone; show the host part only (no credentials).
            let shown = url.rsplit('@').next().unwrap_or(url);
            return Err(SmtpUrlError::NoScheme(shown.to_owned()));
        };
        let scheme = scheme.to_ascii_lowercase();
        let implicit_tls = match scheme.as_str() {
            "smtp" => false,
            "smtps" => true,
            "http" | "https" => return Err(SmtpUrlError::WebScheme(scheme)),
            _ => return Err(SmtpUrlError::UnknownScheme(scheme)),
        };
        // The user information ends at the last `@`, so a user name that is
        // an address (`me@example.com`) or a password with a raw `/`, `?`
        // or `:` still parses, and never shows up in errors.
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(userinfo), rest),
            None => (None, rest),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (host_port, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        // A trailing slash is harmless; anything more is a mistake (lettre
        // would silently use it as the EHLO name).
        if path.len() > 1 {
            return Err(SmtpUrlError::Path(path.to_owned()));
        }
        let credentials = match userinfo {
            None => None,
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                Some((percent_decode(user)?, percent_decode(password)?))
            }
        };
        let (host, port) = split_host_port(host_port)?;

        let mut tls = None;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if key != "tls" {
                return Err(SmtpUrlError::UnknownOption(key.to_owned()));
            }
            tls = Some(value.to_ascii_lowercase());
        }
        let security = match (implicit_tls, tls.as_deref()) {
            (true, None) => SmtpSecurity::Tls,
            (true, Some(other)) => return Err(SmtpUrlError::BadTls(other.to_owned())),
            (false, None | Some("required")) => SmtpSecurity::StartTls,
            (false, Some("opportunistic")) => SmtpSecurity::Opportunistic,
            (false, Some("none")) => SmtpSecurity::None,
            (false, Some(other)) => return Err(SmtpUrlError::BadTls(other.to_owned())),
        };
        let port = port.unwrap_or(match security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls | SmtpSecurity::Opportunistic => 587,
            SmtpSecurity::None => 25,
        });
        Ok(SmtpUrl {
            host,
            port,
            security,
            credentials,
        })
    }

    /// The server's host name or IP address (without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port (explicit, or the default of the security mode).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// User name and password for SMTP AUTH (RFC 4954), when given.
    pub(crate) fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// Whether the host is this machine, where plain text is acceptable.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// `scheme://user@host:port?tls=...`: safe to log (no password).
impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == SmtpSecurity::Tls {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some((user, _)) = &self.credentials {
            write!(f, "{user}:***@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        match self.security {
            SmtpSecurity::Opportunistic => f.write_str("?tls=opportunistic"),
            SmtpSecurity::None => f.write_str("?tls=none"),
            SmtpSecurity::Tls | SmtpSecurity::StartTls => Ok(()),
        }
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({self})")
    }
}

fn split_host_port(host_port: &str) -> Result<(String, Option<u16>), SmtpUrlError> {
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        // IPv6 literal: [::1]:2525
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(SmtpUrlError::NoHost);
        };
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(SmtpUrlError::BadPort(after.to_owned())),
        };
        (host, port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(SmtpUrlError::NoHost);
    }
    let port = port
        .map(|p| match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(SmtpUrlError::BadPort(p.to_owned())),
        })
        .transpose()?;
    Ok((host.to_ascii_lowercase(), port))
}

/// RFC 3986 percent-decoding of a user name or password.
fn percent_decode(text: &str) -> Result<String, SmtpUrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(SmtpUrlError::BadPercentEncoding)?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SmtpUrlError::BadPercentEncoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_smtp_scheme_requires_starttls_on_the_submission_port() {
        let url = SmtpUrl::parse("smtp://user:pass@smtp.example.com").unwrap();
        assert_eq!(url.security(), SmtpSecurity::StartTls);
        assert_eq!(url.port(), 587);
        assert_eq!(url.credentials(), Some(("user", "pass")));
    }

    #[test]
    fn smtps_is_implicit_tls_on_port_465() {
        let url = SmtpUrl::parse("smtps://u:p@mail.example.com").unwrap();
        assert_eq!(url.security(), SmtpSecurity::Tls);
        assert_eq!(url.port(), 465);
    }

    #[test]
    fn plain_text_needs_tls_none_and_keeps_the_given_port() {
        let url = SmtpUrl::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(url.security(), SmtpSecurity::None);
        assert_eq!(url.port(), 2525);
        assert!(url.is_loopback());
        assert_eq!(url.credentials(), None);
        let v6 = SmtpUrl::parse("smtp://[::1]:2525?tls=opportunistic").unwrap();
        assert_eq!(v6.host(), "::1");
        assert_eq!(v6.security(), SmtpSecurity::Opportunistic);
    }

    #[test]
    fn credentials_are_percent_decoded() {
        let url =
            SmtpUrl::parse("smtp://me%40example.com:p%25ss%3Aw@smtp.example.com:587/").unwrap();
        assert_eq!(url.credentials(), Some(("me@example.com", "p%ss:w")));
        let raw = SmtpUrl::parse("smtp://me@example.com:a/b?c@smtp.example.com?tls=none").unwrap();
        assert_eq!(raw.credentials(), Some(("me@example.com", "a/b?c")));
        assert_eq!(raw.security(), SmtpSecurity::None);
    }

    #[test]
    fn web_addresses_and_missing_schemes_are_explained() {
        let https = SmtpUrl::parse("https://smtp.example.com").unwrap_err();
        assert_eq!(https, SmtpUrlError::WebScheme("https".into()));
        assert!(https.to_string().contains("SMTP is not HTTP"));
        let bare = SmtpUrl::parse("user:secret@smtp.example.com:587").unwrap_err();
        assert_eq!(bare, SmtpUrlError::NoScheme("smtp.example.com:587".into()));
        assert!(bare
            .to_string()
            .contains("smtp://user:password@smtp.example.com:587"));
        assert!(!bare.to_string().contains("secret"));
    }

    #[test]
    fn malformed_urls_are_rejected_with_the_reason() {
        let cases = [
            ("smtp://host:port", SmtpUrlError::BadPort("port".into())),
            ("smtp://host:0", SmtpUrlError::BadPort("0".into())),
            ("smtp://:587", SmtpUrlError::NoHost),
            ("smtp://host:587/mail", SmtpUrlError::Path("/mail".into())),
            ("smtp://host?tls=yes", SmtpUrlError::BadTls("yes".into())),
            ("smtps://host?tls=none", SmtpUrlError::BadTls("none".into())),
            (
                "smtp://host?auth=plain",
                SmtpUrlError::UnknownOption("auth".into()),
            ),
            ("smtp://u:%zz@host", SmtpUrlError::BadPercentEncoding),
            ("imap://host", SmtpUrlError::UnknownScheme("imap".into())),
        ];
        for (url, expected) in cases {
            assert_eq!(SmtpUrl::parse(url), Err(expected), "{url}");
        }
    }

    #[test]
    fn display_and_debug_hide_the_password() {
        let url = SmtpUrl::parse("smtp://ann:hunter2@smtp.example.com:587").unwrap();
        assert_eq!(url.to_string(), "smtp://ann:***@smtp.example.com:587");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
