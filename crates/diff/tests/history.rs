//! Per-commit scans and git's pre-push protocol.

mod common;

use common::{TestRepo, lines};
use secreview_diff::{Options, PushRange, collect_commits, collect_pushed, pre_push_ranges};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// main: base commit; feature: c1 adds a key, c2 touches another file, c3 removes the key.
fn key_added_then_removed() -> (TestRepo, [git2::Oid; 4]) {
    let t = TestRepo::init();
    t.write("config.py", "DEBUG = False\n");
    let base = t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("config.py", "DEBUG = False\nAPI_KEY = 'sk_live_example'\n");
    let c1 = t.commit("add key");
    t.write("other.py", "x = 1\n");
    let c2 = t.commit("other");
    t.write("config.py", "DEBUG = False\n");
    let c3 = t.commit("remove key");
    (t, [base, c1, c2, c3])
}

#[test]
fn collect_commits_sees_a_line_added_then_removed() {
    let (t, [base, c1, c2, _c3]) = key_added_then_removed();
    let set = collect_commits(
        t.path(),
        Some(&base.to_string()),
        "HEAD",
        &Options::default(),
    )
    .unwrap();

    let seen: Vec<(&str, Option<&str>)> = set
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.commit.as_deref()))
        .collect();
    let (c1s, c2s) = (c1.to_string(), c2.to_string());
    // c3 only removed lines from config.py, so it contributes nothing.
    assert_eq!(
        seen,
        [
            ("config.py", Some(c1s.as_str())),
            ("other.py", Some(c2s.as_str()))
        ]
    );
    let key = &set.files[0];
    assert_eq!(lines(&key.added), [2]);
    assert!(key.new_text.contains("sk_live_example"));
    assert_eq!(set.meta.mode, "commits");
    assert_eq!(set.meta.commits, 3);

    // The two-tree diff of the same range sees nothing in config.py: that is why per-commit scans exist.
    let range = secreview_diff::collect(
        t.path(),
        &secreview_diff::Mode::range(&format!("{base}..HEAD")).unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(common::paths(&range), ["other.py"]);
}

#[test]
fn collect_commits_without_from_stops_at_the_default_base() {
    let (t, _) = key_added_then_removed();
    let set = collect_commits(t.path(), None, "feature", &Options::default()).unwrap();
    assert_eq!(set.meta.commits, 3);
    assert_eq!(set.meta.base.as_deref(), Some("main"));
    assert_eq!(common::paths(&set), ["config.py", "other.py"]);
}

#[test]
fn merge_commit_does_not_repeat_what_it_carried_over() {
    let t = TestRepo::init();
    t.write("a.txt", "a\n");
    let base = t.commit("base");
    t.branch("feature");
    t.write("from_main.txt", "main\n");
    let main_tip = t.commit("main work");
    t.checkout("feature");
    t.write("f.txt", "f\n");
    t.commit("feature work");
    // Merge main into feature: the merge's tree has main's file, unchanged.
    t.write("from_main.txt", "main\n");
    t.stage_all();
    let head = t.repo.head().unwrap().peel_to_commit().unwrap();
    let main_commit = t.repo.find_commit(main_tip).unwrap();
    let merge = t.commit_with_parents("merge main", &[&head, &main_commit]);

    let set = collect_commits(
        t.path(),
        Some(&base.to_string()),
        &merge.to_string(),
        &Options::default(),
    )
    .unwrap();
    let merge_s = merge.to_string();
    assert!(
        set.files
            .iter()
            .all(|f| f.commit.as_deref() != Some(merge_s.as_str())),
        "{:?}",
        set.files
            .iter()
            .map(|f| (&f.path, &f.commit))
            .collect::<Vec<_>>()
    );
    // from_main.txt is still reported once, for the commit that wrote it.
    let main_s = main_tip.to_string();
    assert!(
        set.files
            .iter()
            .any(|f| f.path == "from_main.txt" && f.commit.as_deref() == Some(main_s.as_str()))
    );
}

/// What `git fetch` leaves behind: `origin/NAME` at `oid`.
fn on_remote(t: &TestRepo, name: &str, oid: git2::Oid) {
    t.repo
        .reference(&format!("refs/remotes/origin/{name}"), oid, true, "test")
        .unwrap();
}

#[test]
fn pre_push_new_branch_starts_at_the_newest_ancestor_on_a_remote() {
    let (t, [base, _, _, c3]) = key_added_then_removed();
    let stdin = format!("refs/heads/feature {c3} refs/heads/feature {ZERO}\n");
    // No remote has anything yet (the local `main` is no help: it may be unpushed too): all of it is new.
    let ranges = pre_push_ranges(t.path(), &stdin).unwrap();
    assert_eq!(
        ranges,
        [PushRange {
            local_ref: "refs/heads/feature".into(),
            from: None,
            to: c3.to_string(),
            hide: vec![],
        }]
    );
    let pushed = collect_pushed(t.path(), &ranges[0], &Options::default()).unwrap();
    assert_eq!(common::paths(&pushed.net), ["config.py", "other.py"]);
    assert_eq!(pushed.commits.meta.commits, 4);

    on_remote(&t, "main", base);
    let ranges = pre_push_ranges(t.path(), &stdin).unwrap();
    assert_eq!(
        ranges,
        [PushRange {
            local_ref: "refs/heads/feature".into(),
            from: Some(base.to_string()),
            to: c3.to_string(),
            hide: vec![base.to_string()],
        }]
    );
    let pushed = collect_pushed(t.path(), &ranges[0], &Options::default()).unwrap();
    assert_eq!(common::paths(&pushed.net), ["other.py"]);
    assert_eq!(pushed.commits.meta.commits, 3);
    assert_eq!(common::paths(&pushed.commits), ["config.py", "other.py"]);

    // Everything already on a remote: nothing to scan.
    on_remote(&t, "feature", c3);
    assert!(pre_push_ranges(t.path(), &stdin).unwrap().is_empty());
}

#[test]
fn pre_push_peels_annotated_tags_and_refuses_tags_of_trees() {
    let (t, [base, _, _, c3]) = key_added_then_removed();
    on_remote(&t, "main", base);
    let sig =
        git2::Signature::new("T", "t@example.invalid", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let commit = t.repo.find_object(c3, None).unwrap();
    let tag = t.repo.tag("v1", &commit, &sig, "release", false).unwrap();
    let stdin = format!("refs/tags/v1 {tag} refs/tags/v1 {ZERO}\n");
    let ranges = pre_push_ranges(t.path(), &stdin).unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].to, c3.to_string());
    assert_eq!(ranges[0].from, Some(base.to_string()));

    let tree = t.repo.find_commit(c3).unwrap().tree().unwrap();
    let tree_tag = t
        .repo
        .tag("t", tree.as_object(), &sig, "a tree", false)
        .unwrap();
    let e = pre_push_ranges(
        t.path(),
        &format!("refs/tags/t {tree_tag} refs/tags/t {ZERO}\n"),
    )
    .unwrap_err();
    assert!(
        matches!(e, secreview_diff::DiffError::NotACommit { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("points to a tree"), "{e}");
}

#[test]
fn pre_push_update_starts_at_the_remote_sha() {
    let (t, [base, c1, _, c3]) = key_added_then_removed();
    on_remote(&t, "main", base);
    let stdin = format!(
        "refs/heads/feature {c3} refs/heads/feature {c1}\n\n\
         refs/heads/feature {c3} refs/heads/feature 1111111111111111111111111111111111111111\n"
    );
    let ranges = pre_push_ranges(t.path(), &stdin).unwrap();
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[0].from, Some(c1.to_string()));
    assert_eq!(ranges[0].to, c3.to_string());
    // A remote sha we never fetched (force push): start at the newest ancestor already on a remote.
    assert_eq!(ranges[1].from, Some(base.to_string()));
    let mut hidden = vec![base.to_string(), c1.to_string()];
    hidden.sort();
    assert_eq!(ranges[0].hide, hidden);

    // Scanning that range per commit sees c2 and c3 only.
    let set = collect_commits(
        t.path(),
        ranges[0].from.as_deref(),
        &ranges[0].to,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(set.meta.commits, 2);
    assert_eq!(common::paths(&set), ["other.py"]);
}

#[test]
fn pre_push_delete_and_up_to_date_need_nothing() {
    let (t, [_, _, _, c3]) = key_added_then_removed();
    let stdin = format!(
        "(delete) {ZERO} refs/heads/old {c3}\n\
         refs/heads/feature {c3} refs/heads/feature {c3}\n"
    );
    assert!(pre_push_ranges(t.path(), &stdin).unwrap().is_empty());
    assert!(pre_push_ranges(t.path(), "").unwrap().is_empty());
}
