//! The Vigil agent as a library: collectors, spool, shipper, enrollment.
//! `main.rs` only parses arguments and calls in here.
//!
//! - [`enroll`]: first contact, CA pinned by fingerprint, key made here.
//! - [`run`]: the long-running service: collectors → [`spool`] → [`ship`].
//! - [`renew`]: certificate renewal over mTLS before expiry.
//! - [`config`], [`state`], [`tls`], [`http`]: the config file, the state
//!   directory, TLS plumbing, the HTTPS client.
#![forbid(unsafe_code)]

pub mod collect;
pub mod config;
pub mod enroll;
pub mod http;
pub mod redact_cmd;
pub mod renew;
pub mod run;
pub mod ship;
pub mod spool;
pub mod state;
pub mod support_bundle;
pub mod tls;
