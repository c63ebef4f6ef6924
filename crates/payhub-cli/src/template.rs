//! `--template`: a complete sample input for a provider's request, by wire name, with values
//! the sandbox accepts. `payhub sign P --template` prints it as the JSON object `sign` reads;
//! `payhub create P --template` prints the command line that sends it (flags where the CLI has
//! one, `--set` for the rest), or the JSON object with `--json`.

use serde_json::{Map, Value};

use crate::providers::{Op, Provider};

/// Where the sample notify URLs point: the app `payhub listen --forward-to` forwards to.
const APP: &str = "http://127.0.0.1:3000/callbacks";

/// The sample fields of `provider`'s `op` request, in wire order.
pub(crate) fn fields(provider: Provider, op: Op) -> Vec<(&'static str, String)> {
    let notify = format!("{APP}/{provider}");
    let owned = |pairs: &[(&'static str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    match (provider, op) {
        (Provider::GatewayRecharge, Op::Create) => {
            let mut f = owned(&[
                ("order_no", "G-1001"),
                ("amount", "100.00"),
                ("remark", "test"),
                ("customer", "user123"),
                ("ip", "192.168.1.1"),
            ]);
            f.push(("callback_url", notify));
            f.push(("return_url", "http://127.0.0.1:3000/done".to_owned()));
            f
        }
        (Provider::Paydesk, Op::Create) => {
            let mut f = owned(&[
                ("mchOrderNo", "PD-1001"),
                ("currency", "TZS"),
                ("amount", "1000"),
            ]);
            f.push(("notifyUrl", notify));
            f.extend(owned(&[
                ("mobileMoneyPhone", "721323213"),
                ("realName", "Jeck"),
                ("phone", "255700000001"),
                ("email", "payer@example.com"),
                ("remark", "test"),
                ("goodsSubject", "Coffee"),
            ]));
            f
        }
        (Provider::Tokenpay, Op::Create) => {
            let mut f = owned(&[
                ("out_trade_no", "TP-1001"),
                ("amount", "9.5"),
                ("chain", "TRON"),
                ("currency", "USDT"),
            ]);
            f.push(("notify_url", notify));
            f
        }
        (Provider::Vipcharge, Op::Create) => {
            let mut f = owned(&[
                ("productCode", "87103"),
                ("account", "w23b52"),
                ("bizCode", "VC-1001"),
            ]);
            f.push(("callbackUrl", notify));
            f
        }
        (Provider::JiuyiDc, Op::Create) => {
            let mut f = owned(&[
                ("card_id", "43"),
                ("account", "13800138000"),
                ("out_order_id", "JY-1001"),
                ("money", "19.80"),
                ("money_type", "2"),
            ]);
            f.push(("notify_url", notify));
            f
        }
        (Provider::GatewayRecharge, Op::Query) => owned(&[("order_no", "G-1001")]),
        (Provider::Paydesk, Op::Query) => owned(&[("mchOrderNo", "PD-1001")]),
        (Provider::Tokenpay, Op::Query) => owned(&[("out_trade_no", "TP-1001")]),
        (Provider::Vipcharge, Op::Query) => owned(&[("bizCode", "VC-1001")]),
        (Provider::JiuyiDc, Op::Query) => owned(&[("out_order_id", "JY-1001")]),
    }
}

/// The sample as a pretty JSON object (strings only: amounts keep their exact text).
pub(crate) fn json(provider: Provider, op: Op) -> String {
    let map: Map<String, Value> = fields(provider, op)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    let text = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
    format!("{text}\n")
}

/// The sample as a `payhub create` command line.
pub(crate) fn command_line(provider: Provider) -> String {
    let mut words = vec![
        "payhub".to_owned(),
        "create".to_owned(),
        provider.name().to_owned(),
    ];
    for (wire, value) in fields(provider, Op::Create) {
        match provider.create_flags().iter().find(|(_, w)| *w == wire) {
            Some(("money-unit", _)) => {
                let unit = if value == "1" { "fen" } else { "yuan" };
                words.extend(["--money-unit".to_owned(), unit.to_owned()]);
            }
            Some((flag, _)) => words.extend([format!("--{flag}"), quote(&value)]),
            None => words.extend(["--set".to_owned(), quote(&format!("{wire}={value}"))]),
        }
    }
    format!("{}\n", words.join(" "))
}

/// Single quotes around a word the shell would split or expand.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/:@=,+-".contains(&b))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_templates_use_flags_then_set() {
        let line = command_line(Provider::Paydesk);
        assert!(
            line.starts_with("payhub create paydesk --order-no PD-1001 "),
            "{line}"
        );
        assert!(line.contains("--set goodsSubject=Coffee"), "{line}");
        let line = command_line(Provider::JiuyiDc);
        assert!(line.contains("--amount 19.80 --money-unit yuan"), "{line}");
        assert_eq!(quote("a b"), "'a b'");
    }
}
