//! Body serialization: one pass of `serde_json` over a borrowed view of the request, fields in a
//! fixed order, `None` fields left out, amounts written as JSON numbers from their decimal text.
//!
//! [`Object`] writes the same bytes field by field for the hot create (`payDesk`): a string
//! that needs no escape (the usual case) is copied in one piece instead of going through
//! `serde_json`'s byte-by-byte escaping; any other string, and every non-string value, is still
//! written by `serde_json` itself, so the bytes cannot differ (the tests compare them).

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, ValidationError, Violation};
use crate::types::{CodeField, CodeFormat, CodeFormats};

/// An amount written as a JSON number with its exact decimal digits (`1000`, `10.5`), never
/// through a float.
#[derive(Debug)]
pub(crate) struct Amount(pub(crate) Decimal);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let amount = self.0.normalize();
        // A whole positive amount (the usual case) is its integer, written as one; the digits
        // are the same as the decimal's text.
        if amount.scale() == 0
            && let Ok(whole) = u64::try_from(amount.mantissa())
            && whole > 0
        {
            return serializer.serialize_u64(whole);
        }
        let text = amount.to_string();
        let raw = RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// A numeric code (`payType`, `accountType`, `bankId`) written as a JSON number or as a
/// string of its digits, per the client's [`CodeFormats`](crate::types::CodeFormats).
#[derive(Debug)]
pub(crate) struct Code(pub(crate) u64, pub(crate) CodeFormat);

impl Code {
    pub(crate) fn new(value: impl Into<u64>, codes: CodeFormats, field: CodeField) -> Self {
        Self(value.into(), codes.get(field))
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            CodeFormat::String => serializer.collect_str(&self.0),
            // `CodeFormat` is non-exhaustive only for callers; a number is the default.
            _ => serializer.serialize_u64(self.0),
        }
    }
}

/// Room for a typical create in one allocation (`to_vec` starts at 128 bytes and doubles).
const BODY_CAPACITY: usize = 512;

/// Serializes `body` once; these bytes are signed and sent as they are.
pub(crate) fn to_bytes<T: Serialize>(operation: &'static str, body: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(BODY_CAPACITY);
    serde_json::to_writer(&mut out, body)
        .map(|()| out)
        .map_err(|e| unserializable(operation, &e))
}

fn unserializable(operation: &'static str, e: &serde_json::Error) -> Error {
    Error::Validation(ValidationError::new(
        operation,
        vec![Violation::new("body", format!("cannot be serialized: {e}"))],
    ))
}

/// A field name as [`Object`] takes it: quoted and followed by its colon (`"name":`), made at
/// compile time so that writing a key is one copy.
macro_rules! key {
    ($name:literal) => {
        concat!("\"", $name, "\":")
    };
}
pub(crate) use key;

/// A JSON object written field by field, byte for byte as `serde_json` writes a struct with
/// the same fields in the same order (compact, `"key":value` separated by `,`).
#[derive(Debug)]
pub(crate) struct Object {
    out: Vec<u8>,
    /// The first error of a value written by `serde_json`, reported by [`Object::finish`].
    error: Option<serde_json::Error>,
}

impl Object {
    pub(crate) fn new() -> Self {
        let mut out = Vec::with_capacity(BODY_CAPACITY);
        out.push(b'{');
        Self { out, error: None }
    }

    /// `,"key":` (no comma first). `key` is already quoted and followed by its colon
    /// ([`key!`]), so it is copied in one piece; the names are this crate's constants, which
    /// need no escape.
    fn key(&mut self, key: &'static str) {
        debug_assert!(
            key.len() >= 3
                && key.starts_with('"')
                && key.ends_with("\":")
                && !needs_escape(&key[1..key.len() - 2]),
            "{key}"
        );
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        self.out.extend_from_slice(key.as_bytes());
    }

    /// A string field.
    pub(crate) fn str(&mut self, key: &'static str, value: &str) {
        self.key(key);
        if needs_escape(value) {
            self.write(&value);
        } else {
            self.out.push(b'"');
            self.out.extend_from_slice(value.as_bytes());
            self.out.push(b'"');
        }
    }

    /// A string field, left out when `None`.
    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// A boolean field.
    pub(crate) fn bool(&mut self, key: &'static str, value: bool) {
        self.key(key);
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
    }

    /// Any other field, written by `serde_json`.
    pub(crate) fn value<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.key(key);
        self.write(value);
    }

    /// Any other field, left out when `None`.
    pub(crate) fn opt_value<T: Serialize>(&mut self, key: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.value(key, value);
        }
    }

    fn write<T: Serialize + ?Sized>(&mut self, value: &T) {
        if let Err(e) = serde_json::to_writer(&mut self.out, value) {
            self.error.get_or_insert(e);
        }
    }

    /// The bytes of the object, or the error of `operation`'s body as [`to_bytes`] reports it.
    pub(crate) fn finish(mut self, operation: &'static str) -> Result<Vec<u8>, Error> {
        match self.error {
            Some(e) => Err(unserializable(operation, &e)),
            None => {
                self.out.push(b'}');
                Ok(self.out)
            }
        }
    }
}

/// Whether `serde_json` escapes anything in `value`: a control character, `"` or `\`. Only a
/// yes or no, so eight bytes at a time with no search for where: a length that is not a
/// multiple of eight has its last eight bytes read again, and a value shorter than eight (few
/// bytes, no word to fill) is read byte by byte.
fn needs_escape(value: &str) -> bool {
    use super::scan::{any_word, is_special, specials};
    let b = value.as_bytes();
    any_word(b, specials).unwrap_or_else(|| b.iter().any(|&c| is_special(c)))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut texts: Vec<String> = [
            "",
            "plain",
            "a\"b",
            "back\\slash",
            "tab\there",
            "nl\n",
            "\u{0}",
            "\u{1f}",
            "\u{7f}",
            "é 𝄞 \u{2028}",
            "</script>",
            "\r\u{8}\u{c}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        texts.extend((0u8..=0x7f).map(|b| format!("x{}y", char::from(b))));
        for text in &texts {
            let mut object = Object::new();
            object.str(key!("k"), text);
            object.opt_str(key!("o"), Some(text));
            object.opt_str(key!("n"), None);
            object.bool(key!("t"), true);
            object.bool(key!("f"), false);
            object.value(key!("v"), &[1u64, 2]);
            object.opt_value(key!("e"), Some(&7u64));
            object.opt_value::<u64>(key!("m"), None);
            let ours = object.finish("op").ok();
            let expected = serde_json::to_string(text).ok().map(|quoted| {
                format!(r#"{{"k":{quoted},"o":{quoted},"t":true,"f":false,"v":[1,2],"e":7}}"#)
                    .into_bytes()
            });
            assert_eq!(ours, expected, "{text:?}");
        }
    }

    #[test]
    fn the_escape_check_sees_a_special_byte_at_every_position_of_every_length() {
        let simple = |v: &str| v.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        for len in 0..=33 {
            let plain = "a".repeat(len);
            assert!(!needs_escape(&plain), "{len}");
            for at in 0..len {
                for special in ['"', '\\', '\u{0}', '\n', '\u{1f}', '\u{7f}', 'é'] {
                    let mut text = plain.clone();
                    text.replace_range(at..=at, &special.to_string());
                    assert_eq!(needs_escape(&text), simple(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn an_empty_object_and_a_failing_value() {
        assert_eq!(Object::new().finish("op").ok(), Some(b"{}".to_vec()));
        let mut object = Object::new();
        let bad = std::collections::BTreeMap::from([((1, 2), 3)]);
        object.value(key!("bad"), &bad);
        let e = object.finish("op").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("body") && e.contains("cannot be serialized")));
    }

    #[test]
    fn amounts_are_written_with_the_digits_of_their_normalized_text() {
        for text in [
            "1000",
            "1000.00",
            "10.5",
            "0.01",
            "1",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567",
            "-5",
            "0",
            "1e3",
        ] {
            let amount = Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text));
            let Ok(amount) = amount else {
                panic!("{text}");
            };
            let json = serde_json::to_string(&Amount(amount)).ok();
            assert_eq!(json, Some(amount.normalize().to_string()), "{text}");
        }
    }
}
