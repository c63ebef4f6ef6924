//! Figure 2: RSA-2048 PKCS#1 v1.5 / SHA-256 sign and verify on both sign-core backends, against
//! `openssl speed rsa2048` (the floor), and the two backends against each other.
//!
//! The message is a typical vipcharge string to sign (auth headers then a JSON body, ~250
//! bytes); `openssl speed` signs a 36-byte digest, so ours also pays for one SHA-256 of the
//! message (well under a microsecond, next to a private-key operation of hundreds).

use std::hint::black_box;
use std::time::Duration;

use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer, RsaSha256Verifier, aws_lc, rust_crypto};
use sign_core::{Signer as _, Verifier as _};

use crate::Res;
use crate::harness::{self, Settings};
use crate::openssl;
use crate::table::{Row, Unit};

/// The goal of the default backend against openssl.
const GOAL: f64 = 1.7;

/// The 2048-bit test key of the vipcharge vectors.
const KEY_PEM: &[u8] = include_bytes!("../../../fixtures/vectors/vipcharge_test_key.pem");

const MESSAGE: &[u8] =
    b"businessId=754ea3e3a699404f9b82e8f881107f19&nonce=24bc2c17-0fef-440e-ba32-385c47c6cfa4\
&signType=SHA256-RSA&timestamp=1628772138668{\"merchantId\":\"166\",\"businessId\":\"166\",\
\"productCode\":\"87103\",\"mobile\":\"13800138000\",\"account\":\"13800138000\",\
\"bizCode\":\"BIZ-0001\",\"callbackUrl\":\"https://merchant.example/vip/callback\"}";

/// What the openssl step found, for the report.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) rows: Vec<Row>,
    /// The openssl version, or why there is no openssl floor.
    pub(crate) openssl: Result<String, String>,
}

pub(crate) fn run(settings: Settings, openssl_seconds: u32) -> Res<Outcome> {
    let aws_key = RsaPrivateKey::parse_with(KEY_PEM, &aws_lc::BACKEND)?;
    let rsa_key = RsaPrivateKey::parse_with(KEY_PEM, &rust_crypto::BACKEND)?;
    if aws_key.bits() != 2048 {
        return Err(format!("test key has {} bits, not 2048", aws_key.bits()).into());
    }
    let aws_signer = RsaSha256Signer::new(aws_key.clone());
    let rsa_signer = RsaSha256Signer::new(rsa_key.clone());
    let aws_verifier = RsaSha256Verifier::new(aws_key.public_key());
    let rsa_verifier = RsaSha256Verifier::new(rsa_key.public_key());

    // PKCS#1 v1.5 is deterministic: both backends must give the same bytes, and each must
    // accept the other's signature, or the comparison is not like for like.
    let sig = aws_signer.try_sign(MESSAGE)?;
    if rsa_signer.try_sign(MESSAGE)? != sig {
        return Err("the two RSA backends disagree on a PKCS#1 v1.5 signature".into());
    }
    aws_verifier.verify(MESSAGE, &sig)?;
    rsa_verifier.verify(MESSAGE, &sig)?;

    // Before our timing, so the two never compete for a core.
    let speed = openssl::run(openssl_seconds);

    // Private-key operations take about a millisecond: longer batches, same number of rounds.
    let slow = Settings {
        batch: (settings.batch * 4).max(Duration::from_millis(4)),
        ..settings
    };
    let sign = harness::compare(
        slow,
        || {
            black_box(aws_signer.try_sign(black_box(MESSAGE)).ok());
        },
        || {
            black_box(rsa_signer.try_sign(black_box(MESSAGE)).ok());
        },
    );
    let verify = harness::compare(
        settings,
        || {
            black_box(aws_verifier.verify(black_box(MESSAGE), &sig).ok());
        },
        || {
            black_box(rsa_verifier.verify(black_box(MESSAGE), &sig).ok());
        },
    );

    let (openssl_sign, openssl_verify) = match &speed {
        Ok(s) => (Some(1e9 / s.sign_per_s), Some(1e9 / s.verify_per_s)),
        Err(_) => (None, None),
    };
    let row = |figure: &str, ours_ns: f64, floor_ns: Option<f64>, goal: Option<f64>| Row {
        figure: figure.to_owned(),
        ours_ns,
        floor_ns,
        goal,
        unit: Unit::PerOpAndRate,
    };
    let rows = vec![
        row(
            "RSA-2048 sign, aws-lc-rs vs openssl",
            sign.ours_ns,
            openssl_sign,
            Some(GOAL),
        ),
        row(
            "RSA-2048 verify, aws-lc-rs vs openssl",
            verify.ours_ns,
            openssl_verify,
            Some(GOAL),
        ),
        row(
            "RSA-2048 sign, rsa crate vs openssl",
            sign.floor_ns,
            openssl_sign,
            None,
        ),
        row(
            "RSA-2048 verify, rsa crate vs openssl",
            verify.floor_ns,
            openssl_verify,
            None,
        ),
        row(
            "RSA-2048 sign, rsa crate vs aws-lc-rs",
            sign.floor_ns,
            Some(sign.ours_ns),
            None,
        ),
        row(
            "RSA-2048 verify, rsa crate vs aws-lc-rs",
            verify.floor_ns,
            Some(verify.ours_ns),
            None,
        ),
    ];
    Ok(Outcome {
        rows,
        openssl: speed.map(|s| {
            s.version
                .unwrap_or_else(|| "openssl (version not printed)".to_owned())
        }),
    })
}
