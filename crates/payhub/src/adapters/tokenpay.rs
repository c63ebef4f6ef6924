//! TokenPay (`tokenpay`) in the registry: [`TokenpayAccount`] and its adapter.
//!
//! A [`CheckoutRequest`] becomes a prepayment order ([`PrepayRequest`]): the currency is the
//! token (`USDT`, `TRX`, ...), the extra `chain` (`TRON`, `ETHEREUM`, `BSC`) is required;
//! `description`, `notify_url`, `return_url` and `expires_in` (`expire_second`) are sent when
//! set. Extras: `chain`, `to_address`, `attach`. Callbacks name their app (`app_id`), so
//! several accounts share one route.

use std::sync::Arc;

use http::HeaderMap;
use tokenpay::api::PrepayRequest;
use tokenpay::notify::NotifyVerifier;
use tokenpay::types::{Chain, Currency};

use crate::hub::adapter::{SettingsReader, TIMEOUT_SECS};
use crate::hub::request::Fields;
use crate::{
    Account, AccountSettings, Adapter, CheckoutRequest, Error, Notification, Provider,
    ProviderAccount, Setting,
};

const P: Provider = Provider::Tokenpay;

/// A TokenPay app: a [`tokenpay::Client`] and its callback verifiers.
pub type TokenpayAccount = ProviderAccount<tokenpay::Client, NotifyVerifier>;

impl TokenpayAccount {
    /// The account `name`, calling and verifying with `client`'s credentials.
    pub fn new(name: impl Into<String>, client: tokenpay::Client) -> Self {
        let verifier = client.notify_verifier();
        Self::with_parts(name, client.app_id().to_owned(), Some(client), verifier)
    }

    /// An account that only verifies callbacks for `app_id`.
    pub fn notify_only(
        name: impl Into<String>,
        app_id: impl Into<String>,
        verifier: NotifyVerifier,
    ) -> Self {
        Self::with_parts(name, app_id, None, verifier)
    }
}

const EXTRAS: &[&str] = &["chain", "to_address", "attach"];

pub(crate) fn request(req: &CheckoutRequest) -> Result<PrepayRequest, Error> {
    let mut f = Fields::new(P, req.extras(), EXTRAS);
    let chain = Chain::parse(f.need_extra("chain"));
    let mut r = PrepayRequest::new(
        req.merchant_order_no(),
        req.amount(),
        chain,
        Currency::parse(req.currency()),
    );
    if let Some(v) = req.get_description() {
        r = r.description(v);
    }
    if let Some(v) = req.get_notify_url() {
        r = r.notify_url(v);
    }
    if let Some(v) = req.get_return_url() {
        r = r.return_url(v);
    }
    if let Some(d) = req.get_expires_in() {
        r = r.expire_second(d.as_secs());
    }
    if let Some(v) = f.extra("to_address") {
        r = r.to_address(v);
    }
    if let Some(v) = f.extra("attach") {
        r = r.attach(v);
    }
    f.finish()?;
    Ok(r)
}

super::account_impl!(
    TokenpayAccount,
    P,
    |n| Notification::Tokenpay(Box::new(n)),
    checkout
);

/// The registry's TokenPay adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenpayAdapter;

const SETTINGS: &[Setting] = &[
    Setting::optional("base_url", "the API base URL (default: TokenPay's)"),
    Setting::required("app_id", "the app_id"),
    Setting::required("mch_id", "the mch_id"),
    Setting::required("app_secret", "the app secret").secret(),
    Setting::optional("previous_app_secret", "the app secret being rotated out").secret(),
    TIMEOUT_SECS,
];

const VARS: &[(&str, &str)] = &[
    (tokenpay::ENV_BASE_URL, "base_url"),
    (tokenpay::ENV_APP_ID, "app_id"),
    (tokenpay::ENV_MCH_ID, "mch_id"),
    (tokenpay::ENV_APP_SECRET, "app_secret"),
];

impl Adapter for TokenpayAdapter {
    fn provider(&self) -> Provider {
        P
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn callback_merchant(&self, _: &HeaderMap, body: &[u8]) -> Option<String> {
        super::json_field(body, "app_id")
    }

    fn account(&self, name: &str, settings: &AccountSettings) -> Result<Arc<dyn Account>, Error> {
        let r = SettingsReader {
            provider: P,
            account: name,
            settings,
        };
        r.check(SETTINGS)?;
        let timeout = r.timeout()?;
        let previous_secret = settings.get("previous_app_secret");
        let client = |overrides: &[(&'static str, &'static str)]| {
            let mut b = tokenpay::ClientBuilder::from_vars(r.lookup(VARS, &[], overrides))
                .map_err(|e| r.crate_error(VARS, e))?;
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            // Replies signed with the previous secret verify too (the current client only).
            if let (true, Some(previous)) = (overrides.is_empty(), previous_secret) {
                b = b.previous_app_secret(previous);
            }
            b.build().map_err(|e| r.crate_error(VARS, e))
        };
        let mut account = TokenpayAccount::new(name, client(&[])?);
        if previous_secret.is_some() {
            let previous = client(&[("app_secret", "previous_app_secret")])?;
            account = account.previous_verifier(previous.notify_verifier());
        }
        Ok(Arc::new(account))
    }
}
