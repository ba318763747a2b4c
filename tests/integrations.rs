//! The integrations as their users run them (issue 15): SARIF for code scanning, annotations and the step
//! summary for GitHub, the two GitLab reports, reviewdog, the terminal flags people know from ruff, semgrep and
//! gitleaks, and the pre-commit framework itself when it is installable. Real repositories, the real binary.

// Skipped tests say why on stderr.
#![allow(clippy::print_stderr, clippy::single_match_else)]

#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn secreview(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("secreview")
        .unwrap()
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("FORCE_COLOR")
        .env("NO_COLOR", "1")
        .env("SECREVIEW_TODAY", "2026-11-24")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out(o), err(o)))
}

const SEARCH: &str = "from fastapi import APIRouter, Depends\nfrom sqlalchemy import text\nfrom sqlalchemy.orm import Session\n\nfrom app.db import get_db\n\nrouter = APIRouter()\n\n\n@router.get(\"/search\")\ndef search(q: str, db: Session = Depends(get_db)):\n    rows = db.execute(text(f\"SELECT * FROM courses WHERE title LIKE '%{q}%'\"))\n    return rows.all()\n";

/// The fastapi-ratings branch (an IDOR pair) plus an SQL injection and a committed token, checked out in `dir`.
fn ratings(dir: &Path) -> git2::Repository {
    let r = repo::from_fixture(dir, "fastapi-ratings").0;
    let (config, _) = fake::expand_fakes("GITHUB_TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::write(
        dir,
        &[
            ("app/routers/search.py", SEARCH),
            ("app/settings_local.py", &config),
        ],
    );
    repo::commit_all(&r, "search and settings");
    r
}

fn schema() -> Option<Value> {
    let path = repo::workspace().join("../shared/schemas/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&path) {
        Ok(t) => Some(serde_json::from_str(&t).unwrap()),
        Err(_) => {
            eprintln!(
                "notice: {} not found, skipping SARIF schema validation",
                path.display()
            );
            None
        }
    }
}

/// Items 9–11: a real scan's SARIF validates, describes its rules without templates or placeholder links, uses
/// the effective severity (a rule downgraded in the config is not High) and warn mode (not `error`), names its
/// version, category and `%SRCROOT%`, and an access-control region spans the handler's signature.
#[test]
fn sarif_from_a_real_scan_is_what_code_scanning_needs() {
    let tmp = tempfile::tempdir().unwrap();
    let r = ratings(tmp.path());
    repo::write(
        tmp.path(),
        &[(
            ".secreview.toml",
            "[rules.severity]\n\"sql-string-built\" = \"low\"\n[rules.mode]\n\"route-missing-ownership-check\" = \"warn\"\n",
        )],
    );
    repo::commit_all(&r, "config");
    let o = secreview(
        tmp.path(),
        &[
            "scan",
            "--base",
            "main",
            "--format",
            "sarif",
            "--category",
            "secreview/api",
        ],
    );
    let doc = json(&o);
    if let Some(schema) = schema() {
        let v = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
    let text = doc.to_string();
    assert!(
        !text.contains("{detail}") && !text.contains("example.invalid/secreview"),
        "{text}"
    );
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["automationDetails"]["id"], "secreview/api/");
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {rules:?}"))
    };
    let sql = rule("sql-string-built");
    assert_eq!(
        sql["properties"]["security-severity"], "3.0",
        "downgraded to low in the config"
    );
    assert!(
        sql["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Finds SQL statements")
    );
    let results = run["results"].as_array().unwrap();
    let idor: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "route-missing-ownership-check")
        .collect();
    assert!(!idor.is_empty());
    for r in idor {
        assert_eq!(r["level"], "warning", "warn mode is never an error");
        let region = &r["locations"][0]["physicalLocation"]["region"];
        let (start, end) = (
            region["startLine"].as_u64().unwrap(),
            region["endLine"].as_u64().unwrap(),
        );
        assert!(
            end > start,
            "the handler's signature spans its parameter lines: {region}"
        );
    }
}

/// Item 16: findings the baseline hides are counted in the table's summary, Markdown and JSON.
#[test]
fn baselined_findings_are_counted_not_vanished() {
    let tmp = tempfile::tempdir().unwrap();
    ratings(tmp.path());
    let o = secreview(tmp.path(), &["baseline", "--base", "main", "-o", "bl.json"]);
    assert!(o.status.success(), "{}", err(&o));
    let args = ["scan", "--base", "main", "--baseline", "bl.json"];
    let table = secreview(tmp.path(), &args);
    assert!(
        out(&table).contains("hidden by baseline"),
        "{}",
        out(&table)
    );
    assert_eq!(table.status.code(), Some(0));
    let md = secreview(tmp.path(), &[&args[..], &["--format", "markdown"]].concat());
    assert!(out(&md).contains("Also found: ") && out(&md).contains("hidden by baseline"));
    let j = json(&secreview(
        tmp.path(),
        &[&args[..], &["--format", "json"]].concat(),
    ));
    assert!(
        j["summary"]["hidden"]["baseline"].as_u64().unwrap() >= 4,
        "{}",
        j["summary"]
    );
    assert_eq!(j["summary"]["total"], 0);
}

/// Item 17: a token added in one commit of a range and deleted in the next is reported "in commit abc1234" in
/// the table, Markdown, annotations, concise lines and the GitLab Secret Detection report.
#[test]
fn a_secret_from_an_earlier_commit_names_the_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("README", "x\n")]);
    repo::branch(&r, "feature");
    let (text, _) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::write(tmp.path(), &[("leak.py", &text)]);
    let added = repo::commit_all(&r, "add");
    std::fs::remove_file(tmp.path().join("leak.py")).unwrap();
    repo::commit_all(&r, "remove");
    let short = &added.to_string()[..7];
    for format in ["table", "markdown", "github", "concise"] {
        let o = secreview(
            tmp.path(),
            &["scan", "--range", "main..feature", "--format", format],
        );
        assert_eq!(o.status.code(), Some(1), "{format}: {}", err(&o));
        let said = out(&o).contains(&format!("in commit {short}"))
            || out(&o).contains(&format!("in commit `{short}`"));
        assert!(said, "{format}:\n{}", out(&o));
    }
    let j = json(&secreview(
        tmp.path(),
        &[
            "scan",
            "--range",
            "main..feature",
            "--format",
            "gitlab-secrets",
        ],
    ));
    let v = &j["vulnerabilities"][0];
    assert_eq!(v["location"]["commit"]["sha"], added.to_string());
    assert!(v["description"].as_str().unwrap().contains(short));
    assert_eq!(
        v["tracking"]["items"][0]["signatures"][0]["algorithm"],
        "hash"
    );
    // The SAST report leaves it to the Secret Detection report and says so.
    let sast = json(&secreview(
        tmp.path(),
        &["scan", "--range", "main..feature", "--format", "gitlab"],
    ));
    assert_eq!(sast["vulnerabilities"].as_array().map(Vec::len), Some(0));
    assert!(
        sast["scan"]["messages"][0]["value"]
            .as_str()
            .unwrap()
            .contains("gitlab-secrets")
    );
}

/// Item 3: -q, --exit-zero, --include/--exclude, --select/--ignore, several paths, --hide-below, --color
/// always and `--format concise`.
#[test]
fn the_flags_people_expect_work() {
    let tmp = tempfile::tempdir().unwrap();
    ratings(tmp.path());
    let d = tmp.path();
    let base = ["scan", "--base", "main", "--format", "concise"];
    let all = out(&secreview(d, &base));
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() >= 4, "{all}");
    for l in &lines {
        let parts: Vec<&str> = l.splitn(4, ':').collect();
        assert!(
            parts[1].parse::<u32>().is_ok() && parts[2].parse::<u32>().is_ok(),
            "{l}"
        );
        assert!(parts[3].starts_with(' '), "{l}");
    }
    assert!(all.contains(": high sql-string-built "), "{all}");
    // --exit-zero: findings, exit 0.
    let o = secreview(d, &[&base[..], &["--exit-zero"]].concat());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out(&o), all);
    // --select / --ignore by id and by pack.
    let only_sql = out(&secreview(
        d,
        &[&base[..], &["--select", "sql-string-built"]].concat(),
    ));
    assert!(
        only_sql.lines().all(|l| l.contains(" sql-string-built ")) && !only_sql.is_empty(),
        "{only_sql}"
    );
    let no_authz = out(&secreview(
        d,
        &[&base[..], &["--ignore", "authz,secrets"]].concat(),
    ));
    assert!(
        !no_authz.contains("route-missing-ownership-check")
            && no_authz.contains("sql-string-built")
    );
    let typo = secreview(d, &[&base[..], &["--select", "sql-injection"]].concat());
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        err(&typo).contains("unknown rule or pack `sql-injection`"),
        "{}",
        err(&typo)
    );
    // --include / --exclude on the command line.
    let routers = out(&secreview(
        d,
        &[&base[..], &["--include", "app/routers/**"]].concat(),
    ));
    assert!(
        routers.lines().all(|l| l.starts_with("app/routers/")) && !routers.is_empty(),
        "{routers}"
    );
    let no_ratings = out(&secreview(
        d,
        &[&base[..], &["--exclude", "**/ratings.py"]].concat(),
    ));
    assert!(!no_ratings.contains("ratings.py") && !no_ratings.is_empty());
    // Several paths of one repository.
    let two = out(&secreview(
        d,
        &[
            &base[..],
            &["app/routers/ratings.py", "app/settings_local.py"],
        ]
        .concat(),
    ));
    assert!(two.lines().all(
        |l| l.starts_with("app/routers/ratings.py:") || l.starts_with("app/settings_local.py:")
    ));
    assert!(
        two.contains("app/settings_local.py:") && two.contains("app/routers/ratings.py:"),
        "{two}"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let o = secreview(
        d,
        &[&base[..], &[".", elsewhere.path().to_str().unwrap()]].concat(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    // --hide-below: listed no more, counted in the summary; it may not hide what the gate blocks.
    let t = out(&secreview(
        d,
        &[
            "scan",
            "--base",
            "main",
            "--hide-below",
            "critical",
            "--fail-on",
            "critical",
        ],
    ));
    assert!(
        !t.contains("sql-string-built") && t.contains("below critical hidden"),
        "{t}"
    );
    let o = secreview(d, &["scan", "--base", "main", "--hide-below", "critical"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--fail-on high blocks"), "{}", err(&o));
    // -q: nothing on a clean scan, the findings otherwise.
    let o = secreview(
        d,
        &[
            "scan",
            "--base",
            "main",
            "-q",
            "--select",
            "jwt-verification-disabled",
        ],
    );
    assert_eq!(
        (o.status.code(), out(&o).as_str(), err(&o).as_str()),
        (Some(0), "", "")
    );
    assert!(!out(&secreview(d, &[&base[..], &["-q"]].concat())).is_empty());
    // --color always colours a pipe, over NO_COLOR; never / --no-color never.
    let coloured = out(&secreview(
        d,
        &["scan", "--base", "main", "--color", "always"],
    ));
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    assert!(
        !out(&secreview(
            d,
            &["scan", "--base", "main", "--color", "never"]
        ))
        .contains("\u{1b}[")
    );
}

/// Item 12: with `--format github` inside a GitHub Actions step, the Markdown report goes to the job summary.
#[test]
fn github_format_writes_the_step_summary() {
    let tmp = tempfile::tempdir().unwrap();
    ratings(tmp.path());
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let o = Command::cargo_bin("secreview")
        .unwrap()
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["scan", "--base", "main", "--format", "github"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n# Security review"),
        "appended: {text}"
    );
    assert!(text.contains("sql-string-built"));
    let first = out(&o).lines().next().unwrap().to_owned();
    assert!(
        first.starts_with("::error ") && first.contains("(critical)"),
        "most severe first: {first}"
    );
    // Other formats leave it alone.
    let o = Command::cargo_bin("secreview")
        .unwrap()
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["scan", "--base", "main", "--format", "json"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);
}

/// Item 18: `--all` leaves docs and test fixtures out by default (listed as skipped), and scans them with
/// `--no-default-excludes` or `default_excludes = false`; a branch scan reviews them as usual.
#[test]
fn whole_tree_scans_leave_docs_and_fixtures_out_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let (token, _) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::init(
        tmp.path(),
        &[
            ("docs/setup.md", &token),
            ("tests/fixtures/conf.py", &token),
            ("app/conf.py", &token),
        ],
    );
    let paths = |o: &Output| -> Vec<String> {
        json(o)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["location"]["path"].as_str().unwrap().to_owned())
            .collect()
    };
    let o = secreview(tmp.path(), &["scan", "--all", "--format", "json"]);
    assert_eq!(paths(&o), ["app/conf.py"]);
    assert_eq!(json(&o)["scan"]["settings"]["default_excludes"], true);
    let o = secreview(
        tmp.path(),
        &["scan", "--all", "--format", "json", "--no-default-excludes"],
    );
    assert_eq!(paths(&o).len(), 3);
    repo::write(
        tmp.path(),
        &[(".secreview.toml", "default_excludes = false\n")],
    );
    let o = secreview(tmp.path(), &["scan", "--all", "--format", "json"]);
    assert_eq!(paths(&o).len(), 3);
}

/// Item 18: the Markdown report links each location and shows redacted context around it.
#[test]
fn markdown_links_and_context_are_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let r = ratings(tmp.path());
    let (text, secrets) = fake::expand_fakes(
        "import os\n\nTOKEN = \"{{fake-checksum:ghp_:36}}\"\nOTHER = \"{{fake-checksum:ghp_:36}}\"\nx = 1\n",
    );
    repo::write(tmp.path(), &[("app/tokens.py", &text)]);
    repo::commit_all(&r, "tokens");
    let o = secreview(
        tmp.path(),
        &["scan", "--base", "main", "--format", "markdown"],
    );
    let md = out(&o);
    assert!(md.contains("[`app/tokens.py:3`](app/tokens.py#L3)"), "{md}");
    assert!(
        md.contains("lines 1–5 of `app/tokens.py`, the finding on line 3"),
        "{md}"
    );
    assert!(
        md.contains("OTHER = \"ghp_…(40)\"\nx = 1\n"),
        "the neighbouring token is redacted too:\n{md}"
    );
    for s in &secrets {
        assert!(!md.contains(&s[8..]), "context leaked a secret");
    }
}

/// Item 19: `scan.settings` holds every effective setting, route statistics sit in `scan.routes`.
#[test]
fn json_settings_are_complete() {
    let tmp = tempfile::tempdir().unwrap();
    ratings(tmp.path());
    let j = json(&secreview(
        tmp.path(),
        &["scan", "--base", "main", "--format", "json", "-j", "2"],
    ));
    let s = &j["scan"]["settings"];
    for key in [
        "format",
        "fail_on",
        "min_confidence",
        "config_file",
        "policy",
        "inline_suppressions",
        "rule_dirs",
        "baseline",
        "disabled_rules",
        "selected_rules",
        "ignored_rules",
        "severity_overrides",
        "mode_overrides",
        "include",
        "exclude",
        "default_excludes",
        "paths",
        "base",
        "jobs",
        "max_file_size",
        "hide_below",
        "exit_zero",
    ] {
        assert!(s.get(key).is_some(), "missing {key}: {s}");
    }
    assert_eq!(s["jobs"], serde_json::json!({"value": 2, "source": "cli"}));
    assert_eq!(s["max_file_size"]["value"], 2 * 1024 * 1024);
    assert_eq!(s["base"], "main");
    assert!(s.get("routes").is_none());
    assert!(j["scan"]["routes"]["FastAPI"]["routes"].as_u64().unwrap() > 0);
}

/// Item 13: `--format rdjson` is what `reviewdog -f=rdjson` reads.
#[test]
fn rdjson_lists_every_finding_for_reviewdog() {
    let tmp = tempfile::tempdir().unwrap();
    ratings(tmp.path());
    let j = json(&secreview(
        tmp.path(),
        &["scan", "--base", "main", "--format", "rdjson"],
    ));
    let n = json(&secreview(
        tmp.path(),
        &["scan", "--base", "main", "--format", "json"],
    ))["summary"]["total"]
        .clone();
    let d = j["diagnostics"].as_array().unwrap();
    assert_eq!(serde_json::json!(d.len()), n);
    for x in d {
        assert!(x["location"]["range"]["start"]["line"].as_u64().unwrap() >= 1);
        assert!(["ERROR", "WARNING", "INFO"].contains(&x["severity"].as_str().unwrap()));
        assert!(x["code"]["value"].is_string());
    }
}

/// Item 4: on a terminal, a long scan's spinner names the phase and counts the files done.
#[test]
fn the_spinner_names_phase_and_file_count_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` is not installed, no pseudo-terminal to test with");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("README", "x\n")]);
    repo::branch(&r, "feature");
    let files: Vec<(String, String)> = (0..260)
        .map(|i| {
            (
                format!("pkg/m{i}.py"),
                format!("def f{i}(x):\n    return x + {i}\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo::write(tmp.path(), &refs);
    repo::commit_all(&r, "many");
    let bin = assert_cmd::cargo::cargo_bin("secreview");
    let cmd = format!("{} scan --base main --no-color", bin.display());
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(tmp.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("260 changed files"), "{text}");
    // Files done out of the total while the analysis runs.
    assert!(text.contains("/260"), "{text}");
    // Not in a pipe.
    let o = secreview(tmp.path(), &["scan", "--base", "main"]);
    assert!(!err(&o).contains("analysing"), "{}", err(&o));
}

fn pre_commit() -> Option<PathBuf> {
    let venv = PathBuf::from("/work/venv-precommit/bin/pre-commit");
    let candidates = [venv, PathBuf::from("pre-commit")];
    for c in candidates {
        if std::process::Command::new(&c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c);
        }
    }
    eprintln!(
        "notice: the `pre-commit` package is not installed (python3 -m venv /work/venv-precommit && /work/venv-precommit/bin/pip install pre-commit); skipping the pre-commit framework tests"
    );
    None
}

/// A hooks repository holding this project's `.pre-commit-hooks.yaml`, committed, and a project using it.
fn pre_commit_project(tmp: &Path) -> (PathBuf, git2::Repository, String) {
    let hooks = tmp.join("hooks");
    let hooks_yaml =
        std::fs::read_to_string(repo::workspace().join(".pre-commit-hooks.yaml")).unwrap();
    let h = repo::init(&hooks, &[(".pre-commit-hooks.yaml", &hooks_yaml)]);
    let rev = h.head().unwrap().peel_to_commit().unwrap().id().to_string();
    let work = tmp.join("work");
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: secreview\n      - id: secreview-branch\n",
        hooks.display()
    );
    let w = repo::init(
        &work,
        &[
            (".pre-commit-config.yaml", &config),
            ("app/__init__.py", ""),
        ],
    );
    (work, w, rev)
}

fn run_in(dir: &Path, program: &Path, args: &[&str], home: &Path) -> Output {
    let bin_dir = assert_cmd::cargo::cargo_bin("secreview")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .unwrap()
}

const INJECTION: &str = "from flask import request\nimport sqlite3\n\n@app.get(\"/u\")\ndef u():\n    name = request.args[\"name\"]\n    sqlite3.connect(\"x\").execute(f\"SELECT * FROM u WHERE n = '{name}'\")\n";

/// Items 7–8: `pre-commit run --all-files` (nothing staged) scans the files pre-commit passes and blocks a
/// committed injection; the hook file loads in the real tool (`language: unsupported`, the stage names).
#[test]
fn pre_commit_all_files_scans_the_committed_tree() {
    let Some(pc) = pre_commit() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (work, w, _) = pre_commit_project(tmp.path());
    repo::write(&work, &[("app/views.py", INJECTION)]);
    repo::commit_all(&w, "injection");
    let home = tmp.path().join("pc-home");
    let o = run_in(&work, &pc, &["run", "secreview", "--all-files"], &home);
    let text = format!("{}{}", out(&o), err(&o));
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("sql-string-built"), "{text}");
    // A clean tree passes.
    std::fs::write(work.join("app/views.py"), "x = 1\n").unwrap();
    repo::commit_all(&w, "fix");
    let o = run_in(&work, &pc, &["run", "secreview", "--all-files"], &home);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
}

/// Item 6: the pre-push hook scans every pushed commit (`PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF`): a token
/// added in one commit and removed in the next blocks the push, as the native hook does.
#[test]
fn pre_commit_pre_push_scans_every_pushed_commit() {
    let Some(pc) = pre_commit() else { return };
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no git CLI");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (work, w, _) = pre_commit_project(tmp.path());
    let home = tmp.path().join("pc-home");
    let remote = tmp.path().join("remote.git");
    git2::Repository::init_bare(&remote).unwrap();
    w.remote("origin", remote.to_str().unwrap()).unwrap();
    let git = Path::new("git");
    let o = run_in(&work, git, &["push", "-q", "origin", "main"], &home);
    assert!(o.status.success(), "{}", err(&o));
    let o = run_in(&work, &pc, &["install", "--hook-type", "pre-push"], &home);
    assert!(o.status.success(), "{}", err(&o));
    let (text, _) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::write(&work, &[("app/leak.py", &text)]);
    repo::commit_all(&w, "add a token");
    std::fs::remove_file(work.join("app/leak.py")).unwrap();
    repo::commit_all(&w, "remove it again");
    let o = run_in(&work, git, &["push", "origin", "main"], &home);
    let text = format!("{}{}", out(&o), err(&o));
    assert!(!o.status.success(), "the push went through:\n{text}");
    assert!(
        text.contains("github-token") || text.contains("github-pat") || text.contains("ghp_"),
        "{text}"
    );
}
