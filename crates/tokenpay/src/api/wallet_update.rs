//! Wallet update, `POST /v1/wallet/update`: changes a monitored wallet's note.

use super::wallet::{WalletFields, parse_wallet};
use super::{
    Idempotency, Method, Operation, ReplyMeta, WalletDetail, WireContext, private, to_json,
};
use crate::error::Result;
use crate::types::Chain;

/// Updates `wallet_address` on `chain`; the address is checked against the chain's format,
/// checksum included.
///
/// ```
/// use tokenpay::api::UpdateWalletRequest;
/// use tokenpay::types::Chain;
/// let req = UpdateWalletRequest::new(Chain::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").name("user-28713");
/// assert_eq!(req.wallet_address(), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
/// ```
#[derive(Clone, Debug)]
pub struct UpdateWalletRequest {
    fields: WalletFields,
}

impl UpdateWalletRequest {
    /// The wallet `wallet_address` on `chain`.
    pub fn new(chain: Chain, wallet_address: impl Into<String>) -> Self {
        Self {
            fields: WalletFields {
                chain,
                wallet_address: wallet_address.into(),
                name: None,
                address_checksum: true,
            },
        }
    }

    /// A note, e.g. the id of the user the wallet belongs to.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.fields.name = Some(name.into());
        self
    }

    /// Checks the address for shape only, not its checksum (for addresses you cannot check).
    #[must_use]
    pub fn danger_skip_address_checksum(mut self) -> Self {
        self.fields.address_checksum = false;
        self
    }

    /// The address.
    pub fn wallet_address(&self) -> &str {
        &self.fields.wallet_address
    }
}

impl private::Sealed for UpdateWalletRequest {}

impl Operation for UpdateWalletRequest {
    type Response = UpdateWalletResponse;
    const NAME: &'static str = "update_wallet";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/wallet/update".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("wallet_address", &self.fields.wallet_address))
    }

    fn validate(&self) -> Result<()> {
        self.fields.validate()
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(ctx, self.fields.wire())
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<UpdateWalletResponse, String> {
        let wallet = data
            .map(|d| parse_wallet("data", d))
            .transpose()
            .map_err(|e| e.render())?;
        Ok(UpdateWalletResponse {
            wallet,
            request_id: meta.request_id,
        })
    }
}

/// The wallet as tokenpay recorded it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UpdateWalletResponse {
    /// The wallet (absent if the reply carries no `data`).
    pub wallet: Option<WalletDetail>,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
