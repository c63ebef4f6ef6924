//! tokenpay's request checks: the `TTPAY-AES-256-ECB` `Authorization` header and signature,
//! the body's `app_id` / `mch_id`, chains, currencies and addresses.

use http::{HeaderMap, header};
use tokenpay::sign::{Authorization, request_signing_string};
use tokenpay::types::{Chain, validate_address};

use super::currency::{Currency, currency};
use super::wire::{Fail, invalid};
use super::{App, Inner};
use crate::{JsonFields, ProviderCtx};

impl Inner {
    pub(super) fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }

    /// Checks the `Authorization` header and the signature over the exact request.
    pub(super) fn authenticate(
        &self,
        ctx: &ProviderCtx,
        headers: &HeaderMap,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<&App, Fail> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| Fail::new(103, "invalid signature: Authorization header is missing"))?
            .to_str()
            .map_err(|_| Fail::new(103, "invalid signature: Authorization is not text"))?;
        let auth = Authorization::parse(value)
            .map_err(|e| Fail::new(103, format!("invalid signature: Authorization: {e}")))?;
        let app = self
            .app(&auth.app_id)
            .ok_or_else(|| Fail::new(20000, "application does not exist"))?;
        if auth.mch_id != app.mch_id {
            return Err(Fail::new(
                103,
                "invalid signature: mch_id is not the application's merchant",
            ));
        }
        let ts = &auth.timestamp;
        if !(ts.len() == 10 || ts.len() == 13) || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::new(
                103,
                "invalid signature: timestamp must be 10 or 13 digits",
            ));
        }
        let ts_ms = ts.parse::<i64>().unwrap_or(0) * if ts.len() == 10 { 1000 } else { 1 };
        if self.max_skew_ms > 0 && (ctx.now().unix_millis() - ts_ms).abs() > self.max_skew_ms {
            return Err(Fail::new(
                104,
                "signature expired: timestamp too far from the server clock",
            ));
        }
        if auth.nonce_str.is_empty() || auth.nonce_str.len() > 64 {
            return Err(Fail::new(
                103,
                "invalid signature: nonce_str must be 1 to 64 characters",
            ));
        }
        let message = request_signing_string(path_and_query, ts, &auth.nonce_str, body);
        app.key
            .verify(&message, &auth.signature)
            .map_err(|_| Fail::new(103, "invalid signature"))?;
        Ok(app)
    }

    /// A JSON body whose `app_id` and `mch_id` repeat the header's.
    pub(super) fn body_fields(app: &App, body: &[u8]) -> Result<JsonFields, Fail> {
        let f = JsonFields::parse(body).map_err(|_| {
            Fail::new(
                100,
                "request parameter error: the body is not a JSON object",
            )
        })?;
        for (name, expected) in [("app_id", &app.app_id), ("mch_id", &app.mch_id)] {
            let got = f.required_text(name)?;
            if &got != expected {
                return Err(Fail::new(
                    100,
                    format!(
                        "request parameter error: body {name} differs from the Authorization {name}"
                    ),
                ));
            }
        }
        Ok(f)
    }

    pub(super) fn chain_currency(f: &JsonFields) -> Result<&'static Currency, Fail> {
        let chain = f.required_text("chain")?;
        let symbol = f.required_text("currency")?;
        currency(&chain, &symbol)
            .ok_or_else(|| invalid("currency", format!("{symbol} is not supported on {chain}")))
    }

    pub(super) fn address(field: &str, chain: &str, address: &str) -> Result<(), Fail> {
        validate_address(&Chain::parse(chain), address).map_err(|e| invalid(field, e))
    }
}
