//! Reading reply JSON exactly: scalars as their text (numbers never go through `f64`), typed
//! field extraction that names the field at fault, and the rest kept as text.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use time::{OffsetDateTime, UtcOffset};

use crate::types::{OrderStatus, clip, parse_decimal, parse_local_time};

/// The text of a JSON scalar: strings unescaped, numbers and booleans verbatim, `null` as empty.
/// Objects and arrays are refused.
pub(crate) fn scalar_text(raw: &RawValue) -> Result<String, &'static str> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).map_err(|_| "is not a valid string"),
        Some(b'{' | b'[') => Err("is not a string or number"),
        _ if text == "null" => Ok(String::new()),
        _ => Ok(text.to_owned()),
    }
}

/// The text of any JSON value: scalars as [`scalar_text`], objects and arrays as raw JSON.
pub(crate) fn any_text(raw: &RawValue) -> String {
    scalar_text(raw).unwrap_or_else(|_| raw.get().to_owned())
}

/// The fields of a reply's `data` object, taken one by one; what is left is `extra`.
pub(crate) struct DataFields {
    map: BTreeMap<String, Box<RawValue>>,
}

impl DataFields {
    /// Reads `data`, which must be a JSON object.
    pub(crate) fn parse(data: Option<&str>) -> Result<Self, String> {
        let data = data.ok_or_else(|| "`data` is missing".to_owned())?;
        let map: BTreeMap<String, Box<RawValue>> = serde_json::from_str(data)
            .map_err(|_| format!("`data` is not an object (got `{}`)", clip(data)))?;
        Ok(Self { map })
    }

    /// A field's text; absent or `null` is an error.
    pub(crate) fn text(&mut self, name: &str) -> Result<String, String> {
        let raw = self
            .map
            .remove(name)
            .ok_or_else(|| format!("`data.{name}` is missing"))?;
        if raw.get() == "null" {
            return Err(format!("`data.{name}` is null"));
        }
        scalar_text(&raw).map_err(|p| format!("`data.{name}` {p}"))
    }

    /// A field's text, which must not be empty.
    pub(crate) fn non_empty(&mut self, name: &str) -> Result<String, String> {
        let text = self.text(name)?;
        if text.is_empty() {
            return Err(format!("`data.{name}` is empty"));
        }
        Ok(text)
    }

    /// A money amount (string or number).
    pub(crate) fn decimal(&mut self, name: &str) -> Result<Decimal, String> {
        let text = self.text(name)?;
        parse_decimal(&text).map_err(|p| format!("`data.{name}` {p}"))
    }

    /// A non-negative integer (string or number).
    pub(crate) fn u64(&mut self, name: &str) -> Result<u64, String> {
        let text = self.text(name)?;
        text.parse::<u64>().map_err(|_| {
            format!(
                "`data.{name}` is not a non-negative integer (got `{}`)",
                clip(&text)
            )
        })
    }

    /// An absolute http(s) URL, kept as received.
    pub(crate) fn url(&mut self, name: &str) -> Result<String, String> {
        let text = self.non_empty(name)?;
        check_url(&text).map_err(|p| format!("`data.{name}` {p}"))?;
        Ok(text)
    }

    /// An order status.
    pub(crate) fn status(&mut self, name: &str) -> Result<OrderStatus, String> {
        Ok(OrderStatus::parse(&self.non_empty(name)?))
    }

    /// A provider-local `Y-m-d H:i:s` time.
    pub(crate) fn local_time(
        &mut self,
        name: &str,
        offset: UtcOffset,
    ) -> Result<OffsetDateTime, String> {
        let text = self.non_empty(name)?;
        parse_local_time(&text, offset).map_err(|p| format!("`data.{name}` {p}"))
    }

    /// Every field not taken, as text (objects and arrays as raw JSON).
    pub(crate) fn extra(self) -> BTreeMap<String, String> {
        self.map
            .into_iter()
            .map(|(k, v)| {
                let text = any_text(&v);
                (k, text)
            })
            .collect()
    }
}

/// Checks that `text` is an absolute `http` or `https` URL with a host.
pub(crate) fn check_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text)
        .map_err(|e| format!("is not an absolute URL ({e}): `{}`", clip(text)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "must be an http(s) URL (got scheme `{}`)",
            url.scheme()
        ));
    }
    if url.host().is_none() {
        return Err("must have a host".to_owned());
    }
    Ok(())
}

/// `{"k":"v",...}` in the given order, every value a JSON string, escaped by `serde_json`
/// straight into one buffer.
pub(crate) fn json_object<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, text: &str) {
        // Serializing a `&str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(&mut out, k);
        out.push(b':');
        string(&mut out, v);
    }
    out.push(b'}');
    out
}
