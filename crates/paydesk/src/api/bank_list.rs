//! `POST /api/bankListQuery`: the banks a payout can go to (`bankId` for [`PayOutRequest`]).
//!
//! [`PayOutRequest`]: super::PayOutRequest

use serde_json::value::RawValue;

use super::Fields;
use super::private::{Data, FromData};
use crate::error::DecodeError;
use crate::types::Extra;

nonce_request! {
    /// Lists the payout banks (`/api/bankListQuery`). Tanzania has none.
    ///
    /// ```
    /// use paydesk::api::BankListRequest;
    /// let req = BankListRequest::new();
    /// # let _ = req;
    /// ```
    BankListRequest {
        name: "bankListQuery",
        path: "/api/bankListQuery",
        response: BankListResponse,
    }
}

/// The payout banks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BankListResponse {
    /// The banks, in the provider's order.
    pub banks: Vec<Bank>,
}

/// A payout bank.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bank {
    /// `bankId`, sent as `bankId` in a payout.
    pub bank_id: u64,
    /// `bankCode`.
    pub bank_code: String,
    /// `bankName`.
    pub bank_name: String,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

/// Reads `data` as a JSON array and each element with `read`, naming the index in errors.
pub(crate) fn read_list<'a, T>(
    data: &'a str,
    read: impl Fn(Fields<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let items: Vec<&'a RawValue> = serde_json::from_str(data)
        .map_err(|e| DecodeError::new(None, "is not a JSON array").with_source(e))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Fields::parse(item.get())
                .and_then(&read)
                .map_err(|e| e.in_field(&format!("[{i}]")))
        })
        .collect()
}

impl FromData for BankListResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let banks = read_list(data.text(), |mut f| {
            Ok(Bank {
                bank_id: f.u64("bankId")?,
                bank_code: f.text("bankCode")?,
                bank_name: f.text("bankName")?,
                extra: f.extra(),
            })
        })?;
        Ok(Self { banks })
    }
}
