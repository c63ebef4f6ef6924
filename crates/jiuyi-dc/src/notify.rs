//! Direct-recharge notifies (callbacks to `notify_url`): verify on the raw bytes, then parse.
//!
//! The provider POSTs the order's `order_id`, `out_order_id`, `status`, `account`, `card_id`,
//! `evidence` (recharge proof) and possibly more, with `sign` computed by the request rule over
//! all of them. [`NotifyVerifier::verify`] checks the signature over **every** received non-empty
//! field except `sign` (not a fixed list, so a field the provider adds later is still covered),
//! then returns a typed [`Notification`].
//!
//! Answer with [`Ack::success`] (the plain body `success`) once the notification is stored;
//! anything else counts as "not received" and the provider delivers again: 10 deliveries at 1, 5,
//! 15, 20, 25, 30, 35, 40, 45 and 50 seconds, so all of them arrive within about a minute.
//! Process idempotently ([`Notification::dedupe_key`]), and if verification fails, query the order
//! ([`crate::Client::reconcile`]) rather than trusting the body. Notifies are documented for
//! direct recharges only; card orders are polled.
//!
//! Related timers, documented by the provider: an order nobody fulfils within 7 days is withdrawn
//! and refunded (status 6); a successful order auto-confirms 24 hours after success (status 3 to
//! 4), which cannot be configured.
//!
//! # Replays
//! A notify signs no time: the documented fields are `order_id`, `out_order_id`, `status`,
//! `account`, `card_id` and `evidence`, none of them a timestamp, so a genuine notify stays
//! valid forever and no freshness window can be checked. What protects against a replayed old
//! notify (after a restart emptied a deduplication cache, say) is: deduplication on
//! [`Notification::dedupe_key`] kept in a **durable** store; checking the order number and the
//! status transition against your own records (a replayed "success" for an order you already
//! completed, or never placed, changes nothing); and, when in doubt, querying the order
//! ([`crate::Client::reconcile`]), whose answer is fresh.
//!
//! The body encoding of notifies is not documented: `application/x-www-form-urlencoded` (like
//! requests) is assumed, and JSON objects are accepted too. Without a content type the body is
//! sniffed (`{` means JSON).
//!
//! ```
//! use jiuyi_dc::notify::{Ack, NotifyVerifier};
//! let verifier = NotifyVerifier::new("HJH546HKDHK");
//! let mut headers = http::HeaderMap::new();
//! headers.insert(
//!     http::header::CONTENT_TYPE,
//!     http::HeaderValue::from_static("application/x-www-form-urlencoded"),
//! );
//! let body = b"order_id=API2022040622185551647&out_order_id=JY202611220001&status=4\
//!     &account=13800138000&card_id=43&sign=45172CE3F9E03BF6D82137FD4868D5F5";
//! let n = verifier.verify(&headers, body)?;
//! assert!(n.status.is_success());
//! assert_eq!(Ack::success().body(), "success");
//! # Ok::<(), jiuyi_dc::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use payhub_runtime::metrics::{self, CallbackOutcome};
use payhub_runtime::{DEFAULT_MAX_NOTIFY_BODY_BYTES, Protocol as _};
use sign_core::{BorrowedParams, Secret};

use crate::error::NotifyError;
use crate::protocol::JiuyiDc;
use crate::sign::{RequestSigner, SIGN_FIELD};
use crate::types::OrderStatus;
use crate::{Error, Result};

/// The reply a notify handler sends back: [`Ack::success`] is HTTP 200 with the plain body
/// `success`, exactly what the provider expects; [`Ack::retry`] is HTTP 500 `fail` (anything
/// but `success` makes the provider deliver again on its schedule).
pub type Ack = payhub_runtime::Ack<JiuyiDc>;

/// Verifies notifies with the app secret. Cheap to clone; build it once.
#[derive(Clone)]
pub struct NotifyVerifier {
    signer: RequestSigner,
    appid: Option<String>,
    max_body: usize,
}

impl NotifyVerifier {
    /// A verifier for `appsecret`, for a webhook service that has no [`crate::Client`].
    pub fn new(appsecret: impl Into<Secret>) -> Self {
        Self::from_signer(RequestSigner::new(appsecret.into()))
    }

    pub(crate) fn from_signer(signer: RequestSigner) -> Self {
        Self {
            signer,
            appid: None,
            max_body: DEFAULT_MAX_NOTIFY_BODY_BYTES,
        }
    }

    /// Rejects notifies whose `appid` field (when present) is not `appid`. The documented notify
    /// fields do not include `appid`; when absent, this check passes.
    #[must_use]
    pub fn expect_appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = Some(appid.into());
        self
    }

    /// The largest body accepted (default 64 KiB, [`DEFAULT_MAX_NOTIFY_BODY_BYTES`]).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Verifies a callback from its HTTP headers and the raw body bytes as received (before any
    /// parsing by your web framework), like every payhub provider crate's `NotifyVerifier`.
    /// Only `Content-Type` is read from the headers: form-urlencoded or JSON; without one (or
    /// an empty one) the body is sniffed (`{` means JSON).
    ///
    /// # Errors
    /// [`Error::Notify`] with a distinct [`NotifyError`] per problem: body too large, not UTF-8,
    /// wrong content type, missing / malformed / bad signature, wrong merchant, malformed field.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Notification> {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let verified = self.verify_inner(content_type, body);
        let outcome = match verified {
            Ok(_) => CallbackOutcome::Verified,
            Err(_) => CallbackOutcome::Refused,
        };
        metrics::callback(JiuyiDc::PROVIDER, outcome);
        verified.map_err(Error::Notify)
    }

    fn verify_inner(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        if body.len() > self.max_body {
            return Err(NotifyError::BodyTooLarge {
                limit: self.max_body,
                actual: body.len(),
            });
        }
        let text = std::str::from_utf8(body).map_err(|_| NotifyError::NotUtf8)?;
        let json = match content_type.map(media_type) {
            Some(m) if m == "application/x-www-form-urlencoded" => false,
            Some(m) if m == "application/json" || m.ends_with("+json") => true,
            Some(m) if m.is_empty() => text.trim_start().starts_with('{'),
            Some(m) => return Err(NotifyError::WrongContentType(m)),
            None => text.trim_start().starts_with('{'),
        };
        // The fields borrow their text from `body`: only what the notification keeps is copied.
        let params = if json {
            BorrowedParams::from_json_object(body).map_err(|_| NotifyError::MalformedField {
                field: "body".to_owned(),
                problem: "not a JSON object".to_owned(),
            })?
        } else {
            let params = BorrowedParams::from_form(text.trim().as_bytes()).map_err(|_| {
                NotifyError::MalformedField {
                    field: "body".to_owned(),
                    problem: "not a form body".to_owned(),
                }
            })?;
            // A JSON object with a repeated key is refused by `from_json_object`; a form can
            // repeat one, and parsers disagree on which copy wins.
            if let Some(k) = first_repeated_key(&params) {
                return Err(NotifyError::MalformedField {
                    field: k.to_owned(),
                    problem: "appears more than once".to_owned(),
                });
            }
            params
        };
        let sign = match params.get(SIGN_FIELD) {
            Some(s) if !s.trim().is_empty() => s.trim(),
            _ => return Err(NotifyError::MissingSignature),
        };
        if sign.len() != 32 || !sign.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NotifyError::MalformedSignature);
        }
        if !self.signer.verify_borrowed(&params, sign) {
            return Err(NotifyError::BadSignature);
        }
        if let (Some(expected), Some(received)) = (&self.appid, params.get("appid"))
            && !received.is_empty()
            && received != expected
        {
            return Err(NotifyError::WrongMerchant {
                received: received.to_owned(),
            });
        }
        Notification::from_fields(params)
    }
}

/// The first key that appears more than once, in document order of its second appearance.
fn first_repeated_key<'p>(params: &'p BorrowedParams<'_>) -> Option<&'p str> {
    let pairs = params.pairs();
    if pairs.len() <= 32 {
        // A real notify has a handful of fields: comparing with the earlier ones allocates
        // nothing.
        pairs
            .iter()
            .enumerate()
            .find(|(i, (k, _))| pairs[..*i].iter().any(|(earlier, _)| earlier == k))
            .map(|(_, (k, _))| k.as_ref())
    } else {
        let mut seen = BTreeSet::new();
        pairs
            .iter()
            .map(|(k, _)| k.as_ref())
            .find(|k| !seen.insert(*k))
    }
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl fmt::Debug for NotifyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyVerifier")
            .field("appid", &self.appid)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// A verified direct-recharge notify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// The platform order number.
    pub order_id: String,
    /// The merchant order number.
    pub out_order_id: String,
    /// The order status (the full 1–7 set may be pushed).
    pub status: OrderStatus,
    /// The recharged account.
    pub account: Option<String>,
    /// The product id.
    pub card_id: Option<String>,
    /// `evidence`: the recharge proof, when sent.
    pub evidence: Option<String>,
    /// Every other received non-empty field except `sign`; all of them were covered by the
    /// signature (empty fields are unsigned by the rule, so they are dropped).
    pub extra: BTreeMap<String, String>,
}

impl Notification {
    /// Reads the verified fields (no key repeats), moving each value out of `params`.
    fn from_fields(params: BorrowedParams<'_>) -> Result<Self, NotifyError> {
        let mut fields = params.into_pairs();
        let mut take = |k: &str| {
            fields
                .iter_mut()
                .find(|(name, _)| name == k)
                .map(|(_, v)| std::mem::take(v))
                .filter(|v| !v.is_empty())
                .map(Cow::into_owned)
        };
        let required = |k: &str, v: Option<String>| {
            v.ok_or_else(|| NotifyError::MalformedField {
                field: k.to_owned(),
                problem: "is missing".to_owned(),
            })
        };
        let order_id = required("order_id", take("order_id"))?;
        let out_order_id = required("out_order_id", take("out_order_id"))?;
        let status = required("status", take("status"))?;
        if !status.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NotifyError::MalformedField {
                field: "status".to_owned(),
                problem: "must be a number".to_owned(),
            });
        }
        let account = take("account");
        let card_id = take("card_id");
        let evidence = take("evidence");
        Ok(Self {
            order_id,
            out_order_id,
            status: OrderStatus::parse(status.trim()),
            account,
            card_id,
            evidence,
            extra: fields
                .into_iter()
                .filter(|(k, v)| !v.is_empty() && k != SIGN_FIELD)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        })
    }

    /// A key that identifies this delivery's content: redeliveries of the same state share it,
    /// a new state gets a new key. Store it to process each state once.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.order_id, self.status.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeated(body: &str) -> Option<String> {
        let params = BorrowedParams::from_form(body.as_bytes()).ok()?;
        first_repeated_key(&params).map(str::to_owned)
    }

    #[test]
    fn the_first_repeated_form_key_is_found_in_short_and_long_bodies() {
        assert_eq!(repeated("a=1&b=2&c=3"), None);
        assert_eq!(repeated("a=1&b=2&b=3&a=4"), Some("b".to_owned()));
        let long: Vec<String> = (0..100).map(|i| format!("k{i}=v")).collect();
        assert_eq!(repeated(&long.join("&")), None);
        let with_repeat = format!("{}&k7=x&k3=y", long.join("&"));
        assert_eq!(repeated(&with_repeat), Some("k7".to_owned()));
    }

    #[test]
    fn values_move_into_the_notification_and_the_rest_into_extra() {
        let body = "order_id=A1&out_order_id=O1&status=4&account=&zz=last&sign=S";
        let params = BorrowedParams::from_form(body.as_bytes());
        let n = params.map(Notification::from_fields);
        let Ok(Ok(n)) = n else {
            panic!("{n:?}");
        };
        assert_eq!((n.order_id.as_str(), n.out_order_id.as_str()), ("A1", "O1"));
        assert_eq!(n.account, None, "empty is absent");
        assert_eq!(
            n.extra.into_iter().collect::<Vec<_>>(),
            vec![("zz".to_owned(), "last".to_owned())],
            "sign and the read fields are not extra"
        );
    }
}
