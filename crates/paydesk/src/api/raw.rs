//! [`RawRequest`]: an escape hatch that signs and sends body bytes you wrote yourself, for a
//! field or endpoint this crate does not type yet. The bytes are signed and sent unchanged.

use std::borrow::Cow;

use payhub_runtime::PreparedRequest;
use serde_json::value::RawValue;

use super::Idempotency;
use crate::error::{ConfigError, Error};
use crate::sign::Merchant;

/// A request body you serialized yourself, for a path below the base URL. It is not validated:
/// prefer the typed requests. A raw request is treated as a create (never resent blindly) unless
/// marked [`RawRequest::read_only`].
///
/// ```
/// use paydesk::api::RawRequest;
/// let req = RawRequest::new("/api/getBalance", br#"{"nonceStr": "4190026990"}"#.to_vec())
///     .read_only();
/// assert_eq!(req.path(), "/api/getBalance");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRequest {
    path: String,
    body: Vec<u8>,
    idempotency: Idempotency,
}

impl RawRequest {
    /// `body` for `path` (which must start with `/api/`).
    pub fn new(path: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            body: body.into(),
            idempotency: Idempotency::Unsafe,
        }
    }

    /// Marks the call as a read: retried on network errors, 5xx and busy codes.
    #[must_use]
    pub fn read_only(mut self) -> Self {
        self.idempotency = Idempotency::Safe;
        self
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The exact body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the call may be retried.
    pub fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// Checks the path and signs the bytes as they are.
    pub(crate) fn prepare(&self, merchant: &Merchant) -> Result<PreparedRequest, Error> {
        self.check()?;
        let path = Cow::Owned(self.path.clone());
        merchant.request("raw", path, self.idempotency, self.body.clone())
    }

    fn check(&self) -> Result<(), Error> {
        let ok = self.path.starts_with("/api/")
            && self.path.len() > 5
            && self
                .path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
        if ok {
            Ok(())
        } else {
            Err(ConfigError::new("RawRequest::path", "must look like /api/<name>").into())
        }
    }
}

/// The `data` of a successful raw call, as its exact JSON text.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawReply {
    /// `data` as received.
    pub data: Box<RawValue>,
}
