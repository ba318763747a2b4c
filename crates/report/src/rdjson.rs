//! `--format rdjson`: reviewdog's Diagnostic Format (one `DiagnosticResult` document), so `reviewdog -f=rdjson`
//! posts the findings as pull-request review comments on the changed lines.

use secreview_model::{Finding, Severity};
use serde_json::{Value, json};

use crate::summary::{commit_note, percent};
use crate::{INFORMATION_URI, Renderer, ReportInput, TOOL_NAME, to_pretty_json};

/// `--format rdjson`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RdjsonRenderer;

impl Renderer for RdjsonRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let mut source = json!({ "name": TOOL_NAME });
        if let Some(uri) = INFORMATION_URI {
            source["url"] = json!(uri);
        }
        let diagnostics: Vec<Value> = input
            .findings
            .iter()
            .map(|f| diagnostic(f, input))
            .collect();
        to_pretty_json(&json!({
            "source": source,
            "diagnostics": diagnostics,
        }))
    }
}

fn diagnostic(f: &Finding, input: &ReportInput) -> Value {
    let loc = &f.location;
    let start_line = loc.start_line.max(1);
    let end_line = loc.end_line.max(start_line);
    let start_col = loc.start_col.max(1);
    let end_col = if end_line == start_line {
        loc.end_col.max(start_col)
    } else {
        loc.end_col.max(1)
    };
    let mut message = format!(
        "{} ({}, {} confidence)",
        f.message.trim_end_matches('.'),
        f.severity,
        percent(f.confidence)
    );
    if let Some(note) = commit_note(f) {
        message.push_str(", ");
        message.push_str(&note);
    }
    if !f.recommendation.is_empty() {
        message.push_str("\n\nFix: ");
        message.push_str(&f.recommendation);
    }
    let mut code = json!({ "value": f.rule_id });
    if let Some(url) = input
        .rule(&f.rule_id)
        .and_then(|r| r.references.first())
        .filter(|u| u.starts_with("https://"))
    {
        code["url"] = json!(url);
    }
    json!({
        "message": message,
        "location": {
            "path": loc.path,
            "range": {
                "start": { "line": start_line, "column": start_col },
                "end": { "line": end_line, "column": end_col },
            },
        },
        "severity": severity(f),
        "code": code,
    })
}

/// Critical and high block (`ERROR`) unless warning only; medium is a `WARNING`; the rest `INFO`.
fn severity(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Critical | Severity::High if !f.warning_only => "ERROR",
        Severity::Critical | Severity::High | Severity::Medium => "WARNING",
        Severity::Low | Severity::Info => "INFO",
    }
}
