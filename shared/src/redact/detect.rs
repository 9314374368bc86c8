//! Structured detectors: values with a recognisable shape (emails, network
//! addresses, card numbers, IBANs, SSNs, phone numbers, cloud keys, JWTs,
//! bearer tokens, credentials in URLs).
//!
//! Each group of detectors is one alternation regex, run only when a cheap
//! byte test says the line can hold a match ('@' for the e-mail group, a
//! digit for the numeric group, a literal prefix for the token group). A
//! regex hit is a candidate; the checks in [`super::checks`] decide.

use std::sync::OnceLock;

use regex::bytes::Regex;
use regex_automata::meta;
use regex_automata::util::syntax;
use regex_automata::MatchKind;

use super::checks;
use super::finding::Finding;
use super::prefilter::{self, Hints};
use super::token::Kind;
use super::users;

/// Compiled structured detectors.
#[derive(Clone)]
pub(crate) struct Structured {
    at_group: Regex,
    /// `://`, prebuilt (building a searcher per line costs more than the
    /// search).
    url_sep: memchr::memmem::Finder<'static>,
    num_group: Regex,
    tok_group: Regex,
}

/// Prefixes of AWS access key ids, long-term and temporary, and of the
/// other credential ids AWS prints. The unique ids of users, roles, groups
/// and policies (`AIDA…`, `AROA…`, `AGPA…`) name an account, as an ARN
/// does; they open nothing.
const AWS_PREFIXES: &[&str] = &["AKIA", "ASIA", "ABIA", "ACCA"];

/// With [`AWS_PREFIXES`], the literal prefixes (ASCII, any case) of every
/// token-group match.
const TOKEN_CUES: &[&str] = &[
    "eyJ",
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
    "hvs.",
    "hvb.",
    "hooks.slack.com/",
    "ATATT",
    "figd_",
    "glsa_",
    "glc_",
    "ya29.",
    "dapi",
    "GOCSPX-",
    "xapp-",
    "dckr_pat_",
    "glrt-",
    "sntrys_",
    "lin_api_",
    "PMAK-",
    "nfp_",
    "ntn_",
    "pul-",
    "NRAK-",
    "AGE-SECRET-KEY-",
    ".atlasv1.",
    "-us",
    "/bot",
    "bearer",
    "basic",
    "token",
    "apikey",
    "api-key",
];

/// The cues of the token group: a line without one skips the token regex
/// (see [`super::prefilter`]).
pub(crate) fn token_cues() -> Vec<String> {
    TOKEN_CUES
        .iter()
        .chain(AWS_PREFIXES)
        .map(|w| (*w).to_owned())
        .collect()
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
        &format!(
            r"(?P<akid>\b(?:{})[A-Z0-9]{{16}}\b)",
            AWS_PREFIXES.join("|")
        ),
        concat!(
            r"(?P<vendor>\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}",
            r"|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}",
            r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}",
            r"|AIza[A-Za-z0-9_\-]{30,}|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_\-]{40,}",
            r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}|hf_[A-Za-z0-9]{30,}",
            r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|dop_v1_[a-f0-9]{64}|hv[sb]\.[A-Za-z0-9_\-]{24,}",
            r"|hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}",
            // Atlassian API tokens, Figma, Grafana service accounts and
            // Cloud, Google OAuth access tokens.
            r"|ATATT[A-Za-z0-9_\-=]{40,}|figd_[A-Za-z0-9_\-]{30,}|glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}",
            r"|glc_[A-Za-z0-9+/=_\-]{32,}|ya29\.[A-Za-z0-9_\-]{30,}",
            // Databricks, Google OAuth client secrets, Slack app tokens,
            // Docker Hub, GitLab runners, Sentry, Linear, Postman,
            // Netlify, Notion, Pulumi, New Relic, age keys, Terraform Cloud.
            r"|dapi[0-9a-f]{32}(?:-[0-9]+)?|GOCSPX-[A-Za-z0-9_\-]{24,}|xapp-[0-9]-[A-Za-z0-9\-]{20,}",
            r"|dckr_pat_[A-Za-z0-9_\-]{20,}|glrt-[A-Za-z0-9_\-]{20,}|sntrys_[A-Za-z0-9+/=_]{40,}",
            r"|lin_api_[A-Za-z0-9]{30,}|PMAK-[0-9a-f]{24}-[0-9a-f]{34}|nfp_[A-Za-z0-9]{30,}",
            r"|ntn_[A-Za-z0-9]{30,}|pul-[0-9a-f]{40}|NRAK-[A-Z0-9]{27}|AGE-SECRET-KEY-1[A-Z0-9]{50,}",
            r"|[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,}",
            // Mailchimp API keys: 32 hex digits and the data centre.
            r"|[0-9a-f]{32}-us[0-9]{1,2}\b))"
        ),
        // Telegram bot tokens in API URLs: `/bot123456:AAF…/getMe`.
        r"/bot[0-9]{3,}:[A-Za-z0-9_\-]{30,}",
        r"(?P<bearer>\b(?i:bearer|basic|token|apikey|api-key)[ \t]+)(?P<bearer_v>[A-Za-z0-9._~+/\-]{8,}=*)",
    ]
    .join("|")
}

fn num_pattern() -> String {
    [
        r"(?P<mac>\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b)".to_owned(),
        concat!(
            r"(?P<ipv6>(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}",
            r"|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)",
            r"(?::?[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?:%[A-Za-z0-9_.]+)?)"
        ).to_owned(),
        format!(r"(?P<ipv4>\b{OCTET}(?:\.{OCTET}){{3}}\b)"),
        r"(?P<iban>\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)".to_owned(),
        r"(?P<ssncue>\b(?i:ssn|social security(?: number| no\.?)?)[^0-9A-Za-z\n]{0,5})(?P<ssncue_v>[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{4})\b".to_owned(),
        r"(?P<ssn>\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b|\b[0-9]{3} [0-9]{2} [0-9]{4}\b)".to_owned(),
        r"(?P<card>\b[0-9](?:[ \-]?[0-9]){12,18}\b)".to_owned(),
        r"(?P<phonecue>\b(?i:phone|tel|telephone|t(?:\xC3\xA9|e)l(?:\xC3\xA9|e)phone|mobile|mob|cell|cellphone|fax|call|sms|whatsapp|contact|m(?:\xC3\xB3|o)vil|handy|mobil|telefon|telefono|tel(?:\xC3\xA9|e)fono|telefone|celular|cellulare|portable|gsm)[a-z._]*[\x22']?[ \t]*(?i:no\.?|number|nr\.?|#)?[ \t]*[:=#,]?[ \t]*[\x22']?[ \t]*(?:(?i:is|es|est|ist|(?:\xC3\xA9|\xC3\xA8)|me[ \t]+(?:on|at))[ \t]+)?)(?P<phonecue_v>\+?\(?[0-9][0-9 .\-()/]{5,20}[0-9])".to_owned(),
        concat!(
            r"(?P<phone>\+[0-9]{1,3}(?:[ .\-]?\(?[0-9]{1,5}\)?){1,6}",
            r"|\([0-9]{2,5}\)[ ]?[0-9]{2,4}[ .\-]?[0-9]{3,4}\b",
            r"|\(0[0-9]{1,4}\)(?:[ .\-]?[0-9]{2,4}){2,5}\b",
            r"|\b[0-9]{3}[.\-][0-9]{3}[.\-][0-9]{4}\b",
            r"|\b0[0-9]{1,4}[ \-/][0-9]{2,8}(?:[ \-][0-9]{2,4}){0,3}\b)"
        )
        .to_owned(),
    ]
    .join("|")
}

/// Compiles one alternation regex.
fn compile(pattern: &str) -> Regex {
    // Group names document the alternatives; the engine needs no captures.
    big_regex(&format!("(?-u){}", strip_group_names(pattern))).unwrap_or_else(|e| builtin_bug(&e))
}

/// Turns each `(?P<name>` into `(?:`.
fn strip_group_names(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(i) = rest.find("(?P<") {
        out.push_str(&rest[..i]);
        out.push_str("(?:");
        let after = &rest[i + 4..];
        rest = after.find('>').map_or(after, |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

/// Builds a built-in regex with a lazy-DFA cache large enough that the
/// alternations never thrash it (a thrashing DFA falls back to slow
/// engines).
pub(crate) fn big_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(64 << 20)
        .dfa_size_limit(BIG_DFA_CACHE)
        .build()
}

/// The lazy-DFA cache capacity of [`big_regex`].
pub(crate) const BIG_DFA_CACHE: usize = 64 << 20;

/// Compiles `patterns` as `regex::bytes` would (leftmost-first, any
/// bytes), with `config`'s engines and cache size.
pub(crate) fn build_meta(config: meta::Config, patterns: &[String]) -> meta::Regex {
    meta::Builder::new()
        .configure(
            config
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(false)
                .nfa_size_limit(Some(64 << 20)),
        )
        .syntax(syntax::Config::new().utf8(false))
        .build_many(patterns)
        .unwrap_or_else(|e| builtin_bug(&e))
}

#[cold]
pub(crate) fn builtin_bug(e: &dyn std::fmt::Display) -> ! {
    panic!("built-in redaction pattern does not compile: {e}")
}

/// A searcher for built-in `words` in any ASCII case.
pub(crate) fn any_case<I>(words: I) -> aho_corasick::AhoCorasick
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .unwrap_or_else(|e| builtin_bug(&e))
}

impl Structured {
    pub(crate) fn new() -> Self {
        let at_group = compile(&at_pattern());
        let tok_group = compile(&tok_pattern());
        let num_group = compile(&num_pattern());
        Structured {
            at_group,
            url_sep: memchr::memmem::Finder::new(b"://"),
            num_group,
            tok_group,
        }
    }

    /// Appends the structured findings of `line`.
    pub(crate) fn find(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        percent_encoded(line, out);
        if memchr::memchr(b'@', line).is_some() {
            sip_numbers(line, out);
            if let Some(sep) = self.url_sep.find(line) {
                scan(&self.at_group, line, out, handle_at);
                url_key_users(line, sep, out);
            } else {
                // Without `://` only the e-mail alternative can match.
                emails(line, out);
            }
        }
        if hints.has(prefilter::TOKENS) {
            scan(&self.tok_group, line, out, handle_tok);
        }
        if line.iter().any(u8::is_ascii_digit) || memchr::memchr2(b':', b'-', line).is_some() {
            scan(&self.num_group, line, out, handle_num);
        }
        windows_dhcp_mac(line, out);
        if hints.has(prefilter::MAC_KEY) {
            keyed_bare_macs(line, out);
        }
        random_runs(line, out);
        if hints.has(prefilter::WEBHOOK) {
            webhook_ids(line, out);
        }
        link_tokens(line, out);
    }
}

type Handler = fn(&[u8], usize, usize, &mut Vec<Finding>) -> bool;

/// Runs `group` over `line`, handing each hit's span to `handle`. Only the
/// DFA runs (no capture groups): handlers tell the alternatives apart by
/// the shape of the span, which is much cheaper than capture extraction.
fn scan(group: &Regex, line: &[u8], out: &mut Vec<Finding>, handle: Handler) {
    let mut at = 0;
    while at <= line.len() {
        let Some(m) = group.find_at(line, at) else {
            break;
        };
        // A rejected candidate may hide a real one that starts inside it
        // (`…abc+1 (555) 123-4567`): retry one byte on.
        let found = handle(line, m.start(), m.end(), out);
        at = if found && m.end() > m.start() {
            m.end()
        } else {
            m.start() + 1
        };
    }
}

fn before(line: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).and_then(|j| line.get(j).copied())
}

/// The matches of the e-mail alternative of [`at_pattern`], in the same
/// leftmost-first order, without the regex: its counted repetitions make
/// the lazy DFA build states on every line. Each match holds one '@', so
/// the scan goes from '@' to '@'.
fn emails(line: &[u8], out: &mut Vec<Finding>) {
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    // Where the leftmost-first scan may start its next match.
    let mut at = 0;
    for a in memchr::memchr_iter(b'@', line) {
        if a < at {
            continue;
        }
        // `[A-Za-z0-9][A-Za-z0-9._%+\-]*@`: the leftmost start is the first
        // alphanumeric byte of the run of local-part bytes before the '@'.
        let mut ls = a;
        while ls > at && local(line[ls - 1]) {
            ls -= 1;
        }
        let Some(start) = (ls..a).find(|i| line[*i].is_ascii_alphanumeric()) else {
            continue;
        };
        if let Some(end) = email_domain_end(line, a + 1) {
            address(line, start, a, end, out);
            at = end;
        }
    }
}

/// Addresses and international numbers in URLs and form posts, with
/// their '@' or '+' percent-encoded, in one pass over the line's `%`s.
fn percent_encoded(line: &[u8], out: &mut Vec<Finding>) {
    // Where the last encoded number ended.
    let mut from = 0;
    for p in memchr::memchr_iter(b'%', line) {
        match line.get(p + 1..p + 3) {
            Some(b"40") => encoded_email(line, p, out),
            Some(h) if p >= from && h.eq_ignore_ascii_case(b"2B") => {
                if let Some(end) = encoded_phone(line, p) {
                    out.push(Finding::new(p, end, Kind::Phone));
                    from = end;
                }
            }
            _ => {}
        }
    }
}

/// The address around an '@' encoded at `a` (`?user=jane.doe%40example.com`).
fn encoded_email(line: &[u8], a: usize, out: &mut Vec<Finding>) {
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-');
    let mut ls = a;
    while ls > 0 && local(line[ls - 1]) {
        ls -= 1;
    }
    let Some(start) = (ls..a).find(|i| line[*i].is_ascii_alphanumeric()) else {
        return;
    };
    if let Some(end) = email_domain_end(line, a + 3) {
        out.push(Finding::new(start, end, Kind::Email));
    }
}

/// The end of an international number whose '+' is encoded at `p`:
/// `From=%2B14155550143`, `phone=%2B353+87+555+2210` (a form's '+' is a
/// blank), `%22%2B34612345678%22`. Eight to fifteen digits, as E.164
/// allows, in groups joined by `+` or `%20`.
fn encoded_phone(line: &[u8], p: usize) -> Option<usize> {
    // After a word, not after another escape (`%22%2B…`).
    let escaped = p >= 3 && line[p - 3] == b'%';
    if !escaped && before(line, p).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (mut i, mut end, mut digits) = (p + 3, p + 3, 0);
    loop {
        let run = line[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == 0 {
            break;
        }
        digits += run;
        i += run;
        end = i;
        if line.get(i) == Some(&b'+') {
            i += 1;
        } else if line.get(i..i + 3) == Some(b"%20") {
            i += 3;
        } else {
            break;
        }
    }
    let bounded = line.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
    ((8..=15).contains(&digits) && bounded).then_some(end)
}

/// The finding for an address-shaped value at `start..end` (its `@` at
/// `at`): an e-mail address, or a login and a host where a remote shell
/// command takes it (`ssh mkaya@bastion-02.example.com`: the host stays),
/// or nothing (see [`not_a_mailbox`]).
fn address(line: &[u8], start: usize, at: usize, end: usize, out: &mut Vec<Finding>) {
    // A SIP URI's number is no mailbox (see [`sip_numbers`]).
    if sip_number(line, start, at).is_some() {
        return;
    }
    if remote_login(line, start) {
        if !users::not_personal(&line[start..at].to_ascii_lowercase()) {
            out.push(Finding::new(start, at, Kind::Username));
        }
    } else if !not_a_mailbox(line, start, at, end) {
        out.push(Finding::new(start, end, Kind::Email));
    }
}

/// The client's MAC address in the Windows DHCP server's audit log, which
/// writes it without separators in its seventh field (`ID,Date,Time,
/// Description,IP Address,Host Name,MAC Address,…`: `10,03/04/25,08:01:12,
/// Assign,10.20.30.41,host,A4BB6D1F22C9,…`).
fn windows_dhcp_mac(line: &[u8], out: &mut Vec<Finding>) {
    // Cheapest test first: the event id and the date's first '/'.
    if line.get(2) != Some(&b',') || line.get(5) != Some(&b'/') {
        return;
    }
    let digits = |f: &[u8], seps: &[usize], sep: u8| {
        f.len() == 8
            && f.iter().enumerate().all(|(i, b)| {
                if seps.contains(&i) {
                    *b == sep
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    let head: Vec<&[u8]> = line.split(|b| *b == b',').take(7).collect();
    if head.len() == 7
        && head[0].iter().all(u8::is_ascii_digit)
        && digits(head[1], &[2, 5], b'/')
        && digits(head[2], &[2, 5], b':')
        && head[6].len() == 12
        && head[6].iter().all(u8::is_ascii_hexdigit)
    {
        let start = head[..6].iter().map(|f| f.len() + 1).sum::<usize>();
        out.push(Finding::new(start, start + 12, Kind::Mac));
    }
}

/// MAC addresses without separators under a key that names one
/// (`"wiFiMacAddress":"3CA9F41B7E20"`, `mac_address=c85acf0d2291`,
/// `HWaddr: 3ca9f41b7e20`, `MAC=001A2B3C4D5E`, `"client_mac":"…"`; not an
/// `hmac=`): twelve hex digits.
fn keyed_bare_macs(line: &[u8], out: &mut Vec<Finding>) {
    static KEYS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let keys = KEYS.get_or_init(|| any_case(MAC_KEYS));
    for m in keys.find_iter(line) {
        let key_end = m.start()
            + line[m.start()..m.end()]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                .count();
        // A message authentication code's key (`hmac`, `cmac`, `gmac`).
        let bare = key_end - m.start() == 3;
        if bare
            && m.start() > 0
            && matches!(
                line[m.start() - 1].to_ascii_lowercase(),
                b'h' | b'c' | b'g' | b'u'
            )
        {
            continue;
        }
        let mut v = key_end;
        v += line[v..]
            .iter()
            .take(4)
            .take_while(|b| matches!(b, b'"' | b'\'' | b' ' | b':' | b'='))
            .count();
        let hex = line[v..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex == 12
            && v > key_end
            && !line
                .get(v + 12)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b':')
        {
            out.push(Finding::new(v, v + 12, Kind::Mac));
        }
    }
}

/// The keys of [`keyed_bare_macs`], in any ASCII case (a bare `mac` with
/// the separator after it); also the cues of its prefilter group.
pub(crate) const MAC_KEYS: &[&str] = &[
    "macaddress",
    "mac_address",
    "mac-address",
    "hwaddr",
    "mac\"",
    "mac'",
    "mac=",
    "mac:",
    "mac ",
];

/// The digits of a SIP URI's user part at `start..at` when it is a number
/// (`sip:0612345678@…`, `sip:+4930555012@…`, `SIP:1002@…`).
fn sip_number(line: &[u8], start: usize, at: usize) -> Option<&[u8]> {
    let local = &line[start..at];
    let digits = local.strip_prefix(b"+").unwrap_or(local);
    let scheme = line[..start].strip_suffix(b"+").unwrap_or(&line[..start]);
    (!digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && scheme.len() >= 4
        && scheme[scheme.len() - 4..].eq_ignore_ascii_case(b"sip:"))
    .then_some(digits)
}

/// SIP URIs whose user part is a number: a phone number when it has seven
/// digits or more (`<sip:0612345678@10.0.0.41:5060>`), an extension
/// otherwise (`sip:1002@pbx.example.com`), which names no one. The host
/// stays either way.
fn sip_numbers(line: &[u8], out: &mut Vec<Finding>) {
    for a in memchr::memchr_iter(b'@', line) {
        let start = a - line[..a]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit() || **b == b'+')
            .count();
        if sip_number(line, start, a).is_some_and(|d| d.len() >= 7) {
            out.push(Finding::new(start, a, Kind::Phone));
        }
    }
}

/// Whether the argument at `start` follows a remote shell command in the
/// same command (`ssh -p 2222 U@host`, `scp f U@host:`, `rsync -a . U@host:`).
fn remote_login(line: &[u8], start: usize) -> bool {
    const COMMANDS: &[&[u8]] = &[
        b"ssh",
        b"scp",
        b"sftp",
        b"mosh",
        b"rsync",
        b"autossh",
        b"ssh-copy-id",
    ];
    if start == 0 || !matches!(line[start - 1], b' ' | b'\t') {
        return false;
    }
    let segment = line[..start]
        .rsplit(|b| matches!(b, b'|' | b';' | b'&' | b'`' | b'('))
        .next()
        .unwrap_or_default();
    segment
        .split(|b| matches!(b, b' ' | b'\t'))
        .any(|w| COMMANDS.contains(&w))
}

/// Address-shaped values that name no person's mailbox: Kerberos service
/// principals (`HTTP/web.example@EXAMPLE.COM`) and message ids whose local
/// part is a long hex number (`592cbd1bc0183070@mail.example`).
fn not_a_mailbox(line: &[u8], start: usize, at: usize, end: usize) -> bool {
    let service_principal = before(line, start) == Some(b'/')
        && line[at + 1..end]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'));
    let local = &line[start..at];
    let hex_id = local.len() >= 12
        && local.iter().all(u8::is_ascii_hexdigit)
        && local.iter().any(u8::is_ascii_digit)
        && local.iter().any(u8::is_ascii_alphabetic);
    // A systemd unit instance: `user@1043.service`, `getty@tty1.service`.
    let unit = checks::is_systemd_unit(&line[..end]);
    // A URL's user and host (`ssh://nadia@backup.example`): the user goes
    // as a login (`url_key_users`), the host stays.
    let url_user = line[..start].ends_with(b"://");
    service_principal || hex_id || unit || url_user || message_id(line, start, at, end)
}

/// Whether the address-shaped value at `start..end` (its `@` at `at`) is
/// a message's id: right after `id=` or `msgid=` (Postfix, Exim), in angle
/// brackets after a `message-id=`, `msgid=`, `id=` or `Message-ID:` key, anywhere
/// in angle brackets on an `In-Reply-To:` or `References:` header line or
/// when its local part reads as generated ([`generated_local`]), or an
/// iCalendar event's `UID:`. The id may begin before the address's local
/// part, with bytes no mailbox holds (`<CAF8x2=kP7Q1@…>`, Exim's
/// `id=<0a1b2c3d$9f8e@…>`): it is read from the angle bracket then.
fn message_id(line: &[u8], start: usize, at: usize, end: usize) -> bool {
    let open = start
        - line[..start]
            .iter()
            .rev()
            .take(64)
            .take_while(|b| !matches!(b, b'<' | b'>' | b' ' | b'\t' | b'"' | b'\'' | b',' | b';'))
            .count();
    message_id_from(line, start, at, end)
        || (open < start
            && open > 0
            && line[open - 1] == b'<'
            && message_id_from(line, open, at, end))
}

fn message_id_from(line: &[u8], start: usize, at: usize, end: usize) -> bool {
    let head = &line[..start];
    if head == b"UID:" {
        return true;
    }
    let key_before = |h: &[u8], keys: &[&[u8]]| {
        keys.iter().any(|k| {
            h.len() >= k.len()
                && h[h.len() - k.len()..].eq_ignore_ascii_case(k)
                && (h.len() == k.len() || !checks::is_word(h[h.len() - k.len() - 1]))
        })
    };
    if key_before(head, &[b"id=", b"msgid="]) {
        return true;
    }
    let Some(h) = head.strip_suffix(b"<") else {
        return false;
    };
    let h = h.trim_ascii_end();
    let h = h
        .strip_suffix(b":")
        .or_else(|| h.strip_suffix(b"="))
        .unwrap_or(h)
        .trim_ascii_end();
    let header =
        |name: &[u8]| line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name);
    key_before(h, &[b"message-id", b"msgid", b"id"])
        || header(b"in-reply-to:")
        || header(b"references:")
        || (line.get(end) == Some(&b'>') && generated_local(&line[start..at]))
}

/// A local part that reads as generated, not as someone's mailbox: letters
/// and digits alternating again and again (`CAF9x2mB0`, Exchange's
/// `DB9PR02MB1234`, `a1b2c3d4e5f6.1716191740`) or a timestamp first
/// (`20240520081102.77F1`). People's addresses change between letters and
/// digits once or twice (`jsmith2024`, `team4ops`).
fn generated_local(local: &[u8]) -> bool {
    let leading_digits = local.iter().take_while(|b| b.is_ascii_digit()).count();
    leading_digits >= 8 || (local.len() >= 9 && checks::letter_digit_changes(local) >= 4)
}

/// Where `(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,24}\b` matching at `d`
/// ends under leftmost-first (greedy) semantics, if it matches.
fn email_domain_end(line: &[u8], d: usize) -> Option<usize> {
    // Labels are maximal runs (a shorter run is never followed by '.'):
    // `after_dot` holds where each possible top-level label would start.
    let mut after_dot: [usize; 16] = [0; 16];
    let mut dots = 0;
    let mut starts = label_starts(line, d);
    while let Some(t) = starts.next() {
        if dots == after_dot.len() {
            // Rare: more labels than the buffer holds; take them all.
            let all: Vec<usize> = after_dot.iter().copied().chain([t]).chain(starts).collect();
            return tld_end(line, &all);
        }
        after_dot[dots] = t;
        dots += 1;
    }
    tld_end(line, &after_dot[..dots])
}

/// Where each label after `d` that ends in '.' is followed by the next.
fn label_starts(line: &[u8], d: usize) -> impl Iterator<Item = usize> + '_ {
    let mut i = d;
    std::iter::from_fn(move || {
        if !line.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut k = i + 1;
        while line
            .get(k)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            k += 1;
        }
        if line.get(k) != Some(&b'.') {
            return None;
        }
        i = k + 1;
        Some(i)
    })
}

/// The greedy choice: the most labels whose following top-level label fits.
fn tld_end(line: &[u8], after_dot: &[usize]) -> Option<usize> {
    after_dot.iter().rev().find_map(|&t| {
        let mut r = t;
        while line.get(r).is_some_and(u8::is_ascii_alphabetic) {
            r += 1;
        }
        ((2..=24).contains(&(r - t)) && !line.get(r).copied().is_some_and(checks::is_word))
            .then_some(r)
    })
}

fn handle_at(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let m = &line[s..e];
    if let Some(p) = memchr::memmem::find(m, b"://") {
        // scheme://user:pass@ — the span ends with '@'.
        let us = s + p + 3;
        let ue = e.saturating_sub(1);
        if let Some(colon) = line[us..ue].iter().position(|b| *b == b':') {
            if colon > 0 {
                out.push(Finding::new(us, us + colon, Kind::Username));
            }
            if us + colon + 1 < ue {
                out.push(Finding::new(us + colon + 1, ue, Kind::UrlPassword));
            }
            return true;
        }
        return false;
    }
    let mut s = s;
    while s < e && line[s] == b'.' {
        s += 1;
    }
    if let Some(at) = memchr::memchr(b'@', &line[s..e]) {
        // Consumed either way, as in `emails`.
        address(line, s, s + at, e, out);
        return true;
    }
    false
}

/// The whole user part of a URL, without a password. A key: Sentry's
/// `https://<public key>@o1.ingest.sentry.io/1`, a clone URL with an
/// access token as the user (at least 20 letters, digits, '_' or '-',
/// with digits and letters). Otherwise a login (`ssh://nadia@backup…`),
/// unless a system account (`ssh://git@github.com`).
fn url_key_users(line: &[u8], first_sep: usize, out: &mut Vec<Finding>) {
    let mut sep = first_sep;
    loop {
        let us = sep + 3;
        // `://` lies inside the line, so `us <= line.len()`.
        let len = line[us..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        let user = &line[us..us + len];
        if len >= 20
            && line.get(us + len) == Some(&b'@')
            && user.iter().any(u8::is_ascii_digit)
            && user.iter().any(u8::is_ascii_alphabetic)
        {
            out.push(Finding::new(us, us + len, Kind::Token));
        } else {
            let login = line[us..]
                .iter()
                .take(33)
                .take_while(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
                })
                .count();
            let user = &line[us..us + login];
            if (2..=32).contains(&login)
                && line.get(us + login) == Some(&b'@')
                && user[0].is_ascii_lowercase()
                && !users::not_personal(user)
            {
                out.push(Finding::new(us, us + login, Kind::Username));
            }
        }
        match memchr::memmem::find(&line[us..], b"://") {
            Some(next) => sep = us + next,
            None => return,
        }
    }
}

fn handle_tok(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let m = &line[s..e];
    let b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/');
    if m.starts_with(b"eyJ") && m.contains(&b'.') {
        if before(line, s).is_some_and(b64) {
            return false;
        }
        out.push(Finding::new(s, e, Kind::Jwt));
        return true;
    }
    if m.len() == 20 && AWS_PREFIXES.iter().any(|p| m.starts_with(p.as_bytes())) {
        out.push(Finding::new(s, e, Kind::AwsKeyId));
        return true;
    }
    let keyword = [&b"bearer"[..], b"basic", b"token", b"apikey", b"api-key"]
        .iter()
        .find(|k| {
            m.get(..k.len()).is_some_and(|h| h.eq_ignore_ascii_case(k))
                && m.get(k.len()).is_some_and(|b| *b == b' ' || *b == b'\t')
        })
        .map(|k| k.len());
    if let Some(k) = keyword {
        let mut vs = s + k;
        while vs < e && matches!(line[vs], b' ' | b'\t') {
            vs += 1;
        }
        // `Basic Encoding Rules`, `Bearer Tokens`: a capitalised word is
        // prose, not a credential.
        let v = &line[vs..e];
        let word = v[0].is_ascii_uppercase() && v[1..].iter().all(u8::is_ascii_lowercase);
        if checks::credential_shape_ok(v) && !word {
            out.push(Finding::new(vs, e, Kind::Token));
            return true;
        }
        return false;
    }
    // A Slack webhook: the path after the host is the secret; a Telegram
    // bot's: what follows `/bot<id>:`.
    let s = s + m
        .strip_prefix(b"hooks.slack.com/services/")
        .or_else(|| {
            let colon = m.iter().position(|b| *b == b':')?;
            m.starts_with(b"/bot").then(|| &m[colon + 1..])
        })
        .map_or(0, |rest| m.len() - rest.len());
    out.push(Finding::new(s, e, Kind::Token));
    true
}

/// `groups` runs of `width` hex digits joined by `sep` (no allocation: this
/// runs for every numeric candidate).
fn is_hex_pair_groups(m: &[u8], sep: u8, groups: usize, width: usize) -> bool {
    m.len() == groups * (width + 1) - 1
        && m.split(|b| *b == sep)
            .all(|p| p.len() == width && p.iter().all(u8::is_ascii_hexdigit))
}

/// The MAC address inside a DHCP client id or DUID that starts at `s`:
/// hardware type 1 and the address (`01:9c:b6:d0:12:ab:ee`), a DUID-LL
/// (`00:03:00:01:` and the address, or `03:00:01:` as odhcpd writes it) or
/// a DUID-LLT (`00:01:00:01:`, four bytes of time, the address). The
/// address is the last six groups.
fn dhcp_client_mac(line: &[u8], s: usize) -> Option<(usize, usize)> {
    let run = line[s..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit() || **b == b':')
        .count();
    let v = &line[s..s + run];
    let groups = (run + 1) / 3;
    let after = line.get(s + run);
    if !is_hex_pair_groups(v, b':', groups, 2) || after.is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let client = match groups {
        7 => v.starts_with(b"01:"),
        // odhcpd drops the DUID type's leading zero byte.
        9 => v.starts_with(b"03:00:01:"),
        10 => v.starts_with(b"00:03:00:01:"),
        14 => v.starts_with(b"00:01:00:01:"),
        _ => false,
    };
    // Lazily: a shorter run that is no client id has no 17 bytes to step back.
    client.then(|| (s + run - 17, s + run))
}

fn handle_num(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let v = &line[s..e];
    let next = line.get(e).copied();
    let prev = before(line, s);
    let push = |out: &mut Vec<Finding>, s: usize, e: usize, kind: Kind| {
        out.push(Finding::new(s, e, kind));
        true
    };
    // MAC: aa:bb:cc:dd:ee:ff, AA-BB-..., aabb.ccdd.eeff.
    if is_hex_pair_groups(v, b':', 6, 2)
        || is_hex_pair_groups(v, b'-', 6, 2)
        || is_hex_pair_groups(v, b'.', 3, 4)
    {
        // Netfilter's `MAC=dst:src:type`: two addresses and the EtherType.
        if line[..s].ends_with(b"MAC=") {
            let run = line[s..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit() || **b == b':')
                .count();
            if run == 41 && is_hex_pair_groups(&line[s..s + 41], b':', 14, 2) {
                push(out, s, s + 17, Kind::Mac);
                return push(out, s + 18, s + 35, Kind::Mac);
            }
        }
        // A longer run goes on with the address's own separator: after
        // `00-1A-2B-3C-4D-5E` a colon starts something else (RADIUS's
        // `Called-Station-Id = "00-1A-2B-3C-4D-5E:Acme-Corp"`, the SSID).
        let longer = matches!(next, Some(b':' | b'-'))
            && (next == Some(v[2]) || !matches!(v[2], b':' | b'-'))
            && line.get(e + 1).is_some_and(u8::is_ascii_hexdigit)
            || matches!(prev, Some(b':' | b'-' | b'.'));
        if longer && prev != Some(b':') {
            if let Some((ms, me)) = dhcp_client_mac(line, s) {
                return push(out, ms, me, Kind::Mac);
            }
        }
        return !longer && push(out, s, e, Kind::Mac);
    }
    // IPv6 candidates: hex, colons, an embedded IPv4, a zone.
    if v.contains(&b':')
        && v.iter()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        || v.contains(&b'%') && v.contains(&b':')
    {
        return ipv6(line, s, e, out);
    }
    if v.len() >= 4
        && v[..2].iter().all(u8::is_ascii_uppercase)
        && v[2..4].iter().all(u8::is_ascii_digit)
    {
        return iban(line, s, e, out);
    }
    if v[0].is_ascii_alphabetic() {
        // A cue word, then the value (`SSN: 123-45-6789`, `tel: +1 555 ...`).
        let Some(vs) = v
            .iter()
            .position(|b| b.is_ascii_digit() || matches!(b, b'+' | b'('))
            .map(|p| s + p)
        else {
            return false;
        };
        let value = &line[vs..e];
        if matches!(v[0], b's' | b'S')
            && v.len() > 3
            && (v[..3].eq_ignore_ascii_case(b"ssn")
                || v[..6.min(v.len())].eq_ignore_ascii_case(b"social"))
        {
            return checks::ssn_ok(&digits(value)) && push(out, vs, e, Kind::Ssn);
        }
        // Words that start with a cue but name something else
        // (`telegram_chat_id`, `telemetry`, `callback`).
        if NOT_PHONE_KEYS
            .iter()
            .any(|k| v.get(..k.len()).is_some_and(|p| p.eq_ignore_ascii_case(k)))
        {
            return false;
        }
        let n = checks::digit_count(value);
        // A date is no phone number whatever names it (`"contacted_at":
        // "2024-05-14T06:14:55Z"`).
        return (7..=15).contains(&n) && !date_first(value) && push(out, vs, e, Kind::Phone);
    }
    let dots = v.iter().filter(|b| **b == b'.').count();
    if dots == 3 && v.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return ipv4_ok(line, s, e) && push(out, s, e, Kind::Ipv4);
    }
    if v.len() == 11
        && (v[3] == b'-' && v[6] == b'-' || v[3] == b' ' && v[6] == b' ')
        && checks::digit_count(v) == 9
    {
        let glued = matches!(prev, Some(b'-' | b'.' | b'/' | b':'))
            || matches!(next, Some(b'-' | b'/' | b':'))
            || next == Some(b'.') && line.get(e + 1).is_some_and(u8::is_ascii_digit);
        return !glued && checks::ssn_ok(&digits(v)) && push(out, s, e, Kind::Ssn);
    }
    if v[0] == b'+' || v[0] == b'(' {
        return phone_ok(line, s, e) && push(out, s, e, Kind::Phone);
    }
    let n = checks::digit_count(v);
    if n >= 13 && card(line, s, e, out) {
        return true;
    }
    // A bare run of digits (an epoch, a counter) is never a phone number.
    let separated = v.iter().any(|b| !b.is_ascii_digit());
    separated && n <= 15 && phone_ok(line, s, e) && push(out, s, e, Kind::Phone)
}

/// Key words that start with a phone cue (`tel`, `call`, `cell`) and name
/// something else.
const NOT_PHONE_KEYS: &[&[u8]] = &[
    b"telegram",
    b"telemetry",
    b"telnet",
    b"television",
    b"callback",
    b"cells",
];

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
    // The loopback addresses systems write (`127.0.0.1`, systemd-resolved's
    // `127.0.0.53`, Debian's `127.0.1.1`) and the unspecified address name
    // no one's host. Other `127.x` addresses are left to the rule: random
    // test data writes them as clients' addresses.
    let v = &line[s..e];
    if v.starts_with(b"127.0.0.") || v == b"127.0.1.1" || v == b"0.0.0.0" || netmask(v) {
        return false;
    }
    let prev = before(line, s);
    let next = line.get(e).copied();
    // Part of a longer dotted run: an OID, a five-part version.
    if prev == Some(b'.') && before(line, s - 1).is_some_and(|b| b.is_ascii_digit()) {
        return false;
    }
    if next == Some(b'.') && line.get(e + 1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    // A version inside a file name: `app.4.17.21.3.min.js`.
    if prev == Some(b'.')
        && before(line, s - 1).is_some_and(|b| b.is_ascii_alphabetic())
        && next == Some(b'.')
        && line.get(e + 1).is_some_and(u8::is_ascii_alphabetic)
    {
        return false;
    }
    // Product tokens such as `Chrome/120.0.0.0`: a capitalised product name
    // (`HIER_DIRECT/10.0.0.1`, `alice/10.0.0.1` hold addresses), or a token
    // that replaced one.
    if prev == Some(b'/') && (before(line, s - 1) == Some(b']') || product_name_before(line, s - 1))
    {
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
    !VERSION_CUES.contains(&word.as_slice())
}

/// A netmask (`255.255.255.0`, `255.255.240.0`): ones then zeros, from
/// `255.0.0.0` up to the broadcast address; it names a network's size.
fn netmask(v: &[u8]) -> bool {
    let Ok(addr) = std::str::from_utf8(v)
        .unwrap_or("")
        .parse::<std::net::Ipv4Addr>()
    else {
        return false;
    };
    let bits = u32::from(addr);
    bits >= 0xFF00_0000 && (!bits).wrapping_add(1) & !bits == 0
}

/// Whether the word ending at `end` is shaped like a product name: an
/// ASCII capital, then letters and digits with at least one lower-case
/// letter, at a word start (`Chrome`, `YaBrowser`, `DAVx5`; not `DIRECT`,
/// `silva`, `x86_64`).
fn product_name_before(line: &[u8], end: usize) -> bool {
    let mut i = end;
    while i > 0 && line[i - 1].is_ascii_alphanumeric() {
        i -= 1;
    }
    let word = &line[i..end];
    word.len() >= 2
        && word[0].is_ascii_uppercase()
        && word.iter().any(u8::is_ascii_lowercase)
        && !before(line, i).is_some_and(|b| checks::is_word(b) || b == b'.')
}

fn ipv6(line: &[u8], mut s: usize, mut e: usize, out: &mut Vec<Finding>) -> bool {
    e = embedded_ipv4_end(line, s, e);
    let prev = before(line, s);
    if s >= 3 && line[s - 3..s].eq_ignore_ascii_case(b"ipv") && line[s..e].starts_with(b"6:") {
        // An address literal: SMTP's `helo=<[IPv6:2001:db8::25]>`, Samba's
        // `"ipv6:2001:db8:12::5:445"`; the hit starts at the prefix's `6`.
        s += 2;
    } else if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.' || b == b'_')
    {
        return false;
    }
    if line
        .get(e)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return ipv6_with_port(line, s, e, out);
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
    // One group and `::` (`2024-12-31::` ends a Proxmox `user.cfg` line)
    // is a number and separators, not an address anyone writes; as a
    // network's prefix it has a length (`2002::/16`).
    if text.ends_with("::") && !text[..text.len() - 2].contains(':') && line.get(e) != Some(&b'/') {
        return false;
    }
    match text.parse::<std::net::Ipv6Addr>() {
        // Loopback names no one's host.
        Ok(a) if a.is_loopback() => false,
        Ok(_) => {
            out.push(Finding::new(s, e, Kind::Ipv6));
            true
        }
        Err(_) => false,
    }
}

/// HAProxy and others print `2a02:db8::24b3:43024`: a compressed address,
/// a colon and a port. A five-digit port is no hex group, so the hit stops
/// inside it; the address is the part before the last colon.
fn ipv6_with_port(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) -> bool {
    let end = e + line[e..].iter().take_while(|b| b.is_ascii_digit()).count();
    if line
        .get(end)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return false;
    }
    let Some(colon) = line[s..end].iter().rposition(|b| *b == b':').map(|p| s + p) else {
        return false;
    };
    let port = &line[colon + 1..end];
    let addr = &line[s..colon];
    let parses = std::str::from_utf8(addr).is_ok_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok());
    if (1..=5).contains(&port.len())
        && port.iter().all(u8::is_ascii_digit)
        && addr.windows(2).any(|w| w == b"::")
        && parses
    {
        out.push(Finding::new(s, colon, Kind::Ipv6));
        return true;
    }
    false
}

/// Where an IPv6 hit that stops inside an embedded IPv4 address ends once
/// the address is taken whole: the regex's greedy groups take `192` of
/// `::ffff:192.0.2.128` as a hex group and leave `.0.2.128` behind.
fn embedded_ipv4_end(line: &[u8], s: usize, e: usize) -> usize {
    let last = line[s..e]
        .iter()
        .rposition(|b| *b == b':')
        .map_or(s, |p| s + p + 1);
    let group = &line[last..e];
    if line.get(e) != Some(&b'.')
        || group.is_empty()
        || group.len() > 3
        || !group.iter().all(u8::is_ascii_digit)
    {
        return e;
    }
    let mut end = e;
    for _ in 0..3 {
        if line.get(end) != Some(&b'.') {
            return e;
        }
        let digits = line[end + 1..]
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(1..=3).contains(&digits) {
            return e;
        }
        end += 1 + digits;
    }
    if line.get(end) == Some(&b'%') {
        end += 1 + line[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
            .count();
    }
    end
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
    // Part of a longer number (`1.4111…`, `…-12`); a comma is a field
    // separator (CSV), not part of a number this long.
    let glued = before(line, s).is_some_and(|b| matches!(b, b'.' | b'-' | b'/' | b':'))
        && before(line, s.saturating_sub(1)).is_some_and(|b| b.is_ascii_digit())
        || line.get(e).is_some_and(|b| matches!(b, b'.' | b'-'))
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
    // No country code starts with 0: `+0000 2025` is a time zone and a year.
    if v.starts_with(b"+0") {
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
    // Glued to a word or to a token (`]`): not a phone number on its own.
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b']') {
        return false;
    }
    // A comma between two cells is no thousands separator: a number that
    // fills its cell (`,+27 82 555 0194,2024117`) is still a phone number.
    let cell = next == Some(b',') && (prev.is_none() || matches!(prev, Some(b',' | b';' | b'\t')));
    if matches!(next, Some(b'.' | b'-' | b':' | b'/' | b','))
        && line.get(e + 1).is_some_and(u8::is_ascii_digit)
        && !cell
    {
        return false;
    }
    if next.is_some_and(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    // A device's IMEI, IMSI or SIM serial (`IMEI 35 209900 176148 1`).
    let head = line[s.saturating_sub(16)..s].to_ascii_lowercase();
    if [&b"imei"[..], b"imsi", b"iccid", b"meid"]
        .iter()
        .any(|w| memchr::memmem::find(&head, w).is_some())
    {
        return false;
    }
    // A US ZIP+4 code after a state's abbreviation: `Boston, MA  02110-1301`.
    let zip4 = v.len() == 10 && v[5] == b'-' && checks::digit_count(v) == 9;
    let state = line[..s].trim_ascii_end();
    if zip4
        && state.len() >= 3
        && state[state.len() - 2..].iter().all(u8::is_ascii_uppercase)
        && matches!(state[state.len() - 3], b' ' | b',')
    {
        return false;
    }
    // Dates (2024-01-15) are never phone numbers, and neither are numbers
    // with a group longer than any dialling plan writes in one piece
    // without a country code (`2 210987654321`, `41 18233 1715640067`:
    // an account id, an epoch beside counters, in a flow log).
    let longest = v
        .split(|b| !b.is_ascii_digit())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    // Counters side by side in columns (a flow log's `49822 6 12 902114`:
    // port, protocol, packets, bytes): a bare number whose groups after
    // the first include a single digit is no dialling plan's.
    let bare = v[0] != b'+' && v[0] != b'(';
    let lone_digit = v
        .split(|b| *b == b' ')
        .skip(1)
        .any(|g| g.len() == 1 && g[0].is_ascii_digit());
    !date_first(v) && !(bare && (longest > 8 || lone_digit))
}

/// Whether `v` starts with a date: a year first (`2024-05-14`,
/// `1999/12/31`), or a day and a month before a four-digit year
/// (`12.03.2024`, `3/12/2024`); not after a `+` or a `(`.
fn date_first(v: &[u8]) -> bool {
    let run = |at: usize| {
        v[at.min(v.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let year =
        |at: usize| run(at) == 4 && (v[at..].starts_with(b"19") || v[at..].starts_with(b"20"));
    if year(0) {
        return true;
    }
    let d = run(0);
    let Some(&sep) = v.get(d).filter(|b| matches!(b, b'.' | b'/' | b'-')) else {
        return false;
    };
    let m = run(d + 1);
    (1..=2).contains(&d)
        && (1..=2).contains(&m)
        && v.get(d + 1 + m) == Some(&sep)
        && year(d + m + 2)
}

/// Whether the run at `start` is a digest (`SHA256:…`, an SSH key's
/// fingerprint), a public key (`PublicKey = …`, WireGuard's `peer: …`) or
/// an id by its name (`client_id`, `unique_id`): random, and meant to be
/// shown.
fn shown_by_name(line: &[u8], start: usize) -> bool {
    let before = &line[start.saturating_sub(24)..start];
    let lower = before.to_ascii_lowercase();
    let digest = lower
        .strip_suffix(b":")
        .map(|b| b.trim_ascii_end())
        .is_some_and(|b| {
            let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
            b[..b.len() - digits].ends_with(b"sha") || b.ends_with(b"md5")
        });
    let public = [&b"public"[..], b"pubkey", b"peer"]
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some());
    // The name right before the value (`client_id":"`, `unique_id "`,
    // `requestId=`) ends in a separate word `id`.
    let name = before
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(&before[..0], |i| &before[..=i]);
    let id = [&b"id"[..], b"ids", b"uuid", b"guid"].iter().any(|w| {
        let n = w.len();
        name.len() >= n
            && name[name.len() - n..].eq_ignore_ascii_case(w)
            && match name.len().checked_sub(n + 1).map(|i| name[i]) {
                None => true,
                Some(b) => {
                    !b.is_ascii_alphanumeric()
                        || (b.is_ascii_lowercase() && name[name.len() - n].is_ascii_uppercase())
                }
            }
    });
    digest || public || id
}

/// Judges the run `line[start..end]` (followed by `padded` `=`): a random
/// run is a token, without a path's words after it (`…pxKB/getUpdates`);
/// a run that is not may be a path with random pieces between its `/`
/// (`services/T0S4/B0ZI/Gjg8bka1…`, `hooks/…`), each judged alone.
fn random_path_pieces(
    line: &[u8],
    start: usize,
    end: usize,
    padded: usize,
    out: &mut Vec<Finding>,
) {
    let v = &line[start..end];
    if checks::random_shape(v) {
        let mut e = end;
        while let Some(slash) = memchr::memrchr(b'/', &line[start..e]) {
            let tail = &line[start + slash + 1..e];
            if tail.len() < 3 || !tail.iter().all(u8::is_ascii_alphabetic) {
                break;
            }
            e = start + slash;
        }
        let e = if e == end { end + padded } else { e };
        out.push(Finding::new(start, e, Kind::Token));
        return;
    }
    if memchr::memchr(b'/', v).is_none() {
        return;
    }
    let mut s = start;
    for piece in v.split(|b| *b == b'/') {
        let e = s + piece.len();
        if checks::random_shape(piece) {
            out.push(Finding::new(
                s,
                if e == end { end + padded } else { e },
                Kind::Token,
            ));
        }
        s = e + 1;
    }
}

/// The id in an incoming webhook's URL, which is all it takes to post
/// (`https://chat.example/hooks/gzn0s9g1ta1v7zvdugg8m1v3x7`: Mattermost,
/// Rocket.Chat; `/webhook/8f14e45f…`, Office 365's
/// `/IncomingWebhook/<hex>/`): 16 or more letters and digits, with both,
/// after a path segment `hook`, `hooks` or one that ends in `webhook` or
/// `webhooks` (a numeric id, as GitHub's and Discord's, stays; Discord's
/// token after it is a random run).
fn webhook_ids(line: &[u8], out: &mut Vec<Finding>) {
    static HOOKS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let hooks = HOOKS.get_or_init(|| any_case(WEBHOOK_SEGMENT_ENDS));
    for m in hooks.find_iter(line) {
        let segment_start = line[..m.start()]
            .iter()
            .rposition(|b| *b == b'/')
            .map_or(0, |p| p + 1);
        let segment = line[segment_start..m.end() - 1].to_ascii_lowercase();
        let named = matches!(segment.as_slice(), b"hook" | b"hooks")
            || segment.ends_with(b"webhook")
            || segment.ends_with(b"webhooks");
        if !named || segment_start == 0 {
            continue;
        }
        let s = m.end();
        let n = line[s..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        let id = &line[s..s + n];
        if n >= 16 && id.iter().any(u8::is_ascii_digit) && id.iter().any(u8::is_ascii_alphabetic) {
            out.push(Finding::new(s, s + n, Kind::Token));
        }
    }
}

/// How the path segment before a webhook's id ends ([`webhook_ids`]), in
/// any ASCII case; also the cue of its prefilter group.
pub(crate) const WEBHOOK_SEGMENT_ENDS: &[&str] = &["hook/", "hooks/"];

/// Words in a link's path that make its query values one-time secrets:
/// password reset, e-mail verification, invitations, magic sign-in and
/// welcome links; and an unsubscribe link's values, which name the
/// recipient.
const ONE_TIME_LINKS: &[&[u8]] = &[
    b"reset",
    b"verify",
    b"verification",
    b"confirm",
    b"activate",
    b"activation",
    b"invite",
    b"invitation",
    b"magic",
    b"recover",
    b"welcome",
    b"signup",
    b"onboarding",
    b"unsubscribe",
];

/// The values in the query of a one-time link (`/reset?t=mvi6vhgpa0…`,
/// `/verify-email?code=…&uid=…`), whatever the key's name, as the link
/// alone lets anyone in: 16 to 256 URL characters that read as generated
/// (letters and digits alternating again and again, a UUID, hex; not
/// `ref=newsletter2024q1`). The link is a path with one of
/// [`ONE_TIME_LINKS`] before the `?`.
fn link_tokens(line: &[u8], out: &mut Vec<Finding>) {
    for q in memchr::memchr_iter(b'?', line) {
        let path_start = line[..q]
            .iter()
            .rposition(|b| {
                b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'(' | b'=')
            })
            .map_or(0, |p| p + 1);
        let path = line[path_start..q].to_ascii_lowercase();
        if !path.contains(&b'/')
            || !ONE_TIME_LINKS
                .iter()
                .any(|w| memchr::memmem::find(&path, w).is_some())
        {
            continue;
        }
        let mut at = q + 1;
        loop {
            let pair = line[at..]
                .iter()
                .take_while(|b| {
                    !b.is_ascii_whitespace()
                        && !matches!(b, b'&' | b'"' | b'\'' | b'<' | b'>' | b'#' | b')')
                })
                .count();
            if let Some(eq) = memchr::memchr(b'=', &line[at..at + pair]) {
                let (vs, ve) = (at + eq + 1, at + pair);
                let v = &line[vs..ve];
                let url_chars = v.iter().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%')
                });
                let generated = checks::letter_digit_changes(v) >= 4
                    || checks::is_uuid(v)
                    || (v.iter().all(u8::is_ascii_hexdigit)
                        && v.iter().any(u8::is_ascii_alphabetic));
                if (16..=256).contains(&v.len()) && url_chars && generated {
                    out.push(Finding::new(vs, ve, Kind::Token));
                }
            }
            at += pair;
            if line.get(at) != Some(&b'&') {
                break;
            }
            at += 1;
        }
    }
}

/// Standalone runs of base64/base64url characters that read as random
/// rather than as words: 40-character ones shaped like AWS secret access
/// keys, and any that [`checks::random_shape`]
/// accepts (keys, salts, cookies, reset and webhook tokens, whatever names
/// them or none). Hex digests, UUIDs and identifiers do not qualify.
fn random_runs(line: &[u8], out: &mut Vec<Finding>) {
    const RUN: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            t[i] = b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'_' | b'-');
            i += 1;
        }
        t
    };
    let in_run = |b: u8| RUN[usize::from(b)];
    // Nothing shorter than `checks::RANDOM_MIN` is a finding, and every
    // run of STEP or more holds an index `i` with `i % STEP == STEP - 1`:
    // probe only those, and measure the run around a hit.
    const STEP: usize = checks::RANDOM_MIN;
    let mut i = STEP - 1;
    while i < line.len() {
        if !in_run(line[i]) {
            i += STEP;
            continue;
        }
        let mut start = i;
        while start > 0 && in_run(line[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < line.len() && in_run(line[end]) {
            end += 1;
        }
        let padded = line[end..]
            .iter()
            .take(2)
            .take_while(|b| **b == b'=')
            .count();
        let v = &line[start..end];
        // A run followed by `.`, `%` or `@` is a piece of something
        // longer: a host or file name, an encoded string, a mailbox.
        if end - start >= STEP && !matches!(line.get(end), Some(b'.' | b'%' | b'@')) {
            let aws = v.len() == 40
                && padded == 0
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+'))
                && v[0] != b'/'
                && v.iter().filter(|b| **b == b'/').count() <= 3
                && checks::aws_secret_shape_ok(v);
            if aws {
                out.push(Finding::new(start, end, Kind::AwsSecret));
            } else {
                // The name before the run is looked at only once the run
                // holds a token: most long runs (paths, URLs) hold none.
                let found = out.len();
                random_path_pieces(line, start, end, padded, out);
                if out.len() > found && shown_by_name(line, start) {
                    out.truncate(found);
                }
            }
        }
        // The next run starts after `end`.
        while i < end {
            i += STEP;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redact::tests::Rng;

    /// Lines built from e-mail-shaped pieces: the hand-written e-mail scan
    /// finds exactly what the regex alternation finds.
    #[test]
    fn email_scan_matches_the_regex() {
        let group = compile(&at_pattern());
        let pieces: &[&[u8]] = &[
            b"a",
            b"Bo",
            b"x9",
            b"example",
            b"com",
            b"co",
            b"uk",
            b"9",
            b"_",
            b"-",
            b".",
            b"..",
            b"@",
            b"@@",
            b"%",
            b"+",
            b" ",
            b"\t",
            b"=",
            b"<",
            b">",
            b"\"",
            b"abcdefghijklmnopqrstuvwxyz",
            b"\xc3\xa9",
            b"[EMAIL:0123abcd]",
            b"a.b@c.de",
            b"x@y.z",
            b"q@1.2.3.io",
            b"a@b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.uv",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let mut line = Vec::new();
            for _ in 0..rng.below(14) {
                line.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            let mut want = Vec::new();
            scan(&group, &line, &mut want, handle_at);
            let mut got = Vec::new();
            emails(&line, &mut got);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&line));
        }
    }
}
