//! The aws-lc-rs RSA backend: constant time, and the fastest measured here. The default.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey,
};
use zeroize::Zeroizing;

use super::{PrivateOps, PublicOps, RsaBackend};
use crate::{Error, KeyError};

/// The aws-lc-rs backend value.
pub static BACKEND: AwsLcRs = AwsLcRs;

/// Marker type of [`BACKEND`].
#[derive(Clone, Copy, Debug)]
pub struct AwsLcRs;

const NAME: &str = "aws-lc-rs";

fn rejected<E>(_: E) -> KeyError {
    KeyError::Rejected { backend: NAME }
}

struct Private {
    sign: KeyPair,
    decrypt: Pkcs1PrivateDecryptingKey,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl Private {
    fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let sign = KeyPair::from_pkcs8(der).map_err(rejected)?;
        let decrypt = PrivateDecryptingKey::from_pkcs8(der).map_err(rejected)?;
        let decrypt = Pkcs1PrivateDecryptingKey::new(decrypt).map_err(rejected)?;
        Ok(Self {
            sign,
            decrypt,
            pkcs8: Zeroizing::new(der.to_vec()),
        })
    }
}

struct Public {
    der: Vec<u8>,
    spki: Vec<u8>,
    bits: usize,
}

impl Public {
    fn from_spki(spki: &[u8]) -> Result<Self, KeyError> {
        let key = PublicEncryptingKey::from_der(spki).map_err(rejected)?;
        Ok(Self {
            der: spki.to_vec(),
            spki: spki.to_vec(),
            bits: key.key_size_bits(),
        })
    }
}

impl RsaBackend for AwsLcRs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn private_from_pkcs8(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError> {
        Ok(Arc::new(Private::from_pkcs8(der)?))
    }

    fn private_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PrivateOps>, KeyError> {
        let kp = KeyPair::from_der(der).map_err(rejected)?;
        let pkcs8: Pkcs8V1Der<'static> = kp.as_der().map_err(rejected)?;
        Ok(Arc::new(Private::from_pkcs8(pkcs8.as_ref())?))
    }

    fn public_from_spki(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError> {
        Ok(Arc::new(Public::from_spki(der)?))
    }

    fn public_from_pkcs1(&self, der: &[u8]) -> Result<Arc<dyn PublicOps>, KeyError> {
        let mut public = Public::from_spki(&super::spki::wrap_pkcs1_public(der))?;
        public.der = der.to_vec();
        Ok(Arc::new(public))
    }

    fn generate_2048(&self) -> Result<Arc<dyn PrivateOps>, Error> {
        let kp =
            KeyPair::generate(KeySize::Rsa2048).map_err(|_| Error::Crypto("RSA key generation"))?;
        let pkcs8: Pkcs8V1Der<'static> =
            kp.as_der().map_err(|_| Error::Crypto("RSA key export"))?;
        Ok(Arc::new(Private::from_pkcs8(pkcs8.as_ref())?))
    }
}

impl PrivateOps for Private {
    fn bits(&self) -> usize {
        self.sign.public_modulus_len() * 8
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; self.sign.public_modulus_len()];
        self.sign
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .map_err(|_| Error::Crypto("RSA signing"))?;
        Ok(sig)
    }

    fn decrypt_block(&self, block: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(vec![0u8; self.decrypt.key_size_bytes()]);
        let n = self
            .decrypt
            .decrypt(block, &mut out)
            .map_err(|_| Error::Crypto("RSA decryption"))?
            .len();
        out.truncate(n);
        Ok(out)
    }

    fn public(&self) -> Arc<dyn PublicOps> {
        let spki: Result<PublicKeyX509Der<'static>, _> = self.sign.public_key().as_der();
        match spki {
            Ok(spki) => Arc::new(Public {
                der: spki.as_ref().to_vec(),
                spki: spki.as_ref().to_vec(),
                bits: self.bits(),
            }),
            // Export of a key that just loaded cannot fail in practice; keep verification
            // possible through the PKCS#1 form aws-lc-rs always holds.
            Err(_) => Arc::new(Public {
                der: self.sign.public_key().as_ref().to_vec(),
                spki: super::spki::wrap_pkcs1_public(self.sign.public_key().as_ref()),
                bits: self.bits(),
            }),
        }
    }

    fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        Ok(self.pkcs8.clone())
    }
}

impl PublicOps for Public {
    fn bits(&self) -> usize {
        self.bits
    }

    fn verify_sha256(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.der)
            .verify(msg, sig)
            .map_err(|_| Error::BadSignature)
    }

    fn encrypt_block(&self, block: &[u8]) -> Result<Vec<u8>, Error> {
        let key = PublicEncryptingKey::from_der(&self.spki)
            .ok()
            .and_then(|k| Pkcs1PublicEncryptingKey::new(k).ok())
            .ok_or(Error::Crypto("RSA encryption"))?;
        let mut out = vec![0u8; key.ciphertext_size()];
        let n = key
            .encrypt(block, &mut out)
            .map_err(|_| Error::Crypto("RSA encryption"))?
            .len();
        out.truncate(n);
        Ok(out)
    }

    fn spki_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.spki.clone())
    }
}
