//! The Vigil agent as a library: collectors, spool, shipper, enrollment.
//! `main.rs` only parses arguments and calls in here.
#![forbid(unsafe_code)]

pub mod collect;
pub mod redact_cmd;
