//! Address vectors: published TRON addresses and the EIP-55 specification's examples, then bad
//! checksums, wrong prefixes and wrong lengths.

use tokenpay::types::{AddressError, Chain, eip55_checksum, tron_address, validate_address};

#[track_caller]
fn check(chain: Chain, address: &str, expect: Result<(), AddressError>) {
    assert_eq!(
        validate_address(&chain, address),
        expect,
        "{chain} {address}"
    );
}

/// USDT's TRC-20 contract and a published TRON account: valid base58check.
const TRON_VALID: [&str; 2] = [
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
];

/// The EIP-55 specification's test addresses (all caps, all lower, mixed).
const EIP55_VALID: [&str; 8] = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
];

#[test]
fn tron_valid() {
    for a in TRON_VALID {
        check(Chain::Tron, a, Ok(()));
    }
    // Round trip through the encoder: the account bytes of a valid address re-encode to it.
    let raw = bs58_decode(TRON_VALID[0]);
    let account: [u8; 20] = raw[1..21].try_into().expect("20 bytes");
    assert_eq!(tron_address(account), TRON_VALID[0]);
}

#[test]
fn tron_bad_checksum() {
    // The docs' masked examples decode to 0x41 payloads whose checksum cannot hold.
    check(
        Chain::Tron,
        "TQjxEW2Z3p9wjoxxxxxxxxgJUrWXBun91w",
        Err(AddressError::BadChecksum),
    );
    check(
        Chain::Tron,
        "TQjxEW2Z3pxxxxxxxxxxxxgJUrWXVAC92T",
        Err(AddressError::BadChecksum),
    );
    // One character changed in a valid address.
    check(
        Chain::Tron,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
        Err(AddressError::BadChecksum),
    );
    check(
        Chain::Tron,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj7t",
        Err(AddressError::BadChecksum),
    );
}

#[test]
fn tron_wrong_prefix_length_alphabet() {
    check(
        Chain::Tron,
        "AR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        Err(AddressError::WrongPrefix { expected: "T" }),
    );
    check(
        Chain::Tron,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        Err(AddressError::WrongPrefix { expected: "T" }),
    );
    check(
        Chain::Tron,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6",
        Err(AddressError::WrongLength {
            expected: 34,
            actual: 33,
        }),
    );
    check(
        Chain::Tron,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tt",
        Err(AddressError::WrongLength {
            expected: 34,
            actual: 35,
        }),
    );
    // `0`, `O`, `I` and `l` are not base58.
    check(
        Chain::Tron,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60",
        Err(AddressError::BadCharacter { alphabet: "base58" }),
    );
}

#[test]
fn evm_valid() {
    for a in EIP55_VALID {
        check(Chain::Ethereum, a, Ok(()));
        check(Chain::Bsc, a, Ok(()));
        let body = &a[2..];
        let mixed = body.bytes().any(|b| b.is_ascii_lowercase())
            && body.bytes().any(|b| b.is_ascii_uppercase());
        if mixed {
            // The checksummed form of the lower-case address is the spec's mixed-case one.
            assert_eq!(eip55_checksum(&a.to_ascii_lowercase()).expect("valid"), a);
        }
    }
    // BUSD's contract as printed in tokenpay's currency list.
    check(
        Chain::Bsc,
        "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56",
        Ok(()),
    );
}

#[test]
fn evm_bad_checksum() {
    // The last letter's case flipped.
    check(
        Chain::Ethereum,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        Err(AddressError::BadChecksum),
    );
    check(
        Chain::Bsc,
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
            .replace("fB", "Fb")
            .as_str(),
        Err(AddressError::BadChecksum),
    );
    check(
        Chain::Ethereum,
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6Fb",
        Err(AddressError::BadChecksum),
    );
}

#[test]
fn evm_wrong_prefix_length_alphabet() {
    check(
        Chain::Ethereum,
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00",
        Err(AddressError::WrongPrefix { expected: "0x" }),
    );
    check(
        Chain::Bsc,
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        Err(AddressError::WrongPrefix { expected: "0x" }),
    );
    check(
        Chain::Ethereum,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        Err(AddressError::WrongLength {
            expected: 42,
            actual: 41,
        }),
    );
    check(
        Chain::Ethereum,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",
        Err(AddressError::WrongLength {
            expected: 42,
            actual: 43,
        }),
    );
    check(
        Chain::Ethereum,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
        Err(AddressError::BadCharacter { alphabet: "hex" }),
    );
}

#[test]
fn unknown_chains_are_not_checked() {
    check(Chain::Unknown("SOLANA".into()), "anything", Ok(()));
}

fn bs58_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut bytes: Vec<u8> = vec![0];
    for c in s.bytes() {
        let mut carry = ALPHABET.iter().position(|a| *a == c).expect("base58") as u32;
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    while bytes.len() > 25 && bytes[0] == 0 {
        bytes.remove(0);
    }
    bytes
}
