//! Wrapping a PKCS#1 `RSAPublicKey` in an X.509 `SubjectPublicKeyInfo`, for backends that only
//! encrypt to SPKI keys. The wrapper is a fixed DER header around the key's bytes.

/// `SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0, pkcs1 } }`.
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
