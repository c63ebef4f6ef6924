//! [`Record`]: a typed result printed as `key: value` lines, or as one JSON object (`--json`).
//!
//! Money and other numbers are printed from their exact text (never through a float); in JSON
//! they are strings for the same reason.

use std::fmt::Display;

use serde_json::Value;

/// An ordered list of fields to print.
#[derive(Debug, Default)]
pub(crate) struct Record {
    fields: Vec<(String, Value)>,
}

impl Record {
    /// An empty record.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub(crate) fn put(&mut self, key: &str, value: impl Display) -> &mut Self {
        self.fields
            .push((key.to_owned(), Value::String(value.to_string())));
        self
    }

    /// Adds a field when it has a value; `null` in JSON, left out of the lines otherwise.
    pub(crate) fn opt<T: Display>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        let value = value.map_or(Value::Null, |v| Value::String(v.to_string()));
        self.fields.push((key.to_owned(), value));
        self
    }

    /// The text of field `key`, if it has one.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_str())
    }

    /// Adds a whole number (a JSON number, unlike money, which stays text).
    pub(crate) fn int(&mut self, key: &str, value: u64) -> &mut Self {
        self.fields.push((key.to_owned(), Value::from(value)));
        self
    }

    /// Adds a yes/no field.
    pub(crate) fn flag(&mut self, key: &str, value: bool) -> &mut Self {
        self.fields.push((key.to_owned(), Value::Bool(value)));
        self
    }

    /// Adds the untyped fields of a reply or callback as `extra.<name>` (JSON text as received).
    pub(crate) fn extra<'a>(&mut self, fields: impl IntoIterator<Item = (&'a str, String)>) {
        for (k, v) in fields {
            self.fields.push((format!("extra.{k}"), Value::String(v)));
        }
    }

    /// `key: value` lines (fields without a value are left out), or one JSON object.
    pub(crate) fn render(&self, json: bool) -> String {
        if json {
            let mut out = String::from("{");
            for (i, (k, v)) in self.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                out.push_str(&v.to_string());
            }
            out.push_str("}\n");
            return out;
        }
        let mut out = String::new();
        for (k, v) in &self.fields {
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push_str(k);
            out.push_str(": ");
            out.push_str(&text.replace('\n', "\\n"));
            out.push('\n');
        }
        out
    }
}

/// The text of a JSON value for `extra` fields: strings without quotes, the rest as JSON.
pub(crate) fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_missing_values_and_json_keeps_them_in_order() {
        let mut r = Record::new();
        r.put("order_no", "A1")
            .opt::<&str>("pay_url", None)
            .put("amount", "10.50")
            .flag("final", true);
        assert_eq!(
            r.render(false),
            "order_no: A1\namount: 10.50\nfinal: true\n"
        );
        assert_eq!(
            r.render(true),
            "{\"order_no\":\"A1\",\"pay_url\":null,\"amount\":\"10.50\",\"final\":true}\n"
        );
    }
}
