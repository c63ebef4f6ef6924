//! One order shape for every provider: [`CheckoutRequest`] (collection providers) and
//! [`RechargeRequest`] (direct recharge).
//!
//! Generic code builds one of these and the registry's adapter for the chosen provider turns it
//! into that provider's own request. A field the provider needs and the request lacks is an
//! [`Error::MissingRequestField`](crate::Error::MissingRequestField) naming the field and the
//! provider, returned before anything is sent; what the provider's crate validates beyond that
//! (lengths, formats, a country's rules) is checked by the crate, also before sending. Fields
//! that only one provider has go in [`CheckoutRequest::extra`], for that provider, under the
//! provider crate's setter name (`chain` for tokenpay, `mobile_money_phone` for paydesk), so
//! one request can carry the extras of several providers and each adapter reads its own; an
//! extra an adapter does not know is an error, never silently dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::{Error, Provider};

/// Who pays: each field is the payer's personal data, so `Debug` shows only which fields are
/// set, never their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Customer {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    ip: Option<String>,
    id: Option<String>,
}

impl Customer {
    /// A customer with no field set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The payer's name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The payer's email address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The payer's phone number.
    #[must_use]
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// The payer's IP address (IPv4 or IPv6).
    #[must_use]
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Your own id of the payer.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The payer's name, if set.
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The payer's email, if set.
    pub fn get_email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The payer's phone, if set.
    pub fn get_phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// The payer's IP address, if set.
    pub fn get_ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }

    /// Your id of the payer, if set.
    pub fn get_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "-" };
        f.debug_struct("Customer")
            .field("name", &set(&self.name))
            .field("email", &set(&self.email))
            .field("phone", &set(&self.phone))
            .field("ip", &set(&self.ip))
            .field("id", &set(&self.id))
            .finish()
    }
}

/// A checkout on any collection provider (gateway-recharge, paydesk, tokenpay).
///
/// ```
/// use payhub::{CheckoutRequest, Customer, Provider};
/// use rust_decimal::Decimal;
///
/// let order = CheckoutRequest::new("A-1001", Decimal::new(1050, 2), "USDT")
///     .description("Pro plan, one month")
///     .notify_url("https://shop.example/callbacks/tokenpay")
///     .return_url("https://shop.example/thanks")
///     .customer(Customer::new().ip("203.0.113.7").id("user-42"))
///     .extra(Provider::Tokenpay, "chain", "TRON");
/// assert_eq!(order.merchant_order_no(), "A-1001");
/// assert_eq!(order.get_extra(Provider::Tokenpay, "chain"), Some("TRON"));
/// assert_eq!(order.get_extra(Provider::Paydesk, "chain"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRequest {
    merchant_order_no: String,
    amount: Decimal,
    currency: String,
    description: Option<String>,
    notify_url: Option<String>,
    return_url: Option<String>,
    customer: Customer,
    expires_in: Option<Duration>,
    extras: Extras,
}

impl CheckoutRequest {
    /// An order of `amount` (major units, never rounded) of `currency` under your unique
    /// `merchant_order_no`.
    pub fn new(
        merchant_order_no: impl Into<String>,
        amount: Decimal,
        currency: impl Into<String>,
    ) -> Self {
        Self {
            merchant_order_no: merchant_order_no.into(),
            amount,
            currency: currency.into(),
            description: None,
            notify_url: None,
            return_url: None,
            customer: Customer::default(),
            expires_in: None,
            extras: Extras::new(),
        }
    }

    /// What is being bought (sent as the provider's remark / description).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where the provider sends its callbacks.
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Where the payer's browser goes after paying.
    #[must_use]
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Who pays.
    #[must_use]
    pub fn customer(mut self, customer: Customer) -> Self {
        self.customer = customer;
        self
    }

    /// How long the payment link stays valid, where the provider takes it.
    #[must_use]
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
        self
    }

    /// A field of `provider` alone, by the provider crate's setter name (`chain` for
    /// tokenpay, `mobile_money_phone` for paydesk, ...). Each adapter's docs list the extras it
    /// takes; the other providers' extras are left to them.
    #[must_use]
    pub fn extra(
        mut self,
        provider: Provider,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.extras.insert((provider, name.into()), value.into());
        self
    }

    /// Your order number.
    pub fn merchant_order_no(&self) -> &str {
        &self.merchant_order_no
    }

    /// The amount, in major units of [`CheckoutRequest::currency`].
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency code.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The description, if set.
    pub fn get_description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The callback URL, if set.
    pub fn get_notify_url(&self) -> Option<&str> {
        self.notify_url.as_deref()
    }

    /// The return URL, if set.
    pub fn get_return_url(&self) -> Option<&str> {
        self.return_url.as_deref()
    }

    /// The customer.
    pub fn get_customer(&self) -> &Customer {
        &self.customer
    }

    /// The link's validity, if set.
    pub fn get_expires_in(&self) -> Option<Duration> {
        self.expires_in
    }

    /// `provider`'s extra `name`, if set.
    pub fn get_extra(&self, provider: Provider, name: &str) -> Option<&str> {
        self.extras
            .get(&(provider, name.to_owned()))
            .map(String::as_str)
    }

    /// Every provider-specific field, by provider and name.
    pub fn extras(&self) -> &Extras {
        &self.extras
    }
}

/// A direct recharge on any recharge provider (vipcharge, jiuyi-dc).
///
/// ```
/// use payhub::RechargeRequest;
///
/// let order = RechargeRequest::new("R-1001", "43", "13800138000")
///     .notify_url("https://shop.example/callbacks/jiuyi-dc");
/// assert_eq!(order.quantity(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RechargeRequest {
    merchant_order_no: String,
    product: String,
    account: String,
    quantity: u32,
    amount: Option<Decimal>,
    notify_url: Option<String>,
    extras: Extras,
}

impl RechargeRequest {
    /// A recharge of one unit of `product` (the provider's product code or id) to `account`
    /// (a phone number, a member account), under your unique `merchant_order_no`.
    pub fn new(
        merchant_order_no: impl Into<String>,
        product: impl Into<String>,
        account: impl Into<String>,
    ) -> Self {
        Self {
            merchant_order_no: merchant_order_no.into(),
            product: product.into(),
            account: account.into(),
            quantity: 1,
            amount: None,
            notify_url: None,
            extras: Extras::new(),
        }
    }

    /// How many units (default 1). A provider without a quantity refuses anything but 1.
    #[must_use]
    pub fn with_quantity(mut self, quantity: u32) -> Self {
        self.quantity = quantity;
        self
    }

    /// The amount, where the provider takes one (jiuyi-dc: the highest price you accept, in
    /// yuan). A provider that takes none refuses it rather than ignore it.
    #[must_use]
    pub fn with_amount(mut self, amount: Decimal) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Where the provider sends its callbacks.
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// A field of `provider` alone, by the provider crate's setter name (`mobile` for
    /// vipcharge, `stock_check` for jiuyi-dc, ...).
    #[must_use]
    pub fn extra(
        mut self,
        provider: Provider,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.extras.insert((provider, name.into()), value.into());
        self
    }

    /// Your order number.
    pub fn merchant_order_no(&self) -> &str {
        &self.merchant_order_no
    }

    /// The product code or id.
    pub fn product(&self) -> &str {
        &self.product
    }

    /// The account to recharge.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// How many units.
    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    /// The amount, if set.
    pub fn amount(&self) -> Option<Decimal> {
        self.amount
    }

    /// The callback URL, if set.
    pub fn get_notify_url(&self) -> Option<&str> {
        self.notify_url.as_deref()
    }

    /// `provider`'s extra `name`, if set.
    pub fn get_extra(&self, provider: Provider, name: &str) -> Option<&str> {
        self.extras
            .get(&(provider, name.to_owned()))
            .map(String::as_str)
    }

    /// Every provider-specific field, by provider and name.
    pub fn extras(&self) -> &Extras {
        &self.extras
    }
}

/// Provider-specific fields, by provider and name.
pub type Extras = BTreeMap<(Provider, String), String>;

/// Reads the request's fields for one provider and reports every gap at once.
#[allow(dead_code)] // Reason: unused when no provider feature is on.
pub(crate) struct Fields<'a> {
    provider: Provider,
    extras: &'a Extras,
    known_extras: &'static [&'static str],
    missing: Vec<&'static str>,
}

#[allow(dead_code)] // Reason: unused when no provider feature is on.
impl<'a> Fields<'a> {
    pub(crate) fn new(
        provider: Provider,
        extras: &'a Extras,
        known_extras: &'static [&'static str],
    ) -> Self {
        Self {
            provider,
            extras,
            known_extras,
            missing: Vec::new(),
        }
    }

    /// A field the provider needs: `None` is recorded as missing under `name`.
    #[allow(dead_code)] // Reason: the recharge providers' adapters need none.
    pub(crate) fn need<T>(&mut self, name: &'static str, value: Option<T>) -> T
    where
        T: Default,
    {
        match value {
            Some(v) => v,
            None => {
                self.missing.push(name);
                T::default()
            }
        }
    }

    /// A provider-specific extra, by name.
    #[allow(dead_code)] // Reason: only some providers' adapters read extras.
    pub(crate) fn extra(&self, name: &str) -> Option<&'a str> {
        self.extras
            .get(&(self.provider, name.to_owned()))
            .map(String::as_str)
    }

    /// A provider-specific extra the provider needs.
    #[allow(dead_code)] // Reason: only some providers' adapters read extras.
    pub(crate) fn need_extra(&mut self, name: &'static str) -> &'a str {
        match self.extra(name) {
            Some(v) => v,
            None => {
                self.missing.push(name);
                ""
            }
        }
    }

    /// Every gap at once, then any extra the adapter does not know.
    pub(crate) fn finish(self) -> Result<(), Error> {
        if !self.missing.is_empty() {
            return Err(Error::MissingRequestField {
                provider: self.provider,
                fields: self.missing,
            });
        }
        if let Some((_, unknown)) = self
            .extras
            .keys()
            .find(|(p, k)| *p == self.provider && !self.known_extras.contains(&k.as_str()))
        {
            return Err(Error::UnknownExtra {
                provider: self.provider,
                name: unknown.clone(),
                known: self.known_extras,
            });
        }
        Ok(())
    }
}

/// A bool extra: `true`/`false`/`1`/`0`/`yes`/`no`.
#[allow(dead_code)] // Reason: only some providers' adapters read extras.
pub(crate) fn parse_bool(provider: Provider, name: &'static str, v: &str) -> Result<bool, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::InvalidRequestField {
            provider,
            field: name,
            problem: "must be true or false".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_debug_hides_personal_data() {
        let c = Customer::new()
            .name("Jeck Doe")
            .email("jeck@example.com")
            .phone("255700000001");
        let shown = format!("{c:?}");
        for secret in ["Jeck", "example.com", "2557"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("<set>"), "{shown}");
        let r = CheckoutRequest::new("A", Decimal::ONE, "USD").customer(c);
        assert!(!format!("{r:?}").contains("Jeck"));
    }

    #[test]
    fn fields_report_every_gap_at_once_and_unknown_extras() {
        let extras = Extras::new();
        let mut f = Fields::new(Provider::Paydesk, &extras, &[]);
        let _: String = f.need("notify_url", None);
        let _: String = f.need("customer.ip", None);
        let e = f.finish().expect_err("two gaps");
        let text = e.to_string();
        assert!(
            text.contains("notify_url") && text.contains("customer.ip"),
            "{text}"
        );
        assert!(text.contains("paydesk"), "{text}");

        let extras = Extras::from([
            ((Provider::Tokenpay, "chian".to_owned()), "TRON".to_owned()),
            ((Provider::Paydesk, "id_card".to_owned()), "X1".to_owned()),
        ]);
        let f = Fields::new(Provider::Tokenpay, &extras, &["chain"]);
        let text = f.finish().expect_err("typo").to_string();
        assert!(text.contains("chian") && text.contains("chain"), "{text}");
    }
}
