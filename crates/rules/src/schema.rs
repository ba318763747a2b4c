//! The serde shape of a rule file, exactly as written in `rules/<pack>/<id>.toml`. Nothing here is validated
//! beyond what serde checks; [`crate::compile`] turns it into a [`crate::CompiledRule`] or a precise error.

use secreview_model::{Cwe, Severity};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Query,
    Regex,
    Taint,
    Builtin,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Query => "query",
            RuleKind::Regex => "regex",
            RuleKind::Taint => "taint",
            RuleKind::Builtin => "builtin",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub kind: RuleKind,
    pub pack: String,
    pub title: String,
    pub cwe: Vec<Cwe>,
    pub owasp2021: Option<String>,
    pub owasp2025: Option<String>,
    pub severity: Severity,
    pub confidence: f32,
    #[serde(default)]
    pub languages: Vec<String>,
    pub message: String,
    pub recommendation: String,
    #[serde(default)]
    pub exploit: String,
    pub docs: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    /// `kind = "query"`
    #[serde(default)]
    pub query: Vec<RawQuery>,
    /// `kind = "regex"`
    #[serde(default)]
    pub pattern: Vec<RawPattern>,
    /// `kind = "regex"`: rule-wide allowlist regexes, matched against the captured value.
    #[serde(default)]
    pub allow: Vec<String>,
    /// `kind = "taint"`: sink classes from the language tables.
    #[serde(default)]
    pub sinks: Vec<String>,
    /// `kind = "taint"`: which source kinds the rule reports (default: all). A file path or URL taken from a
    /// function parameter is the normal business of most code; only request data makes it a finding.
    #[serde(default)]
    pub sources: Vec<crate::data::SourceKind>,
    /// `kind = "builtin"`: the analysis producing this rule's findings.
    pub analysis: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuery {
    pub language: String,
    pub pattern: String,
    #[serde(default)]
    pub capture: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A second query: a match that lies inside a node it captures as `@scope` is dropped.
    #[serde(default)]
    pub not_inside: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPattern {
    pub name: String,
    pub regex: String,
    pub group: Option<usize>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub entropy: Option<f32>,
    pub checksum: Option<Checksum>,
    pub confidence: Option<f32>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub multiline: bool,
}

/// A checksum scheme a token format embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Checksum {
    /// GitHub's `ghp_`-style tokens: the last six characters are the base62 CRC32 of the random part.
    Github,
    /// npm's `npm_` tokens use the same scheme.
    Npm,
}
