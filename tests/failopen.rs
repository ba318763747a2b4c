//! Never pass what could not be scanned: repositories whose `.git` is a file, damaged objects, pushes without a
//! base branch or of annotated tags, hooks that cannot find the binary, files that are not UTF-8, a reader that
//! closes the pipe early, and symlinked directories leading out of the scanned root. Real repositories built with
//! the `git` CLI in temp dirs, the real binary; anything that could hang runs under a timeout.

#![allow(clippy::print_stderr)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// Long enough for a debug build on a loaded machine; a hang (the truncated-object loop) never ends.
const TIMEOUT: Duration = Duration::from_secs(120);

const INJECTION: &str = "import os\n\n\ndef run(request):\n    os.system(request.args[\"cmd\"])\n";
const INJECTION_RULE: &str = "shell-command-built";

fn secreview() -> Command {
    let mut c = cli::secreview();
    c.timeout(TIMEOUT);
    c
}

/// `git` with a fixed identity and clock, isolated from the user's and the system's configuration.
fn git_cmd(dir: &Path, path_env: Option<&str>) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test Author")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("NO_COLOR", "1")
        .env("SECREVIEW_TODAY", "2026-11-24")
        .env_remove("CI")
        .timeout(TIMEOUT);
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c
}

/// Runs git and asserts success; returns stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir, None).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents).unwrap();
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository on `main` with `app.py`, at `dir` (git directory `.git` unless `git_dir` is given).
fn init(dir: &Path, git_dir: Option<&Path>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut args = vec!["init", "-q", "-b", "main"];
    let sep;
    if let Some(g) = git_dir {
        sep = format!("--separate-git-dir={}", g.display());
        args.push(&sep);
    }
    git(dir, &args);
    write(dir, "app.py", "x = 1\n");
    commit_all(dir, "base");
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scan(dir: &Path, args: &[&str]) -> Output {
    secreview()
        .arg("scan")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// `scan --format json`: (exit code, report).
fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = scan(dir, &[&["--format", "json"], args].concat());
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (code(&out), report)
}

fn rule_hits(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn skipped(report: &Value) -> Vec<(String, String)> {
    report["scan"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

// ---- 5. `.git` is a file -------------------------------------------------------------------------------------

#[test]
fn separate_git_dir_repo_is_scanned_in_every_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let git_dir = tmp.path().join("gitdir");
    init(&work, Some(&git_dir));
    assert!(work.join(".git").is_file());
    // libgit2 guessed the git directory's parent as the work tree: `--all` read this instead of work/app.py.
    let (decoy, decoy_secrets) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    write(tmp.path(), "app.py", &decoy);
    git(&work, &["checkout", "-q", "-b", "feature"]);
    write(&work, "cmd.py", INJECTION);
    commit_all(&work, "feature");

    let want = vec![(INJECTION_RULE.to_owned(), "cmd.py".to_owned())];
    for args in [
        &[][..],
        &["--base", "main"],
        &["--range", "main..feature"],
        &["--all"],
    ] {
        let (code, report) = scan_json(&work, args);
        assert_eq!(rule_hits(&report), want, "{args:?}: {:#}", report["scan"]);
        assert_eq!(code, 1, "{args:?}");
        assert!(
            skipped(&report).is_empty(),
            "{args:?}: {:#}",
            report["scan"]
        );
    }
    // Staged and worktree changes of such a repository are read from the real work tree.
    write(&work, "staged.py", INJECTION);
    git(&work, &["add", "staged.py"]);
    write(&work, "loose.py", INJECTION);
    for (mode, path) in [("--staged", "staged.py"), ("--worktree", "loose.py")] {
        let (code, report) = scan_json(&work, &[mode]);
        assert_eq!(code, 1, "{mode}");
        assert!(
            rule_hits(&report).contains(&(INJECTION_RULE.to_owned(), path.to_owned())),
            "{mode}: {report:#}"
        );
    }
    let out = scan(&work, &["--all", "--format", "json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(decoy_secrets[0].as_str()));

    // Inside the separated git directory there is no work tree: modes that need one say so.
    let out = scan(&git_dir, &["--all"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a working tree"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn linked_worktree_and_submodule_checkouts_are_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let main = tmp.path().join("main");
    init(&main, None);
    let linked = tmp.path().join("linked");
    git(
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            linked.to_str().unwrap(),
        ],
    );
    write(&linked, "cmd.py", INJECTION);
    commit_all(&linked, "feature");
    let (code, report) = scan_json(&linked, &[]);
    assert_eq!(
        rule_hits(&report),
        [(INJECTION_RULE.to_owned(), "cmd.py".to_owned())]
    );
    assert_eq!(code, 1);

    let lib = tmp.path().join("lib");
    init(&lib, None);
    git(
        &main,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            lib.to_str().unwrap(),
            "vendor/lib",
        ],
    );
    commit_all(&main, "add submodule");
    let sub = main.join("vendor/lib");
    assert!(sub.join(".git").is_file());
    git(&sub, &["checkout", "-q", "-b", "feature"]);
    write(&sub, "cmd.py", INJECTION);
    commit_all(&sub, "feature");
    for args in [&[][..], &["--all"]] {
        let (code, report) = scan_json(&sub, args);
        assert_eq!(
            rule_hits(&report),
            [(INJECTION_RULE.to_owned(), "cmd.py".to_owned())],
            "{args:?}: {:#}",
            report["scan"]
        );
        assert_eq!(code, 1);
    }
}

// ---- 6. damaged objects --------------------------------------------------------------------------------------

/// A feature branch whose `big.py` (a blob large enough to compress into many bytes) is the object to damage.
fn repo_with_big_change(dir: &Path) -> String {
    init(dir, None);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    let mut seed = 7u64;
    let mut body = String::new();
    for i in 0..300 {
        let word: String = (0..32)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'a' + u8::try_from((seed >> 59) % 26).unwrap())
            })
            .collect();
        writeln!(body, "line_{i} = \"{word}\"").unwrap();
    }
    write(dir, "big.py", format!("{INJECTION}{body}"));
    commit_all(dir, "feature");
    git(dir, &["rev-parse", "HEAD:big.py"])
}

fn loose_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn make_writable(p: &Path) {
    let mut perm = std::fs::metadata(p).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(p, perm).unwrap();
}

fn assert_names_damaged_object(out: &Output, id: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: git object ") && first.contains(id),
        "{err}"
    );
    assert!(err.contains("git fsck"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn truncated_or_garbled_loose_object_fails_instead_of_hanging() {
    for damage in ["truncate", "garble"] {
        let tmp = tempfile::tempdir().unwrap();
        let id = repo_with_big_change(tmp.path());
        let file = loose_path(tmp.path(), &id);
        make_writable(&file);
        let bytes = std::fs::read(&file).unwrap();
        let damaged = if damage == "truncate" {
            bytes[..bytes.len() / 2].to_vec()
        } else {
            let mut b = bytes.clone();
            let mid = b.len() / 2;
            for x in &mut b[mid..mid + 16] {
                *x ^= 0x5a;
            }
            b
        };
        std::fs::write(&file, damaged).unwrap();
        for args in [&[][..], &["--all"], &["--range", "main..feature"]] {
            let out = scan(tmp.path(), args);
            assert_names_damaged_object(&out, &id);
        }
    }
}

#[test]
fn truncated_tree_object_fails_instead_of_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    repo_with_big_change(tmp.path());
    let id = git(tmp.path(), &["rev-parse", "HEAD^{tree}"]);
    let file = loose_path(tmp.path(), &id);
    make_writable(&file);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
    assert_names_damaged_object(&scan(tmp.path(), &[]), &id);
}

#[test]
fn corrupt_packed_blob_of_a_changed_file_fails_instead_of_being_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let id = repo_with_big_change(tmp.path());
    git(tmp.path(), &["gc", "-q", "--prune=now"]);
    assert!(!loose_path(tmp.path(), &id).exists());
    let idx = std::fs::read_dir(tmp.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let listing = git(tmp.path(), &["verify-pack", "-v", idx.to_str().unwrap()]);
    // `<id> blob <size> <size in pack> <offset>`
    let fields: Vec<&str> = listing
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .split_whitespace()
        .collect();
    let (in_pack, offset): (usize, usize) =
        (fields[3].parse().unwrap(), fields[4].parse().unwrap());
    let pack = idx.with_extension("pack");
    make_writable(&pack);
    let mut bytes = std::fs::read(&pack).unwrap();
    for x in &mut bytes[offset + in_pack / 2..offset + in_pack / 2 + 16] {
        *x ^= 0x5a;
    }
    std::fs::write(&pack, bytes).unwrap();
    assert_names_damaged_object(&scan(tmp.path(), &[]), &id);
}

// ---- 7. pre-push ---------------------------------------------------------------------------------------------

/// `work` (on `branch`, one commit) with a bare `origin` it has not pushed to yet; the hook installed from the
/// binary under test.
fn pushable(tmp: &Path, branch: &str) -> PathBuf {
    let remote = tmp.join("remote.git");
    git(tmp, &["init", "-q", "--bare", remote.to_str().unwrap()]);
    let work = tmp.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", branch]);
    write(&work, "app.py", "x = 1\n");
    commit_all(&work, "base");
    git(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    work
}

fn install_hook(work: &Path) {
    let out = secreview()
        .args(["hook", "install"])
        .current_dir(work)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// `git push` with only the system directories on `PATH`: the hook must not need `secreview` on it.
fn push(work: &Path, args: &[&str]) -> Output {
    git_cmd(work, Some("/usr/bin:/bin"))
        .arg("push")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn pre_push_without_a_base_branch_runs_the_code_rules() {
    let tmp = tempfile::tempdir().unwrap();
    // `trunk`: no origin/HEAD, no main, no master.
    let work = pushable(tmp.path(), "trunk");
    assert!(push(&work, &["-q", "origin", "trunk"]).status.success());
    install_hook(&work);
    git(&work, &["checkout", "-q", "-b", "feature"]);
    write(&work, "cmd.py", INJECTION);
    commit_all(&work, "feature");
    let out = push(&work, &["origin", "feature"]);
    assert!(
        !out.status.success(),
        "push should be blocked: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(INJECTION_RULE), "{}", stderr(&out));
    assert!(stderr(&out).contains("cmd.py"), "{}", stderr(&out));
    // Only what no remote has is reviewed: trunk's app.py was pushed before.
    assert!(!stderr(&out).contains("app.py"), "{}", stderr(&out));
}

#[test]
fn first_push_of_a_repository_scans_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let work = pushable(tmp.path(), "main");
    write(&work, "cmd.py", INJECTION);
    commit_all(&work, "more");
    install_hook(&work);
    // No remote has any of it, and the default base is the branch itself: everything is new.
    let out = push(&work, &["origin", "main"]);
    assert!(
        !out.status.success(),
        "push should be blocked: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(INJECTION_RULE), "{}", stderr(&out));
}

#[test]
fn pre_push_of_an_annotated_tag_runs_the_code_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let work = pushable(tmp.path(), "main");
    assert!(push(&work, &["-q", "origin", "main"]).status.success());
    install_hook(&work);
    git(&work, &["checkout", "-q", "-b", "release"]);
    write(&work, "cmd.py", INJECTION);
    commit_all(&work, "release");
    git(&work, &["tag", "-a", "v1.0", "-m", "release 1.0"]);
    let out = push(&work, &["origin", "v1.0"]);
    assert!(
        !out.status.success(),
        "push should be blocked: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(INJECTION_RULE), "{}", stderr(&out));

    // The protocol itself: a tag object's id is peeled to the commit it tags.
    let tag = git(&work, &["rev-parse", "v1.0"]);
    let commit = git(&work, &["rev-parse", "v1.0^{commit}"]);
    assert_ne!(tag, commit);
    let out = secreview()
        .args(["hook", "pre-push", "origin", "x"])
        .current_dir(&work)
        .write_stdin(format!(
            "refs/tags/v1.0 {tag} refs/tags/v1.0 {}\n",
            "0".repeat(40)
        ))
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains(INJECTION_RULE), "{}", stderr(&out));
}

#[test]
fn installed_hook_runs_the_binary_that_installed_it_and_fails_loudly_without_one() {
    let tmp = tempfile::tempdir().unwrap();
    let work = pushable(tmp.path(), "main");
    assert!(push(&work, &["-q", "origin", "main"]).status.success());
    // A private copy of the binary installs the hook, so it can be taken away afterwards.
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let copy = bin_dir.join("secreview");
    let built = assert_cmd::cargo::cargo_bin("secreview");
    if std::fs::hard_link(&built, &copy).is_err() {
        std::fs::copy(&built, &copy).unwrap();
    }
    let out = std::process::Command::new(&copy)
        .args(["hook", "install"])
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let script = std::fs::read_to_string(work.join(".git/hooks/pre-push")).unwrap();
    assert!(script.contains(copy.to_str().unwrap()), "{script}");

    git(&work, &["checkout", "-q", "-b", "feature"]);
    write(&work, "cmd.py", INJECTION);
    commit_all(&work, "feature");
    // `secreview` is not on PATH; the hook finds the binary that installed it.
    let out = push(&work, &["origin", "feature"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(INJECTION_RULE), "{}", stderr(&out));

    std::fs::remove_file(&copy).unwrap();
    let out = push(&work, &["origin", "feature"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("cannot find the secreview binary"))
        .unwrap_or_else(|| panic!("no clear error: {err}"));
    assert!(line.contains("hook install"), "{line}");
}

// ---- 8. not UTF-8 ----------------------------------------------------------------------------------------------

#[test]
fn latin1_file_is_scanned_for_secrets_and_listed_as_unread_by_code_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, None);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    let (token, secrets) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    let mut bytes = b"# caf\xe9 cr\xe8me (latin-1)\n".to_vec();
    bytes.extend_from_slice(token.as_bytes());
    bytes.extend_from_slice(INJECTION.as_bytes());
    write(dir, "legacy.py", &bytes);
    commit_all(dir, "legacy");

    for args in [&[][..], &["--all"]] {
        let (code, report) = scan_json(dir, args);
        assert_eq!(code, 1, "{args:?}: {report:#}");
        let hits = rule_hits(&report);
        assert!(
            hits.iter()
                .any(|(rule, path)| rule.starts_with("github") && path == "legacy.py"),
            "{args:?}: {hits:?}"
        );
        // Code rules did not read the lossily decoded text, and the report says so.
        assert!(
            !hits.iter().any(|(rule, _)| rule == INJECTION_RULE),
            "{hits:?}"
        );
        assert!(
            skipped(&report).contains(&("legacy.py".to_owned(), "not-utf8".to_owned())),
            "{args:?}: {:#}",
            report["scan"]
        );
        let text = report.to_string();
        assert!(
            !text.contains(secrets[0].as_str()),
            "secret printed: {text}"
        );
    }
    let out = scan(dir, &[]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("skipped legacy.py: not valid UTF-8: code rules skipped"),
        "{table}"
    );
}

// ---- 9. closed stdout ------------------------------------------------------------------------------------------

/// Runs a scan whose stdout is closed before it writes anything; returns the exit code.
fn scan_into_closed_pipe(dir: &Path, args: &[&str]) -> i32 {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("secreview"))
        .arg("scan")
        .arg(dir)
        .args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("scan did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn closed_stdout_keeps_the_gate_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, None);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(dir, "cmd.py", INJECTION);
    commit_all(dir, "feature");
    for format in ["table", "json", "sarif"] {
        assert_eq!(
            scan_into_closed_pipe(dir, &["--format", format]),
            1,
            "{format}"
        );
    }
    assert_eq!(scan_into_closed_pipe(dir, &["--fail-on", "never"]), 0);
    // The hook's report goes to stderr; a closed stderr keeps the decision too.
    let head = git(dir, &["rev-parse", "HEAD"]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("secreview"))
        .args(["hook", "pre-push"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(
            stdin,
            "refs/heads/feature {head} refs/heads/feature {}",
            "0".repeat(40)
        )
        .unwrap();
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

// ---- 10. symlinked directories ----------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn all_never_follows_a_symlinked_parent_directory_out_of_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    let (token, secrets) = fake::expand_fakes("TOKEN = \"{{fake-checksum:ghp_:36}}\"\n");
    write(&outside, "settings.py", &token);
    write(&outside, "cmd.py", INJECTION);

    // A repository whose tracked directory was replaced by a link out of the work tree.
    let repo = tmp.path().join("repo");
    init(&repo, None);
    write(&repo, "conf/settings.py", "DEBUG = False\n");
    write(&repo, "conf/cmd.py", "x = 2\n");
    write(&repo, "inner/ok.py", "y = 3\n");
    commit_all(&repo, "conf");
    std::fs::remove_dir_all(repo.join("conf")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("conf")).unwrap();
    // A link that stays inside the root is fine.
    std::fs::rename(repo.join("inner"), repo.join("inner-real")).unwrap();
    std::os::unix::fs::symlink(repo.join("inner-real"), repo.join("inner")).unwrap();

    // A plain directory with a linked subdirectory.
    let plain = tmp.path().join("plain");
    write(&plain, "app.py", "x = 1\n");
    std::os::unix::fs::symlink(&outside, plain.join("conf")).unwrap();

    for dir in [&repo, &plain] {
        let (code, report) = scan_json(dir, &["--all"]);
        let text = report.to_string();
        assert!(
            rule_hits(&report).is_empty(),
            "{}: {:#}",
            dir.display(),
            report
        );
        assert_eq!(code, 0);
        assert!(!text.contains(&secrets[0][..12]), "{text}");
        let skipped = skipped(&report);
        if dir == &repo {
            assert!(
                skipped.contains(&("conf/settings.py".to_owned(), "outside-root".to_owned())),
                "{skipped:?}"
            );
            assert!(
                skipped.contains(&("conf/cmd.py".to_owned(), "outside-root".to_owned())),
                "{skipped:?}"
            );
            assert!(
                !skipped.iter().any(|(p, _)| p == "inner/ok.py"),
                "{skipped:?}"
            );
            assert_eq!(report["scan"]["files_skipped"], 2);
        } else {
            assert_eq!(skipped, [("conf".to_owned(), "symlink".to_owned())]);
        }
    }
}
