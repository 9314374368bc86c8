//! The login written just before a found secret: a credential pair.
//!
//! Where a detector found a password, the word right before it is often the
//! account it opens: `htpasswd -b /etc/nginx/.htpasswd selin SECRET`,
//! Redis's `"AUTH" "cache_writer" "SECRET"`, `"zbx_monitor","SECRET"`,
//! a Terraform map `"m.oconnor" = "SECRET"`, `siyer / initial password
//! SECRET`, `demo.giulia / SECRET`. The word counts when it is shaped like a login (lowercase
//! letters first, then letters, digits, `.`, `_`, `-`; three characters or
//! more), is not an everyday word and does not name the secret itself
//! (`password`, `token`, `pw`).
//!
//! The other way round, a value shaped like a chosen password written just
//! after a found login in the same pair forms is its password:
//! `offsite-emily / Kyoto-Maple-0514`, `"m.oconnor" = "Ck8-rope-Lima-53"`,
//! and so is one written after an e-mail address and a colon, as
//! credential files pair them (`scanner@example.com:Sc4nner-M365-01`).

use super::finding::Finding;
use super::names;
use super::secrets;
use super::token::Kind;

/// Appends the logins written before the secrets among `findings`, and
/// the passwords written after the logins among them.
pub(crate) fn find(line: &[u8], findings: &[Finding], out: &mut Vec<Finding>) {
    for f in findings {
        match f.kind() {
            Some(Kind::Secret) => {
                if let Some((s, e)) = login_before(line, f.start) {
                    out.push(Finding::new(s, e, Kind::Username));
                }
            }
            Some(Kind::Username) => {
                if let Some((s, e)) = password_after(line, f.end) {
                    out.push(Finding::new(s, e, Kind::Secret));
                }
            }
            // `user@example.com:Sc4nner-M365-01`: an address and its
            // password as credential files pair them (Postfix's
            // `sasl_passwd`, `.git-credentials` and the like).
            Some(Kind::Email) => {
                if let Some((s, e)) = password_after_colon(line, f.end) {
                    out.push(Finding::new(s, e, Kind::Secret));
                }
            }
            _ => {}
        }
    }
}

/// The password that starts just after a login ending at `at`: `"U" =
/// "S"`, `"U","S"`, `'U' 'S'`, or `U / S`, where `S` is shaped like a
/// chosen password (`Kyoto-Maple-0514`; not `docs / Admin-Guide`).
fn password_after(line: &[u8], at: usize) -> Option<(usize, usize)> {
    let after = &line[at..];
    let (start, end) = match after.first() {
        Some(q @ (b'"' | b'\'')) => {
            let glue = after[1..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b',' | b'=' | b'\t'))
                .count();
            let open = 1 + glue;
            if glue == 0 || glue > 3 || after.get(open) != Some(q) {
                return None;
            }
            let len = memchr::memchr(*q, &after[open + 1..])?;
            (open + 1, open + 1 + len)
        }
        _ if after.starts_with(b" / ") => {
            let len = after[3..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace())
                .count();
            let mut end = 3 + len;
            while end > 3 && matches!(after[end - 1], b'.' | b',' | b';' | b')') {
                end -= 1;
            }
            (3, end)
        }
        _ => return None,
    };
    secrets::chosen_password(&after[start..end]).then_some((at + start, at + end))
}

/// The password right after a `:` at `at`, up to the next blank or the
/// line's end, when it is shaped like a chosen password (`scp`'s
/// `user@host:/path` and `git@github.com:org/repo.git` are not).
fn password_after_colon(line: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = line.get(at..)?.strip_prefix(b":")?;
    let len = rest.iter().take_while(|b| !b.is_ascii_whitespace()).count();
    let value = &rest[..len];
    secrets::password_shaped(value).then_some((at + 1, at + 1 + len))
}

/// The login that ends just before a secret starting at `at`, as a span.
fn login_before(line: &[u8], at: usize) -> Option<(usize, usize)> {
    let before = &line[..at];
    // Pairs of a command's arguments: `/ppp secret add name=U password=S`.
    if let Some(pair) = named_before(before) {
        return Some(pair);
    }
    // Quoted pairs: `"U" "S"`, `"U","S"`, `"U" = "S"`, `'U' 'S'`.
    if let Some(q @ (b'"' | b'\'')) = before.last().copied() {
        let glue = before[..before.len() - 1]
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b',' | b'=' | b'\t'))
            .count();
        let close = before.len() - 1 - glue;
        if close == 0 || before[close - 1] != q || glue > 3 {
            return None;
        }
        let end = close - 1;
        let start = end - before[..end].iter().rev().take_while(|b| **b != q).count();
        return (start > 0 && is_login(&line[start..end])).then_some((start, end));
    }
    // `FILE U S`, one blank between, after a path or a flag: a command's
    // arguments (`htpasswd -b /etc/nginx/.htpasswd U S`). In prose the
    // word before a password is as often a verb (`Das Passwort lautet S`).
    if matches!(before.last(), Some(b' ' | b'\t')) {
        let end = before.len() - 1;
        if let Some(start) = word_start(before, end) {
            let prev = before[..start.saturating_sub(1)]
                .rsplit(|b| matches!(b, b' ' | b'\t' | b'"'))
                .next()
                .unwrap_or_default();
            let argument = prev.contains(&b'/') || prev.starts_with(b"-");
            return (start > 0 && argument).then_some((start, end));
        }
    }
    // `U / S`, `U / initial password S`: up to three words of the
    // secret's own name between.
    let slash = memchr::memrchr(b'/', before)?;
    let between = &before[slash + 1..];
    let named = between
        .split(|b| matches!(b, b' ' | b':'))
        .filter(|w| !w.is_empty())
        .all(|w| SECRET_WORDS.contains(&w.to_ascii_lowercase().as_slice()));
    if !(slash >= 2 && before[slash - 1] == b' ' && between.first() == Some(&b' ') && named) {
        return None;
    }
    if between
        .split(|b| *b == b' ')
        .filter(|w| !w.is_empty())
        .count()
        > 3
    {
        return None;
    }
    // With nothing between, only a login that could be nothing else
    // (`demo.giulia / S`, not `docs / S`).
    let end = slash - 1;
    word_start(before, end)
        .filter(|&s| between.iter().any(|b| *b != b' ') || has_login_mark(&before[s..end]))
        .map(|start| (start, end))
}

/// `name=U password=` (MikroTik's `key=value` arguments): the value of the
/// `name=` pair right before the password's pair.
fn named_before(before: &[u8]) -> Option<(usize, usize)> {
    let rest = before.strip_suffix(b"=")?;
    let key_len = rest
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    let key = &rest[rest.len() - key_len..];
    if !SECRET_WORDS.contains(&key.to_ascii_lowercase().as_slice()) {
        return None;
    }
    let end = rest.len() - key_len;
    let head = before[..end].strip_suffix(b" ")?;
    let value_len = head
        .iter()
        .rev()
        .take_while(|c| !matches!(c, b' ' | b'\t' | b'='))
        .count();
    let start = head.len() - value_len;
    let key_start = start.checked_sub(5)?;
    let named = &head[key_start..start] == b"name="
        && (key_start == 0 || matches!(head[key_start - 1], b' ' | b'\t'));
    (named && is_login(&head[start..])).then_some((start, head.len()))
}

/// A dot, an underscore or a digit inside: `demo.giulia`, `svc_erp`.
fn has_login_mark(w: &[u8]) -> bool {
    w.iter()
        .any(|b| matches!(b, b'.' | b'_') || b.is_ascii_digit())
}

/// The start of the login that ends at `end` of `text`, after a blank or
/// the start of the text.
fn word_start(text: &[u8], end: usize) -> Option<usize> {
    let start = end
        - text[..end]
            .iter()
            .rev()
            .take_while(|b| !matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'(' | b'[' | b'='))
            .count();
    let after_blank = start == 0 || matches!(text[start - 1], b' ' | b'\t');
    (after_blank && is_login(&text[start..end])).then_some(start)
}

/// Words that name a secret and may stand between a login and it.
const SECRET_WORDS: &[&[u8]] = &[
    b"initial",
    b"temporary",
    b"temp",
    b"new",
    b"password",
    b"pass",
    b"passwd",
    b"pw",
    b"pwd",
    b"passwort",
    b"kennwort",
    b"pin",
];

/// A login's shape, not an everyday word, and not the secret's own name.
fn is_login(w: &[u8]) -> bool {
    const NAMING: &[&[u8]] = &[
        b"pass", b"pwd", b"secret", b"token", b"key", b"auth", b"cred", b"login", b"user", b"pw",
    ];
    w.len() >= 3
        && w.len() <= 40
        && w[0].is_ascii_lowercase()
        && w.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && w[w.len() - 1].is_ascii_alphanumeric()
        && !names::is_common_word(w)
        && !NAMING.iter().any(|n| w.windows(n.len()).any(|x| x == *n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`find`] adds beside `value`, found on `line` as `kind`.
    fn beside(line: &str, value: &str, kind: Kind) -> Vec<String> {
        let s = line.find(value).expect("the value on the line");
        let mut out = Vec::new();
        find(
            line.as_bytes(),
            &[Finding::new(s, s + value.len(), kind)],
            &mut out,
        );
        out.iter()
            .map(|f| line[f.start..f.end].to_owned())
            .collect()
    }

    fn logins(line: &str, secret: &str) -> Vec<String> {
        beside(line, secret, Kind::Secret)
    }

    fn passwords(line: &str, login: &str) -> Vec<String> {
        beside(line, login, Kind::Username)
    }

    #[test]
    fn logins_before_a_secret() {
        let cases = [
            (
                "htpasswd -b /etc/nginx/.htpasswd selin Selin-Kadikoy-88",
                "Selin-Kadikoy-88",
                "selin",
            ),
            (
                r#"[0 10.12.8.22:51020] "AUTH" "cache_writer" "c4che-Wr1ter-9x""#,
                "c4che-Wr1ter-9x",
                "cache_writer",
            ),
            (
                r#"ping["{$PG.URI}","zbx_monitor","Zbx!pg#2024"]"#,
                "Zbx!pg#2024",
                "zbx_monitor",
            ),
            (
                r#"  "m.oconnor" = "Ck8-rope-Lima-53""#,
                "Ck8-rope-Lima-53",
                "m.oconnor",
            ),
            (
                "Account created: siyer / initial password Welcome-8841",
                "Welcome-8841",
                "siyer",
            ),
            (
                "login for customers: demo.giulia / Demo!Tenant-2025",
                "Demo!Tenant-2025",
                "demo.giulia",
            ),
        ];
        for (line, secret, login) in cases {
            assert_eq!(logins(line, secret), [login], "{line}");
        }
    }

    #[test]
    fn passwords_after_a_login() {
        let cases = [
            (
                "Console login:     offsite-emily / Kyoto-Maple-0514",
                "offsite-emily",
                "Kyoto-Maple-0514",
            ),
            (
                r#"  "m.oconnor" = "Ck8-rope-Lima-53""#,
                "m.oconnor",
                "Ck8-rope-Lima-53",
            ),
            (
                r#""zbx_monitor","Zbx!pg#2024"]"#,
                "zbx_monitor",
                "Zbx!pg#2024",
            ),
            (
                "Portal login rpena_andina / Medellin-Cafe-2024 (he insisted)",
                "rpena_andina",
                "Medellin-Cafe-2024",
            ),
        ];
        for (line, login, secret) in cases {
            assert_eq!(passwords(line, login), [secret], "{line}");
        }
        // Not a chosen password's shape, or not one of the pair forms.
        for (line, login) in [
            ("mkaya / docs", "mkaya"),
            ("mkaya / report.xlsx", "mkaya"),
            ("mkaya / v1.2.3", "mkaya"),
            ("mkaya Kyoto-Maple-0514", "mkaya"),
            (r#""mkaya": {"role": "Kyoto-Maple-0514"}"#, "mkaya"),
        ] {
            assert!(passwords(line, login).is_empty(), "{line}");
        }
    }

    #[test]
    fn other_words_before_a_secret_stay() {
        let cases = [
            ("the password is hunter2x", "hunter2x"),
            ("Visitor: xujing88. pw: Shanghai@1988", "Shanghai@1988"),
            ("--password Pa55-word!", "Pa55-word!"),
            (r#""password": "Pa55-word!""#, "Pa55-word!"),
            (r#""api_key" "Pa55-word!""#, "Pa55-word!"),
            ("set to Pa55-word!", "Pa55-word!"),
            ("docs / Pa55-word!", "Pa55-word!"),
            ("GET /a/b Pa55-word!", "Pa55-word!"),
            ("Passwort: Xy!9-abc", "Xy!9-abc"),
            ("Das Passwort lautet Sommer#2024!", "Sommer#2024!"),
        ];
        for (line, secret) in cases {
            assert!(logins(line, secret).is_empty(), "{line}");
        }
    }
}
