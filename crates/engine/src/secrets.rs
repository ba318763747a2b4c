//! The `regex` matcher (the secrets pack): one aho-corasick automaton over every pattern's keywords decides which
//! regexes run on an added hunk; each candidate value then passes checksum, entropy and allowlist checks, and is
//! redacted before it leaves this module — the value itself is never stored in a finding.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use secreview_model::redact_secret;
use secreview_rules::schema::Checksum;
use secreview_rules::{CompiledPattern, CompiledRule, Matcher, RuleSet};

use crate::EngineError;
use crate::emit::Hit;
use crate::file::FileCtx;

/// A regex pattern, addressed as (rule index in the rule set, pattern index in the rule).
type PatternRef = (usize, usize);

pub(crate) struct SecretsMatcher {
    keywords: Option<AhoCorasick>,
    /// For each keyword id, the patterns it unlocks.
    by_keyword: Vec<Vec<PatternRef>>,
    /// Patterns without keywords run on every hunk.
    always: Vec<PatternRef>,
    placeholder_words: Vec<String>,
    example_values: Vec<String>,
    references: Vec<Regex>,
    skip_paths: GlobSet,
    test_paths: GlobSet,
    generic_rules: Vec<String>,
}

impl SecretsMatcher {
    pub fn new(set: &RuleSet, rule_ids: &[usize]) -> Result<Self, EngineError> {
        let mut words: Vec<String> = Vec::new();
        let mut by_keyword: Vec<Vec<PatternRef>> = Vec::new();
        let mut always = Vec::new();
        for &ri in rule_ids {
            let Matcher::Regex { patterns, .. } = &set.rules[ri].matcher else {
                continue;
            };
            for (pi, p) in patterns.iter().enumerate() {
                if p.keywords.is_empty() {
                    always.push((ri, pi));
                }
                for k in &p.keywords {
                    let id = if let Some(i) = words.iter().position(|w| w == k) {
                        i
                    } else {
                        words.push(k.clone());
                        by_keyword.push(Vec::new());
                        words.len() - 1
                    };
                    by_keyword[id].push((ri, pi));
                }
            }
        }
        let keywords = if words.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&words)
                    .map_err(|e| EngineError::Setup(format!("keyword automaton: {e}")))?,
            )
        };
        let a = &set.secrets;
        let references = a
            .reference_patterns
            .iter()
            .map(|r| {
                Regex::new(r).map_err(|e| {
                    EngineError::Setup(format!(
                        "rules/secrets/_allowlist.toml: bad reference pattern `{r}`: {e}"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SecretsMatcher {
            keywords,
            by_keyword,
            always,
            placeholder_words: a
                .placeholder_words
                .iter()
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            example_values: a
                .example_values
                .iter()
                .filter(|v| !v.is_empty())
                .cloned()
                .collect(),
            references,
            skip_paths: globs(&a.skip_paths)?,
            test_paths: globs(&a.test_paths)?,
            generic_rules: a.generic_rules.clone(),
        })
    }

    pub fn skips_path(&self, path: &str) -> bool {
        self.skip_paths.is_match(path)
    }

    /// Runs every regex rule on the file's added hunks; `out` receives (rule index, hit).
    pub fn run(&self, set: &RuleSet, ctx: &FileCtx<'_>, show: bool, out: &mut Vec<(usize, Hit)>) {
        let path = ctx.file.path.as_str();
        if self.skips_path(path) {
            return;
        }
        let first = out.len();
        self.run_hunks(set, ctx, show, out);
        self.drop_generic_overlaps(set, out, first);
    }

    /// Every value any detector recognises in `text` (the whole of it, whatever the path), for redaction: the
    /// same allowlists as reporting, so placeholders are not redacted, but no diff scoping and no path filters —
    /// a token must be hidden wherever it is quoted, even where it would not be reported.
    pub fn values(&self, set: &RuleSet, text: &str, out: &mut Vec<String>) {
        let mut todo: Vec<PatternRef> = self.always.clone();
        if let Some(ac) = &self.keywords {
            for m in ac.find_overlapping_iter(text) {
                todo.extend_from_slice(&self.by_keyword[m.pattern().as_usize()]);
            }
        }
        todo.sort_unstable();
        todo.dedup();
        for (ri, pi) in todo {
            let rule = &set.rules[ri];
            let Matcher::Regex { patterns, allow } = &rule.matcher else {
                continue;
            };
            let p = &patterns[pi];
            let Some(regex) = p.regex() else {
                continue;
            };
            for caps in regex.captures_iter(text) {
                let Some(m) = caps.get(p.group).or_else(|| caps.get(0)) else {
                    continue;
                };
                let whole = caps.get(0).map_or(m.as_str(), |w| w.as_str());
                if !m.as_str().is_empty() && !self.allowed(rule, p, allow, m.as_str(), whole) {
                    out.push(m.as_str().to_owned());
                }
            }
        }
    }

    /// A value a provider-specific detector recognised is not reported again by a generic rule.
    fn drop_generic_overlaps(&self, set: &RuleSet, out: &mut Vec<(usize, Hit)>, first: usize) {
        let is_generic = |ri: usize| {
            self.generic_rules
                .iter()
                .any(|g| *g == set.rules[ri].meta.id)
        };
        let specific: Vec<(u32, u32, u32, u32)> = out[first..]
            .iter()
            .filter(|(ri, _)| !is_generic(*ri))
            .map(|(_, h)| (h.start_line, h.start_col, h.end_line, h.end_col))
            .collect();
        if specific.is_empty() {
            return;
        }
        let mut index = 0;
        out.retain(|(ri, h)| {
            index += 1;
            index <= first
                || !(is_generic(*ri)
                    && specific.iter().any(|&(sl, sc, el, ec)| {
                        (h.start_line, h.start_col) <= (el, ec)
                            && (sl, sc) <= (h.end_line, h.end_col)
                    }))
        });
    }

    fn run_hunks(&self, set: &RuleSet, ctx: &FileCtx<'_>, show: bool, out: &mut Vec<(usize, Hit)>) {
        let path = ctx.file.path.as_str();
        let in_tests = self.test_paths.is_match(path);
        for (offset, hunk) in ctx.added_hunks() {
            let mut todo: Vec<PatternRef> = self.always.clone();
            if let Some(ac) = &self.keywords {
                for m in ac.find_overlapping_iter(hunk) {
                    todo.extend_from_slice(&self.by_keyword[m.pattern().as_usize()]);
                }
            }
            todo.sort_unstable();
            todo.dedup();
            for (ri, pi) in todo {
                let rule = &set.rules[ri];
                if !rule.applies_to_path(path) {
                    continue;
                }
                let Matcher::Regex { patterns, allow } = &rule.matcher else {
                    continue;
                };
                self.run_pattern(
                    rule,
                    &patterns[pi],
                    allow,
                    ctx,
                    (offset, hunk),
                    (in_tests, show),
                    |h| {
                        out.push((ri, h));
                    },
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct of borrowed context would only rename them
    fn run_pattern(
        &self,
        rule: &CompiledRule,
        p: &CompiledPattern,
        allow: &[Regex],
        ctx: &FileCtx<'_>,
        (offset, hunk): (usize, &str),
        (in_tests, show): (bool, bool),
        mut emit: impl FnMut(Hit),
    ) {
        let Some(regex) = p.regex() else {
            return;
        };
        for caps in regex.captures_iter(hunk) {
            let Some(m) = caps.get(p.group).or_else(|| caps.get(0)) else {
                continue;
            };
            let value = m.as_str();
            let whole = caps.get(0).map_or(value, |w| w.as_str());
            if value.is_empty() || self.allowed(rule, p, allow, value, whole) {
                continue;
            }
            let mut confidence = p.confidence.unwrap_or(rule.meta.confidence);
            match p.checksum.map(|c| checksum_ok(c, value)) {
                Some(true) => confidence = (confidence + 0.04).min(0.99),
                Some(false) => confidence *= 0.6,
                None => {}
            }
            if in_tests {
                confidence *= 0.75;
            }
            let start = ctx.line_col(offset + m.start());
            let end = ctx.line_col(offset + m.end());
            let line = ctx.line_text(start.0);
            let redacted = if show {
                value.to_owned()
            } else {
                redact_secret(value)
            };
            let snippet = redact_line(line, value, &redacted);
            let mut hit =
                Hit::span(start, end, confidence).detail(format!("{} {redacted}", p.name));
            hit.severity = p.severity;
            hit.snippet = Some(snippet);
            // The fingerprint input is what the report shows anyway — never a hash of the value, which anyone
            // holding a baseline or a SARIF file could test guesses against offline. Two secrets of one shape in
            // one file are told apart by their occurrence index.
            hit.identity = Some(format!("{}:{}", p.name, redact_secret(value)));
            hit.secret = Some(value.to_owned());
            emit(hit);
        }
    }

    fn allowed(
        &self,
        rule: &CompiledRule,
        p: &CompiledPattern,
        allow: &[Regex],
        value: &str,
        whole: &str,
    ) -> bool {
        if self
            .example_values
            .iter()
            .any(|e| value.contains(e.as_str()))
        {
            return true;
        }
        let lower = value.to_ascii_lowercase();
        if self
            .placeholder_words
            .iter()
            .any(|w| lower.contains(w.as_str()))
        {
            return true;
        }
        if self.references.iter().any(|r| r.is_match(value))
            || allow.iter().any(|r| r.is_match(value) || r.is_match(whole))
        {
            return true;
        }
        if !p.multiline && looks_repetitive(value) {
            return true;
        }
        if let Some(floor) = p.entropy
            && shannon_entropy(value) < floor
        {
            return true;
        }
        self.generic_rules.contains(&rule.meta.id) && looks_like_identifier_or_hash(value)
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet, EngineError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(
            Glob::new(p)
                .map_err(|e| EngineError::Setup(format!("secrets allowlist glob `{p}`: {e}")))?,
        );
    }
    b.build()
        .map_err(|e| EngineError::Setup(format!("secrets allowlist globs: {e}")))
}

/// The line with every occurrence of the secret replaced by its redacted form.
pub(crate) fn redact_line(line: &str, value: &str, redacted: &str) -> String {
    let out = if line.contains(value) {
        line.replace(value, redacted)
    } else {
        // A multi-line secret starts on this line: hide everything after its start.
        let head = value.lines().next().unwrap_or("");
        match line.find(head).filter(|_| !head.is_empty()) {
            Some(i) => format!("{}{redacted}", &line[..i]),
            None => line.to_owned(),
        }
    };
    out.trim().to_owned()
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f32 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// A value made of one repeated character (`xxxxxxxx`) or a long ascending run (`abcdefgh`, `12345678`).
fn looks_repetitive(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 4 {
        return false;
    }
    let mut same = 1usize;
    let mut asc = 1usize;
    let (mut max_same, mut max_asc) = (1usize, 1usize);
    for w in b.windows(2) {
        same = if w[1] == w[0] { same + 1 } else { 1 };
        asc = if w[1] == w[0].wrapping_add(1) {
            asc + 1
        } else {
            1
        };
        max_same = max_same.max(same);
        max_asc = max_asc.max(asc);
    }
    let distinct = {
        let mut seen = [false; 256];
        b.iter()
            .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
            .count()
    };
    distinct <= 2 || max_same * 2 >= b.len() || max_asc * 2 >= b.len() || max_same >= 8
}

/// UUIDs, git object ids and hex digests: in a generic `token = "…"` assignment these are identifiers or
/// checksums far more often than credentials.
fn looks_like_identifier_or_hash(value: &str) -> bool {
    let hex = value.bytes().all(|c| c.is_ascii_hexdigit());
    let uuid = value.len() == 36
        && value.bytes().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    uuid || (hex && matches!(value.len(), 32 | 40 | 64 | 128))
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub (and npm) tokens: `<prefix>_<30 random base62><6 base62 chars of CRC32(random)>`.
fn checksum_ok(scheme: Checksum, token: &str) -> bool {
    let body = match scheme {
        Checksum::Github | Checksum::Npm => token.rsplit('_').next().unwrap_or(token),
    };
    if body.len() < 7 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32(random.as_bytes())) == check
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

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksum_round_trips() {
        let random = "abcdefghijABCDEFGHIJ0123456789";
        let token = format!("ghp_{random}{}", base62_6(crc32(random.as_bytes())));
        assert!(checksum_ok(Checksum::Github, &token));
        let broken = format!("ghp_{random}000000");
        assert!(!checksum_ok(Checksum::Github, &broken));
    }

    #[test]
    fn repetitive_and_hash_like_values_are_recognised() {
        assert!(looks_repetitive("xxxxxxxxxxxx"));
        assert!(looks_repetitive("abcdefghijkl"));
        assert!(looks_repetitive("12345678"));
        assert!(!looks_repetitive("q8Zr2LmP0vXw"));
        assert!(looks_like_identifier_or_hash(
            "123e4567-e89b-12d3-a456-426614174000"
        ));
        assert!(looks_like_identifier_or_hash(
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ));
        assert!(!looks_like_identifier_or_hash("q8Zr2LmP0vXwq8Zr2LmP0vXw"));
    }

    #[test]
    fn entropy_separates_words_from_random_strings() {
        assert!(shannon_entropy("password") < 3.0);
        assert!(shannon_entropy("q8Zr2LmP0vXw7KcT") > 3.5);
    }

    #[test]
    fn redaction_hides_the_value_in_the_line() {
        let line = r#"TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789""#;
        let v = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let out = redact_line(line, v, &redact_secret(v));
        assert_eq!(out, r#"TOKEN = "ghp_…(40)""#);
    }
}
