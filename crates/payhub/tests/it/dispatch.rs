//! Router dispatch on every provider's golden-vector callback: verified to the right
//! `Notification` variant with its common status and facts, answered with the vector's
//! acknowledgement, and refused when routed to any other provider.

use payhub::paydesk;
use payhub::{Error, Notification, PaymentStatus, Provider};
use rust_decimal::Decimal;

use crate::support::{Callback, all_callbacks, router_all, router_for};

/// What each vector callback must read as through the facade.
struct Want {
    status: PaymentStatus,
    order: &'static str,
    amount: Option<Decimal>,
    currency: Option<&'static str>,
}

fn want(provider: Provider) -> Want {
    match provider {
        Provider::GatewayRecharge => Want {
            status: PaymentStatus::Paid,
            order: "1728995495",
            amount: Some(Decimal::new(20000, 2)),
            currency: None,
        },
        Provider::JiuyiDc => Want {
            status: PaymentStatus::Paid,
            order: "JY202611220001",
            amount: None,
            currency: None,
        },
        Provider::Paydesk => Want {
            status: PaymentStatus::Paid,
            order: "1313068703462109184",
            amount: Some(Decimal::new(35_832_000, 2)),
            currency: None,
        },
        Provider::Tokenpay => Want {
            status: PaymentStatus::Paid,
            order: "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb",
            amount: Some(Decimal::from(15)),
            currency: Some("USDT"),
        },
        // The vector's status report carries no `orderStatus`: the facade says so instead of
        // guessing.
        Provider::Vipcharge => Want {
            status: PaymentStatus::Unknown("(no status)".to_owned()),
            order: "87103",
            amount: None,
            currency: None,
        },
        other => panic!("no vector for {other}"),
    }
}

/// The provider's own typed notification is kept whole in the right variant.
fn assert_variant(cb: &Callback, n: &Notification) {
    match (cb.provider, n) {
        (Provider::GatewayRecharge, Notification::GatewayRecharge(g)) => {
            assert_eq!(g.trade_no, "RR241015203135953635");
            assert_eq!(g.remark, "66666");
            assert!(g.status.is_success());
        }
        (Provider::JiuyiDc, Notification::JiuyiDc(j)) => {
            assert_eq!(j.order_id, "API2022040622185551647");
            assert_eq!(j.account.as_deref(), Some("13800138000"));
            assert_eq!(j.status.as_str(), "4");
        }
        (Provider::Paydesk, Notification::Paydesk(p)) => {
            assert_eq!(p.mch_order_no(), "1313068703462109184");
            assert!(matches!(p, paydesk::notify::Notification::Cashier(_)));
        }
        (Provider::Tokenpay, Notification::Tokenpay(t)) => {
            let tx = t.transaction().expect("a transaction resource");
            assert_eq!(tx.transaction_id, "e98b3029477f4bdcb971797a9d9e09ce");
            assert_eq!(tx.amount_minor, Some(15_000_000));
            assert_eq!(tx.attach.as_deref(), Some("anim dolore"));
            assert!(t.is_success());
        }
        (Provider::Vipcharge, Notification::Vipcharge(v)) => {
            assert_eq!(v.order_code(), "O20260101000001");
            assert_eq!(v.account(), Some("w23b52"));
            assert_eq!(v.status(), None);
        }
        (p, n) => panic!("{p} callback verified as the wrong variant: {n:?}"),
    }
}

#[test]
fn every_vector_callback_verifies_to_its_variant_with_status_facts_and_ack() {
    let router = router_all();
    assert_eq!(router.providers(), Provider::ALL);
    for cb in all_callbacks() {
        let p = cb.provider;
        let n = router
            .verify(p, &cb.headers, &cb.body)
            .unwrap_or_else(|e| panic!("{p}: the vector callback does not verify: {e}"));
        assert_eq!(n.provider(), p);
        assert_variant(&cb, &n);

        let w = want(p);
        assert_eq!(n.status(), w.status, "{p} status");
        let facts = n.facts();
        assert_eq!(facts.merchant_order_no, w.order, "{p} order");
        assert_eq!(facts.amount, w.amount, "{p} amount");
        assert_eq!(facts.currency.as_deref(), w.currency, "{p} currency");
        assert!(
            n.dedupe_key().starts_with(&format!("{p}:")),
            "{p}: {}",
            n.dedupe_key()
        );

        let ack = router.ack(p);
        assert_eq!(
            (ack.status(), ack.body()),
            (cb.ack_status, cb.ack_body.as_str()),
            "{p}: the acknowledgement is the vector's"
        );
        assert!(ack.is_received());
        let retry = router.retry_ack(p);
        assert!(!retry.is_received());
        assert_ne!(
            (retry.status(), retry.body()),
            (ack.status(), ack.body()),
            "{p}: the retry reply differs from the acknowledgement"
        );
    }
}

#[test]
fn a_callback_routed_to_another_provider_is_refused() {
    let router = router_all();
    for cb in all_callbacks() {
        for other in Provider::ALL.into_iter().filter(|o| *o != cb.provider) {
            let err = router
                .verify(other, &cb.headers, &cb.body)
                .expect_err("a callback of another provider must not verify");
            assert!(
                err.is_notify_rejection(),
                "{} callback routed to {other}: {err:?}",
                cb.provider
            );
            assert_eq!(err.provider(), Some(other));
            assert!(err.to_string().starts_with(other.name()), "{err}");
        }
    }
}

#[test]
fn a_provider_without_a_verifier_is_not_configured() {
    for cb in all_callbacks() {
        let only = router_for(cb.provider);
        assert_eq!(only.providers(), [cb.provider]);
        assert!(only.verify(cb.provider, &cb.headers, &cb.body).is_ok());
        for other in Provider::ALL.into_iter().filter(|o| *o != cb.provider) {
            let err = only
                .verify(other, &cb.headers, &cb.body)
                .expect_err("no verifier for this provider");
            assert!(
                matches!(err, Error::NotConfigured(p) if p == other),
                "{err:?}"
            );
            assert!(!err.is_notify_rejection());
            assert_eq!(
                err.to_string(),
                format!("no notify verifier is configured for provider `{other}`")
            );
        }
    }
}

#[test]
fn a_changed_byte_or_a_missing_signature_is_refused() {
    let router = router_all();
    for cb in all_callbacks() {
        let p = cb.provider;
        // Change one digit of the order number (every vector body has one near the middle).
        let mut tampered = cb.body.clone();
        let at = tampered
            .iter()
            .rposition(|b| b.is_ascii_digit() && *b != b'9')
            .expect("a digit");
        tampered[at] += 1;
        let err = router
            .verify(p, &cb.headers, &tampered)
            .expect_err("tampered body");
        assert!(err.is_notify_rejection(), "{p}: {err:?}");

        let mut stripped = cb.headers.clone();
        for name in ["Sign", "sign", "TTPay-Signature"] {
            stripped.remove(name);
        }
        let unsigned = if p == Provider::GatewayRecharge || p == Provider::JiuyiDc {
            // These two sign in the body: drop the `sign` field instead.
            let text = String::from_utf8(cb.body.clone()).expect("UTF-8");
            strip_sign_field(&text).into_bytes()
        } else {
            cb.body.clone()
        };
        let err = router
            .verify(p, &stripped, &unsigned)
            .expect_err("unsigned callback");
        assert!(err.is_notify_rejection(), "{p}: {err:?}");
    }
}

fn strip_sign_field(body: &str) -> String {
    if body.starts_with('{') {
        let mut v: serde_json::Value = serde_json::from_str(body).expect("JSON");
        v.as_object_mut().expect("object").remove("sign");
        v.to_string()
    } else {
        body.split('&')
            .filter(|f| !f.starts_with("sign="))
            .collect::<Vec<_>>()
            .join("&")
    }
}
