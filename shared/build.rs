//! Lays out the bundled first-name list (`src/redact/first_names.txt`) as
//! an open-addressing table of 32-bit fingerprints at build time, so the
//! table is read-only data of the binary: no start-up work, no heap, only
//! the pages that look-ups touch are resident, and the list's text is not
//! in the binary at all (`redact::names::listed_exactly`).

#[path = "src/redact/word_hash.rs"]
mod word_hash;

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    const LIST: &str = "src/redact/first_names.txt";
    println!("cargo::rerun-if-changed={LIST}");
    println!("cargo::rerun-if-changed=src/redact/word_hash.rs");
    let text = std::fs::read_to_string(LIST).expect("the bundled first-name list");
    let names: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // At most two thirds full: a miss, the common case, ends within a few
    // probes of one cache line.
    let size = (names.len() * 3 / 2).next_power_of_two().max(16);
    let mut slots = vec![0u32; size];
    for name in names {
        let (mut i, fingerprint) = word_hash::slot(name.as_bytes(), size);
        while slots[i] != 0 && slots[i] != fingerprint {
            i = (i + 1) & (size - 1);
        }
        slots[i] = fingerprint;
    }
    let mut out = format!("static NAME_SLOTS: [u32; {size}] = [");
    for s in slots {
        write!(out, "{s},").expect("writing to a String");
    }
    out.push_str("];\n");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::write(dir.join("first_names_table.rs"), out).expect("writing the table");
}
