//! Encoded values: base64 (standard and URL-safe) and hex runs in configuration files are decoded so the provider
//! detectors can look inside them — a Kubernetes `Secret`'s `data:`, a Helm value, a `.env` entry. Only text is
//! kept: random bytes (a hash, a salt, a binary blob) decode to non-text and are dropped before any regex runs.

use std::sync::LazyLock;

use regex::Regex;

/// A base64 / base64url / hex run long enough to hold a token (the shortest provider tokens are ~20 characters,
/// 27 encoded), bounded by characters outside the alphabets. The leading character is consumed, not captured.
static ENCODED_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9+/=_\-])([A-Za-z0-9+/_\-]{28,}={0,2})").expect("literal regex")
});

/// An encoded run of the text and what it decodes to.
pub(crate) struct Decoded<'a> {
    pub start: usize,
    pub end: usize,
    pub encoded: &'a str,
    pub text: String,
    pub scheme: &'static str,
}

/// Every encoded run of `text` that decodes to mostly printable text.
pub(crate) fn decoded_runs(text: &str) -> Vec<Decoded<'_>> {
    let mut out = Vec::new();
    for caps in ENCODED_RUN.captures_iter(text) {
        let Some(m) = caps.get(1) else { continue };
        let run = m.as_str();
        if !could_be_encoded(run) {
            continue;
        }
        let decoded = if run.len().is_multiple_of(2) && run.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex(run).map(|b| (b, "hex"))
        } else {
            base64(run).map(|b| (b, "base64"))
        };
        let Some((bytes, scheme)) = decoded else {
            continue;
        };
        if let Some(text) = printable(bytes) {
            out.push(Decoded {
                start: m.start(),
                end: m.end(),
                encoded: run,
                text,
                scheme,
            });
        }
    }
    out
}

/// Hex, or base64 with both letter cases and a digit, as the encoding of any token or text has: identifiers and
/// paths (`test_checkout_with_voucher`, `static/js/vendor/jquery`) are dropped before any decoding.
fn could_be_encoded(run: &str) -> bool {
    let b = run.as_bytes();
    if b.len().is_multiple_of(2) && b.iter().all(u8::is_ascii_hexdigit) {
        return b.iter().any(u8::is_ascii_digit) && b.iter().any(u8::is_ascii_alphabetic);
    }
    b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit)
}

/// The bytes as text when nearly all of it is printable (tabs and line breaks count): decoded tokens, JSON and
/// kubeconfigs are; hashes, salts and compressed data are not.
fn printable(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    let total = text.chars().count();
    let good = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    (total >= 12 && good * 100 >= total * 97).then_some(text)
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| Some((hex_digit(p[0])? << 4) | hex_digit(p[1])?))
        .collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Base64 in either alphabet (`+/` or `-_`, not mixed), padding optional. `None` on any other character or an
/// impossible length.
pub(crate) fn base64(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    let std = body.bytes().any(|c| c == b'+' || c == b'/');
    let url = body.bytes().any(|c| c == b'-' || c == b'_');
    if (std && url) || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in body.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xFF).unwrap_or(0));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_both_alphabets_with_or_without_padding() {
        assert_eq!(base64("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(base64("aGVsbG8gd29ybGQ").unwrap(), b"hello world");
        assert_eq!(base64("-_-_").unwrap(), vec![0xfb, 0xff, 0xbf]);
        assert!(base64("ab+_").is_none());
        assert!(base64("abcde").is_none());
    }

    #[test]
    fn only_runs_that_decode_to_text_are_kept() {
        // "password: correct horse battery" in base64, and in hex.
        let text = "data:\n  a: cGFzc3dvcmQ6IGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==\n  \
                    b: 70617373776f72643a20636f727265637420686f727365\n  \
                    sha: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
        let runs = decoded_runs(text);
        assert_eq!(runs.len(), 2, "the SHA-256 decodes to bytes, not text");
        assert_eq!(runs[0].text, "password: correct horse battery");
        assert_eq!(runs[0].scheme, "base64");
        assert_eq!(&text[runs[0].start..runs[0].end], runs[0].encoded);
        assert_eq!(runs[1].text, "password: correct horse");
        assert_eq!(runs[1].scheme, "hex");
    }
}
