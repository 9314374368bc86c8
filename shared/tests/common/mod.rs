//! The labeled corpora's markup (`tests/corpus/README.md`) and files, for
//! the corpus scorer and the property tests.

use std::path::{Path, PathBuf};

pub(crate) struct Marked {
    pub(crate) raw: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) keeps: Vec<String>,
}

/// Strips `«kind:value»` and `‹value›` from a line.
pub(crate) fn parse_line(line: &str) -> Marked {
    let mut raw = String::with_capacity(line.len());
    let mut labels = Vec::new();
    let mut keeps = Vec::new();
    let mut rest = line;
    loop {
        let next_label = rest.find('«');
        let next_keep = rest.find('‹');
        let (at, is_label) = match (next_label, next_keep) {
            (None, None) => break,
            (Some(a), None) => (a, true),
            (None, Some(b)) => (b, false),
            (Some(a), Some(b)) => (a.min(b), a < b),
        };
        raw.push_str(&rest[..at]);
        let open = if is_label { '«' } else { '‹' };
        let close = if is_label { '»' } else { '›' };
        let after = &rest[at + open.len_utf8()..];
        let end = after.find(close).expect("unclosed markup");
        let inner = &after[..end];
        if is_label {
            let (kind, value) = inner.split_once(':').expect("label is kind:value");
            labels.push((kind.to_owned(), value.to_owned()));
            raw.push_str(value);
        } else {
            keeps.push(inner.to_owned());
            raw.push_str(inner);
        }
        rest = &after[end + close.len_utf8()..];
    }
    raw.push_str(rest);
    Marked { raw, labels, keeps }
}

/// The labeled corpora (`tests/<name>/`), in the order they were written.
pub(crate) const CORPORA: &[&str] = &[
    "corpus", "holdout", "unseen", "blind", "cold", "fresh", "novel", "reworded",
];

/// The raw lines of a `.marked` file, markup stripped.
pub(crate) fn raw_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(|l| parse_line(l).raw).collect()
}

/// The `.marked` files of `tests/<name>/`, sorted.
pub(crate) fn marked_files(name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "marked"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "corpus files missing in {}",
        dir.display()
    );
    files
}
