//! tokenpay (TokenPay / TTPay) sandbox module: every documented route with `TTPAY-AES-256-ECB`
//! signature checks, signed replies, orders that expire after `expire_second`, payouts that
//! settle by themselves, monitored wallets, balances that move with orders, and callbacks whose
//! `resource` is AEAD_AES_256_GCM-encrypted and whose `TTPay-*` headers are signed, delivered on
//! tokenpay's 0 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 60 min, 3 h, 6 h schedule.
//!
//! | route | does |
//! |---|---|
//! | `GET /v1/currency/index` | the currency catalogue (TRX, USDT on TRON; ETH, USDT on ETHEREUM; BNB, BUSD, USDT on BSC) |
//! | `POST /v1/merchant/balance` | balance of one currency on one chain, in minor units + `decimal` |
//! | `POST /v1/transaction/prepayment` | creates an order (`NOTPAY`), returns `prepay_id` and a host-relative `payment_url` |
//! | `POST /v1/transaction/query` | the order by `transaction_id` or `out_trade_no` |
//! | `POST /v1/transaction/close` | closes an unpaid order (`CLOSED`) |
//! | `POST /v1/payanother/{payment,query,close}` | payouts; close takes `payanother_id` |
//! | `POST /v1/payout/{payment,query,close}` | the same payouts; close takes `payout_id` |
//! | `POST /v1/wallet/{insert,update,delete}` | monitored wallets |
//! | `GET /v1/wallet/query[?wallet_address=]` | one wallet, or all of the app's wallets as an array |
//! | `GET /pay/order?prepay_id=` | the cashier page: order details and pay / underpay / close buttons |
//!
//! Checks, in order (first failure wins; every reply is HTTP 200 with `{code, msg, request_id,
//! data}` unless noted): `Authorization` present and of the form `TTPAY-AES-256-ECB
//! app_id=..,mch_id=..,nonce_str=..,timestamp=..,signature=..` (103; optional on the currency
//! index, which the docs do not verify), `app_id` configured (20000), `mch_id` the app's (103),
//! `timestamp` 10 or 13 digits (103) and within `max_skew_secs` of the sandbox clock (104), the
//! AES-256-ECB signature over `PATH[?QUERY]\nTIMESTAMP\nNONCE\nBODY` with the documented path
//! (without the `/tokenpay` prefix; 103), for POST a JSON object body (100) whose `app_id` and
//! `mch_id` equal the header's (11003 missing, 100 different), then the endpoint's fields
//! (11003 missing, 20005 invalid: unknown chain or currency, amount not positive or with more
//! places than the currency has, an address that fails its TRON base58check or EIP-55
//! checksum), duplicates (12001), lookups (12002), state (11000: closing a paid order) and
//! payout funds (20002). Replies to authenticated requests carry `TTPay-Timestamp`,
//! `TTPay-Nonce` and `TTPay-Signature` over `TIMESTAMP\nNONCE\nBODY` (`sign_replies`).
//!
//! Orders (`kind` `transaction`, keyed by `out_trade_no` per app) go `NOTPAY` to `SUCCESS`
//! (control `paid`: a transaction hash, payer, block and the `service_fee_rate` fee are
//! recorded), `CLOSED` (the close route, control `closed`, or expiry after `expire_second`), or
//! the sandbox-only state `UNDERPAID` (control `failed`, reason `underpaid` or `underpaid:<major
//! amount received>`, default half the amount; tokenpay documents no value for it, so clients
//! see an unknown state). Payouts (`kind` `payout`) start `NOTPAY`, settle to `SUCCESS` after
//! `payout_settle_secs` of sandbox time (0: only by control), and can be closed before that
//! (`CLOSED`; control `failed` or `cancelled` give `CLOSED` too). Their `amount` string is read
//! in major units (`payout_amount_unit = "minor"` changes it) and must be covered by the balance:
//! opening balance + paid orders (amount − fee) − payouts not closed.
//!
//! Callbacks: tokenpay documents success notifications only, so by default only `SUCCESS`
//! sends one (`notify_states` adds `closed`, `expired`, `underpaid`, with sandbox-made event
//! types such as `TRANSACTION.CLOSED`). The body is `{app_id, mch_id, create_time,
//! resource_type: "encrypt-resource", event_type, resource: {original_type, algorithm:
//! "AEAD_AES_256_GCM", ciphertext, nonce}}`; the ciphertext is the order as in a query reply but
//! with `currency` as a string, encrypted with the app secret and a fresh 12-character nonce.
//! Event types: `TRANSACTION.SUCCESS` (`order_event_type`), `PAYPAYANOTHER.SUCCESS` /
//! `PAYPAYOUT.SUCCESS` by the payout's path family (`original_type` `payanother` / `payout`).
//! A delivery counts when the reply is 2xx with the body `success`; the URL is the order's
//! `notify_url`, else the app's configured one.
//!
//! Configuration (`[providers.tokenpay]`, all optional):
//!
//! ```toml
//! apps = [{ app_id = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd", mch_id = "1234567890",
//!           app_secret = "0123456789abcdef0123456789abcdef", balance = "10000",
//!           notify_url = "http://127.0.0.1:9000/tokenpay" }]
//! max_skew_secs = 86400          # 0 disables the freshness check (104)
//! sign_replies = true
//! service_fee_rate = "0.003"     # fee on paid orders (the docs' example: 45000 on 15000000)
//! payout_settle_secs = 30
//! payout_amount_unit = "major"   # or "minor"
//! order_event_type = "TRANSACTION.SUCCESS"
//! notify_states = ["success"]    # also "closed", "expired", "underpaid"
//! retry_offsets_secs = [15, 30, 180, 600, 1200, 1800, 3600, 10800, 21600]
//! ```

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokenpay::sign::{AppKey, Authorization, reply_signing_string, request_signing_string};
use tokenpay::types::{Chain, decimal_to_minor, eip55_checksum, tron_address, validate_address};
use tokenpay::{NonceSource as _, RandomHex, Secret};

use crate::page;
use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, FieldError, FieldProblem, JsonFields,
    NewOrder, Notify, Order, OrderFilter, OrderState, ProviderConfig, ProviderCtx, ProviderModule,
    RawBody, Rejection, RetrySchedule, SandboxTime, StateChange, TransitionError, TransitionPlan,
};

const NAME: &str = "tokenpay";
/// Order kinds (`out_trade_no` is unique per kind and app).
const ORDER: &str = "transaction";
const PAYOUT: &str = "payout";
/// The sandbox-only trade state of an underpaid order.
const UNDERPAID: &str = "UNDERPAID";

/// An application the sandbox accepts.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppSettings {
    app_id: String,
    mch_id: String,
    app_secret: String,
    #[serde(default = "default_balance")]
    balance: String,
    #[serde(default)]
    notify_url: Option<String>,
}

fn default_balance() -> String {
    "10000".to_owned()
}

/// `[providers.tokenpay]`.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    apps: Vec<AppSettings>,
    max_skew_secs: u64,
    sign_replies: bool,
    service_fee_rate: String,
    payout_settle_secs: u64,
    payout_amount_unit: String,
    order_event_type: String,
    notify_states: Vec<String>,
    retry_offsets_secs: Vec<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            apps: vec![AppSettings {
                app_id: "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd".into(),
                mch_id: "1234567890".into(),
                app_secret: "0123456789abcdef0123456789abcdef".into(),
                balance: default_balance(),
                notify_url: None,
            }],
            max_skew_secs: 86_400,
            sign_replies: true,
            service_fee_rate: "0.003".into(),
            payout_settle_secs: 30,
            payout_amount_unit: "major".into(),
            order_event_type: "TRANSACTION.SUCCESS".into(),
            notify_states: vec!["success".into()],
            retry_offsets_secs: vec![15, 30, 180, 600, 1200, 1800, 3600, 10_800, 21_600],
        }
    }
}

/// A configured application.
struct App {
    index: usize,
    app_id: String,
    mch_id: String,
    key: AppKey,
    secret_for_display: Secret,
    opening_balance: Decimal,
    notify_url: Option<String>,
}

/// One currency of the catalogue.
struct Currency {
    chain: &'static str,
    currency: &'static str,
    network: &'static str,
    code: &'static str,
    name: &'static str,
    decimal: u32,
    contract: &'static str,
}

const CURRENCIES: [Currency; 7] = [
    Currency {
        chain: "TRON",
        currency: "TRX",
        network: "TRX",
        code: "TRON_TRX",
        name: "TRX",
        decimal: 6,
        contract: "",
    },
    Currency {
        chain: "TRON",
        currency: "USDT",
        network: "TRC20",
        code: "TRON_USDT",
        name: "Tether USD",
        decimal: 6,
        contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    },
    Currency {
        chain: "ETHEREUM",
        currency: "ETH",
        network: "ETH",
        code: "ETHEREUM_ETH",
        name: "Ether",
        decimal: 18,
        contract: "",
    },
    Currency {
        chain: "ETHEREUM",
        currency: "USDT",
        network: "ERC20",
        code: "ETHEREUM_USDT",
        name: "Tether USD",
        decimal: 6,
        contract: "0xdAC17F958D2ee523a2206206994597C13D831ec7",
    },
    Currency {
        chain: "BSC",
        currency: "BNB",
        network: "BNB",
        code: "BINANCE_BNB",
        name: "Binance Coin",
        decimal: 18,
        contract: "",
    },
    Currency {
        chain: "BSC",
        currency: "BUSD",
        network: "BEP20",
        code: "BINANCE_BUSD",
        name: "Binance USD",
        decimal: 18,
        contract: "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56",
    },
    Currency {
        chain: "BSC",
        currency: "USDT",
        network: "BEP20",
        code: "BINANCE_USDT",
        name: "Tether USD",
        decimal: 18,
        contract: "0x55d398326f99059fF775485246999027B3197955",
    },
];

fn currency(chain: &str, symbol: &str) -> Option<&'static Currency> {
    CURRENCIES
        .iter()
        .find(|c| c.chain == chain && c.currency == symbol)
}

/// A monitored wallet.
#[derive(Clone)]
struct Wallet {
    name: Option<String>,
    chain: String,
    address: String,
    created_secs: i64,
}

/// The tokenpay module. Build it with [`build`] (from config) or let the sandbox do it.
#[derive(Clone)]
pub struct Tokenpay {
    inner: Arc<Inner>,
}

struct Inner {
    apps: Vec<App>,
    max_skew_ms: i64,
    sign_replies: bool,
    service_fee_rate: Decimal,
    payout_settle: Duration,
    payout_minor_units: bool,
    order_event_type: String,
    notify_states: Vec<OrderState>,
    schedule: RetrySchedule,
    /// Wallets by `(app_id, chain, address)`.
    wallets: Mutex<BTreeMap<(String, String, String), Wallet>>,
    /// Serializes payout creation so two payouts cannot both spend the same balance.
    payout_lock: Mutex<()>,
}

impl std::fmt::Debug for Tokenpay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenpay")
            .field(
                "apps",
                &self
                    .inner
                    .apps
                    .iter()
                    .map(|a| (&a.app_id, &a.mch_id))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Builds the module from `[providers.tokenpay]`.
///
/// # Errors
/// [`ConfigError`] naming the field: an unknown key, an app secret that is not 32 bytes, a rate
/// or balance that is not a decimal, an unknown unit or state.
pub fn build(config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    let s: Settings = config.parse()?;
    let bad = |field: &str, msg: String| ConfigError::Provider {
        provider: NAME.to_owned(),
        message: format!("{field}: {msg}"),
    };
    let mut apps = Vec::new();
    for (index, a) in s.apps.iter().enumerate() {
        let secret = Secret::new(a.app_secret.as_str());
        let key = AppKey::new(&secret)
            .map_err(|e| bad(&format!("apps[{index}].app_secret"), e.to_string()))?;
        let opening_balance = Decimal::from_str(&a.balance)
            .map_err(|_| bad(&format!("apps[{index}].balance"), "is not a decimal".into()))?;
        apps.push(App {
            index,
            app_id: a.app_id.clone(),
            mch_id: a.mch_id.clone(),
            key,
            secret_for_display: secret,
            opening_balance,
            notify_url: a.notify_url.clone(),
        });
    }
    let service_fee_rate = Decimal::from_str(&s.service_fee_rate)
        .map_err(|_| bad("service_fee_rate", "is not a decimal".into()))?;
    let payout_minor_units = match s.payout_amount_unit.as_str() {
        "major" => false,
        "minor" => true,
        other => {
            return Err(bad(
                "payout_amount_unit",
                format!("`{other}` is not major or minor"),
            ));
        }
    };
    let notify_states = s
        .notify_states
        .iter()
        .map(|n| match n.as_str() {
            "success" => Ok(OrderState::Success),
            "closed" => Ok(OrderState::Closed),
            "expired" => Ok(OrderState::Expired),
            "underpaid" => Ok(OrderState::Failed),
            other => Err(bad(
                "notify_states",
                format!("`{other}` is not success, closed, expired or underpaid"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = RetrySchedule::from_first(
        Duration::ZERO,
        s.retry_offsets_secs.iter().map(|s| Duration::from_secs(*s)),
    );
    Ok(Arc::new(Tokenpay {
        inner: Arc::new(Inner {
            apps,
            max_skew_ms: i64::try_from(s.max_skew_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            sign_replies: s.sign_replies,
            service_fee_rate,
            payout_settle: Duration::from_secs(s.payout_settle_secs),
            payout_minor_units,
            order_event_type: s.order_event_type,
            notify_states,
            schedule,
            wallets: Mutex::new(BTreeMap::new()),
            payout_lock: Mutex::new(()),
        }),
    }))
}

/// A refused request: tokenpay's code and message.
#[derive(Debug)]
struct Fail {
    code: i64,
    msg: String,
}

impl Fail {
    fn new(code: i64, msg: impl Into<String>) -> Self {
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

fn invalid(field: &str, why: impl std::fmt::Display) -> Fail {
    Fail::new(20005, format!("invalid parameter: {field}: {why}"))
}

fn random_hex(len: usize) -> String {
    RandomHex::lower(len).nonce()
}

fn request_id() -> String {
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
fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text)
        .unwrap_or_else(|_| serde_json::value::to_raw_value(&Value::Null).expect("`null` is JSON"))
}

/// The trade state tokenpay reports for a sandbox order.
fn trade_state(o: &Order) -> &'static str {
    match o.state {
        OrderState::Success => "SUCCESS",
        OrderState::Failed if o.kind == ORDER => UNDERPAID,
        OrderState::Failed | OrderState::Closed | OrderState::Expired | OrderState::Cancelled => {
            "CLOSED"
        }
        _ => "NOTPAY",
    }
}

fn text<'a>(o: &'a Order, key: &str) -> &'a str {
    o.payload
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn millis(t: Option<SandboxTime>) -> i64 {
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
    fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }

    /// Checks the `Authorization` header and the signature over the exact request.
    fn authenticate(
        &self,
        ctx: &ProviderCtx,
        headers: &HeaderMap,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<&App, Fail> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| Fail::new(103, "invalid signature: Authorization header is missing"))?
            .to_str()
            .map_err(|_| Fail::new(103, "invalid signature: Authorization is not text"))?;
        let auth = Authorization::parse(value)
            .map_err(|e| Fail::new(103, format!("invalid signature: Authorization: {e}")))?;
        let app = self
            .app(&auth.app_id)
            .ok_or_else(|| Fail::new(20000, "application does not exist"))?;
        if auth.mch_id != app.mch_id {
            return Err(Fail::new(
                103,
                "invalid signature: mch_id is not the application's merchant",
            ));
        }
        let ts = &auth.timestamp;
        if !(ts.len() == 10 || ts.len() == 13) || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::new(
                103,
                "invalid signature: timestamp must be 10 or 13 digits",
            ));
        }
        let ts_ms = ts.parse::<i64>().unwrap_or(0) * if ts.len() == 10 { 1000 } else { 1 };
        if self.max_skew_ms > 0 && (ctx.now().unix_millis() - ts_ms).abs() > self.max_skew_ms {
            return Err(Fail::new(
                104,
                "signature expired: timestamp too far from the server clock",
            ));
        }
        if auth.nonce_str.is_empty() || auth.nonce_str.len() > 64 {
            return Err(Fail::new(
                103,
                "invalid signature: nonce_str must be 1 to 64 characters",
            ));
        }
        let message = request_signing_string(path_and_query, ts, &auth.nonce_str, body);
        app.key
            .verify(&message, &auth.signature)
            .map_err(|_| Fail::new(103, "invalid signature"))?;
        Ok(app)
    }

    /// A JSON body whose `app_id` and `mch_id` repeat the header's.
    fn body_fields(app: &App, body: &[u8]) -> Result<JsonFields, Fail> {
        let f = JsonFields::parse(body).map_err(|_| {
            Fail::new(
                100,
                "request parameter error: the body is not a JSON object",
            )
        })?;
        for (name, expected) in [("app_id", &app.app_id), ("mch_id", &app.mch_id)] {
            let got = f.required_text(name)?;
            if &got != expected {
                return Err(Fail::new(
                    100,
                    format!(
                        "request parameter error: body {name} differs from the Authorization {name}"
                    ),
                ));
            }
        }
        Ok(f)
    }

    fn chain_currency(f: &JsonFields) -> Result<&'static Currency, Fail> {
        let chain = f.required_text("chain")?;
        let symbol = f.required_text("currency")?;
        currency(&chain, &symbol)
            .ok_or_else(|| invalid("currency", format!("{symbol} is not supported on {chain}")))
    }

    fn address(field: &str, chain: &str, address: &str) -> Result<(), Fail> {
        validate_address(&Chain::parse(chain), address).map_err(|e| invalid(field, e))
    }

    fn detail(&self, ctx: &ProviderCtx, o: &Order, currency_object: bool) -> Box<RawValue> {
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

    fn balance_of(&self, ctx: &ProviderCtx, app: &App, c: &Currency) -> Decimal {
        let orders = ctx.store().ledger(&OrderFilter::default().provider(NAME));
        let mut balance = app.opening_balance;
        for o in orders.iter().filter(|o| {
            o.merchant_id == app.app_id
                && text(o, "chain") == c.chain
                && text(o, "currency") == c.currency
        }) {
            match (o.kind.as_str(), o.state) {
                (ORDER, OrderState::Success) => balance += o.amount - o.fee,
                (
                    PAYOUT,
                    OrderState::Created
                    | OrderState::Paying
                    | OrderState::Processing
                    | OrderState::Success,
                ) => {
                    balance -= o.amount;
                }
                _ => {}
            }
        }
        balance
    }

    fn find(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        kind: &str,
        f: &JsonFields,
        id_field: &str,
    ) -> Result<Order, Fail> {
        let id = f.text(id_field)?.filter(|s| !s.is_empty());
        let mch = f.text("out_trade_no")?.filter(|s| !s.is_empty());
        if id.is_none() && mch.is_none() {
            return Err(Fail::new(
                11003,
                format!("missing required parameter: {id_field} or out_trade_no"),
            ));
        }
        let found = match (&id, &mch) {
            (Some(id), _) => ctx
                .order(id)
                .filter(|o| o.kind == kind && o.merchant_id == app.app_id),
            (None, Some(m)) => ctx.find_by_merchant_no(kind, &app.app_id, m),
            (None, None) => None,
        };
        match (found, &mch) {
            (Some(o), Some(m)) if &o.merchant_order_no != m => {
                Err(Fail::new(12002, "data does not exist"))
            }
            (Some(o), _) => Ok(o),
            (None, _) => Err(Fail::new(12002, "data does not exist")),
        }
    }

    fn prepay(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let out_trade_no = f.required_text("out_trade_no")?;
        let expire = f
            .integer("expire_second")?
            .ok_or_else(|| FieldError::missing("expire_second"))?;
        if expire <= 0 {
            return Err(invalid("expire_second", "must be positive"));
        }
        let amount = f
            .decimal("amount")?
            .ok_or_else(|| FieldError::missing("amount"))?;
        let c = Self::chain_currency(f)?;
        if amount <= Decimal::ZERO || decimal_to_minor(amount, c.decimal).is_none() {
            return Err(invalid(
                "amount",
                format!("must be positive with at most {} decimals", c.decimal),
            ));
        }
        let order_type = f.required_text("order_type")?;
        let to_address = f.text("to_address")?.filter(|s| !s.is_empty());
        match order_type.as_str() {
            "platform_order" => {}
            "merchant_order" if to_address.is_none() => {
                return Err(Fail::new(11003, "missing required parameter: to_address"));
            }
            "merchant_order" => {}
            other => return Err(invalid("order_type", format!("`{other}` is not supported"))),
        }
        if let Some(a) = &to_address {
            Self::address("to_address", c.chain, a)?;
        }
        if let Some(l) = f.text("locale")?
            && l != "zh_cn"
            && l != "en"
        {
            return Err(invalid("locale", "must be zh_cn or en"));
        }
        let notify_url = f.text("notify_url")?.or_else(|| app.notify_url.clone());
        let transaction_id = format!("{:0>32}", ctx.next_order_no(""));
        let prepay_id = random_hex(64);
        let to = to_address.unwrap_or_else(|| tron_or_evm_address(c.chain));
        let mut new = NewOrder::new(ORDER, &app.app_id, &out_trade_no, amount)
            .platform_order_no(&transaction_id)
            .state(OrderState::Paying)
            .currency(c.currency)
            .expires_in(Duration::from_secs(u64::try_from(expire).unwrap_or(0)))
            .payload(json!({
                "prepay_id": prepay_id,
                "chain": c.chain,
                "currency": c.currency,
                "description": f.text("description")?.unwrap_or_default(),
                "attach": f.text("attach")?.unwrap_or_default(),
                "to_address": to,
                "order_type": order_type,
                "locale": f.text("locale")?,
                "return_url": f.text("return_url")?,
            }));
        if let Some(u) = notify_url {
            new = new.notify_url(u);
        }
        ctx.create_order(new)
            .map_err(|_| Fail::new(12001, "data already exists: out_trade_no is taken"))?;
        let payment_url = format!("/{NAME}/pay/order?prepay_id={prepay_id}");
        Ok(Some(raw(
            json!({"prepay_id": prepay_id, "payment_url": payment_url}).to_string(),
        )))
    }

    fn create_payout(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
        family: &'static str,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let c = Self::chain_currency(f)?;
        let text_amount = f.required_text("amount")?;
        let amount = if self.payout_minor_units {
            let units = text_amount
                .trim()
                .parse::<i128>()
                .map_err(|_| invalid("amount", "must be an integer of minor units"))?;
            Decimal::try_from_i128_with_scale(units, c.decimal)
                .map_err(|_| invalid("amount", "does not fit"))?
        } else {
            Decimal::from_str(text_amount.trim())
                .map_err(|_| invalid("amount", "is not a decimal"))?
        };
        if amount <= Decimal::ZERO || decimal_to_minor(amount, c.decimal).is_none() {
            return Err(invalid(
                "amount",
                format!("must be positive with at most {} decimals", c.decimal),
            ));
        }
        let to_address = f.required_text("to_address")?;
        Self::address("to_address", c.chain, &to_address)?;
        let transaction_id = format!("{:0>32}", ctx.next_order_no(""));
        let out_trade_no = f
            .text("out_trade_no")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| transaction_id.clone());
        let notify_url = f.text("notify_url")?.or_else(|| app.notify_url.clone());
        let _guard = self
            .payout_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.balance_of(ctx, app, c) < amount {
            return Err(Fail::new(20002, "insufficient balance"));
        }
        let mut new = NewOrder::new(PAYOUT, &app.app_id, &out_trade_no, amount)
            .platform_order_no(&transaction_id)
            .state(OrderState::Processing)
            .currency(c.currency)
            .payload(json!({
                "family": family,
                "chain": c.chain,
                "currency": c.currency,
                "description": f.text("description")?.unwrap_or_default(),
                "attach": f.text("attach")?.unwrap_or_default(),
                "to_address": to_address,
            }));
        if let Some(u) = notify_url {
            new = new.notify_url(u);
        }
        let order = ctx
            .create_order(new)
            .map_err(|_| Fail::new(12001, "data already exists: out_trade_no is taken"))?;
        if !self.payout_settle.is_zero() {
            ctx.schedule_transition(
                &transaction_id,
                ctx.now() + self.payout_settle,
                OrderState::Success,
                None,
            );
        }
        Ok(Some(self.detail(ctx, &order, true)))
    }

    fn close(&self, ctx: &ProviderCtx, order: &Order) -> Result<Option<Box<RawValue>>, Fail> {
        let open = matches!(
            order.state,
            OrderState::Paying | OrderState::Processing | OrderState::Created
        );
        if !open {
            return Err(Fail::new(
                11000,
                format!("operation failed: the order is {}", trade_state(order)),
            ));
        }
        ctx.transition(&order.platform_order_no, OrderState::Closed, None)
            .map_err(|e| Fail::new(11000, format!("operation failed: {e}")))?;
        Ok(None)
    }

    fn wallet_json(app: &App, w: &Wallet) -> Value {
        json!({
            "app_id": app.app_id, "mch_id": app.mch_id, "name": w.name.clone().unwrap_or_default(),
            "chain": w.chain, "wallet_address": w.address, "create_time": w.created_secs, "last_time": 0
        })
    }

    fn wallet(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        op: Op,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let chain = f.required_text("chain")?;
        if !CURRENCIES.iter().any(|c| c.chain == chain) {
            return Err(invalid("chain", format!("{chain} is not supported")));
        }
        let address = f.required_text("wallet_address")?;
        Self::address("wallet_address", &chain, &address)?;
        let key = (app.app_id.clone(), chain.clone(), address.clone());
        let mut wallets = self.wallets.lock().unwrap_or_else(PoisonError::into_inner);
        match op {
            Op::WalletInsert => {
                if wallets.contains_key(&key) {
                    return Err(Fail::new(
                        12001,
                        "data already exists: the wallet is monitored",
                    ));
                }
                let w = Wallet {
                    name: f.text("name")?,
                    chain,
                    address,
                    created_secs: ctx.now().unix_seconds(),
                };
                let out = Self::wallet_json(app, &w);
                wallets.insert(key, w);
                Ok(Some(raw(out.to_string())))
            }
            Op::WalletUpdate => {
                let w = wallets
                    .get_mut(&key)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                if let Some(n) = f.text("name")? {
                    w.name = Some(n);
                }
                Ok(Some(raw(Self::wallet_json(app, w).to_string())))
            }
            _ => {
                wallets
                    .remove(&key)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                Ok(None)
            }
        }
    }

    fn wallet_query(&self, app: &App, uri: &Uri) -> Result<Option<Box<RawValue>>, Fail> {
        let wanted = uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "wallet_address")
                .map(|(_, v)| v.into_owned())
        });
        let wallets = self.wallets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut mine = wallets
            .iter()
            .filter(|((a, _, _), _)| a == &app.app_id)
            .map(|(_, w)| w);
        match wanted {
            Some(addr) => {
                let w = mine
                    .find(|w| w.address == addr)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                Ok(Some(raw(Self::wallet_json(app, w).to_string())))
            }
            None => {
                let all: Vec<Value> = mine.map(|w| Self::wallet_json(app, w)).collect();
                Ok(Some(raw(Value::Array(all).to_string())))
            }
        }
    }

    fn currencies() -> Box<RawValue> {
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

    fn balance(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let c = Self::chain_currency(f)?;
        let balance = self.balance_of(ctx, app, c);
        let minor = decimal_to_minor(balance.max(Decimal::ZERO).round_dp(c.decimal), c.decimal)
            .unwrap_or(0);
        let now = ctx.now().unix_millis();
        Ok(Some(raw(json!({
            "merchant_id": 100 + app.index, "mch_id": app.mch_id, "network": c.network,
            "chain": c.chain, "balance": minor.to_string(), "currency": c.currency,
            "decimal": c.decimal, "create_time": now, "modify_time": now, "cash_time": 0
        })
        .to_string())))
    }
}

/// A fresh address of the chain's family (the payer of a simulated payment).
fn tron_or_evm_address(chain: &str) -> String {
    let hex = random_hex(40);
    if chain == "TRON" {
        let mut account = [0u8; 20];
        for (i, b) in account.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
        tron_address(account)
    } else {
        eip55_checksum(&format!("0x{hex}")).unwrap_or_else(|_| format!("0x{hex}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Currencies,
    Balance,
    Prepay,
    QueryOrder,
    CloseOrder,
    PayoutCreate(&'static str),
    PayoutQuery,
    PayoutClose(&'static str),
    WalletInsert,
    WalletUpdate,
    WalletDelete,
    WalletQuery,
}

impl Op {
    fn method(self) -> Method {
        match self {
            Self::Currencies | Self::WalletQuery => Method::GET,
            _ => Method::POST,
        }
    }
}

#[derive(Clone)]
struct St {
    ctx: ProviderCtx,
    module: Arc<Inner>,
}

/// The reply envelope, signed when the app is known.
fn reply(
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

fn sign_into(headers: &mut HeaderMap, app: &App, now: SandboxTime, body: &str) {
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

async fn handle(
    st: St,
    op: Op,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: &[u8],
) -> Response {
    let m = &st.module;
    if method != op.method() {
        return reply(
            m,
            st.ctx.now(),
            None,
            100,
            &format!("request parameter error: use {}", op.method()),
            None,
        );
    }
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    if op == Op::Currencies && !headers.contains_key(header::AUTHORIZATION) {
        return reply(m, st.ctx.now(), None, 0, "ok", Some(Inner::currencies()));
    }
    let app = match m.authenticate(&st.ctx, &headers, &path_and_query, body) {
        Ok(app) => app,
        Err(fail) => {
            tracing::info!(provider = NAME, code = fail.code, msg = %fail.msg, "request refused");
            return reply(m, st.ctx.now(), None, fail.code, &fail.msg, None);
        }
    };
    let result = (|| {
        if op.method() == Method::GET {
            return match op {
                Op::WalletQuery => m.wallet_query(app, &uri),
                _ => Ok(Some(Inner::currencies())),
            };
        }
        let f = Inner::body_fields(app, body)?;
        match op {
            Op::Balance => m.balance(&st.ctx, app, &f),
            Op::Prepay => m.prepay(&st.ctx, app, &f),
            Op::QueryOrder => {
                let o = m.find(&st.ctx, app, ORDER, &f, "transaction_id")?;
                Ok(Some(m.detail(&st.ctx, &o, true)))
            }
            Op::CloseOrder => {
                let id = f.required_text("transaction_id")?;
                let o = st
                    .ctx
                    .order(&id)
                    .filter(|o| o.kind == ORDER && o.merchant_id == app.app_id)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                m.close(&st.ctx, &o)
            }
            Op::PayoutCreate(family) => m.create_payout(&st.ctx, app, &f, family),
            Op::PayoutQuery => {
                let o = m.find(&st.ctx, app, PAYOUT, &f, "transaction_id")?;
                Ok(Some(m.detail(&st.ctx, &o, true)))
            }
            Op::PayoutClose(field) => {
                let id = f.required_text(field)?;
                let o = st
                    .ctx
                    .order(&id)
                    .filter(|o| o.kind == PAYOUT && o.merchant_id == app.app_id)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                m.close(&st.ctx, &o)
            }
            Op::WalletInsert | Op::WalletUpdate | Op::WalletDelete => {
                m.wallet(&st.ctx, app, op, &f)
            }
            Op::Currencies | Op::WalletQuery => Ok(None),
        }
    })();
    match result {
        Ok(data) => {
            let msg = if data.is_some() { "ok" } else { "success" };
            reply(m, st.ctx.now(), Some(app), 0, msg, data)
        }
        Err(fail) => {
            tracing::info!(provider = NAME, code = fail.code, msg = %fail.msg, "request refused");
            reply(m, st.ctx.now(), Some(app), fail.code, &fail.msg, None)
        }
    }
}

macro_rules! route {
    ($op:expr) => {
        any(
            move |State(st): State<St>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  RawBody(body): RawBody| async move {
                handle(st, $op, method, uri, headers, &body).await
            },
        )
    };
}

#[derive(Deserialize)]
struct CashierQuery {
    prepay_id: Option<String>,
}

async fn cashier_page(State(st): State<St>, Query(q): Query<CashierQuery>) -> Response {
    let prepay_id = q.prepay_id.unwrap_or_default();
    let order = st
        .ctx
        .store()
        .list(&OrderFilter::default().provider(NAME))
        .into_iter()
        .find(|o| o.kind == ORDER && !prepay_id.is_empty() && text(o, "prepay_id") == prepay_id);
    let Some(o) = order else {
        return page::not_found();
    };
    let details = format!(
        "<p>Pay {amount} {cur} on {chain} to <code>{to}</code></p><p>State: {state}</p>",
        amount = o.amount,
        cur = page::escape(text(&o, "currency")),
        chain = page::escape(text(&o, "chain")),
        to = page::escape(text(&o, "to_address")),
        state = trade_state(&o),
    );
    page::cashier(
        st.ctx.sandbox_url(),
        NAME,
        &o,
        "out_trade_no",
        &details,
        &[
            ("paid", "Pay in full"),
            ("failed", "Pay half (underpaid)"),
            ("closed", "Close"),
        ],
    )
}

fn flip_signature(value: &str) -> String {
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

impl ProviderModule for Tokenpay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn ledger_fields(&self) -> &'static [&'static str] {
        // `balance_of` sums per chain and currency.
        &["chain", "currency"]
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        let module = Arc::clone(&self.inner);
        let mut r = Router::new()
            .route("/v1/currency/index", route!(Op::Currencies))
            .route("/v1/merchant/balance", route!(Op::Balance))
            .route("/v1/transaction/prepayment", route!(Op::Prepay))
            .route("/v1/transaction/query", route!(Op::QueryOrder))
            .route("/v1/transaction/close", route!(Op::CloseOrder))
            .route("/v1/wallet/insert", route!(Op::WalletInsert))
            .route("/v1/wallet/update", route!(Op::WalletUpdate))
            .route("/v1/wallet/delete", route!(Op::WalletDelete))
            .route("/v1/wallet/query", route!(Op::WalletQuery))
            .route("/pay/order", axum::routing::get(cashier_page));
        for (family, close_field) in [("payanother", "payanother_id"), ("payout", "payout_id")] {
            r = r
                .route(
                    &format!("/v1/{family}/payment"),
                    route!(Op::PayoutCreate(family)),
                )
                .route(&format!("/v1/{family}/query"), route!(Op::PayoutQuery))
                .route(
                    &format!("/v1/{family}/close"),
                    route!(Op::PayoutClose(close_field)),
                );
        }
        r.with_state(St { ctx, module })
    }

    fn credentials(&self) -> Vec<Credential> {
        self.inner
            .apps
            .iter()
            .flat_map(|a| {
                [
                    Credential::public("app_id", &a.app_id),
                    Credential::public("mch_id", &a.mch_id),
                    Credential::secret("app_secret", a.secret_for_display.expose()),
                ]
            })
            .collect()
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &[
            "out_trade_no",
            "transaction_id",
            "payanother_id",
            "payout_id",
        ]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        let body = json!({
            "code": 100,
            "msg": format!("request parameter error: {}", rejection.code()),
            "request_id": request_id(),
        });
        (rejection.status(), axum::Json(body)).into_response()
    }

    fn fault_reply(&self, name: &str) -> Option<Response> {
        // `provider_error` faults name a documented status code: "11001", "20004", ...
        let code = name.trim().parse::<i64>().ok().filter(|c| *c != 0)?;
        let body = json!({
            "code": code,
            "msg": format!("sandbox fault: code {code}"),
            "request_id": request_id(),
        });
        Some((StatusCode::OK, axum::Json(body)).into_response())
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
                OrderState::Closed,
                OrderState::Failed,
                OrderState::Cancelled,
            ]
        } else {
            &[
                OrderState::Success,
                OrderState::Closed,
                OrderState::Expired,
                OrderState::Failed,
            ]
        };
        if !allowed.contains(&change.to) {
            return Err(TransitionError::not_allowed(
                order,
                change,
                format!(
                    "a tokenpay {} can only become {}",
                    order.kind,
                    allowed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let mut payload = order.payload.clone();
        let mut plan = TransitionPlan::default();
        let at = change.at.unix_millis();
        let chain = text(order, "chain").to_owned();
        let decimals = currency(&chain, text(order, "currency")).map_or(6, |c| c.decimal);
        if let Some(map) = payload.as_object_mut() {
            match (order.kind.as_str(), change.to) {
                (ORDER, OrderState::Success) => {
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert(
                        "from_address".into(),
                        Value::String(tron_or_evm_address(&chain)),
                    );
                    map.insert(
                        "block_no".into(),
                        json!(33_215_220 + at.rem_euclid(1_000_000)),
                    );
                    map.insert("pay_time".into(), json!(at));
                    plan =
                        plan.fee((order.amount * self.inner.service_fee_rate).round_dp(decimals));
                }
                (ORDER, OrderState::Failed) => {
                    let reason = change.reason.clone().unwrap_or_else(|| "underpaid".into());
                    let Some(rest) = reason.strip_prefix("underpaid") else {
                        return Err(TransitionError::not_allowed(
                            order,
                            change,
                            "a tokenpay order fails only as `underpaid` or `underpaid:<amount received>`",
                        ));
                    };
                    let paid = match rest.strip_prefix(':') {
                        Some(v) => Decimal::from_str(v.trim()).map_err(|_| {
                            TransitionError::not_allowed(
                                order,
                                change,
                                "the underpaid amount is not a decimal",
                            )
                        })?,
                        None => (order.amount / Decimal::TWO).round_dp(decimals),
                    };
                    if paid <= Decimal::ZERO || paid >= order.amount {
                        return Err(TransitionError::not_allowed(
                            order,
                            change,
                            "the underpaid amount must be above zero and below the order amount",
                        ));
                    }
                    map.insert("paid_amount".into(), Value::String(paid.to_string()));
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert(
                        "from_address".into(),
                        Value::String(tron_or_evm_address(&chain)),
                    );
                    map.insert("pay_time".into(), json!(at));
                    plan = plan.reason("underpaid");
                }
                (PAYOUT, OrderState::Success) => {
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert("pay_time".into(), json!(at));
                }
                _ => {}
            }
        }
        Ok(plan.payload(payload))
    }

    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        if !self.inner.notify_states.contains(&change.to) {
            return None;
        }
        let app = self.inner.app(&order.merchant_id)?;
        let (original_type, event_type) = if order.kind == PAYOUT {
            let family = text(order, "family");
            let original = if family == "payout" {
                "payout"
            } else {
                "payanother"
            };
            let event = match change.to {
                OrderState::Success => format!("PAY{}.SUCCESS", original.to_ascii_uppercase()),
                other => format!(
                    "PAY{}.{}",
                    original.to_ascii_uppercase(),
                    other.as_str().to_ascii_uppercase()
                ),
            };
            (original, event)
        } else {
            let event = match change.to {
                OrderState::Success => self.inner.order_event_type.clone(),
                OrderState::Failed => format!("TRANSACTION.{UNDERPAID}"),
                other => format!("TRANSACTION.{}", other.as_str().to_ascii_uppercase()),
            };
            ("transaction", event)
        };
        let plaintext = self.inner.detail(ctx, order, false);
        let resource_nonce = random_hex(12);
        let ciphertext = app
            .key
            .encrypt_resource(&resource_nonce, None, plaintext.get().as_bytes())
            .ok()?;
        let create_time = change
            .at
            .to_offset_datetime()
            .and_then(|t| {
                let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
                let t = t.to_offset(offset);
                Some(format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+08:00",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.microsecond()
                ))
            })
            .unwrap_or_default();
        let body = json!({
            "app_id": app.app_id,
            "mch_id": app.mch_id,
            "create_time": create_time,
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "nonce": resource_nonce,
            }
        })
        .to_string();
        let ts = change.at.unix_millis().to_string();
        let nonce = RandomHex::upper(32).nonce();
        let sig = app
            .key
            .sign(&reply_signing_string(&ts, &nonce, body.as_bytes()))
            .ok()?;
        let mut notify = Notify::post_json(body)
            .header("TTPay-Timestamp", ts)
            .header("TTPay-Nonce", nonce)
            .header("TTPay-Signature", sig);
        if order.notify_url.is_none() {
            notify = notify.url(app.notify_url.clone()?);
        }
        Some(notify)
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            self.inner.schedule.clone(),
            AckRule::Body {
                expected: "success".into(),
                ignore_case: false,
            },
        )
    }

    fn tamper_reply_signature(&self, headers: &mut HeaderMap, _body: &mut Vec<u8>) -> bool {
        let Some(sig) = headers
            .get("TTPay-Signature")
            .and_then(|v| v.to_str().ok())
            .map(flip_signature)
        else {
            return false;
        };
        match HeaderValue::from_str(&sig) {
            Ok(v) => {
                headers.insert("TTPay-Signature", v);
                true
            }
            Err(_) => false,
        }
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let Some(sig) = notify.header_value("TTPay-Signature").map(flip_signature) else {
            return false;
        };
        notify.set_header("TTPay-Signature", sig);
        true
    }
}
