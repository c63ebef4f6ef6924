//! Value types shared by the endpoints: chains, currencies, networks, order states, callback
//! event types, status codes, timestamps, money in minor units and address checks.
//!
//! Every enum that mirrors a provider code is `#[non_exhaustive]` with an escape hatch: input-side
//! values (what you send: [`Chain`], [`Currency`], [`Network`], [`Locale`], [`OrderType`]) and
//! received states ([`TradeState`], [`EventType`], [`OriginalType`]) are
//! [`payhub_runtime::open_enum!`]s ending with `Unknown(String)` (known values matched
//! case-insensitively), so a chain or token tokenpay adds tomorrow can be used today and a new
//! value never fails a reply; [`ApiCode`] ends with `Unknown(i64)`.

use std::fmt;

mod address;
mod money;

pub use address::{AddressError, AddressFamily, eip55_checksum, tron_address, validate_address};
pub(crate) use address::{check as check_address, family_of as address_family_of};
pub(crate) use money::JsonNumber;
pub use money::{UnixMillis, decimal_to_minor, minor_to_decimal};

payhub_runtime::open_enum! {
    /// A blockchain tokenpay settles on.
    ///
    /// ```
    /// use tokenpay::types::Chain;
    /// assert_eq!(Chain::parse("tron"), Chain::Tron);
    /// assert_eq!(Chain::parse("SOLANA"), Chain::Unknown("SOLANA".into()));
    /// ```
    pub enum Chain (IgnoreCase) {
        /// `TRON`.
        Tron = "TRON",
        /// `ETHEREUM`.
        Ethereum = "ETHEREUM",
        /// `BSC` (BNB Smart Chain).
        Bsc = "BSC",
    }
}

impl Chain {
    /// The address format of this chain, or `None` for a chain this crate does not know.
    pub fn address_family(&self) -> Option<AddressFamily> {
        match self {
            Self::Tron => Some(AddressFamily::Tron),
            Self::Ethereum | Self::Bsc => Some(AddressFamily::Evm),
            Self::Unknown(_) => None,
        }
    }
}

payhub_runtime::open_enum! {
    /// A currency symbol. The authoritative list, with each currency's decimals, is
    /// [`crate::api::CurrenciesRequest`].
    pub enum Currency (IgnoreCase) {
        /// Tron's TRX.
        Trx = "TRX",
        /// Tether USD.
        Usdt = "USDT",
        /// Ether.
        Eth = "ETH",
        /// BNB.
        Bnb = "BNB",
        /// Binance USD.
        Busd = "BUSD",
    }
}

payhub_runtime::open_enum! {
    /// A token standard / network as listed by the currency catalogue.
    pub enum Network (IgnoreCase) {
        /// Native TRX.
        Trx = "TRX",
        /// TRC-10 tokens.
        Trc10 = "TRC10",
        /// TRC-20 tokens (USDT on TRON).
        Trc20 = "TRC20",
        /// TRC-721 tokens.
        Trc721 = "TRC721",
        /// TRC-1155 tokens.
        Trc1155 = "TRC1155",
        /// ERC-20 tokens.
        Erc20 = "ERC20",
        /// BEP-20 tokens.
        Bep20 = "BEP20",
        /// Native BNB.
        Bnb = "BNB",
    }
}

payhub_runtime::open_enum! {
    /// Cashier language.
    pub enum Locale (IgnoreCase) {
        /// Chinese (`zh_cn`).
        ZhCn = "zh_cn",
        /// English (`en`).
        En = "en",
    }
}

payhub_runtime::open_enum! {
    /// How an order is collected.
    pub enum OrderType (IgnoreCase) {
        /// Platform collection (`platform_order`): the default.
        PlatformOrder = "platform_order",
        /// Monitor order (`merchant_order`): `to_address` is then required.
        MerchantOrder = "merchant_order",
    }
}

payhub_runtime::open_enum! {
    /// The state of an order or payout (`trade_state`).
    pub enum TradeState (IgnoreCase) {
        /// Paid (`SUCCESS`).
        Success = "SUCCESS",
        /// Refunded (`REFUND`).
        Refund = "REFUND",
        /// Not paid yet (`NOTPAY`).
        NotPay = "NOTPAY",
        /// Closed (`CLOSED`): cancelled or expired.
        Closed = "CLOSED",
    }
}

impl TradeState {
    /// Whether the state will not change any more. Unknown states are treated as not final.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Success | Self::Refund | Self::Closed)
    }

    /// Whether the money arrived (`SUCCESS`).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

payhub_runtime::open_enum! {
    /// A callback's `event_type`. The docs disagree on the names, so the type is open; decide
    /// success from the decrypted [`TradeState`], not from this.
    pub enum EventType (IgnoreCase) {
        /// `TRANSACTION.SUCCESS`.
        TransactionSuccess = "TRANSACTION.SUCCESS",
        /// `SUCCESS` (what the order-callback table prints).
        Success = "SUCCESS",
        /// `PAYPAYOUT.SUCCESS` (English payout page).
        PayoutSuccess = "PAYPAYOUT.SUCCESS",
        /// `PAYPAYANOTHER.SUCCESS` (Chinese payout page).
        PayanotherSuccess = "PAYPAYANOTHER.SUCCESS",
    }
}

impl EventType {
    /// The state an event type implies, for a payout or wallet resource that carries no
    /// `trade_state`: `SUCCESS` or any `*.SUCCESS` is [`TradeState::Success`]; anything else is
    /// [`TradeState::Unknown`] with the event type's text.
    ///
    /// ```
    /// use tokenpay::types::{EventType, TradeState};
    /// assert_eq!(EventType::parse("PAYPAYOUT.SUCCESS").implied_state(), TradeState::Success);
    /// assert_eq!(
    ///     EventType::parse("PAYPAYOUT.FAILED").implied_state(),
    ///     TradeState::Unknown("PAYPAYOUT.FAILED".into())
    /// );
    /// ```
    pub fn implied_state(&self) -> TradeState {
        let s = self.as_str();
        let upper = s.to_ascii_uppercase();
        if upper == "SUCCESS" || upper.ends_with(".SUCCESS") {
            TradeState::Success
        } else {
            TradeState::Unknown(s.to_owned())
        }
    }

    /// Whether the event type names a wallet event (it contains `WALLET`).
    pub fn is_wallet(&self) -> bool {
        self.as_str().to_ascii_uppercase().contains("WALLET")
    }
}

payhub_runtime::open_enum! {
    /// A callback resource's `original_type`: what the encrypted payload describes.
    pub enum OriginalType (IgnoreCase) {
        /// An order (also used by wallet callbacks).
        Transaction = "transaction",
        /// A payout (English pages).
        Payout = "payout",
        /// A payout (Chinese pages).
        Payanother = "payanother",
        /// A monitored-wallet event (not documented; the wallet page copies `transaction`).
        Wallet = "wallet",
    }
}

/// How the `amount` of a payout or wallet callback is read. The payout `amount` is documented as a
/// string whose unit is never stated; orders and balances use an integer of minor units next to
/// `decimals`. Amounts are always read from their text, never through a float.
///
/// ```
/// use tokenpay::types::AmountUnit;
/// assert_eq!(AmountUnit::default(), AmountUnit::Auto);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AmountUnit {
    /// The default: a value with a decimal point (`"12.5"`) is major units; an integer
    /// (`15000000` or `"15000000"`) is minor units scaled by `decimals` when `decimals` is
    /// present (the convention of every amount tokenpay returns with `decimals`), and major
    /// units when it is not.
    #[default]
    Auto,
    /// Every amount is major units (`"12"` is 12 USDT), whatever `decimals` says.
    Major,
    /// Every amount is an integer of minor units scaled by `decimals`; a decimal point is an
    /// error.
    Minor,
}

/// tokenpay's documented status codes (`code` in every reply). `0` is success and never an
/// error; every other value becomes an [`crate::Error::Api`] carrying one of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiCode {
    /// 100: request parameter error (check the JSON structure).
    RequestParameterError,
    /// 103: invalid signature.
    InvalidSignature,
    /// 104: signature expired (check the clock and the timestamp unit).
    SignatureExpired,
    /// 11000: operation failed, try again later (business state changed or not allowed).
    OperationFailed,
    /// 11001: operating too frequently (5 requests per second per app): retried with backoff.
    TooFrequent,
    /// 11003: a required parameter is missing.
    MissingParameter,
    /// 12001: the data already exists (e.g. a duplicate `out_trade_no`).
    AlreadyExists,
    /// 12002: the data does not exist.
    NotFound,
    /// 12003: the data is empty.
    Empty,
    /// 20000: the application does not exist.
    AppNotFound,
    /// 20001: the application is disabled.
    AppDisabled,
    /// 20002: insufficient balance.
    InsufficientBalance,
    /// 20003: insufficient quota.
    InsufficientQuota,
    /// 20004: request frequency limited: retried with backoff.
    RateLimited,
    /// 20005: invalid parameter (see `msg`).
    InvalidParameter,
    /// Any other non-zero code (11002 is not documented and lands here).
    Unknown(i64),
}

impl ApiCode {
    /// The code for a number.
    pub fn from_code(code: i64) -> Self {
        match code {
            100 => Self::RequestParameterError,
            103 => Self::InvalidSignature,
            104 => Self::SignatureExpired,
            11000 => Self::OperationFailed,
            11001 => Self::TooFrequent,
            11003 => Self::MissingParameter,
            12001 => Self::AlreadyExists,
            12002 => Self::NotFound,
            12003 => Self::Empty,
            20000 => Self::AppNotFound,
            20001 => Self::AppDisabled,
            20002 => Self::InsufficientBalance,
            20003 => Self::InsufficientQuota,
            20004 => Self::RateLimited,
            20005 => Self::InvalidParameter,
            other => Self::Unknown(other),
        }
    }

    /// The number.
    pub fn code(&self) -> i64 {
        match self {
            Self::RequestParameterError => 100,
            Self::InvalidSignature => 103,
            Self::SignatureExpired => 104,
            Self::OperationFailed => 11000,
            Self::TooFrequent => 11001,
            Self::MissingParameter => 11003,
            Self::AlreadyExists => 12001,
            Self::NotFound => 12002,
            Self::Empty => 12003,
            Self::AppNotFound => 20000,
            Self::AppDisabled => 20001,
            Self::InsufficientBalance => 20002,
            Self::InsufficientQuota => 20003,
            Self::RateLimited => 20004,
            Self::InvalidParameter => 20005,
            Self::Unknown(c) => *c,
        }
    }

    /// The documented meaning, in English.
    pub fn description(&self) -> &'static str {
        match self {
            Self::RequestParameterError => "request parameter error",
            Self::InvalidSignature => "invalid signature",
            Self::SignatureExpired => "signature expired",
            Self::OperationFailed => "operation failed, try again later",
            Self::TooFrequent => "operating too frequently",
            Self::MissingParameter => "missing required parameter",
            Self::AlreadyExists => "data already exists",
            Self::NotFound => "data does not exist",
            Self::Empty => "data is empty",
            Self::AppNotFound => "application does not exist",
            Self::AppDisabled => "application disabled",
            Self::InsufficientBalance => "insufficient balance",
            Self::InsufficientQuota => "insufficient quota",
            Self::RateLimited => "request frequency limited",
            Self::InvalidParameter => "invalid parameter",
            Self::Unknown(_) => "undocumented code",
        }
    }

    /// Whether the call may be repeated after a backoff (11001, 20004): the provider refused it
    /// without acting on it.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::TooFrequent | Self::RateLimited)
    }

    /// Whether tokenpay refused the request's signature: 103 (invalid signature) or 104
    /// (signature expired), the two signature codes of the provider's status-code table.
    ///
    /// ```
    /// use tokenpay::types::ApiCode;
    /// assert!(ApiCode::from_code(103).is_signature_rejected());
    /// assert!(ApiCode::from_code(104).is_signature_rejected());
    /// assert!(!ApiCode::from_code(100).is_signature_rejected());
    /// ```
    pub fn is_signature_rejected(&self) -> bool {
        matches!(self, Self::InvalidSignature | Self::SignatureExpired)
    }

    /// Whether the code says the looked-up object does not exist (12002, 12003).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound | Self::Empty)
    }
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}
