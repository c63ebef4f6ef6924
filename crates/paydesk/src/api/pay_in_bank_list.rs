//! `POST /api/payInBankListQuery`: the banks a payin can be paid from.
//!
//! The provider's page for this list could not be read past its request, so the element shape
//! is not documented: every field is optional here and anything else is kept in `extra`.

use super::bank_list::read_list;
use super::private::{Data, FromData};
use super::read;
use crate::error::DecodeError;
use crate::types::Extra;

nonce_request! {
    /// Lists the payin banks (`/api/payInBankListQuery`).
    ///
    /// ```
    /// use paydesk::api::PayInBankListRequest;
    /// let req = PayInBankListRequest::new();
    /// # let _ = req;
    /// ```
    PayInBankListRequest {
        name: "payInBankListQuery",
        path: "/api/payInBankListQuery",
        response: PayInBankListResponse,
    }
}

/// The payin banks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayInBankListResponse {
    /// The banks, in the provider's order.
    pub banks: Vec<PayInBank>,
}

/// A payin bank. The shape is undocumented: the payout list's field names are read when
/// present, everything else is in `extra`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayInBank {
    /// `bankId`, if present.
    pub bank_id: Option<u64>,
    /// `bankCode`, if present.
    pub bank_code: Option<String>,
    /// `bankName`, if present.
    pub bank_name: Option<String>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl FromData for PayInBankListResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let banks = read_list(data.text(), |mut f| {
            Ok(PayInBank {
                bank_id: f.lenient("bankId", read::opt_u64),
                bank_code: f.lenient("bankCode", read::opt_text),
                bank_name: f.lenient("bankName", read::opt_text),
                extra: f.extra(),
            })
        })?;
        Ok(Self { banks })
    }
}
