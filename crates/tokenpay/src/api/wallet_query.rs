//! Wallet inquiry, `GET /v1/wallet/query[?wallet_address=..]`.

use super::wallet::parse_wallets;
use super::{
    Idempotency, Method, Operation, ReplyMeta, WalletDetail, WireContext, check_family_address,
    check_text, private,
};
use crate::error::{Error, Result};
use crate::types::address_family_of;

/// Looks up monitored wallets, optionally one address. The reply is one wallet in the docs;
/// an array is accepted too.
///
/// ```
/// use tokenpay::api::QueryWalletRequest;
/// let req = QueryWalletRequest::new().wallet_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
/// assert_eq!(req.address(), Some("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"));
/// ```
#[derive(Clone, Debug)]
pub struct QueryWalletRequest {
    wallet_address: Option<String>,
    address_checksum: bool,
}

impl QueryWalletRequest {
    /// All wallets (or, with [`Self::wallet_address`], one).
    pub fn new() -> Self {
        Self {
            wallet_address: None,
            address_checksum: true,
        }
    }

    /// Only this address (a TRON `T...` or EVM `0x...` address, checksum checked).
    #[must_use]
    pub fn wallet_address(mut self, address: impl Into<String>) -> Self {
        self.wallet_address = Some(address.into());
        self
    }

    /// Checks the address for shape only, not its checksum.
    #[must_use]
    pub fn danger_skip_address_checksum(mut self) -> Self {
        self.address_checksum = false;
        self
    }

    /// The address asked for.
    pub fn address(&self) -> Option<&str> {
        self.wallet_address.as_deref()
    }
}

impl Default for QueryWalletRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl private::Sealed for QueryWalletRequest {}

impl Operation for QueryWalletRequest {
    type Response = QueryWalletResponse;
    const NAME: &'static str = "query_wallet";
    const METHOD: Method = Method::Get;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        match &self.wallet_address {
            Some(a) => {
                let q: String = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("wallet_address", a)
                    .finish();
                format!("/v1/wallet/query?{q}")
            }
            None => "/v1/wallet/query".to_owned(),
        }
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        self.wallet_address
            .as_deref()
            .map(|a| ("wallet_address", a))
    }

    fn validate(&self) -> Result<()> {
        let Some(a) = &self.wallet_address else {
            return Ok(());
        };
        check_text("wallet_address", a)?;
        let family = address_family_of(a).ok_or_else(|| {
            Error::validation(
                "wallet_address",
                "must be a TRON (`T...`) or EVM (`0x...`) address",
            )
        })?;
        check_family_address("wallet_address", family, a, self.address_checksum)
    }

    fn body(&self, _: &WireContext<'_>) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<QueryWalletResponse, String> {
        let wallets = match data {
            Some(d) => parse_wallets(d).map_err(|e| e.render())?,
            None => Vec::new(),
        };
        Ok(QueryWalletResponse {
            wallets,
            request_id: meta.request_id,
        })
    }
}

/// The wallets found.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct QueryWalletResponse {
    /// The wallets (one when an address was given).
    pub wallets: Vec<WalletDetail>,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
