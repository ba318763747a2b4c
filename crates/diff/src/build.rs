//! Turning the deltas of a `git2::Diff` into [`ChangedFile`]s.
//!
//! The tree-level diff only says *which* files changed; it loads no content. For each file we then read the new
//! side once (blob or disk), decide whether it is scannable, read the old blob once, and let libgit2 diff the two
//! in-memory buffers with zero context lines. Asking libgit2 for the patch of the diff itself (`Patch::from_diff`)
//! was rejected: it loads both blobs internally and gives no access to their bytes, so every blob would be read
//! twice.

use std::path::{Path, PathBuf};

use git2::{
    Delta, Diff, DiffDelta, DiffLineType, DiffOptions, FileMode, Odb, Oid, Patch, Repository, Tree,
};
use secreview_model::lines::lone_cr_to_lf;
use secreview_model::{ChangedFile, FileStatus, LineSet, SkipReason, Skipped, count_lines};

use crate::Options;
use crate::at::AttrsAt;
use crate::content::{self, Content, DiskRoot, Text, unreadable};
use crate::error::DiffError;

/// Where the new side of a delta lives.
#[derive(Clone, Copy)]
pub(crate) enum NewSide<'a> {
    /// In the object database (trees, the index).
    Odb,
    /// On disk under this working-tree root (worktree mode): git's id for it may be unhashed.
    Disk(&'a Path),
}

/// Per-diff context for [`Builder::add_diff`].
pub(crate) struct DiffCtx<'a, 'r> {
    pub new_side: NewSide<'a>,
    /// The commit being scanned, in per-commit scans.
    pub commit: Option<&'a str>,
    /// Trees of a merge commit's other parents: a file identical to one of them was only carried over by the
    /// merge, so it introduced nothing.
    pub other_parents: &'a [Tree<'r>],
    /// Keep files whose change only removed lines (regression rules need them); per-commit scans do not.
    pub keep_deletion_only: bool,
    /// Fill `disk_path` from this root.
    pub disk_root: Option<&'a Path>,
}

pub(crate) struct Builder<'r> {
    repo: &'r Repository,
    odb: Odb<'r>,
    limit: u64,
    patch_opts: DiffOptions,
    attrs_at: Option<AttrsAt>,
    /// Created on the first file read from disk.
    disk: Option<DiskRoot>,
    pub files: Vec<ChangedFile>,
    pub skipped: Vec<Skipped>,
}

/// Options for the tree-level diff: which files differ, no content.
pub(crate) fn tree_diff_options() -> DiffOptions {
    let mut o = DiffOptions::new();
    o.context_lines(0)
        .interhunk_lines(0)
        .include_typechange(true)
        // Binary detection is ours (on bytes we read anyway); letting libgit2 do it loads content early.
        .skip_binary_check(true);
    o
}

/// The diff of two trees. Equal trees (an empty pre-push range, a branch level with its base) give the empty
/// diff at once: libgit2 would still walk every directory of both to find nothing.
pub(crate) fn diff_trees<'r>(
    repo: &'r git2::Repository,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    opts: &mut DiffOptions,
) -> Result<Diff<'r>, git2::Error> {
    match (old, new) {
        (Some(a), Some(b)) if a.id() == b.id() => repo.diff_tree_to_tree(None, None, Some(opts)),
        _ => repo.diff_tree_to_tree(old, new, Some(opts)),
    }
}

/// Rename detection only (no copies, no rewrites), bounded like git's `diff.renameLimit`.
pub(crate) fn find_renames(
    diff: &mut Diff<'_>,
    opts: &Options,
    for_untracked: bool,
) -> Result<(), DiffError> {
    if !opts.detect_renames {
        return Ok(());
    }
    let mut find = git2::DiffFindOptions::new();
    find.renames(true)
        .copies(false)
        .for_untracked(for_untracked)
        .rename_limit(1000);
    diff.find_similar(Some(&mut find))
        .map_err(|e| DiffError::git("rename detection failed", e))
}

impl<'r> Builder<'r> {
    pub(crate) fn new(repo: &'r Repository, opts: &Options) -> Result<Self, DiffError> {
        let odb = repo
            .odb()
            .map_err(|e| DiffError::git("cannot open the object database", e))?;
        let attrs_at = opts
            .attributes_at
            .as_deref()
            .map(|rev| AttrsAt::new(repo, rev))
            .transpose()?;
        Ok(Self {
            repo,
            odb,
            limit: opts.max_file_bytes,
            patch_opts: patch_options(),
            attrs_at,
            disk: None,
            files: Vec::new(),
            skipped: Vec::new(),
        })
    }

    /// The text of a new side, with `.gitattributes` from [`Options::attributes_at`] when set.
    fn to_text(&self, c: Content<'_>, path: &str) -> Result<Text, SkipReason> {
        match &self.attrs_at {
            Some(attrs) => content::text_unless_marked(c, || attrs.says_binary(path)),
            None => content::to_text(c, Some(self.repo), path),
        }
    }

    pub(crate) fn skip(&mut self, path: String, reason: SkipReason) {
        self.skipped.push(Skipped { path, reason });
    }

    /// Per-file problems become [`Skipped`] notes; a damaged object is an error.
    pub(crate) fn add_diff(
        &mut self,
        diff: &Diff<'_>,
        ctx: &DiffCtx<'_, 'r>,
    ) -> Result<(), DiffError> {
        for delta in diff.deltas() {
            self.add_delta(&delta, ctx)?;
        }
        Ok(())
    }

    fn add_delta(&mut self, delta: &DiffDelta<'_>, ctx: &DiffCtx<'_, 'r>) -> Result<(), DiffError> {
        let new = delta.new_file();
        let old = delta.old_file();
        let path = path_string(new.path_bytes().or(old.path_bytes()));
        let old_path = old.path_bytes().map(|p| path_string(Some(p)));

        let (status, diff_old) = match delta.status() {
            Delta::Unmodified | Delta::Ignored => return Ok(()),
            Delta::Deleted => {
                self.skip(old_path.unwrap_or(path), SkipReason::Deleted);
                return Ok(());
            }
            Delta::Unreadable => {
                self.skip(path, unreadable("git could not read it"));
                return Ok(());
            }
            Delta::Conflicted if matches!(ctx.new_side, NewSide::Odb) => {
                self.skip(path, unreadable("unmerged (conflicted) in the index"));
                return Ok(());
            }
            // A type change (symlink or submodule to file) has no textual base to compare with.
            Delta::Added | Delta::Untracked | Delta::Typechange => (FileStatus::Added, false),
            Delta::Modified | Delta::Conflicted => (FileStatus::Modified, true),
            Delta::Renamed => (FileStatus::Renamed, true),
            Delta::Copied => (FileStatus::Added, true),
        };

        let skip_reason = match new.mode() {
            FileMode::Link => Some(SkipReason::Symlink),
            // `Tree` is an untracked nested repository in worktree mode.
            FileMode::Commit | FileMode::Tree => Some(SkipReason::Submodule),
            FileMode::Unreadable => Some(unreadable("git could not read it")),
            FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable => None,
        };
        if let Some(reason) = skip_reason {
            self.skip(path, reason);
            return Ok(());
        }

        if !ctx.other_parents.is_empty()
            && taken_from_other_parent(ctx.other_parents, &path, new.id())
        {
            return Ok(());
        }

        let loaded = match ctx.new_side {
            NewSide::Odb => content::read_blob(self.repo, &self.odb, new.id(), self.limit)?,
            NewSide::Disk(root) => {
                if self.disk.is_none() {
                    self.disk = Some(DiskRoot::new(root)?);
                }
                match self.disk.as_mut() {
                    Some(disk) => content::read_disk(disk, &root.join(&path), self.limit),
                    None => Err(unreadable("the working tree root is unavailable")),
                }
            }
        };
        let Text {
            text: new_text,
            lossy,
        } = match loaded.and_then(|c| self.to_text(c, &path)) {
            Ok(text) => text,
            Err(reason) => {
                self.skip(path, reason);
                return Ok(());
            }
        };
        if lossy {
            self.skip(path.clone(), SkipReason::NotUtf8);
        }

        let old_blob = if diff_old && is_blob_mode(old.mode()) && !old.id().is_zero() {
            Some(content::find_blob(self.repo, old.id())?)
        } else {
            None
        };
        let (added, removed) = match &old_blob {
            Some(blob) => {
                let normalize_crlf = matches!(ctx.new_side, NewSide::Disk(_));
                match self.line_sets(blob.content(), new_text.as_bytes(), normalize_crlf) {
                    Ok(sets) => sets,
                    Err(e) => {
                        self.skip(path, unreadable(e.message()));
                        return Ok(());
                    }
                }
            }
            None => (LineSet::all(count_lines(&new_text)), LineSet::new()),
        };

        if added.is_empty()
            && (!ctx.keep_deletion_only || (removed.is_empty() && status == FileStatus::Modified))
        {
            // Nothing added: per-commit scans only look at additions; a mode-only change has nothing at all.
            return Ok(());
        }

        let old_text = old_blob
            .as_ref()
            .and_then(|b| std::str::from_utf8(b.content()).ok())
            .map(str::to_owned);
        let disk_path = ctx.disk_root.map(|r| r.join(&path));
        self.files.push(ChangedFile {
            old_path: if old_blob.is_some() || status != FileStatus::Added {
                old_path
            } else {
                None
            },
            path,
            status,
            new_text,
            old_text,
            added,
            removed,
            commit: ctx.commit.map(str::to_owned),
            disk_path,
            lossy,
        });
        Ok(())
    }

    /// Added (new-side) and removed (old-side) line numbers of `old -> new`.
    fn line_sets(
        &mut self,
        old: &[u8],
        new: &[u8],
        normalize_crlf: bool,
    ) -> Result<(LineSet, LineSet), git2::Error> {
        text_line_sets(&mut self.patch_opts, old, new, normalize_crlf)
    }
}

/// The options [`text_line_sets`] expects: zero context, text even for odd bytes, git's line attribution.
pub(crate) fn patch_options() -> DiffOptions {
    let mut patch_opts = DiffOptions::new();
    patch_opts
        .context_lines(0)
        .interhunk_lines(0)
        // The new side passed our binary checks; an odd old side must still yield line numbers.
        .force_text(true)
        // Same line attribution as `git diff` (its default since 2.14).
        .indent_heuristic(true);
    patch_opts
}

/// Added (new-side) and removed (old-side) line numbers of `old -> new`, numbered the way every crate counts
/// lines (`secreview_model::lines`).
pub(crate) fn text_line_sets(
    patch_opts: &mut DiffOptions,
    old: &[u8],
    new: &[u8],
    normalize_crlf: bool,
) -> Result<(LineSet, LineSet), git2::Error> {
    // git splits lines on LF only; a lone CR (old Mac files) ends a line for us. Turning it into LF keeps the
    // length and makes git's line numbers ours.
    let old = lone_cr_to_lf(old);
    let new = lone_cr_to_lf(new);
    let (old, new) = (&*old, &*new);
    // A checkout with `core.autocrlf` has CRLF on disk and LF in the blob; comparing raw bytes would mark
    // every line as added. Stripping the CR keeps line numbers (lines split on LF) and the text is untouched.
    let normalized: Vec<u8>;
    let new = if normalize_crlf && !old.contains(&b'\r') && contains_crlf(new) {
        normalized = strip_cr_before_lf(new);
        &normalized
    } else {
        new
    };
    let patch = Patch::from_buffers(old, None, new, None, Some(patch_opts))?;
    patch_line_sets(&patch, true)
}

/// Added and removed line numbers of a zero-context patch. With `trust_headers`, a hunk without context lines
/// is read from its header alone: with zero context it is a block of removed lines then a block of added ones,
/// so the per-line walk (O(lines) FFI calls) is only needed for hunks carrying end-of-file newline markers.
fn patch_line_sets(
    patch: &Patch<'_>,
    trust_headers: bool,
) -> Result<(LineSet, LineSet), git2::Error> {
    let mut added = LineSet::new();
    let mut removed = LineSet::new();
    for h in 0..patch.num_hunks() {
        let (hunk, lines) = patch.hunk(h)?;
        let (old_n, new_n) = (hunk.old_lines(), hunk.new_lines());
        if trust_headers && lines == (old_n + new_n) as usize {
            if new_n > 0 {
                added.insert_range(hunk.new_start(), hunk.new_start() + new_n - 1);
            }
            if old_n > 0 {
                removed.insert_range(hunk.old_start(), hunk.old_start() + old_n - 1);
            }
            continue;
        }
        for l in 0..lines {
            let line = patch.line_in_hunk(h, l)?;
            match line.origin_value() {
                DiffLineType::Addition => {
                    if let Some(n) = line.new_lineno() {
                        added.insert(n);
                    }
                }
                DiffLineType::Deletion => {
                    if let Some(n) = line.old_lineno() {
                        removed.insert(n);
                    }
                }
                _ => {}
            }
        }
    }
    Ok((added, removed))
}

fn is_blob_mode(mode: FileMode) -> bool {
    matches!(
        mode,
        FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable
    )
}

fn taken_from_other_parent(parents: &[Tree<'_>], path: &str, id: Oid) -> bool {
    parents
        .iter()
        .any(|t| t.get_path(Path::new(path)).is_ok_and(|e| e.id() == id))
}

/// git paths are `/`-separated bytes, almost always UTF-8.
pub(crate) fn path_string(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned())
}

/// `/`-separated relative path from a filesystem path.
pub(crate) fn rel_string(path: &Path) -> String {
    let mut out = String::new();
    for (i, c) in path.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    out
}

fn contains_crlf(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\r\n")
}

fn strip_cr_before_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

/// A file read from disk as a whole (`--all`) into `files`, or the reason it was skipped into `skipped` (a file
/// that is not UTF-8 lands in both: scanned for secrets, skipped by the code rules).
pub(crate) fn whole_file(
    repo: Option<&Repository>,
    root: &mut DiskRoot,
    (rel, full): (String, PathBuf),
    limit: u64,
    files: &mut Vec<ChangedFile>,
    skipped: &mut Vec<Skipped>,
) {
    let text = content::read_disk(root, &full, limit)
        .and_then(|c: Content<'_>| content::to_text(c, repo, &rel));
    match text {
        Ok(Text { text, lossy }) => {
            if lossy {
                skipped.push(Skipped {
                    path: rel.clone(),
                    reason: SkipReason::NotUtf8,
                });
            }
            let mut file = ChangedFile::whole(rel, text);
            file.disk_path = Some(full);
            file.lossy = lossy;
            files.push(file);
        }
        Err(reason) => skipped.push(Skipped { path: rel, reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_cr_lines_are_numbered_like_every_other_crate() {
        let old = b"a\rb\rc\r";
        let new = b"a\rb\rX\rc\rY\r";
        let (added, removed) = text_line_sets(&mut patch_options(), old, new, false).unwrap();
        assert_eq!(added.iter().collect::<Vec<_>>(), [3, 5]);
        assert!(removed.is_empty());
        // Mixed styles: `\r\r\n` is two line breaks, as `secreview_model::lines` counts them.
        let (added, _) = text_line_sets(
            &mut patch_options(),
            b"a\r\r\nb\n",
            b"a\r\r\nb\nc\rd",
            false,
        )
        .unwrap();
        assert_eq!(added.iter().collect::<Vec<_>>(), [4, 5]);
    }

    /// Deterministic pseudo-random edits: the header fast path must agree with the per-line walk.
    #[test]
    fn hunk_headers_agree_with_the_line_walk() {
        let mut seed: u64 = 0x5eed;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for case in 0..300 {
            let old: Vec<String> = (0..next(40)).map(|i| format!("l{}", i % 7)).collect();
            let mut new = old.clone();
            for _ in 0..next(6) {
                let at = next(new.len() as u64 + 1) as usize;
                match next(3) {
                    0 => new.insert(at, format!("x{case}")),
                    1 if at < new.len() => {
                        new.remove(at);
                    }
                    _ if at < new.len() => new[at] = format!("y{case}"),
                    _ => new.push(String::from("z")),
                }
            }
            let join = |v: &[String], eol: bool| {
                let mut s = v.join("\n");
                if eol && !s.is_empty() {
                    s.push('\n');
                }
                s
            };
            let old_text = join(&old, next(4) != 0);
            let new_text = join(&new, next(4) != 0);
            let mut opts = DiffOptions::new();
            opts.context_lines(0)
                .interhunk_lines(0)
                .force_text(true)
                .indent_heuristic(true);
            let patch = Patch::from_buffers(
                old_text.as_bytes(),
                None,
                new_text.as_bytes(),
                None,
                Some(&mut opts),
            )
            .unwrap();
            assert_eq!(
                patch_line_sets(&patch, true).unwrap(),
                patch_line_sets(&patch, false).unwrap(),
                "case {case}: {old_text:?} -> {new_text:?}"
            );
        }
    }

    #[test]
    fn strips_only_cr_before_lf() {
        assert_eq!(strip_cr_before_lf(b"a\r\nb\rc\r\n"), b"a\nb\rc\n");
        assert!(contains_crlf(b"x\r\n") && !contains_crlf(b"x\n\r"));
    }
}
