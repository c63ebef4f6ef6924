//! Wallet deletion, `POST /v1/wallet/delete`: tokenpay stops watching an address.

use serde::Serialize;

use super::{
    Idempotency, Method, Operation, ReplyMeta, WireContext, check_chain_address, check_text,
    private, to_json,
};
use crate::error::Result;
use crate::types::Chain;

/// Stops monitoring `wallet_address` on `chain`. The docs print the address as optional; this
/// SDK requires it, since a delete without it would name no wallet.
///
/// ```
/// use tokenpay::api::DeleteWalletRequest;
/// use tokenpay::types::Chain;
/// let req = DeleteWalletRequest::new(Chain::Bsc, "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56");
/// assert_eq!(req.wallet_address(), "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56");
/// ```
#[derive(Clone, Debug)]
pub struct DeleteWalletRequest {
    chain: Chain,
    wallet_address: String,
    address_checksum: bool,
}

impl DeleteWalletRequest {
    /// The wallet `wallet_address` on `chain`.
    pub fn new(chain: Chain, wallet_address: impl Into<String>) -> Self {
        Self {
            chain,
            wallet_address: wallet_address.into(),
            address_checksum: true,
        }
    }

    /// Checks the address for shape only, not its checksum.
    #[must_use]
    pub fn danger_skip_address_checksum(mut self) -> Self {
        self.address_checksum = false;
        self
    }

    /// The address.
    pub fn wallet_address(&self) -> &str {
        &self.wallet_address
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    wallet_address: &'a str,
    chain: &'a str,
}

impl private::Sealed for DeleteWalletRequest {}

impl Operation for DeleteWalletRequest {
    type Response = DeleteWalletResponse;
    const NAME: &'static str = "delete_wallet";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/wallet/delete".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("wallet_address", &self.wallet_address))
    }

    fn validate(&self) -> Result<()> {
        check_text("chain", self.chain.as_str())?;
        check_chain_address(
            "wallet_address",
            &self.chain,
            &self.wallet_address,
            self.address_checksum,
        )
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            Wire {
                wallet_address: &self.wallet_address,
                chain: self.chain.as_str(),
            },
        )
    }

    fn parse_data(
        _: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<DeleteWalletResponse, String> {
        Ok(DeleteWalletResponse {
            msg: meta.msg,
            request_id: meta.request_id,
        })
    }
}

/// The wallet is no longer monitored (tokenpay returns no `data`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteWalletResponse {
    /// tokenpay's `msg`.
    pub msg: String,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
