//! [`Credentials`]: the merchant's signing credentials (an RSA private key or an MD5 secret), and
//! the loading of every key the client holds (signing key, card key, platform verifier), once,
//! when the client is built.

use std::fmt;

use sign_core::Secret;
use sign_core::rsa::{RsaBackend, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use crate::error::ConfigError;
use crate::sign::{PlatformVerifier, RequestSigner};
use crate::types::SignType;

/// The merchant's signing credentials: an RSA private key (`SHA256-RSA`, the platform default)
/// or an MD5 secret. Never printed.
///
/// ```
/// use vipcharge::Credentials;
/// let c = Credentials::md5("testSignKey");
/// assert_eq!(format!("{c:?}"), "Credentials(MD5, ***)");
/// ```
pub struct Credentials(Cred);

enum Cred {
    RsaKey(RsaPrivateKey),
    RsaBytes(Zeroizing<Vec<u8>>),
    Md5(Secret),
}

impl Credentials {
    /// `SHA256-RSA` with a loaded key.
    pub fn sha256_rsa(key: RsaPrivateKey) -> Self {
        Self(Cred::RsaKey(key))
    }

    /// `SHA256-RSA` with key material: PEM or DER, PKCS#1 or PKCS#8, or the bare base64 PKCS#8
    /// string Java-based providers hand out. Parsed once by `build()` (errors name the format,
    /// a public key given by mistake, or a modulus under 2048 bits).
    pub fn sha256_rsa_pem(key: impl AsRef<[u8]>) -> Self {
        Self(Cred::RsaBytes(Zeroizing::new(key.as_ref().to_vec())))
    }

    /// `MD5` with the merchant secret.
    pub fn md5(secret: impl Into<Secret>) -> Self {
        Self(Cred::Md5(secret.into()))
    }

    /// The sign type these credentials produce.
    pub fn sign_type(&self) -> SignType {
        match self.0 {
            Cred::RsaKey(_) | Cred::RsaBytes(_) => SignType::Sha256Rsa,
            Cred::Md5(_) => SignType::Md5,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({}, ***)", self.sign_type())
    }
}

/// A private key as given to the builder: loaded, or bytes to parse.
pub(crate) enum PrivateInput {
    Parsed(RsaPrivateKey),
    Bytes(Zeroizing<Vec<u8>>),
}

/// Every key of a client, loaded.
pub(crate) struct Keys {
    pub(crate) signer: RequestSigner,
    pub(crate) card_key: Option<RsaPrivateKey>,
    pub(crate) platform: Option<PlatformVerifier>,
}

/// Loads a private key with the chosen backend (`None`: the default; a loaded key is kept as
/// it is unless another backend was chosen explicitly).
fn load_private(
    input: PrivateInput,
    chosen: Option<&'static dyn RsaBackend>,
    setting: &'static str,
) -> Result<RsaPrivateKey, ConfigError> {
    let backend = chosen.unwrap_or_else(sign_core::rsa::default_backend);
    let parse = |bytes: &[u8]| {
        RsaPrivateKey::parse_with(bytes, backend)
            .map_err(|e| ConfigError::with_source(setting, e.to_string(), e))
    };
    match input {
        PrivateInput::Bytes(b) => parse(&b),
        PrivateInput::Parsed(k) if chosen.is_none() => Ok(k),
        PrivateInput::Parsed(k) if k.backend().name() == backend.name() => Ok(k),
        PrivateInput::Parsed(k) => {
            let pem = k.to_pkcs8_pem().map_err(|e| {
                ConfigError::with_source(setting, "cannot move the key to the chosen backend", e)
            })?;
            parse(pem.as_bytes())
        }
    }
}

/// Loads the signing key (or MD5 secret), the card key (default: the RSA signing key) and the
/// platform verifier (an explicit one, else `platform_public_key`, else an MD5 merchant's
/// secret), in the order `build()` reports their errors.
pub(crate) fn load(
    credentials: Credentials,
    chosen: Option<&'static dyn RsaBackend>,
    send_sign_type: bool,
    card_key: Option<PrivateInput>,
    platform_verifier: Option<PlatformVerifier>,
    platform_key: Option<Vec<u8>>,
) -> Result<Keys, ConfigError> {
    let (signer, default_verifier, signing_key) = match credentials.0 {
        Cred::Md5(secret) => {
            if secret.is_empty() {
                return Err(ConfigError::new("secret", "the MD5 secret is empty"));
            }
            (
                RequestSigner::md5(secret.clone()),
                Some(PlatformVerifier::md5(secret)),
                None,
            )
        }
        Cred::RsaKey(key) => {
            let key = load_private(PrivateInput::Parsed(key), chosen, "private_key")?;
            (RequestSigner::rsa(key.clone()), None, Some(key))
        }
        Cred::RsaBytes(bytes) => {
            let key = load_private(PrivateInput::Bytes(bytes), chosen, "private_key")?;
            (RequestSigner::rsa(key.clone()), None, Some(key))
        }
    };
    if signer.sign_type() == SignType::Md5 && !send_sign_type {
        return Err(ConfigError::new(
            "send_sign_type",
            "MD5 requires the signType header (without it the platform assumes SHA256-RSA)",
        ));
    }
    let card_key = match card_key {
        Some(input) => Some(load_private(input, chosen, "card_key")?),
        None => signing_key,
    };
    let backend = chosen.unwrap_or_else(sign_core::rsa::default_backend);
    let platform = match (platform_verifier, platform_key) {
        (Some(v), _) => Some(v),
        (None, Some(bytes)) => {
            let key = RsaPublicKey::parse_with(&bytes, backend)
                .map_err(|e| ConfigError::with_source("platform_public_key", e.to_string(), e))?;
            Some(PlatformVerifier::rsa(key))
        }
        (None, None) => default_verifier,
    };
    Ok(Keys {
        signer,
        card_key,
        platform,
    })
}
