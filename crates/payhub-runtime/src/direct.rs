//! [`Direct`]: the transport's own HTTP client, hyper's pooled client over rustls, called
//! without reqwest's layers around it.
//!
//! Why: reqwest sends through this same client (`hyper_util`'s pooled client, hyper-rustls,
//! rustls with the platform's verifier), but wraps every request in layers a signed call to one
//! fixed provider does not use: it parses the URL back from the request's URI twice (once in its
//! redirect layer, which runs even when redirects are off, and once for the response's URL),
//! keeps per-request extensions and boxes the whole chain. Over loopback that is about 40k of the
//! 93k instructions of a raw reqwest POST, client and server together (`cargo xtask bench --only
//! instructions`). Called directly, the client does the same exchange without them.
//!
//! It is configured the way reqwest 0.13 configures its own client (with the `rustls` and `http2`
//! features payhub builds it with): rustls on aws-lc-rs with the platform's certificate verifier,
//! TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`; `TCP_NODELAY`; TCP keep-alive every 15 s, 3
//! probes; the connect timeout over the TCP connect and the TLS handshake together; idle pooled
//! connections kept 90 s; and the `Accept: */*` header reqwest adds, so the wire is the same.
//!
//! It is used only where it sends exactly what reqwest would ([`Direct::applies`]): when no
//! proxy applies to the base URL (the `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`
//! variables, read by the same matcher reqwest reads them with) and the base URL carries no
//! user name or password. Otherwise, and for an injected client, the transport sends with
//! reqwest.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use url::Url;

/// A boxed error, as hyper's connectors and clients pass them.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// hyper's pooled client over rustls, configured as reqwest configures its own.
#[derive(Clone)]
pub(crate) struct Direct {
    client: legacy::Client<ConnectTimeout<HttpsConnector<HttpConnector>>, Full<Bytes>>,
}

impl fmt::Debug for Direct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Direct").finish_non_exhaustive()
    }
}

impl Direct {
    /// Whether the client sends to `base` exactly what reqwest would: no proxy of `proxies`
    /// applies to it and it has no credentials (which reqwest turns into basic authentication).
    pub(crate) fn applies(base: &Url, proxies: &Matcher) -> bool {
        if !base.username().is_empty() || base.password().is_some() {
            return false;
        }
        Uri::try_from(base.as_str()).is_ok_and(|uri| proxies.intercept(&uri).is_none())
    }

    /// The proxies reqwest's own client would use, read from the environment as reqwest reads
    /// them.
    pub(crate) fn system_proxies() -> Matcher {
        Matcher::from_system()
    }

    /// A client whose connections are made within `connect_timeout` (TCP and TLS together).
    ///
    /// # Errors
    /// The platform's certificate verifier could not be set up, or rustls refused the protocol
    /// versions.
    pub(crate) fn new(connect_timeout: Duration) -> Result<Self, BoxError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = rustls_platform_verifier::Verifier::new(Arc::clone(&provider))?;
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_keepalive(Some(Duration::from_secs(15)));
        tcp.set_keepalive_interval(Some(Duration::from_secs(15)));
        tcp.set_keepalive_retries(Some(3));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(tcp);
        let client = legacy::Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(ConnectTimeout {
                inner: https,
                timeout: connect_timeout,
            });
        Ok(Self { client })
    }

    /// Sends `request` on a pooled connection (or a new one).
    pub(crate) fn request(&self, request: http::Request<Full<Bytes>>) -> legacy::ResponseFuture {
        self.client.request(request)
    }
}

/// A connector whose connections must be made (TCP connect and TLS handshake) within
/// `timeout`; past it the connection fails with an I/O error of kind `TimedOut`.
#[derive(Clone, Debug)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    timeout: Duration,
}

impl<C> tower_service::Service<Uri> for ConnectTimeout<C>
where
    C: tower_service::Service<Uri>,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(made) => made.map_err(Into::into),
                Err(_elapsed) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connect timed out",
                )) as BoxError),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        match Url::parse(text) {
            Ok(u) => u,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn it_applies_only_where_no_proxy_does_and_the_url_has_no_credentials() {
        let none = Matcher::builder().build();
        let http_proxy = Matcher::builder()
            .http("http://proxy.internal:3128")
            .build();
        let all_but_local = Matcher::builder()
            .all("http://proxy.internal:3128")
            .no("127.0.0.1,.cashy.test")
            .build();
        assert!(Direct::applies(&url("https://api.cashy.test"), &none));
        assert!(Direct::applies(&url("http://127.0.0.1:8080"), &none));
        assert!(!Direct::applies(&url("http://127.0.0.1:8080"), &http_proxy));
        // An `http` proxy is not used for `https`.
        assert!(Direct::applies(&url("https://api.cashy.test"), &http_proxy));
        assert!(!Direct::applies(
            &url("https://api.other.test"),
            &all_but_local
        ));
        assert!(Direct::applies(
            &url("https://api.cashy.test"),
            &all_but_local
        ));
        assert!(Direct::applies(&url("http://127.0.0.1:9"), &all_but_local));
        assert!(!Direct::applies(
            &url("https://user:pw@api.cashy.test"),
            &none
        ));
        assert!(!Direct::applies(&url("https://user@api.cashy.test"), &none));
    }

    #[tokio::test]
    async fn a_connection_that_is_not_made_in_time_fails_as_timed_out() {
        // A listener that never accepts at the TLS level: TCP connects (the backlog), and the
        // handshake then waits for a server hello that never comes.
        let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
            panic!("bind");
        };
        let Ok(addr) = listener.local_addr() else {
            panic!("local_addr");
        };
        let base = match crate::parse_base_url(&format!("https://{addr}")) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        };
        let mut config = crate::TransportConfig::new();
        config.connect_timeout = Duration::from_millis(200);
        let Ok(transport) = crate::Transport::new(&base, config) else {
            panic!("transport");
        };
        let req = crate::PreparedRequest::new("test", crate::Method::Post, "/x".to_owned());
        let started = std::time::Instant::now();
        let Err(e) = transport.send(&req).await else {
            panic!("a handshake with no server answered");
        };
        let waited = started.elapsed();
        // Reported as reqwest reports a connect timeout; the attempt's own timer (30 s) did not
        // end it: the connector did, and hyper says so.
        assert_eq!(e.kind(), crate::TransportErrorKind::Timeout, "{e:?}");
        let connector = StdError::source(&e).and_then(|s| s.downcast_ref::<legacy::Error>());
        assert!(connector.is_some_and(legacy::Error::is_connect), "{e:?}");
        assert!(
            waited >= Duration::from_millis(190) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
        drop(listener);
    }

    #[tokio::test]
    async fn a_certificate_the_platform_does_not_trust_is_refused_before_anything_is_sent() {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use tokio::io::AsyncReadExt as _;

        // A self-signed certificate for 127.0.0.1 (a test key, made for this test only).
        let cert =
            CertificateDer::from_pem_slice(include_bytes!("../tests/data/self_signed.cert.pem"));
        let key =
            PrivateKeyDer::from_pem_slice(include_bytes!("../tests/data/self_signed.key.pem"));
        let (Ok(cert), Ok(key)) = (cert, key) else {
            panic!("test certificate");
        };
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(vec![cert], key));
        let Ok(mut server) = server else {
            panic!("server config");
        };
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
            panic!("bind");
        };
        let Ok(addr) = listener.local_addr() else {
            panic!("local_addr");
        };
        // What the server read of the request after the handshake: nothing, if the client
        // refused the certificate.
        let served = tokio::spawn(async move {
            let Ok((sock, _)) = listener.accept().await else {
                return None;
            };
            let mut tls = acceptor.accept(sock).await.ok()?;
            let mut buf = Vec::new();
            let _ = tls.read_to_end(&mut buf).await;
            Some(buf)
        });
        let transport = crate::Transport::new(
            &match crate::parse_base_url(&format!("https://{addr}")) {
                Ok(u) => u,
                Err(e) => panic!("{e}"),
            },
            crate::TransportConfig::new(),
        );
        let Ok(transport) = transport else {
            panic!("transport");
        };
        let req = crate::PreparedRequest::new("test", crate::Method::Post, "/api/x".to_owned())
            .body("application/json", b"{}".to_vec());
        let Err(e) = transport.send(&req).await else {
            panic!("a self-signed certificate was accepted");
        };
        assert_eq!(e.kind(), crate::TransportErrorKind::Connect, "{e:?}");
        assert!(!e.outcome_unknown(), "{e:?}");
        // rustls' verdict, inside the I/O errors hyper-rustls and hyper-util wrap it in.
        fn refused(e: &(dyn StdError + 'static)) -> bool {
            matches!(
                e.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                ))
            ) || e
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .is_some_and(|inner| refused(inner))
                || e.source().is_some_and(refused)
        }
        assert!(refused(&e), "{e:?}");
        let seen = tokio::time::timeout(Duration::from_secs(5), served).await;
        assert!(matches!(seen, Ok(Ok(None))), "{seen:?}");
    }
}
