//! Reading the review policy as it was before the change: the commit whose tree holds it (the base side of the
//! diff), single files and whole directories at a commit, and `.gitattributes` as that commit had them.
//!
//! A branch edits its own `.secreview.toml`, baseline, rule files and `.gitattributes` as easily as its code, so a
//! gate that must not be weakened by the branch it reviews reads those from here instead of the work tree.

use std::path::Path;

use git2::{
    AttrCheckFlags, AttrValue, Index, ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult,
};

use crate::Mode;
use crate::error::DiffError;
use crate::repo;

/// The commit whose tree holds the policy for a scan of `mode`, as a full hex id: the merge-base for a branch
/// scan, `FROM` for `FROM..TO`, HEAD for staged, worktree and whole-tree scans. `None` when HEAD has no commit
/// yet (nothing existed before the change) — then there is no base policy, only the defaults.
///
/// # Errors
/// The same errors [`crate::collect`] gives for that mode (unknown base, shallow clone, not a repository).
pub fn policy_commit(path: &Path, mode: &Mode) -> Result<Option<String>, DiffError> {
    let repo = repo::open(path)?;
    let oid = match mode {
        Mode::Branch { base } => {
            let head = repo::head_commit(&repo)?;
            let name = match base {
                Some(b) => b.clone(),
                None => repo::default_base_name(&repo)?,
            };
            let (name, base) = repo::resolve_base(&repo, &name)?;
            Some(repo::merge_base(&repo, &name, base.id(), head.id())?)
        }
        Mode::Range { from, .. } => Some(repo::resolve_revision(&repo, from)?.id()),
        Mode::Staged | Mode::Worktree | Mode::All => repo::head_commit_opt(&repo)?.map(|c| c.id()),
    };
    Ok(oid.map(|o| o.to_string()))
}

fn tree_at<'r>(repo: &'r Repository, rev: &str) -> Result<Tree<'r>, DiffError> {
    repo::resolve_revision(repo, rev)?
        .tree()
        .map_err(|e| DiffError::git(format!("cannot read the tree of {rev}"), e))
}

/// The text of `file` (repository-relative, `/`-separated) in commit `rev`; `None` when it does not exist there.
/// Bytes that are not UTF-8 are replaced, so a mangled config fails to parse instead of vanishing.
///
/// # Errors
/// `rev` names no commit, or the object database cannot be read.
pub fn read_at(path: &Path, rev: &str, file: &str) -> Result<Option<String>, DiffError> {
    let repo = repo::open(path)?;
    let tree = tree_at(&repo, rev)?;
    let Ok(entry) = tree.get_path(Path::new(file)) else {
        return Ok(None);
    };
    if entry.kind() != Some(ObjectType::Blob) {
        return Ok(None);
    }
    let blob = repo
        .find_blob(entry.id())
        .map_err(|e| DiffError::git(format!("cannot read {file} at {rev}"), e))?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// Every file under directory `dir` (repository-relative) in commit `rev`, as (path relative to `dir`, bytes),
/// sorted by path; empty when the directory does not exist there.
///
/// # Errors
/// `rev` names no commit, or the object database cannot be read.
pub fn read_dir_at(path: &Path, rev: &str, dir: &str) -> Result<Vec<(String, Vec<u8>)>, DiffError> {
    let repo = repo::open(path)?;
    let tree = tree_at(&repo, rev)?;
    let dir = dir.trim_matches('/');
    let sub = if dir.is_empty() || dir == "." {
        tree
    } else {
        match tree.get_path(Path::new(dir)) {
            Ok(e) if e.kind() == Some(ObjectType::Tree) => repo
                .find_tree(e.id())
                .map_err(|e| DiffError::git(format!("cannot read {dir} at {rev}"), e))?,
            _ => return Ok(Vec::new()),
        }
    };
    let mut blobs = Vec::new();
    sub.walk(TreeWalkMode::PreOrder, |parent, entry| {
        if entry.kind() == Some(ObjectType::Blob)
            && let Ok(name) = entry.name()
        {
            blobs.push((format!("{parent}{name}"), entry.id()));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| DiffError::git(format!("cannot list {dir} at {rev}"), e))?;
    let mut out = Vec::with_capacity(blobs.len());
    for (rel, id) in blobs {
        let blob = repo
            .find_blob(id)
            .map_err(|e| DiffError::git(format!("cannot read {dir}/{rel} at {rev}"), e))?;
        out.push((rel, blob.content().to_vec()));
    }
    out.sort();
    Ok(out)
}

/// A second handle on the repository whose in-memory index holds `rev`'s tree, so libgit2 answers attribute
/// questions from that commit's `.gitattributes` files (with [`AttrCheckFlags::INDEX_ONLY`]) and never from the
/// work tree. Parsing `.gitattributes` ourselves was rejected: its pattern and macro rules are git's to define.
pub(crate) struct AttrsAt {
    repo: Repository,
}

impl AttrsAt {
    pub(crate) fn new(main: &Repository, rev: &str) -> Result<Self, DiffError> {
        let err = |e| DiffError::git(format!("cannot read the .gitattributes of {rev}"), e);
        let tree = tree_at(main, rev)?;
        let repo = Repository::open(main.path()).map_err(err)?;
        let mut index = Index::new().map_err(err)?;
        index.read_tree(&tree).map_err(err)?;
        repo.set_index(&mut index).map_err(err)?;
        Ok(Self { repo })
    }

    /// `binary` or `-diff` for `path` in that commit's attributes.
    pub(crate) fn says_binary(&self, path: &str) -> bool {
        matches!(
            self.repo
                .get_attr(Path::new(path), "diff", AttrCheckFlags::INDEX_ONLY)
                .map(AttrValue::from_string),
            Ok(AttrValue::False)
        )
    }
}
