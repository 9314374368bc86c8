//! The redaction engine: pure, line-preserving, keyed tokens.
//!
//! Placeholder API; the engine behind it is being written. Callers use only
//! [`Redactor::new`], [`Redactor::redact_text`], [`ScopeKey`] and [`Report`].

use std::collections::BTreeMap;

/// The key that scopes redaction tokens: equal values give equal tokens
/// under one key, and nothing links tokens across keys.
#[derive(Clone)]
pub struct ScopeKey([u8; 32]);

impl ScopeKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ScopeKey(bytes)
    }
}

/// Redaction settings (custom patterns, allowlist).
#[derive(Clone, Debug, Default)]
pub struct RedactConfig {}

/// Findings per kind; never the values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub counts: BTreeMap<String, u64>,
}

pub struct Redactor {
    _key: ScopeKey,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid redaction config: {0}")]
pub struct ConfigError(String);

impl Redactor {
    pub fn new(key: ScopeKey, _config: &RedactConfig) -> Result<Self, ConfigError> {
        Ok(Redactor { _key: key })
    }

    /// Redacts `text`, keeping one output line per input line.
    pub fn redact_text(&self, text: &str, _report: &mut Report) -> String {
        text.to_owned()
    }
}
