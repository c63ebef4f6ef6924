//! Body serialization: one pass of `serde_json` over a borrowed view of the request, fields in a
//! fixed order, `None` fields left out, amounts written as JSON numbers from their decimal text.

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

/// Serializes `body` once; these bytes are signed and sent as they are.
pub(crate) fn to_bytes<T: Serialize>(operation: &'static str, body: &T) -> Result<Vec<u8>, Error> {
    // Room for a typical create in one allocation (`to_vec` starts at 128 bytes and doubles).
    let mut out = Vec::with_capacity(512);
    serde_json::to_writer(&mut out, body)
        .map(|()| out)
        .map_err(|e| {
            Error::Validation(ValidationError::new(
                operation,
                vec![Violation::new("body", format!("cannot be serialized: {e}"))],
            ))
        })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

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
