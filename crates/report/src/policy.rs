//! The wording every format shares for what the change did to its own review: policy changes and suppressed
//! findings. A reviewer must see both wherever the findings are shown, so each renderer calls these.

use secreview_model::{PolicyChange, SuppressedBy, SuppressedFinding, SuppressionKind};

use crate::ReportInput;
use crate::summary::plural;

/// The section title, as every human-facing format prints it.
pub(crate) const POLICY_TITLE: &str = "Policy changes in this branch";

/// `config  fail_on: "high" → "never"` plus `(not applied)` when this scan ignored it.
pub(crate) fn describe_change(c: &PolicyChange) -> String {
    let mut text = format!("{}: {}", c.kind.label(), c.summary);
    if !c.applied {
        text.push_str(" (not applied)");
    }
    text
}

/// `inline suppression at app.py:4, added by this change: reason` / `baseline .secreview-baseline.json:7`.
pub(crate) fn describe_suppression(by: &SuppressedBy) -> String {
    let place = match by.line {
        Some(l) => format!("{}:{l}", by.path),
        None => by.path.clone(),
    };
    let what = match by.kind {
        SuppressionKind::InSource => "inline suppression",
        SuppressionKind::External => "baseline",
    };
    let mut text = format!("{what} {place}");
    if by.added_by_change {
        text.push_str(", added by this change");
    }
    if !by.justification.is_empty() {
        text.push_str(": ");
        text.push_str(&by.justification);
    }
    text
}

/// `; 1 hidden by baseline, 1 suppressed inline, 3 policy changes` or empty: appended to the summary line when
/// there is anything to say, so a finding kept from the list never vanishes without a count.
pub(crate) fn summary_suffix(input: &ReportInput) -> String {
    let mut parts = crate::summary::hidden_phrases(input);
    if !input.policy_changes.is_empty() {
        parts.push(plural(input.policy_changes.len(), "policy change"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// Plain lines for the terminal (and the pre-push hook): the policy section, then the suppressed findings.
pub(crate) fn plain_lines(input: &ReportInput) -> Vec<String> {
    let mut lines = Vec::new();
    if !input.policy_changes.is_empty() {
        lines.push(format!("{POLICY_TITLE} ({}):", input.policy_changes.len()));
        let width = column_width(input.policy_changes.iter().map(PolicyChange::location));
        for c in input.policy_changes {
            lines.push(format!(
                "  {:<width$}  {}",
                c.location(),
                describe_change(c)
            ));
        }
    }
    if !input.suppressed.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            "Suppressed ({}): shown for review, never blocking",
            input.suppressed.len()
        ));
        let width = column_width(input.suppressed.iter().map(location_of));
        let rule_width = column_width(input.suppressed.iter().map(|s| s.finding.rule_id.clone()));
        for s in input.suppressed {
            lines.push(format!(
                "  {:<8}  {:<width$}  {:<rule_width$}  by {}",
                s.finding.severity.as_str(),
                location_of(s),
                s.finding.rule_id,
                describe_suppression(&s.suppressed_by)
            ));
        }
    }
    // The lines quote paths, config values and comments from the change: no control character reaches the
    // terminal, and no newline starts a forged line.
    lines
        .into_iter()
        .map(|l| crate::escape::escape_control(&l).into_owned())
        .collect()
}

pub(crate) fn location_of(s: &SuppressedFinding) -> String {
    format!(
        "{}:{}",
        s.finding.location.path, s.finding.location.start_line
    )
}

/// The widest entry, capped so one long path does not push every line off the screen.
fn column_width(items: impl Iterator<Item = String>) -> usize {
    items.map(|s| s.chars().count()).max().unwrap_or(0).min(40)
}
