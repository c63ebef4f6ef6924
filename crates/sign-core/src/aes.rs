//! AES pieces for tokenpay (feature `aes`, through aws-lc-rs): AES-256-ECB/PKCS#7 request
//! "signatures" and AES-256-GCM callback resources.
//!
//! tokenpay's signature is reversible encryption, not a MAC: anyone with the app secret can read
//! what it covers, which is why [`Aes256EcbSigner::decrypt`] exists as a diagnostic. Verification
//! re-encrypts and compares ciphertexts in constant time.
//!
//! ```
//! use sign_core::aes::Aes256EcbSigner;
//! use sign_core::{Secret, Signer, Verifier};
//! let s = Aes256EcbSigner::new(&Secret::new("0123456789abcdef0123456789abcdef")).unwrap();
//! let sig = s.try_sign(b"/v1/x\n1\nN\n").unwrap();
//! assert!(s.verify(b"/v1/x\n1\nN\n", &sig).is_ok());
//! assert_eq!(&*s.decrypt(&sig).unwrap(), b"/v1/x\n1\nN\n");
//! ```

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    AES_256, DecryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey,
};
use zeroize::Zeroizing;

use crate::signer::verify_by_recompute;
use crate::{Error, KeyError, Secret, Signer, Verifier};

/// Required key length in bytes.
pub const KEY_LEN: usize = 32;

fn key_bytes(secret: &Secret, what: &'static str) -> Result<[u8; KEY_LEN], KeyError> {
    let bytes = secret.expose().as_bytes();
    if bytes.is_empty() {
        return Err(KeyError::Empty(what));
    }
    bytes.try_into().map_err(|_| KeyError::Length {
        what,
        expected: KEY_LEN,
        actual: bytes.len(),
    })
}

/// AES-256-ECB with PKCS#7 padding, keyed with the UTF-8 bytes of a 32-byte app secret.
#[derive(Clone)]
pub struct Aes256EcbSigner {
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl Aes256EcbSigner {
    /// A signer keyed with `secret`, which must be exactly 32 bytes.
    ///
    /// # Errors
    /// [`KeyError::Length`] or [`KeyError::Empty`].
    pub fn new(secret: &Secret) -> Result<Self, KeyError> {
        Ok(Self {
            key: Zeroizing::new(key_bytes(secret, "app secret")?),
        })
    }

    fn unbound(&self) -> Result<UnboundCipherKey, Error> {
        UnboundCipherKey::new(&AES_256, &self.key[..]).map_err(|_| Error::Crypto("AES key setup"))
    }

    /// Decrypts a signature to show what it covers (diagnostics only).
    ///
    /// # Errors
    /// [`Error::Crypto`] when the bytes are not a valid ECB/PKCS#7 ciphertext under this key.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let key = PaddedBlockDecryptingKey::ecb_pkcs7(self.unbound()?)
            .map_err(|_| Error::Crypto("AES key setup"))?;
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let n = key
            .decrypt(&mut buf, DecryptionContext::None)
            .map_err(|_| Error::Crypto("AES-256-ECB decryption"))?
            .len();
        buf.truncate(n);
        Ok(buf)
    }
}

impl std::fmt::Debug for Aes256EcbSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aes256EcbSigner").finish_non_exhaustive()
    }
}

impl Signer for Aes256EcbSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let key = PaddedBlockEncryptingKey::ecb_pkcs7(self.unbound()?)
            .map_err(|_| Error::Crypto("AES key setup"))?;
        let mut buf = Vec::with_capacity(msg.len() + 16);
        buf.extend_from_slice(msg);
        key.encrypt(&mut buf)
            .map_err(|_| Error::Crypto("AES-256-ECB encryption"))?;
        Ok(buf)
    }
}

impl Verifier for Aes256EcbSigner {
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), Error> {
        verify_by_recompute(self, msg, signature)
    }
}

/// AES-256-GCM (AEAD_AES_256_GCM) keyed with a 32-byte secret: callback resources.
#[derive(Clone)]
pub struct Aes256Gcm {
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for Aes256Gcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aes256Gcm").finish_non_exhaustive()
    }
}

impl Aes256Gcm {
    /// Tag length appended to every ciphertext.
    pub const TAG_LEN: usize = 16;

    /// A cipher keyed with `secret`, which must be exactly 32 bytes.
    ///
    /// # Errors
    /// [`KeyError::Length`] or [`KeyError::Empty`].
    pub fn new(secret: &Secret) -> Result<Self, KeyError> {
        Ok(Self {
            key: Zeroizing::new(key_bytes(secret, "app secret")?),
        })
    }

    fn key(&self) -> Result<LessSafeKey, Error> {
        UnboundKey::new(&AES_256_GCM, &self.key[..])
            .map(LessSafeKey::new)
            .map_err(|_| Error::Crypto("AES-GCM key setup"))
    }

    fn nonce(nonce: &[u8]) -> Result<Nonce, Error> {
        Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| Error::Crypto("AES-GCM (nonce must be 12 bytes)"))
    }

    /// Decrypts `ciphertext || tag`, authenticating `aad` (pass `b""` when there is none).
    ///
    /// # Errors
    /// [`Error::Crypto`] when the nonce is not 12 bytes or the tag does not authenticate.
    pub fn decrypt(
        &self,
        nonce: &[u8],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut buf = Zeroizing::new(ciphertext_and_tag.to_vec());
        let n = self
            .key()?
            .open_in_place(Self::nonce(nonce)?, Aad::from(aad), &mut buf)
            .map_err(|_| Error::Crypto("AES-256-GCM decryption"))?
            .len();
        buf.truncate(n);
        Ok(buf)
    }

    /// Encrypts and appends the tag (used by the sandbox to build callbacks).
    ///
    /// # Errors
    /// [`Error::Crypto`] when the nonce is not 12 bytes.
    pub fn encrypt(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let mut buf = plaintext.to_vec();
        self.key()?
            .seal_in_place_append_tag(Self::nonce(nonce)?, Aad::from(aad), &mut buf)
            .map_err(|_| Error::Crypto("AES-256-GCM encryption"))?;
        Ok(buf)
    }
}
