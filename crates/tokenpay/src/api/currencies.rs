//! Currency information, `GET /v1/currency/index`: every currency the app can use, with its
//! chain, network, contract and precision.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{Idempotency, Method, Operation, ReplyMeta, WireContext, need, private};
use crate::error::Result;
use crate::types::{Chain, Currency, Network, decimal_to_minor, minor_to_decimal};
use crate::wire::{FieldError, Fields, array};

/// Lists the supported currencies.
///
/// ```
/// use tokenpay::api::CurrenciesRequest;
/// let _req = CurrenciesRequest::new();
/// ```
#[derive(Clone, Debug, Default)]
pub struct CurrenciesRequest {
    _private: (),
}

impl CurrenciesRequest {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        Self { _private: () }
    }
}

impl private::Sealed for CurrenciesRequest {}

impl Operation for CurrenciesRequest {
    type Response = CurrenciesResponse;
    const NAME: &'static str = "currencies";
    const METHOD: Method = Method::Get;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/currency/index".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        None
    }

    fn validate(&self) -> Result<()> {
        Ok(())
    }

    fn body(&self, _: &WireContext<'_>) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<CurrenciesResponse, String> {
        let items = array("data", need(data)?).map_err(|e| e.render())?;
        let currencies = items
            .iter()
            .enumerate()
            .map(|(i, raw)| parse_currency(&format!("data[{i}]"), raw.get()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| e.render())?;
        Ok(CurrenciesResponse {
            currencies,
            request_id: meta.request_id,
        })
    }
}

fn parse_currency(path: &str, text: &str) -> std::result::Result<CurrencyDetail, FieldError> {
    let mut f = Fields::parse(path, text)?;
    Ok(CurrencyDetail {
        network: f.parse_opt("network")?,
        chain: f
            .parse_opt("chain")?
            .ok_or_else(|| FieldError::new(format!("{path}.chain"), "is missing"))?,
        code: f.str_opt("code")?,
        currency: f
            .parse_opt("currency")?
            .ok_or_else(|| FieldError::new(format!("{path}.currency"), "is missing"))?,
        name: f.str_opt("name")?,
        logo: f.str_opt("logo")?,
        contract_address: f.str_opt("contract_address")?,
        decimal: f
            .u32_opt("decimal")?
            .ok_or_else(|| FieldError::new(format!("{path}.decimal"), "is missing"))?,
        is_fiat: f.flag_opt("is_fiat")?,
        payment_qr_code: f.flag_opt("payment_qr_code")?,
        payment_connect_wallet: f.flag_opt("payment_connect_wallet")?,
        payment_tron_link: f.flag_opt("payment_tron_link")?,
        min_payment_amount: f.decimal_opt("min_payment_amount")?,
        max_payment_amount: f.decimal_opt("max_payment_amount")?,
        extra: f.extra(),
    })
}

/// One currency of the catalogue (`CurrencyDetail`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CurrencyDetail {
    /// Token standard (`network`).
    pub network: Option<Network>,
    /// The chain.
    pub chain: Chain,
    /// tokenpay's code, e.g. `TRON_TRX`, `BINANCE_BUSD`.
    pub code: Option<String>,
    /// The symbol.
    pub currency: Currency,
    /// Display name.
    pub name: Option<String>,
    /// Logo URL.
    pub logo: Option<String>,
    /// Token contract; `None` for native coins.
    pub contract_address: Option<String>,
    /// Precision: reply amounts of this currency are integers scaled by `10^decimal`.
    pub decimal: u32,
    /// `is_fiat`.
    pub is_fiat: Option<bool>,
    /// Payable by QR code.
    pub payment_qr_code: Option<bool>,
    /// Payable through WalletConnect.
    pub payment_connect_wallet: Option<bool>,
    /// Payable through TronLink.
    pub payment_tron_link: Option<bool>,
    /// `min_payment_amount` as given (the unit is not documented; `0` means no limit).
    pub min_payment_amount: Option<Decimal>,
    /// `max_payment_amount` as given (the unit is not documented; `0` means no limit).
    pub max_payment_amount: Option<Decimal>,
    /// Members this crate does not type.
    pub extra: Map<String, Value>,
}

impl CurrencyDetail {
    /// Converts minor units of this currency to major units.
    pub fn to_major(&self, minor: u128) -> Option<Decimal> {
        minor_to_decimal(minor, self.decimal)
    }

    /// Converts major units of this currency to minor units (`None` if it has more places than
    /// the currency allows, is negative or does not fit).
    pub fn to_minor(&self, major: Decimal) -> Option<u128> {
        decimal_to_minor(major, self.decimal)
    }
}

/// The currency catalogue.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CurrenciesResponse {
    /// Every currency, in tokenpay's order.
    pub currencies: Vec<CurrencyDetail>,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}

impl CurrenciesResponse {
    /// The entry for `currency` on `chain`.
    pub fn find(&self, chain: &Chain, currency: &Currency) -> Option<&CurrencyDetail> {
        self.currencies
            .iter()
            .find(|c| &c.chain == chain && &c.currency == currency)
    }

    /// The precision of `currency` on `chain` (e.g. 6 for USDT on TRON).
    pub fn decimals(&self, chain: &Chain, currency: &Currency) -> Option<u32> {
        self.find(chain, currency).map(|c| c.decimal)
    }
}
