//! `--format gitlab`: the GitLab SAST report (`gl-sast-report.json`), security report schema 15.0.0, and
//! `--format gitlab-secrets`: the Secret Detection report (`gl-secret-detection-report.json`). Findings of the
//! secrets pack go to the second one only, where GitLab shows them as leaked secrets; the SAST report says how
//! many it left out. Every vulnerability carries a `tracking` signature from our fingerprint (rule, path,
//! normalized line text, occurrence: no line number), so code that moves within a file stays the same
//! vulnerability.
//!
//! Schema 15 removed `category`, `message`, `confidence`, `cve` and `scanner` from vulnerabilities, so they are
//! not emitted: the occurrence text goes into `description`, the fix into `solution`, and the confidence (which
//! GitLab no longer shows) stays in the JSON and SARIF formats.

use secreview_model::{Finding, OwaspCategory, Severity};
use serde_json::{Value, json};

use crate::summary::commit_note;
use crate::{INFORMATION_URI, Renderer, ReportInput, TOOL_NAME, to_pretty_json};

const SCHEMA_VERSION: &str = "15.0.0";
/// GitLab wants `YYYY-MM-DDTHH:MM:SS` (no zone) for both times and rejects an empty string.
const EPOCH: &str = "1970-01-01T00:00:00";

/// The pack whose findings belong in the Secret Detection report.
const SECRETS_PACK: &str = "secrets";

/// `--format gitlab`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitlabRenderer;

/// `--format gitlab-secrets`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitlabSecretsRenderer;

impl Renderer for GitlabRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let vulnerabilities: Vec<Value> = input
            .findings
            .iter()
            .filter(|f| f.pack != SECRETS_PACK)
            .map(|f| vulnerability(f, input, false))
            .collect();
        let mut messages = messages(input);
        let secrets = input
            .findings
            .iter()
            .filter(|f| f.pack == SECRETS_PACK)
            .count();
        if secrets > 0 {
            messages.insert(0, json!({
                "level": "warn",
                "value": format!("{secrets} secret finding(s) are in the Secret Detection report (--format gitlab-secrets), not here"),
            }));
        }
        report(input, "sast", &vulnerabilities, messages)
    }
}

impl Renderer for GitlabSecretsRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let vulnerabilities: Vec<Value> = input
            .findings
            .iter()
            .filter(|f| f.pack == SECRETS_PACK)
            .map(|f| vulnerability(f, input, true))
            .collect();
        report(input, "secret_detection", &vulnerabilities, Vec::new())
    }
}

fn report(
    input: &ReportInput,
    kind: &str,
    vulnerabilities: &[Value],
    messages: Vec<Value>,
) -> String {
    let mut tool = json!({
        "id": TOOL_NAME,
        "name": TOOL_NAME,
        "version": input.tool_version,
        "vendor": { "name": TOOL_NAME },
    });
    if let Some(uri) = INFORMATION_URI {
        tool["url"] = json!(uri);
    }
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": kind,
        "status": "success",
        "start_time": gitlab_time(input.started_at),
        "end_time": gitlab_time(input.finished_at.or(input.started_at)),
    });
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    to_pretty_json(&json!({
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    }))
}

/// Policy changes (`warn`) and suppressed findings (`info`) as scan messages: the SAST schema has no place for
/// either among vulnerabilities, and a suppressed finding must not count as one in the merge request widget.
fn messages(input: &ReportInput) -> Vec<Value> {
    let policy = input.policy_changes.iter().map(|c| {
        json!({
            "level": "warn",
            "value": format!("policy change at {}: {}", c.location(), crate::policy::describe_change(c)),
        })
    });
    let hidden = input.suppressed.iter().map(|s| {
        json!({
            "level": "info",
            "value": format!(
                "suppressed {} at {} by {}",
                s.finding.rule_id,
                crate::policy::location_of(s),
                crate::policy::describe_suppression(&s.suppressed_by)
            ),
        })
    });
    policy.chain(hidden).collect()
}

fn gitlab_time(t: Option<&str>) -> &str {
    t.map_or(EPOCH, |t| t.strip_suffix('Z').unwrap_or(t))
}

fn vulnerability(f: &Finding, input: &ReportInput, secret: bool) -> Value {
    let start_line = f.location.start_line.max(1);
    let end_line = f.location.end_line.max(start_line);
    let mut identifiers = vec![json!({
        "type": "secreview_rule_id",
        "name": format!("{TOOL_NAME} rule {}", f.rule_id),
        "value": f.rule_id,
    })];
    for c in &f.cwe {
        identifiers.push(json!({
            "type": "cwe",
            "name": c.to_string(),
            "value": c.0.to_string(),
            "url": c.url(),
        }));
    }
    for cat in [f.owasp2021, f.owasp2025].into_iter().flatten() {
        identifiers.push(owasp_identifier(cat));
    }
    let mut description = f.message.clone();
    if let Some(note) = commit_note(f) {
        // The path may not exist at the head of the range: say where the value was added.
        description = format!(
            "{} ({note}; the file may differ at the head).",
            description.trim_end_matches('.')
        );
    }
    let mut location = json!({
        "file": f.location.path,
        "start_line": start_line,
        "end_line": end_line,
    });
    if secret {
        // The Secret Detection schema locates a secret in a commit; the scanned head when no single commit is known.
        let sha = f
            .commit
            .as_deref()
            .or(input.meta.head.as_deref())
            .unwrap_or("0000000");
        location["commit"] = json!({ "sha": sha });
    }
    let mut v = json!({
        "id": f.fingerprint.as_str(),
        "name": f.title,
        "description": description,
        "severity": severity(f.severity),
        "location": location,
        "identifiers": identifiers,
        "tracking": {
            "type": "source",
            "items": [{
                "file": f.location.path,
                "line_start": start_line,
                "line_end": end_line,
                "signatures": [{ "algorithm": "hash", "value": f.fingerprint.as_str() }],
            }],
        },
    });
    if !f.recommendation.is_empty() {
        v["solution"] = json!(f.recommendation);
    }
    v
}

fn owasp_identifier(cat: &OwaspCategory) -> Value {
    json!({
        "type": "owasp",
        "name": format!("{} - {}", cat.code(), cat.name),
        "value": cat.code(),
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}
