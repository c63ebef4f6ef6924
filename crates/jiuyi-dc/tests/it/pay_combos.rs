//! The exact signed string of `pay` for every combination of its optional fields.

use jiuyi_dc::api::PayRequest;
use jiuyi_dc::types::Money;

use crate::support::{APPID, NOW, SECRET, offline_client_at};

#[test]
fn pay_signed_string_per_combination_of_optional_fields() {
    let client = offline_client_at(NOW, APPID, SECRET);
    let moneys: [(&str, Option<Money>); 3] = [
        ("nomoney", None),
        ("fen", Some(Money::from_fen(1200))),
        ("yuan", Some(Money::parse_yuan("12.50").expect("yuan"))),
    ];
    let urls = [
        ("nonotify", None),
        (
            "notify",
            Some("https://merchant.test/jy/notify?a=1&b=x y~z"),
        ),
    ];
    let checks = [
        ("nocheck", None),
        ("check0", Some(false)),
        ("check1", Some(true)),
    ];
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    let mut n = 0;
    for (mname, money) in &moneys {
        for (uname, url) in &urls {
            for (cname, check) in &checks {
                let mut req = PayRequest::new("43", "13800138000", "JY202611220001");
                if let Some(m) = money {
                    req = req.max_price(*m);
                }
                if let Some(u) = url {
                    req = req.notify_url(*u);
                }
                if let Some(c) = check {
                    req = req.stock_check(*c);
                }
                let prepared = client.prepare(&req).expect("prepare");
                let signed = prepared.signed().expect("explanation");
                let body = String::from_utf8(prepared.body_bytes().to_vec()).expect("utf8");
                // `check` is sent when set, and never signed.
                assert_eq!(body.contains("&check="), check.is_some());
                assert!(!signed.canonical().contains("check="));
                assert_eq!(signed.canonical().contains("money_type="), money.is_some());
                let sign = crate::support::independent_sign(
                    &url::form_urlencoded::parse(body.as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect::<Vec<_>>(),
                    &["check"],
                );
                assert!(body.ends_with(&format!("&sign={sign}")), "{body}");
                let name = format!("pay_signed_{mname}_{uname}_{cname}");
                insta::assert_snapshot!(
                    name,
                    format!("{}\nsign={sign}\nbody={body}\n", signed.signed_string())
                );
                n += 1;
            }
        }
    }
    assert_eq!(n, 18);
}
