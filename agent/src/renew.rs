//! Certificate renewal over mTLS, without re-enrolling.
//!
//! Once two thirds of the certificate's validity have passed (checked every
//! collection interval), the agent makes a new key and CSR, calls
//! `POST /v1/agent/renew` with its current certificate, installs the new
//! pair atomically ([`StateDir::install_renewed`]) and hands the shipper a
//! rebuilt HTTP client.

use std::time::Duration;

use anyhow::{bail, Context};
use tokio::sync::watch;
use vigil_shared::wire::{RenewRequest, RenewResponse, PATH_RENEW, PROTOCOL_VERSION};

use crate::enroll::error_body;
use crate::http::HttpsClient;
use crate::state::{now_ms, StateDir};
use crate::tls;

/// Renewal state of a running agent.
pub struct Renewer {
    pub dir: StateDir,
    pub server: String,
    pub ca_pem: String,
    pub cert_pem: String,
    pub request_timeout: Duration,
}

impl Renewer {
    /// Whether the current certificate is due for renewal at `now_ms`.
    pub fn due(&self, now_ms: i64) -> anyhow::Result<bool> {
        let v = tls::cert_validity(&self.cert_pem)?;
        Ok(now_ms >= v.renew_at_ms())
    }

    /// Renews now; returns the new HTTP client.
    pub async fn renew(&mut self, client: &HttpsClient) -> anyhow::Result<HttpsClient> {
        let kc = tls::new_key_and_csr().context("while generating a new key")?;
        let req = RenewRequest {
            version: PROTOCOL_VERSION,
            csr_pem: kc.csr_pem.clone(),
        };
        let resp = client
            .post_json(&format!("{}{PATH_RENEW}", self.server), &req)
            .await
            .map_err(|e| anyhow::anyhow!("{}", crate::ship::error_chain(&e)))
            .context("while calling the collector")?;
        let (status, body) = (resp.status, resp.body);
        if !status.is_success() {
            let (code, message) = error_body(&body);
            bail!(
                "collector refused renewal ({}, {code}): {message}",
                status.as_u16()
            );
        }
        let r: RenewResponse =
            serde_json::from_slice(&body).context("the renewal answer is invalid")?;
        if !tls::cert_matches_key(&r.cert_pem, &kc.public_key_der)? {
            bail!("the renewed certificate is not for the key this agent generated");
        }
        let tls_cfg = tls::mtls_client_config(&self.ca_pem, &r.cert_pem, &kc.key_pem)?;
        let new_client = HttpsClient::new(tls_cfg, self.request_timeout);
        let dir = self.dir.clone();
        let (key, cert) = (kc.key_pem, r.cert_pem.clone());
        tokio::task::spawn_blocking(move || dir.install_renewed(&key, &cert))
            .await
            .context("while installing the renewed certificate")??;
        self.cert_pem = r.cert_pem;
        tracing::info!(not_after_ms = r.not_after_ms, "certificate renewed");
        Ok(new_client)
    }
}

/// Checks every `interval` and renews when due, publishing new clients on
/// `clients`. Failures are logged and retried at the next check.
pub async fn renew_loop(
    mut renewer: Renewer,
    clients: watch::Sender<HttpsClient>,
    interval: Duration,
    mut shutdown: impl std::future::Future<Output = ()> + Unpin,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticker.tick() => {}
        }
        match renewer.due(now_ms()) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot read the agent certificate");
                continue;
            }
        }
        let client = clients.borrow().clone();
        let result = tokio::select! {
            () = &mut shutdown => return,
            r = renewer.renew(&client) => r,
        };
        match result {
            Ok(c) => {
                let _ = clients.send(c);
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "certificate renewal failed; will retry");
            }
        }
    }
}
