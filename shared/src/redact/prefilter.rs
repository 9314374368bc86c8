//! One pass over a line that tells which detector groups can match at all.
//!
//! The token, secret, user, name and host-name detectors each start from a
//! literal cue (`bearer`, `pass`, `for `, `opened`, `-laptop`, ...). Their
//! cue lists go into one ASCII case-insensitive Aho-Corasick automaton; a
//! single overlapping scan of the line sets one bit per group that has a
//! cue on the line, and records where name cue words start (the name
//! scanner tries its anchored cue regex only there). A group whose bit is
//! clear is skipped: none of its regexes can match.
//!
//! The automaton comes in two builds ([`Tables`]): a contiguous NFA (tens
//! of KiB) for long-lived processes that redact a little now and then, and
//! a DFA (about 1 MiB, one table look-up per byte) for bulk runs, where
//! this scan is a fifth of the engine's time with the NFA.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::checks;
use super::detect::builtin_bug;
use super::Tables;

/// Bits of [`Hints::groups`].
pub(crate) const TOKENS: u8 = 1;
pub(crate) const SECRETS: u8 = 1 << 1;
pub(crate) const USERS: u8 = 1 << 2;
pub(crate) const NAMES: u8 = 1 << 3;
pub(crate) const HOSTS: u8 = 1 << 4;

#[derive(Clone)]
pub(crate) struct Prefilter {
    ac: AhoCorasick,
    /// The groups each pattern of `ac` belongs to.
    groups: Vec<u8>,
}

/// What the scan of one line found. Reused between lines.
#[derive(Default)]
pub(crate) struct Hints {
    /// Groups with at least one cue on the line.
    pub(crate) groups: u8,
    /// Starts of name cue words at a word boundary, ascending, no repeats.
    pub(crate) name_starts: Vec<usize>,
}

impl Hints {
    pub(crate) fn has(&self, group: u8) -> bool {
        self.groups & group != 0
    }
}

impl Prefilter {
    /// `cues`: each group with its literal cues (ASCII, any case).
    pub(crate) fn new(cues: &[(u8, Vec<String>)], tables: Tables) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut groups: Vec<u8> = Vec::new();
        for (group, words) in cues {
            for w in words {
                let w = w.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == w) {
                    Some(i) => groups[i] |= group,
                    None => {
                        patterns.push(w);
                        groups.push(*group);
                    }
                }
            }
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(match tables {
                Tables::Compact => AhoCorasickKind::ContiguousNFA,
                Tables::Fast => AhoCorasickKind::DFA,
            }))
            .build(&patterns)
            .unwrap_or_else(|e| builtin_bug(&e));
        Prefilter { ac, groups }
    }

    pub(crate) fn scan(&self, line: &[u8], hints: &mut Hints) {
        hints.groups = 0;
        hints.name_starts.clear();
        let mut sorted = true;
        for m in self.ac.find_overlapping_iter(line) {
            let g = self.groups[m.pattern().as_usize()];
            hints.groups |= g;
            if g & NAMES != 0 {
                let s = m.start();
                if s == 0 || !checks::is_word(line[s - 1]) {
                    if let Some(&last) = hints.name_starts.last() {
                        if last == s {
                            continue;
                        }
                        sorted &= last < s;
                    }
                    hints.name_starts.push(s);
                }
            }
        }
        if !sorted {
            hints.name_starts.sort_unstable();
            hints.name_starts.dedup();
        }
    }
}
