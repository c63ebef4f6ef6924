//! tokenpay's callbacks: the `resource`-encrypted notify body, its event types and the signed
//! `TTPay-*` headers.

use serde_json::json;
use tokenpay::sign::reply_signing_string;
use tokenpay::{NonceSource as _, RandomHex};

use super::wire::{random_hex, text};
use super::{PAYOUT, Tokenpay, UNDERPAID};
use crate::{Notify, Order, OrderState, ProviderCtx, StateChange};

impl Tokenpay {
    /// The signed notify for a state change (the `notify` hook).
    pub(super) fn notify_for(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Option<Notify> {
        if !self.inner.notify_states.contains(&change.to) {
            return None;
        }
        let app = self.inner.app(&order.merchant_id)?;
        let (original_type, event_type) = if order.kind == PAYOUT {
            let family = text(order, "family");
            let original = if family == "payout" {
                "payout"
            } else {
                "payanother"
            };
            let event = match change.to {
                OrderState::Success => format!("PAY{}.SUCCESS", original.to_ascii_uppercase()),
                other => format!(
                    "PAY{}.{}",
                    original.to_ascii_uppercase(),
                    other.as_str().to_ascii_uppercase()
                ),
            };
            (original, event)
        } else {
            let event = match change.to {
                OrderState::Success => self.inner.order_event_type.clone(),
                OrderState::Failed => format!("TRANSACTION.{UNDERPAID}"),
                other => format!("TRANSACTION.{}", other.as_str().to_ascii_uppercase()),
            };
            ("transaction", event)
        };
        let plaintext = self.inner.detail(ctx, order, false);
        let resource_nonce = random_hex(12);
        let ciphertext = app
            .key
            .encrypt_resource(&resource_nonce, None, plaintext.get().as_bytes())
            .ok()?;
        let create_time = change
            .at
            .to_offset_datetime()
            .and_then(|t| {
                let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
                let t = t.to_offset(offset);
                Some(format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+08:00",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.microsecond()
                ))
            })
            .unwrap_or_default();
        let body = json!({
            "app_id": app.app_id,
            "mch_id": app.mch_id,
            "create_time": create_time,
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "nonce": resource_nonce,
            }
        })
        .to_string();
        let ts = change.at.unix_millis().to_string();
        let nonce = RandomHex::upper(32).nonce();
        let sig = app
            .key
            .sign(&reply_signing_string(&ts, &nonce, body.as_bytes()))
            .ok()?;
        let mut notify = Notify::post_json(body)
            .header("TTPay-Timestamp", ts)
            .header("TTPay-Nonce", nonce)
            .header("TTPay-Signature", sig);
        if order.notify_url.is_none() {
            notify = notify.url(app.notify_url.clone()?);
        }
        Some(notify)
    }
}
