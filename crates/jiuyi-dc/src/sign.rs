//! The dcapi signing rule, in one place.
//!
//! 1. Take every field that is sent, except `sign`, empty values and the endpoint's unsigned
//!    fields (each request type declares its own in [`crate::api::Operation::UNSIGNED_FIELDS`],
//!    e.g. `check` on `pay`, paging and filters on the lists).
//! 2. Sort by name in ASCII byte order.
//! 3. Write `k=urlencode(v)` joined by `&`, where urlencode is PHP's `urlencode()` (space as `+`,
//!    `~` as `%7E`, upper-case hex escapes); this is what the provider's own samples do for
//!    `notify_url` and is a no-op for digits and letters.
//! 4. Append `&appsecret=` and the secret; MD5; 32 hex characters, UPPERCASE.
//!
//! The form body carries the raw values (form-encoded once by the body encoder), plus `sign`.
//! Notifies are verified with the same rule over every received non-empty field except `sign`.
//!
//! ```
//! use jiuyi_dc::sign::RequestSigner;
//! let signer = RequestSigner::new("HJH546HKDHK".into());
//! let fields = [("appid", "19190009"), ("out_order_id", "202209989882384")];
//! let (sign, explanation) = signer.sign(fields, &[]);
//! assert_eq!(sign, "CD3CE52F4B1D3802F1E761C7F56BA735");
//! assert_eq!(
//!     explanation.signed_string(),
//!     "appid=19190009&out_order_id=202209989882384&appsecret=***"
//! );
//! ```

use std::fmt;

use payhub_runtime::{Method, PreparedRequest};
use sign_core::{
    BorrowedParams, CanonicalStyle, Explanation, Md5Signer, Secret, SecretSuffix, Signer as _,
    ValueEncoding,
};

use crate::Result;
use crate::api::{FORM_CONTENT_TYPE, Operation};

/// The name of the field that carries the signature.
pub const SIGN_FIELD: &str = "sign";

/// The canonical style: ASCII order, `sign` excluded, empty values skipped, PHP-urlencoded values.
pub fn style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw()
        .skip_empty(true)
        .encoding(ValueEncoding::PhpUrlencode)
}

/// Signs and verifies dcapi field lists with the app secret. Never prints the secret.
#[derive(Clone)]
pub struct RequestSigner {
    signer: Md5Signer,
    style: CanonicalStyle,
}

impl RequestSigner {
    /// A signer for `appsecret`.
    pub fn new(appsecret: Secret) -> Self {
        Self {
            signer: Md5Signer::new(appsecret, SecretSuffix::param("appsecret")),
            style: style(),
        }
    }

    /// Signs `fields` (in any order; `sign` and empty values are skipped, as are the names in
    /// `unsigned`). Returns the uppercase MD5 and what was signed, with the secret masked.
    pub fn sign<'a, I>(&self, fields: I, unsigned: &[&str]) -> (String, Explanation)
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut params = BorrowedParams::new();
        for (k, v) in fields {
            params.push(k, v);
        }
        self.sign_params(&params, unsigned)
    }

    /// Signs borrowed fields; the canonical string is built once (the explanation's is the one
    /// that is signed).
    pub(crate) fn sign_params(
        &self,
        params: &BorrowedParams<'_>,
        unsigned: &[&str],
    ) -> (String, Explanation) {
        let explanation = params.explain(&self.style, unsigned, &self.signer.masked_suffix());
        let sign = self
            .signer
            .sign_hex_upper(explanation.canonical().as_bytes());
        (sign, explanation)
    }

    /// The signed form request of `request` for `appid`: `appid`, the request's fields (with
    /// `datetime` from `now_seconds`) and `sign`, form-encoded once, with what was signed
    /// (secret masked) attached. No I/O.
    pub(crate) fn prepare<O: Operation>(
        &self,
        appid: &str,
        request: &O,
        now_seconds: i64,
    ) -> Result<PreparedRequest> {
        let fields = request.form_fields(now_seconds)?;
        // The fields are signed where they are (no copy per field).
        let mut params = BorrowedParams::with_capacity(fields.len() + 1);
        params.push("appid", appid);
        for (k, v) in &fields {
            params.push(*k, v.as_str());
        }
        let (sign, explanation) = self.sign_params(&params, O::UNSIGNED_FIELDS);
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.pairs() {
            form.append_pair(k, v);
        }
        form.append_pair(SIGN_FIELD, &sign);
        Ok(PreparedRequest::new(O::NAME, Method::Post, O::PATH)
            .body(FORM_CONTENT_TYPE, form.finish().into_bytes())
            .idempotency(O::IDEMPOTENCY)
            .explanation(explanation))
    }

    /// Verifies `signature` (hex, either case) over `params` (all fields except `sign`, empty
    /// values skipped), in constant time.
    pub(crate) fn verify_borrowed(&self, params: &BorrowedParams<'_>, signature: &str) -> bool {
        let canonical = params.to_canonical(&self.style, &[]);
        self.signer
            .verify_hex(canonical.as_bytes(), signature)
            .is_ok()
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field(
                "rule",
                &"ascii, skip empty, php urlencode, &appsecret=***, MD5 upper",
            )
            .finish_non_exhaustive()
    }
}
