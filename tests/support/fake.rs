//! Test-time fake secrets: expands the placeholders that secrets fixtures hold instead of realistic values.
//!
//! Fixtures must never contain a value that looks like a live credential (push protection, scanners of our own
//! repository, and plain hygiene all forbid it), yet the secrets rules need realistic input. So fixtures say
//! what shape a value has and this module makes one, deterministically, just before the scan:
//!
//! - `{{fake:PREFIX:LEN}}` — `PREFIX` then `LEN` random alphanumeric characters;
//! - `{{fake:PREFIX:LEN:CHARSET}}` — the same from another alphabet: `alnum` (`0-9A-Za-z`), `hex` (`0-9a-f`),
//!   `upper` (`A-Z0-9`), `lower` (`a-z0-9`), `digits` (`0-9`), `base64` (`A-Za-z0-9+/`), `base64url`
//!   (`A-Za-z0-9-_`), `base32` (`A-Z2-7`: AWS key ids);
//! - `{{fake-checksum:PREFIX:LEN}}` — a GitHub/npm-style token: `PREFIX`, `LEN - 6` random base62 characters and
//!   the six-character base62 CRC32 of those random characters (see [`base62_checksum`]).
//!
//! - `{{fake-base64:INNER}}` — the value `{{INNER}}` would expand to (`fake:…` or `fake-checksum:…`), base64-encoded
//!   (standard alphabet, padded): a token as a Kubernetes `Secret`'s `data:` holds it.
//!
//! `PREFIX` may be empty (`{{fake::40:hex}}`) and may hold any character except `:` and `}`. Values come from a
//! fixed-seed PRNG (splitmix64) seeded per placeholder *index*, so the Nth placeholder of a text expands to the
//! same value on every run and on every machine, and appending a placeholder never changes the earlier ones.
//! (A single stream for the whole file was the alternative; it makes every value after an edit change.)
//!
//! This module is std-only and self-contained: test crates include it with
//! `#[path = "../../../tests/support/fake.rs"] mod fake;`. A malformed placeholder is a bug in a fixture, so it
//! panics with the placeholder text rather than leaving a literal `{{fake…}}` to be scanned.
#![allow(dead_code)]

/// The base62 alphabet GitHub and npm use for token bodies and checksums: digits, then upper case, then lower
/// case ("0-9A-Za-z", the GMP/"lexicographic" order). Checksums are written most significant digit first and
/// left-padded with `'0'` to six characters, which is enough for any `u32` (62^6 > 2^32).
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Length of a GitHub/npm checksum tail.
const CHECKSUM_LEN: usize = 6;

/// Fixed seed; changing it changes every fixture value (and so possibly which fixture lines pass). The first
/// seed tried (…0001) happened to put the placeholder word "dummy" inside one base64 value, which the allowlist
/// then (rightly) silenced — so this one is checked against `_allowlist.toml` by the fixture harness run.
const SEED: u64 = 0x5EC2_E71E_77A5_0002;

/// Expands every placeholder in `text`; returns the expanded text and the generated values (each with its
/// prefix, in order of appearance) so a test can assert that none of them appears in full in any output.
///
/// # Panics
/// On a malformed placeholder (unknown kind or charset, missing length, unterminated `{{`), naming it.
#[must_use]
pub fn expand_fakes(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut values = Vec::new();
    let mut rest = text;
    while let Some(start) = find_placeholder(rest) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find("}}") else {
            panic!("unterminated fake placeholder: {}", first_line(after));
        };
        let body = &after[2..end];
        let value = generate(body, values.len() as u64);
        out.push_str(&value);
        values.push(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    (out, values)
}

/// IEEE 802.3 CRC32 (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), as Go's
/// `hash/crc32.ChecksumIEEE` and zlib compute it. Bitwise rather than table-driven: fixtures are small and the
/// bitwise form has no table to get wrong.
#[must_use]
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The six-character checksum GitHub (and npm) append to new-format tokens: the CRC32 of the random part (the
/// characters between the prefix such as `ghp_` and the checksum itself — the prefix is not covered), encoded in
/// base62 with the alphabet `0-9A-Za-z`, most significant digit first, zero-padded on the left to six characters.
#[must_use]
pub fn base62_checksum(s: &str) -> String {
    base62_padded(u64::from(crc32(s.as_bytes())), CHECKSUM_LEN)
}

/// Whether `token` (prefix included) ends in a valid checksum of its random part, given the prefix length.
#[must_use]
pub fn checksum_valid(token: &str, prefix_len: usize) -> bool {
    if token.len() < prefix_len + CHECKSUM_LEN || !token.is_char_boundary(prefix_len) {
        return false;
    }
    let body = &token[prefix_len..];
    let (random, tail) = body.split_at(body.len() - CHECKSUM_LEN);
    base62_checksum(random) == tail
}

fn base62_padded(mut n: u64, width: usize) -> String {
    let mut digits = Vec::with_capacity(width);
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    digits.into_iter().map(char::from).collect()
}

fn find_placeholder(s: &str) -> Option<usize> {
    // `{{fake-checksum:` also starts with `{{fake`, so one search finds both kinds; the kind is checked in
    // `generate`.
    ["{{fake:", "{{fake-checksum:", "{{fake-base64:"]
        .iter()
        .filter_map(|k| s.find(k))
        .min()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn charset(name: &str) -> &'static [u8] {
    match name {
        "alnum" => b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "hex" => b"0123456789abcdef",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "lower" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "digits" => b"0123456789",
        "base64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "base64url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        "base32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        other => panic!(
            "unknown fake charset `{other}` (expected alnum, hex, upper, lower, digits, base64, base64url, \
             base32)"
        ),
    }
}

/// `body` is the placeholder without its braces, e.g. `fake:ghp_:36` or `fake-checksum:npm_:36`.
fn generate(body: &str, index: u64) -> String {
    if let Some(inner) = body.strip_prefix("fake-base64:") {
        return base64_encode(generate(inner, index).as_bytes());
    }
    let parts: Vec<&str> = body.split(':').collect();
    let bad = || -> ! { panic!("malformed fake placeholder `{{{{{body}}}}}`") };
    let (kind, prefix, len, set) = match parts.as_slice() {
        [kind, prefix, len] => (*kind, *prefix, *len, "alnum"),
        [kind, prefix, len, set] => (*kind, *prefix, *len, *set),
        _ => bad(),
    };
    let Ok(len) = len.parse::<usize>() else { bad() };
    let mut rng = SplitMix64::new(SEED ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match kind {
        "fake" => format!("{prefix}{}", random_string(&mut rng, charset(set), len)),
        "fake-checksum" => {
            if len <= CHECKSUM_LEN || parts.len() != 3 {
                bad();
            }
            let random = random_string(&mut rng, BASE62, len - CHECKSUM_LEN);
            let sum = base62_checksum(&random);
            format!("{prefix}{random}{sum}")
        }
        _ => bad(),
    }
}

/// Standard base64 with padding (RFC 4648 §4).
#[must_use]
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn random_string(rng: &mut SplitMix64, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

/// splitmix64 (Steele, Lea, Flood 2014): tiny, good enough statistically, and trivially reproducible.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (rejection sampling, so small alphabets are not biased).
    fn below(&mut self, n: usize) -> usize {
        let n64 = n as u64; // alphabets are at most 64 long: lossless
        let zone = u64::MAX - (u64::MAX % n64);
        loop {
            let x = self.next();
            if x < zone {
                // x % n64 < n, which came from a usize
                return usize::try_from(x % n64).unwrap_or_default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_checksum_is_six_padded_characters() {
        assert_eq!(base62_padded(0, 6), "000000");
        assert_eq!(base62_padded(61, 6), "00000z");
        assert_eq!(base62_padded(62, 6), "000010");
        assert_eq!(base62_padded(u64::from(u32::MAX), 6), "4gfFC3");
        assert_eq!(base62_checksum("").len(), 6);
    }

    #[test]
    fn expansion_is_deterministic() {
        let text = "a={{fake:ghp_:36}} b={{fake::40:hex}} c={{fake-checksum:npm_:36}}";
        let (one, v1) = expand_fakes(text);
        let (two, v2) = expand_fakes(text);
        assert_eq!(one, two);
        assert_eq!(v1, v2);
        assert_eq!(v1.len(), 3);
        assert!(!one.contains("{{"));
        for v in &v1 {
            assert!(one.contains(v.as_str()));
        }
    }

    #[test]
    fn nth_placeholder_does_not_depend_on_later_ones() {
        let (_, short) = expand_fakes("{{fake:x:20}}");
        let (_, long) = expand_fakes("{{fake:x:20}} {{fake:y:20}}");
        assert_eq!(short[0], long[0]);
        assert_ne!(long[0][1..], long[1][1..]);
    }

    #[test]
    fn values_have_the_requested_length_and_alphabet() {
        let cases = [
            ("alnum", 36, BASE62.as_slice()),
            ("hex", 40, b"0123456789abcdef".as_slice()),
            (
                "upper",
                16,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".as_slice(),
            ),
            (
                "lower",
                30,
                b"abcdefghijklmnopqrstuvwxyz0123456789".as_slice(),
            ),
            ("digits", 10, b"0123456789".as_slice()),
            (
                "base64",
                64,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".as_slice(),
            ),
            (
                "base64url",
                43,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".as_slice(),
            ),
        ];
        for (set, len, alphabet) in cases {
            let (out, values) = expand_fakes(&format!("{{{{fake:pre_:{len}:{set}}}}}"));
            assert_eq!(out, values[0]);
            let body = out.strip_prefix("pre_").unwrap();
            assert_eq!(body.len(), len, "{set}");
            assert!(body.bytes().all(|b| alphabet.contains(&b)), "{set}: {body}");
        }
        let (out, _) = expand_fakes("{{fake::12}}");
        assert_eq!(out.len(), 12);
        assert!(out.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn checksum_tokens_round_trip() {
        let (out, values) =
            expand_fakes("token: {{fake-checksum:ghp_:36}}\n{{fake-checksum:npm_:36}}");
        assert_eq!(values.len(), 2);
        for v in &values {
            assert_eq!(v.len(), 40);
            assert!(checksum_valid(v, 4), "{v}");
            assert!(out.contains(v.as_str()));
        }
        // A one-character change breaks the checksum.
        let mut broken = values[0].clone().into_bytes();
        broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
        assert!(!checksum_valid(&String::from_utf8(broken).unwrap(), 4));
    }

    #[test]
    fn base64_placeholders_encode_the_inner_value() {
        assert_eq!(base64_encode(b"hello world"), "aGVsbG8gd29ybGQ=");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        let (_, plain) = expand_fakes("{{fake-checksum:ghp_:36}}");
        let (out, values) = expand_fakes("{{fake-base64:fake-checksum:ghp_:36}}");
        assert_eq!(out, base64_encode(plain[0].as_bytes()));
        assert_eq!(values, vec![out]);
    }

    #[test]
    fn text_without_placeholders_is_unchanged() {
        let text = "password = \"{{ vault_password }}\"\nkey = {{ .Values.key }}\n";
        let (out, values) = expand_fakes(text);
        assert_eq!(out, text);
        assert!(values.is_empty());
    }

    #[test]
    #[should_panic(expected = "unknown fake charset")]
    fn unknown_charset_panics() {
        let _ = expand_fakes("{{fake:x:10:octal}}");
    }

    #[test]
    #[should_panic(expected = "malformed fake placeholder")]
    fn missing_length_panics() {
        let _ = expand_fakes("{{fake:ghp_}}");
    }
}
