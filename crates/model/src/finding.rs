use serde::Serialize;

use crate::{Cwe, Fingerprint, OwaspCategory, Severity};

/// A span in a file, 1-based lines and columns (columns count characters, not bytes). The end column is
/// exclusive — the column just after the last character — as in SARIF.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Location {
    pub fn line(path: impl Into<String>, line: u32) -> Self {
        Self {
            path: path.into(),
            start_line: line,
            start_col: 1,
            end_line: line,
            end_col: 1,
        }
    }
}

/// A secondary location that explains a finding: where the id came from, where the guard was removed, one step
/// of a taint flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub location: Location,
    pub note: String,
}

/// What a rule says about itself; findings copy what they need, reports show the rest (docs, references).
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub pack: String,
    pub kind: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: f32,
    pub cwe: Vec<Cwe>,
    pub owasp2021: Option<&'static OwaspCategory>,
    pub owasp2025: Option<&'static OwaspCategory>,
    pub languages: Vec<String>,
    pub message: String,
    pub recommendation: String,
    /// The What it does / Why is this bad / Example / Fix sections, Markdown.
    pub docs: String,
    /// How an attacker uses the weakness; `{path}`, `{line}` and `{detail}` are filled per finding.
    pub exploit: String,
    pub references: Vec<String>,
}

/// One reported weakness.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub pack: String,
    pub title: String,
    pub severity: Severity,
    /// 0.0..=1.0: how likely the finding is real, from the rule's base and the evidence.
    pub confidence: f32,
    pub cwe: Vec<Cwe>,
    pub owasp2021: Option<&'static OwaspCategory>,
    pub owasp2025: Option<&'static OwaspCategory>,
    pub location: Location,
    /// The flagged source line(s); secrets are redacted before they get here.
    pub snippet: String,
    pub message: String,
    pub recommendation: String,
    /// Related locations (the lookup, the mutation, the removed guard).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// A data flow from source to sink, in order, for taint findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<Evidence>,
    pub fingerprint: Fingerprint,
    /// The commit that introduced the finding, in per-commit scans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Below the gate's confidence floor or in `warn` mode: shown, never fails the run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning_only: bool,
}

impl Finding {
    /// The sort key that makes output independent of scheduling: path, line, column, rule id.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (
            &self.location.path,
            self.location.start_line,
            self.location.start_col,
            &self.rule_id,
        )
    }

    pub fn cwe_list(&self) -> String {
        self.cwe
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a file was not scanned (for [`SkipReason::NotUtf8`]: why only the secrets detectors read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum SkipReason {
    Binary,
    /// Text that `.gitattributes` marks `binary` (or `-diff`): git would say "Binary files differ".
    MarkedBinary,
    NotUtf8,
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    Symlink,
    Submodule,
    Deleted,
    Excluded,
    Unreadable {
        error: String,
    },
    /// Reached through a symbolic link (a linked parent directory) that leads outside the scanned root.
    OutsideRoot,
    /// Refused by the parser (e.g. nested deeper than the language allows): code rules skipped, secrets scanned.
    NotParsed {
        error: String,
    },
}

impl SkipReason {
    pub fn describe(&self) -> String {
        match self {
            SkipReason::Binary => "binary file".into(),
            SkipReason::MarkedBinary => "marked binary in .gitattributes".into(),
            SkipReason::NotUtf8 => {
                "not valid UTF-8: code rules skipped, secrets scanned with invalid bytes replaced"
                    .into()
            }
            SkipReason::TooLarge { bytes, limit } => {
                format!("{bytes} bytes, over the {limit}-byte limit")
            }
            SkipReason::Symlink => "symbolic link".into(),
            SkipReason::Submodule => "submodule".into(),
            SkipReason::Deleted => "deleted".into(),
            SkipReason::Excluded => "excluded by configuration".into(),
            SkipReason::Unreadable { error } => format!("unreadable: {error}"),
            SkipReason::OutsideRoot => {
                "reached through a symbolic link that leads outside the scanned directory".into()
            }
            SkipReason::NotParsed { error } => {
                format!("code rules skipped: {error} (secrets still scanned)")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// An inline `secreview: ignore[rule] reason` comment and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub path: String,
    pub line: u32,
    pub rule_ids: Vec<String>,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// How many findings it hid.
    pub used: u32,
    pub expired: bool,
    /// Why it hid nothing although it matched (`--no-inline-suppressions`, `--policy-from-base` for one the
    /// scanned change added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<String>,
    /// A comment on a line of its own also covers the next line; a trailing comment covers only its line.
    #[serde(skip)]
    pub covers_next_line: bool,
}

/// What was scanned and how: shown in JSON metadata, SARIF invocations and the Markdown scope section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanMeta {
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    pub commits: u32,
    pub files_scanned: u32,
    pub files_skipped: u32,
    pub duration_ms: u64,
}
