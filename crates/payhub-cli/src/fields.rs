//! [`Fields`]: a request's fields by their wire names, from command-line flags, `--set
//! key=value` or a JSON object, consumed by the per-provider request builders.
//!
//! Every field must be used: a name the request does not have is an error that lists the names
//! it does have, so a typo never silently drops a field. Missing required fields are collected
//! while the request is built and reported together, each with how to give it on this command
//! (a flag or `--set` for `create`, the JSON input for `sign`), so one run shows them all.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::CliError;

/// Where a field came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A named flag, e.g. `--order-no`.
    Flag(&'static str),
    /// `--set name=value`.
    Set,
    /// The JSON input.
    Input,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "--{flag}"),
            Self::Set => f.write_str("--set"),
            Self::Input => f.write_str("the input"),
        }
    }
}

#[derive(Debug)]
struct Entry {
    name: String,
    value: String,
    source: Source,
    used: bool,
}

/// How the fields were given, so a missing one is asked for the way this command takes it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Hint {
    /// No hint (tests).
    #[default]
    None,
    /// `payhub create PROVIDER`: flags (`(flag, wire name)`) and `--set NAME=VALUE`.
    Create {
        /// The provider's CLI name.
        provider: &'static str,
        /// The provider's create flags and their wire names.
        flags: &'static [(&'static str, &'static str)],
    },
    /// `payhub sign PROVIDER`: a JSON object on stdin or `--file`.
    Input {
        /// The provider's CLI name.
        provider: &'static str,
    },
}

/// A request's fields by wire name.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    entries: Vec<Entry>,
    missing: Vec<String>,
    hint: Hint,
}

impl Fields {
    /// No fields.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets how missing fields are asked for.
    #[must_use]
    pub(crate) fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = hint;
        self
    }

    /// Adds a field.
    ///
    /// # Errors
    /// The field is already given (by another flag, `--set` or the input).
    pub(crate) fn add(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        source: Source,
    ) -> Result<(), CliError> {
        let name = name.into();
        if let Some(prev) = self.entries.iter().find(|e| e.name == name) {
            return Err(CliError::new(format!(
                "field `{name}` is given twice (by {} and by {source})",
                prev.source
            )));
        }
        self.entries.push(Entry {
            name,
            value: value.into(),
            source,
            used: false,
        });
        Ok(())
    }

    /// Adds `--set name=value` pairs.
    ///
    /// # Errors
    /// A pair without `=` or with an empty name, or a field given twice.
    pub(crate) fn add_sets(&mut self, sets: &[String]) -> Result<(), CliError> {
        for pair in sets {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| CliError::usage(format!("--set `{pair}`: expected name=value")))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(CliError::usage(format!(
                    "--set `{pair}`: the name is empty"
                )));
            }
            self.add(name, value, Source::Set)?;
        }
        Ok(())
    }

    /// The fields of a JSON object (a request as the provider documents it). Strings are taken
    /// as they are, numbers and booleans by their exact text; `null` means absent.
    ///
    /// # Errors
    /// Not a JSON object, a nested object or array, or a key given twice.
    pub(crate) fn from_json(text: &str) -> Result<Self, CliError> {
        let pairs = parse_object(text)
            .map_err(|e| CliError::new(format!("the input is not a JSON object of fields: {e}")))?;
        let mut fields = Self::new();
        for (name, raw) in pairs {
            let value = scalar_text(&name, &raw)?;
            if let Some(value) = value {
                fields.add(name, value, Source::Input)?;
            }
        }
        Ok(fields)
    }

    /// Consumes an optional field.
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        let e = self.entries.iter_mut().find(|e| e.name == name)?;
        e.used = true;
        Some(e.value.clone())
    }

    /// Consumes a required field. A missing one is noted (and an empty text returned) so the
    /// request builder goes on and [`Fields::finish`] reports every missing field at once.
    ///
    /// # Errors
    /// None today; the `Result` keeps the builders' `?` in place.
    pub(crate) fn require(&mut self, name: &str) -> Result<String, CliError> {
        Ok(self.take(name).unwrap_or_else(|| {
            if !self.missing.iter().any(|m| m == name) {
                self.missing.push(name.to_owned());
            }
            String::new()
        }))
    }

    /// The error naming every missing required field, each with how to give it.
    fn missing_error(&self, request: &str) -> CliError {
        let list = |with: &dyn Fn(&str) -> String| {
            self.missing
                .iter()
                .map(|m| with(m))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.hint {
            Hint::Create { provider, flags } => CliError::usage(format!(
                "{request}: missing {}; `payhub create {provider} --template` prints a complete example",
                list(&|m| match flags.iter().find(|(_, wire)| *wire == m) {
                    Some((flag, _)) => format!("`{m}` (--{flag})"),
                    None => format!("`{m}` (--set {m}=...)"),
                })
            ))
            .with_kind("missing_fields"),
            Hint::Input { provider } => CliError::new(format!(
                "{request}: the input lacks {}; `payhub sign {provider} --template` prints a complete input",
                list(&|m| format!("`{m}`"))
            ))
            .with_kind("missing_fields"),
            Hint::None => CliError::new(format!(
                "{request}: missing {}",
                list(&|m| format!("`{m}`"))
            ))
            .with_kind("missing_fields"),
        }
    }

    /// Consumes an optional field and parses it.
    ///
    /// # Errors
    /// The value does not parse as `what`.
    pub(crate) fn parse<T: FromStr>(
        &mut self,
        name: &str,
        what: &str,
    ) -> Result<Option<T>, CliError> {
        self.take(name)
            .map(|v| {
                v.trim()
                    .parse::<T>()
                    .map_err(|_| CliError::new(format!("field `{name}`: `{v}` is not {what}")))
            })
            .transpose()
    }

    /// Consumes a required decimal amount (exact text, never a float).
    ///
    /// # Errors
    /// Missing, or not a plain decimal number.
    pub(crate) fn decimal(&mut self, name: &str) -> Result<Decimal, CliError> {
        let text = self.require(name)?;
        if self.missing.iter().any(|m| m == name) {
            return Ok(Decimal::ZERO);
        }
        parse_decimal(name, &text)
    }

    /// Consumes an optional boolean (`true`/`false`/`1`/`0`).
    ///
    /// # Errors
    /// Any other text.
    pub(crate) fn bool(&mut self, name: &str) -> Result<Option<bool>, CliError> {
        self.take(name)
            .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(CliError::new(format!(
                    "field `{name}`: `{v}` is not a boolean (true/false or 1/0)"
                ))),
            })
            .transpose()
    }

    /// Checks, before building a request, that every field given is one of `known` (so a typo
    /// is reported before any missing field).
    ///
    /// # Errors
    /// The first unknown field, with the names `request` accepts.
    pub(crate) fn only(&self, request: &str, known: &[&str]) -> Result<(), CliError> {
        match self
            .entries
            .iter()
            .find(|e| !known.contains(&e.name.as_str()))
        {
            None => Ok(()),
            Some(e) => Err(unknown(request, e, known)),
        }
    }

    /// Checks that no required field was missing and every field was used.
    ///
    /// # Errors
    /// Every missing field at once; else the first unused field, with the names `request`
    /// accepts.
    pub(crate) fn finish(self, request: &str, known: &[&str]) -> Result<(), CliError> {
        if !self.missing.is_empty() {
            return Err(self.missing_error(request));
        }
        match self.entries.iter().find(|e| !e.used) {
            None => Ok(()),
            Some(e) => Err(unknown(request, e, known)),
        }
    }
}

fn unknown(request: &str, e: &Entry, known: &[&str]) -> CliError {
    CliError::new(format!(
        "{request} has no field `{}` (from {}); its fields are: {}",
        e.name,
        e.source,
        known.join(", ")
    ))
}

/// Parses a decimal amount from its text: digits with at most one point, no exponent.
///
/// # Errors
/// Anything else.
pub(crate) fn parse_decimal(name: &str, text: &str) -> Result<Decimal, CliError> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit());
    plain
        .then(|| Decimal::from_str(t).ok())
        .flatten()
        .ok_or_else(|| CliError::new(format!("field `{name}`: `{text}` is not a decimal amount")))
}

/// The text of a scalar JSON value; `None` for `null`.
fn scalar_text(name: &str, raw: &RawValue) -> Result<Option<String>, CliError> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(|e| CliError::new(format!("field `{name}`: {e}"))),
        Some(b'{' | b'[') => Err(CliError::new(format!(
            "field `{name}` is an object or array; give fields as strings, numbers or booleans"
        ))),
        _ if text == "null" => Ok(None),
        _ => Ok(Some(text.to_owned())),
    }
}

/// The members of a JSON object in order, refusing duplicate keys.
fn parse_object(text: &str) -> Result<Vec<(String, Box<RawValue>)>, serde_json::Error> {
    struct PairsVisitor;

    impl<'de> Visitor<'de> for PairsVisitor {
        type Value = Vec<(String, Box<RawValue>)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs: Vec<(String, Box<RawValue>)> = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                if pairs.iter().any(|(seen, _)| *seen == k) {
                    return Err(serde::de::Error::custom(format!("key `{k}` appears twice")));
                }
                pairs.push((k, v));
            }
            Ok(pairs)
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let pairs = serde::Deserializer::deserialize_map(&mut de, PairsVisitor)?;
    de.end()?;
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_scalars_keep_their_exact_text() {
        let mut f = Fields::from_json(
            r#"{"amount": 1000.50, "name": "a \"b\"", "ok": false, "gone": null}"#,
        )
        .unwrap();
        assert_eq!(f.take("amount").as_deref(), Some("1000.50"));
        assert_eq!(f.take("name").as_deref(), Some("a \"b\""));
        assert_eq!(f.bool("ok").unwrap(), Some(false));
        assert_eq!(f.take("gone"), None);
        f.finish("test", &[]).unwrap();
    }

    #[test]
    fn duplicates_nesting_and_leftovers_are_refused() {
        assert!(Fields::from_json(r#"{"a":"1","a":"2"}"#).is_err());
        assert!(Fields::from_json(r#"{"a":{"b":1}}"#).is_err());
        assert!(Fields::from_json(r#"["a"]"#).is_err());
        let mut f = Fields::new();
        f.add("a", "1", Source::Flag("order-no")).unwrap();
        assert!(f.add("a", "2", Source::Set).is_err());
        let err = f.finish("paydesk payDesk", &["mchOrderNo"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "paydesk payDesk has no field `a` (from --order-no); its fields are: mchOrderNo"
        );
    }

    #[test]
    fn every_missing_field_is_reported_at_once_with_how_to_give_it() {
        const FLAGS: &[(&str, &str)] = &[("order-no", "order_no")];
        let mut f = Fields::new().with_hint(Hint::Create {
            provider: "gateway-recharge",
            flags: FLAGS,
        });
        assert_eq!(f.require("order_no").expect("noted"), "");
        assert_eq!(f.decimal("amount").expect("noted"), Decimal::ZERO);
        let err = f.finish("gateway-recharge create_order", &[]).unwrap_err();
        assert_eq!(err.exit_code(), 64);
        assert_eq!(
            err.to_string(),
            "gateway-recharge create_order: missing `order_no` (--order-no), `amount` (--set amount=...); \
             `payhub create gateway-recharge --template` prints a complete example"
        );
        let mut f = Fields::new().with_hint(Hint::Input {
            provider: "paydesk",
        });
        let _ = f.require("mchOrderNo");
        let err = f.finish("paydesk payDesk", &[]).unwrap_err().to_string();
        assert!(!err.contains("--set"), "{err}");
        assert!(err.contains("the input lacks `mchOrderNo`"), "{err}");
    }

    #[test]
    fn decimals_are_plain_numbers() {
        assert_eq!(
            parse_decimal("amount", "12.50").unwrap().to_string(),
            "12.50"
        );
        for bad in ["1e5", "", ".", "12,5", "NaN", "1.2.3"] {
            assert!(parse_decimal("amount", bad).is_err(), "{bad}");
        }
    }
}
