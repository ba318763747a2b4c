//! Repository facts and set-up that the CLI needs besides diffs: the working-tree root, the `origin` URL for
//! reports, the hooks directory, and the two-commit repository the demo writes. Kept here so this crate stays
//! the only one that speaks git2.

use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Repository, Signature, Time};

use crate::DiffError;

/// The working-tree root of the repository containing `path`, if any.
pub fn repo_root(path: &Path) -> Option<PathBuf> {
    crate::repo::discover(path)
        .ok()??
        .workdir()
        .map(Path::to_path_buf)
}

/// The `origin` remote's URL without its userinfo, query and fragment (reports must not carry credentials), when
/// it is a URL at all.
pub fn origin_url(path: &Path) -> Option<String> {
    let repo = crate::repo::discover(path).ok()??;
    let remote = repo.find_remote("origin").ok()?;
    let url = remote.url().ok()?;
    url.contains("://")
        .then(|| secreview_model::strip_url_credentials(url))
}

/// The directory git runs hooks from: `core.hooksPath` when set, else the common `.git/hooks` (shared by linked
/// worktrees).
pub fn hooks_dir(path: &Path) -> Result<PathBuf, DiffError> {
    let repo = crate::repo::open(path)?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    })
}

/// Creates a repository in `dir` with `base` committed on `main` and `head` committed on `branch`, checked out.
/// Files are `(relative path, contents)`; `head` replaces the whole tree. Author and time are fixed so the
/// repository is the same on every run.
pub fn write_two_commit_repo(
    dir: &Path,
    base: &[(String, Vec<u8>)],
    head: &[(String, Vec<u8>)],
    branch: &str,
) -> Result<(), DiffError> {
    let git = |what: &'static str| move |e: git2::Error| DiffError::git(what, e);
    let repo = Repository::init(dir).map_err(git("create the repository"))?;
    repo.set_head("refs/heads/main").map_err(git("set HEAD"))?;
    let sig = Signature::new(
        "secreview demo",
        "demo@example.invalid",
        &Time::new(1_767_225_600, 0),
    )
    .map_err(git("make the signature"))?;
    write_files(dir, base)?;
    let first = commit(&repo, &sig, "Base application", None)?;
    let first_commit = repo
        .find_commit(first)
        .map_err(git("read the first commit"))?;
    repo.branch(branch, &first_commit, true)
        .map_err(git("create the branch"))?;
    repo.set_head(&format!("refs/heads/{branch}"))
        .map_err(git("switch branches"))?;
    for (path, _) in base {
        let _ = std::fs::remove_file(dir.join(path));
    }
    write_files(dir, head)?;
    commit(&repo, &sig, "Feature work", Some(first))?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .map_err(git("check out the branch"))?;
    Ok(())
}

fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), DiffError> {
    for (path, contents) in files {
        let dest = dir.join(path);
        let io = |e: std::io::Error| DiffError::Walk {
            path: dest.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&dest, contents).map_err(io)?;
    }
    Ok(())
}

fn commit(
    repo: &Repository,
    sig: &Signature<'_>,
    msg: &str,
    parent: Option<git2::Oid>,
) -> Result<git2::Oid, DiffError> {
    let git = |what: &'static str| move |e: git2::Error| DiffError::git(what, e);
    let mut index = repo.index().map_err(git("open the index"))?;
    index.clear().map_err(git("clear the index"))?;
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .map_err(git("stage files"))?;
    index.write().map_err(git("write the index"))?;
    let tree_id = index.write_tree().map_err(git("write the tree"))?;
    let tree = repo.find_tree(tree_id).map_err(git("read the tree"))?;
    let parents = parent
        .map(|p| repo.find_commit(p))
        .transpose()
        .map_err(git("read the parent commit"))?;
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(Some("HEAD"), sig, sig, msg, &tree, &refs)
        .map_err(git("commit"))
}
