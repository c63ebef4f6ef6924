//! [`TransactionDetail`]: an order or payout as tokenpay describes it in query replies, payout
//! replies and decrypted callbacks.
//!
//! The provider's field table is cut after `decimals`; the rest comes from its examples. Known
//! fields are typed, everything else is kept in [`TransactionDetail::extra`].

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::types::{
    AmountUnit, Chain, Currency, TradeState, UnixMillis, decimal_to_minor, minor_to_decimal,
};
use crate::wire::{FieldError, Fields};

/// An order or a payout.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TransactionDetail {
    /// The merchant's order number (`out_trade_no`).
    pub out_trade_no: Option<String>,
    /// tokenpay's order number (`transaction_id`).
    pub transaction_id: String,
    /// The state (`trade_state`).
    pub trade_state: TradeState,
    /// The amount in major units: `amount` (minor units) scaled by `decimals`.
    pub amount: Option<Decimal>,
    /// `amount` as sent: an integer of minor units.
    pub amount_minor: Option<u128>,
    /// `decimals` (or the embedded currency's `decimal` when `decimals` is absent).
    pub decimals: Option<u32>,
    /// The chain (`chain`, or the embedded currency's chain).
    pub chain: Option<Chain>,
    /// The currency symbol (`currency` as a string, or the embedded currency object's `currency`).
    pub currency: Option<Currency>,
    /// The embedded currency object, when `currency` is an object.
    pub currency_info: Option<CurrencyInfo>,
    /// `description`.
    pub description: Option<String>,
    /// `attach`, echoed back (tokenpay returns it only once the order is paid).
    pub attach: Option<String>,
    /// The block number (`block_no`).
    pub block_no: Option<u64>,
    /// The on-chain transaction hash (`tx_id`).
    pub tx_id: Option<String>,
    /// The payer (`from_address`).
    pub from_address: Option<String>,
    /// The receiver (`to_address`).
    pub to_address: Option<String>,
    /// The token contract (`contract_address`); `None` for native coins.
    pub contract_address: Option<String>,
    /// `create_time`.
    pub create_time: Option<UnixMillis>,
    /// `block_time`.
    pub block_time: Option<UnixMillis>,
    /// `expire_time`.
    pub expire_time: Option<UnixMillis>,
    /// `pay_time` (only once paid).
    pub pay_time: Option<UnixMillis>,
    /// `close_time`.
    pub close_time: Option<UnixMillis>,
    /// Seconds left before expiry (`expire_second`).
    pub expire_second: Option<i64>,
    /// The fee in minor units of `service_amount_currency` (`service_amount`).
    pub service_amount_minor: Option<u128>,
    /// The fee's currency (`service_amount_currency`).
    pub service_amount_currency: Option<Currency>,
    /// `notify_url` as stored by tokenpay.
    pub notify_url: Option<String>,
    /// Callbacks sent so far (`notify_num`).
    pub notify_num: Option<u32>,
    /// `notify_status` (its codes are not documented).
    pub notify_status: Option<i64>,
    /// `status` (its codes are not documented).
    pub status: Option<i64>,
    /// Members this crate does not type, as received.
    pub extra: Map<String, Value>,
}

impl TransactionDetail {
    /// Whether the money arrived (`trade_state` is `SUCCESS`).
    pub fn is_paid(&self) -> bool {
        self.trade_state.is_success()
    }
}

/// The currency object embedded in an order (`currency` in query replies).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CurrencyInfo {
    /// `type`.
    pub kind: Option<String>,
    /// `chain`.
    pub chain: Option<Chain>,
    /// `code`, e.g. `TRON_TRX`.
    pub code: Option<String>,
    /// `currency`, e.g. `TRX`.
    pub currency: Option<Currency>,
    /// `name`.
    pub name: Option<String>,
    /// `sub_name`.
    pub sub_name: Option<String>,
    /// `logo`.
    pub logo: Option<String>,
    /// `contract_address`.
    pub contract_address: Option<String>,
    /// `decimal`: the currency's precision.
    pub decimal: Option<u32>,
    /// Members this crate does not type.
    pub extra: Map<String, Value>,
}

fn parse_currency_info(mut f: Fields<'_>) -> Result<CurrencyInfo, FieldError> {
    Ok(CurrencyInfo {
        kind: f.str_opt("type")?,
        chain: f.parse_opt("chain")?,
        code: f.str_opt("code")?,
        currency: f.parse_opt("currency")?,
        name: f.str_opt("name")?,
        sub_name: f.str_opt("sub_name")?,
        logo: f.str_opt("logo")?,
        contract_address: f.str_opt("contract_address")?,
        decimal: f.u32_opt("decimal")?,
        extra: f.extra(),
    })
}

/// Reads a transaction object; `path` names it in errors (`data`, `resource`).
pub(crate) fn parse_transaction(path: &str, text: &str) -> Result<TransactionDetail, FieldError> {
    parse_detail(path, text, None)
}

/// How a payout or wallet callback's resource is read: more tolerant than an order, whose
/// fields the docs do show.
pub(crate) struct Lenient<'a> {
    /// The state to use when `trade_state` is absent (derived from the event type).
    pub(crate) fallback_state: &'a dyn Fn() -> TradeState,
    /// How `amount` is read.
    pub(crate) amount_unit: AmountUnit,
}

/// Reads a payout or wallet resource: `trade_state` may be absent (then `fallback_state`), the
/// id may be `transaction_id`, `payout_id`, `payanother_id`, `tx_id` or `out_trade_no`, and
/// `amount` may be a decimal string in major units or an integer of minor units (see
/// [`AmountUnit`]).
pub(crate) fn parse_lenient(
    path: &str,
    text: &str,
    lenient: &Lenient<'_>,
) -> Result<TransactionDetail, FieldError> {
    parse_detail(path, text, Some(lenient))
}

/// Reads `amount` per `unit`: returns (major units, minor units).
fn lenient_amount(
    path: &str,
    text: Option<String>,
    decimals: Option<u32>,
    unit: AmountUnit,
) -> Result<(Option<Decimal>, Option<u128>), FieldError> {
    let Some(text) = text else {
        return Ok((None, None));
    };
    let field = || format!("{path}.amount");
    let integer = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let minor = match unit {
        AmountUnit::Minor => true,
        AmountUnit::Major => false,
        AmountUnit::Auto => integer && decimals.is_some(),
    };
    if minor {
        if !integer {
            return Err(FieldError::new(
                field(),
                format!("must be an integer of minor units, got `{text}`"),
            ));
        }
        let units: u128 = text.parse().map_err(|_| {
            FieldError::new(field(), format!("`{text}` is too large for minor units"))
        })?;
        let Some(d) = decimals else {
            return Err(FieldError::new(
                format!("{path}.decimals"),
                "is missing, so `amount` (minor units) cannot be scaled",
            ));
        };
        let major = minor_to_decimal(units, d).ok_or_else(|| {
            FieldError::new(
                field(),
                format!("`{units}` with {d} decimals does not fit a decimal"),
            )
        })?;
        return Ok((Some(major), Some(units)));
    }
    // Major units, read from the text (never through a float).
    let well_formed = text.split_once('.').map_or(integer, |(i, f)| {
        !i.is_empty()
            && !f.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.bytes().all(|b| b.is_ascii_digit())
    });
    let major = well_formed
        .then(|| Decimal::from_str_exact(&text).ok())
        .flatten()
        .ok_or_else(|| {
            FieldError::new(
                field(),
                format!("must be a non-negative decimal in major units, got `{text}`"),
            )
        })?;
    let minor = decimals.and_then(|d| decimal_to_minor(major, d));
    Ok((Some(major), minor))
}

fn parse_detail(
    path: &str,
    text: &str,
    lenient: Option<&Lenient<'_>>,
) -> Result<TransactionDetail, FieldError> {
    let mut f = Fields::parse(path, text)?;
    let currency_info = if f.is_object("currency") {
        f.object_opt("currency")?
            .map(parse_currency_info)
            .transpose()?
    } else {
        None
    };
    // `currency` is a string in callbacks and an object in query replies.
    let currency = match &currency_info {
        Some(info) => info.currency.clone(),
        None => f.parse_opt("currency")?,
    };
    let decimals = f
        .u32_opt("decimals")?
        .or_else(|| currency_info.as_ref().and_then(|c| c.decimal));
    let (amount, amount_minor) = match lenient {
        Some(l) => lenient_amount(path, f.number_text("amount")?, decimals, l.amount_unit)?,
        None => {
            let amount_minor = f.u128_opt("amount")?;
            let amount = match (amount_minor, decimals) {
                (Some(units), Some(d)) => Some(minor_to_decimal(units, d).ok_or_else(|| {
                    FieldError::new(
                        format!("{path}.amount"),
                        format!("`{units}` with {d} decimals does not fit a decimal"),
                    )
                })?),
                (Some(_), None) => {
                    return Err(FieldError::new(
                        format!("{path}.decimals"),
                        "is missing, so `amount` (minor units) cannot be scaled",
                    ));
                }
                _ => None,
            };
            (amount, amount_minor)
        }
    };
    let chain = f
        .parse_opt("chain")?
        .or_else(|| currency_info.as_ref().and_then(|c| c.chain.clone()));
    let out_trade_no = f.str_opt("out_trade_no")?;
    let tx_id = f.str_opt("tx_id")?;
    let transaction_id = match lenient {
        None => f.str_req("transaction_id")?,
        Some(_) => {
            let mut id = f.str_opt("transaction_id")?;
            for alt in ["payout_id", "payanother_id"] {
                if id.is_none() {
                    id = f.str_opt(alt)?;
                }
            }
            id.or_else(|| tx_id.clone())
                .or_else(|| out_trade_no.clone())
                .ok_or_else(|| {
                    FieldError::new(
                        format!("{path}.transaction_id"),
                        "is missing (and so are payout_id, payanother_id, tx_id and out_trade_no)",
                    )
                })?
        }
    };
    let trade_state = match (f.parse_opt("trade_state")?, lenient) {
        (Some(state), _) => state,
        (None, Some(l)) => (l.fallback_state)(),
        (None, None) => {
            return Err(FieldError::new(format!("{path}.trade_state"), "is missing"));
        }
    };
    Ok(TransactionDetail {
        out_trade_no,
        transaction_id,
        trade_state,
        amount,
        amount_minor,
        decimals,
        chain,
        currency,
        currency_info,
        description: f.str_opt("description")?,
        attach: f.str_opt("attach")?,
        block_no: f.u64_opt("block_no")?,
        tx_id,
        from_address: f.str_opt("from_address")?,
        to_address: f.str_opt("to_address")?,
        contract_address: f.str_opt("contract_address")?,
        create_time: f.time_opt("create_time")?,
        block_time: f.time_opt("block_time")?,
        expire_time: f.time_opt("expire_time")?,
        pay_time: f.time_opt("pay_time")?,
        close_time: f.time_opt("close_time")?,
        expire_second: f.i64_opt("expire_second")?,
        service_amount_minor: f.u128_opt("service_amount")?,
        service_amount_currency: f.parse_opt("service_amount_currency")?,
        notify_url: f.str_opt("notify_url")?,
        notify_num: f.u32_opt("notify_num")?,
        notify_status: f.i64_opt("notify_status")?,
        status: f.i64_opt("status")?,
        extra: f.extra(),
    })
}
