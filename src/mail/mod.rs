//! Email (ssr only): invitations, updates, cancellations and reminders in
//! Russian and English, sent over SMTP (RFC 5321) with the meeting's
//! iCalendar attached the iMIP way (RFC 6047), so mail programs offer
//! "add to calendar".
//!
//! Every mail goes through the `mail_outbox` table first, keyed by an
//! idempotency key: a retried job finds its mail already sent and does
//! nothing, and with SMTP off (no `CONVENE_SMTP_URL`) the mail stays there,
//! unsent, for the operator to see. [`MailError`] tells a failure worth
//! retrying (4xx replies, unreachable server) from one that is not (5xx).
//!
//! Shapes: templates in [`templates`] turn a plain struct into an
//! [`OutgoingMail`]; the [`Mailer`] (a context value, [`use_mailer`]) stores
//! and sends it.

mod mime;
mod outbox;
mod settings;
pub mod templates;

pub use lettre::message::Mailbox;
pub use settings::{MailSettings, SmtpSecurity, SmtpSettings, SmtpUrl, SmtpUrlError};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How long one SMTP exchange (connect, each command) may take before the
/// attempt counts as a temporary failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The iTIP method (RFC 5546 §1.4) of a mail's calendar part; also the
/// `method` parameter of its `text/calendar` content type (RFC 6047 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcsMethod {
    /// `REQUEST`: an invitation, or an update of one.
    Request,
    /// `CANCEL`: the meeting (or one occurrence) is off.
    Cancel,
}

impl IcsMethod {
    /// The iCalendar spelling (`REQUEST`, `CANCEL`).
    pub fn as_str(self) -> &'static str {
        match self {
            IcsMethod::Request => "REQUEST",
            IcsMethod::Cancel => "CANCEL",
        }
    }
}

/// One mail, ready to store and send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient: a bare address (`ann@example.com`) or an RFC 5322
    /// mailbox (`Ann <ann@example.com>`).
    pub to: String,
    /// One line; non-ASCII is encoded on the wire (RFC 2047).
    pub subject: String,
    /// The `text/plain; charset=utf-8` alternative.
    pub text: String,
    /// The `text/html; charset=utf-8` alternative (user text escaped).
    pub html: String,
    /// The calendar (a whole `VCALENDAR` text, RFC 5545, whose `METHOD`
    /// property equals the method) and its iTIP method; `None` for mail
    /// without one (reminders).
    pub ics: Option<(String, IcsMethod)>,
    /// The language the mail is written in (`Content-Language`, RFC 3282).
    pub locale: Locale,
}

/// Why a mail was not sent.
///
/// [`MailError::is_temporary`] tells the job queue whether to try again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later: a 4xx reply (RFC 5321 §4.2.1), a server that
    /// is unreachable, refuses the connection, times out or fails TLS, or
    /// rejects the login (fixed by the operator, not by the mail).
    #[error("temporary mail failure: {reason}")]
    Temporary {
        /// The SMTP reply code, when the server answered.
        code: Option<u16>,
        /// What happened, for logs and `mail_outbox.last_error`.
        reason: String,
    },
    /// Retrying will not help: the server rejected this mail or its
    /// recipient with a 5xx reply.
    #[error("permanent mail failure: {reason}")]
    Permanent {
        /// The SMTP reply code.
        code: Option<u16>,
        /// What happened, for logs and `mail_outbox.last_error`.
        reason: String,
    },
    /// The mail cannot be built: a malformed recipient address, or a
    /// calendar whose `METHOD` does not match (RFC 6047 §2.4). Permanent.
    #[error("invalid mail: {0}")]
    Invalid(String),
    /// The outbox table could not be read or written. Temporary.
    #[error("mail outbox: {0}")]
    Outbox(String),
}

impl MailError {
    /// Whether trying the same mail again later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self, MailError::Temporary { .. } | MailError::Outbox(_))
    }

    /// The SMTP reply code (RFC 5321 §4.2), when the server gave one.
    pub fn code(&self) -> Option<u16> {
        match self {
            MailError::Temporary { code, .. } | MailError::Permanent { code, .. } => *code,
            MailError::Invalid(_) | MailError::Outbox(_) => None,
        }
    }

    fn from_smtp(error: &lettre::transport::smtp::Error) -> MailError {
        let code = error.status().map(u16::from);
        let reason = error.to_string();
        match code {
            // RFC 4954 §6: authentication required (530), mechanism too
            // weak (534), credentials invalid (535), encryption required
            // (538). The server refuses *us*, not this mail: once the
            // operator fixes CONVENE_SMTP_URL, a retry goes through.
            Some(530 | 534 | 535 | 538) => MailError::Temporary { code, reason },
            Some(_) if error.is_permanent() => MailError::Permanent { code, reason },
            // 4xx replies, connection refused or reset, timeouts, TLS
            // handshakes, garbled replies: the next attempt may work.
            _ => MailError::Temporary { code, reason },
        }
    }
}

impl From<MailError> for crate::jobs::JobError {
    /// Temporary failures are retried with the queue's backoff; the others
    /// fail the job now.
    fn from(error: MailError) -> Self {
        if error.is_temporary() {
            crate::jobs::JobError::retry(error)
        } else {
            crate::jobs::JobError::permanent(error)
        }
    }
}

/// Sends mail and keeps every mail in the `mail_outbox` table.
///
/// Cheap to clone (one `Arc`); provided once at start-up as a context
/// value (see [`use_mailer`]).
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    smtp: Option<Smtp>,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The URL without the password, for logs.
    shown: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner.smtp {
            Some(smtp) => write!(f, "Mailer({})", smtp.shown),
            None => f.write_str("Mailer(off)"),
        }
    }
}

impl Mailer {
    /// A mailer that stores mail in `db` and, when `settings.smtp` is set,
    /// sends it there (connections are pooled and opened on first use).
    ///
    /// Must be called inside a Tokio runtime (the connection pool runs a
    /// clean-up task).
    ///
    /// # Errors
    /// Outside a Tokio runtime, or when the TLS settings for the host
    /// cannot be built.
    pub fn new(settings: &MailSettings, db: Db) -> anyhow::Result<Mailer> {
        let smtp = match &settings.smtp {
            None => {
                tracing::warn!(
                    "CONVENE_SMTP_URL is not set: mail is off; every mail is kept unsent in the \
                     mail_outbox table"
                );
                None
            }
            Some(smtp) => {
                anyhow::ensure!(
                    tokio::runtime::Handle::try_current().is_ok(),
                    "the mailer must be built inside the Tokio runtime"
                );
                let url = &smtp.url;
                let tls = |host: &str| {
                    TlsParameters::new(host.to_owned()).map_err(|e| {
                        anyhow::anyhow!("CONVENE_SMTP_URL: cannot set up TLS for {host}: {e}")
                    })
                };
                let tls = match url.security() {
                    SmtpSecurity::Tls => Tls::Wrapper(tls(url.host())?),
                    SmtpSecurity::StartTls => Tls::Required(tls(url.host())?),
                    SmtpSecurity::Opportunistic => Tls::Opportunistic(tls(url.host())?),
                    SmtpSecurity::None => {
                        if !url.is_loopback() {
                            tracing::warn!(
                                server = %url,
                                "CONVENE_SMTP_URL has tls=none for a server on another \
                                 machine: mail and the password cross the network unencrypted"
                            );
                        }
                        Tls::None
                    }
                };
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host())
                        .port(url.port())
                        .tls(tls)
                        .timeout(Some(SMTP_TIMEOUT));
                if let Some((user, password)) = url.credentials() {
                    builder =
                        builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
                }
                tracing::info!(server = %url, from = %smtp.from, "mail is sent over SMTP");
                Some(Smtp {
                    transport: builder.build(),
                    from: smtp.from.clone(),
                    shown: url.to_string(),
                })
            }
        };
        Ok(Mailer {
            inner: Arc::new(Inner { db, smtp }),
        })
    }

    /// Whether mail is actually sent (SMTP configured); when `false`, the
    /// UI can say that invitations are not emailed.
    pub fn is_enabled(&self) -> bool {
        self.inner.smtp.is_some()
    }

    /// Stores `mail` in the outbox under a new key and sends it (when SMTP
    /// is configured). For mail sent from a job, use [`Mailer::send_once`].
    ///
    /// # Errors
    /// See [`MailError`]; the outbox row keeps the last error.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let key = crate::db::new_id();
        self.send_once(&self.inner.db, &key, mail).await
    }

    /// Sends `mail` at most once per `key`: the outbox row with that key is
    /// created (or refreshed while unsent), and when it is already marked
    /// sent nothing happens. With SMTP off the row stays unsent and this
    /// returns `Ok`. `db` holds the outbox (normally the pool the mailer
    /// was built with; a job handler passes the queue's).
    ///
    /// Retries of one job must run one at a time (the job queue's lease
    /// does that); two concurrent calls with one key could both send. A
    /// retry after a send whose `sent_at` could not be stored sends again,
    /// with the same `Message-ID`, so mail programs can tell it is a copy.
    ///
    /// # Errors
    /// [`MailError`]: temporary (retry later), permanent, invalid mail, or
    /// the outbox not reachable. The error is also stored in
    /// `mail_outbox.last_error`.
    pub async fn send_once(
        &self,
        db: &Db,
        key: &str,
        mail: &OutgoingMail,
    ) -> Result<(), MailError> {
        let row = outbox::upsert(db, key, mail).await?;
        if row.sent_at.is_some() {
            tracing::debug!(key, "mail already sent; nothing to do");
            return Ok(());
        }
        let Some(smtp) = &self.inner.smtp else {
            tracing::info!(
                key,
                to = %mail.to,
                subject = %mail.subject,
                "mail is off (CONVENE_SMTP_URL not set): kept unsent in mail_outbox"
            );
            return Ok(());
        };
        let result = match mime::message(&smtp.from, mail, &row.id) {
            Ok(message) => smtp
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::from_smtp(&e)),
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => {
                outbox::mark_sent(db, &row.id).await?;
                tracing::info!(key, to = %mail.to, "mail sent");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(key, to = %mail.to, %error, "mail not sent");
                if let Err(store) = outbox::record_error(db, &row.id, &error.to_string()).await {
                    tracing::warn!(key, error = %store, "cannot record the mail error");
                }
                Err(error)
            }
        }
    }

    /// Opens a connection to the SMTP server (and logs in, when
    /// credentials are set) to see that it answers. `Ok` when mail is off.
    ///
    /// # Errors
    /// [`MailError`] as for sending.
    pub async fn check_connection(&self) -> Result<(), MailError> {
        let Some(smtp) = &self.inner.smtp else {
            return Ok(());
        };
        match smtp.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailError::Temporary {
                code: None,
                reason: "the server did not answer NOOP".to_owned(),
            }),
            Err(error) => Err(MailError::from_smtp(&error)),
        }
    }

    /// Checks the SMTP server in the background and logs the outcome, so a
    /// wrong host, port or password shows up in the start-up logs rather
    /// than at the first invitation. Must be called inside a Tokio runtime.
    pub fn spawn_connection_check(&self) {
        if !self.is_enabled() {
            return;
        }
        let mailer = self.clone();
        tokio::spawn(async move {
            match mailer.check_connection().await {
                Ok(()) => tracing::info!("SMTP server reachable"),
                Err(error) => tracing::warn!(
                    %error,
                    "cannot reach the SMTP server: check CONVENE_SMTP_URL (host, port, \
                     smtp:// for STARTTLS on 587 or smtps:// for TLS on 465, user and password) \
                     and that the host allows outgoing SMTP; mail waits in mail_outbox"
                ),
            }
        });
    }
}

/// The mailer from the reactive context (provided once at start-up).
///
/// # Errors
/// [`AppError::Internal`] if it was not provided.
pub fn use_mailer() -> AppResult<Mailer> {
    leptos::prelude::use_context::<Mailer>()
        .ok_or_else(|| AppError::internal("context", "Mailer not provided"))
}
