//! Cashy's signing rule, in one place.
//!
//! `Sign = MD5(<request body bytes exactly as sent> + apiKey)`, 32 upper-case hex digits, sent in
//! the `Sign` header beside the `MerchantId` header. No field list, no sorting, no `key=`: every
//! byte of the body counts, so the body is serialized once and those exact bytes are signed and
//! sent. Notifies are signed the same way with the same merchant apiKey over the raw notify body,
//! and their signature is compared case-insensitively.
//!
//! ```
//! use paydesk::sign;
//! use sign_core::Secret;
//! let key = Secret::new("testApiKey");
//! let body = br#"{"nonceStr":"4190026990"}"#;
//! assert_eq!(sign::signature(&key, body), "D8DC6AC630F87E8E3540E9AE27713F22");
//! assert_eq!(
//!     sign::explain(body).signed_string(),
//!     r#"{"nonceStr":"4190026990"}***"#
//! );
//! ```

use std::borrow::Cow;

use payhub_runtime::{Idempotency, Method, PreparedRequest};
use sign_core::{Explanation, Md5Signer, Secret, SecretSuffix, SignatureEncoding, Signer};

use crate::error::Error;

/// The header carrying the signature.
pub const SIGN_HEADER: &str = "Sign";

/// The header carrying the numeric merchant id.
pub const MERCHANT_ID_HEADER: &str = "MerchantId";

/// The content type of every request.
pub const CONTENT_TYPE: &str = "application/json";

/// The signature of `body` with `api_key`: upper-case hex MD5 of the body followed by the key.
pub fn signature(api_key: &Secret, body: &[u8]) -> String {
    signer(api_key.clone()).sign_hex_upper(body)
}

/// How the apiKey appears in an explanation: the body is followed by the key, shown as `***`.
pub(crate) const MASKED_KEY: &str = "***";

/// What is signed for `body`, with the apiKey masked as `***` (safe to log).
pub fn explain(body: &[u8]) -> Explanation {
    Explanation::for_message(body, MASKED_KEY)
}

/// The signer for one apiKey.
pub(crate) fn signer(api_key: Secret) -> Md5Signer {
    Md5Signer::new(api_key, SecretSuffix::Plain)
}

/// Signs `body`: the `Sign` header value.
pub(crate) fn sign(signer: &Md5Signer, body: &[u8]) -> Result<String, sign_core::Error> {
    signer.sign_encoded(body, SignatureEncoding::HexUpper)
}

/// One merchant as it signs: the numeric id (sent in the `MerchantId` header, and its text
/// named in the call span) and the signer of its apiKey. `Debug` masks the key.
#[derive(Clone, Debug)]
pub(crate) struct Merchant {
    id: u64,
    id_text: String,
    signer: Md5Signer,
}

impl Merchant {
    pub(crate) fn new(id: u64, api_key: Secret) -> Self {
        Self {
            id,
            id_text: id.to_string(),
            signer: signer(api_key),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The id as sent.
    pub(crate) fn id_text(&self) -> &str {
        &self.id_text
    }

    /// The signed wire request: `POST path` with `MerchantId`, `Sign` (masked in `Debug`) and
    /// the body bytes as they are. The explanation (the body plus `***`) is built only if asked
    /// for (an error report, `--explain`), not on every call.
    pub(crate) fn request(
        &self,
        operation: &'static str,
        path: Cow<'static, str>,
        idempotency: Idempotency,
        body: Vec<u8>,
    ) -> Result<PreparedRequest, Error> {
        let signature = sign(&self.signer, &body).map_err(Error::Signature)?;
        Ok(PreparedRequest::new(operation, Method::Post, path)
            .header(MERCHANT_ID_HEADER, self.id_text.as_str())
            .sensitive_header(SIGN_HEADER, signature)
            .body(CONTENT_TYPE, body)
            .idempotency(idempotency)
            .explain_body(MASKED_KEY))
    }
}

/// Checks a received `Sign` (either hex case) over the raw `body`, in constant time.
pub(crate) fn verify(signer: &Md5Signer, body: &[u8], sign: &str) -> Result<(), sign_core::Error> {
    signer.verify_hex(body, sign)
}

#[cfg(test)]
mod tests {
    use sign_core::Signer as _;

    use super::*;

    #[test]
    fn the_masked_key_is_what_the_signer_masks() {
        assert_eq!(
            signer(Secret::new("k")).masked_suffix(),
            MASKED_KEY,
            "explanations must show the suffix the signer really appends"
        );
    }
}
