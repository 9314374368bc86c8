//! The HTTP edge: the only module that knows axum.

pub mod admin;
pub mod agent;
pub mod error;
pub mod metrics;
pub mod serve;
pub mod support;
