//! The branch under review must not weaken its own gate: every way a branch can change how it is reviewed (its
//! config, its baseline, its inline suppressions, its `.gitattributes`, a file padded past the size cap) is shown
//! to the reviewer, and `--policy-from-base` keeps the gate closed whatever the branch did.
//!
//! Each test builds a real repository in a temp dir: `main` holds a harmless `app.py` (and, where the trick
//! needs one, the base's own policy files); branch `feature` adds a live-looking token and a command injection
//! plus one weakening trick. Without the trick that branch exits 1.

// The shared support files are written for e2e.rs's lint allowances.
#![allow(
    clippy::print_stderr,
    clippy::format_collect,
    clippy::redundant_closure_for_method_calls,
    clippy::single_match_else
)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use std::path::Path;

use serde_json::Value;

use cli::secreview;

const BASE_APP: &str = "import os\n\n\ndef ok():\n    return 1\n";

/// The branch's `app.py`: a GitHub token on line 4, a command injection on line 10. Returns (text, token).
fn vulnerable_app(token_comment: &str) -> (String, String) {
    let (text, values) = fake::expand_fakes(&format!(
        "import os\nfrom flask import request\n\nTOKEN = \"{{{{fake-checksum:ghp_:36}}}}\"{token_comment}\n\n\
         def ok():\n    return 1\n\ndef run():\n    os.system(\"ls \" + request.args[\"d\"])\n"
    ));
    (text, values[0].clone())
}

/// `main` with `base_files` (plus the harmless app), then `feature` with `branch_files` and the vulnerable app.
fn weakened_branch(
    dir: &Path,
    base_files: &[(&str, &str)],
    app: &str,
    branch_files: &[(&str, &str)],
) -> git2::Repository {
    let mut files = vec![("app.py", BASE_APP)];
    files.extend_from_slice(base_files);
    let r = repo::init(dir, &files);
    repo::branch(&r, "feature");
    let mut files = vec![("app.py", app)];
    files.extend_from_slice(branch_files);
    repo::write(dir, &files);
    repo::commit_all(&r, "feature work");
    r
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn scan(dir: &Path, args: &[&str]) -> Run {
    let out = secreview()
        .arg("scan")
        .arg(dir)
        .args(["--base", "main"])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = scan(dir, &all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

/// `(kind, path:line)` of every policy change in a JSON report.
fn policy_changes(report: &Value) -> Vec<(String, String)> {
    report["policy_changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no policy_changes array: {report:#}"))
        .iter()
        .map(|c| {
            let at = match c["line"].as_u64() {
                Some(l) => format!("{}:{l}", c["path"].as_str().unwrap()),
                None => c["path"].as_str().unwrap().to_owned(),
            };
            (c["kind"].as_str().unwrap().to_owned(), at)
        })
        .collect()
}

fn rules_of(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} array: {report:#}"))
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The trick works by default (exit 0) but the reviewer sees it in JSON and in the table; with
/// `--policy-from-base` the gate stays closed. Returns the default JSON report for trick-specific checks.
fn assert_visible_and_closed_from_base(
    dir: &Path,
    expected: &[(&str, &str)],
    table_needles: &[&str],
    token: &str,
) -> Value {
    let (code, report) = scan_json(dir, &[]);
    assert_eq!(
        code, 0,
        "the trick is expected to open the default gate: {report:#}"
    );
    let changes = policy_changes(&report);
    for (kind, at) in expected {
        assert!(
            changes.iter().any(|(k, a)| k == kind && a == at),
            "policy change {kind} at {at} not reported; got {changes:?}"
        );
    }
    assert_eq!(
        report["summary"]["policy_changes"].as_u64(),
        Some(changes.len() as u64),
        "{report:#}"
    );
    let table = scan(dir, &[]);
    assert_eq!(table.code, 0, "{}", table.stdout);
    assert!(
        table.stdout.contains("Policy changes in this branch"),
        "table lacks the policy section:\n{}",
        table.stdout
    );
    for needle in table_needles {
        assert!(
            table.stdout.contains(needle),
            "table lacks `{needle}`:\n{}",
            table.stdout
        );
    }
    let strict = scan(dir, &["--policy-from-base"]);
    assert_eq!(
        strict.code, 1,
        "--policy-from-base must keep the gate closed:\n{}\n{}",
        strict.stdout, strict.stderr
    );
    for out in [&table.stdout, &strict.stdout, &strict.stderr] {
        assert!(!out.contains(token), "full token printed:\n{out}");
    }
    report
}

#[test]
fn fail_on_never_in_the_branch_config_is_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    weakened_branch(
        tmp.path(),
        &[(".secreview.toml", "fail_on = \"high\"\n")],
        &app,
        &[(
            ".secreview.toml",
            "# relaxed for now\nfail_on = \"never\"\n",
        )],
    );
    let report = assert_visible_and_closed_from_base(
        tmp.path(),
        &[("config-key", ".secreview.toml:2")],
        &[".secreview.toml:2", "fail_on"],
        &token,
    );
    let change = &report["policy_changes"][0];
    assert_eq!(change["key"], "fail_on", "{change:#}");
    assert_eq!(change["before"], "\"high\"", "{change:#}");
    assert_eq!(change["after"], "\"never\"", "{change:#}");
    let (_, strict) = scan_json(tmp.path(), &["--policy-from-base"]);
    assert_eq!(strict["summary"]["fail_on"], "high", "{strict:#}");
    assert_eq!(strict["policy_changes"][0]["applied"], false, "{strict:#}");
}

#[test]
fn rules_disabled_in_the_branch_config_are_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    weakened_branch(
        tmp.path(),
        &[],
        &app,
        &[(
            ".secreview.toml",
            "[rules]\ndisable = [\"shell-command-built\", \"github-token\"]\n",
        )],
    );
    assert_visible_and_closed_from_base(
        tmp.path(),
        &[("config-key", ".secreview.toml:2")],
        &["rules.disable", ".secreview.toml:2"],
        &token,
    );
}

#[test]
fn exclude_everything_in_the_branch_config_is_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    weakened_branch(
        tmp.path(),
        &[(".secreview.toml", "exclude = [\"docs/**\"]\n")],
        &app,
        &[(".secreview.toml", "exclude = [\"**\"]\n")],
    );
    let report = assert_visible_and_closed_from_base(
        tmp.path(),
        &[("config-key", ".secreview.toml:1")],
        &["exclude", "[\"**\"]"],
        &token,
    );
    assert_eq!(report["policy_changes"][0]["before"], "[\"docs/**\"]");
}

#[test]
fn a_baseline_of_the_branch_own_findings_is_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    let r = weakened_branch(
        tmp.path(),
        &[
            (
                ".secreview.toml",
                "baseline = \".secreview-baseline.json\"\n",
            ),
            (
                ".secreview-baseline.json",
                "{\n  \"schema\": 1,\n  \"findings\": []\n}\n",
            ),
        ],
        &app,
        &[],
    );
    let out = secreview()
        .args(["baseline", "--base", "main"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo::commit_all(&r, "accept our own findings");
    let baseline = std::fs::read_to_string(tmp.path().join(".secreview-baseline.json")).unwrap();
    let line_of = |needle: &str| {
        baseline
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| format!(".secreview-baseline.json:{}", i + 1))
            .unwrap()
    };
    let (token_line, sink_line) = (line_of("github-token"), line_of("shell-command-built"));
    let report = assert_visible_and_closed_from_base(
        tmp.path(),
        &[
            ("baseline-entry", token_line.as_str()),
            ("baseline-entry", sink_line.as_str()),
        ],
        &["Suppressed (2)", "baseline"],
        &token,
    );
    let mut suppressed = rules_of(&report, "suppressed");
    suppressed.sort();
    assert_eq!(suppressed, ["github-token", "shell-command-built"]);
    for s in report["suppressed"].as_array().unwrap() {
        assert_eq!(s["suppressed_by"]["kind"], "external", "{s:#}");
        assert_eq!(s["suppressed_by"]["added_by_change"], true, "{s:#}");
    }
    assert_eq!(report["summary"]["suppressed"], 2);
    assert_eq!(report["summary"]["blocking"], 0);
}

#[test]
fn inline_suppressions_the_branch_adds_are_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("  # secreview: ignore[github-token] test token, revoked");
    // The sink's suppression sits on the line above it (line 10 above line 11 once the comment is inserted).
    let app = app.replace(
        "    os.system(",
        "    # secreview: ignore[shell-command-built] d is checked by the proxy\n    os.system(",
    );
    weakened_branch(tmp.path(), &[], &app, &[]);
    let report = assert_visible_and_closed_from_base(
        tmp.path(),
        &[("suppression", "app.py:4"), ("suppression", "app.py:10")],
        &["Suppressed (2)", "app.py:4", "app.py:10", "app.py:11"],
        &token,
    );
    for s in report["suppressed"].as_array().unwrap() {
        assert_eq!(s["suppressed_by"]["kind"], "inSource", "{s:#}");
        assert_eq!(s["suppressed_by"]["added_by_change"], true, "{s:#}");
    }
    // `--no-inline-suppressions` reports what they would have hidden, as normal findings.
    let (code, plain) = scan_json(tmp.path(), &["--no-inline-suppressions"]);
    assert_eq!(code, 1, "{plain:#}");
    let mut found = rules_of(&plain, "findings");
    found.sort();
    assert_eq!(found, ["github-token", "shell-command-built"], "{plain:#}");
    assert_eq!(plain["summary"]["suppressed"], 0);
    // Under --policy-from-base, the branch's own suppressions do not count either, and say why.
    let (_, strict) = scan_json(tmp.path(), &["--policy-from-base"]);
    let mut found = rules_of(&strict, "findings");
    found.sort();
    assert_eq!(found, ["github-token", "shell-command-built"], "{strict:#}");
    assert!(
        strict["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["evidence"].as_array().is_some_and(|e| e
                .iter()
                .any(|n| n["note"].as_str().unwrap().contains("--policy-from-base")))),
        "{strict:#}"
    );
}

#[test]
fn a_gitattributes_binary_entry_in_the_branch_is_reported_and_ignored_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    weakened_branch(
        tmp.path(),
        &[(".gitattributes", "*.png binary\n")],
        &app,
        &[(".gitattributes", "*.png binary\napp.py binary\n")],
    );
    let report = assert_visible_and_closed_from_base(
        tmp.path(),
        &[
            ("attributes", ".gitattributes:2"),
            ("unscanned-file", "app.py"),
        ],
        &[".gitattributes:2", "app.py binary", "marked binary"],
        &token,
    );
    assert_eq!(report["scan"]["skipped"][0]["reason"], "marked-binary");
    let (_, strict) = scan_json(tmp.path(), &["--policy-from-base"]);
    let mut found = rules_of(&strict, "findings");
    found.sort();
    assert_eq!(found, ["github-token", "shell-command-built"], "{strict:#}");
}

#[test]
fn a_file_padded_past_the_size_cap_is_reported_and_blocks_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("");
    let padded = format!(
        "{app}{}",
        "# padding padding padding padding\n".repeat(65_000)
    );
    assert!(padded.len() > 2 * 1024 * 1024);
    weakened_branch(tmp.path(), &[], &padded, &[]);
    assert_visible_and_closed_from_base(
        tmp.path(),
        &[("unscanned-file", "app.py")],
        &["app.py", "over the 2097152-byte limit"],
        &token,
    );
    let (_, strict) = scan_json(tmp.path(), &["--policy-from-base"]);
    assert_eq!(
        rules_of(&strict, "findings"),
        ["changed-file-not-scanned"],
        "{strict:#}"
    );
    assert_eq!(strict["findings"][0]["location"]["path"], "app.py");
}

#[test]
fn an_old_suppression_does_not_cover_a_line_the_branch_changes_or_adds_below_it() {
    let base = "import os\nfrom flask import request\n\n\ndef run():\n    \
                # secreview: ignore[shell-command-built] the command is a constant\n    os.system(\"ls\")\n";
    for (case, head, line) in [
        (
            "changed",
            base.replace(
                "os.system(\"ls\")",
                "os.system(\"ls \" + request.args[\"d\"])",
            ),
            7,
        ),
        (
            "inserted",
            base.replace(
                "    os.system(\"ls\")",
                "    os.system(\"ls \" + request.args[\"d\"])\n    os.system(\"ls\")",
            ),
            7,
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let r = repo::init(tmp.path(), &[("app.py", base)]);
        repo::branch(&r, "feature");
        repo::write(tmp.path(), &[("app.py", &head)]);
        repo::commit_all(&r, case);
        let (code, report) = scan_json(tmp.path(), &[]);
        assert_eq!(code, 1, "{case}: {report:#}");
        let f = &report["findings"][0];
        assert_eq!(f["rule_id"], "shell-command-built", "{case}: {report:#}");
        assert_eq!(f["location"]["start_line"], line, "{case}: {report:#}");
        assert!(
            f["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|n| n["location"]["start_line"] == 6
                    && n["note"].as_str().unwrap().contains("stale"))),
            "{case}: the finding should name the stale suppression: {f:#}"
        );
        assert!(
            policy_changes(&report).contains(&("stale-suppression".into(), "app.py:6".into())),
            "{case}: {report:#}"
        );
        let table = scan(tmp.path(), &[]);
        assert!(table.stdout.contains("app.py:6"), "{}", table.stdout);
    }
}

#[test]
fn an_old_suppression_still_covers_its_unchanged_line_in_a_whole_tree_scan() {
    let text = "import os\nfrom flask import request\n\n\ndef run():\n    \
                # secreview: ignore[shell-command-built] only admins reach this\n    \
                os.system(\"ls \" + request.args[\"d\"])\n";
    let tmp = tempfile::tempdir().unwrap();
    repo::init(tmp.path(), &[("app.py", text)]);
    let out = secreview()
        .args(["scan", "--all", "--format", "json"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(rules_of(&report, "suppressed"), ["shell-command-built"]);
    assert!(policy_changes(&report).is_empty(), "{report:#}");
}

/// One branch with a config change and an inline suppression: every format shows both, and the suppressed
/// finding stays visible as suppressed.
#[test]
fn every_format_shows_policy_changes_and_suppressed_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, token) = vulnerable_app("  # secreview: ignore[github-token] revoked test token");
    weakened_branch(
        tmp.path(),
        &[],
        &app,
        &[(".secreview.toml", "min_confidence = 0.99\n")],
    );
    let checks: [(&str, &[&str]); 5] = [
        (
            "table",
            &[
                "Policy changes in this branch (2)",
                "Suppressed (1)",
                "min_confidence",
            ],
        ),
        (
            "markdown",
            &[
                "## Policy changes in this branch (2)",
                "## Suppressed findings (1)",
                "min_confidence",
                "`app.py:4`",
            ],
        ),
        (
            "github",
            &[
                "::warning file=.secreview.toml,line=1,title=secreview policy change",
                "::notice file=app.py,line=4,endLine=4,title=github-token (suppressed)",
            ],
        ),
        ("gitlab", &["policy change", "min_confidence", "suppressed"]),
        ("json", &["\"policy_changes\"", "\"suppressed\""]),
    ];
    for (format, needles) in checks {
        let out = scan(tmp.path(), &["--format", format]);
        for n in needles {
            assert!(
                out.stdout.contains(n),
                "{format} lacks `{n}`:\n{}",
                out.stdout
            );
        }
        assert!(!out.stdout.contains(&token), "{format} printed the token");
    }
    let sarif: Value =
        serde_json::from_str(&scan(tmp.path(), &["--format", "sarif"]).stdout).unwrap();
    let run = &sarif["runs"][0];
    let suppressed: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1, "{run:#}");
    assert_eq!(suppressed[0]["ruleId"], "github-token");
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource", "{s:#}");
    assert!(
        s["justification"]
            .as_str()
            .unwrap()
            .contains("revoked test token"),
        "{s:#}"
    );
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("min_confidence")),
        "{notes:#?}"
    );
}

const HOUSE_RULE: &str = r#"id = "legacy-shell-call"
kind = "query"
pack = "house"
title = "Call to the legacy shell helper"
cwe = ["CWE-78"]
severity = "high"
confidence = 0.9
languages = ["python"]
message = "legacy_shell() runs its argument in a shell: {detail}."
recommendation = "Use run_argv()."
exploit = "Whatever reaches legacy_shell at {path}:{line} runs as a shell command."
docs = """
## What it does
Finds legacy_shell calls.

## Why is this bad?
It runs a shell.

## Example
legacy_shell(cmd)

## Fix
run_argv([cmd])
"""

[[query]]
language = "python"
keywords = ["legacy_shell"]
pattern = '''
(call function: (identifier) @f (#eq? @f "legacy_shell")) @match
'''
"#;

#[test]
fn a_rule_file_the_branch_weakens_is_reported_and_read_from_base() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(
        tmp.path(),
        &[
            ("app.py", "x = 1\n"),
            (".secreview.toml", "rules_dirs = [\"security/rules\"]\n"),
            ("security/rules/house/legacy-shell-call.toml", HOUSE_RULE),
        ],
    );
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[
            ("app.py", "x = 1\nlegacy_shell(user_input)\n"),
            (
                "security/rules/house/legacy-shell-call.toml",
                &HOUSE_RULE.replace("\"legacy_shell\")) @match", "\"never_called\")) @match"),
            ),
        ],
    );
    repo::commit_all(&r, "quietly neuter the house rule");
    let (code, report) = scan_json(tmp.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        policy_changes(&report).contains(&(
            "rule-file".into(),
            "security/rules/house/legacy-shell-call.toml".into()
        )),
        "{report:#}"
    );
    let (code, strict) = scan_json(tmp.path(), &["--policy-from-base"]);
    assert_eq!(code, 1, "{strict:#}");
    assert_eq!(rules_of(&strict, "findings"), ["legacy-shell-call"]);
}
