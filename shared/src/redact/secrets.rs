//! Secrets by context: values assigned to password/secret/token/key names in
//! `key=value`, `key: value`, JSON, INI, YAML, .env and shell syntax, plus a
//! few command-line and prose forms (`--password x`, `IDENTIFIED BY 'x'`,
//! `password is x`), XML elements and attributes, the lines of
//! credential files (htpasswd, shadow, `.pgpass`), and, with no cue at
//! all, words shaped as password policies ask (`Lisboa#Tejo42`).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::checks;
use super::detect::{any_case, big_regex, builtin_bug};
use super::finding::Finding;
use super::prefilter::{self, Hints};
use super::token::Kind;

#[derive(Clone)]
pub(crate) struct Secrets {
    assign: Regex,
    phrase: Regex,
    /// The groups of `phrase` whose value must read as a password
    /// (`password_like`): the verbless prose alternative, a quoted `-p`.
    checked: [usize; 2],
    /// Groups whose value needs this many digits or more: national
    /// identity and bank account numbers (six), passport numbers (five).
    digits: [(usize, usize); 2],
    /// The groups whose value must read as an access code
    /// ([`access_code`]): meeting and door codes, a config line's value, a
    /// directive's.
    codes: [usize; 3],
    /// PINs and one-time codes: not part of a date or a time.
    pins: [usize; 2],
    xml: Regex,
}

/// Literals (ASCII, any case) that every match of `assign` or `phrase`
/// contains: a line without one (nor a password word, [`cues`]) skips
/// both regexes (see [`super::prefilter`]).
const CUES: &[&str] = &[
    // `assign` key words.
    "pass",
    "pw",
    "secret",
    "token",
    "key",
    "cred",
    "auth",
    "cookie",
    // Session keys, with what follows them in a key (not the word
    // "session" of "Started Session 4 of User").
    "session_",
    "session=",
    "session:",
    "session\"",
    "session'",
    "session-",
    "session.",
    "sessid",
    "sessionid",
    "sess=",
    "sess_",
    "sess-",
    "sess.",
    "sid=",
    "sid:",
    "sid\"",
    "sid'",
    // URL signatures (`sig=`, Azure SAS).
    "sig=",
    "psk",
    "cvc",
    "cvv",
    "community",
    "passwort",
    "kennwort",
    "wachtwoord",
    "senha",
    "contrase",
    // `phrase` literals not covered above.
    "identified",
    "mysql",
    "-u",
    "docker",
    "podman",
    "nerdctl",
    "helm",
    "skopeo",
    "buildah",
    "oras",
    "htpasswd",
    "useradd",
    "usermod",
    "mot de passe",
    "define(",
    "ldap",
    "redis-cli",
    "smbclient",
    "net use",
    "requirepass",
    "masterauth",
    "isakmp",
    "login ok",
    "recovery",
    "bitlocker",
    "rabbitmqctl",
    "-p '",
    "option",
    "csc",
    "csrf",
    "xsrf",
    "$1$",
    "$apr1$",
    "$2a$",
    "$2b$",
    "$2y$",
    "$5$",
    "$6$",
    "$y$",
    "$argon2",
    "dni",
    "cpf",
    // Short ids with a blank before them, or a key's punctuation after:
    // `itin `, `pps ` and `rut ` alone are parts of `waiting `, `apps `,
    // `brut `.
    "tckn",
    " rut ",
    "rut=",
    "rut:",
    "rut\"",
    " itin ",
    "itin:",
    "itin=",
    " pps ",
    "ppsn",
    "pps:",
    "pps=",
    "pps\"",
    "pps'",
    "kvnr",
    "medicaid",
    "medicare",
    "henkil",
    "hetu",
    "rodn",
    "slo op",
    "azonos",
    "dowód",
    "dowod",
    "cnpj",
    "personnummer",
    "kimlik",
    "pesel",
    "codice fiscale",
    "national id",
    "nif",
    "bsn",
    "burgerservicenummer",
    "steuer",
    "licen",
    "hrerschein",
    "ahv",
    "national insurance",
    "nino",
    "aadhaar",
    "account number",
    "account no",
    "account nr",
    " acct ",
    "_acct",
    "acct=",
    "acct:",
    " acc ",
    "számlaszám",
    "szamlaszam",
    "kontonummer",
    "rekeningnummer",
    "de cuenta",
    // Meeting and door access codes (`phrase`): the code words of
    // `CODE_WORDS` hold the others' (`Kenncode`, `Kod dostępu`); `passport`,
    // `passeport` and `pasaporte` hold `pass`.
    "digo de acceso",
    "reisepass",
    // Nagios' HTTP checks (`check_http … -a U:P`).
    "check_",
    // `netsh wlan show profile … key=clear` (`phrase`).
    "key content",
    "sselinhalt",
    "contenu de la cl",
    "contenido de la clave",
    "contenuto chiave",
    "sleutelinhoud",
    "do da chave",
    // A card's verification code (`CID 4410` on an Amex).
    "cid ",
    "cid:",
    // PINs and one-time codes (`phrase`).
    "pin ",
    "pin:",
    "pin=",
    "pin,",
    "pin\"",
    "pin'",
    "otp",
    "passcode",
    "verification code",
    "security code",
    "confirmation code",
    "one-time code",
    "kód je ",
    "kod je ",
    "kod jest ",
    "codice è ",
    "código es ",
    "código é ",
    "code est ",
    "code ist ",
];

/// The cues of the secret group: [`CUES`] and the words of the detectors
/// in [`OWN_CUES`] (see [`super::prefilter`]), each once and without
/// those that hold another (`password` holds `pass`): the overlapping
/// scan would report both on every such line for nothing.
pub(crate) fn cues() -> Vec<String> {
    let all: Vec<&str> = CUES
        .iter()
        .chain(
            OWN_CUES
                .iter()
                .flat_map(|(_, lists, _)| lists.iter().copied().flatten()),
        )
        .copied()
        .collect();
    all.iter()
        .enumerate()
        .filter(|(i, w)| {
            !all[..*i].contains(w) && !all.iter().any(|c| c.len() < w.len() && w.contains(c))
        })
        .map(|(_, w)| (*w).to_owned())
        .collect()
}

/// A detector of the secret group that looks for cue words of its own.
type Detector = fn(&[u8], &mut Vec<Finding>);

/// The detectors of the secret group that look for cue words of their
/// own, each with an automaton over the whole line: each has a bit in the
/// cue scan ([`own_cue_groups`]) and runs only where the scan saw one of
/// its words, in this order.
const OWN_CUES: [(u32, &[&[&str]], Detector); 9] = [
    (prefilter::ORACLE_LOGINS, &[ORACLE_TOOLS], oracle_logins),
    (prefilter::ID_KEYS, &[ID_KEY_CUES], identity_values),
    (
        prefilter::PASSWORD_PROSE,
        &[PASSWORD_WORDS, PASSWORD_WHOLE_WORDS, PASSWORD_PHRASES],
        prose_passwords,
    ),
    (prefilter::KEY_PROSE, &[KEY_PROSE_WORDS], prose_keys),
    (prefilter::SENT_CODES, &[CODE_WORDS], sent_codes),
    (
        prefilter::GROUPED_CODES,
        &[GROUPED_CODE_WORDS],
        grouped_codes,
    ),
    (prefilter::CHPASSWD, &[&["chpasswd"]], chpasswd_pairs),
    (
        prefilter::PHP_CONNECT,
        &[PHP_CONNECT_CALLS],
        php_connect_passwords,
    ),
    (prefilter::MY_NUMBER, &[MY_NUMBER_NAMES], my_numbers),
];

/// The cue-scan groups of [`OWN_CUES`]: for each detector the cues of
/// [`cues`] that one of its words holds. A line with one of those words
/// (in any ASCII case) holds one of these cues, so skipping the detector
/// on a line without them loses nothing (every word holds one: [`cues`]
/// drops only words that hold a shorter one).
pub(crate) fn own_cue_groups() -> Vec<(u32, Vec<String>)> {
    let cues = cues();
    OWN_CUES
        .iter()
        .map(|(group, lists, _)| {
            let mine = cues
                .iter()
                .filter(|c| {
                    lists
                        .iter()
                        .copied()
                        .flatten()
                        .any(|w| w.contains(c.as_str()))
                })
                .cloned()
                .collect();
            (*group, mine)
        })
        .collect()
}

/// Key words that name a secret on their own.
const STRONG: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "pass",
    "pw",
    "passcode",
    "secret",
    "secrets",
    "token",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "authorization",
    "privatekey",
    "secretkey",
    "accesskey",
    "apitoken",
    "authtoken",
    // SSSD and PAM: `ldap_default_authtok = x`.
    "authtok",
    "cookie",
    "sessionkey",
    "pgpassword",
    "mysqlpwd",
    "dbpass",
    "psk",
    "wpapsk",
    "cvc",
    "cvc2",
    "cvv",
    "cvv2",
    "community",
    "passwort",
    "kennwort",
    "wachtwoord",
    "senha",
    "contrasena",
    "csrf",
    "xsrf",
];

/// Words that make `key` a secret name (`api_key`, `SigningKey`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "signing",
    "encryption",
    "master",
    "license",
    "client",
    "app",
    "auth",
    "shared",
    "hmac",
    "session",
    "ssh",
    "gpg",
    "crypt",
    "enc",
    "consumer",
    "subscription",
    "account",
    "storage",
    "service",
    "webhook",
    "jwt",
    "aes",
    "root",
    "admin",
    "x",
    "wifi",
    "wpa",
    "preshared",
    "pre",
    "application",
    "routing",
    "integration",
    "unseal",
    "recovery",
    "deploy",
    "registration",
    "bootstrap",
    "join",
    "sas",
    "ingest",
    "activation",
    "product",
    "wireless",
    "network",
    "csrf",
    "xsrf",
];

/// Words that make a secret-looking key describe something else
/// (`token_ttl`, `password_min_length`, `key_file`).
const NEGATIVE: &[&str] = &[
    // sudoers' tag (`NOPASSWD: /usr/bin/systemctl`).
    "nopasswd",
    // PAM's control value `new_authtok_reqd=done`.
    "reqd",
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "name",
    "type",
    "size",
    "len",
    "length",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "exp",
    "age",
    "count",
    "remaining",
    "left",
    "max",
    "min",
    "limit",
    "id",
    "ids",
    "alg",
    "algorithm",
    // PostgreSQL's `password_encryption = scram-sha-256`: the hashing method.
    "encryption",
    "format",
    "url",
    "uri",
    "endpoint",
    "enabled",
    "enable",
    "required",
    "policy",
    "rotation",
    "version",
    "interval",
    "seconds",
    "secs",
    "ms",
    "prefix",
    "header",
    "field",
    "hint",
    "location",
    "mode",
    "changed",
    "last",
    "updated",
    "at",
    "strength",
    "complexity",
    "chars",
    "history",
    "attempts",
    "retries",
    "tries",
    "used",
    "source",
    "provider",
    "method",
    "lifetime",
    "validity",
    "duration",
    "period",
    "bits",
    "usage",
    "pattern",
    "regex",
    "rules",
    "env",
    "var",
    "command",
    "cmd",
    "helper",
    "store",
    "manager",
    "auth",
    "authentication",
    "required",
    "reset",
    "expired",
    "valid",
    "invalid",
    "error",
    "errors",
    // An exception's class before its message
    // (`BadCredentialsException: Bad credentials for user …`).
    "exception",
    "failed",
    "failures",
    "status",
    "label",
    "description",
    "desc",
    "kind",
    "class",
];

/// Values that are not secrets: empty placeholders, nulls, structure openers.
const PLACEHOLDERS: &[&str] = &[
    "null",
    "none",
    "nil",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "{",
    "[",
    "{}",
    "[]",
    "''",
    "\"\"",
    "|",
    ">",
    "|-",
    ">-",
    "undefined",
    "redacted",
    "<redacted>",
    "***",
    "****",
    "********",
    "xxx",
    "changeme?",
    "-",
    "=",
    "required",
    "optional",
    "set",
    "unset",
    "empty",
    "hidden",
    "masked",
    "<hidden>",
    "<masked>",
    "(hidden)",
    "(none)",
];

/// HTTP authentication schemes (the word after `Authorization:`).
const AUTH_SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "digest",
    "negotiate",
    "ntlm",
    "token",
    "hoba",
    "mutual",
];

/// Words that follow `password is` in prose without being a password.
/// nsswitch.conf's sources (`passwd: files systemd`).
const NSS_SOURCES: &[&str] = &[
    "files",
    "compat",
    "systemd",
    "sss",
    "ldap",
    "nis",
    "nisplus",
    "db",
    "winbind",
    "hesiod",
    "cache",
    "extrausers",
    "altfiles",
    "usrfiles",
];

const PROSE_STOP: &[&str] = &[
    "reset",
    "changed",
    "updated",
    "incorrect",
    "invalid",
    "wrong",
    "expired",
    "required",
    "missing",
    "empty",
    "too",
    "not",
    "set",
    "correct",
    "accepted",
    "rejected",
    "ok",
    "valid",
    "strong",
    "weak",
    "short",
    "long",
    "the",
    "a",
    "an",
    "being",
    "been",
    "for",
    "from",
    "used",
    "given",
    "provided",
    "needed",
    "stored",
    "saved",
    "sent",
    "verified",
    "authentication",
    "auth",
    "check",
    "checks",
    "failed",
    "failure",
    "mismatch",
    "prompt",
    "change",
    "policy",
    "will",
    "must",
    "should",
    "has",
    "have",
    "had",
    "was",
    "is",
    "are",
    "and",
    "or",
    "to",
    "of",
    "in",
    "on",
    "for",
    "with",
    "via",
    "by",
    "file",
    "manager",
    "hash",
    "field",
    "length",
    "refresh",
    "request",
    "requested",
    "revoked",
    "generated",
    "created",
    "rotated",
    "renewed",
    "still",
    "now",
    "already",
    "unknown",
    "unavailable",
];

impl Secrets {
    pub(crate) fn new() -> Self {
        let assign = big_regex(concat!(
            r"(?-u)(?i)(?P<key>[A-Za-z0-9_.\-]*(?:pass|pw|secret|token|key|cred|auth|cookie|sess|sid|sig|psk|cvc|cvv|csrf|xsrf|community|codes|passwort|kennwort|wachtwoord|senha|contrasena)[A-Za-z0-9_.\-]*)",
            r"(?P<q>\\?[\x22']?\]?)[ \t]*(?P<sep>:=|=>|[:=])[ \t]*"
        ))
        .unwrap_or_else(|e| builtin_bug(&e));
        let phrase = big_regex(concat!(
            r"(?-u)(?i)",
            r"(?:(?:^|[ \t])--?(?:password|passwd|pass|pwd|token|secret|api-key|apikey|auth-token|access-token|client-secret|key-password|storepass|keypass|db-password)[ \t]+[\x22']?(?P<flag>[^\s\x22']+))",
            r"|(?:\bidentified[ \t]+(?:with[ \t]+\S+[ \t]+)?by[ \t]+(?:password[ \t]+)?'(?P<sql>[^']+)')",
            r"|(?:\b(?:mysql|mysqldump|mysqladmin)\b[^\n]*?[ \t]-p(?P<mysql>[^\s\-][^\s]*))",
            r"|(?:\bsshpass[ \t]+-p[ \t]*(?P<sshpass>\S+))",
            r"|(?:(?:^|[ \t])(?:-u|--user)[ \t]+[\x22']?[^:\s\x22']+:(?P<curl>[^\s\x22']+))",
            r"|(?:\b(?:password|passwd|passphrase|pwd|secret|token|api[ _\-]?key)[ \t]+(?:is|was|of|set[ \t]+to|changed[ \t]+to|reset[ \t]+to)[ \t]+[\x22'`]?(?P<prose>[^\s\x22'`,;]+))",
            r"|(?:\b(?:api|access|auth|secret|session|refresh|bot|bearer|personal[ \t]+access)[ _\-]?(?:token|key)[ \t]+(?P<tok>[A-Za-z0-9._~+/\-]{16,}=*))",
            // `docker login -u ci -p 'x' registry`.
            r"|(?:\b(?:docker|podman|nerdctl|helm|skopeo|buildah|oras)[ \t]+(?:registry[ \t]+)?login\b[^\n]*?[ \t](?:-p|--password)[ \t=]+[\x22']?(?P<docker>[^\s\x22']+))",
            // SQL and provisioning: `WITH PASSWORD 'x'`, `password for bob to 'x'`.
            r"|(?:\bpassword[ \t]+(?:for[ \t]+\S+[ \t]+to[ \t]+)?'(?P<quoted>[^']+)')",
            // `.netrc`: `machine host login bob password x`.
            r"|(?:^[ \t]*(?:machine[ \t]+\S+|default)\b[^\n]*?[ \t]password[ \t]+(?P<netrc>\S+))",
            // `htpasswd -b FILE USER PASS`, `useradd -p HASH`.
            r"|(?:\bhtpasswd\b[^\n]*?[ \t]-[a-zA-Z]*b[a-zA-Z]*[ \t]+\S+[ \t]+\S+[ \t]+[\x22']?(?P<htpasswd>[^\s\x22']+))",
            r"|(?:\b(?:useradd|usermod)\b[^\n]*?[ \t](?:-p|--password)[ \t]+[\x22']?(?P<useradd>[^\s\x22']+))",
            // A directive of a config file or a device's console, a
            // camelCase key ending in a secret's word and its value after
            // a blank or a comma (`BindPassword x`, Tasmota's `MqttPassword
            // x` and `Password1 x`, a settings export's `ldapBindPassword,x`,
            // `adminPIN,40917`).
            r"|(?:\b(?-i:[A-Za-z][A-Za-z0-9]*[a-z0-9](?:Password|Passphrase|Passwd|Secret|Pin|PIN|Community)|Password[0-9])[ \t]*[ \t,][ \t]*[\x22']?(?P<directive>[^\s,;\x22']+))",
            // SNMP: `community "public2"`; French prose: `mot de passe x`.
            r"|(?:\bcommunity(?:[ \t]+string)?[ \t]+(?:is[ \t]+)?[\x22'](?P<community>[^\x22'\s]+)[\x22'])",
            r"|(?:\bmot[ \t]+de[ \t]+passe[ \t]*(?:est[ \t]+|:[ \t]*)?[\x22']?[ \t]*(?P<fr>[^\s\x22',;]+))",
            // Command lines: `ldapsearch … -w x`, `redis-cli -a x`,
            // `smbclient -U bob%x`, `net use \\fs\share /user:CORP\bob x`.
            r"|(?:\bldap[a-z]*\b[^\n]*?[ \t]-w[ \t]+[\x22']?(?P<ldapw>[^\s\x22']+))",
            r"|(?:\bredis-cli\b[^\n]*?[ \t]-a[ \t]+[\x22']?(?P<redis>[^\s\x22']+))",
            r"|(?:\bsmbclient\b[^\n]*?[ \t]-U[ \t]+[^%\s]+%(?P<smb>[^\s\x22']+))",
            r"|(?:\bnet[ \t]+use\b[^\n]*?[ \t]/user:\S+[ \t]+(?P<netuse>[^\s/][^\s]*))",
            // Redis and its replicas: `requirepass x`, `masterauth x`;
            // Junos: `encrypted-password "$6$…"`; Cisco IOS: `password 7 x`,
            // `secret 5 x`, `key 7 x`, `crypto isakmp key x address`.
            r"|(?:^[ \t]*(?:requirepass|masterauth)[ \t]+[\x22']?(?P<redisconf>[^\s\x22']+))",
            r"|(?:\bencrypted-password[ \t]+[\x22']?(?P<junos>[^\s\x22';]+))",
            r"|(?:(?:^|[ \t])(?:password|secret|key)[ \t]+[0-9][ \t]+(?P<cisco>\S+))",
            r"|(?:\bisakmp[ \t]+key[ \t]+(?P<isakmp>\S+))",
            // Network devices' AAA keys and SNMP communities without a type
            // digit: `tacacs-server key T4c-Key-77`, `radius-server host
            // 10.0.0.5 key x`, `snmp-server community Publ1c-RO RO`.
            r"|(?:\b(?:tacacs-server|radius-server)\b[^\n]*?[ \t]key[ \t]+(?P<aaakey>\S+))",
            r"|(?:\bsnmp-server[ \t]+community[ \t]+(?P<snmp>\S+))",
            // Nagios' HTTP checks: `check_http -H web03 -a monitor:x`.
            r"|(?:\bcheck_(?:http|curl)\b[^\n]*?[ \t](?:-a|--authorization)[ \t=]+[\x22']?[^:\s\x22']+:(?P<nagios>[^\s\x22']+))",
            // A command's arguments in a Kubernetes exec request's query:
            // `command=--password&command=x`.
            r"|(?:[=&]--?(?:password|passwd|pass|pwd|token|secret)&command=(?P<k8sexec>[^&\s\x22]+))",
            // A config block's line that is only a secret's name and its
            // value (a RADIUS client's ` key f-UFNU8JQ…`, `password
            // Gr4nd-2024;`): checked as an access code, so prose (`key
            // exchanges.`) stays.
            r"|(?:^[ \t]*(?:key|secret|password|passwd|psk|pre-shared-key)[ \t]+[\x22']?(?P<cfgline>[^\s\x22';]+)[\x22']?;?[ \t]*$)",
            // FreeRADIUS: `Login incorrect (…): [bob/x] (from client …)`.
            r"|(?:\bLogin[ \t]+(?:OK|incorrect)\b[^\n\[]*\[[^/\]\s]+/(?P<radius>[^\]\s]+)\])",
            // MySQL: `SET PASSWORD FOR 'bob'@'%' = PASSWORD('x')`.
            r"|(?:\bPASSWORD\([ \t]*'(?P<mysqlfn>[^']+)'[ \t]*\))",
            // BitLocker recovery keys: eight groups of six digits.
            r"|(?P<bitlocker>\b[0-9]{6}(?:-[0-9]{6}){7}\b)",
            // PHP constants: `define( 'DB_PASSWORD', 'x' );`.
            r"|(?:\bdefine\([ \t]*['\x22][A-Z_]*(?:PASSWORD|PASS|KEY|SALT|SECRET|TOKEN)[A-Z_]*['\x22][ \t]*,[ \t]*'(?P<php>[^']+)')",
            // Prose without a verb: `temporary password Welcome-Austin-0325`,
            // `Passwort lautet Sonnenblume_77` (checked by `password_like`;
            // a digit or a symbol, which that needs, keeps `password for`
            // from matching at all).
            r"|(?:\b(?:password|passwort|kennwort|wachtwoord|senha|passphrase)(?:[ \t]+(?:lautet|ist|war|est|es|era|was|is))?[ \t]+[\x22'`]?(?P<bare>[^\s\x22'`,;]*[0-9!#$%&*+?@^~][^\s\x22'`,;]*))",
            // A quoted `-p` value that reads as a password (`esxcli … -p
            // 'Rn8#…'`; checked by `password_like`, so `-p '8080:80'` stays).
            r"|(?:(?:^|[ \t])-p[ \t]+'(?P<dashp>[^'\s]+)')",
            // RabbitMQ: `rabbitmqctl add_user bob 'x'`, `change_password bob x`.
            r"|(?:\brabbitmqctl[ \t]+(?:add_user|change_password)[ \t]+\S+[ \t]+[\x22']?(?P<rabbit>[^\s\x22']+))",
            // Redis MONITOR: `\"AUTH\" \"x\"` (or user and password),
            // `\"CONFIG\" \"SET\" \"requirepass\" \"x\"`.
            r"|(?:\x22auth\x22[ \t]+(?:\x22[^\x22]*\x22[ \t]+)?\x22(?P<redisauth>[^\x22]+)\x22)",
            r"|(?:\x22(?:requirepass|masterauth)\x22[ \t]+\x22(?P<redisset>[^\x22]+)\x22)",
            // Windows' `netsh wlan show profile … key=clear`: the Wi-Fi
            // passphrase, blanks and all, in the system's language.
            r"|(?:^[ \t]*(?:key[ \t]+content|schl(?:\xC3\xBC|ue|u)sselinhalt|contenu[ \t]+de[ \t]+la[ \t]+cl(?:\xC3\xA9|e)|contenido[ \t]+de[ \t]+la[ \t]+clave|contenuto[ \t]+chiave|sleutelinhoud|conte(?:\xC3\xBA|u)do[ \t]+da[ \t]+chave)[ \t]*:[ \t]*(?P<wlankey>[^\r\n]*[^\s]))",
            // OpenWrt UCI: `option key 'x'` in a wifi-iface, `option password`.
            r"|(?:^[ \t]*option[ \t]+(?:key|password|psk|sae_password|auth_secret|priv_key|preshared_key|secret)[ \t]+[\x22']?(?P<uci>[^\s\x22']+))",
            // A card's verification code without a separator: `cvv 318`.
            r"|(?:\b(?:cvv2?|cvc2?|csc|(?-i:CID))[ \t]*(?:is[ \t]+|[:=#][ \t]*)?(?P<cvv>[0-9]{3,4})\b)",
            // crypt(3) hashes wherever they stand: `$2y$10$…`, `$6$salt$…`.
            r"|(?P<crypt>\$(?:2[abxy]|5|6|y|argon2id|argon2i)\$[A-Za-z0-9./$=,+]{16,})",
            // MD5-crypt and Apache's variant (htpasswd): a salt of up to
            // eight characters, then 22 (`$apr1$LCucVCyP$dNRX…`).
            r"|(?P<md5crypt>\$(?:1|apr1)\$[A-Za-z0-9./]{1,8}\$[A-Za-z0-9./]{22}\b)",
            // National identity numbers after their name (Spain's DNI,
            // Brazil's CPF/CNPJ, Sweden's personnummer, Turkey's TC kimlik
            // no and TCKN, Chile's RUT, the US ITIN, Poland's PESEL and
            // dowód, Italy's codice fiscale, Ireland's PPS, Finland's
            // henkilötunnus, the Czech rodné číslo and ID card, Hungary's
            // tax id, health insurance numbers: KVNR, Medicaid), bank
            // account numbers (`account number`, `acct`, `acc`,
            // `beneficiary_acct=`, Hungarian `számlaszáma`), also as a key
            // (`CPF=`, `"bsn":`, a Ruby hash's `"tckn"=>"…"` in Rails'
            // parameter logs) and with whose it is between (`NIF do
            // Tiago Moreira é …`, `Codice fiscale di Luca Ferri: …`), and
            // driving licences (`Licence: AE-DXB-4471902`): at least six
            // digits.
            r"|(?:(?:(?:č|\bc)(?:í|i)slo[ \t]+op|(?:\b|_)acct\b|\b(?:dni|nif|bsn|burgerservicenummer|cpf|cnpj|personnummer|kimlik[ \t]+no|tckn|rut|itin|pesel|codice[ \t]+fiscale|steuer-?id|steueridentifikationsnummer|ahv(?:-nr)?|nino|ppsn?|aadhaar|kvnr|medicaid[ \t]+(?:id|no|number)|medicare[ \t]+(?:id|no|number)|henkil(?:ö|o)tunnus|hetu|rodn(?:é|e)[ \t]+(?:č|c)(?:í|i)slo|ad(?:ó|o)azonos(?:í|i)t(?:ó|o)[ \t]+jel|dow(?:ó|o)d(?:[ \t]+osobisty)?|national[ \t]+(?:id|insurance)(?:[ \t]+(?:no|number))?|(?:bank[ \t]+)?account[ \t]+(?:number|no|nr)|acc\b|sz(?:á|a)mlasz(?:á|a)m(?:a|ot)?|kontonummer|rekeningnummer|n(?:u|ú)mero[ \t]+de[ \t]+cuenta|(?:driver'?s?[ \t]+|driving[ \t]+)?licen[cs]e(?:[ \t]+(?:no|number|nr))?|f(?:u|ü|ue)hrerschein(?:nummer)?))\b\.?[\x22']?(?:[ \t]+(?:of|do|da|di|de|del|von|van)(?:[ \t]+(?-i:[A-Z])[^\s:,]*){1,3})?[ \t]*(?:is[ \t]+|é[ \t]+|es[ \t]+|=>[ \t]*|[:#=][ \t]*)?[\x22']?\(?(?P<natid>[0-9A-Z][0-9A-Z.\-/]{1,29}(?:[ \t][0-9]{2,6}){0,4}))",
            // Passport numbers after their name, also as a key
            // (`passport=P1234567`, `"passportNumber":"C4J7X2M91"`):
            // five digits or more.
            r"|(?:\b(?:passport|reisepass|passeport|pasaporte|passaporte|passnummer)(?:[ \t_\-]?(?:number|no|nr|num|nummer))?\.?[\x22']?[ \t]*(?:is[ \t]+|[:#=][ \t]*)?[\x22']?(?P<passport>[0-9A-Z]{6,12})\b)",
            // PINs and one-time codes: four to eight digits (also in dashed
            // groups, `4471-09`: `pin_shape`) after `PIN` or
            // `OTP` (also a key's last word: `mgr_pin=`, `"simPin":`) in
            // the same clause (the verb `pin` only as a name:
            // `pin: 0519`, `pin is`), after a blank, `:`, `=`, a quote or
            // a parenthesis (`online banking PIN (48207)`; not `#8074`,
            // `windows-2019`) (`Alarm PIN 0519`, `PIN for the
            // safe …: 740215`), after a one-time code's name (`verification
            // code is 448812`), or after `code` and a copula in other
            // languages (`kód je 448812`, `Il codice è 590224`; English's
            // `the code is` names error codes as often); not a
            // date's or a time's digits (see `phrases`).
            r"|(?:(?:(?:\b|_)(?:(?:PIN|OTP)\b|(?:[Pp]in|otp)(?:[ \t]*[:=]|[ \t]+(?:is|code|number)\b)|(?i:passcode|verification[ \t]+code|security[ \t]+code|confirmation[ \t]+code|one-time[ \t]+code)\b)|(?-i:[a-z](?:Pin|PIN|Otp|OTP))\b)[^0-9\n.;!?#]{0,60}?[ \t:=\x22'(](?P<pin>[0-9]{2,8}(?:-[0-9]{2,4}){0,3})\b)",
            r"|(?:\b(?:(?:[Kk]ód|[Kk]od|[Cc]odice|[Cc]ódigo)[ \t]+(?:je|jest|è|es|é|:)|[Cc]ode[ \t]+(?:est|ist))[ \t]+(?P<otp>[0-9]{4,8})\b)",
            // Meeting and door access codes in several languages
            // (`Kenncode: 839201`, `Kod dostępu: Xq7pRb`, `Code d'accès :
            // 4Rt9kq`), and a passcode in prose (`(passcode k7#Pq9)`), after
            // the PIN alternatives, which take digits alone: five digits or
            // more, or letters and a digit.
            r"|(?:\b(?:passcode[ \t]*[:=]?|(?:kenncode|zugangscode|toegangscode|adgangskode|tilgangskode|åtkomstkod|kod[ \t]+dost(?:e|ę)pu|code[ \t]+d'acc(?:e|è)s|c(?:o|ó)digo[ \t]+de[ \t]+acceso|codice[ \t]+di[ \t]+accesso|access[ \t]+code)[ \t]*[:=])[ \t]*[\x22']?(?P<acode>[^\s\x22',;]{5,32}))",
        ))
        .unwrap_or_else(|e| builtin_bug(&e));
        // XML: `<password>x</password>`, `<add key="ApiKey" value="x"/>`.
        let xml = big_regex(concat!(
            r"(?-u)<(?P<tag>[A-Za-z_][A-Za-z0-9_.:\-]*)>(?P<text>[^<\n]{1,256})</",
            r"|\b(?:name|key)[ \t]*=[ \t]*[\x22'](?P<attr>[^\x22'<>\n]{1,64})[\x22'][ \t]+value[ \t]*=[ \t]*[\x22'](?P<value>[^\x22'<>\n]*)[\x22']",
        ))
        .unwrap_or_else(|e| builtin_bug(&e));
        let group = |name: &str| {
            phrase
                .capture_names()
                .position(|n| n == Some(name))
                .unwrap_or_else(|| builtin_bug(&format!("no group {name}")))
        };
        Secrets {
            checked: [group("bare"), group("dashp")],
            digits: [(group("natid"), 6), (group("passport"), 5)],
            codes: [group("acode"), group("cfgline"), group("directive")],
            pins: [group("pin"), group("otp")],
            assign,
            phrase,
            xml,
        }
    }

    pub(crate) fn find(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        credential_file_line(line, out);
        policy_passwords(line, out);
        if hints.has(prefilter::SESSION_WORD) {
            sessions_in_prose(line, out);
        }
        if hints.has(prefilter::REDIS_SET) {
            redis_set_values(line, out);
        }
        if !hints.has(prefilter::SECRETS) {
            return;
        }
        self.assignments(line, out);
        self.phrases(line, out);
        for (group, _, detect) in OWN_CUES {
            if hints.has(group) {
                detect(line, out);
            }
        }
        if memchr::memchr(b'<', line).is_some() || finder!(b"value").find(line).is_some() {
            self.xml_values(line, out);
        }
    }

    /// Values of XML elements and `name`/`key` + `value` attribute pairs
    /// whose name is a secret's.
    fn xml_values(&self, line: &[u8], out: &mut Vec<Finding>) {
        let mut locs = self.xml.capture_locations();
        let mut at = 0;
        while at < line.len() {
            let Some(m) = self.xml.captures_read_at(&mut locs, line, at) else {
                break;
            };
            at = m.end().max(m.start() + 1);
            let Some(((ks, ke), (vs, ve))) = locs
                .get(1)
                .zip(locs.get(2))
                .or(locs.get(3).zip(locs.get(4)))
            else {
                continue;
            };
            let (mut vs, mut ve) = (vs, ve);
            while vs < ve && line[vs].is_ascii_whitespace() {
                vs += 1;
            }
            while ve > vs && line[ve - 1].is_ascii_whitespace() {
                ve -= 1;
            }
            let v = &line[vs..ve];
            let lower = v.to_ascii_lowercase();
            if v.is_empty()
                || !secret_key(&line[ks..ke])
                || is_reference(v)
                || PLACEHOLDERS
                    .iter()
                    .any(|p| p.as_bytes() == lower.as_slice())
            {
                continue;
            }
            out.push(Finding::new(vs, ve, Kind::Secret));
        }
    }

    fn assignments(&self, line: &[u8], out: &mut Vec<Finding>) {
        let mut at = 0;
        while at < line.len() {
            let Some(m) = self.assign.find_at(line, at) else {
                break;
            };
            at = m.end().max(m.start() + 1);
            // key = the run of key bytes at the start; then quote, blanks, separator.
            let ks = m.start();
            let mut ke = ks;
            while ke < m.end() && (checks::is_word(line[ke]) || matches!(line[ke], b'.' | b'-')) {
                ke += 1;
            }
            let Some(ss) = (ke..m.end()).find(|i| matches!(line[*i], b':' | b'=')) else {
                continue;
            };
            // `==` and `=>` in code or prose are not assignments of secrets.
            if line.get(m.end()) == Some(&b'=') {
                continue;
            }
            // The key must start at a word boundary: `$PASS`, `"pass`, ` pass`.
            let mut ks = ks;
            if ks > 0 && checks::is_word(line[ks - 1]) {
                continue;
            }
            while ks < ke && matches!(line[ks], b'-' | b'.') {
                ks += 1;
            }
            let key = &line[ks..ke];
            let words = key_words(key);
            // `"auth": "<base64>"` (Docker's config.json, `.npmrc`'s `_auth`),
            // a URL's `sig=` (Azure SAS): a secret when the value is a blob,
            // not when it is a word.
            let blob_key = matches!(words.as_slice(), [w] if w == "auth" || w == "sig");
            let named = secret_key(key);
            // `session=…`, `PHPSESSID=…`, `connect.sid=…`: a session id,
            // which works like a password while it lives.
            // A CSRF key alone (`_csrf`, `CSRF_NONCE`) holds a token bound to
            // the session when its value is one (`csrf_protection: enabled`
            // configures).
            let csrf_word = |w: &String| w == "csrf" || w == "xsrf";
            let csrf = named
                && words.iter().any(csrf_word)
                && words.iter().filter(|w| is_secret_word(w)).all(csrf_word);
            let session = csrf || (!named && !blob_key && session_key(&words));
            if !named && !blob_key && !session {
                continue;
            }
            // A bare `key` (`key="identity"` in auditd, `public key: ...`)
            // is a secret only when its value looks random.
            let bare_key = words == ["key"] || words == ["keys"];
            if bare_key && line[..ks].to_ascii_lowercase().ends_with(b"public ") {
                continue;
            }
            let sep_colon = line[ss] == b':' && line.get(ss + 1) != Some(&b'=');
            // `pam_unix(passwd:chauthtok)`, `(sshd:auth)`: a facility, not a key.
            if sep_colon && ks > 0 && line[ks - 1] == b'(' {
                continue;
            }
            // `https://` and `C:\` are not `key: value`.
            let escaped_quote = line.get(ss + 1..ss + 3) == Some(&b"\\\""[..]);
            if sep_colon && matches!(line.get(ss + 1), Some(b'/' | b'\\')) && !escaped_quote {
                continue;
            }
            // `PGPASSWORD=x psql -h db`: an environment variable before a
            // command ends at the first blank, as in the shell.
            let env_prefix = line[ss] == b'='
                && ss == ke
                && key
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                && line.get(ss + 1).is_some_and(|b| !b.is_ascii_whitespace());
            let at_line_start = !env_prefix
                && (line[..ks]
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'-' | b'"' | b'\'' | b'#'))
                    || line[..ks].ends_with(b"export ")
                    || line[..ks].ends_with(b"set "));
            // LDIF's base64 values: `userPassword:: e1NTSEF9...`.
            let mut from = m.end();
            if sep_colon && line.get(from) == Some(&b':') && line.get(from + 1) == Some(&b' ') {
                from += 2;
            }
            if let Some((vs, ve)) = value_span(line, from, at_line_start) {
                let v = &line[vs..ve];
                // `Cookie: lang=en; sid=…`: the header holds pairs, each
                // judged by its own name.
                if words.last().is_some_and(|w| w == "cookie") && v.contains(&b'=') {
                    continue;
                }
                if session {
                    let ve = without_escaped_line_end(line, vs, ve);
                    if session_id(&line[vs..ve]) {
                        out.push(Finding::new(vs, ve, Kind::Token));
                        at = ve.max(at);
                    }
                    continue;
                }
                // A key as hex: `?key=<40 hex>` (feeds), Zabbix's
                // `"auth":"<32 hex>"`; not a signature (AWS SigV4's
                // `Signature: <64 hex>` signs one request).
                let hex = hex_key(v) && (bare_key || words == ["auth"]);
                if (bare_key || (blob_key && !named)) && !looks_random(v) && !hex {
                    continue;
                }
                // sudo's `PWD=/home/alice/src` is the working directory.
                if words == ["pwd"] && matches!(v.first(), Some(b'/' | b'~')) {
                    continue;
                }
                // HTML's `accesskey="n"` is a keyboard shortcut.
                if words == ["accesskey"] && v.len() == 1 {
                    continue;
                }
                // `Authorization: Bearer <token>`: the scheme is not the
                // secret; the token detector takes the credential.
                if AUTH_SCHEMES
                    .iter()
                    .any(|w| w.as_bytes().eq_ignore_ascii_case(v))
                {
                    continue;
                }
                let lower = v.to_ascii_lowercase();
                if PLACEHOLDERS
                    .iter()
                    .any(|p| p.as_bytes() == lower.as_slice())
                {
                    continue;
                }
                // `passwd:` is also nsswitch.conf's database (`passwd: files
                // sss`) and a program's name before its message (`passwd:
                // password updated successfully`).
                let program = sep_colon
                    && matches!(words.as_slice(), [w] if matches!(w.as_str(), "passwd" | "chpasswd" | "gpasswd"));
                let tail = line[vs..].trim_ascii_end();
                let first_word = tail
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .map(|n| &tail[..n]);
                let prose = first_word.is_some_and(|w| {
                    let w = w.strip_prefix(b"(").unwrap_or(w);
                    w.iter().all(u8::is_ascii_lowercase)
                });
                if program
                    && (prose || NSS_SOURCES.iter().any(|w| w.as_bytes() == lower.as_slice()))
                {
                    continue;
                }
                // `check_ntlm_password: authentication for user [x] FAILED`:
                // a function's name before its message, whose second word
                // is a function word.
                if sep_colon && message_after(tail) {
                    continue;
                }
                if is_reference(v) {
                    continue;
                }
                out.push(Finding::new(vs, ve, Kind::Secret));
                at = ve.max(at);
            }
        }
    }

    fn phrases(&self, line: &[u8], out: &mut Vec<Finding>) {
        let mut locs = self.phrase.capture_locations();
        let mut at = 0;
        while at < line.len() {
            let Some(m) = self.phrase.captures_read_at(&mut locs, line, at) else {
                break;
            };
            at = m.end().max(m.start() + 1);
            for i in 1..locs.len() {
                let Some((s, e)) = locs.get(i) else { continue };
                let mut e = e;
                loop {
                    let before = e;
                    while e > s && matches!(line[e - 1], b'.' | b')' | b'>') {
                        e -= 1;
                    }
                    e = without_escaped_line_end(line, s, e);
                    if e == before {
                        break;
                    }
                }
                let v = &line[s..e];
                if v.is_empty()
                    || is_reference(v)
                    || (self.checked.contains(&i) && !password_like(v))
                    || self
                        .digits
                        .iter()
                        .any(|(g, n)| *g == i && checks::digit_count(v) < *n)
                    || (self.codes.contains(&i) && !access_code(v))
                    || (self.pins.contains(&i) && (!pin_shape(v) || date_or_time_part(line, s, e)))
                {
                    continue;
                }
                let lower = v.to_ascii_lowercase();
                if PROSE_STOP.iter().any(|w| w.as_bytes() == lower.as_slice())
                    || PLACEHOLDERS
                        .iter()
                        .any(|w| w.as_bytes() == lower.as_slice())
                {
                    continue;
                }
                out.push(Finding::new(s, e, Kind::Secret));
            }
        }
    }
}

/// The calls whose third argument is a database password, as PHP's stack
/// traces print them: `PDO->__construct('mysql:host=db01', 'app', 'x')`,
/// `mysqli_connect('db01', 'app', 'x')`, `mysqli->real_connect(…)`.
const PHP_CONNECT_CALLS: &[&str] = &[
    "PDO->__construct(",
    "mysqli->__construct(",
    "mysqli_connect(",
    "mysqli_real_connect(",
    "->real_connect(",
];

/// The third argument of a [`PHP_CONNECT_CALLS`] call, when the first
/// three are quoted strings.
fn php_connect_passwords(line: &[u8], out: &mut Vec<Finding>) {
    for call in PHP_CONNECT_CALLS {
        for at in memchr::memmem::find_iter(line, call.as_bytes()) {
            let mut i = at + call.len();
            for n in 0..3 {
                while line.get(i) == Some(&b' ') {
                    i += 1;
                }
                let Some(&q @ (b'\'' | b'"')) = line.get(i) else {
                    break;
                };
                let Some(len) = memchr::memchr(q, &line[i + 1..]) else {
                    break;
                };
                let (s, e) = (i + 1, i + 1 + len);
                i = e + 1;
                while line.get(i) == Some(&b' ') {
                    i += 1;
                }
                if n == 2 {
                    if e > s {
                        out.push(Finding::new(s, e, Kind::Secret));
                    }
                } else if line.get(i) == Some(&b',') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
    }
}

/// Japan's My Number, twelve digits (also in groups of four) after its
/// name and a colon: `マイナンバー：4182 5730 9619`, `個人番号: 418257309619`.
const MY_NUMBER_NAMES: &[&str] = &["マイナンバー", "個人番号"];

fn my_numbers(line: &[u8], out: &mut Vec<Finding>) {
    let skip_blanks = |mut i: usize| {
        while matches!(line.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    for name in MY_NUMBER_NAMES {
        for at in memchr::memmem::find_iter(line, name.as_bytes()) {
            let mut i = skip_blanks(at + name.len());
            if line.get(i) == Some(&b':') {
                i += 1;
            } else if line[i..].starts_with("：".as_bytes()) {
                i += "：".len();
            }
            let s = skip_blanks(i);
            let (mut e, mut digits) = (s, 0);
            while digits < 12 {
                match line.get(e) {
                    Some(b) if b.is_ascii_digit() => digits += 1,
                    Some(b' ') if digits % 4 == 0 && digits > 0 => {}
                    _ => break,
                }
                e += 1;
            }
            if digits == 12 && !line.get(e).is_some_and(u8::is_ascii_digit) {
                out.push(Finding::new(s, e, Kind::Secret));
            }
        }
    }
}

/// chpasswd(8)'s input, `user:password` pairs, on a line that names it:
/// `echo 'alice:S3cret-Pass' | chpasswd`, cloud-init's `chpasswd input
/// echoed …: ubuntu:ChangeMe-App07 alice:Palermo1987x`. A pair is a login,
/// one `:` and a password-like value (no further `:`), standing as a word
/// of its own or quoted; `[WARNING]:`, `hook:` and times are no pairs.
fn chpasswd_pairs(line: &[u8], out: &mut Vec<Finding>) {
    if memchr::memmem::find(line, b"chpasswd").is_none() {
        return;
    }
    let mut start = 0;
    for end in line
        .iter()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_whitespace() || matches!(b, b'\'' | b'"'))
        .map(|(i, _)| i)
        .chain([line.len()])
    {
        let word = &line[start..end];
        let pair_start = start;
        start = end + 1;
        let Some(c) = memchr::memchr(b':', word) else {
            continue;
        };
        let (user, pass) = (&word[..c], &word[c + 1..]);
        if login_shaped(user) && pass.len() >= 4 && !pass.contains(&b':') && password_like(pass) {
            push_user(line, pair_start, pair_start + c, out);
            out.push(Finding::new(
                pair_start + c + 1,
                pair_start + word.len(),
                Kind::Secret,
            ));
        }
    }
}

/// A credential line's login: a letter or `_` first, then login bytes.
fn login_shaped(user: &[u8]) -> bool {
    user.first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && user.iter().all(|b| checks::is_login_byte(*b))
}

/// Lines of credential files, which have no key names: htpasswd and shadow
/// (`alice:$apr1$...`, `bob:{SHA}...`, `carol:$6$salt$hash:19000:0:...`)
/// and `.pgpass` (`host:port:database:user:password`). The user is a
/// user name, the hash or password a secret.
fn credential_file_line(line: &[u8], out: &mut Vec<Finding>) {
    let Some(c) = memchr::memchr(b':', line) else {
        return;
    };
    // A log line has blanks, most of them before its first ':'.
    if line.iter().any(u8::is_ascii_whitespace) {
        return;
    }
    let user = &line[..c];
    let name_like = login_shaped(user);
    let rest = &line[c + 1..];
    let hashed = rest.len() > 8 && password_hash_scheme(rest);
    if name_like && hashed {
        let end = c + 1 + memchr::memchr(b':', rest).unwrap_or(rest.len());
        push_user(line, 0, c, out);
        out.push(Finding::new(c + 1, end, Kind::Secret));
        return;
    }
    // `.pgpass`: four separators before the password (`\:` escapes one).
    let mut fields = Vec::with_capacity(5);
    let mut start = 0;
    let mut i = 0;
    while i < line.len() && fields.len() < 4 {
        match line[i] {
            b'\\' => i += 1,
            b':' => {
                fields.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if fields.len() < 4 || start >= line.len() {
        return;
    }
    let port = &line[fields[1].0..fields[1].1];
    let port_ok = port == b"*" || (!port.is_empty() && port.iter().all(u8::is_ascii_digit));
    // Five fields and no more: a sixth (Proxmox's `acl:1:/vms/212:U@pve:Role:`)
    // makes it another file's line.
    let sixth =
        memchr::memchr_iter(b':', &line[start..]).any(|k| k == 0 || line[start + k - 1] != b'\\');
    if !port_ok || sixth || fields.iter().any(|(s, e)| s == e) {
        return;
    }
    let (us, ue) = fields[3];
    if &line[us..ue] != b"*" {
        push_user(line, us, ue, out);
    }
    out.push(Finding::new(start, line.len(), Kind::Secret));
}

/// Whether `v` starts with a crypt(3) id (`$6$`, `$apr1$`, `$2y$`) or an
/// LDAP/Dovecot scheme (`{SSHA}`, `{PLAIN}`).
fn password_hash_scheme(v: &[u8]) -> bool {
    const CRYPT: &[&[u8]] = &[
        b"1",
        b"2",
        b"2a",
        b"2b",
        b"2x",
        b"2y",
        b"5",
        b"6",
        b"7",
        b"y",
        b"gy",
        b"apr1",
        b"md5",
        b"sha1",
        b"argon2i",
        b"argon2d",
        b"argon2id",
        b"scrypt",
        b"pbkdf2",
        b"pbkdf2-sha256",
        b"pbkdf2-sha512",
    ];
    const SCHEMES: &[&[u8]] = &[
        b"SHA",
        b"SSHA",
        b"SHA256",
        b"SSHA256",
        b"SHA512",
        b"SSHA512",
        b"MD5",
        b"SMD5",
        b"CRYPT",
        b"MD5-CRYPT",
        b"SHA256-CRYPT",
        b"SHA512-CRYPT",
        b"BLF-CRYPT",
        b"PBKDF2",
        b"ARGON2I",
        b"ARGON2ID",
        b"PLAIN",
        b"CLEARTEXT",
        b"CRAM-MD5",
        b"SCRAM-SHA-1",
        b"SCRAM-SHA-256",
    ];
    let inner = |close: u8| memchr::memchr(close, v.get(1..)?).map(|i| &v[1..1 + i]);
    match v.first() {
        Some(b'$') => inner(b'$').is_some_and(|id| CRYPT.contains(&id)),
        Some(b'{') => {
            inner(b'}').is_some_and(|scheme| SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)))
        }
        _ => false,
    }
}

fn push_user(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) {
    if super::users::plausible_user(line, s, e) {
        out.push(Finding::new(s, e, Kind::Username));
    }
}

/// Splits a key into lowercase words at `_ - .` and camelCase humps.
fn key_words(key: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for &b in key {
        if matches!(b, b'_' | b'-' | b'.' | b'$') {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if b.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
        cur.push(char::from(b.to_ascii_lowercase()));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Whether `key` names a secret.
pub(crate) fn secret_key(key: &[u8]) -> bool {
    let words = key_words(key);
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    // Compound words written without separators count: `dbpassword`, `apitoken`.
    // Recovery and backup codes (`recovery_codes="7F3K-9QXM R2D8-LW4P"`).
    let codes = words.windows(2).position(|p| {
        matches!(p[0].as_str(), "recovery" | "backup") && matches!(p[1].as_str(), "code" | "codes")
    });
    let strong = codes.is_some()
        || words
            .iter()
            .any(|w| is_secret_word(w) && w != "key" && w != "keys");
    let keyed = words.iter().enumerate().any(|(i, w)| {
        (w == "key" || w == "keys")
            && (words.len() == 1 || (i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str())))
    });
    if !(strong || keyed) {
        return false;
    }
    // Words before the last secret word qualify it (`key-store-password`,
    // `reset_token`); only words after it make the key describe something
    // else (`password_min_length`, `token_ttl`).
    let last_secret = words
        .iter()
        .rposition(|w| is_secret_word(w))
        .max(codes.map(|i| i + 1))
        .unwrap_or(0);
    !words[last_secret..]
        .iter()
        .any(|w| NEGATIVE.contains(&w.as_str()) && w != "auth")
}

/// A word that names a secret by itself or ends a compound that does.
fn is_secret_word(w: &str) -> bool {
    STRONG.contains(&w)
        || w == "key"
        || w == "keys"
        || (w.len() > 4
            && (w.ends_with("password")
                || w.ends_with("passwd")
                || w.ends_with("secret")
                || w.ends_with("token")
                || w.ends_with("apikey")
                || w.ends_with("cookie")
                // `storepass`, `smtppass`, `dbpass`, not English words.
                || (w.ends_with("pass") && !ENDS_IN_PASS.contains(&w))))
}

/// English words that end in `pass` and name no password.
const ENDS_IN_PASS: &[&str] = &[
    "bypass",
    "compass",
    "encompass",
    "overpass",
    "underpass",
    "surpass",
    "trespass",
    "firstpass",
    "multipass",
    "singlepass",
    "onepass",
    "twopass",
];

/// Whether a key's words name a session id: `session`, `vigil_session`,
/// `sessionid`, `PHPSESSID`, `JSESSIONID`, `connect.sid`, `token_id` (not
/// `session_timeout`, whose value is no id: see [`session_id`]).
fn session_key(words: &[String]) -> bool {
    // RADIUS accounting's `Acct-Session-Id`, `Acct-Multi-Session-Id` and
    // `Acct-Unique-Session-Id` number a connection in the accounting
    // records; they open nothing.
    if words.first().is_some_and(|w| w == "acct") {
        return false;
    }
    // A token's id (Keycloak's `token_id`, `tokenId`): a random one is as
    // good as the session it names.
    words.windows(2).any(|p| p[0] == "token" && p[1] == "id")
        || words.iter().any(|w| {
            w == "sid"
                || w == "tokenid"
                // Ivanti (Pulse) Secure's session cookie.
                || w == "dsid"
                || w == "sess"
                || w.ends_with("session")
                || w.ends_with("sessid")
                || w.ends_with("sessionid")
        })
}

/// A session id: 16 to 512 bytes of the characters cookies and tokens are
/// made of, letters and digits both. Not a UUID (`sessionID=<uuid>` in
/// audit logs is a correlation id), not a bracketed id (Dovecot's
/// `session=<…>` names a connection), not a number, not a Windows SID.
fn session_id(v: &[u8]) -> bool {
    // A Twilio resource id (`SM…`, `VE…`: two capitals, 32 hex digits)
    // names a message or a verification, as a request id does.
    let twilio = v.len() == 34
        && v[..2].iter().all(u8::is_ascii_uppercase)
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    if twilio {
        return false;
    }
    (16..=512).contains(&v.len())
        && v.iter().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.' | b'%')
        })
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_alphabetic)
        && !checks::is_uuid(v)
        && !windows_sid(v)
}

/// A Windows security identifier (`S-1-5-21-3623811015-…-1144`): an
/// account's id, which `User SID:` names, not a session's.
fn windows_sid(v: &[u8]) -> bool {
    v.starts_with(b"S-1-") && v[4..].iter().all(|b| b.is_ascii_digit() || *b == b'-')
}

/// A value written as a password in prose, after `password` without a
/// separator: 8 to 64 bytes, at least three of lower case, upper case,
/// digits and symbols, with an upper-case letter or a symbol other than
/// `-_.` (`policy-v2` is a name), and not a path, a URL, a flag, a call or
/// a `k=v`.
fn password_like(v: &[u8]) -> bool {
    let classes = [
        v.iter().any(u8::is_ascii_lowercase),
        v.iter().any(u8::is_ascii_uppercase),
        v.iter().any(u8::is_ascii_digit),
        v.iter().any(|b| b.is_ascii_punctuation()),
    ];
    (8..=64).contains(&v.len())
        && classes.iter().filter(|c| **c).count() >= 3
        && (classes[1]
            || v.iter()
                .any(|b| b.is_ascii_punctuation() && !matches!(b, b'-' | b'_' | b'.')))
        && v[0] != b'-'
        && !v
            .iter()
            .any(|b| matches!(b, b'/' | b'\\' | b'(' | b'=' | b'[' | b'{' | b'<'))
}

/// Words that make the text around them about a password, in several
/// languages (lower case; a word counts when it holds one).
const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwort",
    "passwd",
    "passphrase",
    "passcode",
    "kennwort",
    "wachtwoord",
    "senha",
    "contrase",
    "salasana",
    "l\u{f6}senord",
    "losenord",
    "has\u{142}o",
    "haslo",
    // Czech and Slovak, Italian, Romanian, Turkish, Latvian and Estonian
    // (`parola`, `parolă`, `parole`, `parool`), Hungarian, Norwegian,
    // Turkish, Croatian and Serbian, Slovenian, Russian and Ukrainian,
    // Vietnamese.
    "heslo",
    "parol",
    "jelsz",
    "passord",
    "\u{15f}ifre",
    "sifre",
    "lozinka",
    "geslo",
    "\u{43f}\u{430}\u{440}\u{43e}\u{43b}\u{44c}",
    "m\u{1ead}t kh\u{1ea9}u",
    "mat khau",
    "credential",
    "chpasswd",
];

/// Whole words that do the same. (Not `login`: machine logs say `login ok`
/// on every line, and a password-shaped value near it is rare.)
const PASSWORD_WHOLE_WORDS: &[&str] =
    &["pass", "pw", "pwd", "clave", "creds", "wifi", "wlan", "psk"];

/// Cues of more than one word.
const PASSWORD_PHRASES: &[&str] = &["log in", "sign in", "wi-fi", "mot de passe", "sudo -s"];

/// Passwords written in prose near a password word, in any order and
/// language: `la contraseña era Tacos-al-pastor-9`, `use Kiosk#Lobby24 to
/// log in`, `pw Exp0rt-Fin-2023`, `(was Stg-Pg-2024-Lx9, now in Vault)`. Within 100 bytes of the word, every value shaped like a chosen
/// password ([`chosen_password`]) is a secret.
fn prose_passwords(line: &[u8], out: &mut Vec<Finding>) {
    const WINDOW: usize = 100;
    static PASSWORD_CUES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cues = PASSWORD_CUES.get_or_init(|| {
        any_case(
            PASSWORD_WORDS
                .iter()
                .chain(PASSWORD_WHOLE_WORDS)
                .chain(PASSWORD_PHRASES),
        )
    });
    let letter = |b: u8| b.is_ascii_alphabetic() || b >= 0x80;
    let mut windows: Vec<(usize, usize)> = Vec::new();
    // Where a value right after a cue may start (`pass kuma-ntfy-55`).
    let mut right_after: Vec<usize> = Vec::new();
    for m in cues.find_overlapping_iter(line) {
        let (cs, ce) = (m.start(), m.end());
        // Whole words for the short ones (`pw`, `pass`, not `bypass`).
        let whole = m.pattern().as_usize() >= PASSWORD_WORDS.len()
            && m.pattern().as_usize() < PASSWORD_WORDS.len() + PASSWORD_WHOLE_WORDS.len();
        if whole && (cs > 0 && letter(line[cs - 1]) || line.get(ce).is_some_and(|b| letter(*b))) {
            continue;
        }
        windows.push((cs.saturating_sub(WINDOW), (ce + WINDOW).min(line.len())));
        let glue = line[ce..]
            .iter()
            .take(3)
            .take_while(|b| matches!(b, b' ' | b':'))
            .count();
        if glue > 0 && line.get(ce + glue - 1) == Some(&b' ') {
            right_after.push(ce + glue);
        }
    }
    if windows.is_empty() {
        return;
    }
    let split = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\'' | b'`' | b'(' | b')' | b'[' | b']' | b',' | b';' | b'{' | b'}' | b'|'
            )
    };
    let mut s = windows.iter().map(|w| w.0).min().unwrap_or(0);
    let last = windows.iter().map(|w| w.1).max().unwrap_or(0);
    while s < last {
        if split(line[s]) {
            s += 1;
            continue;
        }
        let mut e = s + line[s..].iter().take_while(|b| !split(**b)).count();
        let next = e;
        while e > s && matches!(line[e - 1], b'.' | b':') {
            e -= 1;
        }
        // A question or an exclamation ends the sentence, not the value
        // (`the old Jenkins?`); the value is judged without it.
        let core = if e > s && matches!(line[e - 1], b'?' | b'!') {
            e - 1
        } else {
            e
        };
        if core - s >= 8
            && windows.iter().any(|(ws, we)| s >= *ws && e <= *we)
            && (chosen_password(&line[s..core])
                || right_after.contains(&s) && worded_password(&line[s..core]))
        {
            out.push(Finding::new(s, e, Kind::Secret));
        }
        s = next;
    }
}

/// The words [`prose_keys`] looks for.
const KEY_PROSE_WORDS: &[&str] = &["token", "key", "secret"];

/// A key or token named in prose and given after a colon or `is`: `the
/// datadog app key too pls: 3ae04733…`, `(token for rollback webhook:
/// 79837833…)`, `the API key is 2506d06e-…`. The value is a hex key (32,
/// 40 or 64 digits) or a UUID, which other detectors keep as ids; here
/// the words before it say what it is.
fn prose_keys(line: &[u8], out: &mut Vec<Finding>) {
    const WINDOW: usize = 40;
    static CUES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cues = CUES.get_or_init(|| any_case(KEY_PROSE_WORDS));
    for m in cues.find_iter(line) {
        // A word of prose (`key`, `keys`, `tokens`; not `monkey`, nor a
        // header's last word: `Idempotency-Key: <uuid>`).
        if m.start() > 0 && !matches!(line[m.start() - 1], b' ' | b'\t' | b'(') {
            continue;
        }
        let rest = &line[m.end()..(m.end() + WINDOW).min(line.len())];
        let Some(sep) = rest
            .windows(4)
            .position(|w| w == b" is " || w[0] == b':')
            .map(|p| if rest[p] == b':' { p + 1 } else { p + 4 })
        else {
            continue;
        };
        // No other sentence in between.
        if rest[..sep]
            .iter()
            .any(|b| matches!(b, b'.' | b'=' | b'"' | b'\'' | b','))
        {
            continue;
        }
        let vs = m.end() + sep + rest[sep..].iter().take_while(|b| **b == b' ').count();
        let n = line[vs..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() || **b == b'-')
            .count();
        let v = &line[vs..vs + n];
        let ends = !line.get(vs + n).is_some_and(u8::is_ascii_alphanumeric);
        if ends && (hex_key(&v.to_ascii_lowercase()) || checks::is_uuid(v)) {
            out.push(Finding::new(vs, vs + n, Kind::Token));
        }
    }
}

/// The cue of [`sessions_in_prose`], its own in the cue scan: as a cue of
/// the secret group it would wake the group on every `Started Session 4
/// of User` line.
pub(crate) const SESSION_WORD: &str = "session ";

/// A session's id straight after its word (`session 7F3C0A9E…`, `Session
/// ID: 7f3c…`): a blank, an optional `id` and `:`, then a hex key (32, 40
/// or 64 digits; a UUID there names a log's correlation id, a number a
/// login session).
fn sessions_in_prose(line: &[u8], out: &mut Vec<Finding>) {
    static CUE: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cue = CUE.get_or_init(|| any_case(&[SESSION_WORD]));
    for m in cue.find_iter(line) {
        if m.start() == 0 || matches!(line[m.start() - 1], b' ' | b'\t' | b'(') {
            session_id_at(line, m.end(), out);
        }
    }
}

/// The hex key of [`sessions_in_prose`] after the blank at `at`.
fn session_id_at(line: &[u8], at: usize, out: &mut Vec<Finding>) {
    let blanks = |i: usize| i + line[i..].iter().take_while(|b| **b == b' ').count();
    let mut vs = blanks(at);
    if line
        .get(vs..vs + 2)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"id"))
    {
        vs += 2;
    }
    if line.get(vs) == Some(&b':') {
        vs += 1;
    }
    vs = blanks(vs);
    let n = line[vs..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let v = &line[vs..vs + n];
    if hex_key(&v.to_ascii_lowercase()) && v.iter().any(u8::is_ascii_digit) {
        out.push(Finding::new(vs, vs + n, Kind::Token));
    }
}

/// National identity, tax, passport and bank account numbers as a key's
/// value, the key named as a table's column would be
/// ([`super::table::id_number_column`]): `"national_identification_number":
/// "197903082446"`, `taxId=57382019446`, `"bankAccount": "000123457781"`;
/// five digits or more.
fn identity_values(line: &[u8], out: &mut Vec<Finding>) {
    static CUES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cues = CUES.get_or_init(|| any_case(ID_KEY_CUES));
    let key_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut after = 0;
    for m in cues.find_iter(line) {
        if m.start() < after {
            continue;
        }
        let ks = line[..m.start()]
            .iter()
            .rposition(|b| !key_byte(b))
            .map_or(0, |p| p + 1);
        let ke = m.end() + line[m.end()..].iter().take_while(|b| key_byte(b)).count();
        // A quote may close the key; then blanks, `:` or `=`, blanks
        // (cheapest test first: most hits are prose, `account locked`).
        let mut v = ke;
        if matches!(line.get(v), Some(b'"' | b'\'')) {
            v += 1;
        }
        v += line[v..].iter().take_while(|b| **b == b' ').count();
        if !matches!(line.get(v), Some(b':' | b'=')) {
            continue;
        }
        let words = key_words(&line[ks..ke]);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if !super::table::id_number_column(&words) {
            continue;
        }
        v += 1;
        v += line[v..].iter().take_while(|b| **b == b' ').count();
        let Some((vs, ve)) = value_span(line, v, false) else {
            continue;
        };
        let value = &line[vs..ve];
        if value.len() <= 32 && checks::digit_count(value) >= 5 && !checks::is_uuid(value) {
            out.push(Finding::new(vs, ve, Kind::Secret));
            after = ve;
        }
    }
}

/// Words of the keys [`identity_values`] looks at, in any ASCII case.
const ID_KEY_CUES: &[&str] = &[
    "national",
    "passport",
    "tax",
    "personnummer",
    "aadhaar",
    "pesel",
    "licen",
    "account",
];

/// Whether `tail` starts as a sentence does: a word of lower-case letters,
/// then a function word (`authentication for user …`, `request was
/// denied`).
fn message_after(tail: &[u8]) -> bool {
    const FUNCTION_WORDS: &[&[u8]] = &[
        b"for",
        b"of",
        b"to",
        b"is",
        b"was",
        b"has",
        b"had",
        b"not",
        b"and",
        b"with",
        b"from",
        b"by",
        b"failed",
        b"succeeded",
    ];
    let mut words = tail.split(|b| *b == b' ');
    let first = words.next().unwrap_or_default();
    first.len() >= 3
        && first.iter().all(u8::is_ascii_lowercase)
        && words.next().is_some_and(|w| FUNCTION_WORDS.contains(&w))
}

/// Oracle's tools and connect strings, which carry `user/password` in
/// clear on a command line or in a JDBC URL: `sqlplus scott/tiger@ORCL`,
/// `sqlplus -s app/\"x\"@db01:1521/svc`, `expdp system/x@pdb1`, `rman
/// target sys/x@prod`, `sqlldr userid=scott/x`, `SQL> conn hr/x@localhost`,
/// `jdbc:oracle:thin:hwang_j/x@//ora-rpt-02:1521/RPT`. The password is a
/// secret, the user a user name unless a system account (`sys`); `sqlplus /
/// as sysdba` names neither.
fn oracle_logins(line: &[u8], out: &mut Vec<Finding>) {
    static CUES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cues = CUES.get_or_init(|| any_case(ORACLE_TOOLS));
    for m in cues.find_iter(line) {
        let glued = m.end() > 0 && matches!(line[m.end() - 1], b':' | b'=');
        // A tool's whole name (`rmanager/dist` is no `rman`).
        if (m.start() > 0 && line[m.start() - 1].is_ascii_alphanumeric())
            || (!glued && line.get(m.end()) != Some(&b' '))
        {
            continue;
        }
        let mut at = m.end();
        if !glued {
            // The tool's options and rman's connection words come first.
            loop {
                let s = at + line[at..].iter().take_while(|b| **b == b' ').count();
                if s == at {
                    break;
                }
                let e = s + line[s..]
                    .iter()
                    .take_while(|b| !b.is_ascii_whitespace())
                    .count();
                let word = &line[s..e];
                let option = word.first() == Some(&b'-')
                    || [&b"target"[..], b"catalog", b"auxiliary"]
                        .iter()
                        .any(|w| word.eq_ignore_ascii_case(w));
                at = s;
                if !option {
                    break;
                }
                at = e;
            }
        }
        if let Some((user, password)) = user_slash_password(line, at) {
            push_user(line, user.0, user.1, out);
            out.push(Finding::new(password.0, password.1, Kind::Secret));
        }
    }
}

/// What introduces an Oracle `user/password` ([`oracle_logins`]).
const ORACLE_TOOLS: &[&str] = &[
    "sqlplus",
    "sqlldr",
    "expdp",
    "impdp",
    "rman",
    "dgmgrl",
    "userid=",
    "sql> conn",
    "sql> connect",
    "jdbc:oracle:thin:",
    "jdbc:oracle:oci:",
];

/// `user/password` at `at`, each bare or double-quoted, the password
/// followed by `@`, a blank, a quote or the line's end: the user's and
/// the password's spans.
fn user_slash_password(line: &[u8], at: usize) -> Option<((usize, usize), (usize, usize))> {
    let quoted = |s: usize| -> Option<(usize, usize, usize)> {
        if line.get(s) == Some(&b'"') {
            let close = s + 1 + memchr::memchr(b'"', line.get(s + 1..)?)?;
            Some((s + 1, close, close + 1))
        } else {
            None
        }
    };
    let (us, ue, slash) = match quoted(at) {
        Some(q) => q,
        None => {
            let e = at
                + line[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'#'))
                    .count();
            (at, e, e)
        }
    };
    if ue == us || !line[us].is_ascii_alphabetic() || line.get(slash) != Some(&b'/') {
        return None;
    }
    let (ps, pe, after) = match quoted(slash + 1) {
        Some(q) => q,
        None => {
            let s = slash + 1;
            let e = s + line[s..]
                .iter()
                .take_while(|b| {
                    !b.is_ascii_whitespace() && !matches!(b, b'@' | b'"' | b'\'' | b'/')
                })
                .count();
            (s, e, e)
        }
    };
    let ends = line
        .get(after)
        .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'@' | b'\'' | b'"'));
    (pe > ps && ends).then_some(((us, ue), (ps, pe)))
}

/// Values Redis MONITOR shows being stored under a key that names a
/// secret: `"SET" "pwreset:nora@…" "ai1n96…"`, `"SETEX" "otp:+3538…"
/// "300" "731904"`. One-time codes and PINs are secrets; reset, session
/// and verification values tokens.
fn redis_set_values(line: &[u8], out: &mut Vec<Finding>) {
    let Some(at) = finder!(b"\"SET").find(line) else {
        return;
    };
    // The quoted arguments from the command on.
    let mut args = Vec::new();
    let mut i = at;
    while i < line.len() && args.len() < 4 {
        if line[i] != b'"' {
            i += 1;
            continue;
        }
        let s = i + 1;
        let Some(len) = line[s..].iter().position(|b| *b == b'"') else {
            break;
        };
        args.push((s, s + len));
        i = s + len + 1;
    }
    let arg = |k: usize| args.get(k).map(|(s, e)| &line[*s..*e]);
    let value_at = match arg(0).map(<[u8]>::to_ascii_uppercase).as_deref() {
        Some(b"SET" | b"SETNX" | b"GETSET") => 2,
        Some(b"SETEX" | b"PSETEX") => 3,
        _ => return,
    };
    let (Some(key), Some(&(vs, ve))) = (arg(1), args.get(value_at)) else {
        return;
    };
    let key = key.to_ascii_lowercase();
    let pieces = || key.split(|b| !b.is_ascii_alphanumeric());
    let one_time = pieces().any(|p| matches!(p, b"otp" | b"totp" | b"pin" | b"2fa" | b"mfa"));
    let token = pieces().any(|p| {
        [
            "reset", "token", "sess", "verif", "confirm", "magic", "invite",
        ]
        .iter()
        .any(|w| memchr::memmem::find(p, w.as_bytes()).is_some())
    });
    let kind = match (one_time, token) {
        (true, _) => Kind::Secret,
        (false, true) => Kind::Token,
        (false, false) => return,
    };
    if ve > vs {
        out.push(Finding::new(vs, ve, kind));
    }
}

/// Passwords pasted with no word around them to say so (`it's
/// gr4f!n4-Adm1n but rotate it`, a line of its own, `curl -u
/// fsilva:Lisboa#Tejo42`): a word of 8 to 64 printable ASCII bytes that
/// holds what password policies ask for, lower case, upper case, a digit
/// and a symbol (`! # $ ^ ? @`, see [`policy_symbol`]). Not a handle, a
/// variable, a comment or a negation (`@user`, `$HOME`, `#tag`, `!Wd0900`),
/// nothing with `::` (a C++ name) or `@@` (a symbol version), a path, a
/// `k=v`, an HTML entity or a file's anchor (`page.html#Sec1`), and
/// nothing on a line of binary data. After a `login:` the password alone
/// is the value.
fn policy_passwords(line: &[u8], out: &mut Vec<Finding>) {
    let split = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\''
                    | b'`'
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b','
                    | b';'
                    | b'{'
                    | b'}'
                    | b'|'
                    | b'<'
                    | b'>'
            )
    };
    // HL7 separates components with `^` (`OBX|1|NM|2093-3^Cholesterol^LN`).
    let carets = memchr::memchr(b'|', line).is_none();
    let mut text = None;
    // Symbols found with two vector scans, each resumed where it stopped.
    let mut bangs = memchr::memchr3_iter(b'!', b'#', b'$', line).peekable();
    let mut carets_etc = memchr::memchr3_iter(b'^', b'?', b'@', line).peekable();
    let mut from = 0;
    loop {
        while bangs.next_if(|i| *i < from).is_some() {}
        while carets_etc.next_if(|i| *i < from).is_some() {}
        let Some(i) = [bangs.peek(), carets_etc.peek()]
            .into_iter()
            .flatten()
            .min()
            .copied()
        else {
            break;
        };
        let mut s = i;
        while s > 0 && !split(line[s - 1]) {
            s -= 1;
        }
        let mut e = i + 1;
        while e < line.len() && !split(line[e]) {
            e += 1;
        }
        from = e;
        // A sentence's end is no part of the value, nor is the backslash
        // of an escaped closing quote (`\"Sommer2024!\"` in JSON) or
        // punctuation beyond ASCII (`Vigil@Keystone#1…`).
        loop {
            let sentence_end = e > s && matches!(line[e - 1], b'.' | b':');
            let escape = e > s && line[e - 1] == b'\\' && matches!(line.get(e), Some(b'"' | b'\''));
            if sentence_end || escape {
                e -= 1;
            } else if let Some(p) = trailing_punctuation(&line[s..e]) {
                e -= p;
            } else {
                break;
            }
        }
        let mut w = &line[s..e];
        if finder!(b"::").find(w).is_some() {
            continue;
        }
        // `login:password`.
        if let Some(c) = w.iter().rposition(|b| *b == b':') {
            let login = &w[..c];
            if login.is_empty() || !login.iter().all(|b| checks::is_login_byte(*b)) {
                continue;
            }
            s += c + 1;
            w = &w[c + 1..];
        }
        let policy = (8..=64).contains(&w.len())
            && w.iter().all(|b| b.is_ascii_graphic())
            && w.iter().any(u8::is_ascii_lowercase)
            && w.iter().any(u8::is_ascii_uppercase)
            && w.iter().any(u8::is_ascii_digit)
            && policy_symbol(w, carets)
            && !matches!(w[0], b'@' | b'$' | b'#' | b'!' | b'%' | b'-' | b'&' | b'*')
            && !w.iter().any(|b| matches!(b, b'/' | b'\\' | b'=' | b'%'))
            && finder!(b"&#").find(w).is_none()
            && finder!(b"@@").find(w).is_none()
            && !file_anchor(w);
        // Binary data read as text holds such words by chance.
        if policy && *text.get_or_insert_with(|| is_text(line)) {
            out.push(Finding::new(s, s + w.len(), Kind::Secret));
        }
    }
}

/// The length in bytes of the character ending `w` when it is punctuation
/// beyond ASCII (`…`, `”`, `»`).
fn trailing_punctuation(w: &[u8]) -> Option<usize> {
    if w.last().is_none_or(|b| *b < 0x80) {
        return None;
    }
    let start = (w.len().saturating_sub(4)..w.len())
        .rev()
        .find(|i| w[*i] & 0xC0 != 0x80)?;
    let c = std::str::from_utf8(&w[start..]).ok()?.chars().next()?;
    (!c.is_alphanumeric()).then_some(w.len() - start)
}

/// Whether `w` holds a symbol that reads as a password's: `!`, `$`, `^`
/// (if `carets`: not on a line with `|`, where it separates fields), a
/// `?` that does not end it (a question) nor mark a field (`?20`), a `#`
/// not before a method's name (`Buffer#slice`, `Listener#fire2`), an `@` in a word without dots and not before a
/// lower-case host (`GA2770@trolle`). A closing `!` counts after a year
/// (`Sommer2024!`, not `Windows11!`) or when digits stand for letters
/// inside a word (`gr4f4n4-Adm1n!`, not `Python3!`).
fn policy_symbol(w: &[u8], carets: bool) -> bool {
    let last = w.len() - 1;
    let year_bang =
        w[last] == b'!' && last >= 4 && w[last - 4..last].iter().all(u8::is_ascii_digit);
    let leet_bang = w[last] == b'!'
        && w.windows(3).any(|t| {
            t[0].is_ascii_alphabetic() && t[1].is_ascii_digit() && t[2].is_ascii_alphabetic()
        });
    year_bang
        || leet_bang
        || w[..last].iter().enumerate().any(|(k, b)| match b {
            b'!' | b'$' => true,
            b'^' => carets,
            // Not a field mark (`?20`, MT940).
            b'?' => !w[k + 1].is_ascii_digit(),
            b'#' => {
                let rest = &w[k + 1..];
                let method = rest.first().is_some_and(u8::is_ascii_lowercase)
                    && rest
                        .strip_suffix(b"()")
                        .unwrap_or(rest)
                        .iter()
                        .all(u8::is_ascii_alphanumeric);
                !method
            }
            b'@' => !w.contains(&b'.') && !w[k + 1].is_ascii_lowercase(),
            _ => false,
        })
}

/// Text, not binary data: valid UTF-8 without control characters other
/// than tabs.
fn is_text(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok_and(|t| !t.chars().any(|c| c.is_control() && c != '\t'))
}

/// `page.html#Sec1`, `index.md#Step2`: a file's name and an anchor in it.
fn file_anchor(w: &[u8]) -> bool {
    w.iter().position(|b| *b == b'#').is_some_and(|h| {
        w[..h].iter().rposition(|b| *b == b'.').is_some_and(|d| {
            (1..=5).contains(&(h - d - 1)) && w[d + 1..h].iter().all(u8::is_ascii_lowercase)
        })
    })
}

/// A password as people choose them: [`password_like`], with a run of
/// lower-case letters (a word in it, unlike an id such as
/// `1rBNrR-ZQTQ8L-AB`), and a symbol other than `-_.`, or a digit with one
/// of those (`Tacos-al-pastor-9`), or a capitalised word and digits
/// (`Cordillera2024`); not a version (`OpenSSL-3.0.2`), a file name or a
/// `host:port`.
pub(crate) fn chosen_password(v: &[u8]) -> bool {
    let word = v
        .split(|b| !b.is_ascii_lowercase())
        .any(|run| run.len() >= 2);
    if !word || v.contains(&b':') || v.contains(&b'@') || !password_like(v) {
        return false;
    }
    let plain_symbol = |b: &u8| matches!(b, b'-' | b'_' | b'.');
    let special = v
        .iter()
        .any(|b| b.is_ascii_punctuation() && !plain_symbol(b));
    let digit = v.iter().any(u8::is_ascii_digit);
    let shaped = if special {
        true
    } else if v.iter().any(plain_symbol) {
        digit
    } else {
        // `Word2024`: one capital, then lower case, then digits.
        let letters = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        v[0].is_ascii_uppercase()
            && v[1..letters].iter().all(u8::is_ascii_lowercase)
            && letters < v.len()
            && v[letters..].iter().all(u8::is_ascii_digit)
    };
    // `Name-1.2.3`: letters, then only digits and dots.
    let first_digit = v.iter().position(u8::is_ascii_digit).unwrap_or(v.len());
    let version = v[first_digit..]
        .iter()
        .all(|b| b.is_ascii_digit() || *b == b'.')
        && v[first_digit..].contains(&b'.');
    // `report.xlsx`, `app.example.com`: a lower-case extension or label last.
    let extension = v.iter().rposition(|b| *b == b'.').is_some_and(|d| {
        (1..=5).contains(&(v.len() - d - 1)) && v[d + 1..].iter().all(u8::is_ascii_lowercase)
    });
    shaped && !version && !extension && !qualified_class(v)
}

/// A class by its module's path (`psycopg2.OperationalError`,
/// `requests.exceptions.ConnectionError`): dot-joined identifiers, the
/// first in lower case, the last a capitalised word of letters.
fn qualified_class(v: &[u8]) -> bool {
    let mut parts = v.split(|b| *b == b'.');
    let identifier = |p: &[u8]| {
        p.first().is_some_and(u8::is_ascii_alphabetic)
            && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let Some(first) = parts.next() else {
        return false;
    };
    let mut last = first;
    let mut n = 1;
    for p in parts {
        if !identifier(p) {
            return false;
        }
        last = p;
        n += 1;
    }
    n >= 2
        && identifier(first)
        && first[0].is_ascii_lowercase()
        && last[0].is_ascii_uppercase()
        && last[1..].iter().all(u8::is_ascii_alphabetic)
        && last.iter().any(u8::is_ascii_lowercase)
}

/// A password of lower-case words and digits (`kuma-ntfy-55`,
/// `blue-river-4417`), which [`chosen_password`] leaves to identifiers:
/// taken only right after a password word (`pass kuma-ntfy-55`). Two
/// words of two letters or more, a digit, and `-` or `_` between; not a
/// flag (`pass --debug-nghttp2`), a version or a file name (no `.`).
fn worded_password(v: &[u8]) -> bool {
    let words = v
        .split(|b| !b.is_ascii_lowercase())
        .filter(|run| run.len() >= 2)
        .count();
    (8..=64).contains(&v.len())
        && words >= 2
        && v[0].is_ascii_alphanumeric()
        && v.iter().any(u8::is_ascii_digit)
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        && v.iter().any(|b| matches!(b, b'-' | b'_'))
}

/// Whether the digits at `s..e` are part of a date, a time or a longer
/// number (`2024-05-14`, `10:02`, `1.5`, `4 471`).
/// An access code: five digits or more (`839201`), or letters and a digit
/// (`Xq7pRb`, `4Rt9kq`), not words (`Kenncode: siehe Einladung`).
fn access_code(v: &[u8]) -> bool {
    let digits = checks::digit_count(v);
    digits >= 5 || (digits >= 1 && v.iter().any(u8::is_ascii_alphabetic))
}

fn date_or_time_part(line: &[u8], s: usize, e: usize) -> bool {
    let joined = |sep: Option<&u8>, digit: Option<&u8>| {
        sep.is_some_and(|b| matches!(b, b'-' | b'/' | b':' | b'.' | b',' | b' '))
            && digit.is_some_and(u8::is_ascii_digit)
    };
    joined(line.get(e), line.get(e + 1)) || s >= 2 && joined(line.get(s - 1), line.get(s - 2))
}

/// A value shaped like a password someone chose, in either form.
pub(crate) fn password_shaped(v: &[u8]) -> bool {
    chosen_password(v) || worded_password(v)
}

/// Words for a code in several languages, as one-time, login and
/// verification codes are sent (`Your code is`, `Ihr Anmeldecode:`, `din
/// engangskode er`, `kódja:`, `doğrulama kodunuz`, `código de acesso é`).
const CODE_WORDS: &[&str] = &[
    "code",
    "kode",
    "kod",
    "k\u{f3}d",
    "c\u{f3}digo",
    "codice",
    "koodi",
    "k\u{14d}do",
];

/// Words before a code's word that make it no secret: `error code: 500123`,
/// `ZIP code`, `tracking code`, `Unicode`.
const NOT_SECRET_CODES: &[&str] = &[
    "error", "exit", "status", "return", "http", "response", "reason", "result", "zip", "post",
    "postal", "country", "area", "bar", "qr", "op", "uni", "key", "char", "product", "item",
    "tracking", "order", "sort", "bank", "branch", "swift", "bic", "source", "short", "hs",
    "event", "fehler", "erreur", "fout", "hata", "errore",
];

/// One-time, login and verification codes sent by SMS or mail: six to
/// eight digits after a word for a code and a colon or a copula, in any of
/// [`CODE_WORDS`]' languages (`Your Tessera code is 662018`, `kódja:
/// 771204`, `engangskode er 918273`). Not after an error's or a place's
/// code (`error code: 500123`, [`NOT_SECRET_CODES`]), not a date's digits.
fn sent_codes(line: &[u8], out: &mut Vec<Finding>) {
    const COPULAS: &[&[u8]] = &[
        b"is",
        b"est",
        b"ist",
        b"es",
        "\u{e9}".as_bytes(),
        b"er",
        "\u{e8}".as_bytes(),
        b"je",
        b"jest",
        b"lautet",
        b"on",
        "\u{e4}r".as_bytes(),
        b"ni",
    ];
    static CODES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let codes = CODES.get_or_init(|| any_case(CODE_WORDS));
    let letter = |b: u8| b.is_ascii_alphabetic() || b >= 0x80;
    for m in codes.find_iter(line) {
        // The whole word that holds the code's word (`Anmeldecode`,
        // `kodunuz`, `verificatiecode`).
        let ws = m.start()
            - line[..m.start()]
                .iter()
                .rev()
                .take_while(|b| letter(**b))
                .count();
        let mut we = m.end() + line[m.end()..].iter().take_while(|b| letter(**b)).count();
        let word = line[ws..we].to_ascii_lowercase();
        let stem = &word[..m.start() - ws];
        let prev = super::names::word_before(line, ws).to_ascii_lowercase();
        // A key's earlier words: `error_code=`, `http.response_code`.
        let key_head = line[..ws]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        let key_head = line[ws - key_head..ws].to_ascii_lowercase();
        if NOT_SECRET_CODES.iter().any(|w| {
            stem.ends_with(w.as_bytes())
                || prev == w.as_bytes()
                || memchr::memmem::find(&key_head, w.as_bytes()).is_some()
        }) {
            continue;
        }
        // Up to two words more (`código de acesso é`, `kod
        // pidtverdzhennia:`), a colon or a copula, then the digits;
        // Turkish's possessive holds its own (`doğrulama kodunuz 551930`).
        // A form's '+' is a blank (`Body=Your+code+is+662018`).
        let blanks = |i: usize| {
            i + line[i..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'+'))
                .count()
        };
        let word_end = |i: usize| i + line[i..].iter().take_while(|b| letter(**b)).count();
        // Or a key's value: `"code":"804117"`, `Code=390552`.
        let quote = |i: usize| i + usize::from(matches!(line.get(i), Some(b'"' | b'\'')));
        let sep = quote(we);
        if matches!(line.get(sep), Some(b':' | b'=')) && line.get(sep + 1) != Some(&b' ') {
            we = quote(sep + 1);
            push_code(line, we, out);
            continue;
        }
        we = blanks(we);
        // After a word that makes it one-time (`TOTP code 417093`,
        // `override code 880412`, `SMS kodu 840-116`) the code may follow
        // straight away.
        if ONE_TIME_QUALIFIERS
            .iter()
            .any(|q| prev == q.as_bytes() || stem.ends_with(q.as_bytes()))
            && line.get(we).is_some_and(u8::is_ascii_digit)
        {
            push_code(line, we, out);
            continue;
        }
        for _ in 0..2 {
            let next = word_end(we);
            let copula = COPULAS.iter().any(|c| &line[we..next] == *c);
            if next == we || copula || !matches!(line.get(next), Some(b' ' | b':')) {
                break;
            }
            if line[next] == b':' || line.get(blanks(next)).is_some_and(|b| letter(*b)) {
                we = blanks(next);
            }
        }
        if line.get(we) == Some(&b':') {
            we = blanks(we + 1);
        } else if let Some(c) = COPULAS.iter().find(|c| {
            line[we..].starts_with(c) && !line.get(we + c.len()).is_some_and(|b| letter(*b))
        }) {
            we = blanks(we + c.len());
            if line.get(we) == Some(&b':') {
                we = blanks(we + 1);
            }
        } else if !word.ends_with(b"nuz") && !word.ends_with(b"niz") {
            continue;
        }
        push_code(line, we, out);
    }
}

/// The words that name the codes of [`grouped_codes`].
const GROUPED_CODE_WORDS: &[&str] = &[
    "recovery code",
    "recovery key",
    "backup code",
    "activation code",
    "aktivierungscode",
    "wiederherstellungs",
    "license key",
    "licence key",
    "product key",
];

/// Codes in dash-joined groups after a word that names them (`recovery
/// codes: 7KQ2-M9XD, P4VN-8HTR`, `FileVault personal recovery key
/// escrowed: X4PD-7KQN-…`, `Aktivierungscode 8841-2290-5531`,
/// product keys; not a hotspot's vouchers, which two corpora keep):
/// within 120 bytes after the word, every run of two to eight groups of
/// two to eight capitals and digits, eight characters or more with a
/// digit, not a date.
fn grouped_codes(line: &[u8], out: &mut Vec<Finding>) {
    static CUES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let cues = CUES.get_or_init(|| any_case(GROUPED_CODE_WORDS));
    let code_byte = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    for m in cues.find_iter(line) {
        let end = (m.end() + 120).min(line.len());
        let mut i = m.end();
        while i < end {
            if !code_byte(&line[i])
                || (i > 0 && (line[i - 1].is_ascii_alphanumeric() || line[i - 1] == b'-'))
            {
                i += 1;
                continue;
            }
            let mut e = i;
            let mut groups = 0;
            loop {
                let n = line[e..].iter().take_while(|b| code_byte(b)).count();
                if !(2..=8).contains(&n) {
                    groups = 0;
                    break;
                }
                e += n;
                groups += 1;
                if line.get(e) == Some(&b'-') && line.get(e + 1).is_some_and(&code_byte) {
                    e += 1;
                } else {
                    break;
                }
            }
            let alone = !line
                .get(e)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-');
            let v = &line[i..e];
            // Eight characters or more (not a host's `WS-01`, `RFC-7231`),
            // not a date (`2024-05-14`).
            let chars = v.iter().filter(|b| **b != b'-').count();
            let date = v.len() == 10 && checks::starts_with_iso_date(v);
            if (2..=8).contains(&groups)
                && alone
                && chars >= 8
                && !date
                && v.iter().any(u8::is_ascii_digit)
            {
                out.push(Finding::new(i, e, Kind::Secret));
                i = e;
            } else {
                i = e.max(i + 1);
            }
        }
    }
}

/// Whether dash-joined digit groups read as a date: a year of four digits
/// (`2024-05-14`), or three groups with a month in the middle and a day
/// at one end (`24-05-14`, `14-05-24`).
fn reads_as_date(groups: &[&[u8]]) -> bool {
    let value = |g: &[u8]| g.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    let day = |g: &[u8]| (1..=31).contains(&value(g));
    groups
        .iter()
        .any(|g| g.len() == 4 && (g.starts_with(b"19") || g.starts_with(b"20")))
        || (groups.len() == 3
            && (1..=12).contains(&value(groups[1]))
            && (day(groups[0]) || day(groups[2])))
}

/// A PIN's or one-time code's digits: four to eight, also in groups of
/// two to four joined by dashes that are no date (`4471-09`; not
/// `2024-05-14`).
fn pin_shape(v: &[u8]) -> bool {
    let groups: Vec<&[u8]> = v.split(|b| *b == b'-').collect();
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    (4..=8).contains(&digits) && code_groups(&groups)
}

/// Digit groups of a code: one, or two to four digits each joined by
/// dashes that do not read as a date.
fn code_groups(groups: &[&[u8]]) -> bool {
    groups.len() == 1 || groups.iter().all(|g| (2..=4).contains(&g.len())) && !reads_as_date(groups)
}

/// Words before a code's word that make it a secret one (lower case; also
/// as the end of the code's own word: `TOTP code`, `otpcode`).
const ONE_TIME_QUALIFIERS: &[&str] = &[
    "otp",
    "totp",
    "sms",
    "mfa",
    "2fa",
    "override",
    "activation",
    "verification",
    "confirmation",
    "authentication",
    "unlock",
    "pairing",
    "access",
    "door",
    "gate",
    "safe",
    "keypad",
    "alarm",
];

/// Six to eight digits at `at` that stand alone and are no date's or
/// time's part, also in groups of two to four joined by dashes (`840-116`,
/// `19-73-46`; not a date, `2024-05-14`): a sent code ([`sent_codes`]).
fn push_code(line: &[u8], at: usize, out: &mut Vec<Finding>) {
    let mut end = at;
    let mut groups: Vec<&[u8]> = Vec::new();
    loop {
        let n = line[end..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        groups.push(&line[end..end + n]);
        end += n;
        let more =
            line.get(end) == Some(&b'-') && line.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !more || groups.len() == 4 {
            break;
        }
        end += 1;
    }
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    if (6..=8).contains(&digits)
        && code_groups(&groups)
        && !line
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && !date_or_time_part(line, at, end)
    {
        out.push(Finding::new(at, end, Kind::Secret));
    }
}

/// An API key or session key written as hex: 32, 40 or 64 lower-case hex
/// digits.
fn hex_key(v: &[u8]) -> bool {
    matches!(v.len(), 32 | 40 | 64)
        && v.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// A value that looks generated rather than written: at least 12 bytes
/// without blanks, holding a digit or a base64 symbol and mixed case.
fn looks_random(v: &[u8]) -> bool {
    v.len() >= 12
        && !v.iter().any(u8::is_ascii_whitespace)
        && v.iter()
            .any(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/' | b'='))
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
}

/// The end of `line[s..e]` without the escaped line ends (`\n`, `\r`,
/// `\t`) that close a log line inside a JSON string.
fn without_escaped_line_end(line: &[u8], s: usize, mut e: usize) -> usize {
    while e >= s + 2 && matches!(&line[e - 2..e], b"\\n" | b"\\r" | b"\\t") {
        e -= 2;
    }
    e
}

/// `${VAR}`, `$VAR`, `%(var)s`, `{{ var }}`, `<PASSWORD>`: references, not secrets.
fn is_reference(v: &[u8]) -> bool {
    v.starts_with(b"${")
        || v.starts_with(b"{{")
        || v.starts_with(b"%(")
        || v.starts_with(b"$(")
        || (v.len() > 1 && v[0] == b'$' && v[1..].iter().all(|b| checks::is_word(*b)))
        || (v.len() > 2 && v[0] == b'<' && v[v.len() - 1] == b'>' && !v.contains(&b' '))
        || is_call(v)
}

/// A call in code: `os.getenv("DB_PASSWORD")`, `Token(0)`,
/// `vault::read(path)`: a name of letters, then `(`.
fn is_call(v: &[u8]) -> bool {
    let name = v
        .iter()
        .take_while(|b| checks::is_word(**b) || matches!(b, b'.' | b':'))
        .count();
    name >= 3
        && v.get(name) == Some(&b'(')
        && v[0].is_ascii_alphabetic()
        && v[..name].iter().all(|b| !b.is_ascii_digit())
}

/// The value after a separator ending at `from`.
fn value_span(line: &[u8], from: usize, whole_rest: bool) -> Option<(usize, usize)> {
    let rest = line.get(from..)?;
    let first = *rest.first()?;
    if first == b'"' || first == b'\'' || first == b'`' {
        let s = from + 1;
        let mut i = s;
        while i < line.len() {
            if line[i] == b'\\' {
                i += 2;
                continue;
            }
            if line[i] == first {
                break;
            }
            i += 1;
        }
        let e = i.min(line.len());
        return (e > s).then_some((s, e));
    }
    // An escaped JSON string inside a string: `\"password\":\"x\"`.
    if first == b'\\' && rest.get(1) == Some(&b'"') {
        let s = from + 2;
        let mut i = s;
        while i < line.len() && !(line[i] == b'\\' && line.get(i + 1) == Some(&b'"')) {
            i += 1;
        }
        return (i > s).then_some((s, i));
    }
    let mut e = from;
    if whole_rest && !has_later_assignment(rest) {
        e = line.len();
        // Drop a trailing ` # comment` or ` ; comment`.
        if let Some(p) = find_comment(rest) {
            e = from + p;
        }
        while e > from && line[e - 1].is_ascii_whitespace() {
            e -= 1;
        }
    } else {
        while e < line.len()
            && !matches!(
                line[e],
                b' ' | b'\t' | b',' | b';' | b'&' | b'"' | b'\'' | b')' | b'}' | b']' | b'>' | b'|'
            )
        {
            e += 1;
        }
        while e > from && matches!(line[e - 1], b'.' | b':') {
            e -= 1;
        }
    }
    (e > from).then_some((from, e))
}

fn find_comment(rest: &[u8]) -> Option<usize> {
    rest.windows(2)
        .position(|w| (w[0] == b' ' || w[0] == b'\t') && (w[1] == b'#' || w[1] == b';'))
}

/// Whether the rest of a line holds another `key=value` (a log line, not an
/// INI/YAML value that runs to the end of the line).
fn has_later_assignment(rest: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = rest[i..].iter().position(|b| *b == b' ' || *b == b'\t') {
        let w = i + p + 1;
        let mut j = w;
        while j < rest.len() && (checks::is_word(rest[j]) || rest[j] == b'.' || rest[j] == b'-') {
            j += 1;
        }
        if j > w && rest.get(j) == Some(&b'=') {
            return true;
        }
        i = w;
        if i >= rest.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word a detector with its own cue words looks for holds one of
    /// the cues that wake it, so skipping it on lines without them loses
    /// nothing.
    #[test]
    fn own_cue_words_hold_a_cue() {
        for ((_, words, _), (_, cues)) in OWN_CUES.iter().zip(own_cue_groups()) {
            for w in words.iter().copied().flatten() {
                let lower = w.to_ascii_lowercase();
                assert!(
                    cues.iter().any(|c| lower.contains(&c.to_ascii_lowercase())),
                    "{w:?} holds none of {cues:?}"
                );
            }
        }
    }

    #[test]
    fn secret_key_names() {
        for k in [
            "password",
            "recovery_codes",
            "DB_PASSWORD",
            "dbPassword",
            "spring.datasource.password",
            "api_key",
            "apiKey",
            "X-Api-Key",
            "aws_secret_access_key",
            "client_secret",
            "GITHUB_TOKEN",
            "auth_token",
            "key",
            "signing-key",
            "pass",
            "rootpassword",
        ] {
            assert!(secret_key(k.as_bytes()), "{k}");
        }
        for k in [
            "token_ttl",
            "password_min_length",
            "key_file",
            "max_tokens",
            "tokens",
            "passed",
            "keyboard",
            "monkey",
            "primary_key_id",
            "bypass",
            "author",
            "token_type",
            "ssh_key_path",
        ] {
            assert!(!secret_key(k.as_bytes()), "{k}");
        }
    }
}
