//! Thread priorities: the store writer runs at the process's own priority,
//! everything else a little below it.
//!
//! The writer (its own thread) commits every acknowledged batch and audit
//! record, one transaction after another: when TLS and decoding keep every
//! core busy, each time slice it waits for delays every acknowledgement
//! behind it. The async runtime's threads and the store's mover (which
//! reorganizes staged samples, and whose latency nobody waits on) run at
//! [`BACKGROUND_NICE`] above the process's nice value, which gives the
//! writer about three times their weight with the scheduler, so under load
//! requests queue for the cores rather than the commits (docs/benchmarks.md,
//! paced ingest). Lowering a thread's own priority needs no privilege.

/// How much nicer than the process the other threads run.
pub const BACKGROUND_NICE: i32 = 5;

/// The process's nice value, read once: threads inherit their creator's
/// value, so [`lower_this_thread`] sets one from this rather than adding to
/// its own.
pub fn process_nice() -> rustix::io::Result<i32> {
    rustix::process::getpriority_process(None)
}

/// Runs the calling thread at `process` + [`BACKGROUND_NICE`]. Linux keeps
/// nice values per thread (`None` names the calling one).
pub fn lower_this_thread(process: rustix::io::Result<i32>) {
    let lowered =
        process.and_then(|nice| rustix::process::setpriority_process(None, nice + BACKGROUND_NICE));
    if let Err(error) = lowered {
        tracing::debug!(%error, "thread priority unchanged");
    }
}
