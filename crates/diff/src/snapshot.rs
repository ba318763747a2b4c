//! The scanned side of the tree as a whole, for context: the analyses read the modules the changed files import
//! (an auth dependency in `api/deps.py`), not only the changed files.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::content::{self, DiskRoot};
use crate::error::DiffError;
use crate::{ChangeSet, repo};

/// Read access to every file of the scanned side: the head commit's tree for commit-based modes, the disk for
/// the working tree. Not `Sync` (libgit2 handles are not): read what is needed before the parallel scan.
pub struct Snapshot {
    repo: Repository,
    side: Side,
    paths: Vec<String>,
    limit: u64,
}

enum Side {
    Tree(Oid),
    /// The working tree, read without leaving it (a symlinked directory pointing outside is not followed).
    Disk(PathBuf, RefCell<DiskRoot>),
}

impl Snapshot {
    /// The tree `changes` were collected from: its head commit's tree, read from the object database, or
    /// from the disk when `working_tree` (uncommitted edits are what the user is about to commit). `None` when
    /// there is no head commit (an unborn HEAD has no tree).
    pub fn open(
        changes: &ChangeSet,
        working_tree: bool,
        max_file_bytes: u64,
    ) -> Result<Option<Snapshot>, DiffError> {
        let repo = repo::open(&changes.root)?;
        let Some(head) = changes
            .meta
            .head
            .as_deref()
            .and_then(|h| Oid::from_str(h).ok())
        else {
            return Ok(None);
        };
        let tree = repo
            .find_commit(head)
            .and_then(|c| c.tree())
            .map_err(|e| DiffError::git(format!("cannot read the tree of {head}"), e))?;
        let mut paths = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                paths.push(format!("{dir}{}", entry.name().unwrap_or_default()));
            }
            TreeWalkResult::Ok
        })
        .map_err(|e| DiffError::git("cannot list the tree", e))?;
        let side = if working_tree {
            let root = repo::require_worktree(&repo, "worktree")?;
            let disk = RefCell::new(DiskRoot::new(&root)?);
            Side::Disk(root, disk)
        } else {
            Side::Tree(tree.id())
        };
        drop(tree);
        Ok(Some(Snapshot {
            repo,
            side,
            paths,
            limit: max_file_bytes,
        }))
    }

    /// Every file path of the head commit's tree, `/`-separated.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The file's text on the scanned side, or `None` when it is missing, binary, not UTF-8 or too large:
    /// context is best effort, a file that cannot be read only means fewer facts.
    pub fn read(&self, path: &str) -> Option<String> {
        let content = match &self.side {
            Side::Disk(root, disk) => {
                content::read_disk(&mut disk.borrow_mut(), &root.join(path), self.limit).ok()?
            }
            Side::Tree(tree) => {
                let entry = self
                    .repo
                    .find_tree(*tree)
                    .ok()?
                    .get_path(Path::new(path))
                    .ok()?;
                let odb = self.repo.odb().ok()?;
                // A damaged object was already refused by the scan; here a missing fact only means fewer facts.
                content::read_blob(&self.repo, &odb, entry.id(), self.limit)
                    .ok()?
                    .ok()?
            }
        };
        // Lossily decoded text is not what the code rules read, so it is no context for them either.
        content::to_text(content, Some(&self.repo), path)
            .ok()
            .filter(|t| !t.lossy)
            .map(|t| t.text)
    }
}
