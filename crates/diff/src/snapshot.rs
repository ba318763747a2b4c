//! The scanned side of the tree as a whole, for context: the analyses read the modules the changed files import
//! (an auth dependency in `api/deps.py`), not only the changed files.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

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
    /// Each path's blob, from the same walk (a lookup by path would walk the trees again per read).
    blobs: HashMap<String, Oid>,
    limit: u64,
}

enum Side {
    /// The head commit's tree, read through [`Snapshot::blobs`].
    Tree,
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
        let mut blobs = HashMap::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                blobs.insert(path.clone(), entry.id());
                paths.push(path);
            }
            TreeWalkResult::Ok
        })
        .map_err(|e| DiffError::git("cannot list the tree", e))?;

        let side = if working_tree {
            let root = repo::require_worktree(&repo, "worktree")?;
            let disk = RefCell::new(DiskRoot::new(&root)?);
            Side::Disk(root, disk)
        } else {
            Side::Tree
        };
        drop(tree);
        Ok(Some(Snapshot {
            repo,
            side,
            paths,
            blobs,
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
            Side::Tree => return blob_text(&self.repo, *self.blobs.get(path)?, self.limit, path),
        };
        context_text(content, path)
    }

    /// [`Snapshot::read`] of every path, in order. From the object database the paths are shared among up to
    /// [`MAX_READ_THREADS`] threads, each with its own handle on the repository (libgit2 handles are not
    /// `Sync`): inflating blobs is most of what reading the project's context costs.
    pub fn read_many(&self, paths: &[String]) -> Vec<Option<String>> {
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(MAX_READ_THREADS);
        let parallel =
            matches!(self.side, Side::Tree) && paths.len() >= PARALLEL_READS_MIN && workers > 1;
        // Opened here, so a handle that cannot be opened only means fewer threads.
        let handles: Vec<Repository> = if parallel {
            (1..workers)
                .filter_map(|_| Repository::open(self.repo.path()).ok())
                .collect()
        } else {
            Vec::new()
        };
        if handles.is_empty() {
            return paths.iter().map(|p| self.read(p)).collect();
        }
        let chunk = paths.len().div_ceil(handles.len() + 1);
        let mut parts = paths.chunks(chunk);
        let own = parts.next().unwrap_or_default();
        let (blobs, limit) = (&self.blobs, self.limit);
        std::thread::scope(|s| {
            let others: Vec<_> = parts
                .zip(handles)
                .map(|(part, repo)| {
                    s.spawn(move || {
                        part.iter()
                            .map(|p| blob_text(&repo, *blobs.get(p)?, limit, p))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut out: Vec<Option<String>> = own.iter().map(|p| self.read(p)).collect();
            for h in others {
                out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            out
        })
    }
}

/// Below this many files a batch is read on one thread: opening another handle costs more than it saves.
const PARALLEL_READS_MIN: usize = 32;
const MAX_READ_THREADS: usize = 4;

/// A blob's text for context. A damaged object was already refused by the scan; here a missing fact only
/// means fewer facts.
fn blob_text(repo: &Repository, oid: Oid, limit: u64, path: &str) -> Option<String> {
    let odb = repo.odb().ok()?;
    let content = content::read_blob(repo, &odb, oid, limit).ok()?.ok()?;
    context_text(content, path)
}

/// Lossily decoded text is not what the code rules read, so it is no context for them either. A file that
/// `.gitattributes` marks binary is still code the application runs, so its facts count: no attribute lookup,
/// which would cost libgit2 a walk up every directory of the path and a read of the index.
fn context_text(content: content::Content<'_>, path: &str) -> Option<String> {
    content::to_text(content, None, path)
        .ok()
        .filter(|t| !t.lossy)
        .map(|t| t.text)
}
