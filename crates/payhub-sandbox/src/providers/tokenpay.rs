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
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `apps` (or `merchants`, the name the other modules use) | the docs' demo app | every app the module accepts: `[{ app_id, mch_id, app_secret, balance?, notify_url? }]` |
//! | `max_skew_secs` | `86400` | request freshness window |
//! | `sign_replies` | `true` | `TTPay-*` reply signatures |
//! | `service_fee_rate` | `"0.003"` | fee on paid orders |
//! | `payout_settle_secs` | `30` | payouts settle after this much sandbox time |
//!
//! Several merchants: each entry of `apps` is one merchant, with its own `app_id`, `mch_id` and
//! 32-byte `app_secret`. Each request is verified with the secret of the `app_id` its
//! `Authorization` names (20000 when none matches; 103 when the `mch_id` is another app's);
//! orders, payouts, wallets and balances are per app; a callback is encrypted and signed with
//! the secret of the app that created the order. Without `apps` the module accepts the single
//! demo app above.

mod callbacks;
mod currency;
mod routes;
mod rules;
mod state;
mod wallets;
mod wire;

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use tokenpay::Secret;
use tokenpay::sign::AppKey;

use self::wallets::Wallet;
use self::wire::{flip_signature, request_id};
use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, Notify, Order, OrderState, ProviderConfig,
    ProviderCtx, ProviderModule, Rejection, RetrySchedule, StateChange, TransitionError,
    TransitionPlan,
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
    #[serde(alias = "merchants")]
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
        if apps.iter().any(|x: &App| x.app_id == a.app_id) {
            return Err(bad(
                &format!("apps[{index}].app_id"),
                format!("`{}` is configured twice", a.app_id),
            ));
        }
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

impl ProviderModule for Tokenpay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn ledger_fields(&self) -> &'static [&'static str] {
        // `balance_of` sums per chain and currency.
        &["chain", "currency"]
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        routes::router(ctx, Arc::clone(&self.inner))
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
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        self.transition_plan(ctx, order, change)
    }

    fn notify(&self, ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        self.notify_for(ctx, order, change)
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
