//! The binary as the end-to-end tests run it: not under CI (so `--show-secrets` is allowed where a test asks),
//! without colour, and with a fixed "today" so suppression expiry is reproducible.

use assert_cmd::Command;

pub fn secreview() -> Command {
    let mut c = Command::cargo_bin("secreview").unwrap();
    c.env_remove("CI")
        .env("NO_COLOR", "1")
        .env("SECREVIEW_TODAY", "2026-11-24");
    c
}

/// `scan --base main --format json --fail-on never DIR`: the run's output and its JSON report.
#[allow(dead_code)] // not every test crate that includes this module scans a branch
pub fn scan_branch_json(dir: &std::path::Path) -> (std::process::Output, serde_json::Value) {
    let out = secreview()
        .args([
            "scan",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (out, report)
}
