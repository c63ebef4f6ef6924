//! The reply envelope `{"code":200,"msg":"SUCCESS","data":...}`: success only when `code` is
//! 200 (number or string) and `msg` is `SUCCESS`; anything else is a typed [`ApiError`].
//!
//! The usual reply is read in one scan ([`scan::envelope`]: `code`, `msg`, `data` and the
//! fields of `data`); any other falls back to `serde_json` with the same result.

use std::borrow::Cow;

use super::fields::trim;
use super::private::Data;
use super::{Fields, read, scan};
use crate::error::{ApiError, DecodeError, Error};

/// Opens a reply: `data` (borrowed from `body`) on success, otherwise the typed error.
pub(crate) fn open<'b>(
    operation: &'static str,
    status: u16,
    body: &'b [u8],
) -> Result<Data<'b>, Error> {
    let fail = |e: DecodeError| Error::Decode(e.in_reply(operation, status, body));
    let text =
        std::str::from_utf8(body).map_err(|_| fail(DecodeError::new(None, "body is not UTF-8")))?;
    if trim(text).is_empty() {
        return Err(fail(DecodeError::new(None, "body is empty")));
    }
    let parts = match scan::envelope(text) {
        Some(parts) => parts,
        None => {
            let mut fields = Fields::parse_slow(text)
                .map_err(|e| fail(e.reworded(|reason| format!("body {reason}"))))?;
            scan::Envelope {
                code: fields.take("code"),
                msg: fields.take("msg"),
                data: fields.take_raw("data"),
                data_fields: None,
            }
        }
    };
    let code = read::opt_str("code", parts.code).map_err(fail)?;
    let msg = read::opt_str("msg", parts.msg).map_err(fail)?;
    let success = code.as_deref().map(trim) == Some("200") && msg.as_deref() == Some("SUCCESS");
    if !success {
        if code.is_none() && msg.is_none() {
            return Err(fail(DecodeError::new(
                None,
                "body is not a Cashy envelope (no `code` and no `msg`)",
            )));
        }
        return Err(Error::Api(ApiError::new(
            operation,
            status,
            code.map(Cow::into_owned),
            msg.map(Cow::into_owned).unwrap_or_default(),
            body,
        )));
    }
    if !(200..300).contains(&status) {
        return Err(fail(DecodeError::new(
            None,
            "a success envelope came with a non-2xx HTTP status",
        )));
    }
    let data = parts
        .data
        .ok_or_else(|| fail(DecodeError::field("data", "is missing")))?;
    Ok(Data::new(data, parts.data_fields))
}

/// Whether `body` is a Cashy envelope at all (a JSON object with `code` or `msg`), success or
/// error: an HTTP 404 / 405 with it is Cashy's answer, without it the URL has no route.
pub(crate) fn is_envelope(body: &[u8]) -> bool {
    matches!(open("envelope", 200, body), Ok(_) | Err(Error::Api(_)))
}
