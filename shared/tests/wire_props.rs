//! Property tests of the wire decoder: any body is decoded or refused with
//! an error, never a panic, and whatever decodes encodes back to itself.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vigil_shared::wire::{
    Batch, BatchId, HostInfo, MetricsSnapshot, Record, Sample, PROTOCOL_VERSION,
};

/// The JSON of a valid batch: mutations of it reach the decoder's JSON and
/// field checks, which random bytes (refused by zstd first) rarely do.
fn valid_json() -> Vec<u8> {
    let batch = Batch {
        version: PROTOCOL_VERSION,
        id: BatchId { epoch: 7, seq: 42 },
        host: HostInfo {
            hostname: "web01".into(),
            ..HostInfo::default()
        },
        records: vec![Record::Metrics(MetricsSnapshot {
            ts_ms: 1_700_000_000_000,
            samples: vec![Sample {
                name: "cpu_usage_percent".into(),
                labels: BTreeMap::from([("cpu".into(), "total".into())]),
                value: 3.5,
            }],
        })],
        gaps: vec![],
    };
    serde_json::to_vec(&batch).unwrap_or_else(|e| panic!("{e}"))
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn compress(json: &[u8]) -> Result<Vec<u8>, TestCaseError> {
    zstd::bulk::compress(json, 3).map_err(fail)
}

/// A decoded batch must survive its own round trip.
fn round_trips(batch: &Batch) -> Result<(), TestCaseError> {
    let again = Batch::decode(&batch.encode().map_err(fail)?).map_err(fail)?;
    prop_assert_eq!(
        serde_json::to_value(batch).ok(),
        serde_json::to_value(&again).ok()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_are_refused_or_decoded(body in prop::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(batch) = Batch::decode(&body) {
            round_trips(&batch)?;
        }
    }

    #[test]
    fn mutated_batches_are_refused_or_decoded(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut json = valid_json();
        for (at, byte) in edits {
            let i = at.index(json.len());
            json[i] = byte;
        }
        if truncate {
            json.truncate(cut.index(json.len()));
        }
        let body = compress(&json)?;
        if let Ok(batch) = Batch::decode(&body) {
            prop_assert_eq!(batch.version, PROTOCOL_VERSION);
            round_trips(&batch)?;
        }
    }

    #[test]
    fn truncated_bodies_are_refused(cut in any::<prop::sample::Index>()) {
        let body = compress(&valid_json())?;
        let short = &body[..cut.index(body.len())];
        prop_assert!(Batch::decode(short).is_err());
    }
}
