//! Other forms of a person already found on the line.
//!
//! A finding that names a person (an e-mail's mailbox, a login, a name)
//! gives the parts of that person's name. The same line's words that are a
//! login made of those parts, or those parts written as a name, are the
//! same person:
//!
//! - `Lars Eriksson (lars.e)`, `pbotha (pieter.botha@…)`,
//!   `C:\Users\skowalski\… s.kowalski`, `svc-jlopez … "Julia López"`;
//! - `nkhumalo … ID-Nomvula-Khumalo.pdf`, `kbondarenko … "Kateryna
//!   Bondarenko"`, `'ahmadi.f', 'comment': 'Farhad Ahmadi'`,
//!   `kwame.asante … Kwame's laptop`.
//!
//! Parts are compared folded to lowercase ASCII (`López` is `lopez`,
//! `Schäfer` is `schafer` or `schaefer`). A name part stands alone only
//! capitalised, three letters or more, and not an everyday word; a login
//! form is four characters or more.

use super::checks;
use super::finding::Finding;
use super::names;
use super::token::Kind;

/// One part of a person's name, folded: a whole word or an initial.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Word(Vec<u8>),
    Initial(u8),
}

impl Part {
    fn parse(folded: Vec<u8>) -> Option<Part> {
        match folded.len() {
            0 => None,
            1 => Some(Part::Initial(folded[0])),
            _ => Some(Part::Word(folded)),
        }
    }

    fn initial(&self) -> u8 {
        match self {
            Part::Word(w) => w[0],
            Part::Initial(c) => *c,
        }
    }

    fn text(&self) -> &[u8] {
        match self {
            Part::Word(w) => w,
            Part::Initial(c) => std::slice::from_ref(c),
        }
    }

    /// Whether the folded word `w` can be this part (an initial takes any
    /// word that starts with it).
    fn fits(&self, w: &[u8]) -> bool {
        match self {
            Part::Word(p) => p == w,
            Part::Initial(c) => w.first() == Some(c),
        }
    }
}

/// A person found on the line.
#[derive(Debug)]
enum Person {
    /// Two parts, in either order (`pieter.botha`, `ahmadi.f`).
    Pair(Part, Part),
    /// A first name alone (`nadia`).
    Given(Vec<u8>),
    /// A login that could not be split (`nkhumalo`).
    Compact(Vec<u8>),
}

impl Person {
    /// Whether the folded word `w` is a login made of this person's name,
    /// four characters or more, the parts taken as first and last name:
    /// `first.last`, `flast`, `f.last`, `first.l`, `lastf`, `last.first`,
    /// with `.`, `_` or nothing between. Not `firstl` or `lfirst`: `santih`
    /// is as often a handle of its own. A compact login counts only written
    /// with a dot or an underscore inside (`s.kowalski` for `skowalski`):
    /// as written, it is [`super::same_word_elsewhere`]'s.
    fn is_login(&self, w: &[u8]) -> bool {
        match self {
            Person::Pair(first, last) => {
                let (f, l) = ([first.initial()], [last.initial()]);
                let (ft, lt) = (first.text(), last.text());
                // (before, after, whether they may touch)
                let forms: [(&[u8], &[u8], bool); 5] = [
                    (ft, lt, true),
                    (&f, lt, true),
                    (lt, ft, true),
                    (lt, &f, true),
                    (ft, &l, false),
                ];
                w.len() >= 4
                    && forms.iter().any(|(x, y, bare)| {
                        w.len() >= x.len() + y.len()
                            && w.starts_with(x)
                            && w.ends_with(y)
                            && match w.len() - x.len() - y.len() {
                                0 => *bare,
                                1 => matches!(w[x.len()], b'.' | b'_'),
                                _ => false,
                            }
                    })
            }
            Person::Compact(c) => {
                let inner_separator =
                    w.len() > 2 && w[1..w.len() - 1].iter().any(|b| matches!(b, b'.' | b'_'));
                inner_separator
                    && w[0].is_ascii_alphanumeric()
                    && w[w.len() - 1].is_ascii_alphanumeric()
                    && w.iter().filter(|b| !matches!(b, b'.' | b'_')).eq(c.iter())
            }
            Person::Given(_) => false,
        }
    }

    /// What [`find`] looks for before it reads a line word by word.
    fn needles(&self) -> impl Iterator<Item = &[u8]> {
        let (a, b): (&[u8], &[u8]) = match self {
            Person::Pair(x, y) => (word_text(x), word_text(y)),
            Person::Given(g) => (g, &[]),
            Person::Compact(c) => (&c[..3], &c[c.len() - 3..]),
        };
        [a, b].into_iter().filter(|n| !n.is_empty())
    }

    /// Whether the folded capitalised word `w` alone is this person's name.
    fn is_name_word(&self, w: &[u8]) -> bool {
        let part = |p: &Part| matches!(p, Part::Word(pw) if pw == w);
        let named = match self {
            Person::Pair(a, b) => part(a) || part(b),
            Person::Given(g) => g == w,
            Person::Compact(_) => false,
        };
        named && w.len() >= 3 && !names::is_common_word(w) && !ambiguous_first_name(w)
    }

    /// Whether two adjacent capitalised words (folded) are this person's
    /// name, in either order.
    fn is_named(&self, x: &[u8], y: &[u8]) -> bool {
        match self {
            Person::Pair(a, b) => (a.fits(x) && b.fits(y)) || (b.fits(x) && a.fits(y)),
            Person::Given(_) => false,
            Person::Compact(c) => {
                // `Core Team` is not `coreteam@`.
                let word = |w: &[u8]| !(names::is_common_word(w) || names::is_org_word(w));
                if !(word(x) && word(y)) {
                    return false;
                }
                let (Some(px), Some(py)) = (Part::parse(x.to_vec()), Part::parse(y.to_vec()))
                else {
                    return false;
                };
                Person::Pair(px, py).is_login(c)
            }
        }
    }
}

/// A part's text if it is a whole word (an initial is no needle).
fn word_text(p: &Part) -> &[u8] {
    match p {
        Part::Word(w) => w,
        Part::Initial(_) => &[],
    }
}

/// Whether `needle` (lowercase ASCII) occurs in `line`, in any case,
/// outside `findings`.
fn mentioned(line: &[u8], needle: &[u8], findings: &[Finding]) -> bool {
    let lead = needle[0];
    memchr::memchr2_iter(lead, lead.to_ascii_uppercase(), line).any(|i| {
        line.get(i..i + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
            && !findings.iter().any(|f| f.start <= i && i < f.end)
    })
}

/// Appends the other forms, on `line`, of the persons `findings` name.
pub(crate) fn find(line: &[u8], findings: &[Finding], out: &mut Vec<Finding>) {
    let mut persons = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let value = &line[f.start..f.end];
        // The same value found twice (`sudo: U : … PWD=/home/U`) gives
        // the same person.
        if findings[..i]
            .iter()
            .any(|g| g.label == f.label && line[g.start..g.end] == *value)
        {
            continue;
        }
        let person = match f.kind() {
            Some(Kind::Email) => {
                memchr::memchr(b'@', value).and_then(|at| login_person(&value[..at]))
            }
            Some(Kind::Username) => login_person(value),
            Some(Kind::Name) => name_person(value),
            _ => None,
        };
        persons.extend(person);
    }
    if persons.is_empty() {
        return;
    }
    // Every login or name of theirs holds one of their name parts (or, for
    // a compact login, its first or last three letters), outside what
    // was found: on ASCII lines, where none does, there is nothing to find.
    if line.is_ascii()
        && !persons
            .iter()
            .any(|p| p.needles().any(|n| mentioned(line, n, findings)))
    {
        return;
    }
    // The letters their logins and names start with: most words are passed
    // over on their first byte.
    let mut leads = [false; 256];
    for p in &persons {
        match p {
            Person::Pair(a, b) => {
                leads[usize::from(a.initial())] = true;
                leads[usize::from(b.initial())] = true;
            }
            Person::Compact(c) => leads[usize::from(c[0])] = true,
            Person::Given(g) => leads[usize::from(g[0])] = true,
        }
    }
    let words = words(line);
    let mut from = 0;
    for (i, &(s, e)) in words.iter().enumerate() {
        let word = &line[s..e];
        let login = leads[usize::from(word[0].to_ascii_lowercase())]
            || word.contains(&b'-')
            || !word[0].is_ascii();
        // A name's first piece, or (`Kateryna Bondarenko` for
        // `kbondarenko`) the next word's, starts with one of them.
        let name = has_capitalised_piece(word, &leads)
            || words.get(i + 1).is_some_and(|&(ns, ne)| {
                ns == e + 1 && has_capitalised_piece(&line[ns..ne], &leads)
            });
        // A word already found, or a mailbox (the address's detector's).
        if !(login || name)
            || s < from
            || line.get(e) == Some(&b'@')
            || findings.iter().any(|f| s < f.end && f.start < e)
        {
            continue;
        }
        if let Some(finding) = login.then(|| login_in(word, s, &persons)).flatten() {
            out.push(finding);
            continue;
        }
        if name {
            from = names_in(line, &words[i..], &persons, out);
        }
    }
}

/// The login `word` holds, whole or as one of its `-` pieces (`svc-jlopez`).
fn login_in(word: &[u8], start: usize, persons: &[Person]) -> Option<Finding> {
    if word.len() < 4 {
        return None;
    }
    let is_login = |w: &[u8]| {
        let mut buf = [0u8; 64];
        if let Some(lower) = w
            .is_ascii()
            .then(|| checks::lower_in(w, &mut buf))
            .flatten()
        {
            persons.iter().any(|p| p.is_login(lower))
        } else {
            folds(w)
                .iter()
                .any(|f| persons.iter().any(|p| p.is_login(f)))
        }
    };
    if is_login(word) {
        return Some(Finding::new(start, start + word.len(), Kind::Username));
    }
    let mut at = 0;
    for piece in word.split(|b| *b == b'-') {
        if piece.len() >= 4 && piece.len() < word.len() && is_login(piece) {
            return Some(Finding::new(
                start + at,
                start + at + piece.len(),
                Kind::Username,
            ));
        }
        at += piece.len() + 1;
    }
    None
}

/// The capitalised pieces of the first of `words` (split at `-`, `_`, `.`)
/// that are a person's name: one piece that is a name part, or two
/// adjacent pieces (also across a single space) that are the whole name.
/// Returns where the last name found ends (0 if none).
fn names_in(
    line: &[u8],
    words: &[(usize, usize)],
    persons: &[Person],
    out: &mut Vec<Finding>,
) -> usize {
    let (s, e) = words[0];
    let mut pieces = pieces(line, s, e);
    // The next word, after exactly one space, continues the name.
    if let Some(&(ns, ne)) = words.get(1) {
        if ns == e + 1 && line[e] == b' ' {
            pieces.extend(pieces_of_next(line, ns, ne));
        }
    }
    let mut i = 0;
    let mut end = 0;
    let own = pieces.iter().filter(|p| p.1 <= e).count();
    while i < own {
        let (ps, pe, ref x) = pieces[i];
        if let Some((ys, ye, y)) = pieces.get(i + 1) {
            let named = |p: &Person| x.iter().any(|x| y.iter().any(|y| p.is_named(x, y)));
            if *ys == pe + 1 && persons.iter().any(named) {
                out.push(Finding::new(ps, *ye, Kind::Name));
                end = *ye;
                i += 2;
                continue;
            }
        }
        if persons.iter().any(|p| x.iter().any(|x| p.is_name_word(x)))
            && !in_other_capitalised_run(line, ps, pe)
        {
            out.push(Finding::new(ps, pe, Kind::Name));
            end = pe;
        }
        i += 1;
    }
    end
}

/// Whether `line[s..e]` stands in a run of capitalised words beside one
/// that is not a first name: a firm or a place (`Nakamura Seiki`, `Vos
/// Medical BV`, `Ho Chi Minh City`), not the person alone.
fn in_other_capitalised_run(line: &[u8], s: usize, e: usize) -> bool {
    let other =
        |w: &[u8]| capitalised(w) && std::str::from_utf8(w).is_ok_and(|w| !names::is_first_name(w));
    let before = s >= 2 && line[s - 1] == b' ' && {
        let b = line[..s - 1]
            .iter()
            .rposition(|b| !(b.is_ascii_alphabetic() || *b >= 0x80))
            .map_or(0, |p| p + 1);
        other(&line[b..s - 1])
    };
    let after = line.get(e) == Some(&b' ') && {
        let a = line[e + 1..]
            .iter()
            .position(|b| !(b.is_ascii_alphabetic() || *b >= 0x80))
            .map_or(line.len(), |p| e + 1 + p);
        other(&line[e + 1..a])
    };
    before || after
}

/// A listed first name that is also an everyday word or a product's name
/// (`hugo`, `jessie`): alone, it is as often the thing.
fn ambiguous_first_name(w: &[u8]) -> bool {
    std::str::from_utf8(w).is_ok_and(names::is_first_name) && !names::is_plain_first_name(w)
}

/// Whether a piece of `word` (split at `-`, `_`, `.`) may start with a
/// capital letter whose lowercase is one of `leads` (any non-ASCII one
/// may): the cheap test before [`names_in`].
fn has_capitalised_piece(word: &[u8], leads: &[bool; 256]) -> bool {
    let capital = |b: &u8| {
        (b.is_ascii_uppercase() && leads[usize::from(b.to_ascii_lowercase())]) || *b >= 0x80
    };
    word.first().is_some_and(capital)
        || word
            .windows(2)
            .any(|w| matches!(w[0], b'-' | b'_' | b'.') && capital(&w[1]))
}

/// A capitalised piece of a word: its span and its spellings folded.
type Piece = (usize, usize, Vec<Vec<u8>>);

/// The capitalised pieces of `line[s..e]`.
fn pieces(line: &[u8], s: usize, e: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = s;
    for piece in line[s..e].split(|b| matches!(b, b'-' | b'_' | b'.')) {
        let start = at;
        at += piece.len() + 1;
        if !capitalised(piece) {
            continue;
        }
        let f = folds(piece);
        if !f.is_empty() {
            out.push((start, start + piece.len(), f));
        }
    }
    out
}

/// The first capitalised piece of the next word, if it starts with one.
fn pieces_of_next(line: &[u8], s: usize, e: usize) -> Option<Piece> {
    let end = line[s..e]
        .iter()
        .position(|b| matches!(b, b'-' | b'_' | b'.'))
        .map_or(e, |p| s + p);
    let piece = &line[s..end];
    if !capitalised(piece) {
        return None;
    }
    let f = folds(piece);
    (!f.is_empty()).then_some((s, end, f))
}

/// A word that starts with a capital letter (ASCII or not) and goes on in
/// lowercase, or is all capitals.
fn capitalised(piece: &[u8]) -> bool {
    if !piece
        .first()
        .is_some_and(|b| b.is_ascii_uppercase() || *b >= 0x80)
    {
        return false;
    }
    let Ok(text) = std::str::from_utf8(piece) else {
        return false;
    };
    let mut chars = text.chars();
    chars.next().is_some_and(char::is_uppercase)
        && text.chars().count() >= 2
        && chars.all(char::is_alphabetic)
}

/// Whether `login` is made of a person's name: two parts, one of them an
/// initial or a listed first name (`okafor.a`, `t.kowalczyk`), a listed
/// first name alone (`nadia`), or an initial and a listed surname in one
/// word (`tsuzuki`, [`names::is_compact_login`]). Not another login that
/// cannot be split (`callback` and `params` look like one).
pub(crate) fn personal_login(login: &[u8]) -> bool {
    match login_person(login) {
        Some(Person::Pair(..) | Person::Given(_)) => true,
        Some(Person::Compact(one)) => names::is_compact_login(&one),
        _ => false,
    }
}

/// A login's person: one or two alphabetic parts (digits and `.`, `_`,
/// `-` separate them), the parts that are everyday or organisation words
/// (`svc`, `admin`) left out; two parts only where one of them is an
/// initial or a first name.
fn login_person(login: &[u8]) -> Option<Person> {
    // Up to two parts kept, without allocating for the many logins that
    // give no person.
    let mut kept: [&[u8]; 2] = [&[], &[]];
    let mut n = 0;
    let mut lower = [0u8; 32];
    for part in login.split(|b| !b.is_ascii_alphabetic()) {
        if part.is_empty() {
            continue;
        }
        if part.len() > lower.len() {
            return None;
        }
        let l = &mut lower[..part.len()];
        l.copy_from_slice(part);
        l.make_ascii_lowercase();
        if part.len() > 1 && (names::is_common_word(l) || names::is_org_word(l)) {
            continue;
        }
        if n == 2 {
            return None;
        }
        kept[n] = part;
        n += 1;
    }
    let mut parts = kept[..n].iter().map(|p| p.to_ascii_lowercase());
    match (parts.next(), parts.next()) {
        (Some(one), None) if one.len() >= 3 && names::is_plain_first_name(&one) => {
            Some(Person::Given(one))
        }
        (Some(one), None) if one.len() >= 5 => Some(Person::Compact(one)),
        // Two parts read as a name when one is an initial or a first name
        // (`crm_app`, `rpena_andina` are not).
        (Some(a), Some(b))
            if a.len() + b.len() > 2
                && [&a, &b]
                    .iter()
                    .any(|p| p.len() == 1 || names::is_plain_first_name(p)) =>
        {
            Some(Person::Pair(Part::parse(a)?, Part::parse(b)?))
        }
        _ => None,
    }
}

/// A name's person: its first and last words (`K.` is an initial).
fn name_person(name: &[u8]) -> Option<Person> {
    let text = std::str::from_utf8(name).ok()?;
    let mut words = text
        .split_whitespace()
        .map(|w| w.trim_end_matches(['.', ',']))
        .filter(|w| !w.is_empty());
    let first = words.next()?;
    let last = words.next_back()?;
    let part = |w: &str| Part::parse(folds(w.as_bytes()).into_iter().next()?);
    match (part(first)?, part(last)?) {
        (Part::Initial(_), Part::Initial(_)) => None,
        (a, b) => Some(Person::Pair(a, b)),
    }
}

/// The words of `line`: runs of letters, digits, `_`, `.` and `-`, without
/// a leading or trailing `.` or `-`, as byte spans.
fn words(line: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut push = |s: usize, e: usize| {
        let w = &line[s..e];
        let lead = w.iter().take_while(|b| matches!(b, b'.' | b'-')).count();
        let trail = w[lead..]
            .iter()
            .rev()
            .take_while(|b| matches!(b, b'.' | b'-'))
            .count();
        if lead + trail < w.len() {
            out.push((s + lead, e - trail));
        }
    };
    let mut i = 0;
    while i < line.len() {
        let (inside, width) = class(line, i);
        i += width;
        if !inside {
            continue;
        }
        let start = i - width;
        while i < line.len() {
            let (inside, width) = class(line, i);
            if !inside {
                break;
            }
            i += width;
        }
        push(start, i);
    }
    out
}

/// ASCII bytes that belong to a word: letters, digits, `_`, `.`, `-`.
const WORD_BYTES: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-';
        b += 1;
    }
    table
};

/// Whether the character at `line[i]` belongs to a word, and its width: a
/// non-ASCII letter or digit does; other characters and invalid bytes end
/// a word.
#[inline]
fn class(line: &[u8], i: usize) -> (bool, usize) {
    let b = line[i];
    if b < 0x80 {
        return (WORD_BYTES[usize::from(b)], 1);
    }
    checks::char_at(line, i).map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
}

/// `word` in lowercase ASCII, its accents taken off; a second spelling
/// where an umlaut is written with an `e` (`schäfer`: `schafer`,
/// `schaefer`). Empty if a letter has no ASCII form.
fn folds(word: &[u8]) -> Vec<Vec<u8>> {
    if word.is_ascii() {
        return vec![word.to_ascii_lowercase()];
    }
    let Ok(text) = std::str::from_utf8(word) else {
        return Vec::new();
    };
    let mut plain = Vec::with_capacity(word.len());
    let mut with_e = Vec::with_capacity(word.len() + 2);
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = names::fold_accent(c);
        if base == 'ß' {
            plain.extend_from_slice(b"ss");
            with_e.extend_from_slice(b"ss");
            continue;
        }
        if !base.is_ascii() {
            return Vec::new();
        }
        plain.push(base as u8);
        with_e.push(base as u8);
        if matches!(c, 'ä' | 'ö' | 'ü') {
            with_e.push(b'e');
        }
    }
    if plain == with_e {
        vec![plain]
    } else {
        vec![plain, with_e]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str, findings: &[(&str, Kind)]) -> Vec<(String, Kind)> {
        let given: Vec<Finding> = findings
            .iter()
            .map(|(v, k)| {
                let s = line.find(v).expect("value on the line");
                Finding::new(s, s + v.len(), *k)
            })
            .collect();
        let mut out = Vec::new();
        find(line.as_bytes(), &given, &mut out);
        out.iter()
            .map(|f| (line[f.start..f.end].to_owned(), f.kind().expect("a kind")))
            .collect()
    }

    fn names(line: &str, findings: &[(&str, Kind)]) -> Vec<String> {
        found(line, findings).into_iter().map(|(v, _)| v).collect()
    }

    #[test]
    fn logins_made_of_a_found_persons_name() {
        assert_eq!(
            names(
                "Acknowledged by Lars Eriksson (lars.e): done",
                &[("Lars Eriksson", Kind::Name)]
            ),
            ["lars.e"]
        );
        assert_eq!(
            names(
                "4ab6cd8: pbotha (pieter.botha@univ.example)",
                &[("pieter.botha@univ.example", Kind::Email)]
            ),
            ["pbotha"]
        );
        assert_eq!(
            names(
                r"C:\Users\skowalski\x.xml <DefaultUser>skowalski-ext</DefaultUser> s.kowalski",
                &[("skowalski", Kind::Username)]
            ),
            ["s.kowalski"]
        );
        assert_eq!(
            names(
                "account add -i svc-jlopez -d \"Julia López backup proxy\"",
                &[("Julia López", Kind::Name)]
            ),
            ["jlopez"]
        );
        assert_eq!(
            names(
                "  - mnowicka: Marta Nowicka",
                &[("Marta Nowicka", Kind::Name)]
            ),
            ["mnowicka"]
        );
    }

    #[test]
    fn names_made_of_a_found_login() {
        assert_eq!(
            names(
                "PUT /share/nkhumalo/scans/ID-Nomvula-Khumalo.pdf",
                &[("nkhumalo", Kind::Username)]
            ),
            ["Nomvula-Khumalo"]
        );
        assert_eq!(
            names(
                "[profile] kbondarenko changed display name to \"Kateryna Bondarenko\"",
                &[("kbondarenko", Kind::Username)]
            ),
            ["Kateryna Bondarenko"]
        );
        assert_eq!(
            names(
                "{'name': 'ahmadi.f', 'comment': 'Farhad Ahmadi'}",
                &[("ahmadi.f", Kind::Username)]
            ),
            ["Farhad Ahmadi"]
        );
        assert_eq!(
            names(
                "kwame.asante  Kwame's laptop, not prod",
                &[("kwame.asante", Kind::Username)]
            ),
            ["Kwame"]
        );
        assert_eq!(
            names(
                "maja.holm/Bilder/pass-Maja-Holm.jpg",
                &[("maja.holm", Kind::Username)]
            ),
            ["Maja-Holm"]
        );
        assert_eq!(
            names(
                "yannick.schaefer@mail.example;Schäfer;Köln",
                &[("yannick.schaefer@mail.example", Kind::Email)]
            ),
            ["Schäfer"]
        );
        assert_eq!(
            names(
                "\"Oğuzhan Kaya\" oguzhan.kaya@mail.example",
                &[("oguzhan.kaya@mail.example", Kind::Email)]
            ),
            ["Oğuzhan Kaya"]
        );
    }

    #[test]
    fn what_is_not_the_person_stays() {
        // Role mailboxes and everyday words give no person.
        assert!(names(
            "support.team@example.com wrote to the Support Team",
            &[("support.team@example.com", Kind::Email)]
        )
        .is_empty());
        // Other people's logins and names, and the mailbox itself.
        assert!(names(
            "pieter.botha@u.example cc tmokoena, Thabo Mokoena",
            &[("pieter.botha@u.example", Kind::Email)]
        )
        .is_empty());
        // A name part stands alone only capitalised, not as a word.
        assert!(names(
            "Grace Kariuki: grace period ends",
            &[("Grace Kariuki", Kind::Name)]
        )
        .is_empty());
        // A firm or a place that holds the surname; a first name that is
        // also a product's; a first name with the surname's initial.
        assert_eq!(
            names(
                "Ms Aiko Nakamura,Nakamura Seiki,a.nakamura@example.jp",
                &[("a.nakamura@example.jp", Kind::Email)]
            ),
            ["Aiko Nakamura"]
        );
        assert!(names(
            "hugo.mtz: Hugo is only for the docs",
            &[("hugo.mtz", Kind::Username)]
        )
        .is_empty());
        assert!(names(
            "Santiago Herrera: repo github.com/santih/demo",
            &[("Santiago Herrera", Kind::Name)]
        )
        .is_empty());
        // A login that is one word counts only with a dot or underscore
        // inside; a pair of everyday words is no person.
        assert!(names(
            "    @{$opts{\"${f}_CFLAGS\"}} = @cflags; committer",
            &[("cflags", Kind::Username)]
        )
        .is_empty());
        assert!(names(
            "by the Netfilter Core Team <coreteam@netfilter.example>",
            &[("coreteam@netfilter.example", Kind::Email)]
        )
        .is_empty());
        // Short forms are too common.
        assert!(names("Li Wu: liw lwu", &[("Li Wu", Kind::Name)]).is_empty());
        // Kinds that name no person.
        assert!(names("10.0.0.1 host 10", &[("10.0.0.1", Kind::Ipv4)]).is_empty());
    }

    #[test]
    fn folds_accents_and_umlauts() {
        assert_eq!(folds("López".as_bytes()), [b"lopez".to_vec()]);
        assert_eq!(
            folds("Schäfer".as_bytes()),
            [b"schafer".to_vec(), b"schaefer".to_vec()]
        );
        assert_eq!(folds("Strauß".as_bytes()), [b"strauss".to_vec()]);
        assert!(folds("渡辺".as_bytes()).is_empty());
    }
}
