//! Constant-time comparison, so a verifier never tells an attacker how many bytes matched.

use subtle::ConstantTimeEq;

/// Compares two byte strings in time that depends only on their lengths.
///
/// ```
/// assert!(sign_core::constant_time_eq(b"ABC", b"ABC"));
/// assert!(!sign_core::constant_time_eq(b"ABC", b"ABD"));
/// assert!(!sign_core::constant_time_eq(b"ABC", b"AB"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
