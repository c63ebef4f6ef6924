//! The escape hatch for calls WinPay does not document publicly (payout create, payout query,
//! collection-order query): sign and send any field map to a path your account manager gave
//! you, with the same envelope handling as the typed calls.
//!
//! This crate never guesses those paths. Ask WinPay for the payout pages and use
//! [`Client::send_raw`](crate::Client::send_raw) (or [`RawRequest`] with
//! [`Client::send`](crate::Client::send)) until a typed request exists.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{DecodeContext, Idempotency, Operation, private};
use crate::error::{DecodeError, Error, Result};
use crate::wire::DataFields;

/// A signed call to a path you were given, with the fields you choose.
///
/// - The fields are sent as JSON strings in the order given, then `sign` over all of them.
/// - `merchant_no` (from the client) and `time` (Unix milliseconds, from the client's clock)
///   are added unless you set them yourself; every documented WinPay call carries both. Turn
///   this off with [`RawRequest::without_standard_fields`].
/// - Empty values are allowed and signed (the docs' rule; see
///   [`ClientBuilder::sign_empty_values`](crate::ClientBuilder::sign_empty_values)).
/// - By default the call is treated as a **write**: never resent, an unknown outcome is
///   [`Error::OutcomeUnknown`]. Declare a read with [`RawRequest::idempotency`] to get retries.
///
/// ```
/// use gateway_recharge::api::{Idempotency, RawRequest};
///
/// // A payout query at a path your account manager gave you.
/// let req = RawRequest::new("/gateway/your_payout_query", [("order_no", "P20250425001")])
///     .idempotency(Idempotency::Safe);
/// assert_eq!(req.path_str(), "/gateway/your_payout_query");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRequest {
    path: String,
    fields: Vec<(String, String)>,
    idempotency: Idempotency,
    standard_fields: bool,
}

impl RawRequest {
    /// A call to `path` (which must start with `/`) with `fields`.
    pub fn new<I, K, V>(path: impl Into<String>, fields: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            path: path.into(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            idempotency: Idempotency::Unsafe,
            standard_fields: true,
        }
    }

    /// Appends a field.
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Declares whether the call may be resent ([`Idempotency::Safe`] for queries). Default:
    /// [`Idempotency::Unsafe`].
    #[must_use]
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Sends exactly the given fields: no `merchant_no` or `time` is added.
    #[must_use]
    pub fn without_standard_fields(mut self) -> Self {
        self.standard_fields = false;
        self
    }

    /// The path.
    pub fn path_str(&self) -> &str {
        &self.path
    }

    fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }
}

pub(crate) fn check_path(path: &str) -> Result<()> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        && !path.split('/').any(|seg| seg == "..");
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "path",
            "must be an absolute path like `/gateway/xyz` (letters, digits, `/-_.~`; no query, no `..`)",
        ))
    }
}

impl private::Sealed for RawRequest {}

impl Operation for RawRequest {
    const NAME: &'static str = "raw";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    type Response = RawReply;

    fn path(&self) -> &str {
        &self.path
    }

    fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    fn order_no(&self) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == "order_no")
            .map(|(_, v)| v.as_str())
    }

    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>> {
        check_path(&self.path)?;
        let mut seen = std::collections::BTreeSet::new();
        for (k, v) in &self.fields {
            if k.is_empty()
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'&' && b != b'=')
            {
                return Err(Error::validation(
                    k.clone(),
                    "field names must be printable ASCII without `&` or `=`",
                ));
            }
            if k == crate::sign::SIGN_FIELD {
                return Err(Error::validation(k.clone(), "is added by the client"));
            }
            if !seen.insert(k.as_str()) {
                return Err(Error::validation(k.clone(), "appears more than once"));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::validation(
                    k.clone(),
                    "must not contain control characters",
                ));
            }
        }
        let mut out = Vec::with_capacity(self.fields.len() + 2);
        if self.standard_fields && !self.has("merchant_no") {
            out.push(("merchant_no".to_owned(), merchant_no.to_owned()));
        }
        out.extend(self.fields.iter().cloned());
        if self.standard_fields && !self.has("time") {
            out.push(("time".to_owned(), time.to_owned()));
        }
        Ok(out)
    }

    fn decode_data(
        &self,
        data: Option<&str>,
        _ctx: &DecodeContext,
    ) -> std::result::Result<RawReply, String> {
        let data = data
            .map(|d| RawValue::from_string(d.to_owned()))
            .transpose()
            .map_err(|_| "`data` is not valid JSON".to_owned())?;
        Ok(RawReply { data })
    }
}

/// The `data` of a successful raw call, kept as raw JSON so nothing is lost (numbers keep
/// their text).
#[derive(Clone, Debug)]
pub struct RawReply {
    data: Option<Box<RawValue>>,
}

impl RawReply {
    /// The raw JSON text of `data`, if the reply had one.
    pub fn data_json(&self) -> Option<&str> {
        self.data.as_deref().map(RawValue::get)
    }

    /// The fields of `data` as text (numbers verbatim, nested values as raw JSON).
    ///
    /// # Errors
    /// [`Error::Decode`] when `data` is missing or not an object.
    pub fn fields(&self) -> Result<BTreeMap<String, String>> {
        DataFields::parse(self.data_json())
            .map(DataFields::extra)
            .map_err(|p| self.decode_error(p))
    }

    /// Deserializes `data` into your own type.
    ///
    /// # Errors
    /// [`Error::Decode`] when `data` is missing or does not fit `T`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T> {
        let text = self
            .data_json()
            .ok_or_else(|| self.decode_error("`data` is missing".to_owned()))?;
        serde_json::from_str(text).map_err(|e| self.decode_error(format!("`data`: {e}")))
    }

    fn decode_error(&self, problem: String) -> Error {
        Error::Decode(DecodeError::new(
            "raw",
            None,
            problem,
            self.data_json().unwrap_or("").as_bytes(),
        ))
    }
}
