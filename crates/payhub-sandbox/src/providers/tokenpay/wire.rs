//! tokenpay's wire shapes: the `{code, msg, request_id, data}` envelope and its signed
//! `TTPay-*` headers, error codes, the order as `TransactionDetail`, the currency index.

use std::str::FromStr as _;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokenpay::sign::reply_signing_string;
use tokenpay::types::decimal_to_minor;
use tokenpay::{NonceSource as _, RandomHex};

use super::currency::{CURRENCIES, currency};
use super::{App, Inner, ORDER, PAYOUT, UNDERPAID};
use crate::{FieldError, FieldProblem, Order, OrderState, ProviderCtx, SandboxTime};

/// A refused request: tokenpay's code and message.
#[derive(Debug)]
pub(super) struct Fail {
    pub(super) code: i64,
    pub(super) msg: String,
}

impl Fail {
    pub(super) fn new(code: i64, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }
}

impl From<FieldError> for Fail {
    fn from(e: FieldError) -> Self {
        match e.problem {
            FieldProblem::Missing => {
                Self::new(11003, format!("missing required parameter: {}", e.field))
            }
            FieldProblem::WrongType { expected } => Self::new(
                20005,
                format!("invalid parameter: {} must be a {expected}", e.field),
            ),
            FieldProblem::Invalid(why) => {
                Self::new(20005, format!("invalid parameter: {}: {why}", e.field))
            }
        }
    }
}

pub(super) fn invalid(field: &str, why: impl std::fmt::Display) -> Fail {
    Fail::new(20005, format!("invalid parameter: {field}: {why}"))
}

pub(super) fn random_hex(len: usize) -> String {
    RandomHex::lower(len).nonce()
}

pub(super) fn request_id() -> String {
    let h = random_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// JSON text this module built itself, as a raw value (`null` if it were ever not JSON).
pub(super) fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text)
        .unwrap_or_else(|_| serde_json::value::to_raw_value(&Value::Null).expect("`null` is JSON"))
}

/// The trade state tokenpay reports for a sandbox order.
pub(super) fn trade_state(o: &Order) -> &'static str {
    match o.state {
        OrderState::Success => "SUCCESS",
        OrderState::Failed if o.kind == ORDER => UNDERPAID,
        OrderState::Failed | OrderState::Closed | OrderState::Expired | OrderState::Cancelled => {
            "CLOSED"
        }
        _ => "NOTPAY",
    }
}

pub(super) fn text<'a>(o: &'a Order, key: &str) -> &'a str {
    o.payload
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(super) fn millis(t: Option<SandboxTime>) -> i64 {
    t.map_or(0, SandboxTime::unix_millis)
}

/// The order as tokenpay describes it (`TransactionDetail`), with `currency` as an object in
/// replies and as a string in callbacks.
#[derive(Serialize)]
struct Detail<'a> {
    out_trade_no: &'a str,
    transaction_id: &'a str,
    trade_state: &'a str,
    description: &'a str,
    block_no: u64,
    create_time: i64,
    block_time: i64,
    expire_time: i64,
    expire_second: i64,
    pay_time: i64,
    close_time: i64,
    tx_id: &'a str,
    from_address: &'a str,
    contract_address: &'a str,
    to_address: &'a str,
    amount: Box<RawValue>,
    chain: &'a str,
    decimals: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    attach: &'a str,
    service_amount: Box<RawValue>,
    service_amount_currency: &'a str,
    notify_url: &'a str,
    currency: Value,
}

impl Inner {
    pub(super) fn detail(
        &self,
        ctx: &ProviderCtx,
        o: &Order,
        currency_object: bool,
    ) -> Box<RawValue> {
        let c = currency(text(o, "chain"), text(o, "currency"));
        let decimals = c.map_or(0, |c| c.decimal);
        let minor = |d: Decimal| decimal_to_minor(d, decimals).unwrap_or(0).to_string();
        let paid = o
            .payload
            .get("paid_amount")
            .and_then(Value::as_str)
            .and_then(|s| Decimal::from_str(s).ok());
        let amount = match (o.state, paid) {
            (OrderState::Failed, Some(p)) if o.kind == ORDER => p,
            _ => o.amount,
        };
        let currency = match (currency_object, c) {
            (true, Some(c)) => json!({
                "type": c.network, "chain": c.chain, "code": c.code, "currency": c.currency,
                "name": c.name, "sub_name": c.chain, "logo": "", "contract_address": c.contract,
                "decimal": c.decimal
            }),
            _ => Value::String(text(o, "currency").to_owned()),
        };
        let remaining = match (o.state.is_final(), o.expires_at) {
            (false, Some(at)) => {
                i64::try_from(at.saturating_since(ctx.now()).as_secs()).unwrap_or(0)
            }
            _ => 0,
        };
        let pay_time = o
            .payload
            .get("pay_time")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let close_time = match o.state {
            OrderState::Closed | OrderState::Expired | OrderState::Cancelled => {
                millis(o.completed_at)
            }
            OrderState::Failed if o.kind == PAYOUT => millis(o.completed_at),
            _ => 0,
        };
        let detail = Detail {
            out_trade_no: &o.merchant_order_no,
            transaction_id: &o.platform_order_no,
            trade_state: trade_state(o),
            description: text(o, "description"),
            block_no: o
                .payload
                .get("block_no")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            create_time: o.created_at.unix_millis(),
            block_time: pay_time,
            expire_time: millis(o.expires_at),
            expire_second: remaining,
            pay_time,
            close_time,
            tx_id: text(o, "tx_id"),
            from_address: text(o, "from_address"),
            contract_address: c.map_or("", |c| c.contract),
            to_address: text(o, "to_address"),
            amount: raw(minor(amount)),
            chain: text(o, "chain"),
            decimals,
            attach: if o.state == OrderState::Success || o.kind == PAYOUT {
                text(o, "attach")
            } else {
                ""
            },
            service_amount: raw(minor(o.fee)),
            service_amount_currency: text(o, "currency"),
            notify_url: o.notify_url.as_deref().unwrap_or_default(),
            currency,
        };
        raw(serde_json::to_string(&detail).unwrap_or_else(|_| "null".into()))
    }

    pub(super) fn currencies() -> Box<RawValue> {
        let list: Vec<Value> = CURRENCIES
            .iter()
            .map(|c| {
                json!({
                    "network": c.network, "chain": c.chain, "code": c.code, "currency": c.currency,
                    "name": c.name, "logo": "", "contract_address": c.contract, "decimal": c.decimal,
                    "is_fiat": 0, "payment_qr_code": 1, "payment_connect_wallet": 1,
                    "payment_tron_link": i32::from(c.chain == "TRON"),
                    "min_payment_amount": "0", "max_payment_amount": "0"
                })
            })
            .collect();
        raw(Value::Array(list).to_string())
    }
}

/// The reply envelope, signed when the app is known.
pub(super) fn reply(
    m: &Inner,
    now: SandboxTime,
    app: Option<&App>,
    code: i64,
    msg: &str,
    data: Option<Box<RawValue>>,
) -> Response {
    let msg_json = serde_json::to_string(msg).unwrap_or_else(|_| "\"\"".into());
    let data = data
        .map(|d| format!(",\"data\":{}", d.get()))
        .unwrap_or_default();
    let body = format!(
        "{{\"code\":{code},\"msg\":{msg_json},\"request_id\":\"{}\"{data}}}",
        request_id()
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let (Some(app), true) = (app, m.sign_replies) {
        sign_into(&mut headers, app, now, &body);
    }
    (StatusCode::OK, headers, body).into_response()
}

pub(super) fn sign_into(headers: &mut HeaderMap, app: &App, now: SandboxTime, body: &str) {
    let ts = now.unix_millis().to_string();
    let nonce = RandomHex::upper(32).nonce();
    if let Ok(sig) = app
        .key
        .sign(&reply_signing_string(&ts, &nonce, body.as_bytes()))
    {
        for (name, value) in [
            ("TTPay-Timestamp", ts),
            ("TTPay-Nonce", nonce),
            ("TTPay-Signature", sig),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
}

pub(super) fn flip_signature(value: &str) -> String {
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect()
}
