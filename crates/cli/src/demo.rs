//! `secreview demo`: writes the embedded example repository (a `FastAPI` + `SQLAlchemy` course platform whose
//! `feature/ratings` branch lets any user change anyone's rating) into a directory, commits `main` and the branch
//! (through the diff crate, the only git2 user), and scans the branch exactly as a user would.

use std::path::Path;

use anyhow::{Context, Result};
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

/// Writes `base/` as the first commit on `main` and `head/` as a commit on `feature/ratings`; fake secrets in the
/// embedded files are generated here, never stored in the repository.
pub(crate) fn build_repo(dir: &Path) -> Result<()> {
    let base = DEMO
        .get_dir("base")
        .context("the embedded demo has no base/ tree")?;
    let head = DEMO
        .get_dir("head")
        .context("the embedded demo has no head/ tree")?;
    // `head/` holds only what the branch adds or changes; the branch's tree is the base with it laid over.
    let base_files = tree_files(base);
    let mut head_files = base_files.clone();
    for (path, contents) in tree_files(head) {
        match head_files.iter_mut().find(|(p, _)| *p == path) {
            Some(slot) => slot.1 = contents,
            None => head_files.push((path, contents)),
        }
    }
    secreview_diff::write_two_commit_repo(dir, &base_files, &head_files, "feature/ratings")?;
    Ok(())
}

fn files(d: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
    out.extend(d.files());
    for sub in d.dirs() {
        files(sub, out);
    }
}

fn tree_files(tree: &'static Dir<'static>) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    files(tree, &mut all);
    all.into_iter()
        .map(|f| {
            let rel = f.path().strip_prefix(tree.path()).unwrap_or(f.path());
            let (expanded, _) = fake::expand_fakes(&String::from_utf8_lossy(f.contents()));
            (
                rel.to_string_lossy().replace('\\', "/"),
                expanded.into_bytes(),
            )
        })
        .collect()
}
