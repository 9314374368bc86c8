//! User names where standard logs put them: sshd (`for USER from`,
//! `invalid user USER`), sudo (`USER : TTY=`), su, cron, PAM, systemd-logind,
//! `user=`/`uid=`-style fields, home directories (`/home/USER/`,
//! `C:\Users\USER\`), shell prompts (`USER@host:~$`), and the places other
//! servers and tools put them (OpenVPN, Dovecot, Exim, Squid, MySQL, SQL
//! roles, `DOMAIN\USER`, polkit, Samba, mentions, profile URLs).

use std::collections::HashSet;
use std::sync::OnceLock;

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::{Anchored, Input};

use super::accounts;
use super::checks;
use super::detect::{build_meta, builtin_bug, BIG_DFA_CACHE};
use super::finding::Finding;
use super::names;
use super::prefilter::{self, Hints};
use super::token::Kind;
use super::Tables;

/// The alternatives ([`alternatives`]) as one multi-pattern regex that
/// tells which alternative matched from its lazy DFA alone, and each
/// alternative on its own for the name's span inside the match. (Capture
/// groups of one big alternation would run the bounded backtracker over
/// the whole automaton, clearing its visited set, on every match: most of
/// the time of a sudo or sshd line.) An alternative alone is compiled the
/// first time it matches: most never do in a given process, and building
/// them all up front doubled the cost of a `Redactor`.
#[derive(Clone)]
pub(crate) struct Users {
    any: meta::Regex,
    alts: Vec<String>,
    each: Vec<OnceLock<meta::Regex>>,
    /// Alternatives with a check of their own.
    mention: usize,
    prose_login: usize,
    prose_user: usize,
    keyed: usize,
    domain_user: usize,
    /// `for U from`: sshd's, and a sentence's (`test for loading from
    /// global folders`).
    for_from: usize,
    /// A token's or an OpenID Connect claim's subject (`sub=U`): an opaque
    /// id as often as a login.
    subject: usize,
    /// Code review activity, `owner U`, profile URLs, staff roles
    /// (`agent=U`), rejected credentials, connecting as an account
    /// (`connect … as U`) and login outcomes (`Login success: U`): a
    /// common word there is the text going on (`someone
    /// replied`, `owner is`, `github.com/features`, `agent running`).
    worded: [usize; 8],
    /// Chat speakers and who joins or leaves a channel: people, whatever
    /// their nick looks like (see [`Finding::speaker`]).
    speakers: [usize; 5],
}

/// Literal cues (ASCII, any case); a line without any skips the regex (see
/// [`super::prefilter`]) unless [`uncued_user_may_match`] says an
/// alternative without a literal cue here may match.
pub(crate) const CUES: &[&str] = &[
    "user",
    "for ",
    "sudo",
    "tty=",
    "uid=",
    "gid=",
    "gid:",
    "sshd: ",
    "bad su ",
    "su for ",
    "getent",
    "ログイン",
    "ユーザ",
    "common_name",
    "home/",
    "homes/",
    "/users/",
    "\\users\\",
    "/var/mail/",
    "/var/spool/",
    "(to ",
    "cron",
    "~",
    "login",
    "connect",
    "bind",
    "bound",
    "authentica",
    "logname",
    "logon",
    "account",
    "acct",
    "owner",
    "passw",
    "kennwort",
    "auth",
    "session",
    "access",
    "lockout",
    " -u",
    " -l",
    " -d",
    "--user",
    "--login",
    "principal",
    "sub=",
    "\"sub\"",
    "role",
    "peer connection",
    "sent control",
    "depth=0",
    "pam(",
    "sql(",
    "ldap(",
    "shadow(",
    "checkpassword(",
    "pull request",
    "=>",
    "->",
    "passphrase",
    "hier_",
    "\\",
    " as",
    "compte",
    "utente",
    "utilisateur",
    "benutzer",
    "usuario",
    "gebruiker",
    "konto",
    "imap(",
    "pop3(",
    "lmtp(",
    "managesieve(",
    "submission(",
    "uid:",
    "unix-user:",
    "todo(",
    "fixme(",
    "smbd_audit",
    "/profile",
    "agent",
    "supervisor",
    "technician",
    "operator",
    "/dav/files/",
    "/calendars/",
    "/principals/",
    "/addressbooks/",
    "/calendar/",
    "/contacts/",
    "github.",
    "gitlab.",
    "bitbucket.",
    "twitter.",
    "x.com/",
    "instagram.",
    "facebook.",
    "/user/",
    "/people/",
    "/members/",
    "/u/",
    "/account",
    "_by",
    "nickname",
    "credentials ",
    "ssh-",
    "assumed-role",
    "'@",
    "`@",
    "define(",
    "utilizador",
    "identifiant",
    "uname",
    "author",
    "actor",
    "impersonator",
    "approver",
    "assignee",
    "reporter",
    "committer",
    "requester",
    "submitter",
    "reviewer",
    "creator",
    "initiator",
    "replied",
    "commented",
    "approved",
    "reviewed",
    "requested changes",
    "force-pushed",
    "self-assigned",
    "left a comment",
    "left a review",
    "pid ",
    "logged ",
    "signed ",
    "not authorized to perform",
    "notification:",
    "command=",
    "ecdsa-",
    "linkedin.com/in/",
    "'groups'",
    "\"groups\"",
    "pts/",
    "tty",
    "seat",
    "rdp-tcp#",
    " :0",
    "rw-",
    "r-x",
    "r--",
    "rwx",
    " <@",
    "*** ",
    "known as",
    "today at",
    "yesterday at",
    "chage",
    "chfn",
    "chsh",
    "finger",
    "pinky",
    "lastlog",
    "faillock",
    "ipa ",
    "-aduser",
    "-adaccount",
    "key (",
    "identity",
    "sip:",
    "sips:",
    "client_list",
    "new group",
    "to group",
    "from group",
    "shadow group",
    "expiry",
    "&pwd=",
];

/// System and service accounts: not personal data, kept for support.
const SYSTEM_ACCOUNTS: &[&str] = &[
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "nobody",
    "nogroup",
    "www-data",
    "www",
    // The default administrator contacts of Nagios and Icinga.
    "nagiosadmin",
    "icingaadmin",
    "nginx",
    "apache",
    "httpd",
    "postfix",
    "sshd",
    "mysql",
    "postgres",
    "redis",
    "syslog",
    "messagebus",
    "_apt",
    "systemd-network",
    "systemd-resolve",
    "systemd-timesync",
    "systemd-journal",
    "systemd-coredump",
    "polkitd",
    "avahi",
    "colord",
    "gdm",
    "lightdm",
    "dnsmasq",
    "ntp",
    "chrony",
    "uuidd",
    "tss",
    "landscape",
    "pollinate",
    "lxd",
    "snapd",
    "tcpdump",
    "mail",
    "news",
    "uucp",
    "proxy",
    "backup",
    "list",
    "irc",
    "gnats",
    "man",
    "lp",
    "games",
    "ftp",
    "dovecot",
    "dovenull",
    "opendkim",
    "clamav",
    "amavis",
    "docker",
    "containerd",
    "jenkins",
    "gitlab-runner",
    // The service users of common container images.
    "node",
    "mongodb",
    "rabbitmq",
    "zookeeper",
    "kafka",
    "tomcat",
    "solr",
    "memcache",
    "haproxy",
    "squid",
    "bind",
    "unbound",
    "openldap",
    "sssd",
    // SAP's own users (SM20 and job logs).
    "ddic",
    "sap*",
    "tmsadm",
    "earlywatch",
    "prometheus",
    "node_exporter",
    "grafana",
    "elasticsearch",
    "kibana",
    "vigil",
    "system",
    "local",
    "localhost",
    // Accounts that software creates under its own name: the default
    // administrator, cloud images' login, forges' SSH user, the database
    // users of self-hosted applications, replication, ESXi's console.
    "admin",
    "administrator",
    "ubuntu",
    "ec2-user",
    "centos",
    "git",
    "gitea",
    "gitlab",
    "replicator",
    "odoo",
    "moodle",
    "zammad",
    "nextcloud",
    "mattermost",
    "homeassistant",
    "keycloak",
    "wordpress",
    "dcui",
    "vpxuser",
    "guest",
    "defaultaccount",
    "public",
    "shared",
    "default",
    "all",
    "any",
    "everyone",
    "anonymous",
    "unknown",
];

/// Words that follow a user cue without being a user name.
const STOP: &[&str] = &[
    // polkit's identity kinds: `authenticated as unix-user:alice`.
    "unix-user",
    "unix-group",
    "unix-netgroup",
    // Articles and prepositions after a user word in other languages:
    // `l'identifiant de Théo`, `el usuario de Ana`, `der Benutzer des
    // Kontos`, `l'utilisateur du poste`.
    "de",
    "du",
    "des",
    "del",
    "della",
    "dello",
    "di",
    "da",
    "do",
    "dos",
    "das",
    "der",
    "die",
    "dem",
    "den",
    "von",
    "van",
    "la",
    "le",
    "les",
    "el",
    "il",
    "lo",
    "los",
    "las",
    "un",
    "une",
    "uno",
    "una",
    "um",
    "uma",
    "ein",
    "eine",
    "einen",
    "einem",
    "que",
    "qui",
    "che",
    "from",
    "to",
    "for",
    "is",
    "est",
    "ist",
    "es",
    "was",
    "not",
    "no",
    "none",
    "null",
    "nil",
    "name",
    "names",
    "id",
    "ids",
    "session",
    "sessions",
    "with",
    "and",
    "or",
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "by",
    "of",
    "has",
    "had",
    "have",
    "logged",
    "login",
    "logout",
    "account",
    "accounts",
    "authentication",
    "authenticated",
    "password",
    "passwords",
    "data",
    "agent",
    "info",
    "list",
    "input",
    "request",
    "requests",
    "error",
    "invalid",
    "that",
    "this",
    "which",
    "who",
    "does",
    "did",
    "can",
    "cannot",
    "must",
    "should",
    "will",
    "may",
    "exists",
    "found",
    "table",
    "group",
    "groups",
    "mode",
    "space",
    "interface",
    "namespace",
    "service",
    "services",
    "level",
    "limit",
    "limits",
    "profile",
    "home",
    "process",
    "processes",
    "units",
    "unit",
    "manager",
    "slice",
    "instance",
    "context",
    "tty",
    "pts",
    "ssh",
    "sshd",
    "port",
    "unknown",
    "changed",
    "created",
    "deleted",
    "removed",
    "added",
    "updated",
    "database",
    "db",
    "directory",
    "dir",
    "config",
    "configuration",
    "settings",
    "search",
    "edit",
    "avatar",
    "register",
    "index",
    "signup",
    "signin",
    "preferences",
    "reset",
    "verify",
    "activate",
    "invite",
    "invites",
    "export",
    "import",
    "api",
    "permissions",
    "role",
    "roles",
    "attribute",
    "record",
    "object",
    "entry",
    "lookup",
    "query",
    "mapping",
    "map",
    "filter",
    "count",
    "quota",
    "details",
    "credentials",
    "token",
    "tokens",
    "key",
    "keys",
    "type",
    "via",
    "as",
    "if",
    "when",
    "then",
    "are",
    "be",
    "been",
    "being",
    "it",
    "its",
    "their",
    "his",
    "her",
    "new",
    "old",
    "current",
    "existing",
    "specified",
    "given",
    "provided",
    "requested",
    "authenticating",
    "illegal",
    "disconnected",
    "closed",
    "opened",
    "accepted",
    "failed",
    "denied",
    "allowed",
    "without",
    "true",
    "false",
    "yes",
    "undefined",
    "n/a",
    "na",
    "self",
    "me",
    "you",
    "user",
    "users",
    "username",
    "uid",
    "gid",
    "bad",
    "more",
    "other",
    "others",
    "s",
    "t",
    "d",
    "e",
    "mgmt",
    "admin@",
    "nobody",
    "timed",
    "sign",
    "client",
    "your",
    "all",
    "every",
    "each",
    "any",
    "some",
    "successfully",
    "already",
    "just",
    "never",
    "we",
    "they",
    "i",
    "he",
    "she",
];

const NAME: &str = r"[A-Za-z_][A-Za-z0-9._\-]*\$?";

/// A login as people write it: lower case.
const LOGIN: &str = r"[a-z_][a-z0-9._\-]*";

/// A nick that a chat message addresses (`zoe_k: ping`): login-shaped only,
/// with a separator or digits, since a plain word before a colon is as
/// often the message's own (`note: …`).
const ADDRESSED: &str = r"[a-z][a-z0-9]*(?:[._\-][a-z0-9]+)+|[a-z]+[0-9]+";

/// A staff role as a word of its own (not `User-Agent`, `ssh-agent`).
const STAFF: &str = r"(?:^|[\s(\[,;])(?i:agent|supervisor|technician|operator)";

/// A chat client's time of day before a speaker: `[09:14]`, `09:20:01`
/// (not a log's `07:50:12,441]`).
const CHAT_TIME: &str = r"(?:^|[\s\[])[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?\]?";

/// The alternatives of the user regex, in priority order.
fn alternatives() -> Vec<String> {
    vec![
        // MySQL's slow log: `# User@Host: alice[alice] @ host` (before the
        // `user@host` alternatives, which take `User` and give up).
        format!(r"(?:^|[\s#])(?i:user@host):[ \t]+(?P<ac>{NAME})\["),
        format!(
            r"(?i:\b(?:invalid|illegal|authenticating|for|of|by|from|to|as|unknown|disallowed|locked|new)[ \t]+user[ \t:]+)['\x22\[]?(?P<a>{NAME})"
        ),
        format!(r"\bfor[ \t]+(?P<b>{NAME})[ \t]+from\b"),
        format!(
            concat!(
                r"(?i:(?:\b|_)(?:user|username|user_name|user-name|userid|user_id|user-id|login|logname|loginname|login_name|",
                r"uid|ruser|euser|suser|account|acct|account[ \t]name|user[ \t]name|login[ \t]name|owner|auth_user|remote_user|login_id|loginid|",
                r"sasl_username|db_user|dbuser|os_user|osuser|user_login|login_user|logon[ \t]account|",
                r"principal|principalname|principal_name|createuser|dropuser|updateuser|samaccountname|sam_account_name|",
                r"userprincipalname|targetusername|target_user_name|subjectusername|subject_user_name|accountname|",
                r"user[ \t]id|authenticated|benutzername|benutzer|gebruikersnaam|gebruiker|usuario|utilizador|utente|",
                r"utilisateur|identifiant|uname|adminuser|admin_user|clientusername|remoteusername|dbusername|",
                r"created_by|updated_by|modified_by|changed_by|deleted_by|approved_by|requested_by|assigned_to|",
                r"auid|memberuid|accountid|account_id|user\.name|common_name)\b)",
                r"(?:[ \t]*=[ \t]*['\x22<]?|[ \t]*:[ \t]*['\x22]?|['\x22][ \t]*:[ \t]*['\x22]|\\\x22:[ \t]*\\\x22)(?P<c>{NAME})"
            ),
            NAME = NAME
        ),
        // Audit messages that quote the account (Nextcloud, ownCloud;
        // before `user NAME`, which would take `created`):
        // `Login attempt: "alice"`, `User created: \"bob\"`.
        format!(
            r"(?i:\b(?:login[ \t]+attempt|login[ \t]+successful|user[ \t]+(?:created|deleted|enabled|disabled|added|removed)))[ \t]*:[ \t]*\\?['\x22](?P<cl>{NAME})"
        ),
        format!(
            concat!(
                r"(?i:\b(?:user[ \t]name|username|user[ \t]id|userid|account[ \t]name|user|compte|utente|utilisateur|identifiant|benutzer|",
                r"benutzerin|benutzername|usuario|gebruiker|gebruikersnaam|konto|kontot))(?:[ \t]+(?:is|est|ist|es|era|was|è))?[ \t]+['\x22]?(?P<r>{NAME})"
            ),
            NAME = NAME
        ),
        format!(r"\bsudo(?:\[[0-9]+\])?:[ \t]+(?P<d>{NAME})[ \t]+:[ \t]"),
        format!(r"(?:^|[ \t])(?P<k>{NAME})[ \t]+:[ \t]+(?:TTY|PWD|USER|COMMAND)="),
        format!(r"\bby[ \t]+(?P<e>{NAME})\(uid="),
        format!(
            r"(?i:(?:/|^|[\s'\x22=:(\[,])homes?/|/Users/|/var/mail/|/var/spool/mail/|/var/spool/cron/crontabs/|[A-Za-z]:\\Users\\|[A-Za-z]:\\\\Users\\\\|\\\\Users\\\\|\\Users\\)(?P<f>{NAME})"
        ),
        format!(r"(?:^|[ \t\x22\[])(?P<g>{NAME})@[A-Za-z0-9.\-]+:[~/]"),
        format!(r"\(to[ \t]+[^)]*\)[ \t]+(?P<h>{NAME})[ \t]+on\b"),
        format!(
            r"(?i:\b(?:password|passwd|login|logon|authentication|auth|session|access|lockout|account|refresh|renewal)[ \t]+(?:verification[ \t]+)?(?:changed|updated|reset|expired|failed|failure|succeeded|successful|denied|granted|locked|attempt|attempts|opened|closed|started|ended|ok)[ \t]+(?:for|of|by)[ \t]+(?:user[ \t]+)?)['\x22]?(?P<q>{NAME})"
        ),
        // `uid=1000(alice)`, systemd-coredump's `UID: 1021 (alice)`.
        format!(r"\b(?i:uid|gid|euid|egid)(?:=|:[ \t]*)[0-9]+[ \t]*\((?P<i>{NAME})\)"),
        // sshd's process title (`ps`, journald's `_CMDLINE=`): `sshd:
        // alice [priv]`, `sshd: alice@pts/0`.
        format!(
            r"\bsshd:[ \t]+(?P<cw>{NAME})(?:[ \t]+\[(?:priv|net|accepted)\]|@(?:pts|tty|notty))"
        ),
        // su's log: `BAD SU alice to root on /dev/pts/1`, `Successful su
        // for root by alice`.
        format!(r"\bBAD[ \t]+SU[ \t]+(?P<cx>{NAME})[ \t]+to\b"),
        format!(r"\b(?i:successful|failed)[ \t]+su[ \t]+for[ \t]+\S+[ \t]+by[ \t]+(?P<cy>{NAME})"),
        // Japanese: `ログインID：alice`, `ユーザー名: alice`.
        format!(
            r"(?:ログインID|ログイン名|ユーザーID|ユーザID|ユーザー名|ユーザ名)[ \t]*(?::|：)[ \t]*(?P<da>{NAME})"
        ),
        // `getent passwd alice`, `getent initgroups alice`.
        format!(r"\bgetent[ \t]+(?:passwd|shadow|initgroups)[ \t]+(?P<cz>{NAME})"),
        format!(
            r"(?i:cron)[^:]*:[ \t]+\((?P<j>{NAME})\)[ \t]+(?:CMD|LIST|REPLACE|BEGIN|END|RELOAD|DELETE)"
        ),
        r"(?:^|[ \t/])~(?P<l>[a-z_][a-z0-9._\-]*)/".to_owned(),
        format!(r"(?:^|[\s'\x22=(])(?P<m>{NAME})@(?:[0-9]{{1,3}}\.){{3}}[0-9]{{1,3}}\b"),
        // `alice@host`, Proxmox's `<alice@pve>` and API tokens `alice@pve!ci`.
        format!(r"(?:^|[\s'\x22=(<])(?P<n>{NAME})@[A-Za-z0-9\-]+(?:[:\s'\x22>!]|$)"),
        // The access log's user field, after the ident `-`, or after the
        // address when a vhost log has no ident: `h 1.2.3.4 alice [date`.
        format!(
            r"(?:(?:^|[ \t])-|[0-9\]])[ \t]+(?P<o>{NAME})[ \t]+\[[0-9]{{2}}/[A-Z][a-z]{{2}}/[0-9]{{4}}:"
        ),
        format!(
            concat!(
                r"\b(?:mysql|mysqldump|mysqladmin|mongo|mongosh|psql|pg_dump|curl|wget|docker|podman|sudo|su|crontab|ssh|scp|sftp|ftp|lftp|",
                r"smbclient|rsync|pkexec|runuser|usermod|passwd|chage|gpasswd|htpasswd|redis-cli|git|helm|kubectl|az|gcloud|aws|ldapsearch|net|",
                r"squeue|sacct|scancel|qstat|ps|top|htop|pkill|pgrep|killall|lsof|crontab)\b",
                r"[^\n|;&]*?[ \t](?:-u|--user|--username|--user-name|-l|--login|-U|-D)[ \t=]+['\x22]?(?P<p>{NAME})"
            ),
            NAME = NAME
        ),
        // Chat and code-review mentions: `@jdoe`, `cc @a.keller` (not
        // `@Override`, not `@scope/pkg`; see `MENTION_NOT_USERS`).
        r"(?:^|[\s(,;\[=\x22'])@(?P<s>[a-z][A-Za-z0-9._\-]*)".to_owned(),
        // Jira mentions: `[~jdoe]`.
        format!(r"\[~(?P<t>{NAME})\]"),
        // OpenVPN: `alice/203.0.113.7:51234` (also once the address is a token).
        format!(
            r"(?:^|[\s>\[])(?P<u>{NAME})/(?:(?:[0-9]{{1,3}}\.){{3}}[0-9]{{1,3}}|\[IPV4:[0-9a-f]{{8}}\]):[0-9]"
        ),
        format!(r"\[(?P<v>{NAME})\][ \t]+(?i:peer[ \t]+connection)"),
        format!(r"(?i:\bsent[ \t]+control)[ \t]+\[(?P<w>{NAME})\]"),
        format!(r"\bdepth=0,[^\n]*?\bCN=(?P<x>{NAME})"),
        // OpenVPN's status file: `alice,203.0.113.7:51234,bytes,bytes,since`.
        format!(
            r"^(?P<ah>{NAME}),(?:(?:[0-9]{{1,3}}\.){{3}}[0-9]{{1,3}}|\[IPV4:[0-9a-f]{{8}}\]):[0-9]+,[0-9]+,[0-9]+,"
        ),
        // polkit: `authenticated as unix-user:alice`.
        format!(r"\bunix-user:(?P<ai>{NAME})"),
        // Code comments: `TODO(alice)`, `FIXME(bob):`.
        format!(r"\b(?:TODO|FIXME|XXX|HACK)\((?P<aj>{NAME})\)"),
        // Samba's full_audit: `smbd_audit: alice|10.0.0.1|...`.
        format!(r"\bsmbd_audit:[ \t]+(?P<ak>{NAME})\|"),
        // Profile pages in URLs: `/profile/alice/avatar.png`, `/users/alice?tab=`.
        format!(
            r"(?i:/(?:profiles?|users?|people|members?|u|accounts?|dav/files|calendars|addressbooks|principals)|linkedin\.com/in)/(?P<al>{NAME})(?:[/?\x22'#]|[ \t]|$)"
        ),
        // A profile at a forge or social site: one path segment, not a
        // repository (`https://github.com/toyelaran`, `twitter.com/@ana_k`).
        format!(
            r"(?i:\b(?:github|gitlab|bitbucket|twitter|x|instagram|facebook)\.(?:com|org))/@?(?P<cj>{NAME})(?:[?\x22'#>)]|[ \t]|$)"
        ),
        // CalDAV and CardDAV collections (Radicale, Baïkal): `/alice/calendar/`.
        format!(r"(?:^|[\s'\x22])/(?P<ck>{NAME})/(?i:calendars?|contacts|addressbooks?)/"),
        // login(1): `FAILED LOGIN (1) on '/dev/tty1' FOR 'alice'`.
        format!(r"\bFAILED[ \t]+LOGIN\b[^\n]*?\bFOR[ \t]+'?(?P<an>{NAME})"),
        // login(1): `LOGIN ON tty2 BY alice`; su(1)'s log: `+ /dev/pts/5 alice:root`.
        format!(r"\bLOGIN[ \t]+ON[ \t]+\S+[ \t]+BY[ \t]+'?(?P<cb>{NAME})"),
        format!(r"\bsu(?:\[[0-9]+\])?:[ \t]+[+\-][ \t]+\S+[ \t]+(?P<cc>{NAME}):[A-Za-z_]"),
        // shadow-utils: `new user: name=alice, UID=1044`, `changed password expiry for alice`.
        format!(r"\bnew[ \t]+(?:user|group):[ \t]+name=(?P<cd>{NAME})"),
        format!(r"\bchanged[ \t]+password[ \t]+expiry[ \t]+for[ \t]+(?P<ce>{NAME})"),
        // usermod, gpasswd: `add 'tobias' to group 'docker'`, `delete 'bob'
        // from shadow group 'wheel'`.
        format!(
            r"\b(?:add|delete|remove|removed)[ \t]+'(?P<cv>{NAME})'[ \t]+(?:to|from)[ \t]+(?:shadow[ \t]+)?group\b"
        ),
        // `failed auth for alice` (doas), `login for "alice" rejected`.
        format!(
            r"(?i:\b(?:auth|authentication|login|logon)[ \t]+for)[ \t]+['\x22]?(?P<cf>{LOGIN})"
        ),
        // Mail servers' and clients' rejections: `535 5.7.8 Username and
        // Password not accepted for alice`, `Authentication credentials
        // invalid for crm-mailer at …`, `invalid credentials for bob`.
        format!(
            r"(?i:\b(?:not[ \t]+accepted|credentials[ \t]+(?:invalid|rejected|expired)|(?:invalid|bad|wrong)[ \t]+credentials|authentication[ \t]+(?:rejected|refused))[ \t]+for)[ \t]+(?:user[ \t]+)?['\x22]?(?P<cs>{LOGIN})"
        ),
        // An application's login outcome with the login after a colon:
        // `Login success: s.oyelaran from …`, `login failed: bob`.
        format!(
            r"(?i:\blog(?:in|on)[ \t]+(?:success|successful|succeeded|ok|failed|failure|denied))[ \t]*:[ \t]*['\x22]?(?P<cu>{LOGIN})(?:[,;'\x22)]|[ \t]|$)"
        ),
        // A client connecting or binding as an account: `Unable to connect
        // to UniFi controller at 10.0.0.5:8443 as ha-ole: …`, `bind as
        // svc_ldap failed`.
        format!(
            r"(?i:\b(?:connect|connected|connecting|bind|bound|binding|authenticate|authenticated|authenticating))\b[^\n]{{0,80}}?[ \t]as[ \t]+['\x22]?(?P<ct>{LOGIN})(?:[:'\x22,;)]|[ \t]|$)"
        ),
        // WordPress: `/wp-login.php?log=alice&pwd=…`.
        format!(r"[?&]log=(?P<cg>{NAME})&pwd="),
        // Dovecot's mail processes: `imap(alice)<1234><abc>: Logged out`.
        format!(r"\b(?:imap|pop3|lmtp|managesieve|submission)\((?P<ao>{NAME})\)"),
        // Home shares: `\\fs02\home$\alice`.
        format!(r"(?i:\\(?:homes?|users|profiles?)\$?)\\(?P<am>{NAME})"),
        // Dovecot's passdb lookups: `passwd-file(alice,203.0.113.7)`.
        format!(
            r"\b(?:passwd-file|passwd|pam|sql|ldap|shadow|checkpassword|bsdauth|oauth2)\((?P<y>{NAME}),"
        ),
        // Exim deliveries: `=> alice <alice@example.com> R=localuser`.
        format!(r"(?:^|[ \t])(?:=>|->)[ \t]+(?P<z>{NAME})[ \t]+<[^>\s]*@"),
        // Squid's access log: the user field before the hierarchy code.
        format!(r"[ \t](?P<ab>{NAME})[ \t]+HIER_[A-Z_]+/"),
        // SQL: `CREATE USER alice`, `ALTER ROLE "alice" WITH PASSWORD`.
        format!(
            r"(?i:\b(?:create|alter|drop)[ \t]+(?:role|user)(?:[ \t]+mapping[ \t]+for|[ \t]+if[ \t]+(?:not[ \t]+)?exists)?)[ \t]+['\x22\x60]?(?P<ad>{NAME})"
        ),
        // `.netrc`: `machine api.example login alice password x`.
        format!(r"\bmachine[ \t]+\S+[ \t]+login[ \t]+(?P<ap>{NAME})"),
        // GitHub's merge commits: `Merge pull request #12 from alice/branch`.
        format!(r"\bMerge[ \t]+pull[ \t]+request[ \t]+#[0-9]+[ \t]+from[ \t]+(?P<aq>{NAME})/"),
        // Windows and Samba: `CORP\alice`, `CORP\\alice` (JSON), `[CORP]\[alice]`,
        // vSphere's `VSPHERE.LOCAL\alice`.
        format!(
            r"(?:\b[A-Z][A-Z0-9\-]{{1,14}}(?:\.[A-Z][A-Z0-9\-]{{1,14}})*|\[[A-Za-z][A-Za-z0-9\-]{{1,14}}\])\\{{1,2}}\[?(?P<ae>{NAME})"
        ),
        // `password for alice:` (sudo), `Changing password for ['alice']`,
        // `Das Kennwort für helga wurde geändert`.
        format!(
            r"(?i:\b(?:password|passwd|passphrase|passwort|kennwort)[ \t]+(?:for|für)[ \t]+(?:user[ \t]+)?)[\['\x22]*(?P<af>{NAME})"
        ),
        // Terraform: `aws_iam_user.oncall["alice"]`, `gitlab_user.this[\"bob\"]`.
        format!(
            r"\b[a-z0-9_]*_user(?:_[a-z0-9_]+)?\.[A-Za-z0-9_\-]+\[\\?\x22(?P<as>{NAME})\\?\x22\]"
        ),
        // The comment of an SSH public key: `ssh-ed25519 AAAA… alice@host`.
        format!(
            r"\b(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp[0-9]+)[ \t]+AAAA[A-Za-z0-9+/]+=*[ \t]+(?P<at>{NAME})@"
        ),
        // Ansible's user items: `{'name': 'alice', …, 'groups': 'wheel'}`.
        format!(
            r"\{{[^{{}}\n]*?['\x22]name['\x22]:[ \t]*['\x22](?P<au>{NAME})['\x22][^{{}}\n]*['\x22]groups['\x22]:"
        ),
        // AWS ARNs: `arn:aws:iam::1234:user/team/alice`, an assumed role's
        // session: `assumed-role/deploy/alice`.
        format!(
            r"\barn:aws[a-z\-]*:iam::[0-9]*:user/(?:[A-Za-z0-9_+=,.@\-]+/)*(?P<av>{NAME})(?:[\x22'\s,;)\]}}]|$)"
        ),
        format!(r"\barn:aws[a-z\-]*:sts::[0-9]*:assumed-role/[A-Za-z0-9_+=,.@\-]+/(?P<aw>{NAME})"),
        // MySQL accounts: `TO 'alice'@'10.0.0.1'`, `` `bob`@`%` ``.
        format!(r"['\x60](?P<ax>{NAME})['\x60]@['\x60]"),
        // XML elements: `<username>alice</username>`.
        format!(r"<(?i:user|username|user_name|userid|login|account|owner)>(?P<ay>{NAME})</"),
        // PHP constants: `define( 'DB_USER', 'wp_admin' );`.
        format!(
            r"\bdefine\([ \t]*['\x22][A-Z_]*USER[A-Z_]*['\x22][ \t]*,[ \t]*['\x22](?P<az>{NAME})['\x22]"
        ),
        // Who did it, as a `k=v` or JSON field: `actor=l.dimitrova`,
        // `"impersonator":"helpdesk.yasmin"` (lowercase logins only: a
        // capitalised value is a person's name, found as one).
        format!(
            concat!(
                r"(?i:\b(?:author|actor|impersonator|approver|assignee|reporter|committer|requester|submitter|",
                r"reviewer|creator|initiator))(?:[ \t]*=[ \t]*|\x22:[ \t]*|:[ \t]+)['\x22]?(?P<ba>{LOGIN})"
            ),
            LOGIN = LOGIN
        ),
        // vsftpd: `[pid 4409] [alice] OK LOGIN`.
        format!(r"\[pid[ \t]+[0-9]+\][ \t]+\[(?P<bb>{NAME})\][ \t]+(?:OK|FAIL)[ \t]"),
        // FreeRADIUS: `Login OK: [alice] (from client`, `Login incorrect (…): [bob/pass]`.
        format!(r"\bLogin[ \t]+(?:OK|incorrect)\b[^\n\[]*\[(?P<bc>{NAME})[/\]]"),
        // `Login by jonas (AFP3.4)`, `last logins by alice from`.
        format!(r"(?i:\b(?:login|logon|logins|logons)[ \t]+(?:by|of))[ \t]+['\x22]?(?P<bd>{NAME})"),
        // `alice logged in from`, `alice is not in the sudoers file`,
        // polkit's `alice is not authorized to perform`.
        format!(
            r"(?:^|[\s\]:])(?P<be>{LOGIN})[ \t]+(?:logged[ \t]+(?:in|on|out)|signed[ \t]+(?:in|out)|is[ \t]+not[ \t]+(?:in[ \t]+the[ \t]+sudoers|authorized[ \t]+to[ \t]+perform))\b"
        ),
        // Nagios and Icinga: `SERVICE NOTIFICATION: alice;host;service;…`.
        format!(r"\b(?:SERVICE|HOST)[ \t]+NOTIFICATION:[ \t]+(?P<bf>{NAME});"),
        // sudo's command: `COMMAND=/usr/bin/passwd alice`.
        format!(
            r"\bCOMMAND=\S*/(?:passwd|chage|userdel|deluser|chfn|chsh|usermod)[ \t]+(?:-[A-Za-z]+[ \t]+)*(?P<bg>{NAME})"
        ),
        // `runs as alice`, `logged in as alice`.
        format!(
            concat!(
                r"(?i:\b(?:runs?|running|ran|logged[ \t]+in|logs[ \t]+in|log[ \t]+in|signed[ \t]+in|connected|connecting|",
                r"connects|installed|authenticated|executed|executing|ssh(?:ed)?|su) +as[ \t]+(?:user[ \t]+)?)['\x22]?(?:unix-user:)?(?P<ag>{NAME})"
            ),
            NAME = NAME
        ),
        // Session tables (`last`, `w`, `who`, `lastb`, `query user`): the
        // login first, then its terminal: `alice  pts/0  203.0.113.7  Tue…`.
        format!(
            r"^[ \t>]?(?P<bh>{LOGIN})[ \t]+(?:pts/[0-9]|tty[0-9A-Za-z]|ssh:notty\b|:[0-9]+[ \t]|console\b|seat[0-9]|rdp-tcp#)"
        ),
        // Code review activity at a line's start (GitHub, GitLab, Gerrit):
        // `sdlamini approved these changes`, `**femi-adewale** commented:`,
        // `olanowak replied`.
        format!(
            r"^[ \t>*\-]*@?\**(?P<ch>{LOGIN})\**[ \t]+(?:replied|commented|approved|reviewed|requested[ \t]+changes|force-pushed|self-assigned|left[ \t]+a[ \t]+(?:comment|review))\b"
        ),
        // WeeChat's log: the speaker after the time, and who joins or
        // leaves (`-->\tzoe_k (~zoe@host)`); the nick a message addresses
        // (login-shaped only, as for IRC below: `bjornar\tzoe_k: don't`).
        format!(
            r"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\t(?:(?:-->|<--)\t)?[@+%~&]?(?P<co>{NAME})(?:\t|[ ]\()"
        ),
        format!(
            r"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\t[^\t]+\t(?P<cp>{ADDRESSED}):[ \t]"
        ),
        // Call-centre and helpdesk staff by login: `agent=moyelaran station=`,
        // and ending a clause, `(agent vsalazar)` (not `User-Agent:`,
        // `ssh-agent`, `agent constructor`).
        format!(r"{STAFF}[ \t]*[:=][ \t]*(?P<cm>{LOGIN})(?:[\s,;)\]]|$)"),
        format!(r"{STAFF}[ \t]+(?P<cn>{LOGIN})[,;)\]]"),
        // A file's or a job's owner: `(owner fadewale, 288 KB)`, `owner: bob;`.
        format!(r"(?i:\bowner)(?:[ \t]+|[ \t]*[:=][ \t]*)(?P<ci>{LOGIN})(?:[,;)]|[ \t]*$)"),
        // `loginctl list-sessions`: `  842 1043 alice seat0 tty2`.
        format!(
            r"^[ \t]*[0-9]+[ \t]+[0-9]+[ \t]+(?P<bi>{LOGIN})[ \t]+(?:seat[0-9]|pts/[0-9]|tty[0-9A-Za-z])"
        ),
        // `utmpdump`: `[7] [41877] [ts/0] [alice   ] [pts/0`.
        format!(r"^\[[0-9]\][ \t]+\[[0-9]+\][ \t]+\[[^\]]*\][ \t]+\[(?P<bj>{NAME})[ \t]*\]"),
        // `ls -l`: the owner after the mode and the link count.
        format!(
            r"^[\-dlcbps][r\-][w\-][xsS\-][r\-][w\-][xsS\-][r\-][w\-][xtT\-][.+@]?[ \t]+[0-9]+[ \t]+(?P<bk>{LOGIN})[ \t]"
        ),
        // IRC and Matrix speakers after a time: `[09:14] <alice>`,
        // `09:20:01 <@bob:matrix.example.org>`, and the nick a message
        // addresses after a speaker (login-shaped only: `<alice> bob_t:
        // ping`; the speaker's match ends before it, so it is a pattern of
        // its own from the speaker's closing '>').
        format!(r"{CHAT_TIME}[ \t]+<[@+%~&]?(?P<bl>{NAME})(?::[A-Za-z0-9.\-]+)?>[ \t]"),
        format!(r"\b>[ \t]+(?P<bm>{ADDRESSED}):[ \t]"),
        // IRC events: `*** alice (~a@host) has joined`, `*** bob is now known as bob_away`,
        // and the ident of who joins or leaves, `(~zoe@host) has quit`.
        format!(
            r"\*\*\*[ \t]+(?P<bn>{NAME})[ \t]+(?:\(|has[ \t]+(?:joined|quit|left)|is[ \t]+now[ \t]+known[ \t]+as)"
        ),
        format!(r"[ \t]\(~?(?P<cq>{NAME})@[^\s)]+\)[ \t]+has[ \t]+(?:joined|quit|left)\b"),
        // The subject of a token or an OpenID Connect claim set, as
        // introspection and gateway logs print it: `sub=kwame`,
        // `"sub":"kwame"` (a login, lower case; ids are checked after).
        format!(
            r"(?:^|[\s,{{;&?(])sub(?:=|\x22[ \t]*:[ \t]*\x22)(?P<cr>{LOGIN})(?:[\s\x22,&;)}}]|$)"
        ),
        format!(r"\bis[ \t]+now[ \t]+known[ \t]+as[ \t]+(?P<bo>{NAME})"),
        // Discord: `alice — Today at 09:14`.
        format!(
            r"^(?P<bp>{LOGIN})[ \t]+(?:—|-)[ \t]+(?i:today|yesterday|[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{2,4}})[ \t]+at[ \t]"
        ),
        // Windows event XML: `<Data Name="TargetUserName">alice</Data>`.
        format!(r"<Data[ \t]+Name=\x22[A-Za-z]*User(?:Name)?\x22>(?P<bq>{NAME})<"),
        // Cisco ASA: `Group <VPN> User <alice> IP <…>`.
        format!(r"\bUser[ \t]+<(?P<br>{NAME})>"),
        // Account tools with the login as their last argument: `passwd
        // alice`, `sudo usermod -aG docker alice`, `useradd -m -c "A B" alice`,
        // at a command's start (line, prompt, history number, `sudo`, a
        // quote or a separator before it).
        format!(
            concat!(
                r"(?:^|[;&|'\x22`]|[$#>][ \t])[ \t]*(?:[0-9]+[ \t]+)?(?:sudo[ \t]+)?",
                r"(?:passwd|userdel|deluser|usermod|useradd|adduser|chage|chfn|chsh|finger|pinky|lastlog|faillock|smbpasswd)",
                r"(?:[ \t]+-{{1,2}}[A-Za-z][A-Za-z\-]*(?:[ \t=]+(?:\x22[^\x22]*\x22|'[^']*'|[^\s\-'\x22]\S*))?)*",
                r"[ \t]+(?P<bs>{LOGIN})[ \t]*(?:$|[;&|#'\x22`])"
            ),
            LOGIN = LOGIN
        ),
        // FreeIPA and Active Directory: `ipa user-show alice`,
        // `Get-ADUser -Identity alice`.
        format!(r"\bipa[ \t]+user-[a-z\-]+[ \t]+(?P<bt>{NAME})"),
        format!(
            r"\b(?:Get|Set|Remove|Enable|Disable|Unlock)-AD(?:User|Account[A-Za-z]*)[ \t]+(?:-Identity[ \t]+)?['\x22]?(?P<bu>{NAME})"
        ),
        // PostgreSQL's constraint detail: `Key (username)=(alice) already exists`.
        format!(r"\bKey[ \t]+\((?i:user|username|user_name|login|uid)\)=\((?P<bv>{NAME})\)"),
        // Puppet and Chef resources: `User[alice]`, `linux_user[bob]`.
        r"\b(?:User|user|linux_user)\[(?P<bw>[a-z_][a-z0-9._\-]{2,})\]".to_owned(),
        // camelCase keys ending in `User`: `-PmavenUser=alice`, `dbUser: bob`.
        format!(
            r"[a-z0-9]User(?:name|Name|Id|ID)?(?:[ \t]*=[ \t]*|:[ \t]*)['\x22]?(?P<bx>{LOGIN})"
        ),
        // strongSwan: `received EAP identity 'alice'`; SIP URIs: `<sip:alice@host>`.
        format!(r"\bEAP[ \t]+identity[ \t]+'(?P<by>{NAME})'"),
        format!(r"\bsips?:(?P<bz>{LOGIN})@"),
        // OpenVPN's status file, version 2: `CLIENT_LIST,alice,203.0.113.7:51234,`.
        format!(r"^CLIENT_LIST,(?P<ca>{NAME}),"),
        // Last: a match here is rejected more often than not, and must not
        // shadow a more specific alternative at the same place.
        // Prose: `login jpark from 198.51.100.23`, `his own account hfarouk.`
        // (checked by `prose_login_is_user`).
        // Shibboleth and Kerberos: `for principal erikssonm was bound`;
        // a backup job's `credentials nasbackup`.
        format!(
            r"(?i:\b(?:login|account|nickname|principal|credentials)(?:[ \t]+is)?)[ \t]+['\x22(]?(?P<ar>{NAME})"
        ),
    ]
}

/// Words after an `@` that are not people: annotations, decorators, CSS
/// at-rules, doc tags and group mentions (lowercase; the part before a '.').
const MENTION_NOT_USERS: &[&str] = &[
    "here",
    "channel",
    "everyone",
    "all",
    "team",
    "property",
    "staticmethod",
    "classmethod",
    "dataclass",
    "abstractmethod",
    "cached_property",
    "pytest",
    "app",
    "router",
    "api",
    "media",
    "import",
    "charset",
    "keyframes",
    "font-face",
    "supports",
    "layer",
    "param",
    "returns",
    "return",
    "throws",
    "type",
    "example",
    "see",
    "since",
    "todo",
    "deprecated",
    "version",
    "timestamp",
    "override",
    "types",
    "babel",
    "angular",
    "vue",
    "latest",
    "next",
    "types",
    "mixin",
    "include",
    "extend",
    "function",
    "if",
    "else",
    "each",
    "tailwind",
    "apply",
];

/// Where a mention's name may not end: a scope (`@vigil/ui`), a call
/// (`@app.route(`), an address. Nor does a mention follow a quote that
/// closes a value: `sqlplus app/"x"@db01` names a host.
fn mention_is_user(line: &[u8], s: usize, e: usize) -> bool {
    if line.get(e).is_some_and(|b| matches!(b, b'/' | b'(' | b'@')) {
        return false;
    }
    // Code: an assignment (`my @parts = split`, `@defines = keys`), a
    // statement's end (`@tmp;`), a doc comment's parameter (` * @file:`).
    let rest = line[e..].trim_ascii_start();
    let assigned = rest.first() == Some(&b'=') && rest.get(1) != Some(&b'=');
    let before = line[..s - 1].trim_ascii();
    let doc_parameter = (before == b"*" || before == b"/**") && line.get(e) == Some(&b':');
    if assigned || line.get(e) == Some(&b';') || doc_parameter {
        return false;
    }
    let closing_quote = s >= 3
        && matches!(line[s - 2], b'"' | b'\'')
        && !matches!(
            line[s - 3],
            b' ' | b'\t' | b':' | b'=' | b',' | b'[' | b'(' | b'{'
        );
    if closing_quote {
        return false;
    }
    // `valid users = alice, @staff`: a group.
    if accounts::is_samba_list(line) {
        return false;
    }
    let head = line[s..e].split(|b| *b == b'.').next().unwrap_or_default();
    let lower = head.to_ascii_lowercase();
    !MENTION_NOT_USERS
        .iter()
        .any(|w| w.as_bytes() == lower.as_slice())
}

/// `for U from`: an everyday word there is a sentence going on (`add test
/// for loading from global folders`) unless an address or a host follows
/// (`Failed password for test from 203.0.113.9`).
fn for_from_is_user(line: &[u8], s: usize, e: usize) -> bool {
    if !names::is_common_word(&line[s..e].to_ascii_lowercase()) {
        return true;
    }
    let after = line[e..]
        .trim_ascii_start()
        .strip_prefix(b"from")
        .unwrap_or_default();
    let next = after.trim_ascii_start();
    next.first()
        .is_some_and(|b| b.is_ascii_hexdigit() || *b == b'[')
        && next
            .iter()
            .take_while(|b| !b.is_ascii_whitespace())
            .any(|b| matches!(b, b'.' | b':'))
}

/// A `login NAME` / `account NAME` hit in prose: a lowercase login shape
/// (`jpark`, `k.rossi`, `ekowalska`) that ends the clause or comes before
/// `from`/`on`/`at`/`via`/`with`, and not a word that usually follows
/// (`login successful`, `account locked on`).
fn prose_login_is_user(line: &[u8], s: usize, e: usize) -> bool {
    let v = &line[s..e];
    if !(2..=32).contains(&v.len())
        || !v.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        || LOGIN_PROSE.contains(&v)
        || names::is_common_word(v)
    {
        return false;
    }
    let rest = &line[e..];
    match rest.first() {
        None => true,
        Some(b')' | b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"') => {
            rest.get(1).is_none_or(|b| !b.is_ascii_alphanumeric())
        }
        Some(b' ' | b'\t') => {
            let next = rest[1..]
                .split(|b| !b.is_ascii_alphabetic())
                .next()
                .unwrap_or_default();
            matches!(
                next,
                b"from"
                    | b"on"
                    | b"at"
                    | b"via"
                    | b"with"
                    | b"and"
                    | b"or"
                    | b"pw"
                    | b"pass"
                    | b"password"
                    | b"created"
                    | b"locked"
                    | b"unlocked"
                    | b"disabled"
                    | b"enabled"
                    | b"deleted"
                    | b"removed"
                    | b"expired"
                    | b"suspended"
                    | b"was"
            ) || (next.is_empty() && matches!(rest.get(1), Some(b'/' | b'(')))
        }
        _ => false,
    }
}

/// Words after `login`/`account` in prose that are not a login (on top of
/// [`STOP`] and the system accounts, which `plausible_user` rejects).
const LOGIN_PROSE: &[&[u8]] = &[
    b"successful",
    b"succeeded",
    b"success",
    b"attempt",
    b"attempts",
    b"page",
    b"prompt",
    b"shell",
    b"screen",
    b"time",
    b"banner",
    b"status",
    b"disabled",
    b"enabled",
    b"locked",
    b"unlocked",
    b"expired",
    b"management",
    b"lockout",
    b"balance",
    b"owner",
    b"access",
    b"required",
    b"needed",
    b"here",
    b"there",
    b"now",
    b"again",
    b"later",
    b"today",
    b"please",
    b"form",
    b"flow",
    b"button",
    b"link",
    b"url",
    b"history",
    b"problem",
    b"problems",
    b"issue",
    b"issues",
    b"works",
    b"working",
    b"broken",
    b"fails",
    b"errors",
    b"team",
    b"holder",
    b"number",
    b"creation",
    b"deletion",
    b"removal",
    b"server",
    b"portal",
    b"done",
    b"ok",
    b"okay",
    b"fine",
    b"open",
    b"suspended",
    b"blocked",
    b"verified",
    b"active",
    b"inactive",
    b"incorrect",
    b"failure",
    b"needs",
    b"them",
    b"him",
];

/// A `DOMAIN\user` hit that is a registry hive, a log level before an
/// escape (`ERROR\nTraceback`) or a built-in principal.
fn domain_user_is_user(line: &[u8], s: usize) -> bool {
    // Markdown's escaped underscore: `XID\_Start`.
    if line[s] == b'_' && s > 0 && line[s - 1] == b'\\' {
        return false;
    }
    let mut d = s;
    while d > 0 && matches!(line[d - 1], b'\\' | b'[' | b']') {
        d -= 1;
    }
    let mut ds = d;
    while ds > 0 && (line[ds - 1].is_ascii_alphanumeric() || line[ds - 1] == b'-') {
        ds -= 1;
    }
    // A path's directories (`\KB\SyncTimesheets`, a scheduled task's).
    if ds > 0 && line[ds - 1] == b'\\' {
        return false;
    }
    let domain = line[ds..d].to_ascii_uppercase();
    const NOT_DOMAINS: &[&[u8]] = &[
        b"HKLM",
        b"HKCU",
        b"HKCR",
        b"HKU",
        b"HKCC",
        b"AUTHORITY",
        b"BUILTIN",
        b"ERROR",
        b"WARN",
        b"WARNING",
        b"INFO",
        b"DEBUG",
        b"TRACE",
        b"FATAL",
        b"OK",
        b"FAIL",
        b"FAILED",
    ];
    if NOT_DOMAINS.contains(&domain.as_slice()) || domain.starts_with(b"HKEY") {
        return false;
    }
    // A single backslash and a JSON escape letter before a capital or a
    // digit: `\nTraceback`, `\t2024`.
    let single = s >= 1 && line[s - 1] == b'\\' && !(s >= 2 && line[s - 2] == b'\\');
    !(single
        && matches!(line[s], b'n' | b't' | b'r' | b'b' | b'f' | b'u')
        && line
            .get(s + 1)
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

/// The cap of the lazy DFA cache of all the alternatives in compact
/// tables (see [`Users::new`]).
const COMPACT_CACHE_BYTES: usize = 1 << 20;

impl Users {
    pub(crate) fn new(tables: Tables) -> Self {
        let alts: Vec<String> = alternatives().iter().map(|a| format!("(?-u){a}")).collect();
        // The lazy DFA of all the alternatives at once builds large states.
        // Compact tables cap its cache (it starts over when full) so that a
        // long-running redactor, the agent's, does not keep megabytes of
        // them. On varied text (the labeled corpora) that cap thrashes: the
        // DFA gives up and the search falls back to the backtracker, about
        // 15x slower, so fast tables let it grow as far as the others.
        let cache = match tables {
            Tables::Compact => COMPACT_CACHE_BYTES,
            Tables::Fast => BIG_DFA_CACHE,
        };
        let any = build_meta(
            meta::Config::new()
                .which_captures(WhichCaptures::Implicit)
                .hybrid_cache_capacity(cache),
            &alts,
        );
        let alternative = |name: &str| {
            let group = format!("(?P<{name}>");
            alts.iter()
                .position(|a| a.contains(&group))
                .unwrap_or_else(|| builtin_bug(&format!("no group {name}")))
        };
        Users {
            mention: alternative("s"),
            prose_login: alternative("ar"),
            prose_user: alternative("r"),
            keyed: alternative("c"),
            domain_user: alternative("ae"),
            for_from: alternative("b"),
            subject: alternative("cr"),
            worded: [
                alternative("ch"),
                alternative("ci"),
                alternative("cj"),
                alternative("cm"),
                alternative("cn"),
                alternative("cs"),
                alternative("ct"),
                alternative("cu"),
            ],
            speakers: [
                alternative("co"),
                alternative("bl"),
                alternative("bn"),
                alternative("bo"),
                alternative("bp"),
            ],
            each: vec![OnceLock::new(); alts.len()],
            any,
            alts,
        }
    }

    /// Alternative `i` alone, compiled on first use.
    fn alternative(&self, i: usize) -> &meta::Regex {
        // Only ever run anchored over a match `any` found: the capture
        // engines (one-pass, backtracker) alone, without lazy DFAs, whose
        // caches each alternative would otherwise keep for the life of
        // the redactor.
        self.each[i].get_or_init(|| {
            build_meta(
                meta::Config::new().hybrid(false).dfa(false),
                std::slice::from_ref(&self.alts[i]),
            )
        })
    }

    pub(crate) fn find(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        if !hints.has(prefilter::USERS) && !uncued_user_may_match(line) {
            return;
        }
        let mut at = 0;
        while at < line.len() {
            let Some(m) = self.any.search(&Input::new(line).range(at..)) else {
                break;
            };
            at = m.end().max(m.start() + 1);
            let alt = m.pattern().as_usize();
            // The same match of that alternative alone, for its group's span
            // (look-around still sees the whole line).
            let re = self.alternative(alt);
            let mut slots = [None; 4];
            let input = Input::new(line).range(m.range()).anchored(Anchored::Yes);
            re.search_slots(&input, &mut slots);
            let (Some(s), Some(e)) = (slots[2], slots[3]) else {
                continue;
            };
            let (mut s, mut e) = (s.get(), e.get());
            // `for user 'CORP\alice'`, `[CORP]\[alice]`, `User
            // VSPHERE.LOCAL\alice`, `user: corp\e.papadaki`: the user
            // follows the domain. A lower-case one is a domain unless it is
            // a path's directory (`C:\Users\anna\AppData`) or what follows
            // reads as a string escape (`bob\nnext`).
            let domain_byte = |b: &u8| b.is_ascii_digit() || matches!(b, b'-' | b'.');
            let upper = line[s..e]
                .iter()
                .all(|b| b.is_ascii_uppercase() || domain_byte(b));
            let lower = !(s > 0 && matches!(line[s - 1], b'\\' | b'/'))
                && line[s..e]
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || domain_byte(b));
            let sep = line[e..]
                .iter()
                .take(4)
                .take_while(|b| matches!(b, b'\\' | b'[' | b']'))
                .count();
            let escape = || matches!(line.get(e + sep), Some(b'n' | b't' | b'r'));
            if (upper || lower && !escape()) && line[e..e + sep].contains(&b'\\') {
                let t = e + sep;
                let n = line[t..]
                    .iter()
                    .take_while(|b| checks::is_word(**b) || matches!(b, b'.' | b'-' | b'$'))
                    .count();
                if n > 0 && line[t].is_ascii_alphabetic() {
                    (s, e) = (t, t + n);
                }
            }
            while e > s && matches!(line[e - 1], b'.' | b'-') {
                e -= 1;
            }
            let shape_ok = if alt == self.mention {
                mention_is_user(line, s, e)
            } else if alt == self.prose_login {
                prose_login_is_user(line, s, e)
            } else if alt == self.prose_user
                || self.worded.contains(&alt)
                || (alt == self.keyed
                    && s > 0
                    && (line[s - 1] == b':' || line[s].is_ascii_uppercase()))
            {
                // `user directories`, `the user running man`: the text going
                // on; `admin:user:create`, `occ user:add`: a command's
                // namespace; `User: Own Documents Only`, a capitalised word
                // after a key: a title. Not logins.
                !names::is_common_word(&line[s..e].to_ascii_lowercase())
            } else if alt == self.domain_user {
                domain_user_is_user(line, s)
            } else if alt == self.for_from {
                for_from_is_user(line, s, e)
            } else if alt == self.subject {
                // An opaque id (`auth0|5f7c…`, `248289761001`; UUIDs are
                // no login anywhere, see `plausible_user`) is no login.
                !checks::random_shape(&line[s..e]) && checks::digit_count(&line[s..e]) < 4
            } else {
                true
            };
            if shape_ok && plausible_user(line, s, e) {
                out.push(if self.speakers.contains(&alt) {
                    Finding::speaker(s, e)
                } else {
                    Finding::new(s, e, Kind::Username)
                });
                // Resume right after the name: `for alice from` may hold more.
                at = at.min(e.max(m.start() + 1));
            } else {
                // A rejected candidate must not hide a match that starts
                // inside it (`op=login acct="alice"`).
                at = m.start() + 1;
            }
        }
    }
}

/// Logins of the `first.last` shape wherever they stand as a word of their
/// own (`userpass-maya.lindgren`, `/avatars/emre.demir/`): a listed first
/// name that is not an everyday word, a dot, and a surname, all lower
/// case; or an initial or any other word that is not an everyday one, a
/// dot and a listed surname (`t.kowalczyk`, `ayo.balogun`). File names
/// (`hugo.toml`, `pam.d`), domains (`anna.example.org`, `gioele.io`),
/// addresses and calls (`anna.run(`) stay, and so does a common word after
/// the dot (`grace.period`).
pub(crate) fn dotted_logins(line: &[u8], out: &mut Vec<Finding>) {
    // Where the run of lower-case letters that ends at `i` starts.
    let word_start = |i: usize| {
        i - line[..i]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_lowercase())
            .count()
    };
    for dot in memchr::memchr_iter(b'.', line) {
        let s = word_start(dot);
        let before_ok = s == 0
            || matches!(
                line[s - 1],
                b' ' | b'\t'
                    | b'"'
                    | b'\''
                    | b'/'
                    | b'\\'
                    | b'-'
                    | b','
                    | b';'
                    | b':'
                    | b'='
                    | b'|'
                    | b'('
                    | b'['
                    | b'{'
                    | b'<'
            );
        if !(1..=15).contains(&(dot - s)) || !before_ok {
            continue;
        }
        let e = dot
            + 1
            + line[dot + 1..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count();
        let last = &line[dot + 1..e];
        let after_ok = match line.get(e) {
            None => true,
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'(' | b'$') => false,
            Some(b'.' | b'-' | b'@') => !line.get(e + 1).is_some_and(u8::is_ascii_alphanumeric),
            Some(_) => true,
        };
        // Two letters are a country's domain more often than a surname
        // (`martin.st`), one a file type (`pam.d`, `conn.c`). The first
        // name, the most selective test, comes before the word lists. An
        // initial or another word needs a listed surname (`t.kowalczyk`,
        // `ayo.balogun`; not `e.target`).
        let first = &line[s..dot];
        let person = if dot - s == 1 {
            last.len() >= 4 && names::is_surname(last)
        } else {
            names::is_plain_first_name(first)
                || (last.len() >= 4
                    && names::is_surname(last)
                    && !names::is_common_word(first)
                    && !names::is_org_word(first)
                    // MIME types and libraries: `vnd.mason`, `libassuan.vers`.
                    && !matches!(first, b"vnd" | b"prs")
                    && !first.starts_with(b"lib"))
        };
        if !(3..=20).contains(&last.len())
            || !after_ok
            || !person
            || names::is_common_word(last)
            || FILE_EXTENSIONS.contains(&last)
            || !plausible_user(line, s, e)
        {
            continue;
        }
        // A double first name goes whole: `anne-marie.dubois`.
        let mut start = s;
        if s > 1 && line[s - 1] == b'-' {
            let w = word_start(s - 1);
            if s - 1 - w >= 2 && names::is_plain_first_name(&line[w..s - 1]) {
                start = w;
            }
        }
        out.push(Finding::new(start, e, Kind::Username));
    }
}

/// Compact logins, an initial and a surname in one lower-case word, wherever
/// they stand as a word of their own or a `-`/`_`/`.`/`/`-separated piece of
/// one (`last` output, `cancel -u kmbeki`, `oidc-hsato`, `corp\mvisser`,
/// `/exports/vpatel/`): the surname listed (`surnames.txt`), the whole not an
/// everyday word or a first name ([`names::is_compact_login`]). A piece of
/// a word with digits or capitals (`xmartin2`, `Dmartin`) stays, and so does
/// the word after a string escape (`\nmartin` is a line break and
/// `martin`) unless a domain in capitals is before it (`CORP\nhaddad`).
pub(crate) fn compact_logins(line: &[u8], out: &mut Vec<Finding>) {
    // Every run of MIN lower-case letters or more holds an index `i` with
    // `i % MIN == MIN - 1`: probe only those, and measure the run around
    // a hit (most bytes of a line are never read).
    const MIN: usize = 5;
    let piece_edge = |b: u8| !(b.is_ascii_alphanumeric() || b >= 0x80);
    let mut i = MIN - 1;
    while i < line.len() {
        if !line[i].is_ascii_lowercase() {
            i += MIN;
            continue;
        }
        let mut s = i;
        while s > 0 && line[s - 1].is_ascii_lowercase() {
            s -= 1;
        }
        let mut e = i + 1;
        while e < line.len() && line[e].is_ascii_lowercase() {
            e += 1;
        }
        // The next run starts after `e`; if it is long enough, it holds
        // `e + MIN`.
        i = e + MIN;
        if !(MIN..=20).contains(&(e - s)) {
            continue;
        }
        let escape = s >= 1 && line[s - 1] == b'\\' && matches!(line[s], b'n' | b't' | b'r') && {
            let before = &line[..s - 1];
            let n = before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
                .count();
            let domain = &before[before.len() - n..];
            domain.is_empty() || domain.iter().any(u8::is_ascii_lowercase)
        };
        if (s > 0 && !piece_edge(line[s - 1]))
            || line.get(e).is_some_and(|b| !piece_edge(*b))
            || escape
            || in_prose(line, s, e)
            || in_dotted_name(line, e)
        {
            continue;
        }
        if names::is_compact_login(&line[s..e]) && plausible_user(line, s, e) {
            out.push(Finding::new(s, e, Kind::Username));
        }
    }
}

/// Whether the word at `s..e` is a label of a domain or a file name with
/// more labels after it (`https://brenner.jamfcloud.example/`,
/// `proxy.brenner-logistik.example`, `smtp-relay.mailin.example`,
/// `brenner.log`): a company's or a program's word, not a login. The last
/// label of a dotted login stays one (`adm.lgarcia`, `lager.mpetrovic`).
fn in_dotted_name(line: &[u8], e: usize) -> bool {
    let after = line[e..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    line[e..e + after]
        .windows(2)
        .any(|w| w[0] == b'.' && w[1].is_ascii_alphabetic())
}

/// Whether the word at `s..e` stands between two lower-case words, one blank
/// on each side (`violazione degli stessi`, `rappresenti, esegui, reciti`,
/// `(come sotto definita)`, `eller vissa f&ouml;rkortningar`): running
/// text, where a word that spells an initial and a surname is a word of
/// some language, not a login.
fn in_prose(line: &[u8], s: usize, e: usize) -> bool {
    // Words after which a person is named (`for dkovac and nhassan`,
    // `flagged by dcastaneda`, `l'identifiant est tbernard`) do not make
    // it running text.
    const BEFORE_A_PERSON: &[&[u8]] = &[
        b"for", b"by", b"to", b"from", b"with", b"as", b"and", b"or", b"user", b"login",
        b"account", b"cc", b"is", b"est", b"es", b"ist",
    ];
    let word_before = s >= 2 && line[s - 1] == b' ' && {
        let head = &line[..s - 1];
        let head = head.strip_suffix(b",").unwrap_or(head);
        let n = head
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_lowercase())
            .count();
        let word = &head[head.len() - n..];
        n > 0
            && (head.len() == n || matches!(head[head.len() - n - 1], b' ' | b'('))
            && !BEFORE_A_PERSON.contains(&word)
    };
    let tail = &line[e..];
    let tail = tail.strip_prefix(b",").unwrap_or(tail);
    let word_after = tail.first() == Some(&b' ') && {
        // Letters, also as HTML entities (`f&ouml;rkortningar`).
        let n = tail[1..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || **b >= 0x80 || matches!(b, b'&' | b';'))
            .count();
        n > 0
            && tail[1].is_ascii_lowercase()
            && tail
                .get(1 + n)
                .is_none_or(|b| matches!(b, b' ' | b',' | b'.' | b';' | b')'))
    };
    word_before && word_after
}

/// File name extensions and top-level domains of three letters or more
/// that are not common words (`toml`, `conf`, `com`): after a first name
/// and a dot they make a file or domain name, not a login.
const FILE_EXTENSIONS: &[&[u8]] = &[
    b"com", b"net", b"org", b"edu", b"gov", b"mil", b"int", b"biz", b"dev", b"app", b"xyz",
    b"corp", b"lan", b"arpa", b"xhtml", b"pot", b"toml", b"yaml", b"yml", b"json", b"jsonl",
    b"conf", b"cfg", b"ini", b"env", b"log", b"txt", b"rst", b"csv", b"tsv", b"xml", b"html",
    b"htm", b"css", b"mjs", b"tsx", b"jsx", b"bash", b"zsh", b"php", b"java", b"lua", b"sql",
    b"sqlite", b"pdf", b"doc", b"docx", b"xls", b"xlsx", b"ppt", b"pptx", b"odt", b"ods", b"jpg",
    b"jpeg", b"png", b"gif", b"svg", b"webp", b"heic", b"mov", b"wav", b"zip", b"tgz", b"zst",
    b"tar", b"rar", b"jar", b"war", b"deb", b"rpm", b"apk", b"iso", b"img", b"vmdk", b"pem",
    b"crt", b"cer", b"der", b"csr", b"pub", b"gpg", b"asc", b"sig", b"bak", b"tmp", b"swp",
    b"lock", b"pid", b"sock", b"service", b"socket", b"timer", b"mount", b"desktop", b"ldif",
    b"vcf", b"ics", b"eml", b"msg", b"dll", b"exe", b"bin", b"dat", b"out", b"err", b"kdbx",
    b"ovpn", b"key", b"ppk", b"tfvars", b"hcl", b"nix",
];

/// Whether `line` starts as a line of WeeChat's log does: a date, a time
/// and a tab (`2024-05-14 19:02:40\t`).
fn weechat_time(line: &[u8]) -> bool {
    line.len() > 20
        && line[19] == b'\t'
        && line[..19].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// Whether one of the alternatives that [`CUES`] does not cover may match:
/// `user@host:~`, `user@1.2.3.4`, `user@host ` (an '@' after a name byte,
/// then a host part that is not a dotted domain, or ends in ':', or is an
/// address), a mention (`@jdoe` after a blank or the line start), the
/// access log's `- user [01/Mar/2024:`, OpenVPN's `user/1.2.3.4:port` and
/// an IRC speaker after a time (`[09:14] <alice>`: the prefilter's cues
/// hold no bracket). A cheap necessary condition: e-mail addresses, `ip - -
/// [date` lines and paths fail it.
fn uncued_user_may_match(line: &[u8]) -> bool {
    let irc = memchr::memchr_iter(b'<', line).any(|a| {
        a >= 2 && matches!(line[a - 1], b' ' | b'\t') && {
            let p = line[a - 2];
            p == b']' || p.is_ascii_digit()
        }
    });
    if irc {
        return true;
    }
    let name_byte = |b: u8| checks::is_word(b) || matches!(b, b'.' | b'-' | b'$');
    let host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    for a in memchr::memchr_iter(b'@', line) {
        let after = &line[a + 1..];
        if (a == 0
            || matches!(
                line[a - 1],
                b' ' | b'\t'
                    | b'('
                    | b','
                    | b';'
                    | b'['
                    | b'='
                    | b'"'
                    | b'\''
                    | b'\n'
                    | 0x0b
                    | 0x0c
                    | b'\r'
            ))
            && after.first().is_some_and(u8::is_ascii_lowercase)
        {
            return true;
        }
        if a == 0 || !name_byte(line[a - 1]) {
            continue;
        }
        // `@[0-9]{1,3}\.`...: an address.
        if after.first().is_some_and(u8::is_ascii_digit) {
            return true;
        }
        // `@[A-Za-z0-9\-]+(?:[:\s'"]|$)`: one label, not followed by '.'.
        let label = after.iter().take_while(|b| host_byte(**b)).count();
        if label > 0 && after.get(label) != Some(&b'.') {
            return true;
        }
        // `@[A-Za-z0-9.\-]+:[~/]`: a dotted host, then ':'.
        let host = after
            .iter()
            .take_while(|b| host_byte(**b) || **b == b'.')
            .count();
        if host > 0 && after.get(host) == Some(&b':') {
            return true;
        }
    }
    for b in memchr::memchr_iter(b'[', line) {
        // `- NAME [dd/`: blanks, a name ending in a name byte, blanks, then
        // '-', a digit or ']'.
        let date = line
            .get(b + 1..b + 4)
            .is_some_and(|d| d[0].is_ascii_digit() && d[1].is_ascii_digit() && d[2] == b'/');
        if !date {
            continue;
        }
        let mut j = b;
        while j > 0 && matches!(line[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        let name_end = j;
        while j > 0 && !matches!(line[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        let name_start = j;
        while j > 0 && matches!(line[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if name_end > name_start
            && name_end < b
            && name_start > j
            && j > 0
            && (matches!(line[j - 1], b'-' | b']') || line[j - 1].is_ascii_digit())
            && (line[name_start].is_ascii_alphabetic() || line[name_start] == b'_')
        {
            return true;
        }
    }
    // WeeChat's log: `2024-05-14 19:02:40<TAB>nick<TAB>`.
    if weechat_time(line) {
        return true;
    }
    // OpenVPN's status file: `NAME,1.2.3.4:port,`.
    if let Some(c) = memchr::memchr(b',', line) {
        let rest = &line[c + 1..];
        if c > 0 && (rest.starts_with(b"[IPV4:") || dotted_quad_then_colon(rest)) {
            return true;
        }
    }
    // `NAME/1.2.3.4:` or `NAME/[IPV4:`.
    memchr::memchr_iter(b'/', line).any(|i| {
        i > 0 && name_byte(line[i - 1]) && {
            let rest = &line[i + 1..];
            rest.starts_with(b"[IPV4:") || dotted_quad_then_colon(rest)
        }
    })
}

/// Whether `rest` starts with `d.d.d.d:` (one to three digits each).
fn dotted_quad_then_colon(rest: &[u8]) -> bool {
    let mut i = 0;
    for part in 0..4 {
        let digits = rest[i..]
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(1..=3).contains(&digits) {
            return false;
        }
        i += digits;
        let sep = if part == 3 { b':' } else { b'.' };
        if rest.get(i) != Some(&sep) {
            return false;
        }
        i += 1;
    }
    true
}

/// Logins that stand for one in documentation and sample configurations.
const PLACEHOLDER_USERS: &[&[u8]] = &[
    b"myusername",
    b"yourusername",
    b"your_username",
    b"your-username",
    b"username",
    b"user_name",
    b"myuser",
    b"youruser",
    b"someuser",
];

pub(crate) fn plausible_user(line: &[u8], s: usize, e: usize) -> bool {
    let v = &line[s..e];
    // One letter is no login: after a backslash it is an escape (`"CORP\n"`).
    if v.len() < 2 || v.len() > 64 {
        return false;
    }
    // The next key of a `k=v` list, not a value: `ruser= rhost=...`.
    if line.get(e) == Some(&b'=') {
        return false;
    }
    if v.iter().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // A locale (`en_IE@euro`, `de_DE`): language, `_`, country.
    let locale = matches!(v.len(), 5 | 6)
        && v[v.len() - 3] == b'_'
        && v[..v.len() - 3].iter().all(u8::is_ascii_lowercase)
        && v[v.len() - 2..].iter().all(u8::is_ascii_uppercase);
    if locale {
        return false;
    }
    // Ids, not logins: a UUID, a long value with a long number inside
    // (`UID:A1B2C3D4-…`, an iCalendar event's;
    // `zoom-93300184220-20240607T130000Z`; a staff number such as
    // `PR88412207` is a login), or capitals and digits that are long (an
    // AWS user's unique id, `AIDAJQABLZS4A3QDU576Q`) or alternate (a Slack
    // member id, `U05ABCD1234`).
    let capitals_and_digits = v
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && v.iter().any(u8::is_ascii_digit);
    // An id with a short type prefix (`u_481920`, `user-231`, `usr-00042`)
    // is no login either.
    let typed_id = v
        .iter()
        .position(|b| matches!(b, b'-' | b'_'))
        .is_some_and(|p| {
            (1..=4).contains(&p)
                && v[..p].iter().all(u8::is_ascii_lowercase)
                && v.len() - p > 3
                && v[p + 1..].iter().all(u8::is_ascii_digit)
        });
    if typed_id
        || checks::is_uuid(v)
        || (v.len() >= 16 && checks::digit_count(v) >= 8)
        || (capitals_and_digits
            && (v.len() >= 16 || (v.len() >= 9 && checks::letter_digit_changes(v) >= 3)))
    {
        return false;
    }
    // A field's name (`User SID: S-1-5-…`), a product token (`logged in as
    // VMware-client/6.5.0`) or a GitHub app (`dependabot[bot]`).
    let rest = &line[e..];
    if (v.len() <= 4 && v.iter().all(u8::is_ascii_uppercase) && rest.starts_with(b":"))
        || (rest.first() == Some(&b'/') && rest.get(1).is_some_and(u8::is_ascii_digit))
        || rest.starts_with(b"[bot]")
    {
        return false;
    }
    // Placeholders in documentation and sample configs (`username
    // myusername`), and reverse-DNS names (`--user org.a11y.Bus`, a D-Bus
    // or Java name).
    if PLACEHOLDER_USERS.iter().any(|p| p.eq_ignore_ascii_case(v))
        || [&b"org."[..], b"com.", b"net.", b"io."].iter().any(|p| {
            v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
                && v[p.len()..].contains(&b'.')
        })
    {
        return false;
    }
    // A URL's scheme: `for 'https://host/…'`, `UID:urn:uuid:…`.
    if line[e..].starts_with(b"://")
        || (line.get(e) == Some(&b':')
            && matches!(
                v,
                b"urn"
                    | b"http"
                    | b"https"
                    | b"mailto"
                    | b"ldap"
                    | b"ldaps"
                    | b"sip"
                    | b"tel"
                    | b"file"
            ))
    {
        return false;
    }
    // A Traefik provider: `middlewareName=auth-basic@file`.
    if line[e..].starts_with(b"@")
        && line[e + 1..]
            .split(|b| !b.is_ascii_alphabetic())
            .next()
            .is_some_and(|w| {
                matches!(
                    w,
                    b"file"
                        | b"docker"
                        | b"internal"
                        | b"kubernetescrd"
                        | b"kubernetes"
                        | b"consulcatalog"
                        | b"ecs"
                        | b"http"
                        | b"swarm"
                )
            })
    {
        return false;
    }
    // Cut short by a non-ASCII letter (`Kateřina`): a name, not a login.
    if line.get(e).is_some_and(|b| *b >= 0x80) {
        return false;
    }
    // systemd units (`journalctl -u nginx.service`) are not users.
    if checks::is_systemd_unit(v) {
        return false;
    }
    // Already a token (`[USERNAME:...]` starts with '[' so cannot match), or a
    // number with a unit.
    if v[0].is_ascii_digit() {
        return false;
    }
    // At most 64 bytes (checked above); ASCII (the regex's name class).
    let mut buf = [0u8; 64];
    let Some(lower) = checks::lower_in(v, &mut buf) else {
        return false;
    };
    if not_personal(lower) {
        return false;
    }
    if lower.starts_with(b"systemd-")
        || lower.starts_with(b"_") && lower.len() > 1 && !checks::is_word(lower[1])
    {
        return false;
    }
    true
}

/// A system account or a word that follows a user cue without being a
/// user name (lowercase input).
pub(crate) fn not_personal(lower: &[u8]) -> bool {
    static SET: OnceLock<HashSet<&'static [u8]>> = OnceLock::new();
    SET.get_or_init(|| {
        SYSTEM_ACCOUNTS
            .iter()
            .chain(STOP)
            .map(|w| w.as_bytes())
            .collect()
    })
    .contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::detect::big_regex;

    /// Each alternative, compiled alone on first use, builds and holds
    /// exactly one group: the name.
    #[test]
    fn every_alternative_builds_with_one_group() {
        let users = Users::new(Tables::Compact);
        for i in 0..users.alts.len() {
            assert_eq!(
                users.alternative(i).group_info().group_len(0.into()),
                2,
                "{}",
                users.alts[i]
            );
        }
    }

    /// The alternatives without a literal cue in [`CUES`] never match where
    /// [`uncued_user_may_match`] says they cannot.
    #[test]
    fn uncued_alternatives_are_prefiltered() {
        const UNCUED: &[&str] = &[
            "(?P<g>", "(?P<m>", "(?P<n>", "(?P<o>", "(?P<s>", "(?P<u>", "(?P<ah>",
        ];
        let uncued: Vec<String> = alternatives()
            .into_iter()
            .filter(|a| UNCUED.iter().any(|g| a.contains(g)))
            .collect();
        assert_eq!(uncued.len(), UNCUED.len());
        let re = big_regex(&format!("(?-u){}", uncued.join("|"))).unwrap();
        let pieces: &[&[u8]] = &[
            b"bob",
            b"a.b",
            b"x_1$",
            b"@",
            b"@",
            b" - ",
            b"bob@",
            b"@host",
            b"bob@10.0.0.1",
            b"bob@host:~",
            b"10.0.0.1 - bob [",
            b"example",
            b".",
            b"com",
            b"10",
            b"1.2.3.4",
            b":",
            b"~",
            b"/",
            b" ",
            b"\t",
            b"-",
            b"'",
            b"\x22",
            b"[",
            b"(",
            b"=",
            b"[01/Mar/2024:10:00:00",
            b"- bob [01/Mar/2024:",
            b"@jdoe",
            b"alice/",
            b"/10.0.0.1:443",
            b"[IPV4:0123abcd]",
            b":443",
            b"alice,",
            b",10.0.0.1:1194,",
            b"12,34,",
            b"\xc3\xa9",
        ];
        let mut rng = crate::redact::tests::Rng(0x9e37_79b9_7f4a_7c15);
        let mut below = |n: usize| rng.below(n);
        let mut matched = 0;
        for _ in 0..50_000 {
            let mut line = Vec::new();
            for _ in 0..below(12) {
                line.extend_from_slice(pieces[below(pieces.len())]);
            }
            if re.is_match(&line) {
                matched += 1;
                assert!(
                    uncued_user_may_match(&line),
                    "{:?}",
                    String::from_utf8_lossy(&line)
                );
            }
        }
        assert!(matched > 5000, "only {matched} generated lines match");
    }
}
