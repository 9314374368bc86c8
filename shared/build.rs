//! Lays out the bundled word lists (`src/redact/first_names.txt`,
//! `src/redact/common_words.txt`, `src/redact/surnames.txt`,
//! `src/redact/surname_lookalikes.txt`) as open-addressing tables of 32-bit
//! fingerprints at build time, so each table is read-only data of the
//! binary: no start-up work, no heap, only the pages that look-ups touch
//! are resident, and the lists' text is not in the binary at all
//! (`redact::names::listed`).

#[path = "src/redact/word_hash.rs"]
mod word_hash;

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=src/redact/word_hash.rs");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    for (list, table, file) in [
        (
            "src/redact/first_names.txt",
            "NAME_SLOTS",
            "first_names_table.rs",
        ),
        (
            "src/redact/common_words.txt",
            "WORD_SLOTS",
            "common_words_table.rs",
        ),
        (
            "src/redact/surnames.txt",
            "SURNAME_SLOTS",
            "surnames_table.rs",
        ),
        (
            "src/redact/surnames_us.txt",
            "US_SURNAME_SLOTS",
            "surnames_us_table.rs",
        ),
        (
            "src/redact/surname_lookalikes.txt",
            "LOOKALIKE_SLOTS",
            "surname_lookalikes_table.rs",
        ),
    ] {
        println!("cargo::rerun-if-changed={list}");
        let text = std::fs::read_to_string(list).expect("a bundled word list");
        std::fs::write(dir.join(file), layout(&text, table)).expect("writing the table");
    }
}

/// The words of `text` (one per line, `#` comments) as `static NAME: [u32; N]`.
fn layout(text: &str, name: &str) -> String {
    let words: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // At most two thirds full: a miss, the common case, ends within a few
    // probes of one cache line.
    let size = (words.len() * 3 / 2).next_power_of_two().max(16);
    let mut slots = vec![0u32; size];
    for word in words {
        let (mut i, fingerprint) = word_hash::slot(word.as_bytes(), size);
        while slots[i] != 0 && slots[i] != fingerprint {
            i = (i + 1) & (size - 1);
        }
        slots[i] = fingerprint;
    }
    let mut out = format!("static {name}: [u32; {size}] = [");
    for s in slots {
        write!(out, "{s},").expect("writing to a String");
    }
    out.push_str("];\n");
    out
}
