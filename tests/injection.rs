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
