//! The provider's code tables as enums: reply `status`, order status, sign type and fuel-card
//! type. Every enum is `#[non_exhaustive]` and keeps codes it does not know in `Unknown(String)`.

use std::fmt;

/// The `data` fields tried, in order, for an order status (the docs are cut before the field is
/// named): `orderStatus`, then `status`.
pub(crate) fn default_status_fields() -> Vec<String> {
    vec!["orderStatus".to_owned(), "status".to_owned()]
}

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

payhub_runtime::open_enum! {
    /// The reply envelope's `status` (接口响应状态), as its decimal text. `0` is success; the
    /// provider's own table is reproduced here, in its order, with its wording
    /// ([`ReplyStatus::meaning`]; `Display` is `"8 (单号重复)"`).
    ///
    /// Codes 5, 6, 8, 98 and 99 carry the provider's note "查单或人工确认" (query the order or
    /// confirm by hand): on an order call they mean the outcome is **unknown**, never "failed"
    /// ([`ReplyStatus::outcome_unknown`]).
    ///
    /// ```
    /// use vipcharge::types::ReplyStatus;
    /// assert_eq!(ReplyStatus::parse("8"), ReplyStatus::DuplicateOrder);
    /// assert_eq!(ReplyStatus::from_number(8), ReplyStatus::DuplicateOrder);
    /// assert!(ReplyStatus::DuplicateOrder.outcome_unknown());
    /// assert!(!ReplyStatus::InsufficientBalance.outcome_unknown());
    /// assert_eq!(ReplyStatus::from_number(42), ReplyStatus::Unknown("42".into()));
    /// assert_eq!(ReplyStatus::DuplicateOrder.to_string(), "8 (单号重复)");
    /// ```
    pub enum ReplyStatus (Exact) {
        /// 0 成功: success.
        Success = "0" => "成功",
        /// 1 失败: failure (definite).
        Failure = "1" => "失败",
        /// 2 验签失败: the platform could not verify our signature (key, secret or sign type).
        SignatureRejected = "2" => "验签失败",
        /// 3 请求参数缺失: a required request parameter is missing.
        MissingParameter = "3" => "请求参数缺失",
        /// 4 没有对应的接口方法: no such interface method (wrong path).
        NoSuchMethod = "4" => "没有对应的接口方法",
        /// 5 接口请求时间超长: the request timestamp is too old (outcome unknown on orders).
        RequestExpired = "5" => "接口请求时间超长",
        /// 6 nonce重复: the nonce was seen before (outcome unknown on orders).
        NonceRepeated = "6" => "nonce重复",
        /// 7 资源不存在: the resource does not exist (e.g. no such order).
        NotFound = "7" => "资源不存在",
        /// 8 单号重复: the `bizCode` was used before (outcome unknown: query it, never "failed").
        DuplicateOrder = "8" => "单号重复",
        /// 9 余额不足: insufficient balance (definite failure).
        InsufficientBalance = "9" => "余额不足",
        /// 10 IP校验不通过: the caller's IP is not on the merchant whitelist.
        IpRejected = "10" => "IP校验不通过",
        /// 11 库存不足: out of stock (definite failure).
        OutOfStock = "11" => "库存不足",
        /// 98 订单异常: order exception (outcome unknown).
        OrderException = "98" => "订单异常",
        /// 99 数据异常: data exception (outcome unknown).
        DataException = "99" => "数据异常",
    }
    unknown => "unknown status";
}

impl ReplyStatus {
    /// The status of a numeric `status` field (the envelope carries a JSON number).
    pub fn from_number(code: i64) -> Self {
        Self::parse(&code.to_string())
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
    /// assert!(ReplyStatus::parse("2").is_signature_rejected());
    /// assert!(!ReplyStatus::parse("10").is_signature_rejected());
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
}

payhub_runtime::open_enum! {
    /// Order status (订单状态), values 0 to 4 (surrounding spaces ignored; `Display` is
    /// `"2 (success)"`).
    ///
    /// Which field carries it in the order query and the callback is not in the readable docs;
    /// the client reads the first present of a configurable list of names (default
    /// `orderStatus`, `status`). See `ClientBuilder::order_status_fields`.
    ///
    /// ```
    /// use vipcharge::types::OrderStatus;
    /// assert_eq!(OrderStatus::parse("2"), OrderStatus::Success);
    /// assert!(OrderStatus::Success.is_final() && OrderStatus::Success.is_success());
    /// assert!(!OrderStatus::Processing.is_final());
    /// assert_eq!(OrderStatus::parse("7"), OrderStatus::Unknown("7".into()));
    /// assert_eq!(OrderStatus::Success.to_string(), "2 (success)");
    /// ```
    pub enum OrderStatus (Trimmed) {
        /// 0 入库: accepted, queued.
        Accepted = "0" => "accepted",
        /// 1 处理中: processing.
        Processing = "1" => "processing",
        /// 2 交易成功: succeeded (final).
        Success = "2" => "success",
        /// 3 交易失败: failed (final).
        Failed = "3" => "failed",
        /// 4 已取消: cancelled (final).
        Cancelled = "4" => "cancelled",
    }
    unknown => "unknown";
    final: [Success, Failed, Cancelled]
}

impl OrderStatus {
    /// Whether the order succeeded.
    pub fn is_success(&self) -> bool {
        *self == Self::Success
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
