//! Reading reply JSON field by field, from the raw text: numbers are never routed through `f64`,
//! numbers and strings are accepted both ways, and every problem names the field's path.

use std::collections::BTreeMap;

use bytes::Bytes;
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{DecodeError, DecodeErrorKind};
use crate::types::parse_plain_decimal;
use crate::{Error, Result};

/// Where a reply came from, to build errors.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    op: &'static str,
    status: u16,
    body: Bytes,
}

impl Ctx {
    pub(crate) fn new(op: &'static str, status: u16, body: Bytes) -> Self {
        Self { op, status, body }
    }

    pub(crate) fn field_error(&self, path: &str, problem: impl Into<String>) -> Error {
        Error::Decode(DecodeError::new(
            self.op,
            self.status,
            DecodeErrorKind::Field {
                path: path.to_owned(),
                problem: problem.into(),
            },
            self.body.clone(),
        ))
    }
}

fn kind_of(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The text of a scalar: strings unescaped, numbers and booleans verbatim, `null` as `None`.
pub(crate) fn scalar_text(ctx: &Ctx, path: &str, raw: &RawValue) -> Result<Option<String>> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(|_| ctx.field_error(path, "invalid string")),
        Some(b'n') => Ok(None),
        Some(b'{' | b'[') => Err(ctx.field_error(
            path,
            format!("expected a string or number, got {}", kind_of(text)),
        )),
        _ => Ok(Some(text.to_owned())),
    }
}

/// Items of an array (or a single object treated as one item).
pub(crate) fn items(ctx: &Ctx, path: &str, raw: &RawValue) -> Result<Vec<Box<RawValue>>> {
    match raw.get().as_bytes().first() {
        Some(b'[') => {
            serde_json::from_str(raw.get()).map_err(|_| ctx.field_error(path, "invalid array"))
        }
        Some(b'{') => Ok(vec![
            RawValue::from_string(raw.get().to_owned())
                .map_err(|_| ctx.field_error(path, "invalid object"))?,
        ]),
        Some(b'n') => Ok(Vec::new()),
        _ => Err(ctx.field_error(
            path,
            format!("expected an array, got {}", kind_of(raw.get())),
        )),
    }
}

/// A JSON object being read field by field; what is not taken ends up in `rest()`.
pub(crate) struct Obj {
    ctx: Ctx,
    path: String,
    map: BTreeMap<String, Box<RawValue>>,
}

impl Obj {
    pub(crate) fn parse(ctx: &Ctx, path: &str, raw: &RawValue) -> Result<Self> {
        if !raw.get().starts_with('{') {
            return Err(ctx.field_error(
                path,
                format!("expected an object, got {}", kind_of(raw.get())),
            ));
        }
        let map =
            serde_json::from_str(raw.get()).map_err(|_| ctx.field_error(path, "invalid object"))?;
        Ok(Self {
            ctx: ctx.clone(),
            path: path.to_owned(),
            map,
        })
    }

    pub(crate) fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn raw(&mut self, key: &str) -> Option<Box<RawValue>> {
        self.map.remove(key).filter(|r| r.get() != "null")
    }

    /// A string or number field as text; `null` and absent are `None`.
    pub(crate) fn text(&mut self, key: &str) -> Result<Option<String>> {
        match self.map.remove(key) {
            None => Ok(None),
            Some(raw) => scalar_text(&self.ctx, &self.path_of(key), &raw),
        }
    }

    /// A required, non-empty string or number field as text.
    pub(crate) fn req_text(&mut self, key: &str) -> Result<String> {
        match self.text(key)? {
            Some(t) if !t.is_empty() => Ok(t),
            _ => Err(self.ctx.field_error(&self.path_of(key), "is missing")),
        }
    }

    /// A decimal amount from a string or number; empty string and `null` are `None`.
    pub(crate) fn decimal(&mut self, key: &str) -> Result<Option<Decimal>> {
        let path = self.path_of(key);
        match self.text(key)? {
            None => Ok(None),
            Some(t) if t.is_empty() => Ok(None),
            Some(t) => parse_plain_decimal(&t)
                .map(Some)
                .map_err(|_| self.ctx.field_error(&path, "expected a decimal amount")),
        }
    }

    /// A non-negative integer from a string or number; empty string and `null` are `None`.
    pub(crate) fn u64(&mut self, key: &str) -> Result<Option<u64>> {
        let path = self.path_of(key);
        match self.text(key)? {
            None => Ok(None),
            Some(t) if t.is_empty() => Ok(None),
            Some(t) => t.parse::<u64>().map(Some).map_err(|_| {
                self.ctx
                    .field_error(&path, "expected a non-negative integer")
            }),
        }
    }

    /// The fields not taken, as JSON values.
    pub(crate) fn rest(self) -> Map<String, Value> {
        self.map
            .into_iter()
            .map(|(k, raw)| {
                let v = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                (k, v)
            })
            .collect()
    }
}

/// `other` of a reply: `price` typed, the rest kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Other {
    /// `other.price`: the order amount charged (yuan), when the provider sends it.
    pub price: Option<Decimal>,
    /// Any other `other` fields, as received.
    pub extra: Map<String, Value>,
}

impl Other {
    pub(crate) fn parse(ctx: &Ctx, raw: Option<&RawValue>) -> Result<Self> {
        let Some(raw) = raw else {
            return Ok(Self::default());
        };
        if raw.get().starts_with('[') {
            // Some PHP back-ends send `[]` for an empty object.
            return Ok(Self::default());
        }
        let mut o = Obj::parse(ctx, "other", raw)?;
        Ok(Self {
            price: o.decimal("price")?,
            extra: o.rest(),
        })
    }
}
