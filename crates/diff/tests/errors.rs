//! Every failure is one line that names the problem and says what to do.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestRepo, base};
use secreview_diff::{DiffError, Mode, Options, collect, collect_commits, pre_push_ranges};

fn err(path: &Path, mode: &Mode) -> DiffError {
    collect(path, mode, &Options::default()).unwrap_err()
}

/// One line, with a hint.
fn assert_actionable(e: &DiffError) -> String {
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "not one line: {msg}");
    assert!(msg.contains("  hint: "), "no hint: {msg}");
    msg
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("system git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn not_a_repository_is_an_error_outside_all_mode() {
    let dir = tempfile::TempDir::new().unwrap();
    for mode in [
        Mode::Branch { base: None },
        Mode::Staged,
        Mode::Worktree,
        Mode::range("a..b").unwrap(),
    ] {
        let e = err(dir.path(), &mode);
        assert!(matches!(e, DiffError::NotARepository { .. }), "{e:?}");
        let msg = assert_actionable(&e);
        assert!(msg.contains("is not inside a git repository"), "{msg}");
    }
    let e = collect_commits(dir.path(), None, "HEAD", &Options::default()).unwrap_err();
    assert!(matches!(e, DiffError::NotARepository { .. }), "{e:?}");
}

#[test]
fn missing_path_is_named() {
    let e = err(Path::new("/definitely/not/here"), &Mode::All);
    assert!(matches!(e, DiffError::NoSuchPath { .. }), "{e:?}");
    assert_actionable(&e);
}

#[test]
fn unknown_base_ref_says_how_to_fetch_it() {
    let t = TestRepo::init();
    t.write("a", "1\n");
    t.commit("base");
    let e = err(t.path(), &base("release/9"));
    let msg = assert_actionable(&e);
    assert!(msg.starts_with("unknown base ref `release/9`: "), "{msg}");
    assert!(msg.ends_with("hint: git fetch origin release/9"), "{msg}");

    let e = err(t.path(), &base("origin/dev"));
    assert!(assert_actionable(&e).ends_with("hint: git fetch origin dev"));
}

#[test]
fn no_default_base_asks_for_base() {
    let t = TestRepo::init();
    t.write("a", "1\n");
    t.commit("base");
    t.branch("trunk");
    t.checkout("trunk");
    t.repo
        .find_branch("main", git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    let e = err(t.path(), &Mode::Branch { base: None });
    assert!(matches!(e, DiffError::NoDefaultBase), "{e:?}");
    assert!(assert_actionable(&e).contains("pass --base"));
    assert!(matches!(
        secreview_diff::default_base(t.path()),
        Err(DiffError::NoDefaultBase)
    ));
}

#[test]
fn shallow_clone_gives_clear_error() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("one");
    t.write("a.txt", "1\n2\n");
    t.commit("two");
    t.branch("feature");
    t.write("a.txt", "1\n2\n3\n");
    t.commit("main three");
    t.checkout("feature");
    t.write("b.txt", "b\n");
    t.commit("feature work");
    // The remote's HEAD (what a clone's origin/HEAD follows) is main.
    t.checkout("main");

    let clones = tempfile::TempDir::new().unwrap();
    let url = format!("file://{}", t.path().display());
    git(
        clones.path(),
        &[
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--no-single-branch",
            "--branch",
            "feature",
            &url,
            "shallow",
        ],
    );
    let shallow = clones.path().join("shallow");
    assert!(git2::Repository::open(&shallow).unwrap().is_shallow());

    for mode in [base("origin/main"), Mode::Branch { base: None }] {
        let e = err(&shallow, &mode);
        assert!(matches!(e, DiffError::ShallowClone { .. }), "{e:?}");
        let msg = assert_actionable(&e);
        assert!(msg.contains("shallow clone"), "{msg}");
        assert!(msg.contains("fetch-depth: 0"), "{msg}");
    }
}

#[test]
fn unrelated_histories_are_named() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("main root");
    // An orphan branch: a second root commit.
    let mut index = t.repo.index().unwrap();
    index.clear().unwrap();
    index.write().unwrap();
    t.repo.set_head("refs/heads/orphan").unwrap();
    t.write("o.txt", "o\n");
    t.stage("o.txt");
    t.commit_with_parents("orphan root", &[]);

    let e = err(t.path(), &base("main"));
    assert!(matches!(e, DiffError::UnrelatedHistories { .. }), "{e:?}");
    let msg = assert_actionable(&e);
    assert!(msg.contains("no common ancestor"), "{msg}");
}

#[test]
fn bare_repository_has_no_working_tree() {
    let dir = tempfile::TempDir::new().unwrap();
    git2::Repository::init_bare(dir.path()).unwrap();
    for (mode, name) in [
        (Mode::Staged, "staged"),
        (Mode::Worktree, "worktree"),
        (Mode::All, "all"),
    ] {
        let e = err(dir.path(), &mode);
        assert!(
            matches!(e, DiffError::BareRepository { mode, .. } if mode == name),
            "{e:?}"
        );
        assert!(assert_actionable(&e).contains("bare repository"));
    }
}

#[test]
fn unborn_head_is_explained() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    for mode in [
        base("main"),
        Mode::Branch { base: None },
        Mode::range("HEAD~1..HEAD").unwrap(),
    ] {
        let e = err(t.path(), &mode);
        assert!(matches!(e, DiffError::UnbornHead { .. }), "{mode:?}: {e:?}");
        assert!(assert_actionable(&e).contains("no commits yet"));
    }
    let e = collect_commits(t.path(), None, "HEAD", &Options::default()).unwrap_err();
    assert!(matches!(e, DiffError::UnbornHead { .. }), "{e:?}");
}

#[test]
fn bad_range_and_unknown_revisions() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("one");
    let e = err(
        t.path(),
        &Mode::Range {
            from: String::new(),
            to: "HEAD".into(),
        },
    );
    assert!(matches!(e, DiffError::BadRange { .. }), "{e:?}");
    assert_actionable(&e);

    let e = err(t.path(), &Mode::range("nope..HEAD").unwrap());
    assert!(
        matches!(e, DiffError::UnknownRevision { ref name, .. } if name == "nope"),
        "{e:?}"
    );
    assert!(assert_actionable(&e).starts_with("unknown revision `nope`"));
}

#[test]
fn bad_pre_push_line_is_rejected() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("one");
    for line in [
        "refs/heads/main abc",
        "a b c d",
        "refs/heads/x 123 refs/heads/x 456",
    ] {
        let e = pre_push_ranges(t.path(), line).unwrap_err();
        assert!(matches!(e, DiffError::BadPushLine { .. }), "{e:?}");
        assert_actionable(&e);
    }
}
