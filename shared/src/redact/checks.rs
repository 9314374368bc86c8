//! Validation of candidate values: checksums and shape checks that turn a
//! regex hit into a finding or drop it.

/// Luhn checksum over the ASCII digits of `digits` (other bytes ignored).
pub(crate) fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    let mut count = 0;
    for &b in digits.iter().rev() {
        if !b.is_ascii_digit() {
            continue;
        }
        let mut d = u32::from(b - b'0');
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
        count += 1;
    }
    count > 0 && sum.is_multiple_of(10)
}

/// Whether a digit string (separators removed) looks like a payment card:
/// a known issuer prefix, a length that issuer uses, and a valid Luhn digit.
pub(crate) fn card_ok(digits: &[u8]) -> bool {
    let n = digits.len();
    if !(13..=19).contains(&n) || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let p2 = u32::from(digits[0] - b'0') * 10 + u32::from(digits[1] - b'0');
    let p4 = digits[..4]
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let issuer_ok = match digits[0] {
        b'4' => matches!(n, 13 | 16 | 19), // Visa
        b'5' => (51..=55).contains(&p2) && n == 16 || p2 == 50 || (56..=59).contains(&p2), // MC, Maestro
        b'2' => (2221..=2720).contains(&p4) && n == 16, // MC 2-series
        b'3' => {
            (p2 == 34 || p2 == 37) && n == 15                       // Amex
                || (p2 == 36 || p2 == 38 || (300..=305).contains(&(p4 / 10))) && (14..=19).contains(&n) // Diners
                || (3528..=3589).contains(&p4) && (16..=19).contains(&n) // JCB
        }
        b'6' => (16..=19).contains(&n) || n >= 12, // Discover, UnionPay, Maestro
        _ => false,
    };
    issuer_ok && luhn_ok(digits)
}

/// ISO 13616 IBAN check: country letters, check digits, mod 97 == 1.
pub(crate) fn iban_ok(compact: &[u8]) -> bool {
    let n = compact.len();
    if !(15..=34).contains(&n) {
        return false;
    }
    // `RF`: an ISO 11649 creditor reference, same check digits, no account.
    if compact.starts_with(b"RF") {
        return false;
    }
    if !compact[..2].iter().all(u8::is_ascii_uppercase)
        || !compact[2..4].iter().all(u8::is_ascii_digit)
        || !compact.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    if let Some(len) = iban_length(&compact[..2]) {
        if len != n {
            return false;
        }
    }
    let mut rem: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            let v = u32::from(b.to_ascii_uppercase() - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

/// Registered IBAN lengths of common countries (others: any length 15–34).
fn iban_length(country: &[u8]) -> Option<usize> {
    Some(match country {
        b"AT" => 20,
        b"BE" => 16,
        b"CH" => 21,
        b"CZ" => 24,
        b"DE" => 22,
        b"DK" => 18,
        b"ES" => 24,
        b"FI" => 18,
        b"FR" => 27,
        b"GB" => 22,
        b"IE" => 22,
        b"IT" => 27,
        b"LU" => 20,
        b"NL" => 18,
        b"NO" => 15,
        b"PL" => 28,
        b"PT" => 25,
        b"SE" => 24,
        _ => return None,
    })
}

/// US SSN shape rules: area not 000, 666 or 9xx; group not 00; serial not 0000.
pub(crate) fn ssn_ok(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area = &digits[..3];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && &digits[3..5] != b"00"
        && &digits[5..] != b"0000"
}

/// Whether a 40-character base64 run looks like an AWS secret access key
/// rather than a hex hash or a word: mixed case (three letters of each
/// case or more, as random base64 has about sixteen; a Gerrit change id,
/// `I8f3a…`, has one capital) and digits, not all hex.
pub(crate) fn aws_secret_shape_ok(s: &[u8]) -> bool {
    let upper = s.iter().filter(|b| b.is_ascii_uppercase()).count() >= 3;
    let lower = s.iter().filter(|b| b.is_ascii_lowercase()).count() >= 3;
    let digit = s.iter().any(u8::is_ascii_digit);
    let all_hex = s.iter().all(u8::is_ascii_hexdigit);
    upper && lower && digit && !all_hex
}

/// The shortest run [`random_shape`] accepts.
pub(crate) const RANDOM_MIN: usize = 24;

/// Whether a run of base64/base64url characters (no padding) reads as
/// random: generated keys, salts and tokens, not identifiers, paths, hex
/// digests or UUIDs. Letters of random text come in short runs of one
/// case (about 1.7 on average in base62); words, CamelCase and
/// snake_case names have long ones. It takes 24 characters or more, not
/// an object id (a short type and a hex body, `ch_…`), and one of two
/// shapes:
///
/// - mixed case (`Gjg8bka1gf5JL2LyrVyjJsCs`): two or more of each case,
///   a digit, `+` or `/` (or 32 characters without), lower-case runs of
///   2.5 on average and none over 7;
/// - upper case and digits (base32 secrets), no separators, 26 or more,
///   not hex and not a ULID.
///
/// Lower case and digits alone (`gzn0s9g1…`) do not qualify: object ids
/// (Mattermost's, Kubernetes') take that shape as often as tokens do.
pub(crate) fn random_shape(v: &[u8]) -> bool {
    if v.len() < RANDOM_MIN || v.len() > 1024 || v[0] == b'/' || v.windows(2).any(|w| w == b"//") {
        return false;
    }
    // Object ids: a short type prefix and a hex body (`AC3f2a…`, Twilio;
    // `0x7d9e…`), or a lower-case type and `_` or `-` (`ch_3OqK2b…`,
    // Stripe; `db-7QW2…`); SSH public key blobs (`AAAAC3Nza…`); SIP
    // branch ids (`z9hG4bK…`).
    let body_at = v
        .iter()
        .take(5)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let hex_body = v.strip_prefix(b"0x").unwrap_or(&v[body_at..]);
    if body_at < 5 && hex_body.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    if v.starts_with(b"AAAA") || v.starts_with(b"z9hG4bK") {
        return false;
    }
    if body_at < 5
        && matches!(v.get(body_at), Some(b'_' | b'-'))
        && v[..body_at].iter().all(u8::is_ascii_lowercase)
        && !v[body_at + 1..].iter().any(|b| matches!(b, b'_' | b'-'))
    {
        return false;
    }
    let (mut upper, mut lower, mut digit, mut sep) = (0usize, 0usize, 0usize, 0usize);
    // Runs of one letter case: count, total length and longest, per case.
    let mut runs = [(0usize, 0usize, 0usize); 2];
    let mut cur: Option<(usize, usize)> = None;
    let mut end_run = |cur: &mut Option<(usize, usize)>| {
        if let Some((case, len)) = cur.take() {
            let r = &mut runs[case];
            r.0 += 1;
            r.1 += len;
            r.2 = r.2.max(len);
        }
    };
    for &b in v {
        let case = if b.is_ascii_lowercase() {
            lower += 1;
            Some(0)
        } else if b.is_ascii_uppercase() {
            upper += 1;
            Some(1)
        } else {
            if b.is_ascii_digit() {
                digit += 1;
            } else if matches!(b, b'_' | b'-') {
                sep += 1;
            }
            None
        };
        match (case, cur) {
            (Some(c), Some((k, len))) if c == k => cur = Some((k, len + 1)),
            (Some(c), _) => {
                end_run(&mut cur);
                cur = Some((c, 1));
            }
            (None, _) => end_run(&mut cur),
        }
    }
    end_run(&mut cur);
    let mean = |(n, total, _): (usize, usize, usize)| total as f64 / n.max(1) as f64;
    let [low_runs, up_runs] = runs;
    let symbols = v.iter().any(|b| matches!(b, b'+' | b'/'));
    if upper >= 2 && lower >= 2 {
        (digit >= 1 || symbols || v.len() >= 32)
            && mean(low_runs) <= 2.5
            && low_runs.2 <= 7
            && mean(up_runs) <= 3.0
    } else if lower == 0 && sep == 0 && !symbols {
        v.len() >= 26
            && digit >= 3
            && upper >= 8
            && up_runs.2 <= 10
            && !v.iter().all(u8::is_ascii_hexdigit)
            && !ulid(v)
    } else {
        false
    }
}

/// A ULID: 26 characters of Crockford's base32, the first at most `7`.
fn ulid(v: &[u8]) -> bool {
    v.len() == 26
        && matches!(v[0], b'0'..=b'7')
        && v.iter().all(|b| {
            b.is_ascii_digit()
                || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
        })
}

/// Whether a token-like value has the look of a credential rather than a
/// word: it has a digit, or mixes upper and lower case, or is long.
pub(crate) fn credential_shape_ok(s: &[u8]) -> bool {
    let digit = s.iter().any(u8::is_ascii_digit);
    let upper = s.iter().any(u8::is_ascii_uppercase);
    let lower = s.iter().any(u8::is_ascii_lowercase);
    s.len() >= 8 && (digit || (upper && lower) || s.len() >= 32)
}

/// Whether `name` ends like a systemd unit (`nginx.service`,
/// `user@1043.service`).
pub(crate) fn is_systemd_unit(name: &[u8]) -> bool {
    const SUFFIXES: &[&[u8]] = &[
        b".service",
        b".socket",
        b".timer",
        b".target",
        b".mount",
        b".slice",
        b".scope",
        b".path",
    ];
    SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// ASCII letter, digit or underscore.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A byte of a login, a host name or a key name: [`is_word`], `.` or `-`.
pub(crate) fn is_login_byte(b: u8) -> bool {
    is_word(b) || matches!(b, b'.' | b'-')
}

/// `v` lower-cased (ASCII) into `buf`, without allocating; `None` when it
/// is longer than `buf`.
pub(crate) fn lower_in<'b>(v: &[u8], buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..v.len())?;
    lower.copy_from_slice(v);
    lower.make_ascii_lowercase();
    Some(lower)
}

/// The character that starts at `bytes[i]`, if a valid UTF-8 sequence
/// does (a stray or cut-off byte is none).
pub(crate) fn char_at(bytes: &[u8], i: usize) -> Option<char> {
    let window = &bytes[i..(i + 4).min(bytes.len())];
    let valid = match std::str::from_utf8(window) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).ok()?,
    };
    valid.chars().next()
}

/// Whether `needle` occurs in `hay`, a word or a few bytes: comparing in
/// place costs less than building a substring searcher for one search.
pub(crate) fn short_contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Digits in `s`.
pub(crate) fn digit_count(s: &[u8]) -> usize {
    s.iter().filter(|b| b.is_ascii_digit()).count()
}

/// A UUID in its 8-4-4-4-12 hex form.
pub(crate) fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A part of a person's name as a field of its own (HL7 components,
/// `user.cfg` fields): letters of any script, at least two, with blanks,
/// hyphens, apostrophes and dots between them; a lone initial is not one.
pub(crate) fn name_field(v: &[u8]) -> bool {
    std::str::from_utf8(v).is_ok_and(|text| {
        text.chars().next().is_some_and(char::is_alphabetic)
            && text.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && text
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.' | '’'))
    })
}

/// How often `v` changes between a letter and a digit (`a1b2` three times,
/// `jsmith2024` once).
pub(crate) fn letter_digit_changes(v: &[u8]) -> usize {
    v.windows(2)
        .filter(|w| {
            w[0].is_ascii_digit() != w[1].is_ascii_digit()
                && w.iter().all(u8::is_ascii_alphanumeric)
        })
        .count()
}

/// Whether `v` starts with an ISO date, `YYYY-MM-DD` (`2024-05-15T04:00`).
pub(crate) fn starts_with_iso_date(v: &[u8]) -> bool {
    v.len() >= 10
        && v[..4].iter().all(u8::is_ascii_digit)
        && v[4] == b'-'
        && v[5..7].iter().all(u8::is_ascii_digit)
        && v[7] == b'-'
        && v[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_cards() {
        let cases: &[(&str, bool)] = &[
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("5500005555555559", true),
            ("378282246310005", true),
            ("6011111111111117", true),
            ("3530111333300000", true),
            ("1700000000000", false), // epoch milliseconds
            ("0000000000000000", false),
        ];
        for (digits, want) in cases {
            assert_eq!(card_ok(digits.as_bytes()), *want, "{digits}");
        }
    }

    #[test]
    fn ibans() {
        let cases: &[(&str, bool)] = &[
            ("DE89370400440532013000", true),
            ("GB82WEST12345698765432", true),
            ("FR1420041010050500013M02606", true),
            ("NL91ABNA0417164300", true),
            ("DE89370400440532013001", false),
            ("DE8937040044053201300", false),
        ];
        for (iban, want) in cases {
            assert_eq!(iban_ok(iban.as_bytes()), *want, "{iban}");
        }
    }

    #[test]
    fn ssns() {
        assert!(ssn_ok(b"123456789"));
        assert!(!ssn_ok(b"000456789"));
        assert!(!ssn_ok(b"666456789"));
        assert!(!ssn_ok(b"923456789"));
        assert!(!ssn_ok(b"123006789"));
        assert!(!ssn_ok(b"123450000"));
    }

    #[test]
    fn secret_shapes() {
        assert!(aws_secret_shape_ok(
            b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ));
        assert!(!aws_secret_shape_ok(
            b"da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ));
        assert!(!aws_secret_shape_ok(
            b"I8f3a2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5"
        ));
    }
}
