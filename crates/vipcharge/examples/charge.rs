//! Places a VIP membership direct recharge with a client configured from the environment and
//! prints the platform order number (`orderCode`).
//!
//! ```text
//! export VIPCHARGE_BASE_URL=https://open.example.com VIPCHARGE_MERCHANT_ID=166 \
//!        VIPCHARGE_BUSINESS_ID=166 VIPCHARGE_PRIVATE_KEY=/path/merchant_key.pem
//! cargo run -p vipcharge --example charge -- <productCode> <account> [bizCode] [mobile]
//! ```
//!
//! Against the payhub sandbox (`cargo run -p payhub-sandbox -- --port 8080` in another
//! terminal): `VIPCHARGE_BASE_URL=http://127.0.0.1:8080/vipcharge VIPCHARGE_MERCHANT_ID=166
//! VIPCHARGE_BUSINESS_ID=166 VIPCHARGE_SIGN_TYPE=MD5 VIPCHARGE_SECRET=testSignKey`, then
//! `-- 87103 w23b52`.
//!
//! Exits with status 1 and the typed error when the call fails, 2 when the outcome is unknown
//! (the order may exist: query it with `Client::reconcile`, never resend it).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use vipcharge::api::VipChargeRequest;
use vipcharge::{Client, Error};

async fn run(args: &[String]) -> Result<String, Error> {
    let client = Client::from_env()?;
    let product_code = args.first().map_or("87103", String::as_str);
    let account = args.get(1).map_or("w23b52", String::as_str);
    let biz_code = args.get(2).cloned().unwrap_or_else(|| {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("EX-{millis}")
    });
    let mut req = VipChargeRequest::new(product_code, account, biz_code);
    if let Some(mobile) = args.get(3) {
        req = req.mobile(mobile);
    }
    let accepted = client.send(&req).await?;
    Ok(accepted
        .order_code()
        .unwrap_or("(none in reply)")
        .to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(order_code) => {
            let _ = writeln!(std::io::stdout(), "orderCode: {order_code}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}\n{e:#?}");
            if e.is_outcome_unknown() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
