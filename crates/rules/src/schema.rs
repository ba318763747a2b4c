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
    /// `kind = "taint"`: report only flows a check of the base version stopped, where the diff removed the check
    /// (or made the validator it called return `True`).
    #[serde(default)]
    pub regression: bool,
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
    /// A regex the whole file must match for the query to run (`from random import`, a Django settings name):
    /// what a keyword prefilter cannot say precisely.
    #[serde(default)]
    pub file_matches: Option<String>,
    /// Requirements on the names around a match (what the value is for); all must hold. See [`RawContext`].
    #[serde(default)]
    pub context: Vec<RawContext>,
    /// This query's base confidence, instead of the rule's (a weak hash for a password vs. for nothing evident).
    #[serde(default)]
    pub confidence: Option<f32>,
    /// This query's severity, instead of the rule's.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Fills the rule message's `{detail}`: `{@name}` is the text of capture `@name`, `{context}` the reasons the
    /// context requirements found. Default: the first line of the match.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Where the names a context requirement looks at come from, seen from the matched node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextSource {
    /// Identifiers, attribute / field names and string keys inside the match: what goes in (`md5(password)`).
    Inner,
    /// Up to the enclosing statement: the assignment target, keyword, dict key or struct field the value goes to,
    /// the calls it is passed to (and their short string arguments: a cookie's name), `return`.
    Outer,
    /// The names of the enclosing functions and classes (`impl` types in Rust).
    Function,
    /// The decorators (Rust: attributes) of the enclosing function: `route`, `get`.
    Decorators,
    /// Where the variable the match is assigned to goes next in the same function (two hops): its outer names,
    /// and the arguments of methods called on it (`h.update(password)`).
    Uses,
    /// The exception types caught by the enclosing `except` clauses (`Exception`, `SQLAlchemyError`; a bare
    /// `except:` is `BaseException`). Python only.
    Except,
    /// The names tested by the conditions the match depends on: enclosing `if` / `elif` / `while` / ternary
    /// conditions (Rust: `if`, `if let`, `match` scrutinees). `if not settings.VERIFY_TLS: verify = False` is the
    /// configuration's choice, not the code's.
    Conditions,
}

/// One requirement on a match's context. `names`: some name from `from` must match (and not match `not_names`:
/// `password_reset_token` is not a password), else the match is dropped; `unless`: a name from `from` that matches
/// drops it (an `ETag`, a cache key). Regexes see one name at a time; `outer` also yields `return` for a returned
/// value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContext {
    #[serde(default)]
    pub names: Option<String>,
    #[serde(default)]
    pub not_names: Option<String>,
    #[serde(default)]
    pub unless: Option<String>,
    /// Default: every source.
    #[serde(default)]
    pub from: Vec<ContextSource>,
    /// Inverts the requirement: the match is kept only when no name satisfies `names`/`not_names` (a rule leaves a
    /// purpose to a more specific rule: a weak hash of a password is `weak-hash-for-password`'s finding).
    #[serde(default)]
    pub absent: bool,
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
    /// A JSON Web Token: header and payload are base64url JSON objects, the header names its `alg`.
    Jwt,
    /// A `PyPI` API token: `pypi-` then a base64url macaroon (version 2) whose location is `pypi.org` /
    /// `test.pypi.org`.
    Pypi,
    /// An AWS access key id: four-letter prefix then 16 base32 characters (`A-Z2-7`) that encode the account.
    Aws,
    /// A Slack token whose segments have the documented counts, digits and lengths for its prefix.
    Slack,
    /// A Shopify token: `shpat_` / `shpss_` / `shpca_` / `shppa_` then 32 hex digits.
    Shopify,
}
