//! gateway-recharge (WinPay): collection orders (`/gateway/recharge`), the deposit query, and
//! callbacks signed with sorted `k=v` pairs + `&key=` and MD5 in the `sign` field.

use std::sync::Arc;

use payhub::gateway_recharge::api::{CreateOrderRequest, DepositQueryRequest};
use payhub::gateway_recharge::notify::{Ack, NotifyVerifier};
use payhub::gateway_recharge::payhub_runtime::FixedClock;
use payhub::gateway_recharge::{Client, ENV_BASE_URL, ENV_KEY, ENV_MERCHANT_NO};

use super::{
    Fixed, Op, Provider, QueryKind, Signed, Verified, check_identity, fail, instant, take_identity,
};
use crate::credentials::{Credentials, Flag, Setting};
use crate::error::CliError;
use crate::fields::Fields;
use crate::output::Record;

const P: Provider = Provider::GatewayRecharge;

pub(crate) const SETTINGS: &[Setting] = &[
    Setting::new("base_url", ENV_BASE_URL, Flag::BaseUrl, "base URL"),
    Setting::new(
        "merchant_no",
        ENV_MERCHANT_NO,
        Flag::MerchantId,
        "merchant number",
    ),
    Setting::new("key", ENV_KEY, Flag::Secret, "key"),
];

pub(crate) const CREATE_FLAGS: &[(&str, &str)] = &[
    ("order-no", "order_no"),
    ("amount", "amount"),
    ("notify-url", "callback_url"),
    ("return-url", "return_url"),
    ("remark", "remark"),
    ("customer", "customer"),
    ("ip", "ip"),
];

const CREATE_FIELDS: &[&str] = &[
    "order_no",
    "amount",
    "remark",
    "customer",
    "ip",
    "callback_url",
    "return_url",
    "merchant_no",
    "time",
    "sign",
];

const QUERY_FIELDS: &[&str] = &["order_no", "merchant_no", "time", "sign"];

fn client(creds: &Credentials, base_url: String, millis: Option<i64>) -> Result<Client, CliError> {
    let mut b =
        Client::builder(creds.require("merchant_no")?, creds.require("key")?).base_url(base_url);
    if let Some(t) = creds.timeout()? {
        b = b.timeout(t);
    }
    if let Some(ms) = millis {
        b = b.clock(Arc::new(FixedClock::from_millis(ms)));
    }
    b.build().map_err(|e| fail(P, &e, false))
}

fn create_request(f: &mut Fields) -> Result<CreateOrderRequest, CliError> {
    Ok(CreateOrderRequest::new(
        f.require("order_no")?,
        f.decimal("amount")?,
        f.require("remark")?,
        f.require("customer")?,
        f.require("ip")?,
        f.require("callback_url")?,
        f.require("return_url")?,
    ))
}

pub(crate) async fn create(creds: &Credentials, mut fields: Fields) -> Result<Record, CliError> {
    fields.only("gateway-recharge create_order", &CREATE_FIELDS[..7])?;
    let req = create_request(&mut fields)?;
    fields.finish("gateway-recharge create_order", &CREATE_FIELDS[..7])?;
    let client = client(creds, creds.require("base_url")?, None)?;
    let order = client
        .send(&req)
        .await
        .map_err(|e| fail(P, &e, e.is_outcome_unknown()))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_no", req.order_no())
        .put("trade_no", &order.trade_no)
        .put("pay_url", &order.url)
        .put("qr_code", &order.qr_code)
        .put("pay_timeout_secs", order.pay_timeout_secs)
        .put("expires_at", instant(order.expires_at));
    r.extra(order.extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
    Ok(r)
}

pub(crate) async fn query(
    creds: &Credentials,
    order_no: &str,
    kind: QueryKind,
) -> Result<Record, CliError> {
    kind.check(P, &[])?;
    let client = client(creds, creds.require("base_url")?, None)?;
    let o = client
        .reconcile(order_no)
        .await
        .map_err(|e| fail(P, &e, false))?
        .into_found()
        .ok_or_else(|| CliError::new(format!("{P}: no order with order_no `{order_no}`")))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_no", &o.order_no)
        .put("trade_no", &o.trade_no)
        .put("status", &o.status)
        .flag("final", o.status.is_final())
        .put("amount", o.amount)
        .put("trade_time", instant(o.trade_time));
    r.extra(o.extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
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
    fixed.timestamp_from_input(&mut fields, "time")?;
    let merchant = take_identity(&mut fields, "merchant_no", creds, "merchant_no");
    let given = fields.take("sign");
    let client = client(creds, super::sign_base_url(creds)?, fixed.timestamp)?;
    check_identity("merchant_no", merchant.as_deref(), client.merchant_no())?;
    let prepared = match op {
        Op::Create => {
            fields.only("gateway-recharge create_order", CREATE_FIELDS)?;
            let req = create_request(&mut fields)?;
            fields.finish("gateway-recharge create_order", CREATE_FIELDS)?;
            client.prepare(&req)
        }
        Op::Query => {
            fields.only("gateway-recharge deposit_query", QUERY_FIELDS)?;
            let req = DepositQueryRequest::new(fields.require("order_no")?);
            fields.finish("gateway-recharge deposit_query", QUERY_FIELDS)?;
            client.prepare(&req)
        }
    }
    .map_err(|e| fail(P, &e, false))?;
    let signature = serde_json::from_slice::<serde_json::Value>(prepared.body_bytes())
        .ok()
        .and_then(|body| body.get("sign")?.as_str().map(str::to_owned))
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
    let verifier = NotifyVerifier::new(creds.require("merchant_no")?, creds.require("key")?);
    let n = verifier
        .verify(headers, body)
        .map_err(|e| fail(P, &e, false))?;
    Ok(verified(n))
}

/// The fields and the acknowledgement of a verified callback (checked here, or by a
/// `payhub::Hub` account).
pub(crate) fn verified(n: payhub::gateway_recharge::notify::Notification) -> Verified {
    let mut r = Record::new();
    r.put("provider", P)
        .put("kind", n.kind)
        .put("order_no", &n.order_no)
        .put("trade_no", &n.trade_no)
        .put("status", &n.status)
        .flag("final", n.status.is_final())
        .flag("success", n.status.is_success())
        .put("amount", n.amount)
        .put("remark", &n.remark)
        .put("trade_time", instant(n.trade_time));
    r.extra(n.extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
    r.put("dedupe_key", n.dedupe_key());
    let ack = Ack::success();
    Verified {
        record: r,
        notification: payhub::Notification::GatewayRecharge(n),
        ack: (ack.status(), ack.content_type(), ack.body()),
    }
}
