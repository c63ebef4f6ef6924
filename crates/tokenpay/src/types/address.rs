//! Wallet address checks, so a typo never becomes a payout to nowhere: TRON base58check
//! addresses (version byte `0x41`, so they start with `T`, checksum = the first 4 bytes of a
//! double SHA-256) and EVM addresses (`0x` + 40 hex digits, with the EIP-55 checksum enforced
//! when the letters are mixed-case).

use sha2::{Digest as _, Sha256};
use sha3::Keccak256;

use super::Chain;

/// The address format of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressFamily {
    /// TRON: base58check, version byte `0x41`, 34 characters starting with `T`.
    Tron,
    /// Ethereum and BSC: `0x` + 40 hex digits, EIP-55 mixed-case checksum.
    Evm,
}

/// Why an address was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The address does not start as the chain requires (`T` for TRON, `0x` for EVM).
    #[error("must start with `{expected}`")]
    WrongPrefix {
        /// The required prefix.
        expected: &'static str,
    },
    /// The address has the wrong number of characters.
    #[error("must be {expected} characters long, got {actual}")]
    WrongLength {
        /// The required length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A character outside the alphabet (base58 or hex).
    #[error("contains a character that is not {alphabet}")]
    BadCharacter {
        /// `base58` or `hex`.
        alphabet: &'static str,
    },
    /// The decoded TRON payload has the wrong size or version byte.
    #[error("is not a TRON address (decoded payload is not 0x41 + 20 bytes + checksum)")]
    WrongPayload,
    /// The checksum does not match: a typo.
    #[error("has a bad checksum (a mistyped character?)")]
    BadChecksum,
}

/// Checks `address` for `chain`. Chains this crate does not know are not checked.
///
/// ```
/// use tokenpay::types::{Chain, validate_address, AddressError};
/// assert!(validate_address(&Chain::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").is_ok());
/// assert!(validate_address(&Chain::Ethereum, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_ok());
/// assert_eq!(
///     validate_address(&Chain::Bsc, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
///     Err(AddressError::BadChecksum)
/// );
/// ```
///
/// # Errors
/// [`AddressError`] naming the broken rule.
pub fn validate_address(chain: &Chain, address: &str) -> Result<(), AddressError> {
    match chain.address_family() {
        Some(AddressFamily::Tron) => check_tron(address, true),
        Some(AddressFamily::Evm) => check_evm(address, true),
        None => Ok(()),
    }
}

/// Checks the shape only (prefix, length, alphabet) or the checksum too.
pub(crate) fn check(
    family: AddressFamily,
    address: &str,
    checksum: bool,
) -> Result<(), AddressError> {
    match family {
        AddressFamily::Tron => check_tron(address, checksum),
        AddressFamily::Evm => check_evm(address, checksum),
    }
}

/// Guesses the family from the prefix (`T` or `0x`), for calls that carry no chain.
pub(crate) fn family_of(address: &str) -> Option<AddressFamily> {
    if address.starts_with("0x") || address.starts_with("0X") {
        Some(AddressFamily::Evm)
    } else if address.starts_with('T') {
        Some(AddressFamily::Tron)
    } else {
        None
    }
}

const TRON_LEN: usize = 34;

fn check_tron(address: &str, checksum: bool) -> Result<(), AddressError> {
    if !address.starts_with('T') {
        return Err(AddressError::WrongPrefix { expected: "T" });
    }
    if address.len() != TRON_LEN {
        return Err(AddressError::WrongLength {
            expected: TRON_LEN,
            actual: address.chars().count(),
        });
    }
    let bytes = bs58::decode(address)
        .into_vec()
        .map_err(|_| AddressError::BadCharacter { alphabet: "base58" })?;
    if bytes.len() != 25 || bytes[0] != 0x41 {
        return Err(AddressError::WrongPayload);
    }
    if checksum {
        let digest = Sha256::digest(Sha256::digest(&bytes[..21]));
        if digest[..4] != bytes[21..] {
            return Err(AddressError::BadChecksum);
        }
    }
    Ok(())
}

const EVM_LEN: usize = 42;

fn check_evm(address: &str, checksum: bool) -> Result<(), AddressError> {
    let Some(hex) = address.strip_prefix("0x") else {
        return Err(AddressError::WrongPrefix { expected: "0x" });
    };
    if address.len() != EVM_LEN {
        return Err(AddressError::WrongLength {
            expected: EVM_LEN,
            actual: address.chars().count(),
        });
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AddressError::BadCharacter { alphabet: "hex" });
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if checksum && has_lower && has_upper && !eip55_matches(hex) {
        return Err(AddressError::BadChecksum);
    }
    Ok(())
}

/// EIP-55: the i-th letter is upper-case iff the i-th nibble of keccak256(lowercase hex) >= 8.
fn eip55_matches(hex: &str) -> bool {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, c)| {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if c.is_ascii_digit() {
            true
        } else if nibble >= 8 {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_lowercase()
        }
    })
}

/// The EIP-55 checksummed form of an EVM address given in any case.
///
/// ```
/// use tokenpay::types::eip55_checksum;
/// assert_eq!(
///     eip55_checksum("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359").unwrap(),
///     "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
/// );
/// ```
///
/// # Errors
/// [`AddressError`] when the input is not `0x` + 40 hex digits.
pub fn eip55_checksum(address: &str) -> Result<String, AddressError> {
    check_evm(address, false)?;
    let lower = address[2..].to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    let body: String = lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    Ok(format!("0x{body}"))
}

/// The TRON base58check address of a 20-byte account id (version byte `0x41` prepended).
///
/// ```
/// let a = tokenpay::types::tron_address([7u8; 20]);
/// assert!(a.starts_with('T') && a.len() == 34);
/// assert!(tokenpay::types::validate_address(&tokenpay::types::Chain::Tron, &a).is_ok());
/// ```
pub fn tron_address(account: [u8; 20]) -> String {
    let mut bytes = Vec::with_capacity(25);
    bytes.push(0x41);
    bytes.extend_from_slice(&account);
    let digest = Sha256::digest(Sha256::digest(&bytes));
    bytes.extend_from_slice(&digest[..4]);
    bs58::encode(bytes).into_string()
}
