//! `--format json`: the versioned machine format, documented in `JSON-SCHEMA.md`. Typed structs rather than
//! `json!` so the key order is the documented order and confidences keep their `f32` spelling (`0.95`).

use std::collections::BTreeMap;

use secreview_model::{
    Finding, PolicyChange, ScanMeta, Severity, Skipped, SuppressedFinding, Suppression,
};
use serde::Serialize;
use serde_json::Value;

use crate::summary::{owasp_counts, severity_counts};
use crate::{JSON_SCHEMA_VERSION, Renderer, ReportInput, TOOL_NAME, to_pretty_json};

/// `--format json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRenderer;

#[derive(Serialize)]
struct Report<'a> {
    schema: u32,
    tool: Tool<'a>,
    scan: Scan<'a>,
    summary: Summary,
    findings: &'a [Finding],
    suppressions: &'a [Suppression],
    /// Findings hidden by a suppression or the baseline, each with what hid it.
    suppressed: &'a [SuppressedFinding],
    policy_changes: &'a [PolicyChange],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Scan<'a> {
    #[serde(flatten)]
    meta: &'a ScanMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<&'a str>,
    settings: &'a Value,
    /// Routes seen per framework (how many authenticate, check ownership, have authz findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    routes: Option<&'a Value>,
    skipped: &'a [Skipped],
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    /// Findings at or above `fail_on` that are not warning-only.
    blocking: usize,
    fail_on: Option<Severity>,
    /// `"fail"` when `blocking > 0`, else `"pass"`.
    gate: &'static str,
    by_severity: BySeverity,
    by_owasp2021: BTreeMap<String, usize>,
    by_owasp2025: BTreeMap<String, usize>,
    /// Findings hidden by suppressions or the baseline (not in `total`, never blocking).
    suppressed: usize,
    /// What was kept out of `findings` (or out of the gate), by cause.
    hidden: Hidden,
    /// Entries of `policy_changes`.
    policy_changes: usize,
}

#[derive(Serialize)]
struct Hidden {
    /// Suppressed by a baseline entry (listed in `suppressed`).
    baseline: usize,
    /// Suppressed by an inline comment (listed in `suppressed`).
    inline: usize,
    /// In `findings` as warning only: under the confidence floor.
    below_confidence: usize,
    /// Left out by `--hide-below`: not listed anywhere.
    below_severity: usize,
}

/// A struct, not a map, so the keys come from critical down to info.
#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

impl Renderer for JsonRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let [(_, critical), (_, high), (_, medium), (_, low), (_, info)] =
            severity_counts(input.findings);
        let blocking = input.blocking_count();
        let codes = |counts: BTreeMap<String, (_, usize)>| {
            counts
                .into_iter()
                .map(|(code, (_, n))| (code, n))
                .collect::<BTreeMap<_, _>>()
        };
        let report = Report {
            schema: JSON_SCHEMA_VERSION,
            tool: Tool {
                name: TOOL_NAME,
                version: input.tool_version,
            },
            scan: Scan {
                meta: input.meta,
                repository_uri: input.repository_uri,
                started_at: input.started_at,
                finished_at: input.finished_at,
                settings: input.settings,
                routes: input.routes,
                skipped: input.skipped,
            },
            summary: Summary {
                total: input.findings.len(),
                blocking,
                fail_on: input.fail_on,
                gate: if blocking > 0 { "fail" } else { "pass" },
                by_severity: BySeverity {
                    critical,
                    high,
                    medium,
                    low,
                    info,
                },
                by_owasp2021: codes(owasp_counts(input.findings, |f| f.owasp2021)),
                by_owasp2025: codes(owasp_counts(input.findings, |f| f.owasp2025)),
                suppressed: input.suppressed.len(),
                hidden: {
                    let h = crate::summary::hidden_counts(input);
                    Hidden {
                        baseline: h.baseline,
                        inline: h.inline,
                        below_confidence: h.below_confidence,
                        below_severity: h.below_severity,
                    }
                },
                policy_changes: input.policy_changes.len(),
            },
            findings: input.findings,
            suppressions: input.suppressions,
            suppressed: input.suppressed,
            policy_changes: input.policy_changes,
        };
        to_pretty_json(&report)
    }
}
