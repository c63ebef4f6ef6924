//! The documented field rules, as small reusable checks that collect every violation.

use rust_decimal::Decimal;
use url::Url;

use crate::error::{ValidationError, Violation};
use crate::profile::{Profile, Profiles};

/// `nonceStr`, `mchOrderNo`, `orderNo`: `string(32)`.
pub(crate) const ID_MAX: usize = 32;
/// Order numbers in queries (see [`Checks::lookup_id`]).
pub(crate) const LOOKUP_MAX: usize = 64;
/// `notifyUrl`, `returnUrl`: `string(250)`.
pub(crate) const URL_MAX: usize = 250;
/// `realName`, `email`: `string(64)`.
pub(crate) const NAME_MAX: usize = 64;
/// `phone`, `mobileMoneyPhone`, `idCard`, `remark`, `goodsSubject`, `goodsBody`: `string(32)`.
pub(crate) const SHORT_MAX: usize = 32;

/// Collects violations; [`Checks::finish`] turns them into one [`ValidationError`].
#[derive(Debug, Default)]
pub struct Checks {
    violations: Vec<Violation>,
}

impl Checks {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, field: &'static str, rule: impl Into<String>) {
        self.violations.push(Violation::new(field, rule));
    }

    pub(crate) fn finish(self, operation: &'static str) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::new(operation, self.violations))
        }
    }

    /// A required text: not blank, at most `max` characters, no control characters.
    pub(crate) fn text(&mut self, field: &'static str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(field, "is required and must not be blank");
            return;
        }
        self.opt_text(field, Some(value), max);
    }

    /// An optional text: at most `max` characters, no control characters.
    pub(crate) fn opt_text(&mut self, field: &'static str, value: Option<&str>, max: usize) {
        let Some(value) = value else { return };
        let len = value.chars().count();
        if len > max {
            self.push(
                field,
                format!("must be at most {max} characters, got {len}"),
            );
        }
        if value.chars().any(char::is_control) {
            self.push(field, "must not contain control characters");
        }
    }

    /// An identifier we send (`mchOrderNo` on creates, `nonceStr`): 1 to 32 characters
    /// (`string(32)`), no whitespace.
    pub(crate) fn id(&mut self, field: &'static str, value: &str) {
        self.id_within(field, value, ID_MAX);
    }

    /// An order number we look up: 1 to 64 characters, no whitespace. Queries are more lenient
    /// than creates because the provider's own query example uses a 33-character `mchOrderNo`;
    /// a query must be able to find any order the provider holds.
    pub(crate) fn lookup_id(&mut self, field: &'static str, value: &str) {
        self.id_within(field, value, LOOKUP_MAX);
    }

    fn id_within(&mut self, field: &'static str, value: &str, max: usize) {
        let len = value.chars().count();
        if len == 0 {
            self.push(field, "is required and must not be empty");
        } else if len > max {
            self.push(
                field,
                format!("must be at most {max} characters, got {len}"),
            );
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.push(field, "must not contain whitespace or control characters");
        }
    }

    /// An optional `nonceStr` set by the caller.
    pub(crate) fn nonce(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.id("nonceStr", v);
        }
    }

    /// An http(s) URL of at most 250 characters with a host.
    pub(crate) fn url(&mut self, field: &'static str, value: Option<&str>) {
        let Some(value) = value else { return };
        let len = value.chars().count();
        if len > URL_MAX {
            self.push(
                field,
                format!("must be at most {URL_MAX} characters, got {len}"),
            );
        }
        match Url::parse(value) {
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                self.push(field, "must be an http or https URL");
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.push(field, "must have a host");
            }
            Ok(_) => {}
            Err(e) => self.push(field, format!("is not a URL ({e})")),
        }
    }

    /// An email address: `local@domain.tld`, no whitespace, at most 64 characters.
    pub(crate) fn email(&mut self, value: Option<&str>) {
        let Some(value) = value else { return };
        self.opt_text("email", Some(value), NAME_MAX);
        let shaped = value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
        if !shaped || value.chars().any(char::is_whitespace) {
            self.push("email", "must look like local@domain.tld");
        }
    }

    /// `currency` and `amount` against the currency's profile; returns the profile.
    pub(crate) fn money<'p>(
        &mut self,
        profiles: &'p Profiles,
        currency: &str,
        amount: Decimal,
    ) -> Option<&'p Profile> {
        let Some(profile) = profiles.get(currency) else {
            self.push(
                "currency",
                format!("`{currency}` has no amount profile; add one with ClientBuilder::profile"),
            );
            return None;
        };
        let cur = profile.currency();
        if amount <= Decimal::ZERO {
            self.push("amount", "must be positive");
            return Some(profile);
        }
        let scale = profile.scale_digits();
        if amount.normalize().scale() > scale {
            let rule = if scale == 0 {
                format!("must be a whole number for {cur}, got {amount}")
            } else {
                format!("must have at most {scale} decimal places for {cur}, got {amount}")
            };
            self.push("amount", rule);
        }
        if amount < profile.min_amount() {
            self.push(
                "amount",
                format!(
                    "must be at least {} {cur}, got {amount}",
                    profile.min_amount()
                ),
            );
        }
        if let Some(max) = profile.max_amount().filter(|max| amount > *max) {
            self.push(
                "amount",
                format!("must be at most {max} {cur}, got {amount}"),
            );
        }
        Some(profile)
    }

    /// Fields a profile requires: `present(name)` says whether the request has the field
    /// (`None`: the endpoint has no such field, a mistake in a custom profile).
    pub(crate) fn required_by_profile(
        &mut self,
        profile: &Profile,
        required: &[&'static str],
        present: impl Fn(&str) -> Option<bool>,
    ) {
        for &field in required {
            match present(field) {
                Some(true) => {}
                Some(false) => self.push(
                    field,
                    format!(
                        "is required for {} ({})",
                        profile.currency(),
                        profile.country()
                    ),
                ),
                None => self.push(
                    field,
                    format!(
                        "is required by the {} profile but this endpoint has no such field",
                        profile.currency()
                    ),
                ),
            }
        }
    }
}
