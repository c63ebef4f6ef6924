//! Reads the fields of a reply or notify object from their exact JSON text.
//!
//! Cashy mixes JSON numbers and strings for the same field (`"amount":"100000"` and
//! `"amount":358320.00`), so each typed field accepts both. Amounts are parsed from their
//! digits into `Decimal`, never through `f64`. Every error names the field. Fields that are not
//! taken end up in [`Extra`].
//!
//! An object is split into its fields by [`scan`](super::scan) when it is of the usual kind
//! (strings without escapes), else by `serde_json`; both give the same fields. A field's value
//! is kept as its exact JSON text and typed by the functions of [`read`], which a
//! [`Fields::lenient`] read calls on the value it looked up once.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use time::PrimitiveDateTime;

use crate::error::DecodeError;
use crate::types::Extra;

/// The fields of one JSON object, borrowed from its text and consumed as they are typed.
///
/// In the order of the text; a field that has been taken is `None`. A lookup scans the list from
/// the end, so of two fields with the same name the later one counts, as in a map (and hides
/// the earlier one from then on). Objects are small and a reader looks up a fixed handful of
/// names, so a scan is cheaper than sorting the list for a binary search, and stays linear in
/// the size of the object. Nothing is copied until a value is typed, and only the fields nobody
/// took are copied into [`Extra`].
#[derive(Debug)]
pub(crate) struct Fields<'a>(Vec<Entry<'a>>);

/// A field: its name and its value; `None` once taken.
pub(crate) type Entry<'a> = (Cow<'a, str>, Option<Raw<'a>>);

/// A field's value: its exact JSON text (without surrounding whitespace), and whether it is
/// known to hold no escape (the [`scan`](super::scan) reads only such values), which spares the
/// typed reads their search for a `\`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Raw<'a> {
    pub(crate) text: &'a str,
    pub(crate) plain: bool,
}

impl<'a> Raw<'a> {
    /// A value read by the scan: no escape in it.
    pub(crate) fn plain(text: &'a str) -> Self {
        Self { text, plain: true }
    }
}

/// A scalar as text: a JSON string's content, or a number's literal.
enum Scalar<'a> {
    Text(Cow<'a, str>),
    Number(&'a str),
}

impl<'a> Scalar<'a> {
    fn into_text(self) -> Cow<'a, str> {
        match self {
            Self::Text(t) => t,
            Self::Number(n) => Cow::Borrowed(n),
        }
    }
}

fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() > MAX {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// The content of a JSON string literal: borrowed when it has no escapes (a valid JSON string
/// without `\` is its own content), decoded otherwise.
fn string_content(literal: &str, plain: bool) -> Result<Cow<'_, str>, serde_json::Error> {
    match literal
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) if plain || !inner.contains('\\') => Ok(Cow::Borrowed(inner)),
        _ => serde_json::from_str::<String>(literal).map(Cow::Owned),
    }
}

/// Whether two field names are equal: lengths first, then a byte loop (names are short, and
/// most differ in their first bytes: cheaper than a call to `memcmp`).
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A key, borrowed from the text unless it had to be unescaped.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads a JSON object into [`Fields`] (the `Deserialize` of a map, without its nodes).
struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
            // A `RawValue` is the value's exact text, without surrounding whitespace.
            let value = Raw {
                text: value.get(),
                plain: false,
            };
            entries.push((key, Some(value)));
        }
        Ok(Fields::from_entries(entries))
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

impl<'a> Fields<'a> {
    /// The fields in the order of the object.
    pub(crate) fn from_entries(entries: Vec<Entry<'a>>) -> Self {
        Fields(entries)
    }

    /// Reads a JSON object.
    pub(crate) fn parse(json: &'a str) -> Result<Self, DecodeError> {
        if let Some(entries) = super::scan::object(json) {
            return Ok(Self::from_entries(entries));
        }
        Self::parse_slow(json)
    }

    /// Reads a JSON object with `serde_json` (anything [`scan`](super::scan) leaves to it).
    pub(crate) fn parse_slow(json: &'a str) -> Result<Self, DecodeError> {
        match serde_json::from_str::<Fields<'a>>(json) {
            Ok(fields) => Ok(fields),
            Err(e) => {
                let reason = if serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok() {
                    "is JSON but not an object"
                } else {
                    "is not valid JSON"
                };
                Err(DecodeError::new(None, reason).with_source(e))
            }
        }
    }

    /// The fields, in text order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[Entry<'a>] {
        &self.0
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Raw<'a>>> {
        let at = self.0.iter().rposition(|(k, _)| same_name(k, name))?;
        // An earlier field of the same name is hidden by this one, as in a map.
        for (k, v) in &mut self.0[..at] {
            if same_name(k, name) {
                *v = None;
            }
        }
        Some(&mut self.0[at].1)
    }

    /// Removes a field: its exact JSON text; JSON `null` counts as absent.
    pub(crate) fn take_raw(&mut self, name: &str) -> Option<&'a str> {
        self.take(name).map(|raw| raw.text)
    }

    /// Removes a field; JSON `null` counts as absent.
    pub(crate) fn take(&mut self, name: &str) -> Option<Raw<'a>> {
        self.slot(name)?.take().filter(|raw| raw.text != "null")
    }

    /// A text borrowed from the JSON when it has no escapes (a JSON number is taken as its
    /// literal text).
    pub(crate) fn opt_str(&mut self, name: &str) -> Result<Option<Cow<'a, str>>, DecodeError> {
        read::opt_str(name, self.take(name))
    }

    /// A text (a JSON number is taken as its literal text).
    pub(crate) fn opt_text(&mut self, name: &str) -> Result<Option<String>, DecodeError> {
        read::opt_text(name, self.take(name))
    }

    /// A required, non-empty text.
    pub(crate) fn text(&mut self, name: &str) -> Result<String, DecodeError> {
        match self.opt_text(name)? {
            Some(t) if !trim(&t).is_empty() => Ok(t),
            Some(_) => Err(DecodeError::field(name, "is empty")),
            None => Err(DecodeError::field(name, "is missing")),
        }
    }

    /// An optional decimal from a JSON number or a numeric string (`""` counts as absent).
    pub(crate) fn opt_decimal(&mut self, name: &str) -> Result<Option<Decimal>, DecodeError> {
        read::opt_decimal(name, self.take(name))
    }

    /// A required decimal.
    pub(crate) fn decimal(&mut self, name: &str) -> Result<Decimal, DecodeError> {
        self.opt_decimal(name)?
            .ok_or_else(|| DecodeError::field(name, "is missing"))
    }

    /// An optional unsigned integer from a JSON number or a numeric string.
    pub(crate) fn opt_u64(&mut self, name: &str) -> Result<Option<u64>, DecodeError> {
        read::opt_u64(name, self.take(name))
    }

    /// A required unsigned integer.
    pub(crate) fn u64(&mut self, name: &str) -> Result<u64, DecodeError> {
        self.opt_u64(name)?
            .ok_or_else(|| DecodeError::field(name, "is missing"))
    }

    /// An optional provider-local time `yyyy-MM-dd HH:mm:ss` (`""` counts as absent).
    pub(crate) fn opt_time(
        &mut self,
        name: &str,
    ) -> Result<Option<PrimitiveDateTime>, DecodeError> {
        read::opt_time(name, self.take(name))
    }

    /// An optional status text, parsed by `parse`.
    pub(crate) fn opt_status<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> T,
    ) -> Result<Option<T>, DecodeError> {
        read::opt_status(name, self.take(name), parse)
    }

    /// A required status text, parsed by `parse`.
    pub(crate) fn status<T>(&mut self, name: &str, parse: fn(&str) -> T) -> Result<T, DecodeError> {
        self.opt_status(name, parse)?
            .ok_or_else(|| DecodeError::field(name, "is missing"))
    }

    /// Reads an optional field with `read` (one of the functions of [`read`]); a value that
    /// does not parse is left in [`Extra`] instead of failing the whole reply (used for
    /// creates, whose success must not be lost). The field is looked up once.
    pub(crate) fn lenient<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Option<Raw<'a>>) -> Result<Option<T>, DecodeError>,
    ) -> Option<T> {
        let slot = self.slot(name)?;
        let raw = slot.take();
        match read(name, raw.filter(|raw| raw.text != "null")) {
            Ok(value) => value,
            Err(_) => {
                *slot = raw;
                None
            }
        }
    }

    /// Drops a known field this crate does not expose (e.g. the echoed `nonceStr`).
    pub(crate) fn skip(&mut self, name: &str) {
        if let Some(slot) = self.slot(name) {
            *slot = None;
        }
    }

    /// Everything not taken.
    pub(crate) fn extra(self) -> Extra {
        if self.0.iter().all(|(_, v)| v.is_none()) {
            // The usual case: every field was typed.
            return Extra::default();
        }
        // In text order: of fields with the same name nobody took, the map keeps the last.
        Extra::new(
            self.0
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.into_owned(), Box::from(v.text))))
                .collect(),
        )
    }
}

/// The typed reads of one field's value (its exact JSON text, `None` when absent or `null`);
/// every error names the field.
pub(crate) mod read {
    use std::borrow::Cow;
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use time::PrimitiveDateTime;
    use time::macros::format_description;

    use super::{Raw, Scalar, parse_decimal, plain_date_time, snippet, string_content, trim};
    use crate::error::DecodeError;

    fn scalar<'a>(name: &str, raw: Option<Raw<'a>>) -> Result<Option<Scalar<'a>>, DecodeError> {
        let Some(Raw { text, plain }) = raw else {
            return Ok(None);
        };
        match text.as_bytes().first() {
            Some(b'"') => string_content(text, plain)
                .map(|s| Some(Scalar::Text(s)))
                .map_err(|e| DecodeError::field(name, "is not a valid string").with_source(e)),
            Some(b'-' | b'0'..=b'9') => Ok(Some(Scalar::Number(text))),
            _ => Err(DecodeError::field(
                name,
                format!("must be a string or a number, got `{}`", snippet(text)),
            )),
        }
    }

    /// A text borrowed from the JSON when it has no escapes (a JSON number is taken as its
    /// literal text).
    pub(crate) fn opt_str<'a>(
        name: &str,
        raw: Option<Raw<'a>>,
    ) -> Result<Option<Cow<'a, str>>, DecodeError> {
        Ok(scalar(name, raw)?.map(Scalar::into_text))
    }

    /// A text (a JSON number is taken as its literal text).
    pub(crate) fn opt_text(
        name: &str,
        raw: Option<Raw<'_>>,
    ) -> Result<Option<String>, DecodeError> {
        Ok(opt_str(name, raw)?.map(Cow::into_owned))
    }

    /// A decimal from a JSON number or a numeric string (`""` counts as absent).
    pub(crate) fn opt_decimal(
        name: &str,
        raw: Option<Raw<'_>>,
    ) -> Result<Option<Decimal>, DecodeError> {
        opt_number(name, raw, "a decimal number", parse_decimal)
    }

    /// An unsigned integer from a JSON number or a numeric string.
    pub(crate) fn opt_u64(name: &str, raw: Option<Raw<'_>>) -> Result<Option<u64>, DecodeError> {
        opt_number(name, raw, "an unsigned integer", |text| {
            u64::from_str(text).ok()
        })
    }

    /// A number from a JSON number or a numeric string, read by `parse` (`""` counts as
    /// absent); `what` names the expected form in the error.
    fn opt_number<T>(
        name: &str,
        raw: Option<Raw<'_>>,
        what: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, DecodeError> {
        let Some(scalar) = scalar(name, raw)? else {
            return Ok(None);
        };
        let text = scalar.into_text();
        let text = trim(&text);
        if text.is_empty() {
            return Ok(None);
        }
        parse(text)
            .map(Some)
            .ok_or_else(|| DecodeError::field(name, format!("is not {what}: `{}`", snippet(text))))
    }

    /// A provider-local time `yyyy-MM-dd HH:mm:ss` (`""` counts as absent).
    pub(crate) fn opt_time(
        name: &str,
        raw: Option<Raw<'_>>,
    ) -> Result<Option<PrimitiveDateTime>, DecodeError> {
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        match scalar(name, raw)? {
            None => Ok(None),
            Some(Scalar::Text(t)) if trim(&t).is_empty() => Ok(None),
            Some(Scalar::Text(t)) => plain_date_time(trim(&t))
                .or_else(|| PrimitiveDateTime::parse(trim(&t), format).ok())
                .map(Some)
                .ok_or_else(|| {
                    DecodeError::field(
                        name,
                        format!("is not `yyyy-MM-dd HH:mm:ss`: `{}`", snippet(&t)),
                    )
                }),
            Some(Scalar::Number(n)) => Err(DecodeError::field(
                name,
                format!("is not `yyyy-MM-dd HH:mm:ss`: `{}`", snippet(n)),
            )),
        }
    }

    /// A status text, parsed by `parse`.
    pub(crate) fn opt_status<T>(
        name: &str,
        raw: Option<Raw<'_>>,
        parse: fn(&str) -> T,
    ) -> Result<Option<T>, DecodeError> {
        match scalar(name, raw)? {
            Some(Scalar::Text(t)) if !t.is_empty() => Ok(Some(parse(&t))),
            Some(Scalar::Text(_)) => Err(DecodeError::field(name, "is empty")),
            Some(Scalar::Number(n)) => Err(DecodeError::field(
                name,
                format!("must be a status text, got `{}`", snippet(n)),
            )),
            None => Ok(None),
        }
    }
}

/// `text.trim()`, without the search for Unicode whitespace when the text begins and ends with
/// printable ASCII (the usual number, time or reply body, which has nothing to trim).
pub(crate) fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `yyyy-MM-dd HH:mm:ss` made only of ASCII digits where digits go, read without the general
/// format parser; `None` for anything else (which the format parser then reads or refuses).
fn plain_date_time(text: &str) -> Option<PrimitiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u16> {
        b[from..to].iter().try_fold(0u16, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })
    };
    let year = i32::from(num(0, 4)?);
    let month = time::Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let narrow = |from, to| num(from, to).and_then(|n| u8::try_from(n).ok());
    let date = time::Date::from_calendar_date(year, month, narrow(8, 10)?).ok()?;
    let time = time::Time::from_hms(narrow(11, 13)?, narrow(14, 16)?, narrow(17, 19)?).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// Parses a decimal from its text: plain (`12.50`) or scientific (`1.25E1`), never via `f64`.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    match plain_whole(text) {
        Some(whole) => Some(Decimal::from(whole)),
        None => parse_decimal_text(text),
    }
}

/// [`parse_decimal`] without the whole-number shortcut: any plain or scientific decimal.
fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let valid = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !valid {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// A whole amount of 1 to 19 ASCII digits (the usual `"100000"`), read in one pass: the same
/// value and scale (0) as `Decimal::from_str_exact` gives, without its general parser. `None`
/// for any other text (a sign, a point, an exponent, more digits), which the parser then reads.
fn plain_whole(text: &str) -> Option<u64> {
    // Nineteen digits always fit a `u64` (at most 10^19 - 1).
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    text.bytes().try_fold(0u64, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use time::macros::format_description;

    use super::*;

    fn fields(json: &str) -> Fields<'_> {
        match Fields::parse(json) {
            Ok(f) => f,
            Err(e) => panic!("{json}: {e:?}"),
        }
    }

    #[test]
    fn the_trim_shortcut_agrees_with_str_trim() {
        for text in [
            "",
            " ",
            "1",
            " 1",
            "1 ",
            "\u{a0}1",
            "1\u{3000}",
            "\t2022-12-06 17:48:40",
            "a b",
            "é",
            "1é",
            "~",
            "\u{7f}",
            "\u{85}x",
            "x\u{2028}",
            "\n",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn plain_strings_are_borrowed_and_escaped_ones_decoded() {
        let mut f = fields(r#"{"a":"plain","b":"x\"y\u00e9","c":12.50}"#);
        assert!(matches!(f.opt_str("a"), Ok(Some(Cow::Borrowed("plain")))));
        assert_eq!(f.opt_text("b").ok().flatten().as_deref(), Some("x\"yé"));
        assert_eq!(f.opt_text("c").ok().flatten().as_deref(), Some("12.50"));
        assert!(f.extra().is_empty());
    }

    #[test]
    fn a_later_duplicate_replaces_an_earlier_one_as_in_a_map() {
        let mut f = fields(r#"{"a":"1","b":"x","a":"2"}"#);
        assert_eq!(f.opt_text("a").ok().flatten().as_deref(), Some("2"));
        assert_eq!(
            f.opt_text("a").ok().flatten(),
            None,
            "the earlier one is hidden"
        );
        let extra = f.extra();
        assert_eq!(extra.iter().collect::<Vec<_>>(), vec![("b", r#""x""#)]);
        let f = fields(r#"{"a":"1","b":"x","a":"2","b":"y"}"#);
        let extra = f.extra();
        let expected = vec![("a", r#""2""#), ("b", r#""y""#)];
        assert_eq!(
            extra.iter().collect::<Vec<_>>(),
            expected,
            "untaken: the last"
        );
        let mut f = fields(r#"{"a":"1","a":"x"}"#);
        assert_eq!(f.lenient("a", read::opt_u64), None);
        let extra = f.extra();
        assert_eq!(
            extra.iter().collect::<Vec<_>>(),
            vec![("a", r#""x""#)],
            "put back"
        );
    }

    #[test]
    fn escaped_keys_are_found_by_their_decoded_name() {
        let mut f = fields(r#"{"order\u004eo":"P1","z":1}"#);
        assert_eq!(f.opt_text("orderNo").ok().flatten().as_deref(), Some("P1"));
        assert_eq!(f.opt_text("orderNo").ok().flatten(), None, "taken once");
    }

    #[test]
    fn null_is_absent_and_a_lenient_failure_stays_in_extra() {
        let mut f = fields(r#"{"n":null,"amount":"abc","k":true}"#);
        assert_eq!(f.opt_text("n").ok().flatten(), None);
        assert_eq!(f.lenient("amount", read::opt_decimal), None);
        assert!(f.opt_text("k").is_err(), "a boolean is not a text");
        let extra = f.extra();
        assert_eq!(extra.get("amount"), Some(r#""abc""#));
        assert_eq!(extra.get("n"), None);
        assert_eq!(extra.get("k"), None, "taken, even though it failed");
    }

    #[test]
    fn the_time_shortcut_agrees_with_the_format_parser() {
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        for text in [
            "2022-12-06 17:48:40",
            "2024-02-29 00:00:00",
            "2023-02-29 00:00:00",
            "2022-13-01 00:00:00",
            "2022-12-06 24:00:00",
            "2022-12-06 23:59:60",
            "0000-01-01 00:00:00",
            "2022-1a-06 17:48:40",
            "2022/12/06 17:48:40",
            "2022-12-06T17:48:40",
            "+022-12-06 17:48:40",
            "2022-12-06 17:48:4",
        ] {
            let parsed = PrimitiveDateTime::parse(text, format).ok();
            if let Some(fast) = plain_date_time(text) {
                assert_eq!(Some(fast), parsed, "{text}");
            }
            let json = format!(r#"{{"t":"{text}"}}"#);
            let mut f = Fields::parse(&json).ok();
            let read = f.as_mut().map(|f| f.opt_time("t").ok().flatten());
            assert_eq!(read, Some(parsed), "{text}");
        }
        assert!(plain_date_time("2022-12-06 17:48:40").is_some());
    }

    #[test]
    fn not_an_object_and_not_json_are_told_apart() {
        let reason = |json| Fields::parse(json).err().map(|e| format!("{e}"));
        assert!(reason("[1,2]").is_some_and(|r| r.contains("is JSON but not an object")));
        assert!(reason("{\"a\":").is_some_and(|r| r.contains("is not valid JSON")));
        assert!(reason("{\"a\":1} x").is_some_and(|r| r.contains("is not valid JSON")));
    }

    #[test]
    fn whole_amounts_read_in_one_pass_are_what_the_decimal_parser_reads() {
        let mut next = crate::api::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut texts: Vec<String> = [
            "0",
            "00",
            "007",
            "1",
            "100000",
            "9999999999999999999",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "0000000000000000001",
            "",
            "-1",
            "+1",
            "1.0",
            "1e3",
            " 1",
            "1 ",
            "١",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        for _ in 0..20_000 {
            let len = 1 + (next() % 24) as usize;
            texts.push(
                (0..len)
                    .map(|_| char::from(b'0' + (next() % 10) as u8))
                    .collect(),
            );
        }
        for text in &texts {
            let fast = plain_whole(text).map(Decimal::from);
            let slow = Decimal::from_str_exact(text).ok().filter(|_| {
                !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit())
            });
            assert_eq!(fast, slow, "{text:?}");
            // Same scale too, so the same text when written back.
            assert_eq!(
                fast.map(|d| d.to_string()),
                slow.map(|d| d.to_string()),
                "{text:?}"
            );
            assert_eq!(
                parse_decimal(text).map(|d| d.to_string()),
                parse_decimal_text(text).map(|d| d.to_string()),
                "{text:?}"
            );
        }
    }
}
