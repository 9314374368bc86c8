//! Account names in the lists of configuration files, where no cue word
//! sits next to each name: sshd's `AllowUsers`/`DenyUsers` and `Match
//! User`, Samba's user lists (`valid users = a, b, @staff`), the members of
//! `/etc/group` and `/etc/gshadow` lines, sudoers' `User_Alias`, user
//! specifications (`alice ALL=(ALL) ALL`) and `Defaults:alice`, the users
//! of Proxmox VE's `user.cfg` (login, first and last name) and of its ACLs,
//! the full name in a passwd(5) line of a person's account;
//! and the lists of people of code review and issue trackers (`Reviewers:
//! a, b`), and Nagios contacts (`contact_name  eramirez`).
//!
//! Each line shape is recognised by hand, from its first bytes: most lines
//! are rejected after a byte or two. Groups (`@staff`, `%admin`, `+netgroup`),
//! aliases (`ADMINS`), `ALL` and system accounts are never reported.

use super::checks;
use super::finding::Finding;
use super::token::Kind;
use super::users::plausible_user;

/// Appends the account names listed on `line`.
pub(crate) fn find(line: &[u8], out: &mut Vec<Finding>) {
    review_lists(line, out);
    let indent = indent(line);
    let t = &line[indent..];
    let Some(&first) = t.first() else {
        return;
    };
    if !first.is_ascii_alphabetic() && first != b'_' {
        return;
    }
    let word_end = t
        .iter()
        .position(|b| !checks::is_login_byte(*b))
        .unwrap_or(t.len());
    let word = &t[..word_end];
    if indent == 0 && t.get(word_end) == Some(&b':') {
        passwd_line(line, word_end, out);
    }
    if indent == 0 && word == b"user" && t.get(word_end) == Some(&b':') {
        proxmox_user(line, word_end + 1, out);
        return;
    }
    if indent == 0 && word == b"acl" && t.get(word_end) == Some(&b':') {
        proxmox_acl(line, word_end + 1, out);
        return;
    }
    if indent == 0 && t.get(word_end) == Some(&b':') && word != b"Defaults" {
        group_file_line(line, word_end, out);
        return;
    }
    let rest = indent + word_end;
    if word.eq_ignore_ascii_case(b"allowusers") || word.eq_ignore_ascii_case(b"denyusers") {
        sshd_users(line, rest, out);
    } else if word.eq_ignore_ascii_case(b"match") {
        sshd_match(line, rest, out);
    } else if word == b"User_Alias" {
        if let Some(eq) = line[rest..].iter().position(|b| *b == b'=') {
            list(line, rest + eq + 1, b",", out);
        }
    } else if word == b"Defaults" {
        // `Defaults:alice !requiretty`, `Defaults:alice,bob env_keep+=…`.
        if line.get(rest) == Some(&b':') {
            let end = line[rest..]
                .iter()
                .position(|b| matches!(b, b' ' | b'\t'))
                .map_or(line.len(), |p| rest + p);
            list(&line[..end], rest + 1, b",", out);
        }
    } else if word == b"contact_name" || word == b"contacts" {
        // Nagios and Icinga object definitions: `contact_name  eramirez`,
        // `contacts  eramirez,oncall-ygupta`.
        // Their comments start with `;` as well as `#`.
        if line.get(rest).is_some_and(|b| matches!(b, b' ' | b'\t')) {
            let end = comment_start(line, rest);
            let end = memchr::memchr(b';', &line[rest..end]).map_or(end, |p| rest + p);
            list(&line[..end], rest, b", \t", out);
        }
    } else if let Some(from) = samba_list(line, indent) {
        list(line, from, b", \t", out);
    } else if indent == 0 {
        sudoers_spec(line, word_end, out);
    }
}

/// Keys whose value is a list of people, anywhere on a line (code review
/// and issue trackers): `Reviewers: kjohansson, Jenkins, sipho`.
const PEOPLE_LISTS: &[&[u8]] = &[
    b"reviewers:",
    b"assignees:",
    b"approvers:",
    b"approved-by:",
    b"watchers:",
    b"maintainers:",
];

/// The lower-case logins in a list of people (`Reviewers: kjohansson,
/// Jenkins, @sipho`) up to two blanks, a `;` or the line's end;
/// capitalised entries (`Jenkins`, a person's name or a bot's) are the
/// name detectors' to judge.
fn review_lists(line: &[u8], out: &mut Vec<Finding>) {
    // A colon, then a key's last letter `s` or `y` before it: the cheap
    // test that passes over most lines.
    let keyed = memchr::memchr_iter(b':', line)
        .any(|c| c > 0 && matches!(line[c - 1].to_ascii_lowercase(), b's' | b'y'));
    if !keyed {
        return;
    }
    for key in PEOPLE_LISTS {
        let Some(at) = line
            .windows(key.len())
            .position(|w| w.eq_ignore_ascii_case(key))
            .filter(|&at| at == 0 || !line[at - 1].is_ascii_alphanumeric())
        else {
            continue;
        };
        let from = at + key.len();
        let end = line[from..]
            .windows(2)
            .position(|w| w == b"  " || w[0] == b';' || w[0] == b'\t')
            .map_or(line.len(), |p| from + p);
        let mut at = from;
        for item in line[from..end].split(|b| *b == b',') {
            let (s, e) = (at, at + item.len());
            at = e + 1;
            let lead = item.iter().take_while(|b| matches!(b, b' ' | b'@')).count();
            let trail = item.iter().rev().take_while(|b| **b == b' ').count();
            let (s, e) = (s + lead, e - trail);
            let v = &line[s.min(e)..e];
            let login = v.len() >= 3
                && v[0].is_ascii_lowercase()
                && v.iter().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                });
            if login && plausible_user(line, s, e) {
                out.push(Finding::new(s, e, Kind::Username));
            }
        }
    }
}

/// sshd: `AllowUsers alice bob@10.0.0.0/8 carol`.
fn sshd_users(line: &[u8], from: usize, out: &mut Vec<Finding>) {
    if !line.get(from).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        return;
    }
    let end = comment_start(line, from);
    list(&line[..end], from, b" \t", out);
}

/// sshd: `Match User alice,bob Address 10.0.0.0/8`.
fn sshd_match(line: &[u8], from: usize, out: &mut Vec<Finding>) {
    let end = comment_start(line, from);
    let mut at = from;
    let mut criterion_is_user = false;
    while at < end {
        while at < end && matches!(line[at], b' ' | b'\t') {
            at += 1;
        }
        let s = at;
        while at < end && !matches!(line[at], b' ' | b'\t') {
            at += 1;
        }
        if s == at {
            break;
        }
        if criterion_is_user {
            list(&line[..at], s, b",", out);
            criterion_is_user = false;
        } else {
            criterion_is_user = line[s..at].eq_ignore_ascii_case(b"user");
        }
    }
}

/// Whether `line` is one of Samba's user lists, where `@name` is a group.
pub(crate) fn is_samba_list(line: &[u8]) -> bool {
    samba_list(line, indent(line)).is_some()
}

fn indent(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
}

/// The keys of Samba's share options that list users, then `=`: where the
/// list starts.
fn samba_list(line: &[u8], indent: usize) -> Option<usize> {
    const KEYS: &[&[u8]] = &[
        b"valid users",
        b"invalid users",
        b"admin users",
        b"read list",
        b"write list",
        b"force user",
        b"printer admin",
    ];
    let t = &line[indent..];
    if !matches!(
        t.first().map(u8::to_ascii_lowercase),
        Some(b'v' | b'i' | b'a' | b'r' | b'w' | b'f' | b'p')
    ) {
        return None;
    }
    let key = KEYS
        .iter()
        .find(|k| t.len() > k.len() && t[..k.len()].eq_ignore_ascii_case(k))?;
    let mut at = indent + key.len();
    while line.get(at).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        at += 1;
    }
    (line.get(at) == Some(&b'=')).then_some(at + 1)
}

/// `/etc/group` (`docker:x:999:alice,bob`) and `/etc/gshadow`
/// (`docker:!:alice:alice,bob`): a group name, then exactly three more
/// fields. `name_end` is where the name ends, at the first ':'.
fn group_file_line(line: &[u8], name_end: usize, out: &mut Vec<Finding>) {
    let mut colons = [name_end; 3];
    let mut more = memchr::memchr_iter(b':', &line[name_end + 1..]).map(|i| name_end + 1 + i);
    for c in &mut colons[1..] {
        let Some(i) = more.next() else {
            return;
        };
        *c = i;
    }
    if more.next().is_some() {
        return;
    }
    let password = &line[colons[0] + 1..colons[1]];
    let third = &line[colons[1] + 1..colons[2]];
    let members = colons[2] + 1;
    let locked = matches!(password, b"*" | b"!" | b"!!");
    let gid = !third.is_empty() && third.iter().all(u8::is_ascii_digit);
    let valid_list = |v: &[u8]| {
        v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b',' | b'$'))
    };
    if !valid_list(&line[members..]) {
        return;
    }
    if gid && matches!(password, b"x" | b"*" | b"!") {
        list(line, members, b",", out);
    } else if (locked || password.starts_with(b"$")) && valid_list(third) && !gid {
        // gshadow: a password that is locked or hashed, then the group's
        // administrators and its members.
        list(&line[..colons[2]], colons[1] + 1, b",", out);
        list(line, members, b",", out);
    }
}

/// A passwd(5) line (`getent passwd`, `/etc/passwd`, NSS dumps):
/// `ylee:*:1380400101:1380400101:Yeon-woo Lee:/home/ylee:/bin/bash`, the
/// login ending at `login_end`. The full name that opens the GECOS field
/// (before a comma) of a regular user's account (uid 1000 or more, not
/// `nobody`'s 65534): capitalised words of letters, `-`, `'` and `.`, none
/// an everyday word (`Backup Operator`, `Mail Server` name roles). System
/// accounts below 1000 keep their descriptions (`PostgreSQL
/// administrator`). The login is the user detectors'.
fn passwd_line(line: &[u8], login_end: usize, out: &mut Vec<Finding>) {
    if login_end > 32 {
        return;
    }
    // Password, uid, gid, GECOS, home and the rest.
    let mut fields = line[login_end + 1..].splitn(6, |b| *b == b':');
    let (Some(password), Some(uid_field), Some(gid_field), Some(gecos), Some(home)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return;
    };
    let number = |v: &[u8]| {
        (!v.is_empty() && v.len() <= 10 && v.iter().all(u8::is_ascii_digit))
            .then(|| v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    };
    let (Some(uid), Some(_)) = (number(uid_field), number(gid_field)) else {
        return;
    };
    if password.len() > 127 || uid < 1000 || uid == 65534 || home.first() != Some(&b'/') {
        return;
    }
    // Where the GECOS field starts: after four `:`.
    let s = login_end + password.len() + uid_field.len() + gid_field.len() + 4;
    let name = gecos.split(|b| *b == b',').next().unwrap_or_default();
    let Ok(full) = std::str::from_utf8(name) else {
        return;
    };
    let words: Vec<&str> = full.split(' ').collect();
    let person = (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
                && !super::names::is_common_word(w.to_lowercase().as_bytes())
        });
    if person {
        out.push(Finding::new(s, s + name.len(), Kind::Name));
    }
}

/// Proxmox VE's `user.cfg`: `user:alice@pve:1:0:Alice:Smith:alice@example.com:comment:keys:`
/// (login@realm, enabled, expiry, first name, last name, e-mail, comment).
fn proxmox_user(line: &[u8], from: usize, out: &mut Vec<Finding>) {
    let mut at = from;
    for (i, field) in line[from..].split(|b| *b == b':').enumerate() {
        match i {
            0 => {
                if let Some(realm) = field.iter().position(|b| *b == b'@') {
                    entry(line, at, at + realm, out);
                } else {
                    return;
                }
            }
            3 | 4 if checks::name_field(field) => {
                out.push(Finding::new(at, at + field.len(), Kind::Name));
            }
            _ => {}
        }
        at += field.len() + 1;
    }
}

/// Proxmox VE's `user.cfg` ACL: `acl:1:/vms/212:alice@pve,@ops:PVEVMUser:`
/// (propagate, path, users and groups, roles): the users.
fn proxmox_acl(line: &[u8], from: usize, out: &mut Vec<Finding>) {
    let mut at = from;
    for (i, field) in line[from..].split(|b| *b == b':').enumerate() {
        if i == 2 {
            list(&line[..at + field.len()], at, b",", out);
            return;
        }
        at += field.len() + 1;
    }
}

/// sudoers: `alice ALL=(ALL:ALL) ALL`, `bob web01,web02 = NOPASSWD: /bin/ls`:
/// a user, a host list, `=`, then a run-as list, a tag or a command.
fn sudoers_spec(line: &[u8], user_end: usize, out: &mut Vec<Finding>) {
    let user = &line[..user_end];
    if user.iter().all(|b| !b.is_ascii_lowercase()) {
        // An alias (`ADMINS`), `ALL`.
        return;
    }
    let mut at = user_end;
    let blanks = line[at..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    if blanks == 0 {
        return;
    }
    at += blanks;
    let hosts = line[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b','))
        .count();
    if hosts == 0 {
        return;
    }
    at += hosts;
    while line.get(at).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        at += 1;
    }
    if line.get(at) != Some(&b'=') {
        return;
    }
    at += 1;
    while line.get(at).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        at += 1;
    }
    let after = &line[at..];
    let spec = after.starts_with(b"(")
        || after.starts_with(b"/")
        || after.starts_with(b"ALL")
        || after.starts_with(b"NOPASSWD:")
        || after.starts_with(b"PASSWD:")
        || after.starts_with(b"SETENV:");
    if spec {
        entry(line, 0, user_end, out);
    }
}

/// Where a `#` comment starts after `from` (or the end of the line).
fn comment_start(line: &[u8], from: usize) -> usize {
    line[from..]
        .iter()
        .position(|b| *b == b'#')
        .map_or(line.len(), |p| from + p)
}

/// Reports each entry of the list that starts at `from` and runs to the
/// end of `line`, entries separated by any of `seps`.
fn list(line: &[u8], from: usize, seps: &[u8], out: &mut Vec<Finding>) {
    let mut at = from;
    while at < line.len() {
        while at < line.len() && (seps.contains(&line[at]) || matches!(line[at], b' ' | b'\t')) {
            at += 1;
        }
        let s = at;
        while at < line.len() && !seps.contains(&line[at]) {
            at += 1;
        }
        let mut e = at;
        while e > s && matches!(line[e - 1], b' ' | b'\t') {
            e -= 1;
        }
        if e > s {
            entry(line, s, e, out);
        }
    }
}

/// One list entry: `alice`, `"alice"`, `alice@host`, `CORP\alice`.
fn entry(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) {
    let (mut s, mut e) = (s, e);
    if e - s >= 2 && matches!(line[s], b'"' | b'\'') && line[e - 1] == line[s] {
        s += 1;
        e -= 1;
    }
    // Groups, netgroups, user ids and negations are not account names.
    if s >= e || matches!(line[s], b'@' | b'%' | b'+' | b'&' | b'#' | b'!' | b':') {
        return;
    }
    if let Some(at) = line[s..e].iter().position(|b| *b == b'@') {
        e = s + at;
    }
    if let Some(bs) = line[s..e].iter().rposition(|b| *b == b'\\') {
        s += bs + 1;
    }
    let v = &line[s..e];
    let shape = !v.is_empty()
        && v[0].is_ascii_alphabetic()
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$'));
    // `ALL` and aliases are upper case; logins rarely are.
    let alias = v.iter().all(|b| !b.is_ascii_lowercase());
    if shape && !alias && plausible_user(line, s, e) {
        out.push(Finding::new(s, e, Kind::Username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(line.as_bytes(), &mut out);
        out.iter().map(|f| &line[f.start..f.end]).collect()
    }

    #[test]
    fn sshd_lists() {
        assert_eq!(
            found("AllowUsers alice bob@10.0.0.0/8 root kofi.mensah # admins"),
            ["alice", "bob", "kofi.mensah"]
        );
        assert_eq!(found("  DenyUsers mallory"), ["mallory"]);
        assert_eq!(
            found("Match User anna,jdoe Address 192.0.2.0/24"),
            ["anna", "jdoe"]
        );
        assert!(found("Match Group sftponly").is_empty());
        assert!(found("AllowGroups staff").is_empty());
    }

    #[test]
    fn nagios_contacts() {
        assert_eq!(found("    contact_name            eramirez"), ["eramirez"]);
        assert_eq!(
            found("\tcontacts  eramirez,oncall-ygupta ; paged"),
            ["eramirez", "oncall-ygupta"]
        );
        assert!(found("    contact_groups          admins").is_empty());
        assert!(found("    contact_name    nagiosadmin").is_empty());
        assert!(found("contact_name=").is_empty());
    }

    #[test]
    fn lists_of_people() {
        assert_eq!(
            found("Owner: rfernandes   Reviewers: kjohansson, Jenkins, sipho"),
            ["kjohansson", "sipho"]
        );
        assert_eq!(
            found("Assignees: @mtan, @o.ayodele; Labels: bug"),
            ["mtan", "o.ayodele"]
        );
        // Other keys, system accounts, capitalised entries.
        assert!(found("Reviewed-on: https://review.example/c/42").is_empty());
        assert!(found("Reviewers: root, Release Team").is_empty());
    }

    #[test]
    fn samba_lists() {
        assert_eq!(
            found("   valid users = alice, bob, @staff, +netgrp, CORP\\kwame"),
            ["alice", "bob", "kwame"]
        );
        assert_eq!(found("\twrite list = \"jsmith\" @admins"), ["jsmith"]);
        assert_eq!(found("force user = nobody"), Vec::<&str>::new());
        assert!(found("valid users").is_empty());
    }

    #[test]
    fn group_files() {
        assert_eq!(found("docker:x:999:alice,kwame"), ["alice", "kwame"]);
        assert_eq!(found("adm:x:4:syslog,jdoe"), ["jdoe"]);
        assert!(found("users:x:100:").is_empty());
        assert_eq!(found("sudo:!:anna:anna,bob"), ["anna", "anna", "bob"]);
        // Not group files: times, passwd lines, log lines.
        assert!(found("10:30:45:alice").is_empty());
        assert!(found("alice:x:1000:1000:Alice:/home/alice:/bin/bash").is_empty());
        assert!(found("error:code:42:see manual").is_empty());
    }

    #[test]
    fn proxmox_users() {
        assert_eq!(
            found("user:okwu.e@pve:1:0:Emeka:Okwu:e.okwu@example.com:Storage on-call::"),
            ["okwu.e", "Emeka", "Okwu"]
        );
        assert_eq!(
            found("user:root@pam:1:0:::admin@example.com:::"),
            Vec::<&str>::new()
        );
        assert!(found("user:alice").is_empty());
    }

    #[test]
    fn sudoers() {
        assert_eq!(found("alice ALL=(ALL:ALL) ALL"), ["alice"]);
        assert_eq!(
            found("jsmith web01,web02 = NOPASSWD: /usr/bin/systemctl"),
            ["jsmith"]
        );
        assert_eq!(
            found("User_Alias ADMINS = alice, bob, %wheel, ALL"),
            ["alice", "bob"]
        );
        assert_eq!(found("Defaults:anna !requiretty"), ["anna"]);
        assert!(found("%admin ALL=(ALL) ALL").is_empty());
        assert!(found("root ALL=(ALL:ALL) ALL").is_empty());
        assert!(found("ADMINS ALL=(ALL) ALL").is_empty());
        assert!(found("Defaults env_reset").is_empty());
        // Not sudoers: assignments and prose.
        assert!(found("timeout = 30").is_empty());
        assert!(found("retries ALL= yes").is_empty());
    }
}
