use std::fmt;

use serde::{Deserialize, Serialize};

/// A content-based identity for a finding: rule id + path + normalized text of the flagged line(s) + the
/// occurrence index among identical (rule, path, text) triples. Line numbers are deliberately left out so the
/// fingerprint survives code moving up or down; changing the flagged text changes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    pub fn compute(rule_id: &str, path: &str, normalized_text: &str, occurrence: u32) -> Self {
        let mut h = Fnv128::new();
        for part in [rule_id, path, normalized_text] {
            h.write(part.as_bytes());
            h.write(&[0]);
        }
        h.write(&occurrence.to_le_bytes());
        Fingerprint(format!("{:032x}", h.finish()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Collapses whitespace so re-indentation or trailing spaces do not change a fingerprint.
pub fn normalize_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 128-bit: stable across Rust versions and platforms (std's `DefaultHasher` is not), and good enough for
/// identity. It is a fast, unsalted hash, so it must never be fed a secret: anyone holding a fingerprint could
/// confirm a guessed value offline. The engine fingerprints secrets by their redacted form (and redacts secrets
/// from the flagged text of code findings) before they get here.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u128::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_indentation_but_not_content() {
        let a = Fingerprint::compute("r", "a.py", &normalize_line("    x = eval(y)  "), 0);
        let b = Fingerprint::compute("r", "a.py", &normalize_line("x = eval(y)"), 0);
        let c = Fingerprint::compute("r", "a.py", &normalize_line("x = eval(z)"), 0);
        let d = Fingerprint::compute("r", "a.py", &normalize_line("x = eval(y)"), 1);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a.as_str().len(), 32);
    }
}
