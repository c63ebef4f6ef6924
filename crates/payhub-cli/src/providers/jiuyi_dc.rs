//! jiuyi-dc (91 card): the direct recharge (`/dcapi/pay`), the order query, and notifies signed
//! with sorted `k=urlencode(v)` pairs + `&appsecret=` and MD5 in the `sign` field.

use std::sync::Arc;

use payhub::jiuyi_dc::api::PayRequest;
use payhub::jiuyi_dc::api::QueryOrderRequest;
use payhub::jiuyi_dc::notify::{Ack, NotifyVerifier};
use payhub::jiuyi_dc::types::Money;
use payhub::jiuyi_dc::{
    Client, ENV_APPID, ENV_APPSECRET, ENV_BASE_URL, ENV_DANGER_ALLOW_HTTP, FixedClock,
};

use super::{
    Fixed, Op, Provider, QueryKind, Signed, Verified, check_identity, fail, take_identity,
};
use crate::credentials::{Credentials, Flag, Setting};
use crate::error::CliError;
use crate::fields::Fields;
use crate::output::{Record, json_text};

const P: Provider = Provider::JiuyiDc;

pub(crate) const SETTINGS: &[Setting] = &[
    Setting::new("base_url", ENV_BASE_URL, Flag::BaseUrl, "base URL"),
    Setting::new("appid", ENV_APPID, Flag::AppId, "appid"),
    Setting::new("appsecret", ENV_APPSECRET, Flag::Secret, "appsecret"),
    Setting::new(
        "danger_allow_http",
        ENV_DANGER_ALLOW_HTTP,
        Flag::DangerAllowHttp,
        "plain-http permission",
    ),
];

pub(crate) const CREATE_FLAGS: &[(&str, &str)] = &[
    ("order-no", "out_order_id"),
    ("card-id", "card_id"),
    ("account", "account"),
    ("number", "number"),
    ("amount", "money"),
    ("money-unit", "money_type"),
    ("notify-url", "notify_url"),
    ("stock-check", "check"),
];

const CREATE_FIELDS: &[&str] = &[
    "card_id",
    "account",
    "out_order_id",
    "number",
    "money",
    "money_type",
    "notify_url",
    "check",
    "appid",
    "datetime",
    "sign",
];

const QUERY_FIELDS: &[&str] = &["out_order_id", "order_id", "appid", "datetime", "sign"];

fn client(creds: &Credentials, base_url: String, seconds: Option<i64>) -> Result<Client, CliError> {
    let mut b = Client::builder(creds.require("appid")?, creds.require("appsecret")?)
        .base_url(base_url)
        .danger_allow_http(creds.enabled("danger_allow_http")?);
    if let Some(t) = creds.timeout()? {
        b = b.timeout(t);
    }
    if let Some(s) = seconds {
        let millis = s.checked_mul(1000).ok_or_else(|| {
            CliError::new(format!("{P}: the timestamp {s} (seconds) is out of range"))
        })?;
        b = b.clock(Arc::new(FixedClock::from_millis(millis)));
    }
    b.build().map_err(|e| fail(P, &e, false))
}

/// `money` with `money_type` 1 (fen) or 2 (yuan); without `money_type`, `money` is in fen and
/// sent alone, as in the provider's worked example.
fn money(f: &mut Fields) -> Result<Option<(Money, bool)>, CliError> {
    let (money, unit) = (f.take("money"), f.take("money_type"));
    let Some(text) = money else {
        return match unit {
            Some(_) => Err(CliError::new("field `money_type` needs `money` (--amount)")),
            None => Ok(None),
        };
    };
    let fen = |text: &str| {
        text.trim()
            .parse::<u64>()
            .map(Money::from_fen)
            .map_err(|_| {
                CliError::new(format!(
                    "field `money`: `{text}` is not a whole number of fen"
                ))
            })
    };
    let parsed = match unit.as_deref().map(str::trim) {
        None => return Ok(Some((fen(&text)?, false))),
        Some("1") => fen(&text)?,
        Some("2") => Money::parse_yuan(text.trim())
            .map_err(|e| CliError::new(format!("field `money`: {e}")))?,
        Some(other) => {
            return Err(CliError::new(format!(
                "field `money_type`: `{other}` is not 1 (fen) or 2 (yuan)"
            )));
        }
    };
    Ok(Some((parsed, true)))
}

fn create_request(f: &mut Fields) -> Result<PayRequest, CliError> {
    let mut req = PayRequest::new(
        f.require("card_id")?,
        f.require("account")?,
        f.require("out_order_id")?,
    );
    if let Some(n) = f.parse::<u32>("number", "a whole number")? {
        req = req.number(n);
    }
    if let Some((money, with_type)) = money(f)? {
        req = req.max_price(money).send_money_type(with_type);
    }
    if let Some(url) = f.take("notify_url") {
        req = req.notify_url(url);
    }
    if let Some(check) = f.bool("check")? {
        req = req.stock_check(check);
    }
    Ok(req)
}

fn query_request(f: &mut Fields) -> Result<QueryOrderRequest, CliError> {
    match (f.take("order_id"), f.take("out_order_id")) {
        (Some(_), Some(_)) => Err(CliError::new(
            "give `order_id` or `out_order_id`, not both (the provider uses only one)",
        )),
        (Some(id), None) => Ok(QueryOrderRequest::by_order_id(id)),
        (None, Some(id)) => Ok(QueryOrderRequest::by_out_order_id(id)),
        (None, None) => Err(CliError::new(
            "field `out_order_id` or `order_id` is required",
        )),
    }
}

pub(crate) async fn create(creds: &Credentials, mut fields: Fields) -> Result<Record, CliError> {
    fields.only("jiuyi-dc pay", &CREATE_FIELDS[..8])?;
    let req = create_request(&mut fields)?;
    fields.finish("jiuyi-dc pay", &CREATE_FIELDS[..8])?;
    let client = client(creds, creds.require("base_url")?, None)?;
    let order = client
        .send(&req)
        .await
        .map_err(|e| fail(P, &e, e.is_outcome_unknown()))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("out_order_id", req.out_order_id())
        .put("order_id", &order.order_id)
        .opt("price", order.price)
        .put("message", &order.message);
    r.extra(
        order
            .other_extra
            .iter()
            .map(|(k, v)| (k.as_str(), json_text(v))),
    );
    Ok(r)
}

pub(crate) async fn query(
    creds: &Credentials,
    order_no: &str,
    kind: QueryKind,
) -> Result<Record, CliError> {
    kind.check(P, &[])?;
    let client = client(creds, creds.require("base_url")?, None)?;
    // A query, not `reconcile`: an order the gateway does not have stays an error here.
    let o = client
        .send(&QueryOrderRequest::by_out_order_id(order_no))
        .await
        .map_err(|e| fail(P, &e, false))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_id", &o.order_id)
        .opt("out_order_id", o.out_order_id.as_deref())
        .put("status", &o.status)
        .flag("final", o.status.is_final())
        .flag("success", o.status.is_success())
        .opt("price", o.price)
        .opt("account", o.account.as_deref())
        .opt("card_id", o.card_id.as_deref())
        .opt("create_time", o.create_time.as_deref());
    r.extra(o.extra.iter().map(|(k, v)| (k.as_str(), json_text(v))));
    Ok(r)
}

pub(crate) fn sign(
    creds: &mut Credentials,
    mut fields: Fields,
    op: Op,
    fixed: &Fixed,
) -> Result<Signed, CliError> {
    fixed.refuse(P, true, false)?;
    let mut fixed = fixed.clone();
    fixed.timestamp_from_input(&mut fields, "datetime")?;
    let appid = take_identity(&mut fields, "appid", creds, "appid");
    let given = fields.take("sign");
    let client = client(creds, super::sign_base_url(creds)?, fixed.timestamp)?;
    check_identity("appid", appid.as_deref(), client.appid())?;
    let prepared = match op {
        Op::Create => {
            fields.only("jiuyi-dc pay", CREATE_FIELDS)?;
            let req = create_request(&mut fields)?;
            fields.finish("jiuyi-dc pay", CREATE_FIELDS)?;
            client.prepare(&req)
        }
        Op::Query => {
            fields.only("jiuyi-dc queryOrder", QUERY_FIELDS)?;
            let req = query_request(&mut fields)?;
            fields.finish("jiuyi-dc queryOrder", QUERY_FIELDS)?;
            client.prepare(&req)
        }
    }
    .map_err(|e| fail(P, &e, false))?;
    let signature = String::from_utf8_lossy(prepared.body_bytes())
        .split('&')
        .find_map(|pair| pair.strip_prefix("sign=").map(str::to_owned))
        .unwrap_or_default();
    Ok(Signed {
        prepared,
        signature,
        given,
    })
}

pub(crate) fn verify_notify(
    creds: &Credentials,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Verified, CliError> {
    let mut verifier = NotifyVerifier::new(creds.require("appsecret")?);
    if let Some(appid) = creds.get("appid")? {
        verifier = verifier.expect_appid(appid);
    }
    let n = verifier
        .verify(headers, body)
        .map_err(|e| fail(P, &e, false))?;
    Ok(verified(n))
}

/// The fields and the acknowledgement of a verified callback (checked here, or by a
/// `payhub::Hub` account).
pub(crate) fn verified(n: payhub::jiuyi_dc::notify::Notification) -> Verified {
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_id", &n.order_id)
        .put("out_order_id", &n.out_order_id)
        .put("status", &n.status)
        .flag("final", n.status.is_final())
        .flag("success", n.status.is_success())
        .opt("account", n.account.as_deref())
        .opt("card_id", n.card_id.as_deref())
        .opt("evidence", n.evidence.as_deref());
    r.extra(n.extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
    r.put("dedupe_key", n.dedupe_key());
    let ack = Ack::success();
    Verified {
        record: r,
        notification: payhub::Notification::JiuyiDc(n),
        ack: (ack.status(), ack.content_type(), ack.body()),
    }
}
