//! The single integration test binary of `paydesk`: golden vectors, fixture snapshots, loopback
//! round trips against real local servers, property tests and secret hygiene.

mod codes;
mod fixtures;
mod loopback;
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

/// A client that never sends (prepare only), with a pinned nonce.
pub(crate) fn offline_client(nonce: &str) -> Client {
    Client::builder(MERCHANT, KEY)
        .base_url("http://127.0.0.1:9")
        .nonce_source(Arc::new(FixedNonce(nonce.to_owned())))
        .build()
        .expect("valid test configuration")
}
