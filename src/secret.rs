//! Bearer secrets that are shown once and stored only as a hash: API
//! tokens and calendar feed addresses.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A fresh secret: 256 random bits as unpadded base64url (43 characters,
/// RFC 4648 §5), safe in URLs and headers.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a secret: its SHA-256 as 64 lowercase hex digits.
/// The secrets are 256-bit random, so a fast unsalted hash is enough.
pub fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
