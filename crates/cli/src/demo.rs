//! `secreview demo`: writes the embedded example repository (a `FastAPI` + `SQLAlchemy` course platform whose
//! `feature/ratings` branch lets any user change anyone's rating) into a directory, commits `main` and the branch
//! with git2, and scans the branch exactly as a user would.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{IndexAddOption, Repository, Signature, Time};
use include_dir::{Dir, include_dir};

use crate::Exit;
use crate::args::{DemoArgs, ScanArgs};

#[path = "../../../tests/support/fake.rs"]
#[allow(clippy::all, clippy::pedantic)]
mod fake;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../fixtures/demo");

pub(crate) fn run(a: &DemoArgs) -> Result<Exit> {
    let (_guard, dir) = if let Some(d) = &a.keep {
        // The demo writes a repository and rewrites its working tree: never in a directory that holds anything.
        if d.exists() && std::fs::read_dir(d).map_or(true, |mut e| e.next().is_some()) {
            anyhow::bail!(
                "{} is not an empty directory  hint: pass a new or empty directory to --keep",
                d.display()
            );
        }
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        (None, d.clone())
    } else {
        let t = tempfile::Builder::new()
            .prefix("secreview-demo-")
            .tempdir()?;
        let p = t.path().to_path_buf();
        (Some(t), p)
    };
    build_repo(&dir)?;
    eprintln!(
        "demo repository: {} (branch feature/ratings, base main){}",
        dir.display(),
        if a.keep.is_some() {
            ""
        } else {
            " — removed after the scan; pass --keep DIR to keep it"
        }
    );
    let args = ScanArgs {
        path: dir.clone(),
        format: Some(a.format.clone()),
        ..Default::default()
    };
    let mut args = args;
    args.mode.base = Some("main".into());
    crate::scan::scan(&args)
}

/// Writes `base/` as the first commit on `main` and `head/` as a commit on `feature/ratings`.
pub(crate) fn build_repo(dir: &Path) -> Result<()> {
    let repo = Repository::init(dir)
        .with_context(|| format!("cannot create a repository in {}", dir.display()))?;
    repo.set_head("refs/heads/main")?;
    let sig = Signature::new(
        "secreview demo",
        "demo@example.invalid",
        &Time::new(1_767_225_600, 0),
    )?;
    let base = DEMO
        .get_dir("base")
        .context("the embedded demo has no base/ tree")?;
    let head = DEMO
        .get_dir("head")
        .context("the embedded demo has no head/ tree")?;
    write_tree(dir, base)?;
    let c1 = commit(&repo, &sig, "Course platform: courses, auth", None)?;
    repo.branch("feature/ratings", &repo.find_commit(c1)?, true)?;
    repo.set_head("refs/heads/feature/ratings")?;
    clear_tree(dir)?;
    write_tree(dir, head)?;
    commit(&repo, &sig, "Add course ratings", Some(c1))?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    Ok(())
}

fn files(d: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
    out.extend(d.files());
    for sub in d.dirs() {
        files(sub, out);
    }
}

fn write_tree(dir: &Path, tree: &'static Dir<'static>) -> Result<()> {
    let mut all = Vec::new();
    files(tree, &mut all);
    for f in all {
        let rel = f.path().strip_prefix(tree.path()).unwrap_or(f.path());
        let dest: PathBuf = dir.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = String::from_utf8_lossy(f.contents());
        // Secrets in the demo are generated here, never stored in the repository.
        let (expanded, _) = fake::expand_fakes(&text);
        std::fs::write(&dest, expanded)
            .with_context(|| format!("cannot write {}", dest.display()))?;
    }
    Ok(())
}

fn clear_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            std::fs::remove_dir_all(&p)?;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

fn commit(
    repo: &Repository,
    sig: &Signature<'_>,
    msg: &str,
    parent: Option<git2::Oid>,
) -> Result<git2::Oid> {
    let mut index = repo.index()?;
    index.clear()?;
    index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parents: Vec<git2::Commit<'_>> = parent
        .map(|p| repo.find_commit(p))
        .transpose()?
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    Ok(repo.commit(Some("HEAD"), sig, sig, msg, &tree, &refs)?)
}
