//! # secreview-report
//!
//! Renders a finished scan (findings, the rules they came from, scan metadata, skipped files, suppressions) in
//! one of nine formats: a terminal table, one line per finding (`concise`), versioned JSON, SARIF 2.1.0, a
//! Markdown review report, GitHub workflow commands, the GitLab SAST and Secret Detection reports and reviewdog's
//! `rdjson`. Every format is a [`Renderer`] that turns a [`ReportInput`] into a
//! `String`.
//!
//! What this crate must not do:
//! - decide what is a finding: the engine has already scoped, filtered, deduplicated and sorted them, and the
//!   renderers keep that order;
//! - decide the exit code: it only *describes* the `--fail-on` gate it is given;
//! - print: it returns strings and the CLI writes them where the user asked (the one piece of I/O here,
//!   [`next_numbered_path`], only reads a directory listing).
//!
//! Secrets arrive redacted: the engine replaces every secret value with
//! [`redact_secret`](secreview_model::redact_secret) before a finding exists, so renderers never redact. They do
//! not trust the text, though — paths, code and comments come from the branch under review: the human-facing
//! formats pass them through [`escape_control`] (and Markdown escapes its own metacharacters), so a file name
//! cannot drive the terminal or forge a line of output. Output is deterministic: aggregates live in `BTreeMap`s or follow the
//! fixed severity order, never a `HashMap`'s.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use secreview_model::{
    Finding, PolicyChange, RuleMeta, ScanMeta, Severity, Skipped, SuppressedFinding, Suppression,
};
use serde_json::Value;

mod concise;
mod escape;
mod github;
mod gitlab;
mod json;
mod markdown;
mod policy;
mod rdjson;
mod sarif;
mod summary;
mod table;

pub use concise::ConciseRenderer;
pub use escape::{escape_control, escape_control_in_block};
pub use github::{GithubRenderer, escape_data, escape_property};
pub use gitlab::{GitlabRenderer, GitlabSecretsRenderer};
pub use json::JsonRenderer;
pub use markdown::{MarkdownRenderer, next_numbered_path};
pub use rdjson::RdjsonRenderer;
pub use sarif::SarifRenderer;
pub use table::{DEFAULT_WIDTH as DEFAULT_TABLE_WIDTH, TableRenderer};

/// The tool name every format reports.
pub const TOOL_NAME: &str = "secreview";
/// Where SARIF's `informationUri`, GitLab's analyzer `url` and rdjson's source `url` point: the workspace's
/// `repository` key, or nothing while that key is a placeholder (a reserved `.invalid` host): a link that leads
/// nowhere is worse than none, and every one of those fields is optional.
pub const INFORMATION_URI: Option<&str> = information_uri(env!("CARGO_PKG_REPOSITORY"));

/// An absolute directory as a `file://` URI ending in `/`, for SARIF's `originalUriBaseIds`.
pub fn file_uri(dir: &str) -> String {
    let dir = dir.replace('\\', "/");
    let encoded = sarif::uri(dir.trim_end_matches('/'));
    if encoded.starts_with('/') {
        format!("file://{encoded}/")
    } else {
        format!("file:///{encoded}/")
    }
}

/// `uri` unless it is empty or names a host under the reserved `.invalid` top-level domain (RFC 2606).
pub const fn information_uri(uri: &'static str) -> Option<&'static str> {
    let b = uri.as_bytes();
    if b.is_empty() {
        return None;
    }
    // const fn: a byte search for ".invalid" followed by `/`, `:` or the end.
    let pat = b".invalid";
    let mut i = 0;
    while i + pat.len() <= b.len() {
        let mut j = 0;
        while j < pat.len() && b[i + j] == pat[j] {
            j += 1;
        }
        if j == pat.len() {
            let end = i + pat.len();
            if end == b.len() || b[end] == b'/' || b[end] == b':' {
                return None;
            }
        }
        i += 1;
    }
    Some(uri)
}
/// The version of the JSON format (`"schema"` key); bumped on any incompatible change, see `JSON-SCHEMA.md`.
pub const JSON_SCHEMA_VERSION: u32 = 1;

static NO_SETTINGS: Value = Value::Null;
static NO_EXCERPTS: BTreeMap<String, Excerpt> = BTreeMap::new();
static NO_META: ScanMeta = ScanMeta {
    mode: String::new(),
    base: None,
    merge_base: None,
    head: None,
    branch: None,
    commits: 0,
    files_scanned: 0,
    files_skipped: 0,
    duration_ms: 0,
};

/// Everything a renderer may show. Borrowed: rendering never changes or outlives the scan result.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// `secreview`'s own version (`env!("CARGO_PKG_VERSION")` in the CLI; fixed in snapshot tests).
    pub tool_version: &'a str,
    pub meta: &'a ScanMeta,
    /// Already sorted (path, line, column, rule id) and already redacted.
    pub findings: &'a [Finding],
    /// Every loaded rule; renderers look up the ones the findings reference (docs, exploit, references).
    pub rules: &'a [RuleMeta],
    pub skipped: &'a [Skipped],
    pub suppressions: &'a [Suppression],
    /// Findings a suppression or the baseline hid: shown as suppressed, never counted by the gate.
    pub suppressed: &'a [SuppressedFinding],
    /// What the scanned change does to its own review (config, baseline, suppressions, attributes, unscanned
    /// files), sorted by location.
    pub policy_changes: &'a [PolicyChange],
    /// The effective settings (CLI + config file), shown verbatim in the JSON metadata.
    pub settings: &'a Value,
    /// The `--fail-on` gate; `None` never fails.
    pub fail_on: Option<Severity>,
    /// The repository's URI (e.g. the `origin` remote). SARIF's `versionControlProvenance` needs one, so it is
    /// left out when this is `None`.
    pub repository_uri: Option<&'a str>,
    /// Scan start and end, UTC, `YYYY-MM-DDTHH:MM:SS` (a trailing `Z` is accepted). GitLab requires both and
    /// gets `1970-01-01T00:00:00` when absent; SARIF and JSON show them only when given.
    pub started_at: Option<&'a str>,
    pub finished_at: Option<&'a str>,
    /// The confidence floor below which findings are warning only; the summaries count those findings.
    pub min_confidence: Option<f32>,
    /// Findings left out of `findings` by `--hide-below`: counted in every summary, never shown.
    pub hidden_below: Option<HiddenBelow>,
    /// SARIF `automationDetails.id` category: two scans of one repository with different categories do not
    /// overwrite each other's alerts. Default `secreview`.
    pub category: Option<&'a str>,
    /// The `file://` URI of the scanned root, for SARIF's `originalUriBaseIds`.
    pub root_uri: Option<&'a str>,
    /// Where a file of the scanned commit can be read on the web (`https://github.com/o/r/blob/SHA/`), for the
    /// Markdown links; `None` links relative to the repository root.
    pub web_url: Option<&'a str>,
    /// Source around each finding, keyed by fingerprint: already redacted by the CLI.
    pub excerpts: &'a BTreeMap<String, Excerpt>,
    /// Per-framework route statistics, for JSON's `scan.routes`.
    pub routes: Option<&'a Value>,
}

/// How many findings `--hide-below FLOOR` left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenBelow {
    pub floor: Severity,
    pub count: usize,
}

/// Source lines around a finding (redacted), and for an access-control finding the handler's signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The 1-based number of the first line of `lines`.
    pub first_line: u32,
    pub lines: Vec<String>,
    /// The handler's signature, lines `start..=end`, with the end column (exclusive) of its last line.
    pub signature: Option<Signature>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl<'a> ReportInput<'a> {
    /// An input with only findings; everything else empty. Set the other public fields as needed.
    pub fn new(tool_version: &'a str, findings: &'a [Finding]) -> Self {
        Self {
            tool_version,
            meta: &NO_META,
            findings,
            rules: &[],
            skipped: &[],
            suppressions: &[],
            suppressed: &[],
            policy_changes: &[],
            settings: &NO_SETTINGS,
            fail_on: None,
            repository_uri: None,
            started_at: None,
            finished_at: None,
            min_confidence: None,
            hidden_below: None,
            category: None,
            root_uri: None,
            web_url: None,
            excerpts: &NO_EXCERPTS,
            routes: None,
        }
    }

    /// The excerpt the CLI read for this finding, if any.
    pub fn excerpt(&self, f: &Finding) -> Option<&'a Excerpt> {
        self.excerpts.get(f.fingerprint.as_str())
    }

    /// The loaded rule with this id, if the caller passed it.
    pub fn rule(&self, id: &str) -> Option<&'a RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Whether this finding trips the gate: at or above `fail_on` and not `warning_only`.
    pub fn blocks(&self, finding: &Finding) -> bool {
        !finding.warning_only && self.fail_on.is_some_and(|floor| finding.severity >= floor)
    }

    /// How many findings trip the gate.
    pub fn blocking_count(&self) -> usize {
        self.findings.iter().filter(|f| self.blocks(f)).count()
    }
}

/// One output format.
pub trait Renderer {
    /// The whole document, ending with a newline.
    fn render(&self, input: &ReportInput) -> String;
}

/// The output formats, named as on the command line (`--format sarif`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Concise,
    Json,
    Sarif,
    Markdown,
    Github,
    Gitlab,
    GitlabSecrets,
    Rdjson,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Table,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Github,
        Format::Gitlab,
        Format::GitlabSecrets,
        Format::Rdjson,
    ];

    /// Every name `--format` accepts, for messages.
    pub const NAMES: &str =
        "table, concise, json, sarif, markdown, github, gitlab, gitlab-secrets or rdjson";

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::GitlabSecrets => "gitlab-secrets",
            Format::Rdjson => "rdjson",
        }
    }

    /// The usual file extension for `--output-dir` names.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table | Format::Github | Format::Concise => "txt",
            Format::Json | Format::Gitlab | Format::GitlabSecrets | Format::Rdjson => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError(pub String);

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown format `{}` (expected {})",
            self.0,
            Format::NAMES
        )
    }
}

impl std::error::Error for ParseFormatError {}

impl FromStr for Format {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "md" => return Ok(Format::Markdown),
            "sarif-2.1.0" => return Ok(Format::Sarif),
            _ => {}
        }
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == lower)
            .ok_or_else(|| ParseFormatError(s.to_owned()))
    }
}

/// Terminal options for the table; the other formats ignore them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Colour severities with ANSI codes. The CLI decides (TTY, `NO_COLOR`, `--no-color`); the renderer never
    /// probes the terminal itself.
    pub color: bool,
    /// The terminal width to wrap to; `None` uses [`DEFAULT_TABLE_WIDTH`] so piped output is stable.
    pub width: Option<u16>,
}

/// The renderer for a format.
pub fn renderer(format: Format, opts: &TableOptions) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(TableRenderer { options: *opts }),
        Format::Concise => Box::new(ConciseRenderer),
        Format::Json => Box::new(JsonRenderer),
        Format::Sarif => Box::new(SarifRenderer),
        Format::Markdown => Box::new(MarkdownRenderer),
        Format::Github => Box::new(GithubRenderer),
        Format::Gitlab => Box::new(GitlabRenderer),
        Format::GitlabSecrets => Box::new(GitlabSecretsRenderer),
        Format::Rdjson => Box::new(RdjsonRenderer),
    }
}

/// Renders `input` in `format`.
pub fn render(format: Format, input: &ReportInput, opts: &TableOptions) -> String {
    renderer(format, opts).render(input)
}

/// Pretty JSON with a final newline.
///
/// Invariant behind the `expect`: serialization into a `String` fails only for maps with non-string keys or a
/// `Serialize` impl that returns an error. Everything rendered here has string keys and derived or infallible
/// impls (non-finite floats become `null`), so it cannot fail.
fn to_pretty_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value).expect("report values always serialize");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_their_names() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        assert_eq!("MD".parse::<Format>(), Ok(Format::Markdown));
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn placeholder_hosts_are_no_information_uri() {
        assert_eq!(information_uri("https://example.invalid/secreview"), None);
        assert_eq!(information_uri("https://x.invalid"), None);
        assert_eq!(information_uri(""), None);
        assert_eq!(
            information_uri("https://github.com/o/invalidator"),
            Some("https://github.com/o/invalidator")
        );
    }
}
