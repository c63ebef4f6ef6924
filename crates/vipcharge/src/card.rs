//! Card codes (券码 / 卡密): decrypted with the merchant private key into values that never print.
//!
//! The platform encrypts each card number and PIN (or short link) with the **merchant's RSA public
//! key** (RSAES-PKCS1-v1_5, block by block for long values) and base64-encodes the result. The
//! client decrypts them as the reply is read, with the private key loaded once at build time, so
//! the plaintext only ever lives in a zeroized [`CardSecret`].

use std::fmt;

use serde_json::{Map, Value};
use sign_core::rsa::RsaPrivateKey;
use zeroize::Zeroizing;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::wire::Fields;

/// A decrypted card number, PIN or redemption link. `Debug` and `Display` print
/// `CardSecret(***)`; the memory is zeroized on drop. Read it with [`CardSecret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct CardSecret(Zeroizing<String>);

impl CardSecret {
    /// Wraps a plaintext value (the sandbox and tests build expected values with it).
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The plaintext. Call it only where the code is handed to its user.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for CardSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardSecret(***)")
    }
}

impl fmt::Display for CardSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardSecret(***)")
    }
}

/// Decrypts one base64 value encrypted to the merchant public key, block by block.
///
/// Use it for an encrypted field this crate does not type (it lands in a response's `extra`).
///
/// # Errors
/// [`DecodeErrorKind::CardDecryption`] when the text is not base64, not a whole number of
/// blocks, does not decrypt with `key`, or is not UTF-8. The message never includes the value.
pub fn decrypt(key: &RsaPrivateKey, base64_text: &str) -> Result<CardSecret, DecodeError> {
    let plain = key.decrypt_pkcs1v15_base64(base64_text).map_err(|e| {
        let detail = match e {
            sign_core::Error::MalformedSignature { .. } => "not valid base64",
            _ => {
                "does not decrypt with the merchant private key (is it the key registered with \
                 the platform?)"
            }
        };
        DecodeError::new(DecodeErrorKind::CardDecryption, detail)
    })?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| DecodeError::new(DecodeErrorKind::CardDecryption, "plaintext is not UTF-8"))?;
    Ok(CardSecret::new(text))
}

/// One purchased card code (`CouponInfoVo`).
#[derive(Clone, Debug)]
pub struct CardCode {
    card_no: Option<CardSecret>,
    cdkey: CardSecret,
    extra: Map<String, Value>,
}

impl CardCode {
    /// The card number (卡号), when the product has one (`cardNo` not blank).
    pub fn card_no(&self) -> Option<&CardSecret> {
        self.card_no.as_ref()
    }

    /// The PIN (卡密) or the redemption short link.
    pub fn cdkey(&self) -> &CardSecret {
        &self.cdkey
    }

    /// Fields not typed here, e.g. the expiry date (有效截止日期), whose name is not in the
    /// readable docs. Values are as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    pub(crate) fn read(mut f: Fields, key: &RsaPrivateKey) -> Result<Self, DecodeError> {
        let card_no = match f.opt_string("cardNo")? {
            Some(t) if !t.trim().is_empty() => {
                Some(decrypt(key, &t).map_err(|e| e.under("cardNo"))?)
            }
            _ => None,
        };
        let cdkey_text = f.string("cdkey")?;
        let cdkey = decrypt(key, &cdkey_text).map_err(|e| e.under("cdkey"))?;
        Ok(Self {
            card_no,
            cdkey,
            extra: f.rest(),
        })
    }
}
