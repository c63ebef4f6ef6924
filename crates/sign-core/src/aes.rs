//! AES pieces for tokenpay (feature `aes`, through aws-lc-rs): AES-256-ECB/PKCS#7 request
//! "signatures" and AES-256-GCM callback resources (any nonce length from 1 to 64 bytes; see
//! [`Aes256Gcm`]).
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

/// The shortest GCM nonce accepted (NIST SP 800-38D allows any non-zero length).
pub const MIN_GCM_NONCE_LEN: usize = 1;
/// The longest GCM nonce accepted. Longer IVs are legal GCM, but nothing sends them and a cap
/// keeps hostile input bounded.
pub const MAX_GCM_NONCE_LEN: usize = 64;
/// The nonce length of the fast path (96 bits, `J0 = IV || 0^31 || 1`), served by aws-lc-rs.
pub const GCM_FAST_NONCE_LEN: usize = 12;

/// AES-256-GCM (AEAD_AES_256_GCM) keyed with a 32-byte secret: callback resources.
///
/// Nonces of any length from [`MIN_GCM_NONCE_LEN`] to [`MAX_GCM_NONCE_LEN`] bytes are
/// accepted. 12-byte nonces go through aws-lc-rs; every other length goes through RustCrypto's
/// `aes-gcm` with the nonce size as a type parameter, which derives the pre-counter block as
/// NIST SP 800-38D says for an IV that is not 96 bits:
/// `J0 = GHASH_H(IV || 0-pad || 0^64 || [len(IV) in bits]_64)`.
///
/// ```
/// use sign_core::aes::Aes256Gcm;
/// use sign_core::Secret;
/// let gcm = Aes256Gcm::new(&Secret::new("0123456789abcdef0123456789abcdef")).unwrap();
/// for nonce in [&b"a1b2c3d4"[..], b"a1b2c3d4e5f6", b"a1b2c3d4e5f6a7b8"] {
///     let sealed = gcm.encrypt(nonce, b"", b"{}").unwrap();
///     assert_eq!(&*gcm.decrypt(nonce, b"", &sealed).unwrap(), b"{}");
/// }
/// assert!(gcm.decrypt(b"", b"", &[0; 18]).is_err());
/// ```
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

    /// A cipher keyed with raw key bytes (for keys that are not text, such as published test
    /// vectors).
    ///
    /// ```
    /// let _gcm = sign_core::aes::Aes256Gcm::from_key_bytes([0x42; 32]);
    /// ```
    pub fn from_key_bytes(key: [u8; KEY_LEN]) -> Self {
        Self {
            key: Zeroizing::new(key),
        }
    }

    fn key(&self) -> Result<LessSafeKey, Error> {
        UnboundKey::new(&AES_256_GCM, &self.key[..])
            .map(LessSafeKey::new)
            .map_err(|_| Error::Crypto("AES-GCM key setup"))
    }

    fn check_nonce(nonce: &[u8]) -> Result<(), Error> {
        if (MIN_GCM_NONCE_LEN..=MAX_GCM_NONCE_LEN).contains(&nonce.len()) {
            Ok(())
        } else {
            Err(Error::Crypto("AES-GCM (nonce must be 1 to 64 bytes)"))
        }
    }

    /// Decrypts `ciphertext || tag`, authenticating `aad` (pass `b""` when there is none).
    ///
    /// # Errors
    /// [`Error::Crypto`] when the nonce is not 1 to 64 bytes or the tag does not authenticate.
    pub fn decrypt(
        &self,
        nonce: &[u8],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        Self::check_nonce(nonce)?;
        let failed = || Error::Crypto("AES-256-GCM decryption");
        if ciphertext_and_tag.len() < Self::TAG_LEN {
            return Err(failed());
        }
        let mut buf = Zeroizing::new(ciphertext_and_tag.to_vec());
        if nonce.len() == GCM_FAST_NONCE_LEN {
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| failed())?;
            let n = self
                .key()?
                .open_in_place(nonce, Aad::from(aad), &mut buf)
                .map_err(|_| failed())?
                .len();
            buf.truncate(n);
        } else {
            let split = buf.len() - Self::TAG_LEN;
            let tag = aes_gcm::Tag::clone_from_slice(&buf[split..]);
            buf.truncate(split);
            any_nonce::open(&self.key, nonce, aad, &mut buf, &tag).map_err(|()| failed())?;
        }
        Ok(buf)
    }

    /// Encrypts and appends the tag (used by the sandbox and tests to build callbacks).
    ///
    /// # Errors
    /// [`Error::Crypto`] when the nonce is not 1 to 64 bytes.
    pub fn encrypt(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        Self::check_nonce(nonce)?;
        let failed = || Error::Crypto("AES-256-GCM encryption");
        let mut buf = plaintext.to_vec();
        if nonce.len() == GCM_FAST_NONCE_LEN {
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| failed())?;
            self.key()?
                .seal_in_place_append_tag(nonce, Aad::from(aad), &mut buf)
                .map_err(|_| failed())?;
        } else {
            let tag = any_nonce::seal(&self.key, nonce, aad, &mut buf).map_err(|()| failed())?;
            buf.extend_from_slice(&tag);
        }
        Ok(buf)
    }
}

/// AES-256-GCM for nonces that are not 96 bits, through RustCrypto `aes-gcm`, whose nonce size
/// is a type parameter: the runtime length is dispatched to one of 64 instantiations.
mod any_nonce {
    use aes_gcm::aead::consts::{
        U1, U2, U3, U4, U5, U6, U7, U8, U9, U10, U11, U12, U13, U14, U15, U16, U17, U18, U19, U20,
        U21, U22, U23, U24, U25, U26, U27, U28, U29, U30, U31, U32, U33, U34, U35, U36, U37, U38,
        U39, U40, U41, U42, U43, U44, U45, U46, U47, U48, U49, U50, U51, U52, U53, U54, U55, U56,
        U57, U58, U59, U60, U61, U62, U63, U64,
    };
    use aes_gcm::aead::generic_array::{ArrayLength, GenericArray};
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    use aes_gcm::{AesGcm, Tag};

    use super::KEY_LEN;

    fn open_n<N: ArrayLength<u8>>(
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), ()> {
        let cipher = AesGcm::<aes_gcm::aes::Aes256, N>::new(GenericArray::from_slice(key));
        cipher
            .decrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf, tag)
            .map_err(|_| ())
    }

    fn seal_n<N: ArrayLength<u8>>(
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<Tag, ()> {
        let cipher = AesGcm::<aes_gcm::aes::Aes256, N>::new(GenericArray::from_slice(key));
        cipher
            .encrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf)
            .map_err(|_| ())
    }

    macro_rules! dispatch {
        ($f:ident, $len:expr, $args:tt, $($n:literal => $u:ty),+ $(,)?) => {
            match $len {
                $( $n => $f::<$u> $args, )+
                _ => Err(()),
            }
        };
    }

    macro_rules! all_lengths {
        ($f:ident, $len:expr, $args:tt) => {
            dispatch!($f, $len, $args,
                1 => U1, 2 => U2, 3 => U3, 4 => U4, 5 => U5, 6 => U6, 7 => U7, 8 => U8,
                9 => U9, 10 => U10, 11 => U11, 12 => U12, 13 => U13, 14 => U14, 15 => U15,
                16 => U16, 17 => U17, 18 => U18, 19 => U19, 20 => U20, 21 => U21, 22 => U22,
                23 => U23, 24 => U24, 25 => U25, 26 => U26, 27 => U27, 28 => U28, 29 => U29,
                30 => U30, 31 => U31, 32 => U32, 33 => U33, 34 => U34, 35 => U35, 36 => U36,
                37 => U37, 38 => U38, 39 => U39, 40 => U40, 41 => U41, 42 => U42, 43 => U43,
                44 => U44, 45 => U45, 46 => U46, 47 => U47, 48 => U48, 49 => U49, 50 => U50,
                51 => U51, 52 => U52, 53 => U53, 54 => U54, 55 => U55, 56 => U56, 57 => U57,
                58 => U58, 59 => U59, 60 => U60, 61 => U61, 62 => U62, 63 => U63, 64 => U64,
            )
        };
    }

    /// Decrypts `buf` in place and checks `tag`.
    pub(super) fn open(
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), ()> {
        all_lengths!(open_n, nonce.len(), (key, nonce, aad, buf, tag))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(super) fn seal(
        key: &[u8; KEY_LEN],
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<Tag, ()> {
        all_lengths!(seal_n, nonce.len(), (key, nonce, aad, buf))
    }
}
