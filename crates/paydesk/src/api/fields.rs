//! Reads the fields of a reply or notify object from their exact JSON text.
//!
//! Cashy mixes JSON numbers and strings for the same field (`"amount":"100000"` and
//! `"amount":358320.00`), so each typed field accepts both. Amounts are parsed from their
//! digits into `Decimal`, never through `f64`. Every error names the field. Fields that are not
//! taken end up in [`Extra`].

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::error::DecodeError;
use crate::types::Extra;

/// The fields of one JSON object, consumed as they are typed.
#[derive(Debug)]
pub(crate) struct Fields(BTreeMap<String, Box<RawValue>>);

/// A scalar as text: a JSON string's content, or a number's literal.
enum Scalar {
    Text(String),
    Number(String),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Self::Text(t) | Self::Number(t) => t,
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

impl Fields {
    /// Reads a JSON object.
    pub(crate) fn parse(json: &str) -> Result<Self, DecodeError> {
        match serde_json::from_str::<BTreeMap<String, Box<RawValue>>>(json) {
            Ok(map) => Ok(Self(map)),
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

    /// Removes a field; JSON `null` counts as absent.
    pub(crate) fn take_raw(&mut self, name: &str) -> Option<Box<RawValue>> {
        self.0.remove(name).filter(|raw| raw.get().trim() != "null")
    }

    fn scalar(&mut self, name: &str) -> Result<Option<Scalar>, DecodeError> {
        let Some(raw) = self.take_raw(name) else {
            return Ok(None);
        };
        let text = raw.get().trim();
        match text.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(text)
                .map(|s| Some(Scalar::Text(s)))
                .map_err(|e| DecodeError::field(name, "is not a valid string").with_source(e)),
            Some(b'-' | b'0'..=b'9') => Ok(Some(Scalar::Number(text.to_owned()))),
            _ => Err(DecodeError::field(
                name,
                format!("must be a string or a number, got `{}`", snippet(text)),
            )),
        }
    }

    /// A text (a JSON number is taken as its literal text).
    pub(crate) fn opt_text(&mut self, name: &str) -> Result<Option<String>, DecodeError> {
        Ok(self.scalar(name)?.map(Scalar::into_text))
    }

    /// A required, non-empty text.
    pub(crate) fn text(&mut self, name: &str) -> Result<String, DecodeError> {
        match self.opt_text(name)? {
            Some(t) if !t.trim().is_empty() => Ok(t),
            Some(_) => Err(DecodeError::field(name, "is empty")),
            None => Err(DecodeError::field(name, "is missing")),
        }
    }

    /// An optional decimal from a JSON number or a numeric string (`""` counts as absent).
    pub(crate) fn opt_decimal(&mut self, name: &str) -> Result<Option<Decimal>, DecodeError> {
        let Some(scalar) = self.scalar(name)? else {
            return Ok(None);
        };
        let text = scalar.into_text();
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        parse_decimal(text).map(Some).ok_or_else(|| {
            DecodeError::field(
                name,
                format!("is not a decimal number: `{}`", snippet(text)),
            )
        })
    }

    /// A required decimal.
    pub(crate) fn decimal(&mut self, name: &str) -> Result<Decimal, DecodeError> {
        self.opt_decimal(name)?
            .ok_or_else(|| DecodeError::field(name, "is missing"))
    }

    /// An optional unsigned integer from a JSON number or a numeric string.
    pub(crate) fn opt_u64(&mut self, name: &str) -> Result<Option<u64>, DecodeError> {
        let Some(scalar) = self.scalar(name)? else {
            return Ok(None);
        };
        let text = scalar.into_text();
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        u64::from_str(text).map(Some).map_err(|_| {
            DecodeError::field(
                name,
                format!("is not an unsigned integer: `{}`", snippet(text)),
            )
        })
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
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        match self.scalar(name)? {
            None => Ok(None),
            Some(Scalar::Text(t)) if t.trim().is_empty() => Ok(None),
            Some(Scalar::Text(t)) => PrimitiveDateTime::parse(t.trim(), format)
                .map(Some)
                .map_err(|_| {
                    DecodeError::field(
                        name,
                        format!("is not `yyyy-MM-dd HH:mm:ss`: `{}`", snippet(&t)),
                    )
                }),
            Some(Scalar::Number(n)) => Err(DecodeError::field(
                name,
                format!("is not `yyyy-MM-dd HH:mm:ss`: `{}`", snippet(&n)),
            )),
        }
    }

    /// An optional status text, parsed by `parse`.
    pub(crate) fn opt_status<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> T,
    ) -> Result<Option<T>, DecodeError> {
        match self.scalar(name)? {
            Some(Scalar::Text(t)) if !t.is_empty() => Ok(Some(parse(&t))),
            Some(Scalar::Text(_)) => Err(DecodeError::field(name, "is empty")),
            Some(Scalar::Number(n)) => Err(DecodeError::field(
                name,
                format!("must be a status text, got `{}`", snippet(&n)),
            )),
            None => Ok(None),
        }
    }

    /// A required status text, parsed by `parse`.
    pub(crate) fn status<T>(&mut self, name: &str, parse: fn(&str) -> T) -> Result<T, DecodeError> {
        self.opt_status(name, parse)?
            .ok_or_else(|| DecodeError::field(name, "is missing"))
    }

    /// Reads an optional field with `read`; a value that does not parse is left in [`Extra`]
    /// instead of failing the whole reply (used for creates, whose success must not be lost).
    pub(crate) fn lenient<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &str) -> Result<Option<T>, DecodeError>,
    ) -> Option<T> {
        let saved = self.0.get(name).cloned();
        match read(self, name) {
            Ok(value) => value,
            Err(_) => {
                if let Some(raw) = saved {
                    self.0.insert(name.to_owned(), raw);
                }
                None
            }
        }
    }

    /// Drops a known field this crate does not expose (e.g. the echoed `nonceStr`).
    pub(crate) fn skip(&mut self, name: &str) {
        self.0.remove(name);
    }

    /// Everything not taken.
    pub(crate) fn extra(self) -> Extra {
        Extra::new(self.0)
    }
}

/// Parses a decimal from its text: plain (`12.50`) or scientific (`1.25E1`), never via `f64`.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
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
