//! Creates a cashier (paydesk) order and prints the platform order number and the pay URL.
//!
//! ```sh
//! PAYDESK_BASE_URL=https://... PAYDESK_MERCHANT_ID=1002001 PAYDESK_API_KEY=... \
//!     cargo run -p paydesk --example paydesk_create_order
//! ```
//!
//! Against the payhub sandbox (`cargo run -p payhub-sandbox -- --port 8080` in another
//! terminal): `PAYDESK_BASE_URL=http://127.0.0.1:8080/paydesk PAYDESK_MERCHANT_ID=1002001
//! PAYDESK_API_KEY=testApiKey`.
//!
//! Optional: `PAYDESK_NOTIFY_URL` (default `https://merchant.example/paydesk/notify`),
//! `PAYDESK_AMOUNT` (default `1000`), `PAYDESK_CURRENCY` (default `TZS`).
#![allow(clippy::print_stdout, clippy::print_stderr)] // An example reports on the terminal.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use paydesk::api::PayDeskRequest;
use paydesk::{Client, Error};
use rust_decimal::Decimal;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

async fn run() -> Result<(), Error> {
    let client = Client::from_env()?;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mch_order_no = format!("demo{millis}");
    let amount: Decimal = env_or("PAYDESK_AMOUNT", "1000")
        .parse()
        .unwrap_or(Decimal::ONE_THOUSAND);
    let req = PayDeskRequest::new(
        mch_order_no.as_str(),
        env_or("PAYDESK_CURRENCY", "TZS"),
        amount,
        env_or(
            "PAYDESK_NOTIFY_URL",
            "https://merchant.example/paydesk/notify",
        ),
    )
    .mobile_money_phone("721323213")
    .real_name("Jeck")
    .phone("255700000001")
    .email("example@maildomain.com")
    .remark("payhub demo")
    .return_url("https://merchant.example/paid");
    match client.send(&req).await {
        Ok(order) => {
            println!("mchOrderNo: {mch_order_no}");
            println!("orderNo:    {}", order.order_no);
            println!(
                "payUrl:     {}",
                order.pay_url.as_deref().unwrap_or("(none)")
            );
            Ok(())
        }
        Err(Error::OutcomeUnknown(e)) => {
            eprintln!("outcome unknown: {e}");
            if let (Some(kind), Some(mch)) = (e.kind(), e.mch_order_no()) {
                match client.reconcile(kind, mch).await {
                    Ok(found) => eprintln!("reconciled: {found:?}"),
                    Err(e) => eprintln!("reconcile failed: {e}"),
                }
            }
            Err(Error::OutcomeUnknown(e))
        }
        Err(e) => Err(e),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{e:#?}");
            ExitCode::FAILURE
        }
    }
}
