//! Runs blocking collection work off the runtime, under a timeout, at most
//! one call per source at a time, and one collection call of the whole
//! agent at a time: the metrics and inventory passes then share a single
//! blocking thread (each extra thread costs a stack and a malloc arena).
//! A call that times out gives its turn back, so a hung source holds only
//! its own thread.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

/// One blocking collection call at a time, agent-wide.
static TURN: Semaphore = Semaphore::const_new(1);

/// Runs `f` on the blocking pool when no other collection call is running,
/// and waits at most `timeout` for it (after a time-out the thread finishes
/// on its own).
pub async fn blocking<R, F>(timeout: Duration, f: F) -> Result<R, GuardError>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    // Never closed, so acquiring only waits.
    let _turn = TURN.acquire().await.ok();
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(_)) => Err(GuardError::Panicked),
        Err(_) => Err(GuardError::TimedOut(timeout)),
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GuardError {
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    #[error("still stuck in an earlier call; skipped")]
    Busy,
    #[error("panicked")]
    Panicked,
}

/// A source's state behind a lock that a hung call keeps holding: the
/// next call then returns [`GuardError::Busy`] at once instead of piling up
/// another blocked thread.
pub struct Guarded<S> {
    inner: Arc<Mutex<S>>,
    timeout: Duration,
}

impl<S: Send + 'static> Guarded<S> {
    pub fn new(state: S, timeout: Duration) -> Self {
        Guarded {
            inner: Arc::new(Mutex::new(state)),
            timeout,
        }
    }

    /// Runs `f` on the blocking pool with the source's state.
    pub async fn run<R, F>(&self, f: F) -> Result<R, GuardError>
    where
        R: Send + 'static,
        F: FnOnce(&mut S) -> R + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(self.timeout, move || {
            // A poisoned lock only means an earlier call panicked; the
            // state is plain data, keep using it.
            let mut guard = match inner.try_lock() {
                Ok(g) => g,
                Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => return Err(GuardError::Busy),
            };
            Ok(f(&mut guard))
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test]
    async fn a_hung_source_times_out_and_is_then_skipped() {
        let g = Guarded::new(0u32, Duration::from_millis(50));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let r = g
            .run(move |_| {
                let _ = release_rx.recv();
            })
            .await;
        assert_eq!(r, Err(GuardError::TimedOut(Duration::from_millis(50))));
        // Still hung: skipped immediately.
        assert_eq!(g.run(|n| *n).await, Err(GuardError::Busy));
        release_tx.send(()).unwrap();
        // Once it returns, the source works again.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match g
                .run(|n| {
                    *n += 1;
                    *n
                })
                .await
            {
                Ok(v) => {
                    assert_eq!(v, 1);
                    break;
                }
                Err(GuardError::Busy) if std::time::Instant::now() < deadline => {
                    tokio::task::yield_now().await;
                }
                Err(e) => panic!("source did not recover: {e}"),
            }
        }
    }
}
