//! gateway-recharge (WinPay) sandbox module: the four public routes with signature checks,
//! order state, signed success callbacks on WinPay's schedule (every 10 s, 10 attempts,
//! acknowledged by the plain body `SUCCESS`), and the `wrong_signature` callback fault.
//!
//! | route | does |
//! |---|---|
//! | `POST /gateway/recharge` | creates a collection order (`kind` `collection`, state `paying`, expires after `pay_timeout`) |
//! | `POST /h5/deposit` | creates an H5 deposit (`kind` `deposit`, state `paying`) |
//! | `POST /h5/deposit_query` | the state of a deposit **or** collection order by `order_no` |
//! | `POST /gateway/balance` | `initial_balance` plus every successful order, `freeze` `0.0000` |
//!
//! Requests are verified with the crate's own rule (`gateway_recharge::sign`): every field
//! except `sign`, empty values included, ASCII order, `&key=`, MD5, compared
//! case-insensitively. Every field of a call is required and must be a non-empty string.
//! Marking an order `success` (control API) sends the documented callback
//! (`trade_no`, `order_no`, `amount`, `remark`, `status`, `trade_time`, `sign`) as JSON to the
//! order's `callback_url`.
//!
//! WinPay publishes no error codes, so the sandbox uses its own, documented here and stable:
//!
//! | code | meaning |
//! |---|---|
//! | `1000` | body is not a JSON object / unknown route / body too large |
//! | `1001` | signature missing or wrong |
//! | `1002` | unknown `merchant_no` |
//! | `1003` | a field is missing, empty, not a string, or invalid (`msg` names it) |
//! | `1004` | duplicate `order_no` |
//! | `1005` | order not found |
//!
//! Configuration (`[providers.gateway_recharge]`, all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `merchant_no` | `M1234567890` | the single merchant's number |
//! | `key` | `adesf235` (the docs' demo key) | the single merchant's signing key |
//! | `merchants` | none | more merchants: `[{ merchant_no, key, initial_balance? }]` |
//! | `pay_timeout` | `3600` | seconds until an unpaid order expires |
//! | `initial_balance` | `"90062.0000"` | each merchant's opening balance (unless its entry sets one) |
//! | `cashier_url` | this module's base URL + `/cashier` | the payment page in replies |
//!
//! Several merchants: without `merchants` the module accepts one merchant, `merchant_no` +
//! `key` (defaults above). With `merchants`, it accepts every listed merchant, and also the
//! top-level `merchant_no` / `key` merchant when either key is written. Each request is verified
//! with the key of the `merchant_no` it names (`1002` when none matches); orders, queries and
//! balances are per merchant; a callback is signed with the key of the merchant that created
//! the order.
//!
//! ```toml
//! [providers.gateway_recharge]
//! merchants = [{ merchant_no = "M1", key = "k1" },
//!              { merchant_no = "M2", key = "k2", initial_balance = "0.0000" }]
//! ```

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use gateway_recharge::sign;
use rust_decimal::Decimal;
use serde_json::json;
use sign_core::{CanonicalParams, Md5Signer, Secret};

use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, NewOrder, Notify, Order, OrderFilter,
    OrderState, ProviderConfig, ProviderCtx, ProviderModule, RawBody, Rejection, RetrySchedule,
    StateChange,
};

/// The module name (URL prefix and config section).
const NAME: &str = "gateway_recharge";
/// WinPay's time zone (UTC+8) for `trade_time`.
const UTC_OFFSET_HOURS: i8 = 8;
/// Order kinds.
const COLLECTION: &str = "collection";
const DEPOSIT: &str = "deposit";

/// `[providers.gateway_recharge]`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    merchant_no: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    merchants: Vec<MerchantSettings>,
    #[serde(default = "default_pay_timeout")]
    pay_timeout: u64,
    #[serde(default = "default_balance")]
    initial_balance: String,
    #[serde(default)]
    cashier_url: Option<String>,
}

/// One entry of `merchants`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantSettings {
    merchant_no: String,
    key: String,
    #[serde(default)]
    initial_balance: Option<String>,
}

fn default_merchant() -> String {
    "M1234567890".to_owned()
}

fn default_key() -> String {
    "adesf235".to_owned()
}

fn default_pay_timeout() -> u64 {
    3600
}

fn default_balance() -> String {
    "90062.0000".to_owned()
}

/// A merchant the module accepts: number, key (and its signer), opening balance.
#[derive(Clone)]
struct Merchant {
    merchant_no: String,
    key: String,
    signer: Md5Signer,
    initial_balance: Decimal,
}

/// The WinPay module.
#[derive(Clone)]
pub struct GatewayRecharge {
    /// Never empty; the first is the default merchant.
    merchants: Vec<Merchant>,
    pay_timeout: u64,
    cashier_url: Option<String>,
}

impl std::fmt::Debug for GatewayRecharge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let merchants: Vec<&str> = self
            .merchants
            .iter()
            .map(|m| m.merchant_no.as_str())
            .collect();
        f.debug_struct("GatewayRecharge")
            .field("merchants", &merchants)
            .field("pay_timeout", &self.pay_timeout)
            .finish_non_exhaustive()
    }
}

/// Builds the module from `[providers.gateway_recharge]`.
///
/// # Errors
/// [`ConfigError`] for unknown keys, an empty or repeated merchant number, an empty key, or a
/// bad balance.
pub fn build(config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    let s: Settings = config.parse()?;
    let invalid = |why: &str| ConfigError::Provider {
        provider: NAME.to_owned(),
        message: why.to_owned(),
    };
    let balance = |field: &str, text: &str| {
        Decimal::from_str(text).map_err(|_| invalid(&format!("{field} is not a decimal")))
    };
    let default_balance = balance("initial_balance", &s.initial_balance)?;
    let mut entries: Vec<(String, String, Decimal)> = Vec::new();
    // The top-level merchant: alone when there is no list, first of the list when written.
    if s.merchants.is_empty() || s.merchant_no.is_some() || s.key.is_some() {
        entries.push((
            s.merchant_no.unwrap_or_else(default_merchant),
            s.key.unwrap_or_else(default_key),
            default_balance,
        ));
    }
    for (i, m) in s.merchants.into_iter().enumerate() {
        let opening = match &m.initial_balance {
            Some(text) => balance(&format!("merchants[{i}].initial_balance"), text)?,
            None => default_balance,
        };
        entries.push((m.merchant_no, m.key, opening));
    }
    let mut merchants: Vec<Merchant> = Vec::with_capacity(entries.len());
    for (merchant_no, key, initial_balance) in entries {
        if merchant_no.is_empty() || key.is_empty() {
            return Err(invalid("merchant_no and key must not be empty"));
        }
        if merchants.iter().any(|m| m.merchant_no == merchant_no) {
            return Err(invalid(&format!(
                "merchant_no `{merchant_no}` is configured twice"
            )));
        }
        merchants.push(Merchant {
            signer: sign::signer(Secret::new(key.clone())),
            merchant_no,
            key,
            initial_balance,
        });
    }
    Ok(Arc::new(GatewayRecharge {
        merchants,
        pay_timeout: s.pay_timeout,
        cashier_url: s.cashier_url,
    }))
}

type Ctx = State<(ProviderCtx, Arc<GatewayRecharge>)>;

impl ProviderModule for GatewayRecharge {
    fn name(&self) -> &'static str {
        NAME
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        let me = Arc::new(self.clone());
        Router::new()
            .route("/gateway/recharge", post(recharge))
            .route("/h5/deposit", post(deposit))
            .route("/h5/deposit_query", post(deposit_query))
            .route("/gateway/balance", post(balance))
            .with_state((ctx, me))
    }

    fn credentials(&self) -> Vec<Credential> {
        self.merchants
            .iter()
            .flat_map(|m| {
                [
                    Credential::public("merchant_no", &m.merchant_no),
                    Credential::secret("key", &m.key),
                ]
            })
            .collect()
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &["order_no"]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        let detail = match rejection {
            Rejection::BodyTooLarge { limit } => format!("body exceeds {limit} bytes"),
            Rejection::NotFound { path } => format!("no route {path}"),
            _ => "body could not be read".to_owned(),
        };
        (rejection.status(), envelope_error("1000", &detail)).into_response()
    }

    fn notify(&self, _ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        // WinPay documents success callbacks only.
        if change.to != OrderState::Success {
            return None;
        }
        // Signed with the key of the merchant that created the order.
        let merchant = self.merchant(&order.merchant_id)?;
        let text = |k: &str| {
            order
                .payload
                .get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut fields = CanonicalParams::new();
        fields.push("trade_no", order.platform_order_no.as_str());
        fields.push("order_no", order.merchant_order_no.as_str());
        fields.push("amount", text("amount"));
        fields.push("remark", text("remark"));
        fields.push("status", "success");
        fields.push("trade_time", change.at.format_local(UTC_OFFSET_HOURS));
        let signature = sign::sign(&fields, &merchant.signer);
        let mut body = serde_json::Map::new();
        for (k, v) in fields.pairs() {
            body.insert(k.clone(), json!(v));
        }
        body.insert("sign".to_owned(), json!(signature));
        Some(Notify::post_json(
            serde_json::Value::Object(body).to_string(),
        ))
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            RetrySchedule::after_previous(Duration::ZERO, [Duration::from_secs(10); 9]),
            AckRule::Body {
                expected: "SUCCESS".to_owned(),
                ignore_case: false,
            },
        )
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let Ok(serde_json::Value::Object(mut body)) =
            serde_json::from_slice::<serde_json::Value>(notify.body())
        else {
            return false;
        };
        let Some(sign) = body.get("sign").and_then(serde_json::Value::as_str) else {
            return false;
        };
        // Flip every hex digit: still 32 lowercase hex characters, never the right value.
        let flipped: String = sign
            .chars()
            .map(|c| match c {
                '0' => 'f',
                'f' => '0',
                c if c.is_ascii_digit() => 'a',
                _ => '1',
            })
            .collect();
        body.insert("sign".to_owned(), json!(flipped));
        notify.set_body(serde_json::Value::Object(body).to_string());
        true
    }
}

impl GatewayRecharge {
    fn merchant(&self, merchant_no: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.merchant_no == merchant_no)
    }

    /// Reads and verifies a request: a JSON object of strings, a configured merchant, a good
    /// signature with that merchant's key, every field in `required` present and non-empty.
    fn verified(
        &self,
        body: &[u8],
        required: &[&str],
    ) -> Result<(CanonicalParams, &Merchant), Refusal> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| refuse("1000", &format!("body is not a JSON object: {e}")))?;
        let mut params = CanonicalParams::with_capacity(map.len());
        for (k, v) in &map {
            let serde_json::Value::String(s) = v else {
                return Err(refuse(
                    "1003",
                    &format!("field `{k}` must be a string (WinPay sends every value as a string)"),
                ));
            };
            params.push(k.as_str(), s.as_str());
        }
        let merchant = match params.get("merchant_no") {
            Some(m) => self
                .merchant(m)
                .ok_or_else(|| refuse("1002", &format!("unknown merchant_no `{m}`")))?,
            None => return Err(refuse("1003", "field `merchant_no` is missing")),
        };
        sign::verify(&params, &merchant.signer)
            .map_err(|e| refuse("1001", &format!("sign: {e}")))?;
        for field in required {
            match params.get(field) {
                Some(v) if !v.is_empty() => {}
                Some(_) => return Err(refuse("1003", &format!("field `{field}` is empty"))),
                None => return Err(refuse("1003", &format!("field `{field}` is missing"))),
            }
        }
        if params
            .get("time")
            .is_some_and(|t| t.len() != 13 || !t.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(refuse(
                "1003",
                "field `time` must be Unix milliseconds (13 digits)",
            ));
        }
        Ok((params, merchant))
    }

    fn create(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        params: &CanonicalParams,
        kind: &str,
        prefix: &str,
    ) -> Result<Order, Refusal> {
        let get = |k: &str| params.get(k).unwrap_or_default().to_owned();
        let amount_text = get("amount");
        let amount = Decimal::from_str(&amount_text)
            .ok()
            .filter(|a| *a > Decimal::ZERO)
            .ok_or_else(|| refuse("1003", "field `amount` must be a positive decimal"))?;
        let ip = get("ip");
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(refuse("1003", "field `ip` is not an IP address"));
        }
        for url_field in ["callback_url", "return_url"] {
            if url::Url::parse(&get(url_field)).is_err() {
                return Err(refuse("1003", &format!("field `{url_field}` is not a URL")));
            }
        }
        let trade_no = ctx.next_order_no(prefix);
        let hash = format!("def50200{}", sign::sign(params, &merchant.signer));
        let new = NewOrder::new(kind, &merchant.merchant_no, get("order_no"), amount)
            .platform_order_no(trade_no)
            .state(OrderState::Paying)
            .notify_url(get("callback_url"))
            .expires_in(Duration::from_secs(self.pay_timeout))
            .payload(json!({
                "amount": amount_text,
                "remark": get("remark"),
                "return_url": get("return_url"),
                "ip": ip,
                "customer": params.get("customer").or(params.get("member_id")),
                "hash": hash,
            }));
        ctx.create_order(new).map_err(|d| {
            refuse(
                "1004",
                &format!("duplicate order_no `{}`", d.merchant_order_no),
            )
        })
    }

    fn cashier(&self, ctx: &ProviderCtx) -> String {
        self.cashier_url
            .clone()
            .unwrap_or_else(|| format!("{}/cashier", ctx.base_url()))
    }
}

async fn recharge(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let required = [
        "merchant_no",
        "order_no",
        "amount",
        "remark",
        "customer",
        "ip",
        "callback_url",
        "return_url",
        "time",
    ];
    let (params, merchant) = match me.verified(&body, &required) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match me.create(&ctx, merchant, &params, COLLECTION, "RR") {
        Ok(order) => {
            let hash = order.payload["hash"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            ok(json!({
                "hash": hash,
                "trade_no": order.platform_order_no,
                "qr_code": format!("rsn://r/{}", order.platform_order_no),
                "url": format!("{}/?hash={hash}", me.cashier(&ctx)),
                "pay_timeout": me.pay_timeout,
            }))
        }
        Err(r) => r.into_response(),
    }
}

async fn deposit(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let required = [
        "merchant_no",
        "member_id",
        "order_no",
        "amount",
        "callback_url",
        "return_url",
        "remark",
        "ip",
        "time",
    ];
    let (params, merchant) = match me.verified(&body, &required) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match me.create(&ctx, merchant, &params, DEPOSIT, "DP") {
        Ok(order) => ok(json!({
            "trade_no": order.platform_order_no,
            "status": status_text(order.state),
            "deposit_page_url": format!("{}/deposit?token={}", me.cashier(&ctx), order.platform_order_no),
        })),
        Err(r) => r.into_response(),
    }
}

async fn deposit_query(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (params, merchant) = match me.verified(&body, &["merchant_no", "order_no", "time"]) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let order_no = params.get("order_no").unwrap_or_default();
    let order = [DEPOSIT, COLLECTION]
        .iter()
        .find_map(|kind| ctx.find_by_merchant_no(kind, &merchant.merchant_no, order_no));
    let Some(order) = order else {
        return reply_error("1005", &format!("order `{order_no}` not found"));
    };
    let at = order.completed_at.unwrap_or(order.created_at);
    ok(json!({
        "order_no": order.merchant_order_no,
        "amount": order.payload["amount"].as_str().map_or_else(|| order.amount.to_string(), str::to_owned),
        "status": status_text(order.state),
        "trade_no": order.platform_order_no,
        "trade_time": at.format_local(UTC_OFFSET_HOURS),
    }))
}

async fn balance(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let merchant = match me.verified(&body, &["merchant_no", "time"]) {
        Ok((_, m)) => m,
        Err(r) => return r.into_response(),
    };
    let paid: Decimal = ctx
        .store()
        .ledger(
            &OrderFilter::default()
                .provider(NAME)
                .state(OrderState::Success),
        )
        .iter()
        .filter(|o| o.merchant_id == merchant.merchant_no)
        .map(|o| o.amount)
        .sum();
    let mut balance = merchant.initial_balance + paid;
    balance.rescale(4);
    ok(json!({"balance": balance.to_string(), "freeze": "0.0000"}))
}

/// WinPay status text: `pending` until paid, `success` when paid; other final states keep the
/// sandbox's name (WinPay documents none, so clients see them as unknown statuses).
fn status_text(state: OrderState) -> &'static str {
    match state {
        OrderState::Success => "success",
        OrderState::Created | OrderState::Paying | OrderState::Processing => "pending",
        other => other.as_str(),
    }
}

fn ok(data: serde_json::Value) -> Response {
    axum::Json(json!({"code": "0", "msg": "", "data": data})).into_response()
}

fn envelope_error(code: &str, msg: &str) -> axum::Json<serde_json::Value> {
    axum::Json(json!({"code": code, "msg": msg, "data": null}))
}

fn reply_error(code: &str, msg: &str) -> Response {
    envelope_error(code, msg).into_response()
}

/// A refused request: the sandbox's error code and message.
#[derive(Debug)]
struct Refusal {
    code: &'static str,
    msg: String,
}

fn refuse(code: &'static str, msg: &str) -> Refusal {
    Refusal {
        code,
        msg: msg.to_owned(),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        reply_error(self.code, &self.msg)
    }
}
