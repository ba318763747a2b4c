//! The project view: facts defined in modules the changed files import, with evidence from those files.

#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use serde_json::Value;

fn scan(dir: &std::path::Path, extra: &[&str]) -> (Value, String) {
    let out = cli::secreview()
        .args([
            "scan",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn evidence_paths(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["location"]["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn imported_auth_alias_is_evidence_from_the_module_that_defines_it() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-layered");
    let (report, stderr) = scan(tmp.path(), &["--stats"]);
    let idor = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule_id"] == "route-missing-ownership-check" && f["location"]["start_line"] == 37
        })
        .expect("the IDOR in replace_document");
    assert!(
        evidence_paths(idor).contains(&"app/api/deps.py".to_owned()),
        "{idor:#}"
    );
    // Only deps.py and what it imports are read, not the whole tree.
    assert!(stderr.contains("read for context"), "{stderr}");
}

#[test]
fn demo_rating_bug_shows_where_the_caller_is_authenticated() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-ratings");
    let (report, _) = scan(tmp.path(), &[]);
    let idors: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "route-missing-ownership-check")
        .collect();
    assert_eq!(idors.len(), 2);
    for f in idors {
        assert!(f["confidence"].as_f64().unwrap() >= 0.8, "{f:#}");
        assert!(
            evidence_paths(f).contains(&"app/auth.py".to_owned()),
            "{f:#}"
        );
    }
}

#[test]
fn pre_push_hook_sees_imported_guards_of_the_pushed_tip() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let (r, _) = repo::from_fixture(&work, "fastapi-layered");
    let remote = tmp.path().join("remote.git");
    git2::Repository::init_bare(&remote).unwrap();
    r.remote("origin", remote.to_str().unwrap()).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&work)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    git(&["push", "-q", "--no-verify", "origin", "main"]);
    let tip = git(&["rev-parse", "feature"]);
    let out = cli::secreview()
        .args(["hook", "pre-push", "origin"])
        .arg(remote.to_str().unwrap())
        .current_dir(&work)
        .write_stdin(format!(
            "refs/heads/feature {tip} refs/heads/feature {}\n",
            "0".repeat(40)
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Only the imported `Caller` alias shows that the siblings authenticate and `restore_document` does not.
    assert!(stderr.contains("route-missing-authentication"), "{stderr}");
    assert!(stderr.contains("app/api/deps.py"), "{stderr}");
}

#[test]
fn mock_patch_decorators_are_not_patch_routes() {
    let tmp = tempfile::tempdir().unwrap();
    repo::write(
        tmp.path(),
        &[(
            "app/test_views.py",
            "from unittest import mock\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n\
             @router.patch(\"/notes/{note_id}\")\ndef edit_note(note_id: int):\n    return {}\n\n\n\
             @mock.patch(\"app.mail.send\")\ndef test_edit_sends_mail(send):\n    assert send.called\n",
        )],
    );
    let out = cli::secreview()
        .env("NO_COLOR", "1")
        .args(["routes", "--all"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("edit_note"), "{table}");
    assert!(!table.contains("test_edit_sends_mail"), "{table}");
}

#[test]
fn service_layer_idor_shows_every_layer_and_the_router_guard() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-service-layer");
    let (report, _) = scan(tmp.path(), &[]);
    let findings = report["findings"].as_array().unwrap();
    let rename = findings
        .iter()
        .find(|f| {
            f["rule_id"] == "route-missing-ownership-check" && f["location"]["start_line"] == 38
        })
        .expect("the IDOR in rename_board");
    let paths = evidence_paths(rename);
    // The load two layers down, the owned model, and the router-level guard in the wiring module.
    for p in [
        "app/repositories/boards.py",
        "app/models.py",
        "app/api/main.py",
    ] {
        assert!(paths.contains(&p.to_owned()), "{p}: {rename:#}");
    }
    assert!(rename["confidence"].as_f64().unwrap() >= 0.9, "{rename:#}");
    // The staff router's guard (`require_staff`, a 403 on `is_staff`) covers the purge route.
    assert!(
        !findings
            .iter()
            .any(|f| f["location"]["path"] == "app/api/routes/staff.py"),
        "{report:#}"
    );
}

/// `secreview routes ARGS` on a real repository of the `fastapi-service-layer` fixture, with a wide table.
fn routes_of_service_layer(args: &[&str]) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "fastapi-service-layer");
    cli::secreview()
        .env("COLUMNS", "400")
        .arg("routes")
        .args(args)
        .arg(tmp.path())
        .output()
        .unwrap()
}

#[test]
fn routes_say_where_auth_and_ownership_come_from() {
    let out = routes_of_service_layer(&["--base", "main"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let row = |handler: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {handler} ")))
            .unwrap_or_else(|| panic!("no row for {handler}: {text}"))
            .to_owned()
    };
    // Authentication from the router registration in the wiring module; the check two layers down; the owner
    // relation from the model.
    let read = row("read_board");
    assert!(read.contains("auth: app/api/main.py:12"), "{read}");
    assert!(
        read.contains("checks: app/repositories/boards.py:18"),
        "{read}"
    );
    assert!(read.contains("owned: app/models.py"), "{read}");
    // The unchecked twin has no `checks:` clause; the staff route has a role.
    assert!(!row("rename_board").contains("checks:"), "{text}");
    let purge = row("purge_board");
    assert!(purge.contains("┆ yes  ┆ yes  ┆ yes"), "{purge}");
}

#[test]
fn routes_json_lists_every_handler_with_its_whole_evidence() {
    let out = routes_of_service_layer(&["--base", "main", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let routes: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_handler = |h: &str| {
        routes
            .iter()
            .find(|r| r["handler"] == h)
            .unwrap_or_else(|| panic!("no route {h}: {routes:#?}"))
    };
    let read = by_handler("read_board");
    assert_eq!(read["authenticated"], true, "{read:#}");
    // The table cuts long evidence; JSON keeps the whole location and note.
    assert!(
        read["auth_from"]
            .as_str()
            .unwrap()
            .starts_with("app/api/main.py:12"),
        "{read:#}"
    );
    assert!(
        read["ownership_from"]
            .as_str()
            .unwrap()
            .starts_with("app/repositories/boards.py:18"),
        "{read:#}"
    );
    assert_eq!(by_handler("rename_board")["ownership_checked"], false);
    let purge = by_handler("purge_board");
    assert_eq!(purge["role_checked"], true, "{purge:#}");
}

#[test]
fn routes_rejects_an_unknown_format() {
    let out = routes_of_service_layer(&["--all", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}
