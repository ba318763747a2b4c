//! Pack data files (`rules/<pack>/_*.toml`): the knowledge an analysis is parameterised by, kept out of Rust so
//! that adding a framework name, a sink or a placeholder word never needs a code change.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `rules/secrets/_allowlist.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsAllowlist {
    /// Case-insensitive substrings that mark a value as a placeholder.
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// Documented example values (exact match).
    #[serde(default)]
    pub example_values: Vec<String>,
    /// Regexes matched against a value that mark it as a reference (`${VAR}`, `{{ … }}`, `os.environ`).
    #[serde(default)]
    pub reference_patterns: Vec<String>,
    /// Globs of files never scanned for secrets (lock and checksum files).
    #[serde(default)]
    pub skip_paths: Vec<String>,
    /// Globs of files whose findings get lower confidence (real keys do get committed in tests).
    #[serde(default)]
    pub test_paths: Vec<String>,
    /// Rules (by id) whose values are also dropped when they look like UUIDs or hex digests: generic
    /// `token = "…"` assignments hold identifiers and checksums far more often than credentials.
    #[serde(default)]
    pub generic_rules: Vec<String>,
}

/// `rules/injection/_<language>.toml`: the taint tables of one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintTable {
    #[serde(default)]
    pub source: Vec<TaintSource>,
    #[serde(default)]
    pub sink: Vec<TaintSink>,
    #[serde(default)]
    pub sanitizer: Vec<TaintSanitizer>,
    /// Calls whose result is tainted when any argument is (beyond the built-in string operations).
    #[serde(default)]
    pub propagator: Vec<String>,
}

/// How much an attacker controls a source; drives confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Data from the HTTP request: attacker-controlled.
    Request,
    /// A parameter of a function that is not a known handler: maybe attacker-controlled.
    Param,
    /// Process environment, argv, stdin: controlled by whoever runs the program.
    Local,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSource {
    pub kind: SourceKind,
    /// Dotted paths whose value (and any attribute, subscript or method result of it) is tainted:
    /// `request.args`, `request.GET`, `sys.argv`.
    #[serde(default)]
    pub attr: Vec<String>,
    /// Calls whose result is tainted: `request.get_json`, `input`, `os.getenv`.
    #[serde(default)]
    pub call: Vec<String>,
    /// Parameter type names that make a handler parameter a source (`Query`, `Json`, `web::Path`).
    #[serde(default)]
    pub param_type: Vec<String>,
    /// Parameter default callables that make a parameter a source (FastAPI `Query(...)`, `Body(...)`).
    #[serde(default)]
    pub param_default: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSink {
    pub class: String,
    /// Callee names: `execute` matches any `x.execute(...)`; `os.system` must match the dotted name;
    /// `Command::new` for Rust paths.
    pub call: Vec<String>,
    /// Positional argument indexes that must not be tainted (default: 0).
    #[serde(default)]
    pub args: Vec<usize>,
    /// Keyword arguments that must not be tainted.
    #[serde(default)]
    pub kwargs: Vec<String>,
    /// The sink only counts when this keyword argument has this literal text (`shell = "True"`).
    #[serde(default)]
    pub when_kwarg: BTreeMap<String, String>,
    /// The sink does not count when this keyword argument is present with this text (`Loader = "SafeLoader"`).
    #[serde(default)]
    pub unless_kwarg: BTreeMap<String, Vec<String>>,
    /// Rust: the sink only counts when the argument is built by `format!` or a non-literal string.
    #[serde(default)]
    pub non_literal_only: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSanitizer {
    pub call: Vec<String>,
    /// Sink classes it neutralises; `["*"]` for all (e.g. `int()`).
    pub classes: Vec<String>,
}

impl TaintSanitizer {
    pub fn covers(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == "*" || c == class)
    }
}

/// `rules/authz/_frameworks.toml`: names the authorization analysis recognises.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthzNames {
    /// Substrings (lowercase) of dependency, decorator, extractor or guard names that authenticate.
    #[serde(default)]
    pub auth_markers: Vec<String>,
    /// Exact decorator / dependency / extractor names that authenticate.
    #[serde(default)]
    pub auth_names: Vec<String>,
    /// Names that grant authority beyond authentication (admin/superuser/permission checks).
    #[serde(default)]
    pub privilege_markers: Vec<String>,
    /// Fields naming an object's owner.
    #[serde(default)]
    pub owner_fields: Vec<String>,
    /// Expressions naming the authenticated principal's id (`current_user.id`, `request.user`).
    #[serde(default)]
    pub principal_markers: Vec<String>,
    /// Route path / handler name words that are public by design (health, login, register, webhook …).
    #[serde(default)]
    pub public_route_words: Vec<String>,
    /// Permission classes / decorators that allow everyone.
    #[serde(default)]
    pub allow_all_names: Vec<String>,
    /// Names of calls that load a record by key (get, get_or_404, filter_by, objects.get, query …).
    #[serde(default)]
    pub lookup_calls: Vec<String>,
    /// Names of calls that change state (delete, commit, save, update, execute …).
    #[serde(default)]
    pub mutation_calls: Vec<String>,
}
