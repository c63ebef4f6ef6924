//! The `Payhub-Signature` header the forwarder puts on every event it delivers, so the merchant
//! app can tell payhub's deliveries from anyone else's requests.
//!
//! The scheme is Stripe's, which many webhook libraries already know: the header is
//! `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the key is the secret shared with the
//! merchant app. The timestamp is signed too, so a captured delivery cannot be replayed after
//! the tolerance window. During a secret rotation a sender may put several `v1=` entries in one
//! header (one per secret); [`verify`] accepts the header when any of them matches.
//!
//! ```
//! use std::time::Duration;
//! use payhub_store::signature::{sign, verify};
//! let body = br#"{"id":1}"#;
//! let header = sign(b"whsec_test", 1_700_000_000, body);
//! assert!(header.starts_with("t=1700000000,v1="));
//! verify(b"whsec_test", &header, body, Duration::from_secs(300), 1_700_000_010)?;
//! assert!(verify(b"whsec_test", &header, b"{\"id\":2}", Duration::from_secs(300), 1_700_000_010).is_err());
//! # Ok::<(), payhub_store::signature::SignatureError>(())
//! ```

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header name the forwarder signs its deliveries with.
pub const SIGNATURE_HEADER: &str = "Payhub-Signature";
/// The header carrying the store's event id (the merchant app's dedupe key).
pub const EVENT_ID_HEADER: &str = "Payhub-Event-Id";

/// Longest header accepted by [`verify`] (a few rotated signatures fit easily).
const MAX_HEADER_LEN: usize = 4096;

/// Why [`verify`] refused a delivery.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The header is not `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`.
    #[error("malformed Payhub-Signature header: {problem}")]
    Malformed {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The signed timestamp is further from now than the tolerance (a replayed or delayed
    /// delivery, or a clock off by that much).
    #[error(
        "Payhub-Signature timestamp is {age_secs} s from now, beyond the tolerance of {tolerance_secs} s"
    )]
    Stale {
        /// Seconds between the signed timestamp and now (negative: in the future).
        age_secs: i64,
        /// The tolerance applied.
        tolerance_secs: u64,
    },
    /// No `v1` signature matches the body with this secret.
    #[error("Payhub-Signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], t: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Payhub-Signature` header value for `body` sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
///
/// ```
/// let h = payhub_store::signature::sign(b"secret", 1, b"{}");
/// assert_eq!(h.len(), "t=1,v1=".len() + 64);
/// ```
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let tag = mac(secret, &t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

/// Checks a `Payhub-Signature` header against the raw `body`: the timestamp must be within
/// `tolerance` of `now` (unix seconds, either direction) and one of the `v1` entries must be the
/// HMAC of `"<t>.<body>"` under `secret` (compared in constant time). Unknown entries (`v0=`,
/// future schemes) are ignored.
///
/// # Errors
///
/// [`SignatureError::Malformed`] when the header cannot be parsed, [`SignatureError::Stale`]
/// when the timestamp is outside the window, [`SignatureError::Mismatch`] when no signature
/// matches.
///
/// ```
/// use std::time::Duration;
/// use payhub_store::signature::{sign, verify, SignatureError};
/// let h = sign(b"s", 1_000, b"x");
/// assert_eq!(
///     verify(b"s", &h, b"x", Duration::from_secs(60), 2_000),
///     Err(SignatureError::Stale { age_secs: 1_000, tolerance_secs: 60 })
/// );
/// ```
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<(), SignatureError> {
    let malformed = |problem| SignatureError::Malformed { problem };
    if header.len() > MAX_HEADER_LEN {
        return Err(malformed("longer than 4096 bytes"));
    }
    let mut t_text = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(malformed("an entry is not key=value"))?;
        match key {
            "t" => {
                if t_text.is_some() {
                    return Err(malformed("more than one t= entry"));
                }
                t_text = Some(value);
            }
            "v1" => {
                let sig = hex::decode(value).map_err(|_| malformed("a v1= entry is not hex"))?;
                if sig.len() != 32 {
                    return Err(malformed("a v1= entry is not 32 bytes (64 hex digits)"));
                }
                signatures.push(sig);
            }
            _ => {}
        }
    }
    let t_text = t_text.ok_or(malformed("no t= entry"))?;
    if t_text.is_empty() || t_text.len() > 18 || !t_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("t= is not unix seconds"));
    }
    let t: i64 = t_text
        .parse()
        .map_err(|_| malformed("t= is not unix seconds"))?;
    if signatures.is_empty() {
        return Err(malformed("no v1= entry"));
    }
    let age = now.saturating_sub(t);
    let tolerance_secs = tolerance.as_secs();
    if age.unsigned_abs() > tolerance_secs {
        return Err(SignatureError::Stale {
            age_secs: age,
            tolerance_secs,
        });
    }
    let expected = mac(secret, t_text, body);
    if signatures
        .iter()
        .any(|sig| expected.clone().verify_slice(sig).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: Duration = Duration::from_secs(300);

    #[test]
    fn known_vector() {
        // HMAC-SHA256(key="secret", "1700000000.{}"), computed independently with openssl:
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let h = sign(b"secret", 1_700_000_000, b"{}");
        assert_eq!(
            h,
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert!(verify(b"secret", &h, b"{}", TOL, 1_700_000_000).is_ok());
    }

    #[test]
    fn rotation_accepts_any_v1() {
        let old = sign(b"old", 10, b"b");
        let new = sign(b"new", 10, b"b");
        let v1_new = new.split_once(",v1=").expect("v1").1;
        let both = format!("{old},v1={v1_new}");
        assert!(verify(b"new", &both, b"b", TOL, 10).is_ok());
        assert!(verify(b"old", &both, b"b", TOL, 10).is_ok());
        assert_eq!(
            verify(b"other", &both, b"b", TOL, 10),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refusals() {
        let h = sign(b"k", 100, b"body");
        assert_eq!(
            verify(b"k", &h, b"bodY", TOL, 100),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(b"k", &h, b"body", TOL, 100 + 301),
            Err(SignatureError::Stale { age_secs: 301, .. })
        ));
        assert!(matches!(
            verify(b"k", &h, b"body", TOL, 100 - 301),
            Err(SignatureError::Stale { age_secs: -301, .. })
        ));
        for bad in [
            "",
            "v1=00",
            "t=100",
            "t=abc,v1=00",
            "t=-1,v1=00",
            "t=100,v1=zz",
            "t=100,v1=0011",
            "t=1,t=2,v1=00",
            "garbage",
        ] {
            assert!(
                matches!(
                    verify(b"k", bad, b"body", TOL, 100),
                    Err(SignatureError::Malformed { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            verify(b"k", &"t=1,".repeat(2000), b"", TOL, 1),
            Err(SignatureError::Malformed { .. })
        ));
    }
}
