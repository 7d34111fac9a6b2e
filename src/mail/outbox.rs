//! SQL of the `mail_outbox` table (see `migrations/*/0005_mail.sql`).

use super::{MailError, OutgoingMail};
use crate::db::{new_id, now_ms, Db};
use sqlx::Row as _;

/// The parts of an outbox row that sending needs.
pub(super) struct OutboxRow {
    /// The row's id; also the left part of the mail's `Message-ID`.
    pub id: String,
    /// Unix ms when the server accepted the mail; `None` while unsent.
    pub sent_at: Option<i64>,
}

fn storage(error: sqlx::Error) -> MailError {
    MailError::Outbox(error.to_string())
}

/// Inserts the mail under `key`, or refreshes the stored copy while it is
/// unsent (a retried job may render it again); a sent row is left alone.
pub(super) async fn upsert(
    db: &Db,
    key: &str,
    mail: &OutgoingMail,
) -> Result<OutboxRow, MailError> {
    let (ics, method) = match &mail.ics {
        Some((text, method)) => (Some(text.clone()), Some(method.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO mail_outbox \
           (id, idempotency_key, to_addr, subject, body_text, body_html, ics, ics_method, \
            locale, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (idempotency_key) DO UPDATE SET \
           to_addr = excluded.to_addr, subject = excluded.subject, \
           body_text = excluded.body_text, body_html = excluded.body_html, \
           ics = excluded.ics, ics_method = excluded.ics_method, locale = excluded.locale \
         WHERE mail_outbox.sent_at IS NULL",
    )
    .bind(new_id())
    .bind(key)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(ics)
    .bind(method)
    .bind(mail.locale.code())
    .bind(now_ms())
    .execute(db)
    .await
    .map_err(storage)?;
    let row = sqlx::query("SELECT id, sent_at FROM mail_outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(db)
        .await
        .map_err(storage)?;
    Ok(OutboxRow {
        id: row.try_get("id").map_err(storage)?,
        sent_at: row.try_get("sent_at").map_err(storage)?,
    })
}

/// Marks the row sent now and clears its last error.
pub(super) async fn mark_sent(db: &Db, id: &str) -> Result<(), MailError> {
    sqlx::query("UPDATE mail_outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(db)
        .await
        .map_err(storage)?;
    Ok(())
}

/// Remembers why the last attempt failed.
pub(super) async fn record_error(db: &Db, id: &str, error: &str) -> Result<(), MailError> {
    sqlx::query("UPDATE mail_outbox SET last_error = $1 WHERE id = $2")
        .bind(error)
        .bind(id)
        .execute(db)
        .await
        .map_err(storage)?;
    Ok(())
}
