//! Vigil's shared crate: the wire protocol between agent and collector, the
//! redaction engine, and small common types. Pure code: no tokio, no axum, no
//! rusqlite, no I/O.
#![forbid(unsafe_code)]

pub mod redact;
pub mod wire;
