//! Building findings: every matcher describes a hit as a [`Hit`]; this module turns it into a [`Finding`] with
//! the rule's metadata, so all matchers fill findings the same way.

use secreview_model::{Evidence, Finding, Fingerprint, Location, Severity};
use secreview_rules::CompiledRule;

use crate::redact::Redactor;

/// What a matcher found, before rule metadata, scoping and fingerprinting.
#[derive(Debug, Clone)]
pub struct Hit {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
    /// Fills `{detail}` in the rule's message.
    pub detail: String,
    pub confidence: f32,
    pub severity: Option<Severity>,
    pub evidence: Vec<Evidence>,
    pub flow: Vec<Evidence>,
    /// Replaces the flagged line's text in the snippet (secrets: the redacted line).
    pub snippet: Option<String>,
    /// What identifies the hit for the fingerprint instead of the line text (secrets: the detector and the
    /// redacted value).
    pub identity: Option<String>,
    /// Regression findings (a removed guard) are reported on unchanged lines.
    pub regression: bool,
    /// Replaces the rule's recommendation when the matcher knows a more concrete fix (the framework's idiom).
    pub recommendation: Option<String>,
    /// The raw secret value (secrets matcher only). It never reaches a finding: the engine uses it to redact the
    /// value from every finding of the file, whichever rule produced it.
    pub secret: Option<String>,
}

impl Hit {
    pub fn at_line(line: u32, confidence: f32) -> Self {
        Hit {
            start_line: line,
            start_col: 1,
            end_line: line,
            end_col: 1,
            detail: String::new(),
            confidence,
            severity: None,
            evidence: Vec::new(),
            flow: Vec::new(),
            snippet: None,
            identity: None,
            regression: false,
            recommendation: None,
            secret: None,
        }
    }

    pub fn span(start: (u32, u32), end: (u32, u32), confidence: f32) -> Self {
        Hit {
            start_line: start.0,
            start_col: start.1,
            end_line: end.0,
            end_col: end.1,
            ..Hit::at_line(start.0, confidence)
        }
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// A finding plus what the engine needs after matching (fingerprint input).
pub(crate) struct Pending {
    pub finding: Finding,
    /// Normalised fingerprint input, free of secrets (secrets: the detector and the redacted value).
    pub identity: String,
    /// The raw secret value (secrets matcher only), in memory only: tells one leak seen in several commits from
    /// two secrets of the same shape.
    pub secret: Option<String>,
    /// Index among the file's hits with the same rule and identity, counted before diff scoping.
    pub occurrence: u32,
}

/// `line_text` is the first flagged line (the snippet); `flagged_text` all flagged lines (the fingerprint input,
/// already redacted). The snippet is redacted before it is clipped, so a secret at the clip's edge cannot leave
/// a prefix behind that redaction would no longer recognise.
pub(crate) fn pending(
    rule: &CompiledRule,
    path: &str,
    (line_text, flagged_text): (&str, &str),
    hit: Hit,
    redactor: &Redactor,
) -> Pending {
    let meta = &rule.meta;
    let fill = |t: &str| t.replace("{detail}", &hit.detail);
    let message = fill(&meta.message);
    let snippet = hit.snippet.unwrap_or_else(|| {
        let col = hit.start_col as usize;
        let before: String = line_text.chars().take(col.saturating_sub(1)).collect();
        // The flagged column, moved by whatever redaction shortened before it.
        let col = redactor.redact(&before).chars().count() + 1;
        let line = redactor.redact(line_text);
        clip(line.trim(), u32::try_from(col).unwrap_or(u32::MAX))
    });
    let identity = hit.identity.unwrap_or_else(|| flagged_text.to_owned());
    Pending {
        finding: Finding {
            rule_id: meta.id.clone(),
            pack: meta.pack.clone(),
            title: meta.title.clone(),
            severity: hit.severity.unwrap_or(meta.severity),
            confidence: round2(hit.confidence.clamp(0.0, 1.0)),
            cwe: meta.cwe.clone(),
            owasp2021: meta.owasp2021,
            owasp2025: meta.owasp2025,
            location: Location {
                path: path.to_owned(),
                start_line: hit.start_line.max(1),
                start_col: hit.start_col.max(1),
                end_line: hit.end_line.max(hit.start_line).max(1),
                end_col: hit.end_col.max(1),
            },
            snippet,
            message,
            recommendation: hit
                .recommendation
                .unwrap_or_else(|| fill(&meta.recommendation)),
            evidence: hit.evidence,
            flow: hit.flow,
            fingerprint: Fingerprint(String::new()),
            commit: None,
            warning_only: false,
        },
        identity: secreview_model::normalize_line(&identity),
        secret: hit.secret,
        occurrence: 0,
    }
}

/// Snippets are one line, at most `MAX_SNIPPET` characters around the flagged column: a minified 600 KB line
/// must not end up in every report format.
const MAX_SNIPPET: usize = 200;

fn clip(line: &str, col: u32) -> String {
    let n = line.chars().count();
    if n <= MAX_SNIPPET {
        return line.to_owned();
    }
    let start = (col as usize)
        .saturating_sub(MAX_SNIPPET / 2)
        .min(n - MAX_SNIPPET);
    let body: String = line.chars().skip(start).take(MAX_SNIPPET).collect();
    format!(
        "{}{body}{}",
        if start > 0 { "…" } else { "" },
        if start + MAX_SNIPPET < n { "…" } else { "" }
    )
}

/// Confidence is shown as a percentage; two decimals keep JSON stable across float noise.
pub(crate) fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}
