//! The platform's signing rule, in one place.
//!
//! **String to sign** (requests, replies and callbacks alike): the auth headers `businessId`,
//! `nonce`, `signType` (only when sent) and `timestamp`, without `sign` and without empty ones,
//! sorted by name (byte order), rendered `k=v` and joined by `&`, immediately followed (no
//! separator) by the JSON body bytes exactly as sent. Values are raw (no URL-encoding).
//!
//! - `SHA256-RSA` (the default): RSASSA-PKCS1-v1_5 with SHA-256 and the merchant private key,
//!   standard base64 with padding.
//! - `MD5`: MD5 of the string immediately followed by the secret (no `&key=`), uppercase hex.
//!
//! Each algorithm is a *value* (a [`sign_core::Signer`] plus its text encoding), chosen once when
//! the client is built; nothing matches on the sign type per call.
//!
//! ```
//! use vipcharge::sign::string_to_sign;
//! let s = string_to_sign("754ea3e3a699404f9b82e8f881107f19", "24bc2c17-0fef-440e-ba32-385c47c6cfa4",
//!     Some("MD5"), "1628772138668", br#"{"merchantId":"eb1b"}"#);
//! assert_eq!(String::from_utf8(s).unwrap(),
//!     "businessId=754ea3e3a699404f9b82e8f881107f19&nonce=24bc2c17-0fef-440e-ba32-385c47c6cfa4\
//!      &signType=MD5&timestamp=1628772138668{\"merchantId\":\"eb1b\"}");
//! ```

use std::fmt;
use std::sync::Arc;

use sign_core::rsa::{RsaPrivateKey, RsaPublicKey, RsaSha256Signer, RsaSha256Verifier};
use sign_core::{
    CanonicalParams, CanonicalStyle, Explanation, Md5Signer, Secret, SecretSuffix,
    SignatureEncoding, Signer, Verifier,
};

use payhub_runtime::{Method, PreparedRequest};

use crate::error::ConfigError;
use crate::types::SignType;

/// The content type of every request.
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Header names, as the platform spells them (case-sensitive in the string to sign).
pub mod header {
    /// `businessId`: the business ID issued by the platform.
    pub const BUSINESS_ID: &str = "businessId";
    /// `nonce`: a fresh random string per request.
    pub const NONCE: &str = "nonce";
    /// `timestamp`: milliseconds since the Unix epoch.
    pub const TIMESTAMP: &str = "timestamp";
    /// `sign`: the signature.
    pub const SIGN: &str = "sign";
    /// `signType`: `SHA256-RSA` (default when absent) or `MD5`.
    pub const SIGN_TYPE: &str = "signType";
}

fn style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw().skip_empty(true)
}

fn header_params(
    business_id: &str,
    nonce: &str,
    sign_type: Option<&str>,
    timestamp: &str,
) -> CanonicalParams {
    let mut p = CanonicalParams::with_capacity(4);
    p.push(header::BUSINESS_ID, business_id);
    p.push(header::NONCE, nonce);
    if let Some(t) = sign_type {
        p.push(header::SIGN_TYPE, t);
    }
    p.push(header::TIMESTAMP, timestamp);
    p
}

/// The exact bytes that are signed: the sorted non-empty auth headers as `k=v&...`, then the
/// body bytes. Pass `sign_type: None` when the `signType` header is not sent.
pub fn string_to_sign(
    business_id: &str,
    nonce: &str,
    sign_type: Option<&str>,
    timestamp: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut head = String::with_capacity(96);
    header_params(business_id, nonce, sign_type, timestamp).write_canonical(
        &style(),
        &[],
        &mut head,
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A signing algorithm as a value: the signer, its text encoding and its `signType` name.
#[derive(Clone)]
pub(crate) struct RequestSigner {
    sign_type: SignType,
    signer: Arc<dyn Signer>,
    encoding: SignatureEncoding,
}

impl RequestSigner {
    pub(crate) fn md5(secret: Secret) -> Self {
        Self {
            sign_type: SignType::Md5,
            signer: Arc::new(Md5Signer::new(secret, SecretSuffix::Plain)),
            encoding: SignatureEncoding::HexUpper,
        }
    }

    pub(crate) fn rsa(key: RsaPrivateKey) -> Self {
        Self {
            sign_type: SignType::Sha256Rsa,
            signer: Arc::new(RsaSha256Signer::new(key)),
            encoding: SignatureEncoding::Base64,
        }
    }

    pub(crate) fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// Signs `message`; returns the header value and an explanation with the secret masked.
    /// Checks the nonce, signs `body` with the auth headers and builds the request: `Accept`, `businessId`,
    /// `nonce`, `timestamp`, `signType` (when sent), `sign` (masked) and the body as signed. The
    /// explanation has named parts (`headers`, `body`), so a redacted one lists the body's
    /// fields.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn signed_request(
        &self,
        operation: &'static str,
        path: &'static str,
        business_id: &str,
        nonce: String,
        timestamp: String,
        send_sign_type: bool,
        body: Vec<u8>,
    ) -> Result<PreparedRequest, ConfigError> {
        if nonce.is_empty() || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "nonce_source",
                "produced a nonce that is empty, longer than 128 bytes or not visible ASCII",
            ));
        }
        let sign_type = send_sign_type.then(|| self.sign_type().as_str());
        let message = string_to_sign(business_id, &nonce, sign_type, &timestamp, &body);
        let (sign, explanation) = self
            .sign(&message)
            .map_err(|e| ConfigError::with_source("private_key", "signing failed", e))?;
        let head = message.len().saturating_sub(body.len());
        let explanation =
            explanation.with_parts([("headers", 0..head), ("body", head..message.len())]);
        let mut prepared = PreparedRequest::new(operation, Method::Post, path)
            .header("Accept", "application/json")
            .header(header::BUSINESS_ID, business_id)
            .header(header::NONCE, nonce)
            .header(header::TIMESTAMP, timestamp);
        if let Some(t) = sign_type {
            prepared = prepared.header(header::SIGN_TYPE, t);
        }
        Ok(prepared
            .sensitive_header(header::SIGN, sign)
            .body(CONTENT_TYPE, body)
            .explanation(explanation))
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<(String, Explanation), sign_core::Error> {
        let sig = self.signer.sign_encoded(message, self.encoding)?;
        let explanation = Explanation::for_message(message, &self.signer.masked_suffix());
        Ok((sig, explanation))
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("sign_type", &self.sign_type)
            .field("signer", &self.signer)
            .finish()
    }
}

/// How the platform's signatures (callbacks, and replies when they carry one) are checked.
///
/// The docs describe MD5 verification with the merchant secret; for `SHA256-RSA` merchants they
/// leave open which key the platform signs with. The usual model (and this crate's) is a
/// **platform public key** issued at onboarding: confirm it with the provider.
///
/// ```
/// use vipcharge::sign::PlatformVerifier;
/// let v = PlatformVerifier::md5("testSignKey");
/// assert!(format!("{v:?}").contains("MD5"));
/// assert!(!format!("{v:?}").contains("testSignKey"));
/// ```
#[derive(Clone)]
pub struct PlatformVerifier {
    sign_type: SignType,
    verifier: Arc<dyn Verifier>,
    encoding: SignatureEncoding,
}

impl PlatformVerifier {
    /// `MD5`: `sign == UPPER(MD5(string + secret))` (hex compared in constant time, either case).
    pub fn md5(secret: impl Into<Secret>) -> Self {
        Self {
            sign_type: SignType::Md5,
            verifier: Arc::new(Md5Signer::new(secret.into(), SecretSuffix::Plain)),
            encoding: SignatureEncoding::HexUpper,
        }
    }

    /// `SHA256-RSA`: RSASSA-PKCS1-v1_5 / SHA-256 with the platform public key, base64.
    pub fn rsa(platform_public_key: RsaPublicKey) -> Self {
        Self {
            sign_type: SignType::Sha256Rsa,
            verifier: Arc::new(RsaSha256Verifier::new(platform_public_key)),
            encoding: SignatureEncoding::Base64,
        }
    }

    /// The algorithm this verifier checks.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// Verifies `signature` (header text) over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &str) -> Result<(), sign_core::Error> {
        self.verifier
            .verify_encoded(message, signature, self.encoding)
    }
}

impl fmt::Debug for PlatformVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformVerifier")
            .field("sign_type", &self.sign_type.as_str())
            .finish_non_exhaustive()
    }
}
