//! RSA PKCS#1 v1.5 with SHA-256 signatures, and PKCS#1 v1.5 block encryption (vipcharge card
//! codes), behind swappable backends.
//!
//! A backend is a value implementing [`RsaBackend`]: [`aws_lc::BACKEND`] (feature `aws-lc-rs`,
//! the default: constant time) or [`rust_crypto::BACKEND`] (feature `rsa`, pure Rust; affected by
//! RUSTSEC-2023-0071, the Marvin timing attack, with no fixed release). [`default_backend`] picks
//! aws-lc-rs when it is compiled in. No `cfg` leaks outside these modules.
//!
//! Keys are read from PEM, DER or the bare base64 PKCS#8 strings Java-based providers hand out,
//! in PKCS#1 or PKCS#8 (private) and SPKI or PKCS#1 (public) form. Keys under 2048 bits are
//! refused.
//!
//! ```
//! # #[cfg(feature = "aws-lc-rs")] {
//! use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer, RsaSha256Verifier};
//! use sign_core::{Signer, Verifier};
//! let key = RsaPrivateKey::generate_2048(sign_core::rsa::default_backend()).unwrap();
//! let signer = RsaSha256Signer::new(key.clone());
//! let sig = signer.try_sign(b"msg").unwrap();
//! RsaSha256Verifier::new(key.public_key()).verify(b"msg", &sig).unwrap();
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::signer::Verifier;
use crate::{Error, KeyError, Signer};

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
mod pem;
#[cfg(feature = "rsa")]
pub mod rust_crypto;
mod spki;

pub use pem::KeyMaterial;

/// Smallest modulus accepted, in bits.
pub const MIN_BITS: usize = 2048;

/// An RSA implementation. Implemented by [`aws_lc::BACKEND`] and [`rust_crypto::BACKEND`].
pub trait RsaBackend: Send + Sync + fmt::Debug {
    /// Short name for logs and errors.
    fn name(&self) -> &'static str;
    /// Loads a private key from PKCS#8 DER.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] when the DER is not an RSA private key.
    fn private_from_pkcs8(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError>;
    /// Loads a private key from PKCS#1 DER.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] when the DER is not an RSA private key.
    fn private_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError>;
    /// Loads a public key from SPKI DER.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] when the DER is not an RSA public key.
    fn public_from_spki(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError>;
    /// Loads a public key from PKCS#1 `RSAPublicKey` DER.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] when the DER is not an RSA public key.
    fn public_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError>;
    /// Generates a fresh 2048-bit key (sandbox and tests).
    ///
    /// # Errors
    /// [`Error::Crypto`] when generation fails.
    fn generate_2048(&self) -> Result<Arc<dyn PrivateOps>, Error>;
}

/// Private-key operations a backend provides.
pub trait PrivateOps: Send + Sync {
    /// Modulus length in bits.
    fn bits(&self) -> usize;
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, Error>;
    /// RSAES-PKCS1-v1_5 decryption of one block.
    ///
    /// # Errors
    /// [`Error::Crypto`] when the block does not decrypt.
    fn decrypt_block(&self, block: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;
    /// The matching public key.
    fn public(&self) -> Arc<dyn PublicOps>;
    /// The key as PKCS#8 DER.
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error>;
}

/// Public-key operations a backend provides.
pub trait PublicOps: Send + Sync {
    /// Modulus length in bits.
    fn bits(&self) -> usize;
    /// Verifies RSASSA-PKCS1-v1_5 with SHA-256.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not match.
    fn verify_sha256(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error>;
    /// RSAES-PKCS1-v1_5 encryption of one block (at most `bits/8 - 11` bytes).
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    fn encrypt_block(&self, block: &[u8]) -> Result<Vec<u8>, Error>;
    /// The key as SPKI DER.
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    fn spki_der(&self) -> Result<Vec<u8>, Error>;
}

/// The default backend: aws-lc-rs when compiled in, else the `rsa` crate.
pub fn default_backend() -> &'static dyn RsaBackend {
    #[cfg(feature = "aws-lc-rs")]
    {
        &aws_lc::BACKEND
    }
    #[cfg(all(not(feature = "aws-lc-rs"), feature = "rsa"))]
    {
        &rust_crypto::BACKEND
    }
}

/// Turns a backend's bare "rejected" into the reason when the DER shows it: the other kind of
/// key, or a modulus under [`MIN_BITS`] (aws-lc-rs refuses to load keys under 2048 bits at all).
fn explain_refusal(e: KeyError, der: &[u8], want_private: bool) -> KeyError {
    if !matches!(e, KeyError::Rejected { .. }) {
        return e;
    }
    match spki::inspect(der) {
        Some((true, _)) if !want_private => KeyError::PrivateWherePublicExpected,
        Some((false, _)) if want_private => KeyError::PublicWherePrivateExpected,
        Some((_, bits)) if bits < MIN_BITS => KeyError::TooShort { bits },
        _ => e,
    }
}

/// An RSA private key, loaded once and shared (cheap to clone). Never prints key material.
#[derive(Clone)]
pub struct RsaPrivateKey {
    ops: Arc<dyn PrivateOps>,
    backend: &'static dyn RsaBackend,
}

impl RsaPrivateKey {
    /// Parses PEM, DER or bare base64 DER, PKCS#1 or PKCS#8, with the default backend.
    ///
    /// # Errors
    /// [`KeyError`] naming what is wrong: the format, a public key given, or a short modulus.
    pub fn parse(input: &[u8]) -> Result<Self, KeyError> {
        Self::parse_with(input, default_backend())
    }

    /// As [`RsaPrivateKey::parse`] with a chosen backend.
    ///
    /// # Errors
    /// As [`RsaPrivateKey::parse`].
    pub fn parse_with(input: &[u8], backend: &'static dyn RsaBackend) -> Result<Self, KeyError> {
        let ops = match KeyMaterial::read(input)? {
            KeyMaterial::Pkcs8Private(der) => backend
                .private_from_pkcs8(&der)
                .map_err(|e| explain_refusal(e, &der, true))?,
            KeyMaterial::Pkcs1Private(der) => backend
                .private_from_pkcs1(&der)
                .map_err(|e| explain_refusal(e, &der, true))?,
            KeyMaterial::SpkiPublic(_) | KeyMaterial::Pkcs1Public(_) => {
                return Err(KeyError::PublicWherePrivateExpected);
            }
            KeyMaterial::UnknownDer(der) => match backend.private_from_pkcs8(&der) {
                Ok(ops) => ops,
                Err(_) => match backend.private_from_pkcs1(&der) {
                    Ok(ops) => ops,
                    Err(e) => {
                        if backend.public_from_spki(&der).is_ok()
                            || backend.public_from_pkcs1(&der).is_ok()
                        {
                            return Err(KeyError::PublicWherePrivateExpected);
                        }
                        return Err(explain_refusal(e, &der, true));
                    }
                },
            },
        };
        if ops.bits() < MIN_BITS {
            return Err(KeyError::TooShort { bits: ops.bits() });
        }
        Ok(Self { ops, backend })
    }

    /// A fresh 2048-bit key.
    ///
    /// # Errors
    /// [`Error::Crypto`] when generation fails.
    pub fn generate_2048(backend: &'static dyn RsaBackend) -> Result<Self, Error> {
        Ok(Self {
            ops: backend.generate_2048()?,
            backend,
        })
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> usize {
        self.ops.bits()
    }

    /// The backend in use.
    pub fn backend(&self) -> &'static dyn RsaBackend {
        self.backend
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey {
            ops: self.ops.public(),
            backend: self.backend,
        }
    }

    /// The key as PKCS#8 PEM (for handing a generated sandbox key to a test merchant).
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let der = self.ops.pkcs8_der()?;
        Ok(Zeroizing::new(pem::encode("PRIVATE KEY", &der)))
    }

    /// RSAES-PKCS1-v1_5 decryption of one or more concatenated modulus-sized blocks (long card
    /// codes are encrypted block by block). The result is zeroized on drop.
    ///
    /// # Errors
    /// [`Error::Crypto`] when the length is not a multiple of the block size or a block fails.
    pub fn decrypt_pkcs1v15(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let k = self.bits().div_ceil(8);
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(k) {
            return Err(Error::Crypto(
                "RSA decryption (length is not a multiple of the key size)",
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        for block in ciphertext.chunks(k) {
            out.extend_from_slice(&self.ops.decrypt_block(block)?);
        }
        Ok(out)
    }

    /// Decodes standard base64 and decrypts, as [`RsaPrivateKey::decrypt_pkcs1v15`].
    ///
    /// # Errors
    /// [`Error::MalformedSignature`] for bad base64, else as `decrypt_pkcs1v15`.
    pub fn decrypt_pkcs1v15_base64(&self, text: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|_| Error::MalformedSignature { encoding: "base64" })?;
        self.decrypt_pkcs1v15(&raw)
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.bits())
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

/// An RSA public key (cheap to clone).
#[derive(Clone)]
pub struct RsaPublicKey {
    ops: Arc<dyn PublicOps>,
    backend: &'static dyn RsaBackend,
}

impl RsaPublicKey {
    /// Parses PEM, DER or bare base64 DER, SPKI or PKCS#1, with the default backend.
    ///
    /// # Errors
    /// [`KeyError`] naming what is wrong.
    pub fn parse(input: &[u8]) -> Result<Self, KeyError> {
        Self::parse_with(input, default_backend())
    }

    /// As [`RsaPublicKey::parse`] with a chosen backend.
    ///
    /// # Errors
    /// As [`RsaPublicKey::parse`].
    pub fn parse_with(input: &[u8], backend: &'static dyn RsaBackend) -> Result<Self, KeyError> {
        let ops = match KeyMaterial::read(input)? {
            KeyMaterial::SpkiPublic(der) => backend
                .public_from_spki(&der)
                .map_err(|e| explain_refusal(e, &der, false))?,
            KeyMaterial::Pkcs1Public(der) => backend
                .public_from_pkcs1(&der)
                .map_err(|e| explain_refusal(e, &der, false))?,
            KeyMaterial::Pkcs8Private(_) | KeyMaterial::Pkcs1Private(_) => {
                return Err(KeyError::PrivateWherePublicExpected);
            }
            KeyMaterial::UnknownDer(der) => match backend.public_from_spki(&der) {
                Ok(ops) => ops,
                Err(_) => match backend.public_from_pkcs1(&der) {
                    Ok(ops) => ops,
                    Err(e) => {
                        if backend.private_from_pkcs8(&der).is_ok()
                            || backend.private_from_pkcs1(&der).is_ok()
                        {
                            return Err(KeyError::PrivateWherePublicExpected);
                        }
                        return Err(explain_refusal(e, &der, false));
                    }
                },
            },
        };
        if ops.bits() < MIN_BITS {
            return Err(KeyError::TooShort { bits: ops.bits() });
        }
        Ok(Self { ops, backend })
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> usize {
        self.ops.bits()
    }

    /// The key as SPKI PEM.
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    pub fn to_pem(&self) -> Result<String, Error> {
        Ok(pem::encode("PUBLIC KEY", &self.ops.spki_der()?))
    }

    /// RSAES-PKCS1-v1_5 encryption, block by block (`bits/8 - 11` plaintext bytes per block).
    ///
    /// # Errors
    /// [`Error::Crypto`] on backend failure.
    pub fn encrypt_pkcs1v15(&self, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let k = self.bits().div_ceil(8);
        let mut out = Vec::with_capacity(plaintext.len().div_ceil(k - 11).max(1) * k);
        if plaintext.is_empty() {
            out.extend_from_slice(&self.ops.encrypt_block(&[])?);
        }
        for block in plaintext.chunks(k - 11) {
            out.extend_from_slice(&self.ops.encrypt_block(block)?);
        }
        Ok(out)
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

/// RSASSA-PKCS1-v1_5 / SHA-256 signer (deterministic, so snapshots are stable).
#[derive(Clone, Debug)]
pub struct RsaSha256Signer {
    key: RsaPrivateKey,
}

impl RsaSha256Signer {
    /// Signs with `key`.
    pub fn new(key: RsaPrivateKey) -> Self {
        Self { key }
    }
}

impl Signer for RsaSha256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        self.key.ops.sign_sha256(msg)
    }
}

/// RSASSA-PKCS1-v1_5 / SHA-256 verifier.
#[derive(Clone, Debug)]
pub struct RsaSha256Verifier {
    key: RsaPublicKey,
}

impl RsaSha256Verifier {
    /// Verifies against `key`.
    pub fn new(key: RsaPublicKey) -> Self {
        Self { key }
    }
}

impl Verifier for RsaSha256Verifier {
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.key.ops.verify_sha256(msg, signature)
    }
}
