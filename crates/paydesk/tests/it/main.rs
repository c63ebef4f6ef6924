//! The single integration test binary of `paydesk`: golden vectors, fixture snapshots, loopback
//! round trips against real local servers, property tests and secret hygiene.

mod codes;
mod fixtures;
mod loopback;
mod metrics;
mod notify;
mod props;
mod secrets;
mod support;
mod validation;
mod vectors;

use std::sync::Arc;

use paydesk::{Client, FixedNonce};

/// The made-up merchant of the vectors and fixtures.
pub(crate) const MERCHANT: u64 = 1_002_001;
/// The made-up apiKey of the vectors and fixtures.
pub(crate) const KEY: &str = "testApiKey";

/// Notify headers as a `HeaderMap`; a value that is not a valid header value is left out.
pub(crate) fn notify_headers(
    merchant_id: Option<&str>,
    sign: Option<&str>,
    content_type: Option<&str>,
) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        ("MerchantId", merchant_id),
        ("Sign", sign),
        ("Content-Type", content_type),
    ] {
        if let Some(value) = value.and_then(|v| http::HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

/// A client that never sends (prepare only), with a pinned nonce.
pub(crate) fn offline_client(nonce: &str) -> Client {
    Client::builder(MERCHANT, KEY)
        .base_url("http://127.0.0.1:9")
        .nonce_source(Arc::new(FixedNonce(nonce.to_owned())))
        .build()
        .expect("valid test configuration")
}
