//! `POST /api/getBalance`: the merchant's available and unavailable balance.

use rust_decimal::Decimal;

use super::private::{Data, FromData};
use crate::error::DecodeError;
use crate::types::Extra;

nonce_request! {
    /// Reads the merchant balance (`/api/getBalance`).
    ///
    /// ```
    /// use paydesk::api::BalanceRequest;
    /// let req = BalanceRequest::new().nonce_str("4190026990");
    /// # let _ = req;
    /// ```
    BalanceRequest {
        name: "getBalance",
        path: "/api/getBalance",
        response: BalanceResponse,
    }
}

/// The merchant balance.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BalanceResponse {
    /// `mchId`, the merchant id as text.
    pub mch_id: Option<String>,
    /// `balance`: available (decimal(20,2)).
    pub balance: Decimal,
    /// `unBalance`: not yet available (decimal(20,2)).
    pub unavailable: Decimal,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl FromData for BalanceResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        Ok(Self {
            mch_id: f.opt_text("mchId")?,
            balance: f.decimal("balance")?,
            unavailable: f.decimal("unBalance")?,
            extra: f.extra(),
        })
    }
}
