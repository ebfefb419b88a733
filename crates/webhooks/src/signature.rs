//! The `X-Folio-Signature` header: how deliveries are signed, and how a
//! receiver checks them.
//!
//! The header is `t=<unix seconds>,v1=<hex>`, where `<hex>` is the lower-case
//! hex HMAC-SHA256, keyed with the endpoint's secret (the whole string,
//! `whsec_` included, as UTF-8 bytes), of `"<t>.<body>"`: the timestamp, a
//! dot, and the raw request body exactly as received. A receiver recomputes it,
//! compares in constant time, and refuses timestamps too far from its clock,
//! so a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "X-Folio-Signature";

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The lower-case hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    mac(secret, timestamp, body).finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The header's value: `t=<timestamp>,v1=<signature>`.
pub fn header_value(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Why a signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// Not of the form `t=<digits>,v1=<hex>`.
    Malformed,
    /// The timestamp is further than the tolerance from now.
    Stale,
    /// No `v1` value matches.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the signature header is malformed",
            Self::Stale => "the signature's timestamp is too old or too far in the future",
            Self::Mismatch => "the signature does not match the body",
        })
    }
}

impl std::error::Error for SignatureError {}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}

/// Checks a header value against a received body, as a receiver should: the
/// timestamp within `tolerance_seconds` of `now` (unix seconds), and one of the
/// `v1` values equal, compared in constant time, to the expected signature.
///
/// # Errors
/// [`SignatureError`] says why it is refused.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_seconds: u64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                timestamp = value.parse::<i64>().ok();
            }
            Some(("v1", value)) => signatures.push(decode_hex(value).ok_or(SignatureError::Malformed)?),
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance_seconds {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if signatures.iter().any(|signature| expected.clone().verify_slice(signature).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_timestamp_dot_body_with_hmac_sha256() {
        // Computed independently:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test'
        let signature = sign("whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(signature, "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        assert_eq!(header_value("whsec_test", 1_700_000_000, br#"{"a":1}"#), format!("t=1700000000,v1={signature}"));
    }

    #[test]
    fn verifies_what_it_signs_and_refuses_everything_else() {
        let body = br#"{"id":"x"}"#;
        let header = header_value("whsec_a", 1000, body);

        assert_eq!(verify("whsec_a", &header, body, 1100, 300), Ok(()));
        assert_eq!(verify("whsec_a", &format!("v1=00,{header}"), body, 1000, 300), Ok(()), "any v1 may match");
        assert_eq!(verify("whsec_b", &header, body, 1000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_a", &header, br#"{"id":"y"}"#, 1000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_a", &header, body, 1301, 300), Err(SignatureError::Stale));
        assert_eq!(verify("whsec_a", &header, body, 699, 300), Err(SignatureError::Stale));
        let replayed_with_new_time = header.replace("t=1000", "t=1200");
        assert_eq!(verify("whsec_a", &replayed_with_new_time, body, 1200, 300), Err(SignatureError::Mismatch));
        for malformed in ["", "t=1000", "v1=abcd", "t=x,v1=abcd", "t=1000,v1=xyz", "t=1000;v1=ab", "garbage"] {
            assert_eq!(verify("whsec_a", malformed, body, 1000, 300), Err(SignatureError::Malformed), "{malformed:?}");
        }
    }
}
