//! Runtime configuration: `Leptos.toml` (or the file named by
//! `CONVENE_CONFIG`), overridden by environment variables, validated into
//! each feature's settings. Every mistake is reported with the variable
//! that causes it and how to fix it.

use crate::auth::session::{AuthSettings, Secret};
use crate::mail::{MailSettings, Mailbox, SmtpSettings, SmtpUrl};
use crate::meeting::MeetingSettings;
use anyhow::{bail, Context as _};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (`LEPTOS_SITE_ADDR`, or `0.0.0.0:$PORT`).
    pub site_addr: SocketAddr,
    /// Folder with the built site (`LEPTOS_SITE_ROOT`, default `target/site`).
    pub site_root: String,
    /// Folder under `site_root` holding the JS/WASM/CSS (`LEPTOS_SITE_PKG_DIR`).
    pub site_pkg_dir: String,
    /// Name of the JS/WASM bundle (`LEPTOS_OUTPUT_NAME`).
    pub output_name: String,
    /// Folder for the SQLite file and generated secrets (`CONVENE_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`; default: the SQLite file `<data_dir>/convene.db`.
    pub database_url: String,
    /// Public origin, e.g. `https://meet.example.com` (`CONVENE_PUBLIC_URL`).
    pub public_url: Option<String>,
    pub auth: AuthSettings,
    pub meeting: MeetingSettings,
    /// SMTP server and sender (`CONVENE_SMTP_URL`, `CONVENE_MAIL_FROM`);
    /// mail is off when `CONVENE_SMTP_URL` is not set.
    pub mail: MailSettings,
    /// Web push (`CONVENE_VAPID_SUBJECT`, else derived from the public URL
    /// or the mail sender).
    pub push: crate::notify::push::PushSettings,
}

/// The file format of `Leptos.toml`; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    meeting: MeetingSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    site_addr: Option<String>,
    site_root: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    public_url: Option<String>,
    session_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingSection {
    mesh_limit: Option<usize>,
    ice_servers: Option<Vec<String>>,
    ping_interval_ms: Option<u64>,
    peer_timeout_ms: Option<u64>,
    resume_grace_ms: Option<u64>,
    turn_urls: Option<Vec<String>>,
    turn_secret: Option<String>,
    rate_per_s: Option<u32>,
    rate_burst: Option<u32>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads `Leptos.toml` (when present) and the environment.
    ///
    /// # Errors
    /// A message naming the variable or key that is wrong and the fix.
    pub fn load() -> anyhow::Result<Config> {
        let path = env("CONVENE_CONFIG").unwrap_or_else(|| "Leptos.toml".to_owned());
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str::<FileConfig>(&text)
                .with_context(|| format!("{path} is not valid configuration"))?,
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && env("CONVENE_CONFIG").is_none() =>
            {
                FileConfig::default()
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read CONVENE_CONFIG={path}")),
        };
        Self::from_parts(file)
    }

    fn from_parts(file: FileConfig) -> anyhow::Result<Config> {
        let site_addr = match (env("LEPTOS_SITE_ADDR"), env("PORT")) {
            (Some(addr), _) => addr.parse().with_context(|| {
                format!("LEPTOS_SITE_ADDR={addr:?} is not host:port, e.g. 127.0.0.1:3000")
            })?,
            (None, Some(port)) => {
                let port: u16 = port
                    .parse()
                    .with_context(|| format!("PORT={port:?} is not a port number"))?;
                SocketAddr::from(([0, 0, 0, 0], port))
            }
            (None, None) => {
                let addr = file
                    .server
                    .site_addr
                    .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
                addr.parse()
                    .with_context(|| format!("server.site_addr={addr:?} is not host:port"))?
            }
        };
        let site_root = env("LEPTOS_SITE_ROOT")
            .or(file.server.site_root)
            .unwrap_or_else(|| "target/site".to_owned());
        let site_pkg_dir = env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_owned());
        let output_name = env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "convene".to_owned());
        let data_dir = PathBuf::from(
            env("CONVENE_DATA_DIR")
                .or(file.server.data_dir)
                .unwrap_or_else(|| "data".to_owned()),
        );
        let database_url = env("DATABASE_URL")
            .or(file.server.database_url.filter(|u| !u.trim().is_empty()))
            .unwrap_or_else(|| format!("sqlite://{}/convene.db", data_dir.display()));
        crate::db::Backend::from_url(&database_url).context("check DATABASE_URL")?;

        let public_url = env("CONVENE_PUBLIC_URL")
            .or(file.server.public_url.filter(|u| !u.trim().is_empty()))
            .map(|url| validate_public_url(&url))
            .transpose()?;

        let production = env("CONVENE_ENV").is_some_and(|v| v.eq_ignore_ascii_case("production"));
        let secret = match env("CONVENE_SECRET") {
            Some(secret) if secret.len() >= 32 => Secret::new(secret),
            Some(_) => bail!(
                "CONVENE_SECRET is too short: use at least 32 random characters \
                 (for example the output of `openssl rand -hex 32`)"
            ),
            None if production => bail!(
                "CONVENE_SECRET is not set: production (CONVENE_ENV=production) needs a secret \
                 of at least 32 random characters, e.g. `openssl rand -hex 32`"
            ),
            None => development_secret(&data_dir)?,
        };
        let session_days = file.server.session_days.unwrap_or(30);
        if !(1..=365).contains(&session_days) {
            bail!("server.session_days must be between 1 and 365 (got {session_days})");
        }
        let auth = AuthSettings {
            secret,
            secure_cookies: public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            session_ttl_ms: session_days * 24 * 3600 * 1000,
            token_ttl_ms: 3600 * 1000,
        };

        let mut meeting = MeetingSettings::default();
        if let Some(limit) = env("CONVENE_MESH_LIMIT")
            .map(|v| {
                v.parse()
                    .with_context(|| format!("CONVENE_MESH_LIMIT={v:?} is not a number"))
            })
            .transpose()?
            .or(file.meeting.mesh_limit)
        {
            if !(2..=50).contains(&limit) {
                bail!("CONVENE_MESH_LIMIT must be between 2 and 50 (got {limit})");
            }
            meeting.mesh_limit = limit;
        }
        let ice_urls = match env("CONVENE_ICE_SERVERS") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.meeting.ice_servers.unwrap_or_default(),
        };
        for url in &ice_urls {
            if !(url.starts_with("stun:") || url.starts_with("turn:") || url.starts_with("turns:"))
            {
                bail!(
                    "ICE server {url:?} (CONVENE_ICE_SERVERS or meeting.ice_servers) must start \
                     with stun:, turn: or turns:, e.g. stun:stun.example.com:3478"
                );
            }
        }
        meeting.stun_urls = ice_urls;
        let turn_urls: Vec<String> = match env("CONVENE_TURN_URLS") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.meeting.turn_urls.unwrap_or_default(),
        };
        for url in &turn_urls {
            if !(url.starts_with("turn:") || url.starts_with("turns:")) || url.contains('@') {
                bail!(
                    "TURN server {url:?} (CONVENE_TURN_URLS or meeting.turn_urls) must look like \
                     turn:turn.example.com:3478?transport=udp or turns:turn.example.com:5349, \
                     without credentials (they come from CONVENE_TURN_SECRET)"
                );
            }
        }
        let turn_secret = env("CONVENE_TURN_SECRET").or(file.meeting.turn_secret);
        match (turn_urls.is_empty(), &turn_secret) {
            (false, None) => bail!(
                "CONVENE_TURN_URLS is set but CONVENE_TURN_SECRET is not: set it to the same \
                 value as static-auth-secret in turnserver.conf"
            ),
            (true, Some(_)) => bail!(
                "CONVENE_TURN_SECRET is set but CONVENE_TURN_URLS is not: list the TURN server, \
                 e.g. CONVENE_TURN_URLS=turn:turn.example.com:3478?transport=udp"
            ),
            (false, Some(secret)) if secret.len() < 16 => bail!(
                "CONVENE_TURN_SECRET is too short: use at least 16 random characters, the same \
                 as static-auth-secret in turnserver.conf"
            ),
            _ => {}
        }
        meeting.turn_urls = turn_urls;
        meeting.turn_secret = turn_secret;
        if let Some(ms) = file.meeting.resume_grace_ms {
            meeting.resume_grace_ms = ms;
        }
        if let Some(n) = file.meeting.rate_per_s {
            meeting.rate_per_s = n.max(1);
        }
        if let Some(n) = file.meeting.rate_burst {
            meeting.rate_burst = n.max(1);
        }
        if let Some(ms) = file.meeting.ping_interval_ms {
            meeting.ping_interval_ms = ms;
        }
        if let Some(ms) = file.meeting.peer_timeout_ms {
            meeting.peer_timeout_ms = ms;
        }
        if meeting.peer_timeout_ms <= meeting.ping_interval_ms {
            bail!("meeting.peer_timeout_ms must be larger than meeting.ping_interval_ms");
        }

        let mail = mail_settings(
            env("CONVENE_SMTP_URL").as_deref(),
            env("CONVENE_MAIL_FROM").as_deref(),
        )?;

        let push = crate::notify::push::PushSettings::from_sources(
            env("CONVENE_VAPID_SUBJECT").as_deref(),
            public_url.as_deref(),
            mail.smtp
                .as_ref()
                .map(|smtp| smtp.from.email.to_string())
                .as_deref(),
        )?;

        Ok(Config {
            site_addr,
            site_root,
            site_pkg_dir,
            output_name,
            data_dir,
            database_url,
            public_url,
            auth,
            meeting,
            mail,
            push,
        })
    }

    /// A configuration for tests: port 0 on loopback, everything under
    /// `data_dir`, a fixed secret.
    pub fn for_tests(data_dir: &Path, database_url: Option<String>) -> Config {
        let mut config = Config::from_parts(FileConfig::default())
            .unwrap_or_else(|e| panic!("default test configuration: {e:#}"));
        config.site_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.data_dir = data_dir.to_owned();
        config.database_url =
            database_url.unwrap_or_else(|| format!("sqlite://{}/convene.db", data_dir.display()));
        config.auth.secret = Secret::new("test-secret-test-secret-test-secret-0123456789");
        config
    }
}

/// A public URL is an origin: scheme and host, no path, no trailing slash.
fn validate_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        bail!("CONVENE_PUBLIC_URL={url:?} must start with https:// (or http:// for local use)");
    };
    if rest.is_empty() || rest.contains('/') {
        bail!(
            "CONVENE_PUBLIC_URL={url:?} must be just the origin, like https://meet.example.com \
             (no path, no trailing slash)"
        );
    }
    Ok(url.to_owned())
}

/// Mail settings from `CONVENE_SMTP_URL` and `CONVENE_MAIL_FROM`.
///
/// `CONVENE_SMTP_URL` is `smtp://user:password@host:587` (STARTTLS
/// required), `smtps://user:password@host:465` (TLS from the start), or
/// `smtp://host:port?tls=none` (no encryption: a relay on the same machine
/// or network); `?tls=opportunistic` uses STARTTLS only when offered. An
/// `@`, `/`, `?` or `:` may stay as it is inside the password; a `%` must be
/// written `%25`. `CONVENE_MAIL_FROM` (`Name <address>` or `address`) is
/// required with it. Neither set: mail is off (kept in `mail_outbox`).
fn mail_settings(smtp_url: Option<&str>, mail_from: Option<&str>) -> anyhow::Result<MailSettings> {
    let from = mail_from
        .map(|from| {
            from.trim().parse::<Mailbox>().map_err(|_| {
                anyhow::anyhow!(
                    "CONVENE_MAIL_FROM={from:?} is not an email address: write \
                     `Convene <no-reply@example.com>` or just `no-reply@example.com`, an \
                     address your SMTP server lets you send from (in a shell, quote the value: \
                     < and > are redirections there)"
                )
            })
        })
        .transpose()?;
    let Some(url) = smtp_url else {
        return Ok(MailSettings::default());
    };
    let url = SmtpUrl::parse(url).map_err(|error| {
        anyhow::anyhow!(
            "CONVENE_SMTP_URL {error}. Ask your mail provider for its SMTP host, port and \
             login, or leave CONVENE_SMTP_URL unset to turn mail off"
        )
    })?;
    let Some(from) = from else {
        bail!(
            "CONVENE_MAIL_FROM is not set: mail sent through CONVENE_SMTP_URL needs a sender, \
             e.g. CONVENE_MAIL_FROM=\"Convene <no-reply@example.com>\" (an address your SMTP \
             server lets you send from)"
        );
    };
    Ok(MailSettings {
        smtp: Some(SmtpSettings { url, from }),
    })
}

/// Reads `<data_dir>/secret.key`, creating it with 32 random bytes (hex) on
/// first start. Fine on one machine with a persistent disk; production sets
/// `CONVENE_SECRET` instead.
fn development_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    use rand::RngCore;
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            tracing::info!(path = %path.display(), "using the development secret from the data folder (set CONVENE_SECRET in production)");
            return Ok(Secret::new(existing));
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create CONVENE_DATA_DIR={}", data_dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)
        .with_context(|| format!("cannot write the development secret to {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "CONVENE_SECRET is not set: generated a development secret and stored it in the data folder"
    );
    Ok(Secret::new(secret))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_must_be_a_bare_origin() {
        assert!(validate_public_url("https://meet.example.com").is_ok());
        assert!(validate_public_url("https://meet.example.com/").is_err());
        assert!(validate_public_url("meet.example.com").is_err());
        assert!(validate_public_url("https://meet.example.com/app").is_err());
    }

    #[test]
    fn mail_is_off_without_smtp_url_and_needs_a_sender_with_it() {
        assert!(mail_settings(None, None).unwrap().smtp.is_none());
        let mail = mail_settings(
            Some("smtp://me@example.com:pa/ss@smtp.example.com:587"),
            Some("Convene <no-reply@example.com>"),
        )
        .unwrap();
        let smtp = mail.smtp.unwrap();
        assert_eq!(smtp.url.host(), "smtp.example.com");
        assert_eq!(smtp.from.email.to_string(), "no-reply@example.com");
        let missing = mail_settings(Some("smtp://smtp.example.com"), None).unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("CONVENE_MAIL_FROM is not set"));
    }

    #[test]
    fn smtp_url_mistakes_name_the_variable_and_the_fix() {
        let from = Some("no-reply@example.com");
        let https = mail_settings(Some("https://smtp.example.com"), from).unwrap_err();
        assert!(https
            .to_string()
            .contains("CONVENE_SMTP_URL starts with https://"));
        assert!(https
            .to_string()
            .contains("smtp://user:password@smtp.example.com:587"));
        let bare = mail_settings(Some("smtp.example.com:587"), from).unwrap_err();
        assert!(bare.to_string().contains("CONVENE_SMTP_URL has no scheme"));
        let secret = mail_settings(Some("smtp://u:hunter2@host:port"), from).unwrap_err();
        assert!(!format!("{secret:#}").contains("hunter2"));
        let bad_from = mail_settings(None, Some("Convene no-reply")).unwrap_err();
        assert!(bad_from
            .to_string()
            .starts_with("CONVENE_MAIL_FROM=\"Convene no-reply\""));
    }

    #[test]
    fn development_secret_is_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = development_secret(dir.path()).unwrap();
        let second = development_secret(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        assert_eq!(first.expose().len(), 64);
    }
}
