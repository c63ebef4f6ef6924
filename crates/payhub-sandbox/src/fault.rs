//! Fault injection: make a route (or one order's requests, or its callbacks) misbehave on
//! purpose, deterministically.
//!
//! A [`FaultRule`] says *where* (provider, route, order, requests or callbacks), *what*
//! ([`FaultKind`]) and *when* ([`Trigger`]: always, the first n times, every n-th time, or a
//! seeded rate). Rules are checked in the order they were added; the first whose scope matches
//! and whose trigger fires applies. Counters are per rule, so the same sequence of requests
//! always meets the same faults.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// The handler runs, then the reply is held back `ms` real milliseconds (longer than the
    /// client's timeout makes the outcome unknown to the client while the order exists).
    Delay {
        /// Real milliseconds to wait before replying.
        ms: u64,
    },
    /// Reply with this HTTP status (e.g. 503) and a plain-text body.
    HttpStatus {
        /// The status code.
        status: u16,
        /// Run the handler first (the order is created, the client only sees the error).
        #[serde(default)]
        after_handler: bool,
    },
    /// Send the status line, headers (with the full `Content-Length`) and the first half of the
    /// real body, then drop the connection.
    CloseMidBody,
    /// Reply with an HTML error page (like a proxy in front of the provider).
    HtmlError {
        /// The status code (default 502).
        #[serde(default = "default_html_status")]
        status: u16,
        /// Run the handler first.
        #[serde(default)]
        after_handler: bool,
    },
    /// The real reply cut in half (a consistent `Content-Length`, but invalid JSON).
    TruncatedJson,
    /// The provider's own error reply for this error name (e.g. `System_busy`), rendered by the
    /// module's [`fault_reply`](crate::ProviderModule::fault_reply) hook; HTTP 500 with the
    /// name as text when the module has no such hook.
    ProviderError {
        /// The provider's error name or code.
        error: String,
        /// Run the handler first.
        #[serde(default)]
        after_handler: bool,
    },
    /// The real reply (or callback) with its signature corrupted by the module's
    /// [`tamper_reply_signature`](crate::ProviderModule::tamper_reply_signature) /
    /// [`tamper_notify_signature`](crate::ProviderModule::tamper_notify_signature) hook.
    WrongSignature,
}

fn default_html_status() -> u16 {
    502
}

/// When a matching rule fires. Counting starts after [`FaultRule::skip`] matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Trigger {
    /// Every matching request.
    #[default]
    Always,
    /// The first `n` matching requests (one-shot: `Times(1)`).
    Times(u32),
    /// Every `n`-th matching request (n, 2n, ...).
    Every(u32),
    /// A deterministic pseudo-random share: `per_mille` out of 1000, from `seed`.
    Rate {
        /// Share in thousandths (250 = 25 %).
        per_mille: u16,
        /// Seed; the same seed gives the same sequence.
        seed: u64,
    },
}

/// What a rule applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultTarget {
    /// Requests to provider routes (the default).
    #[default]
    Requests,
    /// Outgoing callbacks (only `wrong_signature` applies).
    Callbacks,
}

/// One fault rule.
///
/// ```
/// use payhub_sandbox::{FaultKind, FaultRule};
/// let r = FaultRule::new(FaultKind::HttpStatus { status: 503, after_handler: false })
///     .provider("paydesk")
///     .route("/api/payDesk")
///     .times(1);
/// assert_eq!(serde_json::to_value(&r).unwrap()["fault"]["status"], 503);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only this provider (module name); any when absent.
    #[serde(default)]
    pub(crate) provider: Option<String>,
    /// Only this route (path relative to the provider prefix, e.g. `/api/payDesk`); a trailing
    /// `*` matches a prefix. Any when absent.
    #[serde(default)]
    pub(crate) route: Option<String>,
    /// Only requests (or callbacks) of this order: platform or merchant order number.
    #[serde(default)]
    pub(crate) order: Option<String>,
    /// Requests or callbacks.
    #[serde(default)]
    pub(crate) target: FaultTarget,
    /// What happens.
    pub(crate) fault: FaultKind,
    /// When it happens.
    #[serde(default)]
    pub(crate) trigger: Trigger,
    /// Let this many matches pass untouched first.
    #[serde(default)]
    pub(crate) skip: u32,
}

impl FaultRule {
    /// A rule that applies `fault` to every request.
    pub fn new(fault: FaultKind) -> Self {
        Self {
            provider: None,
            route: None,
            order: None,
            target: FaultTarget::Requests,
            fault,
            trigger: Trigger::Always,
            skip: 0,
        }
    }

    /// Only this provider's routes.
    #[must_use]
    pub fn provider(mut self, name: impl Into<String>) -> Self {
        self.provider = Some(name.into());
        self
    }

    /// Only this route (`/api/payDesk`; a trailing `*` matches a prefix).
    #[must_use]
    pub fn route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// Only requests or callbacks of this order (platform or merchant order number).
    #[must_use]
    pub fn order(mut self, order: impl Into<String>) -> Self {
        self.order = Some(order.into());
        self
    }

    /// Apply to outgoing callbacks instead of requests.
    #[must_use]
    pub fn on_callbacks(mut self) -> Self {
        self.target = FaultTarget::Callbacks;
        self
    }

    /// Fire on the first `n` matches only.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.trigger = Trigger::Times(n);
        self
    }

    /// Fire once (the next match).
    #[must_use]
    pub fn once(self) -> Self {
        self.times(1)
    }

    /// Fire on every `n`-th match.
    #[must_use]
    pub fn every(mut self, n: u32) -> Self {
        self.trigger = Trigger::Every(n.max(1));
        self
    }

    /// Fire on a seeded pseudo-random `per_mille` / 1000 share of matches.
    #[must_use]
    pub fn rate(mut self, per_mille: u16, seed: u64) -> Self {
        self.trigger = Trigger::Rate {
            per_mille: per_mille.min(1000),
            seed,
        };
        self
    }

    /// Let `n` matches through before counting.
    #[must_use]
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// The fault.
    pub fn fault(&self) -> &FaultKind {
        &self.fault
    }

    fn route_matches(&self, route: Option<&str>) -> bool {
        match (&self.route, route) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(got)) => match want.strip_suffix('*') {
                Some(prefix) => got.starts_with(prefix),
                None => want == got,
            },
        }
    }

    fn scope_matches(
        &self,
        target: FaultTarget,
        provider: &str,
        route: Option<&str>,
        orders: &[String],
    ) -> bool {
        self.target == target
            && self.provider.as_deref().is_none_or(|p| p == provider)
            && self.route_matches(route)
            && self
                .order
                .as_deref()
                .is_none_or(|o| orders.iter().any(|x| x == o))
    }
}

/// A rule with its counters, as listed by the control API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FaultStatus {
    /// Rule id (for removal).
    pub id: u64,
    /// The rule.
    pub rule: FaultRule,
    /// Matches seen so far.
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
}

#[derive(Debug, Default)]
struct Inner {
    rules: Vec<FaultStatus>,
    next_id: u64,
}

/// The sandbox's fault rules.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    inner: Mutex<Inner>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Counters only; a poisoned lock still holds usable data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, rule: FaultRule) -> u64 {
        let mut g = self.lock();
        g.next_id += 1;
        let id = g.next_id;
        g.rules.push(FaultStatus {
            id,
            rule,
            matched: 0,
            fired: 0,
        });
        id
    }

    pub(crate) fn remove(&self, id: u64) -> bool {
        let mut g = self.lock();
        let before = g.rules.len();
        g.rules.retain(|r| r.id != id);
        g.rules.len() != before
    }

    pub(crate) fn clear(&self) {
        self.lock().rules.clear();
    }

    pub(crate) fn list(&self) -> Vec<FaultStatus> {
        self.lock().rules.clone()
    }

    /// Whether any request rule for this provider/route needs the order numbers (so the body
    /// has to be read before the handler).
    pub(crate) fn needs_orders(&self, provider: &str, route: &str) -> bool {
        self.lock().rules.iter().any(|r| {
            r.rule.order.is_some()
                && r.rule.scope_matches(
                    FaultTarget::Requests,
                    provider,
                    Some(route),
                    &[r.rule.order.clone().unwrap_or_default()],
                )
        })
    }

    /// The fault to apply to this request or callback, if any (advances the counters).
    pub(crate) fn check(
        &self,
        target: FaultTarget,
        provider: &str,
        route: Option<&str>,
        orders: &[String],
    ) -> Option<(u64, FaultKind)> {
        let mut g = self.lock();
        for r in &mut g.rules {
            if !r.rule.scope_matches(target, provider, route, orders) {
                continue;
            }
            r.matched += 1;
            let Some(n) = r
                .matched
                .checked_sub(u64::from(r.rule.skip))
                .filter(|n| *n > 0)
            else {
                continue;
            };
            let fire = match r.rule.trigger {
                Trigger::Always => true,
                Trigger::Times(k) => r.fired < u64::from(k),
                Trigger::Every(k) => n % u64::from(k.max(1)) == 0,
                Trigger::Rate { per_mille, seed } => {
                    splitmix64(seed ^ n) % 1000 < u64::from(per_mille)
                }
            };
            if fire {
                r.fired += 1;
                return Some((r.id, r.rule.fault.clone()));
            }
        }
        None
    }
}

/// SplitMix64: a tiny, well-mixed deterministic hash for seeded rates.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fire_pattern(f: &Faults, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| {
                f.check(FaultTarget::Requests, "p", Some("/a"), &[])
                    .is_some()
            })
            .collect()
    }

    #[test]
    fn triggers_are_deterministic() {
        let f = Faults::default();
        f.add(FaultRule::new(FaultKind::CloseMidBody).times(2).skip(1));
        assert_eq!(fire_pattern(&f, 5), [false, true, true, false, false]);
        f.clear();
        f.add(FaultRule::new(FaultKind::CloseMidBody).every(3));
        assert_eq!(
            fire_pattern(&f, 6),
            [false, false, true, false, false, true]
        );
        f.clear();
        f.add(FaultRule::new(FaultKind::CloseMidBody).rate(500, 42));
        let a = fire_pattern(&f, 200);
        f.clear();
        f.add(FaultRule::new(FaultKind::CloseMidBody).rate(500, 42));
        assert_eq!(a, fire_pattern(&f, 200));
        let hits = a.iter().filter(|x| **x).count();
        assert!((60..140).contains(&hits), "{hits}");
    }

    #[test]
    fn scope_matching() {
        let f = Faults::default();
        f.add(
            FaultRule::new(FaultKind::TruncatedJson)
                .provider("p")
                .route("/api/*")
                .order("M1"),
        );
        let orders = vec!["M1".to_owned()];
        assert!(
            f.check(FaultTarget::Requests, "p", Some("/api/x"), &orders)
                .is_some()
        );
        assert!(
            f.check(FaultTarget::Requests, "p", Some("/api/x"), &[])
                .is_none()
        );
        assert!(
            f.check(FaultTarget::Requests, "q", Some("/api/x"), &orders)
                .is_none()
        );
        assert!(
            f.check(FaultTarget::Requests, "p", Some("/other"), &orders)
                .is_none()
        );
        assert!(
            f.check(FaultTarget::Callbacks, "p", Some("/api/x"), &orders)
                .is_none()
        );
        assert!(f.needs_orders("p", "/api/x"));
        assert!(!f.needs_orders("p", "/other"));
    }

    #[test]
    fn rules_deserialize_from_control_json() {
        let r: FaultRule = serde_json::from_str(
            r#"{"provider":"paydesk","fault":{"kind":"html_error"},"trigger":{"times":1}}"#,
        )
        .unwrap();
        assert_eq!(
            r.fault,
            FaultKind::HtmlError {
                status: 502,
                after_handler: false
            }
        );
        assert_eq!(r.trigger, Trigger::Times(1));
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":{"kind":"nope"}}"#).is_err());
    }
}
