#![no_main]
//! Arbitrary text as a user rule file or pack data file (the first byte picks which), loaded with its queries and
//! regexes compiled, then an engine built from it and run over a small Python and Rust file.

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use secreview_engine::{Engine, Kinds, Settings};
use secreview_model::ChangedFile;
use secreview_rules::RuleSet;

const DATA_FILES: [&str; 4] = [
    "secrets/_allowlist.toml",
    "injection/_python.toml",
    "injection/_rust.toml",
    "authz/_frameworks.toml",
];

static SAMPLES: LazyLock<Vec<ChangedFile>> = LazyLock::new(|| {
    vec![
        ChangedFile::whole(
            "app/views.py",
            "import os\n@app.get('/x')\ndef h(request):\n    os.system(request.args['c'])\n".into(),
        ),
        ChangedFile::whole(
            "src/main.rs",
            "fn h(q: Query<String>) { Command::new(\"sh\").arg(q.0); }\n".into(),
        ),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let rel = match DATA_FILES.get(usize::from(pick) % 8) {
        Some(data_file) => (*data_file).to_owned(),
        // A rule file is named after its `pack` and `id`, or the loader refuses it before compiling anything.
        None => rule_path(text),
    };
    let mut set = RuleSet::default();
    if set.add_text(&rel, text).is_err() {
        return;
    }
    let settings = Settings {
        today: "2026-01-01".into(),
        show_secrets: false,
    };
    if let Ok(engine) = Engine::new(set, settings) {
        let _ = engine.scan(&SAMPLES, Kinds::ALL);
    }
});

fn rule_path(text: &str) -> String {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let field = |k: &str| table.get(k).and_then(|v| v.as_str()).unwrap_or("x").to_owned();
    let (pack, id) = (field("pack"), field("id"));
    if pack.contains('/') || id.contains('/') {
        return "x/x.toml".into();
    }
    format!("{pack}/{id}.toml")
}
