//! One pass over a line that tells which detector groups can match at all.
//!
//! The token, secret, user, name, host-name, network-name and cardholder
//! detectors each start from a literal cue (`bearer`, `pass`, `for `,
//! `opened`, `-laptop`, `ssid`, `holder`, ...). Their cue lists go into
//! one ASCII case-insensitive Aho-Corasick automaton; a
//! single overlapping scan of the line sets one bit per group that has a
//! cue on the line, and records where name cue words start (the name
//! scanner tries its anchored cue regex only there). A group whose bit is
//! clear is skipped: none of its regexes can match. A few literals that
//! single detectors test every line for (`ddr`, `--`, `"name"`, ...) ride
//! along with a bit each, so those detectors search only lines that hold
//! them.
//!
//! The automaton comes in two builds ([`Tables`]): a contiguous NFA (tens
//! of KiB) for long-lived processes that redact a little now and then, and
//! a DFA (about 1 MiB, one table look-up per byte) for bulk runs, where
//! this scan is a fifth of the engine's time with the NFA.
//!
//! The re-scan that follows redaction ([`Prefilter::rescan`]) does not
//! scan the whole line again: it keeps the cue occurrences of the scan
//! before that no replaced value touched and scans only the new tokens.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::checks;
use super::detect::builtin_bug;
use super::Tables;

/// Bits of [`Hints::groups`].
pub(crate) const TOKENS: u32 = 1;
pub(crate) const SECRETS: u32 = 1 << 1;
pub(crate) const USERS: u32 = 1 << 2;
pub(crate) const NAMES: u32 = 1 << 3;
pub(crate) const HOSTS: u32 = 1 << 4;
pub(crate) const SSIDS: u32 = 1 << 5;
pub(crate) const CARDHOLDERS: u32 = 1 << 6;
/// The secret detectors that scan for cue words of their own (see
/// [`super::secrets::Secrets::find`]): a line with a secret cue often has
/// none of theirs (`publickey`, `PWD=`).
pub(crate) const PASSWORD_PROSE: u32 = 1 << 7;
pub(crate) const KEY_PROSE: u32 = 1 << 8;
pub(crate) const SENT_CODES: u32 = 1 << 9;
pub(crate) const GROUPED_CODES: u32 = 1 << 10;
pub(crate) const ORACLE_LOGINS: u32 = 1 << 17;
pub(crate) const ID_KEYS: u32 = 1 << 18;
pub(crate) const CHPASSWD: u32 = 1 << 21;
pub(crate) const PHP_CONNECT: u32 = 1 << 22;
pub(crate) const MY_NUMBER: u32 = 1 << 23;
/// The literals single detectors test every line for, folded into the same
/// scan (a substring search per literal and line cost more than the whole
/// scan's extra hits): a clear bit says the literal is not on the line in
/// any case, a set one sends the detector to its own exact test.
pub(crate) const MAC_KEY: u32 = 1 << 11;
pub(crate) const WEBHOOK: u32 = 1 << 12;
pub(crate) const DOUBLE_HYPHEN: u32 = 1 << 13;
pub(crate) const SN_KEY: u32 = 1 << 14;
pub(crate) const NAME_KEY: u32 = 1 << 15;
pub(crate) const REDIS_SET: u32 = 1 << 16;
pub(crate) const DICOM_PN: u32 = 1 << 19;
pub(crate) const SESSION_WORD: u32 = 1 << 20;

#[derive(Clone)]
pub(crate) struct Prefilter {
    ac: AhoCorasick,
    /// The groups each pattern of `ac` belongs to.
    groups: Vec<u32>,
    /// No cue holds '[' or ']', so [`Prefilter::rescan`] may carry cue hits
    /// over (false only for odd configured host-name device words).
    carry: bool,
}

/// What the scan of one line found. Reused between lines.
#[derive(Default)]
pub(crate) struct Hints {
    /// Groups with at least one cue on the line.
    pub(crate) groups: u32,
    /// Starts of name cue words at a word boundary, ascending, no repeats.
    pub(crate) name_starts: Vec<usize>,
    /// Every cue occurrence on the line, for [`Prefilter::rescan`].
    hits: Vec<Hit>,
    /// The hits of the line before, while `hits` is rebuilt.
    old_hits: Vec<Hit>,
}

/// One cue occurrence: its span and the groups of its cue.
#[derive(Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    groups: u32,
}

/// A value that redaction replaced with a token: its span in the line
/// before and the token's span in the line after. See [`Prefilter::rescan`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edit {
    pub(crate) old: (usize, usize),
    pub(crate) new: (usize, usize),
}

impl Hints {
    pub(crate) fn has(&self, group: u32) -> bool {
        self.groups & group != 0
    }
}

/// Every detector group with its cue words, `names` giving the name and
/// host-name cues of the configuration.
pub(crate) fn cue_groups(names: &super::names::Names) -> Vec<(u32, Vec<String>)> {
    let owned = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    let (name_cues, host_cues) = names.cues();
    let mut groups = vec![
        (TOKENS, super::detect::token_cues()),
        (SECRETS, super::secrets::cues()),
        (USERS, owned(super::users::CUES)),
        (NAMES, name_cues.to_vec()),
        (HOSTS, host_cues.to_vec()),
        (SSIDS, owned(super::ssid::CUES)),
        (CARDHOLDERS, owned(super::names::CARDHOLDER_CUES)),
        (MAC_KEY, owned(super::detect::MAC_KEYS)),
        (WEBHOOK, owned(super::detect::WEBHOOK_SEGMENT_ENDS)),
        (DOUBLE_HYPHEN, owned(&["--"])),
        (SN_KEY, owned(&["sn="])),
        (NAME_KEY, owned(&["\"name\""])),
        (REDIS_SET, owned(&["\"set"])),
        (DICOM_PN, owned(&[super::hl7::DICOM_PN_CUE])),
        (SESSION_WORD, owned(&[super::secrets::SESSION_WORD])),
    ];
    groups.extend(super::secrets::own_cue_groups());
    groups
}

impl Prefilter {
    /// `cues`: each group with its literal cues (ASCII, any case).
    pub(crate) fn new(cues: &[(u32, Vec<String>)], tables: Tables) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut groups: Vec<u32> = Vec::new();
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
        let carry = patterns.iter().all(|p| !p.contains(['[', ']']));
        Prefilter { ac, groups, carry }
    }

    pub(crate) fn scan(&self, line: &[u8], hints: &mut Hints) {
        hints.hits.clear();
        self.push_hits(line, 0, &mut hints.hits);
        hints.derive(line);
    }

    /// The same hints as [`Prefilter::scan`] of `line`, which is the line
    /// last scanned into `hints` with the values at `edits` (ascending,
    /// disjoint) replaced by tokens, without scanning all of it again.
    ///
    /// Exact because no cue holds '[' or ']': a cue occurrence cannot
    /// straddle a token's edge, so the occurrences on `line` are those of
    /// the line before that no replaced value touched (shifted), plus those
    /// inside the new tokens.
    pub(crate) fn rescan(&self, line: &[u8], edits: &[Edit], hints: &mut Hints) {
        if !self.carry {
            self.scan(line, hints);
            return;
        }
        std::mem::swap(&mut hints.hits, &mut hints.old_hits);
        hints.hits.clear();
        for h in &hints.old_hits {
            // Edits wholly before the hit: the last of them gives the shift.
            let i = edits.partition_point(|e| e.old.1 <= h.start);
            if edits.get(i).is_some_and(|e| e.old.0 < h.end) {
                continue;
            }
            let (start, end) = match i.checked_sub(1).map(|j| edits[j]) {
                Some(e) => (h.start - e.old.1 + e.new.1, h.end - e.old.1 + e.new.1),
                None => (h.start, h.end),
            };
            hints.hits.push(Hit {
                start,
                end,
                groups: h.groups,
            });
        }
        for e in edits {
            self.push_hits(&line[e.new.0..e.new.1], e.new.0, &mut hints.hits);
        }
        hints.derive(line);
    }

    /// Appends the cue occurrences of `text`, which starts at `at` of its line.
    fn push_hits(&self, text: &[u8], at: usize, hits: &mut Vec<Hit>) {
        for m in self.ac.find_overlapping_iter(text) {
            hits.push(Hit {
                start: at + m.start(),
                end: at + m.end(),
                groups: self.groups[m.pattern().as_usize()],
            });
        }
    }
}

impl Hints {
    /// Sets `groups` and `name_starts` from `hits` on `line`.
    fn derive(&mut self, line: &[u8]) {
        self.groups = 0;
        self.name_starts.clear();
        let mut sorted = true;
        for h in &self.hits {
            self.groups |= h.groups;
            if h.groups & NAMES != 0 {
                let s = h.start;
                if s == 0 || !checks::is_word(line[s - 1]) {
                    if let Some(&last) = self.name_starts.last() {
                        if last == s {
                            continue;
                        }
                        sorted &= last < s;
                    }
                    self.name_starts.push(s);
                }
            }
        }
        if !sorted {
            self.name_starts.sort_unstable();
            self.name_starts.dedup();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::names;

    fn prefilter() -> Prefilter {
        Prefilter::new(&cue_groups(&names::Names::new(true, &[])), Tables::Compact)
    }

    /// Lines of cue-laden pieces with random values replaced by tokens:
    /// carrying the hits over gives the hints of a fresh scan.
    #[test]
    fn rescan_matches_a_fresh_scan() {
        let pf = prefilter();
        assert!(pf.carry);
        let pieces: &[&[u8]] = &[
            b"user",
            b"for ",
            b"opened by ",
            b"Dear ",
            b"password",
            b"token",
            b"bearer ",
            b"alice",
            b"-laptop",
            b"sudo",
            b"secret",
            b"name",
            b" ",
            b"\t",
            b"=",
            b":",
            b"_",
            b"-",
            b"x",
            b"Maria",
            b"[",
            b"]",
            b"[USERNAME:0123abcd]",
        ];
        let tokens: &[&[u8]] = &[
            b"[USERNAME:0123abcd]",
            b"[SECRET:deadbeef]",
            b"[NAME:00000000]",
            b"[HOSTNAME:12345678]",
            b"[TICKET:abcdef01]",
            b"[TOKEN:0a0b0c0d]",
        ];
        let mut rng = crate::redact::tests::Rng(0x9e37_79b9_7f4a_7c15);
        let mut below = |n: usize| rng.below(n);
        let mut carried = Hints::default();
        let mut fresh = Hints::default();
        let mut changed = 0;
        for _ in 0..20_000 {
            let mut line = Vec::new();
            for _ in 0..below(14) {
                line.extend_from_slice(pieces[below(pieces.len())]);
            }
            pf.scan(&line, &mut carried);
            // Up to three disjoint values, replaced left to right.
            let mut cuts: Vec<usize> = (0..2 * below(4)).map(|_| below(line.len() + 1)).collect();
            cuts.sort_unstable();
            let mut next = Vec::new();
            let mut edits = Vec::new();
            let mut pos = 0;
            for pair in cuts.chunks(2) {
                let (s, e) = (pair[0], pair[1]);
                if s == e || s < pos {
                    continue;
                }
                next.extend_from_slice(&line[pos..s]);
                let at = next.len();
                next.extend_from_slice(tokens[below(tokens.len())]);
                edits.push(Edit {
                    old: (s, e),
                    new: (at, next.len()),
                });
                pos = e;
            }
            next.extend_from_slice(&line[pos..]);
            pf.rescan(&next, &edits, &mut carried);
            pf.scan(&next, &mut fresh);
            let line = String::from_utf8_lossy(&next);
            assert_eq!(carried.groups, fresh.groups, "{line:?} {edits:?}");
            assert_eq!(carried.name_starts, fresh.name_starts, "{line:?} {edits:?}");
            changed += usize::from(!edits.is_empty());
        }
        assert!(changed > 10_000, "only {changed} lines with edits");
    }
}
