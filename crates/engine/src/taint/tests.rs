//! Unit tests of the propagation and precision mechanics, through the real engine and the embedded tables.

use secreview_model::ChangedFile;
use secreview_rules::RuleSet;

use crate::{Engine, Kinds, Settings};

fn engine() -> Engine {
    Engine::new(
        RuleSet::embedded().expect("embedded rules load"),
        Settings {
            today: "2026-01-01".into(),
            show_secrets: false,
        },
    )
    .expect("engine builds")
}

/// (rule id, line, confidence) of every taint finding in `src`.
fn scan(path: &str, src: &str) -> Vec<(String, u32, f32)> {
    let out = engine().scan(&[ChangedFile::whole(path.to_owned(), src.to_owned())], Kinds::ALL);
    out.findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.location.start_line, f.confidence))
        .collect()
}

#[test]
#[ignore = "debugging aid: SCAN=path cargo test -p secreview-engine dump -- --ignored --nocapture"]
fn dump() {
    let path = std::env::var("SCAN").unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let name = format!("app/x.{}", path.rsplit('.').next().unwrap());
    let out = engine().scan(&[ChangedFile::whole(name, src)], Kinds::ALL);
    for f in &out.findings {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{}:{} {} {:.2} {}", f.location.start_line, f.location.start_col, f.rule_id, f.confidence, f.message);
            for e in &f.flow {
                eprintln!("      {}: {}", e.location.start_line, e.note);
            }
        }
    }
}

#[test]
fn scan_helper_works() {
    let r = scan("app/a.py", "import os\nos.system(input())\n");
    assert!(r.iter().any(|(id, l, _)| id == "shell-command-built" && *l == 2), "{r:?}");
}
