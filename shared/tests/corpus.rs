//! Scores the engine on the labeled corpus in `tests/corpus/` (markup in
//! `tests/corpus/README.md`): per-kind recall (a labeled value is no longer
//! on its line) and keep-rate (a must-survive value still is). Prints a
//! table and asserts floors.

mod common;

use std::collections::BTreeMap;

use common::{marked_files, parse_line, raw_lines, Marked, CORPORA};
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey, Tables};

/// Whether `value` is on `line` as a whole token (not inside a longer
/// word: a redacted user `pi` is not "still there" in `api-prod-3`).
fn contains_word(line: &str, value: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(value).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + value.len()..].chars().next();
        let edge_ok = |c: Option<char>, inner: Option<char>| match (c, inner) {
            (Some(c), Some(v)) => !(word(c) && word(v)),
            _ => true,
        };
        edge_ok(before, value.chars().next()) && edge_ok(after, value.chars().next_back())
    })
}

#[derive(Default)]
struct Score {
    found: u64,
    total: u64,
}

impl Score {
    fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.found as f64 / self.total as f64
        }
    }
}

/// Per-kind recall and the keep-rate of one directory of `.marked` files.
struct Scores {
    recall: BTreeMap<String, Score>,
    keep: Score,
}

/// Redacts every file of corpus `name` (default config, fixed key) and
/// scores it, printing each miss and lost value and a table per kind.
fn score(name: &str) -> Scores {
    let redactor = Redactor::new(ScopeKey::from_bytes([42; 32]), &RedactConfig::default())
        .expect("default redactor");
    let mut recall: BTreeMap<String, Score> = BTreeMap::new();
    let mut keep = Score::default();
    let mut misses = Vec::new();
    let mut report = Report::default();
    for path in &marked_files(name) {
        let text = std::fs::read_to_string(path).expect("corpus file");
        let marked: Vec<Marked> = text.lines().map(parse_line).collect();
        let raw: Vec<&str> = marked.iter().map(|m| m.raw.as_str()).collect();
        let out = redactor.redact_text(&raw.join("\n"), &mut report);
        let out_lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(
            out_lines.len(),
            raw.len(),
            "line count changed in {}",
            path.display()
        );
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default();
        for (i, (m, o)) in marked.iter().zip(&out_lines).enumerate() {
            for (kind, value) in &m.labels {
                let s = recall.entry(kind.clone()).or_default();
                s.total += 1;
                if contains_word(o, value) {
                    misses.push(format!("MISS {file}:{} {kind} {value:?}\n    {o}", i + 1));
                } else {
                    s.found += 1;
                }
            }
            for value in &m.keeps {
                keep.total += 1;
                if o.contains(value.as_str()) {
                    keep.found += 1;
                } else {
                    misses.push(format!("LOST {file}:{} {value:?}\n    {o}", i + 1));
                }
            }
        }
    }
    for m in &misses {
        println!("{m}");
    }
    println!("corpus tests/{name}/");
    println!(
        "{:<14} {:>7} {:>7} {:>8}",
        "kind", "found", "total", "recall"
    );
    let mut all = Score::default();
    for (kind, s) in &recall {
        println!("{kind:<14} {:>7} {:>7} {:>8.4}", s.found, s.total, s.rate());
        all.found += s.found;
        all.total += s.total;
    }
    println!(
        "{:<14} {:>7} {:>7} {:>8.4}",
        "ALL",
        all.found,
        all.total,
        all.rate()
    );
    println!(
        "{:<14} {:>7} {:>7} {:>8.4}",
        "keep-rate",
        keep.found,
        keep.total,
        keep.rate()
    );
    println!("report: {:?}", report.counts);
    assert!(all.total >= 500, "corpus too small: {} labels", all.total);
    Scores { recall, keep }
}

/// Fails when a kind's recall or the keep-rate is under its floor.
fn assert_floors(scores: &Scores, floor: impl Fn(&str) -> f64, keep_floor: f64) {
    for (kind, s) in &scores.recall {
        let floor = floor(kind);
        assert!(
            s.rate() >= floor,
            "recall for {kind} is {:.4} < {floor}",
            s.rate()
        );
    }
    assert!(
        scores.keep.rate() >= keep_floor,
        "keep-rate {:.4} < {keep_floor}",
        scores.keep.rate()
    );
}

/// The corpus written alongside the detectors: the targets.
#[test]
fn corpus_recall_and_keep_rate() {
    let scores = score("corpus");
    let floor = |kind: &str| match kind {
        "username" | "name" | "hostname" => 0.95,
        _ => 0.99,
    };
    assert_floors(&scores, floor, 0.99);
}

/// A second corpus, written from the list of kinds without looking
/// at the detectors or the first corpus (`tests/holdout/`): how the engine
/// does on phrasings it was not written for. Its floors record what it
/// reached and only ever go up.
#[test]
fn holdout_recall_and_keep_rate() {
    let scores = score("holdout");
    // First measured at 0.81 overall (names 0.73, user names 0.50,
    // secrets 0.58, keep-rate 0.984); these are the levels reached since.
    let floor = |kind: &str| match kind {
        // The same person on later lines: 0.973 -> 0.978; account tools'
        // name options: 0.980; names written surname first and initials
        // with a surname (`Sato Haruto`, `W. Kowalczyk`): 0.9812; a first
        // name written beyond ASCII anywhere in text (`Jürgen`): 0.9835;
        // an ASCII one that is no English word (`Ingrid`): 0.9871; a
        // lower-case first name as a chat's speaker (`13:33 olga:`): 0.9894.
        "name" => 0.989,
        "username" => 0.99,
        // Surnames beside a device word: 0.987 -> 1.00.
        "hostname" => 0.99,
        // Passwords pasted with no cue: 0.976 -> 0.988; escaped JSON
        // quotes around them (`\"Sommer2024!\"`): 1.00.
        "secret" => 0.99,
        _ => 0.99,
    };
    // Keep-rate 0.994 -> 0.9968 once a role word's capitalised common word
    // (`Node Manager Health`) was no longer taken for a surname; 0.9978
    // once accounts software creates under its own name (`admin`,
    // `replicator`) stayed; 0.9983 with UUIDs no longer logins.
    assert_floors(&scores, floor, 0.998);
}

/// A third corpus (`tests/unseen/`), written the same way as the second
/// once the detectors had been tuned on that one: its first measurement
/// estimates recall on phrasings nobody tuned for. Floors as above.
#[test]
fn unseen_recall_and_keep_rate() {
    let scores = score("unseen");
    // First measured at 0.81 overall (names 0.79, user names 0.61, secrets
    // 0.53, host names 0.77, tokens 0.84, keep-rate 0.985). A found
    // person's other logins and names: user names 0.914 -> 0.923, names
    // 0.886 -> 0.902. A lone first name in more sentence positions: names
    // 0.902 -> 0.912. The login before a found password: user names 0.923
    // -> 0.926. Cardholder names in capitals: names 0.913 -> 0.916.
    // Passwords pasted with no cue: secrets 0.861 -> 0.873, user names
    // 0.926 -> 0.928 (the login before them). The same person on later
    // lines: user names 0.928 -> 0.934, names 0.916 -> 0.920. Laptop
    // words in other languages: host names 0.872 -> 0.897. Compact logins
    // (an initial and a listed surname): user names 0.934 -> 0.942, host
    // names 0.897 -> 0.910. Their particles (`jvandijk`), `t.kowalczyk`:
    // user names 0.942 -> 0.946. Someone from a team (`Raj from
    // billing`): names 0.921 -> 0.924. `word.surname` logins, a compact
    // login after a copula: user names 0.946 -> 0.9496. Accounts software
    // creates under its own name stay (`admin`, `replicator`: two fewer
    // found), chat speakers are remembered, and the nick a WeeChat
    // message addresses and an IRC join's ident are found: 0.9550. Names
    // written surname first and initials with a surname: names 0.924 ->
    // 0.929; nicknames and diminutives (`krzysiek`, `matze`, among ~120
    // added names): 0.936. Words and digits right after a password word (`pass
    // kuma-ntfy-55`), a password said twice, the password after a found
    // login (`offsite-emily / Kyoto-Maple-0514`): secrets 0.873 -> 0.919;
    // PINs and one-time codes (`Alarm PIN 0519`): 0.9306; Mailchimp keys,
    // a password after an address and a colon (`sasl_passwd`), and before
    // punctuation beyond ASCII (`Vigil@Keystone#1…`): 0.9480. A first name
    // written beyond ASCII anywhere in text (`Håkon`, `Théo`): names 0.9402;
    // an ASCII one that is no English word (`Akosua`, `Kofi`): 0.9497.
    // A lower-case first name as a chat's speaker: user names 0.9568. A
    // listed surname alone in prose (`The vendor Kessler (…) will call`,
    // `Sørensen's new number`): names 0.9538. Rejected credentials
    // (`credentials invalid for U`): user names 0.9586. Nagios' `check_http
    // -a U:P`, a Kubernetes exec's `command=--password&command=P`: secrets
    // 0.9595. Person fields as an XML element's attribute (`<Data
    // Name="DisplayName">`) and an environment variable (`GIT_AUTHOR_NAME=`),
    // a name object's parts, sign-offs in more languages, a chat's
    // operator: names 0.9620 (708/736). A given name the list lacks
    // before a listed surname (`Gen Nakamura`): 0.9647.
    let floor = |kind: &str| match kind {
        "name" => 0.964,
        "username" => 0.958,
        "secret" => 0.959,
        // `tab` and `x1` as device words (`NL-PIETER-X1`): 0.910 -> 0.923;
        // `nesrin` listed (`nesrin-nas`): 0.936.
        "hostname" => 0.935,
        // Webhook ids, keys in prose, Redis values: 0.920 -> 0.940; the
        // query values of one-time links (`/reset?t=…`): 0.960; random
        // token ids (Keycloak's `token_id="…"`): 0.980.
        "token" => 0.98,
        // A comma after a phone cue (`El móvil, 611 55 50 22`): 0.9929.
        "phone" => 0.992,
        _ => 0.99,
    };
    // Keep-rate 0.9857 -> 0.9920 once hyphenated components were no longer
    // names (`Provider Name="Microsoft-Windows-Security-Auditing"`); 0.9924
    // with a capitalised common word after `User:` a title; 0.9947 with
    // UUIDs no longer logins and Windows SIDs kept.
    assert_floors(&scores, floor, 0.995);
}

/// A fourth corpus (`tests/blind/`), written the same way once the
/// detectors had been tuned on the third. Floors as above.
#[test]
fn blind_recall_and_keep_rate() {
    let scores = score("blind");
    // First measured at 0.86 overall (names 0.90, user names 0.71, secrets
    // 0.81, host names 0.86, tokens 0.87, MACs 0.85, keep-rate 0.978).
    // Passwords pasted with no cue: secrets 0.917 -> 0.968. Hex keys,
    // `sig=`, `DSID=`: tokens 0.953 -> 0.972. The same person on later
    // lines: user names 0.918 -> 0.923. MACs in DHCP client ids: 0.853 ->
    // 0.912; laptop models as device words: host names 0.991 -> 1.00.
    // vCard parameters, names as account tools' options: 0.961 -> 0.9695.
    // Compact logins (an initial and a listed surname): user names 0.923
    // -> 0.974. Their particles (`jvandijk`), `t.kowalczyk`: 0.979;
    // `word.surname`: 0.981.
    // Someone from a team (`Julia from marketing`): names 0.9695 -> 0.9715.
    // Names written surname first (`Sato Haruto`) and initials with a
    // surname (`W. Kowalczyk`): 0.9776. A URL's user without a password
    // and `name=U password=S`: user names 0.9806 -> 0.9822; nicknames as
    // first names: 0.9838. A first name written beyond ASCII anywhere in
    // text (`Élodie`, `Jürgen`): names 0.9817; an ASCII one that is no
    // English word (`Adebayo`): 0.9837. A token's subject (`sub=kwame`):
    // user names 0.9855. `$apr1$` hashes, digits for letters before a
    // closing `!` (`gr4f4n4-Adm1n!`): secrets 0.968 -> 0.9808. A RADIUS
    // client block's ` key …` line, a passport number: 0.9873; a short
    // passcode in prose (`(passcode k7#Pq9)`): 0.9936. Polkit's `U is not
    // authorized to perform`: user names 0.9871.
    let floor = |kind: &str| match kind {
        "name" => 0.983,
        "username" => 0.987,
        "secret" => 0.993,
        "hostname" => 0.99,
        // Webhook ids, keys in prose, Redis values: 0.972 -> 0.991.
        "token" => 0.99,
        // The Windows DHCP server's audit log (no separators): 0.912 -> 1.00.
        "mac" => 0.99,
        // Percent-encoded numbers (`From=%2B14155550143`): 0.963 -> 0.985;
        // a SIP URI's number (`sip:0612345678@…`): 0.9926.
        "phone" => 0.992,
        "aws_secret" => 0.96,
        _ => 0.99,
    };
    // Keep-rate 0.9894 -> 0.9911 once generated message ids in angle
    // brackets were no longer addresses (`<CAF9x2mB0@example.com>`);
    // 0.9933 with AWS unique ids, acronyms joined to a word (`SLA-Engine`)
    // and a remote shell's host (`ssh mkaya@bastion-02…`) kept; 0.9955
    // with RADIUS accounting ids and IIS counters (no phone) kept.
    assert_floors(&scores, floor, 0.995);
}

/// A fifth corpus (`tests/cold/`), written the same way in formats none
/// of the others covers. Floors as above.
#[test]
fn cold_recall_and_keep_rate() {
    let scores = score("cold");
    // First measured at 0.80 overall (names 0.76, user names 0.64, secrets
    // 0.56 with national id numbers counted as secrets, tokens 0.73, host
    // names 0.82, keep-rate 0.967). Then user names found again elsewhere
    // on their line: 0.66, keep-rate 0.9655 (two service accounts of
    // database URLs now redacted as the database's name too). Then
    // password columns of tables (password-manager exports): secrets
    // 0.56 -> 0.71, keep-rate 0.9649 (an `otpauth://…&issuer=GitHub`
    // seed redacted whole, so the site's name left the line). Then random
    // tokens whatever names them, more key names and tool lines: secrets
    // 0.71 -> 0.84, tokens 0.73 -> 0.86, keep-rate unchanged. Then code
    // review activity, `owner U` and `/homes/U/`: user names 0.69 -> 0.73.
    // Then virtual desktops and sandboxes as device words: host names
    // 0.82 -> 0.89. Then space-aligned command output (SAP lists,
    // `smbstatus`, `lpq`) as tables: user names 0.73 -> 0.75. Then family
    // words as name cues (`my husband Taras`): names 0.86 -> 0.87. Then
    // profile URLs and DAV collections: user names 0.75 -> 0.76. Then a
    // mailbox as the login, and staff by login (`agent=U`): 0.76 -> 0.77.
    // Then `first.last` logins wherever they stand and rules under a
    // table's header: 0.77 -> 0.81; X12 name segments and `Surname\,
    // Given` in DNs: names 0.867 -> 0.875. Then a found person's other
    // logins and names on the line: user names 0.81 -> 0.84, names 0.875
    // -> 0.89. Family names in home Wi-Fi network names: names 0.894 ->
    // 0.902. Lists of people (`Reviewers: a, b`): user names 0.844 ->
    // 0.848. Nagios contacts and `Login name:`: 0.848 -> 0.857. Passwords
    // pasted with no cue: secrets 0.843 -> 0.901. Hex keys, `sig=`,
    // `DSID=`: tokens 0.864 -> 0.898. The same person on later lines:
    // user names 0.857 -> 0.875, names 0.906 -> 0.910. MACs in DHCP
    // client ids and DUIDs: 0.956 -> 1.00. Compact logins (an initial
    // and a listed surname): user names 0.875 -> 0.932, host names 0.892
    // -> 0.923. Surnames beside a device word: host names 0.923 -> 0.969.
    // Their particles (`jvandijk`), `t.kowalczyk`: user names 0.932 ->
    // 0.939; `word.surname`, after a copula: 0.943; women's forms of
    // Polish and Czech surnames (`mnowicka`): 0.947. `Benutzerin`,
    // `Kennwort für`: 0.9516. Accounts software creates under its own
    // name (`admin`, `gitea`, `odoo`) stay: keep-rate 0.9655 -> 0.9751.
    // A URL's user without a password, `kontot`, `name=U password=S`:
    // user names 0.9582. Nicknames and diminutives as first names: names
    // 0.9176, user names 0.9604. Name cells after a salutation cell
    // (`;Herr;Kwabena;Asamoah;`): names 0.9255.
    // Names written surname first and initials with a surname: names
    // 0.910 -> 0.9157. A first name written beyond ASCII anywhere in text
    // (`Jürgen`, `Paweł`, `João`): names 0.9255 -> 0.9333; an ASCII one
    // that is no English word (`Malte`, `Martina`): 0.9392; before a
    // Turkish honorific (`Çağla Hanım`): 0.9412. An initial and any
    // surname after a cue (`Agent: T. Begay`, `Dr. K. Naidoo`): 0.9451;
    // a listed surname alone in prose (`Zhang – amex …`): 0.9471; 36
    // more first names (`Dilnoza`, `Mbali`, `Åsa`): 0.9569; a given name
    // the list lacks before a listed surname (`Mats Lundgren`): 0.9588.
    let floor = |kind: &str| match kind {
        "name" => 0.958,
        // Rejected credentials (`not accepted for U`), connecting as an
        // account (`connect … as U`): 0.9604 -> 0.9648. `credentials U`:
        // 0.9670.
        "username" => 0.967,
        // Webhook ids, keys in prose, Redis values: secrets 0.901 ->
        // 0.907, tokens 0.898 -> 0.915. PINs and one-time codes (`kód je
        // 448812`): secrets 0.9186. Tax, passport and bank account
        // numbers after their names (`NIF é …`, `"passportNumber"`), an
        // Amex's `CID`: 0.9419. Irish PPS numbers as a key's value
        // (`'pps': '1234567TA'`), a dashed sent code: 0.9477.
        "secret" => 0.947,
        "hostname" => 0.965,
        "token" => 0.915,
        "ssn" => 0.9,
        "mac" => 0.99,
        // Percent-encoded numbers (`phone=%2B353+87+555+2210`): 0.9615.
        // A number that fills a CSV cell before digits, numbered columns
        // (`phone1`): 0.9904.
        "phone" => 0.990,
        _ => 0.99,
    };
    // Keep-rate 0.9751 -> 0.9789 once generated message ids in angle
    // brackets and iCalendar UIDs were no longer addresses; 0.9815 once
    // `telegram_chat_id`, constants (`PAY_BY_PHONE`), `2024-12-31::` and
    // `User: Own Documents Only` were no longer phones, hosts, addresses
    // and logins; 0.9859 with loopback addresses, iCalendar UIDs, Windows
    // SIDs, product tokens and GitHub apps kept; 0.9872 with Proxmox ACL
    // roles no `.pgpass` passwords; 0.9885 with a date glued to a host
    // name (borg's `nadia-desktop-2024-05-15T04:00:01`) and a product
    // token's version (`DAVx5/4.4.0.1-ose`) kept.
    assert_floors(&scores, floor, 0.988);
}

/// A sixth corpus (`tests/fresh/`), written the same way in formats none
/// of the others covers. Floors as above.
#[test]
fn fresh_recall_and_keep_rate() {
    let scores = score("fresh");
    // First measured, with the detectors of the fifth corpus's rounds, at
    // 0.908 overall (names 0.891, user names 0.968, secrets 0.573 with
    // tax, passport and driving-licence numbers and prose passwords
    // counted as secrets, tokens 0.846, MACs 0.857, host names 0.973,
    // e-mail 0.989, phones 0.982, the other structured kinds 1.00),
    // keep-rate 0.955.
    // Netmasks, dates under a phone cue, flow logs' account ids and
    // epochs, IMEIs, Twilio and Slack ids, task paths and domain labels
    // (`brenner.jamfcloud.example`) kept: keep-rate 0.9817. Codes sent by
    // SMS or mail in several languages (`kódja: 771204`, `din engangskode
    // er 918273`): secrets 0.692; as a key's value (`"code":"804117"`)
    // and tax ids written in groups (`Steuer-ID (57 382 019 446`): 0.718;
    // recovery and activation codes in groups (`7KQ2-M9XD`): 0.761;
    // driving licences and `Passnummer`: 0.786. Travel systems' `SURNAME/GIVEN` (`1.
    // MUELLER/ANNA MRS`, boarding passes, APIS elements): names 0.933; MACs
    // without separators under a key that names one (`"wiFiMacAddress":`):
    // 1.00. Login outcomes (`Login success: U`): user names 0.972;
    // welcome and unsubscribe links' values: tokens 0.897. A surname
    // first with a comma in a list (`0711 Papadopoulos, Georgios`): names
    // 0.9498. Oracle connect strings (`jdbc:oracle:thin:U/P@…`) and
    // `netsh wlan`'s `Key Content`: secrets 0.803; a CSRF key alone
    // (`CSRF_NONCE=<hex>`): tokens 0.923. Tax, passport and bank account
    // columns of HR and payroll exports (`tax_id`,
    // `direct_deposit_account`), and keys named so
    // (`"national_identification_number":`): secrets 0.880. A session's
    // hex id after the word, a lower-case domain before a user, national
    // ids with whose they are between (`NIF do <name> é`), dashed sent
    // codes: user names 0.977, secrets 0.897, tokens 0.949. A PIN in dashed
    // groups (`PIN is 4471-09`): secrets 0.9060. A flow log's counters
    // side by side (`49822 6 12 902114`) no phone: keep-rate 0.985.
    let floor = |kind: &str| match kind {
        "name" => 0.949,
        "username" => 0.977,
        "secret" => 0.905,
        "token" => 0.948,
        "hostname" => 0.972,
        "email" => 0.989,
        "phone" => 0.982,
        _ => 0.99,
    };
    assert_floors(&scores, floor, 0.985);
}

/// A seventh corpus (`tests/novel/`), written the same way in formats none
/// of the others covers. Floors as above.
#[test]
fn novel_recall_and_keep_rate() {
    let scores = score("novel");
    // First measured, with the detectors of the sixth corpus's rounds, at
    // 0.894 overall (names 0.840, user names 0.896, secrets 0.528 with
    // account, health-insurance and other id numbers, door codes and
    // TOTP seeds counted as secrets, tokens 0.756, MACs 0.883, SSNs 0.889,
    // phones 0.968, host names 0.968, the other structured kinds 1.00),
    // keep-rate 0.9913. National ids under more names and as keys, PINs
    // under a key's last word, config directives (`BindPassword x`),
    // one-time codes straight after their qualifier, MAC columns, DICOM
    // and FHIR names, names in capitals, `principal U`, vendor tokens by
    // prefix: 0.935 overall (names 0.908, user names 0.904, secrets 0.732,
    // tokens 0.781, MACs 1.00). Password words in more languages
    // (`parola`, `heslo`): secrets 0.739. More surnames, `user_id`, bank
    // account numbers after `acct`/`acc`, a PIN in parentheses: user
    // names 0.936, secrets 0.781.
    let floor = |kind: &str| match kind {
        "name" => 0.908,
        "username" => 0.936,
        "secret" => 0.781,
        "token" => 0.780,
        "ssn" => 0.888,
        "phone" => 0.968,
        "hostname" => 0.967,
        _ => 0.99,
    };
    assert_floors(&scores, floor, 0.991);
}

/// An eighth corpus (`tests/reworded/`), written the same way in the
/// issue's own formats (auth.log, web servers, JSON application logs,
/// traces, journald, mail, config dumps, shell history, crash reports)
/// with other phrasings. Floors as above.
#[test]
fn reworded_recall_and_keep_rate() {
    let scores = score("reworded");
    // First measured, with the detectors of the seventh corpus's rounds,
    // at 0.971 overall (names 0.961, user names 0.961, secrets 0.884,
    // host names 0.953, IPv6 0.931 (`[IPv6:…]` address literals), MACs
    // 0.950, the other structured kinds 1.00), keep-rate 0.9875. Rules
    // for the misses (coredump, sshd, su, getent and OpenVPN logins,
    // passwd GECOS names, SSSD's `authtok`, PHP's PDO arguments,
    // chpasswd input, recovery codes, address literals, message ids):
    // 0.989, keep-rate 0.9929.
    let floor = |kind: &str| match kind {
        "name" => 0.967,
        "username" => 0.988,
        "secret" => 0.973,
        "hostname" => 0.953,
        _ => 0.99,
    };
    assert_floors(&scores, floor, 0.992);
}

/// Redacting runs of lines detector by detector (`redact_bytes`,
/// `redact_lines_of`) gives what redacting line by line gives, on every
/// corpus file, also with the files' lines in other orders (so that runs
/// start and end at other lines).
#[test]
fn runs_of_lines_match_line_by_line() {
    let redactor = Redactor::with_tables(
        ScopeKey::from_bytes([42; 32]),
        &RedactConfig::default(),
        Tables::Fast,
    )
    .unwrap();
    for path in CORPORA.iter().flat_map(|c| marked_files(c)) {
        let raw = raw_lines(&path);
        for shift in [0, 1, 37] {
            let mut lines: Vec<&str> = raw.iter().map(String::as_str).collect();
            let n = lines.len().max(1);
            lines.rotate_left(shift % n);
            let text = lines.join("\n");
            let mut by_line = redactor.line_redactor();
            let mut expected = Vec::new();
            let mut a = Report::default();
            for (i, line) in text.as_bytes().split(|b| *b == b'\n').enumerate() {
                if i > 0 {
                    expected.push(b'\n');
                }
                expected.extend_from_slice(&by_line.redact_line_bytes(line, &mut a));
            }
            let mut b = Report::default();
            let got = redactor.redact_bytes(text.as_bytes(), &mut b);
            assert!(got == expected, "{} (shift {shift})", path.display());
            assert_eq!(a, b);
        }
    }
}

/// Both builds of the cue tables give the same output.
#[test]
fn compact_and_fast_tables_agree() {
    let key = ScopeKey::from_bytes([42; 32]);
    let config = RedactConfig::default();
    let compact = Redactor::with_tables(key.clone(), &config, Tables::Compact).unwrap();
    let fast = Redactor::with_tables(key, &config, Tables::Fast).unwrap();
    for path in CORPORA.iter().flat_map(|c| marked_files(c)) {
        let raw = raw_lines(&path).join("\n");
        let (mut a, mut b) = (Report::default(), Report::default());
        assert_eq!(
            compact.redact_text(&raw, &mut a),
            fast.redact_text(&raw, &mut b),
            "{}",
            path.display()
        );
        assert_eq!(a, b);
    }
}

#[test]
fn markup_parser() {
    let m = parse_line("a «email:x@y.com» b ‹v1.2› c");
    assert_eq!(m.raw, "a x@y.com b v1.2 c");
    assert_eq!(m.labels, vec![("email".to_owned(), "x@y.com".to_owned())]);
    assert_eq!(m.keeps, vec!["v1.2".to_owned()]);
}
