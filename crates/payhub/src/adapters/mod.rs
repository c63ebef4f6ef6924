//! The registry's adapters and accounts, one file per provider: how the unified order shape
//! becomes the provider's request, which settings an account reads, and who a callback says
//! it is for.

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
