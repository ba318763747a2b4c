//! Reading the policy as the base side of a change had it: the policy commit per mode, files and directories at
//! a commit, and `.gitattributes` from that commit instead of the branch's.

mod common;

use common::{TestRepo, base, paths};
use secreview_diff::{Mode, Options, collect, policy_commit, read_at, read_dir_at};
use secreview_model::SkipReason;

#[test]
fn the_policy_commit_is_the_base_side_of_each_mode() {
    let t = TestRepo::init();
    t.write("a.py", "a = 1\n");
    let first = t.commit("base");
    t.branch("feature");
    t.checkout("feature");
    t.write("a.py", "a = 2\n");
    let second = t.commit("change");
    let at = |mode: &Mode| policy_commit(t.path(), mode).unwrap();
    assert_eq!(at(&base("main")), Some(first.to_string()));
    let range = Mode::range(&format!("{first}..{second}")).unwrap();
    assert_eq!(at(&range), Some(first.to_string()));
    for mode in [Mode::Staged, Mode::Worktree, Mode::All] {
        assert_eq!(at(&mode), Some(second.to_string()), "{mode:?}");
    }
    assert!(policy_commit(t.path(), &base("nope")).is_err());
}

#[test]
fn files_and_directories_are_read_as_a_commit_had_them() {
    let t = TestRepo::init();
    t.write(".secreview.toml", "fail_on = \"high\"\n")
        .write("rules/x/a.toml", "a\n")
        .write("rules/x/sub/b.toml", "b\n");
    let first = t.commit("base").to_string();
    t.write(".secreview.toml", "fail_on = \"never\"\n")
        .write("rules/x/a.toml", "changed\n");
    t.commit("weaken");
    assert_eq!(
        read_at(t.path(), &first, ".secreview.toml")
            .unwrap()
            .as_deref(),
        Some("fail_on = \"high\"\n")
    );
    assert_eq!(read_at(t.path(), &first, "missing.toml").unwrap(), None);
    assert_eq!(read_at(t.path(), &first, "rules").unwrap(), None);
    assert_eq!(
        read_dir_at(t.path(), &first, "rules").unwrap(),
        [
            ("x/a.toml".to_owned(), b"a\n".to_vec()),
            ("x/sub/b.toml".to_owned(), b"b\n".to_vec())
        ]
    );
    assert!(read_dir_at(t.path(), &first, "nothing").unwrap().is_empty());
    assert!(read_at(t.path(), "no-such-rev", "a").is_err());
}

#[test]
fn gitattributes_can_come_from_the_base_commit() {
    let t = TestRepo::init();
    t.write(".gitattributes", "*.png binary\n")
        .write("app.py", "x = 1\n");
    let first = t.commit("base").to_string();
    t.branch("feature");
    t.checkout("feature");
    t.write(".gitattributes", "*.png binary\napp.py binary\n")
        .write("app.py", "x = 2\n")
        .write("logo.png", "not really a png\n");
    t.commit("hide app.py");

    let set = collect(t.path(), &base("main"), &Options::default()).unwrap();
    let reasons: Vec<(&str, &SkipReason)> = set
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), &s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("app.py", &SkipReason::MarkedBinary),
            ("logo.png", &SkipReason::MarkedBinary)
        ]
    );

    let opts = Options {
        attributes_at: Some(first),
        ..Options::default()
    };
    let set = collect(t.path(), &base("main"), &opts).unwrap();
    assert_eq!(paths(&set), [".gitattributes", "app.py"]);
    assert_eq!(set.skipped.len(), 1, "{:?}", set.skipped);
    assert_eq!(set.skipped[0].reason, SkipReason::MarkedBinary);
}
