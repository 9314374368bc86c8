//! Person names in free text, and host names that embed one.
//!
//! A name is found through a context cue ("opened by", "assigned to",
//! "From:", "Dear", "Author:" ...) and the bundled first-name list
//! (`first_names.txt`, a few thousand common international first names).
//! Without a cue, only a listed first name followed by a capitalised surname
//! counts ("Maria Keller"). Surnames, initials and particles after a first
//! name go with it.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use regex::bytes::Regex;
use regex_automata::{meta, Anchored, Input};

use super::checks;
use super::detect::{big_regex, build_meta, builtin_bug, BIG_DFA_CACHE};
use super::finding::Finding;
use super::prefilter::{self, Hints};
use super::token::Kind;
use super::word_hash;

/// [`word_hash::fold`] as a `Hasher`, for the fixed word sets below.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = word_hash::fold(self.0, bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type WordSet<T> = HashSet<T, BuildHasherDefault<WordHasher>>;

// `NAME_SLOTS`, `WORD_SLOTS`, `SURNAME_SLOTS`, `US_SURNAME_SLOTS` and
// `LOOKALIKE_SLOTS`: the bundled lists as open-addressing tables of 32-bit
// fingerprints (0: empty), laid out by the build script with
// `word_hash::slot`. Read-only data: nothing to build at start, only the
// pages look-ups touch are resident, and the words' text is not needed. A
// word that is not listed passes for one with a probability of about 3 in
// 2^32 (a few probes, each a 32-bit compare).
include!(concat!(env!("OUT_DIR"), "/first_names_table.rs"));
include!(concat!(env!("OUT_DIR"), "/common_words_table.rs"));
include!(concat!(env!("OUT_DIR"), "/surnames_table.rs"));
include!(concat!(env!("OUT_DIR"), "/surnames_us_table.rs"));
include!(concat!(env!("OUT_DIR"), "/surname_lookalikes_table.rs"));

/// Whether `word` (lowercase bytes) is in the table `slots`.
fn listed(slots: &[u32], word: &[u8]) -> bool {
    let mask = slots.len() - 1;
    let (mut i, fingerprint) = word_hash::slot(word, slots.len());
    loop {
        match slots[i] {
            0 => return false,
            f if f == fingerprint => return true,
            _ => i = (i + 1) & mask,
        }
    }
}

/// Whether `word` (lowercase bytes) is in the bundled first-name list.
fn listed_exactly(word: &[u8]) -> bool {
    listed(&NAME_SLOTS, word)
}

/// Whether `lower` is a common English word that is not also a first name
/// (`common_words.txt`: `true`, `directories`, `either`, `regular`): after
/// a cue in running text it is the text going on, not a login.
pub(crate) fn is_common_word(lower: &[u8]) -> bool {
    listed(&WORD_SLOTS, lower)
}

/// Whether `lower` (lowercase ASCII) is in the bundled surname lists
/// (`surnames.txt`: surnames of four letters or more from many countries,
/// accents taken off, not everyday English words unless they are mostly
/// surnames, `smith`; `surnames_us.txt`: more of the common surnames of
/// the United States, `trott`, `caplan`).
pub(crate) fn is_surname(lower: &[u8]) -> bool {
    listed(&SURNAME_SLOTS, lower) || listed(&US_SURNAME_SLOTS, lower) || female_form(lower)
}

/// A woman's form of a listed surname: Polish, Czech or Slovak `-ska`,
/// `-cka`, `-dzka` of `-ski`, `-cki`, `-dzki` (`nowicka`) and `-ova` (`ová`
/// with its accent taken off) after the surname (`novakova`); Russian `-a`
/// after `-ov`, `-ev`, `-in` (`ivanova`).
fn female_form(lower: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    if let Some(stem) = lower.strip_suffix(b"ka") {
        if stem.len() >= 3
            && stem.len() + 2 <= buf.len()
            && [&b"s"[..], b"c", b"dz"]
                .iter()
                .any(|end| stem.ends_with(end))
        {
            buf[..stem.len()].copy_from_slice(stem);
            buf[stem.len()..stem.len() + 2].copy_from_slice(b"ki");
            return listed(&SURNAME_SLOTS, &buf[..stem.len() + 2]);
        }
    }
    lower
        .strip_suffix(b"ova")
        .is_some_and(|stem| stem.len() >= 4 && listed(&SURNAME_SLOTS, stem))
        // Russian and Central Asian forms: `-a` after `-ov`, `-ev`, `-in`
        // (`ivanova`, `karimova`, `sorokina`).
        || lower.strip_suffix(b"a").is_some_and(|stem| {
            stem.len() >= 4
                && [&b"ov"[..], b"ev", b"in"].iter().any(|end| stem.ends_with(end))
                && listed(&SURNAME_SLOTS, stem)
        })
}

/// Whether `lower` (lowercase ASCII letters) is a compact login made of an
/// initial and a listed surname (`lmartin`, `tsuzuki`, `kdlamini`), also
/// with the surname's particle (`jvandijk`, `jdevries`): five letters or
/// more, and not itself an English word (`emitter`, `adieu`:
/// `surname_lookalikes.txt`; `across`, `please`) or a first name (`emilia`).
pub(crate) fn is_compact_login(lower: &[u8]) -> bool {
    (5..=20).contains(&lower.len())
        && lower.iter().all(u8::is_ascii_lowercase)
        && spells_initial_and_surname(lower)
        && !listed(&LOOKALIKE_SLOTS, lower)
        && !is_common_word(lower)
        && !listed_exactly(lower)
}

/// Whether `lower` is a letter and a listed surname of four letters or
/// more, also with the surname's particle (`jvandijk`). From the longer
/// list of the United States' surnames (`surnames_us.txt`) only one of six
/// letters or more counts, and not in a word that is a listed surname
/// itself: a letter before a short rare surname spells too many words of
/// code (`frotz`, `chage`, `nelem`), and `hellman` is no H. Ellman.
fn spells_initial_and_surname(lower: &[u8]) -> bool {
    const PARTICLES: &[&[u8]] = &[
        b"van", b"von", b"de", b"der", b"den", b"da", b"di", b"del", b"della", b"dos", b"le",
        b"la", b"mc", b"mac", b"ten", b"ter",
    ];
    let Some(rest) = lower.get(1..) else {
        return false;
    };
    let surname = |r: &[u8]| {
        r.len() >= 4 && (listed(&SURNAME_SLOTS, r) || female_form(r))
            || r.len() >= 6 && listed(&US_SURNAME_SLOTS, r) && !is_surname(lower)
    };
    surname(rest)
        || PARTICLES
            .iter()
            .any(|p| rest.strip_prefix(*p).is_some_and(surname))
}

/// Whether `lower` is a bundled first name, also with its accents taken
/// off (`siobhán` is listed as `siobhan`, `zoë` as `zoe`).
fn in_first_names(lower: &str) -> bool {
    listed_exactly(lower.as_bytes())
        || (!lower.is_ascii() && {
            let folded: String = lower.chars().map(fold_accent).collect();
            folded != lower && listed_exactly(folded.as_bytes())
        })
}

/// A Latin letter with a diacritic as its base letter; others as they are.
pub(crate) fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ă' | 'ą' | 'ā' => 'a',
        'ć' | 'č' | 'ç' => 'c',
        'ď' | 'đ' => 'd',
        'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ě' | 'ė' | 'ē' => 'e',
        'ğ' => 'g',
        'í' | 'ì' | 'î' | 'ï' | 'ı' | 'ī' | 'į' => 'i',
        'ł' | 'ľ' | 'ĺ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ő' | 'ō' => 'o',
        'ř' | 'ŕ' => 'r',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ú' | 'ù' | 'û' | 'ü' | 'ű' | 'ů' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

fn static_set(lists: &[&'static [&'static str]]) -> WordSet<&'static str> {
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}

/// A first name that is also an everyday word (lowercase input).
fn is_ambiguous(lower: &str) -> bool {
    static SET: OnceLock<WordSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| static_set(&[AMBIGUOUS, CALENDAR]))
        .contains(lower)
}

/// A strong cue's word (lowercase input): a greeting's or a sign-off's
/// (`Grüßen, Jonas`), a title, a role.
fn is_strong_cue(lower: &str) -> bool {
    static SET: OnceLock<WordSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| static_set(&[STRONG])).contains(lower)
}

/// A capitalised word that is not a surname (lowercase input).
fn is_not_surname(lower: &str) -> bool {
    static SET: OnceLock<WordSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| static_set(&[NOT_SURNAME, CALENDAR]))
        .contains(lower)
}

/// Whether `word` is in the bundled first-name list (any case).
pub(crate) fn is_first_name(word: &str) -> bool {
    in_first_names(&word.to_lowercase())
}

/// Months and weekdays: everyday words ([`is_ambiguous`]) and never
/// surnames ([`is_not_surname`]), whether the bundled list holds them as
/// first names or not (`(January 28, 2023)`).
const CALENDAR: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// First names that are also everyday words, months or languages: they need a
/// strong cue to count.
const AMBIGUOUS: &[&str] = &[
    "will",
    "mark",
    "grant",
    "rose",
    "lily",
    "iris",
    "ivy",
    "hope",
    "faith",
    "joy",
    "grace",
    "dawn",
    "summer",
    "autumn",
    "winter",
    "chase",
    "hunter",
    "bill",
    "pat",
    "sue",
    "art",
    "rich",
    "frank",
    "earl",
    "dean",
    "guy",
    "max",
    "rock",
    "page",
    "lane",
    "ray",
    "drew",
    "gene",
    "don",
    "jan",
    "dot",
    "eve",
    "georgia",
    "carolina",
    "paris",
    "austin",
    "dallas",
    "jordan",
    "chelsea",
    "sydney",
    "victoria",
    "florence",
    "madison",
    "brooklyn",
    "phoenix",
    "devon",
    "lincoln",
    "ruby",
    "pearl",
    "jade",
    "amber",
    "crystal",
    "ginger",
    "julia",
    "ada",
    "miles",
    "mason",
    "cooper",
    "archer",
    "carter",
    "parker",
    "tucker",
    "taylor",
    "sage",
    "river",
    "sky",
    "skyler",
    "penny",
    "sandy",
    "misty",
    "candy",
    "ebony",
    "destiny",
    "harmony",
    "melody",
    "serenity",
    "legend",
    "atlas",
    "nova",
    "luna",
    "aurora",
    "echo",
    "king",
    "kingston",
    "major",
    "prince",
    "royal",
    "justice",
    "trinity",
    "genesis",
    "reagan",
    "kennedy",
    "lexus",
    "mercedes",
    "chevy",
    "jaguar",
    "camry",
    "angel",
    "an",
    "in",
    "so",
    "min",
    "long",
    "sun",
    "mon",
    "sat",
    "tue",
    "wed",
    "thu",
    "fri",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "mar",
    "feb",
    "van",
    "lee",
    "kim",
    "young",
    "english",
    "french",
    "german",
    "ali",
    "can",
    "hong",
    "wei",
    "lu",
    "li",
    "yu",
    "xu",
    "jo",
    "ji",
    "hui",
    "ping",
    "ting",
    "sung",
    "hyun",
    "tao",
    "rin",
    "mei",
    "lan",
    "fang",
    "bin",
    "hai",
    "nam",
    "ha",
    "son",
    "jin",
    "eun",
    "soo",
    "hee",
    "kai",
    "rui",
    "lin",
    "tam",
    "tien",
    "vy",
    "uma",
    "ana",
    "paz",
    "luz",
    "sol",
    "mia",
    "pia",
    "eva",
    "ava",
    "ella",
    "emma",
    "nina",
    "lena",
    "ida",
    "ivan",
    "jack",
    "bob",
    "tom",
    "tim",
    "sam",
    "dan",
    "ben",
    "ken",
    "ron",
    "roy",
    "joe",
    "ted",
    "ed",
    "al",
    "bruce",
    "sterling",
    "crane",
    "forest",
    "forrest",
    "glen",
    "dale",
    "rocky",
    "cliff",
    "brook",
    "brooke",
    "violet",
    "daisy",
    "holly",
    "heather",
    "hazel",
    "olive",
    "poppy",
    "fern",
    "flora",
    "fauna",
    "willow",
    "aspen",
    "juniper",
    "laurel",
    "cedar",
    "ash",
    "birch",
    "clay",
    "stone",
    "flint",
    "storm",
    "rain",
    "snow",
    "star",
    "sunny",
    "cherry",
    "apple",
    "berry",
    "honey",
    "sugar",
    "spring",
    "fall",
    "felix",
    "hugo",
    "oscar",
    "otto",
    "rex",
    "victor",
    "vincent",
    "wallace",
    "sherman",
    "wilson",
    "nelson",
    "lewis",
    "stanley",
    "norman",
    "marshall",
    "warren",
    "gordon",
    "wayne",
    "russell",
    "kirk",
    "seth",
    "dominic",
    "constance",
    "prudence",
    "patience",
    "charity",
    "mercy",
    "verity",
    "noble",
    "golden",
    "silver",
    "ivory",
    "onyx",
    "jet",
    "cole",
    "coal",
    "rusty",
    "blue",
    "red",
    "gray",
    "grey",
    "green",
    "brown",
    "black",
    "white",
    "bishop",
    "baker",
    "cook",
    "smith",
    "miller",
    "walker",
    "hall",
    "wade",
    "beau",
    "nico",
    "enzo",
    "chance",
    "lucky",
    "remi",
    "sloane",
    "quinn",
    "reese",
    "harper",
    "avery",
    "riley",
    "london",
    "india",
    "asia",
    "africa",
    "china",
    "israel",
    "jersey",
    "vienna",
    "florida",
    "virginia",
    "carolina",
    "dakota",
    "montana",
    "cairo",
    "milan",
    "adrian",
    "sierra",
    "tahoe",
    "yosemite",
    "ventura",
    "catalina",
    "olympia",
    "santos",
    "angelo",
    "jesus",
    "christian",
    "islam",
    "emanuel",
    "trent",
    "tyson",
    "micah",
    "jude",
    "kit",
    "nell",
    "mac",
    "lyra",
    "orion",
    "juno",
    "cosmo",
    "freya",
    "odd",
    "per",
    "tor",
    "ole",
    "liv",
    "saga",
    "lone",
    "tone",
];

/// Capitalised words that are not surnames (a first name followed by one of
/// these is not a full name: "Will Retry", "Mark Done").
const NOT_SURNAME: &[&str] = &[
    // `Hello World`, `Hi friends`, `Fifth Floor`, font families
    // (`Vera Sans Mono`).
    "world",
    "friends",
    "floor",
    "suite",
    "sans",
    "serif",
    "mono",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "kong",
    // Titles: the name follows them.
    "mr",
    "mrs",
    "ms",
    "prof",
    "dott",
    "sig",
    "sra",
    "srta",
    "frau",
    "herr",
    "herrn",
    "mme",
    "mlle",
    "dhr",
    "mevr",
    "github",
    "gitlab",
    "bitbucket",
    "noreply",
    "no-reply",
    "notifications",
    "mailer",
    "postmaster",
    "dependabot",
    "renovate",
    "access",
    "error",
    "warning",
    "warn",
    "info",
    "debug",
    "trace",
    "fatal",
    "failed",
    "started",
    "stopped",
    "service",
    "services",
    "session",
    "user",
    "users",
    "server",
    "client",
    "request",
    "response",
    "manager",
    "daemon",
    "network",
    "device",
    "system",
    "kernel",
    "process",
    "thread",
    "task",
    "job",
    "queue",
    "worker",
    "pool",
    "cache",
    "database",
    "table",
    "index",
    "file",
    "directory",
    "disk",
    "memory",
    "time",
    "date",
    "day",
    "week",
    "month",
    "year",
    "update",
    "upgrade",
    "install",
    "package",
    "version",
    "release",
    "build",
    "test",
    "tests",
    "exception",
    "handler",
    "controller",
    "module",
    "plugin",
    "extension",
    "factory",
    "config",
    "settings",
    "center",
    "centre",
    "desk",
    "support",
    "team",
    "group",
    "department",
    "office",
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "corp",
    "company",
    "street",
    "road",
    "avenue",
    "lane",
    "square",
    "hall",
    "house",
    "building",
    "city",
    "county",
    "state",
    "university",
    "college",
    "school",
    "bank",
    "hospital",
    "clinic",
    "the",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "from",
    "with",
    "by",
    "is",
    "was",
    "has",
    "have",
    "not",
    "no",
    "yes",
    "ok",
    "done",
    "retry",
    "retrying",
    "again",
    "later",
    "now",
    "today",
    "tomorrow",
    "yesterday",
    "here",
    "there",
    "this",
    "that",
    "these",
    "those",
    "all",
    "any",
    "some",
    "none",
    "new",
    "old",
    "first",
    "last",
    "next",
    "previous",
    "default",
    "main",
    "primary",
    "secondary",
    "master",
    "slave",
    "leader",
    "follower",
    "node",
    "cluster",
    "instance",
    "container",
    "pod",
    "image",
    "volume",
    "host",
    "hosts",
    "port",
    "address",
    "account",
    "accounts",
    "admin",
    "administrator",
    "root",
    "guest",
    "owner",
    "security",
    "policy",
    "rule",
    "rules",
    "role",
    "roles",
    "permission",
    "permissions",
    "status",
    "state",
    "mode",
    "level",
    "type",
    "name",
    "names",
    "id",
    "key",
    "value",
    "data",
    "message",
    "messages",
    "mail",
    "email",
    "phone",
    "number",
    "code",
    "page",
    "pages",
    "item",
    "items",
    "list",
    "order",
    "orders",
    "payment",
    "payments",
    "invoice",
    "customer",
    "customers",
    "product",
    "products",
    "report",
    "reports",
    "ticket",
    "tickets",
    "issue",
    "issues",
    "bug",
    "feature",
    "project",
    "projects",
    "branch",
    "commit",
    "merge",
    "pull",
    "push",
    "deploy",
    "deployment",
    "pipeline",
    "stage",
    "step",
    "agent",
    "collector",
    "monitor",
    "monitoring",
    "alert",
    "alerts",
    "event",
    "events",
    "log",
    "logs",
    "logger",
    "output",
    "input",
    "read",
    "write",
    "open",
    "close",
    "closed",
    "opened",
    "created",
    "deleted",
    "updated",
    "added",
    "removed",
    "changed",
    "enabled",
    "disabled",
    "active",
    "inactive",
    "running",
    "pending",
    "complete",
    "completed",
    "success",
    "successful",
    "failure",
    "timeout",
    "unknown",
    "null",
    "true",
    "false",
    "java",
    "python",
    "linux",
    "windows",
    "ubuntu",
    "debian",
    "docker",
    "kubernetes",
    "apache",
    "nginx",
    "redis",
    "postgres",
    "mysql",
    "oracle",
    "microsoft",
    "google",
    "amazon",
    "apple",
    "cloud",
    "web",
    "api",
    "app",
    "application",
    "street",
    "st",
    "north",
    "south",
    "east",
    "west",
    "river",
    "lake",
    "mount",
    "hill",
    "valley",
    "beach",
    "bay",
    "island",
    "airport",
    "station",
    "hotel",
    "restaurant",
    "cafe",
    "shop",
    "store",
    "market",
    "mall",
    "plaza",
    "tower",
    "bridge",
    "gate",
    "way",
    "drive",
    "court",
    "place",
    "boulevard",
    "blvd",
    "rd",
    "ave",
    "dr",
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "phd",
    "md",
    "esq",
    "thanks",
    "thank",
    "regards",
    "cheers",
    "best",
    "hello",
    "hi",
    "dear",
    "please",
    "sorry",
    "welcome",
    "good",
    "great",
    "morning",
    "afternoon",
    "evening",
    "night",
    "everyone",
    "team",
    "folks",
    "guys",
    "there",
    "mac",
    "macbook",
    "iphone",
    "ipad",
    "pro",
    "air",
    "mini",
    "laptop",
    "desktop",
    "pc",
    "phone",
    "tablet",
    "watch",
    "tv",
];

/// Cues after which any capitalised word (1–3 words) is taken as a name.
const PERSON_FIELDS: &[&str] = &[
    "author",
    "authored",
    "reporter",
    "assignee",
    "reviewer",
    "approver",
    "requester",
    "requestor",
    "customer",
    "employee",
    "manager",
    "supervisor",
    "contact",
    "contact person",
    "contact_person",
    "full name",
    "full_name",
    "fullname",
    "display name",
    "display_name",
    "displayname",
    "real name",
    "real_name",
    "realname",
    "first name",
    "first_name",
    "firstname",
    "last name",
    "last_name",
    "lastname",
    "given name",
    "given_name",
    "givenname",
    "surname",
    "family name",
    "family_name",
    "familyname",
    "signed-off-by",
    "reviewed-by",
    "acked-by",
    "tested-by",
    "reported-by",
    "co-authored-by",
    "suggested-by",
    "helped-by",
    "attn",
    "attention",
    "committer",
    "maintainer",
    "cn",
    "gecos",
    "patient",
    "applicant",
    "recipient",
    "sender",
    "sender name",
    "sender_name",
    "coordinator",
    "incident commander",
    "scribe",
    "responder",
    "on-call",
    "on call",
    "oncall",
    "cardholder",
    "card holder",
    "cardholder_name",
    "holder",
    "account holder",
    "account_holder",
    "beneficiary",
    "owner name",
    "owner_name",
    "user_full_name",
    "contact_name",
    "emergency contact",
    "next of kin",
    "spouse",
];

/// Cues after which a listed first name (any case) or a capitalised word is
/// taken as a name.
const STRONG: &[&str] = &[
    "dear",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank you",
    "cheers",
    "regards",
    "greetings",
    "good morning",
    "good afternoon",
    "good evening",
    "welcome",
    "sincerely",
    "best",
    "mr",
    "mrs",
    "ms",
    "mx",
    "miss",
    "dr",
    "prof",
    "sir",
    "madam",
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "owner",
    "name",
    "user",
    "client",
    "ping",
    "spoke with",
    "spoke to",
    "talked to",
    "talked with",
    "met with",
    "according to",
    "on behalf of",
    "courtesy of",
    "thanks to",
    "asked",
    "told",
    "contacted",
    "called",
    "emailed",
    "paged",
    "notified",
    "mentioned",
    "cc'd",
    "ccd",
    "introduced",
    "interviewed",
    "meeting with",
    "call with",
    "chat with",
    "contact",
    "customer",
    "employee",
    "colleague",
    "coworker",
    "co-worker",
    "manager",
    "engineer",
    "technician",
    "agent",
    "caller",
    "patient",
    "applicant",
    "candidate",
    "tenant",
    "member",
    "driver",
    "student",
    "teacher",
    "doctor",
    "nurse",
    "consultant",
    "operator",
    "visitor",
    "deputy",
    "deputy is",
    "backup is",
    "apologies from",
    "regrets from",
    "my name is",
    "thx",
    "sorry",
    "ask",
    "tell",
    // Weak without a colon (see `classify_cue`): a listed first name only.
    "morning",
    "this is",
    // Other languages' greetings, sign-offs, thanks, titles and colleagues.
    "olá",
    "bom dia",
    "boa tarde",
    "goedemorgen",
    "goedemiddag",
    "goedenavond",
    "welkom",
    "guten morgen",
    "guten tag",
    "grüezi",
    "servus",
    "willkommen",
    "bienvenue",
    "bienvenido",
    "bienvenida",
    "benvenuto",
    "benvenuta",
    "buenos días",
    "buenas tardes",
    "groeten",
    "grüsse",
    "grüße",
    "gruesse",
    "grüssen",
    "grüßen",
    "saludos",
    "cordialement",
    "atenciosamente",
    "cumprimentos",
    "saluti",
    "pozdrawiam",
    "pozdrowienia",
    "beijos",
    "beijo",
    "abraços",
    "abraço",
    "abrazos",
    "abrazo",
    "besos",
    "bisous",
    "bises",
    "baci",
    "hilsen",
    "mvh",
    "saygılarımla",
    "hälsningar",
    "hallo",
    "hoi",
    "hej",
    "moin",
    "bonjour",
    "bonsoir",
    "salut",
    "hola",
    "ciao",
    "buongiorno",
    "gentile",
    "caro",
    "cara",
    "estimado",
    "estimada",
    "liebe",
    "lieber",
    "sehr geehrte",
    "sehr geehrter",
    "geachte",
    "beste",
    "dzień dobry",
    "danke",
    "merci",
    "gracias",
    "grazie",
    "obrigado",
    "obrigada",
    "tack",
    "bedankt",
    "groetjes",
    "frau",
    "herr",
    "herrn",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "mademoiselle",
    "sr",
    "sra",
    "srta",
    "señor",
    "señora",
    "sig",
    "sig.ra",
    "signor",
    "signora",
    "dott",
    "dott.ssa",
    "dhr",
    "mevr",
    "mevrouw",
    "meneer",
    "pani",
    "panie",
    "pana",
    "kollege",
    "kollegin",
    "collega",
    "collègue",
    "compañero",
    "compañera",
    // Family: a relative's name is the person's too ("my husband Taras",
    // "su hijo Emiliano", "mein Sohn Felix").
    "wife",
    "husband",
    "son",
    "daughter",
    "mother",
    "father",
    "mom",
    "mum",
    "dad",
    "sister",
    "grandma",
    "grandpa",
    "grandmother",
    "grandfather",
    "aunt",
    "uncle",
    "cousin",
    "niece",
    "nephew",
    "boyfriend",
    "girlfriend",
    "fiancé",
    "fiancée",
    "kids",
    "sohn",
    "tochter",
    "ehefrau",
    "ehemann",
    "mutter",
    "vater",
    "schwester",
    "oma",
    "opa",
    "hijo",
    "hija",
    "esposa",
    "esposo",
    "marido",
    "madre",
    "padre",
    "hermana",
    "hermano",
    "abuela",
    "abuelo",
    "filho",
    "filha",
    "mãe",
    "irmã",
    "irmão",
    "fils",
    "fille",
    "épouse",
    "mari",
    "mère",
    "père",
    "sœur",
    "frère",
    "figlio",
    "figlia",
    "moglie",
    "marito",
    "sorella",
    "fratello",
    "zoon",
    "dochter",
    "moeder",
    "vader",
    "córka",
    "żona",
    "mąż",
    "dotter",
];

/// Weak cues: only a capitalised listed, unambiguous first name counts.
const WEAK: &[&str] = &[
    "with", "by", "for", "to", "from", "and", "or", "at", "via", "per", "as",
];

const VERBS: &str = concat!(
    "opened|closed|created|assigned|reassigned|reported|requested|approved|reviewed|submitted|push|set|",
    "modified|updated|edited|changed|resolved|escalated|handled|owned|signed|written|authored|",
    "raised|filed|triaged|acknowledged|acked|confirmed|verified|tested|merged|committed|",
    "deployed|initiated|started|triggered|cancelled|canceled|rejected|deleted|removed|added|",
    "invited|granted|revoked|locked|unlocked|disabled|enabled|sent|forwarded|delegated|",
    "transferred|performed|executed|uploaded|downloaded|shared|booked|scheduled|onboarded|",
    "offboarded|hired|prepared|drafted|authorized|authorised|signed off|completed|claimed|",
    "picked up|taken|led|hosted|organized|organised|posted|published|answered|replied|",
    "responded|escalated|handed over|handed off|routed|referred|logged|recorded|noted|",
    "flagged|investigated|fixed|patched|inspected|audited|registered|booked|reply|commented"
);

#[derive(Clone)]
pub(crate) struct Names {
    /// Run anchored at the cue-word starts the prefilter found, or over
    /// the whole of a non-ASCII line. One regex for both: look-behind
    /// (`\b`) sees the whole line either way.
    cue: meta::Regex,
    /// First words of all cues (ASCII, any case): every cue match starts
    /// at one of these (see [`super::prefilter`]).
    cue_words: Vec<String>,
    host: Option<Hosts>,
}

#[derive(Clone)]
struct Hosts {
    re: Regex,
    /// Device words next to a `-`/`_`: a line without one skips the regex
    /// (see [`super::prefilter`]).
    cues: Vec<String>,
    device_words: Vec<String>,
}

/// Parts of a host name that say "a person's device", besides
/// [`STRONG_DEVICE_WORDS`].
const DEVICE_WORDS: &[&str] = &[
    "ws",
    "homelab",
    "mac",
    "mini",
    "air",
    "pro",
    "dell",
    "lenovo",
    "hp",
    "vm",
    "box",
    "home",
    "dev",
    "pi",
    "nas",
    "win",
    "win10",
    "win11",
    "ubuntu",
    "fedora",
    "arch",
    "linux",
    "private",
    "own",
    "yoga",
    "legion",
    "raspberrypi",
    "rpi",
    "synology",
    "diskstation",
    "echo",
    "dot",
    "kindle",
    "nuc",
    "openwrt",
    "router",
    "tv",
    "xbox",
    "cpe",
    "dsl",
    // Virtual desktops and personal sandboxes (`vdi-ananya-w11`,
    // `devbox-ana-lucia`, `rafael-sandbox`), kiosks and phones.
    "vdi",
    "w10",
    "w11",
    "devbox",
    "sandbox",
    "kiosk",
    "android",
    // Tablets and ThinkPad X1s by their short names (`WH-MILAN-TAB`,
    // `NL-PIETER-X1`).
    "tab",
    "x1",
];

/// Device words strong enough that any other alphabetic part of the host
/// name is taken as its owner (`jsmith-pc`); with the others (`vm`, `box`)
/// only a listed first name counts.
const STRONG_DEVICE_WORDS: &[&str] = &[
    "laptop",
    "pc",
    "desktop",
    "macbook",
    "mbp",
    "mba",
    "imac",
    "workstation",
    "wks",
    "notebook",
    "lt",
    "nb",
    "thinkpad",
    "xps",
    "surface",
    "iphone",
    "ipad",
    "phone",
    "pixel",
    "galaxy",
    "tablet",
    "personal",
    "macmini",
    "latitude",
    "precision",
    "optiplex",
    "inspiron",
    "vostro",
    "elitebook",
    "probook",
    "zbook",
    "spectre",
    "ideapad",
    "x1carbon",
    "chromebook",
    // Laptop and computer in other languages.
    "portatil",
    "portatile",
    "ordenador",
    "ordinateur",
    "rechner",
    "computador",
    // Laptop models that name hosts as often as the brand does.
    "t14",
    "t14s",
    "t480",
    "t490",
    "x13",
    "p14s",
];

/// Host-name parts that are roles, not people (`build-pc`, `dev-laptop-03`).
const HOST_GENERIC: &[&str] = &[
    "dev",
    "prod",
    "stage",
    "staging",
    "test",
    "qa",
    "uat",
    "web",
    "db",
    "build",
    "ci",
    "cd",
    "office",
    "lab",
    "kiosk",
    "win",
    "linux",
    "ubuntu",
    "debian",
    "fedora",
    "arch",
    "centos",
    "rhel",
    "shared",
    "admin",
    "corp",
    "it",
    "hr",
    "conf",
    "meeting",
    "room",
    "reception",
    "gpu",
    "cpu",
    "my",
    "home",
    "work",
    "old",
    "new",
    "spare",
    "loaner",
    "desktop",
    "laptop",
    "pc",
    "mac",
    "macbook",
    "pro",
    "air",
    "mini",
    "vm",
    "box",
    "nas",
    "pi",
    "srv",
    "server",
    "node",
    "host",
    "client",
    "station",
    "workstation",
    "ws",
    "nb",
    "notebook",
    "thinkpad",
    "dell",
    "hp",
    "lenovo",
    "asus",
    "acer",
    "msi",
    "surface",
    "xps",
    "imac",
    "mbp",
    "mba",
    "iphone",
    "ipad",
    "phone",
    "pixel",
    "galaxy",
    "tablet",
    "android",
    "ios",
    "agent",
    "runner",
    "worker",
    "gnu",
    "musl",
    "msvc",
    "darwin",
    "gerrit",
    "apple",
    "unknown",
    "isp",
    "static",
    "dynamic",
    "pool",
    "customer",
    "win10",
    "win11",
    "windows",
    "personal",
    "private",
    "own",
    "the",
    "test",
    "demo",
    "temp",
    "tmp",
    "backup",
    "media",
    "game",
    "gaming",
    "studio",
    "design",
    "sales",
    "support",
    "finance",
    "legal",
    "marketing",
    "eng",
    "engineering",
    "ops",
    "devops",
    "sre",
    "infra",
    "security",
    "sec",
    "guest",
    "public",
    "training",
    "classroom",
    "library",
    "front",
    "back",
    "main",
    "local",
    "remote",
    "virtual",
    "cloud",
    "edge",
    "dock",
    "docker",
    "k8s",
    "kube",
    "jenkins",
    "runner",
    "agent",
    "win7",
    "xp",
    "vista",
    "retina",
    "touch",
    "book",
    "x1",
    "carbon",
    "yoga",
    "elite",
    "latitude",
    "precision",
    "inspiron",
    "optiplex",
    "envy",
    "pavilion",
    "spectre",
    "zenbook",
    "vivobook",
    "chromebook",
    "desk",
    "dsk",
    "lt",
    "wk",
];

impl Names {
    pub(crate) fn new(hostname_names: bool, extra_device_words: &[String]) -> Self {
        let person = alternation(PERSON_FIELDS);
        let strong = alternation(STRONG);
        // A strong cue that ends in a non-ASCII letter (`olá`) has no ASCII
        // word boundary after it: a blank or a comma ends it instead.
        let cue = format!(
            concat!(
                r"(?i)(?:(?-u:\b)(?P<field>{person})(?-u:\b)[\x22']?[ \t]*(?:=>|[:=])[ \t]*[\x22'<(]?[ \t]*)",
                r"|(?:(?-u:\b)(?P<verb>(?:{verbs})[ \t]+(?:to|by|for|with|from|on behalf of))(?-u:\b)[ \t:]*[\x22'@]?)",
                r"|(?:(?-u:\b)(?P<strong>{strong})(?:(?-u:\b)|[ \t,])\.?[\x22']?[ \t]*[:=]?[ \t,]*[\x22'<@(]?)",
            ),
            person = person,
            verbs = VERBS,
            strong = strong,
        );
        let cue = build_meta(
            meta::Config::new().hybrid_cache_capacity(BIG_DFA_CACHE),
            &[cue],
        );
        let mut first_words: Vec<&str> = PERSON_FIELDS
            .iter()
            .chain(STRONG)
            .copied()
            .chain(VERBS.split('|'))
            .map(|w| w.split(' ').next().unwrap_or(w))
            .collect();
        first_words.sort_unstable();
        first_words.dedup();
        let cue_words = first_words.iter().map(|w| (*w).to_owned()).collect();
        let host = hostname_names.then(|| {
            let mut device_words: Vec<String> = STRONG_DEVICE_WORDS
                .iter()
                .chain(DEVICE_WORDS)
                .map(|w| (*w).to_owned())
                .collect();
            device_words.extend(extra_device_words.iter().map(|w| w.to_ascii_lowercase()));
            let words = device_words
                .iter()
                .map(|w| regex::escape(w))
                .collect::<Vec<_>>()
                .join("|");
            let re = big_regex(&format!(
                r"(?i-u)\b(?:[a-z0-9]+[\-_])+(?:{words})[0-9]*(?:[\-_][a-z0-9]+)*\b|\b(?:{words})[0-9]*[\-_](?:[a-z0-9]+[\-_]?)+\b"
            ))
            .unwrap_or_else(|e| builtin_bug(&e));
            let cues: Vec<String> = device_words
                .iter()
                .flat_map(|w| [format!("-{w}"), format!("{w}-"), format!("_{w}"), format!("{w}_")])
                .collect();
            Hosts { re, cues, device_words }
        });
        Names {
            cue,
            cue_words,
            host,
        }
    }

    /// The literal cues of the name group and of the host-name group.
    pub(crate) fn cues(&self) -> (&[String], &[String]) {
        (
            &self.cue_words,
            self.host.as_ref().map_or(&[][..], |h| &h.cues[..]),
        )
    }

    pub(crate) fn find(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        self.cued(line, hints, out);
        self.pairs(line, out);
        display_names(line, out);
        compound_person_fields(line, out);
        if hints.has(prefilter::NAME_KEY) {
            name_object(line, out);
        }
        travel_names(line, out);
        caps_names(line, out);
        surname_comma_given(line, out);
        speaker(line, out);
        sign_off(line, hints, out);
        name_alone(line, out);
        directory_entry(line, out);
        if hints.has(prefilter::DOUBLE_HYPHEN | prefilter::SN_KEY) {
            name_options(line, out);
        }
        escaped_comma_name(line, out);
        salutation_cells(line, out);
        if hints.has(prefilter::CARDHOLDERS) {
            cardholder_caps(line, out);
        }
        honorific(line, out);
        turkish_honorific(line, out);
        if let Some(host) = &self.host {
            if hints.has(prefilter::HOSTS) {
                host.find(line, out);
            }
        }
    }

    fn cued(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        if !line.is_ascii() {
            // Unicode case folding (`K` = U+212A) can match a cue that the
            // ASCII cue-word filter would miss: scan the whole line.
            let mut at = 0;
            while at < line.len() {
                let Some(m) = self.cue.search(&Input::new(line).range(at..)) else {
                    break;
                };
                at = self.cue_hit(line, m.start(), m.end(), out);
            }
            return;
        }
        // Every cue starts with a listed word at a word boundary: try the
        // anchored regex only there (same leftmost-first matches as the
        // unanchored scan).
        let mut at = 0;
        for &s in &hints.name_starts {
            if s < at {
                continue;
            }
            let input = Input::new(line).range(s..).anchored(Anchored::Yes);
            if let Some(m) = self.cue.search(&input) {
                at = self.cue_hit(line, s, m.end(), out);
            }
        }
    }

    /// Handles a cue match at `start..end`; returns where to search on.
    fn cue_hit(&self, line: &[u8], start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
        let mut at = end.max(start + 1);
        // Part of a hyphenated header name: `User-Agent: Zoiper`.
        if start > 0 && line[start - 1] == b'-' {
            return at;
        }
        let strength = classify_cue(&line[start..end]);
        let name_at = end;
        // `cc @mbrown`, `thanks @a.keller`: a handle after a cue.
        let handle = name_at > 0 && line[name_at - 1] == b'@' && strength != Cue::Weak;
        let extent = name_extent(line, name_at, strength)
            .or_else(|| handle.then(|| login_at(line, name_at)).flatten())
            // `owned by @vigil/ui-team`: a team, not a person.
            .filter(|e| !(handle && line.get(*e) == Some(&b'/')));
        if let Some(e) = extent {
            out.push(Finding::new(name_at, e, Kind::Name));
            at = at.max(e);
        }
        at
    }

    /// Capitalised listed first names without a strong cue: after a weak cue
    /// (`with`, `and`, `,`) alone, or anywhere with a surname.
    fn pairs(&self, line: &[u8], out: &mut Vec<Finding>) {
        let mut i = 0;
        let mut buf = [0u8; 24];
        while i < line.len() {
            // Cheapest test first: most bytes are not a capital letter.
            i = next_capital(line, i);
            let Some(&b) = line.get(i) else {
                break;
            };
            let starts_word = i == 0
                || !(line[i - 1].is_ascii_alphanumeric()
                    || line[i - 1] >= 0x80
                    || line[i - 1] == b'_');
            if !starts_word || place_prefix_before(line, i) {
                i += 1;
                continue;
            }
            let listed = if b.is_ascii_uppercase() {
                let mut e = i + 1;
                while e < line.len() && line[e].is_ascii_lowercase() {
                    e += 1;
                }
                let n = e - i;
                if line.get(e) == Some(&b'-')
                    && line.get(e + 1).is_some_and(u8::is_ascii_alphabetic)
                {
                    // `Ji-woo`, `Klaus-Dieter`: the Unicode path knows hyphens.
                    listed_word(line, i)
                } else if line.get(e).is_some_and(|c| *c >= 0x80) {
                    // Non-ASCII letters follow (`Søren`, `Zoë`): take the
                    // slow, Unicode path.
                    listed_word(line, i)
                } else if (2..=buf.len()).contains(&n) {
                    for (k, c) in line[i..e].iter().enumerate() {
                        buf[k] = c.to_ascii_lowercase();
                    }
                    if !is_listed_ascii(&buf[..n]) {
                        // `Grace Lin`, `Bob Thornton`: a first name that is
                        // also a word, with a surname that is not (cheapest
                        // test first: a capital after one blank).
                        let capital_next = matches!(line.get(e), Some(b' ' | b'+'))
                            && line
                                .get(e + 1)
                                .is_some_and(|c| c.is_ascii_uppercase() || *c >= 0xC0);
                        if let Some(end) = capital_next
                            .then(|| {
                                ambiguous_pair(line, e, &buf[..n])
                                    .or_else(|| surname_first(line, e, &buf[..n]))
                                    .or_else(|| given_surname(line, i, e, &buf[..n]))
                            })
                            .flatten()
                        {
                            out.push(Finding::new(i, end, Kind::Name));
                            i = end;
                        } else if lone_surname(line, i, e, &buf[..n]) {
                            out.push(Finding::new(i, e, Kind::Name));
                            i = e;
                        } else {
                            i += 1;
                        }
                        continue;
                    }
                    true
                } else if n == 1 && line.get(e) == Some(&b'.') {
                    if let Some(end) = initial_surname(line, i) {
                        out.push(Finding::new(given_before(line, i), end, Kind::Name));
                        i = end;
                        continue;
                    }
                    false
                } else {
                    false
                }
            } else {
                listed_word(line, i)
            };
            if !listed {
                // `Sørensen's`, `Kovács`: a surname beyond ASCII.
                if b >= 0xC0 || line.get(i + 1).is_some_and(|c| *c >= 0x80) {
                    if let Some((w, e)) = word_at(line, i) {
                        let folded: String = w.to_lowercase().chars().map(fold_accent).collect();
                        if folded.is_ascii() && lone_surname(line, i, e, folded.as_bytes()) {
                            out.push(Finding::new(i, e, Kind::Name));
                            i = e;
                            continue;
                        }
                    }
                }
                i += 1;
                continue;
            }
            let cue = if weak_cue_before(line, i) {
                Cue::Weak
            } else {
                Cue::Pair
            };
            match name_extent(line, i, cue)
                .or_else(|| {
                    (cue == Cue::Weak)
                        .then(|| name_extent(line, i, Cue::Pair))
                        .flatten()
                })
                .or_else(|| lone_name(line, i))
            {
                Some(end) => {
                    out.push(Finding::new(i, end, Kind::Name));
                    i = end.max(i + 1);
                }
                None => i += 1,
            }
        }
    }
}

/// A listed first name alone, where the sentence makes it a person: the
/// subject of a verb (`Thiago raised the timeout`, `Priya was helpful`,
/// `Lukas also fixed it`), someone from a team (`Raj from billing`),
/// addressed (`Siobhán, the history is…`, `thanks Henrik!`, `pinging
/// Eleni`) or owning something (`the laptop of Maximilian`). Returns the name's end. First names that also name a
/// product (`Cassandra`, `Jessie`) need more than this.
fn lone_name(line: &[u8], pos: usize) -> Option<usize> {
    let (word, end) = word_at(line, pos)?;
    let lower = word.to_lowercase();
    // Alone, a first name that is also a product, an everyday word or a
    // month (`13. January, 2024`) is not taken for a person.
    if PRODUCT_NAMES.contains(&lower.as_str()) || is_ambiguous(&lower) || is_not_surname(&lower) {
        return None;
    }
    let rest = &line[end..];
    if rest.starts_with(b",") && !rest.get(1).is_some_and(u8::is_ascii_alphanumeric) {
        return Some(end);
    }
    // A listed first name that no everyday word spells names a person
    // wherever it stands in text: one written beyond ASCII (`Jürgen`,
    // `Håkon`, `Çağla`), or an ASCII one that is no common English word
    // (`Malte`, `Akosua`; the whole word, not a CamelCase word's first
    // part, `DevTools`), unless a capitalised word or a number stands
    // beside it (`Franklin Street`, `São Paulo`, `15. Mai 2024`: places and
    // dates; a pair is the pair detectors' to judge).
    if in_text(line, pos, end)
        && (!word.is_ascii()
            || (!is_common_word(lower.as_bytes())
                && in_first_names(&lower)
                && !capitalised_or_number_beside(line, pos, end)))
    {
        return Some(end);
    }
    if rest.first() == Some(&b' ') {
        let mut at = end + 1;
        let mut next = ascii_word(line, at);
        if ADVERBS.contains(&next) {
            at += next.len() + 1;
            next = if line.get(at - 1) == Some(&b' ') {
                ascii_word(line, at)
            } else {
                b""
            };
        }
        if is_verb_form(next) && line.get(at + next.len()).is_none_or(|b| *b < 0x80) {
            return Some(end);
        }
        // Someone from a team: `Julia from marketing`, `Raj from billing`.
        if next == b"from"
            && line.get(at + 4) == Some(&b' ')
            && line.get(at + 5).is_some_and(u8::is_ascii_lowercase)
        {
            return Some(end);
        }
    }
    // The subject of a note or an action item: `- Daan reports …`,
    // `Olga shared …`, `João vai migrar …`, `Bruno (night shift) noted`,
    // at the start of the line or of a list item, before a lower-case word
    // (a verb in any language) or a parenthesis.
    // A plural noun after it names a thing (`Diana logs rotated`).
    if item_start(line, pos) && rest.first() == Some(&b' ') {
        let next = ascii_word(line, end + 1);
        let first = line.get(end + 1).copied().unwrap_or(b' ');
        let plural = next.ends_with(b"s") && NOT_VERBS.contains(&next);
        let word = (first.is_ascii_lowercase() && !plural)
            || (first >= 0x80 && !rest[1..].starts_with("—".as_bytes()));
        if word || first == b'(' {
            return Some(end);
        }
    }
    // A list item's speaker or assignee: `- Søren: the account …`.
    if item_start(line, pos) && rest.first() == Some(&b':') {
        return Some(end);
    }
    let prev = word_before(line, pos);
    // After a preposition that takes a person (`demande à Léa pour`,
    // `Bahntickets für Lotte`, `habla con Nacho`).
    if PERSON_PREPOSITIONS.contains(&prev) {
        return Some(end);
    }
    // Then the clause ends: punctuation, a quote, a colon, or a symbol
    // such as an emoji (`pardon Léa 🙏`, `ask Luís or Joana"`).
    let sentence_end = match rest.iter().position(|b| *b != b' ') {
        None => true,
        Some(i) => match rest[i] {
            b'!' | b'.' | b'?' | b')' | b'"' | b':' | b';' => true,
            b if b >= 0x80 => checks::char_at(rest, i).is_some_and(|c| !c.is_alphanumeric()),
            _ => false,
        },
    };
    let addressed = sentence_end
        && std::str::from_utf8(prev)
            .is_ok_and(|p| !p.is_empty() && p.chars().all(char::is_lowercase))
        && !matches!(line.get(end), Some(b'.' | b':') if line.get(end + 1).is_some_and(|b| !b.is_ascii_whitespace()));
    (addressed || prev == b"of").then_some(end)
}

/// Whether the word at `start..end` stands in text as a person would: a
/// blank, a quote or punctuation before and after it, no plural noun
/// after it, on a line that is UTF-8.
fn in_text(line: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || matches!(line[start - 1], b' ' | b'\t' | b'(' | b'"' | b'\'' | b'>');
    let after = match line.get(end) {
        None => true,
        Some(b' ' | b'\t' | b'!' | b'?' | b';' | b')' | b'"' | b'\'' | b'<') => true,
        // Punctuation, not a file name or a key (`Lukas.conf`, `Anna:x`).
        Some(b',' | b'.' | b':') => line.get(end + 1).is_none_or(u8::is_ascii_whitespace),
        Some(_) => false,
    };
    // A plural noun after it names a thing (`Diana logs rotated`).
    let thing = line.get(end) == Some(&b' ') && NOT_VERBS.contains(&ascii_word(line, end + 1));
    before && after && !thing && std::str::from_utf8(line).is_ok()
}

/// A listed surname standing alone in running text (`The vendor Kessler
/// (Schwabenland) will call`, `does anyone know Sørensen's number`):
/// `lower` is the word at `start..end`, lower case, accents taken off. Not
/// an everyday word, a product or a first name, and not beside a
/// capitalised word or a number (`Franklin Street`, `London 2012`).
fn lone_surname(line: &[u8], start: usize, end: usize, lower: &[u8]) -> bool {
    is_plain_surname(lower)
        && !listed(&LOOKALIKE_SLOTS, lower)
        && std::str::from_utf8(lower).is_ok_and(|w| {
            !is_not_surname(w)
                && !PRODUCT_NAMES.contains(&w)
                && !NOT_ALONE.contains(&w)
                && !is_ambiguous(w)
        })
        && !capitalised_or_number_beside(line, start, end)
        && surname_in_prose(line, start, end)
}

/// Listed surnames that, standing alone, name a place, a product, an
/// algorithm or a day more often than a person (`à Lyon`, `the Jenkins
/// job`, `Huffman tables`, `bis Freitag`).
const NOT_ALONE: &[&str] = &[
    "brazil",
    "czech",
    "holland",
    "ireland",
    "jordan",
    "monaco",
    "poland",
    "spain",
    "paris",
    "london",
    "madrid",
    "lyon",
    "lagos",
    "leuven",
    "durham",
    "houston",
    "austin",
    "orlando",
    "york",
    "lincoln",
    "preston",
    "hollywood",
    "jenkins",
    "chacha",
    "mach",
    "jansson",
    "borland",
    "olivetti",
    "lato",
    "huffman",
    "fibonacci",
    "nagle",
    "geiger",
    "freitag",
    "januar",
    "domingo",
];

/// Words that lead to a place (`à Lyon`, `from the Lagos branch`, `in
/// Busan, Xiaoming will …`, `University of California, Lawrence`).
const PLACE_WORDS: &[&[u8]] = &[
    b"in",
    b"at",
    b"from",
    b"to",
    b"the",
    b"near",
    b"of",
    b"via",
    b"en",
    b"de",
    b"da",
    b"do",
    b"em",
    b"na",
    b"no",
    b"aus",
    b"nach",
    b"bei",
    b"im",
    b"von",
    b"w",
    b"we",
    b"z",
    b"ze",
    b"i",
    b"fra",
    b"til",
    b"och",
    b"di",
    b"del",
    b"al",
    b"au",
    b"le",
    b"la",
    "à".as_bytes(),
];

/// Whether the word at `start..end` stands in prose, as a person's surname
/// would: after a blank or an opening parenthesis and before a blank, a
/// possessive or a clause's end (not a quoted field's value, `"city":"Lyon"`,
/// nor a file's or a key's name), and not after a word that leads to a
/// place (`à Lyon`, `from the Lagos branch`, `in Durham`).
fn surname_in_prose(line: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || matches!(line[start - 1], b' ' | b'\t' | b'(');
    let after = match line.get(end) {
        None => true,
        Some(b' ' | b'\t' | b'!' | b'?' | b';' | b')') => true,
        Some(b'\'') => line.get(end + 1) == Some(&b's'),
        Some(b',' | b'.' | b':') => line.get(end + 1).is_none_or(u8::is_ascii_whitespace),
        Some(_) => false,
    };
    let prev = word_before(line, start);
    before
        && after
        && !PLACE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(prev))
        && in_text(line, start, end)
}

/// Whether the word before `start` or after `end`, one blank away, starts
/// with a capital letter or a digit.
fn capitalised_or_number_beside(line: &[u8], start: usize, end: usize) -> bool {
    let capital_or_digit = |c: char| c.is_uppercase() || c.is_ascii_digit();
    let before = start >= 2 && line[start - 1] == b' ' && {
        let head = &line[..start - 1];
        let n = head
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || **b >= 0x80)
            .count();
        checks::char_at(head, head.len() - n).is_some_and(capital_or_digit)
    };
    let after = line.get(end) == Some(&b' ')
        && checks::char_at(line, end + 1).is_some_and(capital_or_digit);
    before || after
}

/// Prepositions after which a capitalised first name is a person.
const PERSON_PREPOSITIONS: &[&[u8]] = &[
    b"von",
    b"voor",
    b"par",
    b"por",
    b"per",
    "à".as_bytes(),
    "für".as_bytes(),
    b"mit",
    b"avec",
    b"pour",
    b"chez",
    b"con",
    b"para",
    b"com",
    b"dla",
];

/// The word that ends one or more blanks before `pos`: letters, ASCII or
/// not (`à`, `säger`); empty if none does or it is glued to a digit or
/// symbol.
pub(crate) fn word_before(line: &[u8], pos: usize) -> &[u8] {
    let mut e = pos;
    while e > 0 && line[e - 1] == b' ' {
        e -= 1;
    }
    if e == pos {
        return b"";
    }
    let mut s = e;
    while s > 0 && (line[s - 1].is_ascii_alphabetic() || line[s - 1] >= 0x80) {
        s -= 1;
    }
    if s > 0 && line[s - 1].is_ascii_alphanumeric() {
        return b"";
    }
    &line[s..e]
}

/// Whether only blanks and a list marker (`-`, `*`, `•`, `1.`, `>`) come
/// before `pos` on its line.
fn item_start(line: &[u8], pos: usize) -> bool {
    let before = line[..pos].trim_ascii();
    let marker = before
        .strip_suffix(b".")
        .filter(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
        .is_some();
    before.is_empty() || marker || matches!(before, b"-" | b"*" | b">" | b"\xE2\x80\xA2")
}

/// What the cue scan looks for before [`cardholder_caps`] runs.
pub(crate) const CARDHOLDER_CUES: &[&str] = &[
    "holder",
    "name on card",
    "nameoncard",
    "name_on_card",
    "inhaber",
    "titular",
];

/// A cardholder's name in capitals, as cards and payment logs print it:
/// `holder RAHUL BHATTACHARYA`, `"cardholderName":"AIKO TANABE"`, `name on
/// card HARUTO SATO`. Two to four words of capitals after a cardholder
/// word and its key's punctuation; card brands, placeholders, everyday
/// words and a cue that is itself in capitals (`COPYRIGHT HOLDER AND
/// CONTRIBUTORS`) stay.
/// (Written in title case, the name cues take it.)
fn cardholder_caps(line: &[u8], out: &mut Vec<Finding>) {
    const NOT_NAMES: &[&[u8]] = &[
        b"VISA",
        b"MASTERCARD",
        b"AMEX",
        b"DEBIT",
        b"CREDIT",
        b"CARD",
        b"NONE",
        b"UNKNOWN",
        b"TEST",
        b"NAME",
        b"HOLDER",
        b"CARDHOLDER",
        b"NULL",
    ];
    let lower = line.to_ascii_lowercase();
    for cue in CARDHOLDER_CUES {
        for at in memchr::memmem::find_iter(&lower, cue.as_bytes()) {
            let mut i = at + cue.len();
            // A key's rest: `cardholderName`, `holder_name`.
            for suffix in [&b"name"[..], b"_name", b"-name"] {
                if lower[i..].starts_with(suffix) {
                    i += suffix.len();
                    break;
                }
            }
            // `placeholder`, `stakeholder`, `holders`: other words.
            let whole = lower.get(i).is_none_or(|b| !b.is_ascii_alphanumeric())
                && (at == 0
                    || !lower[at - 1].is_ascii_alphabetic()
                    || lower[..at].ends_with(b"card")
                    || lower[..at].ends_with(b"konto"));
            // In text set in capitals (a licence's `COPYRIGHT HOLDER AND
            // CONTRIBUTORS`) the words after the cue are more capitals.
            if !whole
                || line[at..at + cue.len()]
                    .iter()
                    .all(|b| !b.is_ascii_lowercase())
            {
                continue;
            }
            while line
                .get(i)
                .is_some_and(|b| matches!(b, b' ' | b':' | b'=' | b'"' | b'\'' | b'\\'))
            {
                i += 1;
            }
            let (start, mut end, mut words) = (i, i, 0);
            loop {
                let w = line[end..]
                    .iter()
                    .take_while(|b| {
                        b.is_ascii_uppercase() || matches!(b, b'\'' | b'-') || **b >= 0x80
                    })
                    .count();
                let word = &line[end..end + w];
                let caps = w >= 2
                    && word[0].is_ascii_uppercase()
                    && std::str::from_utf8(word).is_ok_and(|t| !t.chars().any(char::is_lowercase));
                if !caps || NOT_NAMES.contains(&word) || is_common_word(&word.to_ascii_lowercase())
                {
                    break;
                }
                words += 1;
                end += w;
                if words == 4 || line.get(end) != Some(&b' ') {
                    break;
                }
                if !line.get(end + 1).is_some_and(u8::is_ascii_uppercase) {
                    break;
                }
                end += 1;
            }
            let boundary = line.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
            if words >= 2 && boundary {
                out.push(Finding::new(start, end, Kind::Name));
            }
        }
    }
}

/// A capitalised word before a Japanese honorific: `Tanaka-san`,
/// `Sato-sensei`.
fn honorific(line: &[u8], out: &mut Vec<Finding>) {
    const SUFFIXES: &[&[u8]] = &[b"san", b"sama", b"sensei", b"kun", b"chan", b"shi"];
    for dash in memchr::memchr_iter(b'-', line) {
        // Most dashes are in dates and names: test the suffix's first byte.
        if !matches!(line.get(dash + 1), Some(b's' | b'k' | b'c')) {
            continue;
        }
        let after = &line[dash + 1..];
        let suffix = ascii_word(line, dash + 1);
        if !SUFFIXES.contains(&suffix) || after.get(suffix.len()).is_some_and(|b| *b >= 0x80) {
            continue;
        }
        let mut s = dash;
        while s > 0 && line[s - 1].is_ascii_lowercase() {
            s -= 1;
        }
        let word_start = s > 0
            && line[s - 1].is_ascii_uppercase()
            && (s == 1 || !(line[s - 2].is_ascii_alphanumeric() || line[s - 2] >= 0x80));
        if word_start && dash - s >= 1 {
            out.push(Finding::new(s - 1, dash, Kind::Name));
        }
    }
}

/// A capitalised word before a Turkish honorific, one blank apart: `Çağla
/// Hanım`, `Emre Bey` (the honorific itself stays; `The Bey of Tunis` is
/// no one's name).
fn turkish_honorific(line: &[u8], out: &mut Vec<Finding>) {
    const TITLES: &[&[u8]] = &["Hanım".as_bytes(), b"Bey"];
    // Most lines hold no `H` or `B` after a blank: skip to them.
    for t in memchr::memchr2_iter(b'H', b'B', line) {
        if t < 2 || line[t - 1] != b' ' {
            continue;
        }
        let Some(title) = TITLES.iter().find(|w| line[t..].starts_with(w)) else {
            continue;
        };
        // The title is a word of its own.
        if line
            .get(t + title.len())
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b >= 0x80)
        {
            continue;
        }
        // The blank before the title.
        let at = t - 1;
        let start = line[..at]
            .iter()
            .rposition(|b| !(b.is_ascii_alphabetic() || *b >= 0x80))
            .map_or(0, |p| p + 1);
        let word = String::from_utf8_lossy(&line[start..at]).to_lowercase();
        if start < at
            && checks::char_at(line, start).is_some_and(char::is_uppercase)
            && !is_common_word(word.as_bytes())
        {
            out.push(Finding::new(start, at, Kind::Name));
        }
    }
}

/// The ASCII letters at `pos` (empty if none).
fn ascii_word(line: &[u8], pos: usize) -> &[u8] {
    let rest = line.get(pos..).unwrap_or_default();
    let n = rest
        .iter()
        .take_while(|b| b.is_ascii_alphabetic() || **b == b'\'')
        .count();
    &rest[..n]
}

/// A lowercase verb form that follows its subject: an auxiliary, a listed
/// irregular past, or a regular past (`raised`) or third person (`says`).
fn is_verb_form(w: &[u8]) -> bool {
    if w.is_empty() || !w.iter().all(|b| b.is_ascii_lowercase() || *b == b'\'') {
        return false;
    }
    if VERB_FORMS.contains(&w) {
        return true;
    }
    let regular = w.len() >= 5 && w.ends_with(b"ed")
        || w.len() >= 4
            && w.ends_with(b"s")
            && !w.ends_with(b"ss")
            && !w.ends_with(b"us")
            && !w.ends_with(b"is")
            && !w.contains(&b'\'');
    regular && !NOT_VERBS.contains(&w)
}

/// Auxiliaries and irregular verb forms after a subject.
const VERB_FORMS: &[&[u8]] = &[
    b"is",
    b"was",
    b"has",
    b"had",
    b"will",
    b"would",
    b"can",
    b"could",
    b"should",
    b"shall",
    b"may",
    b"might",
    b"must",
    b"did",
    b"does",
    b"isn't",
    b"wasn't",
    b"hasn't",
    b"hadn't",
    b"won't",
    b"can't",
    b"couldn't",
    b"didn't",
    b"doesn't",
    b"ran",
    b"left",
    b"said",
    b"took",
    b"made",
    b"got",
    b"went",
    b"wrote",
    b"sent",
    b"told",
    b"thought",
    b"knew",
    b"found",
    b"gave",
    b"came",
    b"saw",
    b"put",
    b"set",
    b"kept",
    b"built",
    b"brought",
    b"began",
    b"broke",
    b"caught",
    b"chose",
    b"drove",
    b"felt",
    b"forgot",
    b"held",
    b"led",
    b"lost",
    b"meant",
    b"met",
    b"paid",
    b"quit",
    b"rang",
    b"spoke",
    b"spent",
    b"stood",
    b"taught",
    b"threw",
    b"understood",
    b"woke",
    b"won",
    b"wants",
    b"needs",
    b"thinks",
    b"knows",
];

/// Adverbs between a subject and its verb (`Lukas also fixed it`).
const ADVERBS: &[&[u8]] = &[
    b"also",
    b"just",
    b"still",
    b"already",
    b"then",
    b"now",
    b"never",
    b"probably",
    b"finally",
    b"only",
    b"again",
    b"actually",
    b"apparently",
    b"quickly",
];

/// Plurals and other words that look like a verb form after a name but
/// usually are not one (`Diana logs`, `Jonas settings`).
const NOT_VERBS: &[&[u8]] = &[
    b"logs",
    b"settings",
    b"details",
    b"notes",
    b"tests",
    b"items",
    b"files",
    b"tickets",
    b"accounts",
    b"users",
    b"groups",
    b"hosts",
    b"nodes",
    b"pods",
    b"jobs",
    b"events",
    b"alerts",
    b"metrics",
    b"records",
    b"results",
    b"tasks",
    b"errors",
    b"issues",
    b"rules",
    b"ports",
    b"keys",
    b"certs",
    b"docs",
    b"specs",
    b"reports",
    b"updates",
    b"changes",
    b"permissions",
    b"credentials",
    b"contacts",
    b"requests",
    b"comments",
    b"based",
    b"related",
    b"shared",
    b"managed",
    b"hosted",
    b"powered",
    b"enabled",
    b"disabled",
    b"embedded",
];

/// Listed first names that also name software or a release (a database,
/// a Linux distribution or release, a test framework, a CI service): alone
/// they are not taken for a person.
const PRODUCT_NAMES: &[&str] = &[
    "alma",
    "athena",
    "cassandra",
    "ember",
    "hudson",
    "jasmine",
    "jessie",
    "minerva",
    "pascal",
    "stella",
    "travis",
    "alexa",
    "nova",
    "mercedes",
    "siri",
    "cortana",
    "django",
    "rocky",
    "kubernetes",
    "sonoma",
    "ventura",
    "sierra",
    "monterey",
    "darwin",
    "gerrit",
];

/// Display names before an address: `J. R. Smith <jrs@example.com>`,
/// `"Keller, Maria" <mk@example.org>` (mail headers, git logs and
/// shortlogs, signatures). The address itself is the cue; the name is the
/// run of capitalised words, initials and particles right before it, or
/// the quoted string. A capitalised common word in the run (`Support Desk
/// <...>`) means it names a role, not a person: nothing is found.
fn display_names(line: &[u8], out: &mut Vec<Finding>) {
    for lt in memchr::memchr_iter(b'<', line) {
        if !address_at(&line[lt + 1..]) {
            continue;
        }
        let mut end = lt;
        while end > 0 && matches!(line[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        let span = if end > 0 && line[end - 1] == b'"' {
            quoted_name(line, end - 1)
        } else {
            name_run_before(line, end, true).map(|s| (s, end))
        };
        if let Some((s, e)) = span {
            out.push(Finding::new(s, e, Kind::Name));
        }
    }
}

/// Chat exports: `[09:02] Ana Souza: text`, `10:32 Ana Souza: text` (a
/// time, then the speaker's name words, then a colon), and the header line
/// of a message in a Teams export, `[20.03.2024 08:20] Siobhán O'Connor`
/// (a bracketed date and time, then the name alone).
fn speaker(line: &[u8], out: &mut Vec<Finding>) {
    let mut i = line
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let bracket = line.get(i) == Some(&b'[');
    if bracket {
        i += 1;
    }
    // In brackets a date may come first: `20.03.2024 08:20`, `2024-03-20 08:20`.
    let time_byte = |b: &u8| {
        b.is_ascii_digit()
            || matches!(b, b':' | b'.')
            || (bracket && matches!(b, b'-' | b'/' | b' ' | b','))
    };
    let time = line[i..].iter().take_while(|b| time_byte(b)).count();
    let max = if bracket { 24 } else { 12 };
    if !(4..=max).contains(&time) || !line[i..i + time].contains(&b':') {
        return;
    }
    i += time;
    if bracket {
        if line.get(i) != Some(&b']') {
            return;
        }
        i += 1;
    }
    let start = i + line[i..].iter().take_while(|b| **b == b' ').count();
    if start == i {
        return;
    }
    let (end, alone) = match memchr::memchr(b':', &line[start..line.len().min(start + 64)]) {
        Some(c) => (start + c, false),
        // The name alone after a bracketed time (trailing blanks aside),
        // starting with a listed first name (`[…] Server Started` is not).
        None if bracket && line.len() - start <= 64 => (
            line.len()
                - line
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count(),
            true,
        ),
        None => return,
    };
    // Nothing but blanks after the time.
    if end <= start {
        return;
    }
    // A support chat names the speaker's role first: `[09:04] Besucher
    // Heike Brandstätter:`, `[10:16] Agente Rafaela:`.
    let role = line[start..end]
        .iter()
        .position(|b| *b == b' ')
        .filter(|&sp| {
            sp > 0 && start + sp + 1 < end && {
                let role = String::from_utf8_lossy(&line[start..start + sp]).to_lowercase();
                CHAT_ROLES.contains(&role.as_str())
            }
        });
    if let Some(sp) = role {
        // After a role, one to four capitalised words (or initials) are the
        // speaker: `Agente Rafaela:`, `Cliente Lucía M.:`.
        let who = start + sp + 1;
        let text = String::from_utf8_lossy(&line[who..end]);
        // Not words (`Agent Started:`).
        let capitalised = text.split(' ').all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '.' | '\''))
                && !is_common_word(w.to_lowercase().as_bytes())
        });
        if capitalised && text.split(' ').count() <= 4 {
            out.push(Finding::new(who, end, Kind::Name));
        }
        return;
    }
    // A login handle as the speaker: `[08:02] priya.r: …` (a chat's time
    // has no seconds), or alone after a Teams header's date.
    if bracket && (time == 5 || alone) && chat_handle(&line[start..end]) {
        out.push(Finding::new(start, end, Kind::Username));
        return;
    }
    // A first name in lower case as the speaker after a chat's time:
    // `13:33 olga: who's on the bridge?`, `[13:41] ji-woo: …` (listed and
    // no everyday word, so `12:30 error:` stays).
    let speaker = &line[start..end];
    if time == 5
        && !alone
        && speaker.iter().all(|b| b.is_ascii_lowercase() || *b == b'-')
        && std::str::from_utf8(speaker).is_ok_and(|w| {
            is_listed(w) && !is_common_word(w.as_bytes()) && !PRODUCT_NAMES.contains(&w)
        })
    {
        out.push(Finding::new(start, end, Kind::Name));
        return;
    }
    if name_run_before(line, end, false) == Some(start)
        && person_like(&line[start..end])
        && (!alone
            || String::from_utf8_lossy(&line[start..end])
                .split(' ')
                .next()
                .is_some_and(is_first_name))
    {
        out.push(Finding::new(start, end, Kind::Name));
    }
}

/// Roles a support chat writes before the speaker's name, in the
/// languages of the other cues.
const CHAT_ROLES: &[&str] = &[
    "visitor",
    "guest",
    "customer",
    "client",
    "agent",
    "operator",
    "support",
    "user",
    "besucher",
    "gast",
    "kunde",
    "kundin",
    "mitarbeiter",
    "mitarbeiterin",
    "visiteur",
    "visiteuse",
    "conseiller",
    "conseillère",
    "visitante",
    "cliente",
    "agente",
    "operador",
    "operadora",
    "atendente",
    "ospite",
    "operatore",
    "operatrice",
    "bezoeker",
    "klant",
    "medewerker",
    "gość",
    "klient",
    "klientka",
    "konsultant",
    "konsultantka",
    "ziyaretçi",
    "müşteri",
    "temsilci",
    "besökare",
    "kund",
    "handläggare",
];

/// A chat handle shaped like a login: lower case, with a `.` or `_` inside
/// (`priya.r`, `zoe_k`, `tomas.horvath`).
fn chat_handle(v: &[u8]) -> bool {
    (3..=32).contains(&v.len())
        && v[0].is_ascii_lowercase()
        && v[v.len() - 1].is_ascii_alphanumeric()
        && v[1..v.len() - 1].iter().any(|b| matches!(b, b'.' | b'_'))
        && v.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// Two or more name words, or one listed first name: `Ana Souza`, `Priya`
/// (not `Backup`, `Mittwoch`).
fn person_like(span: &[u8]) -> bool {
    let text = String::from_utf8_lossy(span);
    let mut words = text.split(' ').filter(|w| !w.is_empty());
    match (words.next(), words.next()) {
        (Some(_), Some(_)) => true,
        (Some(one), None) => is_first_name(one),
        _ => false,
    }
}

/// Sign-offs after a dash: `— J. R. Smith, FerrisGrid`, `– Marieke`:
/// name words from the dash to the end of the line, a comma or a period.
fn sign_off(line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
    // ` -- `, searched for only where the cue scan saw a `--`.
    let spaced = hints
        .has(prefilter::DOUBLE_HYPHEN)
        .then(|| finder!(b" -- ").find_iter(line))
        .into_iter()
        .flatten();
    // '—' and '–' are E2 80 94 and E2 80 93 in UTF-8.
    let dashes = memchr::memchr_iter(0xE2, line)
        .filter(|d| {
            let rest = &line[*d..];
            rest.starts_with("— ".as_bytes()) || rest.starts_with("– ".as_bytes())
        })
        .map(|d| d + 4)
        .chain(spaced.map(|d| d + 4))
        .chain(line.starts_with(b"-- ").then_some(3));
    for start in dashes {
        let mut end = start;
        while end < line.len() && !matches!(line[end], b',' | b';' | b'(' | b'!' | b'?') {
            end += 1;
        }
        while end > start && matches!(line[end - 1], b' ' | b'.' | b'"') {
            end -= 1;
        }
        // Initials keep their periods: `— J. R. Smith`.
        if line.get(end) == Some(&b'.') && end > 1 && line[end - 2] == b' ' {
            end += 1;
        }
        if end > start
            && end - start <= 48
            && name_run_before(line, end, false) == Some(start)
            && person_like(&line[start..end])
        {
            out.push(Finding::new(start, end, Kind::Name));
        }
    }
}

/// A line that holds nothing but a person's name, as a letter's signature
/// does (`    Seba`, `Dorota,`, `Aga Lewandowska`, `—Priyanka`): a listed
/// first name that is not an everyday word, alone or before one or two
/// capitalised words that are not everyday words either (`Release Notes`,
/// `Travis CI.` stay).
fn name_alone(line: &[u8], out: &mut Vec<Finding>) {
    let (mut s, mut e) = trim_blanks(line, 0, line.len());
    let rest = &line[s..e];
    if rest.starts_with("—".as_bytes()) || rest.starts_with("–".as_bytes()) {
        s += 3;
    }
    if e > s && matches!(line[e - 1], b',' | b'.' | b'!') {
        e -= 1;
    }
    if e <= s || e - s > 40 || !(line[s].is_ascii_uppercase() || line[s] >= 0xC0) {
        return;
    }
    let Ok(text) = std::str::from_utf8(&line[s..e]) else {
        return;
    };
    let words: Vec<&str> = text.split(' ').collect();
    // `Seba`, `Ji-woo`; a surname may be in capitals (`IWAMOTO`), but not
    // an abbreviation (`Travis CI`, `NaN`).
    let title_case = |w: &str| {
        w.split(['-', '\'']).all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase)
        })
    };
    let capitals = |w: &str| w.chars().count() >= 3 && w.chars().all(char::is_uppercase);
    if words.len() > 3
        || !title_case(words[0])
        || !words[1..].iter().all(|w| title_case(w) || capitals(w))
    {
        return;
    }
    let first = words[0].to_lowercase();
    if PRODUCT_NAMES.contains(&first.as_str()) {
        return;
    }
    let surnames_ok = words[1..].iter().all(|w| {
        let lower = w.to_lowercase();
        !is_not_surname(&lower) && !is_common_word(lower.as_bytes())
    });
    if is_listed(&first) && !is_common_word(first.as_bytes()) && surnames_ok {
        out.push(Finding::new(s, e, Kind::Name));
    }
}

/// A name written surname first with an escaped comma, as Active Directory
/// writes it in a distinguished name and LDIF comments repeat it
/// (`CN=Rahman\, Nusrat Jahan,OU=…`, `# Müller\, Anna-Lena, Berlin`): one
/// to three name words on each side, the comma's escape being the cue.
fn escaped_comma_name(line: &[u8], out: &mut Vec<Finding>) {
    let escaped_commas =
        memchr::memchr_iter(b'\\', line).filter(|i| line.get(i + 1) == Some(&b','));
    for at in escaped_commas {
        let mut s = at;
        while s > 0 && !matches!(line[s - 1], b'=' | b',' | b'#' | b'"' | b':' | b'(' | b'\t') {
            s -= 1;
        }
        let mut e = at + 2;
        while e < line.len()
            && !matches!(
                line[e],
                b',' | b'"' | b'\\' | b';' | b'+' | b')' | b'\t' | b'/'
            )
        {
            e += 1;
        }
        let (s, _) = trim_blanks(line, s, at);
        let (_, e) = trim_blanks(line, at + 2, e);
        let name_words = |part: &[u8]| {
            std::str::from_utf8(part).is_ok_and(|part| {
                let kinds: Vec<NameWord> = part
                    .split_whitespace()
                    .map(|w| name_word(w, true))
                    .collect();
                (1..=3).contains(&kinds.len())
                    && kinds.contains(&NameWord::Name)
                    && kinds.iter().all(|k| {
                        matches!(k, NameWord::Name | NameWord::Particle | NameWord::Initial)
                    })
            })
        };
        // A listed first name after the comma, or a DN's common name whose
        // surname is not an everyday word: `Servers\, Linux` is a group,
        // `Denmark\, Copenhagen` a place.
        let person = || {
            let lower = |part: &[u8]| String::from_utf8_lossy(part).to_lowercase();
            lower(&line[at + 2..e])
                .split(|c: char| c.is_whitespace() || c == '-')
                .any(in_first_names)
                || (s >= 3
                    && line[s - 3..s].eq_ignore_ascii_case(b"cn=")
                    && lower(&line[s..at])
                        .split_whitespace()
                        .any(|w| !PARTICLES.contains(&w) && !is_common_word(w.as_bytes())))
        };
        if s < at
            && at + 2 < e
            && name_words(&line[s..at])
            && name_words(&line[at + 2..e])
            && person()
        {
            out.push(Finding::new(s, e, Kind::Name));
        }
    }
}

/// `line[s..e]` without the blanks (and a line end's `\r`) at either end.
fn trim_blanks(line: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && matches!(line[s], b' ' | b'\t') {
        s += 1;
    }
    while e > s && matches!(line[e - 1], b' ' | b'\t' | b'\r') {
        e -= 1;
    }
    (s, e)
}

/// vCard and LDIF entries: `N:Keller;Maria;;Dr.;`, `FN:Maria Keller`,
/// `sn: Keller`, `displayName: Maria Keller` (the name parts, not the
/// title or suffix). Property names in any case, with vCard parameters
/// (`N;CHARSET=UTF-8:Wiśniewski;Łukasz;;;`), and the phonetic names of
/// Apple's and Google's contacts (`X-PHONETIC-FIRST-NAME:`).
fn directory_entry(line: &[u8], out: &mut Vec<Finding>) {
    const FIELDS: &[&[u8]] = &[
        b"n",
        b"fn",
        b"sn",
        b"surname",
        b"displayname",
        b"nickname",
        b"gecos",
        b"middlename",
        b"x-phonetic-first-name",
        b"x-phonetic-middle-name",
        b"x-phonetic-last-name",
    ];
    // The property name: the longest is 22 bytes.
    let head = &line[..line.len().min(23)];
    let Some(name_end) = head.iter().position(|b| matches!(b, b':' | b';')) else {
        return;
    };
    let Some(&property) = FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(&line[..name_end]))
    else {
        return;
    };
    // vCard parameters run to the value's ':'.
    let Some(colon) = memchr::memchr(b':', &line[name_end..]).map(|i| name_end + i) else {
        return;
    };
    if line[name_end] == b';' && line[name_end..colon].contains(&b'"') {
        return;
    }
    let mut i = colon + 1;
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    // `N:` holds family;given;additional;prefix;suffix.
    let parts = if property == b"n" { 3 } else { 1 };
    let mut start = i;
    for (k, part) in line[i..].split(|b| *b == b';').enumerate() {
        if k == parts {
            break;
        }
        let end = start + part.len();
        let text = String::from_utf8_lossy(part);
        let phonetic = property.starts_with(b"x-phonetic") && !part.is_ascii();
        if phonetic
            || text
                .split([' ', ','])
                .any(|w| name_word(w, false) == NameWord::Name)
        {
            out.push(Finding::new(start, end, Kind::Name));
        }
        start = end + 1;
    }
}

/// Names given to account tools as options or keyword arguments: FreeIPA's
/// `ipa user-add U --first=Oluwaseun --last=Adeyemi` and its log's
/// `sn='Adeyemi'`, `--displayname "…"`, `--gecos "…"`. The value must
/// read as a name.
fn name_options(line: &[u8], out: &mut Vec<Finding>) {
    // Longer options before their prefixes.
    const OPTIONS: &[&[u8]] = &[
        b"--first-name",
        b"--last-name",
        b"--first",
        b"--last",
        b"--given-name",
        b"--surname",
        b"--displayname",
        b"--display-name",
        b"--full-name",
        b"--fullname",
        b"--gecos",
        b"sn",
    ];
    if finder!(b"--").find(line).is_none() && finder!(b"sn=").find(line).is_none() {
        return;
    }
    for (at, _) in line
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'-' | b's'))
    {
        if at > 0 && (line[at - 1].is_ascii_alphanumeric() || line[at - 1] == b'-') {
            continue;
        }
        let Some(option) = OPTIONS.iter().find(|o| line[at..].starts_with(o)) else {
            continue;
        };
        let mut v = at + option.len();
        let keyword = *option == b"sn";
        match line.get(v) {
            Some(b'=') => v += 1,
            Some(b' ') if !keyword => v += 1,
            _ => continue,
        }
        let quote = line.get(v).copied().filter(|b| matches!(b, b'"' | b'\''));
        if quote.is_some() {
            v += 1;
        } else if keyword {
            continue;
        }
        let end = match quote {
            Some(q) => memchr::memchr(q, &line[v..]).map(|i| v + i),
            None => Some(
                v + line[v..]
                    .iter()
                    .take_while(|b| !b.is_ascii_whitespace())
                    .count(),
            ),
        };
        let Some(end) = end.filter(|e| *e > v) else {
            continue;
        };
        let text = String::from_utf8_lossy(&line[v..end]);
        if text
            .split(' ')
            .any(|w| name_word(w, false) == NameWord::Name)
        {
            out.push(Finding::new(v, end, Kind::Name));
        }
    }
}

/// Whether `rest` (what follows a '<') starts with an e-mail address, a
/// `mailto:` or an e-mail token.
fn address_at(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b"mailto:").unwrap_or(rest);
    if rest.starts_with(b"[EMAIL:") {
        return true;
    }
    let local = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-'))
        .count();
    local > 0
        && rest.get(local) == Some(&b'@')
        && rest.get(local + 1).is_some_and(u8::is_ascii_alphanumeric)
}

/// The content of the quoted display name whose closing quote is at `close`.
fn quoted_name(line: &[u8], close: usize) -> Option<(usize, usize)> {
    let open = memchr::memrchr(b'"', &line[..close])?;
    let text = std::str::from_utf8(&line[open + 1..close]).ok()?;
    let mut words = text
        .split([' ', ',', '\t'])
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek()?;
    let mut named = false;
    for w in words {
        match name_word(w, true) {
            NameWord::Name => named = true,
            NameWord::Initial | NameWord::Particle => {}
            NameWord::Common | NameWord::Other => return None,
        }
    }
    named.then_some((open + 1, close))
}

/// Where the run of name words that ends at `end` starts, if it holds a name.
fn name_run_before(line: &[u8], end: usize, address_cued: bool) -> Option<usize> {
    let name_byte =
        |b: u8| b.is_ascii_alphabetic() || b >= 0x80 || matches!(b, b'\'' | b'-' | b'.');
    let mut start = None;
    let mut cursor = end;
    for _ in 0..5 {
        let mut ws = cursor;
        while ws > 0 && name_byte(line[ws - 1]) {
            ws -= 1;
        }
        if ws == cursor || (ws > 0 && line[ws - 1].is_ascii_alphanumeric()) {
            break;
        }
        let word = std::str::from_utf8(&line[ws..cursor]).ok()?;
        match name_word(word, address_cued) {
            NameWord::Name | NameWord::Initial => start = Some(ws),
            NameWord::Particle => {}
            // A role or a team (`Vigil Support <...>`), not a person.
            NameWord::Common => return None,
            NameWord::Other => break,
        }
        let mut c = ws;
        while c > 0 && line[c - 1] == b' ' {
            c -= 1;
        }
        if c == ws {
            break;
        }
        cursor = c;
    }
    // The run starts at a name word (not a particle) and holds one.
    let s = start?;
    let words = std::str::from_utf8(&line[s..end]).ok()?;
    words
        .split(' ')
        .any(|w| name_word(w, address_cued) == NameWord::Name)
        .then_some(s)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameWord {
    /// A capitalised word that is not a common word: `Smith`, `Ji-woo`.
    Name,
    /// `J.`, `J.R.`
    Initial,
    /// `van`, `de`: only between name words.
    Particle,
    /// A capitalised common word: `Support`, `Team`.
    Common,
    Other,
}

/// What `word` is in a run of name words. With `address_cued` (a display
/// name before an address) common words (`Park`, `Rose`) count as names and
/// only [`ORG_WORDS`] mark a role.
fn name_word(word: &str, address_cued: bool) -> NameWord {
    let bare = word.trim_end_matches('.');
    if !bare.is_empty()
        && bare
            .split('.')
            .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
        && word.ends_with('.')
    {
        return NameWord::Initial;
    }
    let lower = bare.to_lowercase();
    if PARTICLES.contains(&lower.as_str()) && !is_capitalized(bare) {
        return NameWord::Particle;
    }
    if !is_capitalized(bare)
        || bare.chars().count() < 2
        || !bare
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '’'))
    {
        return NameWord::Other;
    }
    if ORG_WORDS.contains(&lower.as_str())
        || (!address_cued && is_not_surname(&lower))
        || hyphenated_component(bare)
    {
        NameWord::Common
    } else {
        NameWord::Name
    }
}

/// A listed first name that is also an everyday word (`Grace`, `Max`,
/// `Will`) ending at `e` (`lower` is it in lower case), followed by
/// exactly one surname that is neither a common word nor another such
/// first name (`Grace Park` is a person, `May June` is not), and no further
/// capitalised word (`Max Heap Size` is a title, not a person). Returns the
/// surname's end.
fn ambiguous_pair(line: &[u8], e: usize, lower: &[u8]) -> Option<usize> {
    if !(is_ambiguous_bytes(lower) && listed_exactly(lower)) {
        return None;
    }
    // A blank, or a '+' in a URL's query (`?q=Felix+Schmidt`).
    if !matches!(line.get(e), Some(b' ' | b'+')) {
        return None;
    }
    let (surname, end) = word_at(line, e + 1)?;
    let lower = surname.to_lowercase();
    if !is_capitalized(&surname)
        || surname.chars().count() < 2
        || is_not_surname(&lower)
        || is_ambiguous(&lower)
        || line
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
    {
        return None;
    }
    let next = end + line[end..].iter().take_while(|b| **b == b' ').count();
    if next > end && word_at(line, next).is_some_and(|(w, _)| is_capitalized(&w)) {
        return None;
    }
    Some(end)
}

/// Words that start a place's name before a word a first-name or surname
/// list spells (`Santa Clara`, `San Jose`, `West Virginia`, `Porto
/// Alegre`, `Via Toledo`), lower case.
const PLACE_PREFIXES: &[&[u8]] = &[
    b"porto", b"puerto", b"port", b"santa", b"santo", b"san", b"sao", b"rio", b"los", b"las",
    b"mount", b"lake", b"fort", b"saint", b"st", b"new", b"north", b"south", b"east", b"west",
    b"via", b"rue", b"calle", b"rua", b"avenida", b"piazza", b"plaza", b"bad", b"bay", b"cape",
    b"isla",
];

/// Whether the word before `pos` starts a place's name (`Santa Clara`).
fn place_prefix_before(line: &[u8], pos: usize) -> bool {
    let before = word_before(line, pos);
    before.first().is_some_and(u8::is_ascii_uppercase)
        && PLACE_PREFIXES
            .iter()
            .any(|p| before.eq_ignore_ascii_case(p))
}

/// A name written surname first, as East Asian names and lists sorted by
/// surname put it (`Sato Haruto`, `Yamamoto Yui`): the capitalised word
/// ending at `e` (`lower`) a listed surname that is neither an everyday
/// word nor a first name, then one blank and a listed first name that is
/// not an everyday word, and no further capitalised word (a title's
/// words). Returns the name's end.
fn surname_first(line: &[u8], e: usize, lower: &[u8]) -> Option<usize> {
    if !is_plain_surname(lower) || listed_exactly(lower) {
        return None;
    }
    let (given, end) = word_at(line, e + 1)?;
    if !is_capitalized(&given)
        || !is_listed(&given.to_lowercase())
        || line
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/'))
    {
        return None;
    }
    let next = end + line[end..].iter().take_while(|b| **b == b' ').count();
    if next > end && word_at(line, next).is_some_and(|(w, _)| is_capitalized(&w)) {
        return None;
    }
    Some(end)
}

/// A given name the list does not hold, or holds not as a name because
/// it is also a word (`Mats Lundgren`, `Gen Nakamura`, `Deb Quinn`),
/// before a listed surname: the capitalised word at `start..e` (`lower`,
/// two to twelve letters, not a word that names an organisation, a month
/// or a day) is a given name when one blank and a listed surname of five
/// letters or more follow that is neither an everyday word nor a first
/// name, and no further capitalised word (a title's words: `Only Jenkins
/// CI`), no capitalised word before it (`The Free Gordon Project`) and
/// nothing glued to the surname (`Foo Bar.conf`). A given name that is
/// also an everyday word (`Will Thompson`, `Rob Richards`) does not start
/// a sentence or a quote (`See Hennessy and Patterson`, `“Twisted Edwards
/// curve”`), and no number follows (`Via Toledo 156`). Returns the
/// name's end.
fn given_surname(line: &[u8], start: usize, e: usize, lower: &[u8]) -> Option<usize> {
    // Two-word names of things whose second word a surname spells
    // (`Carnegie Mellon`, `Diffie Hellman`).
    const NOT_GIVEN: &[&[u8]] = &[b"carnegie", b"lucida", b"diffie"];
    if !(2..=12).contains(&lower.len())
        || is_org_word(lower)
        || NOT_GIVEN.contains(&lower)
        || PLACE_PREFIXES.contains(&lower)
        || std::str::from_utf8(lower).is_ok_and(is_not_surname)
        || line.get(e) != Some(&b' ')
    {
        return None;
    }
    if is_common_word(lower) {
        let before = line[..start]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace());
        if before.is_none_or(|b| b".!?:;>\"'*#[`|-".contains(b)) {
            return None;
        }
    }
    let s = e + 1;
    let end = surname_at(line, s)?;
    if end - s < 5
        || listed_exactly(&line[s..end].to_ascii_lowercase())
        || matches!(line.get(end), Some(b'.' | b'-'))
    {
        return None;
    }
    let next = end + line[end..].iter().take_while(|b| **b == b' ').count();
    if next > end
        && line
            .get(next)
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b >= 0xC0)
    {
        return None;
    }
    let before = word_before(line, start);
    if !before.is_empty() && before[0].is_ascii_uppercase() {
        return None;
    }
    Some(end)
}

/// The name cells after a salutation cell in a delimited record without a
/// header (`K-100234;Herr;Kwabena;Asamoah;Lindenweg 7`, `Mrs,Jan,de
/// Boer,…`): the next two cells, each one to three words, capitalised or
/// a short particle (`de Boer`), with no digits and no everyday word.
fn salutation_cells(line: &[u8], out: &mut Vec<Finding>) {
    const SALUTATIONS: &[&[u8]] = &[
        b"Herr", b"Frau", b"Divers", b"Mr", b"Mr.", b"Mrs", b"Mrs.", b"Ms", b"Ms.", b"Mx", b"Dr",
        b"Dr.", b"Mme", b"Mlle", b"M.", b"Sr", b"Sr.", b"Sra", b"Sra.", b"Sig.", b"Sig.ra",
    ];
    let Some(&sep) = [b';', b'\t', b'|', b',']
        .iter()
        .find(|d| memchr::memchr(**d, line).is_some())
    else {
        return;
    };
    // The cell that ends at `at`'s next separator (or the line's end).
    let cell_from = |at: usize| {
        let end = memchr::memchr(sep, &line[at..]).map_or(line.len(), |n| at + n);
        (at, end)
    };
    let name_cell = |(s, e): (usize, usize)| {
        let cell = line[s..e].trim_ascii();
        let mut words = cell.split(|b| *b == b' ').filter(|w| !w.is_empty());
        let count = words.clone().count();
        (1..=3).contains(&count)
            && words
                .clone()
                .next_back()
                .is_some_and(|w| w[0].is_ascii_uppercase() || w[0] >= 0xC0)
            && words.all(|w| {
                w.len() >= 2
                    && !w.iter().any(u8::is_ascii_digit)
                    && !w.contains(&b'@')
                    && (w[0].is_ascii_uppercase()
                        || w[0] >= 0xC0
                        || w.len() <= 3 && w.iter().all(u8::is_ascii_lowercase))
            })
            && !is_common_word(&cell.to_ascii_lowercase())
    };
    let mut at = 0;
    while at < line.len() {
        let cell = cell_from(at);
        at = cell.1 + 1;
        let text = line[cell.0..cell.1].trim_ascii();
        // Cheapest test first: a salutation is short and starts with one
        // of a few capitals.
        let maybe =
            text.len() <= 6 && matches!(text.first(), Some(b'H' | b'F' | b'D' | b'M' | b'S'));
        if !maybe || !SALUTATIONS.contains(&text) || at >= line.len() {
            continue;
        }
        let given = cell_from(at);
        if given.1 >= line.len() {
            return;
        }
        let family = cell_from(given.1 + 1);
        if name_cell(given) && name_cell(family) {
            for (s, e) in [given, family] {
                let (s, e) = trim_blanks(line, s, e);
                out.push(Finding::new(s, e, Kind::Name));
            }
            at = family.1 + 1;
        }
    }
}

/// Initials and a listed surname (`W. Kowalczyk`, `J. R. Smith`, `A. de
/// Vries`), from the first initial at `pos`: capitals each followed by a
/// dot and one blank (not a dotted run, `H.P.`), an optional particle,
/// then a capitalised surname that is not an everyday word, and a second
/// one if it follows (`R. Andrew Bailey`). Returns the name's end.
fn initial_surname(line: &[u8], pos: usize) -> Option<usize> {
    if pos > 0 && line[pos - 1] == b'.' {
        return None;
    }
    // Longest first: `van der ` before `van `.
    const PARTICLES: &[&[u8]] = &[
        b"van der ",
        b"van den ",
        b"de la ",
        b"de ",
        b"van ",
        b"von ",
        b"da ",
        b"di ",
        b"del ",
        b"du ",
        b"le ",
        b"la ",
        b"dos ",
        b"ten ",
        b"ter ",
    ];
    let mut at = pos;
    let mut initials = 0;
    while line.get(at).is_some_and(u8::is_ascii_uppercase)
        && line.get(at + 1..at + 3) == Some(b". ")
    {
        at += 3;
        initials += 1;
    }
    if initials == 0 || initials > 2 {
        return None;
    }
    if let Some(p) = PARTICLES.iter().find(|p| line[at..].starts_with(p)) {
        at += p.len();
    }
    let end = surname_at(line, at)?;
    let second = (line.get(end) == Some(&b' '))
        .then(|| surname_at(line, end + 1))
        .flatten();
    Some(second.unwrap_or(end))
}

/// The end of a capitalised ASCII word at `at` that is a listed surname
/// and not an everyday word, standing as a word of its own.
fn surname_at(line: &[u8], at: usize) -> Option<usize> {
    let first = *line.get(at)?;
    let mut end = at + 1;
    while end < line.len() && line[end].is_ascii_lowercase() {
        end += 1;
    }
    let n = end - at;
    let mut buf = [0u8; 24];
    if !first.is_ascii_uppercase()
        || !(4..=buf.len()).contains(&n)
        || line
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b >= 0x80 || matches!(b, b'_' | b'/'))
        || line.get(end) == Some(&b'.') && line.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)
    {
        return None;
    }
    for (k, c) in line[at..end].iter().enumerate() {
        buf[k] = c.to_ascii_lowercase();
    }
    let lower = &buf[..n];
    is_plain_surname(lower).then_some(end)
}

/// Where a name whose initials start at `pos` starts: at the capitalised
/// word one blank before them when that is a first name or no everyday
/// word (`Mark D. Roth`, `Italo A. Casas`; not `Thanks A. Wilcox`).
fn given_before(line: &[u8], pos: usize) -> usize {
    let word = word_before(line, pos);
    // One blank between (`Mark D.`, not `Mark  D.`), a capitalised ASCII word.
    let one_blank = pos >= 2 && line[pos - 2] != b' ';
    let capitalised = word.len() >= 2
        && word[0].is_ascii_uppercase()
        && word[1..].iter().all(u8::is_ascii_lowercase);
    if !(one_blank && capitalised) {
        return pos;
    }
    let lower = word.to_ascii_lowercase();
    if listed_exactly(&lower) || !is_common_word(&lower) {
        pos - 1 - word.len()
    } else {
        pos
    }
}

/// The first index at or after `from` holding an ASCII capital or a byte
/// from 0xC0 up (which may start a non-ASCII letter), or `line.len()`.
/// Eight bytes at a time while they are all ASCII.
fn next_capital(line: &[u8], from: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = line.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes);
        if w & HIGH != 0 {
            break;
        }
        // Per byte x < 0x80 (no carries between bytes): the high bit of
        // x + (0x80 - 0x41) says x >= b'A', that of x + (0x80 - 0x5B) says
        // x > b'Z'.
        let ge_a = w.wrapping_add((0x80 - 0x41) * LOW);
        let gt_z = w.wrapping_add((0x80 - 0x5B) * LOW);
        if ge_a & !gt_z & HIGH != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&b) = line.get(i) {
        if b.is_ascii_uppercase() || b >= 0xC0 {
            return i;
        }
        i += 1;
    }
    line.len()
}

/// Whether the word at `pos` is a listed, unambiguous first name (Unicode).
fn listed_word(line: &[u8], pos: usize) -> bool {
    word_at(line, pos).is_some_and(|(w, _)| is_capitalized(&w) && is_listed(&w.to_lowercase()))
}

/// [`is_listed`] for lowercase ASCII bytes: the pair scan asks this for
/// every capitalised word of every line.
fn is_listed_ascii(lower: &[u8]) -> bool {
    listed_exactly(lower) && !is_ambiguous_bytes(lower)
}

/// A listed surname of four letters or more that is not an everyday word
/// (`baker` is listed; `major` and `long` are not): lowercase ASCII.
fn is_plain_surname(lower: &[u8]) -> bool {
    lower.len() >= 4 && is_surname(lower) && !is_common_word(lower)
}

/// A listed first name that is neither an everyday word (`will`, `may`)
/// nor a product's name (`travis`, `jessie`): lowercase ASCII.
pub(crate) fn is_plain_first_name(lower: &[u8]) -> bool {
    is_listed_ascii(lower) && std::str::from_utf8(lower).is_ok_and(|w| !PRODUCT_NAMES.contains(&w))
}

/// [`is_ambiguous`] for lowercase bytes.
fn is_ambiguous_bytes(lower: &[u8]) -> bool {
    std::str::from_utf8(lower).is_ok_and(is_ambiguous)
}

/// A listed first name that is not also an everyday word (lowercase input).
/// A hyphenated name counts when it is listed without its hyphen (`ji-woo`)
/// or both its parts are (`klaus-dieter`).
fn is_listed(lower: &str) -> bool {
    let listed = |w: &str| in_first_names(w) && !is_ambiguous(w);
    listed(lower)
        || lower
            .split_once('-')
            .is_some_and(|(a, b)| listed(&format!("{a}{b}")) || (listed(a) && listed(b)))
}

/// A weak cue (`with`, `and`, `,`, `(` ...) right before `pos`.
fn weak_cue_before(line: &[u8], pos: usize) -> bool {
    let mut j = pos;
    while j > 0 && matches!(line[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    if j == 0 {
        return false;
    }
    if matches!(line[j - 1], b',' | b';' | b'&' | b'/' | b'(') {
        return true;
    }
    let mut k = j;
    while k > 0 && line[k - 1].is_ascii_alphabetic() {
        k -= 1;
    }
    let word = &line[k..j];
    j > k && WEAK.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(word))
}

/// The strength of a cue from its matched text (`opened by `, `Author: `).
fn classify_cue(m: &[u8]) -> Cue {
    let has_sep = m.iter().any(|b| matches!(b, b':' | b'='));
    // Lower-cased once joined: ASCII case changes neither the separators
    // trimmed here nor the blanks split on.
    let text = String::from_utf8_lossy(m);
    let text = text.trim_end_matches(|c: char| {
        matches!(
            c,
            ' ' | '\t' | ':' | '=' | '>' | '"' | '\'' | '<' | '(' | '@' | ',' | '.'
        )
    });
    let mut norm = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !norm.is_empty() {
            norm.push(' ');
        }
        norm.push_str(word);
    }
    norm.make_ascii_lowercase();
    static FIELDS: OnceLock<WordSet<&'static str>> = OnceLock::new();
    static ONE_WORD_VERBS: OnceLock<WordSet<&'static str>> = OnceLock::new();
    if has_sep
        && FIELDS
            .get_or_init(|| static_set(&[PERSON_FIELDS]))
            .contains(norm.as_str())
    {
        return Cue::Field;
    }
    if let Some((first, _)) = norm.split_once(' ') {
        let verbs = ONE_WORD_VERBS.get_or_init(|| VERBS.split('|').collect());
        // A verb equal to the first word, or a two-word verb ("signed off")
        // that starts the cue.
        let verb = verbs.contains(first)
            || VERBS
                .split('|')
                .any(|v| v.contains(' ') && norm.starts_with(v));
        if verb && !is_strong_cue(norm.as_str()) {
            return Cue::Verb;
        }
    }
    // "From"/"To"/"Name" as a header want the colon; prose "from" is weak.
    let needs_colon = matches!(
        norm.as_str(),
        "from" | "to" | "owner" | "name" | "user" | "client" | "best" | "morning" | "this is"
    );
    if needs_colon && !has_sep {
        Cue::Weak
    } else {
        Cue::Strong
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cue {
    /// `Author:`, `full_name=`: any capitalised words.
    Field,
    /// `opened by`, `assigned to`: a listed name, a capitalised word or a login.
    Verb,
    /// `Dear`, `Hi`, `From:`: a listed name or a capitalised word.
    Strong,
    /// `with`, `and`, `,`: a capitalised, listed, unambiguous first name.
    Weak,
    /// No cue: a listed first name followed by a surname.
    Pair,
}

fn alternation(words: &[&str]) -> String {
    let mut sorted: Vec<&str> = words.to_vec();
    sorted.sort_by_key(|w| std::cmp::Reverse(w.len()));
    sorted
        .iter()
        .map(|w| regex::escape(w).replace(' ', r"[ \t]+"))
        .collect::<Vec<_>>()
        .join("|")
}

/// The word (letters, inner `'`/`’`/`-`) starting at `pos`, and its end.
fn word_at(line: &[u8], pos: usize) -> Option<(String, usize)> {
    let rest = line.get(pos..)?;
    let window = &rest[..rest.len().min(96)];
    let text = match std::str::from_utf8(window) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).ok()?,
    };
    let mut end = 0;
    let mut word = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphabetic() {
            word.push(c);
            end = i + c.len_utf8();
        } else if matches!(c, '\'' | '’' | '-')
            && !word.is_empty()
            && chars.peek().is_some_and(|(_, n)| n.is_alphabetic())
        {
            // "O'Brien", "Smith-Jones"; but not the possessive "'s".
            let rest_after = &text[i + c.len_utf8()..];
            if c != '-'
                && rest_after.starts_with('s')
                && !rest_after[1..].starts_with(char::is_alphabetic)
            {
                break;
            }
            word.push(c);
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    (!word.is_empty()).then(|| (word, pos + end))
}

fn is_capitalized(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.clone().any(char::is_lowercase)
        || word.chars().count() == 1 && word.chars().all(char::is_uppercase)
}

/// A camelCase identifier (`TargetUserName`, `SubjectDomainName`): two or
/// more capitals after lower-case letters, which a name has at most one of
/// (`McDonald`, `LaToya`); an acronym glued to a word (`MSTeams`); or a
/// hyphenated component name (`Microsoft-Windows-Security-Auditing`).
fn is_identifier(word: &str) -> bool {
    if hyphenated_component(word) {
        return true;
    }
    // An acronym glued to a word (`MSTeams`, `IOStream`, `XMLHttpRequest`):
    // three capitals or more, then a lower-case letter.
    let capitals = word.chars().take_while(|c| c.is_uppercase()).count();
    if capitals >= 3 && word.chars().nth(capitals).is_some_and(char::is_lowercase) {
        return true;
    }
    // Byte offsets of the upper-case letters that follow a lower-case one.
    let mut humps = word
        .char_indices()
        .zip(word.chars().skip(1))
        .filter(|((_, a), b)| a.is_lowercase() && b.is_uppercase())
        .map(|((i, a), _)| i + a.len_utf8());
    match (humps.next(), humps.next()) {
        (None, _) => false,
        // One hump: a name after a name prefix (`McCarney`, `DeShawn`,
        // `JoAnn`), otherwise a class or a brand (`HttpClient`,
        // `JetBrains`).
        (Some(i), None) => !NAME_PREFIXES.contains(&word[..i].to_lowercase().as_str()),
        (Some(_), Some(_)) => true,
    }
}

/// Three or more parts joined by hyphens, one that names an organisation,
/// or an acronym joined to a word: a provider, a product, a component or a
/// team (`Microsoft-Windows-Security-Auditing`, `SLA-Engine`,
/// `IT-Servicedesk`), not a double-barrelled name (`Anna-Lena`,
/// `Sperberg-McQueen`, `DUPONT-MOREAU`).
fn hyphenated_component(word: &str) -> bool {
    if !word.contains('-') {
        return false;
    }
    let acronym = |p: &&str| p.chars().count() >= 2 && p.chars().all(char::is_uppercase);
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() >= 3
        || parts
            .iter()
            .any(|p| is_org_word(p.to_lowercase().as_bytes()))
        || parts.iter().any(acronym) && !parts.iter().all(acronym)
}

/// What comes before the inner capital of a name (`McKenzie`, `LeBron`,
/// `MaryAnn`).
const NAME_PREFIXES: &[&str] = &[
    "mc", "mac", "de", "di", "da", "du", "la", "le", "van", "von", "fitz", "st", "jo", "mary",
    "ann", "lee", "rae", "ray", "anna", "ben", "el", "al", "ibn", "bin", "abu", "ter", "ten",
    "dal", "del", "della", "dos", "das",
];

/// Whether `lower` is a word of an organisation or role (`support`,
/// `admin`, `noreply`) rather than of a person.
pub(crate) fn is_org_word(lower: &[u8]) -> bool {
    ORG_WORDS.iter().any(|w| w.as_bytes() == lower)
}

/// Words that make a run of capitalised words a team, a role or an
/// organisation rather than a person (`Vigil Support Desk`, `Acme GmbH`).
const ORG_WORDS: &[&str] = &[
    "support",
    "team",
    "desk",
    "helpdesk",
    "service",
    "services",
    "group",
    "department",
    "dept",
    "admin",
    "admins",
    "administrator",
    "operations",
    "ops",
    "alerts",
    "notifications",
    "noreply",
    "system",
    "systems",
    "server",
    "bot",
    "robot",
    "monitoring",
    "security",
    "billing",
    "sales",
    "accounts",
    "finance",
    "infrastructure",
    "network",
    "engineering",
    "platform",
    "devops",
    "office",
    "center",
    "centre",
    "portal",
    "gmbh",
    "ag",
    "inc",
    "ltd",
    "llc",
    "corp",
    "github",
    "gitlab",
    "jenkins",
    "mailer",
    "daemon",
    "postmaster",
];

const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "dos", "das",
    "bin", "ibn", "al", "el", "ter", "ten", "st", "mac", "y",
];

/// Where the name that starts at `pos` ends, if it is one under `cue`.
fn name_extent(line: &[u8], pos: usize, cue: Cue) -> Option<usize> {
    let (first, mut end) = word_at(line, pos)?;
    if is_identifier(&first) {
        return None;
    }
    let lower = first.to_lowercase();
    let listed = in_first_names(&lower);
    let cap = is_capitalized(&first);
    let common = is_not_surname(lower.as_str());
    // An initial after a cue (`Agent: T. Begay`, `Dr. K. Naidoo`): a name
    // when a surname follows.
    let initial = cue != Cue::Weak
        && cue != Cue::Pair
        && cap
        && first.chars().count() == 1
        && line.get(end..end + 2) == Some(b". ");
    let ok = initial
        || match cue {
            Cue::Field => (cap && !common) || listed,
            Cue::Verb | Cue::Strong => {
                (listed && (cap || !is_ambiguous(lower.as_str())))
                    || (cap
                        && !common
                        && first.chars().count() > 1
                        && !is_common_word(lower.as_bytes()))
            }
            Cue::Weak => listed && cap && !is_ambiguous(lower.as_str()),
            Cue::Pair => true,
        };
    if !ok {
        // `opened by jsmith`: a login after a verb cue.
        if cue == Cue::Verb {
            return login_at(line, pos);
        }
        return None;
    }
    // Surnames: capitalised words, initials and particles that lead to one.
    let mut parts = 0;
    let mut cursor = if initial { end + 1 } else { end };
    let mut need_surname = cue == Cue::Pair || initial;
    while parts < 3 {
        // One blank between the parts: two or more separate the columns of
        // a ticket or a table (`Assignee: Jane Doe   Group: Licensing`).
        // In a URL's query a '+' is the blank (`?q=Felix+Schmidt`).
        let i = cursor + 1;
        if !matches!(line.get(cursor), Some(b' ' | b'+')) || i >= line.len() || line[i] == b' ' {
            break;
        }
        let Some((w, wend)) = word_at(line, i) else {
            break;
        };
        let wl = w.to_lowercase();
        if w.chars().count() == 1 && w.chars().all(char::is_uppercase) {
            match line.get(wend) {
                // Initial: "John Q. Public".
                Some(b'.') => {
                    cursor = wend + 1;
                    continue;
                }
                // Without its dot, before a capitalised word (`James M
                // Snell`, `Pooja D P`).
                Some(b' ')
                    if line
                        .get(wend + 1)
                        .is_some_and(|b| b.is_ascii_uppercase() || *b >= 0xC0) =>
                {
                    cursor = wend;
                    continue;
                }
                // Closing the name (`(Pooja D P)`).
                None | Some(b')' | b',' | b';' | b']' | b'>') if parts > 0 || !need_surname => {
                    end = wend;
                    break;
                }
                _ => {}
            }
        }
        // A generational suffix after the surname (`Thomas Hunter II`).
        if parts > 0 && matches!(w.as_str(), "II" | "III" | "IV" | "Jr" | "Sr") {
            end = if line.get(wend) == Some(&b'.') {
                wend + 1
            } else {
                wend
            };
            break;
        }
        if PARTICLES.contains(&wl.as_str()) && !is_capitalized(&w) {
            // Only when a capitalised word follows, after more particles
            // (`van der Linde`, `de la Cruz`).
            let mut j = wend;
            loop {
                while j < line.len() && line[j] == b' ' {
                    j += 1;
                }
                match word_at(line, j) {
                    Some((p, pend))
                        if PARTICLES.contains(&p.to_lowercase().as_str())
                            && !is_capitalized(&p) =>
                    {
                        j = pend;
                    }
                    _ => break,
                }
            }
            match word_at(line, j) {
                Some((next, nend))
                    if is_capitalized(&next) && !is_not_surname(&next.to_lowercase()) =>
                {
                    end = nend;
                    cursor = nend;
                    parts += 1;
                    need_surname = false;
                    continue;
                }
                _ => break,
            }
        }
        if is_capitalized(&w) && ORG_WORDS.contains(&wl.as_str()) {
            // `Vigil Support Desk`, `Acme Team`, `Maria Keller GmbH`: a
            // role or an organisation.
            return None;
        } else if is_capitalized(&w) && !is_not_surname(wl.as_str()) && w.chars().count() > 1 {
            end = wend;
            cursor = wend;
            parts += 1;
            need_surname = false;
        } else {
            break;
        }
    }
    if need_surname {
        // Possessive without cue: "Maria's laptop".
        let rest = &line[end..];
        if rest.starts_with(b"'s") || rest.starts_with("’s".as_bytes()) {
            return Some(end);
        }
        return None;
    }
    Some(end)
}

/// A name written surname first with a comma, as guest, patient and staff
/// lists write it (`0412 Mueller, Anna`, `Papadopoulos, Georgios`,
/// `Al-Farsi, Layla`): a capitalised word that is no everyday word, no
/// first name and no place or product the surname list spells, a comma,
/// and a listed first name that ends the clause; not after a word that
/// leads to a place (`in Busan, Xiaoming will`, `University of
/// California, Lawrence`) nor CamelCase (`the OpenTaal, Simon`).
fn surname_comma_given(line: &[u8], out: &mut Vec<Finding>) {
    for comma in memchr::memchr_iter(b',', line) {
        // Cheapest tests first: `, ` and a capital, a capital before.
        if line.get(comma + 1) != Some(&b' ')
            || !line
                .get(comma + 2)
                .is_some_and(|b| b.is_ascii_uppercase() || *b >= 0xC0)
            || comma == 0
            || !line[comma - 1].is_ascii_lowercase()
        {
            continue;
        }
        let s = comma
            - line[..comma]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphabetic() || **b == b'-' || **b >= 0x80)
                .count();
        if s > 0
            && (line[s - 1].is_ascii_alphanumeric() || matches!(line[s - 1], b'.' | b'/' | b'_'))
        {
            continue;
        }
        let Ok(surname) = std::str::from_utf8(&line[s..comma]) else {
            continue;
        };
        let Some((given, e)) = word_at(line, comma + 2) else {
            continue;
        };
        let clause_end = match line.get(e) {
            None => true,
            Some(b) => {
                matches!(b, b' ' | b'\t' | b'|' | b';' | b'"' | b')' | b'.' | b'\r')
                    && !line[e..].starts_with(b", ")
            }
        };
        let lower = surname.to_lowercase();
        let folded: String = lower.chars().map(fold_accent).collect();
        let prev = word_before(line, s);
        let surname_ok = is_capitalized(surname)
            && !is_identifier(surname)
            && !PLACE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(prev))
            && surname.chars().count() >= 3
            && !is_common_word(folded.as_bytes())
            && !is_not_surname(&lower)
            && !NOT_ALONE.contains(&folded.as_str())
            && !PRODUCT_NAMES.contains(&folded.as_str())
            && !is_strong_cue(&lower)
            && !in_first_names(&lower);
        let given_lower = given.to_lowercase();
        if clause_end
            && surname_ok
            && is_capitalized(&given)
            && is_listed(&given_lower)
            && !PRODUCT_NAMES.contains(&given_lower.as_str())
        {
            out.push(Finding::new(s, comma, Kind::Name));
            out.push(Finding::new(comma + 2, e, Kind::Name));
        }
    }
}

/// Names set in capitals, as bank files, card receipts and payment
/// exports print them (`PAYEE ROSALIND FAIRWEATHER`, `"KORHONEN VILLE"`,
/// `IND NAME=DELACROIX, MARIE`, `ANDERSON, KEISHA M`): a listed first name
/// and a listed surname side by side, in either order, or a surname, a
/// comma and a first name; with a middle initial after them. Neither may
/// be an everyday word (`GRACE PERIOD`, `MAY DAY`) or a product's name,
/// nor be followed by an everyday word in capitals.
fn caps_names(line: &[u8], out: &mut Vec<Finding>) {
    let caps = |b: &&u8| b.is_ascii_uppercase() || **b == b'-';
    let caps_end = |i: usize| i + line[i..].iter().take_while(caps).count();
    let first = |w: &[u8]| {
        let lower = w.to_ascii_lowercase();
        is_plain_first_name(&lower) && !is_common_word(&lower)
    };
    let surname = |w: &[u8]| {
        let lower = w.to_ascii_lowercase();
        is_plain_surname(&lower)
            || lower.contains(&b'-') && lower.split(|b| *b == b'-').any(is_plain_surname)
    };
    let upper = |i: usize| line.get(i).is_some_and(u8::is_ascii_uppercase);
    // Where the last name found ended.
    let mut after = 0;
    // Each blank between two words of capitals (most lines have none).
    for sp in memchr::memchr_iter(b' ', line) {
        let comma = sp >= 1 && line[sp - 1] == b',';
        let e1 = if comma { sp - 1 } else { sp };
        if sp < after
            || e1 < 2
            || !(upper(e1 - 1) && upper(e1 - 2) && upper(sp + 1) && upper(sp + 2))
        {
            continue;
        }
        let p = e1 - line[..e1].iter().rev().take_while(caps).count();
        if p < after || p > 0 && line[p - 1].is_ascii_alphanumeric() {
            continue;
        }
        let s2 = sp + 1;
        let e2 = caps_end(s2);
        if line.get(e2).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let (w1, w2) = (&line[p..e1], &line[s2..e2]);
        let found = if comma {
            surname(w1) && first(w2)
        } else {
            first(w1) && surname(w2) || surname(w1) && first(w2)
        };
        // An organisation's words after them (`GUANG DONG CERTIFICATE
        // AUTHORITY`): a place's or a company's name.
        let next_word = line.get(e2) == Some(&b' ') && {
            let e3 = caps_end(e2 + 1);
            e3 - (e2 + 1) >= 4 && is_common_word(&line[e2 + 1..e3].to_ascii_lowercase())
        };
        if !found || next_word {
            continue;
        }
        // A middle initial: `KEISHA M`, `SEAN P`.
        let mut end = e2;
        if line.get(e2) == Some(&b' ')
            && upper(e2 + 1)
            && !line.get(e2 + 2).is_some_and(u8::is_ascii_alphanumeric)
        {
            end = e2 + 2;
        }
        out.push(Finding::new(p, end, Kind::Name));
        after = end;
    }
}

/// Names as airline and travel systems write them, `SURNAME/GIVEN` in
/// capitals: before a title (`MUELLER/ANNA MRS`, `MUELLER/JONAS MSTR`),
/// after a PNR's name number or a boarding pass's format code
/// (`1.MUELLER/ANNA`, `M1MUELLER/ANNA`), or in an APIS document element
/// before the passenger number (`…/20OCT30/MUELLER/ANNA/P1`). Other
/// capitals around a slash (`TCP/IP`, `N/A`, `AC/DC`) have none of these.
fn travel_names(line: &[u8], out: &mut Vec<Finding>) {
    const TITLES: &[&[u8]] = &[
        b"MR", b"MRS", b"MS", b"MSTR", b"MISS", b"DR", b"MX", b"CHD", b"INF",
    ];
    let capital = |b: &u8| b.is_ascii_uppercase() || *b == b'-';
    for slash in memchr::memchr_iter(b'/', line) {
        let s = slash
            - line[..slash]
                .iter()
                .rev()
                .take_while(|b| capital(b))
                .count();
        let e = slash + 1 + line[slash + 1..].iter().take_while(|b| capital(b)).count();
        if slash - s < 2 || e - slash - 1 < 2 {
            continue;
        }
        let rest = &line[e..];
        let title = rest.first() == Some(&b' ') && {
            let t = &rest[1..];
            let n = t.iter().take_while(|b| b.is_ascii_uppercase()).count();
            TITLES.contains(&&t[..n]) && !t.get(n).is_some_and(u8::is_ascii_alphanumeric)
        };
        let numbered = s >= 2
            && (line[s - 2].is_ascii_digit() && line[s - 1] == b'.'
                || line[s - 2] == b'M' && line[s - 1].is_ascii_digit());
        let document = s >= 1
            && line[s - 1] == b'/'
            && rest.len() >= 3
            && rest[0] == b'/'
            && rest[1] == b'P'
            && rest[2].is_ascii_digit();
        if title || numbered || document {
            out.push(Finding::new(s, slash, Kind::Name));
            out.push(Finding::new(slash + 1, e, Kind::Name));
        }
    }
}

/// The parts of a name object in a document (MongoDB, APIs, FHIR:
/// `"name":{"first":"Akosua","last":"Frimpong"}`): the values of its
/// `first`, `middle`, `last`, `given` and `family` keys.
fn name_object(line: &[u8], out: &mut Vec<Finding>) {
    const PARTS: &[&[u8]] = &[b"first", b"middle", b"last", b"given", b"family"];
    // Where `byte` stands after the blanks from `i`, if it does.
    let at_byte = |i: usize, byte: u8| {
        let j = i + line[i..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        (line.get(j) == Some(&byte)).then_some(j)
    };
    for at in finder!(b"\"name\"").find_iter(line) {
        // An object, or a list of them (FHIR's `"name": [ { "use":
        // "official", "family": … } ]`: its first).
        let Some(open) = at_byte(at + 6, b':').and_then(|c| {
            at_byte(c + 1, b'{').or_else(|| at_byte(c + 1, b'[').and_then(|l| at_byte(l + 1, b'{')))
        }) else {
            continue;
        };
        let close = memchr::memchr(b'}', &line[open..]).map_or(line.len(), |c| open + c);
        let mut i = open + 1;
        while let Some(q) = memchr::memchr(b'"', &line[i..close]).map(|q| i + q) {
            let Some(kq) = memchr::memchr(b'"', &line[q + 1..close]).map(|k| q + 1 + k) else {
                break;
            };
            i = kq + 1;
            if !PARTS.contains(&&line[q + 1..kq]) {
                continue;
            }
            let Some(v) = at_byte(kq + 1, b':').and_then(|c| at_byte(c + 1, b'"')) else {
                continue;
            };
            if let Some(e) = name_extent(line, v + 1, Cue::Field).filter(|e| *e <= close) {
                out.push(Finding::new(v + 1, e, Kind::Name));
                i = e;
            }
        }
    }
}

/// Keys and flags that end in a person's name field, which the cue regex
/// (whole words only) does not see: `billing_first_name`, `customerLastName`,
/// `GIT_AUTHOR_NAME=`, `--admin-firstname="Hiroshi"`, flags with a blank
/// before the value (`-firstname Hadiza`, `--last-name Oyelaran`), and XML
/// elements named by such an attribute (`<Data Name="DisplayName">`).
fn compound_person_fields(line: &[u8], out: &mut Vec<Finding>) {
    const SUFFIXES: &[&[u8]] = &[
        b"firstname",
        b"lastname",
        b"givenname",
        b"familyname",
        b"fullname",
        b"displayname",
        b"authorname",
        b"committername",
        b"middlename",
        b"surname",
    ];
    let mut from = 0;
    while let Some(i) = memchr::memchr2(b'n', b'N', &line[from..]).map(|i| from + i) {
        from = i + 1;
        let end = i + 4;
        if !line
            .get(i..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"name"))
            || line
                .get(end)
                .is_some_and(|b| checks::is_word(*b) || *b == b'-')
        {
            continue;
        }
        let mut ks = i;
        while ks > 0 && (checks::is_word(line[ks - 1]) || line[ks - 1] == b'-') {
            ks -= 1;
        }
        let dashes = line[ks..i].iter().take_while(|b| **b == b'-').count();
        let key = &line[ks + dashes..end];
        if key.len() > 64 {
            continue;
        }
        // The key without separators, lower case: `first_name`, `first-name`
        // and `FirstName` are the same field.
        let mut folded = [0u8; 64];
        let mut n = 0;
        for b in key.iter().filter(|b| !matches!(b, b'_' | b'-')) {
            folded[n] = b.to_ascii_lowercase();
            n += 1;
        }
        let Some(suffix) = SUFFIXES.iter().find(|s| folded[..n].ends_with(s)) else {
            continue;
        };
        // Where the field's own word starts in the key, and whether a word
        // comes before it: after a separator, or at a lower-to-upper case
        // change (`customerLastName`).
        let mut own = end;
        let mut letters = 0;
        while letters < suffix.len() {
            own -= 1;
            if !matches!(line[own], b'_' | b'-') {
                letters += 1;
            }
        }
        let compound = own > ks + dashes
            && (matches!(line[own - 1], b'_' | b'-')
                || (line[own - 1].is_ascii_lowercase() && line[own].is_ascii_uppercase()));
        let flag = dashes > 0;
        // An XML element named by its attribute: `<Data
        // Name="DisplayName">Park Hye-jin</Data>`.
        let element = line[end..].starts_with(b"\">") && ks > 0 && line[ks - 1] == b'"';
        if !(compound || flag || element) {
            continue;
        }
        // Then a quote, blanks, a separator (`=`, `:`, `=>`; a blank after a
        // flag), blanks and a quote.
        let mut v = end;
        if matches!(line.get(v), Some(b'"' | b'\'')) {
            v += 1;
        }
        let blanks_before = line[v..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        v += blanks_before;
        if line[v..].starts_with(b"=>") {
            v += 2;
        } else if matches!(line.get(v), Some(b'=' | b':')) || element {
            v += 1;
        } else if !(flag && blanks_before > 0) {
            continue;
        }
        v += line[v..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if matches!(line.get(v), Some(b'"' | b'\'')) {
            v += 1;
        }
        if let Some(e) = name_extent(line, v, Cue::Field) {
            out.push(Finding::new(v, e, Kind::Name));
        }
    }
}

/// A login name (`jsmith`, `a.keller`) at `pos`.
fn login_at(line: &[u8], pos: usize) -> Option<usize> {
    let mut e = pos;
    while e < line.len()
        && (line[e].is_ascii_alphanumeric() || matches!(line[e], b'.' | b'_' | b'-'))
    {
        e += 1;
    }
    while e > pos && matches!(line[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let v = line.get(pos..e)?;
    if v.len() < 2 || !v[0].is_ascii_lowercase() || !v.iter().any(u8::is_ascii_lowercase) {
        return None;
    }
    // A URL's scheme: `rejected by https://sso.example.com`; a host name
    // (`rejected by ashgrove.okta.example`; `by wei.liu.sz` is a login).
    const HOST_ENDS: &[&[u8]] = &[
        b".com",
        b".org",
        b".net",
        b".io",
        b".example",
        b".local",
        b".internal",
        b".corp",
        b".lan",
        b".cloud",
    ];
    if line[e..].starts_with(b"://")
        || (v.iter().filter(|b| **b == b'.').count() >= 2
            && HOST_ENDS.iter().any(|t| v.ends_with(t)))
    {
        return None;
    }
    let lower = String::from_utf8_lossy(v);
    const NOT_LOGIN: &[&str] = &[
        "the",
        "a",
        "an",
        "my",
        "your",
        "our",
        "their",
        "me",
        "you",
        "us",
        "them",
        "him",
        "her",
        "it",
        "this",
        "that",
        "team",
        "support",
        "admin",
        "system",
        "root",
        "default",
        "automation",
        "bot",
        "ci",
        "cron",
        "jenkins",
        "scheduler",
        "policy",
        "rule",
        "user",
        "users",
        "someone",
        "nobody",
        "all",
        "everyone",
        "owner",
        "operator",
        "service",
        "daemon",
        "agent",
        "script",
        "api",
        "server",
        "client",
        "host",
        "node",
        "cluster",
        "on",
        "in",
        "at",
        "for",
        "from",
        "with",
        "to",
        "of",
        "and",
        "or",
        "via",
        "pid",
        "uid",
        "process",
        "request",
        "job",
        "task",
        "queue",
        "unknown",
        "n/a",
        "none",
        "null",
        "anonymous",
        "guest",
        "self",
        "peer",
        "remote",
        "local",
        "kernel",
        "signal",
        "timeout",
        "default",
        "config",
        "manual",
        "manually",
        "hand",
        "design",
        "mistake",
        "error",
        "accident",
        "exception",
        "upstream",
        "downstream",
        "backend",
        "frontend",
        "proxy",
        "load",
        "health",
        "monitor",
        "watchdog",
        "sigterm",
        "sigkill",
        "oom",
        "oom-killer",
        "systemd",
        "init",
        "sshd",
        "sudo",
        "su",
    ];
    if NOT_LOGIN.contains(&lower.as_ref()) || is_common_word(v) {
        return None;
    }
    Some(e)
}

impl Hosts {
    fn find(&self, line: &[u8], out: &mut Vec<Finding>) {
        for m in self.re.find_iter(line) {
            // A date glued on names a backup or a log of the host, not the
            // host (`nadia-desktop-2024-05-15T04:00:01`, borg's archives).
            let end = m.start() + date_suffix_start(&line[m.start()..m.end()]);
            let host = &line[m.start()..end];
            let text = String::from_utf8_lossy(host).to_ascii_lowercase();
            let parts: Vec<&str> = text.split(['-', '_']).filter(|p| !p.is_empty()).collect();
            // `ws01`, `lt02`: a device word with a number; `t14`: a model's
            // number is its own.
            let device = |p: &str| p.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned();
            let is_device =
                |p: &str, words: &[&str]| words.contains(&p) || words.contains(&device(p).as_str());
            let strong = parts.iter().any(|p| is_device(p, STRONG_DEVICE_WORDS));
            let has_device = parts.iter().any(|p| {
                self.device_words
                    .iter()
                    .any(|d| *d == *p || *d == device(p))
            });
            // A constant's name (`node=PAY_BY_PHONE`), not a host's.
            let underscore = host.contains(&b'_');
            if !has_device || (underscore && !host.iter().any(u8::is_ascii_lowercase)) {
                continue;
            }
            let personal = parts.iter().any(|part| {
                // A name with a number (`DESKTOP-MARIA7`, `LAPTOP-JOHN2`).
                let p = &part.trim_end_matches(|c: char| c.is_ascii_digit());
                let base = p.strip_suffix('s').filter(|b| b.len() >= 3).unwrap_or(p);
                let all_alpha = !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic());
                if !all_alpha
                    || HOST_GENERIC.contains(p)
                    || self.device_words.iter().any(|d| d == p)
                {
                    return false;
                }
                let listed = (is_first_name(p) || is_first_name(base)) && !is_ambiguous(p);
                // A listed surname or compact login (`ws-okafor-c`,
                // `SWN-JWEBER-W10`), not an everyday word, in a name
                // without `_` (`jansson_private_config` is code's).
                let family = p.len() >= 4
                    && !text.contains('_')
                    && (is_surname(p.as_bytes()) || is_compact_login(p.as_bytes()))
                    && !is_common_word(p.as_bytes());
                // Any short word beside a phone or a laptop word
                // (`kims-phone`, `pixel_8_ole`), but not an everyday one
                // in a key's name (`phone_number`).
                let key_word = underscore && is_common_word(p.as_bytes());
                let word = p.len() == part.len();
                listed || family || (strong && word && !key_word && p.len() >= 2 && p.len() <= 12)
            });
            if personal {
                out.push(Finding::new(m.start(), end, Kind::Hostname));
            }
        }
    }
}

/// Where a date joined by `-` or `_` starts in `host` (`-2024-05-15`), or
/// its length.
fn date_suffix_start(host: &[u8]) -> usize {
    (1..host.len())
        .find(|&i| matches!(host[i - 1], b'-' | b'_') && checks::starts_with_iso_date(&host[i..]))
        .map_or(host.len(), |i| i - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table points at the bundled lines as they are (no lowercasing),
    /// finds every one of them, and look-ups are lowercase.
    #[test]
    fn bundled_first_names_are_lowercase() {
        for line in include_str!("first_names.txt").lines() {
            assert_eq!(
                line,
                line.trim().to_lowercase(),
                "first_names.txt: {line:?}"
            );
            assert!(listed_exactly(line.as_bytes()), "{line:?}");
            assert!(!listed_exactly(format!("{line}-").as_bytes()));
        }
        assert!(is_first_name("Adrián") && is_first_name("MARIA"));
    }

    /// The surname tables find every bundled line; each look-alike spells
    /// an initial and a listed surname, and so is no compact login.
    #[test]
    fn bundled_surnames_and_lookalikes() {
        for line in include_str!("surnames.txt")
            .lines()
            .chain(include_str!("surnames_us.txt").lines())
        {
            assert!(
                line.len() >= 4 && line.bytes().all(|b| b.is_ascii_lowercase()),
                "a surname list: {line:?}"
            );
            assert!(is_surname(line.as_bytes()), "{line:?}");
        }
        for line in include_str!("surname_lookalikes.txt").lines() {
            assert!(spells_initial_and_surname(line.as_bytes()), "{line:?}");
            assert!(!is_compact_login(line.as_bytes()), "{line:?}");
        }
        assert!(is_compact_login(b"lmartin") && is_compact_login(b"tsuzuki"));
        // Women's forms of listed surnames.
        assert!(is_surname(b"nowicka") && is_surname(b"kowalska") && is_surname(b"novakova"));
        assert!(is_compact_login(b"mnowicka") && !is_surname(b"nowicky"));
        assert!(is_surname(b"zawadzka") && !is_surname(b"zawadzko"));
        assert!(is_surname(b"ivanova") && is_surname(b"sorokina") && !is_surname(b"ivanovo"));
        assert!(!is_compact_login(b"emitter") && !is_compact_login(b"martin"));
    }

    #[test]
    fn next_capital_matches_a_byte_scan() {
        let slow = |line: &[u8], from: usize| {
            (from..line.len())
                .find(|&i| line[i].is_ascii_uppercase() || line[i] >= 0xC0)
                .unwrap_or(line.len())
        };
        let mut lines: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"abc".to_vec(),
            b"all lower case words here, and digits 0123456789".to_vec(),
            b"@[\\]^_`{|}~ZA".to_vec(),
            "caf\u{e9} na\u{ef}ve \u{c9}mile".as_bytes().to_vec(),
        ];
        lines.push((0u8..=255).collect());
        lines.push((0u8..=255).rev().collect());
        for line in &lines {
            for from in 0..=line.len() {
                assert_eq!(
                    next_capital(line, from),
                    slow(line, from),
                    "{line:?} {from}"
                );
            }
        }
    }
}
