//! Monitored wallets: the shared [`WalletDetail`] reply and the insert/update body.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{check_chain_address, check_text};
use crate::error::Result;
use crate::types::{Chain, UnixMillis};
use crate::wire::{FieldError, Fields, array};

/// A monitored wallet (`WalletDetail`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WalletDetail {
    /// The application.
    pub app_id: Option<String>,
    /// The merchant.
    pub mch_id: Option<String>,
    /// The merchant's note (e.g. the user id it belongs to).
    pub name: Option<String>,
    /// The chain.
    pub chain: Option<Chain>,
    /// The address.
    pub wallet_address: String,
    /// When it was added (tokenpay sends seconds here).
    pub create_time: Option<UnixMillis>,
    /// Last activity.
    pub last_time: Option<UnixMillis>,
    /// Members this crate does not type.
    pub extra: Map<String, Value>,
}

pub(crate) fn parse_wallet(
    path: &str,
    text: &str,
) -> std::result::Result<WalletDetail, FieldError> {
    let mut f = Fields::parse(path, text)?;
    Ok(WalletDetail {
        app_id: f.str_opt("app_id")?,
        mch_id: f.str_opt("mch_id")?,
        name: f.str_opt("name")?,
        chain: f.parse_opt("chain")?,
        wallet_address: f.str_req("wallet_address")?,
        create_time: f.time_opt("create_time")?,
        last_time: f.time_opt("last_time")?,
        extra: f.extra(),
    })
}

/// One wallet object or an array of them.
pub(crate) fn parse_wallets(text: &str) -> std::result::Result<Vec<WalletDetail>, FieldError> {
    if text.trim_start().starts_with('[') {
        array("data", text)?
            .iter()
            .enumerate()
            .map(|(i, raw)| parse_wallet(&format!("data[{i}]"), raw.get()))
            .collect()
    } else {
        parse_wallet("data", text).map(|w| vec![w])
    }
}

/// The fields of an insert or update.
#[derive(Clone, Debug)]
pub(crate) struct WalletFields {
    pub(crate) chain: Chain,
    pub(crate) wallet_address: String,
    pub(crate) name: Option<String>,
    pub(crate) address_checksum: bool,
}

impl WalletFields {
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(n) = &self.name {
            check_text("name", n)?;
        }
        check_text("chain", self.chain.as_str())?;
        check_chain_address(
            "wallet_address",
            &self.chain,
            &self.wallet_address,
            self.address_checksum,
        )
    }

    pub(crate) fn wire(&self) -> WalletWire<'_> {
        WalletWire {
            name: self.name.as_deref(),
            wallet_address: &self.wallet_address,
            chain: self.chain.as_str(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct WalletWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    wallet_address: &'a str,
    chain: &'a str,
}
