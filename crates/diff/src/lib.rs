//! # secreview-diff
//!
//! Builds the set of [`ChangedFile`]s to scan for each scan mode (branch against a base, staged, worktree, an
//! explicit range, every tracked file, every commit of a pushed range). It is the only crate that talks to git
//! (through `git2`): it resolves refs and merge-bases, reads each file's new and old text exactly once, records the
//! added and removed line numbers of a zero-context diff, and turns per-file problems (binary, too large, deleted,
//! symlink, submodule, unreadable on disk, outside the root) into counted [`Skipped`] notes instead of failures.
//! Text that is not UTF-8 is decoded lossily for the secrets detectors and noted as skipped for the code rules.
//! A damaged git object is never a per-file problem: it is an error, because skipping it would pass a change that
//! nobody read (and libgit2 would loop forever on a truncated loose object, see `objects`).
//!
//! It must not parse or analyse code, apply rules, or print: it hands text and line sets to the engine, and
//! every failure is a one-line [`DiffError`] with a hint.

mod at;
mod build;
mod content;
mod error;
mod objects;
mod repo;
mod setup;
mod snapshot;
mod walk;

use std::path::{Path, PathBuf};

use git2::{Commit, DiffOptions, Oid, Repository};
use secreview_model::{ChangedFile, LineSet, ScanMeta, Skipped};

pub use crate::at::{policy_commit, read_at, read_dir_at};
use crate::build::{Builder, DiffCtx, NewSide, find_renames, tree_diff_options};
pub use crate::error::DiffError;
pub use crate::setup::{hooks_dir, origin_url, repo_root, write_two_commit_repo};
pub use crate::snapshot::Snapshot;

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
    /// Decide "marked binary" by this commit's `.gitattributes` instead of the work tree's (and the index's):
    /// a branch must not hide its own files from the scan by marking them binary.
    pub attributes_at: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_file_bytes: 2 * 1024 * 1024,
            detect_renames: true,
            attributes_at: None,
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

/// One pushed ref: what the code rules read (the net diff `from..to`) and which commits the secrets detectors
/// read one by one (those reachable from `to` and from none of `hide`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRange {
    pub local_ref: String,
    /// Base of the net diff: the remote's old tip for a fast-forward, else the newest ancestor already on a
    /// remote; `None` when no ancestor is on any remote, so the net diff starts at the empty tree.
    pub from: Option<String>,
    /// The pushed commit (an annotated tag is peeled to its commit).
    pub to: String,
    /// Commits already on a remote (the remote's old tip and every remote-tracking branch), like
    /// `git rev-list TO --not --remotes`: the per-commit scan stops at them.
    pub hide: Vec<String>,
}

/// What a [`PushRange`] changes: the net diff for the code rules and every new commit for the secrets detectors.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub net: ChangeSet,
    pub commits: ChangeSet,
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
            Err(DiffError::NoDefaultBase | DiffError::ShallowWithoutBase) => (None, None),
            Err(e) => return Err(e),
        },
    };
    let hide: Vec<Oid> = hide.into_iter().collect();
    commit_changes(&repo, base, &hide, to_commit.id(), opts)
}

/// The net diff and the new commits of one pushed ref (see [`PushRange`]).
pub fn collect_pushed(path: &Path, range: &PushRange, opts: &Options) -> Result<Pushed, DiffError> {
    let repo = repo::open(path)?;
    let to = repo::resolve_revision(&repo, &range.to)?;
    let from = range
        .from
        .as_deref()
        .map(|f| repo::resolve_revision(&repo, f))
        .transpose()?;
    let git = |e| DiffError::git(format!("cannot diff the push of {}", range.local_ref), e);
    let old_tree = from.as_ref().map(Commit::tree).transpose().map_err(git)?;
    let new_tree = to.tree().map_err(git)?;
    let mut diff = build::diff_trees(
        &repo,
        old_tree.as_ref(),
        Some(&new_tree),
        &mut tree_diff_options(),
    )
    .map_err(git)?;
    find_renames(&mut diff, opts, false)?;
    let hide = range
        .hide
        .iter()
        .map(|h| repo::resolve_revision(&repo, h).map(|c| c.id()))
        .collect::<Result<Vec<_>, _>>()?;
    let meta = ScanMeta {
        mode: "range".to_owned(),
        base: range.from.clone(),
        head: Some(to.id().to_string()),
        branch: repo::current_branch(&repo),
        commits: repo::count_commits(&repo, from.as_ref().map(Commit::id), to.id()),
        ..ScanMeta::default()
    };
    let net = build(&repo, &diff, NewSide::Odb, None, meta, opts)?;
    let commits = commit_changes(&repo, range.from.clone(), &hide, to.id(), opts)?;
    Ok(Pushed { net, commits })
}

/// One [`ChangedFile`] per (commit, file) for every commit reachable from `to` and from none of `hide`.
fn commit_changes(
    repo: &Repository,
    base: Option<String>,
    hide: &[Oid],
    to: Oid,
    opts: &Options,
) -> Result<ChangeSet, DiffError> {
    let oids = repo::commits_between(repo, hide, to)
        .map_err(|e| DiffError::git(format!("cannot list the commits up to {to}"), e))?;

    let mut builder = Builder::new(repo, opts)?;
    let mut tree_opts = tree_diff_options();
    for &oid in &oids {
        let commit_err = |e| DiffError::git(format!("cannot read commit {oid}"), e);
        let commit = repo.find_commit(oid).map_err(commit_err)?;
        let tree = commit.tree().map_err(commit_err)?;
        // A missing parent (shallow boundary) reads as a root commit: everything in it counts as added.
        let mut parents = commit.parents().filter_map(|p| p.tree().ok());
        let first = parents.next();
        let others: Vec<_> = parents.collect();
        let mut diff = build::diff_trees(repo, first.as_ref(), Some(&tree), &mut tree_opts)
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
        )?;
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
        head: Some(to.to_string()),
        branch: repo::current_branch(repo),
        commits: u32::try_from(oids.len()).unwrap_or(u32::MAX),
        ..ScanMeta::default()
    };
    Ok(finish(repo::root(repo), files, skipped, meta))
}

/// Parses git's pre-push stdin (`<local ref> <local sha> <remote ref> <remote sha>` per line) into the ranges to
/// scan. A deleted ref (local sha all zeros) needs nothing; tags are peeled to their commits. A fast-forward
/// starts at the remote's old tip. Anything else — a new branch or tag, or an update whose remote sha is not an
/// ancestor (a force push) or is unknown locally — scans the commits that no remote-tracking branch has
/// (`--not --remotes`), its net diff starting at the newest of their parents already on a remote, or at the
/// empty tree when there is none: a push never runs without the code rules for want of a base branch.
pub fn pre_push_ranges(path: &Path, stdin: &str) -> Result<Vec<PushRange>, DiffError> {
    let repo = repo::open(path)?;
    let remote_tips = repo::remote_tips(&repo)?;
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
        let local = pushed_commit(&repo, local_ref, local)?;
        let known_remote = if is_zero(remote_sha) {
            None
        } else {
            Oid::from_str(remote_sha)
                .ok()
                .and_then(|o| repo.find_object(o, None).ok())
                .and_then(|o| o.peel_to_commit().ok())
                .map(|c| c.id())
        };
        // A fast-forward push scans remote..local. After a rewrite (rebase + force push) the old remote tip is
        // not an ancestor, and diffing against it would blame the pusher for the base branch's new commits.
        let fast_forward = known_remote
            .filter(|&r| r == local || repo.graph_descendant_of(local, r).unwrap_or(false));
        let mut hide = remote_tips.clone();
        hide.extend(fast_forward);
        let from = match fast_forward {
            Some(r) => Some(r),
            None => match newest_on_remote(&repo, local, &hide)? {
                Boundary::NothingNew => continue,
                Boundary::At(oid) => Some(oid),
                Boundary::EmptyTree => None,
            },
        };
        if from == Some(local) {
            continue;
        }
        hide.sort();
        hide.dedup();
        ranges.push(PushRange {
            local_ref: local_ref.to_owned(),
            from: from.map(|o| o.to_string()),
            to: local.to_string(),
            hide: hide.iter().map(Oid::to_string).collect(),
        });
    }
    Ok(ranges)
}

/// The commit a pushed ref names, peeling annotated tags (a tag object's own id names no tree to diff).
fn pushed_commit(repo: &Repository, local_ref: &str, oid: Oid) -> Result<Oid, DiffError> {
    let object = repo
        .find_object(oid, None)
        .map_err(|e| DiffError::git(format!("cannot read the pushed object {oid}"), e))?;
    match object.peel_to_commit() {
        Ok(commit) => Ok(commit.id()),
        Err(_) => Err(DiffError::NotACommit {
            local_ref: local_ref.to_owned(),
            kind: object
                .peel(git2::ObjectType::Any)
                .ok()
                .and_then(|o| o.kind())
                .map_or("non-commit object", |k| k.str())
                .to_owned(),
        }),
    }
}

/// Where the net diff of a non-fast-forward push starts.
enum Boundary {
    /// Every commit is already on a remote.
    NothingNew,
    /// The newest (by committer time) parent of a new commit that is already on a remote.
    At(Oid),
    /// No ancestor is on any remote: the whole tree is new.
    EmptyTree,
}

fn newest_on_remote(repo: &Repository, local: Oid, hide: &[Oid]) -> Result<Boundary, DiffError> {
    let git = |e| {
        DiffError::git(
            format!("cannot list the commits of {local} not on a remote"),
            e,
        )
    };
    let new: std::collections::HashSet<Oid> = repo::commits_between(repo, hide, local)
        .map_err(git)?
        .into_iter()
        .collect();
    if new.is_empty() {
        return Ok(Boundary::NothingNew);
    }
    let mut newest: Option<(i64, Oid)> = None;
    for &oid in &new {
        let commit = repo.find_commit(oid).map_err(git)?;
        for parent in commit.parents().filter(|p| !new.contains(&p.id())) {
            let key = (parent.committer().when().seconds(), parent.id());
            if newest.is_none_or(|n| key > n) {
                newest = Some(key);
            }
        }
    }
    Ok(newest.map_or(Boundary::EmptyTree, |(_, oid)| Boundary::At(oid)))
}

fn is_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
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
    let mut diff = build::diff_trees(
        repo,
        Some(&old_tree),
        Some(&new_tree),
        &mut tree_diff_options(),
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
    let mut diff = build::diff_trees(
        repo,
        Some(&old_tree),
        Some(&new_tree),
        &mut tree_diff_options(),
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
    )?;
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
