//! Counting and wording shared by the renderers, so every format says the same thing the same way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secreview_model::{Finding, OwaspCategory, Severity};

use crate::ReportInput;

/// Findings per severity, every severity present, from critical down to info.
pub(crate) fn severity_counts(findings: &[Finding]) -> [(Severity, usize); 5] {
    Severity::ALL.map(|s| (s, findings.iter().filter(|f| f.severity == s).count()))
}

/// `1 critical, 2 high, 1 medium`: only the severities that occur.
pub(crate) fn severity_breakdown(findings: &[Finding]) -> String {
    severity_counts(findings)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Findings per OWASP category of one edition, keyed by code (`A01:2021`) so the order is the category order.
/// Findings without a category are not counted here.
pub(crate) fn owasp_counts(
    findings: &[Finding],
    pick: impl Fn(&Finding) -> Option<&'static OwaspCategory>,
) -> BTreeMap<String, (&'static OwaspCategory, usize)> {
    let mut map = BTreeMap::new();
    for cat in findings.iter().filter_map(pick) {
        map.entry(cat.code()).or_insert((cat, 0)).1 += 1;
    }
    map
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `95%`
pub(crate) fn percent(confidence: f32) -> String {
    format!("{:.0}%", f64::from(confidence.clamp(0.0, 1.0)) * 100.0)
}

/// The confidence as a JSON number with two decimals: `f32 → f64` would otherwise print `0.949999988079071`.
pub(crate) fn confidence_number(confidence: f32) -> f64 {
    (f64::from(confidence.clamp(0.0, 1.0)) * 100.0).round() / 100.0
}

/// `A01:2021 / A01:2025`, one of them, or `-`.
pub(crate) fn owasp_codes(f: &Finding) -> String {
    let codes: Vec<String> = [f.owasp2021, f.owasp2025]
        .into_iter()
        .flatten()
        .map(OwaspCategory::code)
        .collect();
    if codes.is_empty() {
        "-".to_owned()
    } else {
        codes.join(" / ")
    }
}

/// `path:line`
pub(crate) fn location(f: &Finding) -> String {
    format!("{}:{}", f.location.path, f.location.start_line)
}

/// `in 9 files scanned, 2 skipped`
fn files_phrase(input: &ReportInput) -> String {
    let mut s = format!(
        "in {} scanned",
        plural(input.meta.files_scanned as usize, "file")
    );
    if input.meta.files_skipped > 0 {
        let _ = write!(s, ", {} skipped", input.meta.files_skipped); // into a `String`: cannot fail
    }
    s
}

/// `fails on high (3 blocking)`, `never fails`.
pub(crate) fn gate_phrase(input: &ReportInput) -> String {
    match input.fail_on {
        Some(floor) => {
            let blocking = input.blocking_count();
            // Warnings at or above the floor are what the confidence threshold (or warn mode) kept from blocking:
            // saying so tells the reader why a high finding did not fail the run.
            let warned = input
                .findings
                .iter()
                .filter(|f| f.warning_only && f.severity >= floor)
                .count();
            let blocking = if blocking == 0 {
                "none blocking".to_owned()
            } else {
                format!("{blocking} blocking")
            };
            if warned == 0 {
                format!("fails on {floor} ({blocking})")
            } else {
                format!("fails on {floor} ({blocking}, {warned} warning only)")
            }
        }
        None => "never fails".to_owned(),
    }
}

/// The one-line summary the table, GitHub output and Markdown share:
/// `7 findings (1 critical, 3 high, …) in 9 files scanned, 2 skipped — fails on high (3 blocking)` or
/// `nothing found in 9 files scanned, 2 skipped`.
pub(crate) fn summary_line(input: &ReportInput) -> String {
    let extra = crate::policy::summary_suffix(input);
    if input.findings.is_empty() {
        return format!("nothing found {}{extra}", files_phrase(input));
    }
    format!(
        "{} ({}) {} — {}{extra}",
        plural(input.findings.len(), "finding"),
        severity_breakdown(input.findings),
        files_phrase(input),
        gate_phrase(input)
    )
}

/// Findings ordered by risk: severity, then confidence, both descending; ties keep the report order.
pub(crate) fn by_risk(findings: &[Finding]) -> Vec<(usize, &Finding)> {
    let mut v: Vec<(usize, &Finding)> = findings.iter().enumerate().collect();
    v.sort_by(|(ia, a), (ib, b)| {
        b.severity
            .cmp(&a.severity)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(ia.cmp(ib))
    });
    v
}

/// A commit id as people quote it: the first seven characters.
pub(crate) fn short_commit(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// `in commit abc1234` for a finding made in one commit of a range: its path may not exist at the head.
pub(crate) fn commit_note(f: &Finding) -> Option<String> {
    f.commit
        .as_deref()
        .map(|c| format!("in commit {}", short_commit(c)))
}

/// What the scan kept away from the findings list, or from the gate, by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HiddenCounts {
    /// Suppressed by a baseline entry.
    pub baseline: usize,
    /// Suppressed by a `secreview: ignore[…]` comment.
    pub inline: usize,
    /// Shown as warning only because their confidence is under the floor.
    pub below_confidence: usize,
    /// Left out by `--hide-below`.
    pub below_severity: usize,
}

pub(crate) fn hidden_counts(input: &ReportInput) -> HiddenCounts {
    let baseline = input
        .suppressed
        .iter()
        .filter(|s| s.suppressed_by.kind == secreview_model::SuppressionKind::External)
        .count();
    HiddenCounts {
        baseline,
        inline: input.suppressed.len() - baseline,
        below_confidence: input.min_confidence.map_or(0, |floor| {
            input
                .findings
                .iter()
                .filter(|f| f.confidence < floor)
                .count()
        }),
        below_severity: input.hidden_below.map_or(0, |h| h.count),
    }
}

/// `2 hidden by baseline, 1 suppressed inline, 3 below low hidden, 1 below the 70% confidence floor` (only
/// the parts that are not zero).
pub(crate) fn hidden_phrases(input: &ReportInput) -> Vec<String> {
    let h = hidden_counts(input);
    let mut parts = Vec::new();
    if h.baseline > 0 {
        parts.push(format!("{} hidden by baseline", h.baseline));
    }
    if h.inline > 0 {
        parts.push(format!("{} suppressed inline", h.inline));
    }
    if let Some(below) = input.hidden_below.filter(|b| b.count > 0) {
        parts.push(format!("{} below {} hidden", below.count, below.floor));
    }
    if let (Some(floor), n) = (input.min_confidence, h.below_confidence)
        && n > 0
    {
        parts.push(format!(
            "{n} below the {} confidence floor (warning only)",
            percent(floor)
        ));
    }
    parts
}

/// A rule's description for people who have not seen it: the first paragraph of its "What it does" section,
/// as plain text, or `None` when the docs have no such section. (The message template is no description: it
/// holds `{detail}`, which only a finding fills.)
pub(crate) fn rule_description(docs: &str) -> Option<String> {
    let start = docs.find("## What it does")?;
    let body = &docs[start + "## What it does".len()..];
    let paragraph: Vec<&str> = body
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    (!text.is_empty()).then_some(text)
}

/// The part of `message` that the rule's `{detail}` placeholder became, when the message follows `template`
/// (`"SQL statement built from untrusted input: {detail}."`); `None` when it does not.
pub(crate) fn detail_of<'m>(template: &str, message: &'m str) -> Option<&'m str> {
    let (prefix, suffix) = template.split_once("{detail}")?;
    if suffix.contains('{') {
        return None;
    }
    message
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
}
