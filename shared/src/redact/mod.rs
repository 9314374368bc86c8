//! The redaction engine (being written).
