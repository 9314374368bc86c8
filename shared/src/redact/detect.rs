//! Structured detectors: values with a recognisable shape (emails, network
//! addresses, card numbers, IBANs, SSNs, phone numbers, cloud keys, JWTs,
//! bearer tokens, credentials in URLs).
//!
//! Each group of detectors is one alternation regex, run only when a cheap
//! byte test says the line can hold a match ('@' for the e-mail group, a
//! digit for the numeric group, a literal prefix for the token group). A
//! regex hit is a candidate; the checks in [`super::checks`] decide.

use aho_corasick::AhoCorasick;
use regex::bytes::{CaptureLocations, Regex};

use super::checks;
use super::finding::Finding;
use super::token::Kind;

/// Compiled structured detectors.
pub(crate) struct Structured {
    at_group: Group,
    num_group: Group,
    tok_group: Group,
    tok_prefix: AhoCorasick,
}

/// One alternation regex and the capture index of each named alternative.
struct Group {
    re: Regex,
    slots: Vec<(usize, Alt)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alt {
    Url,
    UrlUser,
    UrlPass,
    Email,
    Jwt,
    AwsKeyId,
    Vendor,
    Bearer,
    BearerValue,
    Mac,
    Ipv6,
    Ipv4,
    Iban,
    SsnCue,
    SsnCueValue,
    Ssn,
    Card,
    PhoneCue,
    PhoneCueValue,
    Phone,
}

const OCTET: &str = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

fn at_pattern() -> String {
    [
        r"(?P<url>[A-Za-z][A-Za-z0-9+.\-]{1,15}://(?P<url_user>[^\s:/?#@\[\]'\x22<>]*):(?P<url_pass>[^\s/@'\x22<>]+)@)",
        r"(?P<email>[A-Za-z0-9][A-Za-z0-9._%+\-]*@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,24}\b)",
    ]
    .join("|")
}

fn tok_pattern() -> String {
    [
        r"(?P<jwt>eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
        r"(?P<akid>\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b)",
        concat!(
            r"(?P<vendor>\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}",
            r"|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}",
            r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}",
            r"|AIza[A-Za-z0-9_\-]{30,}|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_\-]{40,}",
            r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}|hf_[A-Za-z0-9]{30,}",
            r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|dop_v1_[a-f0-9]{64}))"
        ),
        r"(?P<bearer>\b(?i:bearer|basic|token|apikey|api-key)[ \t]+)(?P<bearer_v>[A-Za-z0-9._~+/\-]{8,}=*)",
    ]
    .join("|")
}

fn num_pattern() -> String {
    [
        r"(?P<mac>\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b)".to_owned(),
        r"(?P<ipv6>(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?:%[A-Za-z0-9_.]+)?)".to_owned(),
        format!(r"(?P<ipv4>\b{OCTET}(?:\.{OCTET}){{3}}\b)"),
        r"(?P<iban>\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)".to_owned(),
        r"(?P<ssncue>\b(?i:ssn|social security(?: number| no\.?)?)[^0-9A-Za-z\n]{0,5})(?P<ssncue_v>[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{4})\b".to_owned(),
        r"(?P<ssn>\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b)".to_owned(),
        r"(?P<card>\b[0-9](?:[ \-]?[0-9]){12,18}\b)".to_owned(),
        r"(?P<phonecue>\b(?i:phone|tel|telephone|mobile|mob|cell|cellphone|fax|call|sms|whatsapp|contact)[a-z._]*[\x22']?[ \t]*(?i:no\.?|number|nr\.?|#)?[ \t]*[:=#]?[ \t]*[\x22']?[ \t]*)(?P<phonecue_v>\+?\(?[0-9][0-9 .\-()/]{5,20}[0-9])".to_owned(),
        concat!(
            r"(?P<phone>\+[0-9]{1,3}(?:[ .\-]?\(?[0-9]{1,5}\)?){1,6}",
            r"|\([0-9]{2,5}\)[ ]?[0-9]{2,4}[ .\-]?[0-9]{3,4}\b",
            r"|\b[0-9]{3}[.\-][0-9]{3}[.\-][0-9]{4}\b",
            r"|\b0[0-9]{1,4}[ \-/][0-9]{2,8}(?:[ \-][0-9]{2,4}){0,3}\b)"
        )
        .to_owned(),
    ]
    .join("|")
}

fn compile(pattern: &str, names: &[(&str, Alt)]) -> Group {
    let re = Regex::new(&format!("(?-u){pattern}")).unwrap_or_else(|e| builtin_bug(&e));
    let slots = names
        .iter()
        .filter_map(|(name, alt)| {
            re.capture_names()
                .position(|n| n == Some(name))
                .map(|i| (i, *alt))
        })
        .collect();
    Group { re, slots }
}

#[cold]
pub(crate) fn builtin_bug(e: &dyn std::fmt::Display) -> ! {
    panic!("built-in redaction pattern does not compile: {e}")
}

impl Structured {
    pub(crate) fn new() -> Self {
        let at_group = compile(
            &at_pattern(),
            &[
                ("url", Alt::Url),
                ("url_user", Alt::UrlUser),
                ("url_pass", Alt::UrlPass),
                ("email", Alt::Email),
            ],
        );
        let tok_group = compile(
            &tok_pattern(),
            &[
                ("jwt", Alt::Jwt),
                ("akid", Alt::AwsKeyId),
                ("vendor", Alt::Vendor),
                ("bearer", Alt::Bearer),
                ("bearer_v", Alt::BearerValue),
            ],
        );
        let num_group = compile(
            &num_pattern(),
            &[
                ("mac", Alt::Mac),
                ("ipv6", Alt::Ipv6),
                ("ipv4", Alt::Ipv4),
                ("iban", Alt::Iban),
                ("ssncue", Alt::SsnCue),
                ("ssncue_v", Alt::SsnCueValue),
                ("ssn", Alt::Ssn),
                ("card", Alt::Card),
                ("phonecue", Alt::PhoneCue),
                ("phonecue_v", Alt::PhoneCueValue),
                ("phone", Alt::Phone),
            ],
        );
        let prefixes = [
            "eyJ",
            "AKIA",
            "ASIA",
            "ABIA",
            "ACCA",
            "AGPA",
            "AIDA",
            "AIPA",
            "ANPA",
            "ANVA",
            "AROA",
            "APKA",
            "ASCA",
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "glpat-",
            "xox",
            "k_live_",
            "k_test_",
            "sk-",
            "AIza",
            "npm_",
            "pypi-",
            "SG.",
            "hf_",
            "shp",
            "dop_v1_",
            "bearer",
            "basic",
            "token",
            "apikey",
            "api-key",
        ];
        let tok_prefix = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(prefixes)
            .unwrap_or_else(|e| builtin_bug(&e));
        Structured {
            at_group,
            num_group,
            tok_group,
            tok_prefix,
        }
    }

    /// Appends the structured findings of `line`.
    pub(crate) fn find(&self, line: &[u8], out: &mut Vec<Finding>) {
        if memchr::memchr(b'@', line).is_some() {
            scan(&self.at_group, line, out, handle_at);
        }
        if self.tok_prefix.is_match(line) {
            scan(&self.tok_group, line, out, handle_tok);
        }
        if line.iter().any(u8::is_ascii_digit) || memchr::memchr2(b':', b'-', line).is_some() {
            scan(&self.num_group, line, out, handle_num);
            aws_secrets(line, out);
        }
    }
}

type Handler = fn(&[u8], &CaptureLocations, &[(usize, Alt)], &mut Vec<Finding>) -> bool;

/// Runs `group` over `line`, handing each hit to `handle`.
fn scan(group: &Group, line: &[u8], out: &mut Vec<Finding>, handle: Handler) {
    let mut locs = group.re.capture_locations();
    let mut at = 0;
    while at <= line.len() {
        let Some(m) = group.re.captures_read_at(&mut locs, line, at) else {
            break;
        };
        handle(line, &locs, &group.slots, out);
        at = if m.end() > m.start() {
            m.end()
        } else {
            m.end() + 1
        };
    }
}

fn span(locs: &CaptureLocations, slots: &[(usize, Alt)], alt: Alt) -> Option<(usize, usize)> {
    slots
        .iter()
        .find(|(_, a)| *a == alt)
        .and_then(|(i, _)| locs.get(*i))
}

/// The alternative that matched (the first participating one in `order`).
fn which(
    locs: &CaptureLocations,
    slots: &[(usize, Alt)],
    order: &[Alt],
) -> Option<(Alt, usize, usize)> {
    order
        .iter()
        .find_map(|alt| span(locs, slots, *alt).map(|(s, e)| (*alt, s, e)))
}

fn before(line: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).and_then(|j| line.get(j).copied())
}

fn handle_at(
    line: &[u8],
    locs: &CaptureLocations,
    slots: &[(usize, Alt)],
    out: &mut Vec<Finding>,
) -> bool {
    if span(locs, slots, Alt::Url).is_some() {
        if let Some((s, e)) = span(locs, slots, Alt::UrlUser) {
            if e > s {
                out.push(Finding::new(s, e, Kind::Username));
            }
        }
        if let Some((s, e)) = span(locs, slots, Alt::UrlPass) {
            out.push(Finding::new(s, e, Kind::UrlPassword));
        }
        return true;
    }
    if let Some((mut s, e)) = span(locs, slots, Alt::Email) {
        while s < e && line[s] == b'.' {
            s += 1;
        }
        if line[s..e].contains(&b'@') {
            out.push(Finding::new(s, e, Kind::Email));
            return true;
        }
    }
    false
}

fn handle_tok(
    line: &[u8],
    locs: &CaptureLocations,
    slots: &[(usize, Alt)],
    out: &mut Vec<Finding>,
) -> bool {
    let Some((alt, s, e)) = which(
        locs,
        slots,
        &[Alt::Jwt, Alt::AwsKeyId, Alt::Vendor, Alt::BearerValue],
    ) else {
        return false;
    };
    let b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/');
    match alt {
        Alt::Jwt if !before(line, s).is_some_and(b64) => {
            out.push(Finding::new(s, e, Kind::Jwt));
            true
        }
        Alt::AwsKeyId => {
            out.push(Finding::new(s, e, Kind::AwsKeyId));
            true
        }
        Alt::Vendor => {
            out.push(Finding::new(s, e, Kind::Token));
            true
        }
        Alt::BearerValue if checks::credential_shape_ok(&line[s..e]) => {
            out.push(Finding::new(s, e, Kind::Token));
            true
        }
        _ => false,
    }
}

fn handle_num(
    line: &[u8],
    locs: &CaptureLocations,
    slots: &[(usize, Alt)],
    out: &mut Vec<Finding>,
) -> bool {
    let order = [
        Alt::Mac,
        Alt::Ipv6,
        Alt::Ipv4,
        Alt::Iban,
        Alt::SsnCueValue,
        Alt::Ssn,
        Alt::Card,
        Alt::PhoneCueValue,
        Alt::Phone,
    ];
    let Some((alt, s, e)) = which(locs, slots, &order) else {
        return false;
    };
    let v = &line[s..e];
    let next = line.get(e).copied();
    let prev = before(line, s);
    let finding = match alt {
        Alt::Mac => {
            // Part of a longer colon/dash run (an IPv6 address, a hash): not a MAC.
            let longer = matches!(next, Some(b':' | b'-'))
                && line.get(e + 1).is_some_and(u8::is_ascii_hexdigit)
                || matches!(prev, Some(b':' | b'-' | b'.'));
            (!longer).then_some(Kind::Mac)
        }
        Alt::Ipv6 => return ipv6(line, s, e, out),
        Alt::Ipv4 => ipv4_ok(line, s, e).then_some(Kind::Ipv4),
        Alt::Iban => return iban(line, s, e, out),
        Alt::SsnCueValue => checks::ssn_ok(&digits(v)).then_some(Kind::Ssn),
        Alt::Ssn => {
            let glued = matches!(prev, Some(b'-' | b'.' | b'/' | b':'))
                || matches!(next, Some(b'-' | b'/' | b':'))
                || next == Some(b'.') && line.get(e + 1).is_some_and(u8::is_ascii_digit);
            (!glued && checks::ssn_ok(&digits(v))).then_some(Kind::Ssn)
        }
        Alt::Card => return card(line, s, e, out),
        Alt::PhoneCueValue => {
            let n = checks::digit_count(v);
            ((7..=15).contains(&n)).then_some(Kind::Phone)
        }
        Alt::Phone => phone_ok(line, s, e).then_some(Kind::Phone),
        _ => None,
    };
    match finding {
        Some(kind) => {
            out.push(Finding::new(s, e, kind));
            true
        }
        None => false,
    }
}

fn digits(v: &[u8]) -> Vec<u8> {
    v.iter().copied().filter(u8::is_ascii_digit).collect()
}

/// Words that, right before a dotted quad, make it a version number.
const VERSION_CUES: &[&[u8]] = &[
    b"version",
    b"ver",
    b"v",
    b"release",
    b"rel",
    b"build",
    b"firmware",
    b"fw",
    b"rev",
    b"revision",
    b"kernel",
    b"patch",
    b"update",
    b"sdk",
    b"api",
    b"protocol",
];

fn ipv4_ok(line: &[u8], s: usize, e: usize) -> bool {
    let prev = before(line, s);
    let next = line.get(e).copied();
    // Part of a longer dotted run: an OID, a five-part version.
    if prev == Some(b'.') && before(line, s - 1).is_some_and(|b| b.is_ascii_digit()) {
        return false;
    }
    if next == Some(b'.') && line.get(e + 1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    // Product tokens such as `Chrome/120.0.0.0`.
    if prev == Some(b'/') && before(line, s - 1).is_some_and(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    // A version cue right before: `version 1.2.3.4`, `ver=1.2.3.4`, `v. 1.2.3.4`.
    let mut i = s;
    while i > 0
        && matches!(
            line[i - 1],
            b' ' | b'\t' | b':' | b'=' | b'.' | b'"' | b'\''
        )
        && s - i < 4
    {
        i -= 1;
    }
    let mut j = i;
    while j > 0 && line[j - 1].is_ascii_alphabetic() {
        j -= 1;
    }
    let word = line[j..i].to_ascii_lowercase();
    !VERSION_CUES.iter().any(|cue| *cue == word.as_slice())
}

fn ipv6(line: &[u8], s: usize, mut e: usize, out: &mut Vec<Finding>) -> bool {
    let prev = before(line, s);
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.' || b == b'_') {
        return false;
    }
    if line
        .get(e)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return false;
    }
    // A trailing single colon is punctuation (`addr fe80::1: up`).
    if e >= 2 && line[e - 1] == b':' && line[e - 2] != b':' {
        e -= 1;
    }
    let candidate = &line[s..e];
    if !candidate.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let addr_part = candidate
        .iter()
        .position(|b| *b == b'%')
        .map_or(candidate, |p| &candidate[..p]);
    let Ok(text) = std::str::from_utf8(addr_part) else {
        return false;
    };
    if text.parse::<std::net::Ipv6Addr>().is_ok() {
        out.push(Finding::new(s, e, Kind::Ipv6));
        return true;
    }
    false
}

/// Tries the whole hit, then shorter runs of whole groups (a trailing word
/// such as `EUR` can be swallowed by the optional last group).
fn iban(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let mut end = e;
    loop {
        let compact: Vec<u8> = line[s..end]
            .iter()
            .copied()
            .filter(|b| *b != b' ')
            .collect();
        if checks::iban_ok(&compact) {
            out.push(Finding::new(s, end, Kind::Iban));
            return true;
        }
        match line[s..end].iter().rposition(|b| *b == b' ') {
            Some(p) if p > 4 => end = s + p,
            _ => return false,
        }
    }
}

/// Tries every run of whole digit groups inside the hit for a valid card.
fn card(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let v = &line[s..e];
    let glued = before(line, s).is_some_and(|b| matches!(b, b'.' | b'-' | b',' | b'/' | b':'))
        && before(line, s.saturating_sub(1)).is_some_and(|b| b.is_ascii_digit())
        || line.get(e).is_some_and(|b| matches!(b, b'.' | b',' | b'-'))
            && line.get(e + 1).is_some_and(u8::is_ascii_digit);
    if glued {
        return false;
    }
    // Separators must be consistent: all spaces, all dashes or none.
    let has_space = v.contains(&b' ');
    let has_dash = v.contains(&b'-');
    // Group boundaries (start offsets of digit groups).
    let mut starts = vec![0usize];
    for (i, b) in v.iter().enumerate() {
        if !b.is_ascii_digit() {
            starts.push(i + 1);
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|st| st - 1)
        .chain(std::iter::once(v.len()))
        .collect();
    for (gi, &gs) in starts.iter().enumerate() {
        for ge in (gi..ends.len()).rev() {
            let sub = &v[gs..ends[ge]];
            let d = digits(sub);
            if d.len() < 13 {
                break;
            }
            if (has_space && has_dash) && sub.contains(&b' ') && sub.contains(&b'-') {
                continue;
            }
            if checks::card_ok(&d) {
                out.push(Finding::new(s + gs, s + ends[ge], Kind::Card));
                return true;
            }
        }
    }
    false
}

fn phone_ok(line: &[u8], s: usize, e: usize) -> bool {
    let v = &line[s..e];
    let n = checks::digit_count(v);
    if !(7..=15).contains(&n) {
        return false;
    }
    // A bare national number (`030 1234567`) needs enough digits to not be
    // two counters side by side.
    if v[0] == b'0' && n < 9 {
        return false;
    }
    let prev = before(line, s);
    let next = line.get(e).copied();
    if prev.is_some_and(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'/' | b':' | b'_' | b'=')
    }) && v[0] != b'+'
    {
        return false;
    }
    if prev.is_some_and(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    if matches!(next, Some(b'.' | b'-' | b':' | b'/' | b','))
        && line.get(e + 1).is_some_and(u8::is_ascii_digit)
    {
        return false;
    }
    if next.is_some_and(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    // Date-like (2024-01-15) or dotted versions are never phone numbers.
    let groups: Vec<&[u8]> = v
        .split(|b| !b.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if groups
        .first()
        .is_some_and(|g| g.len() == 4 && (g.starts_with(b"19") || g.starts_with(b"20")))
        && v[0] != b'+'
        && v[0] != b'('
    {
        return false;
    }
    true
}

/// Standalone 40-character base64 runs shaped like AWS secret access keys.
fn aws_secrets(line: &[u8], out: &mut Vec<Finding>) {
    let b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
    let mut i = 0;
    while i < line.len() {
        if !b64(line[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && b64(line[i]) {
            i += 1;
        }
        if i - start == 40 && line.get(i) != Some(&b'=') {
            let v = &line[start..i];
            let slashes = v.iter().filter(|b| **b == b'/').count();
            if v[0] != b'/' && slashes <= 3 && checks::aws_secret_shape_ok(v) {
                out.push(Finding::new(start, i, Kind::AwsSecret));
            }
        }
    }
}
