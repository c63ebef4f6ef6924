//! The pure-Rust `rsa` crate backend.
//!
//! **Security:** the `rsa` crate is affected by RUSTSEC-2023-0071 ("Marvin": a timing side channel
//! on private-key operations) and has no fixed release. Use it where a C toolchain is unavailable
//! and an attacker cannot time your signing or decryption; otherwise keep the default backend.

use std::sync::Arc;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{PrivateOps, PublicOps, RsaBackend};
use crate::{Error, KeyError};

/// The `rsa` crate backend value.
pub static BACKEND: RustCrypto = RustCrypto;

/// Marker type of [`BACKEND`].
#[derive(Clone, Copy, Debug)]
pub struct RustCrypto;

const NAME: &str = "rsa";

fn rejected<E>(_: E) -> KeyError {
    KeyError::Rejected { backend: NAME }
}

struct Private {
    key: RsaPrivateKey,
    signing: SigningKey<Sha256>,
}

impl Private {
    fn new(key: RsaPrivateKey) -> Self {
        Self {
            signing: SigningKey::<Sha256>::new(key.clone()),
            key,
        }
    }
}

struct Public {
    key: RsaPublicKey,
    verifying: VerifyingKey<Sha256>,
}

impl Public {
    fn new(key: RsaPublicKey) -> Self {
        Self {
            verifying: VerifyingKey::<Sha256>::new(key.clone()),
            key,
        }
    }
}

impl RsaBackend for RustCrypto {
    fn name(&self) -> &'static str {
        NAME
    }

    fn private_from_pkcs8(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError> {
        Ok(Arc::new(Private::new(
            RsaPrivateKey::from_pkcs8_der(der).map_err(rejected)?,
        )))
    }

    fn private_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError> {
        Ok(Arc::new(Private::new(
            RsaPrivateKey::from_pkcs1_der(der).map_err(rejected)?,
        )))
    }

    fn public_from_spki(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError> {
        Ok(Arc::new(Public::new(
            RsaPublicKey::from_public_key_der(der).map_err(rejected)?,
        )))
    }

    fn public_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError> {
        Ok(Arc::new(Public::new(
            RsaPublicKey::from_pkcs1_der(der).map_err(rejected)?,
        )))
    }

    fn generate_2048(&self) -> Result<Arc<dyn PrivateOps>, Error> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .map_err(|_| Error::Crypto("RSA key generation"))?;
        Ok(Arc::new(Private::new(key)))
    }
}

impl PrivateOps for Private {
    fn bits(&self) -> usize {
        self.key.size() * 8
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.signing.sign(msg).to_vec())
    }

    fn decrypt_block(&self, block: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.key
            .decrypt(Pkcs1v15Encrypt, block)
            .map(Zeroizing::new)
            .map_err(|_| Error::Crypto("RSA decryption"))
    }

    fn public(&self) -> Arc<dyn PublicOps> {
        Arc::new(Public::new(self.key.to_public_key()))
    }

    fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let doc = self
            .key
            .to_pkcs8_der()
            .map_err(|_| Error::Crypto("RSA key export"))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }
}

impl PublicOps for Public {
    fn bits(&self) -> usize {
        self.key.size() * 8
    }

    fn verify_sha256(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        let sig = Signature::try_from(sig).map_err(|_| Error::BadSignature)?;
        self.verifying
            .verify(msg, &sig)
            .map_err(|_| Error::BadSignature)
    }

    fn encrypt_block(&self, block: &[u8]) -> Result<Vec<u8>, Error> {
        self.key
            .encrypt(&mut rsa::rand_core::OsRng, Pkcs1v15Encrypt, block)
            .map_err(|_| Error::Crypto("RSA encryption"))
    }

    fn spki_der(&self) -> Result<Vec<u8>, Error> {
        let doc = self
            .key
            .to_public_key_der()
            .map_err(|_| Error::Crypto("RSA key export"))?;
        Ok(doc.as_bytes().to_vec())
    }
}
