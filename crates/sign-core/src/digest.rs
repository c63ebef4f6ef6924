//! Key-appended digests: `HASH(message || prefix || secret)`, the rule of every MD5 provider here.
//!
//! The message is fed to the hasher in place (no concatenated copy), and verification recomputes
//! and compares the raw digests in constant time, so hex case on the wire never matters.

use crate::{Error, Secret, SecretSuffix, SignatureEncoding, Signer, Verifier, constant_time_eq};

macro_rules! keyed_digest {
    ($(#[$meta:meta])* $name:ident, $hasher:ty, $feature:literal) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            secret: Secret,
            prefix: String,
            suffix: SecretSuffix,
        }

        impl $name {
            /// A signer that appends `suffix` (with the secret) to every message.
            pub fn new(secret: Secret, suffix: SecretSuffix) -> Self {
                Self { prefix: suffix.prefix(), secret, suffix }
            }

            /// The digest on the stack: the hot paths encode or compare it without a `Vec`.
            fn digest_array(&self, message: &[u8]) -> impl AsRef<[u8]> + use<> {
                use digest_trait::Digest as _;
                let mut h = <$hasher>::new();
                h.update(message);
                h.update(self.prefix.as_bytes());
                h.update(self.secret.expose().as_bytes());
                h.finalize()
            }

            /// The raw digest of `message || prefix || secret`.
            pub fn digest(&self, message: &[u8]) -> Vec<u8> {
                self.digest_array(message).as_ref().to_vec()
            }

            /// Lowercase hex digest.
            pub fn sign_hex_lower(&self, message: &[u8]) -> String {
                SignatureEncoding::HexLower.encode(self.digest_array(message).as_ref())
            }

            /// Uppercase hex digest.
            pub fn sign_hex_upper(&self, message: &[u8]) -> String {
                SignatureEncoding::HexUpper.encode(self.digest_array(message).as_ref())
            }

            /// Verifies a hex signature in either case, in constant time.
            ///
            /// # Errors
            /// [`Error::MalformedSignature`] or [`Error::BadSignature`].
            pub fn verify_hex(&self, message: &[u8], hex_sig: &str) -> Result<(), Error> {
                self.verify_encoded(message, hex_sig, SignatureEncoding::HexUpper)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).field("suffix", &self.suffix.masked()).finish_non_exhaustive()
            }
        }

        impl Signer for $name {
            fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
                Ok(self.digest(msg))
            }

            fn masked_suffix(&self) -> String {
                self.suffix.masked()
            }

            fn sign_encoded(&self, msg: &[u8], encoding: SignatureEncoding) -> Result<String, Error> {
                Ok(encoding.encode(self.digest_array(msg).as_ref()))
            }
        }

        impl Verifier for $name {
            /// Recomputes the digest and compares in constant time.
            fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), Error> {
                if constant_time_eq(self.digest_array(msg).as_ref(), signature) {
                    Ok(())
                } else {
                    Err(Error::BadSignature)
                }
            }

            /// As the trait's default, with hex decoded on the stack (no `Vec`).
            fn verify_encoded(
                &self,
                msg: &[u8],
                text: &str,
                encoding: SignatureEncoding,
            ) -> Result<(), Error> {
                if matches!(encoding, SignatureEncoding::HexLower | SignatureEncoding::HexUpper) {
                    let mut buf = [0u8; 64];
                    if let Some(raw) = crate::encoding::hex_decode_into(text.trim(), &mut buf) {
                        return self.verify(msg, raw?);
                    }
                }
                let raw = encoding.decode(text)?;
                self.verify(msg, &raw)
            }
        }
    };
}

#[cfg(feature = "md5")]
mod md5_impl {
    use super::*;
    use md5 as digest_trait;
    keyed_digest!(
        /// MD5 of the message followed by the secret suffix.
        ///
        /// ```
        /// use sign_core::{Md5Signer, Secret, SecretSuffix};
        /// let s = Md5Signer::new(Secret::new("testApiKey"), SecretSuffix::Plain);
        /// let sig = s.sign_hex_upper(br#"{"nonceStr":"4190026990"}"#);
        /// assert_eq!(sig, "D8DC6AC630F87E8E3540E9AE27713F22");
        /// assert!(s.verify_hex(br#"{"nonceStr":"4190026990"}"#, &sig.to_lowercase()).is_ok());
        /// ```
        Md5Signer, md5::Md5, "md5"
    );
}
#[cfg(feature = "md5")]
pub use md5_impl::Md5Signer;

#[cfg(feature = "sha2")]
mod sha256_impl {
    use super::*;
    use sha2 as digest_trait;
    keyed_digest!(
        /// SHA-256 of the message followed by the secret suffix.
        ///
        /// ```
        /// use sign_core::{Sha256Signer, Secret, SecretSuffix};
        /// let s = Sha256Signer::new(Secret::new("k"), SecretSuffix::param("key"));
        /// assert_eq!(s.sign_hex_lower(b"a=1").len(), 64);
        /// ```
        Sha256Signer, sha2::Sha256, "sha2"
    );
}
#[cfg(feature = "sha2")]
pub use sha256_impl::Sha256Signer;
