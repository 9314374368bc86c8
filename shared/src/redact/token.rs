//! The one redaction token format of the project: `[KIND:hhhhhhhh]`.
//!
//! `KIND` is the upper-cased kind name, `hhhhhhhh` the first four bytes (hex)
//! of HMAC-SHA256 over the normalized value under a [`ScopeKey`]. Equal values
//! give equal tokens under one key; nothing links tokens across keys. The
//! kind is not part of the MAC, so one value found by two detectors (a user
//! name in `/home/alice/` and in `for alice from`) still correlates.
//!
//! Tokens are built so that no detector matches them: square brackets, an
//! upper-case label and eight lower-case hex digits. The engine also skips
//! any finding that overlaps an existing token, which makes redaction
//! idempotent.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::ScopeKey;

/// Number of hex digits in a token's hash part.
pub const HASH_HEX_LEN: usize = 8;

/// What a finding is. The lowercase names ([`Kind::name`]) are stable: they
/// appear in reports, in configs (`disabled_kinds`) and, upper-cased, in
/// tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Email,
    Ipv4,
    Ipv6,
    Mac,
    Phone,
    Card,
    Iban,
    Ssn,
    AwsKeyId,
    AwsSecret,
    Jwt,
    /// Bearer, basic-auth and vendor API tokens.
    Token,
    /// The password part of `scheme://user:pass@host`.
    UrlPassword,
    /// The value of a password/secret/token/key assignment.
    Secret,
    /// Every line of a PEM private key block.
    PrivateKey,
    Username,
    /// A person's name found through a context cue.
    Name,
    /// A host name that embeds a person's name (`alice-laptop`).
    Hostname,
}

impl Kind {
    pub const ALL: [Kind; 18] = [
        Kind::Email,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Mac,
        Kind::Phone,
        Kind::Card,
        Kind::Iban,
        Kind::Ssn,
        Kind::AwsKeyId,
        Kind::AwsSecret,
        Kind::Jwt,
        Kind::Token,
        Kind::UrlPassword,
        Kind::Secret,
        Kind::PrivateKey,
        Kind::Username,
        Kind::Name,
        Kind::Hostname,
    ];

    /// The stable lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Mac => "mac",
            Kind::Phone => "phone",
            Kind::Card => "card",
            Kind::Iban => "iban",
            Kind::Ssn => "ssn",
            Kind::AwsKeyId => "aws_key_id",
            Kind::AwsSecret => "aws_secret",
            Kind::Jwt => "jwt",
            Kind::Token => "token",
            Kind::UrlPassword => "url_password",
            Kind::Secret => "secret",
            Kind::PrivateKey => "private_key",
            Kind::Username => "username",
            Kind::Name => "name",
            Kind::Hostname => "hostname",
        }
    }

    /// The label used inside tokens (`EMAIL`, `AWS_KEY_ID`, ...).
    pub fn label(self) -> String {
        self.label_str().to_owned()
    }

    /// [`Kind::label`] without an allocation.
    pub(crate) fn label_str(self) -> &'static str {
        match self {
            Kind::Email => "EMAIL",
            Kind::Ipv4 => "IPV4",
            Kind::Ipv6 => "IPV6",
            Kind::Mac => "MAC",
            Kind::Phone => "PHONE",
            Kind::Card => "CARD",
            Kind::Iban => "IBAN",
            Kind::Ssn => "SSN",
            Kind::AwsKeyId => "AWS_KEY_ID",
            Kind::AwsSecret => "AWS_SECRET",
            Kind::Jwt => "JWT",
            Kind::Token => "TOKEN",
            Kind::UrlPassword => "URL_PASSWORD",
            Kind::Secret => "SECRET",
            Kind::PrivateKey => "PRIVATE_KEY",
            Kind::Username => "USERNAME",
            Kind::Name => "NAME",
            Kind::Hostname => "HOSTNAME",
        }
    }

    /// Brings a value to the form whose hash the token carries, so that
    /// spellings of one value share a token (`Alice@Example.COM` and
    /// `alice@example.com`, `4111 1111 1111 1111` and `4111111111111111`).
    pub fn normalize(self, value: &str) -> String {
        self.normalized(value).into_owned()
    }

    /// [`Kind::normalize`], borrowing `value` when it is already normal.
    pub(crate) fn normalized(self, value: &str) -> Cow<'_, str> {
        match self {
            Kind::Email | Kind::Name | Kind::Hostname => {
                if value.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
                    Cow::Owned(value.to_lowercase())
                } else {
                    Cow::Borrowed(value)
                }
            }
            Kind::Mac => Cow::Owned(
                value
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .collect(),
            ),
            Kind::Ipv6 => Cow::Owned(
                match value.split('%').next().map(std::net::Ipv6Addr::from_str) {
                    Some(Ok(addr)) => addr.to_string(),
                    _ => value.to_ascii_lowercase(),
                },
            ),
            Kind::Phone => Cow::Owned(
                value
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect(),
            ),
            Kind::Card | Kind::Ssn => {
                Cow::Owned(value.chars().filter(char::is_ascii_digit).collect())
            }
            Kind::Iban => Cow::Owned(
                value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase(),
            ),
            _ => Cow::Borrowed(value),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown redaction kind")]
pub struct UnknownKind;

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or(UnknownKind)
    }
}

/// The token for `value` of `kind` under `key`.
pub fn token(kind: Kind, value: &str, key: &ScopeKey) -> String {
    token_with_label(&kind.label(), &kind.normalize(value), key)
}

/// The token for an already normalized value under an explicit label (custom
/// patterns use their upper-cased name as label).
pub fn token_with_label(label: &str, normalized: &str, key: &ScopeKey) -> String {
    let hash = keyed_hash(normalized.as_bytes(), key);
    let mut out = String::with_capacity(label.len() + HASH_HEX_LEN + 3);
    out.push('[');
    out.push_str(label);
    out.push(':');
    out.push_str(&hash);
    out.push(']');
    out
}

/// Writes tokens under one key: the HMAC key schedule is computed once,
/// not per token.
#[derive(Clone)]
pub(crate) struct TokenWriter {
    mac: Hmac<Sha256>,
}

impl TokenWriter {
    pub(crate) fn new(key: &ScopeKey) -> Self {
        // HMAC accepts keys of any length, so this cannot fail for 32 bytes.
        let Ok(mac) = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) else {
            unreachable_key_length()
        };
        TokenWriter { mac }
    }

    /// Appends the token for an already normalized value to `out` (the
    /// same bytes as [`token_with_label`]).
    pub(crate) fn write(&self, label: &str, normalized: &[u8], out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac = self.mac.clone();
        mac.update(normalized);
        let digest = mac.finalize().into_bytes();
        out.push(b'[');
        out.extend_from_slice(label.as_bytes());
        out.push(b':');
        for b in &digest[..HASH_HEX_LEN / 2] {
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0x0f)]);
        }
        out.push(b']');
    }
}

/// The truncated hex HMAC-SHA256 of `value` under `key`.
pub fn keyed_hash(value: &[u8], key: &ScopeKey) -> String {
    // HMAC accepts keys of any length, so this cannot fail for 32 bytes.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) else {
        unreachable_key_length()
    };
    mac.update(value);
    let digest = mac.finalize().into_bytes();
    hex::encode(&digest[..HASH_HEX_LEN / 2])
}

#[cold]
fn unreachable_key_length() -> ! {
    panic!("HMAC-SHA256 accepts 32-byte keys")
}

/// Finds the byte spans of existing tokens in `line`.
pub(crate) fn token_spans(line: &[u8], out: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(rel) = memchr::memchr(b'[', &line[from..]) {
        let start = from + rel;
        if let Some(len) = token_len_at(&line[start..]) {
            out.push((start, start + len));
            from = start + len;
        } else {
            from = start + 1;
        }
    }
}

/// If `s` starts with a token, its length.
pub(crate) fn token_len_at(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let mut i = 1;
    if !s.get(i).is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    while s
        .get(i)
        .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    {
        i += 1;
    }
    if s.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    for _ in 0..HASH_HEX_LEN {
        if !s
            .get(i)
            .is_some_and(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        {
            return None;
        }
        i += 1;
    }
    if s.get(i) != Some(&b']') {
        return None;
    }
    Some(i + 1)
}
