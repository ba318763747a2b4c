//! `--format github`: GitHub Actions workflow commands, one annotation per finding, then a plain summary line.

use secreview_model::{Finding, PolicyChange, Severity, SuppressedFinding};

use crate::escape::escape_control as esc;
use crate::summary::{percent, summary_line};
use crate::{Renderer, ReportInput, TOOL_NAME};

/// `--format github`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GithubRenderer;

impl Renderer for GithubRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let mut out = String::new();
        for f in input.findings {
            out.push_str(&annotation(f));
            out.push('\n');
        }
        for c in input.policy_changes {
            out.push_str(&policy_annotation(c));
            out.push('\n');
        }
        for s in input.suppressed {
            out.push_str(&suppressed_annotation(s));
            out.push('\n');
        }
        out.push_str(TOOL_NAME);
        out.push_str(": ");
        out.push_str(&summary_line(input));
        out.push('\n');
        out
    }
}

/// `::error file=…,line=…,endLine=…,col=…,title=RULE (SEVERITY)::MESSAGE`
fn annotation(f: &Finding) -> String {
    let loc = &f.location;
    let start_line = loc.start_line.max(1);
    // Control characters first: GitHub's log viewer interprets ANSI sequences, and the command escaping below
    // only covers `%`, CR and LF.
    let title = format!("{} ({})", esc(&f.rule_id), f.severity);
    let mut facts = vec![format!("{} confidence", percent(f.confidence))];
    if !f.cwe.is_empty() {
        facts.push(f.cwe_list());
    }
    if let Some(owasp) = f.owasp2021.or(f.owasp2025) {
        facts.push(owasp.code());
    }
    let mut message = format!("{} [{}]", esc(&f.message), facts.join(", "));
    if !f.recommendation.is_empty() {
        message.push_str("\nFix: ");
        message.push_str(&esc(&f.recommendation));
    }
    format!(
        "::{} file={},line={},endLine={},col={},title={}::{}",
        command(f),
        escape_property(&esc(&loc.path)),
        start_line,
        loc.end_line.max(start_line),
        loc.start_col.max(1),
        escape_property(&title),
        escape_data(&message)
    )
}

/// A policy change is a `warning` on the line that makes it: the reviewer must look, the run need not fail.
fn policy_annotation(c: &PolicyChange) -> String {
    let line = c
        .line
        .map(|l| format!(",line={}", l.max(1)))
        .unwrap_or_default();
    format!(
        "::warning file={}{line},title={}::{}",
        escape_property(&c.path),
        escape_property(&format!("{TOOL_NAME} policy change")),
        escape_data(&crate::policy::describe_change(c))
    )
}

/// A suppressed finding is a `notice`: visible on the pull request, never an error.
fn suppressed_annotation(s: &SuppressedFinding) -> String {
    let f = &s.finding;
    let loc = &f.location;
    let start_line = loc.start_line.max(1);
    format!(
        "::notice file={},line={},endLine={},title={}::{}",
        escape_property(&loc.path),
        start_line,
        loc.end_line.max(start_line),
        escape_property(&format!("{} (suppressed)", f.rule_id)),
        escape_data(&format!(
            "{} [suppressed by {}]",
            f.message,
            crate::policy::describe_suppression(&s.suppressed_by)
        ))
    )
}

/// critical/high → `error`, medium → `warning`, low/info → `notice`. A warning-only finding never fails the run,
/// so it is shown as a `warning` at most rather than as a red error.
fn command(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Critical | Severity::High if !f.warning_only => "error",
        Severity::Critical | Severity::High | Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escapes a workflow command's message: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property value: as [`escape_data`], plus `:` and `,`, which delimit properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
