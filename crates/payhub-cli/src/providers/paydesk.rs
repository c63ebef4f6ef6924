//! paydesk (Cashy): the hosted cashier order (`/api/payDesk`), the three order queries, and
//! notifies signed with `MD5(body + apiKey)` in the `Sign` header.

use std::sync::Arc;
use std::time::Duration;

use payhub::paydesk::api::{
    Order, OrderKind, PayDeskQueryRequest, PayDeskQueryResponse, PayDeskRequest,
};
use payhub::paydesk::notify::{Ack, Notification, NotifyVerifier};
use payhub::paydesk::types::{Extra, IdType};
use payhub::paydesk::{
    Client, ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ID, Error, FixedNonce, Reconciliation,
};

use super::{Fixed, Op, Provider, QueryKind, Signed, Verified, fail, local_time, raw_text};
use crate::credentials::{Credentials, Flag, Setting};
use crate::error::CliError;
use crate::fields::Fields;
use crate::output::Record;

const P: Provider = Provider::Paydesk;

pub(crate) const SETTINGS: &[Setting] = &[
    Setting::new("base_url", ENV_BASE_URL, Flag::BaseUrl, "base URL"),
    Setting::new(
        "merchant_id",
        ENV_MERCHANT_ID,
        Flag::MerchantId,
        "merchant id",
    ),
    Setting::new("api_key", ENV_API_KEY, Flag::Secret, "apiKey"),
];

pub(crate) const CREATE_FLAGS: &[(&str, &str)] = &[
    ("order-no", "mchOrderNo"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("notify-url", "notifyUrl"),
    ("return-url", "returnUrl"),
    ("remark", "remark"),
    ("mobile-money-phone", "mobileMoneyPhone"),
    ("real-name", "realName"),
    ("phone", "phone"),
    ("email", "email"),
    ("expire-seconds", "expireTime"),
];

const CREATE_FIELDS: &[&str] = &[
    "mchOrderNo",
    "currency",
    "amount",
    "notifyUrl",
    "returnUrl",
    "mobileMoneyPhone",
    "realName",
    "phone",
    "email",
    "remark",
    "idType",
    "idCard",
    "reusableStatus",
    "expireTime",
    "nonceStr",
    "goodsSubject",
    "goodsBody",
];

const QUERY_FIELDS: &[&str] = &["mchOrderNo", "orderNo", "nonceStr"];

fn merchant_id(creds: &Credentials) -> Result<u64, CliError> {
    let text = creds.require("merchant_id")?;
    text.parse::<u64>()
        .map_err(|_| CliError::new(format!("{P}: the merchant id `{text}` is not a number")))
}

fn client(creds: &Credentials, base_url: String, nonce: Option<&str>) -> Result<Client, CliError> {
    let mut b = Client::builder(merchant_id(creds)?, creds.require("api_key")?).base_url(base_url);
    if let Some(t) = creds.timeout()? {
        b = b.timeout(t);
    }
    if let Some(n) = nonce {
        b = b.nonce_source(Arc::new(FixedNonce(n.to_owned())));
    }
    b.build().map_err(|e| fail(P, &e, false))
}

fn create_request(f: &mut Fields) -> Result<PayDeskRequest, CliError> {
    let mut req = PayDeskRequest::new(
        f.require("mchOrderNo")?,
        f.require("currency")?,
        f.decimal("amount")?,
        f.require("notifyUrl")?,
    );
    macro_rules! text {
        ($($field:literal => $setter:ident),* $(,)?) => {
            $(if let Some(v) = f.take($field) { req = req.$setter(v); })*
        };
    }
    text! {
        "returnUrl" => return_url,
        "mobileMoneyPhone" => mobile_money_phone,
        "realName" => real_name,
        "phone" => phone,
        "email" => email,
        "remark" => remark,
        "idCard" => id_card,
        "nonceStr" => nonce_str,
        "goodsSubject" => goods_subject,
        "goodsBody" => goods_body,
    }
    if let Some(v) = f.take("idType") {
        req = req.id_type(match v.parse::<u32>() {
            Ok(n) => IdType::number(n),
            Err(_) => IdType::text(v),
        });
    }
    if let Some(r) = f.bool("reusableStatus")? {
        req = req.reusable(r);
    }
    if let Some(s) = f.parse::<u64>("expireTime", "a number of seconds")? {
        req = req.expire_after(Duration::from_secs(s));
    }
    Ok(req)
}

fn query_request(f: &mut Fields) -> Result<PayDeskQueryRequest, CliError> {
    let mut req = match (f.take("orderNo"), f.take("mchOrderNo")) {
        (Some(o), m) => {
            let r = PayDeskQueryRequest::by_order_no(o);
            match m {
                Some(m) => r.with_mch_order_no(m),
                None => r,
            }
        }
        (None, Some(m)) => PayDeskQueryRequest::by_mch_order_no(m),
        (None, None) => {
            return Err(CliError::new(
                "field `mchOrderNo` or `orderNo` is required".to_owned(),
            ));
        }
    };
    if let Some(n) = f.take("nonceStr") {
        req = req.nonce_str(n);
    }
    Ok(req)
}

pub(crate) async fn create(creds: &Credentials, mut fields: Fields) -> Result<Record, CliError> {
    fields.only("paydesk payDesk", CREATE_FIELDS)?;
    let req = create_request(&mut fields)?;
    fields.finish("paydesk payDesk", CREATE_FIELDS)?;
    let client = client(creds, creds.require("base_url")?, None)?;
    let order = client
        .send(&req)
        .await
        .map_err(|e| fail(P, &e, matches!(e, Error::OutcomeUnknown(_))))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_no", &order.order_no)
        .opt("mch_order_no", order.mch_order_no.as_deref())
        .opt("merchant_id", order.merchant_id)
        .opt("amount", order.amount)
        .opt("pay_url", order.pay_url.as_deref())
        .opt("expire_time", order.expire_time.map(local_time))
        .opt("order_fee", order.order_fee)
        .opt("pay_code", order.pay_code.as_deref())
        .opt("pay_desk_url", order.pay_desk_url.as_deref());
    extra(&mut r, &order.extra);
    Ok(r)
}

pub(crate) async fn query(
    creds: &Credentials,
    order_no: &str,
    kind: QueryKind,
) -> Result<Record, CliError> {
    kind.check(P, &[QueryKind::Payin, QueryKind::Payout])?;
    let kind = match kind {
        QueryKind::Order => OrderKind::Cashier,
        QueryKind::Payin => OrderKind::PayIn,
        QueryKind::Payout => OrderKind::PayOut,
    };
    let client = client(creds, creds.require("base_url")?, None)?;
    let found = client
        .reconcile(kind, order_no)
        .await
        .map_err(|e| fail(P, &e, false))?;
    let mut r = Record::new();
    r.put("provider", P).put("kind", kind);
    match found {
        Reconciliation::Found(Order::Cashier(o)) => cashier(&mut r, &o),
        Reconciliation::Found(Order::PayIn(o)) => {
            r.put("order_no", &o.order_no)
                .opt("mch_order_no", o.mch_order_no.as_deref())
                .put("status", &o.status)
                .flag("final", o.status.is_final())
                .put("amount", o.amount)
                .opt("fee", o.fee)
                .opt("pay_type", o.pay_type.as_deref())
                .opt("pay_code", o.pay_code.as_deref())
                .opt("pay_url", o.pay_url.as_deref())
                .opt("completion_time", o.completion_time.map(local_time));
            extra(&mut r, &o.extra);
        }
        Reconciliation::Found(Order::PayOut(o)) => {
            r.put("order_no", &o.order_no)
                .opt("mch_order_no", o.mch_order_no.as_deref())
                .put("status", &o.status)
                .flag("final", o.status.is_final())
                .put("amount", o.amount)
                .opt("fee", o.fee)
                .opt("result_desc", o.result_desc.as_deref())
                .opt("completion_time", o.completion_time.map(local_time));
            extra(&mut r, &o.extra);
        }
        _ => {
            return Err(CliError::new(format!(
                "{P}: no {kind} order with mchOrderNo `{order_no}`"
            )));
        }
    }
    Ok(r)
}

fn cashier(r: &mut Record, o: &PayDeskQueryResponse) {
    r.put("order_no", &o.order_no)
        .opt("mch_order_no", o.mch_order_no.as_deref())
        .put("status", &o.status)
        .flag("final", o.status.is_final())
        .put("amount", o.amount)
        .opt("fee", o.fee)
        .opt("pay_url", o.pay_url.as_deref())
        .opt("completion_time", o.completion_time.map(local_time));
    extra(r, &o.extra);
}

pub(crate) fn sign(
    creds: &mut Credentials,
    mut fields: Fields,
    op: Op,
    fixed: &Fixed,
) -> Result<Signed, CliError> {
    fixed.refuse(P, false, true)?;
    let base = super::sign_base_url(creds)?;
    let client = client(creds, base, fixed.nonce.as_deref())?;
    let prepared = match op {
        Op::Create => {
            fields.only("paydesk payDesk", CREATE_FIELDS)?;
            let req = create_request(&mut fields)?;
            fields.finish("paydesk payDesk", CREATE_FIELDS)?;
            client.prepare(&req)
        }
        Op::Query => {
            fields.only("paydesk payDeskQuery", QUERY_FIELDS)?;
            let req = query_request(&mut fields)?;
            fields.finish("paydesk payDeskQuery", QUERY_FIELDS)?;
            client.prepare(&req)
        }
    }
    .map_err(|e| fail(P, &e, false))?;
    let signature = prepared.header_value("Sign").unwrap_or_default().to_owned();
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
    let verifier = NotifyVerifier::new(merchant_id(creds)?, creds.require("api_key")?);
    let n = verifier
        .verify(headers, body)
        .map_err(|e| fail(P, &e, false))?;
    Ok(verified(n))
}

/// The fields and the acknowledgement of a verified callback (checked here, or by a
/// `payhub::Hub` account).
pub(crate) fn verified(n: Notification) -> Verified {
    let mut r = Record::new();
    r.put("provider", P)
        .put("kind", n.kind())
        .put("order_no", n.order_no())
        .put("mch_order_no", n.mch_order_no())
        .put("status", n.status_text())
        .flag("final", n.is_final())
        .flag("success", n.is_success())
        .put("amount", n.amount());
    match &n {
        Notification::Cashier(p) | Notification::PayIn(p) => {
            r.opt("fee", p.fee)
                .opt("pay_type", p.pay_type.as_deref())
                .opt("pay_code", p.pay_code.as_deref())
                .opt("completion_time", p.completion_time.map(local_time));
            extra(&mut r, &p.extra);
        }
        Notification::PayOut(p) => {
            r.opt("fee", p.fee)
                .opt("result_desc", p.result_desc.as_deref())
                .opt("completion_time", p.completion_time.map(local_time));
            extra(&mut r, &p.extra);
        }
        _ => {}
    }
    r.put("dedupe_key", n.dedupe_key());
    let ack = Ack::success();
    Verified {
        record: r,
        notification: payhub::Notification::Paydesk(n),
        ack: (ack.status(), ack.content_type(), ack.body()),
    }
}

fn extra(r: &mut Record, extra: &Extra) {
    r.extra(extra.iter().map(|(k, v)| (k, raw_text(v))));
}
