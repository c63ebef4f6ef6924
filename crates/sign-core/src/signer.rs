//! The two small traits every algorithm implements, in the spirit of RustCrypto's `signature`.
//!
//! A provider crate holds a `Box<dyn Signer>` / `Arc<dyn Verifier>` and never names an algorithm
//! enum, so a backend is swapped by passing another value.

#[cfg(feature = "aes")]
use crate::constant_time_eq;
use crate::{Error, SignatureEncoding};

/// Produces raw signature bytes over a message.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// Signs `msg`.
    ///
    /// # Errors
    /// When the backend fails (never for digests).
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error>;

    /// The secret suffix as it would appear in the signed string, masked (`&key=***`), or empty.
    fn masked_suffix(&self) -> String {
        String::new()
    }

    /// Signs and encodes in one call.
    ///
    /// # Errors
    /// As [`Signer::try_sign`].
    fn sign_encoded(&self, msg: &[u8], encoding: SignatureEncoding) -> Result<String, Error> {
        Ok(encoding.encode(&self.try_sign(msg)?))
    }
}

/// Checks a signature over a message.
pub trait Verifier: Send + Sync + std::fmt::Debug {
    /// Verifies raw signature bytes.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not match.
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), Error>;

    /// Decodes `text` with `encoding` and verifies it.
    ///
    /// # Errors
    /// [`Error::MalformedSignature`] or [`Error::BadSignature`].
    fn verify_encoded(
        &self,
        msg: &[u8],
        text: &str,
        encoding: SignatureEncoding,
    ) -> Result<(), Error> {
        let raw = encoding.decode(text)?;
        self.verify(msg, &raw)
    }
}

/// Verifies by recomputing and comparing in constant time: right for deterministic ciphers
/// (tokenpay's AES "signature"). The keyed digests do the same on a stack copy of the digest.
#[cfg(feature = "aes")]
pub(crate) fn verify_by_recompute<S: Signer + ?Sized>(
    signer: &S,
    msg: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let expected = signer.try_sign(msg)?;
    if constant_time_eq(&expected, signature) {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

/// How the secret is attached to the message before digesting.
///
/// ```
/// use sign_core::SecretSuffix;
/// assert_eq!(SecretSuffix::param("key").masked(), "&key=***");
/// assert_eq!(SecretSuffix::Plain.masked(), "***");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretSuffix {
    /// The secret right after the message (Cashy, vipcharge MD5).
    Plain,
    /// `&NAME=SECRET` after the message (WinPay `&key=`, 91 card `&appsecret=`).
    Param(String),
}

impl SecretSuffix {
    /// `&name=SECRET`.
    pub fn param(name: impl Into<String>) -> Self {
        Self::Param(name.into())
    }

    /// The bytes that go before the secret.
    pub(crate) fn prefix(&self) -> String {
        match self {
            Self::Plain => String::new(),
            Self::Param(name) => format!("&{name}="),
        }
    }

    /// The suffix with the secret masked.
    pub fn masked(&self) -> String {
        format!("{}***", self.prefix())
    }
}
