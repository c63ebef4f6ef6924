//! The provider's code tables as enums: reply `status`, order status, sign type and fuel-card
//! type. Every enum is `#[non_exhaustive]` and keeps codes it does not know in `Unknown(String)`.

use std::fmt;

/// How requests are signed, sent as the `signType` header.
///
/// ```
/// use vipcharge::types::SignType;
/// assert_eq!(SignType::Sha256Rsa.as_str(), "SHA256-RSA");
/// assert_eq!("MD5".parse::<SignType>().unwrap(), SignType::Md5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignType {
    /// `SHA256-RSA` (the provider's default): RSASSA-PKCS1-v1_5 with SHA-256 over the string to
    /// sign, with the merchant private key, standard base64.
    Sha256Rsa,
    /// `MD5`: uppercase hex MD5 of the string to sign immediately followed by the secret.
    Md5,
}

impl SignType {
    /// The header value: `SHA256-RSA` or `MD5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256Rsa => "SHA256-RSA",
            Self::Md5 => "MD5",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SignType {
    type Err = UnknownSignType;

    /// Parses `SHA256-RSA` or `MD5` (ASCII case-insensitive, surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("SHA256-RSA") {
            Ok(Self::Sha256Rsa)
        } else if t.eq_ignore_ascii_case("MD5") {
            Ok(Self::Md5)
        } else {
            Err(UnknownSignType(t.to_owned()))
        }
    }
}

/// A `signType` other than `SHA256-RSA` or `MD5`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("sign type `{0}` is not SHA256-RSA or MD5")]
pub struct UnknownSignType(pub(crate) String);

/// The reply envelope's `status` (接口响应状态). `0` is success; the provider's own table is
/// reproduced here, in its order.
///
/// Codes 5, 6, 8, 98 and 99 carry the provider's note "查单或人工确认" (query the order or confirm
/// by hand): on an order call they mean the outcome is **unknown**, never "failed"
/// ([`ReplyStatus::outcome_unknown`]).
///
/// ```
/// use vipcharge::types::ReplyStatus;
/// assert_eq!(ReplyStatus::from_code(8), ReplyStatus::DuplicateOrder);
/// assert!(ReplyStatus::DuplicateOrder.outcome_unknown());
/// assert!(!ReplyStatus::InsufficientBalance.outcome_unknown());
/// assert_eq!(ReplyStatus::from_code(42), ReplyStatus::Unknown("42".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplyStatus {
    /// 0 成功: success.
    Success,
    /// 1 失败: failure (definite).
    Failure,
    /// 2 验签失败: the platform could not verify our signature (key, secret or sign type).
    SignatureRejected,
    /// 3 请求参数缺失: a required request parameter is missing.
    MissingParameter,
    /// 4 没有对应的接口方法: no such interface method (wrong path).
    NoSuchMethod,
    /// 5 接口请求时间超长: the request timestamp is too old (outcome unknown on orders).
    RequestExpired,
    /// 6 nonce重复: the nonce was seen before (outcome unknown on orders).
    NonceRepeated,
    /// 7 资源不存在: the resource does not exist (e.g. no such order).
    NotFound,
    /// 8 单号重复: the `bizCode` was used before (outcome unknown: query it, never "failed").
    DuplicateOrder,
    /// 9 余额不足: insufficient balance (definite failure).
    InsufficientBalance,
    /// 10 IP校验不通过: the caller's IP is not on the merchant whitelist.
    IpRejected,
    /// 11 库存不足: out of stock (definite failure).
    OutOfStock,
    /// 98 订单异常: order exception (outcome unknown).
    OrderException,
    /// 99 数据异常: data exception (outcome unknown).
    DataException,
    /// A code this version does not know, as its decimal text.
    Unknown(String),
}

impl ReplyStatus {
    /// Maps a numeric code.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Success,
            1 => Self::Failure,
            2 => Self::SignatureRejected,
            3 => Self::MissingParameter,
            4 => Self::NoSuchMethod,
            5 => Self::RequestExpired,
            6 => Self::NonceRepeated,
            7 => Self::NotFound,
            8 => Self::DuplicateOrder,
            9 => Self::InsufficientBalance,
            10 => Self::IpRejected,
            11 => Self::OutOfStock,
            98 => Self::OrderException,
            99 => Self::DataException,
            other => Self::Unknown(other.to_string()),
        }
    }

    /// The code as its decimal text (`"8"`).
    pub fn code(&self) -> String {
        let n = match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::SignatureRejected => 2,
            Self::MissingParameter => 3,
            Self::NoSuchMethod => 4,
            Self::RequestExpired => 5,
            Self::NonceRepeated => 6,
            Self::NotFound => 7,
            Self::DuplicateOrder => 8,
            Self::InsufficientBalance => 9,
            Self::IpRejected => 10,
            Self::OutOfStock => 11,
            Self::OrderException => 98,
            Self::DataException => 99,
            Self::Unknown(text) => return text.clone(),
        };
        n.to_string()
    }

    /// Whether this is `0`.
    pub fn is_success(&self) -> bool {
        *self == Self::Success
    }

    /// Whether the provider says "query the order or confirm by hand" (5, 6, 8, 98, 99): on an
    /// order call the order may exist; reconcile with `Client::reconcile`.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Self::RequestExpired
                | Self::NonceRepeated
                | Self::DuplicateOrder
                | Self::OrderException
                | Self::DataException
        )
    }

    /// Whether the platform refused the request's signature: `2` (验签失败, "signature check
    /// failed"), the only signature code in the provider's status table.
    ///
    /// ```
    /// use vipcharge::types::ReplyStatus;
    /// assert!(ReplyStatus::from_code(2).is_signature_rejected());
    /// assert!(!ReplyStatus::from_code(10).is_signature_rejected());
    /// ```
    pub fn is_signature_rejected(&self) -> bool {
        matches!(self, Self::SignatureRejected)
    }

    /// Whether a *read* may be tried again with a fresh nonce and timestamp (5, 6, 98, 99).
    pub fn retryable_for_reads(&self) -> bool {
        matches!(
            self,
            Self::RequestExpired | Self::NonceRepeated | Self::OrderException | Self::DataException
        )
    }

    /// The provider's description, in Chinese as published.
    pub fn description(&self) -> &'static str {
        match self {
            Self::Success => "成功",
            Self::Failure => "失败",
            Self::SignatureRejected => "验签失败",
            Self::MissingParameter => "请求参数缺失",
            Self::NoSuchMethod => "没有对应的接口方法",
            Self::RequestExpired => "接口请求时间超长",
            Self::NonceRepeated => "nonce重复",
            Self::NotFound => "资源不存在",
            Self::DuplicateOrder => "单号重复",
            Self::InsufficientBalance => "余额不足",
            Self::IpRejected => "IP校验不通过",
            Self::OutOfStock => "库存不足",
            Self::OrderException => "订单异常",
            Self::DataException => "数据异常",
            Self::Unknown(_) => "unknown status",
        }
    }
}

impl fmt::Display for ReplyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}

/// Order status (订单状态), values 0 to 4.
///
/// Which field carries it in the order query and the callback is not in the readable docs; the
/// client reads the first present of a configurable list of names (default `orderStatus`,
/// `status`). See `ClientBuilder::order_status_fields`.
///
/// ```
/// use vipcharge::types::OrderStatus;
/// assert_eq!(OrderStatus::from_code("2"), OrderStatus::Success);
/// assert!(OrderStatus::Success.is_final() && OrderStatus::Success.is_success());
/// assert!(!OrderStatus::Processing.is_final());
/// assert_eq!(OrderStatus::from_code("7"), OrderStatus::Unknown("7".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderStatus {
    /// 0 入库: accepted, queued.
    Accepted,
    /// 1 处理中: processing.
    Processing,
    /// 2 交易成功: succeeded (final).
    Success,
    /// 3 交易失败: failed (final).
    Failed,
    /// 4 已取消: cancelled (final).
    Cancelled,
    /// A value this version does not know, as received.
    Unknown(String),
}

impl OrderStatus {
    /// Maps the code text (`"0"` .. `"4"`).
    pub fn from_code(code: &str) -> Self {
        match code.trim() {
            "0" => Self::Accepted,
            "1" => Self::Processing,
            "2" => Self::Success,
            "3" => Self::Failed,
            "4" => Self::Cancelled,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The code text.
    pub fn code(&self) -> &str {
        match self {
            Self::Accepted => "0",
            Self::Processing => "1",
            Self::Success => "2",
            Self::Failed => "3",
            Self::Cancelled => "4",
            Self::Unknown(text) => text,
        }
    }

    /// Whether the order will not change any more (success, failed, cancelled).
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Success | Self::Failed | Self::Cancelled)
    }

    /// Whether the order succeeded.
    pub fn is_success(&self) -> bool {
        *self == Self::Success
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Accepted => "accepted",
            Self::Processing => "processing",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Unknown(_) => "unknown",
        };
        write!(f, "{} ({name})", self.code())
    }
}

/// Fuel card issuer of a `gasCard` order (`cardType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GasCardType {
    /// `ZSH`: 中石化 (Sinopec).
    Sinopec,
    /// `ZSY`: 中石油 (PetroChina).
    PetroChina,
}

impl GasCardType {
    /// The wire value, `ZSH` or `ZSY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sinopec => "ZSH",
            Self::PetroChina => "ZSY",
        }
    }
}
