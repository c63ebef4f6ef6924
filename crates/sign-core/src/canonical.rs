//! Canonical parameter strings (`k=v&k=v`) for the providers that sign a field list.
//!
//! Providers differ in ordering, which keys are excluded, whether empty values are skipped and how
//! values are encoded. Those differences live in a [`CanonicalStyle`] value, not in boolean
//! arguments, so each provider crate states its rule once and this one implementation runs it.
//!
//! Values are kept as text exactly as received: a JSON number such as `358320.00` stays
//! `358320.00` (it is never parsed through `f64`), and nested objects keep their raw JSON text.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::encoding::php_urlencode_into;
use crate::{Error, Explanation, SkipReason};

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
    // Borrowed defaults: building the usual style allocates nothing, so a provider can make one
    // per call at no cost.
    exclude: Cow<'static, [Cow<'static, str>]>,
    skip_empty: bool,
    encoding: ValueEncoding,
    pair_separator: Cow<'static, str>,
    kv_separator: Cow<'static, str>,
}

/// The default excluded keys: `sign`.
const EXCLUDE_SIGN: &[Cow<'static, str>] = &[Cow::Borrowed("sign")];

impl CanonicalStyle {
    /// ASCII key order, `sign` excluded, empty values kept, raw values, `k=v` joined by `&`.
    pub fn ascii_raw() -> Self {
        Self {
            order: KeyOrder::Ascii,
            exclude: Cow::Borrowed(EXCLUDE_SIGN),
            skip_empty: false,
            encoding: ValueEncoding::Raw,
            pair_separator: Cow::Borrowed("&"),
            kv_separator: Cow::Borrowed("="),
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
        self.exclude = Cow::Owned(keys.into_iter().map(|k| Cow::Owned(k.into())).collect());
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
        self.pair_separator = Cow::Owned(pair.into());
        self.kv_separator = Cow::Owned(kv.into());
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

/// The content of a JSON string token without escapes, which is the text itself: the parser
/// already checked the token (no raw control characters, no bare quotes), so only a backslash
/// needs the full unescaping path.
fn unescaped_string(token: &str) -> Option<&str> {
    token
        .strip_prefix('"')?
        .strip_suffix('"')
        .filter(|inner| !inner.contains('\\'))
}

/// A separator, with one-character separators told apart.
enum Separator<'a> {
    Char(char),
    Text(&'a str),
}

impl<'a> Separator<'a> {
    fn new(text: &'a str) -> Self {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Self::Char(c),
            _ => Self::Text(text),
        }
    }

    #[inline]
    fn write(&self, out: &mut String) {
        match self {
            Self::Char(c) => out.push(*c),
            Self::Text(t) => out.push_str(t),
        }
    }
}

/// Field lists up to this length are ordered on the stack.
const ORDER_STACK: usize = 32;

/// A key's first 8 bytes as a big-endian integer, zero-padded: `prefix_key(a) < prefix_key(b)`
/// implies `a < b` in byte order, and `a < b` implies `prefix_key(a) <= prefix_key(b)`.
fn prefix_key(key: &str) -> u64 {
    key.as_bytes()
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |acc, (i, &b)| acc | u64::from(b) << (56 - 8 * i))
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
        BorrowedParams::from_json_object(bytes).map(BorrowedParams::into_owned)
    }

    /// Reads an `application/x-www-form-urlencoded` body into pairs (values decoded).
    ///
    /// # Errors
    /// Never today; the `Result` leaves room for stricter decoding.
    pub fn from_form(bytes: &[u8]) -> Result<Self, Error> {
        BorrowedParams::from_form(bytes).map(BorrowedParams::into_owned)
    }

    /// The pairs as they are; see [`CanonicalParams::pairs`].
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// Writes the canonical string into `out` (no secret; the signer appends it).
    /// `unsigned` names the endpoint's fields that are sent but not signed.
    pub fn write_canonical(&self, style: &CanonicalStyle, unsigned: &[&str], out: &mut String) {
        write_pairs(&self.pairs, style, unsigned, out);
    }

    /// The canonical string (no secret; the signer appends it).
    pub fn to_canonical(&self, style: &CanonicalStyle, unsigned: &[&str]) -> String {
        canonical_of(&self.pairs, style, unsigned)
    }

    /// What would be signed: the canonical string with the secret suffix masked, and which fields
    /// were included or skipped and why. [`Explanation::canonical`] is the canonical string
    /// itself, so a caller that needs both signs that instead of building it twice.
    pub fn explain(
        &self,
        style: &CanonicalStyle,
        unsigned: &[&str],
        masked_suffix: &str,
    ) -> Explanation {
        explain_pairs(&self.pairs, style, unsigned, masked_suffix)
    }
}

/// `(key, value)` pairs of any text type.
type Pair<K, V> = (K, V);

/// The pair indices in canonical order, sorted in `stack` when the list fits (every request
/// here does), so canonicalizing allocates nothing but the output string.
///
/// Each slot is `(primary, index)`: for ASCII order the primary is the key's first 8 bytes
/// read big-endian (zero-padded), which orders like the bytes themselves, so most
/// comparisons are one integer compare; ties fall back to the whole key, then to insertion
/// order (a stable sort, so duplicate keys keep the order they came in).
fn order_into<'b, K: AsRef<str>, V>(
    pairs: &[Pair<K, V>],
    style: &CanonicalStyle,
    stack: &'b mut [(u64, usize); ORDER_STACK],
    heap: &'b mut Vec<(u64, usize)>,
) -> &'b [(u64, usize)] {
    let n = pairs.len();
    let slots: &mut [(u64, usize)] = if n <= ORDER_STACK {
        &mut stack[..n]
    } else {
        heap.resize(n, (0, 0));
        heap
    };
    for (slot, (i, (key, _))) in slots.iter_mut().zip(pairs.iter().enumerate()) {
        let key = key.as_ref();
        let primary = match &style.order {
            KeyOrder::Ascii => prefix_key(key),
            KeyOrder::Fixed(order) => order
                .iter()
                .position(|k| k == key)
                .map_or(u64::MAX, |p| p as u64),
        };
        *slot = (primary, i);
    }
    slots.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| {
                let (ka, kb) = (pairs[a.1].0.as_ref(), pairs[b.1].0.as_ref());
                ka.as_bytes().cmp(kb.as_bytes())
            })
            .then(a.1.cmp(&b.1))
    });
    slots
}

fn write_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[Pair<K, V>],
    style: &CanonicalStyle,
    unsigned: &[&str],
    out: &mut String,
) {
    let (mut stack, mut heap) = ([(0, 0); ORDER_STACK], Vec::new());
    // One-byte separators (all of them in practice) are pushed as a `char`: no copy call.
    let pair_sep = Separator::new(&style.pair_separator);
    let kv_sep = Separator::new(&style.kv_separator);
    let mut first = true;
    for &(_, i) in order_into(pairs, style, &mut stack, &mut heap) {
        let (k, v) = (pairs[i].0.as_ref(), pairs[i].1.as_ref());
        if style.skip_reason(k, v, unsigned).is_some() {
            continue;
        }
        if !first {
            pair_sep.write(out);
        }
        first = false;
        out.push_str(k);
        kv_sep.write(out);
        match style.encoding {
            ValueEncoding::Raw => out.push_str(v),
            ValueEncoding::PhpUrlencode => php_urlencode_into(v, out),
        }
    }
}

fn canonical_of<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[Pair<K, V>],
    style: &CanonicalStyle,
    unsigned: &[&str],
) -> String {
    let plain: usize = pairs
        .iter()
        .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
        .sum();
    // URL-encoding grows values (`/` to `%2F`); a quarter more avoids most regrowths.
    let room = match style.encoding {
        ValueEncoding::Raw => plain,
        ValueEncoding::PhpUrlencode => plain + plain / 4,
    };
    let mut out = String::with_capacity(room);
    write_pairs(pairs, style, unsigned, &mut out);
    out
}

fn explain_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[Pair<K, V>],
    style: &CanonicalStyle,
    unsigned: &[&str],
    masked_suffix: &str,
) -> Explanation {
    let mut included = Vec::new();
    let mut skipped = Vec::new();
    let (mut stack, mut heap) = ([(0, 0); ORDER_STACK], Vec::new());
    for &(_, i) in order_into(pairs, style, &mut stack, &mut heap) {
        let (k, v) = (pairs[i].0.as_ref(), pairs[i].1.as_ref());
        match style.skip_reason(k, v, unsigned) {
            Some(reason) => skipped.push((k.to_owned(), reason)),
            None => included.push((k.to_owned(), v.chars().count())),
        }
    }
    Explanation::new(
        canonical_of(pairs, style, unsigned),
        masked_suffix.to_owned(),
        included,
        skipped,
    )
}

impl CanonicalStyle {
    /// Writes the canonical string of borrowed `pairs` into `out`, exactly as
    /// [`CanonicalParams::write_canonical`] would for the same pairs, without copying them into
    /// a [`CanonicalParams`] first.
    ///
    /// ```
    /// use sign_core::CanonicalStyle;
    /// let mut out = String::new();
    /// CanonicalStyle::ascii_raw().write_pairs(&[("b", "2"), ("a", "1"), ("sign", "x")], &[], &mut out);
    /// assert_eq!(out, "a=1&b=2");
    /// ```
    pub fn write_pairs<K: AsRef<str>, V: AsRef<str>>(
        &self,
        pairs: &[(K, V)],
        unsigned: &[&str],
        out: &mut String,
    ) {
        write_pairs(pairs, self, unsigned, out);
    }
}

/// `(key, value)` pairs that borrow their text (a request's wire fields, a received body):
/// the same rule as [`CanonicalParams`], with nothing copied that does not have to be.
///
/// ```
/// use sign_core::{BorrowedParams, CanonicalStyle};
/// let body = br#"{"b":"2","a":1.50,"sign":"x"}"#;
/// let params = BorrowedParams::from_json_object(body).unwrap();
/// assert_eq!(params.get("a"), Some("1.50"));
/// assert_eq!(params.to_canonical(&CanonicalStyle::ascii_raw(), &[]), "a=1.50&b=2");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BorrowedParams<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> BorrowedParams<'a> {
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

    /// Appends a pair (a `&str` is borrowed, a `String` is taken over).
    pub fn push(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The pairs in insertion order.
    pub fn pairs(&self) -> &[(Cow<'a, str>, Cow<'a, str>)] {
        &self.pairs
    }

    /// The pairs as they are, to take values out without copying them.
    pub fn into_pairs(self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        self.pairs
    }

    /// The value of `key`, if present (the first one, if repeated).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// As [`CanonicalParams::from_json_object`] (same values, same refusal of repeated keys),
    /// borrowing every key and value that needs no unescaping from `bytes`.
    ///
    /// # Errors
    /// [`Error::Params`] when the bytes are not a JSON object or repeat a key.
    pub fn from_json_object(bytes: &'a [u8]) -> Result<Self, Error> {
        // Fields are read in order and a repeated key is refused: parsers disagree on which
        // copy wins, so a body with one could verify under one reading and be acted on under
        // another.
        let RawPairs(pairs) = serde_json::from_slice(bytes)
            .map_err(|e| Error::Params(format!("not a JSON object: {e}")))?;
        if pairs.len() > 1 {
            let mut seen: Vec<&str> = pairs.iter().map(|(k, _)| k.as_ref()).collect();
            seen.sort_unstable();
            if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
                return Err(Error::Params(format!("duplicate field `{}`", w[0])));
            }
        }
        let mut out = Self::with_capacity(pairs.len());
        for (key, raw) in pairs {
            let text = raw.get();
            let value = if let Some(literal) = unescaped_string(text) {
                Cow::Borrowed(literal)
            } else if text.starts_with('"') {
                Cow::Owned(
                    serde_json::from_str::<String>(text)
                        .map_err(|e| Error::Params(format!("field `{key}`: {e}")))?,
                )
            } else if text == "null" {
                Cow::Borrowed("")
            } else {
                Cow::Borrowed(text)
            };
            out.pairs.push((key, value));
        }
        Ok(out)
    }

    /// As [`CanonicalParams::from_form`], borrowing every key and value that needs no decoding.
    ///
    /// # Errors
    /// Never today; the `Result` leaves room for stricter decoding.
    pub fn from_form(bytes: &'a [u8]) -> Result<Self, Error> {
        Ok(Self {
            pairs: url::form_urlencoded::parse(bytes).collect(),
        })
    }

    /// Writes the canonical string into `out`; see [`CanonicalParams::write_canonical`].
    pub fn write_canonical(&self, style: &CanonicalStyle, unsigned: &[&str], out: &mut String) {
        write_pairs(&self.pairs, style, unsigned, out);
    }

    /// The canonical string; see [`CanonicalParams::to_canonical`].
    pub fn to_canonical(&self, style: &CanonicalStyle, unsigned: &[&str]) -> String {
        canonical_of(&self.pairs, style, unsigned)
    }

    /// What would be signed; see [`CanonicalParams::explain`].
    pub fn explain(
        &self,
        style: &CanonicalStyle,
        unsigned: &[&str],
        masked_suffix: &str,
    ) -> Explanation {
        explain_pairs(&self.pairs, style, unsigned, masked_suffix)
    }

    /// An owned copy.
    pub fn into_owned(self) -> CanonicalParams {
        CanonicalParams {
            pairs: self
                .pairs
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }
}

/// The top-level fields of a JSON object in document order, duplicates kept (so they can be
/// refused), each key and raw value text borrowed from the input (a key is copied only when it
/// had escapes).
struct RawPairs<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

/// A key, borrowed unless it had to be unescaped.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visit)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawPairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = RawPairs<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
                while let Some((Key(k), v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    pairs.push((k, v));
                }
                Ok(RawPairs(pairs))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bodies with escapes in keys and values, numbers, booleans, `null`, nested values,
    /// non-ASCII text and an empty object.
    const JSON_BODIES: [&str; 6] = [
        r#"{"trade_no":"RR1","amount":"200.00","sign":"abc","remark":""}"#,
        r#"{"a\u0062":"x\"y","n":358320.00,"t":true,"z":null,"o":{"k":[1,2]},"é":"ü"}"#,
        r#"{}"#,
        r#" { "b" : "2" , "a" : 1 } "#,
        r#"{"k":"line\nbreak","k2":"tab\there"}"#,
        r#"{"sign":"X","amount":-1e3}"#,
    ];

    #[test]
    fn borrowed_params_read_json_exactly_as_owned_params_do() {
        let styles = [
            CanonicalStyle::ascii_raw(),
            CanonicalStyle::ascii_raw()
                .skip_empty(true)
                .encoding(ValueEncoding::PhpUrlencode),
        ];
        for body in JSON_BODIES {
            let owned = CanonicalParams::from_json_object(body.as_bytes()).unwrap();
            let borrowed = BorrowedParams::from_json_object(body.as_bytes()).unwrap();
            for style in &styles {
                assert_eq!(
                    borrowed.to_canonical(style, &["t"]),
                    owned.to_canonical(style, &["t"]),
                    "{body}"
                );
                assert_eq!(
                    borrowed.explain(style, &[], "&key=***"),
                    owned.explain(style, &[], "&key=***")
                );
            }
            for (k, v) in owned.pairs() {
                assert_eq!(borrowed.get(k), Some(v.as_str()), "{body}: {k}");
            }
            assert_eq!(borrowed.clone().into_owned(), owned);
        }
        let b = BorrowedParams::from_json_object(JSON_BODIES[0].as_bytes()).unwrap();
        assert!(
            b.pairs()
                .iter()
                .all(|(k, v)| matches!((k, v), (Cow::Borrowed(_), Cow::Borrowed(_)))),
            "text without escapes is borrowed"
        );
        for bad in [&b"[1]"[..], b"{\"a\":1,\"a\":2}", b"{\"a\":", b"\xff"] {
            let owned = CanonicalParams::from_json_object(bad).map_err(|e| e.to_string());
            let borrowed = BorrowedParams::from_json_object(bad).map_err(|e| e.to_string());
            assert_eq!(owned.err(), borrowed.err());
        }
    }

    #[test]
    fn borrowed_params_read_forms_exactly_as_owned_params_do() {
        for body in ["a=1&b=x+y&c=%E4%B8%AD&a=2&sign=S", "", "k", "k=&=v&%zz=1"] {
            let owned = CanonicalParams::from_form(body.as_bytes()).unwrap();
            let borrowed = BorrowedParams::from_form(body.as_bytes()).unwrap();
            assert_eq!(borrowed.into_owned(), owned, "{body}");
        }
    }

    #[test]
    fn write_pairs_matches_the_owned_params() {
        let pairs = [
            ("b", "2"),
            ("a", ""),
            ("sign", "x"),
            ("c", "a b/é"),
            ("a", "0"),
        ];
        let mut owned = CanonicalParams::new();
        let mut borrowed = BorrowedParams::new();
        for (k, v) in pairs {
            owned.push(k, v);
            borrowed.push(k, v);
        }
        for style in [
            CanonicalStyle::ascii_raw(),
            CanonicalStyle::ascii_raw()
                .skip_empty(true)
                .encoding(ValueEncoding::PhpUrlencode),
        ] {
            let mut out = String::from("prefix:");
            style.write_pairs(&pairs, &["c"], &mut out);
            assert_eq!(
                out,
                format!("prefix:{}", owned.to_canonical(&style, &["c"]))
            );
            assert_eq!(
                borrowed.to_canonical(&style, &["c"]),
                owned.to_canonical(&style, &["c"])
            );
        }
        assert_eq!(owned.clone().into_pairs(), owned.pairs());
    }

    #[test]
    fn json_duplicate_keys_are_refused() {
        let err =
            CanonicalParams::from_json_object(br#"{"amount":"1.00","sign":"x","amount":"900.00"}"#)
                .unwrap_err();
        assert!(
            err.to_string().contains("duplicate field `amount`"),
            "{err}"
        );
        let ok = CanonicalParams::from_json_object(br#"{"b":"2","a":"1"}"#).unwrap();
        assert_eq!(ok.pairs()[0].0, "b", "document order is kept");
        assert!(CanonicalParams::from_json_object(b"[1,2]").is_err());
    }

    /// The ordering as first written: a stable sort of the pairs by key bytes (ASCII) or by
    /// fixed position then key bytes.
    fn reference(params: &CanonicalParams, style: &CanonicalStyle) -> Vec<(String, String)> {
        let mut refs: Vec<&(String, String)> = params.pairs().iter().collect();
        match &style.order {
            KeyOrder::Ascii => refs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes())),
            KeyOrder::Fixed(order) => refs.sort_by(|a, b| {
                let pa = order.iter().position(|k| *k == a.0).unwrap_or(usize::MAX);
                let pb = order.iter().position(|k| *k == b.0).unwrap_or(usize::MAX);
                pa.cmp(&pb).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
            }),
        }
        refs.into_iter().cloned().collect()
    }

    fn ordered(params: &CanonicalParams, style: &CanonicalStyle) -> Vec<(String, String)> {
        let (mut stack, mut heap) = ([(0, 0); ORDER_STACK], Vec::new());
        order_into(params.pairs(), style, &mut stack, &mut heap)
            .iter()
            .map(|&(_, i)| params.pairs()[i].clone())
            .collect()
    }

    /// Keys that share long prefixes, differ only past byte 8, contain NUL and non-ASCII
    /// bytes, and repeat (duplicates must keep their insertion order).
    const KEYS: [&str; 14] = [
        "merchant_no",
        "merchant_id",
        "merchant",
        "merchan",
        "merchant\0",
        "merchant\0x",
        "",
        "a",
        "A",
        "zé",
        "z",
        "amount",
        "amount",
        "sign",
    ];

    fn sample(copies: usize) -> CanonicalParams {
        let mut p = CanonicalParams::new();
        for c in 0..copies {
            for (i, k) in KEYS.iter().enumerate() {
                p.push(*k, format!("{c}-{i}"));
            }
        }
        p
    }

    #[test]
    fn ordering_matches_a_stable_sort_on_the_stack_and_on_the_heap() {
        let fixed = CanonicalStyle::ascii_raw().order(KeyOrder::Fixed(vec![
            "sign".to_owned(),
            "amount".to_owned(),
            "merchant_no".to_owned(),
        ]));
        for copies in [1, 2, 3] {
            // 14 pairs fit the stack buffer; 28 too; 42 take the heap path.
            let p = sample(copies);
            for style in [CanonicalStyle::ascii_raw(), fixed.clone()] {
                assert_eq!(
                    ordered(&p, &style),
                    reference(&p, &style),
                    "{copies} copies"
                );
            }
        }
    }

    #[test]
    fn prefix_keys_never_contradict_byte_order() {
        for a in KEYS {
            for b in KEYS {
                if prefix_key(a) < prefix_key(b) {
                    assert!(a.as_bytes() < b.as_bytes(), "{a:?} {b:?}");
                }
                if a.as_bytes() < b.as_bytes() {
                    assert!(prefix_key(a) <= prefix_key(b), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn json_strings_with_and_without_escapes_read_the_same_as_serde() {
        let body = r#"{"plain":"a b~*","empty":"","esc":"q\"uo\\te\u00e9\n","uni":"é中","n":1.50,"z":null,"o":{"x":"\u0041"}}"#;
        let p = CanonicalParams::from_json_object(body.as_bytes()).expect("object");
        assert_eq!(p.get("plain"), Some("a b~*"));
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.get("esc"), Some("q\"uo\\te\u{e9}\n"));
        assert_eq!(p.get("uni"), Some("\u{e9}\u{4e2d}"));
        assert_eq!(p.get("n"), Some("1.50"));
        assert_eq!(p.get("z"), Some(""));
        assert_eq!(p.get("o"), Some(r#"{"x":"\u0041"}"#));
        assert_eq!(unescaped_string(r#""""#), Some(""));
        assert_eq!(unescaped_string(r#""a\"b""#), None);
        assert_eq!(unescaped_string("12"), None);
    }

    #[test]
    fn the_default_style_is_built_without_owned_strings() {
        let style = CanonicalStyle::ascii_raw();
        assert!(matches!(style.exclude, Cow::Borrowed(_)));
        assert!(matches!(style.pair_separator, Cow::Borrowed("&")));
        assert_eq!(
            style.skip_reason("sign", "x", &[]),
            Some(SkipReason::Excluded)
        );
        let custom = style.exclude(["signature"]).separators(",", ":");
        assert_eq!(custom.skip_reason("sign", "x", &[]), None);
        assert_eq!(
            custom.skip_reason("signature", "x", &[]),
            Some(SkipReason::Excluded)
        );
        let mut p = CanonicalParams::new();
        p.push("b", "2");
        p.push("a", "1");
        assert_eq!(p.to_canonical(&custom, &[]), "a:1,b:2");
    }
}
