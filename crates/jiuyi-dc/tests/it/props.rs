//! Property tests: hostile bytes never panic; any change to a signed notify fails verification
//! unless it decodes to the very same fields; signing ignores field order; money round-trips.

use jiuyi_dc::Error;
use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::api::read_reply;
use jiuyi_dc::error::NotifyError;
use jiuyi_dc::notify::NotifyVerifier;
use jiuyi_dc::sign::RequestSigner;
use jiuyi_dc::types::Money;
use proptest::prelude::*;

use crate::support::{SECRET, headers};

fn fields_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        "[A-Za-z0-9]{1,24}",
        "[A-Za-z0-9_-]{1,32}",
        "[1-7]",
        proptest::collection::btree_map("[a-z_]{1,10}", "\\PC{0,16}", 0..4),
    )
        .prop_map(|(order_id, out, status, extra)| {
            let mut v = vec![
                ("order_id".to_owned(), order_id),
                ("out_order_id".to_owned(), out),
                ("status".to_owned(), status),
            ];
            for (k, val) in extra {
                if !matches!(
                    k.as_str(),
                    "order_id" | "out_order_id" | "status" | "sign" | "appid"
                ) {
                    v.push((k, val));
                }
            }
            v
        })
}

fn signed_body(fields: &[(String, String)]) -> String {
    let signer = RequestSigner::new(SECRET.into());
    let (sign, _) = signer.sign(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[]);
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    form.append_pair("sign", &sign);
    form.finish()
}

fn decoded(body: &[u8]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .map(|(k, v)| {
            if k == "sign" {
                (k, v.to_uppercase())
            } else {
                (k, v)
            }
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_reply_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_reply::<PayRequest>(status, body.clone());
        let _ = read_reply::<QueryOrderRequest>(status, body.clone());
        let _ = read_reply::<CardPayOrderRequest>(status, body.clone());
        let _ = read_reply::<QueryCardListRequest>(status, body);
    }

    #[test]
    fn arbitrary_json_replies_never_panic(code in "[01]", result in prop_oneof![
        Just("null".to_owned()), "\"[^\"\\\\]{0,8}\"", "-?[0-9]{1,6}(\\.[0-9]{1,4})?",
        Just("[{\"order_id\":1,\"status\":{}}]".to_owned()), Just("{\"list\":7}".to_owned()),
    ]) {
        let body = format!(r#"{{"code":{code},"msg":"m","result":{result},"other":{result}}}"#);
        let _ = read_reply::<PayRequest>(200, body.clone());
        let _ = read_reply::<QueryOrderRequest>(200, body.clone());
        let _ = read_reply::<CardPayOrderRequest>(200, body.clone());
        let _ = read_reply::<QueryCardListRequest>(200, body);
    }

    #[test]
    fn arbitrary_notify_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256), json in any::<bool>()) {
        let v = NotifyVerifier::new(SECRET);
        let ct = if json { "application/json" } else { "application/x-www-form-urlencoded" };
        let r = v.verify(&headers(Some(ct)), &body);
        prop_assert!(r.is_err(), "random bytes cannot carry a valid signature");
    }

    #[test]
    fn signed_notify_verifies(fields in fields_strategy()) {
        let body = signed_body(&fields);
        let n = NotifyVerifier::new(SECRET).verify(&headers(None), body.as_bytes());
        prop_assert!(n.is_ok(), "{:?}", n);
    }

    #[test]
    fn any_byte_change_fails_or_decodes_identically(fields in fields_strategy(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let body = signed_body(&fields).into_bytes();
        let i = pos.index(body.len());
        prop_assume!(body[i] != byte);
        let mut tampered = body.clone();
        tampered[i] = byte;
        let r = NotifyVerifier::new(SECRET).verify(&headers(Some("application/x-www-form-urlencoded")), &tampered);
        if r.is_ok() {
            // Only an equivalent encoding (e.g. `%2f` for `%2F`, or hex case in `sign`) may pass.
            prop_assert_eq!(decoded(&tampered), decoded(&body));
        }
    }

    #[test]
    fn any_field_change_fails(fields in fields_strategy(), which in any::<prop::sample::Index>(), new in "[A-Za-z0-9 ~%&=+]{1,12}") {
        let body = signed_body(&fields);
        let mut pairs = decoded(body.as_bytes());
        let i = which.index(pairs.len());
        prop_assume!(pairs[i].0 != "sign" && pairs[i].1 != new);
        pairs[i].1 = new;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs { form.append_pair(k, v); }
        let r = NotifyVerifier::new(SECRET).verify(&headers(None), form.finish().as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{:?}", r);
    }

    #[test]
    fn added_or_removed_field_fails(fields in fields_strategy(), value in "[a-z0-9]{1,8}") {
        let body = signed_body(&fields);
        let added = format!("{body}&zz_new={value}");
        let r = NotifyVerifier::new(SECRET).verify(&headers(None), added.as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{:?}", r);
        let removed: Vec<&str> = body.split('&').filter(|p| !p.starts_with("status=")).collect();
        let r = NotifyVerifier::new(SECRET).verify(&headers(None), removed.join("&").as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{:?}", r);
    }

    #[test]
    fn signing_ignores_field_order(mut fields in fields_strategy(), seed in any::<u64>()) {
        let signer = RequestSigner::new(SECRET.into());
        let (a, _) = signer.sign(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[]);
        let n = fields.len();
        fields.rotate_left(usize::try_from(seed % n as u64).unwrap_or(0));
        fields.reverse();
        let (b, _) = signer.sign(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[]);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn money_round_trips(fen in any::<u64>()) {
        let m = Money::from_fen(fen);
        prop_assert_eq!(m.in_yuan().to_fen(), Ok(fen));
        let text = m.to_yuan().to_string();
        prop_assert_eq!(Money::parse_yuan(&text).and_then(|y| y.to_fen()), Ok(fen));
    }
}
