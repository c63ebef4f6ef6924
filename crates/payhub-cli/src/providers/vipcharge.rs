//! vipcharge (the redemption open API): the VIP direct recharge (`/v1/openapi/order/VIPCharge`),
//! the order query, and callbacks signed over the `businessId`/`nonce`/`timestamp` headers and
//! the raw body (SHA256-RSA or MD5).

use std::sync::Arc;

use payhub::vipcharge::api::{OrderInfoRequest, VipChargeRequest};
use payhub::vipcharge::rsa::RsaPublicKey;
use payhub::vipcharge::sign::PlatformVerifier;
use payhub::vipcharge::types::SignType;
use payhub::vipcharge::{
    Ack, Client, Credentials as Signing, FixedClock, FixedNonce, NotifyVerifier,
};

use super::{
    Fixed, Op, Provider, QueryKind, Signed, Verified, check_identity, fail, take_identity,
};
use crate::credentials::{Credentials, Flag, Setting};
use crate::error::CliError;
use crate::fields::Fields;
use crate::output::{Record, json_text};

const P: Provider = Provider::Vipcharge;

pub(crate) const SETTINGS: &[Setting] = &[
    Setting::new("base_url", "VIPCHARGE_BASE_URL", Flag::BaseUrl, "base URL"),
    Setting::new(
        "merchant_id",
        "VIPCHARGE_MERCHANT_ID",
        Flag::MerchantId,
        "merchant id",
    ),
    Setting::new(
        "business_id",
        "VIPCHARGE_BUSINESS_ID",
        Flag::BusinessId,
        "business id",
    ),
    Setting::new(
        "sign_type",
        "VIPCHARGE_SIGN_TYPE",
        Flag::SignType,
        "sign type",
    ),
    Setting::new("secret", "VIPCHARGE_SECRET", Flag::Secret, "MD5 secret"),
    Setting::new(
        "private_key",
        "VIPCHARGE_PRIVATE_KEY",
        Flag::PrivateKey,
        "merchant private key file",
    ),
    Setting::new(
        "platform_public_key",
        "VIPCHARGE_PLATFORM_PUBLIC_KEY",
        Flag::PlatformPublicKey,
        "platform public key file",
    ),
];

pub(crate) const CREATE_FLAGS: &[(&str, &str)] = &[
    ("order-no", "bizCode"),
    ("product-code", "productCode"),
    ("account", "account"),
    ("mobile", "mobile"),
    ("notify-url", "callbackUrl"),
];

const CREATE_FIELDS: &[&str] = &[
    "productCode",
    "account",
    "bizCode",
    "mobile",
    "callbackUrl",
    "merchantId",
    "businessId",
];

const QUERY_FIELDS: &[&str] = &["orderCode", "bizCode"];

/// The sign type: as configured; else `MD5` when only a secret is configured and `SHA256-RSA`
/// (the platform default) otherwise.
fn sign_type(creds: &Credentials) -> Result<SignType, CliError> {
    match creds.get("sign_type")? {
        Some(t) => t
            .parse::<SignType>()
            .map_err(|e| CliError::new(format!("{P}: {e}"))),
        None if creds.get("secret")?.is_some() && creds.get("private_key")?.is_none() => {
            Ok(SignType::Md5)
        }
        None => Ok(SignType::Sha256Rsa),
    }
}

fn client(
    creds: &Credentials,
    base_url: String,
    fixed: Option<&Fixed>,
) -> Result<Client, CliError> {
    let kind = sign_type(creds)?;
    let private_key = creds.read_file("private_key")?;
    let signing = match kind {
        SignType::Md5 => Signing::md5(creds.require("secret")?),
        _ => Signing::sha256_rsa_pem(
            private_key
                .as_deref()
                .ok_or_else(|| creds.missing("private_key"))?,
        ),
    };
    let mut b = Client::builder(
        creds.require("merchant_id")?,
        creds.require("business_id")?,
        signing,
    )
    .base_url(base_url);
    if let (SignType::Md5, Some(key)) = (kind, private_key.as_deref()) {
        b = b.card_key(key);
    }
    if let Some(key) = creds.read_file("platform_public_key")? {
        b = b.platform_public_key(key);
    }
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

fn create_request(f: &mut Fields) -> Result<VipChargeRequest, CliError> {
    let mut req = VipChargeRequest::new(
        f.require("productCode")?,
        f.require("account")?,
        f.require("bizCode")?,
    );
    if let Some(m) = f.take("mobile") {
        req = req.mobile(m);
    }
    if let Some(url) = f.take("callbackUrl") {
        req = req.callback_url(url);
    }
    Ok(req)
}

fn query_request(f: &mut Fields) -> Result<OrderInfoRequest, CliError> {
    match (f.take("orderCode"), f.take("bizCode")) {
        (Some(o), Some(b)) => Ok(OrderInfoRequest::by_order_code(o).biz_code(b)),
        (Some(o), None) => Ok(OrderInfoRequest::by_order_code(o)),
        (None, Some(b)) => Ok(OrderInfoRequest::by_biz_code(b)),
        (None, None) => Err(CliError::new("field `bizCode` or `orderCode` is required")),
    }
}

pub(crate) async fn create(creds: &Credentials, mut fields: Fields) -> Result<Record, CliError> {
    fields.only("vipcharge VIPCharge", &CREATE_FIELDS[..5])?;
    let req = create_request(&mut fields)?;
    fields.finish("vipcharge VIPCharge", &CREATE_FIELDS[..5])?;
    let client = client(creds, creds.require("base_url")?, None)?;
    let order = client
        .send(&req)
        .await
        .map_err(|e| fail(P, &e, e.is_outcome_unknown()))?;
    let mut r = Record::new();
    r.put("provider", P)
        .put("biz_code", req.biz_code())
        .opt("order_code", order.order_code())
        .opt("account", order.account())
        .opt("settlement_price", order.settlement_price());
    r.extra(
        order
            .extra()
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
    // The order query itself: an order the platform does not have stays an error (status 7).
    let o = client
        .send(&OrderInfoRequest::by_biz_code(order_no))
        .await
        .map_err(|e| fail(P, &e, false))?;
    let mut r = Record::new();
    r.put("provider", P)
        .opt("biz_code", o.biz_code())
        .opt("order_code", o.order_code())
        .opt("status", o.status())
        .flag("final", o.status().is_some_and(|s| s.is_final()))
        .flag("success", o.status().is_some_and(|s| s.is_success()))
        .opt("account", o.account())
        .opt("product_code", o.product_code())
        .opt("product_name", o.product_name())
        .opt("settlement_price", o.settlement_price());
    r.extra(o.extra().iter().map(|(k, v)| (k.as_str(), json_text(v))));
    Ok(r)
}

pub(crate) fn sign(
    creds: &mut Credentials,
    mut fields: Fields,
    op: Op,
    fixed: &Fixed,
) -> Result<Signed, CliError> {
    let (merchant, business) = match op {
        Op::Create => (
            take_identity(&mut fields, "merchantId", creds, "merchant_id"),
            take_identity(&mut fields, "businessId", creds, "business_id"),
        ),
        Op::Query => (None, None),
    };
    let client = client(creds, super::sign_base_url(creds)?, Some(fixed))?;
    check_identity("merchantId", merchant.as_deref(), client.merchant_id())?;
    check_identity("businessId", business.as_deref(), client.business_id())?;
    let prepared = match op {
        Op::Create => {
            fields.only("vipcharge VIPCharge", CREATE_FIELDS)?;
            let req = create_request(&mut fields)?;
            fields.finish("vipcharge VIPCharge", CREATE_FIELDS)?;
            client.prepare(&req)
        }
        Op::Query => {
            fields.only("vipcharge order/info", QUERY_FIELDS)?;
            let req = query_request(&mut fields)?;
            fields.finish("vipcharge order/info", QUERY_FIELDS)?;
            client.prepare(&req)
        }
    }
    .map_err(|e| fail(P, &e, false))?;
    let signature = prepared.header_value("sign").unwrap_or_default().to_owned();
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
    let platform = match sign_type(creds)? {
        SignType::Md5 => PlatformVerifier::md5(creds.require("secret")?),
        _ => {
            let pem = creds
                .read_file("platform_public_key")?
                .ok_or_else(|| creds.missing("platform_public_key"))?;
            let key = RsaPublicKey::parse(&pem).map_err(|e| {
                CliError::new(format!("{P}: the platform public key is unusable: {e}"))
            })?;
            PlatformVerifier::rsa(key)
        }
    };
    // A one-off check of a saved callback: its age is not the question here (a live endpoint
    // keeps the default 24 h window).
    let verifier = NotifyVerifier::new(creds.require("business_id")?, platform).freshness(None);
    let n = verifier
        .verify(headers, body)
        .map_err(|e| fail(P, &e, false))?;
    Ok(verified(n))
}

/// The fields and the acknowledgement of a verified callback (checked here, or by a
/// `payhub::Hub` account).
pub(crate) fn verified(n: payhub::vipcharge::notify::Notification) -> Verified {
    let mut r = Record::new();
    r.put("provider", P)
        .put("order_code", n.order_code())
        .opt("biz_code", n.biz_code())
        .opt("status", n.status())
        .flag("final", n.status().is_some_and(|s| s.is_final()))
        .flag("success", n.status().is_some_and(|s| s.is_success()))
        .opt("account", n.account())
        .opt("product_code", n.product_code())
        .opt("settlement_price", n.settlement_price())
        .put("timestamp", n.timestamp());
    r.extra(n.extra().iter().map(|(k, v)| (k.as_str(), json_text(v))));
    r.put("dedupe_key", n.dedupe_key());
    let ack = Ack::success();
    Verified {
        record: r,
        notification: payhub::Notification::Vipcharge(n),
        ack: (ack.status(), ack.content_type(), ack.body()),
    }
}
