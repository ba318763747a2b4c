//! The `regex` matcher (the secrets pack): one aho-corasick automaton over every pattern's keywords decides which
//! regexes run on an added hunk; each candidate value then passes checksum, entropy and allowlist checks, and is
//! redacted before it leaves this module — the value itself is never stored in a finding.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use secreview_model::{Severity, redact_secret};
use secreview_rules::{CompiledPattern, CompiledRule, Matcher, RuleSet};

use crate::EngineError;
use crate::emit::Hit;
use crate::file::FileCtx;

mod decode;
mod structure;

use structure::structure_ok;

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
    context_rules: Vec<String>,
    test_discount_rules: Vec<String>,
    url_query_rules: Vec<String>,
    packaging_paths: GlobSet,
    locale_paths: GlobSet,
    credential_key: Option<Regex>,
    hex_secret_key: Option<Regex>,
    decode_paths: GlobSet,
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
            context_rules: a.context_rules.clone(),
            test_discount_rules: a.test_discount_rules.clone(),
            url_query_rules: a.url_query_rules.clone(),
            packaging_paths: globs(&a.packaging_paths)?,
            locale_paths: globs(&a.locale_paths)?,
            credential_key: allowlist_regex("credential_key", a.credential_key.as_deref())?,
            hex_secret_key: allowlist_regex("hex_secret_key", a.hex_secret_key.as_deref())?,
            decode_paths: globs(&a.decode_paths)?,
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
        drop_same_rule_overlaps(out, first);
    }

    /// Every value any detector recognises in `text` (the whole of it, whatever the path), for redaction: the
    /// same allowlists as reporting, so placeholders are not redacted, but no diff scoping and no path filters —
    /// a token must be hidden wherever it is quoted, even where it would not be reported.
    pub fn values(&self, set: &RuleSet, text: &str, out: &mut Vec<String>) {
        for (ri, pi) in self.candidates(text) {
            let rule = &set.rules[ri];
            let Matcher::Regex { patterns, allow } = &rule.matcher else {
                continue;
            };
            let p = &patterns[pi];
            let Some(regex) = p.regex() else {
                continue;
            };
            for caps in regex.captures_iter(text) {
                let Some(m) = caps.get(p.group()).or_else(|| caps.get(0)) else {
                    continue;
                };
                let whole = caps.get(0).map_or(m.as_str(), |w| w.as_str());
                if !m.as_str().is_empty() && !self.allowed(rule, p, allow, m.as_str(), whole) {
                    out.push(m.as_str().to_owned());
                }
            }
        }
        // An encoded token is hidden as it is written, wherever it is (not only in the files it is reported in).
        for d in decode::decoded_runs(text) {
            if self.provider_token(set, &d.text).is_some() {
                out.push(d.encoded.to_owned());
            }
        }
    }

    /// A value a provider-specific detector recognised is not reported again by a context rule, nor one a
    /// context rule recognised by a generic rule: one secret gives one, the most specific, finding.
    fn drop_generic_overlaps(&self, set: &RuleSet, out: &mut Vec<(usize, Hit)>, first: usize) {
        // 0: a provider's token format, 1: a provider's name on the key, 2: a generic secret name.
        let rank = |ri: usize| {
            let rule = &set.rules[ri];
            if self.is_generic(rule) {
                2
            } else {
                u8::from(self.is_keyed(rule))
            }
        };
        let spans: Vec<(u8, (u32, u32, u32, u32))> = out[first..]
            .iter()
            .map(|(ri, h)| {
                (
                    rank(*ri),
                    (h.start_line, h.start_col, h.end_line, h.end_col),
                )
            })
            .collect();
        let mut index = 0;
        out.retain(|(ri, h)| {
            index += 1;
            let mine = rank(*ri);
            index <= first
                || !spans.iter().any(|&(r, (sl, sc, el, ec))| {
                    r < mine
                        && (h.start_line, h.start_col) <= (el, ec)
                        && (sl, sc) <= (h.end_line, h.end_col)
                })
        });
    }

    fn run_hunks(&self, set: &RuleSet, ctx: &FileCtx<'_>, show: bool, out: &mut Vec<(usize, Hit)>) {
        let path = ctx.file.path.as_str();
        let file = FileKind {
            in_tests: self.test_paths.is_match(path),
            packaging: self.packaging_paths.is_match(path),
            locale: self.locale_paths.is_match(path),
        };
        let decode = self.decode_paths.is_match(path);
        for (offset, hunk) in ctx.added_hunks() {
            for (ri, pi) in self.candidates(hunk) {
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
                    (file, show),
                    |h| {
                        out.push((ri, h));
                    },
                );
            }
            if decode {
                self.run_decoded(set, ctx, (offset, hunk), (file, show), out);
            }
        }
    }

    /// The patterns whose keywords occur in `text` (and those without keywords), sorted.
    fn candidates(&self, text: &str) -> Vec<PatternRef> {
        let mut todo: Vec<PatternRef> = self.always.clone();
        if let Some(ac) = &self.keywords {
            for m in ac.find_overlapping_iter(text) {
                todo.extend_from_slice(&self.by_keyword[m.pattern().as_usize()]);
            }
        }
        todo.sort_unstable();
        todo.dedup();
        todo
    }

    fn is_generic(&self, rule: &CompiledRule) -> bool {
        self.generic_rules.contains(&rule.meta.id)
    }

    /// Generic and context rules: their evidence is a key's name, so a provider detector's finding on the same
    /// value wins, and test paths discount them.
    fn is_keyed(&self, rule: &CompiledRule) -> bool {
        self.is_generic(rule) || self.context_rules.contains(&rule.meta.id)
    }

    /// The first provider token inside `text` (a decoded value): (rule index, pattern index, token). Generic rules
    /// do not look inside: a decoded value has no key of its own to judge.
    fn provider_token<'t>(&self, set: &RuleSet, text: &'t str) -> Option<(usize, usize, &'t str)> {
        for (ri, pi) in self.candidates(text) {
            let rule = &set.rules[ri];
            if self.is_keyed(rule) {
                continue;
            }
            let Matcher::Regex { patterns, allow } = &rule.matcher else {
                continue;
            };
            let p = &patterns[pi];
            let Some(regex) = p.regex() else { continue };
            for caps in regex.captures_iter(text) {
                let Some(m) = caps.get(p.group()).or_else(|| caps.get(0)) else {
                    continue;
                };
                let whole = caps.get(0).map_or(m.as_str(), |w| w.as_str());
                if !m.as_str().is_empty() && !self.allowed(rule, p, allow, m.as_str(), whole) {
                    return Some((ri, pi, m.as_str()));
                }
            }
        }
        None
    }

    /// Base64 / hex values of a configuration file that decode to a provider token: reported at the encoded value
    /// (what the file holds, and what redaction hides).
    fn run_decoded(
        &self,
        set: &RuleSet,
        ctx: &FileCtx<'_>,
        (offset, hunk): (usize, &str),
        (file, show): (FileKind, bool),
        out: &mut Vec<(usize, Hit)>,
    ) {
        let path = ctx.file.path.as_str();
        for d in decode::decoded_runs(hunk) {
            let Some((ri, pi, token)) = self.provider_token(set, &d.text) else {
                continue;
            };
            let rule = &set.rules[ri];
            if !rule.applies_to_path(path) {
                continue;
            }
            let Matcher::Regex { patterns, .. } = &rule.matcher else {
                continue;
            };
            let p = &patterns[pi];
            let confidence = self.confidence(rule, p, token, file);
            let name = format!("{} ({}-encoded)", p.name, d.scheme);
            out.push((
                ri,
                Self::hit(
                    ctx,
                    (offset + d.start, offset + d.end),
                    d.encoded,
                    &name,
                    confidence,
                    p,
                    show,
                ),
            ));
        }
    }

    /// A detector's confidence for one value: its structure check moves it, and a test file lowers it only for
    /// format-free rules (generic, context, `test_discount_rules`) and look-alikes that fail the check — a
    /// provider-format token in a test is still a live leak.
    fn confidence(
        &self,
        rule: &CompiledRule,
        p: &CompiledPattern,
        value: &str,
        file: FileKind,
    ) -> f32 {
        let mut confidence = p.confidence.unwrap_or(rule.meta.confidence);
        let structure = p.checksum.map(|c| structure_ok(c, value));
        match structure {
            Some(true) => confidence = (confidence + 0.04).min(0.99),
            Some(false) => confidence *= 0.6,
            None => {}
        }
        let format_free = self.is_format_free(rule);
        if file.in_tests && (format_free || structure == Some(false)) {
            confidence *= 0.75;
        }
        confidence
    }

    #[allow(clippy::too_many_arguments)] // two call sites with the same context; a struct would only rename them
    fn hit(
        ctx: &FileCtx<'_>,
        (from, to): (usize, usize),
        value: &str,
        name: &str,
        confidence: f32,
        p: &CompiledPattern,
        show: bool,
    ) -> Hit {
        let start = ctx.line_col(from);
        let end = ctx.line_col(to);
        let line = ctx.line_text(start.0);
        let redacted = if show {
            value.to_owned()
        } else {
            redact_secret(value)
        };
        let snippet = redact_line(line, value, &redacted);
        let mut hit = Hit::span(start, end, confidence).detail(format!("{name} {redacted}"));
        hit.severity = p.severity;
        hit.snippet = Some(snippet);
        // The fingerprint input is what the report shows anyway — never a hash of the value, which anyone
        // holding a baseline or a SARIF file could test guesses against offline. Two secrets of one shape in
        // one file are told apart by their occurrence index.
        hit.identity = Some(format!("{name}:{}", redact_secret(value)));
        hit.secret = Some(value.to_owned());
        hit
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct of borrowed context would only rename them
    fn run_pattern(
        &self,
        rule: &CompiledRule,
        p: &CompiledPattern,
        allow: &[Regex],
        ctx: &FileCtx<'_>,
        (offset, hunk): (usize, &str),
        (file, show): (FileKind, bool),
        mut emit: impl FnMut(Hit),
    ) {
        let Some(regex) = p.regex() else {
            return;
        };
        let generic = self.is_generic(rule);
        for caps in regex.captures_iter(hunk) {
            let Some(m) = caps.get(p.group()).or_else(|| caps.get(0)) else {
                continue;
            };
            let value = m.as_str();
            let whole = caps.get(0).map_or(value, |w| w.as_str());
            if value.is_empty() || self.allowed(rule, p, allow, value, whole) {
                continue;
            }
            if generic && file.packaging && !self.names_credential(key_of(whole, value)) {
                continue;
            }
            if file.locale && self.is_keyed(rule) {
                continue;
            }
            let confidence = self.confidence(rule, p, value, file);
            let mut hit = Self::hit(
                ctx,
                (offset + m.start(), offset + m.end()),
                value,
                &p.name,
                confidence,
                p,
                show,
            );
            // A password or secret literal found by its key alone, in a test, is a fixture far more often than a
            // credential (`"password1": "StrongPass123!"` for a form test): still listed, never above low.
            if file.in_tests && self.is_keyed(rule) {
                let severity = hit.severity.unwrap_or(rule.meta.severity);
                hit.severity = Some(severity.min(Severity::Low));
            }
            if self.url_query_rules.contains(&rule.meta.id) && in_url_query(hunk, m.start()) {
                let severity = hit.severity.unwrap_or(rule.meta.severity);
                hit.severity = Some(severity.min(Severity::Low));
                hit.confidence *= PUBLISHED_IN_LINK;
                hit.detail
                    .push_str(" (a link's query parameter: published with the page)");
            }
            emit(hit);
        }
    }

    /// A rule whose values have no provider format (a `password = "…"` literal, a secret-named key), judged by
    /// names and entropy alone.
    fn is_format_free(&self, rule: &CompiledRule) -> bool {
        self.is_keyed(rule) || self.test_discount_rules.contains(&rule.meta.id)
    }

    /// Whether a packaging manifest's key names a credential outright (`password`, `api_token`), not a purpose
    /// (`foo_auth` entry point, `tokenize` script).
    fn names_credential(&self, key: &str) -> bool {
        self.credential_key
            .as_ref()
            .is_some_and(|r| r.is_match(key))
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
        // A UUID's segments look like the `word-123` identifiers a generic rule's allow list lets through; whether
        // it is a secret depends on its key, which `identifier_or_hash` judges.
        let judged_by_key = self.is_generic(rule) && looks_like_uuid(value);
        if self.references.iter().any(|r| r.is_match(value))
            || (!judged_by_key && allow.iter().any(|r| r.is_match(value) || r.is_match(whole)))
        {
            return true;
        }
        if !p.multiline && looks_repetitive(value) {
            return true;
        }
        if let Some(floor) = p.entropy
            && shannon_entropy(value) < entropy_floor_for(value, floor)
        {
            return true;
        }
        self.is_generic(rule)
            && (self.identifier_or_hash(value, key_of(whole, value))
                || echoes_key(value, key_of(whole, value)))
    }

    /// UUIDs and hex digests a generic rule drops, unless the value is hex (not a 40-hex git object id) or a
    /// UUID assigned to a key that names a secret key (`SECRET_KEY`, `client_secret`, `app.secret`): those are
    /// random keys written in hex, and many services issue UUID secrets. A UUID under a bare `token` / `id` key
    /// stays dropped: request ids, CSRF and session tokens in fixtures are UUIDs far more often than credentials.
    fn identifier_or_hash(&self, value: &str, key: &str) -> bool {
        if !looks_like_identifier_or_hash(value) {
            return false;
        }
        let hex = value.bytes().all(|c| c.is_ascii_hexdigit());
        let random_key = (hex && value.len() != 40) || looks_like_uuid(value);
        !(random_key
            && self
                .hex_secret_key
                .as_ref()
                .is_some_and(|r| r.is_match(key)))
    }
}

/// One value, one finding per rule: where two detectors of a rule (a strict format and its looser fallback) match
/// overlapping text, the more confident finding stays (the earlier one on a tie).
fn drop_same_rule_overlaps(out: &mut Vec<(usize, Hit)>, first: usize) {
    let overlaps = |a: &Hit, b: &Hit| {
        (a.start_line, a.start_col) <= (b.end_line, b.end_col)
            && (b.start_line, b.start_col) <= (a.end_line, a.end_col)
    };
    let hits = &out[first..];
    let beaten: Vec<bool> = hits
        .iter()
        .enumerate()
        .map(|(i, (ri, h))| {
            hits.iter().enumerate().any(|(j, (rj, g))| {
                j != i
                    && ri == rj
                    && overlaps(h, g)
                    && match g.confidence.total_cmp(&h.confidence) {
                        std::cmp::Ordering::Greater => true,
                        std::cmp::Ordering::Equal => j < i,
                        std::cmp::Ordering::Less => false,
                    }
            })
        })
        .collect();
    let mut index = 0;
    out.retain(|_| {
        index += 1;
        index <= first || !beaten[index - first - 1]
    });
}

/// How a file's path bears on its findings.
#[derive(Clone, Copy)]
struct FileKind {
    in_tests: bool,
    packaging: bool,
    /// A translation catalogue: keys name interface strings, values are prose.
    locale: bool,
}

/// The text of a match before its value: the key, operator and quotes.
/// A value that spells its own key again (`{"csrftoken": "CSRFTOKEN"}`, `api_key = "API-KEY"`, `db_password:
/// "PASSWORD"`): a placeholder naming what belongs there, not a credential.
fn echoes_key(value: &str, key: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let trimmed = key.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    let start = trimmed
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |i| i + 1);
    let (key, value) = (squash(&trimmed[start..]), squash(value));
    value.len() >= 4 && !key.is_empty() && key.ends_with(&value)
}

fn key_of<'a>(whole: &'a str, value: &str) -> &'a str {
    whole.find(value).map_or(whole, |i| &whole[..i])
}

fn allowlist_regex(key: &str, src: Option<&str>) -> Result<Option<Regex>, EngineError> {
    src.map(|r| {
        Regex::new(r).map_err(|e| {
            EngineError::Setup(format!(
                "rules/secrets/_allowlist.toml: bad `{key}` regex `{r}`: {e}"
            ))
        })
    })
    .transpose()
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

/// A detector's entropy floor, lowered for all-digit values: ten symbols carry at most 3.32 bits each, so a
/// random 16-digit secret scores ~2.9 and would fail a floor set for base62 values. Typed runs (`1234…`) are
/// still caught by [`looks_repetitive`].
fn entropy_floor_for(value: &str, floor: f32) -> f32 {
    if value.bytes().all(|c| c.is_ascii_digit()) {
        floor.min(2.5)
    } else {
        floor
    }
}

/// A value that is one short unit typed over and over (`abcd1234abcd1234…`, `ab12ab12ab12`).
fn looks_periodic(b: &[u8]) -> bool {
    (1..=8).any(|unit| b.len() >= unit * 3 && b.iter().enumerate().all(|(i, &c)| c == b[i % unit]))
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
        // Runs of `A` and `/` are base64 for zero and 0xFF bytes, which binary tokens (AWS session tokens,
        // macaroons) hold; they never count as a typed run.
        same = if w[1] == w[0] && w[0] != b'A' && w[0] != b'/' {
            same + 1
        } else {
            1
        };
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
    distinct <= 2
        || max_same * 2 >= b.len()
        || max_asc * 2 >= b.len()
        || max_same >= 8
        || looks_periodic(b)
}

/// UUIDs, git object ids and hex digests: in a generic `token = "…"` assignment these are identifiers or
/// checksums far more often than credentials.
fn looks_like_identifier_or_hash(value: &str) -> bool {
    let hex = value.bytes().all(|c| c.is_ascii_hexdigit());
    looks_like_uuid(value) || (hex && matches!(value.len(), 32 | 40 | 64 | 128))
}

/// `8-4-4-4-12` hex digits.
fn looks_like_uuid(value: &str) -> bool {
    value.len() == 36
        && value.bytes().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A key ID carried in a link's query is public to everyone who loads the page (an affiliate link, a presigned
/// URL): it still names the account, so it is listed, but below the blocking confidence.
const PUBLISHED_IN_LINK: f32 = 0.6;

/// Whether the match at `start` is the value of a query parameter of an `http(s)://` URL on its line:
/// `https://host/p?a=1&amp;SubscriptionId=<match>`, also as a JSON string in a page's script
/// (`https:\u002F\u002Fhost\u002Fp?a=1\u0026SubscriptionId=<match>`).
fn in_url_query(hunk: &str, start: usize) -> bool {
    const SEPARATORS: [&str; 5] = ["?", "&", "&amp;", "\\u0026", "%26"];
    const SCHEMES: [&str; 6] = [
        "https://",
        "http://",
        "https:\\/\\/",
        "http:\\/\\/",
        "https:\\u002F\\u002F",
        "http:\\u002F\\u002F",
    ];
    let line_start = hunk[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &hunk[line_start..start];
    let Some(name_end) = before.strip_suffix('=') else {
        return false;
    };
    // The parameter's name runs back to a separator (`\u0026` ends in digits, so the name is not simply the
    // alphanumeric run before `=`).
    let is_name = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    };
    let Some(head) = SEPARATORS
        .iter()
        .filter_map(|sep| {
            let i = name_end.rfind(sep)?;
            is_name(&name_end[i + sep.len()..]).then_some(&name_end[..i])
        })
        .max_by_key(|h| h.len())
    else {
        return false;
    };
    let Some(url) = SCHEMES.iter().filter_map(|s| head.rfind(s)).max() else {
        return false;
    };
    !head[url..]
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_and_hash_like_values_are_recognised() {
        assert!(looks_repetitive("xxxxxxxxxxxx"));
        assert!(looks_repetitive("abcdefghijkl"));
        assert!(looks_repetitive("12345678"));
        assert!(!looks_repetitive("q8Zr2LmP0vXw"));
        assert!(looks_repetitive("abcd1234abcd1234abcd1234abcd1234"));
        assert!(!looks_repetitive(
            "FQoGZXIvYXdzENv//////////wEaDEeLj11xTbnBk6az"
        ));
        assert!(looks_repetitive("xoxp-eeeeeeeeeeee"));
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
        assert!(shannon_entropy("9462004948707877") < entropy_floor_for("q8Zr", 3.0));
        assert!(shannon_entropy("9462004948707877") > entropy_floor_for("9462004948707877", 3.0));
    }

    #[test]
    fn redaction_hides_the_value_in_the_line() {
        let line = r#"TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789""#;
        let v = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let out = redact_line(line, v, &redact_secret(v));
        assert_eq!(out, r#"TOKEN = "ghp_…(40)""#);
    }
}
