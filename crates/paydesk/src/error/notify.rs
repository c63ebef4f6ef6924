//! [`NotifyError`]: why a notify was refused (here, below `notify`, so that `error` imports
//! nothing above it).

use super::DecodeError;

/// Why a notify was refused. Answer it with [`Ack::retry`](crate::notify::Ack::retry) only if
/// you expect a correct delivery later (for example after a deploy); a forged notify should
/// simply be dropped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body is larger than the cap.
    #[error("notify body has {len} bytes, more than the {limit}-byte cap")]
    BodyTooLarge {
        /// Bytes received.
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The `Content-Type` header is present and is not JSON.
    #[error("notify content type `{0}` is not application/json")]
    ContentType(String),
    /// A header is missing.
    #[error("notify header `{0}` is missing")]
    MissingHeader(&'static str),
    /// A header is present but unreadable (not visible ASCII, or `MerchantId` not a number).
    #[error("notify header `{0}` is malformed")]
    MalformedHeader(&'static str),
    /// The `Sign` header is missing.
    #[error("notify has no `Sign` header")]
    MissingSignature,
    /// The `Sign` header is not 32 hex digits.
    #[error("notify `Sign` is not 32 hex digits")]
    MalformedSignature,
    /// The signature does not match the raw body and our apiKey.
    #[error("notify signature does not match")]
    BadSignature,
    /// `MerchantId` (header or body) is not ours.
    #[error("notify is for merchant `{got}`, not ours ({expected})")]
    WrongMerchant {
        /// Our merchant id.
        expected: u64,
        /// The id received.
        got: String,
    },
    /// The body is not UTF-8.
    #[error("notify body is not UTF-8")]
    NotUtf8,
    /// The body is not JSON, or a field has the wrong shape (the error names it).
    #[error(transparent)]
    Malformed(DecodeError),
    /// The `orderNo` prefix is none of `PAYDESK`, `PAYIN`, `PAYOUT`: build the verifier with
    /// [`NotifyVerifier::verify_as`](crate::notify::NotifyVerifier::verify_as) and the kind your
    /// `notifyUrl` is for.
    #[error("cannot tell the order kind from orderNo `{0}`; use verify_as")]
    UnknownKind(String),
}
