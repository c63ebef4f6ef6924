//! HMAC-SHA256, for providers and merchants that key a MAC rather than append a secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Error, Secret, Signer, Verifier};

/// HMAC-SHA256 keyed with the merchant secret.
///
/// ```
/// use sign_core::{HmacSha256Signer, Secret, Signer, Verifier};
/// let s = HmacSha256Signer::new(Secret::new("key"));
/// let tag = s.try_sign(b"The quick brown fox jumps over the lazy dog").unwrap();
/// assert_eq!(hex::encode(&tag), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
/// assert!(s.verify(b"The quick brown fox jumps over the lazy dog", &tag).is_ok());
/// ```
#[derive(Clone)]
pub struct HmacSha256Signer {
    secret: Secret,
}

impl HmacSha256Signer {
    /// A MAC keyed with `secret`.
    pub fn new(secret: Secret) -> Self {
        Self { secret }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)] // Reason: `new_from_slice` is infallible for HMAC.
        Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes any key length")
    }
}

impl std::fmt::Debug for HmacSha256Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacSha256Signer").finish_non_exhaustive()
    }
}

impl Signer for HmacSha256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let mut mac = self.mac();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier for HmacSha256Signer {
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), Error> {
        let mut mac = self.mac();
        mac.update(msg);
        // `verify_slice` compares in constant time.
        mac.verify_slice(signature).map_err(|_| Error::BadSignature)
    }
}
