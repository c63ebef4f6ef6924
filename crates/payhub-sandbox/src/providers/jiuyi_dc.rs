//! jiuyi-dc (91 card, 玖壹 "dcapi") sandbox module: every documented route with signature checks,
//! the direct-recharge status machine, cancel and confirm, card-code orders, a small catalogue,
//! and signed notifies on the provider's schedule (10 deliveries at 1, 5, 15, 20, ... 50 s,
//! acknowledged by the plain body `success`).
//!
//! | route | does |
//! |---|---|
//! | `POST /dcapi/pay` | creates a direct recharge (`kind` `direct`, status 1 waiting) |
//! | `POST /dcapi/queryOrder` | the order by `order_id` or `out_order_id` (`order_id` wins) |
//! | `POST /dcapi/queryCash` | `initial_balance` minus the price of every order not refunded |
//! | `POST /dcapi/drawOrder` | cancels an order, only while waiting (status 1) |
//! | `POST /dcapi/confirmOrder` | confirms a success (status 3 → 4) and notifies |
//! | `POST /dcapi/queryCardCategory`, `queryCardList`, `queryCardInfo`, `queryCard` | catalogue |
//! | `POST /dcapi/card/payOrder` | card codes, synchronously (`kind` `card`, status 3) |
//! | `POST /dcapi/card/queryOrder` | the codes of a card order |
//! | `POST /dcapi/card/queryCardList`, `card/queryCardDetail`, `card/queryCard` | card catalogue |
//!
//! Requests are form bodies verified with the crate's own rule (`jiuyi_dc::sign`): every field
//! except `sign`, empty values and the endpoint's unsigned fields (taken from the request types'
//! `Operation::UNSIGNED_FIELDS`), ASCII order, PHP-urlencoded values, `&appsecret=`, MD5,
//! compared case-insensitively. Errors are `{"code":0,"msg":...}` like the provider's.
//!
//! Status machine of direct recharges (sandbox state → dcapi `status`): `created` → 1 waiting,
//! `paying` → 7 matching, `processing` → 2 charging, `success` → 3 success awaiting confirmation
//! (4 completed once confirmed or 24 h after success; 5 disputed when marked `success` with the
//! reason `disputed`), `failed` / `cancelled` / `expired` / `closed` → 6 failed. Unless
//! `auto_fulfil = false`, a new order moves by itself: matching after `match_after` seconds,
//! charging after `charge_after`, success after `fulfil_after` (failed instead when the account
//! starts with `fail`). Orders still waiting or matching after 7 days expire (the provider's
//! takedown). Only waiting orders can be cancelled; state never moves backwards.
//!
//! `check = 1` refuses products without stock (product `44` and card product `46` have none).
//! A price ceiling (`money` / `order_money`) below the platform price is refused.
//!
//! Configuration (`[providers.jiuyi_dc]`, all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `appid` | `19190009` | the single merchant's app id |
//! | `appsecret` | `HJH546HKDHK` (the docs' sample) | the single merchant's secret |
//! | `merchants` | none | more merchants: `[{ appid, appsecret, initial_balance? }]` |
//! | `initial_balance` | `"1000.00"` | each merchant's opening balance (unless its entry sets one) |
//! | `auto_fulfil` | `true` | new direct orders move by themselves (below) |
//! | `match_after`, `charge_after`, `fulfil_after` | `2`, `5`, `10` | seconds to matching, charging, success |
//!
//! Several merchants: without `merchants` the module accepts one merchant, `appid` +
//! `appsecret` (defaults above). With `merchants`, it accepts every listed merchant, and also
//! the top-level `appid` / `appsecret` merchant when either key is written. Each request is
//! verified with the secret of the `appid` it names (`appid不存在` when none matches); orders,
//! lookups and balances are per merchant; a notify is signed with the secret of the merchant
//! that created the order.
//!
//! ```toml
//! [providers.jiuyi_dc]
//! merchants = [{ appid = "20000001", appsecret = "s1" },
//!              { appid = "20000002", appsecret = "s2", initial_balance = "50.00" }]
//! ```

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiuyi_dc::api::CardQueryCardListRequest;
use jiuyi_dc::api::Operation;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::sign::RequestSigner;
use jiuyi_dc::types::Money;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sign_core::{CanonicalParams, Secret, constant_time_eq};

use crate::{
    AckRule, CallbackPolicy, ConfigError, Credential, NewOrder, Notify, Order, OrderFilter,
    OrderState, ProviderConfig, ProviderCtx, ProviderModule, RawBody, Rejection, RetrySchedule,
    StateChange, TransitionError, TransitionPlan,
};

/// The module name (URL prefix and config section).
const NAME: &str = "jiuyi_dc";
const DIRECT: &str = "direct";
const CARD: &str = "card";
/// Orders nobody fulfils within 7 days are withdrawn.
const TAKEDOWN: Duration = Duration::from_secs(7 * 24 * 3600);
/// Successes auto-confirm after 24 hours.
const AUTO_CONFIRM_MILLIS: i64 = 24 * 3600 * 1000;

/// `[providers.jiuyi_dc]`.
#[derive(Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    appid: Option<String>,
    appsecret: Option<String>,
    merchants: Vec<MerchantSettings>,
    initial_balance: String,
    auto_fulfil: bool,
    match_after: u64,
    charge_after: u64,
    fulfil_after: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            appid: None,
            appsecret: None,
            merchants: Vec::new(),
            initial_balance: "1000.00".to_owned(),
            auto_fulfil: true,
            match_after: 2,
            charge_after: 5,
            fulfil_after: 10,
        }
    }
}

/// One entry of `merchants`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantSettings {
    appid: String,
    appsecret: String,
    #[serde(default)]
    initial_balance: Option<String>,
}

/// The docs' sample app, the default merchant.
const DEFAULT_APPID: &str = "19190009";
const DEFAULT_APPSECRET: &str = "HJH546HKDHK";

/// A catalogue entry.
struct Product {
    id: &'static str,
    pid: &'static str,
    name: &'static str,
    card_name: &'static str,
    price: &'static str,
    stock: u32,
    avg: u32,
    card_type: u8,
}

const CATEGORIES: &[(&str, &str)] = &[("1", "视频会员"), ("2", "话费"), ("3", "电商卡")];

const DIRECT_PRODUCTS: &[Product] = &[
    Product {
        id: "43",
        pid: "1",
        name: "腾讯视频",
        card_name: "腾讯视频月卡",
        price: "19.80",
        stock: 100,
        avg: 35,
        card_type: 0,
    },
    Product {
        id: "44",
        pid: "1",
        name: "爱奇艺",
        card_name: "爱奇艺月卡",
        price: "15.00",
        stock: 0,
        avg: 60,
        card_type: 0,
    },
    Product {
        id: "50",
        pid: "2",
        name: "移动话费",
        card_name: "移动话费10元",
        price: "9.95",
        stock: 1000,
        avg: 120,
        card_type: 0,
    },
];

const CARD_PRODUCTS: &[Product] = &[
    Product {
        id: "43",
        pid: "3",
        name: "京东E卡",
        card_name: "京东E卡5元",
        price: "4.20",
        stock: 100,
        avg: 0,
        card_type: 1,
    },
    Product {
        id: "46",
        pid: "3",
        name: "星巴克",
        card_name: "星巴克中杯券",
        price: "30.00",
        stock: 0,
        avg: 0,
        card_type: 4,
    },
];

fn product(list: &'static [Product], id: &str) -> Option<&'static Product> {
    list.iter().find(|p| p.id == id)
}

fn price_of(p: &Product) -> Decimal {
    Decimal::from_str(p.price).unwrap_or_default()
}

/// A merchant the module accepts: app id, secret (and its signer), opening balance.
#[derive(Clone)]
struct Merchant {
    appid: String,
    appsecret: String,
    signer: RequestSigner,
    initial_balance: Decimal,
}

/// The 91 card module.
#[derive(Clone)]
pub struct JiuyiDc {
    /// Never empty; the first is the default merchant.
    merchants: Vec<Merchant>,
    auto_fulfil: bool,
    match_after: u64,
    charge_after: u64,
    fulfil_after: u64,
}

impl std::fmt::Debug for JiuyiDc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let appids: Vec<&str> = self.merchants.iter().map(|m| m.appid.as_str()).collect();
        f.debug_struct("JiuyiDc")
            .field("appids", &appids)
            .field("auto_fulfil", &self.auto_fulfil)
            .finish_non_exhaustive()
    }
}

/// Builds the module from `[providers.jiuyi_dc]`.
///
/// # Errors
/// [`ConfigError`] for unknown keys, an empty or repeated appid, an empty secret, or a bad
/// balance.
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
    if s.merchants.is_empty() || s.appid.is_some() || s.appsecret.is_some() {
        entries.push((
            s.appid.unwrap_or_else(|| DEFAULT_APPID.to_owned()),
            s.appsecret.unwrap_or_else(|| DEFAULT_APPSECRET.to_owned()),
            default_balance,
        ));
    }
    for (i, m) in s.merchants.into_iter().enumerate() {
        let opening = match &m.initial_balance {
            Some(text) => balance(&format!("merchants[{i}].initial_balance"), text)?,
            None => default_balance,
        };
        entries.push((m.appid, m.appsecret, opening));
    }
    let mut merchants: Vec<Merchant> = Vec::with_capacity(entries.len());
    for (appid, appsecret, initial_balance) in entries {
        if appid.is_empty() || appsecret.is_empty() {
            return Err(invalid("appid and appsecret must not be empty"));
        }
        if merchants.iter().any(|m| m.appid == appid) {
            return Err(invalid(&format!("appid `{appid}` is configured twice")));
        }
        merchants.push(Merchant {
            signer: RequestSigner::new(Secret::new(appsecret.clone())),
            appid,
            appsecret,
            initial_balance,
        });
    }
    Ok(Arc::new(JiuyiDc {
        merchants,
        auto_fulfil: s.auto_fulfil,
        match_after: s.match_after,
        charge_after: s.charge_after,
        fulfil_after: s.fulfil_after,
    }))
}

type Ctx = State<(ProviderCtx, Arc<JiuyiDc>)>;

impl ProviderModule for JiuyiDc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        let me = Arc::new(self.clone());
        Router::new()
            .route("/dcapi/pay", post(pay))
            .route("/dcapi/queryOrder", post(query_order))
            .route("/dcapi/queryCash", post(query_cash))
            .route("/dcapi/drawOrder", post(draw_order))
            .route("/dcapi/confirmOrder", post(confirm_order))
            .route("/dcapi/queryCardCategory", post(query_card_category))
            .route("/dcapi/queryCardList", post(query_card_list))
            .route("/dcapi/queryCardInfo", post(query_card_info))
            .route("/dcapi/queryCard", post(query_card))
            .route("/dcapi/card/payOrder", post(card_pay_order))
            .route("/dcapi/card/queryOrder", post(card_query_order))
            .route("/dcapi/card/queryCardList", post(card_query_card_list))
            .route("/dcapi/card/queryCardDetail", post(card_query_card_detail))
            .route("/dcapi/card/queryCard", post(card_query_card))
            .with_state((ctx, me))
    }

    fn credentials(&self) -> Vec<Credential> {
        self.merchants
            .iter()
            .flat_map(|m| {
                [
                    Credential::public("appid", &m.appid),
                    Credential::secret("appsecret", &m.appsecret),
                ]
            })
            .collect()
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &["out_order_id", "order_id"]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        let msg = match rejection {
            Rejection::BodyTooLarge { limit } => format!("请求体超过 {limit} 字节"),
            Rejection::NotFound { path } => format!("接口不存在: {path}"),
            _ => "请求体无法读取".to_owned(),
        };
        (
            rejection.status(),
            axum::Json(json!({"code": 0, "msg": msg, "result": null})),
        )
            .into_response()
    }

    fn on_transition(
        &self,
        _ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let rank = |s: OrderState| match s {
            OrderState::Created => 0,
            OrderState::Paying => 1,
            OrderState::Processing => 2,
            _ => 3,
        };
        if rank(change.to) < rank(change.from) {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "dcapi orders never move backwards",
            ));
        }
        if change.to == OrderState::Cancelled && change.from != OrderState::Created {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "only waiting orders (status 1) can be cancelled",
            ));
        }
        if change.to == OrderState::Expired && rank(change.from) > 1 {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "the 7-day takedown applies to unfulfilled orders",
            ));
        }
        Ok(TransitionPlan::default())
    }

    fn notify(&self, _ctx: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        if order.kind != DIRECT || order.notify_url.is_none() {
            return None;
        }
        self.notify_for(order, direct_status(order, change.at))
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            RetrySchedule::from_first(
                Duration::from_secs(1),
                [4, 14, 19, 24, 29, 34, 39, 44, 49].map(Duration::from_secs),
            ),
            AckRule::Body {
                expected: "success".to_owned(),
                ignore_case: false,
            },
        )
    }

    fn settled_at(&self, order: &Order) -> Option<crate::SandboxTime> {
        let done = order.completed_at.unwrap_or(order.created_at);
        // A direct success awaiting confirmation (3) may be confirmed, or turns completed (4)
        // by itself 24 hours later: only then is it settled.
        if order.kind == DIRECT && direct_status(order, done) == "3" {
            return Some(done + Duration::from_millis(AUTO_CONFIRM_MILLIS.unsigned_abs()));
        }
        Some(done)
    }

    fn tamper_notify_signature(&self, notify: &mut Notify) -> bool {
        let Ok(params) = CanonicalParams::from_form(notify.body()) else {
            return false;
        };
        if params.get("sign").is_none() {
            return false;
        }
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.pairs() {
            if k == "sign" {
                // Flip every hex digit: still 32 upper-case hex characters, never the right value.
                let flipped: String = v
                    .chars()
                    .map(|c| {
                        if c == '0' {
                            'F'
                        } else if c.is_ascii_digit() {
                            'A'
                        } else {
                            '1'
                        }
                    })
                    .collect();
                form.append_pair(k, &flipped);
            } else {
                form.append_pair(k, v);
            }
        }
        notify.set_body(form.finish());
        true
    }
}

/// The dcapi `status` of a direct order at sandbox time `now`.
fn direct_status(order: &Order, now: crate::SandboxTime) -> &'static str {
    match order.state {
        OrderState::Created => "1",
        OrderState::Paying => "7",
        OrderState::Processing => "2",
        OrderState::Success => {
            if order.reason.as_deref() == Some("disputed") {
                "5"
            } else if order.payload.get("confirmed").and_then(Value::as_bool) == Some(true)
                || order
                    .completed_at
                    .is_some_and(|t| now.unix_millis() - t.unix_millis() >= AUTO_CONFIRM_MILLIS)
            {
                "4"
            } else {
                "3"
            }
        }
        _ => "6",
    }
}

/// The card-order `status`: 2 processing, 3 completed, 4 disputed, 6 cancelled.
fn card_status(order: &Order) -> &'static str {
    match order.state {
        OrderState::Success if order.reason.as_deref() == Some("disputed") => "4",
        OrderState::Success => "3",
        s if s.is_final() => "6",
        _ => "2",
    }
}

impl JiuyiDc {
    fn merchant(&self, appid: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.appid == appid)
    }

    /// Reads and verifies a request: a form body, a configured appid, a good signature with
    /// that merchant's secret over every field except `sign`, empty values and `unsigned`;
    /// every field in `required` non-empty.
    fn verified(
        &self,
        body: &[u8],
        unsigned: &[&str],
        required: &[&str],
    ) -> Result<(BTreeMap<String, String>, &Merchant), Box<Response>> {
        let params = CanonicalParams::from_form(body).map_err(|_| bfail("请求体不是表单"))?;
        let mut map = BTreeMap::new();
        for (k, v) in params.pairs() {
            if map.insert(k.clone(), v.clone()).is_some() {
                return Err(bfail(&format!("参数 {k} 重复")));
            }
        }
        let merchant = match map.get("appid") {
            Some(a) => self.merchant(a).ok_or_else(|| bfail("appid不存在"))?,
            None => return Err(bfail("缺少参数 appid")),
        };
        let Some(sign) = map.get("sign").filter(|s| !s.is_empty()) else {
            return Err(bfail("缺少参数 sign"));
        };
        let (expected, _) = merchant.signer.sign(
            params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())),
            unsigned,
        );
        if !constant_time_eq(expected.as_bytes(), sign.to_ascii_uppercase().as_bytes()) {
            return Err(bfail("签名错误"));
        }
        for field in required {
            if map.get(*field).is_none_or(String::is_empty) {
                return Err(bfail(&format!("缺少参数 {field}")));
            }
        }
        Ok((map, merchant))
    }

    /// The notify for `order`, signed with the secret of the merchant that created it.
    fn notify_for(&self, order: &Order, status: &str) -> Option<Notify> {
        let merchant = self.merchant(&order.merchant_id)?;
        let text = |k: &str| {
            order
                .payload
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut fields: Vec<(&str, String)> = vec![
            ("order_id", order.platform_order_no.clone()),
            ("out_order_id", order.merchant_order_no.clone()),
            ("status", status.to_owned()),
            ("account", text("account")),
            ("card_id", text("card_id")),
        ];
        match status {
            "3" | "4" | "5" => fields.push((
                "evidence",
                format!("sandbox-proof-{}", order.platform_order_no),
            )),
            "6" => fields.push((
                "evidence",
                order
                    .reason
                    .clone()
                    .unwrap_or_else(|| "充值失败".to_owned()),
            )),
            _ => {}
        }
        let (sign, _) = merchant
            .signer
            .sign(fields.iter().map(|(k, v)| (*k, v.as_str())), &[]);
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            form.append_pair(k, v);
        }
        form.append_pair("sign", &sign);
        Some(Notify::post_form(form.finish()))
    }

    /// The merchant's opening balance minus the price of every order not refunded.
    fn balance(ctx: &ProviderCtx, merchant: &Merchant) -> Decimal {
        let spent: Decimal = ctx
            .store()
            .ledger(&OrderFilter::default().provider(NAME))
            .iter()
            .filter(|o| o.merchant_id == merchant.appid)
            .filter(|o| !o.state.is_final() || o.state == OrderState::Success)
            .map(|o| o.amount)
            .sum();
        merchant.initial_balance - spent
    }

    /// The merchant's order of `kind` by `order_id` (wins) or `out_order_id`.
    fn find(
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: &str,
        map: &BTreeMap<String, String>,
    ) -> Option<Order> {
        match (
            map.get("order_id").filter(|v| !v.is_empty()),
            map.get("out_order_id"),
        ) {
            (Some(id), _) => ctx
                .order(id)
                .filter(|o| o.kind == kind && o.merchant_id == merchant.appid),
            (None, Some(out)) => ctx.find_by_merchant_no(kind, &merchant.appid, out),
            (None, None) => None,
        }
    }
}

fn ok(msg: &str, result: Value, other: Option<Value>) -> Response {
    let mut body = json!({"code": 1, "msg": msg, "result": result});
    if let Some(o) = other {
        body["other"] = o;
    }
    axum::Json(body).into_response()
}

fn bfail(msg: &str) -> Box<Response> {
    Box::new(fail(msg))
}

fn fail(msg: &str) -> Response {
    axum::Json(json!({"code": 0, "msg": msg, "result": null})).into_response()
}

fn direct_json(p: &Product) -> Value {
    json!({"id": p.id, "pid": p.pid, "name": p.name, "card_name": p.card_name, "logo": format!("https://sandbox.invalid/{}.png", p.id), "price": p.price, "avg": p.avg, "type_name": "直充", "stock": p.stock})
}

fn card_json(p: &Product) -> Value {
    json!({"id": p.id, "pid": p.pid, "name": p.name, "card_name": p.card_name, "logo": format!("https://sandbox.invalid/c{}.png", p.id), "notice": "沙箱卡券", "num": p.stock, "type": p.card_type, "typeName": if p.card_type == 1 { "卡号和密码" } else { "链接直兑" }, "price": p.price, "priceList": [{"price": p.price, "auto_confirm_hour": 10}], "auto_confirm_hour": 10})
}

/// Paging and filters of the list endpoints.
fn page(
    list: &'static [Product],
    map: &BTreeMap<String, String>,
    render: fn(&Product) -> Value,
) -> Result<Value, Box<Response>> {
    let num = |k: &str, default: usize| -> Result<usize, Box<Response>> {
        match map.get(k).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| bfail(&format!("参数 {k} 必须是整数"))),
        }
    };
    let index = num("pageIndex", 1)?.max(1);
    let size = num("pageSize", 20)?;
    if !(1..=50).contains(&size) {
        return Err(bfail("pageSize 最大 50"));
    }
    let matches: Vec<&Product> = list
        .iter()
        .filter(|p| map.get("id").is_none_or(|id| id.is_empty() || id == p.id))
        .filter(|p| {
            map.get("pid")
                .is_none_or(|pid| pid.is_empty() || pid == p.pid)
        })
        .filter(|p| {
            map.get("keyword")
                .is_none_or(|k| p.name.contains(k.as_str()) || p.card_name.contains(k.as_str()))
        })
        .collect();
    let items: Vec<Value> = matches
        .iter()
        .skip((index - 1) * size)
        .take(size)
        .map(|p| render(p))
        .collect();
    Ok(json!({"list": items, "total": matches.len(), "pageIndex": index, "pageSize": size}))
}

fn grouped(
    list: &'static [Product],
    map: &BTreeMap<String, String>,
    render: fn(&Product) -> Value,
) -> Value {
    let groups: Vec<Value> = CATEGORIES
        .iter()
        .filter_map(|(id, name)| {
            let items: Vec<Value> = list
                .iter()
                .filter(|p| p.pid == *id)
                .filter(|p| {
                    map.get("keyword")
                        .is_none_or(|k| p.name.contains(k.as_str()))
                })
                .map(render)
                .collect();
            (!items.is_empty())
                .then(|| json!({"id": id, "pid": 0, "name": name, "logo": "", "list": items}))
        })
        .collect();
    Value::Array(groups)
}

/// Reads a price ceiling: fen (money_type 1 or absent) or yuan (2), returned in yuan.
fn ceiling(map: &BTreeMap<String, String>) -> Result<Option<Decimal>, Box<Response>> {
    let Some(money) = map.get("money").filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    match map.get("money_type").map(String::as_str).unwrap_or("1") {
        "1" => money
            .parse::<u64>()
            .map(|f| Some(Money::from_fen(f).to_yuan()))
            .map_err(|_| bfail("money 必须是以分为单位的整数")),
        "2" => Money::parse_yuan(money)
            .map(|m| Some(m.to_yuan()))
            .map_err(|_| bfail("money 必须是整数或最多两位小数")),
        _ => Err(bfail("money_type 只能是 1 或 2")),
    }
}

async fn pay(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let required = ["card_id", "account", "number", "out_order_id", "datetime"];
    let (map, merchant) = match me.verified(&body, PayRequest::UNSIGNED_FIELDS, &required) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let get = |k: &str| map.get(k).cloned().unwrap_or_default();
    if get("datetime").len() != 10 || !get("datetime").bytes().all(|b| b.is_ascii_digit()) {
        return fail("datetime 必须是10位时间戳");
    }
    let Some(product) = product(DIRECT_PRODUCTS, &get("card_id")) else {
        return fail("商品不存在");
    };
    let Some(number) = get("number").parse::<u32>().ok().filter(|n| *n > 0) else {
        return fail("number 必须是正整数");
    };
    let total = price_of(product) * Decimal::from(number);
    match ceiling(&map) {
        Err(r) => return *r,
        Ok(Some(max)) if max < total => return fail("合作商价格小于平台价格，下单失败"),
        Ok(_) => {}
    }
    if get("check") == "1" && product.stock < number {
        return fail("当前商品库存不足");
    }
    let notify_url = map.get("notify_url").filter(|u| !u.is_empty()).cloned();
    if notify_url
        .as_deref()
        .is_some_and(|u| url::Url::parse(u).is_err())
    {
        return fail("notify_url 格式错误");
    }
    if JiuyiDc::balance(&ctx, merchant) < total {
        return fail("余额不足");
    }
    let mut new = NewOrder::new(DIRECT, &merchant.appid, get("out_order_id"), total)
        .platform_order_no(ctx.next_order_no("API"))
        .state(OrderState::Created)
        .expires_in(TAKEDOWN)
        .payload(json!({"account": get("account"), "card_id": get("card_id"), "number": number, "price": total.to_string()}));
    if let Some(u) = notify_url {
        new = new.notify_url(u);
    }
    let order = match ctx.create_order(new) {
        Ok(o) => o,
        Err(_) => return fail("订单号重复"),
    };
    if me.auto_fulfil {
        let no = &order.platform_order_no;
        let now = ctx.now();
        ctx.schedule_transition(
            no,
            now + Duration::from_secs(me.match_after),
            OrderState::Paying,
            None,
        );
        ctx.schedule_transition(
            no,
            now + Duration::from_secs(me.charge_after),
            OrderState::Processing,
            None,
        );
        let (to, reason) = if get("account").starts_with("fail") {
            (OrderState::Failed, Some("充值失败：账号不存在".to_owned()))
        } else {
            (OrderState::Success, None)
        };
        ctx.schedule_transition(no, now + Duration::from_secs(me.fulfil_after), to, reason);
    }
    ok(
        "下单成功",
        json!(order.platform_order_no),
        Some(json!({"price": total.to_string()})),
    )
}

async fn query_order(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, merchant) = match me.verified(&body, &[], &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(order) = JiuyiDc::find(&ctx, merchant, DIRECT, &map) else {
        return fail("订单不存在");
    };
    ok(
        "查询成功",
        json!({
            "order_id": order.platform_order_no,
            "out_order_id": order.merchant_order_no,
            "price": order.payload.get("price").cloned().unwrap_or(Value::Null),
            "status": direct_status(&order, ctx.now()).parse::<u8>().unwrap_or(0),
            "create_time": order.created_at.unix_seconds(),
            "account": order.payload.get("account").cloned().unwrap_or(Value::Null),
            "card_id": order.payload.get("card_id").cloned().unwrap_or(Value::Null),
        }),
        None,
    )
}

async fn query_cash(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let merchant = match me.verified(&body, &[], &[]) {
        Ok((_, m)) => m,
        Err(r) => return *r,
    };
    let mut balance = JiuyiDc::balance(&ctx, merchant);
    balance.rescale(2);
    ok("查询成功", json!(balance.to_string()), None)
}

async fn draw_order(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, merchant) = match me.verified(&body, &[], &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(order) = JiuyiDc::find(&ctx, merchant, DIRECT, &map) else {
        return fail("订单不存在");
    };
    if order.state != OrderState::Created {
        return fail("订单当前状态不允许撤销");
    }
    match ctx.transition(
        &order.platform_order_no,
        OrderState::Cancelled,
        Some("商户撤销".to_owned()),
    ) {
        Ok(o) => ok(
            "下架成功",
            json!({
                "order_id": o.platform_order_no,
                "out_order_id": o.merchant_order_no,
                "productId": o.payload.get("card_id").cloned().unwrap_or(Value::Null),
                "price": o.payload.get("price").cloned().unwrap_or(Value::Null),
                "productName": product(DIRECT_PRODUCTS, o.payload["card_id"].as_str().unwrap_or_default()).map(|p| p.card_name),
                "account": o.payload.get("account").cloned().unwrap_or(Value::Null),
            }),
            None,
        ),
        Err(e) => fail(&format!("订单当前状态不允许撤销: {e}")),
    }
}

async fn confirm_order(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, merchant) = match me.verified(&body, &[], &["order_id"]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(order) = ctx
        .order(&map["order_id"])
        .filter(|o| o.kind == DIRECT && o.merchant_id == merchant.appid)
    else {
        return fail("订单不存在");
    };
    if direct_status(&order, ctx.now()) != "3" {
        return fail("订单当前状态不允许确认收货");
    }
    let mut payload = order.payload.clone();
    payload["confirmed"] = json!(true);
    let Some(updated) = ctx
        .store()
        .update_payload(&order.platform_order_no, payload)
    else {
        return fail("订单不存在");
    };
    if updated.notify_url.is_some()
        && let Some(notify) = me.notify_for(&updated, "4")
    {
        ctx.send_notify(&updated, notify);
    }
    ok("确认收货成功", Value::Null, None)
}

async fn query_card_category(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    if let Err(r) = me.verified(&body, &[], &[]) {
        return *r;
    }
    let cats: Vec<Value> = CATEGORIES
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "logo": format!("https://sandbox.invalid/cat{id}.png")}))
        .collect();
    ok("查询成功", Value::Array(cats), None)
}

async fn query_card_list(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, _) = match me.verified(&body, QueryCardListRequest::UNSIGNED_FIELDS, &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match page(DIRECT_PRODUCTS, &map, direct_json) {
        Ok(v) => ok("查询成功", v, None),
        Err(r) => *r,
    }
}

async fn query_card_info(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, _) = match me.verified(&body, &[], &["id"]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match product(DIRECT_PRODUCTS, &map["id"]) {
        Some(p) => {
            let mut v = direct_json(p);
            v["account_type"] = json!("手机号");
            v["recharge_type"] = json!("直充");
            v["buy_remark"] = json!("沙箱商品");
            v["create_time"] = json!("2024-01-01 00:00:00");
            ok("查询成功", v, None)
        }
        None => fail("商品不存在"),
    }
}

async fn query_card(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    #[allow(deprecated)] // The retired list is still served, as the provider still answers it.
    let unsigned = jiuyi_dc::api::QueryCardRequest::UNSIGNED_FIELDS;
    let (map, _) = match me.verified(&body, unsigned, &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    ok(
        "查询成功",
        grouped(DIRECT_PRODUCTS, &map, direct_json),
        None,
    )
}

async fn card_pay_order(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let required = ["card_id", "num", "out_order_id", "order_money"];
    let (map, merchant) = match me.verified(&body, &[], &required) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(p) = product(CARD_PRODUCTS, &map["card_id"]) else {
        return fail("卡券不存在");
    };
    let Some(num) = map["num"]
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=100).contains(n))
    else {
        return fail("num 必须是 1 到 100 的整数");
    };
    if p.stock < num {
        return fail("库存不足");
    }
    let total = price_of(p) * Decimal::from(num);
    let Ok(max) = Money::parse_yuan(&map["order_money"]) else {
        return fail("order_money 必须是整数或最多两位小数");
    };
    if !max.is_zero() && max.to_yuan() < total {
        return fail("订单金额小于商品价格");
    }
    if JiuyiDc::balance(&ctx, merchant) < total {
        return fail("余额不足");
    }
    let no = ctx.next_order_no("K");
    let codes: Vec<Value> = (0..num)
        .map(|i| json!({"card_num": format!("SBX{no}{i:02}"), "card_pass": format!("PASS-{no}-{i:02}")}))
        .collect();
    let new = NewOrder::new(CARD, &merchant.appid, map["out_order_id"].clone(), total)
        .platform_order_no(no)
        .state(OrderState::Success)
        .payload(json!({"card_id": p.id, "unit_price": p.price, "codes": codes, "auto_confirm_hour": map.get("auto_confirm_hour")}));
    match ctx.create_order(new) {
        Ok(order) => ok(
            "购买成功",
            card_codes(&order),
            Some(json!({"price": total.to_string()})),
        ),
        Err(_) => fail("订单号重复"),
    }
}

fn card_codes(order: &Order) -> Value {
    let status = card_status(order).parse::<u8>().unwrap_or(0);
    let at = order.created_at.format_local(8);
    let codes = order
        .payload
        .get("codes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        codes
            .iter()
            .map(|c| {
                json!({
                    "order_id": order.platform_order_no,
                    "card_num": c["card_num"],
                    "card_pass": c["card_pass"],
                    "money": order.payload["unit_price"],
                    "status": status,
                    "card_id": order.payload["card_id"],
                    "create_time": at,
                    "update_time": at,
                    "remark": "",
                })
            })
            .collect(),
    )
}

async fn card_query_order(State((ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, merchant) = match me.verified(&body, &[], &["out_order_id"]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match ctx.find_by_merchant_no(CARD, &merchant.appid, &map["out_order_id"]) {
        Some(order) => ok("查询成功", card_codes(&order), None),
        None => fail("订单不存在"),
    }
}

async fn card_query_card_list(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, _) = match me.verified(&body, CardQueryCardListRequest::UNSIGNED_FIELDS, &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match page(CARD_PRODUCTS, &map, card_json) {
        Ok(v) => ok("查询成功", v, None),
        Err(r) => *r,
    }
}

async fn card_query_card_detail(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    let (map, _) = match me.verified(&body, &[], &["card_id"]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match product(CARD_PRODUCTS, &map["card_id"]) {
        Some(p) => ok("查询成功", card_json(p), None),
        None => fail("卡券不存在"),
    }
}

async fn card_query_card(State((_ctx, me)): Ctx, RawBody(body): RawBody) -> Response {
    #[allow(deprecated)] // The retired list is still served, as the provider still answers it.
    let unsigned = jiuyi_dc::api::CardQueryCardRequest::UNSIGNED_FIELDS;
    let (map, _) = match me.verified(&body, unsigned, &[]) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    ok("查询成功", grouped(CARD_PRODUCTS, &map, card_json), None)
}
