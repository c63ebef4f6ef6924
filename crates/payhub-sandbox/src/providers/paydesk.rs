//! paydesk (Cashy) sandbox module: the whole merchant API with signature checks, order state,
//! a balance that moves with orders, and signed notifies on Cashy's retry schedule.
//!
//! | route | does |
//! |---|---|
//! | `POST /api/payDesk` | creates a cashier order (`PAYDESK…`, state `PAYING`, expires after `expireTime`) |
//! | `POST /api/payDeskQuery` | the cashier order by `orderNo` (preferred) or `mchOrderNo` |
//! | `POST /api/payIn` | creates a payin (`PAYIN…`, state `PAYING`; `orderFee` quoted) |
//! | `POST /api/payInQuery` | the payin by `orderNo` or `mchOrderNo` |
//! | `POST /api/payOut` | creates a payout (`PAYOUT…`, state `PROCESSING`; amount + fee frozen) |
//! | `POST /api/payOutQuery` | the payout by `orderNo` or `mchOrderNo` |
//! | `POST /api/getBalance` | `{"mchId","balance","unBalance"}` |
//! | `POST /api/bankListQuery` | payout banks `[{bankId,bankCode,bankName}]` (configurable) |
//! | `POST /api/payInBankListQuery` | payin banks, same shape (configurable) |
//! | `GET /cashier/{orderNo}` | the `payUrl` page: order details and pay / fail buttons |
//!
//! Every API call checks, in this order (first failure wins): method `POST`
//! (`RequestMethod_not_post`), `Content-Type` JSON (`RequestContentType_not_json`), header
//! `MerchantId` present (`MerchantId_is_null`), numeric (`MerchantId_not_Number`) and configured
//! (`Merchant_not_exist`), body not empty (`RequestBody_is_null`), header `Sign` equal to the
//! uppercase MD5 of the raw body followed by the apiKey, compared case-insensitively
//! (`Sign_verify_error`), body a JSON object (`Params_jsonFormat_error`), `nonceStr` present and
//! at most 32 characters, then the endpoint's fields in the documented order
//! (`Params_<field>_Required`, `Params_<field>_error`; the country profiles in `rules.rs`),
//! duplicates (`Params_mchOrderNo_repeat`), lookups (`Params_order_notExist` by `orderNo`,
//! `Params_mchOrderNo_notExist` by `mchOrderNo`; neither given: `Params_orderNo_Required`), and
//! payout funds (`Merchant_amount_notEnough`). The IP whitelist is not simulated; any documented
//! error (`System_busy`, `System_Maintenance`, `Request_ip_notWhiteList`, ...) can be injected
//! with the `provider_error` fault.
//!
//! Replies are HTTP 200 with `{"msg","code","data"}`. Sandbox choices where the reference is
//! silent (documented, not guessed silently): `code` 401 for access errors (the `MerchantId_*`,
//! `Merchant_not_exist`, `Sign_verify_error` and `Request_ip_notWhiteList` names; the old docs
//! call 401 "no access") and
//! 500 for every other error; an over-limit body gets HTTP 413 with
//! `{"msg":"RequestBody_too_large","code":500}`; an unknown path HTTP 404 with
//! `Request_path_notExist`. Merchant order numbers are unique per family (cashier, payin,
//! payout) and merchant.
//!
//! State and money: cashier orders and payins go `PAYING` to `SUCCESS` or `FAIL` (control API;
//! expiry gives `FAIL`, with a notify unless `notify_on_expiry = false`). Payouts go
//! `PROCESSING` to `SUCCESS`, `FAIL` (with `resultDesc`, default `UNKNOWN_ERROR`) or `CANCEL`.
//! `balance` = configured balance + successful payins (amount − fee) − payouts not failed or
//! cancelled (amount + fee); `unBalance` = processing payouts (amount + fee).
//!
//! Notifies: POST JSON to the order's `notifyUrl` with headers `MerchantId` and `Sign` (MD5 of
//! the raw notify body + the merchant's apiKey, uppercase); received when the reply is HTTP
//! 200, 301 or 302; otherwise retried 1, 2, 4, 8 … 512 minutes after the previous attempt (10
//! retries; `retry_minutes` and `retry_from = "first"` change it).
//!
//! Configuration (`[providers.paydesk]`, all optional):
//!
//! ```toml
//! merchants = [{ merchant_id = "1002001", api_key = "testApiKey", balance = "10000000" }]
//! payin_fee_rate = "0.015"    # fee = amount × rate, 4 decimals, charged on success
//! payout_fee_rate = "0.01"    # charged (frozen) at creation
//! utc_offset_hours = 3        # time zone of expireTime / completionTime (Tanzania)
//! notify_on_expiry = true
//! retry_minutes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
//! retry_from = "previous"     # or "first": offsets from the first attempt
//! payout_banks = [{ bank_id = 1, bank_code = "SBX001", bank_name = "Sandbox Bank One" }]
//! payin_banks = [{ bank_id = 1, bank_code = "SBX001", bank_name = "Sandbox Bank One" }]
//! ```

mod rules;
mod wire;

use std::str::FromStr as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderMap, Method, StatusCode, header};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sign_core::{Md5Signer, Secret, SecretSuffix};

use self::rules::{Check, Profile};
use self::wire::{Fail, success};
use crate::page;
use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, JsonFields, NewOrder, Notify, Order,
    OrderFilter, OrderState, ProviderConfig, ProviderCtx, ProviderModule, RawBody, Rejection,
    RetrySchedule, StateChange, TransitionError, TransitionPlan,
};

const NAME: &str = "paydesk";
/// Order kinds (uniqueness of `mchOrderNo` is per kind).
const CASHIER: &str = "paydesk";
const PAYIN: &str = "payin";
const PAYOUT: &str = "payout";

/// A merchant the sandbox accepts.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantSettings {
    merchant_id: String,
    api_key: String,
    #[serde(default = "default_balance")]
    balance: String,
}

fn default_balance() -> String {
    "10000000".to_owned()
}

/// A bank list entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bank {
    bank_id: i64,
    bank_code: String,
    bank_name: String,
}

/// `[providers.paydesk]`.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    merchants: Vec<MerchantSettings>,
    payin_fee_rate: String,
    payout_fee_rate: String,
    utc_offset_hours: i8,
    notify_on_expiry: bool,
    retry_minutes: Vec<u64>,
    retry_from: String,
    payout_banks: Vec<Bank>,
    payin_banks: Vec<Bank>,
}

impl Default for Settings {
    fn default() -> Self {
        let banks = vec![
            Bank {
                bank_id: 1,
                bank_code: "SBX001".into(),
                bank_name: "Sandbox Bank One".into(),
            },
            Bank {
                bank_id: 2,
                bank_code: "SBX002".into(),
                bank_name: "Sandbox Bank Two".into(),
            },
        ];
        Self {
            merchants: vec![MerchantSettings {
                merchant_id: "1002001".into(),
                api_key: "testApiKey".into(),
                balance: default_balance(),
            }],
            payin_fee_rate: "0.015".into(),
            payout_fee_rate: "0.01".into(),
            utc_offset_hours: 3,
            notify_on_expiry: true,
            retry_minutes: vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            retry_from: "previous".into(),
            payout_banks: banks.clone(),
            payin_banks: banks,
        }
    }
}

/// A configured merchant: id, signer (holding the apiKey) and opening balance.
struct Merchant {
    id: String,
    signer: Md5Signer,
    api_key_for_display: Secret,
    balance: Decimal,
}

/// The paydesk module. Build it with [`build`] (from config) or let the sandbox do it.
#[derive(Clone)]
pub struct Paydesk {
    inner: Arc<Inner>,
}

/// The module's settings and payout lock, shared with the router.
struct Inner {
    merchants: Vec<Merchant>,
    payin_fee_rate: Decimal,
    payout_fee_rate: Decimal,
    utc_offset_hours: i8,
    notify_on_expiry: bool,
    schedule: RetrySchedule,
    payout_banks: Vec<Bank>,
    payin_banks: Vec<Bank>,
    /// Serializes payout creation so two payouts cannot both spend the same balance.
    payout_lock: Mutex<()>,
}

impl std::fmt::Debug for Paydesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paydesk")
            .field(
                "merchants",
                &self
                    .inner
                    .merchants
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("schedule", &self.inner.schedule)
            .finish_non_exhaustive()
    }
}

fn decimal_setting(field: &str, text: &str) -> Result<Decimal, ConfigError> {
    Decimal::from_str(text.trim()).map_err(|_| ConfigError::Provider {
        provider: NAME.to_owned(),
        message: format!("`{field}` = `{text}` is not a decimal number"),
    })
}

/// Builds the module from `[providers.paydesk]`.
///
/// # Errors
/// [`ConfigError::Provider`] naming the bad field (unknown key, non-numeric merchant id or
/// amount, empty apiKey, unknown `retry_from`).
pub fn build(config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    let s: Settings = config.parse()?;
    let bad = |message: String| ConfigError::Provider {
        provider: NAME.to_owned(),
        message,
    };
    let mut merchants = Vec::new();
    for m in &s.merchants {
        if m.merchant_id.is_empty() || !m.merchant_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!(
                "merchant_id `{}` must be numeric",
                m.merchant_id
            )));
        }
        if m.api_key.is_empty() {
            return Err(bad(format!("merchant {}: api_key is empty", m.merchant_id)));
        }
        merchants.push(Merchant {
            id: m.merchant_id.clone(),
            signer: Md5Signer::new(Secret::new(m.api_key.clone()), SecretSuffix::Plain),
            api_key_for_display: Secret::new(m.api_key.clone()),
            balance: decimal_setting("balance", &m.balance)?,
        });
    }
    let retries = s
        .retry_minutes
        .iter()
        .map(|m| Duration::from_secs(m.saturating_mul(60)));
    let schedule = match s.retry_from.as_str() {
        "previous" => RetrySchedule::after_previous(Duration::ZERO, retries),
        "first" => RetrySchedule::from_first(Duration::ZERO, retries),
        other => {
            return Err(bad(format!(
                "retry_from `{other}` must be `previous` or `first`"
            )));
        }
    };
    if !(-12..=14).contains(&s.utc_offset_hours) {
        return Err(bad(format!(
            "utc_offset_hours {} is out of range",
            s.utc_offset_hours
        )));
    }
    Ok(Arc::new(Paydesk {
        inner: Arc::new(Inner {
            merchants,
            payin_fee_rate: decimal_setting("payin_fee_rate", &s.payin_fee_rate)?,
            payout_fee_rate: decimal_setting("payout_fee_rate", &s.payout_fee_rate)?,
            utc_offset_hours: s.utc_offset_hours,
            notify_on_expiry: s.notify_on_expiry,
            schedule,
            payout_banks: s.payout_banks,
            payin_banks: s.payin_banks,
            payout_lock: Mutex::new(()),
        }),
    }))
}

impl Inner {
    fn merchant(&self, id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.id == id)
    }

    fn fee(&self, amount: Decimal, rate: Decimal) -> Decimal {
        // Amounts are bounded by the country profile, but IDR has no documented maximum:
        // saturate rather than overflow on absurd input.
        amount
            .saturating_mul(rate)
            .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    }

    /// Available and frozen balance of a merchant, derived from its orders.
    fn balances(&self, ctx: &ProviderCtx, merchant: &Merchant) -> (Decimal, Decimal) {
        let mut available = merchant.balance;
        let mut frozen = Decimal::ZERO;
        for o in ctx.store().ledger(&OrderFilter::default().provider(NAME)) {
            if o.merchant_id != merchant.id {
                continue;
            }
            match (o.kind.as_str(), o.state) {
                (CASHIER | PAYIN, OrderState::Success) => {
                    available = available.saturating_add(o.amount.saturating_sub(o.fee));
                }
                (PAYOUT, OrderState::Processing) => {
                    let total = o.amount.saturating_add(o.fee);
                    available = available.saturating_sub(total);
                    frozen = frozen.saturating_add(total);
                }
                (PAYOUT, OrderState::Success) => {
                    available = available.saturating_sub(o.amount.saturating_add(o.fee));
                }
                _ => {}
            }
        }
        (available, frozen)
    }

    /// The common request checks; returns the merchant and the parsed body.
    fn authenticate<'a>(
        &'a self,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(&'a Merchant, JsonFields), Fail> {
        if method != Method::POST {
            return Err(Fail::error("RequestMethod_not_post"));
        }
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with("application/json") {
            return Err(Fail::error("RequestContentType_not_json"));
        }
        let mid = headers
            .get("MerchantId")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        if mid.is_empty() {
            return Err(Fail::access("MerchantId_is_null"));
        }
        if !mid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::access("MerchantId_not_Number"));
        }
        let merchant = self
            .merchant(mid)
            .ok_or_else(|| Fail::access("Merchant_not_exist"))?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Fail::error("RequestBody_is_null"));
        }
        let sign = headers
            .get("Sign")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sign.is_empty() || merchant.signer.verify_hex(body, sign).is_err() {
            return Err(Fail::access("Sign_verify_error"));
        }
        let fields = JsonFields::parse(body).map_err(|_| Fail::error("Params_jsonFormat_error"))?;
        Check(&fields).str("nonceStr", 32)?;
        Ok((merchant, fields))
    }

    fn create_cashier(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        f: &JsonFields,
    ) -> Result<Value, Fail> {
        let c = Check(f);
        let p = c.currency()?;
        c.str_if("mobileMoneyPhone", 32, p.mobile_money)?;
        let amount = c.amount(p)?;
        c.reusable(p)?;
        let mch_order_no = c.str("mchOrderNo", 32)?;
        let expire = c.expire(p, p.expire_required)?;
        let notify_url = c.url("notifyUrl", 250, true)?.unwrap_or_default();
        c.str("realName", 64)?;
        c.phone("phone", 32, true)?;
        c.email("email", 64, true)?;
        c.id(p)?;
        c.url("returnUrl", 250, false)?;
        c.opt_str("goodsSubject", 32)?;
        c.opt_str("goodsBody", 32)?;
        c.str_if("remark", 32, p.remark_required)?;

        let no = ctx.next_order_no("PAYDESK");
        let pay_url = format!("{}/cashier/{no}", ctx.base_url());
        let order = self.insert(
            ctx,
            NewOrder::new(CASHIER, &merchant.id, &mch_order_no, amount)
                .platform_order_no(&no)
                .state(OrderState::Paying)
                .currency(p.currency)
                .notify_url(notify_url)
                .expires_in(Duration::from_secs(expire))
                .payload(json!({ "payUrl": pay_url, "feeQuote": self.fee(amount, self.payin_fee_rate).to_string() })),
        )?;
        Ok(json!({
            "merchantId": merchant.id,
            "mchOrderNo": order.merchant_order_no,
            "orderNo": order.platform_order_no,
            "payUrl": pay_url,
            "amount": order.amount.to_string(),
            "expireTime": order.expires_at.map(|t| t.format_local(self.utc_offset_hours)),
        }))
    }

    fn create_payin(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        f: &JsonFields,
    ) -> Result<Value, Fail> {
        let c = Check(f);
        let p = c.currency()?;
        c.str_if("mobileMoneyPhone", 32, p.mobile_money)?;
        let pay_type = pay_type(&c, p)?;
        let amount = c.amount(p)?;
        c.reusable(p)?;
        let mch_order_no = c.str("mchOrderNo", 32)?;
        let expire = c.expire(p, false)?;
        let notify_url = c.url("notifyUrl", 250, true)?.unwrap_or_default();
        c.str_if("remark", 32, p.remark_required)?;
        c.str("realName", 64)?;
        c.phone("phone", 32, true)?;
        c.email("email", 64, true)?;
        c.id(p)?;

        let no = ctx.next_order_no("PAYIN");
        let pay_url = (p.url_pay_types.contains(&pay_type) || p.url_pay_types.is_empty())
            .then(|| format!("{}/cashier/{no}", ctx.base_url()));
        let fee = self.fee(amount, self.payin_fee_rate);
        let order = self.insert(
            ctx,
            NewOrder::new(PAYIN, &merchant.id, &mch_order_no, amount)
                .platform_order_no(&no)
                .state(OrderState::Paying)
                .currency(p.currency)
                .notify_url(notify_url)
                .expires_in(Duration::from_secs(expire))
                .payload(json!({
                    "payType": pay_type.to_string(),
                    "payCode": Value::Null,
                    "payUrl": pay_url,
                    "feeQuote": fee.to_string(),
                })),
        )?;
        Ok(json!({
            "merchantId": merchant.id,
            "mchOrderNo": order.merchant_order_no,
            "orderNo": order.platform_order_no,
            "payCode": Value::Null,
            "payUrl": pay_url,
            "payDeskUrl": Value::Null,
            "amount": order.amount.to_string(),
            "orderFee": fee.to_string(),
        }))
    }

    fn create_payout(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        f: &JsonFields,
    ) -> Result<Value, Fail> {
        let c = Check(f);
        c.str("accountName", 64)?;
        c.str("accountNo", 32)?;
        let account_type = c.int("accountType")?;
        let p = c.currency()?;
        if account_type < 0
            || (!p.account_types.is_empty() && !p.account_types.contains(&account_type))
        {
            return Err(Fail::invalid("accountType"));
        }
        let amount = c.amount(p)?;
        let bank_id = c.opt_int("bankId")?;
        if bank_id.is_some_and(|id| !self.payout_banks.iter().any(|b| b.bank_id == id)) {
            return Err(Fail::invalid("bankId"));
        }
        let mch_order_no = c.str("mchOrderNo", 32)?;
        let notify_url = c.url("notifyUrl", 250, true)?.unwrap_or_default();
        c.opt_str("idType", 32)?;
        c.opt_str("idCard", 32)?;
        c.phone("phone", 32, false)?;
        c.email("email", 64, false)?;
        c.str("remark", 32)?;

        let fee = self.fee(amount, self.payout_fee_rate);
        // The lock only orders payout creation; a poisoned lock guards no data.
        let _guard = self
            .payout_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if ctx
            .find_by_merchant_no(PAYOUT, &merchant.id, &mch_order_no)
            .is_some()
        {
            return Err(Fail::error("Params_mchOrderNo_repeat"));
        }
        let (available, _) = self.balances(ctx, merchant);
        if amount.saturating_add(fee) > available {
            return Err(Fail::error("Merchant_amount_notEnough"));
        }
        let no = ctx.next_order_no("PAYOUT");
        let order = self.insert(
            ctx,
            NewOrder::new(PAYOUT, &merchant.id, &mch_order_no, amount)
                .platform_order_no(&no)
                .state(OrderState::Processing)
                .currency(p.currency)
                .notify_url(notify_url)
                .fee(fee)
                .payload(json!({ "accountType": account_type, "bankId": bank_id })),
        )?;
        Ok(json!({
            "merchantId": merchant.id,
            "mchOrderNo": order.merchant_order_no,
            "orderNo": order.platform_order_no,
            "amount": order.amount.to_string(),
            "fee": order.fee.to_string(),
            "orderStatus": wire::payout_status(order.state),
        }))
    }

    fn insert(&self, ctx: &ProviderCtx, new: NewOrder) -> Result<Order, Fail> {
        ctx.create_order(new)
            .map_err(|_| Fail::error("Params_mchOrderNo_repeat"))
    }

    fn find(
        &self,
        ctx: &ProviderCtx,
        kind: &str,
        merchant: &Merchant,
        f: &JsonFields,
    ) -> Result<Order, Fail> {
        let c = Check(f);
        let order_no = c.opt_str("orderNo", 32)?;
        let mch_order_no = c.opt_str("mchOrderNo", 32)?;
        match (order_no, mch_order_no) {
            (Some(no), mch) => ctx
                .order(&no)
                .filter(|o| o.kind == kind && o.merchant_id == merchant.id)
                .filter(|o| mch.as_deref().is_none_or(|m| m == o.merchant_order_no))
                .ok_or_else(|| Fail::error("Params_order_notExist")),
            (None, Some(mch)) => ctx
                .find_by_merchant_no(kind, &merchant.id, &mch)
                .ok_or_else(|| Fail::error("Params_mchOrderNo_notExist")),
            (None, None) => Err(Fail::required("orderNo")),
        }
    }

    fn completion(&self, o: &Order) -> Value {
        o.completed_at.map_or(Value::Null, |t| {
            Value::String(t.format_local(self.utc_offset_hours))
        })
    }

    fn query(
        &self,
        ctx: &ProviderCtx,
        kind: &str,
        merchant: &Merchant,
        f: &JsonFields,
    ) -> Result<Value, Fail> {
        let o = self.find(ctx, kind, merchant, f)?;
        let text = |k: &str| o.payload.get(k).cloned().unwrap_or(Value::Null);
        Ok(match kind {
            CASHIER => json!({
                "merchantId": o.merchant_id,
                "mchOrderNo": o.merchant_order_no,
                "orderNo": o.platform_order_no,
                "payUrl": text("payUrl"),
                "amount": o.amount.to_string(),
                "fee": o.fee.to_string(),
                "orderStatus": wire::payin_status(o.state),
                "completionTime": self.completion(&o),
                "nonceStr": Value::Null,
            }),
            PAYIN => json!({
                "merchantId": o.merchant_id,
                "mchOrderNo": o.merchant_order_no,
                "orderNo": o.platform_order_no,
                "payType": text("payType"),
                "payCode": text("payCode"),
                "payUrl": text("payUrl"),
                "amount": o.amount.to_string(),
                "fee": o.fee.to_string(),
                "orderStatus": wire::payin_status(o.state),
                "completionTime": self.completion(&o),
            }),
            _ => json!({
                "merchantId": o.merchant_id,
                "mchOrderNo": o.merchant_order_no,
                "orderNo": o.platform_order_no,
                "amount": o.amount.to_string(),
                "fee": o.fee.to_string(),
                "orderStatus": wire::payout_status(o.state),
                "completionTime": self.completion(&o),
                "resultDesc": if o.state == OrderState::Success { None } else { o.reason.clone() },
            }),
        })
    }

    /// `{"mchId","balance","unBalance"}` with the amounts as JSON numbers with two decimals
    /// (never through `f64`).
    fn balance(&self, ctx: &ProviderCtx, merchant: &Merchant) -> Box<RawValue> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Balance<'a> {
            mch_id: &'a str,
            balance: Box<RawValue>,
            un_balance: Box<RawValue>,
        }
        let (available, frozen) = self.balances(ctx, merchant);
        to_raw(&Balance {
            mch_id: &merchant.id,
            balance: wire::number(available, 2),
            un_balance: wire::number(frozen, 2),
        })
    }

    fn banks(list: &[Bank]) -> Value {
        Value::Array(
            list.iter()
                .map(|b| json!({"bankId": b.bank_id, "bankCode": b.bank_code, "bankName": b.bank_name}))
                .collect(),
        )
    }
}

fn to_raw<T: serde::Serialize>(value: &T) -> Box<RawValue> {
    // Serializing plain data (strings, numbers, raw values) cannot fail.
    serde_json::value::to_raw_value(value).unwrap_or_default()
}

fn pay_type(c: &Check<'_>, p: &Profile) -> Result<i64, Fail> {
    let t = c.int("payType")?;
    if t <= 0 || (!p.pay_types.is_empty() && !p.pay_types.contains(&t)) {
        return Err(Fail::invalid("payType"));
    }
    Ok(t)
}

/// Router state: the context and the module itself.
#[derive(Clone)]
struct St {
    ctx: ProviderCtx,
    module: Arc<Inner>,
}

#[derive(Clone, Copy)]
enum Op {
    PayDesk,
    PayDeskQuery,
    PayIn,
    PayInQuery,
    PayOut,
    PayOutQuery,
    Balance,
    PayoutBanks,
    PayinBanks,
}

async fn handle(st: St, op: Op, method: Method, headers: HeaderMap, body: &[u8]) -> Response {
    let m = &st.module;
    let result = m
        .authenticate(&method, &headers, body)
        .and_then(|(merchant, f)| {
            let data = match op {
                Op::PayDesk => m.create_cashier(&st.ctx, merchant, &f)?,
                Op::PayDeskQuery => m.query(&st.ctx, CASHIER, merchant, &f)?,
                Op::PayIn => m.create_payin(&st.ctx, merchant, &f)?,
                Op::PayInQuery => m.query(&st.ctx, PAYIN, merchant, &f)?,
                Op::PayOut => m.create_payout(&st.ctx, merchant, &f)?,
                Op::PayOutQuery => m.query(&st.ctx, PAYOUT, merchant, &f)?,
                Op::Balance => return Ok(m.balance(&st.ctx, merchant)),
                Op::PayoutBanks => Inner::banks(&m.payout_banks),
                Op::PayinBanks => Inner::banks(&m.payin_banks),
            };
            Ok(to_raw(&data))
        });
    match result {
        Ok(data) => success(data),
        Err(fail) => {
            tracing::info!(provider = NAME, msg = %fail.msg, "request refused");
            fail.into_response()
        }
    }
}

macro_rules! route {
    ($op:expr) => {
        any(|State(st): State<St>, method: Method, headers: HeaderMap, RawBody(body): RawBody| async move {
            handle(st, $op, method, headers, &body).await
        })
    };
}

async fn cashier_page(State(st): State<St>, Path(no): Path<String>) -> Response {
    let Some(o) = st.ctx.order(&no).filter(|o| o.kind != PAYOUT) else {
        return page::not_found();
    };
    let details = format!(
        "<p>Amount: {amount} {cur}</p><p>Status: {status}</p>",
        amount = o.amount,
        cur = page::escape(o.currency.as_deref().unwrap_or("")),
        status = wire::payin_status(o.state),
    );
    page::cashier(
        st.ctx.sandbox_url(),
        NAME,
        &o,
        "merchant order",
        &details,
        &[("paid", "Pay"), ("failed", "Fail")],
    )
}

impl ProviderModule for Paydesk {
    fn name(&self) -> &'static str {
        NAME
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        let module = Arc::clone(&self.inner);
        Router::new()
            .route("/api/payDesk", route!(Op::PayDesk))
            .route("/api/payDeskQuery", route!(Op::PayDeskQuery))
            .route("/api/payIn", route!(Op::PayIn))
            .route("/api/payInQuery", route!(Op::PayInQuery))
            .route("/api/payOut", route!(Op::PayOut))
            .route("/api/payOutQuery", route!(Op::PayOutQuery))
            .route("/api/getBalance", route!(Op::Balance))
            .route("/api/bankListQuery", route!(Op::PayoutBanks))
            .route("/api/payInBankListQuery", route!(Op::PayinBanks))
            .route("/cashier/{no}", get(cashier_page))
            .with_state(St { ctx, module })
    }

    fn credentials(&self) -> Vec<Credential> {
        self.inner
            .merchants
            .iter()
            .flat_map(|m| {
                [
                    Credential::public("MerchantId", &m.id),
                    Credential::secret("apiKey", m.api_key_for_display.expose()),
                ]
            })
            .collect()
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &["mchOrderNo", "orderNo"]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        match rejection {
            Rejection::BodyTooLarge { .. } => Fail::error("RequestBody_too_large")
                .http(StatusCode::PAYLOAD_TOO_LARGE)
                .into_response(),
            Rejection::NotFound { .. } => Fail {
                http: StatusCode::NOT_FOUND,
                code: 404,
                msg: "Request_path_notExist".into(),
            }
            .into_response(),
            _ => Fail::error("Params_jsonFormat_error")
                .http(StatusCode::BAD_REQUEST)
                .into_response(),
        }
    }

    fn on_transition(
        &self,
        _ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let allowed: &[OrderState] = if order.kind == PAYOUT {
            &[
                OrderState::Success,
                OrderState::Failed,
                OrderState::Cancelled,
            ]
        } else {
            &[OrderState::Success, OrderState::Failed, OrderState::Expired]
        };
        if !allowed.contains(&change.to) {
            return Err(TransitionError::not_allowed(
                order,
                change,
                format!(
                    "a paydesk {} order can only become {}",
                    order.kind,
                    allowed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let mut plan = TransitionPlan::default();
        if order.kind != PAYOUT && change.to == OrderState::Success {
            let quote = order
                .payload
                .get("feeQuote")
                .and_then(Value::as_str)
                .and_then(|s| Decimal::from_str(s).ok());
            plan = plan.fee(
                quote.unwrap_or_else(|| self.inner.fee(order.amount, self.inner.payin_fee_rate)),
            );
        }
        if order.kind == PAYOUT
            && change.reason.is_none()
            && matches!(change.to, OrderState::Failed | OrderState::Cancelled)
        {
            plan = plan.reason("UNKNOWN_ERROR");
        }
        Ok(plan)
    }

    fn notify(&self, _ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        if change.to == OrderState::Expired && !self.inner.notify_on_expiry {
            return None;
        }
        let merchant = self.inner.merchant(&order.merchant_id)?;
        let body = wire::notify_body(
            order,
            &change.at.format_local(self.inner.utc_offset_hours),
            &change.at.unix_millis().to_string(),
        );
        let sign = merchant.signer.sign_hex_upper(body.as_bytes());
        Some(
            Notify::post_json(body)
                .header("MerchantId", &merchant.id)
                .header("Sign", sign),
        )
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            self.inner.schedule.clone(),
            AckRule::Status(vec![200, 301, 302]),
        )
    }

    /// Any documented `msg` (`System_busy`, `Request_ip_notWhiteList`, ...) in the error
    /// envelope, with the `code` the module uses for it.
    fn fault_reply(&self, name: &str) -> Option<Response> {
        let access = name.starts_with("MerchantId_")
            || matches!(
                name,
                "Merchant_not_exist" | "Sign_verify_error" | "Request_ip_notWhiteList"
            );
        Some(
            if access {
                Fail::access(name)
            } else {
                Fail::error(name)
            }
            .into_response(),
        )
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let Some(sign) = notify.header_value("Sign").map(str::to_owned) else {
            return false;
        };
        let flipped: String = sign
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    if c == '0' { '1' } else { '0' }
                } else {
                    c
                }
            })
            .collect();
        notify.set_header("Sign", flipped);
        true
    }
}
