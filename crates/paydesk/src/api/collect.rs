//! The fields a cashier order and a payin share (the payer, the amount, the callback), their
//! rules, and their setters.

use rust_decimal::Decimal;

use super::validate::{Checks, NAME_MAX, SHORT_MAX};
use crate::profile::{Profile, Profiles};
use crate::types::IdType;

/// Fields common to `/api/payDesk` and `/api/payIn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Collect {
    pub(crate) mch_order_no: String,
    pub(crate) currency: String,
    pub(crate) amount: Decimal,
    pub(crate) notify_url: String,
    pub(crate) reusable: bool,
    pub(crate) expire_secs: Option<u64>,
    pub(crate) nonce_str: Option<String>,
    pub(crate) mobile_money_phone: Option<String>,
    pub(crate) real_name: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) remark: Option<String>,
    pub(crate) id_type: Option<IdType>,
    pub(crate) id_card: Option<String>,
}

impl Collect {
    pub(crate) fn new(
        mch_order_no: String,
        currency: String,
        amount: Decimal,
        notify_url: String,
    ) -> Self {
        Self {
            mch_order_no,
            currency,
            amount,
            notify_url,
            reusable: false,
            expire_secs: None,
            nonce_str: None,
            mobile_money_phone: None,
            real_name: None,
            phone: None,
            email: None,
            remark: None,
            id_type: None,
            id_card: None,
        }
    }

    /// Checks the shared rules; returns the currency's profile for endpoint-specific rules.
    pub(crate) fn check<'p>(
        &self,
        profiles: &'p Profiles,
        checks: &mut Checks,
    ) -> Option<&'p Profile> {
        checks.id("mchOrderNo", &self.mch_order_no);
        let profile = checks.money(profiles, &self.currency, self.amount);
        if self.reusable && profile.is_some_and(|p| !p.allows_reusable()) {
            checks.push(
                "reusableStatus",
                "only `false` is allowed for this currency",
            );
        }
        if self.expire_secs == Some(0) {
            checks.push("expireTime", "must be at least 1 second");
        }
        checks.url("notifyUrl", Some(&self.notify_url));
        checks.nonce(self.nonce_str.as_deref());
        checks.opt_text(
            "mobileMoneyPhone",
            self.mobile_money_phone.as_deref(),
            SHORT_MAX,
        );
        checks.opt_text("realName", self.real_name.as_deref(), NAME_MAX);
        checks.opt_text("phone", self.phone.as_deref(), SHORT_MAX);
        checks.email(self.email.as_deref());
        checks.opt_text("remark", self.remark.as_deref(), SHORT_MAX);
        if let Some(IdType::Text(t)) = &self.id_type {
            checks.text("idType", t, SHORT_MAX);
        }
        checks.opt_text("idCard", self.id_card.as_deref(), SHORT_MAX);
        profile
    }

    /// Whether an optional shared field is set (`None`: not a field of these endpoints).
    pub(crate) fn present(&self, field: &str) -> Option<bool> {
        Some(match field {
            "mobileMoneyPhone" => self.mobile_money_phone.is_some(),
            "realName" => self.real_name.is_some(),
            "phone" => self.phone.is_some(),
            "email" => self.email.is_some(),
            "remark" => self.remark.is_some(),
            "idType" => self.id_type.is_some(),
            "idCard" => self.id_card.is_some(),
            "expireTime" => self.expire_secs.is_some(),
            _ => return None,
        })
    }

    /// `expireTime` to send: the request's, else the profile's default.
    pub(crate) fn expire_time(&self, profiles: &Profiles) -> Option<u64> {
        self.expire_secs.or_else(|| {
            profiles
                .resolve(&self.currency)
                .and_then(Profile::expire_secs)
        })
    }
}

/// The setters of the shared fields, for a type with a `collect: Collect` field.
macro_rules! collect_setters {
    () => {
        text_setters! {
            in collect;
            /// The payer's mobile-money wallet number (`mobileMoneyPhone`, string(32)); required
            /// in Tanzania.
            mobile_money_phone,
            /// The payer's name (`realName`, string(64)).
            real_name,
            /// The payer's phone number (`phone`, string(32)), e.g. `255700000001`.
            phone,
            /// The payer's email (`email`, string(64)).
            email,
            /// A remark (`remark`, string(32)); required in Tanzania.
            remark,
            /// The payer's ID number (`idCard`, string(32)).
            id_card,
            /// The `nonceStr` (string(32)); by default the client draws a fresh one.
            nonce_str,
        }

        /// The payer's ID type (`idType`), see [`IdType`](crate::types::IdType).
        #[must_use]
        pub fn id_type(mut self, id_type: crate::types::IdType) -> Self {
            self.collect.id_type = Some(id_type);
            self
        }

        /// `reusableStatus` (default `false`; Tanzania allows only `false`).
        #[must_use]
        pub fn reusable(mut self, reusable: bool) -> Self {
            self.collect.reusable = reusable;
            self
        }

        /// `expireTime` in seconds (default: the currency profile's, 3600 in Tanzania).
        #[must_use]
        pub fn expire_after(mut self, expire: std::time::Duration) -> Self {
            self.collect.expire_secs = Some(expire.as_secs());
            self
        }

        /// The merchant order number (`mchOrderNo`).
        pub fn mch_order_no(&self) -> &str {
            &self.collect.mch_order_no
        }

        /// The currency code.
        pub fn currency(&self) -> &str {
            &self.collect.currency
        }

        /// The amount.
        pub fn amount(&self) -> rust_decimal::Decimal {
            self.collect.amount
        }
    };
}
