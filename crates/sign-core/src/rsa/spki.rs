//! DER framing only (no cryptography): wrapping a PKCS#1 `RSAPublicKey` in an X.509
//! `SubjectPublicKeyInfo` for backends that only encrypt to SPKI keys, and reading the key kind
//! and modulus length from a structure a backend refused, so the error can say why.

/// `SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0, pkcs1 } }`.
#[cfg(feature = "aws-lc-rs")]
pub(super) fn wrap_pkcs1_public(pkcs1: &[u8]) -> Vec<u8> {
    const ALG_ID: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0x03];
    push_len(&mut bit_string, pkcs1.len() + 1);
    bit_string.push(0);
    bit_string.extend_from_slice(pkcs1);
    let mut out = vec![0x30];
    push_len(&mut out, ALG_ID.len() + bit_string.len());
    out.extend_from_slice(&ALG_ID);
    out.extend_from_slice(&bit_string);
    out
}

#[cfg(feature = "aws-lc-rs")]
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// What a DER structure says about itself: whether it holds a private key, and the modulus length
/// in bits. Used only to explain a backend's refusal (a backend that does not load keys under
/// 2048 bits would otherwise report a short key as "not an RSA key"). `None` when the bytes are
/// not one of the four RSA key structures.
pub(super) fn inspect(der: &[u8]) -> Option<(bool, usize)> {
    let (tag, outer, _) = tlv(der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (first_tag, first, rest) = tlv(outer)?;
    match first_tag {
        // PKCS#1 `RSAPrivateKey` (version 0, n, e, d, ...) or `RSAPublicKey` (n, e).
        INTEGER => {
            let (second_tag, second, rest) = tlv(rest)?;
            match second_tag {
                INTEGER if first == [0] && !rest.is_empty() => Some((true, bits(second)?)),
                INTEGER if rest.is_empty() => Some((false, bits(first)?)),
                // PKCS#8 `PrivateKeyInfo`: version, algorithm, OCTET STRING { RSAPrivateKey }.
                SEQUENCE => {
                    let (tag, inner, _) = tlv(rest)?;
                    if tag != OCTET_STRING {
                        return None;
                    }
                    match inspect(inner)? {
                        (true, n) => Some((true, n)),
                        (false, _) => None,
                    }
                }
                _ => None,
            }
        }
        // SPKI: algorithm, BIT STRING { 0 unused bits, RSAPublicKey }.
        SEQUENCE => {
            let (tag, bit_string, _) = tlv(rest)?;
            let (&unused, inner) = bit_string.split_first()?;
            if tag != BIT_STRING || unused != 0 {
                return None;
            }
            match inspect(inner)? {
                (false, n) => Some((false, n)),
                (true, _) => None,
            }
        }
        _ => None,
    }
}

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const SEQUENCE: u8 = 0x30;

/// One DER tag-length-value: `(tag, content, rest)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || input.len() < n {
            return None;
        }
        let (len_bytes, rest) = input.split_at(n);
        input = rest;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if input.len() < len {
        return None;
    }
    let (content, rest) = input.split_at(len);
    Some((tag, content, rest))
}

/// Bit length of a positive DER INTEGER's content.
fn bits(integer: &[u8]) -> Option<usize> {
    let start = integer.iter().position(|b| *b != 0)?;
    let significant = &integer[start..];
    Some((significant.len() - 1) * 8 + (8 - significant[0].leading_zeros() as usize))
}
