//! The `{code, msg, result, other}` reply envelope every dcapi endpoint answers with.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::value::RawValue;

use super::Reply;
use super::json::{Ctx, scalar_text};
use crate::error::{ApiCode, ApiError, DecodeError, DecodeErrorKind};
use crate::{Error, Result};

/// Reads the envelope: `code: 1` is a [`Reply`]; any other code is [`Error::Api`] with the
/// provider's `msg`; a body that is not an envelope is [`Error::Decode`].
pub(crate) fn read_envelope(op: &'static str, status: u16, body: Bytes) -> Result<Reply> {
    let ok_status = (200..300).contains(&status);
    let decode = |kind: DecodeErrorKind, body: &Bytes| {
        Error::Decode(DecodeError::new(op, status, kind, body.clone()))
    };
    let mut map: BTreeMap<String, Box<RawValue>> = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(_) if !ok_status => return Err(decode(DecodeErrorKind::HttpStatus, &body)),
        Err(e) => {
            let reason = match e.classify() {
                _ if body.iter().all(u8::is_ascii_whitespace) => "empty body".to_owned(),
                serde_json::error::Category::Eof => "truncated".to_owned(),
                serde_json::error::Category::Data => "not a JSON object".to_owned(),
                _ => format!("syntax error at line {} column {}", e.line(), e.column()),
            };
            return Err(decode(DecodeErrorKind::NotJson { reason }, &body));
        }
    };
    let ctx = Ctx::new(op, status, body.clone());
    let code = match map.remove("code") {
        Some(raw) => scalar_text(&ctx, "code", &raw)?.unwrap_or_default(),
        None if !ok_status => return Err(decode(DecodeErrorKind::HttpStatus, &body)),
        None => return Err(ctx.field_error("code", "is missing")),
    };
    let msg = match map.remove("msg") {
        Some(raw) => scalar_text(&ctx, "msg", &raw)?.unwrap_or_default(),
        None => String::new(),
    };
    if code.trim() == "1" {
        Ok(Reply::new(
            op,
            status,
            msg,
            map.remove("result"),
            map.remove("other"),
            body,
        ))
    } else {
        Err(Error::Api(ApiError::new(
            op,
            ApiCode::parse(code.trim()),
            msg,
            status,
            body,
        )))
    }
}

/// Whether `body` is a dcapi envelope (a JSON object with `code`): an HTTP 404 / 405 with it is
/// the gateway's answer, without it the URL has no route.
pub(crate) fn is_envelope(body: &[u8]) -> bool {
    serde_json::from_slice::<BTreeMap<String, Box<RawValue>>>(body)
        .is_ok_and(|m| m.contains_key("code"))
}
