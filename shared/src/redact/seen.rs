//! The logins, host names and full names found earlier in the same stream.
//!
//! Logs name the same people again and again, most often without the cue
//! that let a detector find them the first time: `sshd: Accepted password
//! for t.suzuki` is followed by `restic … ws-t.suzuki`, `Assigned to: Grace
//! Lin` by `… and Grace Lin closed it`. A [`Seen`] remembers the logins,
//! host names and full names that a line's redaction replaced, and the
//! later lines of the stream lose those values wherever they stand as
//! words of their own (`-` and `.` pieces of a longer name count, as on
//! the line itself: `ldap-a.okafor`, `restic-t.suzuki.log`).
//!
//! Only forward: a value is known from the line where it was first found
//! on. What is remembered is chosen to keep a detector's mistake from
//! spreading over a whole file (see [`login_worth`], [`personal_login`],
//! [`name_worth`]): logins shaped as a person's name (`t.suzuki`,
//! `nadia`, `tsuzuki` with its listed surname; not `callback` or
//! `params`, words found as a login once), host names, and names whose
//! surname is not an everyday word (`Dev Tools` is no person's). Values are compared
//! ignoring ASCII case.

use std::collections::HashMap;

use super::alias;
use super::checks;
use super::finding::Finding;
use super::names;
use super::token::Kind;
use super::users;

/// How many values a stream remembers; on reaching it, it starts afresh
/// (a bound on memory and on the look-up table's size, for streams that
/// name a new person on every line).
const CAPACITY: usize = 4096;

/// The longest value remembered.
const MAX_LEN: usize = 64;

/// Values found earlier in a stream, by their lower-cased bytes.
#[derive(Default)]
pub(crate) struct Seen {
    values: HashMap<Box<[u8]>, Kind>,
    /// A filter over the values' first four bytes ([`prefix_bit`]): most
    /// words are ruled out by one bit, without a table look-up.
    prefixes: Vec<u64>,
}

/// Bits of the prefix filter (a power of two).
const PREFIX_BITS: usize = 1 << 16;

/// Bytes that continue a word: a value starts only where none comes before
/// (letters, digits, `_`, and the bytes of non-ASCII letters).
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
        b += 1;
    }
    t
};

/// The filter bit of a value or candidate that starts with `four` (its
/// first four bytes, in any case).
fn prefix_bit(four: &[u8]) -> usize {
    let mut key = [0u8; 4];
    key.copy_from_slice(&four[..4]);
    key.make_ascii_lowercase();
    (u32::from_le_bytes(key).wrapping_mul(0x9e37_79b1) >> 16) as usize % PREFIX_BITS
}

impl Seen {
    fn insert(&mut self, value: &[u8], kind: Kind) {
        // The filter keys on four bytes; every value worth keeping has them.
        if value.len() < 4 {
            return;
        }
        if self.values.len() >= CAPACITY {
            self.values.clear();
            self.prefixes.iter_mut().for_each(|w| *w = 0);
        }
        if self.prefixes.is_empty() {
            self.prefixes = vec![0; PREFIX_BITS / 64];
        }
        let bit = prefix_bit(value);
        self.prefixes[bit / 64] |= 1 << (bit % 64);
        self.values
            .insert(value.to_ascii_lowercase().into_boxed_slice(), kind);
    }

    /// Remembers the logins, host names and full names among `findings`
    /// (spans of `line`) that are worth looking for on later lines.
    pub(crate) fn record(&mut self, line: &[u8], findings: &[Finding]) {
        for f in findings {
            let Some(kind @ (Kind::Username | Kind::Hostname | Kind::Name)) = f.kind() else {
                continue;
            };
            let value = &line[f.start..f.end];
            // Logs name the same people again and again.
            if self.lookup(value).is_some() {
                continue;
            }
            let worth = match kind {
                Kind::Username => {
                    login_worth(value)
                        && (f.speaker || personal_login(value))
                        && !database_account(&line[..f.start])
                }
                Kind::Hostname => login_worth(value),
                _ => name_worth(value),
            };
            if worth {
                self.insert(value, kind);
            }
        }
    }

    /// Appends the remembered values on `line`: logins and host names as
    /// a word or a `.`/`-` piece of one, names as two or three words.
    pub(crate) fn find(&self, line: &[u8], out: &mut Vec<Finding>) {
        if self.values.is_empty() {
            return;
        }
        let n = line.len();
        let mut i = 0;
        // The next word's start, then its first four bytes' filter bit.
        while let Some(skip) = line[i..].iter().position(|b| WORD[usize::from(*b)]) {
            i += skip;
            if i + 4 > n {
                break;
            }
            let bit = prefix_bit(&line[i..]);
            if self.prefixes[bit / 64] & (1 << (bit % 64)) != 0 {
                if let Some(f) = self.login_at(line, i).or_else(|| self.name_at(line, i)) {
                    i = f.end;
                    out.push(f);
                    continue;
                }
            }
            i += line[i..]
                .iter()
                .position(|b| !WORD[usize::from(*b)])
                .unwrap_or(n - i);
        }
    }

    /// The longest remembered login or host name from `start` to the end
    /// of its word or before a `.` or `-` in it.
    fn login_at(&self, line: &[u8], start: usize) -> Option<Finding> {
        let mut end = start;
        while end < line.len() && checks::is_login_byte(line[end]) {
            end += 1;
        }
        let closes = |e: usize| e == end || matches!(line[e], b'.' | b'-');
        let next = line.get(end);
        // A word that goes on in other letters (`okafor.aé`) is another.
        if next.is_some_and(|b| *b >= 0x80) {
            return None;
        }
        (start + 4..=end.min(start + MAX_LEN))
            .rev()
            .filter(|e| closes(*e))
            .find_map(|e| match self.lookup(&line[start..e]) {
                Some(&kind @ (Kind::Username | Kind::Hostname)) => {
                    Some(Finding::new(start, e, kind))
                }
                _ => None,
            })
    }

    /// A remembered name of two or three words starting at `start`.
    fn name_at(&self, line: &[u8], start: usize) -> Option<Finding> {
        let mut e = start;
        for words in 1..=3 {
            while e < line.len() && name_byte(line[e]) {
                e += 1;
            }
            let ends_word = !line.get(e).is_some_and(|b| WORD[usize::from(*b)]);
            if words >= 2 && ends_word && self.lookup(&line[start..e]) == Some(&Kind::Name) {
                return Some(Finding::new(start, e, Kind::Name));
            }
            if line.get(e) != Some(&b' ') || !line.get(e + 1).is_some_and(|b| name_byte(*b)) {
                return None;
            }
            e += 1;
        }
        None
    }

    fn lookup(&self, value: &[u8]) -> Option<&Kind> {
        let mut buf = [0u8; MAX_LEN];
        self.values.get(checks::lower_in(value, &mut buf)?)
    }
}

/// Whether a login is a person's by its shape ([`alias::personal_login`]),
/// its initial written with a dot (`t.kowalczyk`, `okafor.a`): `g_strdup`
/// and `ftp_r` are code.
fn personal_login(value: &[u8]) -> bool {
    let initial_piece = value
        .split(|b| !b.is_ascii_alphabetic())
        .any(|w| w.len() == 1);
    alias::personal_login(value) && !(initial_piece && value.contains(&b'_'))
}

/// Bytes of a word of a name (`O'Neil`, `Jean-Luc`, `Nyström`).
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80 || matches!(b, b'\'' | b'-')
}

/// A login or host name worth remembering: four to 64 login bytes, not a
/// system or role account (`admin`, `grafana`: a database URL's user is
/// also the name of the product on later lines), not made of everyday and
/// organisation words alone (`customers`, `orders_svc`, `system-admin`),
/// and not an opaque id in capitals and digits (`AIDAJQABLZS4A3QDU576Q`,
/// an AWS principal), which may name a user on one line and stand for
/// much else on others.
fn login_worth(value: &[u8]) -> bool {
    let mut buf = [0u8; MAX_LEN];
    let Some(lower) = checks::lower_in(value, &mut buf) else {
        return false;
    };
    if value.len() < 4 || !value.iter().all(|b| checks::is_login_byte(*b)) {
        return false;
    }
    let opaque_id = value.len() >= 12
        && !value.iter().any(u8::is_ascii_lowercase)
        && value.iter().any(u8::is_ascii_digit);
    let mut words = lower
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .peekable();
    let personal_word =
        words.peek().is_some() && !words.all(|w| names::is_common_word(w) || names::is_org_word(w));
    let service = lower
        .split(|b| !b.is_ascii_alphanumeric())
        .any(|w| SERVICE_WORDS.iter().any(|s| s.as_bytes() == w));
    personal_word && !opaque_id && !service && !users::not_personal(lower)
}

/// Pieces that make a login a service's (`orders_svc`, `deploy-bot`).
const SERVICE_WORDS: &[&str] = &[
    "svc",
    "srv",
    "service",
    "bot",
    "app",
    "api",
    "daemon",
    "job",
    "cron",
    "ci",
    "sync",
    "etl",
    "bridge",
    "mailer",
    "relay",
    "integration",
    "monitor",
    "deploy",
    "backup",
    "batch",
    "worker",
    "agent",
    "proxy",
    "noreply",
    "system",
    "sys",
];

/// Whether the text before a user is a database's account key
/// (`MARIADB_USER: `, `database.username = `, `"DB_USER": "`): the account
/// of an application, named after it (`zammad`), whose name the later
/// lines use for the application itself.
fn database_account(before: &[u8]) -> bool {
    let key_end = before
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'"' | b'\'' | b':' | b'='))
        .map_or(0, |i| i + 1);
    let separated = before[key_end..].iter().any(|b| matches!(b, b':' | b'='));
    let key_start = before[..key_end]
        .iter()
        .rposition(|b| !checks::is_login_byte(*b))
        .map_or(0, |i| i + 1);
    let key = before[key_start..key_end].to_ascii_lowercase();
    let has = |w: &[u8]| checks::short_contains(&key, w);
    separated
        && (has(b"user") || has(b"login") || has(b"owner"))
        && (has(b"db")
            || has(b"database")
            || has(b"sql")
            || has(b"maria")
            || has(b"postgres")
            || has(b"mongo"))
}

/// A full name worth remembering: two or three words of a name, the last
/// not an everyday word (a surname: not `Dev Tools`, `Zuza Software
/// Foundation`), the first a listed first name or not an everyday word
/// either, and none an organisation's.
fn name_worth(value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let words: Vec<&str> = text.split(' ').collect();
    let common = |w: &str| names::is_common_word(w.to_lowercase().as_bytes());
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return false;
    };
    value.len() <= MAX_LEN
        && (2..=3).contains(&words.len())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(name_byte))
        && last.chars().count() >= 2
        && !common(last)
        && (names::is_first_name(first) || !common(first))
        && !words
            .iter()
            .any(|w| names::is_org_word(w.to_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(seen: &Seen, line: &str) -> Vec<String> {
        let mut out = Vec::new();
        seen.find(line.as_bytes(), &mut out);
        out.iter()
            .map(|f| line[f.start..f.end].to_owned())
            .collect()
    }

    fn seen_with(values: &[(&str, Kind)]) -> Seen {
        let mut seen = Seen::default();
        for (v, k) in values {
            let line = v.as_bytes();
            seen.record(line, &[Finding::new(0, line.len(), *k)]);
        }
        seen
    }

    #[test]
    fn finds_remembered_values_as_words_and_pieces() {
        let seen = seen_with(&[
            ("nadia", Kind::Username),
            ("okafor.a", Kind::Username),
            ("tsuzuki", Kind::Username),
            ("ws-okafor-c", Kind::Hostname),
            ("Grace Lin", Kind::Name),
        ]);
        // In running text, where the word alone is not taken.
        assert_eq!(found(&seen, "checked with tsuzuki about it"), ["tsuzuki"]);
        assert_eq!(
            found(
                &seen,
                "5c81fe0a  2024-05-15 03:00:12  nadia-desktop    nadia"
            ),
            ["nadia", "nadia"]
        );
        assert_eq!(
            found(&seen, "/var/log/restic-NADIA.log and s3://b/nadia/x"),
            ["NADIA", "nadia"]
        );
        assert_eq!(found(&seen, "jdevries okafor.a rgupta"), ["okafor.a"]);
        assert_eq!(found(&seen, "ping ws-okafor-c.corp"), ["ws-okafor-c"]);
        assert_eq!(
            found(&seen, "Assigned to Grace Lin, cc Grace Linström"),
            ["Grace Lin"]
        );
        // Part of a longer word, or a different login with the same part.
        assert!(found(&seen, "nadias okafor.ab xnadia okafor nadia_x").is_empty());
        assert!(found(&seen, "Grace Lindqvist").is_empty());
    }

    #[test]
    fn remembers_only_what_cannot_spread_a_mistake() {
        let seen = seen_with(&[
            ("customers", Kind::Username),
            ("ana", Kind::Username),
            ("Dev Tools", Kind::Name),
            ("Maria", Kind::Name),
            ("10.0.0.1", Kind::Ipv4),
            ("AIDAJQABLZS4A3QDU576Q", Kind::Username),
            ("admin", Kind::Username),
            ("grafana", Kind::Username),
            ("orders_svc", Kind::Username),
            ("system-admin", Kind::Username),
            ("deploy-bot-marek", Kind::Username),
            // Logins that cannot be told from words or code.
            ("callback", Kind::Username),
            ("kmbeki", Kind::Username),
            ("g_strdup", Kind::Username),
            ("Zuza Software Foundation", Kind::Name),
        ]);
        assert!(seen.values.is_empty(), "{:?}", seen.values.keys());
        // A database's account names its application.
        let mut seen = Seen::default();
        for (line, value) in [
            ("      MARIADB_USER: zammad", "zammad"),
            ("database.username = mirthdb.ops", "mirthdb.ops"),
            ("{\"DB_USER\": \"anna.k\"}", "anna.k"),
            ("Accepted password for t.suzuki from", "t.suzuki"),
        ] {
            let s = line.find(value).unwrap();
            let f = Finding::new(s, s + value.len(), Kind::Username);
            seen.record(line.as_bytes(), &[f]);
        }
        let kept: Vec<&[u8]> = seen.values.keys().map(|k| &k[..]).collect();
        assert_eq!(kept, [&b"t.suzuki"[..]]);
    }

    #[test]
    fn remembers_chat_speakers_whatever_their_shape() {
        let mut seen = Seen::default();
        let line = "2024-05-14 19:03:02\tbjornar\tuse postgres";
        let s = line.find("bjornar").unwrap();
        // The same login found elsewhere is not remembered: its shape says
        // nothing of a person.
        seen.record(line.as_bytes(), &[Finding::new(s, s + 7, Kind::Username)]);
        assert!(seen.values.is_empty());
        seen.record(line.as_bytes(), &[Finding::speaker(s, s + 7)]);
        assert_eq!(found(&seen, "nightowl42: bjornar is right"), ["bjornar"]);
        // A speaker that is a system account or an everyday word is not.
        let line = "2024-05-14 19:03:02\tadmin\tuse postgres";
        seen.record(line.as_bytes(), &[Finding::speaker(s, s + 5)]);
        assert_eq!(seen.values.len(), 1);
    }

    #[test]
    fn starts_afresh_when_full() {
        let mut seen = Seen::default();
        for i in 0..CAPACITY + 10 {
            let v = format!("t.kowalczyk{i:05}");
            seen.record(v.as_bytes(), &[Finding::new(0, v.len(), Kind::Username)]);
        }
        assert_eq!(seen.values.len(), 10);
        assert_eq!(found(&seen, "t.kowalczyk04100"), ["t.kowalczyk04100"]);
        assert!(found(&seen, "t.kowalczyk00001").is_empty());
    }
}
