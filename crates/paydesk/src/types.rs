//! Value types shared by requests, replies and notifies: order kinds and statuses,
//! payment-method codes, ID types, and the bag of fields this crate does not type ([`Extra`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;

payhub_runtime::open_enum! {
    /// `orderStatus` of a payin or cashier (paydesk) order, matched exactly (as the docs
    /// require). Final: `SUCCESS`, `FAIL`, `CANCEL`.
    ///
    /// ```
    /// use paydesk::types::PayInStatus;
    /// assert!(PayInStatus::parse("SUCCESS").is_final());
    /// assert!(!PayInStatus::parse("PAYING").is_final());
    /// assert!(!PayInStatus::parse("success").is_final()); // matched exactly
    /// assert_eq!(PayInStatus::parse("NEW").to_string(), "NEW"); // kept as received
    /// ```
    pub enum PayInStatus (Exact) {
        /// `PAYING`: waiting for the payer.
        Paying = "PAYING",
        /// `SUCCESS`: paid.
        Success = "SUCCESS",
        /// `FAIL`: failed or expired.
        Fail = "FAIL",
        /// `CANCEL`: rejected by Cashy (older docs).
        Cancel = "CANCEL",
    }
    final: [Success, Fail, Cancel]
}

payhub_runtime::open_enum! {
    /// `orderStatus` of a payout, matched exactly. Final: `SUCCESS`, `FAIL`, `CANCEL`.
    ///
    /// ```
    /// use paydesk::types::PayOutStatus;
    /// assert!(PayOutStatus::parse("CANCEL").is_final());
    /// assert!(!PayOutStatus::parse("WAITING").is_final());
    /// assert!(PayOutStatus::parse("SUCCESS").is_success());
    /// // Serialized as the wire text, unknown values included.
    /// assert_eq!(serde_json::to_string(&PayOutStatus::Cancel).unwrap(), r#""CANCEL""#);
    /// let odd: PayOutStatus = serde_json::from_str(r#""HELD""#).unwrap();
    /// assert_eq!(odd, PayOutStatus::Unknown("HELD".into()));
    /// ```
    pub enum PayOutStatus (Exact) {
        /// `PROCESSING`: accepted, being processed.
        Processing = "PROCESSING",
        /// `WAITING`: being routed.
        Waiting = "WAITING",
        /// `PAYING`: sent to the channel.
        Paying = "PAYING",
        /// `SUCCESS`: paid out.
        Success = "SUCCESS",
        /// `FAIL`: failed (see `resultDesc`).
        Fail = "FAIL",
        /// `CANCEL`: rejected or cancelled.
        Cancel = "CANCEL",
    }
    final: [Success, Fail, Cancel]
}

impl PayInStatus {
    /// Whether the money moved (`SUCCESS`).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

impl PayOutStatus {
    /// Whether the money moved (`SUCCESS`).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

/// The three kinds of order Cashy keeps, each with its own create and query endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderKind {
    /// A hosted cashier order (`/api/payDesk`, `PAYDESK...` order numbers).
    Cashier,
    /// A payin (`/api/payIn`, `PAYIN...`).
    PayIn,
    /// A payout (`/api/payOut`, `PAYOUT...`).
    PayOut,
}

impl fmt::Display for OrderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cashier => "cashier",
            Self::PayIn => "payin",
            Self::PayOut => "payout",
        })
    }
}

/// A payin `payType` code. Codes are per country; the Tanzanian ones are constants here.
///
/// ```
/// use paydesk::types::PayType;
/// assert_eq!(PayType::TZ_PAY_LINK.code(), 888);
/// assert_eq!(PayType::new(41).to_string(), "41");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayType(u32);

impl PayType {
    /// Tanzania `810` AirtelMoney (USSD push to `mobileMoneyPhone`).
    pub const TZ_AIRTEL_MONEY: Self = Self(810);
    /// Tanzania `811` TigoPesa (USSD push).
    pub const TZ_TIGO_PESA: Self = Self(811);
    /// Tanzania `812` Halotel (USSD push).
    pub const TZ_HALOTEL: Self = Self(812);
    /// Tanzania `813` Vodacom (USSD push; not in the provider's sandbox).
    pub const TZ_VODACOM: Self = Self(813);
    /// Tanzania `821` NormalUssd (returns a URL).
    pub const TZ_NORMAL_USSD: Self = Self(821);
    /// Tanzania `888` PayLink (returns a URL).
    pub const TZ_PAY_LINK: Self = Self(888);

    /// Any code from the country appendix.
    pub const fn new(code: u32) -> Self {
        Self(code)
    }

    /// The numeric code.
    pub const fn code(self) -> u32 {
        self.0
    }
}

impl fmt::Display for PayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A payout `accountType` code (the payee's wallet operator or account kind), per country.
///
/// ```
/// use paydesk::types::AccountType;
/// assert_eq!(AccountType::TZ_TIGO.code(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountType(u32);

impl AccountType {
    /// Tanzania `0` Airtel.
    pub const TZ_AIRTEL: Self = Self(0);
    /// Tanzania `1` Tigo.
    pub const TZ_TIGO: Self = Self(1);
    /// Tanzania `2` Halotel (not in the provider's sandbox).
    pub const TZ_HALOTEL: Self = Self(2);
    /// Tanzania `3` Vodacom (not in the provider's sandbox).
    pub const TZ_VODACOM: Self = Self(3);

    /// Any code from the country appendix.
    pub const fn new(code: u32) -> Self {
        Self(code)
    }

    /// The numeric code.
    pub const fn code(self) -> u32 {
        self.0
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a numeric code is written in request bodies: as a JSON number (`"payType":888`, the
/// default: the field tables say `int`) or as a JSON string (`"payType":"888"`). Cashy's own
/// examples show both (`"accountType":"1"` beside `"bankId":2`); choose per field with
/// [`ClientBuilder::code_format`](crate::ClientBuilder::code_format) if your account manager
/// asks for strings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeFormat {
    /// A JSON number, e.g. `888`. The default.
    #[default]
    Number,
    /// A JSON string of the decimal digits, e.g. `"888"`.
    String,
}

/// A request field whose wire form [`CodeFormat`] chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeField {
    /// The payin `payType` ([`PayType`]).
    PayType,
    /// The payout `accountType` ([`AccountType`]).
    AccountType,
    /// The payout `bankId` (from `/api/bankListQuery`).
    BankId,
}

/// The wire form of each numeric code field (default: every one a JSON number).
///
/// ```
/// use paydesk::types::{CodeField, CodeFormat, CodeFormats};
/// let formats = CodeFormats::default().with(CodeField::AccountType, CodeFormat::String);
/// assert_eq!(formats.get(CodeField::AccountType), CodeFormat::String);
/// assert_eq!(formats.get(CodeField::PayType), CodeFormat::Number);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CodeFormats {
    pay_type: CodeFormat,
    account_type: CodeFormat,
    bank_id: CodeFormat,
}

impl CodeFormats {
    /// These formats with `field` written as `format`.
    #[must_use]
    pub fn with(mut self, field: CodeField, format: CodeFormat) -> Self {
        *self.slot(field) = format;
        self
    }

    /// How `field` is written.
    pub fn get(&self, field: CodeField) -> CodeFormat {
        match field {
            CodeField::PayType => self.pay_type,
            CodeField::AccountType => self.account_type,
            CodeField::BankId => self.bank_id,
        }
    }

    fn slot(&mut self, field: CodeField) -> &mut CodeFormat {
        match field {
            CodeField::PayType => &mut self.pay_type,
            CodeField::AccountType => &mut self.account_type,
            CodeField::BankId => &mut self.bank_id,
        }
    }
}

/// A payer or payee `idType`. Countries use numeric codes (`1` = CC in Colombia) or text codes
/// (`SSS` in the Philippines, `CPF` in Brazil); the value is sent as given: a number as a JSON
/// number, a text as a JSON string.
///
/// ```
/// use paydesk::types::IdType;
/// assert_eq!(IdType::number(1).to_string(), "1");
/// assert_eq!(IdType::text("CPF").to_string(), "CPF");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(untagged)]
pub enum IdType {
    /// A numeric code, sent as a JSON number.
    Number(u32),
    /// A text code, sent as a JSON string.
    Text(String),
}

impl IdType {
    /// A numeric code.
    pub fn number(code: u32) -> Self {
        Self::Number(code)
    }

    /// A text code.
    pub fn text(code: impl Into<String>) -> Self {
        Self::Text(code.into())
    }
}

impl fmt::Display for IdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// Fields of a reply or notify that this crate does not type, kept with their exact JSON text
/// (numbers are never passed through a float).
///
/// ```
/// use paydesk::types::Extra;
/// let extra = Extra::default();
/// assert!(extra.is_empty());
/// assert_eq!(extra.get("bankId"), None);
/// ```
#[derive(Clone, Default)]
pub struct Extra(BTreeMap<String, Box<str>>);

impl Extra {
    pub(crate) fn new(map: BTreeMap<String, Box<str>>) -> Self {
        Self(map)
    }

    /// The raw JSON text of a field, e.g. `"\"x\""` or `12.50`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| &**v)
    }

    /// A field deserialized as `T`; `None` if absent.
    ///
    /// # Errors
    /// The `serde_json` error when the field does not fit `T`.
    pub fn get_as<T: DeserializeOwned>(&self, name: &str) -> Option<serde_json::Result<T>> {
        self.0.get(name).map(|v| serde_json::from_str(v))
    }

    /// Field names and raw JSON texts, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Extra {}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
