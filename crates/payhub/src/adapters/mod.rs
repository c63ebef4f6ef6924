//! The registry's adapters and accounts, one file per provider: how the unified order shape
//! becomes the provider's request, which settings an account reads, and who a callback says
//! it is for.

/// The `Account` impl of a provider account: name, merchant id, verification with the current
/// then the previous key (`$wrap` makes the facade's `Notification`), and the provider's one
/// kind of order (`checkout` or `recharge`, through `request` in the invoking module), the
/// other refused as `Error::Unsupported`.
#[allow(unused_macros)] // Reason: unused when no provider feature is on.
macro_rules! account_impl {
    ($account:ty, $p:expr, $wrap:expr, checkout) => {
        impl $crate::Account for $account {
            $crate::adapters::account_impl!(@common $p, $wrap);

            fn checkout<'a>(
                &'a self,
                req: &'a $crate::CheckoutRequest,
            ) -> $crate::AccountFuture<'a, $crate::PaymentLink> {
                Box::pin(async move {
                    let client = self.client_for($p)?;
                    $crate::Checkout::create_checkout(client, &request(req)?).await
                })
            }

            fn recharge<'a>(
                &'a self,
                _: &'a $crate::RechargeRequest,
            ) -> $crate::AccountFuture<'a, $crate::RechargeReceipt> {
                $crate::hub::account::unsupported($p, "recharge")
            }

            fn status<'a>(
                &'a self,
                no: &'a str,
            ) -> $crate::AccountFuture<'a, $crate::PaymentStatus> {
                Box::pin(async move {
                    $crate::Checkout::checkout_status(self.client_for($p)?, no).await
                })
            }
        }
    };
    ($account:ty, $p:expr, $wrap:expr, recharge) => {
        impl $crate::Account for $account {
            $crate::adapters::account_impl!(@common $p, $wrap);

            fn checkout<'a>(
                &'a self,
                _: &'a $crate::CheckoutRequest,
            ) -> $crate::AccountFuture<'a, $crate::PaymentLink> {
                $crate::hub::account::unsupported($p, "checkout")
            }

            fn recharge<'a>(
                &'a self,
                req: &'a $crate::RechargeRequest,
            ) -> $crate::AccountFuture<'a, $crate::RechargeReceipt> {
                Box::pin(async move {
                    let client = self.client_for($p)?;
                    $crate::Recharge::recharge(client, &request(req)?).await
                })
            }

            fn status<'a>(
                &'a self,
                no: &'a str,
            ) -> $crate::AccountFuture<'a, $crate::PaymentStatus> {
                Box::pin(async move {
                    $crate::Recharge::recharge_status(self.client_for($p)?, no).await
                })
            }
        }
    };
    (@common $p:expr, $wrap:expr) => {
        fn provider(&self) -> $crate::Provider {
            $p
        }

        fn name(&self) -> &str {
            &self.name
        }

        fn merchant_id(&self) -> &str {
            &self.merchant_id
        }

        fn verify(
            &self,
            headers: &::http::HeaderMap,
            body: &[u8],
        ) -> Result<$crate::Verified, $crate::Error> {
            let (n, key) = self.verify_rotating($p, |v| v.verify(headers, body))?;
            Ok($crate::Verified {
                account: self.name.clone(),
                notification: ($wrap)(n),
                key,
            })
        }
    };
}
#[allow(unused_imports)] // Reason: unused when no provider feature is on.
pub(crate) use account_impl;

#[cfg(feature = "gateway-recharge")]
pub(crate) mod gateway_recharge;
#[cfg(feature = "jiuyi-dc")]
pub(crate) mod jiuyi_dc;
#[cfg(feature = "paydesk")]
pub(crate) mod paydesk;
#[cfg(feature = "tokenpay")]
pub(crate) mod tokenpay;
#[cfg(feature = "vipcharge")]
pub(crate) mod vipcharge;

/// A top-level text or number field of a JSON object body, without verifying anything (to pick
/// the account whose keys then verify it).
#[allow(dead_code)] // Reason: unused when only path-routed providers are enabled.
pub(crate) fn json_field(body: &[u8], name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get(name)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A field of a form body (`a=1&b=2`), without verifying anything.
#[allow(dead_code)] // Reason: unused when jiuyi-dc is off.
pub(crate) fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
