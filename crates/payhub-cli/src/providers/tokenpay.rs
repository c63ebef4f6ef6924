//! tokenpay (TTPay): the prepayment order (`/v1/transaction/prepayment`), order and payout
//! queries, and AES-signed callbacks with an AES-256-GCM resource.

use std::sync::Arc;

use payhub::tokenpay::api::{PrepayRequest, QueryOrderRequest, TransactionDetail};
use payhub::tokenpay::notify::{Ack, NotifyVerifier};
use payhub::tokenpay::sign::Authorization;
use payhub::tokenpay::types::{Chain, Currency, Locale, OrderType};
use payhub::tokenpay::{Client, DEFAULT_BASE_URL, FixedClock, FixedNonce, Notification};

use super::{
    Fixed, Op, Provider, QueryKind, Signed, Verified, check_identity, fail, take_identity,
};
use crate::credentials::{Credentials, Flag, Setting};
use crate::error::CliError;
use crate::fields::Fields;
use crate::output::{Record, json_text};

const P: Provider = Provider::Tokenpay;

pub(crate) const SETTINGS: &[Setting] = &[
    Setting::new("base_url", "TOKENPAY_BASE_URL", Flag::BaseUrl, "base URL"),
    Setting::new("app_id", "TOKENPAY_APP_ID", Flag::AppId, "app id"),
    Setting::new(
        "mch_id",
        "TOKENPAY_MCH_ID",
        Flag::MchId,
        "merchant id (mch_id)",
    ),
    Setting::new(
        "app_secret",
        "TOKENPAY_APP_SECRET",
        Flag::Secret,
        "app secret",
    ),
];

pub(crate) const CREATE_FLAGS: &[(&str, &str)] = &[
    ("order-no", "out_trade_no"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("chain", "chain"),
    ("notify-url", "notify_url"),
    ("return-url", "return_url"),
    ("description", "description"),
    ("expire-seconds", "expire_second"),
    ("to-address", "to_address"),
    ("attach", "attach"),
    ("locale", "locale"),
];

const CREATE_FIELDS: &[&str] = &[
    "out_trade_no",
    "amount",
    "chain",
    "currency",
    "expire_second",
    "description",
    "to_address",
    "attach",
    "locale",
    "notify_url",
    "return_url",
    "order_type",
    "app_id",
    "mch_id",
];

const QUERY_FIELDS: &[&str] = &["out_trade_no", "transaction_id", "app_id", "mch_id"];

fn client(
    creds: &Credentials,
    base_url: String,
    fixed: Option<&Fixed>,
) -> Result<Client, CliError> {
    let mut b = Client::builder(
        creds.require("app_id")?,
        creds.require("mch_id")?,
        creds.require("app_secret")?,
    )
    .base_url(base_url);
    if let Some(t) = creds.timeout()? {
        b = b.timeout(t);
    }
    if let Some(ms) = fixed.and_then(|f| f.timestamp) {
        b = b.clock(Arc::new(FixedClock::from_millis(ms)));
    }
    if let Some(n) = fixed.and_then(|f| f.nonce.as_deref()) {
        b = b.nonce_source(Arc::new(FixedNonce(n.to_owned())));
    }
    b.build().map_err(|e| fail(P, &e, false))
}

fn base_url(creds: &Credentials) -> Result<String, CliError> {
    Ok(creds
        .get("base_url")?
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()))
}

fn create_request(f: &mut Fields) -> Result<PrepayRequest, CliError> {
    let mut req = PrepayRequest::new(
        f.require("out_trade_no")?,
        f.decimal("amount")?,
        Chain::parse(f.require("chain")?.trim()),
        Currency::parse(f.require("currency")?.trim()),
    );
    if let Some(s) = f.parse::<u64>("expire_second", "a number of seconds")? {
        req = req.expire_second(s);
    }
    macro_rules! text {
        ($($field:literal => $setter:ident),* $(,)?) => {
            $(if let Some(v) = f.take($field) { req = req.$setter(v); })*
        };
    }
    text! {
        "description" => description,
        "to_address" => to_address,
        "attach" => attach,
        "notify_url" => notify_url,
        "return_url" => return_url,
    }
    if let Some(l) = f.take("locale") {
        req = req.locale(Locale::parse(l.trim()));
    }
    if let Some(t) = f.take("order_type") {
        req = req.order_type(OrderType::parse(t.trim()));
    }
    Ok(req)
}

fn query_request(f: &mut Fields) -> Result<QueryOrderRequest, CliError> {
    match (f.take("transaction_id"), f.take("out_trade_no")) {
        (Some(t), Some(o)) => Ok(QueryOrderRequest::by_transaction_id(t).and_out_trade_no(o)),
        (Some(t), None) => Ok(QueryOrderRequest::by_transaction_id(t)),
        (None, Some(o)) => Ok(QueryOrderRequest::by_out_trade_no(o)),
        (None, None) => Err(CliError::new(
            "field `out_trade_no` or `transaction_id` is required",
        )),
    }
}

pub(crate) async fn create(creds: &Credentials, mut fields: Fields) -> Result<Record, CliError> {
    fields.only("tokenpay prepayment", &CREATE_FIELDS[..12])?;
    let req = create_request(&mut fields)?;
    fields.finish("tokenpay prepayment", &CREATE_FIELDS[..12])?;
    let client = client(creds, base_url(creds)?, None)?;
    let order = client
        .send(&req)
        .await
        .map_err(|e| fail(P, &e, e.is_outcome_unknown()))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("out_trade_no", req.out_trade_no())
        .put("prepay_id", &order.prepay_id)
        .put("payment_url", &order.payment_url)
        .opt("request_id", order.request_id.as_deref());
    r.extra(order.extra.iter().map(|(k, v)| (k.as_str(), json_text(v))));
    Ok(r)
}

pub(crate) async fn query(
    creds: &Credentials,
    order_no: &str,
    kind: QueryKind,
) -> Result<Record, CliError> {
    kind.check(P, &[QueryKind::Payout])?;
    let client = client(creds, base_url(creds)?, None)?;
    let found = match kind {
        QueryKind::Payout => client.reconcile_payout(order_no).await,
        _ => client.reconcile(order_no).await,
    }
    .map_err(|e| fail(P, &e, false))?;
    let what = if kind == QueryKind::Payout {
        "payout"
    } else {
        "order"
    };
    let t = found
        .into_found()
        .ok_or_else(|| CliError::new(format!("{P}: no {what} with out_trade_no `{order_no}`")))?;
    let mut r = Record::new();
    r.put("provider", P).put("kind", what);
    transaction(&mut r, &t);
    Ok(r)
}

fn transaction(r: &mut Record, t: &TransactionDetail) {
    r.opt("out_trade_no", t.out_trade_no.as_deref())
        .put("transaction_id", &t.transaction_id)
        .put("status", &t.trade_state)
        .flag("final", t.trade_state.is_final())
        .flag("success", t.trade_state.is_success())
        .opt("amount", t.amount)
        .opt("amount_minor", t.amount_minor)
        .opt("decimals", t.decimals)
        .opt("chain", t.chain.as_ref())
        .opt("currency", t.currency.as_ref())
        .opt("description", t.description.as_deref())
        .opt("attach", t.attach.as_deref())
        .opt("to_address", t.to_address.as_deref())
        .opt("from_address", t.from_address.as_deref())
        .opt("tx_id", t.tx_id.as_deref())
        .opt("create_time_ms", t.create_time.map(|m| m.as_millis()))
        .opt("expire_time_ms", t.expire_time.map(|m| m.as_millis()))
        .opt("pay_time_ms", t.pay_time.map(|m| m.as_millis()));
    r.extra(t.extra.iter().map(|(k, v)| (k.as_str(), json_text(v))));
}

pub(crate) fn sign(
    creds: &mut Credentials,
    mut fields: Fields,
    op: Op,
    fixed: &Fixed,
) -> Result<Signed, CliError> {
    let app_id = take_identity(&mut fields, "app_id", creds, "app_id");
    let mch_id = take_identity(&mut fields, "mch_id", creds, "mch_id");
    let client = client(creds, base_url(creds)?, Some(fixed))?;
    check_identity("app_id", app_id.as_deref(), client.app_id())?;
    check_identity("mch_id", mch_id.as_deref(), client.mch_id())?;
    let prepared = match op {
        Op::Create => {
            fields.only("tokenpay prepayment", CREATE_FIELDS)?;
            let req = create_request(&mut fields)?;
            fields.finish("tokenpay prepayment", CREATE_FIELDS)?;
            client.prepare(&req)
        }
        Op::Query => {
            fields.only("tokenpay query", QUERY_FIELDS)?;
            let req = query_request(&mut fields)?;
            fields.finish("tokenpay query", QUERY_FIELDS)?;
            client.prepare(&req)
        }
    }
    .map_err(|e| fail(P, &e, false))?;
    let signature = prepared
        .header_value("Authorization")
        .and_then(|v| Authorization::parse(v).ok())
        .map(|a| a.signature)
        .unwrap_or_default();
    Ok(Signed {
        prepared,
        signature,
        given: None,
    })
}

pub(crate) fn verify_notify(
    creds: &Credentials,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Verified, CliError> {
    let verifier = NotifyVerifier::new(
        creds.require("app_id")?,
        creds.require("mch_id")?,
        creds.require("app_secret")?,
    )
    .map_err(|e| fail(P, &e, false))?
    // A one-off check of a saved callback: its age is not the question here (a live endpoint
    // keeps the default 24 h window).
    .without_max_age();
    let n = verifier
        .verify(headers, body)
        .map_err(|e| fail(P, &e, false))?;
    Ok(verified(n))
}

/// The fields and the acknowledgement of a verified callback (checked here, or by a
/// `payhub::Hub` account).
pub(crate) fn verified(n: Notification) -> Verified {
    let mut r = Record::new();
    let meta = n.meta();
    r.put("provider", P)
        .put(
            "kind",
            match &n {
                Notification::Order(_) => "order",
                Notification::Payout(_) => "payout",
                Notification::Wallet(_) => "wallet",
                _ => "other",
            },
        )
        .put("event_type", &meta.event_type)
        .opt("create_time", meta.create_time.as_deref());
    match n.transaction() {
        Some(t) => transaction(&mut r, t),
        None => {
            if let Notification::Other(o) = &n {
                r.put("resource", &o.plaintext);
            }
        }
    }
    r.put("dedupe_key", n.dedupe_key());
    let ack = Ack::success();
    Verified {
        record: r,
        notification: payhub::Notification::Tokenpay(Box::new(n)),
        ack: (ack.status(), ack.content_type(), ack.body()),
    }
}
