//! Redacts a file in-process, one thread, and prints the time: the engine
//! alone, without the CLI's I/O or threads (for profiling).
//!
//! ```text
//! cargo run --release -p vigil-shared --example redact_file -- FILE [OUT]
//! ```
//!
//! With `OUT`, the redacted text is written there under a fixed key, so two
//! builds can be compared byte for byte.

use std::time::Instant;

use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey, Tables};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(input) = args.next() else {
        return Err("usage: redact_file FILE [OUT]".into());
    };
    let output = args.next();
    let data = std::fs::read(&input)?;
    // The tables `vigil-agent redact` uses.
    let redactor = Redactor::with_tables(
        ScopeKey::from_bytes([5; 32]),
        &RedactConfig::default(),
        Tables::Fast,
    )?;
    let mut report = Report::default();
    let started = Instant::now();
    let out = redactor.redact_bytes(&data, &mut report);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{:.1} MB in {seconds:.3} s: {:.1} MB/s, {} findings",
        data.len() as f64 / 1e6,
        data.len() as f64 / 1e6 / seconds,
        report.total()
    );
    if let Some(path) = output {
        std::fs::write(path, &out)?;
    }
    Ok(())
}
