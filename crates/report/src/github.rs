//! `--format github`: GitHub Actions workflow commands, one annotation per finding, then a plain summary line.

use secreview_model::{Finding, Severity};

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
