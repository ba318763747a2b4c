//! # secreview-report
//!
//! Renders a finished scan (findings, the rules they came from, scan metadata, skipped files, suppressions) in
//! one of six formats: a terminal table, versioned JSON, SARIF 2.1.0, a Markdown review report, GitHub workflow
//! commands and the GitLab SAST report. Every format is a [`Renderer`] that turns a [`ReportInput`] into a
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

use std::fmt;
use std::str::FromStr;

use secreview_model::{
    Finding, PolicyChange, RuleMeta, ScanMeta, Severity, Skipped, SuppressedFinding, Suppression,
};
use serde_json::Value;

mod escape;
mod github;
mod gitlab;
mod json;
mod markdown;
mod policy;
mod sarif;
mod summary;
mod table;

pub use escape::{escape_control, escape_control_in_block};
pub use github::{GithubRenderer, escape_data, escape_property};
pub use gitlab::GitlabRenderer;
pub use json::JsonRenderer;
pub use markdown::{MarkdownRenderer, next_numbered_path};
pub use sarif::SarifRenderer;
pub use table::{DEFAULT_WIDTH as DEFAULT_TABLE_WIDTH, TableRenderer};

/// The tool name every format reports.
pub const TOOL_NAME: &str = "secreview";
/// Where SARIF's `informationUri` points: the workspace's `repository` key.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The version of the JSON format (`"schema"` key); bumped on any incompatible change, see `JSON-SCHEMA.md`.
pub const JSON_SCHEMA_VERSION: u32 = 1;

static NO_SETTINGS: Value = Value::Null;
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
        }
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
    Json,
    Sarif,
    Markdown,
    Github,
    Gitlab,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Github,
        Format::Gitlab,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
        }
    }

    /// The usual file extension for `--output-dir` names.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table | Format::Github => "txt",
            Format::Json | Format::Gitlab => "json",
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
            "unknown format `{}` (expected table, json, sarif, markdown, github or gitlab)",
            self.0
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
        Format::Json => Box::new(JsonRenderer),
        Format::Sarif => Box::new(SarifRenderer),
        Format::Markdown => Box::new(MarkdownRenderer),
        Format::Github => Box::new(GithubRenderer),
        Format::Gitlab => Box::new(GitlabRenderer),
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
}
