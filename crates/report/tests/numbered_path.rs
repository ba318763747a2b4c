//! `--output-dir` naming: the next free two-digit number.

use std::fs;

use secreview_report::next_numbered_path;

#[test]
fn empty_directory_starts_at_01() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        next_numbered_path(dir.path(), "security-review"),
        dir.path().join("01-security-review.md")
    );
}

#[test]
fn missing_directory_starts_at_01() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-there");
    assert_eq!(
        next_numbered_path(&missing, "security-review"),
        missing.join("01-security-review.md")
    );
}

#[test]
fn next_number_follows_the_highest_and_ignores_other_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "01-x.md",
        "02-y.md",
        "notes.md",
        "2024_report.md",
        "README",
        "-3-z.md",
    ] {
        fs::write(dir.path().join(name), "").unwrap();
    }
    assert_eq!(
        next_numbered_path(dir.path(), "security-review"),
        dir.path().join("03-security-review.md")
    );
    fs::write(dir.path().join("11-later.txt"), "").unwrap();
    assert_eq!(
        next_numbered_path(dir.path(), "security-review.md"),
        dir.path().join("12-security-review.md")
    );
}
