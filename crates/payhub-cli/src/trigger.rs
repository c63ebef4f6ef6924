//! `payhub trigger PROVIDER EVENT [--order NO]`: makes the sandbox send a provider callback,
//! the way the provider would after a real payment or recharge.
//!
//! Without `--order` it creates an order through the provider's client (the `--template`
//! sample with a fresh order number; credentials from flags, environment or `payhub.toml` as
//! for `payhub create`, else the ones the sandbox itself lists), then drives it through the
//! control API (`POST /_sandbox/orders/{order}/{action}`); the sandbox then sends the signed
//! callback to the order's notify URL, or to `payhub listen` while it runs. With `--order NO`
//! it drives an existing order. `payhub trigger --list` prints the events.

use std::path::PathBuf;

use crate::control::{Control, SandboxArgs};
use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::fields::{Fields, Source};
use crate::output::Record;
use crate::providers::{Op, Provider};
use crate::sandbox::encode;

/// One event: what it does to the order.
#[derive(Debug)]
struct Event {
    provider: Provider,
    name: &'static str,
    /// The control API action (`paid`, `failed`, ...).
    action: &'static str,
    /// Whether `trigger` can create the order (else `--order` names an existing one).
    creates: bool,
    what: &'static str,
}

const fn ev(
    provider: Provider,
    name: &'static str,
    action: &'static str,
    creates: bool,
    what: &'static str,
) -> Event {
    Event {
        provider,
        name,
        action,
        creates,
        what,
    }
}

/// Every event, by provider.
const EVENTS: &[Event] = &[
    ev(
        Provider::GatewayRecharge,
        "checkout.paid",
        "paid",
        true,
        "a collection order paid (callback status success)",
    ),
    ev(
        Provider::JiuyiDc,
        "recharge.success",
        "paid",
        true,
        "a direct recharge delivered (status 3)",
    ),
    ev(
        Provider::JiuyiDc,
        "recharge.failed",
        "failed",
        true,
        "a direct recharge failed (status 6)",
    ),
    ev(
        Provider::Paydesk,
        "checkout.paid",
        "paid",
        true,
        "a cashier order paid (orderStatus SUCCESS)",
    ),
    ev(
        Provider::Paydesk,
        "checkout.failed",
        "failed",
        true,
        "a cashier order failed",
    ),
    ev(
        Provider::Paydesk,
        "checkout.expired",
        "expired",
        true,
        "a cashier order expired",
    ),
    ev(
        Provider::Paydesk,
        "payout.success",
        "paid",
        false,
        "an existing payout paid out (--order)",
    ),
    ev(
        Provider::Paydesk,
        "payout.failed",
        "failed",
        false,
        "an existing payout failed (--order)",
    ),
    ev(
        Provider::Tokenpay,
        "checkout.paid",
        "paid",
        true,
        "a prepayment order paid (TRANSACTION.SUCCESS)",
    ),
    ev(
        Provider::Tokenpay,
        "checkout.expired",
        "expired",
        true,
        "a prepayment order expired (a callback only if the sandbox's notify_states has it)",
    ),
    ev(
        Provider::Tokenpay,
        "checkout.closed",
        "closed",
        true,
        "a prepayment order closed (a callback only if the sandbox's notify_states has it)",
    ),
    ev(
        Provider::Vipcharge,
        "recharge.success",
        "paid",
        true,
        "a VIP direct recharge succeeded",
    ),
    ev(
        Provider::Vipcharge,
        "recharge.failed",
        "failed",
        true,
        "a VIP direct recharge failed",
    ),
];

/// Arguments of `payhub trigger`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example: payhub trigger paydesk checkout.paid\n\
    `payhub trigger --list` prints every event; run `payhub listen` to see the callback reach \
    your app.")]
pub(crate) struct Args {
    /// The provider.
    #[arg(required_unless_present = "list")]
    provider: Option<Provider>,
    /// The event (e.g. checkout.paid, recharge.failed; see --list).
    #[arg(required_unless_present = "list")]
    event: Option<String>,
    /// Drive this existing order (merchant or platform order number) instead of creating one.
    #[arg(long, value_name = "NO")]
    order: Option<String>,
    /// Print the events of every provider and exit.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    sandbox: SandboxArgs,
    #[command(flatten)]
    creds: CredentialArgs,
    /// Print the result as one JSON object.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// Runs `payhub trigger`.
///
/// # Errors
/// An unknown event, no sandbox, the create's error, or the sandbox refusing the change.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    if args.list {
        return crate::print(&list(args.json));
    }
    let (Some(provider), Some(event)) = (args.provider, args.event.as_deref()) else {
        return Err(CliError::usage("give PROVIDER and EVENT, or --list"));
    };
    let event = event.trim();
    let Some(ev) = EVENTS
        .iter()
        .find(|e| e.provider == provider && e.name == event)
    else {
        let known: Vec<&str> = EVENTS
            .iter()
            .filter(|e| e.provider == provider)
            .map(|e| e.name)
            .collect();
        return Err(CliError::usage(format!(
            "{provider} has no event `{event}` (its events: {})",
            known.join(", ")
        )));
    };
    let config: Option<PathBuf> = args.creds.config_path().map(PathBuf::from);
    let control = Control::locate(&args.sandbox, config.as_deref())?;
    let order_no = match args.order.as_deref().map(str::trim) {
        Some(no) if !no.is_empty() => no.to_owned(),
        _ if !ev.creates => {
            return Err(CliError::usage(format!(
                "{provider} {event} drives an existing order: give it with --order NO"
            )));
        }
        _ => create(provider, &control, &args.creds).await?,
    };
    let order = control
        .post(
            &format!("orders/{}/{}", encode(&order_no), ev.action),
            serde_json::json!({}),
        )
        .await
        .map_err(|e| {
            e.hint(format!(
                "`payhub sandbox callbacks {order_no}` shows its callbacks"
            ))
        })?;
    let mut r = Record::new();
    r.put("provider", provider)
        .put("event", ev.name)
        .put("order_no", &order_no)
        .opt("platform_order_no", order["platform_order_no"].as_str())
        .opt("state", order["state"].as_str())
        .put("callbacks", format!("payhub sandbox callbacks {order_no}"));
    crate::print(&r.render(args.json))
}

/// Creates the provider's sample order with a fresh order number; returns that number.
async fn create(
    provider: Provider,
    control: &Control,
    args: &CredentialArgs,
) -> Result<String, CliError> {
    let mut creds = provider.credentials(args)?;
    control.fill_credentials(provider, &mut creds).await?;
    let millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let order_no = format!("TRG{millis}");
    let order_wire = provider
        .create_flags()
        .iter()
        .find(|(flag, _)| *flag == "order-no")
        .map(|(_, wire)| *wire);
    let mut fields = Fields::new();
    for (wire, value) in crate::template::fields(provider, Op::Create) {
        let value = if Some(wire) == order_wire {
            order_no.clone()
        } else {
            value
        };
        fields.add(wire, value, Source::Set)?;
    }
    provider
        .create(&creds, fields)
        .await
        .map_err(|e| crate::providers::name_server(e, provider.base_url(&creds).as_deref()))?;
    Ok(order_no)
}

/// The events, one per line (or a JSON array).
fn list(json: bool) -> String {
    if json {
        let items: Vec<_> = EVENTS
            .iter()
            .map(|e| {
                serde_json::json!({
                    "provider": e.provider.name(),
                    "event": e.name,
                    "action": e.action,
                    "creates_order": e.creates,
                    "description": e.what,
                })
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(items));
    }
    let mut out = String::new();
    for e in EVENTS {
        out.push_str(&format!(
            "{:<17} {:<17} {}\n",
            e.provider.name(),
            e.name,
            e.what
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_an_event_that_creates_its_order() {
        for p in Provider::ALL {
            assert!(EVENTS.iter().any(|e| e.provider == p && e.creates), "{p}");
        }
    }
}
