//! The `VIPCHARGE_*` environment variables read by
//! [`ClientBuilder::from_env`](crate::ClientBuilder::from_env) and
//! [`ClientBuilder::from_vars`](crate::ClientBuilder::from_vars).

use sign_core::Secret;
use zeroize::Zeroizing;

use crate::credentials::Credentials;
use crate::error::ConfigError;
use crate::types::SignType;

/// Required: the platform base URL (`https`; plain `http` only for loopback).
pub const ENV_BASE_URL: &str = "VIPCHARGE_BASE_URL";
/// Required: the merchant ID (商家ID).
pub const ENV_MERCHANT_ID: &str = "VIPCHARGE_MERCHANT_ID";
/// Required: the business ID (业务ID, the `businessId` header).
pub const ENV_BUSINESS_ID: &str = "VIPCHARGE_BUSINESS_ID";
/// Optional: `SHA256-RSA` (default) or `MD5`.
pub const ENV_SIGN_TYPE: &str = "VIPCHARGE_SIGN_TYPE";
/// The path of the merchant private key (PEM/DER/base64): required for `SHA256-RSA`, optional
/// for `MD5` (card-code decryption).
pub const ENV_PRIVATE_KEY: &str = "VIPCHARGE_PRIVATE_KEY";
/// The MD5 secret: required for `MD5`.
pub const ENV_SECRET: &str = "VIPCHARGE_SECRET";
/// Optional: the path of the platform public key (RSA callback and reply verification).
pub const ENV_PLATFORM_PUBLIC_KEY: &str = "VIPCHARGE_PLATFORM_PUBLIC_KEY";

/// What the variables say, read and checked.
pub(crate) struct EnvSettings {
    pub(crate) base_url: String,
    pub(crate) merchant_id: String,
    pub(crate) business_id: String,
    pub(crate) credentials: Credentials,
    pub(crate) card_key: Option<Zeroizing<Vec<u8>>>,
    pub(crate) platform_key: Option<Zeroizing<Vec<u8>>>,
}

fn read_env(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match lookup(name) {
        Some(v) if v.trim().is_empty() => Err(ConfigError::new(name, "is set but empty")),
        Some(v) => Ok(Some(v.trim().to_owned())),
        None => Ok(None),
    }
}

fn require_env(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    read_env(lookup, name)?.ok_or_else(|| ConfigError::new(name, "is required but not set"))
}

fn read_key_file(name: &'static str, path: &str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| ConfigError::with_source(name, format!("cannot read key file `{path}`"), e))
}

/// Reads every variable through `lookup`; errors name the variable.
pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Result<EnvSettings, ConfigError> {
    let base_url = require_env(lookup, ENV_BASE_URL)?;
    let merchant_id = require_env(lookup, ENV_MERCHANT_ID)?;
    let business_id = require_env(lookup, ENV_BUSINESS_ID)?;
    let sign_type = match read_env(lookup, ENV_SIGN_TYPE)? {
        None => SignType::Sha256Rsa,
        Some(t) => t
            .parse::<SignType>()
            .map_err(|e| ConfigError::with_source(ENV_SIGN_TYPE, "must be SHA256-RSA or MD5", e))?,
    };
    let key_path = read_env(lookup, ENV_PRIVATE_KEY)?;
    let credentials = match sign_type {
        SignType::Md5 => Credentials::md5(Secret::new(require_env(lookup, ENV_SECRET)?)),
        SignType::Sha256Rsa => {
            let path = key_path.as_deref().ok_or_else(|| {
                ConfigError::new(
                    ENV_PRIVATE_KEY,
                    "is required for SHA256-RSA (the path of the merchant private key)",
                )
            })?;
            Credentials::sha256_rsa_pem(read_key_file(ENV_PRIVATE_KEY, path)?)
        }
    };
    let card_key = match (sign_type, key_path.as_deref()) {
        (SignType::Md5, Some(path)) => Some(read_key_file(ENV_PRIVATE_KEY, path)?),
        _ => None,
    };
    let platform_key = read_env(lookup, ENV_PLATFORM_PUBLIC_KEY)?
        .map(|path| read_key_file(ENV_PLATFORM_PUBLIC_KEY, &path))
        .transpose()?;
    Ok(EnvSettings {
        base_url,
        merchant_id,
        business_id,
        credentials,
        card_key,
        platform_key,
    })
}
