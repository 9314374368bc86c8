//! Spool tests on real SQLite files in temp dirs.

use std::collections::BTreeMap;

use vigil_shared::wire::{MetricsSnapshot, Sample};

use super::*;

fn limits(max_spool_bytes: u64) -> SpoolLimits {
    SpoolLimits {
        max_spool_bytes,
        batch_max_records: 3,
        batch_max_bytes: 64 * 1024,
    }
}

fn rec(ts: i64) -> Record {
    Record::Metrics(MetricsSnapshot {
        ts_ms: ts,
        samples: vec![Sample {
            name: "cpu_usage_percent".into(),
            labels: BTreeMap::from([("cpu".into(), "total".into())]),
            value: ts as f64,
        }],
    })
}

fn host() -> HostInfo {
    HostInfo {
        hostname: "h1".into(),
        ..HostInfo::default()
    }
}

fn ts_of(batch: &PendingBatch) -> Vec<i64> {
    Batch::decode(&batch.body)
        .unwrap()
        .records
        .iter()
        .map(record_ts)
        .collect()
}

fn body_len(ts: i64) -> u64 {
    serde_json::to_vec(&rec(ts)).unwrap().len() as u64
}

#[test]
fn batches_are_built_in_order_and_deleted_only_on_ack() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(&dir.path().join("spool.db"), limits(1 << 20)).unwrap();
    for ts in 1..=5 {
        s.push(&rec(ts)).unwrap();
    }
    let b1 = s.next_batch(&host()).unwrap().unwrap();
    assert_eq!(b1.id.seq, 1);
    assert_eq!(b1.id.epoch, s.epoch());
    assert_eq!(ts_of(&b1), vec![1, 2, 3]);
    // Not acked: the same batch again.
    assert_eq!(s.next_batch(&host()).unwrap().unwrap(), b1);
    assert!(s.ack(b1.id).unwrap());
    assert!(!s.ack(b1.id).unwrap(), "a second ack is a no-op");
    let b2 = s.next_batch(&host()).unwrap().unwrap();
    assert_eq!(b2.id.seq, 2);
    assert_eq!(ts_of(&b2), vec![4, 5]);
    s.ack(b2.id).unwrap();
    assert_eq!(s.next_batch(&host()).unwrap(), None);
    let st = s.stats().unwrap();
    assert_eq!((st.records, st.batches, st.bytes), (0, 0, 0));
}

#[test]
fn unacked_batch_survives_reopen_with_same_id_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spool.db");
    let (b1, epoch) = {
        let mut s = Spool::open(&path, limits(1 << 20)).unwrap();
        s.push(&rec(1)).unwrap();
        s.push(&rec(2)).unwrap();
        let b = s.next_batch(&host()).unwrap().unwrap();
        // Records arriving after the batch was built do not join it.
        s.push(&rec(3)).unwrap();
        (b, s.epoch())
    }; // dropped without close(), as after a crash
    let mut s = Spool::open(&path, limits(1 << 20)).unwrap();
    assert_eq!(s.epoch(), epoch);
    // A different host name must not change a batch already built.
    let other = HostInfo {
        hostname: "renamed".into(),
        ..HostInfo::default()
    };
    let again = s.next_batch(&other).unwrap().unwrap();
    assert_eq!(again, b1, "same id and same bytes");
    s.ack(again.id).unwrap();
    let b2 = s.next_batch(&other).unwrap().unwrap();
    assert_eq!(b2.id.seq, 2);
    assert_eq!(ts_of(&b2), vec![3]);
}

#[test]
fn wiped_spool_starts_a_new_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spool.db");
    let e1 = Spool::open(&path, limits(1 << 20)).unwrap().epoch();
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(dir.path().join("spool.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("spool.db-shm"));
    let e2 = Spool::open(&path, limits(1 << 20)).unwrap().epoch();
    assert_ne!(e1, e2);
    assert!(e1 < (1 << 63) && e2 < (1 << 63));
}

#[test]
fn full_spool_drops_oldest_and_reports_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    // Room for exactly four records.
    let max = body_len(10) * 4;
    let mut s = Spool::open(&dir.path().join("spool.db"), limits(max)).unwrap();
    for ts in 10..=15 {
        s.push(&rec(ts)).unwrap();
    }
    let st = s.stats().unwrap();
    assert_eq!(st.records, 4);
    assert_eq!(st.pending_gap, 2);
    assert_eq!(st.dropped_total, 2);
    assert!(st.bytes <= max);
    let b = s.next_batch(&host()).unwrap().unwrap();
    let decoded = Batch::decode(&b.body).unwrap();
    assert_eq!(
        decoded.gaps,
        vec![Gap {
            records_dropped: 2,
            first_ts_ms: 10,
            last_ts_ms: 11
        }]
    );
    assert_eq!(ts_of(&b), vec![12, 13, 14]);
    s.ack(b.id).unwrap();
    // The gap is reported once.
    let b = s.next_batch(&host()).unwrap().unwrap();
    assert!(Batch::decode(&b.body).unwrap().gaps.is_empty());
    assert_eq!(ts_of(&b), vec![15]);
    assert_eq!(s.stats().unwrap().pending_gap, 0);
}

#[test]
fn full_spool_drops_unacked_batches_when_no_records_are_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(&dir.path().join("spool.db"), limits(1 << 20)).unwrap();
    for ts in 1..=3 {
        s.push(&rec(ts)).unwrap();
    }
    let b1 = s.next_batch(&host()).unwrap().unwrap();
    // Shrink the bound below one batch: the next push evicts the batch.
    s.limits.max_spool_bytes = body_len(4) + 1;
    s.push(&rec(4)).unwrap();
    let st = s.stats().unwrap();
    assert_eq!((st.records, st.batches), (1, 0));
    assert_eq!(st.pending_gap, 3);
    assert_eq!(st.dropped_total, 3);
    let b2 = s.next_batch(&host()).unwrap().unwrap();
    assert_eq!(
        b2.id.seq,
        b1.id.seq + 1,
        "a dropped batch's seq is never reused"
    );
    let decoded = Batch::decode(&b2.body).unwrap();
    assert_eq!(decoded.gaps[0].records_dropped, 3);
    assert_eq!(
        (decoded.gaps[0].first_ts_ms, decoded.gaps[0].last_ts_ms),
        (1, 3)
    );
    // A late ack for the dropped batch changes nothing.
    assert!(!s.ack(b1.id).unwrap());
}

#[test]
fn rejected_batch_becomes_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(&dir.path().join("spool.db"), limits(1 << 20)).unwrap();
    s.push(&rec(1)).unwrap();
    let b = s.next_batch(&host()).unwrap().unwrap();
    s.reject(b.id).unwrap();
    let next = s.next_batch(&host()).unwrap().unwrap();
    let d = Batch::decode(&next.body).unwrap();
    assert!(d.records.is_empty());
    assert_eq!(d.gaps[0].records_dropped, 1);
    assert_eq!(s.stats().unwrap().dropped_total, 1);
}

#[test]
fn batch_bytes_limit_is_respected() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = limits(1 << 20);
    l.batch_max_records = 100;
    l.batch_max_bytes = (body_len(1) * 2) as usize;
    let mut s = Spool::open(&dir.path().join("spool.db"), l).unwrap();
    for ts in 1..=5 {
        s.push(&rec(ts)).unwrap();
    }
    let b = s.next_batch(&host()).unwrap().unwrap();
    assert_eq!(ts_of(&b), vec![1, 2]);
}

#[test]
fn spool_file_is_private() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spool.db");
    Spool::open(&path, limits(1 << 20)).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn handle_works_from_async_and_plain_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spool.db");
    let thread = SpoolThread::start(&path, limits(1 << 20)).unwrap();
    let h = thread.handle();
    h.push(rec(1)).await.unwrap();
    let h2 = thread.handle();
    tokio::task::spawn_blocking(move || h2.push_blocking(rec(2)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.stats().await.unwrap().records, 2);
    let b = h.next_batch(host()).await.unwrap().unwrap();
    assert_eq!(b.records, 2);
    thread.close().await.unwrap();
    assert!(matches!(h.push(rec(3)).await, Err(SpoolError::Closed)));
    // Closed cleanly: the unacked batch is still there.
    let mut s = Spool::open(&path, limits(1 << 20)).unwrap();
    assert_eq!(s.next_batch(&host()).unwrap().unwrap(), b);
}
