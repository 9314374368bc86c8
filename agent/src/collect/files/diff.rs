//! Pure comparison of two states of a path: which change it is, and the
//! unified diff between redacted contents. No I/O.

use similar::TextDiff;
use vigil_shared::wire::{ChangeKind, Detection, FileChange};

use super::snapshot::{Entry, Kind};

/// Lines of context around each hunk.
const CONTEXT_LINES: usize = 3;

/// What changed between `old` and `new`, if anything worth reporting.
/// A changed mtime alone (`touch`) is not a change.
pub(crate) fn classify(old: Option<&Entry>, new: Option<&Entry>) -> Option<ChangeKind> {
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(ChangeKind::Created),
        (Some(_), None) => Some(ChangeKind::Deleted),
        (Some(o), Some(n)) => {
            let content_changed = o.kind != n.kind
                || match n.kind {
                    Kind::File => match (o.sha256, n.sha256) {
                        (Some(a), Some(b)) => a != b,
                        // Unreadable on one side: size and mtime are all we have.
                        _ => o.size != n.size || o.mtime_ns != n.mtime_ns,
                    },
                    Kind::Symlink => o.link_target != n.link_target,
                    Kind::Dir | Kind::Other => false,
                };
            if content_changed {
                Some(ChangeKind::Modified)
            } else if o.mode != n.mode || o.uid != n.uid || o.gid != n.gid {
                Some(ChangeKind::Metadata)
            } else {
                None
            }
        }
    }
}

/// Unified diff between two redacted texts, `None` when they are equal.
pub(crate) fn unified(path: &str, old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = TextDiff::from_lines(old, new);
    let old_header = format!("a{path}");
    let new_header = format!("b{path}");
    Some(
        diff.unified_diff()
            .context_radius(CONTEXT_LINES)
            .header(&old_header, &new_header)
            .to_string(),
    )
}

/// Builds the record for a change of `path` from `old` to `new`, or `None`
/// when nothing reportable changed. Created and deleted text files carry a
/// diff from or to empty; other files carry no diff.
pub(crate) fn change(
    path: &str,
    old: Option<&Entry>,
    new: Option<&Entry>,
    detection: Detection,
    ts_ms: i64,
) -> Option<FileChange> {
    let kind = classify(old, new)?;
    let diff = match kind {
        ChangeKind::Metadata => None,
        _ => {
            let old_text = match old {
                None => Some(""),
                Some(e) => e.text(),
            };
            let new_text = match new {
                None => Some(""),
                Some(e) => e.text(),
            };
            match (old_text, new_text) {
                (Some(a), Some(b)) => unified(path, a, b),
                _ => None,
            }
        }
    };
    Some(FileChange {
        ts_ms,
        path: path.to_owned(),
        kind,
        detection,
        old: old.map(Entry::to_wire),
        new: new.map(Entry::to_wire),
        renamed_from: None,
        diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::files::snapshot::Content;

    fn text(s: &str, sha: u8) -> Entry {
        Entry {
            kind: Kind::File,
            size: s.len() as u64,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime_ns: 1,
            ctime_ns: 1,
            ino: 1,
            sha256: Some([sha; 32]),
            link_target: None,
            content: Content::Text(s.to_owned()),
        }
    }

    #[test]
    fn classification_table() {
        let a = text("a\n", 1);
        let b = text("b\n", 2);
        let mut chmod = a.clone();
        chmod.mode = 0o600;
        let mut touched = a.clone();
        touched.mtime_ns = 99;
        let mut both = b.clone();
        both.uid = 7;
        let cases: &[(Option<&Entry>, Option<&Entry>, Option<ChangeKind>)] = &[
            (None, None, None),
            (None, Some(&a), Some(ChangeKind::Created)),
            (Some(&a), None, Some(ChangeKind::Deleted)),
            (Some(&a), Some(&a), None),
            (Some(&a), Some(&b), Some(ChangeKind::Modified)),
            (Some(&a), Some(&chmod), Some(ChangeKind::Metadata)),
            (Some(&a), Some(&touched), None),
            (Some(&a), Some(&both), Some(ChangeKind::Modified)),
        ];
        for (i, (old, new, want)) in cases.iter().enumerate() {
            assert_eq!(classify(*old, *new), *want, "case {i}");
        }
    }

    #[test]
    fn diff_is_unified_between_texts() {
        let old = text("one\ntwo\nthree\n", 1);
        let new = text("one\n2\nthree\n", 2);
        let c = change("/etc/x", Some(&old), Some(&new), Detection::Realtime, 0);
        let diff = c.and_then(|c| c.diff).unwrap_or_default();
        assert_eq!(
            diff,
            "--- a/etc/x\n+++ b/etc/x\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
        );
    }

    #[test]
    fn binary_side_means_no_diff() {
        let old = text("one\n", 1);
        let mut new = text("", 2);
        new.content = Content::Binary;
        let c = change("/etc/x", Some(&old), Some(&new), Detection::Rescan, 0);
        assert!(c.is_some_and(|c| c.diff.is_none() && c.kind == ChangeKind::Modified));
    }
}
