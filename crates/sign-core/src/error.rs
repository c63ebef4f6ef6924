//! The one error type of sign-core. Verification failures are deliberately opaque: they never say
//! which byte differed, only that the signature does not match.

/// What went wrong while signing, verifying or loading a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The signature does not match the message (opaque on purpose).
    #[error("signature does not match")]
    BadSignature,
    /// The signature text is not valid in its encoding (hex or base64).
    #[error("signature is not valid {encoding}")]
    MalformedSignature {
        /// The expected encoding, e.g. `hex` or `base64`.
        encoding: &'static str,
    },
    /// A key could not be loaded or used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A parameter body could not be read into canonical parameters.
    #[error("cannot read parameters: {0}")]
    Params(String),
    /// A cryptographic operation failed (decryption, an AEAD tag mismatch, ...).
    #[error("{0} failed")]
    Crypto(&'static str),
}

/// Why a key was rejected. Never carries key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is neither PEM, DER nor bare base64 DER.
    #[error("key is not PEM, DER or base64 DER: {0}")]
    Format(&'static str),
    /// A public key was given where a private key is needed.
    #[error("a public key was given where a private key is needed")]
    PublicWherePrivateExpected,
    /// A private key was given where a public key is needed.
    #[error("a private key was given where a public key is needed")]
    PrivateWherePublicExpected,
    /// The RSA modulus is shorter than 2048 bits.
    #[error("RSA key has {bits} bits; at least 2048 are required")]
    TooShort {
        /// The modulus length found.
        bits: usize,
    },
    /// The DER structure is not an RSA key the backend accepts.
    #[error("key rejected by the {backend} backend: not an RSA key in PKCS#1 or PKCS#8 form")]
    Rejected {
        /// Which backend rejected it.
        backend: &'static str,
    },
    /// A symmetric key has the wrong length.
    #[error("{what} must be exactly {expected} bytes, got {actual}")]
    Length {
        /// Which key.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The key is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
}
