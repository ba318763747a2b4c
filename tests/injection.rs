//! The injection pack's regression rules on real repositories: a check the branch removed re-opens a flow whose
//! sink line the branch did not touch, and the finding cites the base line of the check.

// `single_match_else` is for the shared support module.
#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

const BASE: &str = r#"from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED = {"img.example.com"}


@app.route("/fetch")
def fetch():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED:
        abort(400)
    return requests.get(url, timeout=5).text
"#;

/// The findings (rule id, line, evidence notes) of `main` → `feature`, where `feature` holds `head`.
fn scan_change(head: &str) -> Vec<(String, u64, Vec<String>)> {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo::init(tmp.path(), &[("app.py", BASE)]);
    repo::branch(&repo, "feature");
    repo::write(tmp.path(), &[("app.py", head)]);
    repo::commit_all(&repo, "change");
    let (out, json) = cli::scan_branch_json(tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let notes = f["evidence"]
                .as_array()
                .map(|e| {
                    e.iter()
                        .map(|x| x["note"].as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["start_line"].as_u64().unwrap(),
                notes,
            )
        })
        .collect()
}

#[test]
fn removed_host_check_is_reported_at_the_unchanged_request() {
    let head = BASE.replace(
        "    if urlparse(url).hostname not in ALLOWED:\n        abort(400)\n",
        "",
    );
    let found = scan_change(&head);
    let hit = found
        .iter()
        .find(|(id, _, _)| id == "ssrf-check-removed")
        .unwrap_or_else(|| panic!("no ssrf-check-removed in {found:?}"));
    assert_eq!(hit.1, 13, "reported at the request line: {found:?}");
    assert!(
        hit.2
            .iter()
            .any(|n| n.contains("base line 13") && n.contains("hostname not in ALLOWED")),
        "the evidence cites the removed check: {:?}",
        hit.2
    );
}

#[test]
fn check_rewritten_as_strictly_is_not_reported() {
    let head = BASE.replace(
        "    if urlparse(url).hostname not in ALLOWED:\n",
        "    if urlparse(url).hostname not in ALLOWED or not url.startswith(\"https://\"):\n",
    );
    let found = scan_change(&head);
    assert!(
        !found.iter().any(|(id, _, _)| id == "ssrf-check-removed"),
        "{found:?}"
    );
}

/// A parameter flow is judged by the project's calls of its function, in files the branch did not touch: a
/// helper only ever given constants is silent, one given something else keeps its finding with that call as
/// evidence, and one nothing calls (an entry point for code outside the project) is at most low severity.
#[test]
fn parameter_flows_are_judged_by_their_callers_in_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let jobs = "from app.tools import run_report, archive\nfrom app import tools as t\n\nWEEKLY = \"weekly\"\n\n\
                def nightly():\n    run_report(\"daily\")\n    run_report(WEEKLY)\n\n\
                def forward(kind):\n    t.run_report(kind)\n\n\
                def go():\n    forward(\"monthly\")\n\n\
                def pack(names):\n    for n in names:\n        archive(n)\n";
    let repo = repo::init(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/jobs.py", jobs),
            ("app/tools.py", "import os\n"),
        ],
    );
    repo::branch(&repo, "feature");
    let tools = "import os\nimport subprocess\n\n\n\
                 def run_report(kind):\n    subprocess.run(\"report --kind \" + kind, shell=True)\n\n\n\
                 def archive(path):\n    os.system(\"tar czf out.tgz \" + path)\n\n\n\
                 def purge(cursor, table):\n    cursor.execute(\"DELETE FROM \" + table)\n";
    repo::write(tmp.path(), &[("app/tools.py", tools)]);
    repo::commit_all(&repo, "tools");
    let (out, json) = cli::scan_branch_json(tmp.path());
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    let findings = json["findings"].as_array().unwrap();
    let at = |line: u64| {
        findings
            .iter()
            .find(|f| f["location"]["start_line"] == line)
    };
    assert!(at(6).is_none(), "constant callers only: {json:#}");
    let archive = at(10).expect("an open caller keeps the finding");
    assert_eq!(archive["severity"], "high", "{archive:#}");
    let evidence = &archive["evidence"][0]["location"];
    assert_eq!(
        (evidence["path"].as_str(), evidence["start_line"].as_u64()),
        (Some("app/jobs.py"), Some(18)),
        "{archive:#}"
    );
    let purge = at(14).expect("an uncalled helper is still reported");
    assert_eq!(purge["rule_id"], "sql-string-built");
    assert_eq!(purge["severity"], "low", "{purge:#}");
    assert_eq!(findings.len(), 2, "{json:#}");
}
