//! Country/currency profiles: Cashy's per-country amount rules and codes, kept as data.
//!
//! Each create request is checked against the [`Profile`] of its `currency`: decimal places,
//! minimum and maximum amount, whether `reusableStatus: true` is allowed, the allowed `payType`
//! and `accountType` codes, the fields the country requires, and the default `expireTime`.
//!
//! The built-in table ([`Profiles::builtin`]) has a profile for every currency the provider's
//! docs name:
//!
//! | currency | country | decimals | amount | source |
//! |---|---|---|---|---|
//! | TZS | tza | 0 | 500 to 5,000,000 | stated |
//! | COP | col | 2 | 10,000 to 5,000,000 | stated |
//! | CLP | chl | 2 | 1,000 to 5,000,000 | stated |
//! | PEN | per | 2 | 10.00 to 2,000.00 | stated |
//! | USD | ecu | 2 | 1 to 500 | stated |
//! | PHP | php | 0 | 100 to 5,000,000 | stated |
//! | IDR | idn | 0 | at least 10,000 | stated |
//! | MXN | mex | 2 | at least 1 | **guess** |
//! | INR | india | 2 | at least 1 | **guess** |
//! | BRL | bra | 2 | at least 1 | **guess** |
//! | THB | tha | 2 | at least 1 | **guess** |
//! | PKR | pak | 2 | at least 1 | **guess** |
//! | EGP | egy | 2 | at least 1 | **guess** |
//!
//! The **guessed** rows ([`Profile::is_guessed`]): Cashy has country sections for them, but
//! their amount rules (and, for BRL/THB/PKR/EGP, the currency codes) could not be read. The
//! decimals are ISO 4217's, the minimum is one whole unit and there is no maximum: Cashy
//! refuses an amount outside its own limits with a readable error. Replace a guess with
//! [`ClientBuilder::profile`](crate::ClientBuilder::profile) once your account manager confirms
//! the rules.
//!
//! Any other currency (Cashy adds countries) is checked against the **default profile**
//! ([`Profile::conservative_default`]): whole amounts only, at least 1, no maximum, any code,
//! no default `expireTime`. A whole amount is valid in every currency, so nothing is ever sent
//! that the provider could round. Replace it with
//! [`ClientBuilder::default_profile`](crate::ClientBuilder::default_profile), or pass `None`
//! there to refuse currencies without a profile.
//!
//! ```
//! use paydesk::profile::Profiles;
//! use rust_decimal::Decimal;
//! let table = Profiles::builtin();
//! let tzs = table.get("TZS").expect("Tanzania is built in");
//! assert_eq!(tzs.scale_digits(), 0);
//! assert_eq!(tzs.min_amount(), Decimal::from(500));
//! assert_eq!(tzs.max_amount(), Some(Decimal::from(5_000_000)));
//! assert!(table.get("MXN").expect("Mexico is built in").is_guessed());
//! // A currency the docs do not name gets the conservative default.
//! let kes = table.resolve("KES").expect("the default profile");
//! assert_eq!(kes.scale_digits(), 0);
//! assert!(table.get("KES").is_none());
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
    guessed: bool,
}

/// The country and currency of [`Profile::conservative_default`].
pub const DEFAULT_PROFILE_CODE: &str = "*";

impl Profile {
    /// The profile used for a currency the table does not name: whole amounts only (a whole
    /// amount is valid in every currency, so the provider never has to round), at least 1, no
    /// maximum, `reusableStatus` only `false`, any code, no extra required field, no default
    /// `expireTime`. Its country and currency are [`DEFAULT_PROFILE_CODE`] and it is marked
    /// [`guessed`](Profile::is_guessed).
    ///
    /// ```
    /// use paydesk::profile::Profile;
    /// let p = Profile::conservative_default();
    /// assert_eq!((p.scale_digits(), p.max_amount()), (0, None));
    /// assert!(p.is_guessed());
    /// ```
    pub fn conservative_default() -> Self {
        Self::new(DEFAULT_PROFILE_CODE, DEFAULT_PROFILE_CODE)
            .scale(0)
            .min(Decimal::ONE)
            .guessed(true)
    }

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
            guessed: false,
        }
    }

    /// Marks the limits as a guess rather than the provider's stated rules (default `false`).
    #[must_use]
    pub fn guessed(mut self, guessed: bool) -> Self {
        self.guessed = guessed;
        self
    }

    /// Whether the limits are a guess (the provider's rules for this currency could not be
    /// read): see the [module docs](self).
    pub fn is_guessed(&self) -> bool {
        self.guessed
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
    guessed: bool,
}

const SEVEN_DAYS: u64 = 7 * 24 * 3600;

/// The rules stated in the provider's country pages (reference sections 5.4, 6, 7, 9.2), then
/// the guessed rows of the other named currencies (section 9.4).
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
        guessed: false,
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
        guessed: false,
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
        guessed: false,
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
        guessed: false,
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
        guessed: false,
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
        guessed: false,
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
        guessed: false,
    },
    // Guesses (see the module docs): the country sections exist, their rules could not be read.
    Row {
        country: "mex",
        currency: "MXN",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
    },
    Row {
        country: "india",
        currency: "INR",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
    },
    Row {
        country: "bra",
        currency: "BRL",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
    },
    Row {
        country: "tha",
        currency: "THB",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
    },
    Row {
        country: "pak",
        currency: "PKR",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
    },
    Row {
        country: "egy",
        currency: "EGP",
        scale: 2,
        min: (1, 0),
        max: None,
        expire: None,
        pay_types: None,
        account_types: None,
        collect_required: &[],
        payout_required: &[],
        guessed: true,
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
            .guessed(self.guessed)
    }
}

/// The profiles a client validates against, keyed by currency code, and the default profile
/// for any other currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profiles {
    named: BTreeMap<String, Profile>,
    default: Option<Profile>,
}

impl Profiles {
    /// The built-in table (see the [module docs](self)): TZS, COP, CLP, PEN, USD (Ecuador),
    /// PHP, IDR as stated; MXN, INR, BRL, THB, PKR, EGP guessed; any other currency checked
    /// against [`Profile::conservative_default`].
    pub fn builtin() -> Self {
        Self {
            named: BUILTIN
                .iter()
                .map(|row| (row.currency.to_owned(), row.to_profile()))
                .collect(),
            default: Some(Profile::conservative_default()),
        }
    }

    /// An empty table with no default profile (every create is refused until profiles are
    /// added).
    pub fn empty() -> Self {
        Self {
            named: BTreeMap::new(),
            default: None,
        }
    }

    /// Adds a profile, replacing any profile of the same currency.
    pub fn insert(&mut self, profile: Profile) {
        self.named.insert(profile.currency.clone(), profile);
    }

    /// Sets the profile for currencies the table does not name (`None`: refuse them).
    pub fn set_default(&mut self, profile: Option<Profile>) {
        self.default = profile;
    }

    /// The profile for currencies the table does not name, if any.
    pub fn default_profile(&self) -> Option<&Profile> {
        self.default.as_ref()
    }

    /// The profile named for `currency` (exact, upper-case code), without the default.
    pub fn get(&self, currency: &str) -> Option<&Profile> {
        self.named.get(currency)
    }

    /// The profile a request in `currency` is checked against: the named one, else the
    /// default profile (`None` only when there is no default).
    pub fn resolve(&self, currency: &str) -> Option<&Profile> {
        self.get(currency).or(self.default.as_ref())
    }

    /// All named profiles, by currency.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.named.values()
    }
}
