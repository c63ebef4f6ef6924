//! Provider enums and value rules: order status, reply codes, money and provider-local time.

use std::fmt;

use rust_decimal::Decimal;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// WinPay's server time zone: UTC+8. `trade_time` strings are local time there.
///
/// Override it with [`ClientBuilder::provider_utc_offset`](crate::ClientBuilder::provider_utc_offset)
/// if your account manager says otherwise.
pub const PROVIDER_UTC_OFFSET: UtcOffset = time::macros::offset!(+8);

payhub_runtime::open_enum! {
    /// The status of a deposit or collection order.
    ///
    /// WinPay documents `pending` and `success` only (callbacks are sent on success); values are
    /// compared ASCII case-insensitively. Any other value is kept verbatim in
    /// [`OrderStatus::Unknown`] and treated as not final.
    ///
    /// ```
    /// use gateway_recharge::types::OrderStatus;
    /// assert!(OrderStatus::parse("success").is_success());
    /// assert!(OrderStatus::parse("SUCCESS").is_final());
    /// assert!(!OrderStatus::parse("pending").is_final());
    /// assert_eq!(OrderStatus::parse("refunded"), OrderStatus::Unknown("refunded".into()));
    /// ```
    pub enum OrderStatus (IgnoreCase) {
        /// `pending`: created, not paid yet.
        Pending = "pending",
        /// `success`: paid. Final.
        Success = "success",
    }
    // Only `success` is known to be final: the docs list no failure status, so an unknown
    // status is not treated as final.
    final: [Success]
}

impl OrderStatus {
    /// Whether the order is paid.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

/// A non-success reply `code`.
///
/// WinPay's error-code page ("后端响应状态码说明") is not public: the only documented code is
/// `"0"`, success, which never becomes an error. Every other code is therefore kept verbatim
/// in [`ErrorCode::Unknown`], as text whether it came as a JSON string or a number. Match on
/// [`ErrorCode::as_str`] for codes your account manager documents, and list the ones that mean
/// "busy, try again" with [`ClientBuilder::busy_codes`](crate::ClientBuilder::busy_codes).
///
/// ```
/// use gateway_recharge::types::ErrorCode;
/// assert_eq!(ErrorCode::parse("1001").as_str(), "1001");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A code not documented publicly, kept as received.
    Unknown(String),
}

impl ErrorCode {
    /// Reads a wire code (its text; numbers are kept as written).
    pub fn parse(text: &str) -> Self {
        Self::Unknown(text.to_owned())
    }

    /// The code as received.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown(s) => s,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.as_str())
    }
}

/// Whether replies are checked for a signature.
///
/// WinPay's documented replies carry no `sign`, so the default is [`ReplySignature::Ignore`].
/// If your account's replies do carry `data.sign`, turn checking on with
/// [`ClientBuilder::reply_signature`](crate::ClientBuilder::reply_signature): it is verified
/// with the request rule over every other field of `data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplySignature {
    /// Do not look for a reply signature (default).
    #[default]
    Ignore,
    /// Verify `data.sign` when present; accept replies without one.
    VerifyIfPresent,
    /// Require `data.sign` on every successful reply and verify it.
    Require,
}

/// Checks a merchant number: not empty, no whitespace or control characters.
pub(crate) fn check_merchant_no(merchant_no: &str) -> Result<(), &'static str> {
    if merchant_no.is_empty() {
        return Err("is empty");
    }
    if merchant_no
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("must not contain whitespace");
    }
    Ok(())
}

/// The wire form of a request amount: exactly two decimals, never rounded.
///
/// # Errors
/// A message (without the field name) when the amount is zero, negative or has more than two
/// significant decimal places.
pub(crate) fn format_amount(amount: Decimal) -> Result<String, String> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(format!("must be positive (got {amount})"));
    }
    if amount.is_zero() {
        return Err("must be greater than zero".to_owned());
    }
    let normalized = amount.normalize();
    if normalized.scale() > 2 {
        return Err(format!(
            "must have at most two decimal places (got {amount}); it is never rounded"
        ));
    }
    let mut two = normalized;
    two.rescale(2);
    Ok(two.to_string())
}

/// Parses a money amount from its wire text (`"100.00"`, `90062.0000`), never through a float.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let ok = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    if !ok {
        return Err(format!("is not a decimal number (got `{}`)", clip(text)));
    }
    text.parse::<Decimal>()
        .map_err(|_| format!("is not a decimal number (got `{}`)", clip(text)))
}

/// Parses `Y-m-d H:i:s` in the provider's time zone.
pub(crate) fn parse_local_time(text: &str, offset: UtcOffset) -> Result<OffsetDateTime, String> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, format)
        .map(|t| t.assume_offset(offset))
        .map_err(|_| format!("is not a `YYYY-MM-DD hh:mm:ss` time (got `{}`)", clip(text)))
}

/// Unix milliseconds to an instant (out-of-range clocks map to the epoch).
pub(crate) fn instant_from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// At most 64 characters of a received value, for error messages.
pub(crate) fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
