//! Hostile code cannot stop the gate: deeply nested or gigantic expressions, files tree-sitter-python would abort
//! on, huge `--jobs`, and old-Mac line endings. Real repositories in temp dirs, the real binary, with a timeout.

// Test code: terse helpers read better here.
#![allow(
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
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// A command injection in a file of its own: it must be reported whatever the other files do to the scan.
const WITNESS: &str =
    "import os\nfrom flask import request\n\ndef h():\n    os.system(request.args['c'])\n";

fn secreview() -> Command {
    let mut c = cli::secreview();
    // A debug build on a shared 2-core machine: generous, but far below the minutes the bugs took.
    c.timeout(Duration::from_secs(120));
    c
}

/// A repository whose `feature` branch adds `files` to a one-file `main`.
fn branch_adding(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("README.md", "base\n")]);
    repo::branch(&r, "feature");
    repo::write(tmp.path(), files);
    repo::commit_all(&r, "feature");
    tmp
}

/// Runs `scan --base main --format json` plus `extra` (no `--base` with `--all`); returns (exit code, report, stderr). A crash (a signal,
/// no exit code) or a timeout fails the test here.
fn scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let base: &[&str] = if extra.contains(&"--all") {
        &[]
    } else {
        &["--base", "main"]
    };
    let out = secreview()
        .arg("scan")
        .arg(dir)
        .args(base)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("the scan finishes within the timeout");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal ({:?}): {stderr}", out.status));
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, json, stderr)
}

/// (rule id, path, line) of every finding.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap().to_owned(),
                f["location"]["start_line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn has(report: &Value, rule: &str, path: &str, line: u64) -> bool {
    findings(report)
        .iter()
        .any(|(r, p, l)| r == rule && p == path && *l == line)
}

/// Deep shapes, each a few KB to ~100 KB: before the fix each of these overflowed a worker's stack (8 KB was
/// enough) and aborted the whole scan without a report.
fn deep_files(n: usize) -> Vec<(String, String)> {
    let rep = |s: &str, k: usize| s.repeat(k);
    let py = |expr: String| format!("def f(a, b):\n    x = {expr}\n    return x\n");
    let rs = |expr: String| format!("fn f(a: i32) -> i32 {{\n    let x = {expr};\n    x\n}}\n");
    let nested_ifs: String = (0..99)
        .map(|i| format!("{}if a:\n", " ".repeat(i)))
        .collect::<String>()
        + &" ".repeat(99)
        + "x = 'deep'\n";
    vec![
        ("deep/unary.py".into(), py(format!("{}1", rep("-", n)))),
        ("deep/attr.py".into(), py(format!("a{}", rep(".b", n)))),
        (
            "deep/call.py".into(),
            py(format!("{}a{}", rep("f(", n), rep(")", n))),
        ),
        ("deep/method.py".into(), py(format!("a{}", rep(".m(b)", n)))),
        (
            "deep/parens.py".into(),
            py(format!("{}a{}", rep("(", n), rep(")", n))),
        ),
        (
            "deep/lists.py".into(),
            py(format!("{}a{}", rep("[", n), rep("]", n))),
        ),
        ("deep/binary.py".into(), py(format!("a{}", rep(" + b", n)))),
        ("deep/not.py".into(), py(format!("{}a", rep("not ", n)))),
        (
            "deep/subscript.py".into(),
            py(format!("a{}", rep("[0]", n))),
        ),
        (
            "deep/tuple_target.py".into(),
            format!("{}a{} = b\n", rep("(", n), rep(",)", n)),
        ),
        ("deep/blocks.py".into(), nested_ifs),
        (
            "deep/elif.py".into(),
            format!(
                "if a:\n    x = 1\n{}else:\n    x = 2\n",
                rep("elif a:\n    x = 1\n", n)
            ),
        ),
        ("deep/unary.rs".into(), rs(format!("{}1", rep("-", n)))),
        ("deep/field.rs".into(), rs(format!("a{}", rep(".b", n)))),
        (
            "deep/call.rs".into(),
            rs(format!("{}a{}", rep("f(", n), rep(")", n))),
        ),
        ("deep/method.rs".into(), rs(format!("a{}", rep(".m(1)", n)))),
        (
            "deep/parens.rs".into(),
            rs(format!("{}a{}", rep("(", n), rep(")", n))),
        ),
        ("deep/binary.rs".into(), rs(format!("a{}", rep(" + 1", n)))),
        (
            "deep/blocks.rs".into(),
            rs(format!("{}a{}", rep("{", n), rep("}", n))),
        ),
        (
            "deep/if.rs".into(),
            rs(format!("{}a{}", rep("if a { ", n), rep(" } else { 0 }", n))),
        ),
        (
            "deep/closures.rs".into(),
            rs(format!(
                "{}a{}",
                rep("web::block(move || { ", n),
                rep(" })", n)
            )),
        ),
        (
            "deep/macros.rs".into(),
            rs(format!("vec!{}a{}", rep("[", n), rep("]", n))),
        ),
        (
            "deep/or_pattern.rs".into(),
            rs(format!(
                "match a {{ {} => 1, _ => 0 }}",
                rep("1 | ", n) + "1"
            )),
        ),
        (
            "deep/use.rs".into(),
            format!("use {}c{};\n", rep("a::{", n), rep("}", n)),
        ),
    ]
}

#[test]
fn deeply_nested_code_gives_a_normal_report_and_keeps_other_findings() {
    let deep = deep_files(8_000);
    let mut files: Vec<(&str, &str)> = deep.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    files.push(("app/witness.py", WITNESS));
    let tmp = branch_adding(&files);
    for jobs in ["1", "2"] {
        let (code, report, stderr) = scan(tmp.path(), &["--jobs", jobs]);
        assert_eq!(code, 1, "{stderr}\n{report:#}");
        assert!(
            has(&report, "shell-command-built", "app/witness.py", 5),
            "{:?}",
            findings(&report)
        );
        assert_eq!(
            report["scan"]["files_scanned"],
            files.len(),
            "{}",
            report["scan"]
        );
    }
}

#[test]
fn a_sink_hidden_past_the_nesting_limit_is_still_reported() {
    let parens = 3_000;
    let python = format!(
        "import os\nfrom flask import request\n\ndef h():\n    q = request.args['c']\n    x = {}os.system(q){}\n",
        "(".repeat(parens),
        ")".repeat(parens)
    );
    let blocks = 3_000;
    let rust = format!(
        "use axum::extract::Query;\nuse std::process::Command;\n\nasync fn run(Query(q): Query<String>) {{\n    {}\n    Command::new(&q).output().unwrap();\n    {}\n}}\n",
        "{ ".repeat(blocks),
        " }".repeat(blocks)
    );
    let tmp = branch_adding(&[("app/hidden.py", &python), ("src/hidden.rs", &rust)]);
    let (code, report, stderr) = scan(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        has(&report, "shell-command-built", "app/hidden.py", 6),
        "{:?}",
        findings(&report)
    );
    assert!(
        has(&report, "shell-command-built", "src/hidden.rs", 6),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn long_attribute_and_call_chains_in_a_handler_take_linear_time() {
    // The authz route model walks every node of a handler: 10,000-deep chains took over a minute.
    let n = 20_000;
    let handler = |expr: String| {
        format!(
            "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/notes/<int:note_id>')\ndef show(note_id):\n    x = {expr}\n    return x\n"
        )
    };
    let attr = handler(format!("note_id{}", ".b".repeat(n)));
    let call = handler(format!("{}note_id{}", "get(".repeat(n), ")".repeat(n)));
    let chain = handler(format!(
        "Note.query{}.first()",
        ".filter(note_id)".repeat(n)
    ));
    let tmp = branch_adding(&[
        ("app/attr.py", &attr),
        ("app/call.py", &call),
        ("app/chain.py", &chain),
        ("app/witness.py", WITNESS),
    ]);
    let started = std::time::Instant::now();
    let (code, report, stderr) = scan(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(has(&report, "shell-command-built", "app/witness.py", 5));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn python_nested_past_the_indent_limit_is_skipped_for_code_rules_with_a_reason() {
    // 2,000 nested `if`s around a string made tree-sitter-python's scanner abort the process.
    let (token_line, tokens) = fake::expand_fakes("TOKEN = '{{fake-checksum:ghp_:36}}'\n");
    let mut deep: String = (0..2_000)
        .map(|i| format!("{}if True:\n", " ".repeat(i)))
        .collect();
    deep.push_str(&" ".repeat(2_000));
    deep.push_str("x = 'text'\n");
    deep.push_str(&token_line);
    let tmp = branch_adding(&[("app/deep.py", &deep), ("app/witness.py", WITNESS)]);
    let (code, report, stderr) = scan(tmp.path(), &["--fail-on", "high"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(has(&report, "shell-command-built", "app/witness.py", 5));
    // Its secrets are still found (and redacted)…
    let token_found = findings(&report)
        .iter()
        .any(|(r, p, l)| r == "github-token" && p == "app/deep.py" && *l == 2_002);
    assert!(token_found, "{:?}", findings(&report));
    assert!(!report.to_string().contains(&tokens[0]));
    // …and the report names the file and why code rules skipped it.
    let skipped = report["scan"]["skipped"].as_array().unwrap();
    let entry = skipped
        .iter()
        .find(|s| s["path"] == "app/deep.py")
        .unwrap_or_else(|| panic!("{skipped:?}"));
    assert_eq!(entry["reason"], "not-parsed", "{entry}");
    assert!(
        entry["error"]
            .as_str()
            .unwrap()
            .contains("more than 100 levels"),
        "{entry}"
    );
    // The table names it too.
    let table = secreview()
        .arg("scan")
        .arg(tmp.path())
        .args(["--base", "main"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("app/deep.py: code rules skipped"), "{text}");
}

#[test]
fn jobs_are_capped_with_a_note_and_zero_means_every_core() {
    let tmp = branch_adding(&[("app/witness.py", WITNESS)]);
    for jobs in ["100000", "0"] {
        let started = std::time::Instant::now();
        let (code, report, stderr) = scan(tmp.path(), &["--jobs", jobs]);
        assert_eq!(code, 1, "{stderr}");
        assert!(has(&report, "shell-command-built", "app/witness.py", 5));
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(
            stderr.contains("note: --jobs 100000 is more than the 64 allowed; using 64"),
            jobs == "100000",
            "{stderr}"
        );
    }
    // The branch's own config cannot ask for more either.
    std::fs::write(tmp.path().join(".secreview.toml"), "jobs = 100000\n").unwrap();
    let (code, _, stderr) = scan(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("using 64"), "{stderr}");
}

#[test]
fn cr_only_line_endings_report_the_right_line() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("app/views.py", "import os\rx = 1\r")]);
    repo::branch(&r, "feature");
    let py = "import os\rfrom flask import request\r\rdef h():\r    x = 1\r    os.system(request.args['c'])\r";
    let rs = "use axum::extract::Query;\ruse std::process::Command;\r\rasync fn run(Query(q): Query<String>) {\r    Command::new(&q).output().unwrap();\r}\r";
    repo::write(tmp.path(), &[("app/views.py", py), ("src/run.rs", rs)]);
    repo::commit_all(&r, "cr only");
    let (code, report, stderr) = scan(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        has(&report, "shell-command-built", "app/views.py", 6),
        "{:?}",
        findings(&report)
    );
    assert!(
        has(&report, "shell-command-built", "src/run.rs", 5),
        "{:?}",
        findings(&report)
    );
    // The unchanged first line is not "added": only lines 2..=6 are.
    let (_, all, _) = scan(tmp.path(), &["--all"]);
    assert!(has(&all, "shell-command-built", "app/views.py", 6));
    // A suppression on the line above covers exactly that line.
    let suppressed = py.replace(
        "    os.system",
        "    # secreview: ignore[shell-command-built] fixed command in tests\r    os.system",
    );
    repo::write(tmp.path(), &[("app/views.py", &suppressed)]);
    repo::commit_all(&r, "suppressed");
    let (_, report, _) = scan(tmp.path(), &[]);
    assert!(
        !findings(&report)
            .iter()
            .any(|(r, p, _)| r == "shell-command-built" && p == "app/views.py"),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn a_branch_rule_with_a_query_nested_too_deep_is_a_clear_error() {
    // tree-sitter parses queries recursively: a rule in the branch's own `rules_dirs` aborted the scan.
    let rule =
        std::fs::read_to_string(repo::workspace().join("rules/injection/yaml-load-unsafe.toml"))
            .unwrap();
    let head = &rule[..rule.find("[[query]]").unwrap()];
    let head = head
        .replace("id = \"yaml-load-unsafe\"", "id = \"deep-query\"")
        .replace("pack = \"injection\"", "pack = \"custom\"");
    let n = 50_000;
    let deep = format!(
        "{head}[[query]]\nlanguage = \"python\"\npattern = '''\n{}call{} @match\n'''\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let tmp = branch_adding(&[
        ("security/rules/custom/deep-query.toml", &deep),
        (".secreview.toml", "rules_dirs = [\"security/rules\"]\n"),
        ("app/witness.py", WITNESS),
    ]);
    let out = secreview()
        .arg("scan")
        .arg(tmp.path())
        .args(["--base", "main"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nests 50000 levels"), "{stderr}");
}

#[test]
fn thousands_of_variables_and_branches_take_linear_time() {
    // Each branch copied the whole environment: 3,000 variables and 3,000 `if`s took half a minute.
    let n = 8_000;
    let py: String = "def f(a):\n".to_owned()
        + &(0..n)
            .map(|i| format!("    x{i} = a\n"))
            .collect::<String>()
        + &"    if a:\n        y = 1\n".repeat(n);
    let rs: String = "fn f(a: &str) {\n".to_owned()
        + &(0..n)
            .map(|i| format!("    let x{i} = a;\n"))
            .collect::<String>()
        + &"    if a.is_empty() { let y = 1; }\n".repeat(n)
        + "}\n";
    let tmp = branch_adding(&[
        ("app/wide.py", &py),
        ("src/wide.rs", &rs),
        ("app/witness.py", WITNESS),
    ]);
    let started = std::time::Instant::now();
    let (code, report, stderr) = scan(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(has(&report, "shell-command-built", "app/witness.py", 5));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}
