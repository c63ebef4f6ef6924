//! tokenpay's monitored wallets: insert, update, delete and query.

use std::sync::PoisonError;

use http::Uri;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::currency::CURRENCIES;
use super::wire::{Fail, invalid, raw};
use super::{App, Inner, Op};
use crate::{JsonFields, ProviderCtx};

/// A monitored wallet.
#[derive(Clone)]
pub(super) struct Wallet {
    name: Option<String>,
    chain: String,
    address: String,
    created_secs: i64,
}

impl Inner {
    pub(super) fn wallet_json(app: &App, w: &Wallet) -> Value {
        json!({
            "app_id": app.app_id, "mch_id": app.mch_id, "name": w.name.clone().unwrap_or_default(),
            "chain": w.chain, "wallet_address": w.address, "create_time": w.created_secs, "last_time": 0
        })
    }

    pub(super) fn wallet(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        op: Op,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let chain = f.required_text("chain")?;
        if !CURRENCIES.iter().any(|c| c.chain == chain) {
            return Err(invalid("chain", format!("{chain} is not supported")));
        }
        let address = f.required_text("wallet_address")?;
        Self::address("wallet_address", &chain, &address)?;
        let key = (app.app_id.clone(), chain.clone(), address.clone());
        let mut wallets = self.wallets.lock().unwrap_or_else(PoisonError::into_inner);
        match op {
            Op::WalletInsert => {
                if wallets.contains_key(&key) {
                    return Err(Fail::new(
                        12001,
                        "data already exists: the wallet is monitored",
                    ));
                }
                let w = Wallet {
                    name: f.text("name")?,
                    chain,
                    address,
                    created_secs: ctx.now().unix_seconds(),
                };
                let out = Self::wallet_json(app, &w);
                wallets.insert(key, w);
                Ok(Some(raw(out.to_string())))
            }
            Op::WalletUpdate => {
                let w = wallets
                    .get_mut(&key)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                if let Some(n) = f.text("name")? {
                    w.name = Some(n);
                }
                Ok(Some(raw(Self::wallet_json(app, w).to_string())))
            }
            _ => {
                wallets
                    .remove(&key)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                Ok(None)
            }
        }
    }

    pub(super) fn wallet_query(&self, app: &App, uri: &Uri) -> Result<Option<Box<RawValue>>, Fail> {
        let wanted = uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "wallet_address")
                .map(|(_, v)| v.into_owned())
        });
        let wallets = self.wallets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut mine = wallets
            .iter()
            .filter(|((a, _, _), _)| a == &app.app_id)
            .map(|(_, w)| w);
        match wanted {
            Some(addr) => {
                let w = mine
                    .find(|w| w.address == addr)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                Ok(Some(raw(Self::wallet_json(app, w).to_string())))
            }
            None => {
                let all: Vec<Value> = mine.map(|w| Self::wallet_json(app, w)).collect();
                Ok(Some(raw(Value::Array(all).to_string())))
            }
        }
    }
}
