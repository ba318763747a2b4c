//! SARIF output checked against the official 2.1.0 schema and against what GitHub code scanning needs.

mod fixture;

use std::path::PathBuf;

use fixture::Fixture;
use secreview_report::{Format, TableOptions, render};
use serde_json::Value;

fn sarif(fx: &Fixture) -> Value {
    serde_json::from_str(&render(
        Format::Sarif,
        &fx.input(),
        &TableOptions::default(),
    ))
    .unwrap()
}

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/schemas/sarif-schema-2.1.0.json")
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let path = schema_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "notice: {} not found, skipping SARIF schema validation",
                path.display()
            );
        }
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for fx in [Fixture::new(), Fixture::clean()] {
        let doc = sarif(&fx);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF does not validate:\n{}",
            errors.join("\n")
        );
    }
}

fn regions(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "region" {
                    out.push(child.clone());
                }
                regions(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| regions(i, out)),
        _ => {}
    }
}

#[test]
fn regions_never_have_zero_lines_or_columns() {
    let mut fx = Fixture::new();
    // An engine bug or an unknown position must still give a valid region.
    fx.findings[0].location.start_col = 0;
    fx.findings[0].location.end_col = 0;
    fx.findings[0].location.start_line = 0;
    fx.findings[0].location.end_line = 0;
    let doc = sarif(&fx);
    let mut found = Vec::new();
    regions(&doc, &mut found);
    assert!(
        found.len() >= 7 + 2 + 3,
        "results, evidence and flow steps all have regions"
    );
    for r in &found {
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            let n = r[key].as_u64().unwrap_or(0);
            assert!(n >= 1, "{key} is {n} in {r}");
        }
        assert!(r["endLine"].as_u64() >= r["startLine"].as_u64());
    }
}

#[test]
fn rules_carry_tags_security_severity_and_precision() {
    let doc = sarif(&Fixture::new());
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "rules are sorted by id");
    assert!(
        !ids.contains(&"eval-of-input"),
        "only rules used by findings are listed"
    );
    assert_eq!(ids.len(), 7);
    for r in rules {
        let props = &r["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(tags.contains(&"security"), "{r}");
        let sev = props["security-severity"].as_str().unwrap();
        assert!(
            sev.parse::<f64>().is_ok(),
            "security-severity {sev:?} is not numeric"
        );
        assert!(
            ["very-high", "high", "medium", "low"].contains(&props["precision"].as_str().unwrap())
        );
    }
    let sql = rules
        .iter()
        .find(|r| r["id"] == "sql-string-built")
        .unwrap();
    assert_eq!(sql["name"], "SqlStringBuilt");
    assert_eq!(
        sql["properties"]["tags"],
        serde_json::json!([
            "security",
            "external/cwe/cwe-89",
            "owasp-a03:2021",
            "owasp-a05:2025"
        ])
    );
    assert_eq!(sql["properties"]["security-severity"], "8.0");
    assert_eq!(
        sql["helpUri"],
        "https://cwe.mitre.org/data/definitions/89.html"
    );

    // Every result points at its own rule.
    for res in run["results"].as_array().unwrap() {
        let idx = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(res["partialFingerprints"]["secreview/v1"].is_string());
    }
}

#[test]
fn results_carry_levels_flows_evidence_and_notifications() {
    let doc = sarif(&Fixture::new());
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    // The seven findings, then the two suppressed ones (sql-string-built high, weak-password-hash medium). The
    // warning-only high finding (#4) is a `warning`, not an `error`.
    assert_eq!(
        levels,
        [
            "warning", "error", "note", "warning", "error", "note", "error", "error", "warning"
        ]
    );
    let suppressions: Vec<(&str, &str)> = results
        .iter()
        .filter_map(|r| r["suppressions"][0].as_object())
        .map(|s| (s["kind"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        suppressions,
        [("inSource", "underReview"), ("external", "accepted")],
        "a suppression the change added is under review, an old baseline entry accepted"
    );
    let config = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(config.len(), 4, "one per policy change");
    assert_eq!(config[0]["descriptor"]["id"], "policy/config-key");
    assert_eq!(config[0]["properties"]["applied"], false);
    let sql = &results[1];
    assert_eq!(
        sql["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(sql["properties"]["confidence"], 0.8);
    assert_eq!(
        sql["properties"]["owasp"],
        serde_json::json!(["A03:2021", "A05:2025"])
    );
    let authz = &results[4];
    assert_eq!(authz["relatedLocations"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        authz["properties"]["cwe"],
        serde_json::json!(["CWE-639", "CWE-862"])
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["message"]["text"], "skipped: binary file");
    let vcp = &run["versionControlProvenance"][0];
    assert_eq!(
        vcp["revisionId"],
        "a9b8c7d6e5f4031201a9b8c7d6e5f4031201a9b8"
    );
    assert_eq!(
        vcp["properties"]["mergeBase"],
        "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"
    );
}

#[test]
fn provenance_is_left_out_without_a_repository_uri() {
    let fx = Fixture::new();
    let mut input = fx.input();
    input.repository_uri = None;
    let doc: Value =
        serde_json::from_str(&render(Format::Sarif, &input, &TableOptions::default())).unwrap();
    assert!(doc["runs"][0].get("versionControlProvenance").is_none());
}

fn rule<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
}

/// `fullDescription` is the rule's description (its "What it does" paragraph), never the message template
/// with `{detail}` in it; no link points at a placeholder host.
#[test]
fn rules_describe_themselves_without_placeholders() {
    let mut fx = Fixture::new();
    fx.rules[1].message = "SQL statement built from untrusted input: {detail}.".into();
    let doc = sarif(&fx);
    let sql = rule(&doc, "sql-string-built");
    assert_eq!(
        sql["fullDescription"]["text"],
        "Flags sql statement built from untrusted input."
    );
    let text = doc.to_string();
    assert!(!text.contains("{detail}"), "a template leaked");
    assert!(
        !text.contains("example.invalid/secreview"),
        "placeholder informationUri"
    );
    // A rule without docs falls back to its title.
    let authz = rule(&doc, "route-missing-ownership-check");
    assert!(
        authz["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .ends_with('.')
    );
}

/// A rule downgraded in the config shows its effective severity: GitHub reads `security-severity` from the
/// rule, so a config downgrade to low must not still be High there; results carry it too.
#[test]
fn security_severity_follows_the_effective_severity() {
    let mut fx = Fixture::new();
    for f in fx
        .findings
        .iter_mut()
        .filter(|f| f.rule_id == "sql-string-built")
    {
        f.severity = secreview_model::Severity::Low;
    }
    for s in &mut fx.suppressed {
        s.finding.severity = secreview_model::Severity::Low;
    }
    let doc = sarif(&fx);
    let sql = rule(&doc, "sql-string-built");
    assert_eq!(sql["properties"]["security-severity"], "3.0");
    assert_eq!(sql["defaultConfiguration"]["level"], "note");
    let result = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "sql-string-built")
        .unwrap();
    assert_eq!(result["properties"]["security-severity"], "3.0");
    assert_eq!(result["level"], "note");
    // A rule whose every finding is warning only defaults to `warning`, not `error`.
    let ssrf = rule(&doc, "request-url-from-input");
    assert_eq!(ssrf["defaultConfiguration"]["level"], "warning");
}

/// Tool version, the automation category (several scans of one repository keep their own alerts) and the
/// `%SRCROOT%` base.
#[test]
fn runs_carry_version_category_and_uri_base() {
    let fx = Fixture::new();
    let doc = sarif(&fx);
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], "0.0.0-test");
    assert_eq!(run["automationDetails"]["id"], "secreview/");
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///work/shop/"
    );
    let mut input = fx.input();
    input.category = Some("secreview/backend");
    let doc: Value =
        serde_json::from_str(&render(Format::Sarif, &input, &TableOptions::default())).unwrap();
    assert_eq!(
        doc["runs"][0]["automationDetails"]["id"],
        "secreview/backend/"
    );
}

/// An access-control finding's region spans the handler's signature, not one column; a point location of
/// another finding spans its statement.
#[test]
fn access_control_regions_span_the_handler_signature() {
    let mut fx = Fixture::new();
    fx.findings[0].location.end_col = fx.findings[0].location.start_col;
    let doc = sarif(&fx);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let authz = results
        .iter()
        .find(|r| r["ruleId"] == "route-missing-ownership-check")
        .unwrap();
    assert_eq!(
        authz["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 39, "startColumn": 1, "endLine": 41, "endColumn": 2})
    );
    let point = &results[0]["locations"][0]["physicalLocation"]["region"];
    // `return hashlib.md5(password.encode()).hexdigest()` from column 12.
    assert_eq!(point["endColumn"], 12 + 49);
}
