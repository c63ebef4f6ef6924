//! Configuration: key formats and key errors, environment variables, builder rules, and which
//! verifier callbacks use.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use payhub_runtime::{FixedClock, FixedNonce, NonceSource};
use vipcharge::api::{CouponRequest, VipChargeRequest};
use vipcharge::sign::PlatformVerifier;
use vipcharge::{Client, ClientBuilder, Credentials, Error, ReplySignatureMode};

use crate::support::{
    NONCE, SECRET, TIMESTAMP, backends, key_pem, pinned, pub_pem, read, root, vectors_dir,
};

fn config_error(r: Result<Client, Error>) -> (String, String) {
    match r {
        Err(Error::Config(c)) => (c.setting().to_owned(), c.to_string()),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

fn rsa_builder(key: impl AsRef<[u8]>) -> ClientBuilder {
    pinned(Client::builder(
        "166",
        "166",
        Credentials::sha256_rsa_pem(key),
    ))
    .base_url("https://open.example.com")
}

fn sign_of(client: &Client) -> String {
    client
        .prepare(&VipChargeRequest::new("87103", "w23b52", "87103"))
        .expect("prepare")
        .header_value("sign")
        .expect("sign")
        .to_owned()
}

fn pem_der(pem: &[u8]) -> Vec<u8> {
    let body: String = String::from_utf8(pem.to_vec())
        .expect("utf-8")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64")
}

#[test]
fn every_private_key_format_signs_the_same_on_every_backend() {
    let pkcs8_pem = key_pem();
    let pkcs1_pem = read(&root().join("fixtures/vectors-derived/vipcharge_test_key.pkcs1.pem"));
    let pkcs8_der = pem_der(&pkcs8_pem);
    let pkcs1_der = pem_der(&pkcs1_pem);
    let bare = base64::engine::general_purpose::STANDARD.encode(&pkcs8_der);
    let forms: [(&str, Vec<u8>); 5] = [
        ("PKCS#8 PEM", pkcs8_pem),
        ("PKCS#1 PEM", pkcs1_pem),
        ("PKCS#8 DER", pkcs8_der),
        ("PKCS#1 DER", pkcs1_der),
        ("bare base64 PKCS#8", bare.into_bytes()),
    ];
    let mut signatures = Vec::new();
    for backend in backends() {
        for (name, bytes) in &forms {
            let client = rsa_builder(bytes)
                .rsa_backend(backend)
                .build()
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", backend.name()));
            signatures.push(sign_of(&client));
        }
    }
    signatures.dedup();
    assert_eq!(
        signatures.len(),
        1,
        "every form and backend gives one signature"
    );
}

#[test]
fn key_errors_are_clear() {
    let (setting, msg) = config_error(rsa_builder(pub_pem()).build());
    assert_eq!(setting, "private_key");
    assert!(
        msg.contains("public key was given where a private key is needed"),
        "{msg}"
    );

    let short = read(&root().join("fixtures/vectors-derived/rsa1024_test_key.pem"));
    let (_, msg) = config_error(rsa_builder(short).build());
    assert!(msg.contains("1024 bits") && msg.contains("2048"), "{msg}");

    let (_, msg) = config_error(
        rsa_builder(b"-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n").build(),
    );
    assert!(msg.contains("unknown PEM label"), "{msg}");

    let (_, msg) = config_error(rsa_builder(b"not a key!").build());
    assert!(msg.contains("not PEM, DER or base64"), "{msg}");
    // Valid base64 that is not a key reaches the backend, which names what it expected.
    let (_, msg) = config_error(rsa_builder(b"notakeyatall").build());
    assert!(
        msg.contains("not an RSA key in PKCS#1 or PKCS#8 form"),
        "{msg}"
    );

    let (setting, msg) = config_error(
        pinned(Client::builder("166", "166", Credentials::md5(SECRET)))
            .base_url("https://open.example.com")
            .platform_public_key(key_pem())
            .build(),
    );
    assert_eq!(setting, "platform_public_key");
    assert!(
        msg.contains("private key was given where a public key is needed"),
        "{msg}"
    );

    let (setting, _) = config_error(
        Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url("https://open.example.com")
            .card_key(pub_pem())
            .build(),
    );
    assert_eq!(setting, "card_key");
}

#[test]
fn builder_rules() {
    let md5 = || Client::builder("166", "166", Credentials::md5(SECRET));
    assert_eq!(config_error(md5().build()).0, "base_url");
    let (setting, msg) = config_error(md5().base_url("http://open.example.com").build());
    assert_eq!(setting, "base_url");
    assert!(msg.contains("https"), "{msg}");
    assert!(
        md5().base_url("http://127.0.0.1:9").build().is_ok(),
        "loopback may be http"
    );
    assert_eq!(
        config_error(
            md5()
                .base_url("https://x.test")
                .send_sign_type(false)
                .build()
        )
        .0,
        "send_sign_type"
    );
    assert_eq!(
        config_error(
            Client::builder("", "166", Credentials::md5(SECRET))
                .base_url("https://x.test")
                .build()
        )
        .0,
        "merchant_id"
    );
    assert_eq!(
        config_error(
            Client::builder("166", "16 6", Credentials::md5(SECRET))
                .base_url("https://x.test")
                .build()
        )
        .0,
        "business_id"
    );
    assert_eq!(
        config_error(
            Client::builder("166", "166", Credentials::md5(""))
                .base_url("https://x.test")
                .build()
        )
        .0,
        "secret"
    );
    assert_eq!(
        config_error(
            rsa_builder(key_pem())
                .reply_signatures(ReplySignatureMode::Strict)
                .build()
        )
        .0,
        "reply_signatures"
    );
    assert!(
        rsa_builder(key_pem())
            .platform_public_key(pub_pem())
            .reply_signatures(ReplySignatureMode::Strict)
            .build()
            .is_ok()
    );
    assert_eq!(
        config_error(
            md5()
                .base_url("https://x.test")
                .order_status_fields(Vec::<String>::new())
                .build()
        )
        .0,
        "order_status_fields"
    );
}

#[test]
fn callback_verifier_defaults() {
    let md5 = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url("https://x.test")
        .build()
        .expect("client");
    let v = md5
        .notify_verifier()
        .expect("MD5 merchants verify with the secret");
    assert!(format!("{v:?}").contains("MD5"));

    let rsa = rsa_builder(key_pem()).build().expect("client");
    let err = rsa
        .notify_verifier()
        .expect_err("no platform key configured");
    let Error::Config(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.setting(), "platform_public_key");

    let rsa = rsa_builder(key_pem())
        .platform_public_key(pub_pem())
        .build()
        .expect("client");
    let v = rsa.notify_verifier().expect("verifier");
    assert!(format!("{v:?}").contains("SHA256-RSA"));

    // An explicit verifier wins over the default.
    let rsa = rsa_builder(key_pem())
        .platform_verifier(PlatformVerifier::md5("callback-secret"))
        .build()
        .expect("client");
    assert!(format!("{:?}", rsa.notify_verifier().expect("verifier")).contains("MD5"));
}

#[test]
fn card_key_is_required_before_buying_codes() {
    let md5 = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url("https://x.test")
        .build()
        .expect("client");
    let err = md5
        .prepare(&CouponRequest::new("P", "B"))
        .expect_err("no card key");
    let Error::Config(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.setting(), "card_key");
    // RSA merchants decrypt with their signing key.
    let rsa = rsa_builder(key_pem()).build().expect("client");
    assert!(rsa.prepare(&CouponRequest::new("P", "B")).is_ok());
}

#[derive(Debug)]
struct BadNonce;

impl NonceSource for BadNonce {
    fn nonce(&self) -> String {
        "has space".to_owned()
    }
}

#[test]
fn an_unusable_nonce_is_refused() {
    let client = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url("https://x.test")
        .nonce_source(Arc::new(BadNonce))
        .build()
        .expect("client");
    let err = client
        .prepare(&VipChargeRequest::new("p", "a", "b"))
        .expect_err("bad nonce");
    let Error::Config(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.setting(), "nonce_source");
}

fn env(pairs: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<&'static str, String> = pairs.iter().cloned().collect();
    move |k| map.get(k).cloned()
}

fn env_error(pairs: &[(&'static str, String)]) -> String {
    match ClientBuilder::from_vars(env(pairs)).and_then(ClientBuilder::build) {
        Err(Error::Config(c)) => c.setting().to_owned(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn environment_variables() {
    let key_path = vectors_dir()
        .join("vipcharge_test_key.pem")
        .display()
        .to_string();
    let pub_path = vectors_dir()
        .join("vipcharge_test_key.pub.pem")
        .display()
        .to_string();
    let base = [
        ("VIPCHARGE_BASE_URL", "https://open.example.com".to_owned()),
        ("VIPCHARGE_MERCHANT_ID", "166".to_owned()),
        ("VIPCHARGE_BUSINESS_ID", "166".to_owned()),
    ];
    let with = |extra: &[(&'static str, String)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };

    // SHA256-RSA is the default sign type and needs a key file.
    let client = ClientBuilder::from_vars(env(&with(&[
        ("VIPCHARGE_PRIVATE_KEY", key_path.clone()),
        ("VIPCHARGE_PLATFORM_PUBLIC_KEY", pub_path.clone()),
    ])))
    .expect("env")
    .clock(Arc::new(FixedClock::from_millis(TIMESTAMP)))
    .nonce_source(Arc::new(FixedNonce(NONCE.to_owned())))
    .build()
    .expect("client");
    assert_eq!(client.sign_type().as_str(), "SHA256-RSA");
    assert!(client.notify_verifier().is_ok());
    assert!(sign_of(&client).ends_with("=="), "base64 RSA signature");

    // MD5 with the secret, and the key file as card key.
    let client = ClientBuilder::from_vars(env(&with(&[
        ("VIPCHARGE_SIGN_TYPE", "MD5".to_owned()),
        ("VIPCHARGE_SECRET", SECRET.to_owned()),
        ("VIPCHARGE_PRIVATE_KEY", key_path.clone()),
    ])))
    .expect("env")
    .build()
    .expect("client");
    assert_eq!(client.sign_type().as_str(), "MD5");
    assert!(
        client.prepare(&CouponRequest::new("P", "B")).is_ok(),
        "card key loaded"
    );

    assert_eq!(env_error(&[]), "VIPCHARGE_BASE_URL");
    assert_eq!(env_error(&base[..1]), "VIPCHARGE_MERCHANT_ID");
    assert_eq!(env_error(&base), "VIPCHARGE_PRIVATE_KEY");
    assert_eq!(
        env_error(&with(&[("VIPCHARGE_SIGN_TYPE", "MD5".to_owned())])),
        "VIPCHARGE_SECRET"
    );
    assert_eq!(
        env_error(&with(&[("VIPCHARGE_SIGN_TYPE", "SHA1".to_owned())])),
        "VIPCHARGE_SIGN_TYPE"
    );
    assert_eq!(
        env_error(&with(&[(
            "VIPCHARGE_PRIVATE_KEY",
            "/nonexistent/key.pem".to_owned()
        )])),
        "VIPCHARGE_PRIVATE_KEY"
    );
    assert_eq!(
        env_error(&with(&[
            ("VIPCHARGE_SIGN_TYPE", "MD5".to_owned()),
            ("VIPCHARGE_SECRET", "  ".to_owned()),
        ])),
        "VIPCHARGE_SECRET"
    );
    assert_eq!(
        env_error(&with(&[("VIPCHARGE_PRIVATE_KEY", pub_path.clone()),])),
        "private_key"
    );
}

#[cfg(all(feature = "rsa", feature = "aws-lc-rs"))]
#[test]
fn a_loaded_key_is_reloaded_on_the_chosen_backend() {
    let key =
        sign_core::rsa::RsaPrivateKey::parse_with(&key_pem(), &sign_core::rsa::aws_lc::BACKEND)
            .expect("key");
    let client = pinned(Client::builder("166", "166", Credentials::sha256_rsa(key)))
        .base_url("https://x.test")
        .rsa_backend(&sign_core::rsa::rust_crypto::BACKEND)
        .build()
        .expect("client");
    let reference = rsa_builder(key_pem()).build().expect("client");
    assert_eq!(sign_of(&client), sign_of(&reference));
}

#[test]
fn the_client_is_cheap_to_share() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Client>();
    assert_traits::<vipcharge::NotifyVerifier>();
}

#[test]
fn env_constants_name_every_variable_from_vars_reads() {
    // Every variable `from_vars` asks for is one of the public `ENV_*` names.
    let names = [
        vipcharge::ENV_BASE_URL,
        vipcharge::ENV_MERCHANT_ID,
        vipcharge::ENV_BUSINESS_ID,
        vipcharge::ENV_SIGN_TYPE,
        vipcharge::ENV_PRIVATE_KEY,
        vipcharge::ENV_SECRET,
        vipcharge::ENV_PLATFORM_PUBLIC_KEY,
    ];
    let asked = std::sync::Mutex::new(Vec::new());
    let key_path = vectors_dir()
        .join("vipcharge_test_key.pem")
        .display()
        .to_string();
    let pub_path = vectors_dir()
        .join("vipcharge_test_key.pub.pem")
        .display()
        .to_string();
    let values = HashMap::from([
        (
            vipcharge::ENV_BASE_URL,
            "https://open.example.com".to_owned(),
        ),
        (vipcharge::ENV_MERCHANT_ID, "166".to_owned()),
        (vipcharge::ENV_BUSINESS_ID, "166".to_owned()),
        (vipcharge::ENV_SIGN_TYPE, "MD5".to_owned()),
        (vipcharge::ENV_SECRET, SECRET.to_owned()),
        (vipcharge::ENV_PRIVATE_KEY, key_path),
        (vipcharge::ENV_PLATFORM_PUBLIC_KEY, pub_path),
    ]);
    let client = ClientBuilder::from_vars(|k| {
        asked.lock().expect("lock").push(k.to_owned());
        values.get(k).cloned()
    })
    .expect("env")
    .build()
    .expect("client");
    assert_eq!(client.sign_type().as_str(), "MD5");
    let mut asked = asked.into_inner().expect("lock");
    asked.sort();
    asked.dedup();
    let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    expected.sort();
    assert_eq!(asked, expected);
    assert!(names.iter().all(|n| n.starts_with("VIPCHARGE_")));
}

#[test]
fn shared_options_are_checked_and_name_the_setting() {
    for (builder, setting) in [
        (
            Client::builder("166", "166", Credentials::md5(SECRET))
                .base_url("https://open.example.com")
                .timeout(std::time::Duration::ZERO),
            "timeout",
        ),
        (
            Client::builder("166", "166", Credentials::md5(SECRET))
                .base_url("https://open.example.com")
                .max_notify_body_bytes(0),
            "max_notify_body_bytes",
        ),
        (
            Client::builder("166", "166", Credentials::md5(SECRET))
                .base_url("https://open.example.com")
                .call_deadline(std::time::Duration::ZERO),
            "call_deadline",
        ),
    ] {
        match builder.build() {
            Err(Error::Config(c)) => assert_eq!(c.setting(), setting),
            other => panic!("{setting}: {other:?}"),
        }
    }
}
