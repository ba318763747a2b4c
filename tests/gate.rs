//! End-to-end tests of the gate: which findings fail the run, and what the output says about the rest.

// The shared repository builder is written in the e2e suite's style.
#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use std::path::Path;

use serde_json::Value;

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = cli::secreview()
        .args(["scan", "--base", "main", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), json)
}

/// A branch adding a helper that runs SQL built from its own parameter, called with a value the analysis cannot
/// trace: a high-severity finding whose source is an unknown caller, so its confidence sits below the blocking
/// confidence.
fn low_confidence_branch(dir: &Path) {
    let r = repo::init(
        dir,
        &[
            ("app/__init__.py", ""),
            (
                "app/cli.py",
                "from app.report import count_rows\n\ndef main(db, argv):\n    print(count_rows(db, argv[1]))\n",
            ),
        ],
    );
    repo::branch(&r, "feature");
    repo::write(
        dir,
        &[(
            "app/report.py",
            "def count_rows(db, table):\n    return db.execute(f\"SELECT count(*) FROM {table}\")\n",
        )],
    );
    repo::commit_all(&r, "report helper");
}

#[test]
fn low_confidence_finding_warns_but_does_not_block() {
    let tmp = tempfile::tempdir().unwrap();
    low_confidence_branch(tmp.path());
    let (code, report) = scan(tmp.path(), &[]);
    let findings = report["findings"].as_array().unwrap();
    let sql = findings
        .iter()
        .find(|f| f["rule_id"] == "sql-string-built")
        .expect("the helper's SQL is reported");
    assert_eq!(sql["severity"], "high");
    assert!(sql["confidence"].as_f64().unwrap() < 0.7, "{sql}");
    assert_eq!(sql["warning_only"], true, "{sql}");
    assert_eq!(
        code, 0,
        "a finding below the blocking confidence must not fail the run"
    );
}

#[test]
fn min_confidence_zero_blocks_every_finding_at_the_floor() {
    let tmp = tempfile::tempdir().unwrap();
    low_confidence_branch(tmp.path());
    assert_eq!(scan(tmp.path(), &["--min-confidence", "0"]).0, 1);
}

#[test]
fn confident_finding_still_blocks_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let (code, report) = scan(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "route-missing-ownership-check"
                && f.get("warning_only").is_none())
    );
}
