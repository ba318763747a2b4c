//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Built with `serde_json::json!` rather than a
//! typed SARIF crate: we emit a small, fixed subset, and the test suite validates it against the official schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secreview_model::{
    Cwe, Evidence, Finding, Location, OwaspCategory, PolicyChange, RuleMeta, Severity,
    SuppressedBy, SuppressionKind,
};
use serde_json::{Map, Value, json};

use crate::summary::{confidence_number, rule_description, short_commit};
use crate::{Excerpt, INFORMATION_URI, Renderer, ReportInput, TOOL_NAME, to_pretty_json};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// The `partialFingerprints` key; bump the version if the fingerprint recipe changes.
const FINGERPRINT_KEY: &str = "secreview/v1";
/// The `automationDetails.id` category when the caller names none.
const DEFAULT_CATEGORY: &str = "secreview";

/// `--format sarif`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SarifRenderer;

/// What a `reportingDescriptor` is made from: the loaded rule, or, when the caller did not pass it, the first
/// finding of that rule (so a result never points at a missing rule).
struct RuleView<'a> {
    id: &'a str,
    title: &'a str,
    recommendation: &'a str,
    docs: &'a str,
    references: &'a [String],
    severity: Severity,
    /// Every reported finding of the rule is warning only: its default level is `warning` at most.
    warning_only: bool,
    confidence: f32,
    cwe: &'a [Cwe],
    owasp2021: Option<&'static OwaspCategory>,
    owasp2025: Option<&'static OwaspCategory>,
}

impl<'a> RuleView<'a> {
    fn from_rule(r: &'a RuleMeta) -> Self {
        Self {
            id: &r.id,
            title: &r.title,
            recommendation: &r.recommendation,
            docs: &r.docs,
            references: &r.references,
            severity: r.severity,
            warning_only: false,
            confidence: r.confidence,
            cwe: &r.cwe,
            owasp2021: r.owasp2021,
            owasp2025: r.owasp2025,
        }
    }

    fn from_finding(f: &'a Finding) -> Self {
        Self {
            id: &f.rule_id,
            title: &f.title,
            recommendation: &f.recommendation,
            docs: "",
            references: &[],
            severity: f.severity,
            warning_only: f.warning_only,
            confidence: f.confidence,
            cwe: &f.cwe,
            owasp2021: f.owasp2021,
            owasp2025: f.owasp2025,
        }
    }

    fn descriptor(&self) -> Value {
        let description = rule_description(self.docs).unwrap_or_else(|| format!("{}.", self.title));
        let help = if self.docs.trim().is_empty() {
            format!("{description}\n\nRecommendation: {}", self.recommendation)
        } else {
            self.docs.to_owned()
        };
        let mut d = json!({
            "id": self.id,
            "name": pascal_case(self.id),
            "shortDescription": { "text": self.title },
            "fullDescription": { "text": description },
            "help": { "text": help, "markdown": help },
            "defaultConfiguration": { "level": level(self.severity, self.warning_only) },
            "properties": {
                "tags": tags(self.cwe, [self.owasp2021, self.owasp2025]),
                "security-severity": self.severity.security_severity(),
                "precision": precision(self.confidence),
            },
        });
        if let Some(uri) = self.references.first() {
            d["helpUri"] = json!(uri);
        }
        d
    }
}

impl Renderer for SarifRenderer {
    fn render(&self, input: &ReportInput) -> String {
        // Rules used by findings, sorted by id; `ruleIndex` points into this list.
        let mut used: BTreeMap<&str, RuleView> = BTreeMap::new();
        let mut seen: BTreeMap<&str, (Severity, bool)> = BTreeMap::new();
        let hidden = input.suppressed.iter().map(|s| &s.finding);
        for f in input.findings.iter().chain(hidden) {
            used.entry(&f.rule_id).or_insert_with(|| {
                input
                    .rule(&f.rule_id)
                    .map_or_else(|| RuleView::from_finding(f), RuleView::from_rule)
            });
            // GitHub reads `security-severity` from the rule, so it is the effective severity of the findings
            // reported (a rule downgraded in the config is not High there), never the rule file's default.
            let e = seen.entry(&f.rule_id).or_insert((f.severity, true));
            e.0 = e.0.max(f.severity);
            e.1 &= f.warning_only;
        }
        for (id, (severity, warning_only)) in &seen {
            if let Some(view) = used.get_mut(id) {
                view.severity = *severity;
                view.warning_only = *warning_only;
            }
        }
        let index: BTreeMap<&str, usize> =
            used.keys().enumerate().map(|(i, id)| (*id, i)).collect();
        let rules: Vec<Value> = used.values().map(RuleView::descriptor).collect();
        let rule_index = |f: &Finding| index.get(f.rule_id.as_str()).copied().unwrap_or(0);
        let mut results: Vec<Value> = input
            .findings
            .iter()
            .map(|f| result(f, rule_index(f), input.excerpt(f)))
            .collect();
        // Suppressed findings stay in the log with SARIF's own `suppressions`, so viewers show them as such.
        results.extend(input.suppressed.iter().map(|s| {
            let mut r = result(
                &s.finding,
                rule_index(&s.finding),
                input.excerpt(&s.finding),
            );
            r["suppressions"] = json!([suppression(&s.suppressed_by)]);
            r
        }));

        let mut driver = json!({
            "name": TOOL_NAME,
            "version": input.tool_version,
            "semanticVersion": input.tool_version,
            "rules": rules,
        });
        if let Some(uri) = INFORMATION_URI {
            driver["informationUri"] = json!(uri);
        }
        let category = input
            .category
            .filter(|c| !c.trim().is_empty())
            .unwrap_or(DEFAULT_CATEGORY);
        let mut root = json!({ "description": { "text": "The root of the scanned repository or directory." } });
        if let Some(uri) = input.root_uri {
            root["uri"] = json!(uri);
        }
        let mut run = json!({
            "tool": { "driver": driver },
            // GitHub takes the category from everything before the last `/`: the same category replaces the
            // previous upload's alerts, another one keeps both.
            "automationDetails": { "id": format!("{}/", category.trim_end_matches('/')) },
            "originalUriBaseIds": { SRCROOT: root },
            "invocations": [invocation(input)],
            "columnKind": "unicodeCodePoints",
            "results": results,
        });
        if let (Some(head), Some(repo)) = (&input.meta.head, input.repository_uri) {
            let mut vcp = json!({ "repositoryUri": repo, "revisionId": head });
            if let Some(branch) = &input.meta.branch {
                vcp["branch"] = json!(branch);
            }
            let mut props = Map::new();
            if let Some(base) = &input.meta.base {
                props.insert("base".into(), json!(base));
            }
            if let Some(mb) = &input.meta.merge_base {
                props.insert("mergeBase".into(), json!(mb));
            }
            if !props.is_empty() {
                vcp["properties"] = Value::Object(props);
            }
            run["versionControlProvenance"] = json!([vcp]);
        }
        to_pretty_json(&json!({
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [run],
        }))
    }
}

fn result(f: &Finding, rule_index: usize, excerpt: Option<&Excerpt>) -> Value {
    let mut physical = match excerpt.and_then(|e| e.signature) {
        // An access-control finding is about the handler: its region is the handler's signature (the lookup
        // or mutation stays among the related locations), not the one column the engine points at.
        Some(sig) => physical_location(&Location {
            path: f.location.path.clone(),
            start_line: sig.start_line,
            start_col: sig.start_col,
            end_line: sig.end_line,
            end_col: sig.end_col,
        }),
        None => physical_location(&widened(&f.location, &f.snippet)),
    };
    let on_signature = excerpt.is_some_and(|e| e.signature.is_some());
    if !f.snippet.is_empty() && !on_signature {
        // The snippet is the flagged line(s), wider than the region's columns: SARIF calls that the context region.
        let region = &physical["region"];
        physical["contextRegion"] = json!({
            "startLine": region["startLine"],
            "endLine": region["endLine"],
            "snippet": { "text": f.snippet },
        });
    }
    let owasp: Vec<String> = [f.owasp2021, f.owasp2025]
        .into_iter()
        .flatten()
        .map(OwaspCategory::code)
        .collect();
    let mut properties = json!({
        "severity": f.severity.as_str(),
        "security-severity": f.severity.security_severity(),
        "confidence": confidence_number(f.confidence),
        "cwe": f.cwe.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "owasp": owasp,
    });
    if f.warning_only {
        properties["warningOnly"] = json!(true);
    }
    let mut message = f.message.clone();
    if let Some(commit) = &f.commit {
        properties["commit"] = json!(commit);
        // The path may not exist at the head: the commit is where to look.
        message = format!(
            "{} (in commit {})",
            message.trim_end_matches('.'),
            short_commit(commit)
        );
    }
    let mut r = json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": level(f.severity, f.warning_only),
        "message": { "text": message },
        "locations": [{ "physicalLocation": physical }],
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint.as_str() },
        "properties": properties,
    });
    if !f.evidence.is_empty() {
        r["relatedLocations"] = f
            .evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical_location(&e.location),
                    "message": { "text": e.note },
                })
            })
            .collect();
    }
    if !f.flow.is_empty() {
        let steps: Vec<Value> = f.flow.iter().map(flow_step).collect();
        r["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
    }
    r
}

/// `inSource` for a comment, `external` for a baseline entry; one the change itself added is `underReview`.
fn suppression(by: &SuppressedBy) -> Value {
    let kind = match by.kind {
        SuppressionKind::InSource => "inSource",
        SuppressionKind::External => "external",
    };
    let mut s = json!({
        "kind": kind,
        "status": if by.added_by_change { "underReview" } else { "accepted" },
        "justification": by.justification,
        "properties": { "addedByChange": by.added_by_change },
    });
    if let Some(line) = by.line {
        s["location"] =
            json!({ "physicalLocation": physical_location(&Location::line(&by.path, line)) });
    }
    s
}

/// A policy change as a configuration notification: it is about how the tool was set up for this run.
fn policy_notification(c: &PolicyChange) -> Value {
    let artifact = match c.line {
        Some(line) => physical_location(&Location::line(&c.path, line)),
        None => json!({ "artifactLocation": { "uri": uri(&c.path), "uriBaseId": SRCROOT } }),
    };
    let mut props = json!({ "kind": c.kind, "applied": c.applied });
    for (key, value) in [("key", &c.key), ("before", &c.before), ("after", &c.after)] {
        if let Some(v) = value {
            props[key] = json!(v);
        }
    }
    json!({
        "level": if c.applied { "warning" } else { "note" },
        "message": { "text": format!("policy change: {}", crate::policy::describe_change(c)) },
        "descriptor": { "id": format!("policy/{}", c.kind.as_str()) },
        "locations": [{ "physicalLocation": artifact }],
        "properties": props,
    })
}

fn flow_step(e: &Evidence) -> Value {
    json!({ "location": {
        "physicalLocation": physical_location(&e.location),
        "message": { "text": e.note },
    }})
}

fn invocation(input: &ReportInput) -> Value {
    let notifications: Vec<Value> = input
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "note",
                "message": { "text": format!("skipped: {}", s.reason.describe()) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri(&s.path), "uriBaseId": SRCROOT },
                }}],
            })
        })
        .collect();
    let mut inv = json!({
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
    });
    if !input.policy_changes.is_empty() {
        inv["toolConfigurationNotifications"] = input
            .policy_changes
            .iter()
            .map(policy_notification)
            .collect();
    }
    if let Some(t) = input.started_at {
        inv["startTimeUtc"] = json!(utc(t));
    }
    if let Some(t) = input.finished_at {
        inv["endTimeUtc"] = json!(utc(t));
    }
    inv
}

/// SARIF's `date-time` needs a zone; our timestamps are UTC without one.
fn utc(t: &str) -> String {
    if t.ends_with('Z') {
        t.to_owned()
    } else {
        format!("{t}Z")
    }
}

/// SARIF lines and columns are 1-based and `endColumn` is exclusive, like a [`Location`]'s end column; a 0
/// (unknown) anywhere is clamped to 1 and an empty region widened to one character so the region stays valid.
fn physical_location(loc: &Location) -> Value {
    let start_line = loc.start_line.max(1);
    let end_line = loc.end_line.max(start_line);
    let start_col = loc.start_col.max(1);
    let mut end_col = loc.end_col.max(1);
    if end_line == start_line && end_col <= start_col {
        end_col = start_col.saturating_add(1);
    }
    json!({
        "artifactLocation": { "uri": uri(&loc.path), "uriBaseId": SRCROOT },
        "region": {
            "startLine": start_line,
            "startColumn": start_col,
            "endLine": end_line,
            "endColumn": end_col,
        },
    })
}

/// A repository-relative path as a URI reference: `/` separators, everything outside the unreserved and
/// sub-delimiter characters percent-encoded (a `:` too, so `a:b.py` is not read as a scheme).
pub(crate) fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}"); // writing into a `String` cannot fail
        }
    }
    out
}

/// critical/high → `error`, medium → `warning`, low/info → `note`; a warning-only finding (warn mode, below the
/// confidence floor) never fails the run, so it is a `warning` at most, as in the GitHub annotations.
fn level(s: Severity, warning_only: bool) -> &'static str {
    match s {
        Severity::Critical | Severity::High if !warning_only => "error",
        Severity::Critical | Severity::High | Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A point location (the engine marks some findings by their first column only) widened to the flagged
/// statement: the first line of the snippet from the start column on.
fn widened(loc: &Location, snippet: &str) -> Location {
    let point = loc.end_line <= loc.start_line && loc.end_col <= loc.start_col.saturating_add(1);
    let first = snippet.lines().next().unwrap_or("").trim();
    if !point || first.is_empty() {
        return loc.clone();
    }
    let len = u32::try_from(first.chars().count()).unwrap_or(u32::MAX);
    Location {
        end_line: loc.start_line,
        end_col: loc.start_col.max(1).saturating_add(len),
        ..loc.clone()
    }
}

fn precision(confidence: f32) -> &'static str {
    if confidence >= 0.9 {
        "very-high"
    } else if confidence >= 0.75 {
        "high"
    } else if confidence >= 0.5 {
        "medium"
    } else {
        "low"
    }
}

/// `security`, one `external/cwe/cwe-N` per CWE, one `owasp-aNN:YYYY` per edition; deduplicated, since SARIF
/// requires unique tags.
fn tags(cwe: &[Cwe], owasp: [Option<&'static OwaspCategory>; 2]) -> Vec<String> {
    let mut tags = vec!["security".to_owned()];
    let candidates = cwe
        .iter()
        .map(|c| format!("external/cwe/cwe-{}", c.0))
        .chain(owasp.into_iter().flatten().map(OwaspCategory::tag));
    for t in candidates {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

/// `sql-string-built` → `SqlStringBuilt`
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("sql-string-built"), "SqlStringBuilt");
        assert_eq!(pascal_case("github-pat"), "GithubPat");
        assert_eq!(pascal_case("a__b"), "AB");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("app/db.py"), "app/db.py");
        assert_eq!(uri("my dir/a:b.py"), "my%20dir/a%3Ab.py");
        assert_eq!(uri("src\\é.rs"), "src/%C3%A9.rs");
    }

    #[test]
    fn regions_never_hold_zero() {
        let loc = Location {
            path: "a.py".into(),
            start_line: 0,
            start_col: 0,
            end_line: 0,
            end_col: 0,
        };
        let region = &physical_location(&loc)["region"];
        assert_eq!(region["startLine"], 1);
        assert_eq!(region["startColumn"], 1);
        assert_eq!(region["endLine"], 1);
        assert_eq!(region["endColumn"], 2);
    }

    #[test]
    fn precision_follows_confidence_bands() {
        assert_eq!(precision(0.95), "very-high");
        assert_eq!(precision(0.8), "high");
        assert_eq!(precision(0.5), "medium");
        assert_eq!(precision(0.2), "low");
    }
}
