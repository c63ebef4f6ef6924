//! Cashy's request rules: country/currency profiles and field checks, each failure mapped to the
//! documented `Params_<field>_Required` / `Params_<field>_error` names.
//!
//! Profiles follow the provider reference (`paydesk.md` sections 5.4, 6, 7, 9). Currencies the
//! reference has no amount rule for (MXN, INR, BRL, ...) are refused with
//! `Params_currency_error`.

use rust_decimal::Decimal;

use super::wire::Fail;
use crate::{FieldProblem, JsonFields};

/// One country's cashier/payin/payout rules.
#[derive(Clone, Copy, Debug)]
pub(super) struct Profile {
    pub(super) currency: &'static str,
    /// Inclusive minimum amount.
    pub(super) min: Decimal,
    /// Inclusive maximum amount, if any.
    pub(super) max: Option<Decimal>,
    /// Maximum decimals (0 = integer amounts).
    pub(super) scale: u32,
    /// `mobileMoneyPhone` required (Tanzania).
    pub(super) mobile_money: bool,
    /// `idType` and `idCard` required.
    pub(super) id_required: bool,
    /// `remark` required.
    pub(super) remark_required: bool,
    /// `expireTime` required on the cashier (default otherwise).
    pub(super) expire_required: bool,
    /// Default `expireTime` in seconds.
    pub(super) expire_default: u64,
    /// `reusableStatus` must be present and `false`.
    pub(super) reusable_false: bool,
    /// Valid payin `payType` codes (empty = any positive integer).
    pub(super) pay_types: &'static [i64],
    /// Payin `payType` codes that deliver a URL (others push to the phone).
    pub(super) url_pay_types: &'static [i64],
    /// Valid payout `accountType` codes (empty = any non-negative integer).
    pub(super) account_types: &'static [i64],
}

const DAY7: u64 = 7 * 24 * 3600;

const fn d(n: i64, scale: u32) -> Decimal {
    Decimal::from_parts(n as u32, 0, 0, false, scale)
}

/// Tanzania: TZS, integer 500–5,000,000; payType 810 AirtelMoney, 811 TigoPesa, 812 Halotel,
/// 821 NormalUssd, 888 PayLink (813 Vodacom is not in the provider's sandbox); accountType 0
/// Airtel, 1 Tigo (2 Halotel and 3 Vodacom are not in the provider's sandbox).
pub(super) const PROFILES: &[Profile] = &[
    Profile {
        currency: "TZS",
        min: d(500, 0),
        max: Some(d(5_000_000, 0)),
        scale: 0,
        mobile_money: true,
        id_required: false,
        remark_required: true,
        expire_required: true,
        expire_default: 3600,
        reusable_false: true,
        pay_types: &[810, 811, 812, 821, 888],
        url_pay_types: &[821, 888],
        account_types: &[0, 1],
    },
    Profile {
        currency: "COP",
        min: d(10_000, 0),
        max: Some(d(5_000_000, 0)),
        scale: 2,
        mobile_money: false,
        id_required: true,
        remark_required: true,
        expire_required: false,
        expire_default: DAY7,
        reusable_false: true,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
    Profile {
        currency: "CLP",
        min: d(1_000, 0),
        max: Some(d(5_000_000, 0)),
        scale: 2,
        mobile_money: false,
        id_required: false,
        remark_required: true,
        expire_required: false,
        expire_default: 3600,
        reusable_false: false,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
    Profile {
        currency: "PEN",
        min: d(1_000, 2),
        max: Some(d(200_000, 2)),
        scale: 2,
        mobile_money: false,
        id_required: false,
        remark_required: true,
        expire_required: false,
        expire_default: 3600,
        reusable_false: true,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
    Profile {
        currency: "USD",
        min: d(1, 0),
        max: Some(d(500, 0)),
        scale: 2,
        mobile_money: false,
        id_required: false,
        remark_required: false,
        expire_required: false,
        expire_default: DAY7,
        reusable_false: false,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
    Profile {
        currency: "PHP",
        min: d(100, 0),
        max: Some(d(5_000_000, 0)),
        scale: 0,
        mobile_money: false,
        id_required: true,
        remark_required: true,
        expire_required: false,
        expire_default: 3600,
        reusable_false: true,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
    Profile {
        currency: "IDR",
        min: d(10_000, 0),
        max: None,
        scale: 0,
        mobile_money: false,
        id_required: false,
        remark_required: true,
        expire_required: false,
        expire_default: 3600,
        reusable_false: true,
        pay_types: &[],
        url_pay_types: &[],
        account_types: &[],
    },
];

/// The profile of a currency.
pub(super) fn profile(currency: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.currency == currency)
}

fn map(field: &str, problem: &FieldProblem) -> Fail {
    match problem {
        FieldProblem::Missing => Fail::required(field),
        _ => Fail::invalid(field),
    }
}

/// Field readers that answer with Cashy's error names.
pub(super) struct Check<'a>(pub(super) &'a JsonFields);

impl Check<'_> {
    /// An optional string of at most `max` characters.
    pub(super) fn opt_str(&self, field: &str, max: usize) -> Result<Option<String>, Fail> {
        let v = self.0.text(field).map_err(|e| map(field, &e.problem))?;
        match v {
            Some(s) if s.chars().count() > max => Err(Fail::invalid(field)),
            Some(s) if s.is_empty() => Ok(None),
            other => Ok(other),
        }
    }

    /// A required, non-empty string of at most `max` characters.
    pub(super) fn str(&self, field: &str, max: usize) -> Result<String, Fail> {
        self.opt_str(field, max)?
            .ok_or_else(|| Fail::required(field))
    }

    /// A string that is required when `required`, optional otherwise.
    pub(super) fn str_if(
        &self,
        field: &str,
        max: usize,
        required: bool,
    ) -> Result<Option<String>, Fail> {
        if required {
            self.str(field, max).map(Some)
        } else {
            self.opt_str(field, max)
        }
    }

    /// An optional integer (number or numeric string).
    pub(super) fn opt_int(&self, field: &str) -> Result<Option<i64>, Fail> {
        self.0.integer(field).map_err(|e| map(field, &e.problem))
    }

    /// A required integer.
    pub(super) fn int(&self, field: &str) -> Result<i64, Fail> {
        self.opt_int(field)?.ok_or_else(|| Fail::required(field))
    }

    /// A phone number: digits with an optional leading `+`, at most `max` characters.
    pub(super) fn phone(
        &self,
        field: &str,
        max: usize,
        required: bool,
    ) -> Result<Option<String>, Fail> {
        let v = self.str_if(field, max, required)?;
        if let Some(p) = &v {
            let digits = p.strip_prefix('+').unwrap_or(p);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fail::invalid(field));
            }
        }
        Ok(v)
    }

    /// An `http`/`https` URL of at most `max` characters.
    pub(super) fn url(
        &self,
        field: &str,
        max: usize,
        required: bool,
    ) -> Result<Option<String>, Fail> {
        let v = self.str_if(field, max, required)?;
        if let Some(u) = &v {
            match url::Url::parse(u) {
                Ok(p) if matches!(p.scheme(), "http" | "https") && p.host().is_some() => {}
                _ => return Err(Fail::invalid(field)),
            }
        }
        Ok(v)
    }

    /// An e-mail address of at most `max` characters.
    pub(super) fn email(
        &self,
        field: &str,
        max: usize,
        required: bool,
    ) -> Result<Option<String>, Fail> {
        let v = self.str_if(field, max, required)?;
        if let Some(e) = &v {
            let ok = match e.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains('@')
                        && !e.contains(char::is_whitespace)
                }
                None => false,
            };
            if !ok {
                return Err(Fail::invalid(field));
            }
        }
        Ok(v)
    }

    /// `currency` and its profile.
    pub(super) fn currency(&self) -> Result<&'static Profile, Fail> {
        let c = self.str("currency", 32)?;
        profile(&c).ok_or_else(|| Fail::invalid("currency"))
    }

    /// `amount` within the profile's range and precision.
    pub(super) fn amount(&self, p: &Profile) -> Result<Decimal, Fail> {
        let a = self
            .0
            .decimal("amount")
            .map_err(|e| map("amount", &e.problem))?;
        let a = a.ok_or_else(|| Fail::required("amount"))?;
        let too_precise = a.normalize().scale() > p.scale;
        let out_of_range = a < p.min || p.max.is_some_and(|m| a > m);
        if too_precise || out_of_range {
            Err(Fail::invalid("amount"))
        } else {
            Ok(a)
        }
    }

    /// `reusableStatus`: must be `false` where the profile says so.
    pub(super) fn reusable(&self, p: &Profile) -> Result<(), Fail> {
        let v = self
            .0
            .boolean("reusableStatus")
            .map_err(|e| map("reusableStatus", &e.problem))?;
        match (v, p.reusable_false) {
            (None, true) => Err(Fail::required("reusableStatus")),
            (Some(true), true) => Err(Fail::invalid("reusableStatus")),
            _ => Ok(()),
        }
    }

    /// `expireTime` in seconds (positive), or the profile default.
    pub(super) fn expire(&self, p: &Profile, required: bool) -> Result<u64, Fail> {
        match self.opt_int("expireTime")? {
            None if required => Err(Fail::required("expireTime")),
            None => Ok(p.expire_default),
            Some(s) if s > 0 => u64::try_from(s).map_err(|_| Fail::invalid("expireTime")),
            Some(_) => Err(Fail::invalid("expireTime")),
        }
    }

    /// `idType` / `idCard`, required where the profile says so.
    pub(super) fn id(&self, p: &Profile) -> Result<(), Fail> {
        if p.id_required && !self.0.has("idType") {
            return Err(Fail::required("idType"));
        }
        self.opt_str("idType", 32)?;
        self.str_if("idCard", 32, p.id_required)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str) -> JsonFields {
        JsonFields::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn tanzania_amounts() {
        let p = profile("TZS").unwrap();
        for (body, want) in [
            (r#"{"amount":1000}"#, Ok(Decimal::new(1000, 0))),
            (r#"{"amount":"500"}"#, Ok(Decimal::new(500, 0))),
            (r#"{"amount":5000000}"#, Ok(Decimal::new(5_000_000, 0))),
            (r#"{"amount":1000.00}"#, Ok(Decimal::new(100_000, 2))),
            (r#"{"amount":499}"#, Err("Params_amount_error")),
            (r#"{"amount":5000001}"#, Err("Params_amount_error")),
            (r#"{"amount":1000.5}"#, Err("Params_amount_error")),
            (r#"{"amount":"abc"}"#, Err("Params_amount_error")),
            (r#"{"amount":true}"#, Err("Params_amount_error")),
            (r#"{}"#, Err("Params_amount_Required")),
        ] {
            let f = check(body);
            let got = Check(&f).amount(p).map_err(|e| e.msg);
            assert_eq!(got, want.map_err(str::to_owned), "{body}");
        }
    }

    #[test]
    fn strings_emails_urls_phones() {
        let f = check(
            r#"{"a":"x","long":"123456789012345678901234567890123","e":"a@b.co","bad":"a@b","u":"ftp://x","p":"+255 1","n":721323213}"#,
        );
        let c = Check(&f);
        assert_eq!(c.str("a", 32).unwrap(), "x");
        assert_eq!(c.str("long", 32).unwrap_err().msg, "Params_long_error");
        assert_eq!(c.str("none", 32).unwrap_err().msg, "Params_none_Required");
        assert!(c.email("e", 64, true).is_ok());
        assert_eq!(
            c.email("bad", 64, true).unwrap_err().msg,
            "Params_bad_error"
        );
        assert_eq!(c.url("u", 250, true).unwrap_err().msg, "Params_u_error");
        assert_eq!(c.phone("p", 32, true).unwrap_err().msg, "Params_p_error");
        assert_eq!(
            c.phone("n", 32, true).unwrap().as_deref(),
            Some("721323213")
        );
    }

    #[test]
    fn reusable_and_expire() {
        let p = profile("TZS").unwrap();
        let f = check(r#"{"reusableStatus":true,"expireTime":0}"#);
        assert_eq!(
            Check(&f).reusable(p).unwrap_err().msg,
            "Params_reusableStatus_error"
        );
        assert_eq!(
            Check(&f).expire(p, true).unwrap_err().msg,
            "Params_expireTime_error"
        );
        let f = check("{}");
        assert_eq!(
            Check(&f).reusable(p).unwrap_err().msg,
            "Params_reusableStatus_Required"
        );
        assert_eq!(Check(&f).expire(p, false).unwrap(), 3600);
        assert!(Check(&f).reusable(profile("USD").unwrap()).is_ok());
    }
}
