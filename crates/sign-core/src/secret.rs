//! Secrets that never print: API keys, app secrets and private-key material.
//!
//! `Debug` and `Display` both render `Secret(***)`, the bytes are zeroized on drop, and the only
//! way to read the value is the explicit [`Secret::expose`], which is easy to grep for in review.

use std::fmt;

use zeroize::Zeroizing;

/// A merchant secret (API key, app secret, MD5 key). Zeroized on drop; never printed.
///
/// ```
/// use sign_core::Secret;
/// let s = Secret::new("testApiKey");
/// assert_eq!(format!("{s:?} {s}"), "Secret(***) Secret(***)");
/// assert_eq!(s.expose(), "testApiKey");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call it only where the bytes go into a digest or cipher.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an empty key is always a configuration error).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length of the secret in bytes (AES keys must be exactly 32).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
