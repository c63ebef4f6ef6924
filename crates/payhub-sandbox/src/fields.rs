//! Reading request fields the way providers do: a JSON object whose numbers may arrive as
//! numbers or strings, with amounts read exactly (never through `f64`).

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::value::RawValue;

/// What is wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Absent or `null`.
    Missing,
    /// Present with the wrong JSON type.
    WrongType {
        /// What was expected (`string`, `number`, `boolean`).
        expected: &'static str,
    },
    /// Present but invalid.
    Invalid(String),
}

/// A field error: which field and what is wrong. The body-level errors use the field name `""`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {problem:?}")]
pub struct FieldError {
    /// The field name.
    pub field: String,
    /// The problem.
    pub problem: FieldProblem,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, problem: FieldProblem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }

    /// `field` is missing.
    pub fn missing(field: impl Into<String>) -> Self {
        Self::new(field, FieldProblem::Missing)
    }

    /// `field` is invalid for `why`.
    pub fn invalid(field: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(field, FieldProblem::Invalid(why.into()))
    }
}

/// The top-level fields of a JSON object body, each kept as its raw JSON text.
///
/// ```
/// use payhub_sandbox::JsonFields;
/// use rust_decimal::Decimal;
/// let f = JsonFields::parse(br#"{"amount":"1000.50","n":7,"ok":false,"name":"Jeck","x":null}"#).unwrap();
/// assert_eq!(f.decimal("amount").unwrap(), Some(Decimal::new(100050, 2)));
/// assert_eq!(f.integer("n").unwrap(), Some(7));
/// assert_eq!(f.boolean("ok").unwrap(), Some(false));
/// assert_eq!(f.text("n").unwrap().as_deref(), Some("7"));
/// assert_eq!(f.text("x").unwrap(), None);
/// assert!(f.required_text("missing").is_err());
/// ```
#[derive(Debug)]
pub struct JsonFields {
    map: HashMap<String, Box<RawValue>>,
}

impl JsonFields {
    /// Parses a JSON object.
    ///
    /// # Errors
    /// A [`FieldError`] with field `""` when the bytes are not a JSON object.
    pub fn parse(body: &[u8]) -> Result<Self, FieldError> {
        let map: HashMap<String, Box<RawValue>> = serde_json::from_slice(body)
            .map_err(|e| FieldError::invalid("", format!("not a JSON object: {e}")))?;
        Ok(Self { map })
    }

    /// Whether the field is present and not `null`.
    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// The raw JSON text of a present, non-null field.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|r| r.get()).filter(|t| *t != "null")
    }

    /// Field names present.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// A string field (a JSON number is accepted and returned as its text).
    ///
    /// # Errors
    /// [`FieldProblem::WrongType`] for objects, arrays and booleans.
    pub fn text(&self, name: &str) -> Result<Option<String>, FieldError> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        if raw.starts_with('"') {
            serde_json::from_str::<String>(raw)
                .map(Some)
                .map_err(|_| FieldError::new(name, FieldProblem::WrongType { expected: "string" }))
        } else if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ok(Some(raw.to_owned()))
        } else {
            Err(FieldError::new(
                name,
                FieldProblem::WrongType { expected: "string" },
            ))
        }
    }

    /// A required string field.
    ///
    /// # Errors
    /// [`FieldProblem::Missing`] or as [`text`](Self::text).
    pub fn required_text(&self, name: &str) -> Result<String, FieldError> {
        self.text(name)?.ok_or_else(|| FieldError::missing(name))
    }

    /// A decimal given as a JSON number or a numeric string, read exactly.
    ///
    /// # Errors
    /// [`FieldProblem::WrongType`] or [`FieldProblem::Invalid`].
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, FieldError> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        let t = text.trim();
        Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map(Some)
            .map_err(|_| FieldError::invalid(name, format!("`{text}` is not a number")))
    }

    /// An integer given as a JSON number or a numeric string.
    ///
    /// # Errors
    /// [`FieldProblem::WrongType`] or [`FieldProblem::Invalid`].
    pub fn integer(&self, name: &str) -> Result<Option<i64>, FieldError> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        text.trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| FieldError::invalid(name, format!("`{text}` is not an integer")))
    }

    /// A boolean given as `true`/`false` or the strings `"true"`/`"false"`.
    ///
    /// # Errors
    /// [`FieldProblem::WrongType`].
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, FieldError> {
        match self.raw(name) {
            None => Ok(None),
            Some("true" | "\"true\"") => Ok(Some(true)),
            Some("false" | "\"false\"") => Ok(Some(false)),
            Some(_) => Err(FieldError::new(
                name,
                FieldProblem::WrongType {
                    expected: "boolean",
                },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        let f = JsonFields::parse(br#"{"a":358320.00,"b":0.1,"c":1e3,"d":"x","e":[1]}"#).unwrap();
        assert_eq!(f.decimal("a").unwrap().unwrap().to_string(), "358320.00");
        assert_eq!(f.decimal("b").unwrap().unwrap().to_string(), "0.1");
        assert_eq!(f.decimal("c").unwrap().unwrap(), Decimal::new(1000, 0));
        assert!(matches!(
            f.decimal("d").unwrap_err().problem,
            FieldProblem::Invalid(_)
        ));
        assert_eq!(
            f.text("e").unwrap_err().problem,
            FieldProblem::WrongType { expected: "string" }
        );
    }

    #[test]
    fn non_objects_are_errors() {
        for body in [&b"[]"[..], b"", b"{\"a\":", b"\"s\""] {
            assert_eq!(JsonFields::parse(body).unwrap_err().field, "");
        }
    }
}
