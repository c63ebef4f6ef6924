//! Country/currency profiles: Cashy's per-country amount rules and codes, kept as data.
//!
//! Each create request is checked against the [`Profile`] of its `currency`: decimal places,
//! minimum and maximum amount, whether `reusableStatus: true` is allowed, the allowed `payType`
//! and `accountType` codes, the fields the country requires, and the default `expireTime`.
//! The built-in table ([`Profiles::builtin`]) holds what the provider's pages state; a currency
//! that is not in the table is refused until you add a profile with
//! [`ClientBuilder::profile`](crate::ClientBuilder::profile), so no amount rule is guessed.
//!
//! ```
//! use paydesk::profile::Profiles;
//! use rust_decimal::Decimal;
//! let table = Profiles::builtin();
//! let tzs = table.get("TZS").expect("Tanzania is built in");
//! assert_eq!(tzs.scale_digits(), 0);
//! assert_eq!(tzs.min_amount(), Decimal::from(500));
//! assert_eq!(tzs.max_amount(), Some(Decimal::from(5_000_000)));
//! assert!(table.get("MXN").is_none());
//! ```

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::types::{AccountType, PayType};

/// The amount rules and codes of one currency (one Cashy country section).
///
/// ```
/// use paydesk::profile::Profile;
/// use rust_decimal::Decimal;
/// let mxn = Profile::new("mex", "MXN")
///     .scale(2)
///     .min(Decimal::new(1000, 2))
///     .max(Some(Decimal::from(50_000)));
/// assert_eq!(mxn.currency(), "MXN");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    country: String,
    currency: String,
    scale: u32,
    min: Decimal,
    max: Option<Decimal>,
    default_expire_secs: Option<u64>,
    reusable_allowed: bool,
    pay_types: Option<Vec<PayType>>,
    account_types: Option<Vec<AccountType>>,
    collect_required: Vec<&'static str>,
    payout_required: Vec<&'static str>,
}

impl Profile {
    /// A profile with permissive defaults: 2 decimal places, any positive amount, no maximum,
    /// `reusableStatus` only `false`, any code, no extra required field, no default expiry.
    pub fn new(country: impl Into<String>, currency: impl Into<String>) -> Self {
        Self {
            country: country.into(),
            currency: currency.into(),
            scale: 2,
            min: Decimal::new(1, 2),
            max: None,
            default_expire_secs: None,
            reusable_allowed: false,
            pay_types: None,
            account_types: None,
            collect_required: Vec::new(),
            payout_required: Vec::new(),
        }
    }

    /// Decimal places allowed in `amount` (`0` for integer currencies).
    #[must_use]
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale;
        self
    }

    /// Smallest amount (inclusive).
    #[must_use]
    pub fn min(mut self, min: Decimal) -> Self {
        self.min = min;
        self
    }

    /// Largest amount (inclusive), or none.
    #[must_use]
    pub fn max(mut self, max: Option<Decimal>) -> Self {
        self.max = max;
        self
    }

    /// `expireTime` sent (seconds) when a cashier or payin request sets none.
    #[must_use]
    pub fn default_expire_secs(mut self, secs: Option<u64>) -> Self {
        self.default_expire_secs = secs;
        self
    }

    /// Whether `reusableStatus: true` may be sent.
    #[must_use]
    pub fn reusable_allowed(mut self, allowed: bool) -> Self {
        self.reusable_allowed = allowed;
        self
    }

    /// The allowed payin `payType` codes (`None`: any).
    #[must_use]
    pub fn pay_types(mut self, codes: Option<Vec<PayType>>) -> Self {
        self.pay_types = codes;
        self
    }

    /// The allowed payout `accountType` codes (`None`: any).
    #[must_use]
    pub fn account_types(mut self, codes: Option<Vec<AccountType>>) -> Self {
        self.account_types = codes;
        self
    }

    /// Wire names of optional fields this country requires on cashier and payin creates.
    #[must_use]
    pub fn collect_required(mut self, fields: Vec<&'static str>) -> Self {
        self.collect_required = fields;
        self
    }

    /// Wire names of optional fields this country requires on payout creates.
    #[must_use]
    pub fn payout_required(mut self, fields: Vec<&'static str>) -> Self {
        self.payout_required = fields;
        self
    }

    /// The docs' country section code, e.g. `tza`.
    pub fn country(&self) -> &str {
        &self.country
    }

    /// The ISO currency code, e.g. `TZS`.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// Decimal places allowed.
    pub fn scale_digits(&self) -> u32 {
        self.scale
    }

    /// Smallest amount.
    pub fn min_amount(&self) -> Decimal {
        self.min
    }

    /// Largest amount.
    pub fn max_amount(&self) -> Option<Decimal> {
        self.max
    }

    /// Default `expireTime` in seconds.
    pub fn expire_secs(&self) -> Option<u64> {
        self.default_expire_secs
    }

    /// Whether `reusableStatus: true` is allowed.
    pub fn allows_reusable(&self) -> bool {
        self.reusable_allowed
    }

    /// Allowed `payType` codes.
    pub fn allowed_pay_types(&self) -> Option<&[PayType]> {
        self.pay_types.as_deref()
    }

    /// Allowed `accountType` codes.
    pub fn allowed_account_types(&self) -> Option<&[AccountType]> {
        self.account_types.as_deref()
    }

    /// Fields required on cashier and payin creates.
    pub fn required_for_collect(&self) -> &[&'static str] {
        &self.collect_required
    }

    /// Fields required on payout creates.
    pub fn required_for_payout(&self) -> &[&'static str] {
        &self.payout_required
    }
}

/// One row of the built-in table: the provider's published rules, as plain data.
struct Row {
    country: &'static str,
    currency: &'static str,
    scale: u32,
    /// `(mantissa, scale)` of the minimum.
    min: (i64, u32),
    max: Option<i64>,
    expire: Option<u64>,
    pay_types: Option<&'static [u32]>,
    account_types: Option<&'static [u32]>,
    collect_required: &'static [&'static str],
    payout_required: &'static [&'static str],
}

const SEVEN_DAYS: u64 = 7 * 24 * 3600;

/// The rules stated in the provider's country pages (reference sections 5.4, 6, 7, 9.2).
const BUILTIN: &[Row] = &[
    Row {
        country: "tza",
        currency: "TZS",
        scale: 0,
        min: (500, 0),
        max: Some(5_000_000),
        expire: Some(3600),
        pay_types: Some(&[810, 811, 812, 813, 821, 888]),
        account_types: Some(&[0, 1, 2, 3]),
        collect_required: &["mobileMoneyPhone", "realName", "phone", "email", "remark"],
        payout_required: &["remark"],
    },
    Row {
        country: "col",
        currency: "COP",
        scale: 2,
        min: (10_000, 0),
        max: Some(5_000_000),
        expire: Some(SEVEN_DAYS),
        pay_types: None,
        account_types: None,
        collect_required: &["idType", "idCard"],
        payout_required: &[],
    },
    Row {
        country: "chl",
        currency: "CLP",
        scale: 2,
        min: (1_000, 0),
        max: Some(5_000_000),
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
    },
    Row {
        country: "per",
        currency: "PEN",
        scale: 2,
        min: (1_000, 2),
        max: Some(2_000),
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
    },
    Row {
        country: "ecu",
        currency: "USD",
        scale: 2,
        min: (1, 0),
        max: Some(500),
        expire: Some(SEVEN_DAYS),
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
    },
    Row {
        country: "php",
        currency: "PHP",
        scale: 0,
        min: (100, 0),
        max: Some(5_000_000),
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &["idType", "idCard"],
        payout_required: &[],
    },
    Row {
        country: "idn",
        currency: "IDR",
        scale: 0,
        min: (10_000, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
    },
];

impl Row {
    fn to_profile(&self) -> Profile {
        Profile::new(self.country, self.currency)
            .scale(self.scale)
            .min(Decimal::new(self.min.0, self.min.1))
            .max(self.max.map(Decimal::from))
            .default_expire_secs(self.expire)
            .pay_types(
                self.pay_types
                    .map(|c| c.iter().copied().map(PayType::new).collect()),
            )
            .account_types(
                self.account_types
                    .map(|c| c.iter().copied().map(AccountType::new).collect()),
            )
            .collect_required(self.collect_required.to_vec())
            .payout_required(self.payout_required.to_vec())
    }
}

/// The profiles a client validates against, keyed by currency code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profiles(BTreeMap<String, Profile>);

impl Profiles {
    /// The built-in table: TZS, COP, CLP, PEN, USD (Ecuador), PHP, IDR.
    pub fn builtin() -> Self {
        Self(
            BUILTIN
                .iter()
                .map(|row| (row.currency.to_owned(), row.to_profile()))
                .collect(),
        )
    }

    /// An empty table (every create is refused until profiles are added).
    pub fn empty() -> Self {
        Self(BTreeMap::new())
    }

    /// Adds a profile, replacing any profile of the same currency.
    pub fn insert(&mut self, profile: Profile) {
        self.0.insert(profile.currency.clone(), profile);
    }

    /// The profile of `currency` (exact, upper-case code).
    pub fn get(&self, currency: &str) -> Option<&Profile> {
        self.0.get(currency)
    }

    /// All profiles, by currency.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.0.values()
    }
}
