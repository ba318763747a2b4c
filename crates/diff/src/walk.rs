//! `--all`: every tracked file of a repository's working tree, or every non-ignored file of a plain directory.

use std::path::{Path, PathBuf};

use git2::Repository;
use ignore::WalkBuilder;
use secreview_model::{ChangedFile, SkipReason, Skipped};

use crate::build::{rel_string, whole_file};
use crate::content::{DiskRoot, unreadable};
use crate::error::DiffError;

const MODE_TYPE_MASK: u32 = 0o170_000;
const MODE_FILE: u32 = 0o100_000;
const MODE_SYMLINK: u32 = 0o120_000;
const MODE_GITLINK: u32 = 0o160_000;

/// Tracked files come from the index (so a file staged but not yet committed counts); their text is read from
/// disk, which is what the user is looking at. Unmerged paths appear once.
pub(crate) fn tracked(
    repo: &Repository,
    root: &Path,
    limit: u64,
    files: &mut Vec<ChangedFile>,
    skipped: &mut Vec<Skipped>,
) -> Result<(), DiffError> {
    let index = repo
        .index()
        .map_err(|e| DiffError::git("cannot read the index", e))?;
    let mut disk = DiskRoot::new(root)?;
    let mut previous: Option<Vec<u8>> = None;
    for entry in index.iter() {
        if previous.as_deref() == Some(entry.path.as_slice()) {
            continue;
        }
        let rel = String::from_utf8_lossy(&entry.path).into_owned();
        match entry.mode & MODE_TYPE_MASK {
            MODE_SYMLINK => skipped.push(Skipped {
                path: rel,
                reason: SkipReason::Symlink,
            }),
            MODE_GITLINK => skipped.push(Skipped {
                path: rel,
                reason: SkipReason::Submodule,
            }),
            MODE_FILE => {
                let full = root.join(&rel);
                whole_file(Some(repo), &mut disk, (rel, full), limit, files, skipped);
            }
            _ => skipped.push(Skipped {
                path: rel,
                reason: unreadable("unknown index entry mode"),
            }),
        }
        previous = Some(entry.path);
    }
    Ok(())
}

/// A directory outside any repository: `.gitignore`/`.ignore` files are still honoured, hidden files (`.env`!)
/// are not skipped, `.git` directories are. Returns the root the paths are relative to.
pub(crate) fn plain(
    path: &Path,
    limit: u64,
    files: &mut Vec<ChangedFile>,
    skipped: &mut Vec<Skipped>,
) -> Result<PathBuf, DiffError> {
    let abs = std::path::absolute(path).map_err(|e| DiffError::Walk {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let root = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf)
    };
    let mut disk = DiskRoot::new(&root)?;
    let mut walker = WalkBuilder::new(&abs);
    walker
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git");
    for result in walker.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(err) => {
                let rel = error_path(&err)
                    .and_then(|p| p.strip_prefix(&root).ok())
                    .map_or_else(|| ".".to_owned(), rel_string);
                skipped.push(Skipped {
                    path: rel,
                    reason: unreadable(&err),
                });
                continue;
            }
        };
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&root)
            .map_or_else(|_| entry.path().to_string_lossy().into_owned(), rel_string);
        if kind.is_symlink() {
            skipped.push(Skipped {
                path: rel,
                reason: SkipReason::Symlink,
            });
            continue;
        }
        whole_file(
            None,
            &mut disk,
            (rel, entry.into_path()),
            limit,
            files,
            skipped,
        );
    }
    Ok(root)
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}
