//! [`Explanation`]: what was signed, with the secret masked, so a "bad sign" can be debugged;
//! and [`Redacted`], its rendering without values, for errors and logs.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

/// Why a field was left out of the canonical string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The style always excludes this key (for example `sign`).
    Excluded,
    /// The endpoint declares this field unsigned (for example 91 card's `check`).
    Unsigned,
    /// The value is empty and the style skips empty values.
    Empty,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Excluded => "excluded by the rule",
            Self::Unsigned => "unsigned field of this endpoint",
            Self::Empty => "empty value",
        })
    }
}

/// The canonical string of a signed payload with the secret masked, plus which fields were
/// included or skipped and why.
///
/// It never holds the secret, but it **does hold the request's values**: a payer's phone,
/// email, real name, a payout's account number. Its `Display`, [`Explanation::signed_string`]
/// and [`Explanation::canonical`] print them in full, for an explicit request (a user debugging
/// a "bad sign", `payhub sign --explain`). Errors and logs use [`Explanation::redacted`]
/// instead: field names and value lengths, never values. `Debug` is the redacted form too.
///
/// ```
/// use sign_core::{CanonicalParams, CanonicalStyle};
/// let mut p = CanonicalParams::new();
/// p.push("amount", "100");
/// p.push("phone", "255700000001");
/// p.push("sign", "abc");
/// let e = p.explain(&CanonicalStyle::ascii_raw(), &[], "&key=***");
/// assert_eq!(e.signed_string(), "amount=100&phone=255700000001&key=***");
/// assert_eq!(e.included(), ["amount", "phone"]);
/// let safe = e.redacted().to_string();
/// assert!(safe.starts_with("fields amount[3], phone[12]; skipped sign (excluded by the rule)"));
/// assert!(!safe.contains("255700000001"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Explanation {
    canonical: String,
    masked_suffix: String,
    included: Vec<String>,
    /// The length in characters of each included field's value, parallel to `included`.
    value_lens: Vec<usize>,
    skipped: Vec<(String, SkipReason)>,
    /// Named byte ranges of `canonical` for a whole-message explanation.
    parts: Vec<(Cow<'static, str>, Range<usize>)>,
}

impl Explanation {
    pub(crate) fn new(
        canonical: String,
        masked_suffix: String,
        included: Vec<(String, usize)>,
        skipped: Vec<(String, SkipReason)>,
    ) -> Self {
        let (included, value_lens) = included.into_iter().unzip();
        Self {
            canonical,
            masked_suffix,
            included,
            value_lens,
            skipped,
            parts: Vec::new(),
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

    /// Names the pieces of a whole message (byte ranges of [`Explanation::canonical`]), so the
    /// [redacted](Explanation::redacted) rendering can say `path[18], timestamp[10], nonce[32],
    /// body[240]{...}` instead of one opaque length. Ranges that do not fall on the text (out of
    /// bounds, inside a character) are shown as `name[?]`.
    ///
    /// ```
    /// use sign_core::Explanation;
    /// let e = Explanation::for_message(b"/v1/pay\n1700000000\n{\"email\":\"a@b.example\"}", "")
    ///     .with_parts([("path", 0..7), ("timestamp", 8..18), ("body", 19..42)]);
    /// let safe = e.redacted().to_string();
    /// assert!(safe.starts_with("parts path[7], timestamp[10], body[23]{email[11]}"), "{safe}");
    /// assert!(!safe.contains("a@b.example"));
    /// ```
    #[must_use]
    pub fn with_parts<N, I>(mut self, parts: I) -> Self
    where
        N: Into<Cow<'static, str>>,
        I: IntoIterator<Item = (N, Range<usize>)>,
    {
        self.parts = parts.into_iter().map(|(n, r)| (n.into(), r)).collect();
        self
    }

    /// The string that was signed, with the secret replaced by `***`. Holds the request's values
    /// (personal data included): for an explicit request, not for logs.
    pub fn signed_string(&self) -> String {
        format!("{}{}", self.canonical, self.masked_suffix)
    }

    /// The canonical part alone (no secret suffix). Holds the request's values, as
    /// [`Explanation::signed_string`].
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

    /// A rendering safe for errors and logs: the fields (or the message's named parts, and the
    /// keys of a JSON body) with the length of each value in characters, the skipped fields, the
    /// length of the signed string and the first 12 hex digits of the SHA-256 of the canonical
    /// string (the signed string up to the secret), never a value. Support can compare the digest
    /// with the same digest of the string the provider rebuilt.
    ///
    /// One line, for example
    /// `fields amount[6], mobile[11], order_no[12]; skipped sign (excluded by the rule); 61
    /// chars + "&key=***", sha256 3f2a9c81d0e4`.
    pub fn redacted(&self) -> Redacted<'_> {
        Redacted(self)
    }

    /// The first 12 hex digits of the SHA-256 of [`Explanation::canonical`].
    pub fn digest_prefix(&self) -> String {
        let digest = Sha256::digest(self.canonical.as_bytes());
        hex::encode(&digest[..6])
    }
}

impl fmt::Display for Explanation {
    /// The full explanation, values included (personal data): for an explicit request.
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

impl fmt::Debug for Explanation {
    /// Redacted: no values, so an `Explanation` inside an error's `Debug` prints no personal
    /// data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explanation")
            .field("redacted", &self.redacted().to_string())
            .finish()
    }
}

/// [`Explanation::redacted`]: names and lengths, never values. `Display` renders one line.
#[derive(Clone, Copy)]
pub struct Redacted<'a>(&'a Explanation);

/// A JSON object this deep or with this many keys is summarized, not listed.
const MAX_DEPTH: usize = 3;
const MAX_KEYS: usize = 64;

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if !e.included.is_empty() || !e.skipped.is_empty() {
            f.write_str("fields ")?;
            if e.included.is_empty() {
                f.write_str("none")?;
            }
            for (i, name) in e.included.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match e.value_lens.get(i) {
                    Some(len) => write!(f, "{name}[{len}]")?,
                    None => write!(f, "{name}[?]")?,
                }
            }
            for (i, (name, why)) in e.skipped.iter().enumerate() {
                f.write_str(if i == 0 { "; skipped " } else { ", " })?;
                write!(f, "{name} ({why})")?;
            }
        } else if !e.parts.is_empty() {
            f.write_str("parts ")?;
            for (i, (name, range)) in e.parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match e.canonical.get(range.clone()) {
                    Some(text) => describe(f, name, text, 0)?,
                    None => write!(f, "{name}[?]")?,
                }
            }
        } else {
            describe(f, "message", &e.canonical, 0)?;
        }
        write!(f, "; {} chars", e.canonical.chars().count())?;
        if !e.masked_suffix.is_empty() {
            write!(f, " + {:?}", e.masked_suffix)?;
        }
        write!(f, ", sha256 {}", e.digest_prefix())
    }
}

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// `name[len]`, followed by `{key[len], ...}` when `text` is a JSON object.
fn describe(f: &mut fmt::Formatter<'_>, name: &str, text: &str, depth: usize) -> fmt::Result {
    write!(f, "{name}[{}]", text.chars().count())?;
    if depth >= MAX_DEPTH || !text.trim_start().starts_with('{') {
        return Ok(());
    }
    let Ok(Fields(fields)) = serde_json::from_str::<Fields<'_>>(text) else {
        return Ok(());
    };
    f.write_str("{")?;
    for (i, (key, raw)) in fields.iter().take(MAX_KEYS).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        let raw = raw.get();
        if raw.starts_with('{') {
            describe(f, key, raw, depth + 1)?;
        } else if raw.starts_with('"') {
            // A string's length is its text's, without quotes and escapes.
            let len = serde_json::from_str::<Cow<'_, str>>(raw)
                .map_or_else(|_| raw.chars().count(), |s| s.chars().count());
            write!(f, "{key}[{len}]")?;
        } else {
            write!(f, "{key}[{}]", raw.chars().count())?;
        }
    }
    if fields.len() > MAX_KEYS {
        write!(f, ", {} more", fields.len() - MAX_KEYS)?;
    }
    f.write_str("}")
}

/// The top-level keys of a JSON object in document order, with their raw values.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    out.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V)
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

    #[test]
    fn a_json_body_is_shown_as_keys_and_lengths_nested_objects_included() {
        let body = r#"{"realName":"张三","phone":"255700000001","payee":{"accountNo":"713512345","bank":2},"amount":30000}"#;
        let e = Explanation::for_message(body.as_bytes(), "***");
        let safe = e.redacted().to_string();
        assert!(
            safe.starts_with(
                "message[98]{realName[2], phone[12], payee[34]{accountNo[9], bank[1]}, amount[5]}; 98 chars + \"***\", sha256 "
            ),
            "{safe}"
        );
        for value in ["张三", "255700000001", "713512345", "30000"] {
            assert!(!safe.contains(value), "{value} in {safe}");
            assert!(!format!("{e:?}").contains(value), "{value} in Debug");
        }
        assert_eq!(e.digest_prefix().len(), 12);
        assert!(safe.ends_with(&e.digest_prefix()));
    }

    #[test]
    fn text_that_is_not_json_is_only_a_length_and_bad_ranges_do_not_panic() {
        let e = Explanation::for_message("a=1&b=张".as_bytes(), "").with_parts([
            ("head", 0..3),
            ("inside a char", 8..9),
            ("past the end", 5..99),
        ]);
        let safe = e.redacted().to_string();
        assert!(
            safe.starts_with("parts head[3], inside a char[?], past the end[?]; 7 chars, sha256 "),
            "{safe}"
        );
    }
}
