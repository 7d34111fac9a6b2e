//! SQL of the chat feature.

use super::{ChatMessage, ChatText, HISTORY_LEN};
use crate::db::{new_id, now_ms, Db};
use crate::error::AppResult;
use sqlx::Row;

/// Stores a message and returns it as participants will see it.
pub async fn insert_message(
    db: &Db,
    meeting_id: &str,
    sender_user_id: Option<&str>,
    sender_name: &str,
    text: &ChatText,
) -> AppResult<ChatMessage> {
    let message = ChatMessage {
        id: new_id(),
        from_name: sender_name.to_owned(),
        from: None,
        to: None,
        text: text.as_str().to_owned(),
        sent_at_ms: next_sent_at(),
    };
    sqlx::query(
        "INSERT INTO chat_messages (id, meeting_id, sender_user_id, sender_name, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&message.id)
    .bind(meeting_id)
    .bind(sender_user_id)
    .bind(&message.from_name)
    .bind(&message.text)
    .bind(message.sent_at_ms)
    .execute(db)
    .await?;
    Ok(message)
}

/// Now, but later than any message this process stored before: history is
/// ordered by `sent_at`, and a burst of messages within one millisecond
/// would otherwise tie and come back in the order of their random ids.
fn next_sent_at() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = now_ms();
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    now.max(previous + 1)
}

/// The last [`HISTORY_LEN`] messages of a meeting, oldest first.
pub async fn recent_messages(db: &Db, meeting_id: &str) -> AppResult<Vec<ChatMessage>> {
    let rows = sqlx::query(
        "SELECT id, sender_name, body, sent_at FROM chat_messages \
         WHERE meeting_id = $1 AND deleted_at IS NULL ORDER BY sent_at DESC, id DESC LIMIT $2",
    )
    .bind(meeting_id)
    .bind(HISTORY_LEN as i64)
    .fetch_all(db)
    .await?;
    let mut messages: Vec<ChatMessage> = rows
        .into_iter()
        .map(|r| ChatMessage {
            id: r.get("id"),
            from_name: r.get("sender_name"),
            from: None,
            to: None,
            text: r.get("body"),
            sent_at_ms: r.get("sent_at"),
        })
        .collect();
    messages.reverse();
    Ok(messages)
}

/// Marks a message of this meeting deleted; `false` when there is no
/// such (undeleted) message in this meeting.
pub async fn delete_message(db: &Db, meeting_id: &str, id: &str) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE chat_messages SET deleted_at = $1 \
         WHERE id = $2 AND meeting_id = $3 AND deleted_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(meeting_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
