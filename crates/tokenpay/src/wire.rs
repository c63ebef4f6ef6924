//! A field reader over a JSON object that keeps every value's exact text, so numbers are read
//! from their digits (never through `f64`), each problem names its field, numbers given as strings
//! are accepted, and the fields nobody asked for end up in an `extra` map.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::types::UnixMillis;

/// A field that could not be read: its dotted path and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) field: String,
    pub(crate) problem: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn render(&self) -> String {
        format!("`{}` {}", self.field, self.problem)
    }
}

type R<T> = Result<T, FieldError>;

/// The members of one JSON object, by name, with their raw text.
pub(crate) struct Fields<'a> {
    path: String,
    map: BTreeMap<String, &'a RawValue>,
}

fn describe(raw: &RawValue) -> String {
    let t = raw.get();
    if t.len() > 40 {
        let mut end = 40;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        format!("`{}...`", &t[..end])
    } else {
        format!("`{t}`")
    }
}

impl<'a> Fields<'a> {
    /// Reads `text` as an object; `path` names it in errors (`data`, `resource`, ...).
    pub(crate) fn parse(path: &str, text: &'a str) -> R<Self> {
        let map: BTreeMap<String, &'a RawValue> = serde_json::from_str(text)
            .map_err(|_| FieldError::new(path, "is not a JSON object"))?;
        Ok(Self {
            path: path.to_owned(),
            map,
        })
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Takes a member's raw text, `None` when absent or `null`.
    pub(crate) fn raw(&mut self, key: &str) -> Option<&'a RawValue> {
        self.map.remove(key).filter(|r| r.get().trim() != "null")
    }

    /// Whether the member is a JSON object, without taking it.
    pub(crate) fn is_object(&self, key: &str) -> bool {
        self.map
            .get(key)
            .is_some_and(|r| r.get().trim_start().starts_with('{'))
    }

    /// A string member; numbers are accepted as their text; empty strings read as absent.
    pub(crate) fn str_opt(&mut self, key: &str) -> R<Option<String>> {
        let Some(raw) = self.raw(key) else {
            return Ok(None);
        };
        let text = raw.get().trim();
        let s = if text.starts_with('"') {
            serde_json::from_str::<String>(text)
                .map_err(|_| FieldError::new(self.name(key), "is not a valid string"))?
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            text.to_owned()
        } else {
            return Err(FieldError::new(
                self.name(key),
                format!("must be a string, got {}", describe(raw)),
            ));
        };
        Ok(if s.is_empty() { None } else { Some(s) })
    }

    /// A required string member.
    pub(crate) fn str_req(&mut self, key: &str) -> R<String> {
        self.str_opt(key)?
            .ok_or_else(|| FieldError::new(self.name(key), "is missing"))
    }

    /// An enum-like string member.
    pub(crate) fn parse_opt<T: for<'s> From<&'s str>>(&mut self, key: &str) -> R<Option<T>> {
        Ok(self.str_opt(key)?.map(|s| T::from(s.as_str())))
    }

    /// The digits of a number member (or of a string holding a number), trimmed.
    pub(crate) fn number_text(&mut self, key: &str) -> R<Option<String>> {
        let Some(raw) = self.raw(key) else {
            return Ok(None);
        };
        let text = raw.get().trim();
        let inner = if text.starts_with('"') {
            serde_json::from_str::<String>(text)
                .map_err(|_| FieldError::new(self.name(key), "is not a valid string"))?
                .trim()
                .to_owned()
        } else {
            text.to_owned()
        };
        if inner.is_empty() {
            return Ok(None);
        }
        Ok(Some(inner))
    }

    fn int<T: FromStr>(&mut self, key: &str, what: &str) -> R<Option<T>> {
        let Some(text) = self.number_text(key)? else {
            return Ok(None);
        };
        let digits = text.strip_prefix('-').unwrap_or(&text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                self.name(key),
                format!("must be {what}, got `{text}`"),
            ));
        }
        text.parse::<T>()
            .map(Some)
            .map_err(|_| FieldError::new(self.name(key), format!("must be {what}, got `{text}`")))
    }

    /// A non-negative integer (minor units), as a number or a string of digits.
    pub(crate) fn u128_opt(&mut self, key: &str) -> R<Option<u128>> {
        self.int(key, "a non-negative integer of minor units")
    }

    /// A non-negative integer that fits 64 bits.
    pub(crate) fn u64_opt(&mut self, key: &str) -> R<Option<u64>> {
        self.int(key, "a non-negative integer")
    }

    /// A small non-negative integer (decimals, counters).
    pub(crate) fn u32_opt(&mut self, key: &str) -> R<Option<u32>> {
        self.int(key, "a small non-negative integer")
    }

    /// A signed integer.
    pub(crate) fn i64_opt(&mut self, key: &str) -> R<Option<i64>> {
        self.int(key, "an integer")
    }

    /// A `0`/`1` flag.
    pub(crate) fn flag_opt(&mut self, key: &str) -> R<Option<bool>> {
        let name = self.name(key);
        match self
            .raw(key)
            .map(|r| r.get().trim().trim_matches('"').to_owned())
        {
            None => Ok(None),
            Some(t) if t == "1" || t == "true" => Ok(Some(true)),
            Some(t) if t == "0" || t == "false" => Ok(Some(false)),
            Some(t) => Err(FieldError::new(name, format!("must be 0 or 1, got `{t}`"))),
        }
    }

    /// An epoch time in seconds or milliseconds; `0` reads as absent.
    pub(crate) fn time_opt(&mut self, key: &str) -> R<Option<UnixMillis>> {
        Ok(self
            .i64_opt(key)?
            .filter(|v| *v != 0)
            .map(UnixMillis::from_wire))
    }

    /// A decimal given as a number or a string, read from its text.
    pub(crate) fn decimal_opt(&mut self, key: &str) -> R<Option<Decimal>> {
        let Some(text) = self.number_text(key)? else {
            return Ok(None);
        };
        Decimal::from_str(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map(Some)
            .map_err(|_| {
                FieldError::new(self.name(key), format!("must be a decimal, got `{text}`"))
            })
    }

    /// A nested object member.
    pub(crate) fn object_opt(&mut self, key: &str) -> R<Option<Fields<'a>>> {
        let name = self.name(key);
        match self.raw(key) {
            None => Ok(None),
            Some(raw) if raw.get().trim_start().starts_with('{') => {
                Fields::parse(&name, raw.get()).map(Some)
            }
            Some(raw) => Err(FieldError::new(
                name,
                format!("must be an object, got {}", describe(raw)),
            )),
        }
    }

    /// The members nobody took, as JSON values (large integers there may lose precision).
    pub(crate) fn extra(self) -> Map<String, Value> {
        self.map
            .into_iter()
            .filter_map(|(k, raw)| serde_json::from_str(raw.get()).ok().map(|v| (k, v)))
            .collect()
    }
}

/// Splits a JSON array into its elements' raw text.
pub(crate) fn array<'a>(path: &str, text: &'a str) -> R<Vec<&'a RawValue>> {
    serde_json::from_str(text).map_err(|_| FieldError::new(path, "is not a JSON array"))
}
