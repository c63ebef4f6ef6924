//! Signing ground shared by every payhub provider crate: canonical parameter strings, signers and
//! verifiers behind small traits, constant-time comparison and secret types that never print.
//!
//! This crate does no I/O and knows nothing about HTTP: each provider crate states its own rule
//! (a [`CanonicalStyle`] plus a [`Signer`]) and this crate executes it. Keeping the rule as data
//! means one tested implementation serves all five providers, and [`Explanation`] can show a user
//! exactly what was signed when a provider answers "bad sign".
//!
//! ```
//! # #[cfg(feature = "md5")] {
//! use sign_core::{CanonicalParams, CanonicalStyle, Md5Signer, Secret, SecretSuffix, Signer};
//!
//! // WinPay: ASCII order, raw values, empty values signed, then `&key=SECRET`, MD5 lowercase.
//! let mut params = CanonicalParams::new();
//! params.push("order_no", "ts3023423423");
//! params.push("amount", "100");
//! let canonical = params.to_canonical(&CanonicalStyle::ascii_raw(), &[]);
//! assert_eq!(canonical, "amount=100&order_no=ts3023423423");
//!
//! let signer = Md5Signer::new(Secret::new("adesf235"), SecretSuffix::param("key"));
//! assert_eq!(signer.sign_hex_lower(canonical.as_bytes()), "a5aa4377a3dc981a750508d134b1ae28");
//! # }
//! ```
//!
//! # Features
//! - `md5` (default): MD5 key-appended digests.
//! - `sha2` (default): SHA-256 key-appended digests and HMAC-SHA256.
//! - `aws-lc-rs` (default): RSA (PKCS#1 v1.5, SHA-256) through aws-lc-rs, constant time.
//! - `rsa`: RSA through the pure-Rust `rsa` crate. **Security note:** the `rsa` crate carries
//!   [RUSTSEC-2023-0071](https://rustsec.org/advisories/RUSTSEC-2023-0071) (the "Marvin" timing
//!   side channel on private-key operations), with no fixed release. Prefer the default
//!   `aws-lc-rs` backend wherever an attacker can time your signing or decryption.
//! - `aes`: AES-256-ECB/PKCS#7 request signatures and AES-256-GCM decryption (tokenpay), through
//!   aws-lc-rs.
#![forbid(unsafe_code)]

mod canonical;
mod ct;
mod encoding;
mod error;
mod explain;
mod secret;
mod signer;

#[cfg(any(feature = "md5", feature = "sha2"))]
mod digest;
#[cfg(feature = "sha2")]
mod hmac;

#[cfg(feature = "aes")]
pub mod aes;
#[cfg(any(feature = "aws-lc-rs", feature = "rsa"))]
pub mod rsa;

pub use canonical::{BorrowedParams, CanonicalParams, CanonicalStyle, KeyOrder, ValueEncoding};
pub use ct::constant_time_eq;
pub use encoding::{SignatureEncoding, php_urlencode};
pub use error::{Error, KeyError};
pub use explain::{Explanation, Redacted, SkipReason};
pub use secret::Secret;
pub use signer::{SecretSuffix, Signer, Verifier};

#[cfg(feature = "md5")]
pub use digest::Md5Signer;
#[cfg(feature = "sha2")]
pub use digest::Sha256Signer;
#[cfg(feature = "sha2")]
pub use hmac::HmacSha256Signer;
