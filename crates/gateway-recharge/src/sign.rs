//! WinPay's signing rule, in one place.
//!
//! 1. Take every field sent (or received) except `sign`, **empty values included**.
//! 2. Sort the names by their bytes (ASCII order).
//! 3. Join them as `k=v&k=v`, values raw (no URL-encoding, no trimming).
//! 4. Append `&key=` and the merchant key.
//! 5. `sign` = MD5 of those UTF-8 bytes, 32 lowercase hex characters, sent as the body field
//!    `sign`. Received signatures are compared case-insensitively, in constant time.
//!
//! The rule is executed by `sign-core`; this module only states it. Whether WinPay's server
//! skips empty values is not documented; the reference code signs them, so this crate does
//! too (requests reject empty fields anyway). [`ClientBuilder::sign_empty_values`] and
//! [`NotifyVerifier::sign_empty_values`] switch it for raw calls and callbacks.
//!
//! ```
//! use gateway_recharge::sign;
//! use sign_core::CanonicalParams;
//!
//! let mut fields = CanonicalParams::new();
//! fields.push("order_no", "ts3023423423");
//! fields.push("amount", "100");
//! let signer = sign::signer("adesf235".into());
//! assert_eq!(sign::sign(&fields, &signer), "a5aa4377a3dc981a750508d134b1ae28");
//! assert_eq!(
//!     sign::explain(&fields).signed_string(),
//!     "amount=100&order_no=ts3023423423&key=***"
//! );
//! ```
//!
//! [`ClientBuilder::sign_empty_values`]: crate::ClientBuilder::sign_empty_values
//! [`NotifyVerifier::sign_empty_values`]: crate::notify::NotifyVerifier::sign_empty_values

use sign_core::{
    BorrowedParams, CanonicalParams, CanonicalStyle, Explanation, Md5Signer, Secret, SecretSuffix,
};

use crate::error::NotifyError;

/// The name of the signature field in request bodies and callbacks.
pub const SIGN_FIELD: &str = "sign";

/// The canonical style: ASCII order, `sign` excluded, empty values kept, raw values.
pub fn canonical_style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw()
}

/// The style with empty values kept (`true`, the default) or skipped (`false`).
pub(crate) fn style_with(sign_empty_values: bool) -> CanonicalStyle {
    canonical_style().skip_empty(!sign_empty_values)
}

/// The signer: MD5 over the canonical string followed by `&key=` and the merchant key.
pub fn signer(key: Secret) -> Md5Signer {
    Md5Signer::new(key, SecretSuffix::param("key"))
}

/// The `sign` value of `fields` (any `sign` among them is ignored): lowercase hex.
pub fn sign(fields: &CanonicalParams, signer: &Md5Signer) -> String {
    sign_with(fields, signer, &canonical_style())
}

pub(crate) fn sign_with(
    fields: &CanonicalParams,
    signer: &Md5Signer,
    style: &CanonicalStyle,
) -> String {
    signer.sign_hex_lower(fields.to_canonical(style, &[]).as_bytes())
}

/// What is signed for `fields`, with the key masked (`&key=***`). Safe to log.
pub fn explain(fields: &CanonicalParams) -> Explanation {
    explain_with(fields, &canonical_style())
}

pub(crate) fn explain_with(fields: &CanonicalParams, style: &CanonicalStyle) -> Explanation {
    fields.explain(style, &[], &SecretSuffix::param("key").masked())
}

/// [`explain_with`] over borrowed fields; its [`Explanation::canonical`] is the string to sign.
pub(crate) fn explain_borrowed(fields: &BorrowedParams<'_>, style: &CanonicalStyle) -> Explanation {
    fields.explain(style, &[], &SecretSuffix::param("key").masked())
}

/// The JSON body of a request (`fields` as strings in their order, then `sign`) and what was
/// signed. The fields are signed where they are (no copy per field) and the canonical string is
/// built once: the explanation's is the one that is signed.
pub(crate) fn signed_body(
    fields: &[(String, String)],
    signer: &Md5Signer,
    sign_empty_values: bool,
) -> (Vec<u8>, Explanation) {
    let mut params = BorrowedParams::with_capacity(fields.len());
    for (k, v) in fields {
        params.push(k.as_str(), v.as_str());
    }
    let explanation = explain_borrowed(&params, &style_with(sign_empty_values));
    let signature = signer.sign_hex_lower(explanation.canonical().as_bytes());
    let body = crate::wire::json_object(
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(std::iter::once((SIGN_FIELD, signature.as_str()))),
    );
    (body, explanation)
}

/// Verifies the `sign` field of a received field set over every other field.
///
/// # Errors
/// [`NotifyError::MissingSignature`], [`NotifyError::MalformedSignature`] or
/// [`NotifyError::BadSignature`].
pub fn verify(fields: &CanonicalParams, signer: &Md5Signer) -> Result<(), NotifyError> {
    verify_with(fields, signer, &canonical_style())
}

pub(crate) fn verify_with(
    fields: &CanonicalParams,
    signer: &Md5Signer,
    style: &CanonicalStyle,
) -> Result<(), NotifyError> {
    check(fields.get(SIGN_FIELD), signer, || {
        fields.to_canonical(style, &[])
    })
}

/// [`verify_with`] over fields borrowed from a received body.
pub(crate) fn verify_borrowed(
    fields: &BorrowedParams<'_>,
    signer: &Md5Signer,
    style: &CanonicalStyle,
) -> Result<(), NotifyError> {
    check(fields.get(SIGN_FIELD), signer, || {
        fields.to_canonical(style, &[])
    })
}

fn check(
    received: Option<&str>,
    signer: &Md5Signer,
    canonical: impl FnOnce() -> String,
) -> Result<(), NotifyError> {
    let received = received
        .filter(|s| !s.is_empty())
        .ok_or(NotifyError::MissingSignature)?;
    match signer.verify_hex(canonical().as_bytes(), received) {
        Ok(()) => Ok(()),
        Err(sign_core::Error::MalformedSignature { .. }) => Err(NotifyError::MalformedSignature),
        Err(_) => Err(NotifyError::BadSignature),
    }
}
