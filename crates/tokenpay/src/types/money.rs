//! Money and time on the wire: minor units scaled by `decimals` into [`Decimal`], order amounts
//! written as JSON numbers straight from the decimal text (never through `f64`), and epoch
//! timestamps that tokenpay writes in either seconds or milliseconds.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// Scales an integer amount in minor units (what tokenpay replies with: `amount` + `decimals`)
/// into major units. `None` when the value does not fit a [`Decimal`] (more than 28 decimals or
/// about 7.9e28 units).
///
/// ```
/// use rust_decimal::Decimal;
/// use tokenpay::types::minor_to_decimal;
/// assert_eq!(minor_to_decimal(15_000_000, 6), Some(Decimal::new(15, 0)));
/// assert_eq!(minor_to_decimal(1, 18).map(|d| d.to_string()), Some("0.000000000000000001".into()));
/// ```
pub fn minor_to_decimal(units: u128, decimals: u32) -> Option<Decimal> {
    let units = i128::try_from(units).ok()?;
    Decimal::try_from_i128_with_scale(units, decimals).ok()
}

/// Converts a major-unit amount into minor units for a currency with `decimals` places. `None`
/// when the amount is negative, has more places than `decimals`, or does not fit.
///
/// ```
/// use rust_decimal::Decimal;
/// use tokenpay::types::decimal_to_minor;
/// assert_eq!(decimal_to_minor(Decimal::new(1550, 2), 6), Some(15_500_000));
/// assert_eq!(decimal_to_minor(Decimal::new(1, 7), 6), None);
/// ```
pub fn decimal_to_minor(amount: Decimal, decimals: u32) -> Option<u128> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return None;
    }
    let normalized = amount.normalize();
    if normalized.scale() > decimals {
        return None;
    }
    let mantissa = u128::try_from(normalized.mantissa()).ok()?;
    let factor = 10u128.checked_pow(decimals - normalized.scale())?;
    mantissa.checked_mul(factor)
}

/// A point in time as Unix milliseconds. tokenpay writes order times in milliseconds and wallet
/// times in seconds; both are read into this type (10-digit values are taken as seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnixMillis(i64);

impl UnixMillis {
    /// From milliseconds.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Reads a wire value: values below 10^11 are seconds, larger ones milliseconds.
    pub fn from_wire(v: i64) -> Self {
        if v.unsigned_abs() < 100_000_000_000 {
            Self(v.saturating_mul(1000))
        } else {
            Self(v)
        }
    }

    /// Milliseconds since the epoch.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch.
    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// A JSON number whose text is written verbatim (an order amount from its decimal text).
#[derive(Debug)]
pub(crate) struct JsonNumber(Box<RawValue>);

impl JsonNumber {
    /// The normalized decimal text (`9`, `12.5`, never an exponent) as a JSON number.
    pub(crate) fn from_decimal(d: Decimal) -> Option<Self> {
        RawValue::from_string(d.normalize().to_string())
            .ok()
            .map(Self)
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
