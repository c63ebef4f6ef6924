//! The redemption open API (`vipcharge`) in the registry: [`VipchargeAccount`] and its adapter.
//!
//! A [`RechargeRequest`] becomes a VIP charge ([`VipChargeRequest`]): `product` is the product
//! code, `account` the account to recharge, `notify_url` the `callbackUrl`. vipcharge takes
//! no quantity and no amount: a request with either is refused rather than sent without it.
//! Extra: `mobile`. Callbacks name their `businessId`, so several accounts share one route.
//! A rotation may change the MD5 secret (`previous_secret`) or the platform public key
//! (`previous_platform_public_key`).

use std::sync::Arc;

use http::HeaderMap;
use vipcharge::api::VipChargeRequest;
use vipcharge::notify::NotifyVerifier;
use vipcharge::rsa::RsaPublicKey;
use vipcharge::sign::PlatformVerifier;

use crate::hub::adapter::{BASE_URL, SettingsReader, TIMEOUT_SECS};
use crate::hub::request::Fields;
use crate::{
    Account, AccountSettings, Adapter, Error, Notification, Provider, ProviderAccount,
    RechargeRequest, Setting,
};

const P: Provider = Provider::Vipcharge;

/// A redemption open API business: a [`vipcharge::Client`] and its callback verifiers.
pub type VipchargeAccount = ProviderAccount<vipcharge::Client, NotifyVerifier>;

impl VipchargeAccount {
    /// The account `name`, calling and verifying with `client`'s credentials.
    ///
    /// # Errors
    /// [`Error::Vipcharge`] when the client has no key to verify callbacks with.
    pub fn new(name: impl Into<String>, client: vipcharge::Client) -> Result<Self, Error> {
        let verifier = client.notify_verifier()?;
        Ok(Self::with_parts(
            name,
            client.business_id().to_owned(),
            Some(client),
            verifier,
        ))
    }

    /// An account that only verifies callbacks for `business_id`.
    pub fn notify_only(
        name: impl Into<String>,
        business_id: impl Into<String>,
        verifier: NotifyVerifier,
    ) -> Self {
        Self::with_parts(name, business_id, None, verifier)
    }
}

pub(crate) fn request(req: &RechargeRequest) -> Result<VipChargeRequest, Error> {
    let f = Fields::new(P, req.extras(), &["mobile"]);
    let refuse = |field, problem: &str| Error::InvalidRequestField {
        provider: P,
        field,
        problem: problem.to_owned(),
    };
    if req.quantity() != 1 {
        return Err(refuse(
            "quantity",
            "vipcharge recharges one unit per order; place one order per unit",
        ));
    }
    if req.amount().is_some() {
        return Err(refuse(
            "amount",
            "vipcharge takes no amount (the product code fixes the price); leave it unset",
        ));
    }
    let mut r = VipChargeRequest::new(req.product(), req.account(), req.merchant_order_no());
    if let Some(v) = req.get_notify_url() {
        r = r.callback_url(v);
    }
    if let Some(v) = f.extra("mobile") {
        r = r.mobile(v);
    }
    f.finish()?;
    Ok(r)
}

super::account_impl!(VipchargeAccount, P, Notification::Vipcharge, recharge);

/// The registry's redemption open API adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct VipchargeAdapter;

const SETTINGS: &[Setting] = &[
    BASE_URL,
    Setting::required("merchant_id", "the merchantId"),
    Setting::required("business_id", "the businessId"),
    Setting::optional("sign_type", "SHA256-RSA (default) or MD5"),
    Setting::optional("secret", "the MD5 secret").secret(),
    Setting::optional("private_key", "the merchant private key file"),
    Setting::optional("platform_public_key", "the platform public key file"),
    Setting::optional("previous_secret", "the MD5 secret being rotated out").secret(),
    Setting::optional(
        "previous_platform_public_key",
        "the platform public key file being rotated out",
    ),
    TIMEOUT_SECS,
];

const VARS: &[(&str, &str)] = &[
    (vipcharge::ENV_BASE_URL, "base_url"),
    (vipcharge::ENV_MERCHANT_ID, "merchant_id"),
    (vipcharge::ENV_BUSINESS_ID, "business_id"),
    (vipcharge::ENV_SIGN_TYPE, "sign_type"),
    (vipcharge::ENV_SECRET, "secret"),
    (vipcharge::ENV_PRIVATE_KEY, "private_key"),
    (vipcharge::ENV_PLATFORM_PUBLIC_KEY, "platform_public_key"),
];

const PATHS: &[&str] = &[
    "private_key",
    "platform_public_key",
    "previous_platform_public_key",
];

impl Adapter for VipchargeAdapter {
    fn provider(&self) -> Provider {
        P
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn callback_merchant(&self, headers: &HeaderMap, _: &[u8]) -> Option<String> {
        headers
            .get("businessId")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    }

    fn account(&self, name: &str, settings: &AccountSettings) -> Result<Arc<dyn Account>, Error> {
        let r = SettingsReader {
            provider: P,
            account: name,
            settings,
        };
        r.check(SETTINGS)?;
        let timeout = r.timeout()?;
        let previous_replies = previous_platform_verifier(&r)?;
        let client = |overrides: &[(&'static str, &'static str)]| {
            let mut b = vipcharge::ClientBuilder::from_vars(r.lookup(VARS, PATHS, overrides))
                .map_err(|e| r.crate_error(VARS, e))?;
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            // Replies signed with the previous key verify too (the current client only).
            if let (true, Some(v)) = (overrides.is_empty(), &previous_replies) {
                b = b.previous_platform_verifier(v.clone());
            }
            b.build().map_err(|e| r.crate_error(VARS, e))
        };
        let mut account = VipchargeAccount::new(name, client(&[])?)?;
        let mut overrides = Vec::new();
        if settings.get("previous_secret").is_some() {
            overrides.push(("secret", "previous_secret"));
        }
        if settings.get("previous_platform_public_key").is_some() {
            overrides.push(("platform_public_key", "previous_platform_public_key"));
        }
        if !overrides.is_empty() {
            let previous = client(&overrides)?;
            account = account.previous_verifier(previous.notify_verifier()?);
        }
        Ok(Arc::new(account))
    }
}

/// The verifier of the key being rotated out, for replies: the previous platform public key,
/// else (an MD5 merchant) the previous secret.
fn previous_platform_verifier(r: &SettingsReader<'_>) -> Result<Option<PlatformVerifier>, Error> {
    if let Some(path) = r.settings.path("previous_platform_public_key") {
        let key = "previous_platform_public_key";
        let bytes = std::fs::read(&path)
            .map_err(|e| r.error(key, format!("cannot be read: {}", e.kind())))?;
        let public = RsaPublicKey::parse(&bytes).map_err(|e| r.error(key, e.to_string()))?;
        return Ok(Some(PlatformVerifier::rsa(public)));
    }
    Ok(r.settings.get("previous_secret").map(PlatformVerifier::md5))
}
