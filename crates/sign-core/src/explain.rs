//! [`Explanation`]: what was signed, with the secret masked, so a "bad sign" can be debugged.

use std::fmt;

use crate::SkipReason;

/// The canonical string of a signed payload with the secret masked, plus which fields were
/// included or skipped and why. Safe to log: it never holds the secret.
///
/// ```
/// use sign_core::{CanonicalParams, CanonicalStyle};
/// let mut p = CanonicalParams::new();
/// p.push("amount", "100");
/// p.push("sign", "abc");
/// let e = p.explain(&CanonicalStyle::ascii_raw(), &[], "&key=***");
/// assert_eq!(e.signed_string(), "amount=100&key=***");
/// assert_eq!(e.included(), ["amount"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    canonical: String,
    masked_suffix: String,
    included: Vec<String>,
    skipped: Vec<(String, SkipReason)>,
}

impl Explanation {
    pub(crate) fn new(
        canonical: String,
        masked_suffix: String,
        included: Vec<String>,
        skipped: Vec<(String, SkipReason)>,
    ) -> Self {
        Self {
            canonical,
            masked_suffix,
            included,
            skipped,
        }
    }

    /// An explanation for providers that sign a whole message (body bytes, header string).
    pub fn for_message(message: &[u8], masked_suffix: &str) -> Self {
        // `from_utf8` is the fast validating path; the lossy decoder is for the rare message
        // that is not UTF-8.
        let canonical = match std::str::from_utf8(message) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(message).into_owned(),
        };
        Self::new(canonical, masked_suffix.to_owned(), Vec::new(), Vec::new())
    }

    /// The string that was signed, with the secret replaced by `***`.
    pub fn signed_string(&self) -> String {
        format!("{}{}", self.canonical, self.masked_suffix)
    }

    /// The canonical part alone (no secret suffix).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Fields that went into the string, in order.
    pub fn included(&self) -> &[String] {
        &self.included
    }

    /// Fields left out, with the reason.
    pub fn skipped(&self) -> &[(String, SkipReason)] {
        &self.skipped
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "signed string: {}{}", self.canonical, self.masked_suffix)?;
        if !self.included.is_empty() {
            writeln!(f, "included: {}", self.included.join(", "))?;
        }
        for (k, why) in &self.skipped {
            writeln!(f, "skipped: {k} ({why})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Explanation;

    #[test]
    fn messages_are_kept_as_text_and_invalid_utf8_is_replaced() {
        let e = Explanation::for_message("a=é".as_bytes(), "***");
        assert_eq!(e.signed_string(), "a=é***");
        let e = Explanation::for_message(b"a=\xff\xfeb", "&key=***");
        assert_eq!(e.canonical(), "a=\u{fffd}\u{fffd}b");
    }
}
