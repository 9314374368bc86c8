//! Bearer and enrollment tokens: random, shown once, stored as SHA-256.
//! (They carry 256 bits of entropy, so a plain hash is enough; passwords,
//! which do not, get Argon2id.)

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh token with a prefix that says what it is (`vgs_` session,
/// `vga_` API, `vge_` enrollment), so leaked tokens are recognisable.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashed() {
        let a = generate("vgs_");
        let b = generate("vgs_");
        assert_ne!(a, b);
        assert!(a.starts_with("vgs_") && a.len() > 40);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }
}
