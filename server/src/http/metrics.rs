//! OpenMetrics exposition of the collector's own counters.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::state::Counters;

pub fn render(c: &Counters) -> String {
    let mut out = String::new();
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let mut family = |name: &str, kind: &str, help: &str, rows: &[(&str, u64)]| {
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "# HELP {name} {help}");
        let suffix = if kind == "counter" { "_total" } else { "" };
        for (labels, v) in rows {
            let _ = writeln!(out, "{name}{suffix}{labels} {v}");
        }
    };
    family(
        "vigil_ingest_batches",
        "counter",
        "Agent batches acknowledged, by outcome.",
        &[
            ("{status=\"committed\"}", get(&c.batches_committed)),
            ("{status=\"duplicate\"}", get(&c.batches_duplicate)),
        ],
    );
    family(
        "vigil_ingest_samples",
        "counter",
        "Metric samples stored.",
        &[("", get(&c.samples))],
    );
    family(
        "vigil_ingest_file_changes",
        "counter",
        "Configuration-file change events stored.",
        &[("", get(&c.changes))],
    );
    family(
        "vigil_ingest_rejects",
        "counter",
        "Agent requests refused, by reason.",
        &[
            ("{reason=\"malformed\"}", get(&c.rejects_malformed)),
            ("{reason=\"too_large\"}", get(&c.rejects_too_large)),
            ("{reason=\"unsupported_version\"}", get(&c.rejects_version)),
            ("{reason=\"auth\"}", get(&c.rejects_auth)),
            ("{reason=\"overloaded\"}", get(&c.rejects_overload)),
        ],
    );
    family(
        "vigil_agent_spool_dropped_records",
        "counter",
        "Records agents dropped from full spools (reported gaps).",
        &[("", get(&c.agent_records_dropped))],
    );
    family(
        "vigil_agent_enrollments",
        "counter",
        "Agents enrolled.",
        &[("", get(&c.enrollments))],
    );
    family(
        "vigil_agent_renewals",
        "counter",
        "Agent certificates renewed.",
        &[("", get(&c.renewals))],
    );
    family(
        "vigil_ingest_in_flight",
        "gauge",
        "Ingest requests being processed.",
        &[("", get(&c.ingest_in_flight))],
    );
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_openmetrics() {
        let c = Counters::default();
        Counters::inc(&c.samples, 42);
        let text = render(&c);
        assert!(text.contains("vigil_ingest_samples_total 42\n"));
        assert!(text.contains("# TYPE vigil_ingest_in_flight gauge"));
        assert!(text.ends_with("# EOF\n"));
    }
}
