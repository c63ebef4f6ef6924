//! Cashy (`paydesk`) in the registry: [`PaydeskAccount`] and its adapter.
//!
//! A [`CheckoutRequest`] becomes a cashier order ([`PayDeskRequest`]): `notify_url` is
//! required; `description` is sent as `remark`, the customer's name, phone and email as
//! `realName`, `phone`, `email`, `expires_in` as `expireTime`. Extras: `mobile_money_phone`,
//! `goods_subject`, `goods_body`, `id_card`. What a currency requires beyond that (a remark and
//! a wallet number in Tanzania) is checked by the crate's currency profile before sending.
//! Callbacks name their merchant (`MerchantId` header), so several accounts share one route.

use std::sync::Arc;

use http::HeaderMap;
use paydesk::api::PayDeskRequest;
use paydesk::notify::NotifyVerifier;

use crate::hub::adapter::{BASE_URL, SettingsReader, TIMEOUT_SECS};
use crate::hub::request::Fields;
use crate::{
    Account, AccountSettings, Adapter, CheckoutRequest, Error, Notification, Provider,
    ProviderAccount, Setting,
};

const P: Provider = Provider::Paydesk;

/// A Cashy merchant account: a [`paydesk::Client`] and its callback verifiers.
pub type PaydeskAccount = ProviderAccount<paydesk::Client, NotifyVerifier>;

impl PaydeskAccount {
    /// The account `name`, calling and verifying with `client`'s credentials.
    pub fn new(name: impl Into<String>, client: paydesk::Client) -> Self {
        let verifier = client.notify_verifier();
        Self::with_parts(
            name,
            client.merchant_id().to_string(),
            Some(client),
            verifier,
        )
    }

    /// An account that only verifies callbacks (no client: calls fail with
    /// [`Error::NoClient`]).
    pub fn notify_only(
        name: impl Into<String>,
        merchant_id: u64,
        verifier: NotifyVerifier,
    ) -> Self {
        Self::with_parts(name, merchant_id.to_string(), None, verifier)
    }
}

/// The unified order as a cashier request.
pub(crate) fn request(req: &CheckoutRequest) -> Result<PayDeskRequest, Error> {
    let mut f = Fields::new(P, req.extras(), EXTRAS);
    let notify_url: String = f.need("notify_url", req.get_notify_url().map(str::to_owned));
    let mut r = PayDeskRequest::new(
        req.merchant_order_no(),
        req.currency(),
        req.amount(),
        notify_url,
    );
    let c = req.get_customer();
    if let Some(v) = req.get_description() {
        r = r.remark(v);
    }
    if let Some(v) = req.get_return_url() {
        r = r.return_url(v);
    }
    if let Some(v) = c.get_name() {
        r = r.real_name(v);
    }
    if let Some(v) = c.get_phone() {
        r = r.phone(v);
    }
    if let Some(v) = c.get_email() {
        r = r.email(v);
    }
    if let Some(d) = req.get_expires_in() {
        r = r.expire_after(d);
    }
    if let Some(v) = f.extra("mobile_money_phone") {
        r = r.mobile_money_phone(v);
    }
    if let Some(v) = f.extra("goods_subject") {
        r = r.goods_subject(v);
    }
    if let Some(v) = f.extra("goods_body") {
        r = r.goods_body(v);
    }
    if let Some(v) = f.extra("id_card") {
        r = r.id_card(v);
    }
    f.finish()?;
    Ok(r)
}

const EXTRAS: &[&str] = &[
    "mobile_money_phone",
    "goods_subject",
    "goods_body",
    "id_card",
];

super::account_impl!(PaydeskAccount, P, Notification::Paydesk, checkout);

/// The registry's Cashy adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct PaydeskAdapter;

const SETTINGS: &[Setting] = &[
    BASE_URL,
    Setting::required("merchant_id", "the numeric MerchantId"),
    Setting::required("api_key", "the apiKey").secret(),
    Setting::optional("previous_api_key", "the apiKey being rotated out").secret(),
    TIMEOUT_SECS,
];

const VARS: &[(&str, &str)] = &[
    (paydesk::ENV_BASE_URL, "base_url"),
    (paydesk::ENV_MERCHANT_ID, "merchant_id"),
    (paydesk::ENV_API_KEY, "api_key"),
];

impl Adapter for PaydeskAdapter {
    fn provider(&self) -> Provider {
        P
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn callback_merchant(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        headers
            .get("MerchantId")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .or_else(|| super::json_field(body, "merchantId"))
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
            let mut b = paydesk::ClientBuilder::from_vars(r.lookup(VARS, &[], overrides))
                .map_err(|e| r.crate_error(VARS, e))?;
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            b.build().map_err(|e| r.crate_error(VARS, e))
        };
        let mut account = PaydeskAccount::new(name, client(&[])?);
        if settings.get("previous_api_key").is_some() {
            let previous = client(&[("api_key", "previous_api_key")])?;
            account = account.previous_verifier(previous.notify_verifier());
        }
        Ok(Arc::new(account))
    }
}
