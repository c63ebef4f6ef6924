//! Places a direct recharge from the environment and prints the platform order number.
//!
//! ```text
//! JIUYI_BASE_URL=https://gateway.example JIUYI_APPID=19190009 JIUYI_APPSECRET=... \
//!   cargo run -p jiuyi-dc --example pay -- <card_id> <account> [out_order_id] [max_price_yuan]
//! ```
//!
//! Against the payhub sandbox (`cargo run -p payhub-sandbox -- --port 8080` in another
//! terminal): `JIUYI_BASE_URL=http://127.0.0.1:8080/jiuyi-dc JIUYI_APPID=19190009
//! JIUYI_APPSECRET=HJH546HKDHK`, then `-- 43 13800138000`.
//!
//! Exits with status 1 and the typed error on failure (2 for bad arguments). On an unknown
//! outcome it says so: query the order before placing it again.

use std::process::ExitCode;

use jiuyi_dc::api::PayRequest;
use jiuyi_dc::types::Money;
use jiuyi_dc::{Client, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(card_id), Some(account)) = (args.first(), args.get(1)) else {
        eprintln!("usage: pay <card_id> <account> [out_order_id] [max_price_yuan]");
        return ExitCode::from(2);
    };
    let out_order_id = args.get(2).cloned().unwrap_or_else(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        format!("JY{secs}")
    });
    let mut request = PayRequest::new(card_id, account, &out_order_id);
    if let Some(price) = args.get(3) {
        match Money::parse_yuan(price) {
            Ok(m) => request = request.max_price(m),
            Err(e) => {
                eprintln!("max_price_yuan: {e}");
                return ExitCode::from(2);
            }
        }
    }

    let result = async {
        let client = Client::from_env()?;
        client.send(&request).await
    }
    .await;
    match result {
        Ok(order) => {
            #[allow(clippy::print_stdout)] // Printing the order number is this example's job.
            {
                println!("{}", order.order_id);
            }
            if let Some(price) = order.price {
                eprintln!("out_order_id {out_order_id}, price {price} yuan");
            }
            ExitCode::SUCCESS
        }
        Err(e @ Error::OutcomeUnknown(_)) => {
            eprintln!("error: {e}\n{e:?}");
            eprintln!("query it first: the order may exist (out_order_id {out_order_id})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}\n{e:?}");
            ExitCode::FAILURE
        }
    }
}
