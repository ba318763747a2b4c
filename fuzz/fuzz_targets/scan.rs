//! Shared by the `scan_*` targets: one file through the real engine with every embedded rule, twice — scanned
//! whole (every line added) and as a change from an old text (diff scoping, the authz regression analyses).

use std::sync::LazyLock;

use secreview_engine::{Engine, Kinds, Settings};
use secreview_model::{ChangedFile, FileStatus, count_lines};
use secreview_rules::RuleSet;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let rules = RuleSet::embedded().expect("the embedded rules load");
    let settings = Settings {
        today: "2026-01-01".into(),
        show_secrets: false,
    };
    Engine::new(rules, settings).expect("the embedded rules compile")
});

/// `data` is the new text, or `old NUL new` for a change.
pub fn scan(path: &str, data: &[u8]) {
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, data),
    };
    let text = String::from_utf8_lossy(new).into_owned();
    let whole = ChangedFile::whole(path, text.clone());
    check(&whole, &ENGINE.scan(std::slice::from_ref(&whole), Kinds::ALL));
    let Some(old) = old else { return };
    let Ok((added, removed)) = secreview_diff::line_sets(old, new) else {
        return;
    };
    let changed = ChangedFile {
        path: path.to_owned(),
        old_path: Some(path.to_owned()),
        status: FileStatus::Modified,
        new_text: text,
        old_text: Some(String::from_utf8_lossy(old).into_owned()),
        added,
        removed,
        commit: None,
        disk_path: None,
    };
    check(&changed, &ENGINE.scan(std::slice::from_ref(&changed), Kinds::ALL));
}

/// Findings point into the file they were found in.
fn check(file: &ChangedFile, out: &secreview_engine::ScanOutput) {
    let lines = count_lines(&file.new_text).max(1);
    for f in &out.findings {
        let l = &f.location;
        assert!(
            l.start_line >= 1 && l.start_line <= lines + 1,
            "finding {} at line {} of a {lines}-line file",
            f.rule_id,
            l.start_line
        );
    }
}
