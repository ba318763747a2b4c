//! Test repositories built with git2: fixed author and time, `main` holding the base tree and a feature branch
//! holding the head tree, exactly as a user's repository would look before a merge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Oid, Repository, Signature, Time};

use crate::fake;

pub fn sig() -> Signature<'static> {
    Signature::new(
        "Test Author",
        "test@example.invalid",
        &Time::new(1_767_225_600, 0),
    )
    .unwrap()
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A repository on `main` with one commit holding `files` (path, text).
pub fn init(dir: &Path, files: &[(&str, &str)]) -> Repository {
    let repo = Repository::init(dir).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    {
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Test Author").unwrap();
        cfg.set_str("user.email", "test@example.invalid").unwrap();
    }
    write(dir, files);
    commit_all(&repo, "base");
    repo
}

pub fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Stages everything (additions, changes, deletions) and commits on HEAD.
pub fn commit_all(repo: &Repository, msg: &str) -> Oid {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig(), &sig(), msg, &tree, &parents)
        .unwrap()
}

/// Creates `name` at HEAD and checks it out.
pub fn branch(repo: &Repository, name: &str) {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.branch(name, &head, true).unwrap();
    repo.set_head(&format!("refs/heads/{name}")).unwrap();
}

pub fn checkout(repo: &Repository, name: &str) {
    repo.set_head(&format!("refs/heads/{name}")).unwrap();
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
}

/// Every file under `dir` as (path relative to `dir`, absolute path).
fn list(dir: &Path, prefix: &Path, out: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            list(&p, prefix, out);
        } else {
            let rel = p
                .strip_prefix(prefix)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, p);
        }
    }
}

/// A fixture repository's tree (`"base"` or `"head"`), resolved from its files:
/// - `base/` is a complete tree, or `base.from` names another repository's tree (`fastapi-ratings/head`);
/// - `head/` holds only what the branch adds or changes, over the base (and `head/.deleted` lists removed paths);
///   `head.from` lays it over another repository's tree instead of this one's base.
pub fn resolve_tree(name: &str, which: &str) -> BTreeMap<String, PathBuf> {
    let dir = workspace().join("fixtures/repos").join(name);
    let mut tree = BTreeMap::new();
    if which == "base" {
        let from = dir.join("base.from");
        if from.exists() {
            let spec = std::fs::read_to_string(from).unwrap();
            let (other, which) = spec.trim().split_once('/').unwrap();
            return resolve_tree(other, which);
        }
        list(&dir.join("base"), &dir.join("base"), &mut tree);
        return tree;
    }
    // `head.from` starts the branch from another repository's branch (the same feature done differently).
    let from = dir.join("head.from");
    tree = if from.exists() {
        let spec = std::fs::read_to_string(from).unwrap();
        let (other, which) = spec.trim().split_once('/').unwrap();
        resolve_tree(other, which)
    } else {
        resolve_tree(name, "base")
    };
    let head = dir.join("head");
    let mut overlay = BTreeMap::new();
    list(&head, &head, &mut overlay);
    if let Some(deleted) = overlay.remove(".deleted") {
        for line in std::fs::read_to_string(deleted)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            tree.remove(line.trim());
        }
    }
    tree.extend(overlay);
    tree
}

fn write_tree(dir: &Path, tree: &BTreeMap<String, PathBuf>, secrets: &mut Vec<String>) {
    for (rel, src) in tree {
        let dest = dir.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(src).unwrap();
        let (expanded, values) = fake::expand_fakes(&text);
        secrets.extend(values);
        std::fs::write(dest, expanded).unwrap();
    }
}

fn clear(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
}

/// `fixtures/repos/<name>`: its base tree committed on `main`, its head tree on branch `feature`. Returns the
/// fake secrets written.
pub fn from_fixture(dir: &Path, name: &str) -> (Repository, Vec<String>) {
    let mut secrets = Vec::new();
    let repo = init(dir, &[]);
    clear(dir);
    write_tree(dir, &resolve_tree(name, "base"), &mut secrets);
    commit_all(&repo, "base tree");
    branch(&repo, "feature");
    clear(dir);
    write_tree(dir, &resolve_tree(name, "head"), &mut secrets);
    commit_all(&repo, "feature work");
    (repo, secrets)
}

/// `(rule, path, line)` of every `ruleid:` annotation in the files under `dir` (relative paths).
pub fn expected_findings(dir: &Path) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    visit(dir, dir, &mut out);
    out.sort();
    out
}

fn visit(root: &Path, dir: &Path, out: &mut Vec<(String, String, u32)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != ".git") {
                visit(root, &p, out);
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let mut pending: Vec<String> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            let body = t
                .strip_prefix('#')
                .or_else(|| t.strip_prefix("//"))
                .map(str::trim_start);
            match body.and_then(|b| b.strip_prefix("ruleid:")) {
                Some(ids) => pending.extend(ids.split(',').map(|s| s.trim().to_owned())),
                None => {
                    let is_annotation = body.is_some_and(|b| {
                        b.starts_with("ok:")
                            || b.starts_with("todoruleid:")
                            || b.starts_with("todook:")
                    });
                    if !is_annotation {
                        for id in pending.drain(..) {
                            out.push((id, rel.clone(), i as u32 + 1));
                        }
                    }
                }
            }
        }
    }
}
