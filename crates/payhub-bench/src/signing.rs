//! Figure 1: signing per provider, against a raw MD5 (or, for tokenpay, one AES-256-ECB
//! encryption) of the same pre-built bytes.
//!
//! Rows per provider:
//! - **sign** (the 2x goal applies here): canonicalize + sign, from the request's serialized
//!   fields to the signature text. For the field-list providers (gateway-recharge, jiuyi-dc) that
//!   is the provider's canonical rule run by sign-core over the field list
//!   ([`CanonicalParams`]) plus the keyed digest and its hex text; for the whole-message
//!   providers it is the message layout (vipcharge's header string, tokenpay's
//!   `PATH\nTS\nNONCE\nBODY`) plus the digest or cipher over the body bytes (paydesk signs the
//!   body as it is).
//! - **sign ... incl. field list** (gateway-recharge, jiuyi-dc; informational): the same, starting
//!   from the provider's `(String, String)` wire fields, so it also pays for building the list
//!   sign-core reads, as the crates' `prepare` does: a [`BorrowedParams`] of borrowed keys and
//!   values (one allocation for the list, none per field).
//! - **prepare** (informational): the provider crate's whole public `Client::prepare`:
//!   validation, the nonce, serialization of the body, signing and the masked explanation.
//!
//! The floor is computed over the exact bytes the provider hashes (message, secret suffix and
//! secret in one pre-built buffer); before timing, each floor is checked to reproduce the
//! signature that `prepare` put on the wire, so both sides provably sign the same thing.

use std::hint::black_box;
use std::str::FromStr as _;

use md5::{Digest as _, Md5};
use rust_decimal::Decimal;
use sign_core::aes::Aes256EcbSigner;
use sign_core::{
    BorrowedParams, CanonicalParams, Md5Signer, Secret, SecretSuffix, SignatureEncoding,
    Signer as _,
};

use crate::Res;
use crate::harness::{self, Settings};
use crate::table::{Row, Unit};

/// The goal of the signing step: at most twice the raw digest.
const GOAL: f64 = 2.0;

/// A loopback base URL: `prepare` does no I/O, nothing listens there.
const NOWHERE: &str = "http://127.0.0.1:9";

fn md5_of(message: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(message);
    h.finalize().into()
}

fn hex_upper(bytes: &[u8]) -> String {
    SignatureEncoding::HexUpper.encode(bytes)
}

fn sign_row(provider: &str, pair: harness::Pair) -> Row {
    Row {
        figure: format!("sign {provider}"),
        ours_ns: pair.ours_ns,
        floor_ns: Some(pair.floor_ns),
        goal: Some(GOAL),
        unit: Unit::PerOp,
    }
}

fn info_row(figure: String, pair: harness::Pair) -> Row {
    Row {
        figure,
        ours_ns: pair.ours_ns,
        floor_ns: Some(pair.floor_ns),
        goal: None,
        unit: Unit::PerOp,
    }
}

fn prepare_row(provider: &str, pair: harness::Pair) -> Row {
    info_row(format!("prepare {provider} (whole)"), pair)
}

/// All providers' rows.
pub(crate) fn run(settings: Settings) -> Res<Vec<Row>> {
    let mut out = Vec::new();
    out.extend(paydesk(settings)?);
    out.extend(gateway_recharge(settings)?);
    out.extend(jiuyi_dc(settings)?);
    out.extend(vipcharge_md5(settings)?);
    out.extend(tokenpay(settings)?);
    Ok(out)
}

/// A typical hosted-cashier order (the vector `create_tza`).
pub(crate) fn paydesk_request() -> Res<paydesk::api::PayDeskRequest> {
    Ok(paydesk::api::PayDeskRequest::new(
        "1386556787811426305",
        "TZS",
        Decimal::from(1000),
        "https://merchant.com/webhooks",
    )
    .mobile_money_phone("721323213")
    .real_name("Jeck")
    .phone("255700000001")
    .email("example@maildomain.com")
    .remark("remark")
    .return_url("https://merchant.com/jump"))
}

fn paydesk(settings: Settings) -> Res<Vec<Row>> {
    const KEY: &str = "testApiKey";
    let client = paydesk::Client::builder(1002001, KEY)
        .base_url(NOWHERE)
        .build()?;
    let req = paydesk_request()?;
    let prepared = client.prepare(&req)?;
    let body = prepared.body_bytes().to_vec();
    let mut message = body.clone();
    message.extend_from_slice(KEY.as_bytes());
    check(
        "paydesk",
        prepared.header_value("Sign"),
        &hex_upper(&md5_of(&message)),
    )?;

    let signer = Md5Signer::new(Secret::new(KEY), SecretSuffix::Plain);
    let floor = || {
        black_box(md5_of(black_box(&message)));
    };
    let sign = harness::compare(
        settings,
        || {
            black_box(
                signer
                    .sign_encoded(black_box(&body), SignatureEncoding::HexUpper)
                    .ok(),
            );
        },
        floor,
    );
    let prepare = harness::compare(
        settings,
        || {
            black_box(client.prepare(black_box(&req)).ok());
        },
        floor,
    );
    Ok(vec![
        sign_row("paydesk", sign),
        prepare_row("paydesk", prepare),
    ])
}

/// sign-core's owned field list from the pairs (the fixture the `sign` rows start from).
fn to_params(pairs: &[(String, String)]) -> CanonicalParams {
    let mut params = CanonicalParams::with_capacity(pairs.len());
    for (k, v) in pairs {
        params.push(k.as_str(), v.as_str());
    }
    params
}

/// The list a provider's `prepare` builds over its wire fields before signing: borrowed, no
/// copy per field.
fn borrow_params(pairs: &[(String, String)]) -> BorrowedParams<'_> {
    let mut params = BorrowedParams::with_capacity(pairs.len());
    for (k, v) in pairs {
        params.push(k.as_str(), v.as_str());
    }
    params
}

/// The field pairs of a prepared body (JSON object or form), `sign` left out.
fn signed_pairs(params: &CanonicalParams) -> Vec<(String, String)> {
    params
        .pairs()
        .iter()
        .filter(|(k, _)| k != "sign")
        .cloned()
        .collect()
}

fn gateway_recharge(settings: Settings) -> Res<Vec<Row>> {
    use gateway_recharge::sign;
    const KEY: &str = "adesf235";
    let client = gateway_recharge::Client::builder("M1234567890", KEY)
        .base_url(NOWHERE)
        .build()?;
    let req = gateway_recharge::api::CreateOrderRequest::new(
        "ts3023423423",
        Decimal::from_str("100.00")?,
        "order ts3023423423",
        "customer01",
        "203.0.113.7",
        "https://merchant.example/winpay/callback",
        "https://merchant.example/return",
    );
    let prepared = client.prepare(&req)?;
    let received = CanonicalParams::from_json_object(prepared.body_bytes())?;
    let pairs = signed_pairs(&received);
    let mut message = received
        .to_canonical(&sign::canonical_style(), &[])
        .into_bytes();
    message.extend_from_slice(b"&key=");
    message.extend_from_slice(KEY.as_bytes());
    check(
        "gateway-recharge",
        received.get("sign").map(str::to_ascii_uppercase).as_deref(),
        &hex_upper(&md5_of(&message)),
    )?;

    let signer = sign::signer(Secret::new(KEY));
    let floor = || {
        black_box(md5_of(black_box(&message)));
    };
    let fields = to_params(&pairs);
    if borrow_params(&pairs).to_canonical(&sign::canonical_style(), &[])
        != fields.to_canonical(&sign::canonical_style(), &[])
    {
        return Err("gateway-recharge: borrowed and owned field lists differ".into());
    }
    let sign = harness::compare(
        settings,
        || {
            black_box(sign::sign(black_box(&fields), &signer));
        },
        floor,
    );
    let with_list = harness::compare(
        settings,
        || {
            let canonical =
                borrow_params(black_box(&pairs)).to_canonical(&sign::canonical_style(), &[]);
            black_box(signer.sign_hex_lower(canonical.as_bytes()));
        },
        floor,
    );
    let prepare = harness::compare(
        settings,
        || {
            black_box(client.prepare(black_box(&req)).ok());
        },
        floor,
    );
    Ok(vec![
        sign_row("gateway-recharge", sign),
        info_row(
            "sign gateway-recharge incl. field list".to_owned(),
            with_list,
        ),
        prepare_row("gateway-recharge", prepare),
    ])
}

fn jiuyi_dc(settings: Settings) -> Res<Vec<Row>> {
    const SECRET: &str = "HJH546HKDHK";
    const UNSIGNED: &[&str] = &["check"];
    let client = jiuyi_dc::Client::builder("19190009", SECRET)
        .base_url(NOWHERE)
        .build()?;
    let req = jiuyi_dc::api::PayRequest::new("43", "13800138000", "JY202611220001")
        .number(2)
        .max_price(jiuyi_dc::types::Money::parse_yuan("12")?)
        .notify_url("https://merchant.test/jy/notify?a=1&b=x y~z")
        .stock_check(true);
    let prepared = client.prepare(&req)?;
    let received = CanonicalParams::from_form(prepared.body_bytes())?;
    let pairs = signed_pairs(&received);
    let style = jiuyi_dc::sign::style();
    let mut message = received.to_canonical(&style, UNSIGNED).into_bytes();
    message.extend_from_slice(b"&appsecret=");
    message.extend_from_slice(SECRET.as_bytes());
    check(
        "jiuyi-dc",
        received.get("sign"),
        &hex_upper(&md5_of(&message)),
    )?;

    let signer = Md5Signer::new(Secret::new(SECRET), SecretSuffix::param("appsecret"));
    let floor = || {
        black_box(md5_of(black_box(&message)));
    };
    let fields = to_params(&pairs);
    if borrow_params(&pairs).to_canonical(&style, UNSIGNED) != fields.to_canonical(&style, UNSIGNED)
    {
        return Err("jiuyi-dc: borrowed and owned field lists differ".into());
    }
    let sign = harness::compare(
        settings,
        || {
            let canonical = black_box(&fields).to_canonical(&style, UNSIGNED);
            black_box(signer.sign_hex_upper(canonical.as_bytes()));
        },
        floor,
    );
    let with_list = harness::compare(
        settings,
        || {
            let canonical = borrow_params(black_box(&pairs)).to_canonical(&style, UNSIGNED);
            black_box(signer.sign_hex_upper(canonical.as_bytes()));
        },
        floor,
    );
    let prepare = harness::compare(
        settings,
        || {
            black_box(client.prepare(black_box(&req)).ok());
        },
        floor,
    );
    Ok(vec![
        sign_row("jiuyi-dc", sign),
        info_row("sign jiuyi-dc incl. field list".to_owned(), with_list),
        prepare_row("jiuyi-dc", prepare),
    ])
}

fn vipcharge_md5(settings: Settings) -> Res<Vec<Row>> {
    const SECRET: &str = "testSignKey";
    let client = vipcharge::Client::builder("166", "166", vipcharge::Credentials::md5(SECRET))
        .base_url("https://open.example.com")
        .build()?;
    let req = vipcharge::api::VipChargeRequest::new("87103", "13800138000", "BIZ-0001")
        .mobile("13800138000")
        .callback_url("https://merchant.example/vip/callback");
    let prepared = client.prepare(&req)?;
    let header = |name: &str| {
        prepared
            .header_value(name)
            .map(str::to_owned)
            .ok_or_else(|| format!("vipcharge: prepared request has no `{name}` header"))
    };
    let (business, nonce, timestamp) = (
        header("businessId")?,
        header("nonce")?,
        header("timestamp")?,
    );
    let sign_type = prepared.header_value("signType").map(str::to_owned);
    let body = prepared.body_bytes().to_vec();
    let mut message =
        vipcharge::sign::string_to_sign(&business, &nonce, sign_type.as_deref(), &timestamp, &body);
    message.extend_from_slice(SECRET.as_bytes());
    check(
        "vipcharge",
        prepared.header_value("sign"),
        &hex_upper(&md5_of(&message)),
    )?;

    let signer = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain);
    let floor = || {
        black_box(md5_of(black_box(&message)));
    };
    let sign = harness::compare(
        settings,
        || {
            let m = vipcharge::sign::string_to_sign(
                black_box(&business),
                &nonce,
                sign_type.as_deref(),
                &timestamp,
                &body,
            );
            black_box(signer.sign_encoded(&m, SignatureEncoding::HexUpper).ok());
        },
        floor,
    );
    let prepare = harness::compare(
        settings,
        || {
            black_box(client.prepare(black_box(&req)).ok());
        },
        floor,
    );
    Ok(vec![
        sign_row("vipcharge MD5", sign),
        prepare_row("vipcharge MD5", prepare),
    ])
}

fn tokenpay(settings: Settings) -> Res<Vec<Row>> {
    use tokenpay::sign::{AppKey, Authorization, request_signing_string};
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    let client =
        tokenpay::Client::builder("8e4b8c2e7c0011223344556611aabbcc", "1234567890", SECRET)
            .build()?;
    let req = tokenpay::api::PrepayRequest::new(
        "A-1001",
        Decimal::from_str("12.5")?,
        tokenpay::types::Chain::Tron,
        tokenpay::types::Currency::Usdt,
    )
    .description("order A-1001")
    .notify_url("https://merchant.example/tokenpay/notify");
    let prepared = client.prepare(&req)?;
    let auth = Authorization::parse(prepared.header_value("Authorization").unwrap_or_default())
        .map_err(|e| format!("tokenpay: Authorization header: {e}"))?;
    let path = prepared.path_and_query().to_owned();
    let body = prepared.body_bytes().to_vec();
    let message = request_signing_string(&path, &auth.timestamp, &auth.nonce_str, &body);
    let secret = Secret::new(SECRET);
    let key = AppKey::new(&secret)?;
    let ecb = Aes256EcbSigner::new(&secret)?;
    check(
        "tokenpay",
        Some(&auth.signature),
        &ecb.sign_encoded(&message, SignatureEncoding::Base64)?,
    )?;

    let floor = || {
        black_box(ecb.try_sign(black_box(&message)).ok());
    };
    let sign = harness::compare(
        settings,
        || {
            let m =
                request_signing_string(black_box(&path), &auth.timestamp, &auth.nonce_str, &body);
            black_box(key.sign(&m).ok());
        },
        floor,
    );
    let prepare = harness::compare(
        settings,
        || {
            black_box(client.prepare(black_box(&req)).ok());
        },
        floor,
    );
    Ok(vec![
        sign_row("tokenpay AES", sign),
        prepare_row("tokenpay AES", prepare),
    ])
}

/// Refuses to time a floor that does not reproduce the signature on the wire.
fn check(provider: &str, on_wire: Option<&str>, floor: &str) -> Res<()> {
    match on_wire {
        Some(s) if s.eq_ignore_ascii_case(floor) => Ok(()),
        other => Err(format!(
            "{provider}: the floor's bytes do not reproduce the signature on the wire \
             ({other:?} vs {floor}); the comparison would be meaningless"
        )
        .into()),
    }
}
