//! The crypto pack on real repository paths: settings modules are judged by where they live (the fixture harness
//! scans every fixture under one flat virtual path, so the path globs are checked here), and test code is skipped.

#![allow(clippy::single_match_else)]

#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use assert_cmd::Command;

const SETTINGS: &str =
    "INSTALLED_APPS = [\"django.contrib.admin\"]\nDEBUG = True\nALLOWED_HOSTS = [\"*\"]\n";

/// The (rule id, path) of every finding of a branch that adds `files` on top of an empty `main`.
fn findings_of_branch(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo::init(tmp.path(), &[("README.md", "base\n")]);
    repo::branch(&repo, "feature");
    repo::write(tmp.path(), files);
    repo::commit_all(&repo, "change");
    let out = Command::cargo_bin("secreview")
        .unwrap()
        .env_remove("CI")
        .args([
            "scan",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--min-confidence",
            "0",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["pack"] == "crypto")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn debug_settings_are_reported_only_outside_local_dev_and_test_settings() {
    let found = findings_of_branch(&[
        ("mysite/settings.py", SETTINGS),
        ("mysite/settings/production.py", SETTINGS),
        ("mysite/settings/dev.py", SETTINGS),
        ("mysite/settings/local.py", SETTINGS),
        ("mysite/settings/test.py", SETTINGS),
        ("mysite/settings_dev.py", SETTINGS),
        ("mysite/local_settings.py", SETTINGS),
        ("mysite/test_settings.py", SETTINGS),
    ]);
    let paths: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(
        found,
        vec![
            (
                "django-allowed-hosts-wildcard".into(),
                "mysite/settings.py".into()
            ),
            (
                "django-allowed-hosts-wildcard".into(),
                "mysite/settings/production.py".into()
            ),
            ("django-debug-enabled".into(), "mysite/settings.py".into()),
            (
                "django-debug-enabled".into(),
                "mysite/settings/production.py".into()
            ),
        ],
        "{paths:?}"
    );
}

#[test]
fn random_tokens_in_tests_are_not_reported() {
    let code =
        "import random\n\n\ndef make_reset_token():\n    return str(random.getrandbits(128))\n";
    let found = findings_of_branch(&[
        ("app/tokens.py", code),
        ("tests/test_tokens.py", code),
        ("app/tokens_test.py", code),
    ]);
    assert_eq!(
        found,
        vec![("insecure-random-for-token".into(), "app/tokens.py".into())]
    );
}
