//! Inputs that once crashed or hung a scan (found by the fuzz targets in `fuzz/` or by hand), kept as files in
//! `tests/regressions/`: each is scanned with every embedded rule, exactly as the `scan_python` / `scan_rust` fuzz
//! targets do (a NUL byte splits `old NUL new` into a change), on a thread with a rayon worker's 2 MiB stack.
//! Adding a file is enough to add a case; its extension picks the language.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secreview_engine::{Engine, Kinds, Settings};
use secreview_model::{ChangedFile, FileStatus};
use secreview_rules::RuleSet;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py" || e == "rs"))
        .collect();
    files.sort();
    files
}

fn scan(engine: &Engine, path: &Path) {
    let data = std::fs::read(path).unwrap();
    let name = format!("app/case.{}", path.extension().unwrap().to_string_lossy());
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, &data[..]),
    };
    let text = String::from_utf8_lossy(new).into_owned();
    let whole = ChangedFile::whole(name.clone(), text.clone());
    engine.scan(std::slice::from_ref(&whole), Kinds::ALL);
    if let Some(old) = old {
        let (added, removed) = secreview_diff::line_sets(old, new).unwrap();
        let changed = ChangedFile {
            path: name.clone(),
            old_path: Some(name),
            status: FileStatus::Modified,
            new_text: text,
            old_text: Some(String::from_utf8_lossy(old).into_owned()),
            added,
            removed,
            commit: None,
            disk_path: None,
            lossy: false,
        };
        engine.scan(std::slice::from_ref(&changed), Kinds::ALL);
    }
}

#[test]
fn every_regression_input_scans_without_crashing_or_stalling() {
    let cases = cases();
    assert!(!cases.is_empty());
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let engine = Engine::new(
                RuleSet::embedded().unwrap(),
                Settings {
                    today: "2026-01-01".into(),
                    show_secrets: false,
                },
            )
            .unwrap();
            for case in &cases {
                let started = Instant::now();
                scan(&engine, case);
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "{} took {:?}",
                    case.display(),
                    started.elapsed()
                );
            }
        })
        .unwrap();
    worker.join().unwrap();
}
