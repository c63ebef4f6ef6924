//! Collection or payout: WinPay's payout callbacks look exactly like collection callbacks, so
//! the verifier reports the kind it was configured with (or a payout order-number prefix).

use gateway_recharge::notify::{CallbackKind, Notification, NotifyVerifier};

use crate::support::VerifyCt as _;
use crate::support::{KEY, MERCHANT, offline_client};

/// The documented callback, signed with the docs' demo key.
const CALLBACK: &[u8] = br#"{"trade_no":"RR241015203135953635","order_no":"1728995495","amount":"200.00","remark":"66666","status":"success","trade_time":"2024-10-15 20:31:50","sign":"75a22322245516066c853fddd0136d2b"}"#;

fn verify(v: &NotifyVerifier) -> Notification {
    v.verify_ct(Some("application/json"), CALLBACK)
        .expect("the documented callback verifies")
}

#[test]
fn callbacks_are_collections_by_default() {
    let n = verify(&NotifyVerifier::new(MERCHANT, KEY));
    assert_eq!(n.kind, CallbackKind::Collection);
    assert!(!n.kind.is_payout());
    assert_eq!(
        verify(&offline_client().notify_verifier()).kind,
        CallbackKind::Collection
    );
}

#[test]
fn a_payout_verifier_reports_payouts() {
    let n = verify(&NotifyVerifier::new(MERCHANT, KEY).callback_kind(CallbackKind::Payout));
    assert_eq!(n.kind, CallbackKind::Payout);
    assert_eq!(n.kind.to_string(), "payout");
    // The status is still WinPay's own: `success` (money sent).
    assert!(n.status.is_success());
    let from_client = verify(&offline_client().payout_notify_verifier());
    assert_eq!(from_client.kind, CallbackKind::Payout);
}

#[test]
fn a_payout_prefix_splits_one_shared_url() {
    let shared = NotifyVerifier::new(MERCHANT, KEY);
    assert_eq!(
        verify(&shared.clone().payout_order_prefix("1728")).kind,
        CallbackKind::Payout
    );
    assert_eq!(
        verify(&shared.clone().payout_order_prefix("PO-")).kind,
        CallbackKind::Collection
    );
    // An empty prefix would make every callback a payout: it is ignored.
    assert_eq!(
        verify(&shared.payout_order_prefix("")).kind,
        CallbackKind::Collection
    );
}

#[test]
fn the_client_says_where_it_reconciles() {
    assert_eq!(offline_client().reconcile_path(), "/h5/deposit_query");
    let c = crate::support::builder("https://api.winpay.example")
        .reconcile_path("/gateway/order_query")
        .build()
        .expect("client");
    assert_eq!(c.reconcile_path(), "/gateway/order_query");
}
