//! `--stats`: per-phase timings on standard error, never mixed into the report.

#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

#[test]
fn stats_go_to_stderr_and_leave_the_json_report_intact() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let out = cli::secreview()
        .args(["scan", "--base", "main", "--format", "json", "--stats"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is only the JSON report");
    let files = report["scan"]["files_scanned"].as_u64().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for phase in ["load rules", "diff", "scan", "report", "cpu"] {
        assert!(
            stderr.contains(&format!("  {phase} ")),
            "{phase} missing:\n{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("{files} changed files to scan")),
        "{stderr}"
    );
    assert!(
        stderr.contains("parse ") && stderr.contains("taint ") && stderr.contains("authz "),
        "{stderr}"
    );
}
