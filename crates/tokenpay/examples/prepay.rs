//! Creates a tokenpay order from the environment and prints its `prepay_id` and absolute
//! payment URL.
//!
//! ```sh
//! TOKENPAY_BASE_URL=... TOKENPAY_APP_ID=... TOKENPAY_MCH_ID=... TOKENPAY_APP_SECRET=... \
//!   cargo run -p tokenpay --example prepay
//! ```
//!
//! `TOKENPAY_BASE_URL` unset means the **live API** (`https://api.tokenpay.me`). Against the
//! payhub sandbox (`cargo run -p payhub-sandbox -- --port 8080` in another terminal):
//! `TOKENPAY_BASE_URL=http://127.0.0.1:8080/tokenpay
//! TOKENPAY_APP_ID=8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd TOKENPAY_MCH_ID=1234567890
//! TOKENPAY_APP_SECRET=0123456789abcdef0123456789abcdef`.
//!
//! Optional: `TOKENPAY_AMOUNT` (major
//! units, default `1`), `TOKENPAY_CHAIN` (default `TRON`), `TOKENPAY_CURRENCY` (default `USDT`),
//! `TOKENPAY_OUT_TRADE_NO` (default: generated), `TOKENPAY_NOTIFY_URL`.
//! Exits non-zero with the typed error on failure.
#![allow(clippy::print_stdout)] // An example prints its result.

use std::process::ExitCode;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use rust_decimal::Decimal;
use tokenpay::api::PrepayRequest;
use tokenpay::types::{Chain, Currency};

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokenpay prepay failed: {e}");
            eprintln!("{e:?}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> tokenpay::Result<()> {
    let client = tokenpay::Client::from_env()?;
    let amount_text = var("TOKENPAY_AMOUNT", "1");
    // An unreadable amount becomes zero, which the request's validation refuses with a typed
    // `Error::Validation` naming `amount`.
    let amount = Decimal::from_str(amount_text.trim()).unwrap_or(Decimal::ZERO);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let out_trade_no = var("TOKENPAY_OUT_TRADE_NO", &format!("example-{stamp}"));
    let mut order = PrepayRequest::new(
        out_trade_no.clone(),
        amount,
        Chain::parse(&var("TOKENPAY_CHAIN", "TRON")),
        Currency::parse(&var("TOKENPAY_CURRENCY", "USDT")),
    )
    .description("payhub example");
    if let Ok(url) = std::env::var("TOKENPAY_NOTIFY_URL") {
        order = order.notify_url(url);
    }
    let created = client.send(&order).await?;
    println!("out_trade_no: {out_trade_no}");
    println!("prepay_id:    {}", created.prepay_id);
    println!("payment_url:  {}", created.payment_url);
    Ok(())
}
