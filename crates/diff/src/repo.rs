//! Opening the repository and resolving names: HEAD, the default base, merge-bases, commit counts.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use git2::{Commit, ErrorCode, Oid, Repository, RepositoryOpenFlags, Sort, Tree};

use crate::error::{DiffError, fetch_name};

/// Finds the repository containing `path`; `None` when there is none (so `--all` can walk a plain directory).
pub(crate) fn discover(path: &Path) -> Result<Option<Repository>, DiffError> {
    if !path.exists() {
        return Err(DiffError::NoSuchPath {
            path: path.to_path_buf(),
        });
    }
    // `Repository::discover` finds the git directory and then opens *it*, which loses the work tree of a `.git`
    // file (`git init --separate-git-dir`): libgit2 then guesses the git directory's parent, so a branch scan
    // filtered everything out and `--all` read files outside the repository. `open_ext` searches from `path`
    // and keeps the directory that holds the `.git` file as the work tree.
    match Repository::open_ext(
        path,
        RepositoryOpenFlags::CROSS_FS,
        std::iter::empty::<&OsStr>(),
    ) {
        Ok(repo) => {
            let repo = without_guessed_worktree(repo, path)?;
            crate::objects::check_loose_objects(&repo)?;
            Ok(Some(repo))
        }
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(DiffError::git(
            format!("cannot open the git repository at `{}`", path.display()),
            e,
        )),
    }
}

/// Inside a git directory that is not a `.git` folder (a `--separate-git-dir` target) there is no work tree
/// unless `core.worktree` names one, as for git itself; libgit2 would guess the git directory's parent and read
/// files outside the repository. Such a repository is reopened bare, so modes that need a work tree say so.
fn without_guessed_worktree(repo: Repository, path: &Path) -> Result<Repository, DiffError> {
    let (Ok(inside), Ok(git_dir)) = (path.canonicalize(), repo.path().canonicalize()) else {
        return Ok(repo);
    };
    let guessed = repo.workdir().is_some()
        && !repo.is_worktree()
        && inside.starts_with(&git_dir)
        && git_dir.file_name().is_some_and(|n| n != ".git")
        && repo
            .config()
            .and_then(|c| c.get_path("core.worktree"))
            .is_err();
    if !guessed {
        return Ok(repo);
    }
    Repository::open_bare(repo.path()).map_err(|e| {
        DiffError::git(
            format!("cannot open the git directory `{}`", git_dir.display()),
            e,
        )
    })
}

pub(crate) fn open(path: &Path) -> Result<Repository, DiffError> {
    discover(path)?.ok_or_else(|| DiffError::NotARepository {
        path: path.to_path_buf(),
    })
}

/// The working tree root, or the git directory of a bare repository, without a trailing separator.
pub(crate) fn root(repo: &Repository) -> PathBuf {
    repo.workdir()
        .unwrap_or_else(|| repo.path())
        .components()
        .collect()
}

pub(crate) fn require_worktree(
    repo: &Repository,
    mode: &'static str,
) -> Result<PathBuf, DiffError> {
    match repo.workdir() {
        Some(dir) if !repo.is_bare() => Ok(dir.components().collect()),
        _ => Err(DiffError::BareRepository {
            path: root(repo),
            mode,
        }),
    }
}

/// HEAD's commit, or `None` when HEAD is unborn (no commit yet).
pub(crate) fn head_commit_opt(repo: &Repository) -> Result<Option<Commit<'_>>, DiffError> {
    match repo.head() {
        Ok(head) => head
            .peel_to_commit()
            .map(Some)
            .map_err(|e| DiffError::git("cannot read the commit HEAD points to", e)),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(DiffError::git("cannot read HEAD", e)),
    }
}

pub(crate) fn head_commit(repo: &Repository) -> Result<Commit<'_>, DiffError> {
    head_commit_opt(repo)?.ok_or_else(|| DiffError::UnbornHead { path: root(repo) })
}

pub(crate) fn head_tree_opt(repo: &Repository) -> Result<Option<Tree<'_>>, DiffError> {
    head_commit_opt(repo)?
        .map(|c| c.tree())
        .transpose()
        .map_err(|e| DiffError::git("cannot read HEAD's tree", e))
}

/// Shorthand of the branch HEAD is on (`None` when detached or unborn).
pub(crate) fn current_branch(repo: &Repository) -> Option<String> {
    let head = repo.head().ok()?;
    if head.is_branch() {
        head.shorthand().ok().map(str::to_owned)
    } else {
        None
    }
}

pub(crate) fn resolve_commit<'r>(repo: &'r Repository, spec: &str) -> Option<Commit<'r>> {
    repo.revparse_single(spec).ok()?.peel_to_commit().ok()
}

/// Resolves `--base NAME`, accepting `origin/NAME` when only the remote-tracking branch exists (a CI checkout
/// usually has no local `main`). Returns the name actually used and its commit.
pub(crate) fn resolve_base<'r>(
    repo: &'r Repository,
    name: &str,
) -> Result<(String, Commit<'r>), DiffError> {
    if let Some(c) = resolve_commit(repo, name) {
        return Ok((name.to_owned(), c));
    }
    if !name.starts_with("origin/") && !name.starts_with("refs/") {
        let remote = format!("origin/{name}");
        if let Some(c) = resolve_commit(repo, &remote) {
            return Ok((remote, c));
        }
    }
    Err(DiffError::UnknownBaseRef {
        name: name.to_owned(),
        fetch: fetch_name(name),
    })
}

pub(crate) fn resolve_revision<'r>(
    repo: &'r Repository,
    name: &str,
) -> Result<Commit<'r>, DiffError> {
    resolve_commit(repo, name).ok_or_else(|| DiffError::UnknownRevision {
        name: name.to_owned(),
        fetch: fetch_name(name),
    })
}

/// The default base: the remote's HEAD (`origin` first, then any remote), then `main`, then `master`.
///
/// For `main`/`master` the remote-tracking branch is preferred over the local one: `git fetch` moves
/// `origin/main` but not a local `main`, and a stale base only widens the diff with other people's commits.
pub(crate) fn default_base_name(repo: &Repository) -> Result<String, DiffError> {
    let mut remotes: Vec<String> = repo
        .remotes()
        .map(|names| {
            names
                .iter()
                .flatten()
                .flatten()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    remotes.sort_by_key(|r| (r != "origin", r.clone()));
    if !remotes.iter().any(|r| r == "origin") {
        // A remote-tracking `origin/HEAD` can exist without a configured remote (copied repositories).
        remotes.insert(0, "origin".to_owned());
    }
    for remote in &remotes {
        let Ok(reference) = repo.find_reference(&format!("refs/remotes/{remote}/HEAD")) else {
            continue;
        };
        let name = match reference.symbolic_target().ok().flatten() {
            Some(target) => target
                .strip_prefix("refs/remotes/")
                .unwrap_or(target)
                .to_owned(),
            None => format!("{remote}/HEAD"),
        };
        // A single-branch clone of the branch under review (the CI default) points the remote HEAD at that very
        // branch: comparing a branch with itself scans nothing and would pass whatever it holds.
        let own_branch = current_branch(repo)
            .is_some_and(|b| name.strip_prefix(remote.as_str()) == Some(&format!("/{b}")));
        if !own_branch && resolve_commit(repo, &name).is_some() {
            return Ok(name);
        }
    }
    for branch in ["main", "master"] {
        for name in [format!("origin/{branch}"), branch.to_owned()] {
            let full = if name.starts_with("origin/") {
                format!("refs/remotes/{name}")
            } else {
                format!("refs/heads/{name}")
            };
            if repo
                .find_reference(&full)
                .and_then(|r| r.peel_to_commit())
                .is_ok()
            {
                return Ok(name);
            }
        }
    }
    // CI checkouts are shallow single-branch clones by default: say so, the fix is in the CI config.
    if repo.is_shallow() {
        Err(DiffError::ShallowWithoutBase)
    } else {
        Err(DiffError::NoDefaultBase)
    }
}

/// `merge-base(base, head)`, turning "none found" into the shallow-clone or unrelated-histories error.
pub(crate) fn merge_base(
    repo: &Repository,
    base_name: &str,
    base: Oid,
    head: Oid,
) -> Result<Oid, DiffError> {
    match repo.merge_base(base, head) {
        Ok(oid) => Ok(oid),
        Err(e) if e.code() == ErrorCode::NotFound => {
            if repo.is_shallow() {
                Err(DiffError::ShallowClone {
                    base: base_name.to_owned(),
                })
            } else {
                Err(DiffError::UnrelatedHistories {
                    base: base_name.to_owned(),
                })
            }
        }
        Err(e) => Err(DiffError::git(
            format!("cannot compute the merge-base of `{base_name}` and HEAD"),
            e,
        )),
    }
}

/// Commits reachable from `to` but from none of `hide`, oldest first (parents before children).
pub(crate) fn commits_between(
    repo: &Repository,
    hide: &[Oid],
    to: Oid,
) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(to)?;
    for &h in hide {
        walk.hide(h)?;
    }
    walk.collect()
}

/// The commits every remote-tracking branch (`refs/remotes/*`) points to: what is already on some remote.
pub(crate) fn remote_tips(repo: &Repository) -> Result<Vec<Oid>, DiffError> {
    let refs = repo
        .references_glob("refs/remotes/*")
        .map_err(|e| DiffError::git("cannot list the remote-tracking branches", e))?;
    let mut tips: Vec<Oid> = refs
        .flatten()
        .filter_map(|r| r.peel_to_commit().ok())
        .map(|c| c.id())
        .collect();
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Number of commits in `hide..to`, for the scan metadata only: a failure counts as 0 rather than aborting.
pub(crate) fn count_commits(repo: &Repository, hide: Option<Oid>, to: Oid) -> u32 {
    let Ok(mut walk) = repo.revwalk() else {
        return 0;
    };
    if walk.push(to).is_err() || hide.is_some_and(|h| walk.hide(h).is_err()) {
        return 0;
    }
    u32::try_from(walk.flatten().count()).unwrap_or(u32::MAX)
}
