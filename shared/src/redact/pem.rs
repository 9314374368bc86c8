//! PEM private key blocks: every line from `-----BEGIN ... PRIVATE KEY-----`
//! to the matching `END` line is redacted, across lines. The state between
//! lines is a [`PemState`] that the caller carries (see
//! [`super::LineRedactor`]).
//!
//! Blocks of public material (certificates, public keys, CSRs) are tracked
//! too, so that their base64 lines are left alone: they are random-looking
//! and would otherwise read as tokens.
//!
//! A block also ends early at a line that cannot be part of one (not
//! base64, not a PEM header, not blank), so a truncated key in a log does
//! not swallow the rest of the file.

use memchr::memmem;

/// Whether the previous line left a PEM block open, and which kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PemState {
    #[default]
    Outside,
    /// Inside a private key block: every line is redacted.
    InsideKey,
    /// Inside a block of public material: its body lines are kept as
    /// they are, without running the detectors over them.
    InsidePublic,
}

#[derive(Clone)]
pub(crate) struct Pem {
    begin: memmem::Finder<'static>,
    end: memmem::Finder<'static>,
}

impl Pem {
    pub(crate) fn new() -> Self {
        Pem {
            begin: memmem::Finder::new(b"-----BEGIN "),
            end: memmem::Finder::new(b"-----END "),
        }
    }

    /// Whether `line` holds a `-----BEGIN ` marker (a prebuilt searcher:
    /// building one per line costs more than the search).
    pub(crate) fn has_begin(&self, line: &[u8]) -> bool {
        self.begin.find(line).is_some()
    }

    /// Updates `state` for `line` and returns the spans to redact.
    pub(crate) fn step(&self, state: &mut PemState, line: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut from = 0;
        match *state {
            PemState::InsideKey => {
                if let Some(e) = self.end.find(line) {
                    let close = marker_end(line, e).unwrap_or(line.len());
                    let s = leading_space(line);
                    if close > s {
                        spans.push((s, close));
                    }
                    *state = PemState::Outside;
                    from = close;
                } else if body_line(line) {
                    let s = leading_space(line);
                    let e = trailing_end(line);
                    if e > s {
                        spans.push((s, e));
                    }
                    return spans;
                } else if let Some((s, e)) = last_field_base64(line) {
                    // A log prefix before each body line: redact the base64 field.
                    spans.push((s, e));
                    return spans;
                } else {
                    *state = PemState::Outside;
                }
            }
            PemState::InsidePublic => {
                if let Some(e) = self.end.find(line) {
                    *state = PemState::Outside;
                    from = marker_end(line, e).unwrap_or(line.len());
                } else if body_line(line) {
                    return spans;
                } else {
                    *state = PemState::Outside;
                }
            }
            PemState::Outside => {}
        }
        // Blocks that start (and maybe end) on this line.
        while let Some(rel) = self.begin.find(&line[from..]) {
            let b = from + rel;
            let Some(label_end) = marker_end(line, b) else {
                from = b + 1;
                continue;
            };
            // A private key is redacted, public material kept as it is.
            let private = is_private_label(&line[b..label_end]);
            match self.end.find(&line[label_end..]) {
                Some(rel_end) => {
                    let e_at = label_end + rel_end;
                    let close = marker_end(line, e_at).unwrap_or(line.len());
                    if private {
                        spans.push((b, close));
                    }
                    from = close;
                }
                None if private => {
                    spans.push((b, trailing_end(line).max(label_end)));
                    *state = PemState::InsideKey;
                    break;
                }
                None => {
                    *state = PemState::InsidePublic;
                    break;
                }
            }
        }
        spans
    }
}

/// End of a `-----BEGIN X-----` / `-----END X-----` marker starting at `at`.
fn marker_end(line: &[u8], at: usize) -> Option<usize> {
    let after = at + 5;
    let rel = memmem::find(line.get(after..)?, b"-----")?;
    Some(after + rel + 5)
}

fn is_private_label(marker: &[u8]) -> bool {
    memmem::find(marker, b"PRIVATE KEY").is_some()
}

fn leading_space(line: &[u8]) -> usize {
    line.iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len())
}

fn trailing_end(line: &[u8]) -> usize {
    line.iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1)
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Base64 (maybe quoted, maybe with a trailing `\n` or comma), a PEM header
/// (`Proc-Type:`, `DEK-Info:`), or blank.
fn body_line(line: &[u8]) -> bool {
    // An all-blank line has its last non-blank byte before its first.
    let s = leading_space(line);
    let t = &line[s..trailing_end(line).max(s)];
    if t.is_empty() {
        return true;
    }
    if t.starts_with(b"Proc-Type:")
        || t.starts_with(b"DEK-Info:")
        || t.starts_with(b"Comment:")
        || t.starts_with(b"Version:")
    {
        return true;
    }
    let t = t.strip_prefix(b"\"").unwrap_or(t);
    let t = t.strip_suffix(b",").unwrap_or(t);
    let t = t.strip_suffix(b"\"").unwrap_or(t);
    let t = t.strip_suffix(b"\\n").unwrap_or(t);
    !t.is_empty() && t.iter().all(|b| is_b64(*b))
}

/// The last whitespace-separated field, if it is a long base64 run.
fn last_field_base64(line: &[u8]) -> Option<(usize, usize)> {
    let e = trailing_end(line);
    let s = line[..e]
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let field = &line[s..e];
    (field.len() >= 16 && field.iter().all(|b| is_b64(*b))).then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_across_lines() {
        let pem = Pem::new();
        let mut st = PemState::Outside;
        let lines: [&[u8]; 5] = [
            b"key: -----BEGIN RSA PRIVATE KEY-----",
            b"  MIIEowIBAAKCAQEAx",
            b"  abc+/=",
            b"-----END RSA PRIVATE KEY----- tail",
            b"after",
        ];
        let spans: Vec<_> = lines.iter().map(|l| pem.step(&mut st, l)).collect();
        assert_eq!(spans[0], vec![(5, 36)]);
        assert_eq!(spans[1], vec![(2, 19)]);
        assert_eq!(spans[2], vec![(2, 8)]);
        assert_eq!(spans[3], vec![(0, 29)]);
        assert!(spans[4].is_empty());
        assert_eq!(st, PemState::Outside);
    }

    #[test]
    fn certificate_is_kept_and_truncated_block_ends() {
        let pem = Pem::new();
        let mut st = PemState::Outside;
        assert!(pem.step(&mut st, b"-----BEGIN CERTIFICATE-----").is_empty());
        assert_eq!(st, PemState::InsidePublic);
        assert!(pem
            .step(
                &mut st,
                b"MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ"
            )
            .is_empty());
        assert_eq!(st, PemState::InsidePublic);
        assert!(pem.step(&mut st, b"-----END CERTIFICATE-----").is_empty());
        assert_eq!(st, PemState::Outside);
        assert!(!pem.step(&mut st, b"-----BEGIN PRIVATE KEY-----").is_empty());
        assert_eq!(st, PemState::InsideKey);
        assert!(pem
            .step(&mut st, b"2024-01-01 INFO service started ok")
            .is_empty());
        assert_eq!(st, PemState::Outside);
    }

    #[test]
    fn inline_escaped_block() {
        let pem = Pem::new();
        let mut st = PemState::Outside;
        let line =
            br#"{"key":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n","x":1}"#;
        let spans = pem.step(&mut st, line);
        assert_eq!(spans.len(), 1);
        assert_eq!(st, PemState::Outside);
    }
}
