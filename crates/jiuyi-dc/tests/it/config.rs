//! The builder: shared settings from `payhub_runtime::ClientOptions`, the crate's own settings,
//! and `from_vars`.

use std::env::VarError;
use std::time::Duration;

use jiuyi_dc::error::NotifyError;
use jiuyi_dc::{Client, ClientBuilder, ENV_APPID, ENV_APPSECRET, ENV_BASE_URL, Error};

use crate::support::{SECRET, headers};

fn vars<'a>(list: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Result<String, VarError> + 'a {
    move |name| {
        list.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
            .ok_or(VarError::NotPresent)
    }
}

fn config_field(e: &Error) -> &'static str {
    match e {
        Error::Config(c) => c.field(),
        other => panic!("expected Config, got {other:?}"),
    }
}

#[test]
fn from_vars_names_the_missing_variable_and_reads_the_danger_flag() {
    let base = [
        (ENV_BASE_URL, "http://gateway.example"),
        (ENV_APPID, " 19190009 "),
    ];
    let err = ClientBuilder::from_vars(vars(&base)).expect_err("no secret");
    assert_eq!(config_field(&err), ENV_APPSECRET);

    let all = [base[0], base[1], (ENV_APPSECRET, SECRET)];
    let err = ClientBuilder::from_vars(vars(&all)).expect("vars").build();
    assert_eq!(
        config_field(&err.expect_err("http off loopback")),
        "base_url"
    );

    let allowed = [all[0], all[1], all[2], ("JIUYI_DANGER_ALLOW_HTTP", "1")];
    let c = ClientBuilder::from_vars(vars(&allowed))
        .expect("vars")
        .build()
        .expect("client");
    assert_eq!(
        (c.appid(), c.base_url()),
        ("19190009", "http://gateway.example")
    );
}

#[test]
fn danger_allow_http_still_checks_every_other_setting() {
    let b = || Client::builder("19190009", SECRET).base_url("http://gateway.example");
    assert!(b().danger_allow_http(true).build().is_ok());
    let err = b().danger_allow_http(true).timeout(Duration::ZERO).build();
    assert_eq!(config_field(&err.expect_err("zero timeout")), "timeout");
    let err = Client::builder("19190009", SECRET)
        .build()
        .expect_err("no base url");
    assert!(
        err.to_string().contains("issued by the platform admin"),
        "{err}"
    );
}

#[test]
fn the_notify_body_limit_reaches_the_verifier() {
    let b = || Client::builder("19190009", SECRET).base_url("https://gateway.example");
    let err = b().max_notify_body_bytes(0).build().expect_err("zero");
    assert_eq!(config_field(&err), "max_notify_body_bytes");
    let verifier = b()
        .max_notify_body_bytes(16)
        .build()
        .expect("client")
        .notify_verifier();
    let err = verifier
        .verify(
            &headers(None),
            b"order_id=API1&out_order_id=JY1&status=4&sign=00",
        )
        .expect_err("too large");
    assert!(
        matches!(
            err,
            Error::Notify(NotifyError::BodyTooLarge { limit: 16, .. })
        ),
        "{err:?}"
    );
}
