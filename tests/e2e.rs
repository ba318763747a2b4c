//! End-to-end tests of the `secreview` binary on real git repositories built in temp dirs.

// Test code: printing the measured precision/recall is the point, and terse helpers read better here.
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

/// Runs `scan` with JSON output; returns (exit code, parsed report, stderr).
fn scan_json(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = secreview()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, json, stderr)
}

fn findings(report: &Value) -> Vec<(String, String, u32)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap().to_owned(),
                f["location"]["start_line"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    v.sort();
    v
}

fn run(args: &[&str], dir: &Path) -> std::process::Output {
    secreview().args(args).current_dir(dir).output().unwrap()
}

#[test]
fn demo_finds_the_rating_bug_sql_and_token() {
    let out = secreview().arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for rule in [
        "route-missing-ownership-check",
        "sql-string-built",
        "github-token",
    ] {
        assert!(stdout.contains(rule), "demo output lacks {rule}:\n{stdout}");
    }
    assert!(
        !stdout.contains("ghp_") || stdout.contains("ghp_…("),
        "token not redacted:\n{stdout}"
    );
}

#[test]
fn demo_json_reports_ownership_with_high_confidence_and_evidence() {
    let out = secreview()
        .args(["demo", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let own: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "route-missing-ownership-check")
        .collect();
    assert_eq!(own.len(), 2, "{report:#}");
    for f in own {
        assert!(f["confidence"].as_f64().unwrap() >= 0.8, "{f:#}");
        assert!(
            f["evidence"].as_array().is_some_and(|e| e.len() >= 2),
            "{f:#}"
        );
        assert_eq!(f["owasp2021"]["id"], "A01");
    }
}

/// Every fixture repository: the findings of a branch scan equal its head tree's `ruleid:` annotations.
#[test]
fn fixture_repos_report_exactly_their_annotated_findings() {
    let mut problems = Vec::new();
    let mut totals = (0usize, 0usize, 0usize);
    let repos = std::fs::read_dir(repo::workspace().join("fixtures/repos")).unwrap();
    let mut names: Vec<String> = repos
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let tmp = tempfile::tempdir().unwrap();
        repo::from_fixture(tmp.path(), &name);
        let expected = repo::expected_findings(tmp.path());
        let (_, report, stderr) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
        let got = findings(&report);
        let tp = got.iter().filter(|g| expected.contains(g)).count();
        totals.0 += tp;
        totals.1 += got.len() - tp;
        totals.2 += expected.len() - tp;
        for e in &expected {
            if !got.contains(e) {
                problems.push(format!("{name}: missed {} at {}:{}", e.0, e.1, e.2));
            }
        }
        for g in &got {
            if !expected.contains(g) {
                problems.push(format!("{name}: unexpected {} at {}:{}", g.0, g.1, g.2));
            }
        }
        assert!(
            stderr.is_empty() || !stderr.contains("error"),
            "{name}: {stderr}"
        );
    }
    eprintln!(
        "fixture repos: {} true positives, {} false positives, {} missed",
        totals.0, totals.1, totals.2
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fix_diff_reports_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fix-diff");
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main"]);
    assert_eq!(findings(&report), vec![]);
    assert_eq!(code, 0);
}

const VULN: &str = "import yaml\n\ndef load(text):\n    return yaml.load(text)\n";

#[test]
fn only_added_lines_are_reported_and_all_mode_sees_old_code() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("old.py", VULN), ("app.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[("app.py", "x = 1\nimport yaml\ny = yaml.load(open('f'))\n")],
    );
    repo::commit_all(&r, "feature");
    let (_, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
    let got = findings(&report);
    assert!(got.iter().all(|f| f.1 == "app.py"), "{got:?}");
    assert!(got.iter().any(|f| f.1 == "app.py" && f.2 == 3), "{got:?}");
    let (_, report, _) = scan_json(tmp.path(), &["--all", "--fail-on", "never"]);
    let got = findings(&report);
    assert!(got.iter().any(|f| f.1 == "old.py" && f.2 == 4), "{got:?}");
}

#[test]
fn staged_and_worktree_modes_see_uncommitted_code() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("app.py", "x = 1\n")]);
    repo::write(tmp.path(), &[("staged.py", VULN)]);
    let mut index = r.index().unwrap();
    index.add_path(Path::new("staged.py")).unwrap();
    index.write().unwrap();
    repo::write(tmp.path(), &[("untracked.py", VULN)]);
    let (_, report, _) = scan_json(tmp.path(), &["--staged", "--fail-on", "never"]);
    let files: Vec<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert!(
        files.contains(&"staged.py".to_owned()) && !files.contains(&"untracked.py".to_owned()),
        "{files:?}"
    );
    let (_, report, _) = scan_json(tmp.path(), &["--worktree", "--fail-on", "never"]);
    let files: Vec<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert!(
        files.contains(&"staged.py".to_owned()) && files.contains(&"untracked.py".to_owned()),
        "{files:?}"
    );
}

#[test]
fn renamed_file_keeps_findings_on_the_new_path() {
    let tmp = tempfile::tempdir().unwrap();
    let big = format!(
        "{VULN}{}",
        (0..30)
            .map(|i| format!("def f{i}():\n    return {i}\n"))
            .collect::<String>()
    );
    let r = repo::init(tmp.path(), &[("old_name.py", &big)]);
    repo::branch(&r, "feature");
    std::fs::remove_file(tmp.path().join("old_name.py")).unwrap();
    repo::write(
        tmp.path(),
        &[("new_name.py", &format!("{big}y = yaml.load(open('g'))\n"))],
    );
    repo::commit_all(&r, "rename");
    let (_, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
    let got = findings(&report);
    assert!(
        !got.is_empty() && got.iter().all(|f| f.1 == "new_name.py"),
        "{got:?}"
    );
    assert!(
        got.iter().all(|f| f.2 != 4),
        "the unchanged old line must not be reported: {got:?}"
    );
}

#[test]
fn binary_and_non_utf8_files_are_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    std::fs::write(tmp.path().join("blob.bin"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    std::fs::write(tmp.path().join("latin1.py"), b"s = '\xe9t\xe9'\n").unwrap();
    repo::commit_all(&r, "binary");
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main"]);
    assert_eq!(code, 0);
    assert_eq!(report["scan"]["files_skipped"], 2, "{report:#}");
}

#[test]
fn crlf_files_report_the_right_line() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\r\n")]);
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[(
            "a.py",
            "x = 1\r\nimport yaml\r\n\r\ny = yaml.load(open('f'))\r\n",
        )],
    );
    repo::commit_all(&r, "crlf");
    let (_, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
    assert!(findings(&report).iter().any(|f| f.2 == 4), "{report:#}");
}

#[test]
fn empty_diff_says_nothing_to_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    let out = run(&["scan", "--base", "main"], tmp.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to scan"));
}

fn assert_error(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.lines().count() <= 2,
        "errors are one line plus an optional hint: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains(needle),
        "expected `{needle}` in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_inputs_give_one_line_errors_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    assert_error(&run(&["scan", "."], tmp.path()), "git repository");
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    assert_error(&run(&["scan", "--base", "nope"], tmp.path()), "nope");
    repo::branch(&r, "feature");
    r.find_branch("main", git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    assert_error(&run(&["scan"], tmp.path()), "base");
    // Unrelated histories: a second root commit on another branch.
    let tmp2 = tempfile::tempdir().unwrap();
    let r2 = repo::init(tmp2.path(), &[("a.py", "x = 1\n")]);
    let tree = r2
        .find_tree(r2.index().unwrap().write_tree().unwrap())
        .unwrap();
    r2.commit(
        Some("refs/heads/other"),
        &repo::sig(),
        &repo::sig(),
        "root",
        &tree,
        &[],
    )
    .unwrap();
    assert_error(&run(&["scan", "--base", "other"], tmp2.path()), "unrelated");
}

#[test]
fn bare_repository_with_worktree_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    git2::Repository::init_bare(tmp.path()).unwrap();
    assert_error(&run(&["scan", "--worktree"], tmp.path()), "bare");
}

#[test]
fn shallow_clone_gives_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let r = repo::init(&src, &[("a.py", "x = 1\n")]);
    repo::write(&src, &[("b.py", "y = 2\n")]);
    repo::commit_all(&r, "two");
    repo::branch(&r, "feature");
    repo::write(&src, &[("c.py", "z = 3\n")]);
    repo::commit_all(&r, "three");
    repo::checkout(&r, "main");
    repo::write(&src, &[("d.py", "w = 4\n")]);
    repo::commit_all(&r, "four");
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", src.display());
    let ok = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--no-single-branch", &url])
        .arg(&clone)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = std::process::Command::new("git")
        .args(["checkout", "-q", "feature"])
        .current_dir(&clone)
        .status()
        .unwrap();
    assert!(out.success());
    let out = run(&["scan", "--base", "origin/main"], &clone);
    assert_error(&out, "shallow");
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetch-depth"));
}

#[test]
fn invalid_rule_and_config_files_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    repo::write(tmp.path(), &[("b.py", VULN)]);
    repo::commit_all(&r, "b");
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("broken-rule.toml"),
        "id = \"broken-rule\"\nkind = \"query\"\n",
    )
    .unwrap();
    let out = run(
        &[
            "scan",
            "--base",
            "main",
            "--rules",
            rules.path().to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_error(&out, "broken-rule.toml");
    std::fs::write(
        tmp.path().join(".secreview.toml"),
        "fail_on = \"high\"\nfial = 1\n",
    )
    .unwrap();
    let out = run(&["scan", "--base", "main"], tmp.path());
    assert_error(&out, "fial");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(":2:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn output_is_identical_with_one_and_eight_threads() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let a = run(
        &["scan", "--base", "main", "--format", "sarif", "-j", "1"],
        tmp.path(),
    );
    let b = run(
        &["scan", "--base", "main", "--format", "sarif", "-j", "8"],
        tmp.path(),
    );
    let strip = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.contains("Time") && !l.contains("duration") && !l.contains("_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&a), strip(&b));
    assert!(!strip(&a).is_empty());
}

#[test]
fn fail_on_levels_decide_the_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let code = |lvl: &str| {
        run(&["scan", "--base", "main", "--fail-on", lvl], tmp.path())
            .status
            .code()
    };
    assert_eq!(code("high"), Some(1));
    assert_eq!(code("critical"), Some(0));
    assert_eq!(code("never"), Some(0));
    assert_eq!(
        run(
            &["scan", "--base", "main", "--min-confidence", "0.99"],
            tmp.path()
        )
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn no_output_format_contains_a_full_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    let (text, secrets) = fake::expand_fakes(
        "GITHUB_TOKEN = \"{{fake-checksum:ghp_:36}}\"\nstripe_key = \"{{fake:sk_live_:24}}\"\n\
         PAIR = (\"{{fake-checksum:ghp_:36}}\", \"{{fake-checksum:ghp_:36}}\")\n\
         from flask import request\nimport os\n\n\ndef grep():\n    q = request.args[\"q\"]\n    \
         os.system(\"grep \" + q + \" --token={{fake-checksum:ghp_:36}}\")\n",
    );
    repo::write(tmp.path(), &[("settings.py", &text)]);
    repo::commit_all(&r, "oops");
    for fmt in ["table", "json", "sarif", "markdown", "github", "gitlab"] {
        let out = run(&["scan", "--base", "main", "--format", fmt], tmp.path());
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{fmt}: {all}");
        for s in &secrets {
            assert!(
                !all.contains(s.as_str()),
                "{fmt} output contains a full secret:\n{all}"
            );
        }
    }
    let ci = secreview()
        .env("CI", "true")
        .args(["scan", "--base", "main", "--show-secrets"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(ci.status.code(), Some(2));
}

#[test]
fn identical_line_added_elsewhere_is_not_hidden_by_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", VULN)]);
    let file = tmp.path().join("baseline.json");
    let out = run(
        &["baseline", "--all", "--output", file.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[(
            "a.py",
            &format!("{VULN}\n\ndef again(text):\n    return yaml.load(text)\n"),
        )],
    );
    repo::commit_all(&r, "copy");
    let (code, report, _) = scan_json(
        tmp.path(),
        &["--base", "main", "--baseline", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report).iter().all(|f| f.2 == 8), "{report:#}");
}

#[test]
fn suppressions_need_a_reason_and_unused_ones_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[(
            "b.py",
            "import yaml\n\
             a = yaml.load(open('x'))  # secreview: ignore[yaml-load-unsafe] our own build artefact\n\
             b = yaml.load(open('y'))  # secreview: ignore[yaml-load-unsafe]\n\
             c = 1  # secreview: ignore[sql-string-built] nothing here\n",
        )],
    );
    repo::commit_all(&r, "supp");
    let (_, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
    let got = findings(&report);
    assert!(
        !got.iter().any(|f| f.0 == "yaml-load-unsafe" && f.2 == 2),
        "{got:?}"
    );
    assert!(
        got.iter().any(|f| f.0 == "yaml-load-unsafe" && f.2 == 3),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|f| f.0 == "ineffective-suppression" && f.2 == 3),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|f| f.0 == "ineffective-suppression" && f.2 == 4),
        "{got:?}"
    );
}

#[test]
fn explain_and_rules_describe_the_packs() {
    let out = secreview()
        .args(["explain", "route-missing-ownership-check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CWE-639") && text.contains("A01:2021") && text.contains("## Fix"),
        "{text}"
    );
    let out = secreview()
        .args(["explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = secreview()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let generated = String::from_utf8_lossy(&out.stdout).to_string();
    let committed =
        std::fs::read_to_string(repo::workspace().join("docs/rules.md")).unwrap_or_default();
    assert_eq!(
        generated, committed,
        "docs/rules.md is stale: run `cargo run -p secreview -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn markdown_report_goes_to_the_next_numbered_file() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let reports = tmp.path().join("reviews");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(reports.join("01-plan.md"), "plan").unwrap();
    std::fs::write(reports.join("02-notes.md"), "notes").unwrap();
    let out = run(
        &[
            "scan",
            "--base",
            "main",
            "--output-dir",
            "reviews",
            "--fail-on",
            "never",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(reports.join("03-security-review.md")).unwrap();
    assert!(
        text.contains("Executive summary") && text.contains("Exploit scenario"),
        "{text}"
    );
    assert!(text.contains("app/routers/ratings.py:72"), "{text}");
}

#[test]
fn baseline_survives_moved_code_and_reports_changed_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    repo::write(tmp.path(), &[("b.py", VULN)]);
    repo::commit_all(&r, "vuln");
    let out = run(&["baseline", "--base", "main"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = tmp.path().join(".secreview-baseline.json");
    let baseline = std::fs::read_to_string(&file).unwrap();
    let file = file.to_str().unwrap();
    assert!(
        !baseline.contains("\"line\"") && baseline.contains("yaml-load-unsafe"),
        "{baseline}"
    );
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main", "--baseline", file]);
    assert_eq!((code, findings(&report)), (0, vec![]));
    // 20 lines moved in above the finding: still suppressed.
    let moved = format!(
        "{}{VULN}",
        (0..20)
            .map(|i| format!("CONST_{i} = {i}\n"))
            .collect::<String>()
    );
    repo::write(tmp.path(), &[("b.py", &moved)]);
    repo::commit_all(&r, "move");
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main", "--baseline", file]);
    assert_eq!((code, findings(&report)), (0, vec![]));
    // The flagged line itself changed: reported again.
    repo::write(
        tmp.path(),
        &[(
            "b.py",
            &moved.replace("yaml.load(text)", "yaml.load(text.strip())"),
        )],
    );
    repo::commit_all(&r, "change");
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main", "--baseline", file]);
    assert_eq!(code, 1);
    let got = findings(&report);
    assert!(!got.is_empty() && got.iter().all(|f| f.2 == 24), "{got:?}");
}

#[test]
fn config_file_is_read_and_the_command_line_wins() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    std::fs::write(
        tmp.path().join(".secreview.toml"),
        "fail_on = \"critical\"\n[rules]\nmode = { \"route-missing-ownership-check\" = \"warn\" }\n",
    )
    .unwrap();
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main"]);
    assert_eq!(code, 0);
    assert_eq!(
        report["scan"]["settings"]["fail_on"]["source"], "config",
        "{:#}",
        report["scan"]
    );
    let (code, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "high"]);
    assert_eq!(report["scan"]["settings"]["fail_on"]["source"], "cli");
    // warn mode: the findings show but do not fail the run.
    assert_eq!(code, 0);
    assert!(!findings(&report).is_empty());
}

#[test]
fn pre_push_hook_blocks_a_high_finding_and_allows_the_fix() {
    // The hook runs `secreview` from PATH: make sure the freshly built binary is the one found.
    let bin_dir = assert_cmd::cargo::cargo_bin("secreview")
        .parent()
        .unwrap()
        .to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("remote.git");
    git2::Repository::init_bare(&remote).unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let r = repo::init(&work, &[("app.py", "x = 1\n")]);
    r.remote("origin", remote.to_str().unwrap()).unwrap();
    let with_path = |args: &[&str]| {
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        std::process::Command::new("git")
            .args(args)
            .current_dir(&work)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .output()
            .unwrap()
    };
    assert!(
        with_path(&["push", "-q", "origin", "main"])
            .status
            .success()
    );
    let install = run(&["hook", "install"], &work);
    assert_eq!(
        install.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    assert!(work.join(".git/hooks/pre-push").exists());
    // A foreign hook is not overwritten without --force.
    std::fs::write(work.join(".git/hooks/pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
    assert_eq!(
        run(&["hook", "install", "--pre-commit"], &work)
            .status
            .code(),
        Some(2)
    );

    // New branch with a committed token, removed again in the next commit: still blocked (every commit is scanned).
    repo::branch(&r, "feature");
    let (text, secrets) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::write(&work, &[("settings.py", &text)]);
    repo::commit_all(&r, "add token");
    repo::write(
        &work,
        &[("settings.py", "import os\nTOKEN = os.environ[\"TOKEN\"]\n")],
    );
    repo::commit_all(&r, "remove token");
    let push = with_path(&["push", "origin", "feature"]);
    let stderr = String::from_utf8_lossy(&push.stderr).to_string();
    assert!(!push.status.success(), "push should be blocked: {stderr}");
    assert!(stderr.contains("github-token"), "{stderr}");
    assert!(
        !stderr.contains(secrets[0].as_str()),
        "the hook printed the secret: {stderr}"
    );

    // A clean branch pushes; deleting a branch needs no scan.
    repo::checkout(&r, "main");
    repo::branch(&r, "clean");
    repo::write(&work, &[("ok.py", "def add(a, b):\n    return a + b\n")]);
    repo::commit_all(&r, "clean");
    let push = with_path(&["push", "origin", "clean"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    repo::write(
        &work,
        &[(
            "ok.py",
            "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
        )],
    );
    repo::commit_all(&r, "update");
    let push = with_path(&["push", "origin", "clean"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    let push = with_path(&["push", "origin", "--delete", "clean"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    // Several refs at once: one bad ref blocks the whole push.
    repo::checkout(&r, "main");
    repo::branch(&r, "bad2");
    repo::write(
        &work,
        &[(
            "y.py",
            "import yaml\n\ndef f(request):\n    return eval(request.args[\"x\"])\n",
        )],
    );
    repo::commit_all(&r, "eval");
    let push = with_path(&["push", "origin", "main", "bad2"]);
    assert!(!push.status.success());
}

/// Across modules: request data into a project helper's sink is reported at the call with every hop, and the
/// same data first handed back by a validator whose check the walker cannot read stays below the gate.
#[test]
fn cross_module_flows_are_reported_at_the_call_and_validators_lower_confidence() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "flask-helpers-taint");
    let (_, report, stderr) = scan_json(
        tmp.path(),
        &["--base", "main", "--fail-on", "never", "--stats"],
    );
    // The helpers' modules were summarised (`--stats` says how many module summaries the scan computed).
    let summaries = stderr
        .split(" module summaries for data flow")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(summaries.is_some_and(|n| n > 0), "{stderr}");
    let ssrf: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ssrf-url-from-request")
        .collect();
    assert_eq!(ssrf.len(), 2, "{report:#}");
    let direct = ssrf
        .iter()
        .find(|f| f["snippet"].as_str().unwrap().contains("request.form"))
        .unwrap();
    let checked = ssrf
        .iter()
        .find(|f| !f["snippet"].as_str().unwrap().contains("request.form"))
        .unwrap();
    assert!(direct["confidence"].as_f64().unwrap() >= 0.7, "{direct:#}");
    assert!(checked["confidence"].as_f64().unwrap() < 0.7, "{checked:#}");
    let hops: Vec<&str> = direct["flow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        hops.first(),
        Some(&"reports/views/exports.py"),
        "{direct:#}"
    );
    assert_eq!(hops.last(), Some(&"reports/util/fetch.py"), "{direct:#}");
}

/// An open write beside protected siblings: with one protected sibling it is a warning below the gate, with
/// four it blocks (a convention seen on one route is thin evidence).
#[test]
fn missing_authentication_confidence_grows_with_the_protected_siblings() {
    let route = |name: &str, guarded: bool| {
        let guard = if guarded { "\n@login_required" } else { "" };
        format!(
            "\n\n@bp.post(\"/{name}\"){guard}\ndef {name}():\n    db.session.add(Item(name=request.form[\"n\"]))\n    db.session.commit()\n    return \"ok\"\n"
        )
    };
    let confidence = |protected: usize| {
        let tmp = tempfile::tempdir().unwrap();
        let head = "from flask import Blueprint, request\nfrom flask_login import login_required\n\nfrom app.models import Item, db\n\nbp = Blueprint(\"items\", __name__)\n";
        let mut base = head.to_owned();
        for i in 0..protected {
            base.push_str(&route(&format!("guarded_{i}"), true));
        }
        let models = "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\nclass Item(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    name = db.Column(db.String(80))\n";
        let repo = repo::init(
            tmp.path(),
            &[("app/items.py", &base), ("app/models.py", models)],
        );
        repo::branch(&repo, "feature");
        let changed = format!("{base}{}", route("open_write", false));
        repo::write(tmp.path(), &[("app/items.py", &changed)]);
        repo::commit_all(&repo, "open write");
        let (_, report, _) = scan_json(tmp.path(), &["--base", "main", "--fail-on", "never"]);
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "route-missing-authentication")
            .map_or_else(
                || panic!("no finding with {protected} protected siblings: {report:#}"),
                |f| f["confidence"].as_f64().unwrap(),
            )
    };
    assert!(confidence(1) < 0.7);
    assert!(confidence(4) >= 0.7);
}
