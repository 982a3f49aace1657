//! Random opaque tokens (refresh tokens, invitation tokens, API keys) and their stored hashes.
//!
//! These tokens carry 256 bits of entropy, so a fast SHA-256 is the right hash for them: nobody
//! can guess their way to a preimage, and lookups stay one indexed query.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A fresh random token: `prefix` followed by 32 random bytes, URL-safe.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A short random alphanumeric string (the visible prefix of an API key).
pub fn random_alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Lower-case hex SHA-256 of `text`: what the database stores for a token.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two hashes without an early exit.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = random_token("rt_");
        let b = random_token("rt_");
        assert_ne!(a, b);
        assert!(a.starts_with("rt_") && a.len() > 40);
        assert_eq!(sha256_hex(&a), sha256_hex(&a));
        assert_eq!(sha256_hex(&a).len(), 64);
        assert!(hashes_equal(&sha256_hex(&a), &sha256_hex(&a)));
        assert!(!hashes_equal(&sha256_hex(&a), &sha256_hex(&b)));
    }
}
