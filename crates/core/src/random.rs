//! Unguessable identifiers from the operating system's random source, and
//! the hex they are written in.

use argon2::password_hash::rand_core::{OsRng, RngCore};

/// `bytes` random bytes as lower-case hex (twice as many characters).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    to_hex(&buf)
}

/// Bytes as lower-case hex, e.g. a digest.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
