//! Canonical parameter strings (`k=v&k=v`) for the providers that sign a field list.
//!
//! Providers differ in ordering, which keys are excluded, whether empty values are skipped and how
//! values are encoded. Those differences live in a [`CanonicalStyle`] value, not in boolean
//! arguments, so each provider crate states its rule once and this one implementation runs it.
//!
//! Values are kept as text exactly as received: a JSON number such as `358320.00` stays
//! `358320.00` (it is never parsed through `f64`), and nested objects keep their raw JSON text.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use crate::encoding::php_urlencode_into;
use crate::{Error, Explanation};

/// How keys are ordered in the canonical string.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOrder {
    /// Keys sorted by their bytes (ASCII order); the rule of every provider here that signs fields.
    Ascii,
    /// A fixed field order; keys not listed follow in ASCII order.
    Fixed(Vec<String>),
}

/// How each value is written after `key=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueEncoding {
    /// The value exactly as sent (WinPay).
    Raw,
    /// PHP `urlencode()`: space as `+`, every byte but `A-Za-z0-9-_.` as upper-hex `%XX` (91 card).
    PhpUrlencode,
}

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

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Excluded => "excluded by the rule",
            Self::Unsigned => "unsigned field of this endpoint",
            Self::Empty => "empty value",
        })
    }
}

/// One provider's canonical-string rule.
///
/// ```
/// use sign_core::{CanonicalStyle, ValueEncoding};
/// let style = CanonicalStyle::ascii_raw().skip_empty(true).encoding(ValueEncoding::PhpUrlencode);
/// assert!(style.skips_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalStyle {
    order: KeyOrder,
    exclude: Vec<String>,
    skip_empty: bool,
    encoding: ValueEncoding,
    pair_separator: String,
    kv_separator: String,
}

impl CanonicalStyle {
    /// ASCII key order, `sign` excluded, empty values kept, raw values, `k=v` joined by `&`.
    pub fn ascii_raw() -> Self {
        Self {
            order: KeyOrder::Ascii,
            exclude: vec!["sign".to_owned()],
            skip_empty: false,
            encoding: ValueEncoding::Raw,
            pair_separator: "&".to_owned(),
            kv_separator: "=".to_owned(),
        }
    }

    /// Sets the key order.
    #[must_use]
    pub fn order(mut self, order: KeyOrder) -> Self {
        self.order = order;
        self
    }

    /// Replaces the always-excluded keys (default: `sign`).
    #[must_use]
    pub fn exclude<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Whether fields with an empty value are left out.
    #[must_use]
    pub fn skip_empty(mut self, skip: bool) -> Self {
        self.skip_empty = skip;
        self
    }

    /// Sets the value encoding.
    #[must_use]
    pub fn encoding(mut self, encoding: ValueEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets the separators between pairs and between key and value (default `&` and `=`).
    #[must_use]
    pub fn separators(mut self, pair: impl Into<String>, kv: impl Into<String>) -> Self {
        self.pair_separator = pair.into();
        self.kv_separator = kv.into();
        self
    }

    /// Whether this style skips empty values.
    pub fn skips_empty(&self) -> bool {
        self.skip_empty
    }

    fn skip_reason(&self, key: &str, value: &str, unsigned: &[&str]) -> Option<SkipReason> {
        if self.exclude.iter().any(|k| k == key) {
            Some(SkipReason::Excluded)
        } else if unsigned.contains(&key) {
            Some(SkipReason::Unsigned)
        } else if self.skip_empty && value.is_empty() {
            Some(SkipReason::Empty)
        } else {
            None
        }
    }
}

/// An ordered list of `(key, value)` text pairs, as sent or as received.
///
/// ```
/// use sign_core::{CanonicalParams, CanonicalStyle};
/// let params = CanonicalParams::from_json_object(br#"{"b":"2","a":1.50,"sign":"x"}"#).unwrap();
/// assert_eq!(params.to_canonical(&CanonicalStyle::ascii_raw(), &[]), "a=1.50&b=2");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CanonicalParams {
    pairs: Vec<(String, String)>,
}

impl CanonicalParams {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `n` pairs.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            pairs: Vec::with_capacity(n),
        }
    }

    /// Appends a pair.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The pairs in insertion order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Reads the top-level fields of a JSON object, keeping each value's text as received:
    /// strings unescaped, numbers and booleans verbatim (never through `f64`), `null` as empty,
    /// nested objects and arrays as their raw JSON text.
    ///
    /// # Errors
    /// [`Error::Params`] when the bytes are not a JSON object.
    pub fn from_json_object(bytes: &[u8]) -> Result<Self, Error> {
        let map: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(bytes)
            .map_err(|e| Error::Params(format!("not a JSON object: {e}")))?;
        let mut out = Self::with_capacity(map.len());
        for (key, raw) in map {
            let text = raw.get();
            let value = if text.starts_with('"') {
                serde_json::from_str::<String>(text)
                    .map_err(|e| Error::Params(format!("field `{key}`: {e}")))?
            } else if text == "null" {
                String::new()
            } else {
                text.to_owned()
            };
            out.push(key, value);
        }
        Ok(out)
    }

    /// Reads an `application/x-www-form-urlencoded` body into pairs (values decoded).
    ///
    /// # Errors
    /// Never today; the `Result` leaves room for stricter decoding.
    pub fn from_form(bytes: &[u8]) -> Result<Self, Error> {
        let mut out = Self::new();
        for (k, v) in url::form_urlencoded::parse(bytes) {
            out.push(k.into_owned(), v.into_owned());
        }
        Ok(out)
    }

    fn ordered<'a>(&'a self, style: &CanonicalStyle) -> Vec<&'a (String, String)> {
        let mut refs: Vec<&(String, String)> = self.pairs.iter().collect();
        match &style.order {
            KeyOrder::Ascii => refs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes())),
            KeyOrder::Fixed(order) => refs.sort_by(|a, b| {
                let pa = order.iter().position(|k| *k == a.0).unwrap_or(usize::MAX);
                let pb = order.iter().position(|k| *k == b.0).unwrap_or(usize::MAX);
                pa.cmp(&pb).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
            }),
        }
        refs
    }

    /// Writes the canonical string into `out` (no secret; the signer appends it).
    /// `unsigned` names the endpoint's fields that are sent but not signed.
    pub fn write_canonical(&self, style: &CanonicalStyle, unsigned: &[&str], out: &mut String) {
        let mut first = true;
        for (k, v) in self.ordered(style) {
            if style.skip_reason(k, v, unsigned).is_some() {
                continue;
            }
            if !first {
                out.push_str(&style.pair_separator);
            }
            first = false;
            out.push_str(k);
            out.push_str(&style.kv_separator);
            match style.encoding {
                ValueEncoding::Raw => out.push_str(v),
                ValueEncoding::PhpUrlencode => php_urlencode_into(v, out),
            }
        }
    }

    /// The canonical string (no secret; the signer appends it).
    pub fn to_canonical(&self, style: &CanonicalStyle, unsigned: &[&str]) -> String {
        let mut out =
            String::with_capacity(self.pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        self.write_canonical(style, unsigned, &mut out);
        out
    }

    /// What would be signed: the canonical string with the secret suffix masked, and which fields
    /// were included or skipped and why.
    pub fn explain(
        &self,
        style: &CanonicalStyle,
        unsigned: &[&str],
        masked_suffix: &str,
    ) -> Explanation {
        let mut included = Vec::new();
        let mut skipped = Vec::new();
        for (k, v) in self.ordered(style) {
            match style.skip_reason(k, v, unsigned) {
                Some(reason) => skipped.push((k.clone(), reason)),
                None => included.push(k.clone()),
            }
        }
        Explanation::new(
            self.to_canonical(style, unsigned),
            masked_suffix.to_owned(),
            included,
            skipped,
        )
    }
}
