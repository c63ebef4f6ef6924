//! 91 card (`jiuyi-dc`) in the registry: [`JiuyiDcAccount`] and its adapter.
//!
//! A [`RechargeRequest`] becomes a direct recharge ([`PayRequest`]): `product` is the `card_id`,
//! `quantity` the `number`, `amount` (when set) the highest price accepted (`money`, in yuan),
//! `notify_url` sent when set. Extra: `stock_check` (`true`/`false`). Notifies name their
//! `appid` only sometimes: with several accounts, give each its own callback URL
//! (`/callbacks/jiuyi-dc/{account}`).

use std::sync::Arc;

use http::HeaderMap;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::notify::NotifyVerifier;
use jiuyi_dc::types::Money;

use crate::hub::adapter::{BASE_URL, SettingsReader, TIMEOUT_SECS};
use crate::hub::request::{Fields, parse_bool};
use crate::{
    Account, AccountSettings, Adapter, Error, Notification, Provider, ProviderAccount,
    RechargeRequest, Setting,
};

const P: Provider = Provider::JiuyiDc;

/// A 91 card app: a [`jiuyi_dc::Client`] and its notify verifiers.
pub type JiuyiDcAccount = ProviderAccount<jiuyi_dc::Client, NotifyVerifier>;

impl JiuyiDcAccount {
    /// The account `name`, calling and verifying with `client`'s credentials.
    pub fn new(name: impl Into<String>, client: jiuyi_dc::Client) -> Self {
        let verifier = client.notify_verifier();
        Self::with_parts(name, client.appid().to_owned(), Some(client), verifier)
    }

    /// An account that only verifies notifies for `appid`.
    pub fn notify_only(
        name: impl Into<String>,
        appid: impl Into<String>,
        verifier: NotifyVerifier,
    ) -> Self {
        Self::with_parts(name, appid, None, verifier)
    }
}

pub(crate) fn request(req: &RechargeRequest) -> Result<PayRequest, Error> {
    let f = Fields::new(P, req.extras(), &["stock_check"]);
    let mut r = PayRequest::new(req.product(), req.account(), req.merchant_order_no())
        .number(req.quantity());
    if let Some(amount) = req.amount() {
        let money = Money::from_yuan(amount).map_err(|e| Error::InvalidRequestField {
            provider: P,
            field: "amount",
            problem: e.to_string(),
        })?;
        r = r.max_price(money);
    }
    if let Some(v) = req.get_notify_url() {
        r = r.notify_url(v);
    }
    if let Some(v) = f.extra("stock_check") {
        r = r.stock_check(parse_bool(P, "stock_check", v)?);
    }
    f.finish()?;
    Ok(r)
}

super::account_impl!(JiuyiDcAccount, P, Notification::JiuyiDc, recharge);

/// The registry's 91 card adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct JiuyiDcAdapter;

const SETTINGS: &[Setting] = &[
    BASE_URL,
    Setting::required("appid", "the appid"),
    Setting::required("appsecret", "the appsecret").secret(),
    Setting::optional("previous_appsecret", "the appsecret being rotated out").secret(),
    Setting::optional(
        "danger_allow_http",
        "allow a plain-http gateway off loopback (true/false)",
    ),
    TIMEOUT_SECS,
];

const VARS: &[(&str, &str)] = &[
    (jiuyi_dc::ENV_BASE_URL, "base_url"),
    (jiuyi_dc::ENV_APPID, "appid"),
    (jiuyi_dc::ENV_APPSECRET, "appsecret"),
    (jiuyi_dc::ENV_DANGER_ALLOW_HTTP, "danger_allow_http"),
];

impl Adapter for JiuyiDcAdapter {
    fn provider(&self) -> Provider {
        P
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn callback_merchant(&self, _: &HeaderMap, body: &[u8]) -> Option<String> {
        super::form_field(body, "appid")
    }

    fn account(&self, name: &str, settings: &AccountSettings) -> Result<Arc<dyn Account>, Error> {
        let r = SettingsReader {
            provider: P,
            account: name,
            settings,
        };
        r.check(SETTINGS)?;
        let timeout = r.timeout()?;
        let client = |overrides: &[(&'static str, &'static str)]| {
            let lookup = r.lookup(VARS, &[], overrides);
            let mut b = jiuyi_dc::ClientBuilder::from_vars(|n| {
                lookup(n).ok_or(std::env::VarError::NotPresent)
            })
            .map_err(|e| r.crate_error(VARS, e))?;
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            b.build().map_err(|e| r.crate_error(VARS, e))
        };
        let mut account = JiuyiDcAccount::new(name, client(&[])?);
        if settings.get("previous_appsecret").is_some() {
            let previous = client(&[("appsecret", "previous_appsecret")])?;
            account = account.previous_verifier(previous.notify_verifier());
        }
        Ok(Arc::new(account))
    }
}
