//! Family names in home Wi-Fi network names.
//!
//! A home network is often named after the family: `Familie-Schäfer`,
//! `Familia-Ortega`, `Elsayed-Home-5G`, `Mrazovi-Doma`.
//! Wi-Fi logs carry those names (`SSID="…"`, `ssid '…'`, `with SSID
//! "…"`, `Joined network "…"`). In such a value, a capitalised word beside
//! a word that marks a family's home is the family's name. A network name
//! without such a word (`Kaminscy`, `eduroam`, `Acme-Guest`, `Brenner
//! WLAN`) says nothing about whose it is, and stays.

use memchr::memmem::Finder;

use super::finding::Finding;
use super::names;
use super::prefilter::{self, Hints};
use super::token::Kind;

/// What the cue scan looks for ([`prefilter`]): a line without one of
/// these holds no network name.
pub(crate) const CUES: &[&str] = &["ssid", "network \"", "network '"];

/// The searchers for the cues of a network name.
#[derive(Clone)]
pub(crate) struct Ssids {
    cues: [Finder<'static>; 3],
}

/// Words that mark a family's home (lowercase): `Familie-X`, `X-Home-5G`,
/// `X-Doma`. Network and guest words do not: `Acme-Guest`, `Acme WLAN`
/// are a firm's as often.
const MARKERS: &[&str] = &[
    "familie", "familia", "family", "famille", "famiglia", "familj", "rodzina", "rodina", "home",
    "haus", "heim", "casa", "maison", "doma", "dom", "thuis", "hjem", "hemma", "koti",
];

/// Capitalised words in network names that are a provider's or a maker's,
/// not a family's (everyday words are left out by the common-word list).
const BRANDS: &[&str] = &[
    "fritz",
    "vodafone",
    "telekom",
    "magenta",
    "livebox",
    "freebox",
    "speedport",
    "easybox",
    "movistar",
    "fastweb",
    "tenda",
    "huawei",
    "xfinity",
    "ziggo",
    "proximus",
    "telia",
    "telenor",
    "swisscom",
    "starlink",
    "eero",
    "google",
    "android",
    "iphone",
    "pixel",
    "samsung",
    "xiaomi",
    "netgear",
    "linksys",
    "asus",
    "tplink",
    "mifibra",
    "vivo",
    "claro",
    "airport",
    "unifi",
    "ubiquiti",
    "mikrotik",
    "zyxel",
    "sagemcom",
    "technicolor",
    "arris",
];

impl Ssids {
    pub(crate) fn new() -> Self {
        Ssids {
            cues: [
                Finder::new(b"sid").into_owned(),
                Finder::new(b"SID").into_owned(),
                Finder::new(b"network ").into_owned(),
            ],
        }
    }

    /// Appends the family names in the network names of `line`.
    pub(crate) fn find(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        if !hints.has(prefilter::SSIDS) {
            return;
        }
        for (i, cue) in self.cues.iter().enumerate() {
            for at in cue.find_iter(line) {
                // `ssid`, `SSID`, `Ssid`: not `inside` or `consider`.
                if i < 2 && !(at > 0 && matches!(line[at - 1], b's' | b'S')) {
                    continue;
                }
                let after = at + cue.needle().len();
                // `network ` only before a quote: `Joined network "…"`.
                if i == 2 && !matches!(line.get(after), Some(b'"' | b'\'')) {
                    continue;
                }
                if let Some((s, e)) = value(line, after) {
                    family_names(line, s, e, out);
                }
            }
        }
    }
}

/// The network name after a cue: quoted (`="…"`, `: '…'`, ` "…"`) or a
/// bare word (`ssid=Foo-Home`), as a byte span.
fn value(line: &[u8], mut at: usize) -> Option<(usize, usize)> {
    // The rest of a longer key (`SSID_name`, `ssid2`) means another key.
    if line.get(at).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    while line
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b':' | b'='))
    {
        at += 1;
    }
    let quote = *line.get(at)?;
    if matches!(quote, b'"' | b'\'') {
        let s = at + 1;
        let e = s + memchr::memchr(quote, &line[s..])?;
        return Some((s, e));
    }
    let e = line[at..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b',' | b';' | b')'))
        .map_or(line.len(), |p| at + p);
    (e > at).then_some((at, e))
}

/// The capitalised words of `line[s..e]` that name a family, if a marker
/// word is among its words.
fn family_names(line: &[u8], s: usize, e: usize, out: &mut Vec<Finding>) {
    let Ok(text) = std::str::from_utf8(&line[s..e]) else {
        return;
    };
    // Each word with where it starts and its lowercase.
    let words: Vec<(usize, &str, String)> = text
        .split(['-', '_', ' ', '.'])
        .scan(0, |at, w| {
            let start = *at;
            *at += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
        .map(|(at, w)| (at, w, w.to_lowercase()))
        .collect();
    if !words
        .iter()
        .any(|(_, _, lower)| MARKERS.contains(&lower.as_str()))
    {
        return;
    }
    for (at, w, lower) in words {
        let mut chars = w.chars();
        let titled = chars.next().is_some_and(char::is_uppercase)
            && w.chars().count() >= 3
            && chars.all(char::is_lowercase);
        if titled
            && !MARKERS.contains(&lower.as_str())
            && !BRANDS.contains(&lower.as_str())
            && !names::is_common_word(lower.as_bytes())
        {
            out.push(Finding::new(s + at, s + at + w.len(), Kind::Name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let cues = prefilter::Prefilter::new(
            &[(
                prefilter::SSIDS,
                CUES.iter().map(|c| (*c).to_owned()).collect(),
            )],
            super::super::Tables::Compact,
        );
        let mut hints = Hints::default();
        cues.scan(line.as_bytes(), &mut hints);
        Ssids::new().find(line.as_bytes(), &hints, &mut out);
        out.iter().map(|f| &line[f.start..f.end]).collect()
    }

    #[test]
    fn family_names_in_home_networks() {
        assert_eq!(
            names(r#"with SSID "Familie-Schäfer" on "channel 36(na)""#),
            ["Schäfer"]
        );
        assert_eq!(
            names(r#"Joined network "Elsayed-Home-5G" bssid=48:03:b9:e3:34:22"#),
            ["Elsayed"]
        );
        assert_eq!(
            names(r#"WifiConfiguration SSID="Mrazovi-Doma" preSharedKey="x""#),
            ["Mrazovi"]
        );
        assert_eq!(names("    ssid=\"Casa Brenner 2.4\""), ["Brenner"]);
        assert_eq!(names("ssid=Familia_Ortega psk=x"), ["Ortega"]);
    }

    #[test]
    fn other_networks_stay() {
        // No marker word: nothing says it is a family's.
        assert!(names("\toption ssid 'Kaminscy'").is_empty());
        assert!(names("    ssid=\"Acme-Guest\"").is_empty());
        assert!(names("    ssid=\"Brenner WLAN\"").is_empty());
        assert!(names(r#"SSID: "eduroam", BSSID: b2:6b:e2:be:ac:65"#).is_empty());
        // Providers, makers, everyday words, all capitals.
        assert!(names(r#"SSID="FRITZ!Box 7590 Home""#).is_empty());
        assert!(names(r#"ssid "Vodafone-Home-5G""#).is_empty());
        assert!(names(r#"ssid "Office Guest WiFi""#).is_empty());
        assert!(names(r#"ssid "ACME-Guest""#).is_empty());
        // Other keys and words.
        assert!(names("SSID_name=Smith-Home").is_empty());
        assert!(names("the home network is down").is_empty());
        assert!(names("consider Familie-Schmidt").is_empty());
    }
}
