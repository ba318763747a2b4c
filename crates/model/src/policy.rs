//! What a change does to its own review: the policy it edits (config keys, baseline entries, inline
//! suppressions, `.gitattributes`, rule files), the files it made unscannable, and the findings that policy hid.
//! Reports show all of it, so a branch cannot quietly open its own gate.

use serde::Serialize;

use crate::Finding;

/// Which part of the review policy a [`PolicyChange`] touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// A `.secreview.toml` key added, changed or removed.
    ConfigKey,
    /// A file under a configured rule directory added, changed or removed.
    RuleFile,
    /// An accepted finding added to the baseline.
    BaselineEntry,
    /// An inline `secreview: ignore[…]` comment added or moved.
    Suppression,
    /// An inline suppression from before the change over a line the change rewrote: it does not apply.
    StaleSuppression,
    /// A `.gitattributes` line added.
    Attributes,
    /// A changed file that was not scanned: too large, not UTF-8, marked binary.
    UnscannedFile,
}

impl PolicyKind {
    /// The serialized name (`config-key`).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::ConfigKey => "config-key",
            PolicyKind::RuleFile => "rule-file",
            PolicyKind::BaselineEntry => "baseline-entry",
            PolicyKind::Suppression => "suppression",
            PolicyKind::StaleSuppression => "stale-suppression",
            PolicyKind::Attributes => "attributes",
            PolicyKind::UnscannedFile => "unscanned-file",
        }
    }

    /// A short label for human-facing formats.
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::ConfigKey => "config",
            PolicyKind::RuleFile => "rule file",
            PolicyKind::BaselineEntry => "baseline",
            PolicyKind::Suppression => "suppression",
            PolicyKind::StaleSuppression => "stale suppression",
            PolicyKind::Attributes => "gitattributes",
            PolicyKind::UnscannedFile => "not scanned",
        }
    }
}

/// One change the scanned diff makes to how it is itself reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyChange {
    pub kind: PolicyKind,
    pub path: String,
    /// The line in `path` (the new side; the base side for removed config keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The config key (`rules.disable`), the rule id of a baseline entry or suppression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The base side's value (TOML), when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The change's value (TOML), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// What changed, one line.
    pub summary: String,
    /// Whether the change took effect in this scan (`--policy-from-base` and `--no-inline-suppressions` ignore
    /// the change's policy; a stale suppression never applies).
    pub applied: bool,
}

impl PolicyChange {
    pub fn new(kind: PolicyKind, path: impl Into<String>, summary: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            line: None,
            key: None,
            before: None,
            after: None,
            summary: summary.into(),
            applied: true,
        }
    }

    #[must_use]
    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    #[must_use]
    pub fn applied(mut self, applied: bool) -> Self {
        self.applied = applied;
        self
    }

    /// `path:line`, or `path` without a line.
    pub fn location(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.path),
            None => self.path.clone(),
        }
    }

    /// Report order: path, line, kind, key.
    pub fn sort_key(&self) -> (&str, u32, PolicyKind, Option<&str>) {
        (
            &self.path,
            self.line.unwrap_or(0),
            self.kind,
            self.key.as_deref(),
        )
    }
}

/// Where a suppression lives, with SARIF's names: `inSource` for an inline comment, `external` for a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    InSource,
    External,
}

/// What hid a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressedBy {
    pub kind: SuppressionKind,
    /// The file holding the comment or the baseline.
    pub path: String,
    /// The comment's line, or the baseline entry's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The comment's reason, or which baseline accepted it.
    pub justification: String,
    /// The scanned change itself added this suppression: the reviewer is asked to accept it.
    pub added_by_change: bool,
}

/// A finding kept out of the gate by a suppression, still reported so the reviewer sees what was hidden.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub suppressed_by: SuppressedBy,
}
