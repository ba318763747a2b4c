//! Offline structure checks of token formats that carry one: a checksum (GitHub, npm), an encoded header (JWT,
//! `PyPI` macaroons), an encoded account (AWS key ids) or fixed segment shapes (Slack, Shopify). A token that passes
//! is near-certainly real-format, so its finding gains confidence and keeps it in test files; one that fails is
//! most likely a hand-made look-alike.

use secreview_rules::schema::Checksum;

use super::decode::base64;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether `token` has the structure its scheme documents.
pub(crate) fn structure_ok(scheme: Checksum, token: &str) -> bool {
    if !token.is_ascii() {
        return false;
    }
    match scheme {
        Checksum::Github | Checksum::Npm => crc32_tail_ok(token),
        Checksum::Jwt => jwt_ok(token),
        Checksum::Pypi => pypi_ok(token),
        Checksum::Aws => aws_key_id_ok(token),
        Checksum::Slack => slack_ok(token),
        Checksum::Shopify => shopify_ok(token),
    }
}

/// GitHub (and npm) tokens: `<prefix>_<30 random base62><6 base62 chars of CRC32(random)>`.
fn crc32_tail_ok(token: &str) -> bool {
    let body = token.rsplit('_').next().unwrap_or(token);
    if body.len() < 7 {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32(random.as_bytes())) == check
}

/// `header.payload[.signature]`: the header is a base64url JSON object naming its `alg`, the payload a JSON
/// object. Without serde: the braces and the `"alg"` member are what a look-alike gets wrong.
fn jwt_ok(token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let object = |part: &str| {
        base64(part)
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|s| {
                let s = s.trim();
                s.starts_with('{') && s.ends_with('}')
            })
    };
    let names_alg = base64(header)
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|s| s.contains("\"alg\""));
    names_alg && object(header) && object(payload)
}

/// `pypi-` + base64url(macaroon v2): version byte 2, then the location field (type 1, varint length) holding
/// `pypi.org` or `test.pypi.org`, then the identifier field (type 2).
fn pypi_ok(token: &str) -> bool {
    let Some(body) = token.strip_prefix("pypi-") else {
        return false;
    };
    // The header sits in the first bytes; decode a whole number of base64 quanta of it.
    let head = &body[..body.len().min(40) / 4 * 4];
    let Some(bytes) = base64(head) else {
        return false;
    };
    let [2, 1, len, rest @ ..] = bytes.as_slice() else {
        return false;
    };
    let len = usize::from(*len);
    rest.len() > len && matches!(&rest[..len], b"pypi.org" | b"test.pypi.org") && rest[len] == 2
}

/// `AKIA`/`ASIA`/… + 16 characters of base32 (`A-Z2-7`); the first 40 bits after a 7-bit offset are the account
/// id, a 12-digit number.
fn aws_key_id_ok(token: &str) -> bool {
    if token.len() != 20 {
        return false;
    }
    let body = &token.as_bytes()[4..];
    let mut bits: u64 = 0;
    for &c in &body[..10] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return false,
        };
        bits = (bits << 5) | u64::from(v);
    }
    if !body[10..]
        .iter()
        .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(c))
    {
        return false;
    }
    // 50 bits read; the account is bits 7..47 of the first 48.
    let first48 = bits >> 2;
    let account = (first48 & 0x7FFF_FFFF_FF80) >> 7;
    account <= 999_999_999_999
}

/// Slack's documented token shapes: numeric workspace / user ids (not one digit repeated) and a fixed-length
/// secret segment per prefix.
fn slack_ok(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    let id = |s: &str| {
        (8..=13).contains(&s.len())
            && s.bytes().all(|c| c.is_ascii_digit())
            && s.bytes().any(|c| c != s.as_bytes()[0])
    };
    let alnum = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_alphanumeric());
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit());
    match parts.as_slice() {
        ["xoxb", team, user, secret] => id(team) && id(user) && alnum(secret, 24),
        ["xoxb", team, secret] => id(team) && alnum(secret, 24),
        ["xoxp", team, user, app, secret] => id(team) && id(user) && id(app) && hex(secret, 32),
        ["xapp", version, app, id_part, secret] => {
            version.len() == 1 && app.starts_with('A') && id(id_part) && hex(secret, 64)
        }
        _ => false,
    }
}

fn shopify_ok(token: &str) -> bool {
    let Some((prefix, body)) = token.split_once('_') else {
        return false;
    };
    matches!(prefix, "shpat" | "shpss" | "shpca" | "shppa")
        && body.len() == 32
        && body.bytes().all(|c| c.is_ascii_hexdigit())
}

fn base62_6(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn crc32(bytes: &[u8]) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn b64url(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksum_round_trips() {
        let random = "abcdefghijABCDEFGHIJ0123456789";
        let token = format!("ghp_{random}{}", base62_6(crc32(random.as_bytes())));
        assert!(structure_ok(Checksum::Github, &token));
        assert!(!structure_ok(
            Checksum::Github,
            &format!("ghp_{random}000000")
        ));
    }

    #[test]
    fn jwt_needs_a_json_header_with_alg_and_a_json_payload() {
        let h = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = b64url(br#"{"sub":"42"}"#);
        assert!(structure_ok(
            Checksum::Jwt,
            &format!("{h}.{p}.c2lnbmF0dXJlc2lnbmF0dXJl")
        ));
        let no_alg = b64url(br#"{"typ":"JWT"}"#);
        assert!(!structure_ok(Checksum::Jwt, &format!("{no_alg}.{p}.sig")));
        assert!(!structure_ok(
            Checksum::Jwt,
            "eyJhbGciOiJub3RqcW9u.eyJzdWIi.sig"
        ));
    }

    #[test]
    fn pypi_token_carries_a_macaroon_for_pypi_org() {
        let mut mac = vec![2u8, 1, 8];
        mac.extend_from_slice(b"pypi.org");
        mac.extend_from_slice(&[2, 37]);
        mac.extend_from_slice(b"0123456789abcdef0123456789abcdef01234");
        assert!(structure_ok(
            Checksum::Pypi,
            &format!("pypi-{}", b64url(&mac))
        ));
        mac[3] = b'q';
        assert!(!structure_ok(
            Checksum::Pypi,
            &format!("pypi-{}", b64url(&mac))
        ));
    }

    #[test]
    fn aws_key_id_is_base32_with_a_plausible_account() {
        assert!(structure_ok(Checksum::Aws, "AKIAQ3EGRBHMJZ4XKW2D"));
        assert!(
            !structure_ok(Checksum::Aws, "AKIA0123456789ABCDEF"),
            "0, 1, 8, 9 are not base32"
        );
        // All-7s decodes past the largest 12-digit account.
        assert!(!structure_ok(Checksum::Aws, "AKIA7777777777777777"));
    }

    #[test]
    fn slack_and_shopify_shapes() {
        assert!(structure_ok(
            Checksum::Slack,
            "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1"
        ));
        assert!(structure_ok(
            Checksum::Slack,
            "xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1"
        ));
        assert!(!structure_ok(
            Checksum::Slack,
            "xoxb-111111111111-FGqddMF8t08v8N7Oq4i57vs1"
        ));
        assert!(!structure_ok(
            Checksum::Slack,
            "xoxp-263594206564-2343594206574-1234567890-zz"
        ));
        assert!(structure_ok(
            Checksum::Shopify,
            "shpat_0123456789abcdef0123456789abcdef"
        ));
        assert!(!structure_ok(
            Checksum::Shopify,
            "shpat_0123456789abcdef0123456789abcdeg"
        ));
    }
}
