//! [`Ack`]: the exact HTTP reply a provider expects after a callback, one type for all five:
//! `payhub_runtime::Ack`, the same type every provider crate's `notify::Ack` is, with the
//! provider chosen at run time ([`payhub_runtime::AnyProvider`]).

/// The reply to send to a provider's callback: status, content type and body.
///
/// Each provider wants its own words (`SUCCESS`, `success`, HTTP 200 only, ...); the
/// [`crate::NotifyRouter`] picks them from the provider crate's own `notify::Ack`, so a handler
/// cannot get them wrong.
///
/// ```
/// # #[cfg(feature = "paydesk")] {
/// let ack: payhub::Ack = payhub::paydesk::notify::Ack::success().erase();
/// assert_eq!((ack.status(), ack.body(), ack.is_received()), (200, "SUCCESS", true));
/// # }
/// ```
pub type Ack = payhub_runtime::Ack<payhub_runtime::AnyProvider>;

/// `provider`'s success and retry replies, from its crate's own `notify::Ack`.
pub(crate) fn acks(provider: crate::Provider) -> (Ack, Ack) {
    #[allow(unused_macros)] // Reason: unused when no provider feature is on.
    macro_rules! pair {
        ($krate:ident) => {{
            (
                $krate::notify::Ack::success().erase(),
                $krate::notify::Ack::retry().erase(),
            )
        }};
    }
    match provider {
        #[cfg(feature = "gateway-recharge")]
        crate::Provider::GatewayRecharge => pair!(gateway_recharge),
        #[cfg(feature = "jiuyi-dc")]
        crate::Provider::JiuyiDc => pair!(jiuyi_dc),
        #[cfg(feature = "paydesk")]
        crate::Provider::Paydesk => pair!(paydesk),
        #[cfg(feature = "tokenpay")]
        crate::Provider::Tokenpay => pair!(tokenpay),
        #[cfg(feature = "vipcharge")]
        crate::Provider::Vipcharge => pair!(vipcharge),
        #[allow(unreachable_patterns)] // Reason: reachable only when some features are off.
        _ => {
            let off = Ack::other(404, "provider not enabled", false);
            (off, off)
        }
    }
}
