//! Creates a WinPay collection order from the environment and prints its `trade_no` and pay URL.
//!
//! ```text
//! GATEWAY_RECHARGE_BASE_URL=https://... GATEWAY_RECHARGE_MERCHANT_NO=M... GATEWAY_RECHARGE_KEY=... \
//!   cargo run -p gateway-recharge --example gateway_recharge_create_order -- [ORDER_NO] [AMOUNT]
//! ```
//!
//! Against the payhub sandbox (`cargo run -p payhub-sandbox -- --port 8080` in another
//! terminal): `GATEWAY_RECHARGE_BASE_URL=http://127.0.0.1:8080/gateway-recharge
//! GATEWAY_RECHARGE_MERCHANT_NO=M1234567890 GATEWAY_RECHARGE_KEY=adesf235`.
//!
//! Optional environment: `GATEWAY_RECHARGE_CALLBACK_URL`, `GATEWAY_RECHARGE_RETURN_URL`,
//! `GATEWAY_RECHARGE_CUSTOMER`, `GATEWAY_RECHARGE_IP`. Exits non-zero with the typed error on
//! failure.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use gateway_recharge::Client;
use gateway_recharge::api::CreateOrderRequest;
use rust_decimal::Decimal;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let order_no = args.next().unwrap_or_else(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("ORD{secs}")
    });
    let amount = match args
        .next()
        .unwrap_or_else(|| "100.00".to_owned())
        .parse::<Decimal>()
    {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: AMOUNT is not a decimal number: {e}");
            return ExitCode::from(2);
        }
    };

    let client = match Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n{e:?}");
            return ExitCode::from(2);
        }
    };
    let request = CreateOrderRequest::new(
        order_no,
        amount,
        env_or("GATEWAY_RECHARGE_REMARK", "payhub example order"),
        env_or("GATEWAY_RECHARGE_CUSTOMER", "example-user"),
        env_or("GATEWAY_RECHARGE_IP", "127.0.0.1"),
        env_or(
            "GATEWAY_RECHARGE_CALLBACK_URL",
            "https://example.com/winpay/callback",
        ),
        env_or(
            "GATEWAY_RECHARGE_RETURN_URL",
            "https://example.com/winpay/return",
        ),
    );
    match client.send(&request).await {
        Ok(order) => {
            #[allow(clippy::print_stdout)] // The example's output is its purpose.
            {
                println!("trade_no: {}", order.trade_no);
                println!("pay_url: {}", order.url);
                println!(
                    "expires_at: {} ({} s)",
                    order.expires_at, order.pay_timeout_secs
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}\n{e:?}");
            ExitCode::FAILURE
        }
    }
}
