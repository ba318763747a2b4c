//! Command-line ergonomics: typos get a clear error and a hint, values are case-insensitive, CI clones get the
//! fix that applies to them.

// Skipped tests say why on stderr; the shared repository builder is written in the e2e suite's style.
#![allow(clippy::single_match_else, clippy::print_stderr)]

#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use assert_cmd::Command;

fn secreview(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("secreview")
        .unwrap()
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn unknown_output_format_prefix_is_an_error_not_a_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    let out = secreview(tmp.path(), &["scan", "--all", "--output", "sarf=x.sarif"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown output format `sarf`"),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("sarf=x.sarif").exists());
    // A path with `=` after a directory is still a file.
    let out = secreview(tmp.path(), &["scan", "--all", "--output", "./out=1.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(tmp.path().join("out=1.txt").exists());
}

#[test]
fn values_are_case_insensitive_and_percent_confidence_gets_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    repo::init(tmp.path(), &[("a.py", "x = 1\n")]);
    let out = secreview(
        tmp.path(),
        &["scan", "--all", "--fail-on", "HIGH", "--format", "JSON"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON output");
    let out = secreview(tmp.path(), &["scan", "--all", "--min-confidence", "80"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean 0.8?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explain_suggests_the_closest_rule_ids() {
    let tmp = tempfile::tempdir().unwrap();
    for (guess, meant) in [
        ("sql-injection", "sql-string-built"),
        ("sql-sting-built", "sql-string-built"),
        ("idor", "route-missing-ownership-check"),
    ] {
        let out = secreview(tmp.path(), &["explain", guess]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("did you mean {meant}")),
            "{guess}: {err}"
        );
    }
}

#[test]
fn shallow_single_branch_clone_says_it_is_shallow() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let r = repo::init(&src, &[("a.py", "x = 1\n")]);
    repo::branch(&r, "feature");
    repo::write(&src, &[("b.py", "y = 2\n")]);
    repo::commit_all(&r, "feature");
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", src.display());
    let ok = std::process::Command::new("git")
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            "--single-branch",
            "--branch",
            "feature",
            &url,
        ])
        .arg(&clone)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = secreview(&clone, &["scan"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("shallow clone") && err.contains("fetch-depth: 0"),
        "{err}"
    );
}

#[test]
fn hook_install_force_keeps_a_foreign_hook_and_runs_it_first() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let r = repo::init(&work, &[("app.py", "x = 1\n")]);
    let remote = tmp.path().join("remote.git");
    git2::Repository::init_bare(&remote).unwrap();
    r.remote("origin", remote.to_str().unwrap()).unwrap();
    let hook = work.join(".git/hooks/pre-push");
    let marker = tmp.path().join("legacy-ran");
    let foreign = |code: i32| {
        format!(
            "#!/bin/sh\nread line\necho \"$line\" > '{}'\nexit {code}\n",
            marker.display()
        )
    };
    std::fs::write(&hook, foreign(0)).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = secreview(&work, &["hook", "install", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let legacy = work.join(".git/hooks/pre-push.legacy");
    assert!(
        std::fs::read_to_string(&legacy)
            .unwrap()
            .contains("legacy-ran")
    );
    let push = || {
        std::process::Command::new("git")
            .args(["push", "-q", "origin", "main"])
            .current_dir(&work)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .output()
            .unwrap()
    };
    let out = push();
    assert!(out.status.success(), "{}", stderr(&out));
    // The legacy hook saw git's pre-push line on its standard input.
    assert!(
        std::fs::read_to_string(&marker)
            .unwrap()
            .starts_with("refs/heads/main ")
    );
    // A failing legacy hook still blocks the push.
    std::fs::write(&legacy, foreign(1)).unwrap();
    repo::write(&work, &[("b.py", "y = 2\n")]);
    repo::commit_all(&r, "more");
    assert!(!push().status.success());
    // Installing again over our own hook keeps the one legacy hook.
    let out = secreview(&work, &["hook", "install", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(legacy.exists());
}

/// The table fits the real terminal (read from the pty, not from `COLUMNS`) and lists the riskiest finding first.
#[test]
fn table_fits_the_terminal_and_puts_the_riskiest_finding_first() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` is not installed, no pseudo-terminal to test with");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (r, _) = repo::from_fixture(tmp.path(), "fastapi-ratings");
    // A committed token in a file that sorts after the routers: by location it would be the last row.
    let (settings, _) = fake::expand_fakes("GH_PAT = \"{{fake-checksum:ghp_:36}}\"\n");
    repo::write(tmp.path(), &[("zz/settings.py", &settings)]);
    repo::commit_all(&r, "settings");
    let bin = assert_cmd::cargo::cargo_bin("secreview");
    for cols in [80, 150] {
        let cmd = format!(
            "stty cols {cols}; {} scan --base main --no-color",
            bin.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(tmp.path())
            .env_remove("COLUMNS")
            .env_remove("CI")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let table: Vec<&str> = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .take_while(|l| !l.is_empty())
            .collect();
        let widest = table.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            widest <= cols && widest > cols - 20,
            "{cols}: {widest}\n{text}"
        );
        if cols == 80 {
            continue;
        }
        // The committed token (critical) is row 1 although its file sorts after the routers.
        let first_row = table.iter().find(|l| l.starts_with("│ 1 ")).unwrap();
        assert!(first_row.contains("critical"), "{text}");
    }
}
