//! The fixture harness and the rules meta-test.
//!
//! Every file `fixtures/rules/<pack>/<rule-id>[.<variant>].<ext>` is scanned whole by the real engine with the
//! embedded rules; its `ruleid:` / `ok:` / `todoruleid:` / `todook:` annotations are compared with the findings.
//! Every mismatch of every fixture is listed before the test fails.

#[path = "../../../tests/support/fake.rs"]
mod fake;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use secreview_engine::{Engine, Kinds, Settings};
use secreview_model::ChangedFile;
use secreview_rules::{Matcher, RuleSet};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    RuleId,
    Ok,
    TodoRuleId,
    TodoOk,
}

/// (line, kind, rule id) for every annotation, resolved to the line it annotates.
fn annotations(text: &str) -> Vec<(u32, Kind, String)> {
    let mut out = Vec::new();
    let mut pending: Vec<(Kind, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let body = ["<!--", "#", "//", "--"]
            .iter()
            .find_map(|c| t.strip_prefix(c))
            .map(str::trim_start);
        let parsed = body.and_then(|b| {
            [
                ("todoruleid:", Kind::TodoRuleId),
                ("todook:", Kind::TodoOk),
                ("ruleid:", Kind::RuleId),
                ("ok:", Kind::Ok),
            ]
            .iter()
            .find_map(|(p, k)| b.strip_prefix(p).map(|rest| (*k, rest)))
        });
        match parsed {
            Some((kind, rest)) => {
                let rest = rest.trim().trim_end_matches("-->").trim();
                pending.extend(
                    rest.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|id| (kind, id.to_owned())),
                );
            }
            None => {
                for (kind, id) in pending.drain(..) {
                    out.push((i as u32 + 1, kind, id));
                }
            }
        }
    }
    out
}

fn fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = root().join("fixtures/rules");
    for pack in std::fs::read_dir(&dir).expect("fixtures/rules exists") {
        let pack = pack.unwrap().path();
        if !pack.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&pack).unwrap() {
            let f = f.unwrap().path();
            let is_base = f
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".base."));
            if f.is_file() && !is_base {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn rule_of(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    name.split('.').next().unwrap().to_owned()
}

fn engine() -> Engine {
    Engine::new(
        RuleSet::embedded().expect("embedded rules load"),
        Settings {
            today: "2026-11-24".into(),
            show_secrets: false,
        },
    )
    .expect("engine builds")
}

/// The virtual path a fixture is scanned under: its file name inside `app/`, so test-path heuristics
/// (which lower confidence for `tests/` and `fixtures/`) do not apply to fixtures.
fn virtual_path(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    // `rule.variant.py` → `app/rule_variant.py`, keeping the real extension for language detection.
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("app/{}.{ext}", stem.replace('.', "_")),
        None => format!("app/{name}"),
    }
}

/// `X.project/` next to `X.ext` holds more files of the fixture's tree (the templates a view renders), scanned
/// as context under `app/` beside the fixture.
fn project_of(path: &Path, file: &ChangedFile) -> secreview_engine::project::Project {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    let dir = path.with_file_name(format!("{stem}.project"));
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((format!("app/{rel}"), p));
            }
        }
    }
    let mut paths: Vec<String> = files.iter().map(|(v, _)| v.clone()).collect();
    paths.push(file.path.clone());
    secreview_engine::project::Project::build(std::slice::from_ref(file), paths, |v| {
        files
            .iter()
            .find(|(p, _)| p == v)
            .and_then(|(_, real)| std::fs::read_to_string(real).ok())
    })
}

/// `X.base.ext` next to `X.ext` is the base version of a two-version fixture.
fn base_of(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let (stem, ext) = name.rsplit_once('.')?;
    let base = path.with_file_name(format!("{stem}.base.{ext}"));
    base.exists().then_some(base)
}

/// The scanned file: whole, or diffed against its base companion (added/removed lines from a line LCS).
fn changed_file(path: &Path, text: String) -> ChangedFile {
    let mut file = ChangedFile::whole(virtual_path(path), text);
    if let Some(base) = base_of(path) {
        let (old, _) = fake::expand_fakes(&std::fs::read_to_string(base).unwrap());
        let (added, removed) = line_diff(&old, &file.new_text);
        file.added = secreview_model::LineSet::new();
        for l in added {
            file.added.insert(l);
        }
        for l in removed {
            file.removed.insert(l);
        }
        file.status = secreview_model::FileStatus::Modified;
        file.old_path = Some(file.path.clone());
        file.old_text = Some(old);
    }
    file
}

/// Added (new-side) and removed (old-side) 1-based line numbers by longest common subsequence.
fn line_diff(old: &str, new: &str) -> (Vec<u32>, Vec<u32>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(j as u32 + 1);
            j += 1;
        } else {
            removed.push(i as u32 + 1);
            i += 1;
        }
    }
    (added, removed)
}

#[test]
fn line_diff_finds_added_and_removed_lines() {
    let (a, r) = line_diff("a\nb\nc\n", "a\nx\nc\nd\n");
    assert_eq!(a, vec![2, 4]);
    assert_eq!(r, vec![2]);
}

#[test]
fn every_fixture_matches_its_annotations() {
    let engine = engine();
    let mut problems = Vec::new();
    let mut detectors_hit: BTreeSet<(String, String)> = BTreeSet::new();
    let mut checked = 0usize;
    for path in fixture_files() {
        let raw = std::fs::read_to_string(&path).unwrap();
        let (text, _) = fake::expand_fakes(&raw);
        let rule = rule_of(&path);
        let anns = annotations(&text);
        let file = changed_file(&path, text);
        let project = project_of(&path, &file);
        let out = engine.scan_in(&[file], Kinds::ALL, &project);
        let found: BTreeSet<(String, u32)> = out
            .findings
            .iter()
            .map(|f| (f.rule_id.clone(), f.location.start_line))
            .collect();
        for f in &out.findings {
            detectors_hit.insert((f.rule_id.clone(), f.message.clone()));
        }
        let shown = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut expected_lines: BTreeSet<(String, u32)> = BTreeSet::new();
        for (line, kind, id) in &anns {
            checked += 1;
            let hit = found.contains(&(id.clone(), *line));
            match kind {
                Kind::RuleId => {
                    expected_lines.insert((id.clone(), *line));
                    if !hit {
                        problems.push(format!("{shown}:{line}: `{id}` should fire and did not"));
                    }
                }
                Kind::Ok if hit => {
                    problems.push(format!("{shown}:{line}: `{id}` fired on an ok: line"));
                }
                Kind::TodoRuleId if hit => problems.push(format!(
                    "{shown}:{line}: `{id}` now fires on a todoruleid: line — promote it to ruleid:"
                )),
                Kind::TodoOk => {
                    expected_lines.insert((id.clone(), *line));
                    if !hit {
                        problems.push(format!(
                            "{shown}:{line}: `{id}` no longer fires on a todook: line — promote it to ok:"
                        ));
                    }
                }
                _ => {}
            }
        }
        for (id, line) in &found {
            if *id == rule && !expected_lines.contains(&(id.clone(), *line)) {
                let msg = out
                    .findings
                    .iter()
                    .find(|f| f.rule_id == *id && f.location.start_line == *line)
                    .map(|f| f.message.clone())
                    .unwrap_or_default();
                problems.push(format!(
                    "{shown}:{line}: unexpected `{id}` finding (not annotated): {msg}"
                ));
            }
        }
    }
    // Every detector of every regex rule is exercised by at least one ruleid: line.
    let set = engine.rules();
    for rule in &set.rules {
        if let Matcher::Regex { patterns, .. } = &rule.matcher {
            for p in patterns {
                let hit = detectors_hit
                    .iter()
                    .any(|(id, msg)| *id == rule.meta.id && msg.contains(&p.name));
                if !hit {
                    problems.push(format!(
                        "rule `{}`: detector `{}` is not exercised by any ruleid: fixture line",
                        rule.meta.id, p.name
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no annotations found");
    assert!(
        problems.is_empty(),
        "{} fixture problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures_with_positive_and_negative_cases() {
    let set = RuleSet::embedded().unwrap();
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    for path in fixture_files() {
        let rule = rule_of(&path);
        let pack = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        match set.get(&rule) {
            None => problems.push(format!(
                "{}: orphan fixture, no rule `{rule}`",
                path.display()
            )),
            Some(r) if r.meta.pack != pack => problems.push(format!(
                "{}: fixture is in pack folder `{pack}` but the rule is in `{}`",
                path.display(),
                r.meta.pack
            )),
            Some(_) => {}
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, kind, id) in annotations(&text) {
            if set.get(&id).is_none() {
                problems.push(format!(
                    "{}:{line}: annotation names unknown rule `{id}`",
                    path.display()
                ));
            }
            let e = by_rule.entry(id).or_default();
            match kind {
                Kind::RuleId => e.0 += 1,
                Kind::Ok => e.1 += 1,
                _ => {}
            }
        }
    }
    for rule in &set.rules {
        let (pos, neg) = by_rule.get(&rule.meta.id).copied().unwrap_or_default();
        // `scan.*` rules judge files the driver could not read, so they have no code to annotate; their
        // end-to-end tests (tests/policy.rs) build the unreadable files instead.
        let about_files =
            matches!(&rule.matcher, Matcher::Builtin { analysis } if analysis.starts_with("scan."));
        if !about_files && (pos == 0 || neg == 0) {
            problems.push(format!(
                "rule `{}` needs ≥ 1 ruleid: and ≥ 1 ok: fixture line (has {pos} and {neg})",
                rule.meta.id
            ));
        }
        if let Matcher::Query(queries) = &rule.matcher
            && queries.iter().any(|q| q.parts().is_none())
        {
            problems.push(format!("rule `{}`: a query does not compile", rule.meta.id));
        }
        if let Matcher::Regex { patterns, .. } = &rule.matcher {
            for p in patterns {
                match p.regex() {
                    None => problems.push(format!(
                        "rule `{}`: pattern `{}` does not compile",
                        rule.meta.id, p.name
                    )),
                    // The embedded packs' groups are not checked at load (see `compile_pattern`).
                    Some(rx) if p.group() >= rx.captures_len() => problems.push(format!(
                        "rule `{}`: pattern `{}` has no capture group {}",
                        rule.meta.id,
                        p.name,
                        p.group()
                    )),
                    Some(_) => {}
                }
            }
        }
        for cwe in &rule.meta.cwe {
            if cwe.name().is_none() {
                problems.push(format!(
                    "rule `{}`: {cwe} is not in the CWE table",
                    rule.meta.id
                ));
            }
        }
        if rule.meta.exploit.trim().is_empty() {
            problems.push(format!("rule `{}` has no exploit scenario", rule.meta.id));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every secrets detector has a negative case: an `ok:` line of its rule's fixture that contains one of the
/// detector's keywords, so the prefilter unlocks the detector and the line must still stay silent.
#[test]
fn every_detector_has_a_negative_case() {
    let set = RuleSet::embedded().unwrap();
    let mut ok_lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in fixture_files() {
        let (text, _) = fake::expand_fakes(&std::fs::read_to_string(&path).unwrap());
        let lines: Vec<&str> = text.lines().collect();
        for (line, kind, id) in annotations(&text) {
            if kind == Kind::Ok {
                ok_lines
                    .entry(id)
                    .or_default()
                    .push(lines[line as usize - 1].to_ascii_lowercase());
            }
        }
    }
    let mut problems = Vec::new();
    for rule in &set.rules {
        let Matcher::Regex { patterns, .. } = &rule.matcher else {
            continue;
        };
        let oks = ok_lines
            .get(&rule.meta.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for p in patterns {
            let covered = p.keywords.is_empty()
                || oks
                    .iter()
                    .any(|l| p.keywords.iter().any(|k| l.contains(k.as_str())));
            if !covered {
                problems.push(format!(
                    "rule `{}`: detector `{}` has no ok: line containing its keywords",
                    rule.meta.id, p.name
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} detector(s) without a negative case:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn annotations_apply_to_the_next_code_line() {
    let a = annotations("x\n# ruleid: a, b\n# ok: c\ny = 1\n// todook: d\nz\n");
    assert_eq!(
        a,
        vec![
            (4, Kind::RuleId, "a".into()),
            (4, Kind::RuleId, "b".into()),
            (4, Kind::Ok, "c".into()),
            (6, Kind::TodoOk, "d".into()),
        ]
    );
}
