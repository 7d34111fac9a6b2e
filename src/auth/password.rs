//! argon2id password hashing (RFC 9106), off the async runtime.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes `password` into a PHC string (`$argon2id$v=19$...`) with the
/// crate's default (OWASP-recommended) parameters.
///
/// # Errors
/// [`AppError::Internal`] if hashing fails.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::internal("argon2 hash", e))
    })
    .await
    .map_err(|e| AppError::internal("argon2 task", e))?
}

/// Checks `password` against a stored PHC string.
///
/// # Errors
/// [`AppError::Internal`] if the stored hash is unreadable.
pub async fn verify(password: &str, stored: &str) -> AppResult<bool> {
    let password = password.to_owned();
    let stored = stored.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&stored).map_err(|e| AppError::internal("stored argon2 hash", e))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::internal("argon2 task", e))?
}

/// Does the work of one hash and throws it away, so that an unknown email
/// takes as long to refuse as a wrong password.
pub async fn burn_time(password: &str) {
    let _ = hash(password).await;
}
