//! Payers' data, signatures and secrets never reach `Debug`.

use crate::common::event;

#[test]
fn new_event_debug_shows_lengths_only() {
    let e = event("dbg");
    let debug = format!("{e:?} {e:#?}");
    for secret in ["Ann Lee", "4111111111111111", "5F0C9A77SIGNATURE"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(
        debug.contains("ORD-dbg"),
        "identifying fields stay: {debug}"
    );
    assert!(
        debug.contains(&format!("<{} bytes>", e.body.len())),
        "{debug}"
    );
    assert!(debug.contains("<2 headers>"), "{debug}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn stored_event_and_forwarder_debug_hide_contents() {
    let db = crate::common::SqliteDb::new().await;
    let id = db.store.record(&event("dbg")).await.expect("record").id();
    let stored = db.store.get(id).await.expect("get").expect("stored");
    let debug = format!("{stored:?}");
    assert!(
        !debug.contains("Ann Lee") && !debug.contains("5F0C9A77SIGNATURE"),
        "{debug}"
    );

    let f = payhub_store::forward::Forwarder::builder(
        db.store.clone(),
        "https://hook-user:hook-pass@shop.example/payhub?token=tok123",
        "whsec_super_secret_value",
    )
    .build()
    .expect("forwarder");
    let debug = format!("{f:?} {f:#?}");
    for secret in ["whsec_super_secret_value", "hook-pass", "tok123"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("shop.example"), "{debug}");
}
