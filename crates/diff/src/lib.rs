//! # secreview-diff
//!
//! Builds the set of [`ChangedFile`]s to scan for each scan mode (branch against a base, staged, worktree, an
//! explicit range, every tracked file, every commit of a pushed range). It is the only crate that talks to git
//! (through `git2`): it resolves refs and merge-bases, reads each file's new and old text exactly once, records the
//! added and removed line numbers of a zero-context diff, and turns per-file problems (binary, too large, deleted,
//! symlink, submodule, not UTF-8, unreadable) into counted [`Skipped`] notes instead of failures.
//!
//! It must not parse or analyse code, apply rules, or print: it hands text and line sets to the engine, and
//! every failure is a one-line [`DiffError`] with a hint.

mod build;
mod content;
mod error;
mod repo;
mod setup;
mod walk;

use std::path::{Path, PathBuf};

use git2::{DiffOptions, Oid, Repository};
use secreview_model::{ChangedFile, LineSet, ScanMeta, Skipped};

use crate::build::{Builder, DiffCtx, NewSide, find_renames, tree_diff_options};
pub use crate::error::DiffError;
pub use crate::setup::{hooks_dir, origin_url, repo_root, write_two_commit_repo};

/// Added (new-side) and removed (old-side) 1-based line numbers of `old -> new`, exactly as a scan computes them
/// for a changed file (zero context, git's line attribution, every line break style). For tools and fuzzing.
pub fn line_sets(old: &[u8], new: &[u8]) -> Result<(LineSet, LineSet), DiffError> {
    build::text_line_sets(&mut build::patch_options(), old, new, false)
        .map_err(|e| DiffError::git("cannot diff the two texts", e))
}

/// Which change to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `merge-base(base, HEAD)..HEAD`: what the branch adds, ignoring what landed on the base since it forked.
    /// `None` uses [`default_base`].
    Branch { base: Option<String> },
    /// `HEAD..index`: what `git commit` would record.
    Staged,
    /// `HEAD..working tree`, staged or not, including untracked files that are not ignored. New text is read
    /// from disk.
    Worktree,
    /// `tree(from)..tree(to)`: a plain two-tree diff, **not** `merge-base(from, to)..to` (use `Branch` for that).
    Range { from: String, to: String },
    /// Every tracked file (the index's entries, so staged-but-uncommitted files count), read from the working
    /// tree, each line counting as added; outside a repository, every non-ignored file of the directory
    /// (`.gitignore` honoured, hidden files such as `.env` included, `.git` skipped).
    All,
}

impl Mode {
    /// Parses `FROM..TO` for [`Mode::Range`]. An empty side means `HEAD`, as in git (`main..` is `main..HEAD`).
    /// The three-dot form is rejected: its merge-base meaning is [`Mode::Branch`].
    pub fn range(spec: &str) -> Result<Mode, DiffError> {
        let bad = |reason| DiffError::BadRange {
            spec: spec.to_owned(),
            reason,
        };
        if spec.contains("...") {
            return Err(bad(
                "three-dot ranges mean a merge-base diff; use --base FROM instead",
            ));
        }
        let Some((from, to)) = spec.split_once("..") else {
            return Err(bad("expected two revisions separated by `..`"));
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() && to.is_empty() {
            return Err(bad("both sides are empty"));
        }
        if to.contains("..") {
            return Err(bad("more than one `..`"));
        }
        let side = |s: &str| if s.is_empty() { "HEAD" } else { s }.to_owned();
        Ok(Mode::Range {
            from: side(from),
            to: side(to),
        })
    }

    /// The name recorded in [`ScanMeta::mode`].
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Branch { .. } => "branch",
            Mode::Staged => "staged",
            Mode::Worktree => "worktree",
            Mode::Range { .. } => "range",
            Mode::All => "all",
        }
    }
}

/// Limits for building change sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Files whose new side is larger are skipped as too large.
    pub max_file_bytes: u64,
    /// Pair deleted and added files into renames (renames only: no copies, no rewrite breaking).
    pub detect_renames: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_file_bytes: 2 * 1024 * 1024,
            detect_renames: true,
        }
    }
}

/// The files to scan, the files skipped, and what was compared.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// Working-tree root (the git directory of a bare repository; the directory for a plain walk).
    pub root: PathBuf,
    /// Sorted by path; in per-commit scans, same-path entries keep commit order (oldest first).
    pub files: Vec<ChangedFile>,
    /// Sorted by path.
    pub skipped: Vec<Skipped>,
    pub meta: ScanMeta,
}

/// One pushed ref to scan commit by commit: `(from, to]`; `from: None` means everything reachable from `to` that
/// the default base does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRange {
    pub local_ref: String,
    pub from: Option<String>,
    pub to: String,
}

/// Builds the change set for `mode` in the repository containing `path` (or, for [`Mode::All`] outside any
/// repository, the directory `path`).
pub fn collect(path: &Path, mode: &Mode, opts: &Options) -> Result<ChangeSet, DiffError> {
    let Some(repo) = repo::discover(path)? else {
        if *mode == Mode::All {
            return plain_all(path, opts);
        }
        return Err(DiffError::NotARepository {
            path: path.to_path_buf(),
        });
    };
    match mode {
        Mode::Branch { base } => branch(&repo, base.as_deref(), opts),
        Mode::Staged => staged(&repo, opts),
        Mode::Worktree => worktree(&repo, opts),
        Mode::Range { from, to } => range(&repo, from, to, opts),
        Mode::All => all(&repo, opts),
    }
}

/// The base used when none is given: the target of the remote's HEAD (`refs/remotes/origin/HEAD`, else any
/// remote's HEAD), then `main`, then `master` (each as `origin/NAME`, else the local branch).
pub fn default_base(path: &Path) -> Result<String, DiffError> {
    repo::default_base_name(&repo::open(path)?)
}

/// Every commit in `(from, to]`, oldest first, one [`ChangedFile`] per (commit, file) with `commit: Some(sha)` and
/// the lines added relative to the commit's first parent, so a secret added in one commit and removed in a later
/// one is still seen. `from: None` scans the commits reachable from `to` but not from the default base (all of
/// them when there is no default base).
///
/// Files that only lost lines are left out (only additions matter per commit). In a merge commit, a file
/// identical to its version in another parent was only carried over by the merge and is left out too.
pub fn collect_commits(
    path: &Path,
    from: Option<&str>,
    to: &str,
    opts: &Options,
) -> Result<ChangeSet, DiffError> {
    let repo = repo::open(path)?;
    if repo::head_commit_opt(&repo)?.is_none() && repo::resolve_commit(&repo, to).is_none() {
        return Err(DiffError::UnbornHead {
            path: repo::root(&repo),
        });
    }
    let to_commit = repo::resolve_revision(&repo, to)?;
    let (base, hide) = match from {
        Some(f) => (
            Some(f.to_owned()),
            Some(repo::resolve_revision(&repo, f)?.id()),
        ),
        None => match repo::default_base_name(&repo) {
            Ok(name) => match repo::resolve_base(&repo, &name) {
                Ok((name, c)) => (Some(name), Some(c.id())),
                Err(_) => (None, None),
            },
            Err(DiffError::NoDefaultBase) => (None, None),
            Err(e) => return Err(e),
        },
    };
    let oids = repo::commits_between(&repo, hide, to_commit.id())
        .map_err(|e| DiffError::git(format!("cannot list the commits up to `{to}`"), e))?;

    let mut builder = Builder::new(&repo, opts)?;
    let mut tree_opts = tree_diff_options();
    for &oid in &oids {
        let commit_err = |e| DiffError::git(format!("cannot read commit {oid}"), e);
        let commit = repo.find_commit(oid).map_err(commit_err)?;
        let tree = commit.tree().map_err(commit_err)?;
        // A missing parent (shallow boundary) reads as a root commit: everything in it counts as added.
        let mut parents = commit.parents().filter_map(|p| p.tree().ok());
        let first = parents.next();
        let others: Vec<_> = parents.collect();
        let mut diff = repo
            .diff_tree_to_tree(first.as_ref(), Some(&tree), Some(&mut tree_opts))
            .map_err(commit_err)?;
        find_renames(&mut diff, opts, false)?;
        let sha = oid.to_string();
        builder.add_diff(
            &diff,
            &DiffCtx {
                new_side: NewSide::Odb,
                commit: Some(&sha),
                other_parents: &others,
                keep_deletion_only: false,
                disk_root: None,
            },
        );
    }
    let Builder {
        files, mut skipped, ..
    } = builder;
    // The same deletion or binary file may show up in several commits; one note per path and reason is enough.
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.dedup();
    let meta = ScanMeta {
        mode: "commits".to_owned(),
        base,
        head: Some(to_commit.id().to_string()),
        branch: repo::current_branch(&repo),
        commits: u32::try_from(oids.len()).unwrap_or(u32::MAX),
        ..ScanMeta::default()
    };
    Ok(finish(repo::root(&repo), files, skipped, meta))
}

/// Parses git's pre-push stdin (`<local ref> <local sha> <remote ref> <remote sha>` per line) into the ranges to
/// scan. A deleted ref (local sha all zeros) needs nothing. A new remote branch (remote sha all zeros) starts at
/// its merge-base with the default base; so does an update whose remote sha is unknown locally (a force push
/// over commits we never fetched). When no base is found, `from` is `None`.
pub fn pre_push_ranges(path: &Path, stdin: &str) -> Result<Vec<PushRange>, DiffError> {
    let repo = repo::open(path)?;
    let mut ranges = Vec::new();
    for line in stdin.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || DiffError::BadPushLine {
            line: line.to_owned(),
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [local_ref, local_sha, _remote_ref, remote_sha] = fields[..] else {
            return Err(bad());
        };
        if !is_sha(local_sha) || !is_sha(remote_sha) {
            return Err(bad());
        }
        if is_zero(local_sha) {
            continue;
        }
        let local = Oid::from_str(local_sha).map_err(|_| bad())?;
        let known_remote = if is_zero(remote_sha) {
            None
        } else {
            Oid::from_str(remote_sha)
                .ok()
                .filter(|&o| repo.find_commit(o).is_ok())
        };
        // A fast-forward push scans remote..local. After a rewrite (rebase + force push) the old remote tip is
        // not an ancestor, and diffing against it would blame the pusher for the base branch's new commits: scan
        // the branch against its merge-base with the default base instead, as for a new branch.
        let fast_forward = known_remote
            .filter(|&r| r == local || repo.graph_descendant_of(local, r).unwrap_or(false));
        let from = fast_forward.or_else(|| base_merge_base(&repo, local));
        if from == Some(local) {
            continue;
        }
        ranges.push(PushRange {
            local_ref: local_ref.to_owned(),
            from: from.map(|o| o.to_string()),
            to: local.to_string(),
        });
    }
    Ok(ranges)
}

fn is_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

fn base_merge_base(repo: &Repository, local: Oid) -> Option<Oid> {
    let name = repo::default_base_name(repo).ok()?;
    let (_, base) = repo::resolve_base(repo, &name).ok()?;
    repo.merge_base(base.id(), local).ok()
}

fn branch(repo: &Repository, base: Option<&str>, opts: &Options) -> Result<ChangeSet, DiffError> {
    let head = repo::head_commit(repo)?;
    let base_name = match base {
        Some(b) => b.to_owned(),
        None => repo::default_base_name(repo)?,
    };
    let (base_name, base_commit) = repo::resolve_base(repo, &base_name)?;
    let mb = repo::merge_base(repo, &base_name, base_commit.id(), head.id())?;
    let old_tree = repo
        .find_commit(mb)
        .and_then(|c| c.tree())
        .map_err(|e| DiffError::git(format!("cannot read merge-base commit {mb}"), e))?;
    let new_tree = head
        .tree()
        .map_err(|e| DiffError::git("cannot read HEAD's tree", e))?;
    let mut diff = repo
        .diff_tree_to_tree(
            Some(&old_tree),
            Some(&new_tree),
            Some(&mut tree_diff_options()),
        )
        .map_err(|e| DiffError::git(format!("cannot diff {mb}..HEAD"), e))?;
    find_renames(&mut diff, opts, false)?;
    let meta = ScanMeta {
        mode: "branch".to_owned(),
        base: Some(base_name),
        merge_base: Some(mb.to_string()),
        head: Some(head.id().to_string()),
        branch: repo::current_branch(repo),
        commits: repo::count_commits(repo, Some(mb), head.id()),
        ..ScanMeta::default()
    };
    build(
        repo,
        &diff,
        NewSide::Odb,
        workdir(repo).as_deref(),
        meta,
        opts,
    )
}

fn staged(repo: &Repository, opts: &Options) -> Result<ChangeSet, DiffError> {
    let root = repo::require_worktree(repo, "staged")?;
    // No commit yet: everything staged is new (the first commit's pre-commit check).
    let head_tree = repo::head_tree_opt(repo)?;
    let index = repo
        .index()
        .map_err(|e| DiffError::git("cannot read the index", e))?;
    let mut diff = repo
        .diff_tree_to_index(
            head_tree.as_ref(),
            Some(&index),
            Some(&mut tree_diff_options()),
        )
        .map_err(|e| DiffError::git("cannot diff HEAD against the index", e))?;
    find_renames(&mut diff, opts, false)?;
    let meta = head_meta(repo, "staged")?;
    build(repo, &diff, NewSide::Odb, Some(&root), meta, opts)
}

fn worktree(repo: &Repository, opts: &Options) -> Result<ChangeSet, DiffError> {
    let root = repo::require_worktree(repo, "worktree")?;
    let head_tree = repo::head_tree_opt(repo)?;
    let mut diff_opts: DiffOptions = tree_diff_options();
    diff_opts
        .include_untracked(true)
        .recurse_untracked_dirs(true);
    let mut diff = repo
        .diff_tree_to_workdir_with_index(head_tree.as_ref(), Some(&mut diff_opts))
        .map_err(|e| DiffError::git("cannot diff HEAD against the working tree", e))?;
    // `for_untracked`: a file moved with plain `mv` is an untracked file plus a deleted one.
    find_renames(&mut diff, opts, true)?;
    let meta = head_meta(repo, "worktree")?;
    build(repo, &diff, NewSide::Disk(&root), Some(&root), meta, opts)
}

fn range(repo: &Repository, from: &str, to: &str, opts: &Options) -> Result<ChangeSet, DiffError> {
    for side in [from, to] {
        if side.trim().is_empty() {
            return Err(DiffError::BadRange {
                spec: format!("{from}..{to}"),
                reason: "a side of the range is empty",
            });
        }
    }
    if repo::head_commit_opt(repo)?.is_none() && repo::resolve_commit(repo, to).is_none() {
        return Err(DiffError::UnbornHead {
            path: repo::root(repo),
        });
    }
    let from_commit = repo::resolve_revision(repo, from)?;
    let to_commit = repo::resolve_revision(repo, to)?;
    let trees = from_commit.tree().and_then(|a| Ok((a, to_commit.tree()?)));
    let (old_tree, new_tree) =
        trees.map_err(|e| DiffError::git(format!("cannot read the trees of {from}..{to}"), e))?;
    let mut diff = repo
        .diff_tree_to_tree(
            Some(&old_tree),
            Some(&new_tree),
            Some(&mut tree_diff_options()),
        )
        .map_err(|e| DiffError::git(format!("cannot diff {from}..{to}"), e))?;
    find_renames(&mut diff, opts, false)?;
    let meta = ScanMeta {
        mode: "range".to_owned(),
        base: Some(from.to_owned()),
        head: Some(to_commit.id().to_string()),
        branch: repo::current_branch(repo),
        commits: repo::count_commits(repo, Some(from_commit.id()), to_commit.id()),
        ..ScanMeta::default()
    };
    // The range's new side need not match the disk, so no `disk_path`.
    build(repo, &diff, NewSide::Odb, None, meta, opts)
}

fn all(repo: &Repository, opts: &Options) -> Result<ChangeSet, DiffError> {
    let root = repo::require_worktree(repo, "all")?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    walk::tracked(repo, &root, opts.max_file_bytes, &mut files, &mut skipped)?;
    let meta = head_meta(repo, "all")?;
    Ok(finish(root, files, skipped, meta))
}

fn plain_all(path: &Path, opts: &Options) -> Result<ChangeSet, DiffError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let root = walk::plain(path, opts.max_file_bytes, &mut files, &mut skipped)?;
    let meta = ScanMeta {
        mode: "all".to_owned(),
        ..ScanMeta::default()
    };
    Ok(finish(root, files, skipped, meta))
}

fn workdir(repo: &Repository) -> Option<PathBuf> {
    repo.workdir()
        .filter(|_| !repo.is_bare())
        .map(|d| d.components().collect())
}

fn head_meta(repo: &Repository, mode: &str) -> Result<ScanMeta, DiffError> {
    Ok(ScanMeta {
        mode: mode.to_owned(),
        head: repo::head_commit_opt(repo)?.map(|c| c.id().to_string()),
        branch: repo::current_branch(repo),
        ..ScanMeta::default()
    })
}

fn build(
    repo: &Repository,
    diff: &git2::Diff<'_>,
    new_side: NewSide<'_>,
    disk_root: Option<&Path>,
    meta: ScanMeta,
    opts: &Options,
) -> Result<ChangeSet, DiffError> {
    let mut builder = Builder::new(repo, opts)?;
    builder.add_diff(
        diff,
        &DiffCtx {
            new_side,
            commit: None,
            other_parents: &[],
            keep_deletion_only: true,
            disk_root,
        },
    );
    let Builder { files, skipped, .. } = builder;
    Ok(finish(repo::root(repo), files, skipped, meta))
}

/// Sorts (stable, so per-commit entries keep commit order) and fills the counts.
fn finish(
    root: PathBuf,
    mut files: Vec<ChangedFile>,
    mut skipped: Vec<Skipped>,
    mut meta: ScanMeta,
) -> ChangeSet {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    meta.files_scanned = u32::try_from(files.len()).unwrap_or(u32::MAX);
    meta.files_skipped = u32::try_from(skipped.len()).unwrap_or(u32::MAX);
    ChangeSet {
        root,
        files,
        skipped,
        meta,
    }
}
