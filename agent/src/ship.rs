//! The shipper: spool → collector, one batch at a time, deleted only after
//! the collector's acknowledgement.
//!
//! A batch taken from the spool is the oldest unacknowledged one, so after
//! a failure (network, 5xx, 429/503, 401/403, agent restart) the very same
//! id and bytes go out again. Failures back off exponentially with jitter;
//! 429/503 `Retry-After` is honoured (capped at the maximum backoff).

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::RETRY_AFTER;
use hyper::StatusCode;
use rand::Rng;
use tokio::sync::watch;
use vigil_shared::wire::{
    AckStatus, BatchId, HostInfo, IngestAck, BATCH_CONTENT_TYPE, PATH_INGEST,
};

use crate::config::ShipConfig;
use crate::enroll::error_body;
use crate::http::HttpsClient;
use crate::spool::{PendingBatch, SpoolHandle};

/// What became of one send.
#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// The collector stored it (now or before): delete it.
    Acked(AckStatus),
    /// Try again later; `after` is the collector's Retry-After, if any.
    Retry { after: Option<Duration> },
    /// The collector will never take this batch (malformed, too large):
    /// drop it and report it as a gap.
    Rejected,
}

/// Sends one batch and classifies the answer. Never panics on the
/// collector's input.
pub async fn send_batch(client: &HttpsClient, server: &str, batch: &PendingBatch) -> SendOutcome {
    let url = format!("{server}{PATH_INGEST}");
    let body = Bytes::from(batch.body.clone());
    let response = match client.post(&url, BATCH_CONTENT_TYPE, body).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %error_chain(&e), seq = batch.id.seq, "sending batch failed");
            return SendOutcome::Retry { after: None };
        }
    };
    let retry_after = response
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    classify(response.status, retry_after, &response.body, batch.id)
}

fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    id: BatchId,
) -> SendOutcome {
    if status == StatusCode::OK {
        return match serde_json::from_slice::<IngestAck>(body) {
            Ok(ack) if ack.id == id => SendOutcome::Acked(ack.status),
            Ok(ack) => {
                tracing::warn!(
                    sent_seq = id.seq,
                    acked_seq = ack.id.seq,
                    "collector acknowledged a different batch; will resend"
                );
                SendOutcome::Retry { after: None }
            }
            Err(e) => {
                tracing::warn!(error = %e, "collector's acknowledgement is not valid; will resend");
                SendOutcome::Retry { after: None }
            }
        };
    }
    let (code, message) = error_body(body);
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            tracing::info!(status = status.as_u16(), %code, ?retry_after, "collector is busy; will retry");
            SendOutcome::Retry { after: retry_after }
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            tracing::error!(
                status = status.as_u16(),
                %code,
                %message,
                "collector refused this agent (revoked or certificate not accepted); data stays spooled, retrying"
            );
            SendOutcome::Retry { after: None }
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            tracing::error!(seq = id.seq, %code, "collector says the batch is too large; dropping it and reporting a gap");
            SendOutcome::Rejected
        }
        StatusCode::BAD_REQUEST if code != "unsupported_version" => {
            tracing::error!(seq = id.seq, %code, %message, "collector rejected the batch; dropping it and reporting a gap");
            SendOutcome::Rejected
        }
        _ => {
            tracing::warn!(status = status.as_u16(), %code, %message, "ingest failed; will retry");
            SendOutcome::Retry { after: retry_after }
        }
    }
}

/// Exponential backoff with jitter.
#[derive(Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            current: initial,
        }
    }

    pub fn reset(&mut self) {
        self.current = self.initial;
    }

    /// The next delay: half to all of the current step (or the collector's
    /// Retry-After, if longer), the step doubling up to the maximum.
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        let jittered = step.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
        match retry_after {
            Some(ra) => ra.min(self.max).max(jittered),
            None => jittered,
        }
    }
}

/// How long the shipper waits after a new record before sending, so that a
/// burst travels as one batch.
const COALESCE: Duration = Duration::from_millis(200);

/// Runs the shipper until `shutdown` fires. An in-flight request may finish
/// within the grace period; otherwise it is dropped and its batch, still in
/// the spool, goes out again with the same id next time.
pub async fn ship_loop(
    spool: SpoolHandle,
    server: String,
    host: HostInfo,
    mut clients: watch::Receiver<HttpsClient>,
    cfg: ShipConfig,
    mut shutdown: impl Future<Output = ()> + Unpin,
) {
    let mut backoff = Backoff::new(
        Duration::from_secs(cfg.backoff_initial_seconds),
        Duration::from_secs(cfg.backoff_max_seconds),
    );
    let flush = Duration::from_secs(cfg.flush_interval_seconds);
    let grace = Duration::from_secs(cfg.shutdown_grace_seconds);
    loop {
        let batch = tokio::select! {
            () = &mut shutdown => return,
            b = spool.next_batch(host.clone()) => b,
        };
        let batch = match batch {
            Ok(Some(b)) => b,
            Ok(None) => {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(flush) => continue,
                    () = spool.pushed() => {
                        // New records: ship soon, after a short pause that
                        // lets a burst (a package upgrade's file changes)
                        // travel as one batch.
                        tokio::select! {
                            () = &mut shutdown => return,
                            () = tokio::time::sleep(COALESCE) => continue,
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the spool");
                let wait = backoff.next(None);
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let client = clients.borrow_and_update().clone();
        let send = send_batch(&client, &server, &batch);
        tokio::pin!(send);
        let (outcome, stopping) = tokio::select! {
            o = &mut send => (o, false),
            () = &mut shutdown => {
                match tokio::time::timeout(grace, &mut send).await {
                    Ok(o) => (o, true),
                    Err(_) => {
                        tracing::info!(seq = batch.id.seq, "shutdown: abandoned an in-flight batch; it stays spooled");
                        return;
                    }
                }
            }
        };
        let wait = match outcome {
            SendOutcome::Acked(status) => {
                if let Err(e) = spool.ack(batch.id).await {
                    tracing::error!(error = %e, seq = batch.id.seq, "cannot delete an acknowledged batch; it will be resent and deduplicated");
                }
                tracing::debug!(
                    seq = batch.id.seq,
                    records = batch.records,
                    ?status,
                    "batch acknowledged"
                );
                backoff.reset();
                None
            }
            SendOutcome::Rejected => {
                if let Err(e) = spool.reject(batch.id).await {
                    tracing::error!(error = %e, "cannot drop a rejected batch");
                }
                None
            }
            SendOutcome::Retry { after } => Some(backoff.next(after)),
        };
        if stopping {
            return;
        }
        if let Some(wait) = wait {
            tracing::debug!(?wait, seq = batch.id.seq, "retrying later");
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// An error and its causes on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: BatchId = BatchId { epoch: 1, seq: 2 };

    fn ack(id: BatchId, status: &str) -> Vec<u8> {
        format!(
            r#"{{"id":{{"epoch":{},"seq":{}}},"status":"{status}"}}"#,
            id.epoch, id.seq
        )
        .into_bytes()
    }

    #[test]
    fn acks_are_matched_by_id() {
        assert_eq!(
            classify(StatusCode::OK, None, &ack(ID, "committed"), ID),
            SendOutcome::Acked(AckStatus::Committed)
        );
        assert_eq!(
            classify(StatusCode::OK, None, &ack(ID, "duplicate"), ID),
            SendOutcome::Acked(AckStatus::Duplicate)
        );
        let other = BatchId { epoch: 1, seq: 3 };
        assert_eq!(
            classify(StatusCode::OK, None, &ack(other, "committed"), ID),
            SendOutcome::Retry { after: None }
        );
        assert_eq!(
            classify(StatusCode::OK, None, b"garbage", ID),
            SendOutcome::Retry { after: None }
        );
    }

    #[test]
    fn errors_are_classified() {
        let err = |code: &str| format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        let ra = Some(Duration::from_secs(7));
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, ra, b"", ID),
            SendOutcome::Retry { after: ra }
        );
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, ra, b"", ID),
            SendOutcome::Retry { after: ra }
        );
        assert_eq!(
            classify(StatusCode::FORBIDDEN, None, err("revoked").as_bytes(), ID),
            SendOutcome::Retry { after: None }
        );
        assert_eq!(
            classify(
                StatusCode::BAD_REQUEST,
                None,
                err("malformed").as_bytes(),
                ID
            ),
            SendOutcome::Rejected
        );
        assert_eq!(
            classify(
                StatusCode::BAD_REQUEST,
                None,
                err("unsupported_version").as_bytes(),
                ID
            ),
            SendOutcome::Retry { after: None }
        );
        assert_eq!(
            classify(StatusCode::PAYLOAD_TOO_LARGE, None, b"", ID),
            SendOutcome::Rejected
        );
        assert_eq!(
            classify(StatusCode::BAD_GATEWAY, None, b"", ID),
            SendOutcome::Retry { after: None }
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_retry_after() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        let delays: Vec<_> = (0..6).map(|_| b.next(None)).collect();
        for (i, d) in delays.iter().enumerate() {
            let step = Duration::from_secs((1u64 << i).min(8));
            assert!(*d >= step / 2 && *d <= step, "{i}: {d:?}");
        }
        assert!(b.next(Some(Duration::from_secs(30))) == Duration::from_secs(8));
        b.reset();
        assert!(b.next(Some(Duration::from_secs(5))) == Duration::from_secs(5));
    }
}
