//! The audit report's tamper evidence: a keyed hash chain plus a checkpoint
//! of its head kept outside the database.
//!
//! Each record's hash is HMAC-SHA256, under a key derived from the key file,
//! over the previous record's hash and every field of the record. Someone who
//! can write the database but not read the key file cannot recompute hashes,
//! so changing, deleting, reordering or inserting records breaks the chain at
//! the first record touched. Cutting off the tail leaves a valid shorter
//! chain; the checkpoint file (`audit.head`: head sequence, head hash and a
//! MAC over both) catches that. The chain functions are pure; reading
//! records and writing the checkpoint file happen at the edges.

pub mod checkpoint;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

/// The chain key: derived from the key file with label [`CHAIN_KEY_LABEL`].
#[derive(Clone)]
pub struct ChainKey(pub(crate) [u8; 32]);

pub const CHAIN_KEY_LABEL: &str = "audit chain v1";

/// Hash of "no previous record".
pub const GENESIS: [u8; 32] = [0; 32];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }
}

/// What a caller asks to record. No PII: actors are ids (`user:3`,
/// `agent:<id>`, `cli`, `system`), targets are ids, the source address is
/// sealed before it is stored.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub actor: String,
    pub role: &'static str,
    pub source: Option<Source>,
    pub action: &'static str,
    pub target: String,
    pub outcome: Outcome,
    pub request_id: String,
}

/// Where a request came from, as a caller hands it over for its record.
#[derive(Clone, Debug)]
pub enum Source {
    /// The client address in clear: the store seals it as it writes the
    /// record, bound to the record's `seq`.
    Addr(String),
    /// The client address already sealed, once for every record of one
    /// connection (the admin API's keep-alive connections), so a record
    /// costs no sealing of its own. Equal bytes tell that records came
    /// from one connection, nothing more; the chain covers them as any
    /// other field.
    Sealed(std::sync::Arc<[u8]>),
}

/// A record as stored: what the chain covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    pub seq: i64,
    pub time_ms: i64,
    pub actor: String,
    pub role: String,
    /// The sealed source address, as stored.
    pub source: Option<Vec<u8>>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub request_id: String,
    pub hash: Vec<u8>,
}

/// A record's fields borrowed from wherever they are (a database row while
/// verifying, so a million records need no allocation each).
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    pub seq: i64,
    pub time_ms: i64,
    pub actor: &'a [u8],
    pub role: &'a [u8],
    pub source: Option<&'a [u8]>,
    pub action: &'a [u8],
    pub target: &'a [u8],
    pub outcome: &'a [u8],
    pub request_id: &'a [u8],
    pub hash: &'a [u8],
}

impl StoredRecord {
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            seq: self.seq,
            time_ms: self.time_ms,
            actor: self.actor.as_bytes(),
            role: self.role.as_bytes(),
            source: self.source.as_deref(),
            action: self.action.as_bytes(),
            target: self.target.as_bytes(),
            outcome: self.outcome.as_bytes(),
            request_id: self.request_id.as_bytes(),
            hash: &self.hash,
        }
    }
}

fn put(mac: &mut Hmac<Sha256>, field: &[u8]) {
    mac.update(&(field.len() as u64).to_be_bytes());
    mac.update(field);
}

/// The chain MAC with its key already absorbed: cloning it per record
/// saves re-deriving the HMAC key pads (verify walks millions of records).
#[derive(Clone)]
pub struct Linker(Hmac<Sha256>);

impl Linker {
    pub fn new(key: &ChainKey) -> Self {
        Linker(
            <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        )
    }

    /// The hash that links `r` (all fields but its own hash) to `prev`.
    pub fn link(&self, prev: &[u8], r: &StoredRecord) -> [u8; 32] {
        self.link_ref(prev, &r.as_ref())
    }

    pub fn link_ref(&self, prev: &[u8], r: &RecordRef<'_>) -> [u8; 32] {
        let mut mac = self.0.clone();
        put(&mut mac, prev);
        mac.update(&r.seq.to_be_bytes());
        mac.update(&r.time_ms.to_be_bytes());
        put(&mut mac, r.actor);
        put(&mut mac, r.role);
        match r.source {
            Some(s) => {
                mac.update(&[1]);
                put(&mut mac, s);
            }
            None => mac.update(&[0]),
        }
        put(&mut mac, r.action);
        put(&mut mac, r.target);
        put(&mut mac, r.outcome);
        put(&mut mac, r.request_id);
        mac.finalize().into_bytes().into()
    }
}

/// The hash that links `record` (all fields but its own hash) to `prev`.
pub fn link(key: &ChainKey, prev: &[u8], r: &StoredRecord) -> [u8; 32] {
    Linker::new(key).link(prev, r)
}

/// The result of checking a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    Intact {
        records: u64,
        head_seq: i64,
    },
    Broken {
        /// The first sequence number that does not check.
        first_broken_seq: i64,
        reason: String,
    },
}

/// Checks records fed in ascending `seq` order. Pure and incremental, so a
/// million records stream through without being held in memory.
pub struct Verifier {
    linker: Linker,
    prev: [u8; 32],
    next_seq: i64,
    records: u64,
    checkpoint: Option<checkpoint::Head>,
    broken: Option<(i64, String)>,
}

impl Verifier {
    /// Starts at the genesis, or at an anchor (the last hash and sequence
    /// that retention removed).
    /// `checkpoint` is the head recorded outside the database, if any.
    pub fn new(
        key: &ChainKey,
        anchor: Option<(i64, [u8; 32])>,
        checkpoint: Option<checkpoint::Head>,
    ) -> Self {
        let (seq, prev) = anchor.unwrap_or((0, GENESIS));
        Verifier {
            linker: Linker::new(key),
            prev,
            next_seq: seq + 1,
            records: 0,
            checkpoint,
            broken: None,
        }
    }

    /// Feeds the next record; returns false once the chain is broken.
    pub fn feed(&mut self, r: &StoredRecord) -> bool {
        self.feed_ref(&r.as_ref())
    }

    /// [`Verifier::feed`] over borrowed fields.
    pub fn feed_ref(&mut self, r: &RecordRef<'_>) -> bool {
        if self.broken.is_some() {
            return false;
        }
        if r.seq != self.next_seq {
            self.broken = Some((
                self.next_seq.min(r.seq),
                format!("expected sequence {}, found {}", self.next_seq, r.seq),
            ));
            return false;
        }
        let expected = self.linker.link_ref(&self.prev, r);
        if r.hash != expected.as_slice() {
            self.broken = Some((r.seq, "record does not match its hash".into()));
            return false;
        }
        if let Some(cp) = &self.checkpoint {
            if cp.seq == r.seq && cp.hash != expected {
                self.broken = Some((r.seq, "record differs from the checkpoint".into()));
                return false;
            }
        }
        self.prev = expected;
        self.next_seq += 1;
        self.records += 1;
        true
    }

    /// Records that the record with sequence `seq` cannot be read as one.
    pub fn mark_broken(&mut self, seq: i64, reason: &str) {
        if self.broken.is_none() {
            self.broken = Some((self.next_seq.min(seq), reason.to_owned()));
        }
    }

    /// Ends the walk, checking the head against the checkpoint, if any.
    pub fn finish(self) -> Verdict {
        if let Some((seq, reason)) = self.broken {
            return Verdict::Broken {
                first_broken_seq: seq,
                reason,
            };
        }
        let head_seq = self.next_seq - 1;
        if let Some(cp) = &self.checkpoint {
            if cp.seq > head_seq {
                return Verdict::Broken {
                    first_broken_seq: head_seq + 1,
                    reason: format!(
                        "records {}..={} are missing (the checkpoint names sequence {})",
                        head_seq + 1,
                        cp.seq,
                        cp.seq
                    ),
                };
            }
        }
        Verdict::Intact {
            records: self.records,
            head_seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(key: &ChainKey, n: i64) -> Vec<StoredRecord> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let mut r = StoredRecord {
                    seq,
                    time_ms: 1000 + seq,
                    actor: format!("user:{seq}"),
                    role: "admin".into(),
                    source: (seq % 2 == 0).then(|| vec![seq as u8; 3]),
                    action: "hosts.list".into(),
                    target: String::new(),
                    outcome: "ok".into(),
                    request_id: format!("r{seq}"),
                    hash: vec![],
                };
                r.hash = link(key, &prev, &r).to_vec();
                prev = r.hash.clone().try_into().unwrap();
                r
            })
            .collect()
    }

    fn verify(key: &ChainKey, rs: &[StoredRecord], cp: Option<&checkpoint::Head>) -> Verdict {
        let mut v = Verifier::new(key, None, cp.cloned());
        for r in rs {
            v.feed(r);
        }
        v.finish()
    }

    fn broken_at(v: Verdict) -> i64 {
        match v {
            Verdict::Broken {
                first_broken_seq, ..
            } => first_broken_seq,
            Verdict::Intact { .. } => panic!("chain should be broken"),
        }
    }

    #[test]
    fn intact_chain_verifies() {
        let key = ChainKey([3; 32]);
        let rs = chain(&key, 10);
        assert_eq!(
            verify(&key, &rs, None),
            Verdict::Intact {
                records: 10,
                head_seq: 10
            }
        );
    }

    #[test]
    fn every_field_is_covered() {
        let key = ChainKey([3; 32]);
        let rs = chain(&key, 6);
        type Edit = Box<dyn Fn(&mut StoredRecord)>;
        let edits: Vec<Edit> = vec![
            Box::new(|r| r.time_ms += 1),
            Box::new(|r| r.actor.push('x')),
            Box::new(|r| r.role.push('x')),
            Box::new(|r| r.source = Some(vec![9])),
            Box::new(|r| r.action.push('x')),
            Box::new(|r| r.target.push('x')),
            Box::new(|r| r.outcome = "denied".into()),
            Box::new(|r| r.request_id.push('x')),
            Box::new(|r| r.hash[0] ^= 1),
        ];
        for edit in edits {
            let mut t = rs.clone();
            edit(&mut t[3]);
            assert_eq!(broken_at(verify(&key, &t, None)), 4);
        }
    }

    #[test]
    fn deletion_reorder_and_wrong_key_are_caught() {
        let key = ChainKey([3; 32]);
        let rs = chain(&key, 6);
        let mut deleted = rs.clone();
        deleted.remove(2);
        assert_eq!(broken_at(verify(&key, &deleted, None)), 3);
        let mut swapped = rs.clone();
        swapped.swap(1, 2);
        assert_eq!(broken_at(verify(&key, &swapped, None)), 2);
        // Renumbering after a swap still fails: the hashes cover seq.
        swapped[1].seq = 2;
        swapped[2].seq = 3;
        assert_eq!(broken_at(verify(&key, &swapped, None)), 2);
        assert_eq!(broken_at(verify(&ChainKey([4; 32]), &rs, None)), 1);
    }

    #[test]
    fn tail_cut_is_caught_by_the_checkpoint() {
        let key = ChainKey([3; 32]);
        let rs = chain(&key, 6);
        let head = checkpoint::Head {
            seq: 6,
            hash: rs[5].hash.clone().try_into().unwrap(),
        };
        assert!(matches!(
            verify(&key, &rs, Some(&head)),
            Verdict::Intact { .. }
        ));
        assert_eq!(broken_at(verify(&key, &rs[..4], Some(&head))), 5);
        // A checkpoint behind the head (another writer raced) still checks
        // the chain, which alone covers every record.
        let old = checkpoint::Head {
            seq: 3,
            hash: rs[2].hash.clone().try_into().unwrap(),
        };
        assert!(matches!(
            verify(&key, &rs, Some(&old)),
            Verdict::Intact { .. }
        ));
        let forged = checkpoint::Head {
            seq: 3,
            hash: [0; 32],
        };
        assert_eq!(broken_at(verify(&key, &rs, Some(&forged))), 3);
    }
}
