//! WinPay (`gateway-recharge`) in the registry: [`GatewayRechargeAccount`] and its adapter.
//!
//! A [`CheckoutRequest`] becomes a collection order ([`CreateOrderRequest`]). WinPay requires
//! every field: `description` (sent as `remark`), `customer.id` (`customer`), `customer.ip`,
//! `notify_url` (`callback_url`) and `return_url`. It takes no currency: the account's
//! contract fixes it. Callbacks do not name their merchant: with several accounts, give each
//! its own callback URL (`/callbacks/gateway-recharge/{account}`).

use std::sync::Arc;

use gateway_recharge::api::CreateOrderRequest;
use gateway_recharge::notify::NotifyVerifier;
use http::HeaderMap;

use crate::hub::adapter::{BASE_URL, SettingsReader, TIMEOUT_SECS};
use crate::hub::request::Fields;
use crate::{
    Account, AccountSettings, Adapter, CheckoutRequest, Error, Notification, Provider,
    ProviderAccount, Setting,
};

const P: Provider = Provider::GatewayRecharge;

/// A WinPay merchant: a [`gateway_recharge::Client`] and its callback verifiers.
pub type GatewayRechargeAccount = ProviderAccount<gateway_recharge::Client, NotifyVerifier>;

impl GatewayRechargeAccount {
    /// The account `name`, calling and verifying with `client`'s credentials.
    pub fn new(name: impl Into<String>, client: gateway_recharge::Client) -> Self {
        let verifier = client.notify_verifier();
        Self::with_parts(
            name,
            client.merchant_no().to_owned(),
            Some(client),
            verifier,
        )
    }

    /// An account that only verifies callbacks for `merchant_no`.
    pub fn notify_only(
        name: impl Into<String>,
        merchant_no: impl Into<String>,
        verifier: NotifyVerifier,
    ) -> Self {
        Self::with_parts(name, merchant_no, None, verifier)
    }
}

pub(crate) fn request(req: &CheckoutRequest) -> Result<CreateOrderRequest, Error> {
    let mut f = Fields::new(P, req.extras(), &[]);
    let owned = |v: Option<&str>| v.map(str::to_owned);
    let c = req.get_customer();
    let remark: String = f.need("description", owned(req.get_description()));
    let customer: String = f.need("customer.id", owned(c.get_id()));
    let ip: String = f.need("customer.ip", owned(c.get_ip()));
    let notify: String = f.need("notify_url", owned(req.get_notify_url()));
    let back: String = f.need("return_url", owned(req.get_return_url()));
    f.finish()?;
    Ok(CreateOrderRequest::new(
        req.merchant_order_no(),
        req.amount(),
        remark,
        customer,
        ip,
        notify,
        back,
    ))
}

super::account_impl!(
    GatewayRechargeAccount,
    P,
    Notification::GatewayRecharge,
    checkout
);

/// The registry's WinPay adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct GatewayRechargeAdapter;

const SETTINGS: &[Setting] = &[
    BASE_URL,
    Setting::required("merchant_no", "the merchant number"),
    Setting::required("key", "the MD5 key").secret(),
    Setting::optional("previous_key", "the MD5 key being rotated out").secret(),
    TIMEOUT_SECS,
];

const VARS: &[(&str, &str)] = &[
    (gateway_recharge::ENV_BASE_URL, "base_url"),
    (gateway_recharge::ENV_MERCHANT_NO, "merchant_no"),
    (gateway_recharge::ENV_KEY, "key"),
];

impl Adapter for GatewayRechargeAdapter {
    fn provider(&self) -> Provider {
        P
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// WinPay's callbacks do not say which merchant they are for.
    fn callback_merchant(&self, _: &HeaderMap, _: &[u8]) -> Option<String> {
        None
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
            let mut b = gateway_recharge::ClientBuilder::from_vars(r.lookup(VARS, &[], overrides))
                .map_err(|e| r.crate_error(VARS, e))?;
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            b.build().map_err(|e| r.crate_error(VARS, e))
        };
        let mut account = GatewayRechargeAccount::new(name, client(&[])?);
        if settings.get("previous_key").is_some() {
            let previous = client(&[("key", "previous_key")])?;
            account = account.previous_verifier(previous.notify_verifier());
        }
        Ok(Arc::new(account))
    }
}
