//! `POST /api/payOut`: create a payout (disbursement) to a wallet or bank account.

use rust_decimal::Decimal;
use serde::Serialize;

use super::private::{Data, FromData, Sealed};
use super::validate::{Checks, SHORT_MAX};
use super::wire::{self, Amount, Code};
use super::{Idempotency, Operation, OrderKind, RequestIds, read};
use crate::error::{DecodeError, Error};
use crate::profile::Profiles;
use crate::types::{AccountType, CodeField, CodeFormats, Extra, IdType, PayOutStatus};

/// Who receives a payout: `accountName`, `accountNo` (in Tanzania the wallet phone number) and
/// `accountType` (the operator or account kind).
///
/// ```
/// use paydesk::api::Payee;
/// use paydesk::types::AccountType;
/// let payee = Payee::new("jack", "713512345", AccountType::TZ_TIGO);
/// # let _ = payee;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payee {
    account_name: String,
    account_no: String,
    account_type: AccountType,
}

impl Payee {
    /// The payee's name, account number and account type.
    pub fn new(
        account_name: impl Into<String>,
        account_no: impl Into<String>,
        account_type: AccountType,
    ) -> Self {
        Self {
            account_name: account_name.into(),
            account_no: account_no.into(),
            account_type,
        }
    }
}

/// Creates a payout (`/api/payOut`).
///
/// ```
/// use paydesk::api::{Payee, PayOutRequest};
/// use paydesk::types::AccountType;
/// use rust_decimal::Decimal;
/// let req = PayOutRequest::new(
///     "payout-0001",
///     "TZS",
///     Decimal::from(30_000),
///     Payee::new("jack", "713512345", AccountType::TZ_TIGO),
///     "https://merchant.example/payout/callback",
/// )
/// .remark("salary");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayOutRequest {
    mch_order_no: String,
    currency: String,
    amount: Decimal,
    payee: Payee,
    notify_url: String,
    nonce_str: Option<String>,
    bank_id: Option<u64>,
    ifsc_code: Option<String>,
    id_type: Option<IdType>,
    id_card: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    remark: Option<String>,
}

impl PayOutRequest {
    /// A payout of `amount` `currency` to `payee`, notified at `notify_url`.
    pub fn new(
        mch_order_no: impl Into<String>,
        currency: impl Into<String>,
        amount: Decimal,
        payee: Payee,
        notify_url: impl Into<String>,
    ) -> Self {
        Self {
            mch_order_no: mch_order_no.into(),
            currency: currency.into(),
            amount,
            payee,
            notify_url: notify_url.into(),
            nonce_str: None,
            bank_id: None,
            ifsc_code: None,
            id_type: None,
            id_card: None,
            phone: None,
            email: None,
            remark: None,
        }
    }

    text_setters! {
        /// The `nonceStr` (string(32)); by default the client draws a fresh one.
        nonce_str,
        /// The bank's IFSC code (`ifscCode`, India).
        ifsc_code,
        /// The payee's ID number (`idCard`, string(32)).
        id_card,
        /// The payee's phone (`phone`, string(32)).
        phone,
        /// The payee's email (`email`, string(64)).
        email,
        /// A remark (`remark`, string(32)); required in Tanzania.
        remark,
    }

    /// The bank (`bankId` from [`BankListRequest`](super::BankListRequest)), where the country
    /// pays out to banks.
    #[must_use]
    pub fn bank_id(mut self, bank_id: u64) -> Self {
        self.bank_id = Some(bank_id);
        self
    }

    /// The payee's ID type (`idType`).
    #[must_use]
    pub fn id_type(mut self, id_type: IdType) -> Self {
        self.id_type = Some(id_type);
        self
    }

    /// The payee.
    pub fn payee(&self) -> &Payee {
        &self.payee
    }

    fn present(&self, field: &str) -> Option<bool> {
        Some(match field {
            "bankId" => self.bank_id.is_some(),
            "ifscCode" => self.ifsc_code.is_some(),
            "idType" => self.id_type.is_some(),
            "idCard" => self.id_card.is_some(),
            "phone" => self.phone.is_some(),
            "email" => self.email.is_some(),
            "remark" => self.remark.is_some(),
            _ => return None,
        })
    }
}

/// The body, in the order of the provider's example.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    nonce_str: &'a str,
    account_name: &'a str,
    account_no: &'a str,
    account_type: Code,
    currency: &'a str,
    amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_id: Option<Code>,
    mch_order_no: &'a str,
    notify_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_type: Option<&'a IdType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_card: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ifsc_code: Option<&'a str>,
}

impl Sealed for PayOutRequest {
    fn check(&self, profiles: &Profiles, checks: &mut Checks) {
        checks.id("mchOrderNo", &self.mch_order_no);
        checks.text("accountName", &self.payee.account_name, usize::MAX);
        checks.text("accountNo", &self.payee.account_no, usize::MAX);
        checks.url("notifyUrl", Some(&self.notify_url));
        checks.nonce(self.nonce_str.as_deref());
        checks.opt_text("ifscCode", self.ifsc_code.as_deref(), usize::MAX);
        if let Some(IdType::Text(t)) = &self.id_type {
            checks.text("idType", t, SHORT_MAX);
        }
        checks.opt_text("idCard", self.id_card.as_deref(), SHORT_MAX);
        checks.opt_text("phone", self.phone.as_deref(), SHORT_MAX);
        checks.email(self.email.as_deref());
        checks.opt_text("remark", self.remark.as_deref(), SHORT_MAX);
        let Some(profile) = checks.money(profiles, &self.currency, self.amount) else {
            return;
        };
        let account_type = self.payee.account_type;
        if let Some(allowed) = profile.allowed_account_types()
            && !allowed.contains(&account_type)
        {
            let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            checks.push(
                "accountType",
                format!(
                    "{account_type} is not a {} accountType (allowed: {})",
                    profile.currency(),
                    list.join(", ")
                ),
            );
        }
        checks.required_by_profile(profile, profile.required_for_payout(), |f| self.present(f));
    }

    fn encode(
        &self,
        nonce: &str,
        _profiles: &Profiles,
        codes: CodeFormats,
    ) -> Result<Vec<u8>, Error> {
        wire::to_bytes(
            Self::NAME,
            &Wire {
                nonce_str: nonce,
                account_name: &self.payee.account_name,
                account_no: &self.payee.account_no,
                account_type: Code::new(
                    self.payee.account_type.code(),
                    codes,
                    CodeField::AccountType,
                ),
                currency: &self.currency,
                amount: Amount(self.amount),
                bank_id: self
                    .bank_id
                    .map(|id| Code::new(id, codes, CodeField::BankId)),
                mch_order_no: &self.mch_order_no,
                notify_url: &self.notify_url,
                id_type: self.id_type.as_ref(),
                id_card: self.id_card.as_deref(),
                phone: self.phone.as_deref(),
                email: self.email.as_deref(),
                remark: self.remark.as_deref(),
                ifsc_code: self.ifsc_code.as_deref(),
            },
        )
    }
}

impl Operation for PayOutRequest {
    type Response = PayOutResponse;
    const NAME: &'static str = "payOut";
    const PATH: &'static str = "/api/payOut";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
    const KIND: Option<OrderKind> = Some(OrderKind::PayOut);

    fn ids(&self) -> RequestIds<'_> {
        RequestIds::new(Some(&self.mch_order_no), None, self.nonce_str.as_deref())
    }
}

/// The accepted payout. Only `orderNo` is required; any other field that does not parse is
/// left in `extra`. The status here is rarely final: wait for the notify or query.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayOutResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`, echoed.
    pub mch_order_no: Option<String>,
    /// `orderNo`: the platform order number (`PAYOUT...`).
    pub order_no: String,
    /// `amount`.
    pub amount: Option<Decimal>,
    /// `fee`.
    pub fee: Option<Decimal>,
    /// `orderStatus`.
    pub status: Option<PayOutStatus>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl FromData for PayOutResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        Ok(Self {
            order_no: f.text("orderNo")?,
            merchant_id: f.lenient("merchantId", read::opt_u64),
            mch_order_no: f.lenient("mchOrderNo", read::opt_text),
            amount: f.lenient("amount", read::opt_decimal),
            fee: f.lenient("fee", read::opt_decimal),
            status: f.lenient("orderStatus", |n, v| {
                read::opt_status(n, v, PayOutStatus::parse)
            }),
            extra: f.extra(),
        })
    }
}
