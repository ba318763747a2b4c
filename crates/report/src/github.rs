//! `--format github`: GitHub Actions workflow commands, one annotation per finding, then a plain summary line.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the rest without a
//! word. So the annotations go out most severe first (blocking findings, then policy changes, then the other
//! findings by risk, then suppressed ones), each kind up to its cap; what does not fit is printed as a plain log
//! line, and a last notice says how many there are.

use std::fmt::Write as _;

use secreview_model::{Finding, PolicyChange, Severity, SuppressedFinding};

use crate::escape::escape_control as esc;
use crate::summary::{by_risk, commit_note, location, percent, plural, summary_line};
use crate::{Renderer, ReportInput, TOOL_NAME};

/// Annotations of one kind GitHub shows per step.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// `--format github`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GithubRenderer;

/// One annotation and the plain line that replaces it past the cap.
struct Item {
    kind: &'static str,
    command: String,
    plain: String,
}

impl Renderer for GithubRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let ranked: Vec<&Finding> = by_risk(input.findings)
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        let finding_item = |f: &&Finding| Item {
            kind: command(f),
            command: annotation(f),
            plain: format!(
                "{} {}: {} {}",
                f.severity,
                esc(&location(f)),
                esc(&f.rule_id),
                esc(&f.message)
            ),
        };
        let mut items: Vec<Item> = ranked
            .iter()
            .filter(|f| command(f) == "error")
            .map(finding_item)
            .collect();
        items.extend(input.policy_changes.iter().map(|c| Item {
            kind: "warning",
            command: policy_annotation(c),
            plain: format!(
                "policy change {}: {}",
                esc(&c.location()),
                esc(&crate::policy::describe_change(c))
            ),
        }));
        items.extend(
            ranked
                .iter()
                .filter(|f| command(f) != "error")
                .map(finding_item),
        );
        items.extend(input.suppressed.iter().map(|s| Item {
            kind: "notice",
            command: suppressed_annotation(s),
            plain: format!(
                "suppressed {}: {}",
                esc(&crate::policy::location_of(s)),
                esc(&s.finding.rule_id)
            ),
        }));
        render_capped(&items, input)
    }
}

/// The annotations up to each kind's cap, then the overflow as plain lines and one notice counting it (that
/// notice takes the last notice slot when notices overflow too).
fn render_capped(items: &[Item], input: &ReportInput) -> String {
    let overflowing =
        |kind: &str| items.iter().filter(|i| i.kind == kind).count() > ANNOTATIONS_PER_KIND;
    let any_overflow = ["error", "warning", "notice"]
        .iter()
        .any(|k| overflowing(k));
    let cap = |kind: &str| {
        if kind == "notice" && any_overflow {
            ANNOTATIONS_PER_KIND - 1
        } else {
            ANNOTATIONS_PER_KIND
        }
    };
    let mut used = [0usize; 3];
    let slot = |kind: &str| match kind {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let mut out = String::new();
    let mut rest = Vec::new();
    for item in items {
        let n = &mut used[slot(item.kind)];
        if *n < cap(item.kind) {
            *n += 1;
            out.push_str(&item.command);
            out.push('\n');
        } else {
            rest.push(item);
        }
    }
    if !rest.is_empty() {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property(&format!("{TOOL_NAME}: {} not annotated", rest.len())),
            escape_data(&format!(
                "GitHub shows {ANNOTATIONS_PER_KIND} annotations of each kind per step; the other {} are listed in this step's log.",
                plural(rest.len(), "result")
            ))
        );
        for item in rest {
            out.push_str(TOOL_NAME);
            out.push_str(": ");
            out.push_str(&item.plain);
            out.push('\n');
        }
    }
    out.push_str(TOOL_NAME);
    out.push_str(": ");
    out.push_str(&summary_line(input));
    out.push('\n');
    out
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
    if let Some(note) = commit_note(f) {
        facts.push(format!("{note}, the file may differ at the head"));
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
