//! Serving a router over TLS: accept, handshake (with a deadline), attach
//! the peer's address and verified certificate identity to every request,
//! and drain connections on shutdown. There is no plaintext listener.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use vigil_shared::wire::AgentId;

use crate::audit::Source;
use crate::pki::agent_id_of;
use crate::seal::Sealer;
use crate::store::{self, StoreError};

/// Facts about the connection a request arrived on.
#[derive(Clone, Debug)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The agent named by a client certificate our CA issued, if one was
    /// presented (rustls has verified it by now).
    pub agent: Option<AgentId>,
    /// The address sealed for the audit report by the connection's first
    /// audited request and reused by the rest ([`Source::Sealed`]).
    audit_source: Arc<OnceLock<Source>>,
}

impl Peer {
    pub fn new(addr: SocketAddr, agent: Option<AgentId>) -> Peer {
        Peer {
            addr,
            agent,
            audit_source: Arc::default(),
        }
    }

    /// The connection's address as audit records store it: sealed once.
    pub fn audit_source(&self, sealer: &Sealer) -> Result<Source, StoreError> {
        if let Some(s) = self.audit_source.get() {
            return Ok(s.clone());
        }
        let sealed = store::audit::seal_connection_source(sealer, &self.addr.ip().to_string())?;
        // Two requests racing on one connection each sealed; one value wins.
        Ok(self.audit_source.get_or_init(|| sealed).clone())
    }
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then drains.
pub async fn serve_tls(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(error) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(error)) => {
                    tracing::debug!(%error, %addr, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%addr, "TLS handshake timed out");
                    return;
                }
            };
            let agent = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(agent_id_of);
            let peer = Peer::new(addr, agent);
            let svc = app.map_request(move |mut req: axum::extract::Request<_>| {
                req.extensions_mut().insert(peer.clone());
                req
            });
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(tls), TowerToHyperService::new(svc));
            if let Err(error) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(%error, %addr, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain timeout; closing them");
    }
}
