//! Reading reply objects field by field from their raw JSON text, and writing decimals as JSON
//! numbers from their text.
//!
//! Replies are read into `BTreeMap<String, Box<RawValue>>` first, so every number keeps its text:
//! money becomes a `Decimal` without ever passing through `f64`, and a field documented as a
//! number is accepted as a JSON string too (and the other way round). Fields the crate does not
//! know are kept, as JSON values, in the response's `extra` map.

use std::collections::BTreeMap;
use std::str::FromStr as _;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{DecodeError, DecodeErrorKind};

/// The fields of one JSON object, consumed as they are read.
#[derive(Debug)]
pub(crate) struct Fields {
    map: BTreeMap<String, Box<RawValue>>,
}

fn invalid(field: &str, detail: impl Into<String>) -> DecodeError {
    DecodeError::field(DecodeErrorKind::InvalidField, field, detail)
}

fn missing(field: &str) -> DecodeError {
    DecodeError::field(
        DecodeErrorKind::MissingField,
        field,
        "required field is absent",
    )
}

/// A JSON value's text as a plain string: strings unescaped, numbers and booleans verbatim.
/// `None` for `null`; an error for objects and arrays.
pub(crate) fn scalar_text(field: &str, raw: &RawValue) -> Result<Option<String>, DecodeError> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(|e| invalid(field, format!("bad string: {e}"))),
        Some(b'n') if text == "null" => Ok(None),
        Some(b'{' | b'[') => Err(invalid(
            field,
            "expected a string or number, got JSON structure",
        )),
        Some(_) => Ok(Some(text.to_owned())),
        None => Err(invalid(field, "empty value")),
    }
}

/// What a `serde_json` error says about the text it read.
pub(crate) fn json_error_kind(e: &serde_json::Error) -> DecodeErrorKind {
    match e.classify() {
        serde_json::error::Category::Eof => DecodeErrorKind::Truncated,
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            DecodeErrorKind::NotJson
        }
        serde_json::error::Category::Data => DecodeErrorKind::NotEnvelope,
    }
}

/// Parses decimal text (`451`, `"12.50"`, `1.5e2`) without going through a float.
pub(crate) fn parse_decimal(field: &str, text: &str) -> Result<Decimal, DecodeError> {
    let t = text.trim();
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str(t)
    };
    parsed.map_err(|_| invalid(field, "not a decimal number"))
}

impl Fields {
    /// Reads a JSON object. `null` reads as an empty object.
    pub(crate) fn parse(raw: &RawValue, what: &str) -> Result<Self, DecodeError> {
        if raw.get() == "null" {
            return Ok(Self {
                map: BTreeMap::new(),
            });
        }
        let map: BTreeMap<String, Box<RawValue>> =
            serde_json::from_str(raw.get()).map_err(|_| invalid(what, "expected a JSON object"))?;
        Ok(Self { map })
    }

    /// Reads a reply's `data` object; absent or `null` reads as empty. Field names in errors are
    /// relative to `data` (the client prefixes `data.`).
    pub(crate) fn data(data: Option<&RawValue>) -> Result<Self, DecodeError> {
        Self::parse(data.unwrap_or(RawValue::NULL), "")
    }

    /// Reads a JSON object from bytes.
    pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let map: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(bytes)?;
        Ok(Self { map })
    }

    /// Takes a raw field out (absent or `null` both give `None`).
    pub(crate) fn take_raw(&mut self, name: &str) -> Option<Box<RawValue>> {
        self.map.remove(name).filter(|raw| raw.get() != "null")
    }

    /// Whether the field is present (even as `null`).
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A string field, accepting a number too (its text).
    pub(crate) fn opt_string(&mut self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.map.remove(name) {
            None => Ok(None),
            Some(raw) => scalar_text(name, &raw),
        }
    }

    /// A required string field.
    pub(crate) fn string(&mut self, name: &str) -> Result<String, DecodeError> {
        self.opt_string(name)?.ok_or_else(|| missing(name))
    }

    /// A decimal field given as a number or a string. An empty string reads as absent.
    pub(crate) fn opt_decimal(&mut self, name: &str) -> Result<Option<Decimal>, DecodeError> {
        match self.opt_string(name)? {
            None => Ok(None),
            Some(t) if t.trim().is_empty() => Ok(None),
            Some(t) => parse_decimal(name, &t).map(Some),
        }
    }

    /// An integer field given as a number or a string.
    pub(crate) fn opt_i64(&mut self, name: &str) -> Result<Option<i64>, DecodeError> {
        match self.opt_string(name)? {
            None => Ok(None),
            Some(t) if t.trim().is_empty() => Ok(None),
            Some(t) => t
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| invalid(name, "not an integer")),
        }
    }

    /// An array of objects, each read with `item`.
    pub(crate) fn opt_list<T>(
        &mut self,
        name: &str,
        mut item: impl FnMut(Fields) -> Result<T, DecodeError>,
    ) -> Result<Option<Vec<T>>, DecodeError> {
        let Some(raw) = self.take_raw(name) else {
            return Ok(None);
        };
        let items: Vec<Box<RawValue>> =
            serde_json::from_str(raw.get()).map_err(|_| invalid(name, "expected a JSON array"))?;
        let mut out = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            let path = format!("{name}[{i}]");
            let fields = Fields::parse(it, &path)?;
            out.push(item(fields).map_err(|e| e.under(&path))?);
        }
        Ok(Some(out))
    }

    /// The fields not read yet, as JSON values (the documented `extra` map).
    pub(crate) fn rest(self) -> Map<String, Value> {
        let mut out = Map::new();
        for (k, raw) in self.map {
            // A RawValue is valid JSON by construction, so this cannot fail; keep the text if
            // it ever did rather than dropping the field.
            let v = serde_json::from_str::<Value>(raw.get())
                .unwrap_or_else(|_| Value::String(raw.get().to_owned()));
            out.insert(k, v);
        }
        out
    }
}

/// A decimal written as a JSON number from its exact text (never through `f64`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonDecimal(pub(crate) Decimal);

impl Serialize for JsonDecimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `Decimal`'s Display is plain digits with an optional `-` and `.`: valid JSON.
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}
