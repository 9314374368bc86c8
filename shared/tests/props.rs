//! Property tests: line count preserved, idempotent, no panic on any bytes.

use proptest::prelude::*;
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey};

fn redactor() -> &'static Redactor {
    use std::sync::OnceLock;
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| {
        Redactor::new(ScopeKey::from_bytes([9; 32]), &RedactConfig::default())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Log-like text: fragments that trigger detectors, glued with noise.
fn loggy() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        Just("alice@example.com".to_owned()),
        Just("10.0.0.1".to_owned()),
        Just("fe80::1".to_owned()),
        Just("00:1a:2b:3c:4d:5e".to_owned()),
        Just("4111 1111 1111 1111".to_owned()),
        Just("DE89 3704 0044 0532 0130 00".to_owned()),
        Just("123-45-6789".to_owned()),
        Just("+1 (555) 123-4567".to_owned()),
        Just("password=hunter2".to_owned()),
        Just("\"token\": \"abc123DEF456\"".to_owned()),
        Just("for bob from".to_owned()),
        Just("invalid user eve".to_owned()),
        Just("/home/carol/".to_owned()),
        Just("Dear Maria Keller,".to_owned()),
        Just("opened by jsmith".to_owned()),
        Just("alice-laptop".to_owned()),
        Just("-----BEGIN PRIVATE KEY-----".to_owned()),
        Just("-----END PRIVATE KEY-----".to_owned()),
        Just("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".to_owned()),
        Just("https://u:p@h.example/".to_owned()),
        Just("AKIAIOSFODNN7EXAMPLE".to_owned()),
        Just("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghij".to_owned()),
        Just("[EMAIL:0123abcd]".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        "[ -~]{0,12}",
        "[0-9.:@=/ -]{0,16}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(frag, 0..14).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, .. ProptestConfig::default() })]

    #[test]
    fn line_count_preserved(text in loggy()) {
        let mut report = Report::default();
        let out = redactor().redact_text(&text, &mut report);
        prop_assert_eq!(out.split('\n').count(), text.split('\n').count());
    }

    #[test]
    fn idempotent(text in loggy()) {
        let mut report = Report::default();
        let once = redactor().redact_text(&text, &mut report);
        let mut again = Report::default();
        let twice = redactor().redact_text(&once, &mut again);
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(again.total(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut report = Report::default();
        let out = redactor().redact_bytes(&bytes, &mut report);
        let newlines = |b: &[u8]| b.iter().filter(|c| **c == b'\n').count();
        prop_assert_eq!(newlines(&out), newlines(&bytes));
    }

    #[test]
    fn arbitrary_text_idempotent(text in "\\PC{0,200}") {
        let mut report = Report::default();
        let once = redactor().redact_text(&text, &mut report);
        let twice = redactor().redact_text(&once, &mut Report::default());
        prop_assert_eq!(once, twice);
    }
}
