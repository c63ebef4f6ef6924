//! sign-core's one integration-test binary.
//!
//! It reproduces, byte for byte, every case of the shared golden vectors in `fixtures/vectors/`
//! that sign-core alone can express (the canonical string or signed message, and the signature),
//! checks key loading and the RSA and AES pieces on every compiled-in backend, pins the
//! `Explanation` rendering with snapshots, and runs proptest invariants over the canonicalizer.
//!
//! Run it with every backend compiled in: `cargo test -p sign-core --all-features`. With fewer
//! features the modules that need a missing feature are left out.
#![forbid(unsafe_code)]

mod support;

#[cfg(feature = "md5")]
mod explain;
#[cfg(feature = "md5")]
mod gateway_recharge;
#[cfg(feature = "md5")]
mod jiuyi_dc;
#[cfg(any(feature = "aws-lc-rs", feature = "rsa"))]
mod keys;
#[cfg(feature = "md5")]
mod paydesk;
#[cfg(feature = "md5")]
mod props;
mod redaction;
#[cfg(feature = "aes")]
mod symmetric;
#[cfg(feature = "aes")]
mod tokenpay;
#[cfg(feature = "md5")]
mod vipcharge;
