//! Tables: CSV and TSV exports, and command output in space-aligned
//! columns, whose header says what a column holds.
//!
//! A row of a CRM or HR export (`E01040,Priya Raman,praman,...`) has no cue
//! on its own line; the header line above it (`employee_id,display_name,
//! login,...`) is the cue. A header opens a table, each following line with
//! the same delimiter and number of fields is a row whose person columns
//! are redacted, and any other line closes the table. In aligned output
//! (`smbstatus`, SAP lists) a row's values start where their column's
//! name does ([`Layout::Aligned`]).
//!
//! A one-line SQL insert with a column list (`INSERT INTO t (first_name,
//! …) VALUES ('…', …), (…)`) is a table of its own: the column list is the
//! header, each tuple a row ([`sql_insert`]).

use super::checks;
use super::finding::Finding;
use super::secrets;
use super::token::Kind;
use super::users;

/// The columns of an open table, from its header line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    layout: Layout,
    columns: Vec<Option<Column>>,
}

/// How a table's lines split into fields.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Layout {
    /// At this byte, outside double quotes (CSV, TSV, `|` exports).
    Delimited(u8),
    /// Command output in columns aligned with spaces (`smbstatus`,
    /// `squeue`, `lpq`, SAP lists): each column starts at this offset of
    /// the header, and so do its values.
    Aligned(Vec<usize>),
}

/// What a column holds, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Username,
    Ssn,
    Phone,
    /// A device or host name: personal when it holds the row's user or name.
    Host,
    /// A password, PIN, one-time-password seed or key (password-manager
    /// exports: `login_password`, `Password`, `totp`).
    Secret,
    /// A national identity, tax, passport or bank account number (HR and
    /// payroll exports: `tax_id`, `passport_no`, `direct_deposit_account`):
    /// a secret when it holds five digits or more.
    IdNumber,
    /// A network card's address (`macAddress`, `scanner_mac`): the
    /// detectors find one with separators, the column one without.
    Mac,
}

/// Words of a column name that make a `name` column something else than a
/// person's (`company_name`, `host_name`, `file_name`).
const NOT_PERSON: &[&str] = &[
    "company",
    "org",
    "organization",
    "organisation",
    "product",
    "host",
    "file",
    "app",
    "application",
    "service",
    "device",
    "project",
    "group",
    "team",
    "db",
    "database",
    "table",
    "queue",
    "job",
    "task",
    "metric",
    "event",
    "item",
    "sku",
    "brand",
    "city",
    "country",
    "street",
    "domain",
    "site",
    "bucket",
    "cluster",
    "node",
    "pod",
    "container",
    "image",
    "repo",
    "branch",
    "tag",
    "label",
    "key",
    "field",
    "column",
    "server",
    "vendor",
    "plan",
    "tier",
    "region",
    "zone",
    "topic",
    "channel",
    "dept",
    "department",
    "role",
    "title",
    "path",
    "type",
    "kind",
    "class",
    "schema",
    "index",
    "source",
    "user",
    "login",
    "account",
    "bank",
    "display",
    "attribute",
    "parameter",
    "property",
    "setting",
    "variable",
    "module",
    "package",
    "process",
    "program",
    "command",
    "interface",
    "volume",
    "disk",
    "printer",
    "model",
];

/// Column names (normalized: lower case, words joined by `_`) of people.
const PERSON_COLUMNS: &[&str] = &[
    "contact",
    "contact_person",
    "billing_contact",
    "manager",
    "owner",
    "account_owner",
    "assignee",
    "reporter",
    "requester",
    "approver",
    "employee",
    "cardholder",
    "card_holder",
    "account_holder",
    "holder",
    "recipient",
    "sender",
    "spouse",
    "emergency_contact",
    "person",
    "surname",
    "display_name",
    "displayname",
    "fullname",
    "firstname",
    "lastname",
    "givenname",
];

const USER_COLUMNS: &[&str] = &[
    "username",
    "user_name",
    "user",
    "login",
    "login_name",
    "loginname",
    "user_login",
    "uid",
    "account_name",
    "samaccountname",
    "sam_account_name",
    "upn",
    "user_principal_name",
    "handle",
    "userid",
    "user_id",
];

const PHONE_WORDS: &[&str] = &[
    "phone",
    "mobile",
    "cell",
    "tel",
    "telephone",
    "fax",
    "handy",
];

const HOST_COLUMNS: &[&str] = &[
    "hostname",
    "host",
    "device",
    "assigned_device",
    "computer",
    "computer_name",
    "workstation",
    "workstation_name",
    "machine_name",
    "laptop",
    "machine",
];

impl Table {
    /// The table that `line` opens, if it is a header: three or more
    /// fields, all of them column names, one or more naming a person's
    /// column.
    pub(crate) fn from_header(line: &[u8]) -> Option<Table> {
        // Cheapest test first: a header has no `:`, `=`, `@` or brackets.
        if line.len() > 2048
            || line
                .iter()
                .any(|b| matches!(b, b':' | b'=' | b'@' | b'[' | b'{' | b'<'))
        {
            return None;
        }
        let delimiter = [b',', b';', b'\t', b'|']
            .into_iter()
            .max_by_key(|d| memchr::memchr_iter(*d, line).count())?;
        let fields = split_fields(line, delimiter);
        if fields.len() < 3 {
            return aligned_header(line);
        }
        let mut columns = Vec::with_capacity(fields.len());
        // A markdown table's outer pipes: `| id | login |`.
        let last = fields.len() - 1;
        let markdown = delimiter == b'|' && fields[0].0 == fields[0].1;
        for (i, (s, e)) in fields.into_iter().enumerate() {
            let name = &line[s..e];
            // In documentation a bare `Name` column names a thing (`| Value
            // | Name | Constant |`), as in command output.
            if markdown
                && (((i == 0 || i == last) && name.is_empty())
                    || name.eq_ignore_ascii_case(b"name"))
            {
                columns.push(None);
                continue;
            }
            // Splunk's `_time`, `_raw` start with '_'.
            let starts_alpha = name
                .iter()
                .find(|b| **b != b'_')
                .is_some_and(u8::is_ascii_alphabetic);
            let name_like = name.iter().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b' ' | b'_' | b'-' | b'.' | b'#' | b'(' | b')')
            });
            if !starts_alpha || !name_like || name.len() > 40 {
                return None;
            }
            columns.push(classify(name));
        }
        columns.iter().any(Option::is_some).then_some(Table {
            layout: Layout::Delimited(delimiter),
            columns,
        })
    }

    /// Appends the findings of `line` if it is a row of this table; returns
    /// whether it was one.
    pub(crate) fn row(&self, line: &[u8], out: &mut Vec<Finding>) -> bool {
        if is_rule(line) {
            return true;
        }
        match &self.layout {
            Layout::Delimited(delimiter) => {
                let fields = split_fields(line, *delimiter);
                if fields.len() != self.columns.len() {
                    return false;
                }
                redact_row(line, &fields, &self.columns, out);
                true
            }
            Layout::Aligned(starts) => aligned_row(line, starts, &self.columns, out),
        }
    }
}

/// A line that underlines a header or separates rows: dashes or equals
/// signs, with the blanks, `+` and `|` of the columns between them
/// (`-----  ----`, `+------+------+`, `|---|:---|`). It keeps a table open.
fn is_rule(line: &[u8]) -> bool {
    line.iter().filter(|b| matches!(b, b'-' | b'=')).count() >= 3
        && line
            .iter()
            .all(|b| matches!(b, b'-' | b'=' | b'+' | b'|' | b':' | b' ' | b'\t' | b'\r'))
}

/// The table a header of space-aligned columns opens: three or more
/// column names, none starting lower-case, two or more spaces between
/// them in two places or more (prose has single spaces, and lower-case
/// words), a user or person column among them. A column name of
/// two words is one column when the pair names one (`User Name`, `Created
/// By`). Only user and person columns are kept: the detectors find the
/// rest on the rows' own text.
fn aligned_header(line: &[u8]) -> Option<Table> {
    // Most lines that get here are prose: no wide gap, no word list.
    finder!(b"  ").find(line)?;
    let words = space_words(line);
    if words.len() < 3
        || words.windows(2).filter(|w| w[1].0 - w[0].1 >= 2).count() < 2
        || words.iter().any(|&(s, _)| line[s].is_ascii_lowercase())
    {
        return None;
    }
    let name_like = |w: &[u8]| {
        w.len() <= 40
            && w[0].is_ascii_alphanumeric()
            && w.iter().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'_' | b'-' | b'.' | b'(' | b')' | b'%' | b'#')
            })
    };
    if !words
        .iter()
        .all(|&(s, e)| name_like(&line[s..e]) || line[s] == b'%')
    {
        return None;
    }
    // A bare `NAME` column of command output names a pod, a job or a
    // container (`kubectl get`, `squeue`), not a person.
    let person = |name: &[u8]| {
        classify(name).filter(|c| {
            *c == Column::Username || (*c == Column::Name && !name.eq_ignore_ascii_case(b"name"))
        })
    };
    let (mut starts, mut columns) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < words.len() {
        let (s, e) = words[i];
        // A second word that is a person column itself is a column of its
        // own (`Cl. User`).
        let pair = words
            .get(i + 1)
            .filter(|next| next.0 == e + 1 && person(&line[next.0..next.1]).is_none())
            .and_then(|next| person(&line[s..next.1]));
        starts.push(s);
        match pair {
            Some(column) => {
                columns.push(Some(column));
                i += 2;
            }
            None => {
                columns.push(person(&line[s..e]));
                i += 1;
            }
        }
    }
    columns.iter().any(Option::is_some).then_some(Table {
        layout: Layout::Aligned(starts),
        columns,
    })
}

/// A row of a space-aligned table: two or more and at least a third of
/// the header's columns start a word of the line at the same offset
/// (values with spaces, `domain users`, shift the columns after them). A user column's value is
/// the word there; a person column's runs to the next column (`Kagiso
/// Mbeki`), and a single login-shaped word there is a user (`lpq`'s
/// `Owner`).
fn aligned_row(
    line: &[u8],
    starts: &[usize],
    columns: &[Option<Column>],
    out: &mut Vec<Finding>,
) -> bool {
    let word_at = |c: usize| c < line.len() && line[c] != b' ' && (c == 0 || line[c - 1] == b' ');
    let aligned = starts.iter().filter(|c| word_at(**c)).count();
    if aligned < 2 || aligned * 3 < starts.len() {
        return false;
    }
    for (i, (&c, column)) in starts.iter().zip(columns).enumerate() {
        let Some(column) = column else { continue };
        if !word_at(c) {
            continue;
        }
        let word_end = c + line[c..].iter().take_while(|b| **b != b' ').count();
        match column {
            Column::Username => {
                if !is_blank(&line[c..word_end]) && login_value(line, c, word_end) {
                    out.push(Finding::new(c, word_end, Kind::Username));
                }
            }
            _ => {
                let next = starts.get(i + 1).copied().unwrap_or(line.len());
                // A long value shifted the next column (`lin.yuhan 1191`):
                // the word alone, if it is a login.
                let shifted = next > line.len() || (next < line.len() && !word_at(next));
                let (s, e) = if shifted {
                    (c, word_end)
                } else {
                    trim(line, c, next)
                };
                let value = &line[s..e];
                if is_blank(value) {
                    continue;
                }
                if person_like(value) {
                    if !shifted {
                        out.push(Finding::new(s, e, Kind::Name));
                    }
                } else if e == word_end && login_value(line, s, e) {
                    out.push(Finding::new(s, e, Kind::Username));
                }
            }
        }
    }
    true
}

/// Whether the value `line[s..e]` of a user column is a login: one word
/// of name characters that [`users::plausible_user`] accepts.
fn login_value(line: &[u8], s: usize, e: usize) -> bool {
    users::plausible_user(line, s, e)
        && line[s..e]
            .iter()
            .all(|b| checks::is_word(*b) || matches!(b, b'.' | b'-' | b'$'))
}

/// One to four capitalised words of letters (`Kagiso Mbeki`, `O'Neil`,
/// `Zoë`), not an identifier (`Reallocated_Sector_Ct`).
fn person_like(value: &[u8]) -> bool {
    let words = value.split(|b| *b == b' ').filter(|w| !w.is_empty());
    let mut n = 0;
    for w in words {
        n += 1;
        let capital = w[0].is_ascii_uppercase() || w[0] >= 0xC0;
        let letters = w
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b >= 0x80 || matches!(b, b'\'' | b'-' | b'.'));
        if !capital || !letters || n > 4 {
            return false;
        }
    }
    n > 0
}

/// The words of `line` between spaces, as spans.
fn space_words(line: &[u8]) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        match (b == b' ', start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, line.len()));
    }
    words
}

/// Appends the findings of one row: `fields` are the value spans of
/// `columns` (an empty span for a value that is no literal).
fn redact_row(
    line: &[u8],
    fields: &[(usize, usize)],
    columns: &[Option<Column>],
    out: &mut Vec<Finding>,
) {
    // The row's people, for the host column: lower-case words of three
    // or more letters from its name and user columns.
    let mut people: Vec<String> = Vec::new();
    for (&(s, e), column) in fields.iter().zip(columns) {
        let value = &line[s..e];
        if is_blank(value) {
            continue;
        }
        let kind = match column {
            // People's names hold a capitalised word (`de la Cruz` too);
            // `timeout` under a generic `name,value,type` header does not.
            Some(Column::Name) if has_capitalised_word(value) => Some(Kind::Name),
            Some(Column::Username) if login_value(line, s, e) => Some(Kind::Username),
            Some(Column::Ssn) => {
                let digits: Vec<u8> = value.iter().copied().filter(u8::is_ascii_digit).collect();
                (digits.len() == 9 && checks::ssn_ok(&digits)).then_some(Kind::Ssn)
            }
            Some(Column::Phone) => (7..=15)
                .contains(&checks::digit_count(value))
                .then_some(Kind::Phone),
            Some(Column::Secret) => Some(Kind::Secret),
            Some(Column::IdNumber) => (checks::digit_count(value) >= 5).then_some(Kind::Secret),
            Some(Column::Mac) => {
                (value.len() == 12 && value.iter().all(u8::is_ascii_hexdigit)).then_some(Kind::Mac)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            if matches!(kind, Kind::Name | Kind::Username) {
                people.extend(
                    String::from_utf8_lossy(value)
                        .to_lowercase()
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.chars().count() >= 3)
                        .map(str::to_owned),
                );
            }
            out.push(Finding::new(s, e, kind));
        }
    }
    for (&(s, e), column) in fields.iter().zip(columns) {
        if *column != Some(Column::Host) || is_blank(&line[s..e]) {
            continue;
        }
        let host = String::from_utf8_lossy(&line[s..e]).to_lowercase();
        if people.iter().any(|p| host.contains(p.as_str())) {
            out.push(Finding::new(s, e, Kind::Hostname));
        }
    }
}

/// SQL inserts with a column list, one line each (general query logs,
/// dumps): `INSERT INTO contacts (first_name, last_name, phone) VALUES
/// ('Henrik', 'Delacroix', '+33 1 …'), (…)`. The column names are the
/// header, each parenthesised tuple a row.
pub(crate) fn sql_insert(line: &[u8], out: &mut Vec<Finding>) {
    // `values` first: its `v` is rarer on a line than the `i` and `r` the
    // verbs' scans stop at, and most lines have none.
    if find_keyword(line, b"values", 0).is_none() {
        return;
    }
    let Some(insert) =
        find_keyword(line, b"insert", 0).or_else(|| find_keyword(line, b"replace", 0))
    else {
        return;
    };
    // VALUES after the statement's verb: prose may have the words either
    // way round (`all the values. … will replace most uses`).
    let Some(values) = find_keyword(line, b"values", insert) else {
        return;
    };
    // The column list: the last parenthesis before VALUES.
    let head = &line[insert..values];
    let (Some(open), Some(close)) = (memchr::memchr(b'(', head), memchr::memrchr(b')', head))
    else {
        return;
    };
    if find_keyword(head, b"into", 0).is_none_or(|into| into > open) || close < open {
        return;
    }
    let columns: Vec<Option<Column>> = head[open + 1..close]
        .split(|b| *b == b',')
        .map(|c| {
            let name: Vec<u8> = c
                .iter()
                .copied()
                .filter(|b| !matches!(b, b' ' | b'\t' | b'`' | b'"' | b'[' | b']'))
                .collect();
            classify(&name)
        })
        .collect();
    if columns.iter().all(Option::is_none) {
        return;
    }
    let mut at = values + b"values".len();
    while let Some(tuple) = sql_tuple(line, &mut at) {
        if tuple.len() == columns.len() {
            redact_row(line, &tuple, &columns, out);
        }
    }
}

/// The next `( … )` tuple from `*at` on (after blanks and a comma): the
/// spans of its values, a quoted string's without the quotes, a number's
/// as it is, anything else (`NULL`, `NOW()`) empty.
fn sql_tuple(line: &[u8], at: &mut usize) -> Option<Vec<(usize, usize)>> {
    let mut i = *at;
    while i < line.len() && matches!(line[i], b' ' | b'\t' | b',') {
        i += 1;
    }
    if line.get(i) != Some(&b'(') {
        return None;
    }
    i += 1;
    let mut spans = Vec::new();
    loop {
        while i < line.len() && matches!(line[i], b' ' | b'\t') {
            i += 1;
        }
        let &first = line.get(i)?;
        if first == b'\'' || first == b'"' {
            let s = i + 1;
            let mut j = s;
            loop {
                match line.get(j)? {
                    b'\\' => j += 2,
                    b if *b == first && line.get(j + 1) == Some(&first) => j += 2,
                    b if *b == first => break,
                    _ => j += 1,
                }
            }
            spans.push((s, j));
            i = j + 1;
        } else {
            // A number, NULL, or a call: up to the ',' or ')' at depth 0.
            let s = i;
            let mut depth = 0usize;
            while let Some(&b) = line.get(i) {
                match b {
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
            let (s, e) = trim(line, s, i);
            let number = line[s..e]
                .iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
            spans.push(if number { (s, e) } else { (s, s) });
        }
        while i < line.len() && matches!(line[i], b' ' | b'\t') {
            i += 1;
        }
        match line.get(i)? {
            b',' => i += 1,
            b')' => {
                *at = i + 1;
                return Some(spans);
            }
            _ => return None,
        }
    }
}

/// Where `word` (lowercase ASCII) starts in `line` from `from` on, in any
/// case, as a whole word.
fn find_keyword(line: &[u8], word: &[u8], from: usize) -> Option<usize> {
    let lead = word[0];
    let mut i = from;
    while let Some(p) = memchr::memchr2(lead, lead.to_ascii_uppercase(), line.get(i..)?) {
        let at = i + p;
        let end = at + word.len();
        if line
            .get(at..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
            && (at == 0 || !checks::is_word(line[at - 1]))
            && line.get(end).is_none_or(|b| !checks::is_word(*b))
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn has_capitalised_word(value: &[u8]) -> bool {
    value
        .iter()
        .enumerate()
        .any(|(i, b)| (b.is_ascii_uppercase() || *b >= 0xC0) && (i == 0 || value[i - 1] == b' '))
}

/// Empty, a placeholder, or already a token.
fn is_blank(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || matches!(
            lower.as_slice(),
            b"-" | b"n/a" | b"na" | b"null" | b"none" | b"nil"
        )
        || (value.first() == Some(&b'[') && value.last() == Some(&b']'))
}

/// The column a header field names, if it holds personal data the
/// detectors would not find on their own line.
fn classify(name: &[u8]) -> Option<Column> {
    // camelCase and PascalCase names split into words: `TargetUserName`.
    let mut lower = String::with_capacity(name.len() + 4);
    for (i, &b) in name.iter().enumerate() {
        if i > 0 && b.is_ascii_uppercase() && name[i - 1].is_ascii_lowercase() {
            lower.push('_');
        }
        lower.push(char::from(b.to_ascii_lowercase()));
    }
    // A numbered column is its word's (`phone1`, `email_2`).
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .collect();
    let norm = words.join("_");
    if words.contains(&"ssn") || words.windows(2).any(|w| w == ["social", "security"]) {
        return Some(Column::Ssn);
    }
    // `target_user_name`, `remote_user`, `db_login`: a user column too.
    let user_suffix = || {
        ["_user_name", "_username", "_user", "_login"]
            .iter()
            .any(|s| norm.ends_with(s))
    };
    if USER_COLUMNS.contains(&norm.as_str()) || user_suffix() {
        return Some(Column::Username);
    }
    let host_suffix = || {
        ["_computer", "_workstation", "_machine", "_hostname"]
            .iter()
            .any(|s| norm.ends_with(s))
    };
    if HOST_COLUMNS.contains(&norm.as_str()) || host_suffix() {
        return Some(Column::Host);
    }
    if words.iter().any(|w| PHONE_WORDS.contains(w)) {
        return Some(Column::Phone);
    }
    if words.contains(&"mac") {
        return Some(Column::Mac);
    }
    if id_number_column(&words) {
        return Some(Column::IdNumber);
    }
    let one_time = words.iter().any(|w| {
        matches!(
            *w,
            "totp" | "otp" | "otpauth" | "pin" | "passcode" | "cvv" | "cvc"
        )
    });
    if one_time || secrets::secret_key(norm.as_bytes()) {
        return Some(Column::Secret);
    }
    let named = words.contains(&"name") && !words.iter().any(|w| NOT_PERSON.contains(w));
    (named || PERSON_COLUMNS.contains(&norm.as_str())).then_some(Column::Name)
}

/// Whether a column's words (lower case) name a national identity, tax,
/// passport, driving licence or bank account number: `tax_id`,
/// `national_insurance_number`, `passport_no`, `personnummer`,
/// `direct_deposit_account`, `bank_account_number` (not `tax_rate`,
/// `account_type`, `account_id`, `routing_number`).
pub(crate) fn id_number_column(words: &[&str]) -> bool {
    const ALONE: &[&str] = &[
        "passport",
        "passportnumber",
        "taxid",
        "tin",
        "personnummer",
        "bsn",
        "nif",
        "dni",
        "cpf",
        "pesel",
        "aadhaar",
        "nino",
        "steuernummer",
        "steueridentifikationsnummer",
        "sozialversicherungsnummer",
    ];
    const NUMBER: &[&str] = &["id", "number", "no", "nr", "num", "identification"];
    let has = |w: &str| words.contains(&w);
    let numbered = words.iter().any(|w| NUMBER.contains(w));
    words.iter().any(|w| ALONE.contains(w))
        || (has("tax") && numbered)
        || (has("national") && (numbered || has("insurance") || has("identity")))
        || ((has("driver") || has("drivers") || has("driving"))
            && (has("license") || has("licence")))
        || (words.last() == Some(&"account")
            && words
                .iter()
                .any(|w| matches!(*w, "bank" | "deposit" | "checking" | "savings")))
        || (has("account")
            && words
                .last()
                .is_some_and(|w| matches!(*w, "number" | "no" | "nr" | "num"))
            && !has("user"))
}

/// The fields of `line` split at `delimiter` outside double quotes, as
/// content spans (without the quotes and surrounding blanks).
fn split_fields(line: &[u8], delimiter: u8) -> Vec<(usize, usize)> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            fields.push(trim(line, start, i));
            start = i + 1;
        }
    }
    fields.push(trim(line, start, line.len()));
    fields
}

fn trim(line: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && matches!(line[s], b' ' | b'\t' | b'\r') {
        s += 1;
    }
    while e > s && matches!(line[e - 1], b' ' | b'\t' | b'\r') {
        e -= 1;
    }
    if e - s >= 2 && line[s] == b'"' && line[e - 1] == b'"' {
        s += 1;
        e -= 1;
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values and kinds of `findings` on `line`.
    fn found(line: &str, findings: &[Finding]) -> Vec<(String, Kind)> {
        findings
            .iter()
            .map(|f| {
                (
                    line[f.start..f.end].to_owned(),
                    f.kind().expect("built-in kind"),
                )
            })
            .collect()
    }

    fn kinds(header: &str, row: &str) -> Vec<(String, Kind)> {
        let table = Table::from_header(header.as_bytes()).expect("a header");
        let mut out = Vec::new();
        assert!(table.row(row.as_bytes(), &mut out), "not a row: {row}");
        found(row, &out)
    }

    /// camelCase column names and a Splunk export's `_time`.
    #[test]
    fn event_export_columns() {
        let got = kinds(
            "\"_time\",\"host\",\"EventCode\",\"TargetUserName\",\"TargetDomainName\",\"WorkstationName\"",
            "\"2024-05-14T09:30:01\",\"DC01\",\"4624\",\"t.yamada\",\"CORP\",\"YAMADA-T-LT\"",
        );
        assert_eq!(
            got,
            vec![
                ("t.yamada".to_owned(), Kind::Username),
                ("YAMADA-T-LT".to_owned(), Kind::Hostname),
            ]
        );
    }

    #[test]
    fn person_columns_of_a_row() {
        let got = kinds(
            "employee_id,display_name,login,work_email,mobile,tax_id_ssn,department,assigned_device",
            "E01040,Priya Raman,praman,praman@example.com,+44 7700 900412,456953981,Support,PRAMAN-LT",
        );
        assert_eq!(
            got,
            vec![
                ("Priya Raman".to_owned(), Kind::Name),
                ("praman".to_owned(), Kind::Username),
                ("+44 7700 900412".to_owned(), Kind::Phone),
                ("456953981".to_owned(), Kind::Ssn),
                ("PRAMAN-LT".to_owned(), Kind::Hostname),
            ]
        );
    }

    #[test]
    fn quoted_fields_and_other_delimiters() {
        let got = kinds(
            "\"first_name\";\"last_name\";\"company_name\";\"amount\"",
            "\"Jean-Luc\";\"Dubois\";\"Transalp SA\";\"12,480.00\"",
        );
        assert_eq!(
            got,
            vec![
                ("Jean-Luc".to_owned(), Kind::Name),
                ("Dubois".to_owned(), Kind::Name),
            ]
        );
    }

    fn insert_kinds(line: &str) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        sql_insert(line.as_bytes(), &mut out);
        found(line, &out)
    }

    #[test]
    fn sql_inserts_by_column() {
        let name = |v: &str| (v.to_owned(), Kind::Name);
        assert_eq!(
            insert_kinds(
                "Query\tINSERT INTO contacts (first_name, last_name, phone, created) \
                 VALUES ('Ingrid', 'O''Hara', '+47 912 34 567', NOW())"
            ),
            vec![
                name("Ingrid"),
                name("O''Hara"),
                ("+47 912 34 567".to_owned(), Kind::Phone)
            ]
        );
        // Several rows, backquoted columns, numbers and NULL, any case.
        assert_eq!(
            insert_kinds(
                "insert ignore into `people` (`id`, `full_name`, `login`, `note`) values \
                 (1, 'Tomás Ruiz', 'truiz', NULL), (2, \"Anna Berg\", 'aberg', 'a, (b)')"
            ),
            vec![
                name("Tomás Ruiz"),
                ("truiz".to_owned(), Kind::Username),
                name("Anna Berg"),
                ("aberg".to_owned(), Kind::Username),
            ]
        );
        for line in [
            // No person column, no column list, no VALUES, a tuple of
            // another length, a broken literal.
            "INSERT INTO orders (id, amount) VALUES (1, 'Tomás Ruiz')",
            "INSERT INTO contacts VALUES ('Ingrid', 'Hara')",
            "INSERT INTO contacts (first_name) SELECT name FROM staff",
            "INSERT INTO contacts (first_name, last_name) VALUES ('Ingrid')",
            "INSERT INTO contacts (first_name, last_name) VALUES ('Ingrid, 'Hara",
            "the values (first_name, last_name) were inserted",
            // VALUES before the verb (this panicked once).
            "returns a tuple of all the values. It will (hopefully) replace most uses",
            "values (first_name) then INSERT INTO t (a) x",
        ] {
            assert_eq!(insert_kinds(line), vec![], "{line}");
        }
    }

    #[test]
    fn what_is_not_a_header_or_not_a_row() {
        for line in [
            "Mar 11 10:00:00 host app: a, b, c",
            "a,b",
            "id,amount,currency",
            "2024-01-01,42,17",
            "name=x, user=y, z=1",
        ] {
            assert!(Table::from_header(line.as_bytes()).is_none(), "{line}");
        }
        let table = Table::from_header(b"id,name,email").expect("a header");
        let mut out = Vec::new();
        assert!(!table.row(b"just a line of text", &mut out));
        assert!(!table.row(b"1,2", &mut out));
        assert!(table.row(b"timeout,30,int", &mut out));
        assert!(out.is_empty());
        // Host columns without the row's person stay; tokens are not redone.
        let got = kinds("login,hostname,name", "jdoe,web-01,[NAME:0123abcd]");
        assert_eq!(got, vec![("jdoe".to_owned(), Kind::Username)]);
    }

    /// Command output in space-aligned columns: the value under a user
    /// column's header word is a user; a person column holds a name, or a
    /// login (`lpq`'s `Owner`).
    #[test]
    fn space_aligned_command_output() {
        let sap = "Date       Time     Cl. User          Terminal          TCode  Program";
        let got = kinds(
            sap,
            "25.04.2024 07:58:02 100 KBOATENG      LT-KBOATENG      SMEN   SAPLSMTR",
        );
        assert_eq!(got, vec![("KBOATENG".to_owned(), Kind::Username)]);
        // SAP's own user stays.
        assert!(kinds(
            sap,
            "25.04.2024 08:30:00 000 DDIC          sapbatch01        SM37   RSBTCRTE"
        )
        .is_empty());
        let smb = "PID     Username     Group        Machine                                   Protocol Version  Encryption";
        let got = kinds(smb, "4412    mrossi       domain users 192.168.10.23 (ipv4:192.168.10.24:49822)  SMB3_11  -");
        assert_eq!(got, vec![("mrossi".to_owned(), Kind::Username)]);
        let lpq = "Rank    Owner   Job     File(s)                         Total Size";
        let got = kinds(
            lpq,
            "active  kmbeki  1190    CV.pdf                          288768 bytes",
        );
        assert_eq!(got, vec![("kmbeki".to_owned(), Kind::Username)]);
        // A login longer than its column shifts the next one.
        let got = kinds(
            lpq,
            "1st     lin.yuhan 1191  Visa application.pdf   1204224 bytes",
        );
        assert_eq!(got, vec![("lin.yuhan".to_owned(), Kind::Username)]);
        let got = kinds(
            "ID    Full Name       Shell      Home",
            "1044  Kagiso Mbeki    /bin/bash  /srv/k",
        );
        assert_eq!(got, vec![("Kagiso Mbeki".to_owned(), Kind::Name)]);
        // smartctl's attribute table: an attribute's name, not a person's.
        assert!(Table::from_header(
            b"ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED"
        )
        .is_none());
        // A person column holds people's names, not identifiers.
        let got = kinds(
            "ID    Display Name    Shell",
            "7     Build Bot 2     /bin/sh",
        );
        assert!(got.is_empty(), "{got:?}");
    }

    /// A rule under the header or between rows keeps the table open
    /// (`smbstatus`, PowerShell's `Format-Table`, markdown).
    #[test]
    fn rules_keep_a_table_open() {
        for (header, rule, row, user) in [
            (
                "PID     Username     Group        Machine",
                "-------------------------------------------",
                "18840   jkowal       domain users 192.0.2.55",
                "jkowal",
            ),
            (
                "Name           SamAccountName  Enabled",
                "----           --------------  -------",
                "Build Agent    mvisser         True",
                "mvisser",
            ),
            (
                "| id | login | note |",
                "|---|:---:|---|",
                "| 7 | okafor | x |",
                "okafor",
            ),
        ] {
            let table = Table::from_header(header.as_bytes()).expect(header);
            let mut out = Vec::new();
            assert!(table.row(rule.as_bytes(), &mut out), "{rule}");
            assert!(out.is_empty());
            assert!(table.row(row.as_bytes(), &mut out), "{row}");
            let found: Vec<&[u8]> = out
                .iter()
                .map(|f| &row.as_bytes()[f.start..f.end])
                .collect();
            assert!(found.contains(&user.as_bytes()), "{row}: {out:?}");
        }
        // A markdown table's bare `Name` column names a thing.
        assert!(Table::from_header(b"| Value  | Name                | Constant |").is_none());
        // Not rules: prose with a dash, a lone `--`.
        let table = Table::from_header(b"id,login,note").expect("a header");
        for line in ["-- ", "a - b - c", "--> joined"] {
            assert!(!table.row(line.as_bytes(), &mut Vec::new()), "{line}");
        }
    }

    /// Not an aligned header: prose, a bare `NAME` column (pods, jobs),
    /// single spaces only. Not a row: a line whose words do not line up.
    #[test]
    fn what_is_not_an_aligned_table() {
        for line in [
            "User logged in from the console today",
            "NAME                      READY   STATUS    RESTARTS   AGE",
            "USER LOGIN FAILED AGAIN",
            "The user  was locked  out",
            "Login  failed for  user",
        ] {
            assert!(Table::from_header(line.as_bytes()).is_none(), "{line}");
        }
        let table = Table::from_header(
            b"USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND",
        )
        .expect("a header");
        let mut out = Vec::new();
        assert!(table.row(
            b"root           1  0.0  0.1 167744 11788 ?        Ss   Nov21   0:04 /sbin/init",
            &mut out
        ));
        assert!(out.is_empty(), "root is a system account");
        assert!(!table.row(b"  and then something else entirely", &mut out));
        assert!(!table.row(b"", &mut out));
    }
}
