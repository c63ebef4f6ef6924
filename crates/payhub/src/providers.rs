//! One adapter per provider: how its statuses, notifications and create calls map onto the
//! facade's vocabulary. Each compiles only with its feature.

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
