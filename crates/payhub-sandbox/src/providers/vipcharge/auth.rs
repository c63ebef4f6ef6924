//! vipcharge's request checks and signatures: the string to sign, `SHA256-RSA` / `MD5`
//! verification, timestamp and nonce, the body's merchant, and the signed reply.

use std::sync::PoisonError;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::value::RawValue;
// RSA comes from sign-core's `aws-lc-rs` backend, which the `vipcharge` dependency enables.
use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer, RsaSha256Verifier};
use sign_core::{SignatureEncoding, Signer as _, Verifier as _};

use super::wire::{Envelope, Fail};
use super::{Inner, Merchant, SignKind};
use crate::{JsonFields, ProviderCtx};

/// The string to sign: sorted non-empty auth headers as `k=v&...`, then the raw body. Written
/// here independently of the client crate, from the provider's documentation.
pub(super) fn string_to_sign(
    business: &str,
    nonce: &str,
    sign_type: Option<&str>,
    ts: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut pairs = vec![
        ("businessId", business),
        ("nonce", nonce),
        ("timestamp", ts),
    ];
    if let Some(t) = sign_type.filter(|t| !t.is_empty()) {
        pairs.push(("signType", t));
    }
    pairs.retain(|(_, v)| !v.is_empty());
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Who sent an authenticated request, and how: replies are signed the same way.
#[derive(Clone, Copy)]
pub(super) struct Caller<'a> {
    pub(super) merchant: &'a Merchant,
    pub(super) kind: SignKind,
}

pub(super) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl Inner {
    pub(super) fn platform_key(&self) -> Option<&RsaPrivateKey> {
        self.platform
            .get_or_init(|| RsaPrivateKey::generate_2048(sign_core::rsa::default_backend()).ok())
            .as_ref()
    }

    pub(super) fn sign(
        &self,
        merchant: &Merchant,
        kind: SignKind,
        message: &[u8],
    ) -> Option<String> {
        match kind {
            SignKind::Md5 => Some(merchant.md5.sign_hex_upper(message)),
            SignKind::Rsa => RsaSha256Signer::new(self.platform_key()?.clone())
                .sign_encoded(message, SignatureEncoding::Base64)
                .ok(),
        }
    }

    /// The common checks, in the documented order; returns the merchant, the sign type used and
    /// the parsed body.
    pub(super) fn authenticate<'a>(
        &'a self,
        ctx: &ProviderCtx,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(Caller<'a>, JsonFields), (Fail, Option<Caller<'a>>)> {
        if method != Method::POST {
            return Err((Fail::new(4, "没有对应的接口方法 (only POST)"), None));
        }
        let need =
            |name: &str| header_text(headers, name).ok_or_else(|| (Fail::missing(name), None));
        let business = need("businessId")?;
        let nonce = need("nonce")?;
        let ts_text = need("timestamp")?;
        let sign = need("sign")?;
        let merchant = self
            .merchant(business)
            .ok_or_else(|| (Fail::new(2, "验签失败: unknown businessId"), None))?;
        let sign_type = header_text(headers, "signType");
        let kind = match sign_type {
            None => SignKind::Rsa,
            Some(t) if t.eq_ignore_ascii_case("SHA256-RSA") => SignKind::Rsa,
            Some(t) if t.eq_ignore_ascii_case("MD5") => SignKind::Md5,
            Some(_) => return Err((Fail::new(2, "验签失败: unknown signType"), None)),
        };
        let message = string_to_sign(business, nonce, sign_type, ts_text, body);
        let verified = match kind {
            SignKind::Md5 => merchant.md5.verify_hex(&message, sign).is_ok(),
            SignKind::Rsa => RsaSha256Verifier::new(merchant.public_key.clone())
                .verify_encoded(&message, sign, SignatureEncoding::Base64)
                .is_ok(),
        };
        if !verified {
            return Err((Fail::new(2, "验签失败"), None));
        }
        let signed_reply = Some(Caller { merchant, kind });
        let ts: i64 = ts_text
            .parse()
            .map_err(|_| (Fail::invalid("timestamp", "不是毫秒时间戳"), signed_reply))?;
        let now = ctx.now().unix_millis();
        if (now - ts).abs() > self.max_skew_ms {
            return Err((Fail::new(5, "接口请求时间超长"), signed_reply));
        }
        {
            let mut seen = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
            let horizon = now - 2 * self.max_skew_ms;
            if seen.len() > 10_000 {
                seen.retain(|_, at| *at >= horizon);
            }
            let key = format!("{business}\u{0}{nonce}");
            if seen.contains_key(&key) {
                return Err((Fail::new(6, "nonce重复"), signed_reply));
            }
            seen.insert(key, now);
        }
        let fields = JsonFields::parse(body)
            .map_err(|_| (Fail::new(99, "数据异常: 请求体不是JSON对象"), signed_reply))?;
        for (field, expected) in [
            ("merchantId", &merchant.merchant_id),
            ("businessId", &merchant.business_id),
        ] {
            if let Ok(Some(v)) = fields.text(field)
                && v != *expected
            {
                return Err((Fail::invalid(field, "与商户不匹配"), signed_reply));
            }
        }
        Ok((Caller { merchant, kind }, fields))
    }

    /// The reply: HTTP 200 and the envelope, signed in the headers when the merchant is known.
    pub(super) fn reply(
        &self,
        ctx: &ProviderCtx,
        status: i64,
        message: &str,
        data: Option<&RawValue>,
        signer: Option<Caller<'_>>,
    ) -> Response {
        let body = serde_json::to_vec(&Envelope {
            status,
            message,
            data,
        })
        .unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        if let Some(Caller { merchant, kind }) = signer {
            let nonce = ctx.next_order_no("RN");
            let ts = ctx.now().unix_millis().to_string();
            let message = string_to_sign(
                &merchant.business_id,
                &nonce,
                Some(kind.as_str()),
                &ts,
                &body,
            );
            if let Some(sign) = self.sign(merchant, kind, &message) {
                for (name, value) in [
                    ("businessId", merchant.business_id.as_str()),
                    ("nonce", nonce.as_str()),
                    ("timestamp", ts.as_str()),
                    ("signType", kind.as_str()),
                    ("sign", sign.as_str()),
                ] {
                    if let Ok(v) = HeaderValue::from_str(value) {
                        headers.insert(name, v);
                    }
                }
            }
        }
        (StatusCode::OK, headers, body).into_response()
    }
}
