//! [`Store`] as the facade's [`payhub::Inbox`]: `NotifyRouter::inbox(Arc::new(store))` (or
//! `HubBuilder::inbox`) records every verified callback here before the provider is
//! acknowledged, which is what `payhub serve` does.

use payhub::{DedupeFuture, Inbox, InboxError, InboxEvent, Recorded as InboxRecorded};
use serde_json::{Map, Value, json};

use crate::{NewEvent, Recorded, Store};

impl Inbox for Store {
    fn record<'a>(
        &'a self,
        event: InboxEvent<'a>,
    ) -> DedupeFuture<'a, Result<InboxRecorded, InboxError>> {
        Box::pin(async move {
            match Store::record(self, &new_event(&event)).await {
                Ok(Recorded::New(_)) => Ok(InboxRecorded::New),
                Ok(Recorded::Duplicate(_)) => Ok(InboxRecorded::Duplicate),
                Err(e) => Err(InboxError::new(e.to_string())),
            }
        })
    }
}

/// The stored form of a verified callback: the normalized facts as columns, the notification
/// as JSON (`status`, `facts`, and the verified body, parsed when it is JSON or a form), the raw
/// headers and body.
pub fn new_event(e: &InboxEvent<'_>) -> NewEvent {
    let n = e.notification;
    let facts = n.facts();
    let status = n.status();
    let mut event = NewEvent::new(
        e.provider.name(),
        e.account,
        e.event_key,
        status.to_string(),
        facts.merchant_order_no.clone(),
    )
    .notification(json!({
        "provider": e.provider.name(),
        "status": status.to_string(),
        "merchant_order_no": facts.merchant_order_no,
        "amount": facts.amount.map(|a| a.to_string()),
        "currency": facts.currency,
        "cost": facts.cost.map(|c| c.to_string()),
        "dedupe_key": n.dedupe_key(),
        "body": body_json(e.body),
    }))
    .headers(
        e.headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    )
    .body(e.body.to_vec())
    .received_at(e.received_at);
    if let Some(amount) = facts.amount {
        event = event.amount(amount, facts.currency.clone());
    }
    event
}

/// The body as JSON: itself when it is JSON, its fields when it is a form, else its text.
fn body_json(body: &[u8]) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return v;
    }
    let text = String::from_utf8_lossy(body);
    if text.contains('=') && !text.contains(char::is_whitespace) {
        let fields: Map<String, Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Value::Object(fields);
    }
    Value::String(text.into_owned())
}
