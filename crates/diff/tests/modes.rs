//! Each scan mode against real repositories.

mod common;

use std::fmt::Write as _;

use common::{TestRepo, base, file, lines, paths};
use secreview_diff::{Mode, Options, collect, default_base};
use secreview_model::{FileStatus, SkipReason};

#[test]
fn branch_mode_reports_only_added_lines() {
    let t = TestRepo::init();
    t.write("app.py", "import os\nx = 1\nprint(x)\n");
    let base_commit = t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("app.py", "import os\nx = 2\nprint(x)\nos.system(x)\n");
    let head = t.commit("change");

    let set = t.collect(&base("main"));
    assert_eq!(paths(&set), ["app.py"]);
    let f = file(&set, "app.py");
    assert_eq!(f.status, FileStatus::Modified);
    assert_eq!(lines(&f.added), [2, 4]);
    assert_eq!(lines(&f.removed), [2]);
    assert_eq!(f.new_text, "import os\nx = 2\nprint(x)\nos.system(x)\n");
    assert_eq!(f.old_text.as_deref(), Some("import os\nx = 1\nprint(x)\n"));
    assert_eq!(f.old_path.as_deref(), Some("app.py"));
    assert_eq!(f.commit, None);
    assert_eq!(f.disk_path.as_deref(), Some(t.abs("app.py").as_path()));

    let m = &set.meta;
    assert_eq!(m.mode, "branch");
    assert_eq!(m.base.as_deref(), Some("main"));
    assert_eq!(m.merge_base, Some(base_commit.to_string()));
    assert_eq!(m.head, Some(head.to_string()));
    assert_eq!(m.branch.as_deref(), Some("feature"));
    assert_eq!((m.commits, m.files_scanned, m.files_skipped), (1, 1, 0));
    assert_eq!(m.duration_ms, 0);
}

#[test]
fn branch_mode_diffs_against_the_merge_base() {
    let t = TestRepo::init();
    t.write("shared.py", "a = 1\n");
    let fork = t.commit("base");
    t.branch("feature");
    // main moves on after the branch point: none of this is the branch's change.
    t.write("shared.py", "a = 1\nb = 2\n")
        .write("main_only.py", "m = 1\n");
    t.commit("main moves on");
    t.checkout("feature");
    t.write("feature.py", "f = 1\n");
    t.commit("feature work");

    let set = t.collect(&base("main"));
    assert_eq!(paths(&set), ["feature.py"]);
    assert_eq!(set.meta.merge_base, Some(fork.to_string()));
    assert_eq!(set.meta.commits, 1);
    assert_eq!(file(&set, "feature.py").status, FileStatus::Added);
    assert_eq!(file(&set, "feature.py").old_path, None);
    assert_eq!(file(&set, "feature.py").old_text, None);
}

#[test]
fn branch_mode_without_base_uses_the_default_base() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("a.txt", "1\n2\n");
    t.commit("two");
    assert_eq!(default_base(t.path()).unwrap(), "main");
    let set = t.collect(&Mode::Branch { base: None });
    assert_eq!(set.meta.base.as_deref(), Some("main"));
    assert_eq!(lines(&file(&set, "a.txt").added), [2]);
}

#[test]
fn default_base_prefers_the_remote_head() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    let c = t.commit("base");
    t.repo
        .reference("refs/remotes/origin/trunk", c, false, "test")
        .unwrap();
    t.repo
        .reference_symbolic(
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
            false,
            "test",
        )
        .unwrap();
    assert_eq!(default_base(t.path()).unwrap(), "origin/trunk");
}

#[test]
fn base_name_falls_back_to_the_remote_tracking_branch() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    let c = t.commit("base");
    t.repo
        .reference("refs/remotes/origin/develop", c, false, "test")
        .unwrap();
    t.write("a.txt", "1\n2\n");
    t.commit("two");
    let set = t.collect(&base("develop"));
    assert_eq!(set.meta.base.as_deref(), Some("origin/develop"));
    assert_eq!(lines(&file(&set, "a.txt").added), [2]);
}

#[test]
fn empty_diff_gives_no_files() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    t.commit("base");
    let set = t.collect(&base("main"));
    assert!(set.files.is_empty() && set.skipped.is_empty());
    assert_eq!(set.meta.files_scanned, 0);
}

#[test]
fn staged_mode_sees_the_index_not_the_disk() {
    let t = TestRepo::init();
    t.write("a.py", "a = 1\n").write("b.py", "b = 1\n");
    t.commit("base");
    t.write("a.py", "a = 1\nstaged = 2\n");
    t.stage("a.py");
    // Edited after staging, and an unstaged edit of another file: neither is in the commit being prepared.
    t.write("a.py", "a = 1\nstaged = 2\nunstaged = 3\n");
    t.write("b.py", "b = 2\n");

    let set = t.collect(&Mode::Staged);
    assert_eq!(paths(&set), ["a.py"]);
    let f = file(&set, "a.py");
    assert_eq!(f.new_text, "a = 1\nstaged = 2\n");
    assert_eq!(lines(&f.added), [2]);
    assert_eq!(set.meta.mode, "staged");
    assert_eq!(set.meta.head, Some(t.head().to_string()));
}

#[test]
fn staged_mode_before_the_first_commit_sees_everything_staged() {
    let t = TestRepo::init();
    t.write("a.py", "a = 1\n");
    t.stage("a.py");
    let set = t.collect(&Mode::Staged);
    assert_eq!(paths(&set), ["a.py"]);
    assert_eq!(set.meta.head, None);
}

#[test]
fn worktree_mode_reads_disk_and_includes_untracked_files() {
    let t = TestRepo::init();
    t.write(".gitignore", "*.log\n")
        .write("staged.py", "s = 1\n")
        .write("edited.py", "e = 1\n")
        .write("gone.py", "g = 1\n");
    t.commit("base");
    t.write("staged.py", "s = 1\ns2 = 2\n");
    t.stage("staged.py");
    t.write("staged.py", "s = 1\ns2 = 2\ns3 = 3\n");
    t.write("edited.py", "e = 2\n");
    t.write("new/untracked.py", "u = 1\nu2 = 2\n");
    t.write("debug.log", "ignored\n");
    t.remove("gone.py");

    let set = t.collect(&Mode::Worktree);
    assert_eq!(paths(&set), ["edited.py", "new/untracked.py", "staged.py"]);
    let staged = file(&set, "staged.py");
    assert_eq!(
        staged.new_text, "s = 1\ns2 = 2\ns3 = 3\n",
        "new text comes from disk"
    );
    assert_eq!(lines(&staged.added), [2, 3]);
    assert_eq!(lines(&file(&set, "edited.py").added), [1]);
    let untracked = file(&set, "new/untracked.py");
    assert_eq!(untracked.status, FileStatus::Added);
    assert_eq!(lines(&untracked.added), [1, 2]);
    assert_eq!(set.skipped.len(), 1);
    assert_eq!(set.skipped[0].path, "gone.py");
    assert_eq!(set.skipped[0].reason, SkipReason::Deleted);
    assert_eq!(set.meta.mode, "worktree");
}

#[test]
fn worktree_crlf_checkout_of_lf_blob_marks_only_real_changes() {
    let t = TestRepo::init();
    t.write("a.txt", "one\ntwo\nthree\n");
    t.commit("base");
    // What a `core.autocrlf=true` checkout leaves on disk, plus one real edit.
    t.write("a.txt", "one\r\nTWO\r\nthree\r\n");
    let set = t.collect(&Mode::Worktree);
    let f = file(&set, "a.txt");
    assert_eq!(lines(&f.added), [2]);
    assert_eq!(lines(&f.removed), [2]);
    assert_eq!(f.new_text, "one\r\nTWO\r\nthree\r\n", "text kept as-is");
}

#[test]
fn range_mode_is_a_plain_two_tree_diff() {
    let t = TestRepo::init();
    t.write("a.txt", "1\n");
    let a = t.commit("a");
    t.write("a.txt", "1\n2\n");
    t.commit("b");
    t.write("b.txt", "x\n");
    let c = t.commit("c");

    let set = t.collect(&Mode::Range {
        from: a.to_string(),
        to: c.to_string(),
    });
    assert_eq!(paths(&set), ["a.txt", "b.txt"]);
    assert_eq!(lines(&file(&set, "a.txt").added), [2]);
    assert_eq!(set.meta.mode, "range");
    assert_eq!(set.meta.base, Some(a.to_string()));
    assert_eq!(set.meta.head, Some(c.to_string()));
    assert_eq!(set.meta.merge_base, None);
    assert_eq!(set.meta.commits, 2);
    assert_eq!(file(&set, "a.txt").disk_path, None);

    // `HEAD~2..` means `HEAD~2..HEAD`.
    let parsed = Mode::range("HEAD~2..").unwrap();
    assert_eq!(
        parsed,
        Mode::Range {
            from: "HEAD~2".into(),
            to: "HEAD".into()
        }
    );
    assert_eq!(paths(&t.collect(&parsed)), ["a.txt", "b.txt"]);
}

#[test]
fn range_syntax_is_parsed_or_rejected() {
    assert_eq!(
        Mode::range("main..feature").unwrap(),
        Mode::Range {
            from: "main".into(),
            to: "feature".into()
        }
    );
    assert_eq!(
        Mode::range("..v2").unwrap(),
        Mode::Range {
            from: "HEAD".into(),
            to: "v2".into()
        }
    );
    for bad in ["main", "..", "a...b", "a..b..c", ""] {
        let err = Mode::range(bad).unwrap_err().to_string();
        assert!(err.starts_with(&format!("bad range `{bad}`")), "{err}");
        assert!(err.contains("hint:") && !err.contains('\n'), "{err}");
    }
}

#[test]
fn renamed_file_keeps_new_path_and_old_path() {
    let t = TestRepo::init();
    let body = (1..=20).fold(String::new(), |mut s, i| {
        writeln!(s, "line {i}").unwrap();
        s
    });
    t.write("old/name.py", &body);
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.remove("old/name.py");
    t.write("new/name.py", body.replace("line 7\n", "line seven\n"));
    t.commit("move");

    let set = t.collect(&base("main"));
    assert_eq!(paths(&set), ["new/name.py"]);
    assert!(set.skipped.is_empty(), "{:?}", set.skipped);
    let f = file(&set, "new/name.py");
    assert_eq!(f.status, FileStatus::Renamed);
    assert_eq!(f.old_path.as_deref(), Some("old/name.py"));
    assert_eq!(lines(&f.added), [7]);
    assert_eq!(lines(&f.removed), [7]);
    assert_eq!(f.old_text.as_deref(), Some(body.as_str()));

    // Without rename detection: an added file and a counted deletion.
    let opts = Options {
        detect_renames: false,
        ..Options::default()
    };
    let set = collect(t.path(), &base("main"), &opts).unwrap();
    let f = file(&set, "new/name.py");
    assert_eq!(f.status, FileStatus::Added);
    assert_eq!(f.added.len(), 20);
    assert_eq!(set.skipped.len(), 1);
    assert_eq!(set.skipped[0].reason, SkipReason::Deleted);
}

#[test]
fn unscannable_files_are_skipped_and_counted() {
    let t = TestRepo::init();
    t.write(".gitattributes", "*.lock binary\n")
        .write("keep.py", "k = 1\n")
        .write("doomed.py", "d = 1\n");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("bin.dat", b"PK\x03\x04\x00\x00binary")
        .write("latin1.txt", b"caf\xe9\n")
        .write("big.txt", "x".repeat(5000))
        .write("deps.lock", "text but marked binary\n")
        .write("keep.py", "k = 2\n")
        .remove("doomed.py");
    std::os::unix::fs::symlink("keep.py", t.abs("link.py")).unwrap();
    t.stage_all();
    // A submodule is a gitlink entry in the tree.
    let mut index = t.repo.index().unwrap();
    index
        .add(&git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o160_000,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: t.head(),
            flags: 0,
            flags_extended: 0,
            path: b"vendor/sub".to_vec(),
        })
        .unwrap();
    index.write().unwrap();
    t.commit_index("many kinds");

    let opts = Options {
        max_file_bytes: 1000,
        ..Options::default()
    };
    let set = collect(t.path(), &base("main"), &opts).unwrap();
    // Not UTF-8: scanned for secrets (lossily decoded) and listed as skipped by the code rules.
    assert_eq!(paths(&set), ["keep.py", "latin1.txt"]);
    let latin1 = file(&set, "latin1.txt");
    assert!(latin1.lossy && !file(&set, "keep.py").lossy);
    assert_eq!(latin1.new_text, "caf\u{fffd}\n");
    let skipped: Vec<(&str, &SkipReason)> = set
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "big.txt",
                &SkipReason::TooLarge {
                    bytes: 5000,
                    limit: 1000
                }
            ),
            ("bin.dat", &SkipReason::Binary),
            ("deps.lock", &SkipReason::MarkedBinary),
            ("doomed.py", &SkipReason::Deleted),
            ("latin1.txt", &SkipReason::NotUtf8),
            ("link.py", &SkipReason::Symlink),
            ("vendor/sub", &SkipReason::Submodule),
        ]
    );
    assert_eq!((set.meta.files_scanned, set.meta.files_skipped), (2, 7));
}

#[test]
fn crlf_files_get_correct_line_numbers() {
    let t = TestRepo::init();
    t.write("win.txt", "a\r\nb\r\nc\r\n");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("win.txt", "a\r\nB\r\nc\r\nd\r\n");
    t.commit("edit");
    let set = t.collect(&base("main"));
    let f = file(&set, "win.txt");
    assert_eq!(lines(&f.added), [2, 4]);
    assert_eq!(lines(&f.removed), [2]);
    assert_eq!(f.new_text, "a\r\nB\r\nc\r\nd\r\n");
}

#[test]
fn missing_final_newline_is_numbered_right() {
    let t = TestRepo::init();
    t.write("a.txt", "a\nb");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("a.txt", "a\nb\nc");
    t.commit("edit");
    let f = t.collect(&base("main"));
    let f = file(&f, "a.txt");
    // `b` gained a newline (git shows it as changed) and `c` is new.
    assert_eq!(lines(&f.added), [2, 3]);
    assert_eq!(lines(&f.removed), [2]);
}

#[test]
fn deletion_only_file_is_included_with_removed_lines() {
    let t = TestRepo::init();
    t.write(
        "auth.py",
        "def view():\n    check_owner()\n    audit()\n    return 1\n",
    );
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("auth.py", "def view():\n    return 1\n");
    t.commit("drop the guard");
    let set = t.collect(&base("main"));
    let f = file(&set, "auth.py");
    assert!(f.added.is_empty());
    assert_eq!(lines(&f.removed), [2, 3]);
    assert_eq!(f.status, FileStatus::Modified);
}

#[test]
fn mode_only_change_is_not_a_file_to_scan() {
    let t = TestRepo::init();
    t.write("run.sh", "echo hi\n");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    let mut index = t.repo.index().unwrap();
    let mut entry = index.get_path(std::path::Path::new("run.sh"), 0).unwrap();
    entry.mode = 0o100_755;
    index.add(&entry).unwrap();
    index.write().unwrap();
    t.commit_index("chmod");
    assert!(t.collect(&base("main")).files.is_empty());
}

#[test]
fn all_mode_scans_tracked_files_from_disk() {
    let t = TestRepo::init();
    t.write("a.py", "a = 1\n")
        .write("src/b.py", "b = 1\nb2 = 2\n");
    t.commit("base");
    t.write("src/b.py", "b = 1\nb2 = 2\nb3 = 3\n");
    t.write("untracked.py", "u = 1\n");

    let set = t.collect(&Mode::All);
    assert_eq!(paths(&set), ["a.py", "src/b.py"]);
    let b = file(&set, "src/b.py");
    assert_eq!(b.status, FileStatus::Unchanged);
    assert_eq!(lines(&b.added), [1, 2, 3]);
    assert_eq!(b.new_text, "b = 1\nb2 = 2\nb3 = 3\n");
    assert_eq!(set.meta.mode, "all");
    assert_eq!(set.meta.head, Some(t.head().to_string()));
}

#[test]
fn all_mode_walks_a_plain_directory() {
    let dir = tempfile::TempDir::new().unwrap();
    let w = |rel: &str, s: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w(".gitignore", b"build/\n*.tmp\n");
    w(".env", b"TOKEN=x\n");
    w("src/main.py", b"print(1)\nprint(2)\n");
    w("build/out.py", b"ignored\n");
    w("scratch.tmp", b"ignored\n");
    w("image.png", b"\x89PNG\x00\x00");
    w(".git/config", b"not a real repo, must be skipped\n");

    let set = collect(dir.path(), &Mode::All, &Options::default()).unwrap();
    assert_eq!(paths(&set), [".env", ".gitignore", "src/main.py"]);
    assert_eq!(lines(&file(&set, "src/main.py").added), [1, 2]);
    assert_eq!(set.skipped.len(), 1);
    assert_eq!(set.skipped[0].path, "image.png");
    assert_eq!(set.meta.mode, "all");
    assert_eq!(set.meta.head, None);
    assert_eq!(set.root, dir.path());
}

#[test]
fn output_is_sorted_and_deterministic() {
    let t = TestRepo::init();
    t.write("z.py", "1\n");
    t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    for name in ["m.py", "a/b.py", "Z.py", "a.py", "z.py"] {
        t.write(name, "changed\n");
    }
    t.commit("many");
    let one = paths(&t.collect(&base("main")))
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    let mut sorted = one.clone();
    sorted.sort();
    assert_eq!(one, sorted);
    let two = t.collect(&base("main"));
    assert_eq!(one, paths(&two));
}
