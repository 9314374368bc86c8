//! Collectors. Each produces [`vigil_shared::wire::Record`]s and hands them
//! to the spool through a [`crate::spool::SpoolHandle`].
//!
//! Blocking reads run on tokio's blocking pool under a timeout
//! ([`guard::Guarded`]), so one stuck source (a hung NFS mount) never
//! stalls the others; while it stays stuck it is skipped, never piled up.

pub mod files;
pub mod guard;
pub mod inventory;
pub mod metrics;
pub mod procfs;
