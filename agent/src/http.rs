//! The agent's HTTPS client: HTTP/1.1 over rustls (hyper's connection API
//! and tokio-rustls), one kept-alive connection, POST only.
//!
//! The agent makes one kind of call at a time to one collector (a batch
//! every interval, a renewal now and then, an enrollment or a support
//! bundle once), so a pool, redirects, proxies or HTTP/2 would be code and
//! memory with nothing to do. A kept connection is reused while the
//! collector keeps it open; a request that fails on a reused connection
//! before any answer arrived is tried once more on a fresh one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Largest answer read from the collector (its answers are small JSON).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
const AGENT: &str = concat!("vigil-agent/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("invalid URL {0:?}: an https:// URL with a host is needed")]
    Url(String),
    #[error("cannot connect to {addr}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS handshake with {addr} failed")]
    Tls {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the request body")]
    Encode(#[from] serde_json::Error),
    #[error("HTTP exchange failed")]
    Http(#[from] hyper::Error),
    #[error("cannot build the request")]
    Request(#[from] hyper::http::Error),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    #[error("the answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

/// The parts of a URL the client needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host as written, IPv6 without brackets.
    pub host: String,
    pub port: u16,
    /// `host:port` as written, for the `Host` header.
    pub authority: String,
    pub path: String,
}

impl Target {
    /// Parses an `https://host[:port]/path` URL.
    pub fn parse(url: &str) -> Result<Target, HttpError> {
        let bad = || HttpError::Url(url.to_owned());
        let uri: Uri = url.parse().map_err(|_| bad())?;
        if uri.scheme_str() != Some("https") {
            return Err(bad());
        }
        let authority = uri.authority().ok_or_else(bad)?;
        let host = authority.host();
        if host.is_empty() || authority.as_str().contains('@') {
            return Err(bad());
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Ok(Target {
            host: host.to_owned(),
            port: authority.port_u16().unwrap_or(443),
            authority: authority.as_str().to_owned(),
            path: uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        })
    }
}

/// A collector's answer, read in full.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A cheap, cloneable HTTPS client over one rustls config.
#[derive(Clone)]
pub struct HttpsClient {
    inner: Arc<Inner>,
}

struct Inner {
    tls: TlsConnector,
    timeout: Duration,
    connect_timeout: Duration,
    /// The kept connection and the `host:port` it goes to.
    idle: Mutex<Option<(String, SendRequest<Full<Bytes>>)>>,
}

impl HttpsClient {
    /// `timeout` bounds a whole call (connect, send, answer); connecting
    /// alone gets at most 10 s of it.
    pub fn new(tls: ClientConfig, timeout: Duration) -> HttpsClient {
        HttpsClient {
            inner: Arc::new(Inner {
                tls: TlsConnector::from(Arc::new(tls)),
                timeout,
                connect_timeout: timeout.min(Duration::from_secs(10)),
                idle: Mutex::new(None),
            }),
        }
    }

    /// POSTs `body` to `url` and reads the whole answer.
    pub async fn post(
        &self,
        url: &str,
        content_type: &'static str,
        body: Bytes,
    ) -> Result<Response, HttpError> {
        let target = Target::parse(url)?;
        let timeout = self.inner.timeout;
        tokio::time::timeout(timeout, self.exchange(&target, content_type, body))
            .await
            .map_err(|_| HttpError::TimedOut(timeout))?
    }

    /// POSTs `value` as JSON.
    pub async fn post_json<T: serde::Serialize>(
        &self,
        url: &str,
        value: &T,
    ) -> Result<Response, HttpError> {
        let body = serde_json::to_vec(value)?;
        self.post(url, "application/json", Bytes::from(body)).await
    }

    async fn exchange(
        &self,
        target: &Target,
        content_type: &'static str,
        body: Bytes,
    ) -> Result<Response, HttpError> {
        if let Some(mut sender) = self.take_idle(&target.authority) {
            match send(&mut sender, target, content_type, body.clone()).await {
                Ok(r) => {
                    self.keep(&target.authority, sender);
                    return Ok(r);
                }
                // The collector closed the kept connection: try a new one.
                Err(HttpError::Http(e))
                    if e.is_canceled() || e.is_closed() || e.is_incomplete_message() =>
                {
                    tracing::debug!(error = %e, "kept connection was closed; reconnecting");
                }
                Err(e) => return Err(e),
            }
        }
        let mut sender = self.connect(target).await?;
        let r = send(&mut sender, target, content_type, body).await?;
        self.keep(&target.authority, sender);
        Ok(r)
    }

    fn take_idle(&self, authority: &str) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        match idle.take() {
            Some((a, s)) if a == authority && !s.is_closed() => Some(s),
            _ => None,
        }
    }

    fn keep(&self, authority: &str, sender: SendRequest<Full<Bytes>>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        *idle = Some((authority.to_owned(), sender));
    }

    async fn connect(&self, target: &Target) -> Result<SendRequest<Full<Bytes>>, HttpError> {
        let addr = target.authority.clone();
        let connect = async {
            let tcp = TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|source| HttpError::Connect {
                    addr: addr.clone(),
                    source,
                })?;
            let _ = tcp.set_nodelay(true);
            let name =
                ServerName::try_from(target.host.clone()).map_err(|e| HttpError::Connect {
                    addr: addr.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
                })?;
            self.inner
                .tls
                .connect(name, tcp)
                .await
                .map_err(|source| HttpError::Tls {
                    addr: addr.clone(),
                    source,
                })
        };
        let tls = tokio::time::timeout(self.inner.connect_timeout, connect)
            .await
            .map_err(|_| HttpError::TimedOut(self.inner.connect_timeout))??;
        let (sender, conn) = http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "collector connection ended");
            }
        });
        Ok(sender)
    }
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    target: &Target,
    content_type: &'static str,
    body: Bytes,
) -> Result<Response, HttpError> {
    sender.ready().await?;
    let request = Request::builder()
        .method(Method::POST)
        .uri(target.path.as_str())
        .header(HOST, target.authority.as_str())
        .header(USER_AGENT, HeaderValue::from_static(AGENT))
        .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|e| match e.downcast::<hyper::Error>() {
            Ok(e) => HttpError::Http(*e),
            Err(_) => HttpError::TooLarge,
        })?
        .to_bytes();
    Ok(Response {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("https://collector.example:8444/v1/agent/ingest").unwrap();
        assert_eq!(t.host, "collector.example");
        assert_eq!(t.port, 8444);
        assert_eq!(t.authority, "collector.example:8444");
        assert_eq!(t.path, "/v1/agent/ingest");
        let t = Target::parse("https://[::1]:8444").unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.path, "/");
        assert_eq!(Target::parse("https://h").unwrap().port, 443);
        for bad in [
            "http://h:1",
            "https://",
            "h:1",
            "https://u:p@h",
            "https://a b",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
